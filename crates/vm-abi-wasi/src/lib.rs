//! WASI preview1 (`wasi_snapshot_preview1`) for the Xila virtual machine, written in Rust.
//!
//! Every function is a host function registered through `vm-core`'s [`Linker`](vm_core::Linker) and is a
//! *secure proxy*: guest pointers and lengths go through `vm-sandbox` only, paths are resolved
//! component by component inside their preopen (see [`path`]), and every failure is a WASI
//! [`Errno`] returned to the guest — never a host panic. The operating system is reached
//! through the `vm-host` adapter traits only.
//!
//! Usage: build a [`WasiContext`] (args, env, preopens, stdio, adapters), insert it into the
//! instance's `InstanceData`, and call [`define`] once on the linker.
#![no_std]
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

extern crate alloc;

pub mod context;
pub mod errno;
mod functions;
pub mod path;
pub mod socket_ext;
pub mod stdio;
pub mod types;

pub use context::{BuildError, WasiContext, WasiContextBuilder};
pub use errno::{Errno, WasiResult};
pub use functions::define;

use vm_core::{GuestMemory, HostContext, HostTrap};

/// A WASI function was called on an instance that has no [`WasiContext`] in its data: an
/// embedder error, so it traps rather than returning an errno.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the instance has no WasiContext in its InstanceData")]
pub struct MissingContext;

/// Runs the body of a WASI function with the caller's memory and WASI context, and turns its
/// result into the `errno` the guest receives.
///
/// A module without linear memory cannot pass pointers, so it gets `EFAULT`.
pub(crate) fn call(
    context: &mut HostContext<'_>,
    body: impl FnOnce(&mut GuestMemory<'_>, &mut WasiContext) -> WasiResult,
) -> Result<i32, HostTrap> {
    let (memory, wasi) = context.memory_and_data::<WasiContext>();
    let wasi = wasi.ok_or(HostTrap::error(MissingContext))?;
    let Ok(mut memory) = memory else {
        return Ok(i32::from(Errno::Fault.raw()));
    };
    Ok(errno_code(body(&mut memory, wasi)))
}

/// [`call`] for the functions that take no pointer: the guest's memory is not looked up
/// (that takes several WAMR calls), so they also work for a module without linear memory.
pub(crate) fn call_without_memory(
    context: &mut HostContext<'_>,
    body: impl FnOnce(&mut WasiContext) -> WasiResult,
) -> Result<i32, HostTrap> {
    let wasi = context
        .data::<WasiContext>()
        .ok_or(HostTrap::error(MissingContext))?;
    Ok(errno_code(body(wasi)))
}

/// The `errno` the guest receives for `result`.
fn errno_code(result: WasiResult) -> i32 {
    match result {
        Ok(()) => 0,
        Err(errno) => i32::from(errno.raw()),
    }
}
