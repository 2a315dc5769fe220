//! The 46 `wasi_snapshot_preview1` functions, grouped by what they touch. Each submodule
//! registers its functions in `define` and keeps the bodies as plain functions taking
//! `(&mut GuestMemory, &mut WasiContext, arguments…) -> WasiResult`.

mod abi;
mod args_env;
mod clock_random;
mod fd;
pub(crate) mod fd_directory;
mod path;
mod poll;
mod proc;
pub(crate) mod sock;

use vm_core::{DefineError, Linker};

/// Registers every `wasi_snapshot_preview1` function in `linker`.
pub fn define(linker: &mut Linker) -> Result<(), DefineError> {
    args_env::define(linker)?;
    clock_random::define(linker)?;
    fd::define(linker)?;
    fd_directory::define(linker)?;
    path::define(linker)?;
    poll::define(linker)?;
    proc::define(linker)?;
    sock::define(linker)?;
    Ok(())
}
