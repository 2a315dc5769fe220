//! Custom Xila bindings for the Xila virtual machine: what WASI preview1 lacks, as guest
//! imports.
//!
//! - [`graphics`]: `xila_graphics_v1` — surfaces, drawing, text, blits, present and input
//!   events, over a `vm_host::graphics::Display`.
//!
//! Like the WASI layer, every function is a *secure proxy*: guests hold only opaque,
//! generation-checked handles (`vm_sandbox::HandleTable`), every guest pointer and length goes
//! through `vm_sandbox::GuestMemory`, and every failure is an [`Errno`] returned to the guest,
//! never a host panic. The ABI is specified in `docs/bindings.md`.
//!
//! Networking follows WAMR's `wasi_socket_ext` and, because sockets are WASI descriptors,
//! lives in `vm-abi-wasi`.
#![no_std]
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

extern crate alloc;

pub mod errno;
pub mod graphics;

pub use errno::Errno;
