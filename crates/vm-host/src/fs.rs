//! The file-system adapter: directories and files the VM reaches on behalf of guests.
//!
//! The shape is capability-based, like `openat`: a guest's view of the file system starts at
//! a preopened [`Directory`], and every operation names **one path component** relative to a
//! directory the caller already holds. The ABI layer (`vm-abi-wasi`) resolves guest paths
//! component by component — following symbolic links itself, refusing `..` above the preopen
//! — so an adapter never receives a joined path string and cannot be tricked into leaving the
//! preopen. Implementations must therefore:
//!
//! - treat `name` as a single component: never containing `/` or NUL, never `.` or `..`
//!   (the ABI layer guarantees this; implementations may still reject such names with
//!   [`FsError::InvalidInput`]);
//! - **never follow a symbolic link** named by `name` (open, stat, set_times, remove all act
//!   on the link itself); opening a symlink with [`Directory::open_file`] or
//!   [`Directory::open_directory`] fails with [`FsError::SymlinkLoop`], like `O_NOFOLLOW`.
//!
//! All calls are synchronous. An operation that would block returns
//! [`FsError::WouldBlock`]; the ABI layer decides whether to wait or to report `EAGAIN`.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::any::Any;

/// What went wrong in a file-system operation. Each variant maps to exactly one WASI errno
/// (see `docs/porting.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum FsError {
    /// No entry with that name (`ENOENT`).
    #[error("no such file or directory")]
    NotFound,
    /// The entry already exists (`EEXIST`).
    #[error("file exists")]
    AlreadyExists,
    /// A directory was required (`ENOTDIR`).
    #[error("not a directory")]
    NotADirectory,
    /// A non-directory was required (`EISDIR`).
    #[error("is a directory")]
    IsADirectory,
    /// The directory is not empty (`ENOTEMPTY`).
    #[error("directory not empty")]
    DirectoryNotEmpty,
    /// The adapter denies the operation (`EACCES`).
    #[error("permission denied")]
    PermissionDenied,
    /// The operation is not permitted on this kind of object (`EPERM`).
    #[error("operation not permitted")]
    NotPermitted,
    /// An argument is invalid (`EINVAL`).
    #[error("invalid argument")]
    InvalidInput,
    /// A name is too long for the file system (`ENAMETOOLONG`).
    #[error("file name too long")]
    NameTooLong,
    /// The name is a symbolic link where one may not be followed (`ELOOP`).
    #[error("symbolic link where none may be followed")]
    SymlinkLoop,
    /// No space left (`ENOSPC`).
    #[error("no space left on device")]
    NoSpace,
    /// The file would exceed the maximum size (`EFBIG`).
    #[error("file too large")]
    FileTooLarge,
    /// The file system is read-only (`EROFS`).
    #[error("read-only file system")]
    ReadOnly,
    /// Source and destination are on different file systems (`EXDEV`).
    #[error("cross-device link")]
    CrossDevice,
    /// The object is in use (`EBUSY`).
    #[error("resource busy")]
    Busy,
    /// Too many links to the object (`EMLINK`).
    #[error("too many links")]
    TooManyLinks,
    /// The operation would block (`EAGAIN`).
    #[error("operation would block")]
    WouldBlock,
    /// The operation was interrupted (`EINTR`).
    #[error("interrupted")]
    Interrupted,
    /// The adapter does not support the operation (`ENOTSUP`).
    #[error("operation not supported")]
    Unsupported,
    /// A low-level I/O error (`EIO`).
    #[error("input/output error")]
    Io,
}

/// The kind of a file-system object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileType {
    /// Anything else (sockets, FIFOs, …).
    Unknown,
    /// A regular file.
    RegularFile,
    /// A directory.
    Directory,
    /// A symbolic link.
    SymbolicLink,
    /// A character device.
    CharacterDevice,
    /// A block device.
    BlockDevice,
}

/// Attributes of a file-system object. Timestamps are nanoseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Metadata {
    /// Device (file system) identifier.
    pub device: u64,
    /// Inode number, unique within the device.
    pub inode: u64,
    /// The object's kind.
    pub file_type: FileType,
    /// Number of hard links.
    pub link_count: u64,
    /// Size in bytes (for a symlink: the length of its target).
    pub size: u64,
    /// Last access.
    pub accessed: u64,
    /// Last data modification.
    pub modified: u64,
    /// Last status change.
    pub changed: u64,
}

/// How to change one timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeChange {
    /// Leave it as it is.
    Keep,
    /// Set it to the adapter's current time.
    Now,
    /// Set it to this many nanoseconds since the Unix epoch.
    At(u64),
}

/// How to open a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct OpenOptions {
    /// Read access.
    pub read: bool,
    /// Write access.
    pub write: bool,
    /// Create the file if it does not exist.
    pub create: bool,
    /// With `create`: fail with [`FsError::AlreadyExists`] if it exists.
    pub exclusive: bool,
    /// Truncate to zero length (needs `write`).
    pub truncate: bool,
}

