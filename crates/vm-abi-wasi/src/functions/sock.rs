//! `sock_accept`, `sock_recv`, `sock_send`, `sock_shutdown`: the socket calls of preview1.
//!
//! Preview1 cannot create sockets; a guest only gets them from the embedder (a preopened
//! listener, `--tcplisten` in the CLI) and from `sock_accept` on one. No descriptor is a
//! socket yet: the network adapter and preopened listeners come with a later change. Until
//! then every call validates its arguments exactly as it will with sockets and fails, in
//! this order, with:
//!
//! 1. `EINVAL` for flag bits the call does not define (`fdflags` for `sock_accept`,
//!    `riflags` for `sock_recv`, `sdflags` for `sock_shutdown`; `siflags` of `sock_send` has
//!    no flags and is ignored, as wasmtime does);
//! 2. `EBADF` for a descriptor that is not open;
//! 3. `ENOTSOCK` for an open descriptor that is not a socket — wasmtime's answer for every
//!    descriptor, since its preview1 has no sockets either.
//!
//! # What remains for sockets
//!
//! The socket branch is written against [`Socket`], a type with no values today. Adding
//! sockets means: a `Resource::Socket` variant holding the adapter's socket, [`Socket`]
//! becoming (or wrapping) it, [`Socket::of`] returning it for that variant, and the four
//! [`Socket`] methods calling the adapter. Everything around them is in place and compiled:
//! rights checks (`sock_accept` needs `sock_accept`, `sock_recv` `fd_read`, `sock_send`
//! `fd_write`, `sock_shutdown` `sock_shutdown`; `ENOTCAPABLE` otherwise), flag checks that
//! need a socket (`sock_accept` accepts only `nonblock`, `sock_shutdown` needs a direction),
//! result pointers validated before the adapter is called (so a bad pointer never loses an
//! accepted connection or received data), iovec lists bounded by [`SOCKET_IOVEC_LIMITS`],
//! and the new descriptor of `sock_accept` inserted with the socket rights.

use vm_core::{DefineError, Linker};
use vm_sandbox::{GuestMemory, IovecLimits, IovecList};

use crate::call;
use crate::context::{Descriptor, Resource, WasiContext};
use crate::errno::{Errno, WasiResult};
use crate::types::{MODULE, fdflags, rights, sockflags};

/// Bounds on one `sock_recv` / `sock_send`: at most 1024 buffers and 64 KiB per call (a
/// short transfer, which stream sockets allow and programs retry), so a guest cannot make
/// the host do unbounded work in one call.
pub(crate) const SOCKET_IOVEC_LIMITS: IovecLimits = IovecLimits {
    max_count: IovecLimits::DEFAULT_MAX_COUNT,
    max_total_bytes: 64 * 1024,
};

pub(super) fn define(linker: &mut Linker) -> Result<(), DefineError> {
    linker.define(
        MODULE,
        "sock_accept",
        |context, (fd, flags, result_fd_ptr): (u32, u32, u32)| {
            call(context, |memory, wasi| {
                sock_accept(memory, wasi, fd, flags, result_fd_ptr)
            })
        },
    )?;
    linker.define(
        MODULE,
        "sock_recv",
        |context,
         (fd, ri_data, ri_data_len, ri_flags, ro_datalen_ptr, ro_flags_ptr): (
            u32,
            u32,
            u32,
            u32,
            u32,
            u32,
        )| {
            call(context, |memory, wasi| {
                let request = Receive {
                    iovecs: ri_data,
                    iovec_count: ri_data_len,
                    flags: ri_flags,
                    datalen_ptr: ro_datalen_ptr,
                    flags_ptr: ro_flags_ptr,
                };
                sock_recv(memory, wasi, fd, request)
            })
        },
    )?;
    linker.define(
        MODULE,
        "sock_send",
        |context,
         (fd, si_data, si_data_len, _si_flags, so_datalen_ptr): (u32, u32, u32, u32, u32)| {
            // `siflags` defines no flags; wasmtime ignores the value, and so do we.
            call(context, |memory, wasi| {
                sock_send(memory, wasi, fd, si_data, si_data_len, so_datalen_ptr)
            })
        },
    )?;
    linker.define(MODULE, "sock_shutdown", |context, (fd, how): (u32, u32)| {
        call(context, |_memory, wasi| sock_shutdown(wasi, fd, how))
    })?;
    Ok(())
}

/// The socket behind a descriptor.
///
/// No resource is a socket yet (see the module documentation), so this type has no values
/// and its methods cannot be called; they mark the places the network adapter plugs in.
pub(crate) enum Socket {}

impl Socket {
    /// The socket `resource` is, if it is one.
    fn of(resource: &mut Resource) -> Option<&mut Socket> {
        // Every resource kind that exists today is not a socket.
        let _ = resource;
        None
    }

