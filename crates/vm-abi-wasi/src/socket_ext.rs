//! WAMR's socket extension of WASI preview1 (`wasi_socket_ext`), as host functions.
//!
//! C apps built with WAMR's `lib-socket` (`wasi_socket_ext.h`: `socket`, `bind`, `connect`,
//! `listen`, `accept`, `getaddrinfo`, `sendto`, `recvfrom`, `setsockopt`, …) run unchanged:
//! the functions below have WAMR's import module (`wasi_snapshot_preview1`), names,
//! signatures and struct layouts, and the sockets they create are ordinary WASI descriptors,
//! so `fd_read`, `fd_write`, `fd_close`, `fd_fdstat_set_flags`, `poll_oneoff`, `sock_accept`,
//! `sock_recv`, `sock_send` and `sock_shutdown` work on them. Register with [`define`] next to
//! [`crate::define`]; the [`WasiContext`] needs a network
//! ([`WasiContextBuilder::network`](crate::WasiContextBuilder::network)), normally a
//! [`CapabilityNetwork`](vm_host::net::CapabilityNetwork): without one `sock_open` and
//! `sock_addr_resolve` are `EACCES`, and a denied address is `EACCES` with nothing sent.
//!
//! # Functions (all return an errno)
//!
//! | function | parameters |
//! | --- | --- |
//! | `sock_open` | `(poolfd: u32, af: u32, socktype: u32, *mut fd)` — `poolfd` is ignored (as WAMR); `af` 0 INET4, 1 INET6, else `EAFNOSUPPORT`; `socktype` 0 DGRAM, 1 STREAM, else `EINVAL` |
//! | `sock_bind` | `(fd, *const addr)` |
//! | `sock_connect` | `(fd, *const addr)` — blocks until connected, even on a non-blocking socket |
//! | `sock_listen` | `(fd, backlog: u32)` — needs a `sock_bind` first (`EDESTADDRREQ`) |
//! | `sock_addr_local` / `sock_addr_remote` | `(fd, *mut addr)` |
//! | `sock_addr_resolve` | `(host: *const c_char, service: *const c_char, *const hints, *mut addr_info, count: u32, *mut total: u32)` — `service` empty or a port number; writes at most `count` entries and the number available to `total`; an unknown name is success with `total` 0 (the guest library's `EAI_NONAME`) |
//! | `sock_send_to` | `(fd, *const ciovec, iovec_count, siflags (ignored), *const addr, *mut sent: u32)` — one datagram |
//! | `sock_recv_from` | `(fd, *const iovec, iovec_count, riflags, *mut addr, *mut received: u32)` — one datagram; `RECV_PEEK` supported |
//! | `sock_close` | `(fd)` — closes a socket descriptor (`ENOTSOCK` for others) |
//! | `sock_get_*` / `sock_set_*` | `(fd, *mut value)` / `(fd, value)` — implemented: `reuse_addr`, `keep_alive`, `tcp_no_delay`, `broadcast`, `recv_timeout` / `send_timeout` (`u64` microseconds, 0 = none; the setter takes an `i64`), `recv_buf_size` / `send_buf_size` (`u32`), `ip_ttl` (`u8`). `ENOTSUP` (as WAMR on platforms without them): `reuse_port`, `linger`, `tcp_fastopen_connect`, `tcp_quick_ack`, `tcp_keep_idle`, `tcp_keep_intvl`, `ip_multicast_loop`, `ip_multicast_ttl`, `ip_add_membership`, `ip_drop_membership`, `ipv6_only` |
//!
//! Booleans are written as one byte (`bool`) and taken as `i32` (non-zero is true).
//!
//! # Layouts (little-endian, `wasm32`)
//!
//! ```text
//! __wasi_addr_t            size 24, align 4
//!   kind: u32              0: 0 IPv4, 1 IPv6 (other kinds: EAFNOSUPPORT)
//!   IPv4: n0..n3: u8       4..8   (address bytes in order, 127.0.0.1 = 127,0,0,1)
//!         port: u16        8      (host byte order)
//!   IPv6: 8 × u16          4..20  (the eight groups, each in host byte order)
//!         port: u16        20
//! __wasi_addr_info_t       size 28, align 4: addr (24), type: u32 at 24 (0 DGRAM, 1 STREAM)
//! __wasi_addr_info_hints_t size 12, align 4: type: i32 at 0 (-1 ANY, 0 DGRAM, 1 STREAM),
//!                          family: u32 at 4 (0 INET4, 1 INET6, 2 UNSPEC), hints_enabled: u8 at 8
//! ```
//!
//! # Errors and validation
//!
//! Pointers go through `vm-sandbox`: out of range `EFAULT`, misaligned `EINVAL` (WAMR says
//! `EINVAL` for both). Out-pointers are checked before the network is touched, so a bad
//! pointer never loses a connection or a datagram. Then `EBADF` (closed fd), `ENOTSOCK`,
//! `ENOTCAPABLE` (`sock_send_to` needs `fd_write`, `sock_recv_from` `fd_read`).
//! Adapter errors map one to one (`EACCES` for a capability denial, `ECONNREFUSED`,
//! `EADDRINUSE`, …).
//!
//! # Socket life cycle
//!
//! The adapter creates sockets already bound, listening or connected (as `std::net` and
//! lwIP's netconn API do), so `sock_open` only records the family and type
//! ([`Socket::Unbound`]). For TCP, `sock_bind` checks the address against the capabilities
//! and remembers it, and `sock_listen` creates the listener there (an address in use is
//! reported by `sock_listen`); `sock_connect` creates the connection (a local address from
//! `sock_bind` is not used). For UDP, `sock_bind` creates the socket; `sock_connect` and
//! `sock_send_to` on an unbound one bind it first to an ephemeral port on the unspecified
//! address, as POSIX does implicitly. Options set before the socket exists are applied when
//! it is created; the descriptor's `NONBLOCK` flag is applied then too.