/// One entry of a directory listing (without `.` and `..`, which the ABI layer adds).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DirectoryEntry {
    /// The entry's name (one component).
    pub name: String,
    /// The entry's kind (not following symlinks).
    pub file_type: FileType,
    /// The entry's inode number.
    pub inode: u64,
}

/// A directory the VM holds open. See the module documentation for the naming rules.
pub trait Directory: Send + Sync {
    /// This object as `Any`, so an adapter can recognise its own directories in
    /// [`Directory::rename`] and [`Directory::hard_link`].
    fn as_any(&self) -> &dyn Any;

    /// The directory's own attributes.
    fn metadata(&self) -> Result<Metadata, FsError>;
    /// Changes the directory's own timestamps.
    fn set_times(&self, accessed: TimeChange, modified: TimeChange) -> Result<(), FsError>;
    /// Flushes the directory to storage.
    fn sync(&self) -> Result<(), FsError>;
    /// The entries, without `.` and `..`, in a stable order while the directory is unchanged.
    fn entries(&self) -> Result<Vec<DirectoryEntry>, FsError>;

    /// Attributes of the entry `name`, not following a symlink (`lstat`).
    fn stat(&self, name: &str) -> Result<Metadata, FsError>;
    /// Changes the timestamps of the entry `name`, not following a symlink.
    fn set_times_at(
        &self,
        name: &str,
        accessed: TimeChange,
        modified: TimeChange,
    ) -> Result<(), FsError>;
    /// Opens the subdirectory `name` (not a symlink to one: [`FsError::SymlinkLoop`]).
    fn open_directory(&self, name: &str) -> Result<Box<dyn Directory>, FsError>;
    /// Opens or creates the file `name` (not a symlink: [`FsError::SymlinkLoop`]; a
    /// directory: [`FsError::IsADirectory`]).
    fn open_file(&self, name: &str, options: &OpenOptions) -> Result<Box<dyn File>, FsError>;
    /// Creates the directory `name`.
    fn create_directory(&self, name: &str) -> Result<(), FsError>;
    /// Removes the empty directory `name`.
    fn remove_directory(&self, name: &str) -> Result<(), FsError>;
    /// Removes the file or symlink `name` (a directory: [`FsError::IsADirectory`]).
    fn remove_file(&self, name: &str) -> Result<(), FsError>;
    /// The target of the symlink `name` (not a symlink: [`FsError::InvalidInput`]).
    fn read_link(&self, name: &str) -> Result<String, FsError>;
    /// Creates the symlink `name` pointing to `target` (stored verbatim, never resolved
    /// by the adapter).
    fn symlink(&self, target: &str, name: &str) -> Result<(), FsError>;
    /// Creates `new_name` in `new_directory` as a hard link to the entry `name`.
    /// `new_directory` comes from the same adapter; otherwise [`FsError::CrossDevice`].
    fn hard_link(
        &self,
        name: &str,
        new_directory: &dyn Directory,
        new_name: &str,
    ) -> Result<(), FsError>;
    /// Moves the entry `name` to `new_name` in `new_directory` (same adapter, else
    /// [`FsError::CrossDevice`]), replacing a file there, or an empty directory when moving
    /// a directory, as POSIX `rename` does.
    fn rename(
        &self,
        name: &str,
        new_directory: &dyn Directory,
        new_name: &str,
    ) -> Result<(), FsError>;
}

/// An open file. Positions are the ABI layer's business: reads and writes take an offset,
/// except [`File::append`], which writes at the end atomically.
pub trait File: Send + Sync {
    /// Reads at `offset`; returns 0 at or past the end.
    fn read_at(&self, offset: u64, buffer: &mut [u8]) -> Result<usize, FsError>;
    /// Writes at `offset`, extending the file (with zeros in any gap) as needed.
    fn write_at(&self, offset: u64, data: &[u8]) -> Result<usize, FsError>;
    /// Writes at the end of the file; returns the bytes written and the new size.
    fn append(&self, data: &[u8]) -> Result<(usize, u64), FsError>;
    /// The file's attributes.
    fn metadata(&self) -> Result<Metadata, FsError>;
    /// Truncates or extends (with zeros) to `size` bytes.
    fn set_len(&self, size: u64) -> Result<(), FsError>;
    /// Changes the file's timestamps.
    fn set_times(&self, accessed: TimeChange, modified: TimeChange) -> Result<(), FsError>;
    /// Flushes data and metadata to storage.
    fn sync_all(&self) -> Result<(), FsError>;
    /// Flushes data to storage.
    fn sync_data(&self) -> Result<(), FsError>;
}

/// The longest name, in bytes, an adapter of this crate accepts for one path component (the
/// `NAME_MAX` of POSIX systems).
pub const MAX_NAME_LENGTH: usize = 255;

