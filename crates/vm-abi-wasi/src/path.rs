//! Guest path resolution: the sandbox for every path-based WASI call.
//!
//! A guest names files with a path relative to a directory descriptor. This module turns
//! such a path into "an entry of a directory the VM already holds" **component by
//! component**, through the [`Directory`] adapter trait only: the adapter never sees a
//! joined path, `..` is never passed to it, and symbolic links are read with
//! [`Directory::read_link`] and spliced into the remaining components here, so every step is
//! checked. The rules are cap-std's (what wasmtime uses):
//!
//! - The walk keeps a stack of opened directories starting at the base directory. `.` is
//!   skipped; `..` pops the stack, and popping the base itself is an **escape**: a path may
//!   not leave the directory descriptor it is relative to, even if it would stay inside the
//!   preopen. An absolute path (leading `/`) is an escape too.
//! - A symbolic link met as an intermediate component — and as the last one when following
//!   is asked for — is expanded in place; a link whose target is absolute is an escape, one
//!   whose target climbs above the base is caught by the stack like any `..`. At most
//!   [`MAX_SYMLINK_EXPANSIONS`] links are expanded per path (Linux's limit), then `ELOOP`.
//! - A path ending in `/` (or in `.` / `..`) names a *directory*: its last component is
//!   opened as one (following a symbolic link, as POSIX does for trailing slashes) and the
//!   result is [`Last::Itself`], so a file there fails with `ENOTDIR` and a missing entry
//!   with `ENOENT`. `path_create_directory` and `path_rename` strip trailing slashes first
//!   ([`strip_trailing_slashes`]), as cap-std does.
//!
//! # Errors (what wasmtime returns, with the evidence)
//!
//! Every choice below was also checked against wasmtime 40.0.1 itself (through
//! wasmtime-py): `tests/paths.rs` carries a matrix of 27 operations × 56 kinds of path
//! recorded there, which both backends must reproduce cell for cell.
//!
//! - Escapes (absolute path, `..` above the base, symlink to an absolute path or above the
//!   base, `path_symlink` with an absolute target, `path_readlink` of a link whose target
//!   is absolute) → `EPERM`. cap-std reports them as
//!   `io::ErrorKind::PermissionDenied` ("a path led outside of the filesystem"), which
//!   wasmtime maps to `error-code::not-permitted` and preview1 to `ERRNO_PERM`; wasmtime's
//!   own test `preview1_interesting_paths` asserts `ERRNO_PERM` for both an absolute path and
//!   `dir/nested/../../../x`. (`ENOTCAPABLE` was the answer of the pre-cap-std wasi-common;
//!   current wasmtime no longer uses it for paths.)
//! - Empty path → `ENOENT` (`openat(fd, "")`).
//! - A NUL byte anywhere → `EINVAL` (`preview1_interesting_paths`: trailing NUL → `EINVAL`
//!   on Unix; Rust's `CString` conversion fails with `InvalidInput`).
//! - Not UTF-8 → `EILSEQ` (wiggle's `InvalidUtf8`).
//! - Longer than [`MAX_PATH_LENGTH`] → `ENAMETOOLONG` (Linux's `PATH_MAX`, NUL included);
//!   a component longer than [`MAX_NAME_LENGTH`] → `ENAMETOOLONG`.
//! - Too many symbolic links → `ELOOP` (`preview1_symlink_loop`).
//!
//! Known difference: an over-long *last* component is rejected while resolving, so when a
//! call has a second error wasmtime would report first (a missing `path_rename` or
//! `path_link` source), or no error at all (`path_filestat_set_times` with nothing to
//! change), this layer says `ENAMETOOLONG` instead.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use vm_host::fs::{Directory, FileType, FsError, SeparatorScan};
use vm_sandbox::GuestMemory;

use crate::context::{Descriptor, Resource, WasiContext};
use crate::errno::{Errno, WasiResult};

pub use vm_host::fs::MAX_NAME_LENGTH;

/// Longest path a guest may pass, in bytes: Linux's `PATH_MAX` (4096) counts the
/// terminating NUL, so 4095 bytes of path. Longer paths fail with `ENAMETOOLONG` before
/// their bytes are even looked at.
pub const MAX_PATH_LENGTH: u32 = 4095;

/// Most symbolic links expanded while resolving one path (Linux's `MAXSYMLINKS`); one more
/// is `ELOOP`. This also bounds the work a malicious link farm can cause per call.
pub const MAX_SYMLINK_EXPANSIONS: u32 = 40;

