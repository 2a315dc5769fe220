//! Standard input, output and error of a guest, as `embedded-io` byte streams.
//!
//! A stream that has nothing to give (input) or cannot take more right now (output) returns
//! [`StreamError::WouldBlock`]; the ABI layer decides whether to wait or to report `EAGAIN`.

/// What went wrong on a stdio stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StreamError {
    /// Nothing can be transferred right now.
    #[error("operation would block")]
    WouldBlock,
    /// The other end is gone.
    #[error("broken pipe")]
    BrokenPipe,
    /// Any other failure.
    #[error("input/output error")]
    Io,
}

impl embedded_io::Error for StreamError {
    fn kind(&self) -> embedded_io::ErrorKind {
        match self {
            Self::WouldBlock => embedded_io::ErrorKind::Other,
            Self::BrokenPipe => embedded_io::ErrorKind::BrokenPipe,
            Self::Io => embedded_io::ErrorKind::Other,
        }
    }
}

/// A guest's standard input.
pub trait InputStream: embedded_io::Read<Error = StreamError> + Send {}
impl<T: embedded_io::Read<Error = StreamError> + Send> InputStream for T {}

/// A guest's standard output or error.
pub trait OutputStream: embedded_io::Write<Error = StreamError> + Send {}
impl<T: embedded_io::Write<Error = StreamError> + Send> OutputStream for T {}
