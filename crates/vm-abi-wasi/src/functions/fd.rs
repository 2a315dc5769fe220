//! Descriptor functions: everything `fd_*` except `fd_readdir` (20 functions).
//!
//! # Semantics and errno choices
//!
//! The witx documentation of `wasi_snapshot_preview1` is followed, and where it is vague,
//! wasmtime's preview1 implementation (`crates/wasi/src/preview1.rs`) is the reference:
//!
//! - **Kinds.** File-only functions (`fd_advise`, `fd_allocate`, `fd_datasync`, `fd_sync`,
//!   `fd_fdstat_set_flags`, `fd_filestat_set_size`) give `EBADF` on directories and stdio.
//!   Seeking functions (`fd_seek`, `fd_tell`) give `ESPIPE` on stdio and `EBADF` on
//!   directories. `fd_pread` on stdin and `fd_pwrite` on stdout/stderr give `ESPIPE`; the
//!   other direction (and directories) `EBADF`. `fd_read`/`fd_write` on a directory or on the
//!   wrong stdio direction give `EBADF`.
//! - **Access mode before rights.** A file not opened for reading (writing) gives `EBADF` on
//!   reads (writes), as the OS does under wasmtime; `fd_filestat_set_size` on a file not
//!   opened for writing gives `EINVAL` (Linux `ftruncate`). Only then are rights checked
//!   (`ENOTCAPABLE`), so rights matter once a guest dropped them with
//!   `fd_fdstat_set_rights` — which can only remove rights (adding any gives
//!   `ENOTCAPABLE`), as the spec says and as wasi-testsuite's `fd_fdstat_set_rights` expects.
//! - **Arguments first.** Enum and flag arguments are decoded before the descriptor is looked
//!   up: an enum value or flags that do not fit their witx integer type give `EOVERFLOW`, an
//!   unknown value or bit `EINVAL` (the errnos wiggle's `GuestError` maps these to; wasmtime
//!   itself traps the guest on them, which the spec does not ask for).
//! - `fd_allocate` is `ENOTSUP` (wasmtime dropped it); closing or renumbering over a preopen
//!   is allowed; `fd_prestat_dir_name` gives `ENOTDIR` for a descriptor that is not a
//!   preopen and `ENAMETOOLONG` when the buffer is too small; `fd_pwrite` on an `APPEND`
//!   descriptor appends and ignores the offset (Linux, wasmtime).
//! - `fd_renumber` needs both descriptors open (`EBADF` otherwise), as the spec implies and
//!   wasmtime 50 answers: this keeps the table bounded.
//! - Result pointers are checked after the descriptor and rights (so `EBADF` wins, as in
//!   wasmtime) but before the operation runs, so a bad pointer (`EFAULT`) never loses data
//!   (for example stdin bytes read but not reported).
//! - A transfer whose file range ends past `i64::MAX` is `EINVAL` on every backend, as
//!   Linux's `pread`/`pwrite` answer under wasmtime (such positions are reachable with
//!   `fd_seek`).
//!
//! # Bounded work and blocking
//!
//! Vectored I/O goes through [`GuestMemory::iovecs`] with [`IovecLimits::default`]: more
//! than 1024 iovecs is `EINVAL`, more than 16 MiB per call is a short transfer. Files are read
//! and written directly between guest slices and the adapter, never through a host buffer
//! sized by the guest.
//!
//! Standard streams are always blocking (wasmtime's choice, and `fd_fdstat_set_flags` cannot
//! change them): a stream that reports would-block is retried after a short
//! [`Task::sleep`](vm_host::task::Task::sleep). A stdin read fills only the first non-empty
//! iovec, like wasmtime, so a read never waits for more input once it has some. Output is
//! written whole (`write_all` semantics) then flushed. Files are blocking unless the
//! descriptor has `NONBLOCK`, in which case a would-block from the adapter is `EAGAIN`.
//! When a transfer fails after some bytes moved, the partial count is returned and the error
//! is left for the next call, as POSIX does.

use super::abi::{check_out, decode_flags16, decode_rights, filestat, time_change, wasi_filetype};
use vm_core::{DefineError, GuestMemory, Linker};
use vm_host::fs::FsError;
use vm_host::stdio::{OutputStream, StreamError};
use vm_host::task::Task;
use vm_sandbox::{IovecLimits, IovecList};

use crate::context::{OpenFile, Resource, SocketKind, WasiContext};
use crate::errno::{Errno, WasiResult};
use crate::types::{
    Fdstat, Filestat, MODULE, PREOPENTYPE_DIR, Prestat, fdflags, filetype, fstflags, rights, whence,
};
use crate::{call, call_without_memory};

