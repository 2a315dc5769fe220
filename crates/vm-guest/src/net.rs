//! TCP and UDP sockets over WAMR's `wasi_socket_ext`, the socket extension of WASI preview1.
//!
//! Sockets are WASI descriptors (closed with `fd_close` on drop). Streams implement
//! [`embedded_io::Read`]/[`embedded_io::Write`], and with the `std` feature also
//! `std::io::Read`/`Write`. Every operation is subject to the embedder's capabilities: an
//! address the app was not granted fails with [`Errno::ACCESS`] and nothing reaches the network.
//!
//! ```no_run
//! use embedded_io::{Read, Write};
//! use vm_guest::net::TcpStream;
//!
//! # fn main() -> Result<(), vm_guest::Error> {
//! let mut stream = TcpStream::connect("127.0.0.1:7001".parse().unwrap())?;
//! stream.write_all(b"ping")?;
//! let mut reply = [0; 4];
//! stream.read_exact(&mut reply).map_err(|_| vm_guest::Error::InvalidInput)?;
//! # Ok(())
//! # }
//! ```

use alloc::vec::Vec;
use core::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use crate::error::{Errno, Error, Result, check};
use crate::sys::{self, CIoVec, IoVec, WasiAddr, WasiAddrInfo, WasiAddrInfoHints};

/// `__wasi_address_family_t` INET4.
const INET4: i32 = 0;
/// `__wasi_address_family_t` INET6.
const INET6: i32 = 1;
/// `__wasi_address_family_t` INET_UNSPEC (resolution hints).
const INET_UNSPEC: i32 = 2;
/// `__wasi_sock_type_t` SOCKET_DGRAM.
const SOCKET_DGRAM: i32 = 0;
/// `__wasi_sock_type_t` SOCKET_STREAM.
const SOCKET_STREAM: i32 = 1;
/// WAMR's `lib-socket` passes -1 as the (unused) pool descriptor of `sock_open`.
const NO_POOL: u32 = u32::MAX;
/// The listen backlog of [`TcpListener::bind`].
pub const DEFAULT_BACKLOG: u32 = 16;
/// How many addresses [`resolve`] asks for at most.
const RESOLVE_MAX: usize = 8;

/// Encodes an address as WAMR's `__wasi_addr_t`.
pub fn encode_addr(addr: &SocketAddr) -> WasiAddr {
    let mut raw = WasiAddr::default();
    match addr {
        SocketAddr::V4(v4) => {
            raw.bytes[0..4].copy_from_slice(&0u32.to_le_bytes());
            raw.bytes[4..8].copy_from_slice(&v4.ip().octets());
            raw.bytes[8..10].copy_from_slice(&v4.port().to_le_bytes());
        }
        SocketAddr::V6(v6) => {
            raw.bytes[0..4].copy_from_slice(&1u32.to_le_bytes());
            // Each 16-bit group is stored in host (little-endian) order, n0..n3 then h0..h3.
            for (index, segment) in v6.ip().segments().iter().enumerate() {
                let at = 4 + index * 2;
                raw.bytes[at..at + 2].copy_from_slice(&segment.to_le_bytes());
            }
            raw.bytes[20..22].copy_from_slice(&v6.port().to_le_bytes());
        }
    }
    raw
}

/// Decodes WAMR's `__wasi_addr_t`; an unknown kind is `afnosupport`.
pub fn decode_addr(raw: &WasiAddr) -> Result<SocketAddr> {
    let b = &raw.bytes;
    let u16_at = |at: usize| u16::from_le_bytes([b[at], b[at + 1]]);
    match u32::from_le_bytes([b[0], b[1], b[2], b[3]]) {
        0 => Ok(SocketAddr::V4(SocketAddrV4::new(
            Ipv4Addr::new(b[4], b[5], b[6], b[7]),
            u16_at(8),
        ))),
        1 => {
            let mut segments = [0u16; 8];
            for (index, segment) in segments.iter_mut().enumerate() {
                *segment = u16_at(4 + index * 2);
            }
            Ok(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(segments),
                u16_at(20),
                0,
                0,
            )))
        }
        _ => Err(Error::Host(Errno::ADDRESS_FAMILY_NOT_SUPPORTED)),
    }
}

