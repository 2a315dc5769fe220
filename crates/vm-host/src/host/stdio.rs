//! The process's standard streams as guest stdio.
//!
//! Writes go straight to the locked standard handle and are flushed before returning, so a
//! guest's stdout and stderr interleave in the order it wrote them (Rust's `stdout` is
//! line-buffered on its own; these streams are not buffered at all on our side).

use std::io::{self, Read, Write};

use crate::stdio::StreamError;

/// Maps a host I/O error to a [`StreamError`].
fn stream_error(error: &io::Error) -> StreamError {
    match error.kind() {
        io::ErrorKind::WouldBlock => StreamError::WouldBlock,
        io::ErrorKind::BrokenPipe
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::NotConnected => StreamError::BrokenPipe,
        _ => StreamError::Io,
    }
}

/// The process's standard input (through Rust's shared, buffered `Stdin`). End of file is
/// `Ok(0)`; an interrupted read is retried.
#[derive(Debug, Clone, Copy, Default)]
pub struct HostStdin;

impl embedded_io::ErrorType for HostStdin {
    type Error = StreamError;
}

impl embedded_io::Read for HostStdin {
    fn read(&mut self, buffer: &mut [u8]) -> Result<usize, StreamError> {
        loop {
            match io::stdin().lock().read(buffer) {
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                result => return result.map_err(|error| stream_error(&error)),
            }
        }
    }
}

/// Writes all of `buffer` to `stream` and flushes it.
fn write_through(stream: &mut impl Write, buffer: &[u8]) -> Result<usize, StreamError> {
    stream
        .write_all(buffer)
        .and_then(|()| stream.flush())
        .map_err(|error| stream_error(&error))?;
    Ok(buffer.len())
}

/// The process's standard output: every write is written whole and flushed.
#[derive(Debug, Clone, Copy, Default)]
pub struct HostStdout;

impl embedded_io::ErrorType for HostStdout {
    type Error = StreamError;
}

impl embedded_io::Write for HostStdout {
    fn write(&mut self, buffer: &[u8]) -> Result<usize, StreamError> {
        write_through(&mut io::stdout().lock(), buffer)
    }

    fn flush(&mut self) -> Result<(), StreamError> {
        io::stdout()
            .lock()
            .flush()
            .map_err(|error| stream_error(&error))
    }
}

/// The process's standard error: every write is written whole (and flushed).
#[derive(Debug, Clone, Copy, Default)]
pub struct HostStderr;

impl embedded_io::ErrorType for HostStderr {
    type Error = StreamError;
}

impl embedded_io::Write for HostStderr {
    fn write(&mut self, buffer: &[u8]) -> Result<usize, StreamError> {
        write_through(&mut io::stderr().lock(), buffer)
    }

    fn flush(&mut self) -> Result<(), StreamError> {
        io::stderr()
            .lock()
            .flush()
            .map_err(|error| stream_error(&error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stdio::{InputStream, OutputStream};

    #[test]
    fn host_streams_are_guest_streams() {
        fn input<T: InputStream>(_: &T) {}
        fn output<T: OutputStream>(_: &T) {}
        input(&HostStdin);
        output(&HostStdout);
        output(&HostStderr);
    }

    #[test]
    fn writing_to_stdout_and_stderr_succeeds() {
        use embedded_io::Write as _;
        assert_eq!(HostStdout.write(b"").unwrap(), 0);
        assert_eq!(HostStderr.write(b"").unwrap(), 0);
        HostStdout.flush().unwrap();
        HostStderr.flush().unwrap();
    }

    #[test]
    fn io_errors_map_to_stream_errors() {
        let error = |kind| stream_error(&io::Error::from(kind));
        assert_eq!(error(io::ErrorKind::WouldBlock), StreamError::WouldBlock);
        assert_eq!(error(io::ErrorKind::BrokenPipe), StreamError::BrokenPipe);
        assert_eq!(error(io::ErrorKind::Other), StreamError::Io);
    }
}