/// What the last component of a resolved path is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Last<'p> {
    /// The entry `name` of [`Resolved::directory`]: it may not exist yet (creation), and is
    /// not followed if it is a symbolic link (unless following was asked for, in which case
    /// it is not a symbolic link, or a dangling one's final target). Borrowed from the
    /// guest's path unless it came from a symbolic link's target.
    Name(Cow<'p, str>),
    /// [`Resolved::directory`] itself: the path was `.`, ended in `..`, or ended with `/`.
    Itself,
}

/// A path resolved inside its base directory; `'p` is the lifetime of the guest's path.
pub struct Resolved<'p> {
    /// The directory holding the last component (for [`Last::Itself`]: the object itself).
    pub directory: Arc<dyn Directory>,
    /// The last component.
    pub last: Last<'p>,
}

impl core::fmt::Debug for Resolved<'_> {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // `dyn Directory` has no `Debug`; the last component is what matters when debugging.
        formatter
            .debug_struct("Resolved")
            .field("last", &self.last)
            .finish_non_exhaustive()
    }
}

/// Reads a guest path (`pointer`, `length`): longer than [`MAX_PATH_LENGTH`] →
/// `ENAMETOOLONG` (checked before memory is touched), out of bounds → `EFAULT`, not UTF-8 →
/// `EILSEQ`.
pub fn read_path<'m>(
    memory: &'m GuestMemory<'_>,
    pointer: u32,
    length: u32,
) -> WasiResult<&'m str> {
    Ok(memory.read_str(pointer, length, MAX_PATH_LENGTH)?)
}

/// `path` without its trailing slashes, for the calls that ignore them (`path_create_directory`
/// and `path_rename`, like cap-std's `create_dir` and `rename`). A path made only of slashes
/// is returned unchanged, so it is still refused as absolute.
pub fn strip_trailing_slashes(path: &str) -> &str {
    let stripped = path.trim_end_matches('/');
    if stripped.is_empty() { path } else { stripped }
}

/// Whether `path` ends with a slash (the source of `path_rename` must then be a directory).
pub fn has_trailing_slash(path: &str) -> bool {
    path.ends_with('/')
}

/// Checks the target of a new symbolic link (`path_symlink`): stored verbatim, but an
/// absolute target is refused with `EPERM` as cap-std does (wasmtime's
/// `preview1_symlink_create` expects `symlink("/", …)` to fail), so a guest cannot plant a
/// link that some non-sandboxed program would follow out of the preopen. A NUL is `EINVAL`;
/// an empty target is left to the adapter (`ENOENT` on Linux).
pub fn check_symlink_target(target: &str) -> WasiResult {
    if contains_nul(target) {
        return Err(Errno::Invalid);
    }
    if target.starts_with('/') {
        return Err(Errno::Permission);
    }
    Ok(())
}

/// Checks a symbolic link's target before `path_readlink` returns it: an absolute target is
/// refused with `EPERM`, as cap-std's `read_link` does under wasmtime, so the guest never
/// learns host paths planted by someone else.
pub fn check_link_to_return(target: &str) -> WasiResult {
    if target.starts_with('/') {
        return Err(Errno::Permission);
    }
    Ok(())
}

/// Whether `text` contains a NUL byte.
fn contains_nul(text: &str) -> bool {
    SeparatorScan::of(text).nul
}

/// Resolves `path` relative to `base` (see the [module documentation](self) for the rules).
///
/// With `follow_last`, a symbolic link as the last component is expanded as well
/// (`lookupflags::SYMLINK_FOLLOW`); otherwise the last component is returned as named.
/// Nothing is created or changed: the adapter is only asked to open directories, to stat the
/// last component (when following) and to read links.
pub fn resolve<'p>(
    base: &Arc<dyn Directory>,
    path: &'p str,
    follow_last: bool,
) -> WasiResult<Resolved<'p>> {
    resolve_with(base, path, follow_last, false)
}

/// [`resolve`] for `path_open` with `O_CREAT`: a last name followed by a trailing slash —
/// in the path or at the end of a symbolic link expanded as the last component — is
/// `EISDIR`, whatever the name is, once its directory is reached (Linux `open`, and what
/// wasmtime returns: creating `new/` or through a link to `file/`). An explicit `.` after
/// the name does not count (`new/.` is `ENOENT`), and the path `./` names the base itself.
pub fn resolve_for_create<'p>(
    base: &Arc<dyn Directory>,
    path: &'p str,
    follow_last: bool,
) -> WasiResult<Resolved<'p>> {
    resolve_with(base, path, follow_last, true)
}