use alloc::vec::Vec;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use core::time::Duration;

use vm_core::{DefineError, Linker};
use vm_host::net::{NetError, NetOperation, SocketOption, SocketOptionName};
use vm_sandbox::GuestMemory;

use crate::context::{
    AddressFamily, Descriptor, Resource, Socket, SocketKind, UnboundSocket, WasiContext,
};
use crate::errno::{Errno, WasiResult};
use crate::functions::sock::{SOCKET_IOVEC_LIMITS, net_errno};
use crate::types::{MODULE, fdflags, rights, sockflags};
use crate::{call, call_without_memory};

/// Size of `__wasi_addr_t`.
pub const ADDR_SIZE: u32 = 24;
/// Size of `__wasi_addr_info_t`.
pub const ADDR_INFO_SIZE: u32 = 28;
/// Size of `__wasi_addr_info_hints_t`.
pub const HINTS_SIZE: u32 = 12;

/// Longest host name `sock_addr_resolve` takes (DNS names are at most 253 bytes).
const MAX_HOST_LENGTH: u32 = 255;
/// Longest service string.
const MAX_SERVICE_LENGTH: u32 = 32;

/// `__wasi_sock_type_t` values.
mod socktype {
    pub const ANY: i32 = -1;
    pub const DGRAM: i32 = 0;
    pub const STREAM: i32 = 1;
}

/// `__wasi_address_family_t` values.
mod family {
    pub const INET4: u32 = 0;
    pub const INET6: u32 = 1;
    pub const UNSPEC: u32 = 2;
}

/// Registers WAMR's socket extension functions in `linker` (module `wasi_snapshot_preview1`;
/// `sock_accept`, `sock_recv`, `sock_send` and `sock_shutdown` come from [`crate::define`]).
pub fn define(linker: &mut Linker) -> Result<(), DefineError> {
    linker.define(
        MODULE,
        "sock_open",
        |context, (_poolfd, af, kind, fd_ptr): (u32, u32, u32, u32)| {
            call(context, |memory, wasi| {
                sock_open(memory, wasi, af, kind, fd_ptr)
            })
        },
    )?;
    linker.define(MODULE, "sock_bind", |context, (fd, addr): (u32, u32)| {
        call(context, |memory, wasi| sock_bind(memory, wasi, fd, addr))
    })?;
    linker.define(MODULE, "sock_connect", |context, (fd, addr): (u32, u32)| {
        call(context, |memory, wasi| sock_connect(memory, wasi, fd, addr))
    })?;
    linker.define(
        MODULE,
        "sock_listen",
        |context, (fd, backlog): (u32, u32)| {
            call_without_memory(context, |wasi| sock_listen(wasi, fd, backlog))
        },
    )?;
    linker.define(
        MODULE,
        "sock_addr_local",
        |context, (fd, addr): (u32, u32)| {
            call(context, |memory, wasi| {
                sock_addr(memory, wasi, fd, addr, false)
            })
        },
    )?;
    linker.define(
        MODULE,
        "sock_addr_remote",
        |context, (fd, addr): (u32, u32)| {
            call(context, |memory, wasi| {
                sock_addr(memory, wasi, fd, addr, true)
            })
        },
    )?;
    linker.define(
        MODULE,
        "sock_addr_resolve",
        |context, (host, service, hints, out, count, total_ptr): (u32, u32, u32, u32, u32, u32)| {
            call(context, |memory, wasi| {
                let request = Resolve {
                    host,
                    service,
                    hints,
                    out,
                    count,
                    total_ptr,
                };
                sock_addr_resolve(memory, wasi, request)
            })
        },
    )?;
    linker.define(
        MODULE,
        "sock_send_to",
        |context, (fd, iovs, iovs_len, _flags, addr, sent_ptr): (u32, u32, u32, u32, u32, u32)| {
            // `siflags` defines no flags; WAMR ignores the value too.
            call(context, |memory, wasi| {
                sock_send_to(memory, wasi, fd, (iovs, iovs_len), addr, sent_ptr)
            })
        },
    )?;
    linker.define(
        MODULE,
        "sock_recv_from",
        |context,
         (fd, iovs, iovs_len, flags, addr, received_ptr): (u32, u32, u32, u32, u32, u32)| {
            call(context, |memory, wasi| {
                sock_recv_from(
                    memory,
                    wasi,
                    fd,
                    (iovs, iovs_len, flags),
                    addr,
                    received_ptr,
                )
            })
        },
    )?;
    linker.define(MODULE, "sock_close", |context, (fd,): (u32,)| {
        call_without_memory(context, |wasi| sock_close(wasi, fd))
    })?;
    define_options(linker)
}

