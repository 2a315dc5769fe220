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

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use vm_host::fs::{Directory, FileType, FsError};
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
pub enum Last {
    /// The entry `name` of [`Resolved::directory`]: it may not exist yet (creation), and is
    /// not followed if it is a symbolic link (unless following was asked for, in which case
    /// it is not a symbolic link, or a dangling one's final target).
    Name(String),
    /// [`Resolved::directory`] itself: the path was `.`, ended in `..`, or ended with `/`.
    Itself,
}

/// A path resolved inside its base directory.
pub struct Resolved {
    /// The directory holding the last component (for [`Last::Itself`]: the object itself).
    pub directory: Arc<dyn Directory>,
    /// The last component.
    pub last: Last,
}

impl core::fmt::Debug for Resolved {
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
    if target.contains('\0') {
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

/// Resolves `path` relative to `base` (see the [module documentation](self) for the rules).
///
/// With `follow_last`, a symbolic link as the last component is expanded as well
/// (`lookupflags::SYMLINK_FOLLOW`); otherwise the last component is returned as named.
/// Nothing is created or changed: the adapter is only asked to open directories, to stat the
/// last component (when following) and to read links.
pub fn resolve(base: &Arc<dyn Directory>, path: &str, follow_last: bool) -> WasiResult<Resolved> {
    resolve_with(base, path, follow_last, false)
}

/// [`resolve`] for `path_open` with `O_CREAT`: a last name followed by a trailing slash —
/// in the path or at the end of a symbolic link expanded as the last component — is
/// `EISDIR`, whatever the name is, once its directory is reached (Linux `open`, and what
/// wasmtime returns: creating `new/` or through a link to `file/`). An explicit `.` after
/// the name does not count (`new/.` is `ENOENT`), and the path `./` names the base itself.
pub fn resolve_for_create(
    base: &Arc<dyn Directory>,
    path: &str,
    follow_last: bool,
) -> WasiResult<Resolved> {
    resolve_with(base, path, follow_last, true)
}

fn resolve_with(
    base: &Arc<dyn Directory>,
    path: &str,
    follow_last: bool,
    creating: bool,
) -> WasiResult<Resolved> {
    if path.is_empty() {
        return Err(Errno::NoEntry);
    }
    if path.contains('\0') {
        return Err(Errno::Invalid);
    }
    if path.len() > MAX_PATH_LENGTH as usize {
        return Err(Errno::NameTooLong);
    }
    if path.starts_with('/') {
        return Err(Errno::Permission);
    }
    let mut walk = Walk {
        stack: alloc::vec![base.clone()],
        pending: Vec::new(),
        expansions: 0,
        creating,
    };
    walk.push_path(path);
    walk.run(follow_last)
}

/// One step of a path still to be walked.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    /// A name to look up in the current directory.
    Name(String),
    /// `.`: stay here (the previous step must have been a directory).
    Here,
    /// The marker a trailing slash leaves: like [`Step::Here`], except for creation (see
    /// [`resolve_for_create`]).
    Slash,
    /// `..`: back to the directory below on the stack.
    Up,
}

/// The state of one resolution.
struct Walk {
    /// Directories entered so far; the first is the base and is never popped.
    stack: Vec<Arc<dyn Directory>>,
    /// Steps still to walk, **last first** (so `pop` gives the next one and a symbolic
    /// link's target can be pushed in front of the rest).
    pending: Vec<Step>,
    /// Symbolic links expanded so far.
    expansions: u32,
    /// Resolving for `O_CREAT` ([`resolve_for_create`]).
    creating: bool,
}

impl Walk {
    /// Queues the components of the relative `path` in front of what is pending.
    fn push_path(&mut self, path: &str) {
        // A trailing slash requires a directory: remember it as a final "stay here", which
        // turns the last name into an intermediate step (opened as a directory).
        if path.ends_with('/') {
            self.pending.push(Step::Slash);
        }
        for component in path.rsplit('/') {
            match component {
                // Repeated slashes: nothing between them.
                "" => {}
                "." => self.pending.push(Step::Here),
                ".." => self.pending.push(Step::Up),
                name => self.pending.push(Step::Name(String::from(name))),
            }
        }
    }

    /// The directory the walk stands in.
    fn current(&self) -> WasiResult<&Arc<dyn Directory>> {
        // The stack starts with the base and `Up` never pops it, so it is never empty; an
        // error rather than a panic keeps that an invariant instead of an assumption.
        self.stack.last().ok_or(Errno::Io)
    }

    fn run(mut self, follow_last: bool) -> WasiResult<Resolved> {
        while let Some(step) = self.pending.pop() {
            match step {
                Step::Here | Step::Slash => {}
                Step::Up => {
                    if self.stack.len() <= 1 {
                        // Popping the base: the path leaves its directory descriptor.
                        return Err(Errno::Permission);
                    }
                    self.stack.pop();
                }
                Step::Name(name) => {
                    if name.len() > MAX_NAME_LENGTH {
                        return Err(Errno::NameTooLong);
                    }
                    if self.creating
                        && !self.pending.is_empty()
                        && self.pending.iter().all(|step| *step == Step::Slash)
                    {
                        // Creating `name/`: a directory was asked for, `open` makes files.
                        return Err(Errno::IsDirectory);
                    }
                    if self.pending.is_empty() {
                        // The last component.
                        if follow_last && self.is_symlink(&name)? {
                            self.expand(&name)?;
                            continue;
                        }
                        let directory = self.current()?.clone();
                        return Ok(Resolved {
                            directory,
                            last: Last::Name(name),
                        });
                    }
                    self.enter(&name)?;
                }
            }
        }
        // The path ended in `.`, `..` or `/`: it names the directory the walk stands in.
        Ok(Resolved {
            directory: self.current()?.clone(),
            last: Last::Itself,
        })
    }

    /// Enters the subdirectory `name`, expanding it first if it is a symbolic link.
    fn enter(&mut self, name: &str) -> WasiResult {
        let opened = self.current()?.open_directory(name);
        match opened {
            Ok(directory) => {
                self.stack.push(Arc::from(directory));
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
        match self.current()?.stat(name) {
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
        let target = match self.current()?.read_link(name) {
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
        if target.contains('\0') {
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
        self.push_path(&target);
        Ok(())
    }
}

/// The directory of descriptor `fd`, for the path-based calls: not open → `EBADF`; open but
/// not a directory → `non_directory` (`EBADF` for most calls, as wasmtime's `get_dir_fd`;
/// `path_open` says `ENOTDIR` for a file).
pub(crate) fn directory_of(
    wasi: &WasiContext,
    fd: u32,
    non_directory: fn(&Resource) -> Errno,
) -> WasiResult<(&Descriptor, Arc<dyn Directory>)> {
    let descriptor = wasi.descriptors.get(fd)?;
    match &descriptor.resource {
        Resource::Directory(open) => Ok((descriptor, open.directory.clone())),
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

    fn name(resolved: &Resolved) -> &str {
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