fn family(addr: &SocketAddr) -> i32 {
    match addr {
        SocketAddr::V4(_) => INET4,
        SocketAddr::V6(_) => INET6,
    }
}

/// ABI lengths are 32-bit: a longer buffer is used up to 4 GiB, as a short read or write.
fn abi_len(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

/// Which directions [`TcpStream::shutdown`] closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shutdown {
    /// No more reads.
    Read,
    /// No more writes: the peer reads end-of-stream.
    Write,
    /// Both.
    Both,
}

/// An owned socket descriptor, closed on drop.
#[derive(Debug)]
struct Socket {
    fd: u32,
}

impl Socket {
    fn open(family: i32, socket_type: i32) -> Result<Self> {
        let mut fd = 0;
        // SAFETY: `fd` is a live, aligned `u32`, the out-value the import writes.
        check(unsafe { sys::socket::sock_open(NO_POOL, family, socket_type, &mut fd) })?;
        Ok(Self { fd })
    }

    fn bind(&self, addr: &SocketAddr) -> Result<()> {
        let raw = encode_addr(addr);
        // SAFETY: `raw` is a live, aligned `__wasi_addr_t` the host only reads.
        check(unsafe { sys::socket::sock_bind(self.fd, &raw) })
    }

    fn connect(&self, addr: &SocketAddr) -> Result<()> {
        let raw = encode_addr(addr);
        // SAFETY: `raw` is a live, aligned `__wasi_addr_t` the host only reads.
        check(unsafe { sys::socket::sock_connect(self.fd, &raw) })
    }

    fn recv(&self, buf: &mut [u8]) -> Result<usize> {
        let iov = IoVec {
            buf: buf.as_mut_ptr(),
            buf_len: abi_len(buf.len()) as usize,
        };
        let (mut received, mut flags) = (0u32, 0u16);
        // SAFETY: one iovec describing the live, writable `buf`; the out-values are live locals.
        check(unsafe { sys::socket::sock_recv(self.fd, &iov, 1, 0, &mut received, &mut flags) })?;
        Ok((received as usize).min(buf.len()))
    }

    fn send(&self, buf: &[u8]) -> Result<usize> {
        let iov = CIoVec {
            buf: buf.as_ptr(),
            buf_len: abi_len(buf.len()) as usize,
        };
        let mut sent = 0u32;
        // SAFETY: one ciovec describing the live `buf`; the out-value is a live local.
        check(unsafe { sys::socket::sock_send(self.fd, &iov, 1, 0, &mut sent) })?;
        Ok((sent as usize).min(buf.len()))
    }

    fn send_to(&self, buf: &[u8], addr: &SocketAddr) -> Result<usize> {
        let iov = CIoVec {
            buf: buf.as_ptr(),
            buf_len: abi_len(buf.len()) as usize,
        };
        let raw = encode_addr(addr);
        let mut sent = 0u32;
        // SAFETY: one ciovec describing the live `buf`, a live address the host only reads,
        // and a live out-value.
        check(unsafe { sys::socket::sock_send_to(self.fd, &iov, 1, 0, &raw, &mut sent) })?;
        Ok((sent as usize).min(buf.len()))
    }

    fn recv_from(&self, buf: &mut [u8]) -> Result<(usize, SocketAddr)> {
        let iov = IoVec {
            buf: buf.as_mut_ptr(),
            buf_len: abi_len(buf.len()) as usize,
        };
        let mut raw = WasiAddr::default();
        let mut received = 0u32;
        // SAFETY: one iovec describing the live, writable `buf`; the address and count are
        // live, aligned locals the host writes.
        check(unsafe {
            sys::socket::sock_recv_from(self.fd, &iov, 1, 0, &mut raw, &mut received)
        })?;
        Ok(((received as usize).min(buf.len()), decode_addr(&raw)?))
    }

