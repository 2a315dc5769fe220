//! Path functions: the ten `path_*` calls of preview1.
//!
//! Every path goes through [`crate::path::resolve`], so nothing here can name an entry
//! outside the directory descriptor it is relative to; the adapter only ever sees one
//! directory it already holds and one component.
//!
//! # Semantics and errno choices
//!
//! The witx documentation is followed; where it is vague, wasmtime's preview1
//! (`crates/wasi/src/preview1.rs`, on cap-std) is the reference, checked against wasmtime's
//! own `preview1_*` test programs:
//!
//! - **Arguments first.** Flag arguments are decoded before anything else, as wiggle does:
//!   a value that does not fit its witx integer type is `EOVERFLOW` (wiggle's
//!   `TryFromIntError`), an undefined bit `EINVAL` (wiggle's `InvalidFlagValue`; wasmtime 40
//!   turns both into a trap, this layer reports them, as it does bad pointers).
//! - **Descriptors.** A descriptor that is not open is `EBADF`; one that is not a directory
//!   is `EBADF` too (wasmtime's `get_dir_fd`), except for `path_open` on a file, which is
//!   `ENOTDIR` (`preview1_path_open_dirfd_not_dir`). Rights are checked (`ENOTCAPABLE`), but
//!   the descriptors this crate creates always carry the path rights, as wasmtime behaves
//!   as if they did; they only matter once a guest dropped them.
//! - **`path_open`.** `SYNC`/`DSYNC`/`RSYNC` are `ENOTSUP` (wasmtime,
//!   `preview1_path_filestat`); `DIRECTORY` with `CREAT`, `EXCL` or `TRUNC` is `EINVAL`. The
//!   file is opened for writing when the rights ask for `FD_WRITE` or when `CREAT` or `TRUNC`
//!   is given, and for reading when they ask for `FD_READ` or do not ask for `FD_WRITE`
//!   (wasmtime's `open_at`). A directory opened for writing (`FD_WRITE`, `CREAT`, `TRUNC`) is
//!   `EISDIR`; `CREAT|EXCL` on anything existing is `EEXIST` and never follows a final
//!   symbolic link (POSIX); a symbolic link without `SYMLINK_FOLLOW` is `ELOOP`
//!   (`O_NOFOLLOW`, `preview1_nofollow_errors`, `preview1_dangling_symlink`); `CREAT` on a
//!   path ending in `/` is `EISDIR` once its parent resolves (Linux `open`). The new
//!   descriptor's rights are exactly what wasmtime's `fd_fdstat_get` reports for it (checked
//!   against wasmtime 40): all rights, less `FD_READ` and `FD_READDIR` without read access,
//!   less `FD_WRITE` without write access, and for a directory less `FD_SEEK`,
//!   `FD_FILESTAT_SET_SIZE` and `PATH_FILESTAT_SET_SIZE`; inheriting = base. Like wasmtime,
//!   the requested rights only choose the access mode and the parent's inheriting rights
//!   are not applied (wasmtime ignores them, so applying them could only make a program
//!   that works there fail here).
//! - **Trailing slashes** (`preview1_interesting_paths`, `…_trailing_slashes`): a path ending
//!   in `/` names a directory, so a file there is `ENOTDIR` and a missing entry `ENOENT`;
//!   `path_create_directory` and `path_rename` ignore trailing slashes (cap-std), except
//!   that a `path_rename` with a trailing slash on either side needs a directory as source
//!   (`ENOTDIR`). The path `.` (or one ending in `/`, `.` or `..`) names the directory
//!   itself: creating there is `EEXIST`, unlinking `EISDIR`, removing `EINVAL`, renaming
//!   `EBUSY`, hard-linking from it `EPERM` (Linux's answers for `.`, which wasmtime returns).
//! - **`path_symlink`** stores the target verbatim but refuses an absolute one with `EPERM`
//!   (cap-std; `preview1_symlink_create`), and `path_readlink` will not return such a
//!   target (`EPERM`, cap-std's `read_link` under wasmtime); **`path_link`** refuses
//!   `SYMLINK_FOLLOW` with `EINVAL` (wasmtime, `preview1_path_link`) and checks, in Linux's
//!   order, that the source exists, then that the new name does not; **`path_readlink`** truncates to the buffer
//!   and returns the bytes written (`preview1_readlink`); **`path_filestat_set_times`** with
//!   both `ATIM` and `ATIM_NOW` (or `MTIM` and `MTIM_NOW`) is `EINVAL` before anything else
//!   is looked at (`preview1_path_filestat`); with nothing to change, the last entry is not
//!   looked up unless it is to be followed (wasmtime on Linux: `utimensat` with two
//!   `UTIME_OMIT`s succeeds on a missing name).
//! - **Result pointers** are checked before the operation runs (`EFAULT`, or `EINVAL` when
//!   misaligned), so a bad pointer never leaves a created file or an open descriptor behind
//!   that the guest cannot know about.