    /// Accepts a connection (`flags`: `nonblock` or nothing) and returns its resource.
    fn accept(&mut self, _flags: u16) -> WasiResult<Resource> {
        match *self {}
    }

    /// Receives into `buffers`; returns the byte count and the `roflags`.
    fn recv(
        &mut self,
        _memory: &mut GuestMemory<'_>,
        _buffers: &IovecList,
        _flags: u16,
    ) -> WasiResult<(u32, u16)> {
        match *self {}
    }

    /// Sends the bytes of `buffers`; returns the byte count.
    fn send(&mut self, _memory: &GuestMemory<'_>, _buffers: &IovecList) -> WasiResult<u32> {
        match *self {}
    }

    /// Shuts down the directions in `how` (`sdflags`, not empty).
    fn shutdown(&mut self, _how: u8) -> WasiResult {
        match *self {}
    }
}

/// The socket `fd` with the rights `needed`: `EBADF` if `fd` is not open, `ENOTSOCK` if it
/// is not a socket, `ENOTCAPABLE` without the rights.
fn socket(wasi: &mut WasiContext, fd: u32, needed: u64) -> WasiResult<&mut Socket> {
    let descriptor = wasi.descriptors.get_mut(fd)?;
    if Socket::of(&mut descriptor.resource).is_none() {
        return Err(Errno::NotSocket);
    }
    descriptor.require(needed)?;
    Socket::of(&mut descriptor.resource).ok_or(Errno::NotSocket)
}

/// `sock_accept(fd, flags) -> fd`.
fn sock_accept(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    fd: u32,
    flags: u32,
    result_fd_ptr: u32,
) -> WasiResult {
    let flags = u16::try_from(flags)
        .ok()
        .filter(|flags| flags & !fdflags::ALL == 0)
        .ok_or(Errno::Invalid)?;
    let socket = socket(wasi, fd, rights::SOCK_ACCEPT)?;
    // A new connection can only be made non-blocking (wasmtime's socket support rejected
    // the other flags the same way).
    if flags & !fdflags::NONBLOCK != 0 {
        return Err(Errno::Invalid);
    }
    memory.read::<u32>(result_fd_ptr)?;
    let resource = socket.accept(flags)?;
    let new_fd = wasi.descriptors.insert(Descriptor {
        resource,
        rights_base: rights::SOCKET,
        rights_inheriting: 0,
    })?;
    memory.write(result_fd_ptr, &new_fd)?;
    Ok(())
}

/// The guest arguments of `sock_recv` besides the descriptor.
#[derive(Debug, Clone, Copy)]
struct Receive {
    iovecs: u32,
    iovec_count: u32,
    flags: u32,
    datalen_ptr: u32,
    flags_ptr: u32,
}

/// `sock_recv(fd, ri_data, ri_flags) -> (size, roflags)`.
fn sock_recv(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    fd: u32,
    request: Receive,
) -> WasiResult {
    let defined = u32::from(sockflags::RECV_PEEK | sockflags::RECV_WAITALL);
    if request.flags & !defined != 0 {
        return Err(Errno::Invalid);
    }
    // Lossless: only the two defined low bits can be set.
    let flags = u16::try_from(request.flags).map_err(|_| Errno::Invalid)?;
    let socket = socket(wasi, fd, rights::FD_READ)?;
    memory.read::<u32>(request.datalen_ptr)?;
    memory.read::<u16>(request.flags_ptr)?;
    let buffers = memory.iovecs(request.iovecs, request.iovec_count, SOCKET_IOVEC_LIMITS)?;
    let (count, roflags) = socket.recv(memory, &buffers, flags)?;
    memory.write(request.datalen_ptr, &count)?;
    memory.write(request.flags_ptr, &roflags)?;
    Ok(())
}

/// `sock_send(fd, si_data, si_flags) -> size`.
fn sock_send(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    fd: u32,
    iovecs: u32,
    iovec_count: u32,
    datalen_ptr: u32,
) -> WasiResult {
    let socket = socket(wasi, fd, rights::FD_WRITE)?;
    memory.read::<u32>(datalen_ptr)?;
    let buffers = memory.iovecs(iovecs, iovec_count, SOCKET_IOVEC_LIMITS)?;
    let count = socket.send(memory, &buffers)?;
    memory.write(datalen_ptr, &count)?;
    Ok(())
}

/// `sock_shutdown(fd, how)`.
fn sock_shutdown(wasi: &mut WasiContext, fd: u32, how: u32) -> WasiResult {
    let defined = u32::from(sockflags::SHUT_RD | sockflags::SHUT_WR);
    if how & !defined != 0 {
        return Err(Errno::Invalid);
    }
    let how = u8::try_from(how).map_err(|_| Errno::Invalid)?;
    let socket = socket(wasi, fd, rights::SOCK_SHUTDOWN)?;
    // `shutdown` needs at least one direction.
    if how == 0 {
        return Err(Errno::Invalid);
    }
    socket.shutdown(how)
}
