//! The host file system, reached the capability way.
//!
//! A [`HostDirectory`] is an open directory file descriptor. Every operation passes that
//! descriptor and **one validated name component** to an `*at` system call, never a joined
//! path, and never follows a symbolic link named by the component (`O_NOFOLLOW`,
//! `AT_SYMLINK_NOFOLLOW`, and `linkat`/`unlinkat`/`renameat`/`readlinkat`, which do not follow
//! the last component by definition). Names are checked with [`validate_name`] first, so `..`,
//! `.`, `a/b` or an empty name never reach the kernel: nothing a guest names can resolve
//! outside the directory.
//!
//! The system calls go through [`rustix`]: it is the maintained, safe wrapper for the whole
//! `openat` family (`tempfile`, `cap-std` and much of the ecosystem build on it), takes
//! file descriptors as `AsFd`/`OwnedFd`, and returns typed `Errno`s. The only `unsafe` here
//! is [`c_name`], which hands validated names to rustix as C strings without a second scan.
//!
//! Semantics follow Linux and match [`crate::memfs`] (the shared behaviour tests run against
//! both): see the documentation of each type for the few places where the host needed help.

use std::ffi::CStr;
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;
use std::string::String;
use std::sync::Mutex;
use std::vec::Vec;

use alloc::boxed::Box;
use core::any::Any;
use rustix::fs::{self as sys, AtFlags, Mode, OFlags, Timespec, Timestamps};
use rustix::io::Errno;

use crate::fs::{
    Directory, DirectoryEntry, File, FileType, FsError, MAX_NAME_LENGTH, Metadata, OpenOptions,
    TimeChange, validate_name,
};

/// Maps a host `errno` to the [`FsError`] it means.
///
/// `ENOENT`→`NotFound`, `EEXIST`→`AlreadyExists`, `ENOTDIR`→`NotADirectory`,
/// `EISDIR`→`IsADirectory`, `ENOTEMPTY`→`DirectoryNotEmpty`, `EACCES`→`PermissionDenied`,
/// `EPERM`→`NotPermitted`, `EINVAL`→`InvalidInput`, `ENAMETOOLONG`→`NameTooLong`,
/// `ELOOP`→`SymlinkLoop`, `ENOSPC`/`EDQUOT`→`NoSpace`, `EFBIG`→`FileTooLarge`,
/// `EROFS`→`ReadOnly`, `EXDEV`→`CrossDevice`, `EBUSY`→`Busy`, `EMLINK`→`TooManyLinks`,
/// `EAGAIN`→`WouldBlock`, `EINTR`→`Interrupted`, `ENOTSUP`/`EOPNOTSUPP`→`Unsupported`,
/// anything else → `Io`.
pub fn errno_to_fs_error(errno: Errno) -> FsError {
    // Comparisons rather than a `match`: some of these constants share a value on some
    // platforms (`ENOTSUP`/`EOPNOTSUPP`, `EAGAIN`/`EWOULDBLOCK`).
    let table = [
        (Errno::NOENT, FsError::NotFound),
        (Errno::EXIST, FsError::AlreadyExists),
        (Errno::NOTDIR, FsError::NotADirectory),
        (Errno::ISDIR, FsError::IsADirectory),
        (Errno::NOTEMPTY, FsError::DirectoryNotEmpty),
        (Errno::ACCESS, FsError::PermissionDenied),
        (Errno::PERM, FsError::NotPermitted),
        (Errno::INVAL, FsError::InvalidInput),
        (Errno::NAMETOOLONG, FsError::NameTooLong),
        (Errno::LOOP, FsError::SymlinkLoop),
        (Errno::NOSPC, FsError::NoSpace),
        (Errno::DQUOT, FsError::NoSpace),
        (Errno::FBIG, FsError::FileTooLarge),
        (Errno::ROFS, FsError::ReadOnly),
        (Errno::XDEV, FsError::CrossDevice),
        (Errno::BUSY, FsError::Busy),
        (Errno::MLINK, FsError::TooManyLinks),
        (Errno::AGAIN, FsError::WouldBlock),
        (Errno::WOULDBLOCK, FsError::WouldBlock),
        (Errno::INTR, FsError::Interrupted),
        (Errno::NOTSUP, FsError::Unsupported),
        (Errno::OPNOTSUPP, FsError::Unsupported),
    ];
    table
        .iter()
        .find(|(known, _)| *known == errno)
        .map_or(FsError::Io, |&(_, error)| error)
}

