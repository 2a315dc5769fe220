//! Errors of the VM lifecycle, one enum per step.

use alloc::boxed::Box;
use alloc::string::String;

use crate::trap::Trap;
use crate::value::{FunctionType, UnsupportedValueType, ValueType};

/// Starting the process-wide runtime failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuntimeError {
    /// The runtime was already started; it can only be started once per process.
    #[error("the WAMR runtime is already initialised")]
    AlreadyInitialized,
    /// The runtime has not been started yet.
    #[error("the WAMR runtime is not initialised")]
    NotInitialized,
    /// A pool allocator was requested with a size WAMR cannot use.
    #[error("a pool of {size} bytes is too small: the runtime needs at least {min} bytes")]
    InvalidPoolSize {
        /// Requested size.
        size: usize,
        /// Smallest accepted size.
        min: usize,
    },
    /// The memory for the pool could not be allocated.
    #[error("could not allocate a pool of {size} bytes")]
    PoolAllocationFailed {
        /// Requested size.
        size: usize,
    },
    /// `wasm_runtime_full_init` failed (usually: out of memory).
    #[error("WAMR failed to initialise (out of memory?)")]
    InitFailed,
}

/// The category of a module load failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LoadErrorKind {
    /// The bytes do not start with the `\0asm` magic number.
    BadMagic,
    /// The binary format version is not 1.
    BadVersion,
    /// The binary is structurally broken: truncated, bad section ids or sizes, bad LEB128.
    Malformed,
    /// The module is well formed but fails validation (types, indices, stack shapes).
    Invalid,
    /// The module uses a feature this runtime was not built with (e.g. SIMD).
    Unsupported,
    /// The runtime ran out of memory while loading.
    OutOfMemory,
    /// The module is larger than WAMR accepts (4 GiB).
    TooLarge,
    /// An ahead-of-time compiled module this runtime must not run: no stamp, a damaged stamp,
    /// or compile options that do not match the runtime (target, bounds checks, versions, …).
    AotRefused,
}

impl LoadErrorKind {
    /// A short description, e.g. `malformed module`.
    pub fn describe(self) -> &'static str {
        match self {
            Self::BadMagic => "not a WebAssembly module",
            Self::BadVersion => "unsupported WebAssembly version",
            Self::Malformed => "malformed module",
            Self::Invalid => "invalid module",
            Self::Unsupported => "module uses an unsupported feature",
            Self::OutOfMemory => "out of memory while loading",
            Self::TooLarge => "module too large",
            Self::AotRefused => "AOT module refused",
        }
    }
}

/// A module could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", kind.describe())]
pub struct LoadError {
    /// What kind of failure it was.
    pub kind: LoadErrorKind,
    /// WAMR's message, without its generic prefix.
    pub message: String,
}

impl LoadError {
    /// Classifies a WAMR loader message.
    #[cfg_attr(not(feature = "engine"), allow(dead_code))]
    pub(crate) fn from_wamr_message(message: &str) -> Self {
        let message = message
            .strip_prefix("WASM module load failed: ")
            .unwrap_or(message);
        let contains = |needles: &[&str]| needles.iter().any(|needle| message.contains(needle));
        let kind = if contains(&["magic header not detected"]) {
            LoadErrorKind::BadMagic
        } else if contains(&["unknown binary version"]) {
            LoadErrorKind::BadVersion
        } else if contains(&["allocate memory failed"]) {
            LoadErrorKind::OutOfMemory
        } else if contains(&[
            "unsupported",
            "not supported",
            "requires simd",
            "disabled in the runtime",
            "multiple memories",
            "multiple tables",
        ]) {
            LoadErrorKind::Unsupported
        } else if contains(&[
            "unexpected end",
            "section size mismatch",
            "invalid section id",
            "out of order",
            "out-of-order",
            "junk after",
            "unexpected content after",
            "integer representation too long",
            "integer too large",
            "length out of bounds",
            "malformed",
            "zero byte expected",
            "invalid limits flags",
            "invalid type flag",
            "invalid import kind",
            "too many locals",
            "invalid utf-8",
            "invalid UTF-8",
            "function and code section have inconsistent lengths",
            "section too large",
        ]) {
            LoadErrorKind::Malformed
        } else {
            LoadErrorKind::Invalid
        };
        Self {
            kind,
            message: String::from(message),
        }
    }
}

