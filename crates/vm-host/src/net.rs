//! The network adapter, as far as WASI preview1 needs it: TCP listeners the embedder opens
//! for the guest (`--tcplisten`), the connections accepted on them, and their streams.
//!
//! Connecting, UDP, name resolution and per-address capabilities arrive with the Xila
//! bindings; preview1 itself can only accept, receive, send and shut down.

use alloc::boxed::Box;

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
}

/// A listening TCP socket.
pub trait TcpListener: Send + Sync {
    /// Accepts one connection; blocks unless the listener is non-blocking, in which case an
    /// empty backlog is [`NetError::WouldBlock`].
    fn accept(&self) -> Result<Box<dyn TcpStream>, NetError>;
    /// Switches between blocking and non-blocking accepts.
    fn set_nonblocking(&self, nonblocking: bool) -> Result<(), NetError>;
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
}