/// Converts an integer of the host's `struct stat` to `u64` (negative → 0).
fn to_u64<T: TryInto<u64>>(value: T) -> u64 {
    value.try_into().unwrap_or(0)
}

/// Nanoseconds since the Unix epoch from a `stat` time (before the epoch → 0).
fn timestamp<S: TryInto<u64>, N: TryInto<u64>>(seconds: S, nanoseconds: N) -> u64 {
    match seconds.try_into() {
        Ok(seconds) => seconds
            .saturating_mul(1_000_000_000)
            .saturating_add(to_u64(nanoseconds)),
        Err(_) => 0,
    }
}

fn file_type(file_type: sys::FileType) -> FileType {
    match file_type {
        sys::FileType::RegularFile => FileType::RegularFile,
        sys::FileType::Directory => FileType::Directory,
        sys::FileType::Symlink => FileType::SymbolicLink,
        sys::FileType::CharacterDevice => FileType::CharacterDevice,
        sys::FileType::BlockDevice => FileType::BlockDevice,
        _ => FileType::Unknown,
    }
}

fn metadata(stat: &sys::Stat) -> Metadata {
    Metadata {
        device: to_u64(stat.st_dev),
        inode: to_u64(stat.st_ino),
        file_type: file_type(sys::FileType::from_raw_mode(stat.st_mode)),
        link_count: to_u64(stat.st_nlink),
        size: to_u64(stat.st_size),
        accessed: timestamp(stat.st_atime, stat.st_atime_nsec),
        modified: timestamp(stat.st_mtime, stat.st_mtime_nsec),
        changed: timestamp(stat.st_ctime, stat.st_ctime_nsec),
    }
}

fn timespec(change: TimeChange) -> Timespec {
    match change {
        TimeChange::Keep => Timespec {
            tv_sec: 0,
            tv_nsec: sys::UTIME_OMIT,
        },
        TimeChange::Now => Timespec {
            tv_sec: 0,
            tv_nsec: sys::UTIME_NOW,
        },
        TimeChange::At(nanoseconds) => Timespec {
            tv_sec: (nanoseconds / 1_000_000_000).try_into().unwrap_or(i64::MAX),
            tv_nsec: (nanoseconds % 1_000_000_000).try_into().unwrap_or(0),
        },
    }
}

fn timestamps(accessed: TimeChange, modified: TimeChange) -> Timestamps {
    Timestamps {
        last_access: timespec(accessed),
        last_modification: timespec(modified),
    }
}

/// Bytes of a stack buffer holding any valid name as a C string (the name and its NUL).
const C_NAME_CAPACITY: usize = MAX_NAME_LENGTH + 1;

/// Checks `name` with [`validate_name`] and writes it into `buffer` as a C string, the form
/// the `*at` system calls take. Given a `&str`, rustix would copy it into a C string of its
/// own and scan it for NUL bytes again on every call; [`validate_name`] has already looked
/// at every byte, so the C string is built without a second scan.
fn c_name<'b>(name: &str, buffer: &'b mut [u8; C_NAME_CAPACITY]) -> Result<&'b CStr, FsError> {
    validate_name(name)?;
    let length = name.len();
    // `validate_name` bounds the length to `MAX_NAME_LENGTH`, so both always succeed; the
    // checks keep this panic-free by construction.
    let destination = buffer.get_mut(..length).ok_or(FsError::NameTooLong)?;
    destination.copy_from_slice(name.as_bytes());
    let with_nul = buffer.get_mut(..=length).ok_or(FsError::NameTooLong)?;
    if let Some(terminator) = with_nul.last_mut() {
        *terminator = 0;
    }
    // SAFETY: `with_nul` is the name followed by one NUL byte, and `validate_name` refused
    // any name containing a NUL, so its only NUL is the last byte, as `CStr` requires.
    Ok(unsafe { CStr::from_bytes_with_nul_unchecked(with_nul) })
}

