//! Adapter traits through which the Xila virtual machine reaches the operating system.
//!
//! The kernel implements these traits; this crate also ships implementations for desktop
//! hosts (behind the `std` feature) so the VM runs and is tested without the kernel.
//! Nothing here knows about WAMR: the VM engine sits above these traits.
//!
//! Implementations shipped here:
//!
//! - always (`no_std` + `alloc`): the in-memory file system [`memfs::MemoryFileSystem`],
//!   [`clock::ManualClock`], and the stdio helpers [`stdio::CapturedOutput`],
//!   [`stdio::MemoryInput`], [`stdio::NullInput`] and [`stdio::NullOutput`];
//! - with the `std` feature, in the `host` module: the host file system (unix only), the system clock,
//!   the OS random source, thread-based task services and the process's stdio.
#![no_std]
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod clock;
pub mod fs;
pub mod graphics;
#[cfg(feature = "std")]
pub mod host;
pub mod memfs;
pub mod memory;
pub mod net;
pub mod random;
pub mod stdio;
pub mod task;
