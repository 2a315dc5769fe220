//! An in-memory file system: the embedded default implementation of [`Directory`] and
//! [`File`], `no_std` + `alloc`.
//!
//! # Model
//!
//! A [`MemoryFileSystem`] owns an inode table behind one spin lock. Every inode is a regular
//! file (`Vec<u8>`), a directory (a `BTreeMap` from name to inode number) or a symbolic link
//! (its target string), with a link count and three timestamps taken from the [`Clock`] given
//! at construction. Handles ([`MemoryDirectory`], [`MemoryFile`]) name an inode by number and
//! keep it alive: an inode is freed when its last link *and* its last handle are gone.
//!
//! # Semantics (POSIX-like, the same as the host adapter's on Linux)
//!
//! - Names are validated with [`validate_name`]; a symbolic link named by `name` is never
//!   followed (opening one fails with [`FsError::SymlinkLoop`]).
//! - Inode numbers are unique for the life of the file system (never reused); every file
//!   system gets its own device id, unique in the process.
//! - Directories have POSIX link counts: 2 + the number of subdirectories, 0 once removed.
//!   A directory's `size` is its number of entries.
//! - **Unlinked but open:** a file whose last link is removed keeps working through its open
//!   handles (reads, writes, metadata with `link_count` 0) until the last handle is dropped.
//!   A removed directory behaves like a deleted directory on Linux: it lists no entries,
//!   looking an entry up fails with [`FsError::NotFound`], and so does creating one (file,
//!   directory, symlink, link or rename target); its own metadata still works.
//! - `rename` follows POSIX: it replaces a file, or an empty directory when moving a
//!   directory; a directory onto a non-directory → [`FsError::NotADirectory`]; a
//!   non-directory onto a directory → [`FsError::IsADirectory`]; onto a non-empty directory
//!   → [`FsError::DirectoryNotEmpty`]; a directory into itself or its own subtree →
//!   [`FsError::InvalidInput`]; onto a directory that contains the source →
//!   [`FsError::DirectoryNotEmpty`] (as Linux); when both names are links to the same inode
//!   (including the same name) nothing happens. Directories of another adapter or another
//!   `MemoryFileSystem` → [`FsError::CrossDevice`].
//! - `hard_link` to a directory → [`FsError::NotPermitted`]; it links a symlink itself.
//! - `symlink` targets are stored verbatim: an empty target → [`FsError::NotFound`], a NUL
//!   → [`FsError::InvalidInput`], longer than [`MAX_SYMLINK_TARGET_LENGTH`] →
//!   [`FsError::NameTooLong`] (Linux's answers).
//! - Opening: `truncate` without `write` → [`FsError::InvalidInput`]; `exclusive` is
//!   ignored without `create`; `exclusive` on any existing entry (a symlink too) →
//!   [`FsError::AlreadyExists`].
//! - Access modes are enforced per handle: reading a handle opened without `read`, or
//!   writing, appending or `set_len` without `write` → [`FsError::PermissionDenied`]
//!   (POSIX would say `EBADF`, which [`FsError`] does not have). `set_times` needs neither.
//! - Files hold at most [`MAX_FILE_SIZE`] bytes ([`FsError::FileTooLarge`] beyond). With a
//!   capacity ([`MemoryFileSystem::with_capacity`]), file contents and symlink targets may
//!   use at most that many bytes: a write that does not fit entirely is short, one that
//!   cannot write anything fails with [`FsError::NoSpace`]; `set_len` and `symlink` are all
//!   or nothing. Memory is reserved fallibly, so running out of heap is also
//!   [`FsError::NoSpace`], never an abort.
//! - Timestamps: creating an entry sets all three times of the new inode and the `modified`
//!   and `changed` times of its directory; removing, linking and renaming update the
//!   directories' `modified`/`changed` and the inode's `changed`; a write or a size change
//!   updates `modified` and `changed`, and so does opening with `truncate`; a read with a
//!   non-empty buffer and listing a directory update `accessed`. `set_times` with at least
//!   one change also sets `changed` to now. Empty writes change nothing.
//! - `entries()` is sorted by name (byte order), like the host adapter's.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::any::Any;
use core::fmt;
use core::sync::atomic::{AtomicU32, Ordering};

use spin::Mutex;