use super::abi::{check_out, decode_flags16, decode_rights, filestat, time_change};
use alloc::sync::Arc;

use vm_core::{DefineError, GuestMemory, Linker};
use vm_host::fs::{Directory, FileType, FsError, Metadata, OpenOptions, TimeChange};

use crate::call;
use crate::context::{Descriptor, OpenDirectory, OpenFile, Resource, WasiContext};
use crate::errno::{Errno, WasiResult};
use crate::path::{self, Last, Resolved};
use crate::types::{Filestat, MODULE, fdflags, fstflags, lookupflags, oflags, rights};

/// Registers the path functions.
pub(super) fn define(linker: &mut Linker) -> Result<(), DefineError> {
    linker.define(
        MODULE,
        "path_create_directory",
        |context, (fd, path, path_len): (u32, u32, u32)| {
            call(context, |memory, wasi| {
                path_create_directory(memory, wasi, fd, path, path_len)
            })
        },
    )?;
    linker.define(
        MODULE,
        "path_filestat_get",
        |context, (fd, flags, path, path_len, stat): (u32, u32, u32, u32, u32)| {
            call(context, |memory, wasi| {
                path_filestat_get(memory, wasi, fd, flags, path, path_len, stat)
            })
        },
    )?;
    linker.define(
        MODULE,
        "path_filestat_set_times",
        |context,
         (fd, flags, path, path_len, atim, mtim, fst_flags): (
            u32,
            u32,
            u32,
            u32,
            u64,
            u64,
            u32,
        )| {
            call(context, |memory, wasi| {
                let times = Times {
                    atim,
                    mtim,
                    fst_flags,
                };
                path_filestat_set_times(memory, wasi, fd, flags, path, path_len, times)
            })
        },
    )?;
    linker.define(
        MODULE,
        "path_link",
        |context,
         (old_fd, old_flags, old_path, old_len, new_fd, new_path, new_len): (
            u32,
            u32,
            u32,
            u32,
            u32,
            u32,
            u32,
        )| {
            call(context, |memory, wasi| {
                let old = PathArg {
                    fd: old_fd,
                    pointer: old_path,
                    length: old_len,
                };
                let new = PathArg {
                    fd: new_fd,
                    pointer: new_path,
                    length: new_len,
                };
                path_link(memory, wasi, old, old_flags, new)
            })
        },
    )?;
    linker.define(
        MODULE,
        "path_open",
        |context,
         (
            fd,
            dirflags,
            path,
            path_len,
            oflags,
            rights_base,
            rights_inheriting,
            fdflags,
            opened,
        ): (u32, u32, u32, u32, u32, u64, u64, u32, u32)| {
            call(context, |memory, wasi| {
                let request = OpenRequest {
                    dirflags,
                    oflags,
                    rights_base,
                    rights_inheriting,
                    fdflags,
                };
                let path = PathArg {
                    fd,
                    pointer: path,
                    length: path_len,
                };
                path_open(memory, wasi, path, request, opened)
            })
        },
    )?;
    linker.define(
        MODULE,
        "path_readlink",
        |context, (fd, path, path_len, buf, buf_len, used): (u32, u32, u32, u32, u32, u32)| {
            call(context, |memory, wasi| {
                let path = PathArg {
                    fd,
                    pointer: path,
                    length: path_len,
                };
                path_readlink(memory, wasi, path, buf, buf_len, used)
            })
        },
    )?;
    linker.define(
        MODULE,
        "path_remove_directory",
        |context, (fd, path, path_len): (u32, u32, u32)| {
            call(context, |memory, wasi| {
                path_remove_directory(memory, wasi, fd, path, path_len)
            })
        },
    )?;
    linker.define(
        MODULE,
        "path_rename",
        |context, (old_fd, old_path, old_len, new_fd, new_path, new_len): (u32, u32, u32, u32, u32, u32)| {
            call(context, |memory, wasi| {
                let old = PathArg {
                    fd: old_fd,
                    pointer: old_path,
                    length: old_len,
                };
                let new = PathArg {
                    fd: new_fd,
                    pointer: new_path,
                    length: new_len,
                };
                path_rename(memory, wasi, old, new)
            })
        },
    )?;
    linker.define(
        MODULE,
        "path_symlink",
        |context, (target, target_len, fd, path, path_len): (u32, u32, u32, u32, u32)| {
            call(context, |memory, wasi| {
                let path = PathArg {
                    fd,
                    pointer: path,
                    length: path_len,
                };
                path_symlink(memory, wasi, target, target_len, path)
            })
        },
    )?;
    linker.define(
        MODULE,
        "path_unlink_file",
        |context, (fd, path, path_len): (u32, u32, u32)| {
            call(context, |memory, wasi| {
                path_unlink_file(memory, wasi, fd, path, path_len)
            })
        },
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------

/// A directory descriptor and a guest path relative to it.
#[derive(Debug, Clone, Copy)]
struct PathArg {
    fd: u32,
    pointer: u32,
    length: u32,
}

/// The flag arguments of `path_open`, as passed.
#[derive(Debug, Clone, Copy)]
struct OpenRequest {
    dirflags: u32,
    oflags: u32,
    rights_base: u64,
    rights_inheriting: u64,
    fdflags: u32,
}

/// The time arguments of `path_filestat_set_times`, as passed.
#[derive(Debug, Clone, Copy)]
struct Times {
    atim: u64,
    mtim: u64,
    fst_flags: u32,
}

/// Decodes `lookupflags` (a `u32` passed as an `i32`): a negative `i32` does not fit the
/// witx type (`EOVERFLOW`, wiggle's `TryFromIntError`), an undefined bit is `EINVAL`.
/// Returns whether `SYMLINK_FOLLOW` is set.
fn decode_lookupflags(value: u32) -> WasiResult<bool> {
    if i32::try_from(value).is_err() {
        return Err(Errno::Overflow);
    }
    if value & !lookupflags::SYMLINK_FOLLOW != 0 {
        return Err(Errno::Invalid);
    }
    Ok(value & lookupflags::SYMLINK_FOLLOW != 0)
}

/// Most path calls: anything but a directory is `EBADF` (wasmtime's `get_dir_fd`).
fn bad_descriptor(_: &Resource) -> Errno {
    Errno::BadFileDescriptor
}

/// `path_open`: a file is `ENOTDIR`, stdio `EBADF` (wasmtime's `path_open`).
fn file_is_not_a_directory(resource: &Resource) -> Errno {
    match resource {
        Resource::File(_) => Errno::NotDirectory,
        _ => Errno::BadFileDescriptor,
    }
}

/// The directory of `fd` after checking that it has `needed` rights.
fn directory_with(wasi: &WasiContext, fd: u32, needed: u64) -> WasiResult<&Arc<dyn Directory>> {
    let (descriptor, directory) = path::directory_of(wasi, fd, bad_descriptor)?;
    descriptor.require(needed)?;
    Ok(directory)
}

// ---------------------------------------------------------------------------------------
// The functions
// ---------------------------------------------------------------------------------------

/// `path_create_directory` (`mkdirat`).
fn path_create_directory(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    fd: u32,
    pointer: u32,
    length: u32,
) -> WasiResult {
    let base = directory_with(wasi, fd, rights::PATH_CREATE_DIRECTORY)?;
    let path = path::read_path(memory, pointer, length)?;
    let resolved = path::resolve(base, path::strip_trailing_slashes(path), false)?;
    match resolved.last {
        Last::Itself => Err(Errno::Exist),
        Last::Name(name) => Ok(resolved.directory.create_directory(&name)?),
    }
}

/// Attributes of what `resolved` names.
fn stat(resolved: &Resolved) -> WasiResult<Metadata> {
    Ok(match &resolved.last {
        Last::Itself => resolved.directory.metadata()?,
        Last::Name(name) => resolved.directory.stat(name)?,
    })
}

/// `path_filestat_get` (`fstatat`).
fn path_filestat_get(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    fd: u32,
    flags: u32,
    pointer: u32,
    length: u32,
    out: u32,
) -> WasiResult {
    let follow = decode_lookupflags(flags)?;
    let base = directory_with(wasi, fd, rights::PATH_FILESTAT_GET)?;
    let metadata = {
        let path = path::read_path(memory, pointer, length)?;
        check_out::<Filestat>(memory, out)?;
        // The last component is stat'ed as named first: unless it is a symbolic link to
        // follow, that is the answer, and no separate symlink check is needed.
        let metadata = stat(&path::resolve(base, path, false)?)?;
        if follow && metadata.file_type == FileType::SymbolicLink {
            stat(&path::resolve(base, path, true)?)?
        } else {
            metadata
        }
    };
    memory.write(out, &filestat(&metadata))?;
    Ok(())
}

/// `path_filestat_set_times` (`utimensat`).
fn path_filestat_set_times(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    fd: u32,
    flags: u32,
    pointer: u32,
    length: u32,
    times: Times,
) -> WasiResult {
    let follow = decode_lookupflags(flags)?;
    let fst_flags = decode_flags16(times.fst_flags, fstflags::ALL)?;
    let set = |flag: u16| fst_flags & flag != 0;
    let accessed = time_change(set(fstflags::ATIM), set(fstflags::ATIM_NOW), times.atim)?;
    let modified = time_change(set(fstflags::MTIM), set(fstflags::MTIM_NOW), times.mtim)?;
    let base = directory_with(wasi, fd, rights::PATH_FILESTAT_SET_TIMES)?;
    let path = path::read_path(memory, pointer, length)?;
    let resolved = path::resolve(base, path, follow)?;
    if accessed == TimeChange::Keep && modified == TimeChange::Keep {
        // Nothing to change: like `utimensat` with two `UTIME_OMIT`s, the last entry is
        // not looked up, except that a followed link must lead somewhere.
        if let (true, Last::Name(name)) = (follow, &resolved.last) {
            resolved.directory.stat(name)?;
        }
        return Ok(());
    }
    match &resolved.last {
        Last::Itself => resolved.directory.set_times(accessed, modified)?,
        Last::Name(name) => resolved.directory.set_times_at(name, accessed, modified)?,
    }
    Ok(())
}

/// `path_link` (`linkat` without following).
fn path_link(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    old: PathArg,
    old_flags: u32,
    new: PathArg,
) -> WasiResult {
    let follow = decode_lookupflags(old_flags)?;
    let old_base = directory_with(wasi, old.fd, rights::PATH_LINK_SOURCE)?;
    let new_base = directory_with(wasi, new.fd, rights::PATH_LINK_TARGET)?;
    let old_path = path::read_path(memory, old.pointer, old.length)?;
    let new_path = path::read_path(memory, new.pointer, new.length)?;
    if follow {
        // wasmtime refuses to follow: a hard link to a symlink's target could be made
        // without the target's directory being writable by the guest.
        return Err(Errno::Invalid);
    }
    let source = path::resolve(old_base, old_path, false)?;
    let destination = path::resolve(new_base, new_path, false)?;
    // The order of Linux's `linkat` (what wasmtime ends up calling): the source must
    // exist, then the new name must not, then a directory cannot be linked.
    if let Last::Name(old_name) = &source.last {
        source.directory.stat(old_name)?;
    }
    let new_name = match &destination.last {
        Last::Itself => return Err(Errno::Exist),
        Last::Name(new_name) => new_name,
    };
    match &source.last {
        Last::Itself => match destination.directory.stat(new_name) {
            Ok(_) => Err(Errno::Exist),
            Err(FsError::NotFound) => Err(Errno::Permission),
            Err(error) => Err(error.into()),
        },
        Last::Name(old_name) => {
            Ok(source
                .directory
                .hard_link(old_name, &*destination.directory, new_name)?)
        }
    }
}

/// What `path_open` opened, before it gets a number.
struct Opened {
    resource: Resource,
    rights_base: u64,
    rights_inheriting: u64,
}

/// `path_open` (`openat`).
fn path_open(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    path_arg: PathArg,
    request: OpenRequest,
    out: u32,
) -> WasiResult {
    let follow = decode_lookupflags(request.dirflags)?;
    let open_flags = decode_flags16(request.oflags, oflags::ALL)?;
    let requested = decode_rights(request.rights_base)?;
    decode_rights(request.rights_inheriting)?;
    let fd_flags = decode_flags16(request.fdflags, fdflags::ALL)?;

    let opened = {
        // wasmtime reads the path before looking the descriptor up.
        let path = path::read_path(memory, path_arg.pointer, path_arg.length)?;
        let (descriptor, base) = path::directory_of(wasi, path_arg.fd, file_is_not_a_directory)?;
        if fd_flags & (fdflags::DSYNC | fdflags::RSYNC | fdflags::SYNC) != 0 {
            return Err(Errno::NotSupported);
        }
        let has = |flag: u16| open_flags & flag != 0;
        if has(oflags::DIRECTORY) && (has(oflags::CREAT) || has(oflags::EXCL) || has(oflags::TRUNC))
        {
            return Err(Errno::Invalid);
        }
        descriptor.require(rights::PATH_OPEN)?;
        if has(oflags::CREAT) {
            descriptor.require(rights::PATH_CREATE_FILE)?;
        }
        check_out::<u32>(memory, out)?;
        let mode = AccessMode::new(open_flags, requested);
        // `O_CREAT|O_EXCL` never follows a final symbolic link: it fails with `EEXIST`.
        let exclusive = has(oflags::CREAT) && has(oflags::EXCL);
        let resolve = |follow_last| {
            if has(oflags::CREAT) {
                path::resolve_for_create(base, path, follow_last)
            } else {
                path::resolve(base, path, follow_last)
            }
        };
        let follow = follow && !exclusive;
        // The last component is opened as named first (adapters open it `O_NOFOLLOW`): only
        // if it turns out to be a symbolic link to follow is the path resolved again,
        // following it. This saves a symlink check on every open.
        match open(resolve(false)?, open_flags, mode, fd_flags) {
            Err(Errno::Loop) if follow => open(resolve(true)?, open_flags, mode, fd_flags)?,
            opened => opened?,
        }
    };
    let fd = wasi.descriptors.insert(Descriptor {
        resource: opened.resource,
        rights_base: opened.rights_base,
        rights_inheriting: opened.rights_inheriting,
    })?;
    if let Err(error) = memory.write(out, &fd) {
        // Checked above, so this cannot happen; if it did, the guest could not learn the
        // number, so the descriptor must not stay open.
        let _ = wasi.descriptors.remove(fd);
        return Err(error.into());
    }
    Ok(())
}

/// How `path_open` opens a file (wasmtime's `open_at`).
#[derive(Debug, Clone, Copy)]
struct AccessMode {
    read: bool,
    write: bool,
}

impl AccessMode {
    fn new(open_flags: u16, requested: u64) -> Self {
        let wants_write = requested & rights::FD_WRITE != 0;
        // Creating or truncating opens for writing whatever the rights say.
        let write = wants_write || open_flags & (oflags::CREAT | oflags::TRUNC) != 0;
        // Without `FD_WRITE` the file is opened for reading, so the OS accepts the open.
        let read = requested & rights::FD_READ != 0 || !wants_write;
        Self { read, write }
    }
}

/// Rights of a new descriptor: exactly what wasmtime's `fd_fdstat_get` reports for it
/// (wasmtime derives them from the access mode and ignores the requested and inheriting
/// rights).
fn child_rights(directory: bool, mode: AccessMode) -> u64 {
    let mut granted = rights::ALL;
    if directory {
        granted &=
            !(rights::FD_SEEK | rights::FD_FILESTAT_SET_SIZE | rights::PATH_FILESTAT_SET_SIZE);
    }
    if !mode.read {
        granted &= !(rights::FD_READ | rights::FD_READDIR);
    }
    if !mode.write {
        granted &= !rights::FD_WRITE;
    }
    granted
}

/// A descriptor for a directory opened by `path_open` (read-only, as directories are).
fn open_directory_descriptor(directory: Arc<dyn Directory>) -> Opened {
    let rights = child_rights(
        true,
        AccessMode {
            read: true,
            write: false,
        },
    );
    Opened {
        resource: Resource::Directory(OpenDirectory::new(directory, None)),
        rights_base: rights,
        rights_inheriting: rights,
    }
}

/// Opens what `resolved` names.
fn open(
    resolved: Resolved,
    open_flags: u16,
    mode: AccessMode,
    fd_flags: u16,
) -> WasiResult<Opened> {
    let has = |flag: u16| open_flags & flag != 0;
    let name = match resolved.last {
        Last::Itself => {
            // `open(".")`: it exists, and is a directory.
            if has(oflags::CREAT) && has(oflags::EXCL) {
                return Err(Errno::Exist);
            }
            if mode.write {
                return Err(Errno::IsDirectory);
            }
            return Ok(open_directory_descriptor(resolved.directory));
        }
        Last::Name(name) => name,
    };
    let directory = &resolved.directory;
    if has(oflags::DIRECTORY) {
        let opened = Arc::from(directory.open_directory(&name)?);
        if mode.write {
            return Err(Errno::IsDirectory);
        }
        return Ok(open_directory_descriptor(opened));
    }
    let options = OpenOptions {
        read: mode.read,
        write: mode.write,
        create: has(oflags::CREAT),
        exclusive: has(oflags::CREAT) && has(oflags::EXCL),
        truncate: has(oflags::TRUNC),
    };
    match directory.open_file(&name, &options) {
        Ok(file) => Ok(Opened {
            resource: Resource::File(OpenFile {
                file,
                position: 0,
                flags: fd_flags & (fdflags::APPEND | fdflags::NONBLOCK),
                readable: mode.read,
                writable: mode.write,
            }),
            rights_base: child_rights(false, mode),
            rights_inheriting: child_rights(false, mode),
        }),
        // Without `O_DIRECTORY`, a directory opens as a directory descriptor unless it was
        // to be written (POSIX `EISDIR`).
        Err(FsError::IsADirectory) if !mode.write => {
            let opened = Arc::from(directory.open_directory(&name)?);
            Ok(open_directory_descriptor(opened))
        }
        Err(error) => Err(error.into()),
    }
}

/// `path_readlink` (`readlinkat`): the target, truncated to the buffer.
fn path_readlink(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    path_arg: PathArg,
    buf: u32,
    buf_len: u32,
    used: u32,
) -> WasiResult {
    let base = directory_with(wasi, path_arg.fd, rights::PATH_READLINK)?;
    let target = {
        let path = path::read_path(memory, path_arg.pointer, path_arg.length)?;
        check_out::<u32>(memory, used)?;
        let resolved = path::resolve(base, path, false)?;
        match &resolved.last {
            // `readlinkat(fd, ".")`: not a link.
            Last::Itself => return Err(Errno::Invalid),
            Last::Name(name) => resolved.directory.read_link(name)?,
        }
    };
    path::check_link_to_return(&target)?;
    let bytes = target.as_bytes();
    let count = bytes.len().min(buf_len as usize);
    let written = bytes.get(..count).unwrap_or(bytes);
    memory.write_bytes(buf, written)?;
    // `count <= buf_len`, a `u32`.
    memory.write(used, &u32::try_from(count).map_err(|_| Errno::Overflow)?)?;
    Ok(())
}

/// `path_remove_directory` (`unlinkat(AT_REMOVEDIR)`).
fn path_remove_directory(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    fd: u32,
    pointer: u32,
    length: u32,
) -> WasiResult {
    let base = directory_with(wasi, fd, rights::PATH_REMOVE_DIRECTORY)?;
    let path = path::read_path(memory, pointer, length)?;
    let resolved = path::resolve(base, path, false)?;
    match resolved.last {
        // `rmdir(".")` (what cap-std ends up calling for `dir/`).
        Last::Itself => Err(Errno::Invalid),
        Last::Name(name) => Ok(resolved.directory.remove_directory(&name)?),
    }
}

/// `path_rename` (`renameat`).
fn path_rename(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    old: PathArg,
    new: PathArg,
) -> WasiResult {
    let old_base = directory_with(wasi, old.fd, rights::PATH_RENAME_SOURCE)?;
    let new_base = directory_with(wasi, new.fd, rights::PATH_RENAME_TARGET)?;
    let old_path = path::read_path(memory, old.pointer, old.length)?;
    let new_path = path::read_path(memory, new.pointer, new.length)?;
    // Either side ending in `/` asks for a directory (Linux `rename`; cap-std strips the
    // slashes but keeps this check).
    let source_must_be_directory =
        path::has_trailing_slash(old_path) || path::has_trailing_slash(new_path);
    let source = path::resolve(old_base, path::strip_trailing_slashes(old_path), false)?;
    let destination = path::resolve(new_base, path::strip_trailing_slashes(new_path), false)?;
    match (&source.last, &destination.last) {
        (Last::Name(old_name), Last::Name(new_name)) => {
            if source_must_be_directory
                && source.directory.stat(old_name)?.file_type != FileType::Directory
            {
                return Err(Errno::NotDirectory);
            }
            Ok(source
                .directory
                .rename(old_name, &*destination.directory, new_name)?)
        }
        // Renaming `.` or `..`, or onto them (Linux).
        _ => Err(Errno::Busy),
    }
}

/// `path_symlink` (`symlinkat`): `target` is stored verbatim, relative targets only.
fn path_symlink(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    target_pointer: u32,
    target_length: u32,
    path_arg: PathArg,
) -> WasiResult {
    let base = directory_with(wasi, path_arg.fd, rights::PATH_SYMLINK)?;
    let target = path::read_path(memory, target_pointer, target_length)?;
    let path = path::read_path(memory, path_arg.pointer, path_arg.length)?;
    path::check_symlink_target(target)?;
    let resolved = path::resolve(base, path, false)?;
    match resolved.last {
        Last::Itself => Err(Errno::Exist),
        Last::Name(name) => Ok(resolved.directory.symlink(target, &name)?),
    }
}

/// `path_unlink_file` (`unlinkat`).
fn path_unlink_file(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    fd: u32,
    pointer: u32,
    length: u32,
) -> WasiResult {
    let base = directory_with(wasi, fd, rights::PATH_UNLINK_FILE)?;
    let path = path::read_path(memory, pointer, length)?;
    let resolved = path::resolve(base, path, false)?;
    match resolved.last {
        // `unlink(".")` / `unlink("dir/")`.
        Last::Itself => Err(Errno::IsDirectory),
        Last::Name(name) => Ok(resolved.directory.remove_file(&name)?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_decode_like_wiggle() {
        assert_eq!(decode_lookupflags(0), Ok(false));
        assert_eq!(decode_lookupflags(1), Ok(true));
        assert_eq!(decode_lookupflags(2), Err(Errno::Invalid));
        assert_eq!(decode_lookupflags(u32::MAX), Err(Errno::Overflow));
        assert_eq!(decode_flags16(0xF, oflags::ALL), Ok(0xF));
        assert_eq!(decode_flags16(0x10, oflags::ALL), Err(Errno::Invalid));
        assert_eq!(decode_flags16(0x1_0000, oflags::ALL), Err(Errno::Overflow));
        assert_eq!(decode_rights(rights::ALL), Ok(rights::ALL));
        assert_eq!(decode_rights(1 << 30), Err(Errno::Invalid));
        assert_eq!(decode_rights(u64::MAX), Err(Errno::Overflow));
    }

    #[test]
    fn access_mode_follows_wasmtime() {
        let mode = |flags, rights| {
            let mode = AccessMode::new(flags, rights);
            (mode.read, mode.write)
        };
        assert_eq!(mode(0, 0), (true, false));
        assert_eq!(mode(0, rights::FD_READ), (true, false));
        assert_eq!(mode(0, rights::FD_WRITE), (false, true));
        assert_eq!(mode(0, rights::FD_READ | rights::FD_WRITE), (true, true));
        assert_eq!(mode(oflags::CREAT, 0), (true, true));
        assert_eq!(mode(oflags::TRUNC, rights::FD_WRITE), (false, true));
    }

    #[test]
    fn child_rights_are_what_wasmtime_reports() {
        let mode = |read, write| AccessMode { read, write };
        // Values read back from wasmtime 40's `fd_fdstat_get`.
        assert_eq!(child_rights(false, mode(true, false)), 0x3fff_ffbf);
        assert_eq!(child_rights(false, mode(false, true)), 0x3fff_bffd);
        assert_eq!(child_rights(false, mode(true, true)), 0x3fff_ffff);
        assert_eq!(child_rights(true, mode(true, false)), 0x3fb7_ffbb);
    }
}