/// The option getters and setters.
fn define_options(linker: &mut Linker) -> Result<(), DefineError> {
    use SocketOptionName as Name;
    // Boolean options: getter writes one byte, setter takes an i32.
    for (get, set, name) in [
        (
            "sock_get_reuse_addr",
            "sock_set_reuse_addr",
            Name::ReuseAddress,
        ),
        (
            "sock_get_keep_alive",
            "sock_set_keep_alive",
            Name::KeepAlive,
        ),
        (
            "sock_get_tcp_no_delay",
            "sock_set_tcp_no_delay",
            Name::NoDelay,
        ),
        ("sock_get_broadcast", "sock_set_broadcast", Name::Broadcast),
        (
            "sock_get_recv_buf_size",
            "sock_set_recv_buf_size",
            Name::ReceiveBufferSize,
        ),
        (
            "sock_get_send_buf_size",
            "sock_set_send_buf_size",
            Name::SendBufferSize,
        ),
        ("sock_get_ip_ttl", "sock_set_ip_ttl", Name::Ttl),
    ] {
        linker.define(MODULE, get, move |context, (fd, out): (u32, u32)| {
            call(context, |memory, wasi| {
                get_option(memory, wasi, fd, name, out)
            })
        })?;
        linker.define(MODULE, set, move |context, (fd, value): (u32, u32)| {
            call_without_memory(context, |wasi| {
                let option = match name {
                    Name::ReuseAddress => SocketOption::ReuseAddress(value != 0),
                    Name::KeepAlive => SocketOption::KeepAlive(value != 0),
                    Name::NoDelay => SocketOption::NoDelay(value != 0),
                    Name::Broadcast => SocketOption::Broadcast(value != 0),
                    Name::ReceiveBufferSize => SocketOption::ReceiveBufferSize(value),
                    Name::SendBufferSize => SocketOption::SendBufferSize(value),
                    // The guest passes a `uint8_t`.
                    Name::Ttl => SocketOption::Ttl(value & 0xff),
                    Name::ReceiveTimeout | Name::SendTimeout => return Err(Errno::Invalid),
                };
                set_option(wasi, fd, option)
            })
        })?;
    }
    for (get, set, name) in [
        (
            "sock_get_recv_timeout",
            "sock_set_recv_timeout",
            Name::ReceiveTimeout,
        ),
        (
            "sock_get_send_timeout",
            "sock_set_send_timeout",
            Name::SendTimeout,
        ),
    ] {
        linker.define(MODULE, get, move |context, (fd, out): (u32, u32)| {
            call(context, |memory, wasi| {
                get_option(memory, wasi, fd, name, out)
            })
        })?;
        linker.define(MODULE, set, move |context, (fd, micros): (u32, u64)| {
            call_without_memory(context, |wasi| {
                // 0 means no timeout, as for `SO_RCVTIMEO`.
                let timeout = (micros != 0).then(|| Duration::from_micros(micros));
                let option = if name == Name::ReceiveTimeout {
                    SocketOption::ReceiveTimeout(timeout)
                } else {
                    SocketOption::SendTimeout(timeout)
                };
                set_option(wasi, fd, option)
            })
        })?;
    }
    // Unsupported options: the descriptor is still checked (EBADF / ENOTSOCK first).
    for name in [
        "sock_get_reuse_port",
        "sock_set_reuse_port",
        "sock_get_tcp_fastopen_connect",
        "sock_set_tcp_fastopen_connect",
        "sock_get_tcp_quick_ack",
        "sock_set_tcp_quick_ack",
        "sock_get_tcp_keep_idle",
        "sock_set_tcp_keep_idle",
        "sock_get_tcp_keep_intvl",
        "sock_set_tcp_keep_intvl",
        "sock_get_ip_multicast_ttl",
        "sock_set_ip_multicast_ttl",
        "sock_get_ipv6_only",
        "sock_set_ipv6_only",
    ] {
        linker.define(MODULE, name, |context, (fd, _value): (u32, u32)| {
            call_without_memory(context, |wasi| unsupported(wasi, fd))
        })?;
    }
    for name in [
        "sock_get_linger",
        "sock_set_linger",
        "sock_get_ip_multicast_loop",
        "sock_set_ip_multicast_loop",
        "sock_set_ip_add_membership",
        "sock_set_ip_drop_membership",
    ] {
        linker.define(MODULE, name, |context, (fd, _a, _b): (u32, u32, u32)| {
            call_without_memory(context, |wasi| unsupported(wasi, fd))
        })?;
    }
    Ok(())
}

