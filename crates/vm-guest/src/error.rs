//! The SDK's error type: the WASI errno a host function returned, typed.

use core::fmt;

/// A WASI preview1 error number (`wasi_snapshot_preview1` `errno`), as returned by the host.
///
/// The Xila bindings and the socket extension use the same numbering as WASI, so one type
/// serves both. Only the numbers an app is likely to test for have a named constant; any
/// other value is kept as is and printed by number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Errno(pub u16);

impl Errno {
    /// Argument list too long; for `blit`, a buffer over the host's limit.
    pub const TOO_BIG: Self = Self(1);
    /// Permission denied: the embedder did not grant this network capability.
    pub const ACCESS: Self = Self(2);
    /// Address in use.
    pub const ADDRESS_IN_USE: Self = Self(3);
    /// Address not available.
    pub const ADDRESS_NOT_AVAILABLE: Self = Self(4);
    /// Address family not supported.
    pub const ADDRESS_FAMILY_NOT_SUPPORTED: Self = Self(5);
    /// Resource unavailable, try again (non-blocking operation would block).
    pub const AGAIN: Self = Self(6);
    /// Bad descriptor or handle: closed, stale or forged.
    pub const BAD_DESCRIPTOR: Self = Self(8);
    /// Connection aborted.
    pub const CONNECTION_ABORTED: Self = Self(13);
    /// Connection refused.
    pub const CONNECTION_REFUSED: Self = Self(14);
    /// Connection reset.
    pub const CONNECTION_RESET: Self = Self(15);
    /// A guest pointer was out of range.
    pub const FAULT: Self = Self(21);
    /// Host unreachable.
    pub const HOST_UNREACHABLE: Self = Self(23);
    /// Invalid UTF-8 (text drawing).
    pub const ILLEGAL_SEQUENCE: Self = Self(25);
    /// Operation in progress.
    pub const IN_PROGRESS: Self = Self(26);
    /// Interrupted.
    pub const INTERRUPTED: Self = Self(27);
    /// Invalid argument.
    pub const INVALID: Self = Self(28);
    /// I/O error.
    pub const IO: Self = Self(29);
    /// Too many open handles or descriptors for this app.
    pub const TOO_MANY_FILES: Self = Self(33);
    /// Text too long.
    pub const NAME_TOO_LONG: Self = Self(37);
    /// Network unreachable.
    pub const NETWORK_UNREACHABLE: Self = Self(40);
    /// Not enough memory on the host.
    pub const NO_MEMORY: Self = Self(48);
    /// Function not implemented.
    pub const NO_SYS: Self = Self(52);
    /// Socket not connected.
    pub const NOT_CONNECTED: Self = Self(53);
    /// Not supported.
    pub const NOT_SUPPORTED: Self = Self(58);
    /// Broken pipe.
    pub const PIPE: Self = Self(64);
    /// Connection timed out.
    pub const TIMED_OUT: Self = Self(73);
    /// Capability insufficient (WASI's own "not capable").
    pub const NOT_CAPABLE: Self = Self(76);

    /// The raw number, as the host returned it.
    pub const fn raw(self) -> u16 {
        self.0
    }

    /// WASI's short name of the error, or `None` for a number without a constant here.
    pub const fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            1 => "2big",
            2 => "acces",
            3 => "addrinuse",
            4 => "addrnotavail",
            5 => "afnosupport",
            6 => "again",
            8 => "badf",
            13 => "connaborted",
            14 => "connrefused",
            15 => "connreset",
            21 => "fault",
            23 => "hostunreach",
            25 => "ilseq",
            26 => "inprogress",
            27 => "intr",
            28 => "inval",
            29 => "io",
            33 => "mfile",
            37 => "nametoolong",
            40 => "netunreach",
            48 => "nomem",
            52 => "nosys",
            53 => "notconn",
            58 => "notsup",
            64 => "pipe",
            73 => "timedout",
            76 => "notcapable",
            _ => return None,
        })
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "errno {} ({name})", self.0),
            None => write!(f, "errno {}", self.0),
        }
    }
}

/// What can go wrong in an SDK call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The host refused or failed the operation.
    #[error("the host returned {0}")]
    Host(Errno),
    /// The operation does not exist here: this build is not for `wasm32` (the SDK compiles on
    /// other targets only so that host builds and docs work), or the host lacks it (`notsup`).
    #[error("not supported on this target or by this host")]
    Unsupported,
    /// A socket accepted zero bytes of a non-empty write: the connection cannot take more.
    #[error("the socket accepted no bytes")]
    WriteZero,
    /// An argument the SDK checks before calling the host was out of range (e.g. a string with
    /// a NUL byte for name resolution, or a buffer larger than the ABI's 32-bit lengths).
    #[error("invalid argument")]
    InvalidInput,
}

