//! `proc_exit`, `proc_raise`, `sched_yield`.

use vm_core::{DefineError, HostTrap, Linker};

use crate::call_without_memory;
use crate::errno::{Errno, WasiResult};
use crate::types::MODULE;

/// The last `signal` defined by preview1 (`sigsys`); signals are numbered `0..=30`.
const LAST_SIGNAL: u32 = 30;

pub(super) fn define(linker: &mut Linker) -> Result<(), DefineError> {
    // `proc_exit` has no result: it ends the guest's call with `CallError::Exited { code }`.
    // Every `u32` is passed through; wasmtime's CLI rejects codes of 126 and above with a
    // trap, but the spec leaves the meaning of codes to the environment, so mapping a code to
    // a process status is the embedder's business (the CLI's).
    linker.define(
        MODULE,
        "proc_exit",
        |_context, (code,): (u32,)| -> Result<(), HostTrap> { Err(HostTrap::exit(code)) },
    )?;
    linker.define(MODULE, "proc_raise", |context, (signal,): (u32,)| {
        call_without_memory(context, |_wasi| proc_raise(signal))
    })?;
    linker.define(MODULE, "sched_yield", |context, ()| {
        call_without_memory(context, |wasi| {
            wasi.task.yield_now();
            Ok(())
        })
    })?;
    Ok(())
}

/// Signals cannot be delivered to a guest: `ENOTSUP` for every valid signal, as wasmtime
/// returns; `EINVAL` for a number that is not a preview1 signal (wasmtime traps on it as an
/// ABI violation).
fn proc_raise(signal: u32) -> WasiResult {
    if signal > LAST_SIGNAL {
        return Err(Errno::Invalid);
    }
    Err(Errno::NotSupported)
}
