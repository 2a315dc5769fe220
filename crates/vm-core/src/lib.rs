//! The WAMR lifecycle of the Xila virtual machine.
//!
//! - [`Runtime`]: the one process-wide WAMR runtime and the allocator it draws from.
//! - [`Module`]: a validated module, from owned bytes or a read-only (flash) buffer.
//! - [`Instance`]: a module with its memory, [`Limits`] and host state; typed calls
//!   ([`Value`]), traps as a typed [`Trap`], a [`StopHandle`] for other threads.
//! - [`Linker`]: the host-function interface the ABI layers build on; host functions see guest
//!   memory only through `vm-sandbox`.
//!
//! No WAMR type appears in this crate's public API. The crate is `no_std` + `alloc`; the `std`
//! feature adds per-thread cleanup and turns host-function panics into errors. The `engine`
//! feature (default) is WAMR itself; without it only the host-function interface is built, so
//! the ABI layers can be checked on bare-metal targets.
#![no_std]
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

extern crate alloc;

#[cfg(feature = "engine")]
mod aot;
pub mod aot_stamp;
mod error;
pub mod hooks;
mod host;
#[cfg(feature = "engine")]
mod instance;
#[cfg(feature = "engine")]
mod module;
#[cfg(feature = "engine")]
mod runtime;
mod trap;
mod value;

#[cfg(feature = "engine")]
pub use aot::{runtime_requirements, runtime_target, wamr_version};
pub use error::{
    CallError, DefineError, InstantiationError, LimitsError, LoadError, LoadErrorKind, RuntimeError,
};
pub use host::{
    HostContext, HostTrap, InstanceData, Linker, NoMemory, WasmParams, WasmResults, WasmType,
};
#[cfg(feature = "engine")]
pub use instance::{
    INSTRUCTION_BUDGET_SUPPORTED, Instance, Limits, MAX_INSTRUCTION_BUDGET, MAX_PAGES,
    MIN_STACK_SIZE, StopHandle,
};
#[cfg(feature = "engine")]
pub use module::{Export, ExternKind, Import, Module};
#[cfg(feature = "engine")]
pub use runtime::{Allocator, LogLevel, MIN_POOL_SIZE, MemoryUsage, Runtime, RuntimeConfig};
pub use trap::{HostError, Trap, TrapKind};
pub use value::{FunctionType, UnsupportedValueType, Value, ValueType};
/// The guest-memory view host functions receive.
pub use vm_sandbox::GuestMemory;