/// Decodes a guest `__wasi_addr_t`.
pub fn read_address(memory: &GuestMemory<'_>, pointer: u32) -> WasiResult<SocketAddr> {
    // Alignment and range of the whole struct first.
    memory.read::<u32>(pointer)?;
    let bytes = memory.bytes(pointer, ADDR_SIZE)?;
    let u16_at = |offset: usize| u16::from_le_bytes([bytes[offset], bytes[offset + 1]]);
    let kind = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    match kind {
        0 => {
            let ip = Ipv4Addr::new(bytes[4], bytes[5], bytes[6], bytes[7]);
            Ok(SocketAddr::V4(SocketAddrV4::new(ip, u16_at(8))))
        }
        1 => {
            let mut groups = [0u16; 8];
            for (index, group) in groups.iter_mut().enumerate() {
                *group = u16_at(4 + 2 * index);
            }
            Ok(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(groups),
                u16_at(20),
                0,
                0,
            )))
        }
        _ => Err(Errno::AddressFamilyNotSupported),
    }
}

/// Encodes `address` as a guest `__wasi_addr_t`.
pub fn encode_address(address: SocketAddr) -> [u8; ADDR_SIZE as usize] {
    let mut bytes = [0u8; ADDR_SIZE as usize];
    match address {
        SocketAddr::V4(v4) => {
            bytes[4..8].copy_from_slice(&v4.ip().octets());
            bytes[8..10].copy_from_slice(&v4.port().to_le_bytes());
        }
        SocketAddr::V6(v6) => {
            bytes[0] = 1;
            for (index, group) in v6.ip().segments().iter().enumerate() {
                bytes[4 + 2 * index..6 + 2 * index].copy_from_slice(&group.to_le_bytes());
            }
            bytes[20..22].copy_from_slice(&v6.port().to_le_bytes());
        }
    }
    bytes
}

/// Checks that a `__wasi_addr_t` can be written at `pointer` (nothing is written).
fn check_address_out(memory: &GuestMemory<'_>, pointer: u32) -> WasiResult {
    memory.read::<u32>(pointer)?;
    memory.check_range(pointer, ADDR_SIZE)?;
    Ok(())
}

fn write_address(memory: &mut GuestMemory<'_>, pointer: u32, address: SocketAddr) -> WasiResult {
    check_address_out(memory, pointer)?;
    memory.write_bytes(pointer, &encode_address(address))?;
    Ok(())
}

/// The unspecified address of `family`, port 0.
fn unspecified(family: AddressFamily) -> SocketAddr {
    match family {
        AddressFamily::V4 => SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)),
        AddressFamily::V6 => SocketAddr::V6(SocketAddrV6::new(Ipv6Addr::UNSPECIFIED, 0, 0, 0)),
    }
}

fn family_of(address: SocketAddr) -> AddressFamily {
    match address {
        SocketAddr::V4(_) => AddressFamily::V4,
        SocketAddr::V6(_) => AddressFamily::V6,
    }
}

/// The socket `fd` and its `fdflags`, with the rights `needed`: `EBADF`, `ENOTSOCK`,
/// `ENOTCAPABLE`.
fn socket_mut(wasi: &mut WasiContext, fd: u32, needed: u64) -> WasiResult<(&mut Socket, u16)> {
    let descriptor = wasi.descriptors.get_mut(fd)?;
    descriptor.require(needed).map_err(|errno| {
        if matches!(descriptor.resource, Resource::Socket(..)) {
            errno
        } else {
            Errno::NotSocket
        }
    })?;
    match &mut descriptor.resource {
        Resource::Socket(socket, flags) => Ok((socket, *flags)),
        _ => Err(Errno::NotSocket),
    }
}

/// Applies the options set before creation and the descriptor's `NONBLOCK` flag to a socket
/// just created from `unbound`. Options the adapter does not support are skipped: they were
/// accepted when the socket did not exist yet.
fn finish(created: &Socket, options: &[SocketOption], flags: u16) -> WasiResult {
    for option in options {
        let result = match created {
            Socket::Listener(listener) => listener.set_option(*option),
            Socket::Stream(stream) => stream.set_option(*option),
            Socket::Datagram(socket) => socket.set_option(*option),
            Socket::Unbound(_) => Ok(()),
        };
        match result {
            Ok(()) | Err(NetError::Unsupported) => {}
            Err(error) => return Err(net_errno(error)),
        }
    }
    if flags & fdflags::NONBLOCK != 0 {
        created.set_nonblocking(true).map_err(net_errno)?;
    }
    Ok(())
}