    fn shutdown(&self, how: Shutdown) -> Result<()> {
        let how = match how {
            Shutdown::Read => 1,
            Shutdown::Write => 2,
            Shutdown::Both => 3,
        };
        // SAFETY: integer arguments only.
        check(unsafe { sys::socket::sock_shutdown(self.fd, how) })
    }

    fn local_addr(&self) -> Result<SocketAddr> {
        let mut raw = WasiAddr::default();
        // SAFETY: `raw` is a live, aligned `__wasi_addr_t` the host writes.
        check(unsafe { sys::socket::sock_addr_local(self.fd, &mut raw) })?;
        decode_addr(&raw)
    }

    fn peer_addr(&self) -> Result<SocketAddr> {
        let mut raw = WasiAddr::default();
        // SAFETY: `raw` is a live, aligned `__wasi_addr_t` the host writes.
        check(unsafe { sys::socket::sock_addr_remote(self.fd, &mut raw) })?;
        decode_addr(&raw)
    }

    fn into_raw(self) -> u32 {
        let fd = self.fd;
        core::mem::forget(self);
        fd
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        // A failed close cannot be reported from drop; the host closes everything the app
        // owns when it ends anyway.
        // SAFETY: integer arguments only.
        let _ = unsafe { sys::socket::fd_close(self.fd) };
    }
}

/// A TCP connection.
#[derive(Debug)]
pub struct TcpStream {
    socket: Socket,
}

impl TcpStream {
    /// Connects to `addr`.
    pub fn connect(addr: SocketAddr) -> Result<Self> {
        let socket = Socket::open(family(&addr), SOCKET_STREAM)?;
        socket.connect(&addr)?;
        Ok(Self { socket })
    }

    /// Reads what is available into `buf` (blocking until something is); `Ok(0)` is the end
    /// of the stream.
    pub fn recv(&mut self, buf: &mut [u8]) -> Result<usize> {
        self.socket.recv(buf)
    }

    /// Sends as much of `buf` as the host takes; returns how much that was.
    pub fn send(&mut self, buf: &[u8]) -> Result<usize> {
        self.socket.send(buf)
    }

    /// Closes one or both directions; after [`Shutdown::Write`] the peer reads end-of-stream.
    pub fn shutdown(&self, how: Shutdown) -> Result<()> {
        self.socket.shutdown(how)
    }

    /// The local address (`sock_addr_local`).
    pub fn local_addr(&self) -> Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// The peer's address (`sock_addr_remote`).
    pub fn peer_addr(&self) -> Result<SocketAddr> {
        self.socket.peer_addr()
    }

    /// The WASI descriptor.
    pub fn as_raw_fd(&self) -> u32 {
        self.socket.fd
    }

    /// Gives up ownership of the descriptor without closing it.
    pub fn into_raw_fd(self) -> u32 {
        self.socket.into_raw()
    }

    /// Takes ownership of a connected stream descriptor (e.g. one the embedder preopened);
    /// it is closed on drop.
    pub fn from_raw_fd(fd: u32) -> Self {
        Self {
            socket: Socket { fd },
        }
    }
}

/// A listening TCP socket.
#[derive(Debug)]
pub struct TcpListener {
    socket: Socket,
}

impl TcpListener {
    /// Binds to `addr` and listens with [`DEFAULT_BACKLOG`].
    pub fn bind(addr: SocketAddr) -> Result<Self> {
        Self::bind_with_backlog(addr, DEFAULT_BACKLOG)
    }