fn resolve_with<'p>(
    base: &Arc<dyn Directory>,
    path: &'p str,
    follow_last: bool,
    creating: bool,
) -> WasiResult<Resolved<'p>> {
    if path.is_empty() {
        return Err(Errno::NoEntry);
    }
    let scan = SeparatorScan::of(path);
    if scan.nul {
        return Err(Errno::Invalid);
    }
    if path.len() > MAX_PATH_LENGTH as usize {
        return Err(Errno::NameTooLong);
    }
    if path.starts_with('/') {
        return Err(Errno::Permission);
    }
    if !scan.slash && !follow_last && path != "." && path != ".." {
        // One name, not to be followed: what the walk below would return for it, without
        // setting it up (the common case: a file in the directory the guest names).
        if path.len() > MAX_NAME_LENGTH {
            return Err(Errno::NameTooLong);
        }
        return Ok(Resolved {
            directory: base.clone(),
            last: Last::Name(Cow::Borrowed(path)),
        });
    }
    let walk = Walk {
        base,
        entered: Vec::new(),
        path,
        links: Vec::new(),
        expansions: 0,
        creating,
    };
    walk.run(follow_last)
}

/// One step of a path still to be walked.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step<'p> {
    /// A name to look up in the current directory.
    Name(Cow<'p, str>),
    /// `.`: stay here (the previous step must have been a directory).
    Here,
    /// The marker a trailing slash leaves: like [`Step::Here`], except for creation (see
    /// [`resolve_for_create`]).
    Slash,
    /// `..`: back to the directory below on the stack.
    Up,
}

impl<'p> Step<'p> {
    /// The step a piece of a path stands for (see [`split_next`]); `name` makes the
    /// [`Step::Name`] with the lifetime the caller can give it.
    fn of(piece: &str, name: impl FnOnce() -> Cow<'p, str>) -> Self {
        match piece {
            "" => Step::Slash,
            "." => Step::Here,
            ".." => Step::Up,
            _ => Step::Name(name()),
        }
    }
}

/// Splits the next piece off the front of `text`, the part of a path not walked yet (which
/// starts with a component or with the slashes after one): a component, or `""` for the
/// slashes ending the text. Repeated slashes separate nothing. `None` when nothing is left.
fn split_next<'t>(text: &mut &'t str) -> Option<&'t str> {
    if text.is_empty() {
        return None;
    }
    let trimmed = text.trim_start_matches('/');
    let end = trimmed.find('/').unwrap_or(trimmed.len());
    let (component, rest) = trimmed.split_at(end);
    *text = rest;
    Some(component)
}

/// The state of one resolution.
///
/// The common path — no symbolic links, no `..` — allocates nothing: components are
/// borrowed from the guest's path, and the stacks stay empty.
struct Walk<'b, 'p> {
    /// The directory the path is relative to; never left.
    base: &'b Arc<dyn Directory>,
    /// Directories entered below the base, innermost last.
    entered: Vec<Arc<dyn Directory>>,
    /// The part of the guest's path not walked yet.
    path: &'p str,
    /// Targets of expanded symbolic links, innermost last, each with the byte offset of the
    /// part not walked yet: a link's target is walked before the rest of the text that
    /// named it.
    links: Vec<(String, usize)>,
    /// Symbolic links expanded so far.
    expansions: u32,
    /// Resolving for `O_CREAT` ([`resolve_for_create`]).
    creating: bool,
}