use crate::clock::{Clock, ClockKind, ManualClock};
use crate::fs::{
    Directory, DirectoryEntry, File, FileType, FsError, Metadata, OpenOptions, TimeChange,
    validate_name,
};

/// The longest symbolic-link target, in bytes (Linux's `PATH_MAX` less the NUL).
pub const MAX_SYMLINK_TARGET_LENGTH: usize = 4095;

/// The largest file, in bytes: what a `Vec<u8>` can hold on this target (`isize::MAX`).
pub const MAX_FILE_SIZE: u64 = isize::MAX as u64;

/// The root directory's inode number.
const ROOT_INODE: u64 = 1;

/// Device ids handed to new file systems (32-bit atomics exist on every target we build for;
/// 64-bit ones do not on riscv32).
static NEXT_DEVICE: AtomicU32 = AtomicU32::new(1);

/// An in-memory file system. Cloning gives another handle to the same file system.
///
/// See the [module documentation](self) for its semantics.
#[derive(Clone)]
pub struct MemoryFileSystem {
    shared: Arc<Shared>,
}

/// What every handle of one file system shares.
struct Shared {
    device: u64,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
}

/// The inode table and the space accounting.
struct State {
    inodes: BTreeMap<u64, Inode>,
    next_inode: u64,
    used: u64,
    capacity: Option<u64>,
}

struct Inode {
    node: Node,
    /// Hard links (for directories: 2 + subdirectories while linked, 0 once removed).
    links: u64,
    /// Open handles ([`MemoryDirectory`], [`MemoryFile`]) naming this inode.
    handles: u64,
    accessed: u64,
    modified: u64,
    changed: u64,
}

enum Node {
    File(Vec<u8>),
    Directory {
        entries: BTreeMap<String, u64>,
        /// The directory that holds this one (the root holds itself). Kept after removal.
        parent: u64,
    },
    Symlink(String),
}

impl Node {
    fn file_type(&self) -> FileType {
        match self {
            Node::File(_) => FileType::RegularFile,
            Node::Directory { .. } => FileType::Directory,
            Node::Symlink(_) => FileType::SymbolicLink,
        }
    }

    /// Bytes charged against the capacity.
    fn charged_bytes(&self) -> u64 {
        match self {
            Node::File(data) => data.len() as u64,
            Node::Directory { .. } => 0,
            Node::Symlink(target) => target.len() as u64,
        }
    }

    fn is_directory(&self) -> bool {
        matches!(self, Node::Directory { .. })
    }
}

impl Default for MemoryFileSystem {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemoryFileSystem {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.state.lock();
        formatter
            .debug_struct("MemoryFileSystem")
            .field("device", &self.shared.device)
            .field("inodes", &state.inodes.len())
            .field("used", &state.used)
            .field("capacity", &state.capacity)
            .finish()
    }
}

impl MemoryFileSystem {
    /// An empty file system whose clock stands still at the Unix epoch (every timestamp is
    /// 0), without a capacity limit. Use [`MemoryFileSystem::with_clock`] for real times.
    pub fn new() -> Self {
        Self::with_clock(Arc::new(ManualClock::new(0)))
    }