/// `sock_open(poolfd, af, socktype) -> fd`.
fn sock_open(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    af: u32,
    kind: u32,
    fd_ptr: u32,
) -> WasiResult {
    if wasi.network.is_none() {
        return Err(Errno::Access);
    }
    let family = match af {
        family::INET4 => AddressFamily::V4,
        family::INET6 => AddressFamily::V6,
        _ => return Err(Errno::AddressFamilyNotSupported),
    };
    let kind = match kind as i32 {
        socktype::DGRAM => SocketKind::Datagram,
        socktype::STREAM => SocketKind::Stream,
        _ => return Err(Errno::Invalid),
    };
    memory.read::<u32>(fd_ptr)?;
    let fd = wasi.descriptors.insert(Descriptor {
        resource: Resource::Socket(
            Socket::Unbound(UnboundSocket {
                family,
                kind,
                bound: None,
                options: Vec::new(),
            }),
            0,
        ),
        rights_base: rights::SOCKET,
        rights_inheriting: 0,
    })?;
    memory.write(fd_ptr, &fd)?;
    Ok(())
}

/// `sock_bind(fd, addr)`.
fn sock_bind(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    fd: u32,
    addr: u32,
) -> WasiResult {
    let address = read_address(memory, addr)?;
    let network = wasi.network.clone().ok_or(Errno::Access)?;
    let (socket, flags) = socket_mut(wasi, fd, 0)?;
    let Socket::Unbound(unbound) = socket else {
        // Bound, listening or connected already.
        return Err(Errno::Invalid);
    };
    if unbound.family != family_of(address) {
        return Err(Errno::AddressFamilyNotSupported);
    }
    if unbound.bound.is_some() {
        return Err(Errno::Invalid);
    }
    match unbound.kind {
        SocketKind::Stream => {
            network
                .check(NetOperation::Bind(address))
                .map_err(net_errno)?;
            unbound.bound = Some(address);
        }
        SocketKind::Datagram => {
            let created = Socket::Datagram(network.udp_bind(address).map_err(net_errno)?);
            finish(&created, &unbound.options, flags)?;
            *socket = created;
        }
    }
    Ok(())
}

/// `sock_listen(fd, backlog)`.
fn sock_listen(wasi: &mut WasiContext, fd: u32, backlog: u32) -> WasiResult {
    let network = wasi.network.clone().ok_or(Errno::Access)?;
    let (socket, flags) = socket_mut(wasi, fd, 0)?;
    match socket {
        // Listening again only changes the backlog on POSIX.
        Socket::Listener(_) => Ok(()),
        Socket::Stream(_) => Err(Errno::Invalid),
        Socket::Datagram(_) => Err(Errno::NotSupported),
        Socket::Unbound(unbound) => {
            if unbound.kind == SocketKind::Datagram {
                return Err(Errno::NotSupported);
            }
            let address = unbound.bound.ok_or(Errno::DestinationAddressRequired)?;
            let created =
                Socket::Listener(network.tcp_listen(address, backlog).map_err(net_errno)?);
            finish(&created, &unbound.options, flags)?;
            *socket = created;
            Ok(())
        }
    }
}

/// `sock_connect(fd, addr)`.
fn sock_connect(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    fd: u32,
    addr: u32,
) -> WasiResult {
    let address = read_address(memory, addr)?;
    let network = wasi.network.clone().ok_or(Errno::Access)?;
    let (socket, flags) = socket_mut(wasi, fd, 0)?;
    match socket {
        Socket::Stream(_) => Err(Errno::IsConnected),
        Socket::Listener(_) => Err(Errno::Invalid),
        Socket::Datagram(datagram) => datagram.connect(address).map_err(net_errno),
        Socket::Unbound(unbound) => {
            if unbound.family != family_of(address) {
                return Err(Errno::AddressFamilyNotSupported);
            }
            let created = match unbound.kind {
                SocketKind::Stream => {
                    Socket::Stream(network.tcp_connect(address).map_err(net_errno)?)
                }
                SocketKind::Datagram => {
                    // Refuse before binding, so a denied connect leaves nothing behind.
                    network
                        .check(NetOperation::Connect(address))
                        .map_err(net_errno)?;
                    let datagram = network
                        .udp_bind(unspecified(unbound.family))
                        .map_err(net_errno)?;
                    datagram.connect(address).map_err(net_errno)?;
                    Socket::Datagram(datagram)
                }
            };
            finish(&created, &unbound.options, flags)?;
            *socket = created;
            Ok(())
        }
    }
}

