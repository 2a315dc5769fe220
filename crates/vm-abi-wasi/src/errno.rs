//! WASI `errno` values and the one place adapter and sandbox errors become them.

use vm_host::fs::FsError;
use vm_host::random::RandomError;
use vm_host::stdio::StreamError;
use vm_sandbox::{HandleError, SandboxError};

/// A WASI preview1 error number (`wasi_snapshot_preview1` `errno`), returned to the guest as
/// the result of every function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u16)]
#[allow(missing_docs)] // the names are WASI's; see the witx definition
pub enum Errno {
    Success = 0,
    TooBig = 1,
    Access = 2,
    AddressInUse = 3,
    AddressNotAvailable = 4,
    AddressFamilyNotSupported = 5,
    Again = 6,
    Already = 7,
    BadFileDescriptor = 8,
    BadMessage = 9,
    Busy = 10,
    Canceled = 11,
    Child = 12,
    ConnectionAborted = 13,
    ConnectionRefused = 14,
    ConnectionReset = 15,
    Deadlock = 16,
    DestinationAddressRequired = 17,
    Domain = 18,
    QuotaExceeded = 19,
    Exist = 20,
    Fault = 21,
    FileTooBig = 22,
    HostUnreachable = 23,
    IdentifierRemoved = 24,
    IllegalSequence = 25,
    InProgress = 26,
    Interrupted = 27,
    Invalid = 28,
    Io = 29,
    IsConnected = 30,
    IsDirectory = 31,
    Loop = 32,
    TooManyFiles = 33,
    TooManyLinks = 34,
    MessageSize = 35,
    Multihop = 36,
    NameTooLong = 37,
    NetworkDown = 38,
    NetworkReset = 39,
    NetworkUnreachable = 40,
    TooManyFilesInSystem = 41,
    NoBufferSpace = 42,
    NoDevice = 43,
    NoEntry = 44,
    NoExec = 45,
    NoLock = 46,
    NoLink = 47,
    NoMemory = 48,
    NoMessage = 49,
    NoProtocolOption = 50,
    NoSpace = 51,
    NoSys = 52,
    NotConnected = 53,
    NotDirectory = 54,
    NotEmpty = 55,
    NotRecoverable = 56,
    NotSocket = 57,
    NotSupported = 58,
    NotTty = 59,
    NoDeviceOrAddress = 60,
    Overflow = 61,
    OwnerDead = 62,
    Permission = 63,
    Pipe = 64,
    Protocol = 65,
    ProtocolNotSupported = 66,
    ProtocolType = 67,
    Range = 68,
    ReadOnlyFileSystem = 69,
    InvalidSeek = 70,
    NoSuchProcess = 71,
    Stale = 72,
    TimedOut = 73,
    TextBusy = 74,
    CrossDevice = 75,
    NotCapable = 76,
}

impl Errno {
    /// The number the guest receives.
    pub const fn raw(self) -> u16 {
        self as u16
    }
}

/// The result type of WASI functions: `Ok` becomes `errno::success`.
pub type WasiResult<T = ()> = Result<T, Errno>;

impl From<FsError> for Errno {
    fn from(error: FsError) -> Self {
        match error {
            FsError::NotFound => Self::NoEntry,
            FsError::AlreadyExists => Self::Exist,
            FsError::NotADirectory => Self::NotDirectory,
            FsError::IsADirectory => Self::IsDirectory,
            FsError::DirectoryNotEmpty => Self::NotEmpty,
            FsError::PermissionDenied => Self::Access,
            FsError::NotPermitted => Self::Permission,
            FsError::InvalidInput => Self::Invalid,
            FsError::NameTooLong => Self::NameTooLong,
            FsError::SymlinkLoop => Self::Loop,
            FsError::NoSpace => Self::NoSpace,
            FsError::FileTooLarge => Self::FileTooBig,
            FsError::ReadOnly => Self::ReadOnlyFileSystem,
            FsError::CrossDevice => Self::CrossDevice,
            FsError::Busy => Self::Busy,
            FsError::TooManyLinks => Self::TooManyLinks,
            FsError::WouldBlock => Self::Again,
            FsError::Interrupted => Self::Interrupted,
            FsError::Unsupported => Self::NotSupported,
            FsError::Io => Self::Io,
        }
    }
}

/// Guest pointers and lengths that the sandbox rejects: out of range is `EFAULT`, a
/// misaligned typed pointer `EINVAL`, text that is not UTF-8 `EILSEQ`, and too many iovecs
/// `EINVAL`.
///
/// Current wasmtime traps on out-of-bounds and misaligned pointers instead (the witx docs
/// allow it); we return the errno that wasmtime's earlier `wasi-common` and WAMR's own
/// libc-wasi return, so an embedded app can recover. `docs/wasi-support.md` lists this
/// deviation.
impl From<SandboxError> for Errno {
    fn from(error: SandboxError) -> Self {
        match error {
            SandboxError::OutOfBounds { .. }
            | SandboxError::ArrayTooLarge { .. }
            | SandboxError::PointerOverflow { .. }
            | SandboxError::IndexOutOfBounds { .. } => Self::Fault,
            SandboxError::Misaligned { .. } | SandboxError::TooManyIovecs { .. } => Self::Invalid,
            SandboxError::InvalidUtf8 { .. } => Self::IllegalSequence,
            SandboxError::StringTooLong { .. } => Self::NameTooLong,
            SandboxError::MissingNul { .. } => Self::Invalid,
        }
    }
}

impl From<HandleError> for Errno {
    fn from(_: HandleError) -> Self {
        Self::BadFileDescriptor
    }
}

impl From<StreamError> for Errno {
    fn from(error: StreamError) -> Self {
        match error {
            StreamError::WouldBlock => Self::Again,
            StreamError::BrokenPipe => Self::Pipe,
            StreamError::Io => Self::Io,
        }
    }
}

impl From<RandomError> for Errno {
    fn from(_: RandomError) -> Self {
        Self::Io
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_match_the_witx_definition() {
        assert_eq!(Errno::Success.raw(), 0);
        assert_eq!(Errno::BadFileDescriptor.raw(), 8);
        assert_eq!(Errno::Fault.raw(), 21);
        assert_eq!(Errno::Invalid.raw(), 28);
        assert_eq!(Errno::NoEntry.raw(), 44);
        assert_eq!(Errno::NotSupported.raw(), 58);
        assert_eq!(Errno::Permission.raw(), 63);
        assert_eq!(Errno::InvalidSeek.raw(), 70);
        assert_eq!(Errno::NotCapable.raw(), 76);
    }

    #[test]
    fn sandbox_errors_map_like_wasmtime() {
        let out_of_bounds = SandboxError::OutOfBounds {
            offset: 1,
            length: 2,
            memory_size: 0,
        };
        assert_eq!(Errno::from(out_of_bounds), Errno::Fault);
        let misaligned = SandboxError::Misaligned {
            offset: 1,
            alignment: 4,
        };
        assert_eq!(Errno::from(misaligned), Errno::Invalid);
    }
}
