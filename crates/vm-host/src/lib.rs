//! Adapter traits through which the Xila virtual machine reaches the operating system.
//!
//! The kernel implements these traits; this crate also ships implementations for desktop
//! hosts (behind the `std` feature) so the VM runs and is tested without the kernel.
//! Nothing here knows about WAMR: the VM engine sits above these traits.
#![no_std]
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod clock;
pub mod fs;
pub mod memory;
pub mod random;
pub mod stdio;
pub mod task;
