//! The error codes the bindings return: WASI preview1 errno numbers.
//!
//! The bindings use the `wasi_snapshot_preview1` numbering so that one `strerror` serves both
//! ABIs (see `docs/bindings.md`). Only the codes the bindings return are listed; this crate
//! does not depend on `vm-abi-wasi`, whose `Errno` has the full list with the same numbers.

use vm_sandbox::{HandleError, SandboxError};

/// A WASI errno returned by a binding function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum Errno {
    /// Argument list too long: a buffer above the per-call limit.
    TooBig = 1,
    /// Bad handle: closed, stale or forged.
    BadHandle = 8,
    /// A pointer outside guest memory.
    Fault = 21,
    /// Illegal byte sequence: text that is not UTF-8.
    IllegalSequence = 25,
    /// Invalid argument (also: a misaligned struct pointer).
    Invalid = 28,
    /// I/O error: the display device failed.
    Io = 29,
    /// Too many open handles of this kind for the app.
    TooManyHandles = 33,
    /// A name or text above its length limit.
    NameTooLong = 37,
    /// The host could not allocate memory.
    NoMemory = 48,
}

impl Errno {
    /// The number the guest sees.
    pub const fn raw(self) -> u16 {
        self as u16
    }
}

impl From<SandboxError> for Errno {
    fn from(error: SandboxError) -> Self {
        match error {
            SandboxError::OutOfBounds { .. }
            | SandboxError::ArrayTooLarge { .. }
            | SandboxError::PointerOverflow { .. } => Self::Fault,
            SandboxError::InvalidUtf8 { .. } => Self::IllegalSequence,
            SandboxError::StringTooLong { .. } => Self::NameTooLong,
            SandboxError::Misaligned { .. }
            | SandboxError::MissingNul { .. }
            | SandboxError::TooManyIovecs { .. }
            | SandboxError::IndexOutOfBounds { .. } => Self::Invalid,
        }
    }
}

impl From<HandleError> for Errno {
    fn from(error: HandleError) -> Self {
        match error {
            HandleError::Invalid { .. } | HandleError::Stale { .. } => Self::BadHandle,
            HandleError::Full { .. } | HandleError::Exhausted => Self::TooManyHandles,
        }
    }
}