    /// Binds to `addr` and listens with a backlog of `backlog` pending connections.
    pub fn bind_with_backlog(addr: SocketAddr, backlog: u32) -> Result<Self> {
        let socket = Socket::open(family(&addr), SOCKET_STREAM)?;
        socket.bind(&addr)?;
        // SAFETY: integer arguments only.
        check(unsafe { sys::socket::sock_listen(socket.fd, backlog) })?;
        Ok(Self { socket })
    }

    /// Waits for and accepts a connection. Its address is [`TcpStream::peer_addr`].
    pub fn accept(&self) -> Result<TcpStream> {
        let mut fd = 0;
        // SAFETY: `fd` is a live, aligned `u32`, the out-value the import writes.
        check(unsafe { sys::socket::sock_accept(self.socket.fd, 0, &mut fd) })?;
        Ok(TcpStream::from_raw_fd(fd))
    }

    /// The local address (`sock_addr_local`), e.g. to learn the port after binding port 0.
    pub fn local_addr(&self) -> Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// The WASI descriptor.
    pub fn as_raw_fd(&self) -> u32 {
        self.socket.fd
    }

    /// Takes ownership of a listening descriptor (e.g. one `xila-vm --tcplisten` preopened).
    pub fn from_raw_fd(fd: u32) -> Self {
        Self {
            socket: Socket { fd },
        }
    }
}

/// A UDP socket.
#[derive(Debug)]
pub struct UdpSocket {
    socket: Socket,
}

impl UdpSocket {
    /// A socket bound to `addr`.
    pub fn bind(addr: SocketAddr) -> Result<Self> {
        let socket = Socket::open(family(&addr), SOCKET_DGRAM)?;
        socket.bind(&addr)?;
        Ok(Self { socket })
    }

    /// Sets the default peer of [`UdpSocket::send`] and the only source [`UdpSocket::recv`]
    /// accepts.
    pub fn connect(&self, addr: SocketAddr) -> Result<()> {
        self.socket.connect(&addr)
    }

    /// Sends a datagram to `addr`.
    pub fn send_to(&self, buf: &[u8], addr: SocketAddr) -> Result<usize> {
        self.socket.send_to(buf, &addr)
    }

    /// Receives a datagram and its source; a datagram longer than `buf` is truncated.
    pub fn recv_from(&self, buf: &mut [u8]) -> Result<(usize, SocketAddr)> {
        self.socket.recv_from(buf)
    }

    /// Sends a datagram to the connected peer.
    pub fn send(&self, buf: &[u8]) -> Result<usize> {
        self.socket.send(buf)
    }

    /// Receives a datagram from the connected peer.
    pub fn recv(&self, buf: &mut [u8]) -> Result<usize> {
        self.socket.recv(buf)
    }

    /// The local address (`sock_addr_local`).
    pub fn local_addr(&self) -> Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// The WASI descriptor.
    pub fn as_raw_fd(&self) -> u32 {
        self.socket.fd
    }
}

/// Resolves `host` to stream addresses with `port` (`sock_addr_resolve`; needs the embedder's
/// resolve capability, e.g. `xila-vm --allow-resolve`). At most 8 addresses, in the host's
/// order, without duplicates.
pub fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>> {
    if host.as_bytes().contains(&0) {
        return Err(Error::InvalidInput);
    }
    let mut host_c = Vec::with_capacity(host.len() + 1);
    host_c.extend_from_slice(host.as_bytes());
    host_c.push(0);
    // The port is set on the results here rather than passed as a service name, so hosts that
    // only understand numeric services and those that look names up behave the same.
    let service = [0u8];
    let hints = WasiAddrInfoHints {
        sock_type: SOCKET_STREAM,
        family: INET_UNSPEC,
        hints_enabled: 1,
    };
    let mut infos = [WasiAddrInfo::default(); RESOLVE_MAX];
    let mut total = 0u32;
    // SAFETY: both strings are live and NUL-terminated, `hints` is live, `infos` is a live
    // array of `RESOLVE_MAX` entries the host writes at most that many of, `total` is live.
    check(unsafe {
        sys::socket::sock_addr_resolve(
            host_c.as_ptr(),
            service.as_ptr(),
            &hints,
            infos.as_mut_ptr(),
            RESOLVE_MAX as u32,
            &mut total,
        )
    })?;
    let mut addrs: Vec<SocketAddr> = Vec::new();
    for info in infos.iter().take((total as usize).min(RESOLVE_MAX)) {
        let mut addr = decode_addr(&info.addr)?;
        addr.set_port(port);
        if !addrs.contains(&addr) {
            addrs.push(addr);
        }
    }
    Ok(addrs)
}

