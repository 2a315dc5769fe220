//! The per-instance WASI state: arguments, environment, the descriptor table and the adapters.
//!
//! A [`WasiContext`] is built by the embedder (the facade, the CLI, the kernel) and stored in
//! the instance's `InstanceData`; the WASI host functions find it there.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use vm_host::clock::Clock;
use vm_host::fs::{Directory, File, FileType};
use vm_host::net::{NetError, Network, SocketOption, TcpListener, TcpStream, UdpSocket};
use vm_host::random::Random;
use vm_host::stdio::{InputStream, OutputStream};
use vm_host::task::Task;

use crate::errno::{Errno, WasiResult};
use crate::types::rights;

pub use crate::functions::fd_directory::DirectoryListing;

/// Most descriptors one instance may hold open (like a process's `RLIMIT_NOFILE`).
pub const DEFAULT_MAX_DESCRIPTORS: u32 = 1024;

/// An open file of the guest.
pub struct OpenFile {
    /// The adapter's file.
    pub file: Box<dyn File>,
    /// The current position (the adapter has none: reads and writes take offsets).
    pub position: u64,
    /// `fdflags` (append, nonblock, sync flags).
    pub flags: u16,
    /// Opened for reading.
    pub readable: bool,
    /// Opened for writing.
    pub writable: bool,
}

/// An open directory of the guest.
pub struct OpenDirectory {
    /// The adapter's directory.
    pub directory: Arc<dyn Directory>,
    /// For preopens: the name the guest sees (`fd_prestat_dir_name`).
    pub preopen_name: Option<String>,
    /// `fdflags` (kept for `fd_fdstat_get`).
    pub flags: u16,
    /// What `fd_readdir` keeps of the listing between calls; dropped with the descriptor.
    pub listing: DirectoryListing,
}

impl OpenDirectory {
    /// An open directory with no `fdflags` and no listing kept yet.
    pub fn new(directory: Arc<dyn Directory>, preopen_name: Option<String>) -> Self {
        Self {
            directory,
            preopen_name,
            flags: 0,
            listing: DirectoryListing::default(),
        }
    }
}

/// A socket of the guest: a listener the embedder preopened or the guest opened, a
/// connection, a UDP socket, or a socket `sock_open` created that is not bound, listening or
/// connected yet.
pub enum Socket {
    /// A listening TCP socket.
    Listener(Box<dyn TcpListener>),
    /// A connected TCP stream.
    Stream(Box<dyn TcpStream>),
    /// A bound UDP socket.
    Datagram(Box<dyn UdpSocket>),
    /// A socket from `sock_open` that the adapter has not created yet: the adapter creates
    /// sockets bound, listening or connected (as `std::net` and lwIP's netconn API do), so
    /// the socket only exists once the guest says which.
    Unbound(UnboundSocket),
}

/// The address family of a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressFamily {
    /// IPv4.
    V4,
    /// IPv6.
    V6,
}

/// The type of a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocketKind {
    /// TCP.
    Stream,
    /// UDP.
    Datagram,
}

/// A socket opened with `sock_open` before it is bound, listening or connected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnboundSocket {
    /// Its address family.
    pub family: AddressFamily,
    /// TCP or UDP.
    pub kind: SocketKind,
    /// For TCP: the address `sock_bind` chose; `sock_listen` creates the listener there.
    pub bound: Option<core::net::SocketAddr>,
    /// Options set before the socket exists, applied when it is created (latest last).
    pub options: Vec<SocketOption>,
}

impl Socket {
    /// Switches the socket between blocking and non-blocking operation (a socket that does
    /// not exist yet gets the mode when it is created, from its descriptor's flags).
    pub fn set_nonblocking(&self, nonblocking: bool) -> Result<(), NetError> {
        match self {
            Self::Listener(listener) => listener.set_nonblocking(nonblocking),
            Self::Stream(stream) => stream.set_nonblocking(nonblocking),
            Self::Datagram(socket) => socket.set_nonblocking(nonblocking),
            Self::Unbound(_) => Ok(()),
        }
    }

