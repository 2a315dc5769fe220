//! `clock_res_get`, `clock_time_get`, `random_get`.
//!
//! Clocks come from the [`Clock`](vm_host::clock::Clock) adapter. Only the realtime and
//! monotonic clocks exist; the process and thread CPU-time clocks fail with `EBADF`, which
//! is what wasmtime returns for them (programs such as Ruby probe all four clocks and
//! handle that error). An id outside the four defined ones is `EINVAL` (wasmtime traps on
//! it as an ABI violation; an errno lets the guest recover and is what the spec's error
//! model suggests).

use vm_core::{DefineError, Linker};
use vm_host::clock::ClockKind;
use vm_sandbox::GuestMemory;

use crate::call;
use crate::context::WasiContext;
use crate::errno::{Errno, WasiResult};
use crate::types::{MODULE, clockid};

/// Largest piece of guest buffer handed to the random adapter in one call: bounds how long
/// one adapter call takes (hardware generators are slow) without changing the result.
const RANDOM_CHUNK: usize = 4096;

pub(super) fn define(linker: &mut Linker) -> Result<(), DefineError> {
    linker.define(
        MODULE,
        "clock_res_get",
        |context, (id, resolution_ptr): (u32, u32)| {
            call(context, |memory, wasi| {
                clock_res_get(memory, wasi, id, resolution_ptr)
            })
        },
    )?;
    linker.define(
        MODULE,
        "clock_time_get",
        |context, (id, _precision, time_ptr): (u32, u64, u32)| {
            // The precision is a hint the spec lets implementations ignore; wasmtime does too.
            call(context, |memory, wasi| {
                clock_time_get(memory, wasi, id, time_ptr)
            })
        },
    )?;
    linker.define(
        MODULE,
        "random_get",
        |context, (buf, buf_len): (u32, u32)| {
            call(context, |memory, wasi| {
                random_get(memory, wasi, buf, buf_len)
            })
        },
    )?;
    Ok(())
}

/// The adapter clock for a WASI `clockid`.
///
/// `EBADF` for the CPU-time clocks (wasmtime's choice), `EINVAL` for unknown ids.
fn clock_kind(id: u32) -> WasiResult<ClockKind> {
    match id {
        clockid::REALTIME => Ok(ClockKind::Realtime),
        clockid::MONOTONIC => Ok(ClockKind::Monotonic),
        clockid::PROCESS_CPUTIME_ID | clockid::THREAD_CPUTIME_ID => Err(Errno::BadFileDescriptor),
        _ => Err(Errno::Invalid),
    }
}

/// Writes the resolution of clock `id` (nanoseconds, at least 1) at `resolution_ptr`.
fn clock_res_get(
    memory: &mut GuestMemory<'_>,
    wasi: &WasiContext,
    id: u32,
    resolution_ptr: u32,
) -> WasiResult {
    let kind = clock_kind(id)?;
    // The spec promises a non-zero resolution; a sloppy adapter must not break guests that
    // divide by it.
    let resolution = wasi.clock.resolution(kind).max(1);
    memory.write(resolution_ptr, &resolution)?;
    Ok(())
}

/// Writes the current time of clock `id` (nanoseconds) at `time_ptr`.
fn clock_time_get(
    memory: &mut GuestMemory<'_>,
    wasi: &WasiContext,
    id: u32,
    time_ptr: u32,
) -> WasiResult {
    let kind = clock_kind(id)?;
    let now = wasi.clock.now(kind);
    memory.write(time_ptr, &now)?;
    Ok(())
}

/// Fills `buf_len` bytes at `buf` with random bytes, straight into guest memory in chunks of
/// [`RANDOM_CHUNK`] bytes (no host buffer of a guest-chosen size). A zero-length request
/// succeeds without looking at `buf`.
fn random_get(
    memory: &mut GuestMemory<'_>,
    wasi: &WasiContext,
    buf: u32,
    buf_len: u32,
) -> WasiResult {
    if buf_len == 0 {
        return Ok(());
    }
    let bytes = memory.bytes_mut(buf, buf_len)?;
    for chunk in bytes.chunks_mut(RANDOM_CHUNK) {
        wasi.random.fill(chunk)?;
    }
    Ok(())
}
