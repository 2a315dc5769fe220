//! The virtual machine: load, instantiate, run.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use vm_core::{
    CallError, DefineError, Instance, InstanceData, Limits, Linker, MemoryUsage, Module, Runtime,
    StopHandle, Value,
};

use crate::builder::Builder;
use crate::error::Error;
use crate::options::{ExitStatus, RunOptions};

/// A layer of host functions (see [`Builder::host_function_layer`]).
pub(crate) type Layer = Arc<dyn Fn(&mut Linker) -> Result<(), DefineError> + Send + Sync>;

/// The host functions of a VM.
pub(crate) struct HostFunctions {
    /// The [`Builder::host_functions`] sets, defined when the VM was built.
    pub(crate) defined: Linker,
    /// Defined for each instance, keeping what its module imports.
    pub(crate) layers: Vec<Layer>,
}

impl core::fmt::Debug for HostFunctions {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        formatter
            .debug_struct("HostFunctions")
            .field("defined", &self.defined)
            .field("layers", &self.layers.len())
            .finish()
    }
}

impl HostFunctions {
    /// The linker for instances of `module`: the sets defined at build time (shared, not
    /// copied, when no layer contributes) and the layers' functions that `module` imports.
    fn for_module(&self, module: &Module) -> Result<Linker, Error> {
        let mut linker = self.defined.clone();
        if !self.layers.is_empty() {
            linker
                .define_imports_of(module, |linker| self.define_layers(linker))
                .map_err(Error::Define)?;
        }
        Ok(linker)
    }

    fn define_layers(&self, linker: &mut Linker) -> Result<(), DefineError> {
        self.layers.iter().try_for_each(|layer| layer(linker))
    }
}

/// A configured virtual machine: the runtime, the host functions guests may import and the
/// limits each instance gets.
///
/// Cheap to clone and `Send + Sync`: the kernel can share one VM between tasks, each running
/// its own instances.
#[derive(Debug, Clone)]
pub struct VirtualMachine {
    runtime: &'static Runtime,
    host_functions: Arc<HostFunctions>,
    limits: Limits,
}

impl VirtualMachine {
    /// Starts configuring a VM.
    pub fn builder() -> Builder {
        Builder::new()
    }

    pub(crate) fn new(
        runtime: &'static Runtime,
        host_functions: HostFunctions,
        limits: Limits,
    ) -> Self {
        Self {
            runtime,
            host_functions: Arc::new(host_functions),
            limits,
        }
    }

    /// The limits each instance gets.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Every host function guests may import, the layers' included, defined now: instances
    /// get only the layers' functions their module imports, so no linker holds them all
    /// otherwise. Fails like a build would on a name defined twice.
    pub fn linker(&self) -> Result<Linker, Error> {
        let mut linker = self.host_functions.defined.clone();
        self.host_functions
            .define_layers(&mut linker)
            .map_err(Error::Define)?;
        Ok(linker)
    }

    /// The host functions instances of `module` get: the [`Builder::host_functions`] sets
    /// and, of the [layers](Builder::host_function_layer), the functions `module` imports.
    pub fn linker_for(&self, module: &Module) -> Result<Linker, Error> {
        self.host_functions.for_module(module)
    }

    /// Memory held by the process-wide runtime, shared by every VM of the process (with a pool
    /// allocator, `capacity` is the pool size chosen by the first VM built).
    pub fn runtime_memory_usage(&self) -> MemoryUsage {
        self.runtime.memory_usage()
    }

    /// Loads and validates a module from bytes the VM takes ownership of (e.g. a file read
    /// into RAM).
    pub fn load(&self, bytes: impl Into<Box<[u8]>>) -> Result<Module, Error> {
        Module::from_bytes(self.runtime, bytes).map_err(Error::Load)
    }

    /// Loads a module from a read-only buffer (e.g. an app in flash), which is never written.
    pub fn load_static(&self, bytes: &'static [u8]) -> Result<Module, Error> {
        Module::from_static(self.runtime, bytes).map_err(Error::Load)
    }

    /// Loads an ahead-of-time compiled module from executable flash, where an
    /// execute-in-place (`--xip`) module runs without copying its code to RAM (`docs/aot.md`).
    ///
    /// # Safety
    /// `bytes` must be mapped executable for the rest of the program (see
    /// [`Module::from_executable_static`]).
    pub unsafe fn load_executable_static(&self, bytes: &'static [u8]) -> Result<Module, Error> {
        // SAFETY: forwarded from the caller.
        unsafe { Module::from_executable_static(self.runtime, bytes) }.map_err(Error::Load)
    }

    /// Instantiates `module` with this VM's host functions and limits and the given host-side
    /// data. Every import must be provided, else this fails with
    /// [`InstantiationError::MissingImport`](vm_core::InstantiationError::MissingImport).
    pub fn instantiate(&self, module: &Module, data: InstanceData) -> Result<Instance, Error> {
        let linker = self.linker_for(module)?;
        Instance::new(self.runtime, module, &linker, self.limits, data)
            .map_err(Error::Instantiation)
    }