/// Checks that `name` is a single path component, the way the adapters of this crate do
/// before touching anything: empty, `.`, `..`, or containing `/` or NUL →
/// [`FsError::InvalidInput`]; longer than [`MAX_NAME_LENGTH`] bytes →
/// [`FsError::NameTooLong`].
///
/// The ABI layer already guarantees single components; this is the adapters' own line of
/// defence (for the host adapter it is what keeps a name from being resolved as a path).
pub fn validate_name(name: &str) -> Result<(), FsError> {
    if name.is_empty() || name == "." || name == ".." || SeparatorScan::of(name).any() {
        return Err(FsError::InvalidInput);
    }
    if name.len() > MAX_NAME_LENGTH {
        return Err(FsError::NameTooLong);
    }
    Ok(())
}

/// Which of the two bytes a path component may not contain — NUL and `/` — occur in a text.
///
/// Both are ASCII, so they are found by comparing bytes (they never occur inside a
/// multi-byte UTF-8 sequence). Paths and names are short, and are scanned on every path call,
/// so the text is read eight bytes at a time: a byte-wise loop costs several instructions per
/// byte, and is too short for the compiler's vector loop to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SeparatorScan {
    /// A NUL byte occurs.
    pub nul: bool,
    /// A `/` occurs.
    pub slash: bool,
}

impl SeparatorScan {
    /// Scans all of `text`.
    pub fn of(text: &str) -> Self {
        Self::of_bytes(text.as_bytes())
    }

    fn of_bytes(bytes: &[u8]) -> Self {
        let (words, tail) = bytes.as_chunks::<8>();
        let scan = words.iter().fold(Self::default(), |scan, word| {
            scan.with(u64::from_ne_bytes(*word))
        });
        if tail.is_empty() {
            return scan;
        }
        let last = match bytes.last_chunk::<8>() {
            // The last eight bytes: those already scanned again cannot change the answer.
            Some(last) => *last,
            // A text shorter than a word, padded with a byte that is neither NUL nor `/`.
            None => {
                let mut padded = [b'.'; 8];
                for (slot, byte) in padded.iter_mut().zip(tail) {
                    *slot = *byte;
                }
                padded
            }
        };
        scan.with(u64::from_ne_bytes(last))
    }

    /// Whether either byte occurs.
    pub fn any(self) -> bool {
        self.nul | self.slash
    }

    /// `self` updated with the eight bytes of `word`.
    fn with(self, word: u64) -> Self {
        const SLASHES: u64 = u64::from_ne_bytes([b'/'; 8]);
        Self {
            nul: self.nul | has_zero_byte(word),
            slash: self.slash | has_zero_byte(word ^ SLASHES),
        }
    }
}

/// Whether one of the eight bytes of `word` is zero. The classic test: subtracting one from
/// each byte sets a byte's high bit from a borrow only below a zero byte, and `!word` keeps
/// the bytes that had their high bit clear, so the result is non-zero exactly when some byte
/// is zero (which byte it flags first may be wrong, but whether one exists is exact).
fn has_zero_byte(word: u64) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH_BITS: u64 = u64::from_ne_bytes([0x80; 8]);
    word.wrapping_sub(ONES) & !word & HIGH_BITS != 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    /// The scan, byte by byte.
    fn naive(text: &[u8]) -> SeparatorScan {
        SeparatorScan {
            nul: text.contains(&0),
            slash: text.contains(&b'/'),
        }
    }

    #[test]
    fn the_word_scan_finds_nul_and_slash_at_every_position() {
        // Neighbours of both bytes (and bytes with the high bit set) next to them, so a
        // borrow or a carry between bytes would show.
        let fillers = [b'a', 0x01, 0x2E, 0x30, 0x7F, 0x80, 0xFF];
        for length in 0..40 {
            for &filler in &fillers {
                let plain: Vec<u8> = (0..length).map(|_| filler).collect();
                // Some fillers are not UTF-8 on their own: scan the raw bytes.
                let scan = SeparatorScan::of_bytes;
                assert_eq!(scan(&plain), naive(&plain), "{length} {filler:#x}");
                for position in 0..length {
                    for special in [0, b'/'] {
                        let mut bytes = plain.clone();
                        bytes[position] = special;
                        assert_eq!(scan(&bytes), naive(&bytes), "{length} {position}");
                    }
                }
            }
        }
    }

    #[test]
    fn zero_bytes_are_found_exactly() {
        for position in 0..8 {
            for other in [0x01u8, 0x80, 0xFF, 0x7F] {
                let mut bytes = [other; 8];
                assert!(!has_zero_byte(u64::from_ne_bytes(bytes)));
                bytes[position] = 0;
                assert!(has_zero_byte(u64::from_ne_bytes(bytes)));
            }
        }
    }
}