impl Error {
    /// The error for the status `code` a host function returned; `None` for 0 (success).
    pub fn from_code(code: i32) -> Option<Self> {
        match code {
            0 => None,
            58 => Some(Self::Unsupported),
            // Errno values are 16-bit; anything else is not a WASI errno, so call it an I/O error
            // rather than truncating it into a misleading number.
            code => Some(Self::Host(u16::try_from(code).map_or(Errno::IO, Errno))),
        }
    }

    /// The errno behind the error, if the host returned one.
    pub fn errno(&self) -> Option<Errno> {
        match self {
            Self::Host(errno) => Some(*errno),
            Self::Unsupported => Some(Errno::NOT_SUPPORTED),
            Self::WriteZero | Self::InvalidInput => None,
        }
    }

    /// The portable category of the error, shared by [`embedded_io`] and `std::io`.
    pub fn kind(&self) -> embedded_io::ErrorKind {
        use embedded_io::ErrorKind as Kind;
        match self {
            Self::Unsupported => Kind::Unsupported,
            Self::WriteZero => Kind::WriteZero,
            Self::InvalidInput => Kind::InvalidInput,
            Self::Host(errno) => match *errno {
                Errno::ACCESS | Errno::NOT_CAPABLE => Kind::PermissionDenied,
                Errno::ADDRESS_IN_USE => Kind::AddrInUse,
                Errno::ADDRESS_NOT_AVAILABLE => Kind::AddrNotAvailable,
                Errno::CONNECTION_ABORTED => Kind::ConnectionAborted,
                Errno::CONNECTION_REFUSED => Kind::ConnectionRefused,
                Errno::CONNECTION_RESET => Kind::ConnectionReset,
                Errno::NOT_CONNECTED => Kind::NotConnected,
                Errno::PIPE => Kind::BrokenPipe,
                Errno::INVALID | Errno::NAME_TOO_LONG | Errno::TOO_BIG => Kind::InvalidInput,
                Errno::ILLEGAL_SEQUENCE => Kind::InvalidData,
                Errno::TIMED_OUT => Kind::TimedOut,
                Errno::INTERRUPTED => Kind::Interrupted,
                Errno::NO_MEMORY => Kind::OutOfMemory,
                Errno::NO_SYS | Errno::NOT_SUPPORTED => Kind::Unsupported,
                _ => Kind::Other,
            },
        }
    }
}

impl embedded_io::Error for Error {
    fn kind(&self) -> embedded_io::ErrorKind {
        Error::kind(self)
    }
}

#[cfg(feature = "std")]
impl From<Error> for std::io::Error {
    fn from(error: Error) -> Self {
        let kind = match error {
            // `WouldBlock` has no `embedded_io` counterpart, but std callers test for it.
            Error::Host(Errno::AGAIN) => std::io::ErrorKind::WouldBlock,
            other => other.kind().into(),
        };
        std::io::Error::new(kind, error)
    }
}

/// The SDK's result type.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Turns a host status code into a result.
pub(crate) fn check(code: i32) -> Result<()> {
    match Error::from_code(code) {
        None => Ok(()),
        Some(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_become_errors() {
        assert_eq!(check(0), Ok(()));
        assert_eq!(check(58), Err(Error::Unsupported));
        assert_eq!(check(14), Err(Error::Host(Errno::CONNECTION_REFUSED)));
        assert_eq!(check(-1), Err(Error::Host(Errno::IO)));
        assert_eq!(check(70_000), Err(Error::Host(Errno::IO)));
    }

    #[test]
    fn kinds_and_names() {
        use embedded_io::ErrorKind;
        assert_eq!(
            Error::Host(Errno::ACCESS).kind(),
            ErrorKind::PermissionDenied
        );
        assert_eq!(Error::Host(Errno(9999)).kind(), ErrorKind::Other);
        assert_eq!(Errno::BAD_DESCRIPTOR.name(), Some("badf"));
        assert_eq!(Errno(9999).name(), None);
        assert_eq!(
            alloc::format!("{}", Error::Host(Errno::INVALID)),
            "the host returned errno 28 (inval)"
        );
    }

    #[cfg(feature = "std")]
    #[test]
    fn std_errors_keep_their_kind() {
        let error: std::io::Error = Error::Host(Errno::AGAIN).into();
        assert_eq!(error.kind(), std::io::ErrorKind::WouldBlock);
        let error: std::io::Error = Error::Host(Errno::CONNECTION_RESET).into();
        assert_eq!(error.kind(), std::io::ErrorKind::ConnectionReset);
    }
}
