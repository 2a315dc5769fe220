//! The network adapter: TCP (connect, listen, accept, send, receive, shutdown), UDP (bind,
//! send to, receive from, connect), name resolution, socket options and readiness.
//!
//! The kernel implements [`Network`] over its stack (lwIP on ESP-IDF); the `host` module
//! (feature `std`) has a `std::net` implementation. Addresses are `core::net` types so the traits stay `no_std`.
//!
//! Guests never reach a [`Network`] directly: the embedder wraps it in a
//! [`CapabilityNetwork`], which checks every operation against [`NetworkCapabilities`]
//! (deny by default) before anything reaches the network.
//!
//! The socket objects are used through `&self` (like `std::net`'s `&TcpStream: Read`), so
//! one socket can be polled for readiness while it is shared.

mod capability;

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::net::{IpAddr, SocketAddr};
use core::time::Duration;

pub use capability::{AddressRule, CapabilityNetwork, NetworkCapabilities, RuleParseError};

/// What went wrong in a network operation. Each variant maps to one WASI errno.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum NetError {
    /// Nothing can be done right now on a non-blocking socket (`EAGAIN`).
    #[error("operation would block")]
    WouldBlock,
    /// The peer reset the connection (`ECONNRESET`).
    #[error("connection reset")]
    ConnectionReset,
    /// The connection was aborted (`ECONNABORTED`).
    #[error("connection aborted")]
    ConnectionAborted,
    /// The socket is not connected (`ENOTCONN`).
    #[error("not connected")]
    NotConnected,
    /// Writing to a connection whose sending side is shut down (`EPIPE`).
    #[error("broken pipe")]
    BrokenPipe,
    /// The operation was interrupted (`EINTR`).
    #[error("interrupted")]
    Interrupted,
    /// An argument is invalid (`EINVAL`).
    #[error("invalid argument")]
    InvalidInput,
    /// The adapter does not support the operation (`ENOTSUP`).
    #[error("operation not supported")]
    Unsupported,
    /// Any other failure (`EIO`).
    #[error("input/output error")]
    Io,
    /// The capabilities the embedder granted do not allow the operation (`EACCES`); nothing
    /// reached the network.
    #[error("permission denied by the network capabilities")]
    PermissionDenied,
    /// Nobody listens at the address (`ECONNREFUSED`).
    #[error("connection refused")]
    ConnectionRefused,
    /// The address is already in use (`EADDRINUSE`).
    #[error("address in use")]
    AddressInUse,
    /// The address is not a local address (`EADDRNOTAVAIL`).
    #[error("address not available")]
    AddressNotAvailable,
    /// The operation timed out (`ETIMEDOUT`).
    #[error("timed out")]
    TimedOut,
    /// The host or network cannot be reached (`EHOSTUNREACH`).
    #[error("host unreachable")]
    HostUnreachable,
    /// The name could not be resolved (`ENOENT`, which WAMR's guest library reports as
    /// `EAI_NONAME`).
    #[error("name not found")]
    NameNotFound,
}

/// What a readiness query asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Interest {
    /// Data (or a connection to accept, or the end of the stream) can be received.
    Read,
    /// Data can be sent.
    Write,
}

/// A socket option the WAMR socket extension can get or set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SocketOptionName {
    /// `SO_REUSEADDR`.
    ReuseAddress,
    /// `SO_KEEPALIVE`.
    KeepAlive,
    /// `TCP_NODELAY`.
    NoDelay,
    /// `SO_BROADCAST` (UDP).
    Broadcast,
    /// `SO_RCVTIMEO`.
    ReceiveTimeout,
    /// `SO_SNDTIMEO`.
    SendTimeout,
    /// `SO_RCVBUF`.
    ReceiveBufferSize,
    /// `SO_SNDBUF`.
    SendBufferSize,
    /// `IP_TTL`.
    Ttl,
}