/// Offsets and sizes beyond this are refused before the kernel sees them (`off_t` is signed).
const MAX_OFFSET: u64 = i64::MAX as u64;

/// A directory of the host file system, held as an open file descriptor.
///
/// Every operation names one component relative to this descriptor (see the module
/// documentation). Where Linux alone would differ from the adapter contract or from
/// [`crate::memfs`], the adapter adjusts:
///
/// - [`Directory::open_directory`] on a symlink: Linux answers `ENOTDIR` to
///   `O_DIRECTORY | O_NOFOLLOW`; the adapter checks with `fstatat` and reports
///   [`FsError::SymlinkLoop`].
/// - [`Directory::open_file`] on a directory opened read-only succeeds on Linux; the adapter
///   checks with `fstat` and reports [`FsError::IsADirectory`]. `truncate` without `write` →
///   [`FsError::InvalidInput`] (Linux would truncate). Files are opened `O_NONBLOCK`, so a
///   FIFO or device in the directory cannot hang the VM: such a handle reports
///   [`FsError::WouldBlock`] (or fails: `pread` needs a seekable file).
/// - [`Directory::remove_file`] on a directory → [`FsError::IsADirectory`] whether the host
///   says `EISDIR` or `EPERM`; removing or renaming onto a non-empty directory →
///   [`FsError::DirectoryNotEmpty`] whether the host says `ENOTEMPTY` or `EEXIST`.
/// - [`Directory::entries`] reads the directory through a fresh descriptor opened from this
///   one (`openat(fd, ".")`), skips `.`, `..` and names that are not UTF-8 (a guest could not
///   name them), and sorts by name. [`Directory::read_link`] on a target that is not UTF-8
///   → [`FsError::Io`].
#[derive(Debug)]
pub struct HostDirectory {
    fd: OwnedFd,
}

impl HostDirectory {
    /// Opens the host directory at `path` (the embedder's choice, typically a `--dir`
    /// preopen: symbolic links *in this path* are followed, as the operator wrote it).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, FsError> {
        let fd = sys::open(
            path.as_ref(),
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(errno_to_fs_error)?;
        Ok(Self { fd })
    }

    /// Wraps an open directory descriptor ([`FsError::NotADirectory`] if it is not one).
    pub fn from_fd(fd: OwnedFd) -> Result<Self, FsError> {
        let stat = sys::fstat(&fd).map_err(errno_to_fs_error)?;
        if sys::FileType::from_raw_mode(stat.st_mode) != sys::FileType::Directory {
            return Err(FsError::NotADirectory);
        }
        Ok(Self { fd })
    }

    /// Another handle to the same directory (a duplicated descriptor).
    pub fn try_clone(&self) -> Result<Self, FsError> {
        let fd = rustix::io::fcntl_dupfd_cloexec(&self.fd, 0).map_err(errno_to_fs_error)?;
        Ok(Self { fd })
    }

    /// `other` as a host directory, or [`FsError::CrossDevice`].
    fn host(other: &dyn Directory) -> Result<&Self, FsError> {
        other
            .as_any()
            .downcast_ref::<Self>()
            .ok_or(FsError::CrossDevice)
    }

    /// `lstat` of `name`, for refining an ambiguous error.
    fn file_type_at(&self, name: &CStr) -> Option<sys::FileType> {
        sys::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW)
            .ok()
            .map(|stat| sys::FileType::from_raw_mode(stat.st_mode))
    }

    /// The type of a directory entry, asking `fstatat` when the file system does not say
    /// (`None`: the entry vanished meanwhile).
    fn entry_type(
        &self,
        name: &CStr,
        reported: sys::FileType,
    ) -> Result<Option<FileType>, FsError> {
        if reported != sys::FileType::Unknown {
            return Ok(Some(file_type(reported)));
        }
        match sys::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat) => Ok(Some(file_type(sys::FileType::from_raw_mode(stat.st_mode)))),
            Err(Errno::NOENT) => Ok(None),
            Err(errno) => Err(errno_to_fs_error(errno)),
        }
    }
}