impl embedded_io::ErrorType for TcpStream {
    type Error = Error;
}

impl embedded_io::Read for TcpStream {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        self.recv(buf)
    }
}

impl embedded_io::Write for TcpStream {
    fn write(&mut self, buf: &[u8]) -> Result<usize> {
        let sent = self.send(buf)?;
        // `embedded_io::Write::write_all` panics on `Ok(0)`; a socket that takes nothing of a
        // non-empty buffer is an error instead.
        if sent == 0 && !buf.is_empty() {
            return Err(Error::WriteZero);
        }
        Ok(sent)
    }

    fn flush(&mut self) -> Result<()> {
        // Sends go straight to the host socket; there is no buffer here to flush.
        Ok(())
    }
}

#[cfg(feature = "std")]
impl std::io::Read for TcpStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        Ok(self.recv(buf)?)
    }
}

#[cfg(feature = "std")]
impl std::io::Write for TcpStream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        Ok(self.send(buf)?)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_layout() {
        let raw = encode_addr(&"127.0.0.1:7001".parse().unwrap());
        let mut expected = [0u8; 24];
        expected[4..8].copy_from_slice(&[127, 0, 0, 1]);
        expected[8..10].copy_from_slice(&7001u16.to_le_bytes());
        assert_eq!(raw.bytes, expected);
    }

    #[test]
    fn ipv6_layout() {
        let addr: SocketAddr = "[fe80::3ba2:893b:4be0:e3dd]:443".parse().unwrap();
        let raw = encode_addr(&addr);
        assert_eq!(&raw.bytes[0..4], &[1, 0, 0, 0]);
        assert_eq!(&raw.bytes[4..6], &0xfe80u16.to_le_bytes());
        assert_eq!(&raw.bytes[12..14], &0x3ba2u16.to_le_bytes());
        assert_eq!(&raw.bytes[18..20], &0xe3ddu16.to_le_bytes());
        assert_eq!(&raw.bytes[20..22], &443u16.to_le_bytes());
    }

    #[test]
    fn addresses_round_trip() {
        for text in [
            "10.1.2.3:0",
            "0.0.0.0:65535",
            "[::1]:8080",
            "[2001:db8::7]:1",
        ] {
            let addr: SocketAddr = text.parse().unwrap();
            assert_eq!(decode_addr(&encode_addr(&addr)), Ok(addr), "{text}");
        }
        let mut raw = WasiAddr::default();
        raw.bytes[0] = 7;
        assert_eq!(
            decode_addr(&raw),
            Err(Error::Host(Errno::ADDRESS_FAMILY_NOT_SUPPORTED))
        );
    }

    #[test]
    fn sockets_are_unsupported_off_wasm() {
        let addr: SocketAddr = "127.0.0.1:1".parse().unwrap();
        assert!(matches!(TcpStream::connect(addr), Err(Error::Unsupported)));
        assert!(matches!(TcpListener::bind(addr), Err(Error::Unsupported)));
        assert!(matches!(UdpSocket::bind(addr), Err(Error::Unsupported)));
        assert_eq!(resolve("localhost", 80), Err(Error::Unsupported));
        assert_eq!(resolve("a\0b", 80), Err(Error::InvalidInput));
    }
}