/// How long to wait before retrying a blocking transfer whose adapter reported would-block.
const WAIT_INTERVAL_NS: u64 = 1_000_000;

/// Largest `advice` value (`noreuse`).
const ADVICE_MAX: u8 = 5;

/// Largest `whence` value (`end`).
const WHENCE_MAX: u8 = whence::END;

/// Limits of one vectored transfer.
fn io_limits() -> IovecLimits {
    IovecLimits::default()
}

/// Registers the descriptor functions.
pub(super) fn define(linker: &mut Linker) -> Result<(), DefineError> {
    linker.define(
        MODULE,
        "fd_advise",
        |context, (fd, offset, len, advice): (u32, u64, u64, u32)| {
            call_without_memory(context, |wasi| fd_advise(wasi, fd, offset, len, advice))
        },
    )?;
    linker.define(
        MODULE,
        "fd_allocate",
        |context, (fd, offset, len): (u32, u64, u64)| {
            call_without_memory(context, |wasi| fd_allocate(wasi, fd, offset, len))
        },
    )?;
    linker.define(MODULE, "fd_close", |context, (fd,): (u32,)| {
        call_without_memory(context, |wasi| fd_close(wasi, fd))
    })?;
    linker.define(MODULE, "fd_datasync", |context, (fd,): (u32,)| {
        call_without_memory(context, |wasi| fd_datasync(wasi, fd))
    })?;
    linker.define(
        MODULE,
        "fd_fdstat_get",
        |context, (fd, stat): (u32, u32)| {
            call(context, |memory, wasi| {
                fd_fdstat_get(memory, wasi, fd, stat)
            })
        },
    )?;
    linker.define(
        MODULE,
        "fd_fdstat_set_flags",
        |context, (fd, flags): (u32, u32)| {
            call_without_memory(context, |wasi| fd_fdstat_set_flags(wasi, fd, flags))
        },
    )?;
    linker.define(
        MODULE,
        "fd_fdstat_set_rights",
        |context, (fd, base, inheriting): (u32, u64, u64)| {
            call_without_memory(context, |wasi| {
                fd_fdstat_set_rights(wasi, fd, base, inheriting)
            })
        },
    )?;
    linker.define(
        MODULE,
        "fd_filestat_get",
        |context, (fd, stat): (u32, u32)| {
            call(context, |memory, wasi| {
                fd_filestat_get(memory, wasi, fd, stat)
            })
        },
    )?;
    linker.define(
        MODULE,
        "fd_filestat_set_size",
        |context, (fd, size): (u32, u64)| {
            call_without_memory(context, |wasi| fd_filestat_set_size(wasi, fd, size))
        },
    )?;
    linker.define(
        MODULE,
        "fd_filestat_set_times",
        |context, (fd, atim, mtim, flags): (u32, u64, u64, u32)| {
            call_without_memory(context, |wasi| {
                fd_filestat_set_times(wasi, fd, atim, mtim, flags)
            })
        },
    )?;
    linker.define(
        MODULE,
        "fd_pread",
        |context, (fd, iovs, iovs_len, offset, nread): (u32, u32, u32, u64, u32)| {
            call(context, |memory, wasi| {
                fd_pread(memory, wasi, fd, iovs, iovs_len, offset, nread)
            })
        },
    )?;
    linker.define(
        MODULE,
        "fd_prestat_get",
        |context, (fd, prestat): (u32, u32)| {
            call(context, |memory, wasi| {
                fd_prestat_get(memory, wasi, fd, prestat)
            })
        },
    )?;
    linker.define(
        MODULE,
        "fd_prestat_dir_name",
        |context, (fd, path, path_len): (u32, u32, u32)| {
            call(context, |memory, wasi| {
                fd_prestat_dir_name(memory, wasi, fd, path, path_len)
            })
        },
    )?;
    linker.define(
        MODULE,
        "fd_pwrite",
        |context, (fd, iovs, iovs_len, offset, nwritten): (u32, u32, u32, u64, u32)| {
            call(context, |memory, wasi| {
                fd_pwrite(memory, wasi, fd, iovs, iovs_len, offset, nwritten)
            })
        },
    )?;
    linker.define(
        MODULE,
        "fd_read",
        |context, (fd, iovs, iovs_len, nread): (u32, u32, u32, u32)| {
            call(context, |memory, wasi| {
                fd_read(memory, wasi, fd, iovs, iovs_len, nread)
            })
        },
    )?;
    linker.define(MODULE, "fd_renumber", |context, (from, to): (u32, u32)| {
        call_without_memory(context, |wasi| fd_renumber(wasi, from, to))
    })?;
    linker.define(
        MODULE,
        "fd_seek",
        |context, (fd, offset, whence, newoffset): (u32, i64, u32, u32)| {
            call(context, |memory, wasi| {
                fd_seek(memory, wasi, fd, offset, whence, newoffset)
            })
        },
    )?;
    linker.define(MODULE, "fd_sync", |context, (fd,): (u32,)| {
        call_without_memory(context, |wasi| fd_sync(wasi, fd))
    })?;
    linker.define(MODULE, "fd_tell", |context, (fd, offset): (u32, u32)| {
        call(context, |memory, wasi| fd_tell(memory, wasi, fd, offset))
    })?;
    linker.define(
        MODULE,
        "fd_write",
        |context, (fd, iovs, iovs_len, nwritten): (u32, u32, u32, u32)| {
            call(context, |memory, wasi| {
                fd_write(memory, wasi, fd, iovs, iovs_len, nwritten)
            })
        },
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Argument decoding (wiggle's rules and errnos; wasmtime traps instead)
// ---------------------------------------------------------------------------------------

/// Decodes a `u8` enum passed as an `i32`: `EOVERFLOW` if it does not fit a `u8` (wiggle's
/// `TryFromIntError`), `EINVAL` above `max`.
fn decode_enum(value: u32, max: u8) -> WasiResult<u8> {
    let value = u8::try_from(value).map_err(|_| Errno::Overflow)?;
    if value > max {
        return Err(Errno::Invalid);
    }
    Ok(value)
}

// ---------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------

/// The WASI file type of a descriptor's resource (sockets have WASI types only). Stdio is a
/// character device only when it is a terminal, as wasmtime reports it (so `isatty` tells the
/// truth to guests).
fn resource_filetype(resource: &Resource, stdio_is_terminal: bool) -> u8 {
    match resource {
        Resource::Socket(socket, _) => match socket.kind() {
            SocketKind::Stream => filetype::SOCKET_STREAM,
            SocketKind::Datagram => filetype::SOCKET_DGRAM,
        },
        Resource::Stdin(_) | Resource::Output(_) if !stdio_is_terminal => filetype::UNKNOWN,
        other => wasi_filetype(other.file_type()),
    }
}

/// Waits a little before retrying a blocking transfer.
fn wait(task: &dyn Task) {
    task.sleep(WAIT_INTERVAL_NS);
}

/// Runs a file operation, retrying would-block on a blocking descriptor; on a `NONBLOCK`
/// descriptor would-block is `EAGAIN`.
fn blocking<T>(
    nonblocking: bool,
    task: &dyn Task,
    mut operation: impl FnMut() -> Result<T, FsError>,
) -> WasiResult<T> {
    loop {
        match operation() {
            Err(FsError::WouldBlock) if !nonblocking => wait(task),
            result => return result.map_err(Errno::from),
        }
    }
}

/// Checks the file range of a transfer of `length` bytes at `offset`: the OS takes a signed
/// `off_t`, and Linux refuses a range that ends past `i64::MAX` with `EINVAL` (what
/// `pread`/`pwrite` answer under wasmtime); checking here makes every backend agree.
fn file_offset(offset: u64, length: u32) -> WasiResult<u64> {
    match offset.checked_add(u64::from(length)) {
        Some(end) if i64::try_from(end).is_ok() => Ok(offset),
        _ => Err(Errno::Invalid),
    }
}

/// A transfer that failed after `done` bytes: the count if anything moved, else the error.
fn partial(done: usize, error: Errno) -> WasiResult<usize> {
    if done > 0 { Ok(done) } else { Err(error) }
}

/// A byte count as the guest's `size` (transfers are capped well below 4 GiB).
fn guest_size(count: usize) -> WasiResult<u32> {
    u32::try_from(count).map_err(|_| Errno::Overflow)
}

/// The open file behind `fd`, or `EBADF` for anything else (wasmtime's `get_file`).
fn file_of(wasi: &WasiContext, fd: u32) -> WasiResult<(&OpenFile, u64)> {
    let descriptor = wasi.descriptors.get(fd)?;
    match &descriptor.resource {
        Resource::File(file) => Ok((file, descriptor.rights_base)),
        _ => Err(Errno::BadFileDescriptor),
    }
}

/// Fails with `ENOTCAPABLE` unless `rights_base` has all of `needed`.
fn require(rights_base: u64, needed: u64) -> WasiResult {
    if rights_base & needed == needed {
        Ok(())
    } else {
        Err(Errno::NotCapable)
    }
}

/// Fails with `ENOTCAPABLE` unless `rights_base` has at least one of `any`.
fn require_any(rights_base: u64, any: u64) -> WasiResult {
    if rights_base & any != 0 {
        Ok(())
    } else {
        Err(Errno::NotCapable)
    }
}

/// Flushes an output stream that is being closed; errors are ignored because the
/// descriptor goes away whatever happens (as `close` does not report buffered-data loss on
/// most systems either).
fn flush_quietly(stream: &mut dyn OutputStream) {
    let _ = stream.flush();
}

// ---------------------------------------------------------------------------------------
// Functions without data transfer
// ---------------------------------------------------------------------------------------

/// `fd_advise`: validates and ignores the advice (it is only a hint).
fn fd_advise(wasi: &mut WasiContext, fd: u32, _offset: u64, len: u64, advice: u32) -> WasiResult {
    decode_enum(advice, ADVICE_MAX)?;
    let (_, rights_base) = file_of(wasi, fd)?;
    require(rights_base, rights::FD_ADVISE)?;
    // `posix_fadvise` rejects a negative length only: the offset, a signed `off_t` there,
    // may be anything (wasmtime passes both through).
    if i64::try_from(len).is_err() {
        return Err(Errno::Invalid);
    }
    Ok(())
}

/// `fd_allocate`: `ENOTSUP` on files, as wasmtime.
fn fd_allocate(wasi: &mut WasiContext, fd: u32, _offset: u64, _len: u64) -> WasiResult {
    let (_, rights_base) = file_of(wasi, fd)?;
    require(rights_base, rights::FD_ALLOCATE)?;
    Err(Errno::NotSupported)
}

/// `fd_close`: any descriptor, preopens and stdio included.
fn fd_close(wasi: &mut WasiContext, fd: u32) -> WasiResult {
    let mut descriptor = wasi.descriptors.remove(fd)?;
    if let Resource::Output(stream) = &mut descriptor.resource {
        flush_quietly(stream.as_mut());
    }
    Ok(())
}

/// `fd_datasync`: files only.
fn fd_datasync(wasi: &mut WasiContext, fd: u32) -> WasiResult {
    let (file, rights_base) = file_of(wasi, fd)?;
    require(rights_base, rights::FD_DATASYNC)?;
    blocking(
        file.flags & fdflags::NONBLOCK != 0,
        wasi.task.as_ref(),
        || file.file.sync_data(),
    )
}

/// `fd_sync`: files only (wasmtime gives `EBADF` for directories too).
fn fd_sync(wasi: &mut WasiContext, fd: u32) -> WasiResult {
    let (file, rights_base) = file_of(wasi, fd)?;
    require(rights_base, rights::FD_SYNC)?;
    blocking(
        file.flags & fdflags::NONBLOCK != 0,
        wasi.task.as_ref(),
        || file.file.sync_all(),
    )
}

/// `fd_fdstat_get`: the type, flags and rights of any descriptor (no right needed).
fn fd_fdstat_get(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    fd: u32,
    stat: u32,
) -> WasiResult {
    let descriptor = wasi.descriptors.get(fd)?;
    let flags = match &descriptor.resource {
        Resource::File(file) => file.flags,
        Resource::Directory(directory) => directory.flags,
        Resource::Socket(_, flags) => *flags,
        Resource::Stdin(_) | Resource::Output(_) => 0,
    };
    let fdstat = Fdstat {
        fs_filetype: resource_filetype(&descriptor.resource, wasi.stdio_is_terminal),
        fs_flags: flags,
        fs_rights_base: descriptor.rights_base,
        fs_rights_inheriting: descriptor.rights_inheriting,
    };
    memory.write(stat, &fdstat)?;
    Ok(())
}

/// `fd_fdstat_set_flags`: files only; `APPEND` and `NONBLOCK` can change, asking for a sync
/// flag is `EINVAL` (wasmtime).
fn fd_fdstat_set_flags(wasi: &mut WasiContext, fd: u32, flags: u32) -> WasiResult {
    let flags = decode_flags16(flags, fdflags::ALL)?;
    let descriptor = wasi.descriptors.get_mut(fd)?;
    let rights_base = descriptor.rights_base;
    match &mut descriptor.resource {
        Resource::File(file) => {
            require(rights_base, rights::FD_FDSTAT_SET_FLAGS)?;
            if flags & (fdflags::DSYNC | fdflags::RSYNC | fdflags::SYNC) != 0 {
                return Err(Errno::Invalid);
            }
            file.flags = flags & (fdflags::APPEND | fdflags::NONBLOCK);
            Ok(())
        }
        // Sockets: only `NONBLOCK` means something, and the adapter applies it.
        Resource::Socket(socket, socket_flags) => {
            require(rights_base, rights::FD_FDSTAT_SET_FLAGS)?;
            if flags & !fdflags::NONBLOCK != 0 {
                return Err(Errno::Invalid);
            }
            let nonblocking = flags & fdflags::NONBLOCK != 0;
            socket
                .set_nonblocking(nonblocking)
                .map_err(super::sock::net_errno)?;
            *socket_flags = flags;
            Ok(())
        }
        _ => Err(Errno::BadFileDescriptor),
    }
}

/// `fd_fdstat_set_rights`: rights can only be removed.
fn fd_fdstat_set_rights(wasi: &mut WasiContext, fd: u32, base: u64, inheriting: u64) -> WasiResult {
    let base = decode_rights(base)?;
    let inheriting = decode_rights(inheriting)?;
    let descriptor = wasi.descriptors.get_mut(fd)?;
    if base & !descriptor.rights_base != 0 || inheriting & !descriptor.rights_inheriting != 0 {
        return Err(Errno::NotCapable);
    }
    descriptor.rights_base = base;
    descriptor.rights_inheriting = inheriting;
    Ok(())
}

/// `fd_filestat_get`: files and directories through the adapter; stdio is a character
/// device with every other field zero (what wasmtime reports for terminals).
fn fd_filestat_get(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    fd: u32,
    stat: u32,
) -> WasiResult {
    let descriptor = wasi.descriptors.get(fd)?;
    require(descriptor.rights_base, rights::FD_FILESTAT_GET)?;
    check_out::<Filestat>(memory, stat)?;
    let result = match &descriptor.resource {
        Resource::Stdin(_) | Resource::Output(_) | Resource::Socket(..) => Filestat {
            dev: 0,
            ino: 0,
            filetype: resource_filetype(&descriptor.resource, wasi.stdio_is_terminal),
            nlink: 0,
            size: 0,
            atim: 0,
            mtim: 0,
            ctim: 0,
        },
        Resource::File(file) => filestat(&blocking(
            file.flags & fdflags::NONBLOCK != 0,
            wasi.task.as_ref(),
            || file.file.metadata(),
        )?),
        Resource::Directory(directory) => filestat(&directory.directory.metadata()?),
    };
    memory.write(stat, &result)?;
    Ok(())
}

/// `fd_filestat_set_size`: files only; a file not opened for writing is `EINVAL`, as Linux's
/// `ftruncate` answers under wasmtime.
fn fd_filestat_set_size(wasi: &mut WasiContext, fd: u32, size: u64) -> WasiResult {
    let (file, rights_base) = file_of(wasi, fd)?;
    if !file.writable {
        return Err(Errno::Invalid);
    }
    require(rights_base, rights::FD_FILESTAT_SET_SIZE)?;
    // `ftruncate` takes a signed `off_t`.
    if i64::try_from(size).is_err() {
        return Err(Errno::Invalid);
    }
    blocking(
        file.flags & fdflags::NONBLOCK != 0,
        wasi.task.as_ref(),
        || file.file.set_len(size),
    )
}

/// `fd_filestat_set_times`: files and directories; the flags are validated first.
fn fd_filestat_set_times(
    wasi: &mut WasiContext,
    fd: u32,
    atim: u64,
    mtim: u64,
    flags: u32,
) -> WasiResult {
    let flags = decode_flags16(flags, fstflags::ALL)?;
    let accessed = time_change(
        flags & fstflags::ATIM != 0,
        flags & fstflags::ATIM_NOW != 0,
        atim,
    )?;
    let modified = time_change(
        flags & fstflags::MTIM != 0,
        flags & fstflags::MTIM_NOW != 0,
        mtim,
    )?;
    let descriptor = wasi.descriptors.get(fd)?;
    match &descriptor.resource {
        Resource::File(file) => {
            require(descriptor.rights_base, rights::FD_FILESTAT_SET_TIMES)?;
            blocking(
                file.flags & fdflags::NONBLOCK != 0,
                wasi.task.as_ref(),
                || file.file.set_times(accessed, modified),
            )
        }
        Resource::Directory(directory) => {
            require(descriptor.rights_base, rights::FD_FILESTAT_SET_TIMES)?;
            Ok(directory.directory.set_times(accessed, modified)?)
        }
        Resource::Stdin(_) | Resource::Output(_) | Resource::Socket(..) => {
            Err(Errno::BadFileDescriptor)
        }
    }
}

/// `fd_prestat_get`: `EBADF` for anything but a preopened directory (wasmtime).
fn fd_prestat_get(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    fd: u32,
    prestat: u32,
) -> WasiResult {
    let descriptor = wasi.descriptors.get(fd)?;
    let Resource::Directory(directory) = &descriptor.resource else {
        return Err(Errno::BadFileDescriptor);
    };
    let Some(name) = &directory.preopen_name else {
        return Err(Errno::BadFileDescriptor);
    };
    let result = Prestat {
        tag: PREOPENTYPE_DIR,
        pr_name_len: guest_size(name.len())?,
    };
    memory.write(prestat, &result)?;
    Ok(())
}

/// `fd_prestat_dir_name`: the preopen's name, without a NUL; `ENOTDIR` for a descriptor that
/// is not a preopen and `ENAMETOOLONG` for a short buffer (wasmtime).
fn fd_prestat_dir_name(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    fd: u32,
    path: u32,
    path_len: u32,
) -> WasiResult {
    let descriptor = wasi.descriptors.get(fd)?;
    let name = match &descriptor.resource {
        Resource::Directory(directory) => directory.preopen_name.as_ref(),
        _ => None,
    }
    .ok_or(Errno::NotDirectory)?;
    if name.len() > path_len as usize {
        return Err(Errno::NameTooLong);
    }
    memory.write_bytes(path, name.as_bytes())?;
    Ok(())
}

/// `fd_renumber`: moves `from` onto `to` (both open), closing what `to` held.
fn fd_renumber(wasi: &mut WasiContext, from: u32, to: u32) -> WasiResult {
    wasi.descriptors.get(from)?;
    if from != to
        && let Resource::Output(stream) = &mut wasi.descriptors.get_mut(to)?.resource
    {
        flush_quietly(stream.as_mut());
    }
    wasi.descriptors.renumber(from, to)
}

/// The file behind a seeking function: `ESPIPE` on stdio, `EBADF` on directories.
fn seekable(wasi: &mut WasiContext, fd: u32) -> WasiResult<(&mut OpenFile, u64)> {
    let descriptor = wasi.descriptors.get_mut(fd)?;
    let rights_base = descriptor.rights_base;
    match &mut descriptor.resource {
        Resource::File(file) => Ok((file, rights_base)),
        Resource::Stdin(_) | Resource::Output(_) | Resource::Socket(..) => Err(Errno::InvalidSeek),
        Resource::Directory(_) => Err(Errno::BadFileDescriptor),
    }
}

/// `fd_seek`: `SET`, `CUR`, `END`; a result below zero or past `u64::MAX` is `EINVAL`.
fn fd_seek(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    fd: u32,
    offset: i64,
    whence: u32,
    newoffset: u32,
) -> WasiResult {
    let whence = decode_enum(whence, WHENCE_MAX)?;
    let task = wasi.task.clone();
    let (file, rights_base) = seekable(wasi, fd)?;
    // The spec: `fd_seek` implies `fd_tell`; asking for the position only needs `fd_tell`.
    if offset == 0 && whence == whence::CUR {
        require_any(rights_base, rights::FD_TELL | rights::FD_SEEK)?;
    } else {
        require(rights_base, rights::FD_SEEK)?;
    }
    check_out::<u64>(memory, newoffset)?;
    let position = match whence {
        whence::SET => u64::try_from(offset).map_err(|_| Errno::Invalid)?,
        whence::CUR => file
            .position
            .checked_add_signed(offset)
            .ok_or(Errno::Invalid)?,
        _ => {
            let size = blocking(file.flags & fdflags::NONBLOCK != 0, task.as_ref(), || {
                file.file.metadata()
            })?
            .size;
            size.checked_add_signed(offset).ok_or(Errno::Invalid)?
        }
    };
    file.position = position;
    memory.write(newoffset, &position)?;
    Ok(())
}

/// `fd_tell`: the current position.
fn fd_tell(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    fd: u32,
    offset: u32,
) -> WasiResult {
    let (file, rights_base) = seekable(wasi, fd)?;
    require_any(rights_base, rights::FD_TELL | rights::FD_SEEK)?;
    let position = file.position;
    check_out::<u64>(memory, offset)?;
    memory.write(offset, &position)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Data transfer
// ---------------------------------------------------------------------------------------

/// Reads from `file` at `offset` straight into the guest buffers of `list`; returns the
/// count. Only the first read may wait (a later would-block ends the transfer short).
fn read_file(
    memory: &mut GuestMemory<'_>,
    list: &IovecList,
    file: &OpenFile,
    task: &dyn Task,
    offset: u64,
) -> WasiResult<usize> {
    let offset = file_offset(offset, list.total_len())?;
    let nonblocking = file.flags & fdflags::NONBLOCK != 0;
    let mut position = offset;
    let mut failure = None;
    let total = memory.scatter_with(list, |buffer| {
        let result = if position == offset {
            blocking(nonblocking, task, || file.file.read_at(position, buffer))
        } else {
            file.file.read_at(position, buffer).map_err(Errno::from)
        };
        match result {
            Ok(count) => {
                let count = count.min(buffer.len());
                position = position.saturating_add(count as u64);
                count
            }
            Err(error) => {
                failure = Some(error);
                0
            }
        }
    });
    match failure {
        Some(error) => partial(total, error),
        None => Ok(total),
    }
}

/// Writes the guest buffers of `list` to `file`: at `offset`, or at the end when `append`.
/// Returns the count and the position after the last byte written (for `append`, the new
/// size).
fn write_file(
    memory: &GuestMemory<'_>,
    list: &IovecList,
    file: &OpenFile,
    task: &dyn Task,
    offset: u64,
    append: bool,
) -> WasiResult<(usize, u64)> {
    // An append ignores the offset (Linux `pwrite` on `O_APPEND`, wasmtime).
    let offset = if append {
        offset
    } else {
        file_offset(offset, list.total_len())?
    };
    let nonblocking = file.flags & fdflags::NONBLOCK != 0;
    let mut total = 0usize;
    let mut position = offset;
    for chunk in memory.gather(list) {
        let first = total == 0;
        let result = if append {
            let operation = || file.file.append(chunk);
            if first {
                blocking(nonblocking, task, operation)
            } else {
                operation().map_err(Errno::from)
            }
            .map(|(count, size)| {
                position = size;
                count
            })
        } else {
            let operation = || file.file.write_at(position, chunk);
            if first {
                blocking(nonblocking, task, operation)
            } else {
                operation().map_err(Errno::from)
            }
            .map(|count| {
                let count = count.min(chunk.len());
                position = position.saturating_add(count as u64);
                count
            })
        };
        match result {
            Ok(count) => {
                total = total.saturating_add(count);
                if count < chunk.len() {
                    break;
                }
            }
            Err(error) => return partial(total, error).map(|total| (total, position)),
        }
    }
    Ok((total, position))
}

/// Writes the guest buffers of `list` to a stream, whole, waiting while it would block;
/// flushes afterwards.
fn write_stream(
    memory: &GuestMemory<'_>,
    list: &IovecList,
    stream: &mut dyn OutputStream,
    task: &dyn Task,
) -> WasiResult<usize> {
    let mut total = 0usize;
    for chunk in memory.gather(list) {
        let mut rest = chunk;
        while !rest.is_empty() {
            match stream.write(rest) {
                // The stream takes nothing more (`WriteZero` in embedded-io terms).
                Ok(0) => return partial(total, Errno::Io),
                Ok(count) => {
                    let count = count.min(rest.len());
                    total = total.saturating_add(count);
                    rest = rest.get(count..).unwrap_or_default();
                }
                Err(StreamError::WouldBlock) => wait(task),
                Err(error) => return partial(total, error.into()),
            }
        }
    }
    if total > 0 {
        // The bytes were accepted; a flush failure other than would-block will show up on
        // the next write, so it does not turn this success into an error.
        while let Err(StreamError::WouldBlock) = stream.flush() {
            wait(task);
        }
    }
    Ok(total)
}

/// Reads from stdin into the first non-empty buffer of `list`, waiting while the stream
/// would block; 0 at end of input.
fn read_stdin(
    memory: &mut GuestMemory<'_>,
    list: &IovecList,
    stream: &mut dyn vm_host::stdio::InputStream,
    task: &dyn Task,
) -> WasiResult<usize> {
    let Some(range) = list.ranges().first() else {
        return Ok(0);
    };
    let buffer = memory.bytes_mut(range.offset, range.len)?;
    loop {
        match stream.read(buffer) {
            Ok(count) => return Ok(count.min(buffer.len())),
            Err(StreamError::WouldBlock) => wait(task),
            Err(error) => return Err(error.into()),
        }
    }
}

/// `fd_read`: files at their position (which advances) and stdin.
fn fd_read(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    nread: u32,
) -> WasiResult {
    let WasiContext {
        descriptors, task, ..
    } = wasi;
    let descriptor = descriptors.get_mut(fd)?;
    let rights_base = descriptor.rights_base;
    let count = match &mut descriptor.resource {
        Resource::File(file) => {
            if !file.readable {
                return Err(Errno::BadFileDescriptor);
            }
            require(rights_base, rights::FD_READ)?;
            check_out::<u32>(memory, nread)?;
            let list = memory.iovecs(iovs, iovs_len, io_limits())?;
            let count = read_file(memory, &list, file, task.as_ref(), file.position)?;
            file.position = file
                .position
                .checked_add(count as u64)
                .ok_or(Errno::Overflow)?;
            count
        }
        Resource::Stdin(stream) => {
            require(rights_base, rights::FD_READ)?;
            check_out::<u32>(memory, nread)?;
            let list = memory.iovecs(iovs, iovs_len, io_limits())?;
            read_stdin(memory, &list, stream.as_mut(), task.as_ref())?
        }
        Resource::Socket(socket, _) => {
            require(rights_base, rights::FD_READ)?;
            check_out::<u32>(memory, nread)?;
            let list = memory.iovecs(iovs, iovs_len, super::sock::SOCKET_IOVEC_LIMITS)?;
            super::sock::receive(memory, &list, socket, false)? as usize
        }
        Resource::Output(_) | Resource::Directory(_) => return Err(Errno::BadFileDescriptor),
    };
    memory.write(nread, &guest_size(count)?)?;
    Ok(())
}

/// `fd_pread`: files at `offset`, position unchanged; stdin is `ESPIPE`.
fn fd_pread(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    offset: u64,
    nread: u32,
) -> WasiResult {
    let descriptor = wasi.descriptors.get(fd)?;
    let file = match &descriptor.resource {
        Resource::File(file) => file,
        Resource::Stdin(_) | Resource::Socket(..) => return Err(Errno::InvalidSeek),
        Resource::Output(_) | Resource::Directory(_) => return Err(Errno::BadFileDescriptor),
    };
    if !file.readable {
        return Err(Errno::BadFileDescriptor);
    }
    require(descriptor.rights_base, rights::FD_READ | rights::FD_SEEK)?;
    check_out::<u32>(memory, nread)?;
    let list = memory.iovecs(iovs, iovs_len, io_limits())?;
    let count = read_file(memory, &list, file, wasi.task.as_ref(), offset)?;
    memory.write(nread, &guest_size(count)?)?;
    Ok(())
}

/// `fd_write`: files at their position (or at the end with `APPEND`), stdout and stderr.
fn fd_write(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    nwritten: u32,
) -> WasiResult {
    let WasiContext {
        descriptors, task, ..
    } = wasi;
    let descriptor = descriptors.get_mut(fd)?;
    let rights_base = descriptor.rights_base;
    let count = match &mut descriptor.resource {
        Resource::File(file) => {
            if !file.writable {
                return Err(Errno::BadFileDescriptor);
            }
            require(rights_base, rights::FD_WRITE)?;
            check_out::<u32>(memory, nwritten)?;
            let list = memory.iovecs(iovs, iovs_len, io_limits())?;
            let append = file.flags & fdflags::APPEND != 0;
            let (count, position) =
                write_file(memory, &list, file, task.as_ref(), file.position, append)?;
            file.position = position;
            count
        }
        Resource::Output(stream) => {
            require(rights_base, rights::FD_WRITE)?;
            check_out::<u32>(memory, nwritten)?;
            let list = memory.iovecs(iovs, iovs_len, io_limits())?;
            write_stream(memory, &list, stream.as_mut(), task.as_ref())?
        }
        Resource::Socket(socket, _) => {
            require(rights_base, rights::FD_WRITE)?;
            check_out::<u32>(memory, nwritten)?;
            let list = memory.iovecs(iovs, iovs_len, super::sock::SOCKET_IOVEC_LIMITS)?;
            super::sock::send(memory, &list, socket)? as usize
        }
        Resource::Stdin(_) | Resource::Directory(_) => return Err(Errno::BadFileDescriptor),
    };
    memory.write(nwritten, &guest_size(count)?)?;
    Ok(())
}

/// `fd_pwrite`: files at `offset` (at the end with `APPEND`), position unchanged; stdout and
/// stderr are `ESPIPE`.
fn fd_pwrite(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    offset: u64,
    nwritten: u32,
) -> WasiResult {
    let descriptor = wasi.descriptors.get(fd)?;
    let file = match &descriptor.resource {
        Resource::File(file) => file,
        Resource::Output(_) | Resource::Socket(..) => return Err(Errno::InvalidSeek),
        Resource::Stdin(_) | Resource::Directory(_) => return Err(Errno::BadFileDescriptor),
    };
    if !file.writable {
        return Err(Errno::BadFileDescriptor);
    }
    require(descriptor.rights_base, rights::FD_WRITE | rights::FD_SEEK)?;
    check_out::<u32>(memory, nwritten)?;
    let list = memory.iovecs(iovs, iovs_len, io_limits())?;
    let append = file.flags & fdflags::APPEND != 0;
    let (count, _) = write_file(memory, &list, file, wasi.task.as_ref(), offset, append)?;
    memory.write(nwritten, &guest_size(count)?)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_follow_wiggle() {
        assert_eq!(decode_enum(5, ADVICE_MAX), Ok(5));
        assert_eq!(decode_enum(6, ADVICE_MAX), Err(Errno::Invalid));
        assert_eq!(decode_enum(256, ADVICE_MAX), Err(Errno::Overflow));
        assert_eq!(decode_enum(u32::MAX, WHENCE_MAX), Err(Errno::Overflow));
    }

    #[test]
    fn partial_transfers_keep_the_count() {
        assert_eq!(partial(3, Errno::Io), Ok(3));
        assert_eq!(partial(0, Errno::Io), Err(Errno::Io));
    }
}