/// Sorts a listing by name, in byte order (`str::cmp`). Sorting is a noticeable part of
/// listing a large directory, and most names differ in their first eight bytes: those are
/// compared as one precomputed integer instead of with a `memcmp` call per comparison, and
/// only runs of names sharing them are compared in full.
fn sort_by_name(entries: &mut [DirectoryEntry]) {
    entries.sort_by_cached_key(|entry| name_prefix(&entry.name));
    let mut rest = entries;
    while let Some(first) = rest.first() {
        let prefix = name_prefix(&first.name);
        let run = rest
            .iter()
            .position(|entry| name_prefix(&entry.name) != prefix)
            .unwrap_or(rest.len());
        let (same, after) = rest.split_at_mut(run);
        if same.len() > 1 {
            same.sort_unstable_by(|left, right| left.name.cmp(&right.name));
        }
        rest = after;
    }
}

/// The first eight bytes of a name, big-endian, zero-padded. A zero pad sorts below every
/// byte a longer name could have there (or ties with a NUL), so names with different
/// prefixes are in the same order as their bytes, and names with the same prefix need a full
/// comparison.
fn name_prefix(name: &str) -> u64 {
    let mut bytes = [0u8; 8];
    for (slot, byte) in bytes.iter_mut().zip(name.bytes()) {
        *slot = byte;
    }
    u64::from_be_bytes(bytes)
}

impl Directory for HostDirectory {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn metadata(&self) -> Result<Metadata, FsError> {
        let stat = sys::fstat(&self.fd).map_err(errno_to_fs_error)?;
        Ok(metadata(&stat))
    }

    fn set_times(&self, accessed: TimeChange, modified: TimeChange) -> Result<(), FsError> {
        sys::futimens(&self.fd, &timestamps(accessed, modified)).map_err(errno_to_fs_error)
    }

    fn sync(&self) -> Result<(), FsError> {
        sys::fsync(&self.fd).map_err(errno_to_fs_error)
    }

    fn entries(&self) -> Result<Vec<DirectoryEntry>, FsError> {
        let directory = sys::Dir::read_from(&self.fd).map_err(errno_to_fs_error)?;
        let mut entries = Vec::new();
        for entry in directory {
            let entry = entry.map_err(errno_to_fs_error)?;
            let raw_name = entry.file_name();
            let bytes = raw_name.to_bytes();
            if bytes == b"." || bytes == b".." {
                continue;
            }
            let Ok(name) = core::str::from_utf8(bytes) else {
                continue;
            };
            let Some(file_type) = self.entry_type(raw_name, entry.file_type())? else {
                continue;
            };
            entries.push(DirectoryEntry {
                name: name.into(),
                file_type,
                inode: entry.ino(),
            });
        }
        sort_by_name(&mut entries);
        Ok(entries)
    }