/// An instance could not be created.
#[derive(Debug, thiserror::Error)]
pub enum InstantiationError {
    /// The module imports a function the linker does not provide.
    #[error("unresolved import {module}.{name}")]
    MissingImport {
        /// Import module name.
        module: String,
        /// Import field name.
        name: String,
    },
    /// The linker provides the import, with another signature.
    #[error("import {module}.{name} has type {expected} but the host function has type {found}")]
    ImportTypeMismatch {
        /// Import module name.
        module: String,
        /// Import field name.
        name: String,
        /// The type the module declares.
        expected: Box<FunctionType>,
        /// The type the host function has.
        found: Box<FunctionType>,
    },
    /// The module imports a table, memory or global, which the host cannot provide.
    #[error("import {module}.{name} is a {kind}; only function imports can be provided")]
    UnsupportedImport {
        /// Import module name.
        module: String,
        /// Import field name.
        name: String,
        /// `table`, `memory` or `global`.
        kind: &'static str,
    },
    /// A function import uses a value type the host interface cannot carry.
    #[error("import {module}.{name} uses unsupported value type {value_type}")]
    UnsupportedImportType {
        /// Import module name.
        module: String,
        /// Import field name.
        name: String,
        /// The type.
        value_type: UnsupportedValueType,
    },
    /// The module's initial memory is larger than `Limits::max_memory_pages`.
    #[error("the module needs {initial} pages of memory at start, above the limit of {max}")]
    MemoryLimit {
        /// Initial pages the module declares.
        initial: u64,
        /// The limit.
        max: u32,
    },
    /// A limit is out of range.
    #[error("invalid limit: {0}")]
    InvalidLimits(#[from] LimitsError),
    /// WAMR refused to instantiate (e.g. initial memory above the page limit, a failing start
    /// function, out of memory), with its message.
    #[error("instantiation failed: {0}")]
    Wamr(String),
    /// The module's start function failed (trapped, used up the instruction budget, or asked
    /// to exit).
    #[error("the start function failed: {0}")]
    Start(Box<CallError>),
    /// An instruction budget was set for an ahead-of-time compiled module: only the
    /// interpreter counts instructions (use a stop handle or a timeout instead).
    #[error(
        "an instruction budget ({budget}) applies to interpreted modules only; \
         this module is AOT-compiled: use a timeout"
    )]
    BudgetNotForAot {
        /// The budget that was set.
        budget: u64,
    },
    /// The stop handle given to `Instance::with_stop_handle` already belongs to an instance.
    #[error("the stop handle already belongs to an instance")]
    StopHandleInUse,
    /// The execution environment could not be created (out of memory).
    #[error("could not create the execution environment of {stack_size} bytes")]
    ExecEnvFailed {
        /// Requested stack size.
        stack_size: u32,
    },
}

/// A limit given to an instance is out of range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitsError {
    /// More than 65,536 pages (4 GiB) of linear memory.
    #[error("max memory of {pages} pages exceeds the wasm32 maximum of 65536 pages")]
    TooManyPages {
        /// Requested pages.
        pages: u32,
    },
    /// An instruction budget was given, but WAMR was built without instruction metering
    /// (see [`INSTRUCTION_BUDGET_SUPPORTED`](crate::INSTRUCTION_BUDGET_SUPPORTED)).
    #[error(
        "instruction budget {budget} needs WAMR built with instruction metering \
         (CFLAGS -DWASM_ENABLE_INSTRUCTION_METERING=1); use a timeout to end runaway guests"
    )]
    BudgetUnsupported {
        /// Requested budget.
        budget: u64,
    },
    /// WAMR counts the instruction budget in a C `int`.
    #[error("instruction budget {budget} exceeds the maximum of {max}")]
    BudgetTooLarge {
        /// Requested budget.
        budget: u64,
        /// Largest supported budget.
        max: u64,
    },
    /// Stack smaller than WAMR can run a single frame with.
    #[error("stack size {size} is below the minimum of {min} bytes")]
    StackTooSmall {
        /// Requested size.
        size: u32,
        /// Minimum size.
        min: u32,
    },
}

