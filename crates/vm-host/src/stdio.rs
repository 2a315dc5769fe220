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

/// An output stream that keeps everything written to it, for tests and for embedding
/// programs that want a guest's output as bytes.
///
/// Clones share the same buffer: hand one clone to the VM and read the other with
/// [`CapturedOutput::contents`].
#[derive(Debug, Clone, Default)]
pub struct CapturedOutput {
    buffer: alloc::sync::Arc<spin::Mutex<alloc::vec::Vec<u8>>>,
}

impl CapturedOutput {
    /// An empty capture.
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of everything written so far.
    pub fn contents(&self) -> alloc::vec::Vec<u8> {
        self.buffer.lock().clone()
    }

    /// Takes everything written so far, leaving the capture empty.
    pub fn take(&self) -> alloc::vec::Vec<u8> {
        core::mem::take(&mut *self.buffer.lock())
    }
}

impl embedded_io::ErrorType for CapturedOutput {
    type Error = StreamError;
}

impl embedded_io::Write for CapturedOutput {
    /// Appends all of `buffer`. Running out of memory is reported as [`StreamError::Io`]
    /// (nothing is written) rather than aborting.
    fn write(&mut self, buffer: &[u8]) -> Result<usize, StreamError> {
        let mut captured = self.buffer.lock();
        captured
            .try_reserve(buffer.len())
            .map_err(|_| StreamError::Io)?;
        captured.extend_from_slice(buffer);
        Ok(buffer.len())
    }

    fn flush(&mut self) -> Result<(), StreamError> {
        Ok(())
    }
}

/// An input stream over bytes given up front; at their end it reports end of file
/// (`Ok(0)`).
#[derive(Debug, Clone, Default)]
pub struct MemoryInput {
    data: alloc::vec::Vec<u8>,
    position: usize,
}

impl MemoryInput {
    /// A stream that yields `data`, then end of file.
    pub fn new(data: impl Into<alloc::vec::Vec<u8>>) -> Self {
        Self {
            data: data.into(),
            position: 0,
        }
    }

    /// How many bytes are left to read.
    pub fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.position)
    }
}

impl embedded_io::ErrorType for MemoryInput {
    type Error = StreamError;
}

impl embedded_io::Read for MemoryInput {
    fn read(&mut self, buffer: &mut [u8]) -> Result<usize, StreamError> {
        let rest = self.data.get(self.position..).unwrap_or_default();
        let count = rest.len().min(buffer.len());
        buffer[..count].copy_from_slice(&rest[..count]);
        self.position += count;
        Ok(count)
    }
}

/// An input stream that is always at end of file (like `/dev/null`).
#[derive(Debug, Clone, Copy, Default)]
pub struct NullInput;

impl embedded_io::ErrorType for NullInput {
    type Error = StreamError;
}

impl embedded_io::Read for NullInput {
    fn read(&mut self, _buffer: &mut [u8]) -> Result<usize, StreamError> {
        Ok(0)
    }
}

/// An output stream that accepts and discards everything (like `/dev/null`).
#[derive(Debug, Clone, Copy, Default)]
pub struct NullOutput;

impl embedded_io::ErrorType for NullOutput {
    type Error = StreamError;
}

impl embedded_io::Write for NullOutput {
    fn write(&mut self, buffer: &[u8]) -> Result<usize, StreamError> {
        Ok(buffer.len())
    }

    fn flush(&mut self) -> Result<(), StreamError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use embedded_io::{Read, Write};

    #[test]
    fn captured_output_is_shared_between_clones() {
        let capture = CapturedOutput::new();
        let mut writer = capture.clone();
        writer.write_all(b"hello ").unwrap();
        writer.write_all(b"world").unwrap();
        writer.flush().unwrap();
        assert_eq!(capture.contents(), b"hello world");
        assert_eq!(capture.take(), b"hello world");
        assert!(capture.contents().is_empty());
    }

    #[test]
    fn memory_input_reads_then_reports_end_of_file() {
        let mut input = MemoryInput::new(&b"abcde"[..]);
        let mut buffer = [0u8; 3];
        assert_eq!(input.read(&mut buffer).unwrap(), 3);
        assert_eq!(&buffer, b"abc");
        assert_eq!(input.remaining(), 2);
        assert_eq!(input.read(&mut buffer).unwrap(), 2);
        assert_eq!(&buffer[..2], b"de");
        assert_eq!(input.read(&mut buffer).unwrap(), 0);
        assert_eq!(input.read(&mut []).unwrap(), 0);
    }

    #[test]
    fn null_streams() {
        assert_eq!(NullInput.read(&mut [0u8; 4]).unwrap(), 0);
        assert_eq!(NullOutput.write(b"xyz").unwrap(), 3);
        NullOutput.flush().unwrap();
    }

    #[test]
    fn stream_types_are_guest_streams() {
        fn input<T: InputStream>(_: &T) {}
        fn output<T: OutputStream>(_: &T) {}
        input(&MemoryInput::default());
        input(&NullInput);
        output(&CapturedOutput::new());
        output(&NullOutput);
    }
}
