//! Adapters for desktop hosts (the `std` feature).
//!
//! - [`HostDirectory`] / [`HostFile`]: the host file system, reached only through directory
//!   file descriptors and single name components (unix only);
//! - [`SystemClock`]: the host's realtime and monotonic clocks;
//! - [`OsRandom`]: the operating system's secure random source;
//! - [`ThreadTask`]: yielding and sleeping with `std::thread`;
//! - [`HostStdin`], [`HostStdout`], [`HostStderr`]: the process's standard streams;
//! - [`HostNetwork`] (with [`HostTcpListener`], [`HostTcpStream`], [`HostUdpSocket`]): TCP,
//!   UDP and name resolution over `std::net`.

#[cfg(unix)]
mod fs;
mod net;
mod stdio;
mod system;

#[cfg(unix)]
pub use fs::{HostDirectory, HostFile, errno_to_fs_error};
pub use net::{HostNetwork, HostTcpListener, HostTcpStream, HostUdpSocket, io_to_net_error};
pub use stdio::{HostStderr, HostStdin, HostStdout};
pub use system::{OsRandom, SystemClock, ThreadTask};