    fn stat(&self, name: &str) -> Result<Metadata, FsError> {
        let mut buffer = [0; C_NAME_CAPACITY];
        let name = c_name(name, &mut buffer)?;
        let stat =
            sys::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW).map_err(errno_to_fs_error)?;
        Ok(metadata(&stat))
    }

    fn set_times_at(
        &self,
        name: &str,
        accessed: TimeChange,
        modified: TimeChange,
    ) -> Result<(), FsError> {
        let mut buffer = [0; C_NAME_CAPACITY];
        let name = c_name(name, &mut buffer)?;
        sys::utimensat(
            &self.fd,
            name,
            &timestamps(accessed, modified),
            AtFlags::SYMLINK_NOFOLLOW,
        )
        .map_err(errno_to_fs_error)
    }

    fn open_directory(&self, name: &str) -> Result<Box<dyn Directory>, FsError> {
        let mut buffer = [0; C_NAME_CAPACITY];
        let name = c_name(name, &mut buffer)?;
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        match sys::openat(&self.fd, name, flags, Mode::empty()) {
            Ok(fd) => Ok(Box::new(HostDirectory { fd })),
            Err(Errno::NOTDIR) if self.file_type_at(name) == Some(sys::FileType::Symlink) => {
                Err(FsError::SymlinkLoop)
            }
            Err(errno) => Err(errno_to_fs_error(errno)),
        }
    }

    fn open_file(&self, name: &str, options: &OpenOptions) -> Result<Box<dyn File>, FsError> {
        let mut buffer = [0; C_NAME_CAPACITY];
        let name = c_name(name, &mut buffer)?;
        if options.truncate && !options.write {
            return Err(FsError::InvalidInput);
        }
        let mut flags = match (options.read, options.write) {
            (true, true) => OFlags::RDWR,
            (_, true) => OFlags::WRONLY,
            (_, false) => OFlags::RDONLY,
        };
        flags |= OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NOCTTY | OFlags::NONBLOCK;
        if options.create {
            flags |= OFlags::CREATE;
            if options.exclusive {
                flags |= OFlags::EXCL;
            }
        }
        if options.truncate {
            flags |= OFlags::TRUNC;
        }
        let fd = sys::openat(&self.fd, name, flags, Mode::from_bits_truncate(0o666))
            .map_err(errno_to_fs_error)?;
        let stat = sys::fstat(&fd).map_err(errno_to_fs_error)?;
        if sys::FileType::from_raw_mode(stat.st_mode) == sys::FileType::Directory {
            return Err(FsError::IsADirectory);
        }
        Ok(Box::new(HostFile {
            fd,
            read: options.read,
            write: options.write,
        }))
    }

    fn create_directory(&self, name: &str) -> Result<(), FsError> {
        let mut buffer = [0; C_NAME_CAPACITY];
        let name = c_name(name, &mut buffer)?;
        sys::mkdirat(&self.fd, name, Mode::from_bits_truncate(0o777)).map_err(errno_to_fs_error)
    }

    fn remove_directory(&self, name: &str) -> Result<(), FsError> {
        let mut buffer = [0; C_NAME_CAPACITY];
        let name = c_name(name, &mut buffer)?;
        match sys::unlinkat(&self.fd, name, AtFlags::REMOVEDIR) {
            Ok(()) => Ok(()),
            Err(Errno::NOTEMPTY | Errno::EXIST) => Err(FsError::DirectoryNotEmpty),
            Err(errno) => Err(errno_to_fs_error(errno)),
        }
    }

    fn remove_file(&self, name: &str) -> Result<(), FsError> {
        let mut buffer = [0; C_NAME_CAPACITY];
        let name = c_name(name, &mut buffer)?;
        match sys::unlinkat(&self.fd, name, AtFlags::empty()) {
            Ok(()) => Ok(()),
            Err(Errno::PERM) if self.file_type_at(name) == Some(sys::FileType::Directory) => {
                Err(FsError::IsADirectory)
            }
            Err(errno) => Err(errno_to_fs_error(errno)),
        }
    }

    fn read_link(&self, name: &str) -> Result<String, FsError> {
        let mut buffer = [0; C_NAME_CAPACITY];
        let name = c_name(name, &mut buffer)?;
        let target = sys::readlinkat(&self.fd, name, Vec::new()).map_err(errno_to_fs_error)?;
        target.into_string().map_err(|_| FsError::Io)
    }

    fn symlink(&self, target: &str, name: &str) -> Result<(), FsError> {
        let mut buffer = [0; C_NAME_CAPACITY];
        let name = c_name(name, &mut buffer)?;
        sys::symlinkat(target, &self.fd, name).map_err(errno_to_fs_error)
    }

    fn hard_link(
        &self,
        name: &str,
        new_directory: &dyn Directory,
        new_name: &str,
    ) -> Result<(), FsError> {
        let (mut buffer, mut new_buffer) = ([0; C_NAME_CAPACITY], [0; C_NAME_CAPACITY]);
        let name = c_name(name, &mut buffer)?;
        let new_name = c_name(new_name, &mut new_buffer)?;
        let new_directory = Self::host(new_directory)?;
        sys::linkat(
            &self.fd,
            name,
            &new_directory.fd,
            new_name,
            AtFlags::empty(),
        )
        .map_err(errno_to_fs_error)
    }

    fn rename(
        &self,
        name: &str,
        new_directory: &dyn Directory,
        new_name: &str,
    ) -> Result<(), FsError> {
        let (mut buffer, mut new_buffer) = ([0; C_NAME_CAPACITY], [0; C_NAME_CAPACITY]);
        let name = c_name(name, &mut buffer)?;
        let new_name = c_name(new_name, &mut new_buffer)?;
        let new_directory = Self::host(new_directory)?;
        match sys::renameat(&self.fd, name, &new_directory.fd, new_name) {
            Ok(()) => Ok(()),
            Err(Errno::NOTEMPTY | Errno::EXIST) => Err(FsError::DirectoryNotEmpty),
            Err(errno) => Err(errno_to_fs_error(errno)),
        }
    }
}

