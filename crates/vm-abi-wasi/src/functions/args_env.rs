//! `args_get`, `args_sizes_get`, `environ_get`, `environ_sizes_get`.
//!
//! Arguments and environment entries share one layout: an array of `count` guest pointers
//! (`u32`, 4-byte aligned) and a buffer holding the strings back to back, each followed by a
//! NUL; pointer `i` points at string `i` inside the buffer. The `*_sizes_get` functions report
//! `count` and the buffer size so the guest can allocate both.
//!
//! Both ranges are validated before anything is written, so a call that fails with `EFAULT`
//! (or `EINVAL` for a misaligned pointer array) leaves guest memory untouched. The strings
//! are copied straight from the context into guest memory; nothing is allocated.

use vm_core::{DefineError, Linker};
use vm_sandbox::GuestMemory;

use crate::call;
use crate::errno::{Errno, WasiResult};
use crate::types::MODULE;

pub(super) fn define(linker: &mut Linker) -> Result<(), DefineError> {
    linker.define(
        MODULE,
        "args_get",
        |context, (argv, argv_buf): (u32, u32)| {
            call(context, |memory, wasi| {
                write_strings(memory, &wasi.args, argv, argv_buf)
            })
        },
    )?;
    linker.define(
        MODULE,
        "args_sizes_get",
        |context, (argc_ptr, argv_buf_size_ptr): (u32, u32)| {
            call(context, |memory, wasi| {
                write_sizes(memory, &wasi.args, argc_ptr, argv_buf_size_ptr)
            })
        },
    )?;
    linker.define(
        MODULE,
        "environ_get",
        |context, (environ, environ_buf): (u32, u32)| {
            call(context, |memory, wasi| {
                write_strings(memory, &wasi.env, environ, environ_buf)
            })
        },
    )?;
    linker.define(
        MODULE,
        "environ_sizes_get",
        |context, (count_ptr, buf_size_ptr): (u32, u32)| {
            call(context, |memory, wasi| {
                write_sizes(memory, &wasi.env, count_ptr, buf_size_ptr)
            })
        },
    )?;
    Ok(())
}

/// The number of strings and the size of the buffer holding them with their NULs.
///
/// `EOVERFLOW` if either does not fit the guest's 32-bit `size` (as wasmtime); the embedder
/// would have to pass gigabytes of arguments for that to happen.
fn sizes(strings: &[alloc::vec::Vec<u8>]) -> WasiResult<(u32, u32)> {
    let count = u32::try_from(strings.len()).map_err(|_| Errno::Overflow)?;
    let size = strings
        .iter()
        .try_fold(0u32, |total, string| {
            let length = u32::try_from(string.len()).ok()?;
            total.checked_add(length)?.checked_add(1)
        })
        .ok_or(Errno::Overflow)?;
    Ok((count, size))
}

/// `*_sizes_get`: writes the string count at `count_ptr` and the buffer size at
/// `size_ptr`, both `u32`. Both pointers are checked before either is written; the size is
/// written first, so a guest passing the same pointer twice reads the count, as under
/// wasmtime.
fn write_sizes(
    memory: &mut GuestMemory<'_>,
    strings: &[alloc::vec::Vec<u8>],
    count_ptr: u32,
    size_ptr: u32,
) -> WasiResult {
    let (count, size) = sizes(strings)?;
    // Reading validates bounds and alignment without side effects.
    memory.read::<u32>(count_ptr)?;
    memory.read::<u32>(size_ptr)?;
    memory.write(size_ptr, &size)?;
    memory.write(count_ptr, &count)?;
    Ok(())
}

/// `*_get`: writes the pointer array at `pointers` and the NUL-terminated strings packed
/// into the buffer at `buffer`.
fn write_strings(
    memory: &mut GuestMemory<'_>,
    strings: &[alloc::vec::Vec<u8>],
    pointers: u32,
    buffer: u32,
) -> WasiResult {
    let (count, size) = sizes(strings)?;
    if count == 0 {
        // Nothing to write, so the pointers are not looked at (as in wasmtime): a guest may
        // pass dangling pointers for the empty arrays it allocated.
        return Ok(());
    }
    // Validate both ranges up front: a failing call must not have written anything.
    let array = memory.array::<u32>(pointers, count)?;
    memory.check_range(buffer, size)?;
    let mut address = buffer;
    for (index, string) in (0u32..).zip(strings) {
        array.set(memory, index, &address)?;
        memory.write_bytes(address, string)?;
        // `string.len() + 1` is part of `size`, which was checked to fit in memory after
        // `buffer`, so these additions cannot overflow; checked anyway to stay panic-free.
        let length = u32::try_from(string.len()).map_err(|_| Errno::Overflow)?;
        let nul = address.checked_add(length).ok_or(Errno::Fault)?;
        memory.write_bytes(nul, &[0])?;
        address = nul.checked_add(1).ok_or(Errno::Fault)?;
    }
    Ok(())
}
