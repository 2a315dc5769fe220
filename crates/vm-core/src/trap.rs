//! Traps: why a guest stopped abnormally.

use alloc::boxed::Box;
use alloc::string::String;
use core::fmt;

/// The error a host function reported when it trapped the guest.
///
/// It keeps the ABI layer's own typed error, so the embedder can downcast it
/// (`error.downcast_ref::<MyError>()`) instead of parsing a message.
pub type HostError = Box<dyn core::error::Error + Send + Sync + 'static>;

/// Why a guest call ended with a trap.
///
/// Classified from WAMR's exception; anything this crate does not recognise is kept verbatim
/// in [`Trap::Other`].
#[derive(Debug, thiserror::Error)]
pub enum Trap {
    /// The guest executed `unreachable`.
    #[error("unreachable instruction executed")]
    Unreachable,
    /// A load, store or bulk-memory operation touched memory outside the linear memory.
    #[error("out-of-bounds memory access")]
    OutOfBoundsMemory,
    /// Integer division or remainder by zero.
    #[error("integer divide by zero")]
    IntegerDivideByZero,
    /// Integer overflow (e.g. `i32.div_s` of `INT_MIN` by -1).
    #[error("integer overflow")]
    IntegerOverflow,
    /// A float-to-integer truncation of NaN or of a value out of range.
    #[error("invalid conversion to integer")]
    InvalidConversion,
    /// The wasm operand stack (its size is `Limits::stack_size`), the guest's own stack or
    /// the native stack was exhausted, typically by deep recursion.
    #[error("stack overflow")]
    StackOverflow,
    /// `call_indirect` found a function of another type.
    #[error("indirect call type mismatch")]
    IndirectCallTypeMismatch,
    /// `call_indirect` or a table instruction used an index outside the table, or an empty slot.
    #[error("undefined or out-of-bounds table element")]
    UndefinedElement,
    /// The call used up its instruction budget (`Limits::instruction_budget`).
    #[error("instruction budget exhausted")]
    BudgetExhausted,
    /// A [`StopHandle`](crate::StopHandle) stopped the guest.
    #[error("terminated by the host")]
    Terminated,
    /// A host function trapped with this error.
    #[error("host function {module}.{name} trapped: {error}")]
    Host {
        /// Import module of the host function.
        module: Box<str>,
        /// Import name of the host function.
        name: Box<str>,
        /// The host function's error.
        #[source]
        error: HostError,
    },
    /// Any other exception WAMR raised, with its message.
    #[error("{0}")]
    Other(String),
}

impl Trap {
    /// Classifies a WAMR exception message (with or without its `Exception: ` prefix).
    #[cfg_attr(not(feature = "engine"), allow(dead_code))]
    pub(crate) fn from_wamr_message(message: &str) -> Self {
        let message = message.strip_prefix("Exception: ").unwrap_or(message);
        match message {
            "unreachable" => Self::Unreachable,
            "out of bounds memory access" => Self::OutOfBoundsMemory,
            "integer divide by zero" => Self::IntegerDivideByZero,
            "integer overflow" => Self::IntegerOverflow,
            "invalid conversion to integer" => Self::InvalidConversion,
            "wasm operand stack overflow"
            | "native stack overflow"
            | "wasm auxiliary stack overflow" => Self::StackOverflow,
            "indirect call type mismatch" => Self::IndirectCallTypeMismatch,
            "undefined element" | "uninitialized element" | "out of bounds table access" => {
                Self::UndefinedElement
            }
            "instruction limit exceeded" => Self::BudgetExhausted,
            "terminated by user" => Self::Terminated,
            other => Self::Other(String::from(other)),
        }
    }

    /// A short, stable name of the trap kind, for logs and exit messages.
    pub fn kind(&self) -> TrapKind {
        match self {
            Self::Unreachable => TrapKind::Unreachable,
            Self::OutOfBoundsMemory => TrapKind::OutOfBoundsMemory,
            Self::IntegerDivideByZero => TrapKind::IntegerDivideByZero,
            Self::IntegerOverflow => TrapKind::IntegerOverflow,
            Self::InvalidConversion => TrapKind::InvalidConversion,
            Self::StackOverflow => TrapKind::StackOverflow,
            Self::IndirectCallTypeMismatch => TrapKind::IndirectCallTypeMismatch,
            Self::UndefinedElement => TrapKind::UndefinedElement,
            Self::BudgetExhausted => TrapKind::BudgetExhausted,
            Self::Terminated => TrapKind::Terminated,
            Self::Host { .. } => TrapKind::Host,
            Self::Other(_) => TrapKind::Other,
        }
    }
}

/// The kind of a [`Trap`], without its payload (comparable and copyable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // each variant mirrors the `Trap` variant of the same name
pub enum TrapKind {
    Unreachable,
    OutOfBoundsMemory,
    IntegerDivideByZero,
    IntegerOverflow,
    InvalidConversion,
    StackOverflow,
    IndirectCallTypeMismatch,
    UndefinedElement,
    BudgetExhausted,
    Terminated,
    Host,
    Other,
}

impl fmt::Display for TrapKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, formatter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wamr_messages_are_classified() {
        let cases = [
            ("Exception: unreachable", TrapKind::Unreachable),
            (
                "Exception: out of bounds memory access",
                TrapKind::OutOfBoundsMemory,
            ),
            (
                "Exception: integer divide by zero",
                TrapKind::IntegerDivideByZero,
            ),
            ("Exception: integer overflow", TrapKind::IntegerOverflow),
            (
                "Exception: invalid conversion to integer",
                TrapKind::InvalidConversion,
            ),
            (
                "Exception: wasm operand stack overflow",
                TrapKind::StackOverflow,
            ),
            (
                "Exception: indirect call type mismatch",
                TrapKind::IndirectCallTypeMismatch,
            ),
            (
                "Exception: instruction limit exceeded",
                TrapKind::BudgetExhausted,
            ),
            ("Exception: terminated by user", TrapKind::Terminated),
            ("Exception: something new", TrapKind::Other),
        ];
        for (message, kind) in cases {
            assert_eq!(Trap::from_wamr_message(message).kind(), kind, "{message}");
        }
    }

    #[test]
    fn unknown_messages_are_kept_verbatim() {
        match Trap::from_wamr_message("Exception: out of bounds table access!") {
            Trap::Other(message) => assert_eq!(message, "out of bounds table access!"),
            other => panic!("unexpected {other:?}"),
        }
    }
}
