//! Configuring and starting a [`VirtualMachine`].

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;

use vm_core::{Allocator, DefineError, Limits, Linker, LogLevel, Runtime, RuntimeConfig};

use crate::error::Error;
use crate::machine::{HostFunctions, Layer, VirtualMachine};

/// A deferred set of host-function definitions: the linker only exists once the runtime has
/// started, in [`Builder::build`].
type Definitions = Box<dyn FnOnce(&mut Linker) -> Result<(), DefineError>>;

/// Configures a [`VirtualMachine`]; obtained from [`VirtualMachine::builder`].
///
/// Nothing happens until [`Builder::build`]: the runtime is started and the host functions
/// are defined there, so a builder can be prepared before the runtime exists.
pub struct Builder {
    allocator: Allocator,
    log_level: LogLevel,
    limits: Limits,
    definitions: Vec<Definitions>,
    layers: Vec<Layer>,
}

impl core::fmt::Debug for Builder {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        formatter
            .debug_struct("Builder")
            .field("allocator", &self.allocator)
            .field("log_level", &self.log_level)
            .field("limits", &self.limits)
            .field("host_function_sets", &self.definitions.len())
            .field("host_function_layers", &self.layers.len())
            .finish()
    }
}

impl Default for Builder {
    fn default() -> Self {
        Self {
            allocator: Allocator::System,
            log_level: LogLevel::default(),
            limits: Limits::default(),
            definitions: Vec::new(),
            layers: Vec::new(),
        }
    }
}

impl Builder {
    /// A builder with the system allocator, WAMR's default (quiet) log level, default
    /// [`Limits`] and no host functions.
    pub fn new() -> Self {
        Self::default()
    }

    /// Where the runtime takes all VM memory from (default: [`Allocator::System`]).
    ///
    /// The runtime is process-wide and started by the first VM built in the process: only
    /// that VM's allocator (and log level) takes effect; later ones share its runtime.
    pub fn allocator(mut self, allocator: Allocator) -> Self {
        self.allocator = allocator;
        self
    }

    /// How much WAMR prints on its own (process-wide, like the allocator: the first VM built
    /// decides).
    pub fn log_level(mut self, log_level: LogLevel) -> Self {
        self.log_level = log_level;
        self
    }

    /// The limits every instance of this VM gets, replacing all earlier limit settings.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Caps each instance's linear memory at `pages` 64 KiB pages: `memory.grow` beyond it
    /// returns -1, and a module that needs more at start fails to instantiate.
    pub fn max_memory_pages(mut self, pages: u32) -> Self {
        self.limits.max_memory_pages = Some(pages);
        self
    }

    /// Size in bytes of each instance's wasm operand/frame stack.
    pub fn stack_size(mut self, bytes: u32) -> Self {
        self.limits.stack_size = bytes;
        self
    }

    /// Instructions one call may execute before it traps with [`vm_core::Trap::BudgetExhausted`]
    /// (at most [`vm_core::MAX_INSTRUCTION_BUDGET`]).
    ///
    /// Only builds with WAMR's instruction metering can count instructions
    /// ([`vm_core::INSTRUCTION_BUDGET_SUPPORTED`]); elsewhere [`build`](Self::build) fails with
    /// [`LimitsError::BudgetUnsupported`](vm_core::LimitsError::BudgetUnsupported). A timeout
    /// (`RunOptions::timeout`) ends runaway guests in every build.
    pub fn instruction_budget(mut self, instructions: u64) -> Self {
        self.limits.instruction_budget = Some(instructions);
        self
    }

    /// Adds host functions guests may import, defined once when the VM is built.
    ///
    /// May be called several times; the definitions run in order when the VM is built, on one
    /// linker, so two sets defining the same name fail the build with
    /// [`DefineError::Duplicate`]. For a large set of which each app imports a few functions,
    /// [`host_function_layer`](Self::host_function_layer) starts apps faster.
    pub fn host_functions(
        mut self,
        define: impl FnOnce(&mut Linker) -> Result<(), DefineError> + 'static,
    ) -> Self {
        self.definitions.push(Box::new(define));
        self
    }