    /// TCP or UDP.
    pub fn kind(&self) -> SocketKind {
        match self {
            Self::Listener(_) | Self::Stream(_) => SocketKind::Stream,
            Self::Datagram(_) => SocketKind::Datagram,
            Self::Unbound(unbound) => unbound.kind,
        }
    }
}

/// What a descriptor refers to.
pub enum Resource {
    /// Standard input.
    Stdin(Box<dyn InputStream>),
    /// Standard output or error.
    Output(Box<dyn OutputStream>),
    /// A file.
    File(OpenFile),
    /// A directory.
    Directory(OpenDirectory),
    /// A socket, with its `fdflags` (only `nonblock` matters).
    Socket(Socket, u16),
}

impl Resource {
    /// The WASI `filetype` of the resource.
    pub fn file_type(&self) -> FileType {
        match self {
            Self::Stdin(_) | Self::Output(_) => FileType::CharacterDevice,
            Self::File(_) => FileType::RegularFile,
            Self::Directory(_) => FileType::Directory,
            // WASI's socket file types have no `vm_host` counterpart.
            Self::Socket(..) => FileType::Unknown,
        }
    }
}

/// One entry of the descriptor table.
pub struct Descriptor {
    /// What it refers to.
    pub resource: Resource,
    /// Rights of this descriptor.
    pub rights_base: u64,
    /// Rights that descriptors opened through it may get.
    pub rights_inheriting: u64,
}

impl Descriptor {
    /// Fails with `ENOTCAPABLE` unless the descriptor has all of `needed`.
    pub fn require(&self, needed: u64) -> WasiResult {
        if self.rights_base & needed == needed {
            Ok(())
        } else {
            Err(Errno::NotCapable)
        }
    }
}

/// The descriptor table: 0–2 are stdio, preopens follow from 3, and a new descriptor always
/// gets the lowest free number (as POSIX and wasmtime do).
pub struct DescriptorTable {
    slots: Vec<Option<Descriptor>>,
    max: u32,
}

impl DescriptorTable {
    /// An empty table holding at most `max` descriptors.
    pub fn new(max: u32) -> Self {
        Self {
            slots: Vec::new(),
            max,
        }
    }

    /// Inserts at the lowest free number; `EMFILE` when the table is full.
    pub fn insert(&mut self, descriptor: Descriptor) -> WasiResult<u32> {
        if let Some(index) = self.slots.iter().position(Option::is_none) {
            self.slots[index] = Some(descriptor);
            return u32::try_from(index).map_err(|_| Errno::TooManyFiles);
        }
        let index = u32::try_from(self.slots.len()).map_err(|_| Errno::TooManyFiles)?;
        if index >= self.max {
            return Err(Errno::TooManyFiles);
        }
        self.slots.push(Some(descriptor));
        Ok(index)
    }

    /// The descriptor `fd`, or `EBADF`.
    pub fn get(&self, fd: u32) -> WasiResult<&Descriptor> {
        self.slots
            .get(fd as usize)
            .and_then(Option::as_ref)
            .ok_or(Errno::BadFileDescriptor)
    }

    /// The descriptor `fd` mutably, or `EBADF`.
    pub fn get_mut(&mut self, fd: u32) -> WasiResult<&mut Descriptor> {
        self.slots
            .get_mut(fd as usize)
            .and_then(Option::as_mut)
            .ok_or(Errno::BadFileDescriptor)
    }

    /// Removes `fd`, or `EBADF`.
    pub fn remove(&mut self, fd: u32) -> WasiResult<Descriptor> {
        let descriptor = self
            .slots
            .get_mut(fd as usize)
            .and_then(Option::take)
            .ok_or(Errno::BadFileDescriptor)?;
        while matches!(self.slots.last(), Some(None)) {
            self.slots.pop();
        }
        Ok(descriptor)
    }

    /// Moves `from` onto `to`, closing what `to` held (`fd_renumber`); both must be open.
    pub fn renumber(&mut self, from: u32, to: u32) -> WasiResult {
        self.get(from)?;
        self.get(to)?;
        if from == to {
            return Ok(());
        }
        let descriptor = self.remove(from)?;
        // `to` is still open, so its slot exists and removing `from` did not shrink past it.
        match self.slots.get_mut(to as usize) {
            Some(slot) => {
                *slot = Some(descriptor);
                Ok(())
            }
            None => Err(Errno::BadFileDescriptor),
        }
    }

