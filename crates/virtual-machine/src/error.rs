//! What can go wrong when building a VM or running an app, and how to classify it.

use alloc::string::String;
#[cfg(feature = "std")]
use core::time::Duration;

use vm_core::{
    CallError, DefineError, FunctionType, InstantiationError, LimitsError, LoadError,
    LoadErrorKind, RuntimeError, Trap,
};

/// A VM could not be built, or a module could not be loaded, instantiated or run.
///
/// Each message includes the message of the vm-core error it wraps (so one line says it all,
/// e.g. on a command line); the wrapped error is therefore not repeated as a
/// [`source`](core::error::Error::source), but stays available by matching the variant.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The process-wide runtime could not be started.
    #[error("cannot start the runtime: {0}")]
    Runtime(RuntimeError),
    /// A limit given to the builder is out of range.
    #[error("invalid limits: {0}")]
    Limits(LimitsError),
    /// A host function could not be defined.
    #[error("cannot define host functions: {0}")]
    Define(DefineError),
    /// The module could not be loaded (malformed, invalid, unsupported feature, ...).
    #[error("cannot load the module ({}): {}", load_kind(.0.kind), .0.message)]
    Load(LoadError),
    /// The module could not be instantiated (e.g. an import the VM does not provide).
    #[error("cannot instantiate the module: {0}")]
    Instantiation(InstantiationError),
    /// A call into the guest failed: a trap, a host panic, bad arguments, a missing export.
    #[error("{0}")]
    Call(CallError),
    /// The module has no exported function with the entry point's name.
    #[error("the module exports no function named {name:?}")]
    EntryNotFound {
        /// The entry point asked for.
        name: String,
    },
    /// The entry point takes parameters; an app's entry point must take none.
    #[error("entry point {name:?} must take no parameters, but has type {ty}")]
    EntrySignature {
        /// The entry point.
        name: String,
        /// Its actual type.
        ty: FunctionType,
    },
    /// The run did not finish within [`RunOptions::timeout`](crate::RunOptions::timeout) and
    /// was stopped.
    #[cfg(feature = "std")]
    #[error("timed out after {after:?}")]
    Timeout {
        /// The timeout that expired.
        after: Duration,
    },
    /// The watchdog thread that enforces a timeout could not be started.
    #[cfg(feature = "std")]
    #[error("cannot start the timeout watchdog thread: {0}")]
    Watchdog(std::io::Error),
}

/// The broad category of an [`Error`], e.g. to choose a process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureClass {
    /// The module could not be loaded or instantiated (malformed module, missing import,
    /// initial memory above the limit, ...): the app itself is unusable.
    Load,
    /// The guest trapped, or a host function it called trapped or panicked.
    Trap,
    /// The guest used up its instruction budget.
    BudgetExhausted,
    /// The run took longer than its timeout (only produced with the `std` feature).
    Timeout,
    /// The guest asked to exit (a host exit request) from a call that was expected to return
    /// values, such as [`VirtualMachine::invoke`](crate::VirtualMachine::invoke); see
    /// [`Error::exit_code`]. `run` reports exits as an `ExitStatus` instead.
    Exited,
    /// A failure on the host's side: the runtime, host-function definitions, limits, a missing
    /// export, wrong arguments, an instance already unusable.
    Host,
}

impl Error {
    /// The category of this error.
    pub fn class(&self) -> FailureClass {
        match self {
            Self::Load(_) | Self::Instantiation(_) => FailureClass::Load,
            Self::Call(error) => match error {
                CallError::Trap(Trap::BudgetExhausted) => FailureClass::BudgetExhausted,
                CallError::Trap(_) | CallError::HostPanicked { .. } => FailureClass::Trap,
                CallError::Exited { .. } => FailureClass::Exited,
                CallError::ExportNotFound { .. }
                | CallError::UnsupportedType { .. }
                | CallError::ArgumentCount { .. }
                | CallError::ArgumentType { .. }
                | CallError::InstanceUnusable => FailureClass::Host,
            },
            #[cfg(feature = "std")]
            Self::Timeout { .. } => FailureClass::Timeout,
            #[cfg(feature = "std")]
            Self::Watchdog(_) => FailureClass::Host,
            Self::Runtime(_)
            | Self::Limits(_)
            | Self::Define(_)
            | Self::EntryNotFound { .. }
            | Self::EntrySignature { .. } => FailureClass::Host,
        }
    }

