//! The guest SDK of the Xila virtual machine: what an app built for `wasm32-wasip1` uses to
//! reach the display and the network.
//!
//! - [`graphics`]: [`Display`] information, [`Canvas`] surfaces implementing embedded-graphics'
//!   `DrawTarget<Color = Rgb888>`, text in the host's font, and input events
//!   ([`poll_event`]). Raw ABI: `xila_graphics_v1` (`docs/bindings.md`).
//! - [`net`]: [`TcpStream`], [`TcpListener`], [`UdpSocket`] and [`net::resolve`] over WAMR's
//!   `wasi_socket_ext`, so the same imports serve C apps built with WAMR's `lib-socket`.
//! - [`sys`]: the raw imports, for what the safe API does not cover.
//!
//! The crate is `no_std` + `alloc`; the default `std` feature adds `std::io` traits and
//! `std::error::Error`. It compiles on every target so the host workspace can build and
//! document it, but only on `wasm32` does it reach a host: elsewhere every call fails with
//! [`Error::Unsupported`].
#![no_std]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod error;
pub mod graphics;
pub mod net;
pub mod sys;

pub use error::{Errno, Error, Result};
pub use graphics::{Canvas, Display, DisplayInfo, InputEvent, PixelFormat, poll_event};
pub use net::{Shutdown, TcpListener, TcpStream, UdpSocket};

/// Re-exported so apps use the exact embedded-graphics version `Canvas` implements.
pub use embedded_graphics;
/// Re-exported so apps use the exact embedded-io version the sockets implement.
pub use embedded_io;