    /// Instantiates `module` like [`instantiate`](Self::instantiate), with the options'
    /// timeout covering the module's start function (the options' entry point is not called;
    /// later calls honour the timeout again, each on its own).
    pub fn instantiate_with(
        &self,
        module: &Module,
        data: InstanceData,
        options: &RunOptions,
    ) -> Result<Instance, Error> {
        let stop = StopHandle::new();
        let create = || {
            let linker = self.linker_for(module)?;
            Instance::with_stop_handle(self.runtime, module, &linker, self.limits, data, &stop)
                .map_err(Error::Instantiation)
        };
        #[cfg(feature = "std")]
        if let Some(after) = options.timeout_duration() {
            return crate::watchdog::with_deadline(stop.clone(), after, create);
        }
        let _ = options;
        create()
    }

    /// Runs an app: instantiates `module` (with the options' instance data, or empty data),
    /// calls the options' entry point and drops the instance.
    ///
    /// A normal return gives [`ExitStatus::Returned`] (values the entry point returns are
    /// ignored), a host exit request [`ExitStatus::Exited`]; traps, timeouts and every other
    /// failure are errors.
    ///
    /// The options' timeout covers the whole run, the module's start function included.
    pub fn run(&self, module: &Module, options: &RunOptions) -> Result<ExitStatus, Error> {
        self.with_fresh_instance(module, options, |instance, untimed| {
            self.run_instance(instance, untimed)
        })
    }

    /// Runs the options' entry point of an existing instance, as [`run`](Self::run) does.
    ///
    /// The instance stays with the caller, e.g. to read its data (captured output, ...) after
    /// the run. After an exit, trap or timeout the instance is unusable.
    pub fn run_instance(
        &self,
        instance: &mut Instance,
        options: &RunOptions,
    ) -> Result<ExitStatus, Error> {
        let name = options.entry_name();
        let ty = instance.function_type(name).map_err(|error| match error {
            CallError::ExportNotFound { .. } => Error::EntryNotFound {
                name: String::from(name),
            },
            other => Error::Call(other),
        })?;
        if !ty.params().is_empty() {
            return Err(Error::EntrySignature {
                name: String::from(name),
                ty,
            });
        }
        match self.call(instance, name, &[], options) {
            Ok(_) => Ok(ExitStatus::Returned),
            Err(Error::Call(CallError::Exited { code })) => Ok(ExitStatus::Exited(code)),
            Err(error) => Err(error),
        }
    }

    /// Calls the export `name` of a fresh instance of `module` (empty instance data, no
    /// timeout) and returns its results.
    pub fn invoke(&self, module: &Module, name: &str, args: &[Value]) -> Result<Vec<Value>, Error> {
        self.invoke_with(module, name, args, &RunOptions::new())
    }

    /// Like [`invoke`](Self::invoke), with the options' instance data and timeout (the
    /// options' entry point is not used: `name` is called).
    pub fn invoke_with(
        &self,
        module: &Module,
        name: &str,
        args: &[Value],
        options: &RunOptions,
    ) -> Result<Vec<Value>, Error> {
        self.with_fresh_instance(module, options, |instance, untimed| {
            self.call(instance, name, args, untimed)
        })
    }

    /// Instantiates `module` with the options' data and hands the instance to `work`, all
    /// under the options' timeout; `work` gets the options without the timeout, which already
    /// runs.
    fn with_fresh_instance<T>(
        &self,
        module: &Module,
        options: &RunOptions,
        work: impl FnOnce(&mut Instance, &RunOptions) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let untimed = options.clone().without_timeout();
        let stop = StopHandle::new();
        let instantiate_and_work = || {
            let linker = self.linker_for(module)?;
            let mut instance = Instance::with_stop_handle(
                self.runtime,
                module,
                &linker,
                self.limits,
                options.make_data(),
                &stop,
            )
            .map_err(Error::Instantiation)?;
            work(&mut instance, &untimed)
        };
        #[cfg(feature = "std")]
        if let Some(after) = options.timeout_duration() {
            return crate::watchdog::with_deadline(stop.clone(), after, instantiate_and_work);
        }
        instantiate_and_work()
    }

    /// Calls the export `name` of an existing instance, honouring the options' timeout.
    ///
    /// A timeout stops the instance for good. If it expires just as the call returns, the
    /// call's result is kept, but the instance's next call fails with
    /// [`Trap::Terminated`](vm_core::Trap::Terminated).
    ///
    /// A host exit request during the call is [`CallError::Exited`] (class
    /// [`FailureClass::Exited`](crate::FailureClass::Exited)).
    pub fn call(
        &self,
        instance: &mut Instance,
        name: &str,
        args: &[Value],
        options: &RunOptions,
    ) -> Result<Vec<Value>, Error> {
        #[cfg(feature = "std")]
        if let Some(after) = options.timeout_duration() {
            return crate::watchdog::with_deadline(instance.stop_handle(), after, || {
                instance.call(name, args).map_err(Error::Call)
            });
        }
        // Without std there is no timeout to honour.
        let _ = options;
        instance.call(name, args).map_err(Error::Call)
    }
}