/// A call into the guest failed.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// No exported function has this name.
    #[error("no exported function named {name:?}")]
    ExportNotFound {
        /// The name asked for.
        name: String,
    },
    /// The export's signature uses a type the host cannot pass.
    #[error("export {name:?} uses unsupported value type {value_type}")]
    UnsupportedType {
        /// Export name.
        name: String,
        /// The type.
        value_type: UnsupportedValueType,
    },
    /// Wrong number of arguments.
    #[error("export {name:?} takes {expected} arguments, {found} given")]
    ArgumentCount {
        /// Export name.
        name: String,
        /// Parameters declared.
        expected: usize,
        /// Arguments given.
        found: usize,
    },
    /// An argument of the wrong type.
    #[error("argument {index} of export {name:?} must be {expected}, not {found}")]
    ArgumentType {
        /// Export name.
        name: String,
        /// Zero-based argument position.
        index: usize,
        /// Declared type.
        expected: ValueType,
        /// Given type.
        found: ValueType,
    },
    /// The guest trapped.
    #[error("trap: {0}")]
    Trap(#[from] Trap),
    /// The guest asked to exit (through a host function such as WASI `proc_exit`).
    /// Not a failure in itself, but the instance cannot be resumed.
    #[error("guest exited with code {code}")]
    Exited {
        /// The guest's exit code.
        code: u32,
    },
    /// An earlier trap, exit or stop left this instance unusable.
    #[error("the instance is unusable after an earlier trap, exit or stop")]
    InstanceUnusable,
    /// A host function panicked (only detectable with the `std` feature); the panic did not
    /// cross into WAMR.
    #[error("host function {module}.{name} panicked")]
    HostPanicked {
        /// Import module.
        module: Box<str>,
        /// Import name.
        name: Box<str>,
    },
}

impl CallError {
    /// The trap behind this error, if it is one.
    pub fn trap(&self) -> Option<&Trap> {
        match self {
            Self::Trap(trap) => Some(trap),
            _ => None,
        }
    }
}

/// A host function could not be defined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DefineError {
    /// The same name is already defined in this linker.
    #[error("{module}.{name} is already defined in this linker")]
    Duplicate {
        /// Import module.
        module: String,
        /// Import name.
        name: String,
    },
    /// Another linker in the process already defined this name with another signature.
    /// WAMR resolves host functions process-wide by name, so one name has one signature.
    #[error("{module}.{name} is already registered with type {existing}, not {requested}")]
    SignatureConflict {
        /// Import module.
        module: String,
        /// Import name.
        name: String,
        /// Type registered first.
        existing: Box<FunctionType>,
        /// Type asked for now.
        requested: Box<FunctionType>,
    },
    /// Names must not contain NUL bytes (they become C strings).
    #[error("host function names must not contain NUL: {module:?}.{name:?}")]
    InvalidName {
        /// Import module.
        module: String,
        /// Import name.
        name: String,
    },
    /// WAMR's native-symbol table could not grow.
    #[error("WAMR could not register {module}.{name}")]
    RegistrationFailed {
        /// Import module.
        module: String,
        /// Import name.
        name: String,
    },
}

impl DefineError {
    /// WAMR (or the engine-less linker) could not number or register `module.name`.
    pub(crate) fn registration_failed(module: &str, name: &str) -> Self {
        Self::RegistrationFailed {
            module: String::from(module),
            name: String::from(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loader_messages_are_classified() {
        let cases = [
            (
                "WASM module load failed: magic header not detected",
                LoadErrorKind::BadMagic,
            ),
            (
                "WASM module load failed: unknown binary version",
                LoadErrorKind::BadVersion,
            ),
            (
                "WASM module load failed: unexpected end",
                LoadErrorKind::Malformed,
            ),
            (
                "WASM module load failed: invalid section id",
                LoadErrorKind::Malformed,
            ),
            (
                "WASM module load failed: type mismatch: expect i32 but got i64",
                LoadErrorKind::Invalid,
            ),
            (
                "WASM module load failed: unknown function",
                LoadErrorKind::Invalid,
            ),
            (
                "WASM module load failed: allocate memory failed",
                LoadErrorKind::OutOfMemory,
            ),
            (
                "WASM module load failed: v128 value type requires simd feature",
                LoadErrorKind::Unsupported,
            ),
        ];
        for (message, kind) in cases {
            let error = LoadError::from_wamr_message(message);
            assert_eq!(error.kind, kind, "{message}");
            assert!(!error.message.starts_with("WASM module load failed"));
        }
    }
}