impl<'p> Walk<'_, 'p> {
    /// The directory the walk stands in.
    fn current(&self) -> &Arc<dyn Directory> {
        self.entered.last().unwrap_or(self.base)
    }

    /// Takes the next step, from the innermost link target not walked yet, else from the
    /// guest's path.
    fn next(&mut self) -> Option<Step<'p>> {
        while let Some((target, offset)) = self.links.last_mut() {
            let mut text = target.get(*offset..).unwrap_or("");
            if let Some(piece) = split_next(&mut text) {
                *offset = target.len() - text.len();
                // A name from a link's target is copied: the target is dropped once walked.
                return Some(Step::of(piece, || Cow::Owned(String::from(piece))));
            }
            self.links.pop();
        }
        let piece = split_next(&mut self.path)?;
        Some(Step::of(piece, || Cow::Borrowed(piece)))
    }

    /// The texts not walked yet (the guest's path last).
    fn remaining(&self) -> impl Iterator<Item = &str> {
        self.links
            .iter()
            .map(|(target, offset)| target.get(*offset..).unwrap_or(""))
            .chain(core::iter::once(self.path))
    }

    /// Whether no step is left at all.
    fn is_done(&self) -> bool {
        self.remaining().all(str::is_empty)
    }

    /// Whether the steps left are all [`Step::Slash`] (and there is at least one): what is
    /// left of each text is only slashes, which can only end it.
    fn only_slashes_left(&self) -> bool {
        !self.is_done()
            && self
                .remaining()
                .all(|text| text.bytes().all(|byte| byte == b'/'))
    }

    fn run(mut self, follow_last: bool) -> WasiResult<Resolved<'p>> {
        while let Some(step) = self.next() {
            match step {
                Step::Here | Step::Slash => {}
                Step::Up => {
                    if self.entered.pop().is_none() {
                        // Leaving the base: the path leaves its directory descriptor.
                        return Err(Errno::Permission);
                    }
                }
                Step::Name(name) => {
                    if name.len() > MAX_NAME_LENGTH {
                        return Err(Errno::NameTooLong);
                    }
                    if self.creating && self.only_slashes_left() {
                        // Creating `name/`: a directory was asked for, `open` makes files.
                        return Err(Errno::IsDirectory);
                    }
                    if self.is_done() {
                        // The last component.
                        if follow_last && self.is_symlink(&name)? {
                            self.expand(&name)?;
                            continue;
                        }
                        return Ok(Resolved {
                            directory: self.into_current(),
                            last: Last::Name(name),
                        });
                    }
                    self.enter(&name)?;
                }
            }
        }
        // The path ended in `.`, `..` or `/`: it names the directory the walk stands in.
        Ok(Resolved {
            directory: self.into_current(),
            last: Last::Itself,
        })
    }

    /// The directory the walk stands in, without cloning it again when it was entered.
    fn into_current(mut self) -> Arc<dyn Directory> {
        self.entered.pop().unwrap_or_else(|| self.base.clone())
    }

    /// Enters the subdirectory `name`, expanding it first if it is a symbolic link.
    fn enter(&mut self, name: &str) -> WasiResult {
        let opened = self.current().open_directory(name);
        match opened {
            Ok(directory) => {
                self.entered.push(Arc::from(directory));
                Ok(())
            }
            // Adapters report a symbolic link they were asked to open as `SymlinkLoop`
            // (`O_NOFOLLOW`): that is where the walk follows it itself.
            Err(FsError::SymlinkLoop) => self.expand(name),
            Err(error) => Err(error.into()),
        }
    }

    /// Whether the entry `name` of the current directory is a symbolic link (a missing
    /// entry is not: it is returned as the last component, for creation).
    fn is_symlink(&self, name: &str) -> WasiResult<bool> {
        match self.current().stat(name) {
            Ok(metadata) => Ok(metadata.file_type == FileType::SymbolicLink),
            Err(FsError::NotFound) => Ok(false),
            Err(error) => Err(error.into()),
        }
    }

    /// Replaces the symbolic link `name` of the current directory by its target.
    fn expand(&mut self, name: &str) -> WasiResult {
        self.expansions = self.expansions.saturating_add(1);
        if self.expansions > MAX_SYMLINK_EXPANSIONS {
            return Err(Errno::Loop);
        }
        let target = match self.current().read_link(name) {
            Ok(target) => target,
            // `SymlinkLoop` from an entry that turns out not to be a link (replaced
            // meanwhile, or an adapter's genuine loop): report the loop.
            Err(FsError::InvalidInput) => return Err(Errno::Loop),
            Err(error) => return Err(error.into()),
        };
        if target.is_empty() {
            // Linux: an empty link target names nothing.
            return Err(Errno::NoEntry);
        }
        if contains_nul(&target) {
            return Err(Errno::Invalid);
        }
        if target.len() > MAX_PATH_LENGTH as usize {
            return Err(Errno::NameTooLong);
        }
        if target.starts_with('/') {
            // An absolute target would be resolved from the host's root: an escape.
            return Err(Errno::Permission);
        }
        // The target is relative to the directory holding the link, which is the current
        // one: the stack stays, so a `..` in the target is checked against the base.
        self.links.push((target, 0));
        Ok(())
    }
}