/// `sock_addr_local(fd, addr)` (`remote` false) and `sock_addr_remote(fd, addr)`.
fn sock_addr(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    fd: u32,
    addr: u32,
    remote: bool,
) -> WasiResult {
    check_address_out(memory, addr)?;
    let (socket, _flags) = socket_mut(wasi, fd, 0)?;
    let address = match (socket, remote) {
        (Socket::Listener(listener), false) => listener.local_address(),
        (Socket::Stream(stream), false) => stream.local_address(),
        (Socket::Stream(stream), true) => stream.peer_address(),
        (Socket::Datagram(datagram), false) => datagram.local_address(),
        (Socket::Datagram(datagram), true) => datagram.peer_address(),
        (Socket::Unbound(unbound), false) => {
            Ok(unbound.bound.unwrap_or(unspecified(unbound.family)))
        }
        (Socket::Listener(_) | Socket::Unbound(_), true) => Err(NetError::NotConnected),
    }
    .map_err(net_errno)?;
    write_address(memory, addr, address)
}

/// The guest arguments of `sock_addr_resolve`.
#[derive(Debug, Clone, Copy)]
struct Resolve {
    host: u32,
    service: u32,
    hints: u32,
    out: u32,
    count: u32,
    total_ptr: u32,
}

/// `sock_addr_resolve(host, service, hints, addr_info, count) -> total`.
fn sock_addr_resolve(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    request: Resolve,
) -> WasiResult {
    let network = wasi.network.clone().ok_or(Errno::Access)?;
    let host = memory.read_c_str(request.host, MAX_HOST_LENGTH)?;
    if host.is_empty() {
        return Err(Errno::Invalid);
    }
    let service = memory.read_c_str(request.service, MAX_SERVICE_LENGTH)?;
    let port = if service.is_empty() {
        0
    } else {
        service.parse::<u16>().map_err(|_| Errno::Invalid)?
    };
    // Hints.
    memory.read::<u32>(request.hints)?;
    let hints = memory.bytes(request.hints, HINTS_SIZE)?;
    let hinted_type = i32::from_le_bytes([hints[0], hints[1], hints[2], hints[3]]);
    let hinted_family = u32::from_le_bytes([hints[4], hints[5], hints[6], hints[7]]);
    let enabled = hints[8] != 0;
    let (types, family): (&[i32], Option<AddressFamily>) = if enabled {
        let types: &[i32] = match hinted_type {
            socktype::ANY => &[socktype::STREAM, socktype::DGRAM],
            socktype::STREAM => &[socktype::STREAM],
            socktype::DGRAM => &[socktype::DGRAM],
            _ => return Err(Errno::Invalid),
        };
        let family = match hinted_family {
            family::INET4 => Some(AddressFamily::V4),
            family::INET6 => Some(AddressFamily::V6),
            family::UNSPEC => None,
            _ => return Err(Errno::AddressFamilyNotSupported),
        };
        (types, family)
    } else {
        // Like getaddrinfo without hints: one entry per address and socket type.
        (&[socktype::STREAM, socktype::DGRAM], None)
    };
    // The output array and the total, before resolving.
    let array_size = request
        .count
        .checked_mul(ADDR_INFO_SIZE)
        .ok_or(Errno::Invalid)?;
    if request.count > 0 {
        memory.read::<u32>(request.out)?;
    }
    memory.check_range(request.out, array_size)?;
    memory.read::<u32>(request.total_ptr)?;

    let host = alloc::string::String::from(host);
    let addresses = match network.resolve(&host) {
        Ok(addresses) => addresses,
        // The guest library turns "no entries" into EAI_NONAME.
        Err(NetError::NameNotFound) => Vec::new(),
        Err(error) => return Err(net_errno(error)),
    };
    let mut total: u32 = 0;
    for ip in addresses {
        let address = match ip {
            IpAddr::V4(v4) => SocketAddr::V4(SocketAddrV4::new(v4, port)),
            IpAddr::V6(v6) => SocketAddr::V6(SocketAddrV6::new(v6, port, 0, 0)),
        };
        if family.is_some_and(|family| family != family_of(address)) {
            continue;
        }
        for &kind in types {
            if total < request.count {
                let mut entry = [0u8; ADDR_INFO_SIZE as usize];
                entry[..ADDR_SIZE as usize].copy_from_slice(&encode_address(address));
                entry[ADDR_SIZE as usize..].copy_from_slice(&kind.to_le_bytes());
                let offset = request
                    .out
                    .checked_add(total * ADDR_INFO_SIZE)
                    .ok_or(Errno::Fault)?;
                memory.write_bytes(offset, &entry)?;
            }
            total = total.saturating_add(1);
        }
    }
    memory.write(request.total_ptr, &total)?;
    Ok(())
}

