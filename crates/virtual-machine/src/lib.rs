//! The Xila virtual machine, as the kernel uses it.
//!
//! A [`VirtualMachine`] bundles what every app run needs: the process-wide WAMR runtime, the
//! host functions guests may import (the ABI layers plug in through
//! [`Builder::host_function_layer`], defined per instance for what its module imports, or
//! [`Builder::host_functions`], defined once) and the resource [`Limits`] each instance gets. It loads
//! [`Module`]s, instantiates them and runs them, reporting an [`ExitStatus`] or a typed
//! [`Error`] whose [`FailureClass`] tells load failures, traps, exhausted budgets, timeouts
//! and host-side failures apart.
//!
//! ```
//! use virtual_machine::{Allocator, ExitStatus, HostTrap, RunOptions, VirtualMachine};
//!
//! let vm = VirtualMachine::builder()
//!     .allocator(Allocator::System)
//!     .max_memory_pages(4)
//!     // An ABI layer would pass its own `define(linker)` here.
//!     .host_functions(|linker| {
//!         linker.define("env", "exit", |_context, (code,): (u32,)| -> Result<(), HostTrap> {
//!             Err(HostTrap::exit(code))
//!         })?;
//!         Ok(())
//!     })
//!     .build()?;
//! let app = wat::parse_str(
//!     r#"(module (import "env" "exit" (func $exit (param i32)))
//!         (func (export "_start") (call $exit (i32.const 3))))"#,
//! )?;
//! let module = vm.load(app)?;
//! assert_eq!(vm.run(&module, &RunOptions::new())?, ExitStatus::Exited(3));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The crate is `no_std` + `alloc`. The `std` feature adds [`RunOptions::timeout`], enforced
//! by a watchdog thread, and makes panicking host functions fail the call instead of aborting.
#![no_std]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod builder;
mod error;
mod machine;
mod options;
#[cfg(feature = "std")]
mod watchdog;

pub use builder::Builder;
pub use error::{Error, FailureClass};
pub use machine::VirtualMachine;
pub use options::{DEFAULT_ENTRY, ExitStatus, RunOptions};
/// WASI preview1: the context each instance carries and its builder (see [`Builder::wasi`]).
pub use vm_abi_wasi as wasi;
/// The Xila bindings (graphics) and their per-instance state (see [`Builder::graphics`]).
pub use vm_bindings_xila as bindings;
/// The stamp of ahead-of-time compiled modules (what `xila-aotc` writes, what loading checks).
pub use vm_core::aot_stamp;
/// What this runtime accepts of AOT modules (see `docs/aot.md`).
pub use vm_core::{runtime_requirements, runtime_target, wamr_version};
/// The adapter traits the kernel implements, and the desktop implementations (`std`).
pub use vm_host as host;

// Everything a kernel needs from vm-core, so it depends on this crate only.
pub use vm_core::{
    Allocator, CallError, DefineError, Export, ExternKind, FunctionType, GuestMemory, HostContext,
    HostError, HostTrap, INSTRUCTION_BUDGET_SUPPORTED, Import, Instance, InstanceData,
    InstantiationError, Limits, LimitsError, Linker, LoadError, LoadErrorKind, LogLevel,
    MAX_INSTRUCTION_BUDGET, MAX_PAGES, MIN_POOL_SIZE, MIN_STACK_SIZE, MemoryUsage, Module,
    NoMemory, RuntimeError, StopHandle, Trap, TrapKind, UnsupportedValueType, Value, ValueType,
    WasmParams, WasmResults, WasmType,
};