    /// Open descriptors, in number order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &Descriptor)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(index, slot)| Some((index as u32, slot.as_ref()?)))
    }
}

/// The WASI state of one instance.
pub struct WasiContext {
    /// Arguments, `argv[0]` first, each without its NUL.
    pub args: Vec<Vec<u8>>,
    /// Environment entries `KEY=VALUE`, each without its NUL.
    pub env: Vec<Vec<u8>>,
    /// The descriptor table.
    pub descriptors: DescriptorTable,
    /// Time source.
    pub clock: Arc<dyn Clock>,
    /// Randomness source.
    pub random: Arc<dyn Random>,
    /// Scheduling.
    pub task: Arc<dyn Task>,
    /// Whether the standard streams are a terminal: they then report the character-device
    /// file type, otherwise "unknown" (wasmtime's answers, which guests' `isatty` relies on).
    pub stdio_is_terminal: bool,
    /// The network for the socket extension ([`crate::socket_ext`]); without one the guest
    /// cannot open sockets or resolve names (`EACCES`).
    pub network: Option<Arc<dyn Network>>,
}

/// The WASI context could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// An adapter every WASI program needs was not given.
    #[error("the WASI context needs a {0} adapter")]
    MissingAdapter(&'static str),
    /// An argument or environment entry contains a NUL byte, which C strings cannot carry.
    #[error("argument or environment entry contains NUL: {0:?}")]
    ContainsNul(String),
    /// An environment key contains `=` or is empty.
    #[error("invalid environment variable name: {0:?}")]
    InvalidEnvKey(String),
    /// More preopens than the descriptor table holds.
    #[error("too many preopened directories")]
    TooManyPreopens,
}

/// Builds a [`WasiContext`].
#[derive(Default)]
pub struct WasiContextBuilder {
    args: Vec<String>,
    env: Vec<(String, String)>,
    preopens: Vec<(String, Arc<dyn Directory>)>,
    listeners: Vec<Box<dyn TcpListener>>,
    stdin: Option<Box<dyn InputStream>>,
    stdout: Option<Box<dyn OutputStream>>,
    stderr: Option<Box<dyn OutputStream>>,
    clock: Option<Arc<dyn Clock>>,
    random: Option<Arc<dyn Random>>,
    task: Option<Arc<dyn Task>>,
    max_descriptors: Option<u32>,
    stdio_is_terminal: bool,
    network: Option<Arc<dyn Network>>,
}

impl WasiContext {
    /// Starts building a context.
    pub fn builder() -> WasiContextBuilder {
        WasiContextBuilder::default()
    }
}

impl WasiContextBuilder {
    /// Appends one argument (the first one is the program name, `argv[0]`).
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Appends arguments.
    pub fn args<I: IntoIterator<Item = S>, S: Into<String>>(mut self, args: I) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Adds an environment variable; the guest sees only the variables given here.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Preopens `directory` under the guest name `guest_path` (e.g. `/` or `.`); preopens get
    /// descriptors 3, 4, … in the order they are added.
    pub fn preopen_directory(
        mut self,
        guest_path: impl Into<String>,
        directory: Arc<dyn Directory>,
    ) -> Self {
        self.preopens.push((guest_path.into(), directory));
        self
    }

    /// Gives the guest a listening TCP socket (the CLI's `--tcplisten`); listeners get the
    /// descriptors after the preopened directories, in the order they are added.
    pub fn preopen_socket(mut self, listener: Box<dyn TcpListener>) -> Self {
        self.listeners.push(listener);
        self
    }

    /// Standard input (default: empty).
    pub fn stdin(mut self, stream: Box<dyn InputStream>) -> Self {
        self.stdin = Some(stream);
        self
    }

    /// Standard output (default: discarded).
    pub fn stdout(mut self, stream: Box<dyn OutputStream>) -> Self {
        self.stdout = Some(stream);
        self
    }