    /// An empty file system that timestamps with `clock` ([`ClockKind::Realtime`]), without
    /// a capacity limit.
    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        let now = clock.now(ClockKind::Realtime);
        let root = Inode {
            node: Node::Directory {
                entries: BTreeMap::new(),
                parent: ROOT_INODE,
            },
            links: 2,
            handles: 0,
            accessed: now,
            modified: now,
            changed: now,
        };
        let mut inodes = BTreeMap::new();
        inodes.insert(ROOT_INODE, root);
        Self {
            shared: Arc::new(Shared {
                device: u64::from(NEXT_DEVICE.fetch_add(1, Ordering::Relaxed)),
                clock,
                state: Mutex::new(State {
                    inodes,
                    next_inode: ROOT_INODE + 1,
                    used: 0,
                    capacity: None,
                }),
            }),
        }
    }

    /// Limits file contents and symlink targets to `bytes` in total (see the module
    /// documentation for what happens at the limit).
    pub fn with_capacity(self, bytes: u64) -> Self {
        self.set_capacity(Some(bytes));
        self
    }

    /// Changes the capacity limit (`None`: unlimited). Lowering it below what is used makes
    /// every growth fail until space is freed; nothing is discarded.
    pub fn set_capacity(&self, bytes: Option<u64>) {
        self.shared.state.lock().capacity = bytes;
    }

    /// The capacity limit, if any.
    pub fn capacity(&self) -> Option<u64> {
        self.shared.state.lock().capacity
    }

    /// Bytes used by file contents and symlink targets (including unlinked files still
    /// open).
    pub fn used_bytes(&self) -> u64 {
        self.shared.state.lock().used
    }

    /// This file system's device id (as in [`Metadata::device`]).
    pub fn device(&self) -> u64 {
        self.shared.device
    }

    /// A new handle to the root directory. Call it as often as needed: every handle sees
    /// the same tree.
    pub fn root(&self) -> Box<dyn Directory> {
        Box::new(self.root_directory())
    }

    /// A new handle to the root directory, as its concrete type.
    pub fn root_directory(&self) -> MemoryDirectory {
        MemoryDirectory::new(
            self.shared.clone(),
            ROOT_INODE,
            &mut self.shared.state.lock(),
        )
    }
}

impl Shared {
    fn now(&self) -> u64 {
        self.clock.now(ClockKind::Realtime)
    }

    /// Drops one handle to `inode`, freeing it if nothing else keeps it.
    fn release_handle(&self, inode: u64) {
        let mut state = self.state.lock();
        if let Some(entry) = state.inodes.get_mut(&inode) {
            entry.handles = entry.handles.saturating_sub(1);
        }
        state.free_if_unused(inode);
    }
}

impl State {
    fn inode(&self, inode: u64) -> Result<&Inode, FsError> {
        // A handle keeps its inode alive and entries always name live inodes, so a miss is
        // an internal inconsistency: report it rather than panic.
        self.inodes.get(&inode).ok_or(FsError::Io)
    }

    fn inode_mut(&mut self, inode: u64) -> Result<&mut Inode, FsError> {
        self.inodes.get_mut(&inode).ok_or(FsError::Io)
    }

    fn entries(&self, directory: u64) -> Result<&BTreeMap<String, u64>, FsError> {
        match &self.inode(directory)?.node {
            Node::Directory { entries, .. } => Ok(entries),
            _ => Err(FsError::NotADirectory),
        }
    }

    fn entries_mut(&mut self, directory: u64) -> Result<&mut BTreeMap<String, u64>, FsError> {
        match &mut self.inode_mut(directory)?.node {
            Node::Directory { entries, .. } => Ok(entries),
            _ => Err(FsError::NotADirectory),
        }
    }

    /// The inode `name` names in `directory`, if any.
    fn find(&self, directory: u64, name: &str) -> Result<Option<u64>, FsError> {
        Ok(self.entries(directory)?.get(name).copied())
    }

    /// The inode `name` names in `directory`, or [`FsError::NotFound`].
    fn lookup(&self, directory: u64, name: &str) -> Result<u64, FsError> {
        self.find(directory, name)?.ok_or(FsError::NotFound)
    }

    /// Whether `directory` is still linked (a removed directory takes no new entries).
    fn is_linked(&self, directory: u64) -> Result<bool, FsError> {
        Ok(self.inode(directory)?.links > 0)
    }

    fn parent(&self, directory: u64) -> Option<u64> {
        match &self.inodes.get(&directory)?.node {
            Node::Directory { parent, .. } => Some(*parent),
            _ => None,
        }
    }

    /// Whether `ancestor` is `directory` or one of its ancestors.
    fn is_ancestor_or_self(&self, ancestor: u64, directory: u64) -> bool {
        let mut current = directory;
        // Bounded by the number of inodes: a parent chain cannot be longer without a cycle.
        for _ in 0..=self.inodes.len() {
            if current == ancestor {
                return true;
            }
            match self.parent(current) {
                Some(parent) if parent != current => current = parent,
                _ => return false,
            }
        }
        false
    }