/// A socket option with its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SocketOption {
    /// `SO_REUSEADDR`.
    ReuseAddress(bool),
    /// `SO_KEEPALIVE`.
    KeepAlive(bool),
    /// `TCP_NODELAY`.
    NoDelay(bool),
    /// `SO_BROADCAST` (UDP).
    Broadcast(bool),
    /// `SO_RCVTIMEO`; `None` waits forever.
    ReceiveTimeout(Option<Duration>),
    /// `SO_SNDTIMEO`; `None` waits forever.
    SendTimeout(Option<Duration>),
    /// `SO_RCVBUF`, in bytes.
    ReceiveBufferSize(u32),
    /// `SO_SNDBUF`, in bytes.
    SendBufferSize(u32),
    /// `IP_TTL`.
    Ttl(u32),
}

impl SocketOption {
    /// The name of the option.
    pub fn name(&self) -> SocketOptionName {
        match self {
            Self::ReuseAddress(_) => SocketOptionName::ReuseAddress,
            Self::KeepAlive(_) => SocketOptionName::KeepAlive,
            Self::NoDelay(_) => SocketOptionName::NoDelay,
            Self::Broadcast(_) => SocketOptionName::Broadcast,
            Self::ReceiveTimeout(_) => SocketOptionName::ReceiveTimeout,
            Self::SendTimeout(_) => SocketOptionName::SendTimeout,
            Self::ReceiveBufferSize(_) => SocketOptionName::ReceiveBufferSize,
            Self::SendBufferSize(_) => SocketOptionName::SendBufferSize,
            Self::Ttl(_) => SocketOptionName::Ttl,
        }
    }
}

/// An operation a [`Network`] may be asked to allow, see [`Network::check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NetOperation {
    /// Connecting (TCP or UDP) to the address.
    Connect(SocketAddr),
    /// Binding (a UDP socket, or a TCP listener) to the address.
    Bind(SocketAddr),
    /// Sending a datagram to the address.
    SendTo(SocketAddr),
    /// Resolving a host name.
    Resolve,
}

/// The network stack the VM reaches the network through (`Send + Sync`: one adapter serves
/// every instance).
///
/// Every method may block (connecting, resolving) and returns boxed socket objects that
/// start in blocking mode.
pub trait Network: Send + Sync {
    /// Opens a TCP connection to `address`.
    fn tcp_connect(&self, address: SocketAddr) -> Result<Box<dyn TcpStream>, NetError>;
    /// Binds a TCP listener on `address` (port 0 picks a free port) and starts listening
    /// with room for `backlog` pending connections (a hint).
    fn tcp_listen(
        &self,
        address: SocketAddr,
        backlog: u32,
    ) -> Result<Box<dyn TcpListener>, NetError>;
    /// Binds a UDP socket on `address` (port 0 picks a free port).
    fn udp_bind(&self, address: SocketAddr) -> Result<Box<dyn UdpSocket>, NetError>;
    /// Resolves `host` (a name or a literal address) to its addresses, without duplicates.
    fn resolve(&self, host: &str) -> Result<Vec<IpAddr>, NetError>;
    /// Whether `operation` would be allowed, without doing it: lets the ABI layer report a
    /// denial where POSIX reports it (at `bind`, before `listen` creates the socket).
    /// Adapters without a policy allow everything.
    fn check(&self, operation: NetOperation) -> Result<(), NetError> {
        let _ = operation;
        Ok(())
    }
}

/// A listening TCP socket.
pub trait TcpListener: Send + Sync {
    /// Accepts one connection; blocks unless the listener is non-blocking, in which case an
    /// empty backlog is [`NetError::WouldBlock`].
    fn accept(&self) -> Result<Box<dyn TcpStream>, NetError>;
    /// Switches between blocking and non-blocking accepts.
    fn set_nonblocking(&self, nonblocking: bool) -> Result<(), NetError>;
    /// The address it listens on.
    fn local_address(&self) -> Result<SocketAddr, NetError> {
        Err(NetError::Unsupported)
    }
    /// Whether an operation of `interest` would not block now (for reading: a connection is
    /// waiting); never blocks, consumes nothing.
    fn poll_ready(&self, interest: Interest) -> Result<bool, NetError> {
        let _ = interest;
        Ok(true)
    }
    /// Sets an option.
    fn set_option(&self, option: SocketOption) -> Result<(), NetError> {
        let _ = option;
        Err(NetError::Unsupported)
    }
    /// Reads an option.
    fn option(&self, name: SocketOptionName) -> Result<SocketOption, NetError> {
        let _ = name;
        Err(NetError::Unsupported)
    }
}

