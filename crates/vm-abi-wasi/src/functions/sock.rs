//! `sock_accept`, `sock_recv`, `sock_send`, `sock_shutdown`: the socket calls of preview1.
//!
//! Preview1 cannot create sockets; a guest gets them from the embedder (a preopened
//! listener: [`WasiContextBuilder::preopen_socket`](crate::WasiContextBuilder::preopen_socket),
//! `--tcplisten` in the CLI), from `sock_accept` on one, or from WAMR's socket extension
//! ([`crate::socket_ext`]: `sock_open`, then bind/listen/connect); all work with these calls. Arguments are validated in this
//! order: `EOVERFLOW` for flags wider than their witx type and `EINVAL` for bits the call
//! does not define, as for the descriptor calls (`siflags` of `sock_send` is ignored, as
//! wasmtime does), `EBADF` for a closed descriptor, `ENOTSOCK` for one that is
//! not a socket, `ENOTCAPABLE` without the right (`sock_accept` needs `sock_accept`,
//! `sock_recv` `fd_read`, `sock_send` `fd_write`, `sock_shutdown` `sock_shutdown`); result
//! pointers are checked before the adapter is called, so a bad pointer never loses an
//! accepted connection or received data. Transfers are bounded by [`SOCKET_IOVEC_LIMITS`].
//! `fd_read` / `fd_write` on a connected socket use the same [`receive`] / [`send`].

use vm_core::{DefineError, Linker};
use vm_sandbox::{GuestMemory, IovecLimits, IovecList};

use super::abi::decode_flags16;
use crate::{call, call_without_memory};
use vm_host::net::NetError;

use crate::context::{Descriptor, Resource, Socket, WasiContext};
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
        call_without_memory(context, |wasi| sock_shutdown(wasi, fd, how))
    })?;
    Ok(())
}

impl Socket {
    /// Accepts a connection (`flags`: `nonblock` or nothing) and returns its resource.
    fn accept(&mut self, flags: u16) -> WasiResult<Resource> {
        let Self::Listener(listener) = self else {
            return Err(Errno::Invalid);
        };
        let stream = listener.accept().map_err(net_errno)?;
        stream
            .set_nonblocking(flags & fdflags::NONBLOCK != 0)
            .map_err(net_errno)?;
        Ok(Resource::Socket(Self::Stream(stream), flags))
    }

    /// Shuts down the directions in `how` (`sdflags`, not empty).
    fn shutdown(&mut self, how: u8) -> WasiResult {
        let Self::Stream(stream) = self else {
            return Err(Errno::NotConnected);
        };
        stream
            .shutdown(how & sockflags::SHUT_RD != 0, how & sockflags::SHUT_WR != 0)
            .map_err(net_errno)
    }
}

/// Receives into the first non-empty buffer of `buffers` (one adapter call, like a read on
/// a stream socket: it returns what has arrived rather than waiting to fill every buffer).
/// A UDP socket receives one datagram (from its connected peer) across all the buffers.
/// Used by `sock_recv` and by `fd_read` on a socket.
pub(crate) fn receive(
    memory: &mut GuestMemory<'_>,
    buffers: &IovecList,
    socket: &mut Socket,
    peek: bool,
) -> WasiResult<u32> {
    let stream = match socket {
        Socket::Stream(stream) => stream,
        Socket::Datagram(datagram) => {
            let mut data = alloc::vec![0u8; buffers.total_len() as usize];
            let count = datagram.receive(&mut data, peek).map_err(net_errno)?;
            let data = data.get(..count).ok_or(Errno::Io)?;
            let copied = memory.scatter(buffers, data);
            return u32::try_from(copied).map_err(|_| Errno::Overflow);
        }
        _ => return Err(Errno::NotConnected),
    };
    let Some(range) = buffers.ranges().iter().find(|range| range.len > 0) else {
        return Ok(0);
    };
    let buffer = memory.bytes_mut(range.offset, range.len)?;
    let count = stream.receive(buffer, peek).map_err(net_errno)?;
    u32::try_from(count).map_err(|_| Errno::Overflow)
}

/// Sends the bytes of `buffers` in order, stopping at the first short send. Used by
/// `sock_send` and by `fd_write` on a socket.
pub(crate) fn send(
    memory: &GuestMemory<'_>,
    buffers: &IovecList,
    socket: &mut Socket,
) -> WasiResult<u32> {
    let stream = match socket {
        Socket::Stream(stream) => stream,
        Socket::Datagram(datagram) => {
            // One datagram, to the connected peer: the buffers are gathered first.
            let data: alloc::vec::Vec<u8> = memory.gather(buffers).flatten().copied().collect();
            let sent = datagram.send(&data).map_err(net_errno)?;
            return u32::try_from(sent).map_err(|_| Errno::Overflow);
        }
        _ => return Err(Errno::NotConnected),
    };
    let mut total: u32 = 0;
    for data in memory.gather(buffers) {
        let sent = match stream.send(data) {
            Ok(sent) => sent,
            // Report what went out before the failure; the guest sees the error next time.
            Err(_) if total > 0 => break,
            Err(error) => return Err(net_errno(error)),
        };
        total = total.saturating_add(u32::try_from(sent).map_err(|_| Errno::Overflow)?);
        if sent < data.len() {
            break;
        }
    }
    Ok(total)
}

