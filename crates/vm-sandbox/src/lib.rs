//! The only door between a WebAssembly guest's linear memory and the host.
//!
//! Host functions of the Xila virtual machine (WASI, custom bindings) receive guest
//! addresses and lengths chosen by untrusted code. This crate turns them into host data
//! without ever reading or writing outside the guest's memory:
//!
//! - [`GuestMemory`] wraps the memory as a `&mut [u8]` and validates every access with
//!   overflow-free arithmetic; a bad access is a [`SandboxError`], never undefined behaviour
//!   and never a panic. Guest addresses and lengths are `u32` (wasm32); memory sizes are
//!   `usize`, so the crate is correct on 32-bit hosts.
//! - [`GuestValue`] describes the little-endian guest layout of primitives, [`GuestPtr`]s and
//!   structs declared with [`guest_struct!`] (such as WASI's [`Iovec`]).
//! - [`GuestMemory::iovecs`] validates scatter/gather lists into an [`IovecList`].
//! - [`HandleTable`] maps opaque, generation-checked [`Handle`]s to host objects, so guests
//!   never see host addresses and cannot use a closed or forged handle.
//!
//! The crate is `no_std` (with `alloc`), has no unsafe code and knows nothing of WAMR: the
//! runtime glue makes the `&mut [u8]` from the engine's memory base and size, and everything
//! here can be tested and fuzzed on its own.
//!
//! # Alignment rule
//!
//! Typed accesses — [`GuestMemory::read`], [`GuestMemory::write`], [`GuestMemory::array`]
//! and the iovec array — require the natural alignment of the type (`offset % T::ALIGN ==
//! 0`), otherwise they fail with [`SandboxError::Misaligned`]. This matches wasmtime's
//! `wiggle`, which rejects misaligned pointers for WASI (reported to the guest as `EINVAL`),
//! so guests behave the same on both runtimes, and it catches guest bugs early: the ABI
//! promises aligned pointers, so a misaligned one is almost always a corrupted pointer.
//! The host copy itself never needs alignment, because values are decoded from bytes rather
//! than read through host pointers. Byte ranges and strings have no alignment requirement,
//! and [`GuestMemory::read_unaligned`] / [`GuestMemory::write_unaligned`] exist for ABIs that
//! do not promise alignment. When an access is both out of bounds and misaligned, it is
//! reported as out of bounds.
//!
//! # Capping rule
//!
//! A vectored read or write is limited by [`IovecLimits`]: too many iovecs is an error, but
//! a total length above [`IovecLimits::max_total_bytes`] is *capped* (the iovec crossing the
//! limit is truncated, later ones dropped) rather than rejected. WASI allows short reads and
//! writes and programs retry them, so capping keeps programs working while making sure a
//! guest cannot make the host allocate or copy unbounded amounts in one call.
//!
//! # Example
//!
//! ```
//! use vm_sandbox::{GuestMemory, IovecLimits, Iovec, SandboxError};
//!
//! let mut bytes = vec![0u8; 64];
//! let mut memory = GuestMemory::new(&mut bytes);
//! memory.write_bytes(32, b"hello")?;
//! memory.write(0, &Iovec { buf: 32, buf_len: 5 })?;
//!
//! let list = memory.iovecs(0, 1, IovecLimits::default())?;
//! assert_eq!(memory.gather(&list).next(), Some(&b"hello"[..]));
//!
//! assert_eq!(
//!     memory.read::<u32>(62),
//!     Err(SandboxError::OutOfBounds { offset: 62, length: 4, memory_size: 64 })
//! );
//! assert_eq!(
//!     memory.read::<u32>(2),
//!     Err(SandboxError::Misaligned { offset: 2, alignment: 4 })
//! );
//! # Ok::<(), SandboxError>(())
//! ```

#![no_std]
#![cfg_attr(not(test), warn(clippy::unwrap_used))]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod error;
pub mod handle;
pub mod iovec;
pub mod memory;
pub mod value;

pub use error::{Result, SandboxError};
pub use handle::{Handle, HandleError, HandleTable};
pub use iovec::{GuestRange, IovecLimits, IovecList};
pub use memory::{GuestArray, GuestArrayIter, GuestMemory};
pub use value::{GuestPtr, GuestValue, Iovec};

#[doc(hidden)]
pub use value::__private;
