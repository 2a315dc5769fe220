//! Errors of guest memory access.
//!
//! Every variant names the guest-chosen input that was rejected, so a host function can log a
//! precise diagnostic and map the error to the guest-visible code of its ABI. For WASI
//! preview1 the usual mapping is: [`OutOfBounds`](SandboxError::OutOfBounds),
//! [`ArrayTooLarge`](SandboxError::ArrayTooLarge) and
//! [`PointerOverflow`](SandboxError::PointerOverflow) → `EFAULT`;
//! [`Misaligned`](SandboxError::Misaligned), [`TooManyIovecs`](SandboxError::TooManyIovecs),
//! [`MissingNul`](SandboxError::MissingNul) and
//! [`IndexOutOfBounds`](SandboxError::IndexOutOfBounds) → `EINVAL`;
//! [`InvalidUtf8`](SandboxError::InvalidUtf8) → `EILSEQ`;
//! [`StringTooLong`](SandboxError::StringTooLong) → `ENAMETOOLONG` for paths, `EINVAL` otherwise.

/// Why a guest memory access was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SandboxError {
    /// The byte range `offset .. offset + length` is not entirely inside guest memory.
    ///
    /// `length` is a `u64` because the range may come from arithmetic on guest values
    /// (for example the span of a C string search) that does not fit a `u32`.
    #[error(
        "guest access of {length} byte(s) at offset {offset:#x} is outside the {memory_size}-byte linear memory"
    )]
    OutOfBounds {
        /// Guest address of the first byte.
        offset: u32,
        /// Number of bytes the access needed.
        length: u64,
        /// Size of guest memory when the access was checked.
        memory_size: usize,
    },

    /// A typed access was not naturally aligned for its type.
    #[error("guest offset {offset:#x} is not aligned to {alignment} bytes")]
    Misaligned {
        /// Guest address of the value.
        offset: u32,
        /// Alignment the type requires.
        alignment: u32,
    },

    /// A guest string is not valid UTF-8.
    #[error(
        "guest string at offset {offset:#x} is not valid UTF-8 (valid up to byte {valid_up_to})"
    )]
    InvalidUtf8 {
        /// Guest address of the string.
        offset: u32,
        /// Length of the longest valid UTF-8 prefix, in bytes.
        valid_up_to: usize,
    },

    /// A guest string is longer than the caller allows.
    #[error(
        "guest string at offset {offset:#x} is {length} bytes long, more than the limit of {max}"
    )]
    StringTooLong {
        /// Guest address of the string.
        offset: u32,
        /// Length the guest claimed.
        length: u32,
        /// Largest length the caller accepts.
        max: u32,
    },

    /// No NUL terminator was found within the allowed number of bytes of a C string.
    #[error("guest C string at offset {offset:#x} has no NUL terminator within {max} bytes")]
    MissingNul {
        /// Guest address of the string.
        offset: u32,
        /// Number of bytes searched, terminator included.
        max: u32,
    },

    /// A guest passed more iovecs than the host accepts in one call.
    #[error("guest passed {count} iovecs, more than the limit of {max}")]
    TooManyIovecs {
        /// Number of iovecs the guest passed.
        count: u32,
        /// Largest number the host accepts.
        max: u32,
    },

    /// `count * element_size` does not fit the 32-bit guest address space.
    #[error(
        "guest array at offset {offset:#x} of {count} element(s) of {element_size} bytes exceeds the 32-bit address space"
    )]
    ArrayTooLarge {
        /// Guest address of the array.
        offset: u32,
        /// Number of elements the guest claimed.
        count: u32,
        /// Size of one element in guest memory.
        element_size: u32,
    },

    /// Typed pointer arithmetic (`offset + count * element_size`) left the 32-bit address space.
    #[error(
        "guest pointer {offset:#x} advanced by {count} element(s) of {element_size} bytes overflows the 32-bit address space"
    )]
    PointerOverflow {
        /// Guest address the arithmetic started from.
        offset: u32,
        /// Number of elements to advance by.
        count: u32,
        /// Size of one element in guest memory.
        element_size: u32,
    },

    /// An element index is not below the length of a guest array.
    #[error("index {index} is out of bounds for a guest array of {len} element(s)")]
    IndexOutOfBounds {
        /// Index that was asked for.
        index: u32,
        /// Number of elements in the array.
        len: u32,
    },
}

/// Result of a guest memory access.
pub type Result<T> = core::result::Result<T, SandboxError>;