/// The directory of descriptor `fd`, for the path-based calls: not open → `EBADF`; open but
/// not a directory → `non_directory` (`EBADF` for most calls, as wasmtime's `get_dir_fd`;
/// `path_open` says `ENOTDIR` for a file). Borrowed, so a call that does not keep the
/// directory does not pay for counting a reference to it.
pub(crate) fn directory_of(
    wasi: &WasiContext,
    fd: u32,
    non_directory: fn(&Resource) -> Errno,
) -> WasiResult<(&Descriptor, &Arc<dyn Directory>)> {
    let descriptor = wasi.descriptors.get(fd)?;
    match &descriptor.resource {
        Resource::Directory(open) => Ok((descriptor, &open.directory)),
        other => Err(non_directory(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::boxed::Box;
    use vm_host::fs::OpenOptions;
    use vm_host::memfs::MemoryFileSystem;

    /// A memory file system whose root holds `inside/` (the base of the tests), a sibling
    /// `outside/secret`, and inside: `sub/deeper/`, `file`, and a few symbolic links.
    fn fixture() -> (MemoryFileSystem, Arc<dyn Directory>) {
        let fs = MemoryFileSystem::new();
        let root = fs.root();
        root.create_directory("inside").unwrap();
        root.create_directory("outside").unwrap();
        let outside = root.open_directory("outside").unwrap();
        create_file(&*outside, "secret");
        let inside: Arc<dyn Directory> = Arc::from(root.open_directory("inside").unwrap());
        inside.create_directory("sub").unwrap();
        let sub = inside.open_directory("sub").unwrap();
        sub.create_directory("deeper").unwrap();
        create_file(&*inside, "file");
        inside.symlink("sub", "to_sub").unwrap();
        inside.symlink("sub/deeper", "to_deeper").unwrap();
        inside.symlink("file", "to_file").unwrap();
        inside.symlink("missing", "dangling").unwrap();
        inside.symlink("..", "to_parent").unwrap();
        inside.symlink("../outside/secret", "to_secret").unwrap();
        inside.symlink("/etc/passwd", "absolute").unwrap();
        inside.symlink("loop_b", "loop_a").unwrap();
        inside.symlink("loop_a", "loop_b").unwrap();
        inside.symlink("to_deeper/..", "chain").unwrap();
        inside.symlink("sub/", "to_sub_slash").unwrap();
        inside.symlink("file/", "to_file_slash").unwrap();
        sub.symlink("..", "up").unwrap();
        sub.symlink("../..", "up_twice").unwrap();
        (fs, inside)
    }

    fn create_file(directory: &dyn Directory, name: &str) {
        let options = OpenOptions {
            write: true,
            create: true,
            ..OpenOptions::default()
        };
        drop::<Box<dyn vm_host::fs::File>>(directory.open_file(name, &options).unwrap());
    }

    fn inode(directory: &Arc<dyn Directory>) -> u64 {
        directory.metadata().unwrap().inode
    }

    fn name<'r>(resolved: &'r Resolved<'_>) -> &'r str {
        match &resolved.last {
            Last::Name(name) => name,
            Last::Itself => ".",
        }
    }

    #[test]
    fn plain_paths_resolve_to_their_parent_and_name() {
        let (_fs, base) = fixture();
        let resolved = resolve(&base, "file", false).unwrap();
        assert_eq!(inode(&resolved.directory), inode(&base));
        assert_eq!(name(&resolved), "file");

        let sub_inode = base.stat("sub").unwrap().inode;
        let resolved = resolve(&base, "sub//deeper", false).unwrap();
        assert_eq!(inode(&resolved.directory), sub_inode);
        assert_eq!(name(&resolved), "deeper");

        // A name that does not exist yet is returned for creation.
        let resolved = resolve(&base, "sub/new", true).unwrap();
        assert_eq!(resolved.last, Last::Name("new".into()));
    }

    #[test]
    fn dots_and_trailing_slashes_name_directories() {
        let (_fs, base) = fixture();
        for path in [".", "./", "sub/..", "sub/deeper/../..", "./sub/./.."] {
            let resolved = resolve(&base, path, false).unwrap();
            assert_eq!(resolved.last, Last::Itself, "{path}");
            assert_eq!(inode(&resolved.directory), inode(&base), "{path}");
        }
        let sub_inode = base.stat("sub").unwrap().inode;
        for path in ["sub/", "sub///", "sub/.", "to_sub/", "sub/deeper/.."] {
            let resolved = resolve(&base, path, false).unwrap();
            assert_eq!(resolved.last, Last::Itself, "{path}");
            assert_eq!(inode(&resolved.directory), sub_inode, "{path}");
        }
        assert_eq!(
            resolve(&base, "file/", false).unwrap_err(),
            Errno::NotDirectory
        );
        assert_eq!(
            resolve(&base, "file/.", false).unwrap_err(),
            Errno::NotDirectory
        );
        assert_eq!(
            resolve(&base, "missing/", false).unwrap_err(),
            Errno::NoEntry
        );
        assert_eq!(
            resolve(&base, "file/x", false).unwrap_err(),
            Errno::NotDirectory
        );
    }

    #[test]
    fn symlinks_are_followed_in_the_middle_and_last_only_when_asked() {
        let (_fs, base) = fixture();
        let deeper_inode = base
            .open_directory("sub")
            .unwrap()
            .stat("deeper")
            .unwrap()
            .inode;

        let resolved = resolve(&base, "to_deeper/x", false).unwrap();
        assert_eq!(inode(&resolved.directory), deeper_inode);
        assert_eq!(name(&resolved), "x");

        // Not followed: the link itself.
        let resolved = resolve(&base, "to_file", false).unwrap();
        assert_eq!(inode(&resolved.directory), inode(&base));
        assert_eq!(name(&resolved), "to_file");

        // Followed: its target.
        let resolved = resolve(&base, "to_file", true).unwrap();
        assert_eq!(name(&resolved), "file");
        let resolved = resolve(&base, "to_deeper", true).unwrap();
        assert_eq!(name(&resolved), "deeper");

        // A dangling link followed resolves to the missing target (for `O_CREAT`).
        let resolved = resolve(&base, "dangling", true).unwrap();
        assert_eq!(name(&resolved), "missing");

        // `..` inside a link target pops what the link entered, physically.
        let resolved = resolve(&base, "chain/x", false).unwrap();
        assert_eq!(inode(&resolved.directory), base.stat("sub").unwrap().inode);
        let resolved = resolve(&base, "sub/up/file", true).unwrap();
        assert_eq!(inode(&resolved.directory), inode(&base));

        // A target ending in `/` requires a directory.
        assert_eq!(
            resolve(&base, "to_sub_slash", true).unwrap().last,
            Last::Itself
        );
        assert_eq!(
            resolve(&base, "to_file_slash", true).unwrap_err(),
            Errno::NotDirectory
        );
        // A trailing slash follows a final link even without `SYMLINK_FOLLOW`.
        assert_eq!(
            resolve(&base, "to_file/", false).unwrap_err(),
            Errno::NotDirectory
        );
    }

    #[test]
    fn escapes_are_refused_with_eperm() {
        let (_fs, base) = fixture();
        for path in [
            "..",
            "../",
            "../inside/file",
            "sub/../..",
            "sub/deeper/../../..",
            "/",
            "/etc/passwd",
            "//file",
            "to_parent/outside/secret",
            "to_secret",
            "sub/up_twice/outside",
            "absolute",
            "absolute/x",
        ] {
            // Following the last link or not, an escape through the middle is refused; for
            // a last component, only when following.
            assert_eq!(
                resolve(&base, path, true).unwrap_err(),
                Errno::Permission,
                "{path}"
            );
        }
        // Not following, a link as the last component is the link itself: no escape.
        assert_eq!(
            name(&resolve(&base, "to_secret", false).unwrap()),
            "to_secret"
        );
        assert_eq!(
            name(&resolve(&base, "absolute", false).unwrap()),
            "absolute"
        );
    }

    #[test]
    fn a_base_below_the_preopen_cannot_be_left_either() {
        let (_fs, base) = fixture();
        let sub: Arc<dyn Directory> = Arc::from(base.open_directory("sub").unwrap());
        assert_eq!(
            resolve(&sub, "../file", false).unwrap_err(),
            Errno::Permission
        );
        assert_eq!(
            resolve(&sub, "up/file", false).unwrap_err(),
            Errno::Permission
        );
        assert!(resolve(&sub, "deeper/../up", false).is_ok());
    }

    #[test]
    fn malformed_paths_get_their_errno() {
        let (_fs, base) = fixture();
        assert_eq!(resolve(&base, "", false).unwrap_err(), Errno::NoEntry);
        assert_eq!(resolve(&base, "file\0", false).unwrap_err(), Errno::Invalid);
        assert_eq!(
            resolve(&base, "\0/../..", false).unwrap_err(),
            Errno::Invalid
        );
        let long_name = "x".repeat(MAX_NAME_LENGTH + 1);
        assert_eq!(
            resolve(&base, &long_name, false).unwrap_err(),
            Errno::NameTooLong
        );
        let ok_name = "x".repeat(MAX_NAME_LENGTH);
        assert!(resolve(&base, &ok_name, false).is_ok());
        let long_path = "a/".repeat(MAX_PATH_LENGTH as usize / 2 + 1);
        assert_eq!(
            resolve(&base, &long_path, false).unwrap_err(),
            Errno::NameTooLong
        );
    }

    #[test]
    fn loops_stop_at_the_expansion_limit() {
        let (_fs, base) = fixture();
        assert_eq!(resolve(&base, "loop_a", true).unwrap_err(), Errno::Loop);
        assert_eq!(resolve(&base, "loop_a/x", false).unwrap_err(), Errno::Loop);
        // Not followed, a looping link is just an entry.
        assert_eq!(name(&resolve(&base, "loop_a", false).unwrap()), "loop_a");
        // A chain of exactly the limit is fine, one more is a loop.
        for index in 0..MAX_SYMLINK_EXPANSIONS {
            base.symlink(
                &alloc::format!("c{}", index + 1),
                &alloc::format!("c{index}"),
            )
            .unwrap();
        }
        create_file(&*base, &alloc::format!("c{MAX_SYMLINK_EXPANSIONS}"));
        let resolved = resolve(&base, "c0", true).unwrap();
        assert_eq!(name(&resolved), alloc::format!("c{MAX_SYMLINK_EXPANSIONS}"));
        base.symlink("c0", "c_minus").unwrap();
        assert_eq!(resolve(&base, "c_minus", true).unwrap_err(), Errno::Loop);
    }

    #[test]
    fn creating_a_name_with_a_trailing_slash_is_eisdir() {
        let (_fs, base) = fixture();
        for path in [
            "new/",
            "new//",
            "file/",
            "sub/",
            "to_file/",
            "dangling/",
            "loop_a/",
            "sub/new/",
        ] {
            assert_eq!(
                resolve_for_create(&base, path, true).unwrap_err(),
                Errno::IsDirectory,
                "{path}"
            );
        }
        // Through a link expanded as the last component, only when following.
        assert_eq!(
            resolve_for_create(&base, "to_file_slash", true).unwrap_err(),
            Errno::IsDirectory
        );
        assert_eq!(
            name(&resolve_for_create(&base, "to_file_slash", false).unwrap()),
            "to_file_slash"
        );
        // An explicit `.` is not a trailing slash; `./` is the base; parents come first.
        assert_eq!(
            resolve_for_create(&base, "new/.", true).unwrap_err(),
            Errno::NoEntry
        );
        assert_eq!(
            resolve_for_create(&base, "./", true).unwrap().last,
            Last::Itself
        );
        assert_eq!(
            resolve_for_create(&base, "missing/new/", true).unwrap_err(),
            Errno::NoEntry
        );
        assert_eq!(
            resolve_for_create(&base, "../new/", true).unwrap_err(),
            Errno::Permission
        );
        // Without a trailing slash nothing changes.
        assert_eq!(
            name(&resolve_for_create(&base, "sub/new", true).unwrap()),
            "new"
        );
    }

    #[test]
    fn names_are_borrowed_from_the_guest_path_unless_a_link_supplied_them() {
        let (_fs, base) = fixture();
        assert!(matches!(
            resolve(&base, "sub//new", true).unwrap().last,
            Last::Name(Cow::Borrowed("new"))
        ));
        assert!(matches!(
            resolve(&base, "to_file", true).unwrap().last,
            Last::Name(Cow::Owned(name)) if name == "file"
        ));
    }

    #[test]
    fn a_link_target_is_walked_before_the_rest_of_the_path() {
        let (_fs, base) = fixture();
        let sub_inode = base.stat("sub").unwrap().inode;
        let deeper_inode = base
            .open_directory("sub")
            .unwrap()
            .stat("deeper")
            .unwrap()
            .inode;
        // `sub/` then `/deeper`: the target's trailing slash is not the end of the path.
        let resolved = resolve(&base, "to_sub_slash/deeper", false).unwrap();
        assert_eq!(inode(&resolved.directory), sub_inode);
        assert_eq!(name(&resolved), "deeper");
        let resolved = resolve(&base, "to_sub_slash//deeper/", false).unwrap();
        assert_eq!(resolved.last, Last::Itself);
        assert_eq!(inode(&resolved.directory), deeper_inode);
        // `..` after a link pops what the link entered, then the base is reached again.
        let resolved = resolve(&base, "to_deeper/../../file", false).unwrap();
        assert_eq!(inode(&resolved.directory), inode(&base));
        assert_eq!(name(&resolved), "file");
        let resolved = resolve(&base, "chain/../file", false).unwrap();
        assert_eq!(inode(&resolved.directory), inode(&base));
        // Links nested in links, each target finished before the text that named it.
        let resolved = resolve(&base, "to_sub/up/to_sub/deeper/", false).unwrap();
        assert_eq!(inode(&resolved.directory), deeper_inode);
        assert_eq!(
            resolve(&base, "to_deeper/../../..", false).unwrap_err(),
            Errno::Permission
        );
    }

    #[test]
    fn name_limits_hold_for_names_in_the_middle_and_from_link_targets() {
        let (_fs, base) = fixture();
        let longest = "x".repeat(MAX_NAME_LENGTH);
        let too_long = "x".repeat(MAX_NAME_LENGTH + 1);
        // In the middle: a name of the limit is looked up, one byte more is refused.
        assert_eq!(
            resolve(&base, &alloc::format!("{longest}/a"), false).unwrap_err(),
            Errno::NoEntry
        );
        assert_eq!(
            resolve(&base, &alloc::format!("{too_long}/a"), false).unwrap_err(),
            Errno::NameTooLong
        );
        // From a link's target, as the last name and in the middle.
        base.symlink(&longest, "to_longest").unwrap();
        base.symlink(&too_long, "to_too_long").unwrap();
        assert_eq!(name(&resolve(&base, "to_longest", true).unwrap()), longest);
        assert_eq!(
            resolve(&base, "to_too_long", true).unwrap_err(),
            Errno::NameTooLong
        );
        assert_eq!(
            resolve(&base, "to_too_long/a", false).unwrap_err(),
            Errno::NameTooLong
        );
    }

    #[test]
    fn the_single_name_shortcut_agrees_with_the_walk() {
        let (_fs, base) = fixture();
        // What a resolution found, owned, so results from both ways can be compared.
        let outcome = |resolved: WasiResult<Resolved<'_>>| {
            resolved.map(|resolved| {
                let last = match resolved.last {
                    Last::Name(name) => Some(name.into_owned()),
                    Last::Itself => None,
                };
                (inode(&resolved.directory), last)
            })
        };
        let longest = "n".repeat(MAX_NAME_LENGTH);
        let too_long = "n".repeat(MAX_NAME_LENGTH + 1);
        for path in [
            "file",
            "missing",
            "to_file",
            "dangling",
            "absolute",
            "to_parent",
            "loop_a",
            "sub",
            ".",
            "..",
            "...",
            ".hidden",
            "é",
            &longest,
            &too_long,
        ] {
            for creating in [false, true] {
                let walked = Walk {
                    base: &base,
                    entered: Vec::new(),
                    path,
                    links: Vec::new(),
                    expansions: 0,
                    creating,
                }
                .run(false);
                let shortcut = resolve_with(&base, path, false, creating);
                assert_eq!(outcome(shortcut), outcome(walked), "{path}");
            }
        }
    }

    #[test]
    fn absolute_link_targets_are_not_returned() {
        assert_eq!(
            check_link_to_return("/etc/passwd").unwrap_err(),
            Errno::Permission
        );
        assert!(check_link_to_return("../x").is_ok());
    }

    #[test]
    fn symlink_targets_are_checked() {
        assert_eq!(check_symlink_target("/").unwrap_err(), Errno::Permission);
        assert_eq!(
            check_symlink_target("/etc/passwd").unwrap_err(),
            Errno::Permission
        );
        assert_eq!(check_symlink_target("a\0b").unwrap_err(), Errno::Invalid);
        assert!(check_symlink_target("../../anything").is_ok());
        assert!(check_symlink_target("").is_ok());
    }

    #[test]
    fn trailing_slashes_are_stripped_only_when_asked() {
        assert_eq!(strip_trailing_slashes("a/b//"), "a/b");
        assert_eq!(strip_trailing_slashes("a"), "a");
        assert_eq!(strip_trailing_slashes("///"), "///");
        assert!(has_trailing_slash("a/"));
        assert!(!has_trailing_slash("a"));
    }
}
