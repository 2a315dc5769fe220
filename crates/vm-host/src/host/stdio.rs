//! The process's standard streams as guest stdio.
//!
//! Writes reach the process's file descriptors before returning (on unix straight through
//! `write(2)`, without std's lock and line buffer), so a guest's stdout and stderr interleave
//! in the order it wrote them.

#[cfg(not(unix))]
use std::io::Write;
use std::io::{self, Read};

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

/// Writes guest output straight to the process's file descriptor: one `write(2)` per guest
/// write, no lock and no buffer on our side, so `flush` has nothing to do. Std's own buffered
/// `Stdout` is flushed once before the first direct write, so what the host printed before
/// the guest started comes first.
#[cfg(unix)]
mod direct {
    use std::io::{self, Write};
    use std::sync::Once;

    use rustix::fd::BorrowedFd;

    use super::stream_error;
    use crate::stdio::StreamError;

    static STD_STDOUT_FLUSHED: Once = Once::new();

    /// One `write(2)` of (a prefix of) `buffer` to `fd`, retried when a signal interrupts it.
    pub(super) fn write(fd: BorrowedFd<'_>, buffer: &[u8]) -> Result<usize, StreamError> {
        STD_STDOUT_FLUSHED.call_once(|| {
            // A failure here is std's buffered text lost, not the guest's: nothing to report.
            let _ = io::stdout().flush();
        });
        loop {
            match rustix::io::write(fd, buffer) {
                Err(rustix::io::Errno::INTR) => continue,
                Err(errno) => return Err(stream_error(&io::Error::from(errno))),
                Ok(count) => return Ok(count),
            }
        }
    }
}

/// Writes all of `buffer` to `stream` and flushes it (hosts without `write(2)`).
#[cfg(not(unix))]
fn write_through(stream: &mut impl Write, buffer: &[u8]) -> Result<usize, StreamError> {
    stream
        .write_all(buffer)
        .and_then(|()| stream.flush())
        .map_err(|error| stream_error(&error))?;
    Ok(buffer.len())
}

/// The process's standard output, unbuffered: every write reaches the file descriptor before
/// it returns (on unix one `write(2)`, which may take only part of the buffer, like any
/// `embedded_io::Write`).
#[derive(Debug, Clone, Copy, Default)]
pub struct HostStdout;

impl embedded_io::ErrorType for HostStdout {
    type Error = StreamError;
}

impl embedded_io::Write for HostStdout {
    fn write(&mut self, buffer: &[u8]) -> Result<usize, StreamError> {
        #[cfg(unix)]
        return direct::write(rustix::stdio::stdout(), buffer);
        #[cfg(not(unix))]
        write_through(&mut io::stdout().lock(), buffer)
    }

    fn flush(&mut self) -> Result<(), StreamError> {
        #[cfg(unix)]
        return Ok(());
        #[cfg(not(unix))]
        io::stdout()
            .lock()
            .flush()
            .map_err(|error| stream_error(&error))
    }
}

/// The process's standard error, unbuffered like [`HostStdout`].
#[derive(Debug, Clone, Copy, Default)]
pub struct HostStderr;

impl embedded_io::ErrorType for HostStderr {
    type Error = StreamError;
}

impl embedded_io::Write for HostStderr {
    fn write(&mut self, buffer: &[u8]) -> Result<usize, StreamError> {
        #[cfg(unix)]
        return direct::write(rustix::stdio::stderr(), buffer);
        #[cfg(not(unix))]
        write_through(&mut io::stderr().lock(), buffer)
    }

    fn flush(&mut self) -> Result<(), StreamError> {
        // Std's stderr is not buffered either.
        Ok(())
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

    #[cfg(unix)]
    mod direct_writes {
        use std::io::{PipeReader, PipeWriter, Read as _};
        use std::os::fd::AsFd as _;

        use rustix::fs::{OFlags, fcntl_getfl, fcntl_setfl};

        use super::super::direct;
        use crate::stdio::StreamError;

        fn pipe() -> (PipeReader, PipeWriter) {
            std::io::pipe().expect("a pipe")
        }

        #[test]
        fn bytes_reach_the_descriptor_in_order_without_a_flush() {
            let (mut reader, writer) = pipe();
            assert_eq!(direct::write(writer.as_fd(), b"guest ").unwrap(), 6);
            assert_eq!(direct::write(writer.as_fd(), b"output\n").unwrap(), 7);
            drop(writer);
            let mut received = std::vec::Vec::new();
            reader.read_to_end(&mut received).unwrap();
            assert_eq!(received, b"guest output\n");
        }

        #[test]
        fn a_closed_reader_is_a_broken_pipe() {
            // Rust programs (and the test harness) ignore SIGPIPE, so write(2) fails with EPIPE.
            let (reader, writer) = pipe();
            drop(reader);
            assert_eq!(
                direct::write(writer.as_fd(), b"lost"),
                Err(StreamError::BrokenPipe)
            );
        }

        #[test]
        fn a_full_non_blocking_descriptor_would_block_after_a_partial_write() {
            let (_reader, writer) = pipe();
            let flags = fcntl_getfl(&writer).unwrap();
            fcntl_setfl(&writer, flags | OFlags::NONBLOCK).unwrap();
            let chunk = [0x5a_u8; 64 * 1024];
            let mut outcome = direct::write(writer.as_fd(), &chunk);
            let mut accepted = 0;
            while let Ok(count) = outcome {
                assert!(count > 0 && count <= chunk.len());
                accepted += count;
                outcome = direct::write(writer.as_fd(), &chunk);
            }
            assert!(accepted > 0, "the empty pipe took nothing");
            assert_eq!(outcome, Err(StreamError::WouldBlock));
        }
    }

    #[test]
    fn io_errors_map_to_stream_errors() {
        let error = |kind| stream_error(&io::Error::from(kind));
        assert_eq!(error(io::ErrorKind::WouldBlock), StreamError::WouldBlock);
        assert_eq!(error(io::ErrorKind::BrokenPipe), StreamError::BrokenPipe);
        assert_eq!(error(io::ErrorKind::Other), StreamError::Io);
    }
}