    /// Standard error (default: discarded).
    pub fn stderr(mut self, stream: Box<dyn OutputStream>) -> Self {
        self.stderr = Some(stream);
        self
    }

    /// Declares the standard streams a terminal (default: not one), see
    /// [`WasiContext::stdio_is_terminal`].
    pub fn stdio_is_terminal(mut self, terminal: bool) -> Self {
        self.stdio_is_terminal = terminal;
        self
    }

    /// The clock adapter (required).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The randomness adapter (required).
    pub fn random(mut self, random: Arc<dyn Random>) -> Self {
        self.random = Some(random);
        self
    }

    /// The task adapter (required).
    pub fn task(mut self, task: Arc<dyn Task>) -> Self {
        self.task = Some(task);
        self
    }

    /// The network the socket extension ([`crate::socket_ext`]) opens sockets and resolves
    /// names through — normally a [`vm_host::net::CapabilityNetwork`], which decides what
    /// the guest may reach. Without one (the default) networking is denied: `sock_open` and
    /// `sock_addr_resolve` return `EACCES`.
    pub fn network(mut self, network: Arc<dyn Network>) -> Self {
        self.network = Some(network);
        self
    }

    /// Most descriptors the guest may hold (default [`DEFAULT_MAX_DESCRIPTORS`]).
    pub fn max_descriptors(mut self, max: u32) -> Self {
        self.max_descriptors = Some(max);
        self
    }

    /// Builds the context.
    pub fn build(self) -> Result<WasiContext, BuildError> {
        let clock = self.clock.ok_or(BuildError::MissingAdapter("clock"))?;
        let random = self.random.ok_or(BuildError::MissingAdapter("random"))?;
        let task = self.task.ok_or(BuildError::MissingAdapter("task"))?;
        let c_string = |text: String| {
            if text.contains('\0') {
                Err(BuildError::ContainsNul(text))
            } else {
                Ok(text.into_bytes())
            }
        };
        let args = self
            .args
            .into_iter()
            .map(c_string)
            .collect::<Result<Vec<_>, _>>()?;
        let env = self
            .env
            .into_iter()
            .map(|(key, value)| {
                if key.is_empty() || key.contains('=') {
                    return Err(BuildError::InvalidEnvKey(key));
                }
                c_string(alloc::format!("{key}={value}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut descriptors =
            DescriptorTable::new(self.max_descriptors.unwrap_or(DEFAULT_MAX_DESCRIPTORS));
        let stdio = [
            (
                Resource::Stdin(self.stdin.unwrap_or_else(|| Box::new(crate::stdio::Empty))),
                rights::STDIN,
            ),
            (
                Resource::Output(
                    self.stdout
                        .unwrap_or_else(|| Box::new(crate::stdio::Discard)),
                ),
                rights::STDOUT,
            ),
            (
                Resource::Output(
                    self.stderr
                        .unwrap_or_else(|| Box::new(crate::stdio::Discard)),
                ),
                rights::STDOUT,
            ),
        ];
        for (resource, rights_base) in stdio {
            descriptors
                .insert(Descriptor {
                    resource,
                    rights_base,
                    rights_inheriting: 0,
                })
                .map_err(|_| BuildError::TooManyPreopens)?;
        }
        for (name, directory) in self.preopens {
            descriptors
                .insert(Descriptor {
                    resource: Resource::Directory(OpenDirectory::new(directory, Some(name))),
                    rights_base: rights::PREOPEN_BASE,
                    rights_inheriting: rights::PREOPEN_INHERITING,
                })
                .map_err(|_| BuildError::TooManyPreopens)?;
        }
        for listener in self.listeners {
            descriptors
                .insert(Descriptor {
                    resource: Resource::Socket(Socket::Listener(listener), 0),
                    rights_base: rights::SOCKET,
                    rights_inheriting: rights::SOCKET,
                })
                .map_err(|_| BuildError::TooManyPreopens)?;
        }
        Ok(WasiContext {
            args,
            env,
            descriptors,
            clock,
            random,
            task,
            stdio_is_terminal: self.stdio_is_terminal,
            network: self.network,
        })
    }
}