/// Makes sure a UDP socket exists (binding an unbound one to an ephemeral port) and returns
/// it; for other sockets returns them unchanged.
fn ensure_datagram<'s>(
    socket: &'s mut Socket,
    flags: u16,
    network: &dyn vm_host::net::Network,
) -> WasiResult<&'s mut Socket> {
    if let Socket::Unbound(unbound) = socket {
        if unbound.kind == SocketKind::Stream {
            return Err(Errno::NotConnected);
        }
        let created = Socket::Datagram(
            network
                .udp_bind(unspecified(unbound.family))
                .map_err(net_errno)?,
        );
        finish(&created, &unbound.options, flags)?;
        *socket = created;
    }
    Ok(socket)
}

/// `sock_send_to(fd, si_data, si_flags, addr) -> sent`.
fn sock_send_to(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    fd: u32,
    (iovs, iovs_len): (u32, u32),
    addr: u32,
    sent_ptr: u32,
) -> WasiResult {
    let address = read_address(memory, addr)?;
    let network = wasi.network.clone().ok_or(Errno::Access)?;
    let (socket, flags) = socket_mut(wasi, fd, rights::FD_WRITE)?;
    memory.read::<u32>(sent_ptr)?;
    let buffers = memory.iovecs(iovs, iovs_len, SOCKET_IOVEC_LIMITS)?;
    let sent = match socket {
        // A connected stream ignores the address, as `sendto` on Linux does.
        Socket::Stream(_) => crate::functions::sock::send(memory, &buffers, socket)?,
        Socket::Listener(_) => return Err(Errno::NotConnected),
        Socket::Datagram(_) | Socket::Unbound(_) => {
            if let Socket::Unbound(unbound) = socket
                && unbound.family != family_of(address)
            {
                return Err(Errno::AddressFamilyNotSupported);
            }
            // Refuse before an implicit bind, so a denied send leaves nothing behind.
            network
                .check(NetOperation::SendTo(address))
                .map_err(net_errno)?;
            let Socket::Datagram(datagram) = ensure_datagram(socket, flags, network.as_ref())?
            else {
                return Err(Errno::NotConnected);
            };
            let data: Vec<u8> = memory.gather(&buffers).flatten().copied().collect();
            let sent = datagram.send_to(&data, address).map_err(net_errno)?;
            u32::try_from(sent).map_err(|_| Errno::Overflow)?
        }
    };
    memory.write(sent_ptr, &sent)?;
    Ok(())
}

/// `sock_recv_from(fd, ri_data, ri_flags) -> (received, addr)`.
fn sock_recv_from(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    fd: u32,
    (iovs, iovs_len, flags): (u32, u32, u32),
    addr: u32,
    received_ptr: u32,
) -> WasiResult {
    let defined = u32::from(sockflags::RECV_PEEK | sockflags::RECV_WAITALL);
    if flags & !defined != 0 {
        return Err(Errno::Invalid);
    }
    let peek = flags & u32::from(sockflags::RECV_PEEK) != 0;
    let (socket, _flags) = socket_mut(wasi, fd, rights::FD_READ)?;
    check_address_out(memory, addr)?;
    memory.read::<u32>(received_ptr)?;
    let buffers = memory.iovecs(iovs, iovs_len, SOCKET_IOVEC_LIMITS)?;
    let (received, from) = match socket {
        Socket::Datagram(datagram) => {
            let mut data = alloc::vec![0u8; buffers.total_len() as usize];
            let (count, from) = datagram.receive_from(&mut data, peek).map_err(net_errno)?;
            let data = data.get(..count).ok_or(Errno::Io)?;
            let copied = memory.scatter(&buffers, data);
            (u32::try_from(copied).map_err(|_| Errno::Overflow)?, from)
        }
        Socket::Stream(stream) => {
            let from = stream.peer_address().map_err(net_errno)?;
            let received = crate::functions::sock::receive(memory, &buffers, socket, peek)?;
            (received, from)
        }
        Socket::Listener(_) | Socket::Unbound(_) => return Err(Errno::NotConnected),
    };
    memory.write(received_ptr, &received)?;
    write_address(memory, addr, from)
}

/// `sock_close(fd)`: closes a socket descriptor.
fn sock_close(wasi: &mut WasiContext, fd: u32) -> WasiResult {
    socket_mut(wasi, fd, 0)?;
    wasi.descriptors.remove(fd)?;
    Ok(())
}

/// `sock_set_*`.
fn set_option(wasi: &mut WasiContext, fd: u32, option: SocketOption) -> WasiResult {
    let (socket, _flags) = socket_mut(wasi, fd, 0)?;
    match socket {
        Socket::Listener(listener) => listener.set_option(option),
        Socket::Stream(stream) => stream.set_option(option),
        Socket::Datagram(datagram) => datagram.set_option(option),
        Socket::Unbound(unbound) => {
            // Options that cannot apply to the socket's type fail now, as they would later.
            let fits = match option.name() {
                SocketOptionName::NoDelay | SocketOptionName::KeepAlive => {
                    unbound.kind == SocketKind::Stream
                }
                SocketOptionName::Broadcast => unbound.kind == SocketKind::Datagram,
                _ => true,
            };
            if !fits {
                return Err(Errno::NoProtocolOption);
            }
            unbound.options.retain(|old| old.name() != option.name());
            unbound.options.push(option);
            Ok(())
        }
    }
    .map_err(net_errno)
}