    fn metadata(&self, device: u64, inode: u64) -> Result<Metadata, FsError> {
        let entry = self.inode(inode)?;
        let size = match &entry.node {
            Node::File(data) => data.len() as u64,
            Node::Directory { entries, .. } => entries.len() as u64,
            Node::Symlink(target) => target.len() as u64,
        };
        Ok(Metadata {
            device,
            inode,
            file_type: entry.node.file_type(),
            link_count: entry.links,
            size,
            accessed: entry.accessed,
            modified: entry.modified,
            changed: entry.changed,
        })
    }

    /// Space left under the capacity (`u64::MAX` without one).
    fn available(&self) -> u64 {
        match self.capacity {
            Some(capacity) => capacity.saturating_sub(self.used),
            None => u64::MAX,
        }
    }

    /// Adds a new inode with one link and no handle.
    fn allocate(&mut self, node: Node, links: u64, now: u64) -> Result<u64, FsError> {
        let inode = self.next_inode;
        self.next_inode = inode.checked_add(1).ok_or(FsError::NoSpace)?;
        self.used = self.used.saturating_add(node.charged_bytes());
        self.inodes.insert(
            inode,
            Inode {
                node,
                links,
                handles: 0,
                accessed: now,
                modified: now,
                changed: now,
            },
        );
        Ok(inode)
    }

    /// Frees `inode` if it has neither links nor handles.
    fn free_if_unused(&mut self, inode: u64) {
        let unused = self
            .inodes
            .get(&inode)
            .is_some_and(|entry| entry.links == 0 && entry.handles == 0 && inode != ROOT_INODE);
        if unused && let Some(entry) = self.inodes.remove(&inode) {
            self.used = self.used.saturating_sub(entry.node.charged_bytes());
        }
    }

    /// Marks `directory`'s entries as changed.
    fn touch_directory(&mut self, directory: u64, now: u64) -> Result<(), FsError> {
        let entry = self.inode_mut(directory)?;
        entry.modified = now;
        entry.changed = now;
        Ok(())
    }

    fn touch_changed(&mut self, inode: u64, now: u64) {
        if let Some(entry) = self.inodes.get_mut(&inode) {
            entry.changed = now;
        }
    }

    /// Takes `inode` out of its parent after its entry was removed: one link less for a file
    /// or symlink; for a directory, the directory is gone (0 links) and its parent loses the
    /// `..` link.
    fn unlink(&mut self, parent: u64, inode: u64, now: u64) -> Result<(), FsError> {
        let entry = self.inode_mut(inode)?;
        entry.changed = now;
        if entry.node.is_directory() {
            entry.links = 0;
            let parent = self.inode_mut(parent)?;
            parent.links = parent.links.saturating_sub(1);
        } else {
            entry.links = entry.links.saturating_sub(1);
        }
        self.free_if_unused(inode);
        Ok(())
    }

    /// Checks that a new entry may be created as `name` in `directory`.
    fn check_new_entry(&self, directory: u64, name: &str) -> Result<(), FsError> {
        if self.find(directory, name)?.is_some() {
            return Err(FsError::AlreadyExists);
        }
        if !self.is_linked(directory)? {
            return Err(FsError::NotFound);
        }
        Ok(())
    }

    /// Writes `data` at `offset` of the file `inode`, growing it within the limits.
    fn write_file(
        &mut self,
        inode: u64,
        offset: u64,
        data: &[u8],
        now: u64,
    ) -> Result<usize, FsError> {
        if data.is_empty() {
            return Ok(0);
        }
        let available = self.available();
        let file = self.inode_mut(inode)?;
        let Node::File(contents) = &mut file.node else {
            return Err(FsError::IsADirectory);
        };
        let length = contents.len() as u64;
        let mut end = offset
            .checked_add(data.len() as u64)
            .map_or(MAX_FILE_SIZE, |end| end.min(MAX_FILE_SIZE));
        if end <= offset {
            return Err(FsError::FileTooLarge);
        }
        if end.saturating_sub(length) > available {
            end = length.saturating_add(available);
            if end <= offset {
                return Err(FsError::NoSpace);
            }
        }
        // Both fit in `usize`: `end <= MAX_FILE_SIZE = isize::MAX` and `offset < end`.
        let start = usize::try_from(offset).map_err(|_| FsError::FileTooLarge)?;
        let end = usize::try_from(end).map_err(|_| FsError::FileTooLarge)?;
        let count = end - start;
        if end > contents.len() {
            contents
                .try_reserve(end - contents.len())
                .map_err(|_| FsError::NoSpace)?;
            contents.resize(end, 0);
        }
        contents[start..end].copy_from_slice(&data[..count]);
        let grown = (end as u64).saturating_sub(length);
        file.modified = now;
        file.changed = now;
        self.used = self.used.saturating_add(grown);
        Ok(count)
    }