/// The errno of a network adapter error.
pub(crate) fn net_errno(error: NetError) -> Errno {
    match error {
        NetError::WouldBlock => Errno::Again,
        NetError::ConnectionReset => Errno::ConnectionReset,
        NetError::ConnectionAborted => Errno::ConnectionAborted,
        NetError::NotConnected => Errno::NotConnected,
        NetError::BrokenPipe => Errno::Pipe,
        NetError::Interrupted => Errno::Interrupted,
        NetError::InvalidInput => Errno::Invalid,
        NetError::Unsupported => Errno::NotSupported,
        NetError::Io => Errno::Io,
        NetError::PermissionDenied => Errno::Access,
        NetError::ConnectionRefused => Errno::ConnectionRefused,
        NetError::AddressInUse => Errno::AddressInUse,
        NetError::AddressNotAvailable => Errno::AddressNotAvailable,
        NetError::TimedOut => Errno::TimedOut,
        NetError::HostUnreachable => Errno::HostUnreachable,
        NetError::NameNotFound => Errno::NoEntry,
    }
}

/// The socket `fd` with the rights `needed`: `EBADF` if `fd` is not open, `ENOTSOCK` if it
/// is not a socket, `ENOTCAPABLE` without the rights.
fn socket(wasi: &mut WasiContext, fd: u32, needed: u64) -> WasiResult<&mut Socket> {
    let descriptor = wasi.descriptors.get_mut(fd)?;
    let rights_base = descriptor.rights_base;
    let Resource::Socket(socket, _flags) = &mut descriptor.resource else {
        return Err(Errno::NotSocket);
    };
    if rights_base & needed != needed {
        return Err(Errno::NotCapable);
    }
    Ok(socket)
}

/// `sock_accept(fd, flags) -> fd`.
fn sock_accept(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    fd: u32,
    flags: u32,
    result_fd_ptr: u32,
) -> WasiResult {
    let flags = decode_flags16(flags, fdflags::ALL)?;
    let listener = socket(wasi, fd, rights::SOCK_ACCEPT)?;
    // A new connection can only be made non-blocking (wasmtime's socket support rejected
    // the other flags the same way).
    if flags & !fdflags::NONBLOCK != 0 {
        return Err(Errno::Invalid);
    }
    memory.read::<u32>(result_fd_ptr)?;
    let resource = listener.accept(flags)?;
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
    let flags = decode_flags16(
        request.flags,
        sockflags::RECV_PEEK | sockflags::RECV_WAITALL,
    )?;
    let stream = socket(wasi, fd, rights::FD_READ)?;
    memory.read::<u32>(request.datalen_ptr)?;
    memory.read::<u16>(request.flags_ptr)?;
    let buffers = memory.iovecs(request.iovecs, request.iovec_count, SOCKET_IOVEC_LIMITS)?;
    let count = receive(memory, &buffers, stream, flags & sockflags::RECV_PEEK != 0)?;
    memory.write(request.datalen_ptr, &count)?;
    // Stream sockets never truncate a message.
    memory.write(request.flags_ptr, &0u16)?;
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
    let stream = socket(wasi, fd, rights::FD_WRITE)?;
    memory.read::<u32>(datalen_ptr)?;
    let buffers = memory.iovecs(iovecs, iovec_count, SOCKET_IOVEC_LIMITS)?;
    let count = send(memory, &buffers, stream)?;
    memory.write(datalen_ptr, &count)?;
    Ok(())
}

/// `sock_shutdown(fd, how)`.
fn sock_shutdown(wasi: &mut WasiContext, fd: u32, how: u32) -> WasiResult {
    // `sdflags` is a `u8`: a wider value is `EOVERFLOW`, as `decode_flags16` answers for
    // 16-bit flags.
    let how = u8::try_from(how).map_err(|_| Errno::Overflow)?;
    if how & !(sockflags::SHUT_RD | sockflags::SHUT_WR) != 0 {
        return Err(Errno::Invalid);
    }
    let stream = socket(wasi, fd, rights::SOCK_SHUTDOWN)?;
    // `shutdown` needs at least one direction.
    if how == 0 {
        return Err(Errno::Invalid);
    }
    stream.shutdown(how)
}