/// `sock_get_*`: writes a byte for booleans and TTL, a `u32` for sizes, a `u64` of
/// microseconds for timeouts.
fn get_option(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    fd: u32,
    name: SocketOptionName,
    out: u32,
) -> WasiResult {
    // Check the destination first (its type depends on the option).
    match name {
        SocketOptionName::ReceiveTimeout | SocketOptionName::SendTimeout => {
            memory.read::<u64>(out)?;
        }
        SocketOptionName::ReceiveBufferSize | SocketOptionName::SendBufferSize => {
            memory.read::<u32>(out)?;
        }
        _ => {
            memory.read::<u8>(out)?;
        }
    }
    let (socket, _flags) = socket_mut(wasi, fd, 0)?;
    let option = match socket {
        Socket::Listener(listener) => listener.option(name),
        Socket::Stream(stream) => stream.option(name),
        Socket::Datagram(datagram) => datagram.option(name),
        Socket::Unbound(unbound) => {
            let stored = unbound.options.iter().find(|option| option.name() == name);
            match (stored, name) {
                (Some(option), _) => Ok(*option),
                (None, SocketOptionName::ReuseAddress) => Ok(SocketOption::ReuseAddress(false)),
                (None, SocketOptionName::KeepAlive) => Ok(SocketOption::KeepAlive(false)),
                (None, SocketOptionName::NoDelay) => Ok(SocketOption::NoDelay(false)),
                (None, SocketOptionName::Broadcast) => Ok(SocketOption::Broadcast(false)),
                (None, SocketOptionName::ReceiveTimeout) => Ok(SocketOption::ReceiveTimeout(None)),
                (None, SocketOptionName::SendTimeout) => Ok(SocketOption::SendTimeout(None)),
                // Sizes and TTL are the stack's defaults, unknown until the socket exists.
                (None, _) => Err(NetError::Unsupported),
            }
        }
    }
    .map_err(net_errno)?;
    let micros = |timeout: Option<Duration>| {
        timeout.map_or(0, |timeout| {
            u64::try_from(timeout.as_micros()).unwrap_or(u64::MAX)
        })
    };
    match option {
        SocketOption::ReuseAddress(value)
        | SocketOption::KeepAlive(value)
        | SocketOption::NoDelay(value)
        | SocketOption::Broadcast(value) => memory.write(out, &u8::from(value))?,
        SocketOption::ReceiveTimeout(timeout) | SocketOption::SendTimeout(timeout) => {
            memory.write(out, &micros(timeout))?;
        }
        SocketOption::ReceiveBufferSize(size) | SocketOption::SendBufferSize(size) => {
            memory.write(out, &size)?;
        }
        SocketOption::Ttl(ttl) => memory.write(out, &u8::try_from(ttl).unwrap_or(u8::MAX))?,
    }
    Ok(())
}

/// An option WAMR's extension has but the adapter does not: `ENOTSUP` for a socket.
fn unsupported(wasi: &mut WasiContext, fd: u32) -> WasiResult {
    socket_mut(wasi, fd, 0)?;
    Err(Errno::NotSupported)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip_through_the_guest_layout() {
        let mut bytes = [0u8; 64];
        let mut memory = GuestMemory::new(&mut bytes);
        for address in [
            "127.0.0.1:8080".parse::<SocketAddr>().unwrap(),
            "[fe80::3ba2:893b:4be0:e3dd]:443".parse().unwrap(),
        ] {
            write_address(&mut memory, 8, address).unwrap();
            assert_eq!(read_address(&memory, 8).unwrap(), address);
        }
        let v4 = encode_address("127.0.0.1:8080".parse().unwrap());
        assert_eq!(&v4[..10], &[0, 0, 0, 0, 127, 0, 0, 1, 0x90, 0x1f]);
        let v6 = encode_address("[fe80::1]:1".parse().unwrap());
        assert_eq!(&v6[..6], &[1, 0, 0, 0, 0x80, 0xfe]);
        assert_eq!(&v6[20..22], &[1, 0]);
        assert_eq!(read_address(&memory, 2), Err(Errno::Invalid));
        assert_eq!(read_address(&memory, 60), Err(Errno::Fault));
        memory.write(0, &7u32).unwrap();
        assert_eq!(
            read_address(&memory, 0),
            Err(Errno::AddressFamilyNotSupported)
        );
    }
}