    /// Sets the size of the file `inode`.
    fn resize_file(&mut self, inode: u64, size: u64, now: u64) -> Result<(), FsError> {
        if size > MAX_FILE_SIZE {
            return Err(FsError::FileTooLarge);
        }
        let available = self.available();
        let file = self.inode_mut(inode)?;
        let Node::File(contents) = &mut file.node else {
            return Err(FsError::IsADirectory);
        };
        let length = contents.len() as u64;
        if size == length {
            return Ok(());
        }
        if size.saturating_sub(length) > available {
            return Err(FsError::NoSpace);
        }
        let new_length = usize::try_from(size).map_err(|_| FsError::FileTooLarge)?;
        if new_length > contents.len() {
            contents
                .try_reserve(new_length - contents.len())
                .map_err(|_| FsError::NoSpace)?;
            contents.resize(new_length, 0);
        } else {
            contents.truncate(new_length);
            contents.shrink_to_fit();
        }
        file.modified = now;
        file.changed = now;
        self.used = self.used.saturating_sub(length).saturating_add(size);
        Ok(())
    }
}

/// Applies a [`TimeChange`] pair to `inode` (no change at all: nothing, not even `changed`).
fn apply_times(inode: &mut Inode, accessed: TimeChange, modified: TimeChange, now: u64) {
    let resolve = |change: TimeChange, current: u64| match change {
        TimeChange::Keep => current,
        TimeChange::Now => now,
        TimeChange::At(time) => time,
    };
    if accessed == TimeChange::Keep && modified == TimeChange::Keep {
        return;
    }
    inode.accessed = resolve(accessed, inode.accessed);
    inode.modified = resolve(modified, inode.modified);
    inode.changed = now;
}

/// An open directory of a [`MemoryFileSystem`]. Cloning opens another handle to it.
pub struct MemoryDirectory {
    shared: Arc<Shared>,
    inode: u64,
}

impl MemoryDirectory {
    /// A handle to `inode`, counted in `state`.
    fn new(shared: Arc<Shared>, inode: u64, state: &mut State) -> Self {
        if let Some(entry) = state.inodes.get_mut(&inode) {
            entry.handles += 1;
        }
        Self { shared, inode }
    }

    /// This directory's inode number.
    pub fn inode(&self) -> u64 {
        self.inode
    }

    /// The file system this directory belongs to.
    pub fn file_system(&self) -> MemoryFileSystem {
        MemoryFileSystem {
            shared: self.shared.clone(),
        }
    }

    /// `other` as a directory of the same file system, or [`FsError::CrossDevice`].
    fn same_file_system<'a>(&self, other: &'a dyn Directory) -> Result<&'a Self, FsError> {
        match other.as_any().downcast_ref::<Self>() {
            Some(other) if Arc::ptr_eq(&self.shared, &other.shared) => Ok(other),
            _ => Err(FsError::CrossDevice),
        }
    }
}

impl Clone for MemoryDirectory {
    fn clone(&self) -> Self {
        Self::new(
            self.shared.clone(),
            self.inode,
            &mut self.shared.state.lock(),
        )
    }
}

impl Drop for MemoryDirectory {
    fn drop(&mut self) {
        self.shared.release_handle(self.inode);
    }
}

impl fmt::Debug for MemoryDirectory {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("MemoryDirectory")
            .field("device", &self.shared.device)
            .field("inode", &self.inode)
            .finish()
    }
}

impl Directory for MemoryDirectory {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn metadata(&self) -> Result<Metadata, FsError> {
        self.shared
            .state
            .lock()
            .metadata(self.shared.device, self.inode)
    }

    fn set_times(&self, accessed: TimeChange, modified: TimeChange) -> Result<(), FsError> {
        let now = self.shared.now();
        let mut state = self.shared.state.lock();
        apply_times(state.inode_mut(self.inode)?, accessed, modified, now);
        Ok(())
    }