    /// The trap behind this error, if the guest trapped.
    pub fn trap(&self) -> Option<&Trap> {
        match self {
            Self::Call(error) => error.trap(),
            _ => None,
        }
    }

    /// The guest's exit code, if this error is a host exit request from a call that was
    /// expected to return.
    pub fn exit_code(&self) -> Option<u32> {
        match self {
            Self::Call(CallError::Exited { code }) => Some(*code),
            _ => None,
        }
    }
}

/// A short description of a load failure kind, for messages.
fn load_kind(kind: LoadErrorKind) -> &'static str {
    match kind {
        LoadErrorKind::BadMagic => "not a WebAssembly binary",
        LoadErrorKind::BadVersion => "unsupported binary version",
        LoadErrorKind::Malformed => "malformed",
        LoadErrorKind::Invalid => "invalid",
        LoadErrorKind::Unsupported => "unsupported feature",
        LoadErrorKind::OutOfMemory => "out of memory",
        LoadErrorKind::TooLarge => "too large",
        LoadErrorKind::AotRefused => "AOT module refused",
    }
}

// Conversions for `?`, written by hand because the variants deliberately carry no `#[source]`
// (see the type's documentation).
macro_rules! from_error {
    ($($error:ty => $variant:ident),* $(,)?) => {$(
        impl From<$error> for Error {
            fn from(error: $error) -> Self {
                Self::$variant(error)
            }
        }
    )*};
}

from_error! {
    RuntimeError => Runtime,
    LimitsError => Limits,
    DefineError => Define,
    LoadError => Load,
    InstantiationError => Instantiation,
    CallError => Call,
}

#[cfg(test)]
mod tests {
    use alloc::string::ToString;

    use super::*;

    #[test]
    fn classes_follow_the_failure() {
        let budget = Error::Call(CallError::Trap(Trap::BudgetExhausted));
        assert_eq!(budget.class(), FailureClass::BudgetExhausted);
        let trap = Error::Call(CallError::Trap(Trap::Unreachable));
        assert_eq!(trap.class(), FailureClass::Trap);
        assert_eq!(
            trap.trap().map(Trap::kind),
            Some(vm_core::TrapKind::Unreachable)
        );
        let missing = Error::Instantiation(InstantiationError::MissingImport {
            module: "env".into(),
            name: "f".into(),
        });
        assert_eq!(missing.class(), FailureClass::Load);
        let exported = Error::Call(CallError::ExportNotFound { name: "f".into() });
        assert_eq!(exported.class(), FailureClass::Host);
        let exited = Error::Call(CallError::Exited { code: 7 });
        assert_eq!(exited.class(), FailureClass::Exited);
        assert_eq!(exited.exit_code(), Some(7));
    }

    #[test]
    fn messages_name_the_cause() {
        let load = Error::Load(LoadError {
            kind: LoadErrorKind::BadMagic,
            message: "magic header not detected".into(),
        });
        assert_eq!(
            load.to_string(),
            "cannot load the module (not a WebAssembly binary): magic header not detected"
        );
        let missing = Error::Instantiation(InstantiationError::MissingImport {
            module: "env".into(),
            name: "f".into(),
        });
        assert_eq!(
            missing.to_string(),
            "cannot instantiate the module: unresolved import env.f"
        );
        let trap = Error::Call(CallError::Trap(Trap::Unreachable));
        assert_eq!(trap.to_string(), "trap: unreachable instruction executed");
    }
}
