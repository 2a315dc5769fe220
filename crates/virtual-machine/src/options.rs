//! How to run an app, and how it ended.

use alloc::string::String;
use alloc::sync::Arc;
#[cfg(feature = "std")]
use core::time::Duration;

use vm_core::InstanceData;

/// The export [`RunOptions`] call unless told otherwise (the WASI command entry point).
pub const DEFAULT_ENTRY: &str = "_start";

/// Builds the host-side data of each instance a run creates.
type DataFactory = Arc<dyn Fn() -> InstanceData + Send + Sync>;

/// How [`VirtualMachine::run`](crate::VirtualMachine::run) and the `invoke`/`call` methods run
/// guest code. Built with chained setters:
///
/// ```
/// # use virtual_machine::RunOptions;
/// let options = RunOptions::new().entry("main");
/// assert_eq!(options.entry_name(), "main");
/// ```
///
/// Options hold no per-run state, so one value can serve any number of runs.
#[derive(Clone)]
pub struct RunOptions {
    entry: String,
    data: Option<DataFactory>,
    #[cfg(feature = "std")]
    timeout: Option<Duration>,
}

impl core::fmt::Debug for RunOptions {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut debug = formatter.debug_struct("RunOptions");
        debug
            .field("entry", &self.entry)
            .field("data", &self.data.is_some());
        #[cfg(feature = "std")]
        debug.field("timeout", &self.timeout);
        debug.finish()
    }
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            entry: String::from(DEFAULT_ENTRY),
            data: None,
            #[cfg(feature = "std")]
            timeout: None,
        }
    }
}

impl RunOptions {
    /// Runs [`DEFAULT_ENTRY`] with empty instance data and no timeout.
    pub fn new() -> Self {
        Self::default()
    }

    /// The export [`run`](crate::VirtualMachine::run) calls (default [`DEFAULT_ENTRY`]). It
    /// must take no parameters; values it returns are ignored.
    pub fn entry(mut self, name: impl Into<String>) -> Self {
        self.entry = name.into();
        self
    }

    /// Makes the host-side data of each instance the run creates (default: empty), e.g. the
    /// WASI layer's state with the app's arguments and stdio.
    ///
    /// A factory rather than a value because options are reusable and instance data is
    /// consumed by each instance; to pass data that cannot be rebuilt, create the instance
    /// with [`VirtualMachine::instantiate`](crate::VirtualMachine::instantiate) and use
    /// [`VirtualMachine::run_instance`](crate::VirtualMachine::run_instance).
    pub fn instance_data(
        mut self,
        factory: impl Fn() -> InstanceData + Send + Sync + 'static,
    ) -> Self {
        self.data = Some(Arc::new(factory));
        self
    }

    /// Gives each instance the run creates a fresh WASI context from `factory` (arguments,
    /// environment, preopens, stdio, adapters); shorthand for an
    /// [`instance_data`](Self::instance_data) factory that inserts it.
    pub fn wasi(
        self,
        factory: impl Fn() -> vm_abi_wasi::WasiContext + Send + Sync + 'static,
    ) -> Self {
        self.instance_data(move || {
            let mut data = InstanceData::new();
            data.insert(factory());
            data
        })
    }

    /// Stops the guest call if it has not finished after `after`; it then fails with
    /// [`Error::Timeout`](crate::Error::Timeout).
    ///
    /// Enforced by a watchdog thread per call that sleeps on a channel and, when the time is
    /// up, stops the instance through its [`StopHandle`](vm_core::StopHandle). The timeout
    /// covers the call only: instantiation (including a module's start function, which the
    /// instruction budget does cover) is not timed.
    #[cfg(feature = "std")]
    pub fn timeout(mut self, after: Duration) -> Self {
        self.timeout = Some(after);
        self
    }

    /// The entry point's name.
    pub fn entry_name(&self) -> &str {
        &self.entry
    }

    /// The same options with no timeout (for work inside a deadline that already runs).
    pub(crate) fn without_timeout(self) -> Self {
        Self {
            #[cfg(feature = "std")]
            timeout: None,
            ..self
        }
    }

    /// The configured timeout, if any.
    #[cfg(feature = "std")]
    pub fn timeout_duration(&self) -> Option<Duration> {
        self.timeout
    }

    /// Fresh instance data for one instance.
    pub(crate) fn make_data(&self) -> InstanceData {
        self.data
            .as_ref()
            .map_or_else(InstanceData::new, |factory| factory())
    }
}

/// How an app run ended, when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExitStatus {
    /// The entry point returned normally.
    Returned,
    /// The guest asked to exit with this code, through a host function (e.g. WASI
    /// `proc_exit`).
    Exited(u32),
}

impl ExitStatus {
    /// The exit code: 0 for a normal return, else the guest's own code.
    pub fn code(self) -> u32 {
        match self {
            Self::Returned => 0,
            Self::Exited(code) => code,
        }
    }

    /// Whether the app succeeded (returned, or exited with code 0).
    pub fn success(self) -> bool {
        self.code() == 0
    }
}