    /// Adds a layer of host functions (e.g. an ABI layer's `define(linker)`) that is defined
    /// anew for each instance, keeping only the functions its module imports (see
    /// [`Linker::define_imports_of`]).
    ///
    /// WASI, its socket extension and the graphics bindings are layers: together they define
    /// over a hundred functions, of which a typical app imports a dozen, so defining them per
    /// module is what keeps an app's start-up short. `define` must define the same functions
    /// every time it runs.
    ///
    /// What an app sees does not change: an import no set and no layer defines still fails
    /// instantiation with
    /// [`MissingImport`](vm_core::InstantiationError::MissingImport). What moves is when
    /// definition errors are found: a name a layer defines twice, or that a layer and a
    /// [`host_functions`](Self::host_functions) set both define, fails with
    /// [`Error::Define`] the first time a module importing that name is instantiated (every
    /// name at once: [`VirtualMachine::linker`]), not when the VM is built.
    pub fn host_function_layer(
        mut self,
        define: impl Fn(&mut Linker) -> Result<(), DefineError> + Send + Sync + 'static,
    ) -> Self {
        self.layers.push(Arc::new(define));
        self
    }

    /// Gives guests WASI preview1 (`wasi_snapshot_preview1`), implemented by `vm-abi-wasi`.
    ///
    /// Each instance then needs a [`WasiContext`](crate::wasi::WasiContext) in its
    /// `InstanceData` (see [`RunOptions::wasi`](crate::RunOptions::wasi)); a WASI call on an
    /// instance without one traps.
    pub fn wasi(self) -> Self {
        self.host_function_layer(vm_abi_wasi::define)
    }

    /// Gives guests WAMR's socket extension of WASI (`sock_open`, `sock_connect`, …, see
    /// `docs/bindings.md`); needs [`wasi`](Self::wasi). Each instance's
    /// [`WasiContext`](crate::wasi::WasiContext) decides what the guest may reach through its
    /// network adapter (deny by default).
    pub fn sockets(self) -> Self {
        self.host_function_layer(vm_abi_wasi::socket_ext::define)
    }

    /// Gives guests the Xila graphics bindings (`xila_graphics_v1`). Each instance then needs
    /// a [`GraphicsState`](crate::bindings::graphics::GraphicsState) with its display in its
    /// `InstanceData`; a graphics call without one traps.
    pub fn graphics(self) -> Self {
        self.host_function_layer(vm_bindings_xila::graphics::define)
    }

    /// Starts the process-wide runtime if no VM did yet, checks the limits and defines the
    /// [`host_functions`](Self::host_functions) sets (layers are defined per instance).
    ///
    /// The first VM built in a process chooses the runtime's allocator and log level; later
    /// builds reuse that runtime and ignore their own choice of both (see
    /// [`VirtualMachine::runtime_memory_usage`] to observe the shared budget).
    pub fn build(self) -> Result<VirtualMachine, Error> {
        let Self {
            allocator,
            log_level,
            limits,
            definitions,
            layers,
        } = self;
        // Check the limits before touching the runtime: a configuration error should not
        // start (and pin the allocator of) a process-wide runtime.
        limits.validate().map_err(Error::Limits)?;
        let runtime = Runtime::get_or_initialize(|| RuntimeConfig {
            allocator,
            log_level,
        })
        .map_err(Error::Runtime)?;
        let mut linker = Linker::new(runtime);
        for define in definitions {
            define(&mut linker).map_err(Error::Define)?;
        }
        let host_functions = HostFunctions {
            defined: linker,
            layers,
        };
        Ok(VirtualMachine::new(runtime, host_functions, limits))
    }
}