    fn sync(&self) -> Result<(), FsError> {
        Ok(())
    }

    fn entries(&self) -> Result<Vec<DirectoryEntry>, FsError> {
        let now = self.shared.now();
        let mut state = self.shared.state.lock();
        let entries = state.entries(self.inode)?;
        let mut listing = Vec::new();
        listing
            .try_reserve_exact(entries.len())
            .map_err(|_| FsError::NoSpace)?;
        for (name, &inode) in entries {
            listing.push(DirectoryEntry {
                name: name.clone(),
                file_type: state.inode(inode)?.node.file_type(),
                inode,
            });
        }
        state.inode_mut(self.inode)?.accessed = now;
        Ok(listing)
    }

    fn stat(&self, name: &str) -> Result<Metadata, FsError> {
        validate_name(name)?;
        let state = self.shared.state.lock();
        let inode = state.lookup(self.inode, name)?;
        state.metadata(self.shared.device, inode)
    }

    fn set_times_at(
        &self,
        name: &str,
        accessed: TimeChange,
        modified: TimeChange,
    ) -> Result<(), FsError> {
        validate_name(name)?;
        let now = self.shared.now();
        let mut state = self.shared.state.lock();
        let inode = state.lookup(self.inode, name)?;
        apply_times(state.inode_mut(inode)?, accessed, modified, now);
        Ok(())
    }

    fn open_directory(&self, name: &str) -> Result<Box<dyn Directory>, FsError> {
        validate_name(name)?;
        let mut state = self.shared.state.lock();
        let inode = state.lookup(self.inode, name)?;
        match state.inode(inode)?.node {
            Node::Directory { .. } => {}
            Node::Symlink(_) => return Err(FsError::SymlinkLoop),
            Node::File(_) => return Err(FsError::NotADirectory),
        }
        Ok(Box::new(MemoryDirectory::new(
            self.shared.clone(),
            inode,
            &mut state,
        )))
    }

    fn open_file(&self, name: &str, options: &OpenOptions) -> Result<Box<dyn File>, FsError> {
        validate_name(name)?;
        if options.truncate && !options.write {
            return Err(FsError::InvalidInput);
        }
        let now = self.shared.now();
        let mut state = self.shared.state.lock();
        let inode = match state.find(self.inode, name)? {
            Some(inode) => {
                if options.create && options.exclusive {
                    return Err(FsError::AlreadyExists);
                }
                match state.inode(inode)?.node {
                    Node::File(_) => {}
                    Node::Directory { .. } => return Err(FsError::IsADirectory),
                    Node::Symlink(_) => return Err(FsError::SymlinkLoop),
                }
                if options.truncate {
                    let file = state.inode_mut(inode)?;
                    let mut freed = 0;
                    if let Node::File(contents) = &mut file.node {
                        freed = contents.len() as u64;
                        *contents = Vec::new();
                    }
                    file.modified = now;
                    file.changed = now;
                    state.used = state.used.saturating_sub(freed);
                }
                inode
            }
            None => {
                if !options.create {
                    return Err(FsError::NotFound);
                }
                state.check_new_entry(self.inode, name)?;
                let inode = state.allocate(Node::File(Vec::new()), 1, now)?;
                state.entries_mut(self.inode)?.insert(name.into(), inode);
                state.touch_directory(self.inode, now)?;
                inode
            }
        };
        if let Some(entry) = state.inodes.get_mut(&inode) {
            entry.handles += 1;
        }
        Ok(Box::new(MemoryFile {
            shared: self.shared.clone(),
            inode,
            read: options.read,
            write: options.write,
        }))
    }

    fn create_directory(&self, name: &str) -> Result<(), FsError> {
        validate_name(name)?;
        let now = self.shared.now();
        let mut state = self.shared.state.lock();
        state.check_new_entry(self.inode, name)?;
        let node = Node::Directory {
            entries: BTreeMap::new(),
            parent: self.inode,
        };
        let inode = state.allocate(node, 2, now)?;
        state.entries_mut(self.inode)?.insert(name.into(), inode);
        let parent = state.inode_mut(self.inode)?;
        parent.links = parent.links.saturating_add(1);
        state.touch_directory(self.inode, now)
    }