/// A connected TCP stream.
pub trait TcpStream: Send + Sync {
    /// Receives into `buffer`; with `peek`, leaves the data queued. 0 means the peer closed
    /// its sending side.
    fn receive(&self, buffer: &mut [u8], peek: bool) -> Result<usize, NetError>;
    /// Sends from `data`, returning how much was taken.
    fn send(&self, data: &[u8]) -> Result<usize, NetError>;
    /// Shuts down reading and/or writing.
    fn shutdown(&self, read: bool, write: bool) -> Result<(), NetError>;
    /// Switches between blocking and non-blocking transfers.
    fn set_nonblocking(&self, nonblocking: bool) -> Result<(), NetError>;
    /// The local address of the connection.
    fn local_address(&self) -> Result<SocketAddr, NetError> {
        Err(NetError::Unsupported)
    }
    /// The peer's address.
    fn peer_address(&self) -> Result<SocketAddr, NetError> {
        Err(NetError::Unsupported)
    }
    /// Whether an operation of `interest` would not block now (for reading: data or the end
    /// of the stream has arrived); never blocks, consumes nothing.
    fn poll_ready(&self, interest: Interest) -> Result<bool, NetError> {
        let _ = interest;
        Ok(true)
    }
    /// Sets an option.
    fn set_option(&self, option: SocketOption) -> Result<(), NetError> {
        let _ = option;
        Err(NetError::Unsupported)
    }
    /// Reads an option.
    fn option(&self, name: SocketOptionName) -> Result<SocketOption, NetError> {
        let _ = name;
        Err(NetError::Unsupported)
    }
}

/// A bound UDP socket.
pub trait UdpSocket: Send + Sync {
    /// Sends one datagram to `address`, returning how much was sent.
    fn send_to(&self, data: &[u8], address: SocketAddr) -> Result<usize, NetError>;
    /// Receives one datagram into `buffer` (the rest of a longer datagram is lost) and
    /// returns its length and sender; with `peek`, leaves it queued.
    fn receive_from(&self, buffer: &mut [u8], peek: bool) -> Result<(usize, SocketAddr), NetError>;
    /// Sets the default destination and only accepts datagrams from `address` afterwards.
    fn connect(&self, address: SocketAddr) -> Result<(), NetError>;
    /// Sends one datagram to the connected address.
    fn send(&self, data: &[u8]) -> Result<usize, NetError>;
    /// Receives one datagram from the connected address; with `peek`, leaves it queued.
    fn receive(&self, buffer: &mut [u8], peek: bool) -> Result<usize, NetError>;
    /// The local address.
    fn local_address(&self) -> Result<SocketAddr, NetError>;
    /// The connected address ([`NetError::NotConnected`] if none).
    fn peer_address(&self) -> Result<SocketAddr, NetError>;
    /// Switches between blocking and non-blocking transfers.
    fn set_nonblocking(&self, nonblocking: bool) -> Result<(), NetError>;
    /// Whether an operation of `interest` would not block now; never blocks, consumes
    /// nothing.
    fn poll_ready(&self, interest: Interest) -> Result<bool, NetError> {
        let _ = interest;
        Ok(true)
    }
    /// Sets an option.
    fn set_option(&self, option: SocketOption) -> Result<(), NetError> {
        let _ = option;
        Err(NetError::Unsupported)
    }
    /// Reads an option.
    fn option(&self, name: SocketOptionName) -> Result<SocketOption, NetError> {
        let _ = name;
        Err(NetError::Unsupported)
    }
}