/// Serialises [`HostFile::append`]s of the whole process (see there).
static APPEND_LOCK: Mutex<()> = Mutex::new(());

/// A file of the host file system, opened by [`HostDirectory::open_file`].
///
/// Reads and writes are `pread`/`pwrite` at the caller's offset. The file is never opened
/// `O_APPEND` (on Linux, `pwrite` on such a descriptor ignores the offset); instead
/// [`File::append`] takes a process-wide lock, reads the size with `fstat` and writes there,
/// which makes it atomic with respect to every other `append` of this process (not to other
/// processes, nor to concurrent `write_at`). Access modes are enforced by the handle:
/// reading without `read`, or writing, appending or `set_len` without `write` →
/// [`FsError::PermissionDenied`], as [`crate::memfs`] does.
#[derive(Debug)]
pub struct HostFile {
    fd: OwnedFd,
    read: bool,
    write: bool,
}

impl HostFile {
    fn check_write(&self) -> Result<(), FsError> {
        if self.write {
            Ok(())
        } else {
            Err(FsError::PermissionDenied)
        }
    }
}

impl AsFd for HostFile {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsFd for HostDirectory {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl File for HostFile {
    fn read_at(&self, offset: u64, buffer: &mut [u8]) -> Result<usize, FsError> {
        if !self.read {
            return Err(FsError::PermissionDenied);
        }
        if buffer.is_empty() || offset > MAX_OFFSET {
            return Ok(0);
        }
        rustix::io::pread(&self.fd, buffer, offset).map_err(errno_to_fs_error)
    }

    fn write_at(&self, offset: u64, data: &[u8]) -> Result<usize, FsError> {
        self.check_write()?;
        if data.is_empty() {
            return Ok(0);
        }
        if offset >= MAX_OFFSET {
            return Err(FsError::FileTooLarge);
        }
        rustix::io::pwrite(&self.fd, data, offset).map_err(errno_to_fs_error)
    }

    fn append(&self, data: &[u8]) -> Result<(usize, u64), FsError> {
        self.check_write()?;
        // A poisoned lock only means another append panicked; the lock protects no data.
        let _guard = APPEND_LOCK
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let end = to_u64(sys::fstat(&self.fd).map_err(errno_to_fs_error)?.st_size);
        if data.is_empty() {
            return Ok((0, end));
        }
        let written = rustix::io::pwrite(&self.fd, data, end).map_err(errno_to_fs_error)?;
        Ok((written, end.saturating_add(written as u64)))
    }

    fn metadata(&self) -> Result<Metadata, FsError> {
        let stat = sys::fstat(&self.fd).map_err(errno_to_fs_error)?;
        Ok(metadata(&stat))
    }

    fn set_len(&self, size: u64) -> Result<(), FsError> {
        self.check_write()?;
        if size > MAX_OFFSET {
            return Err(FsError::FileTooLarge);
        }
        sys::ftruncate(&self.fd, size).map_err(errno_to_fs_error)
    }

    fn set_times(&self, accessed: TimeChange, modified: TimeChange) -> Result<(), FsError> {
        sys::futimens(&self.fd, &timestamps(accessed, modified)).map_err(errno_to_fs_error)
    }

    fn sync_all(&self) -> Result<(), FsError> {
        sys::fsync(&self.fd).map_err(errno_to_fs_error)
    }