    fn remove_directory(&self, name: &str) -> Result<(), FsError> {
        validate_name(name)?;
        let now = self.shared.now();
        let mut state = self.shared.state.lock();
        let inode = state.lookup(self.inode, name)?;
        match &state.inode(inode)?.node {
            Node::Directory { entries, .. } if !entries.is_empty() => {
                return Err(FsError::DirectoryNotEmpty);
            }
            Node::Directory { .. } => {}
            _ => return Err(FsError::NotADirectory),
        }
        state.entries_mut(self.inode)?.remove(name);
        state.touch_directory(self.inode, now)?;
        state.unlink(self.inode, inode, now)
    }

    fn remove_file(&self, name: &str) -> Result<(), FsError> {
        validate_name(name)?;
        let now = self.shared.now();
        let mut state = self.shared.state.lock();
        let inode = state.lookup(self.inode, name)?;
        if state.inode(inode)?.node.is_directory() {
            return Err(FsError::IsADirectory);
        }
        state.entries_mut(self.inode)?.remove(name);
        state.touch_directory(self.inode, now)?;
        state.unlink(self.inode, inode, now)
    }

    fn read_link(&self, name: &str) -> Result<String, FsError> {
        validate_name(name)?;
        let state = self.shared.state.lock();
        let inode = state.lookup(self.inode, name)?;
        match &state.inode(inode)?.node {
            Node::Symlink(target) => Ok(target.clone()),
            _ => Err(FsError::InvalidInput),
        }
    }

    fn symlink(&self, target: &str, name: &str) -> Result<(), FsError> {
        if target.is_empty() {
            return Err(FsError::NotFound);
        }
        if target.contains('\0') {
            return Err(FsError::InvalidInput);
        }
        if target.len() > MAX_SYMLINK_TARGET_LENGTH {
            return Err(FsError::NameTooLong);
        }
        validate_name(name)?;
        let now = self.shared.now();
        let mut state = self.shared.state.lock();
        state.check_new_entry(self.inode, name)?;
        if target.len() as u64 > state.available() {
            return Err(FsError::NoSpace);
        }
        let inode = state.allocate(Node::Symlink(target.into()), 1, now)?;
        state.entries_mut(self.inode)?.insert(name.into(), inode);
        state.touch_directory(self.inode, now)
    }

    fn hard_link(
        &self,
        name: &str,
        new_directory: &dyn Directory,
        new_name: &str,
    ) -> Result<(), FsError> {
        validate_name(name)?;
        validate_name(new_name)?;
        let new_directory = self.same_file_system(new_directory)?.inode;
        let now = self.shared.now();
        let mut state = self.shared.state.lock();
        let inode = state.lookup(self.inode, name)?;
        state.check_new_entry(new_directory, new_name)?;
        if state.inode(inode)?.node.is_directory() {
            return Err(FsError::NotPermitted);
        }
        state
            .entries_mut(new_directory)?
            .insert(new_name.into(), inode);
        let entry = state.inode_mut(inode)?;
        entry.links = entry.links.saturating_add(1);
        entry.changed = now;
        state.touch_directory(new_directory, now)
    }

    fn rename(
        &self,
        name: &str,
        new_directory: &dyn Directory,
        new_name: &str,
    ) -> Result<(), FsError> {
        validate_name(name)?;
        validate_name(new_name)?;
        let new_directory = self.same_file_system(new_directory)?.inode;
        let now = self.shared.now();
        let mut state = self.shared.state.lock();
        let source = state.lookup(self.inode, name)?;
        let target = state.find(new_directory, new_name)?;
        if self.inode != new_directory {
            // The checks and answers of Linux's `lock_rename` traps.
            if state.is_ancestor_or_self(source, new_directory) {
                return Err(FsError::InvalidInput);
            }
            if let Some(target) = target
                && state.is_ancestor_or_self(target, self.inode)
            {
                return Err(FsError::DirectoryNotEmpty);
            }
        }
        if target == Some(source) {
            return Ok(());
        }
        let source_is_directory = state.inode(source)?.node.is_directory();
        match target {
            None => {
                if !state.is_linked(new_directory)? {
                    return Err(FsError::NotFound);
                }
            }
            Some(target) => match (&state.inode(target)?.node, source_is_directory) {
                (Node::Directory { .. }, false) => return Err(FsError::IsADirectory),
                (Node::Directory { entries, .. }, true) if !entries.is_empty() => {
                    return Err(FsError::DirectoryNotEmpty);
                }
                (Node::Directory { .. }, true) => {}
                (_, true) => return Err(FsError::NotADirectory),
                (_, false) => {}
            },
        }

        // Everything is checked: move.
        state.entries_mut(self.inode)?.remove(name);
        state
            .entries_mut(new_directory)?
            .insert(new_name.into(), source);
        if let Some(target) = target {
            state.unlink(new_directory, target, now)?;
        }
        if source_is_directory && self.inode != new_directory {
            let old_parent = state.inode_mut(self.inode)?;
            old_parent.links = old_parent.links.saturating_sub(1);
            let new_parent = state.inode_mut(new_directory)?;
            new_parent.links = new_parent.links.saturating_add(1);
            if let Node::Directory { parent, .. } = &mut state.inode_mut(source)?.node {
                *parent = new_directory;
            }
        }
        state.touch_changed(source, now);
        state.touch_directory(self.inode, now)?;
        state.touch_directory(new_directory, now)
    }
}

