//! Default standard streams: empty input and discarded output.

use vm_host::stdio::StreamError;

/// Standard input with nothing in it (reads return end of file).
#[derive(Debug, Clone, Copy, Default)]
pub struct Empty;

impl embedded_io::ErrorType for Empty {
    type Error = StreamError;
}

impl embedded_io::Read for Empty {
    fn read(&mut self, _buffer: &mut [u8]) -> Result<usize, StreamError> {
        Ok(0)
    }
}

/// Standard output that drops everything written to it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Discard;

impl embedded_io::ErrorType for Discard {
    type Error = StreamError;
}

impl embedded_io::Write for Discard {
    fn write(&mut self, data: &[u8]) -> Result<usize, StreamError> {
        Ok(data.len())
    }

    fn flush(&mut self) -> Result<(), StreamError> {
        Ok(())
    }
}