    fn sync_data(&self) -> Result<(), FsError> {
        sys::fdatasync(&self.fd).map_err(errno_to_fs_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_in_byte_order() {
        let names = [
            "",
            "a",
            "a\0",
            "a\0b",
            "a\u{1}",
            "ab",
            "abcdefgh",
            "abcdefg",
            "abcdefgh0",
            "abcdefghi",
            "abcdefgh\0",
            "abcdefgh\u{1}",
            "b",
            "f0000",
            "f1999",
            "f0999",
            "Z",
            "é",
            "éa",
            "e\u{301}",
            "\u{7f}",
            "12345678901",
            "1234567890",
            "12345678",
        ];
        // Every rotation of the input, so runs of equal prefixes start everywhere.
        for rotation in 0..names.len() {
            let mut entries: Vec<DirectoryEntry> = names
                .iter()
                .cycle()
                .skip(rotation)
                .take(names.len())
                .map(|name| DirectoryEntry {
                    name: (*name).into(),
                    file_type: FileType::RegularFile,
                    inode: 0,
                })
                .collect();
            sort_by_name(&mut entries);
            let sorted: Vec<&str> = entries.iter().map(|entry| entry.name.as_str()).collect();
            let mut expected = names.to_vec();
            expected.sort();
            assert_eq!(sorted, expected, "rotation {rotation}");
        }
    }

    #[test]
    fn c_names_are_the_validated_name_and_one_nul() {
        let mut buffer = [0xFF; C_NAME_CAPACITY];
        for name in ["a", "bench-stat.txt", "é", &"e".repeat(MAX_NAME_LENGTH)] {
            let c_name = c_name(name, &mut buffer).unwrap();
            assert_eq!(c_name.to_bytes(), name.as_bytes());
        }
        // The longest name fills the buffer up to its terminator.
        let longest = "é".repeat(MAX_NAME_LENGTH / 2) + "e";
        assert_eq!(longest.len(), MAX_NAME_LENGTH);
        assert_eq!(
            c_name(&longest, &mut buffer).unwrap().to_bytes(),
            longest.as_bytes()
        );
        assert_eq!(buffer.last(), Some(&0));
        // Anything `validate_name` refuses is refused, with its error.
        for name in ["", ".", "..", "a/b", "/", "a\0b", "\0"] {
            assert_eq!(
                c_name(name, &mut buffer),
                Err(FsError::InvalidInput),
                "{name:?}"
            );
        }
        let too_long = "e".repeat(MAX_NAME_LENGTH + 1);
        assert_eq!(c_name(&too_long, &mut buffer), Err(FsError::NameTooLong));
    }

    #[test]
    fn errno_mapping() {
        let cases = [
            (Errno::NOENT, FsError::NotFound),
            (Errno::EXIST, FsError::AlreadyExists),
            (Errno::NOTDIR, FsError::NotADirectory),
            (Errno::ISDIR, FsError::IsADirectory),
            (Errno::NOTEMPTY, FsError::DirectoryNotEmpty),
            (Errno::ACCESS, FsError::PermissionDenied),
            (Errno::PERM, FsError::NotPermitted),
            (Errno::INVAL, FsError::InvalidInput),
            (Errno::NAMETOOLONG, FsError::NameTooLong),
            (Errno::LOOP, FsError::SymlinkLoop),
            (Errno::NOSPC, FsError::NoSpace),
            (Errno::DQUOT, FsError::NoSpace),
            (Errno::FBIG, FsError::FileTooLarge),
            (Errno::ROFS, FsError::ReadOnly),
            (Errno::XDEV, FsError::CrossDevice),
            (Errno::BUSY, FsError::Busy),
            (Errno::MLINK, FsError::TooManyLinks),
            (Errno::AGAIN, FsError::WouldBlock),
            (Errno::INTR, FsError::Interrupted),
            (Errno::NOTSUP, FsError::Unsupported),
            (Errno::OPNOTSUPP, FsError::Unsupported),
            (Errno::IO, FsError::Io),
            (Errno::BADF, FsError::Io),
        ];
        for (errno, expected) in cases {
            assert_eq!(errno_to_fs_error(errno), expected, "{errno:?}");
        }
    }

    #[test]
    fn timestamps_convert_both_ways() {
        assert_eq!(timestamp(-5i64, 10u32), 0);
        assert_eq!(timestamp(2i64, 7u32), 2_000_000_007);
        assert_eq!(timestamp(i64::MAX, 0u32), u64::MAX);
        let at = timespec(TimeChange::At(3_000_000_009));
        assert_eq!((at.tv_sec, at.tv_nsec), (3, 9));
        assert_eq!(timespec(TimeChange::Keep).tv_nsec, sys::UTIME_OMIT);
        assert_eq!(timespec(TimeChange::Now).tv_nsec, sys::UTIME_NOW);
    }
}