/// An open file of a [`MemoryFileSystem`].
pub struct MemoryFile {
    shared: Arc<Shared>,
    inode: u64,
    read: bool,
    write: bool,
}

impl MemoryFile {
    /// This file's inode number.
    pub fn inode(&self) -> u64 {
        self.inode
    }

    fn check_write(&self) -> Result<(), FsError> {
        if self.write {
            Ok(())
        } else {
            Err(FsError::PermissionDenied)
        }
    }
}

impl Drop for MemoryFile {
    fn drop(&mut self) {
        self.shared.release_handle(self.inode);
    }
}

impl fmt::Debug for MemoryFile {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("MemoryFile")
            .field("device", &self.shared.device)
            .field("inode", &self.inode)
            .field("read", &self.read)
            .field("write", &self.write)
            .finish()
    }
}

impl File for MemoryFile {
    fn read_at(&self, offset: u64, buffer: &mut [u8]) -> Result<usize, FsError> {
        if !self.read {
            return Err(FsError::PermissionDenied);
        }
        if buffer.is_empty() {
            return Ok(0);
        }
        let now = self.shared.now();
        let mut state = self.shared.state.lock();
        let file = state.inode_mut(self.inode)?;
        let Node::File(contents) = &file.node else {
            return Err(FsError::IsADirectory);
        };
        let rest = usize::try_from(offset)
            .ok()
            .and_then(|start| contents.get(start..))
            .unwrap_or_default();
        let count = rest.len().min(buffer.len());
        buffer[..count].copy_from_slice(&rest[..count]);
        file.accessed = now;
        Ok(count)
    }

    fn write_at(&self, offset: u64, data: &[u8]) -> Result<usize, FsError> {
        self.check_write()?;
        let now = self.shared.now();
        self.shared
            .state
            .lock()
            .write_file(self.inode, offset, data, now)
    }

    fn append(&self, data: &[u8]) -> Result<(usize, u64), FsError> {
        self.check_write()?;
        let now = self.shared.now();
        let mut state = self.shared.state.lock();
        let end = match &state.inode(self.inode)?.node {
            Node::File(contents) => contents.len() as u64,
            _ => return Err(FsError::IsADirectory),
        };
        let written = state.write_file(self.inode, end, data, now)?;
        Ok((written, end + written as u64))
    }

    fn metadata(&self) -> Result<Metadata, FsError> {
        self.shared
            .state
            .lock()
            .metadata(self.shared.device, self.inode)
    }

    fn set_len(&self, size: u64) -> Result<(), FsError> {
        self.check_write()?;
        let now = self.shared.now();
        self.shared.state.lock().resize_file(self.inode, size, now)
    }

    fn set_times(&self, accessed: TimeChange, modified: TimeChange) -> Result<(), FsError> {
        let now = self.shared.now();
        let mut state = self.shared.state.lock();
        apply_times(state.inode_mut(self.inode)?, accessed, modified, now);
        Ok(())
    }

    fn sync_all(&self) -> Result<(), FsError> {
        Ok(())
    }

    fn sync_data(&self) -> Result<(), FsError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
