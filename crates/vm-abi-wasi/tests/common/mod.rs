//! Helpers shared by the WASI integration tests.
//!
//! The idea: a test builds a [`Guest`] whose module imports the WASI functions it names and
//! re-exports each one under the same name with the same signature, so the test calls the
//! raw ABI straight from Rust with the arguments it chooses ([`Guest::call`] returns the
//! errno) and reads results back from guest memory. A [`Root`] is a directory on either
//! backend ([`Backend::Memory`]: `vm_host::memfs`, [`Backend::Host`]: a temporary directory
//! through `vm_host::host::HostDirectory`) that a test preopens and inspects; files can also
//! be put straight into the descriptor table ([`Guest::open_file`]) so descriptor tests do not
//! depend on `path_open`.
//!
//! ```ignore
//! for backend in BACKENDS {
//!     let root = Root::new(backend);
//!     root.write("a.txt", b"hello");
//!     let mut guest = Guest::builder().imports(&["fd_read"]).preopen("/", &root).build();
//!     let fd = guest.open_file(&root, "a.txt", FileSpec::read());
//!     guest.write_iovecs(0, &[(64, 5)]);
//!     assert_eq!(guest.call("fd_read", &[v32(fd), v32(0), v32(1), v32(16)]), 0);
//!     assert_eq!(guest.read_memory(64, 5), b"hello");
//! }
//! ```
//!
//! Other test files may copy what they need from here (only the `fd` group edits this file).
#![allow(dead_code)] // each test binary uses a different subset

pub mod recording;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use vm_abi_wasi::context::{Descriptor, OpenDirectory, OpenFile, Resource};
use vm_abi_wasi::types::rights;
use vm_abi_wasi::{Errno, WasiContext};
use vm_core::{
    CallError, Instance, InstanceData, Limits, Linker, Module, Runtime, RuntimeConfig, Value,
};
use vm_host::clock::{Clock, ManualClock};
use vm_host::fs::{Directory, File, Metadata, OpenOptions};
use vm_host::host::{HostDirectory, OsRandom, SystemClock, ThreadTask};
use vm_host::memfs::MemoryFileSystem;
use vm_host::stdio::{CapturedOutput, InputStream, MemoryInput, OutputStream};
use vm_host::task::Task;
use vm_sandbox::{GuestValue, Iovec};

/// The process-wide runtime (system allocator; each test binary is its own process).
pub fn runtime() -> &'static Runtime {
    Runtime::get_or_initialize(RuntimeConfig::default).expect("runtime starts")
}

/// A linker with every WASI function `vm_abi_wasi::define` registers (built once).
pub fn linker() -> Linker {
    static LINKER: OnceLock<Linker> = OnceLock::new();
    LINKER
        .get_or_init(|| {
            let mut linker = Linker::new(runtime());
            vm_abi_wasi::define(&mut linker).expect("WASI functions register");
            linker
        })
        .clone()
}

/// The errno number of `errno`, as a guest sees it.
pub fn errno(errno: Errno) -> i32 {
    i32::from(errno.raw())
}

/// An `i32` argument from an unsigned value (pointers, lengths, fds, flags).
pub fn v32(value: u32) -> Value {
    Value::I32(value as i32)
}

/// An `i64` argument from an unsigned value (sizes, offsets, rights, timestamps).
pub fn v64(value: u64) -> Value {
    Value::I64(value as i64)
}

/// An `i64` argument from a signed value (`filedelta`).
pub fn s64(value: i64) -> Value {
    Value::I64(value)
}

/// Parameter types and whether a result exists, for each `wasi_snapshot_preview1` function.
pub fn signature(name: &str) -> (&'static [&'static str], bool) {
    const I: &str = "i32";
    const L: &str = "i64";
    let params: &'static [&'static str] = match name {
        "args_get" | "args_sizes_get" | "environ_get" | "environ_sizes_get" => &[I, I],
        "clock_res_get" => &[I, I],
        "clock_time_get" => &[I, L, I],
        "fd_advise" => &[I, L, L, I],
        "fd_allocate" => &[I, L, L],
        "fd_close" | "fd_datasync" | "fd_sync" => &[I],
        "fd_fdstat_get" | "fd_fdstat_set_flags" | "fd_filestat_get" | "fd_prestat_get" => &[I, I],
        "fd_tell" | "fd_renumber" => &[I, I],
        "fd_fdstat_set_rights" => &[I, L, L],
        "fd_filestat_set_size" => &[I, L],
        "fd_filestat_set_times" => &[I, L, L, I],
        "fd_pread" | "fd_pwrite" | "fd_readdir" => &[I, I, I, L, I],
        "fd_prestat_dir_name" => &[I, I, I],
        "fd_read" | "fd_write" => &[I, I, I, I],
        "fd_seek" => &[I, L, I, I],
        "path_create_directory" | "path_remove_directory" | "path_unlink_file" => &[I, I, I],
        "path_filestat_get" => &[I, I, I, I, I],
        "path_filestat_set_times" => &[I, I, I, I, L, L, I],
        "path_link" => &[I, I, I, I, I, I, I],
        "path_open" => &[I, I, I, I, I, L, L, I, I],
        "path_readlink" => &[I, I, I, I, I, I],
        "path_rename" => &[I, I, I, I, I, I],
        "path_symlink" => &[I, I, I, I, I],
        "poll_oneoff" => &[I, I, I, I],
        "proc_exit" => return (&[I], false),
        "proc_raise" => &[I],
        "sched_yield" => &[],
        "random_get" => &[I, I],
        "sock_accept" => &[I, I, I],
        "sock_recv" => &[I, I, I, I, I, I],
        "sock_send" => &[I, I, I, I, I],
        "sock_shutdown" => &[I, I],
        other => panic!("unknown WASI function {other}"),
    };
    (params, true)
}

/// WAT text that imports each function of `names` and re-exports it under its own name.
pub fn wasi_wrappers(names: &[&str]) -> String {
    let mut imports = String::new();
    let mut exports = String::new();
    for name in names {
        let (params, has_result) = signature(name);
        let params_text = params.join(" ");
        let result = if has_result { "(result i32)" } else { "" };
        imports.push_str(&format!(
            "  (import \"wasi_snapshot_preview1\" \"{name}\" (func ${name} (param {params_text}) {result}))\n"
        ));
        let forwards: String = (0..params.len())
            .map(|index| format!(" (local.get {index})"))
            .collect();
        exports.push_str(&format!(
            "  (func (export \"{name}\") (param {params_text}) {result} (call ${name}{forwards}))\n"
        ));
    }
    imports + &exports
}

/// Which file-system adapter a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `vm_host::memfs::MemoryFileSystem`.
    Memory,
    /// A temporary host directory through `vm_host::host::HostDirectory`.
    Host,
}

/// Both backends, for `for backend in BACKENDS`.
pub const BACKENDS: [Backend; 2] = [Backend::Memory, Backend::Host];

/// The time the memory backend's clock starts at (2023-11-14T22:13:20Z), so timestamps are
/// distinguishable from 0.
pub const MEMORY_CLOCK_START: u64 = 1_700_000_000_000_000_000;

/// A directory to preopen and inspect, on one backend.
pub struct Root {
    /// The backend.
    pub backend: Backend,
    directory: Arc<dyn Directory>,
    clock: Arc<dyn Clock>,
    manual_clock: Option<Arc<ManualClock>>,
    memory: Option<MemoryFileSystem>,
    temp: Option<tempfile::TempDir>,
}

impl Root {
    /// An empty directory on `backend`.
    pub fn new(backend: Backend) -> Self {
        match backend {
            Backend::Memory => {
                let clock = Arc::new(ManualClock::new(MEMORY_CLOCK_START));
                let fs = MemoryFileSystem::with_clock(clock.clone());
                Self {
                    backend,
                    directory: Arc::new(fs.root_directory()),
                    clock: clock.clone(),
                    manual_clock: Some(clock),
                    memory: Some(fs),
                    temp: None,
                }
            }
            Backend::Host => {
                let temp = tempfile::tempdir().expect("temporary directory");
                let directory = HostDirectory::open(temp.path()).expect("host directory opens");
                Self {
                    backend,
                    directory: Arc::new(directory),
                    clock: Arc::new(SystemClock),
                    manual_clock: None,
                    memory: None,
                    temp: Some(temp),
                }
            }
        }
    }

    /// The directory, to preopen (every call gives the same directory).
    pub fn directory(&self) -> Arc<dyn Directory> {
        self.directory.clone()
    }

    /// The clock the backend timestamps with (give it to the WASI context too).
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    /// The memory backend's clock, to move time in tests (`None` on the host backend).
    pub fn manual_clock(&self) -> Option<&Arc<ManualClock>> {
        self.manual_clock.as_ref()
    }

    /// The in-memory file system (`None` on the host backend).
    pub fn memory_fs(&self) -> Option<&MemoryFileSystem> {
        self.memory.as_ref()
    }

    /// The host path of the directory (`None` on the memory backend).
    pub fn host_path(&self) -> Option<&Path> {
        self.temp.as_ref().map(tempfile::TempDir::path)
    }

    /// The host path of `name` inside the directory (`None` on the memory backend).
    pub fn host_file(&self, name: &str) -> Option<PathBuf> {
        self.host_path().map(|path| path.join(name))
    }

    /// Creates or truncates the file `name` (one component) with `contents`.
    pub fn write(&self, name: &str, contents: &[u8]) {
        let options = OpenOptions {
            write: true,
            create: true,
            truncate: true,
            ..OpenOptions::default()
        };
        let file = self
            .directory
            .open_file(name, &options)
            .expect("file opens for writing");
        let mut written = 0;
        while written < contents.len() {
            let count = file
                .write_at(written as u64, &contents[written..])
                .expect("file write");
            assert!(count > 0, "file write made no progress");
            written += count;
        }
    }

    /// The contents of the file `name`.
    pub fn read(&self, name: &str) -> Vec<u8> {
        let options = OpenOptions {
            read: true,
            ..OpenOptions::default()
        };
        let file = self
            .directory
            .open_file(name, &options)
            .expect("file opens for reading");
        let mut contents = Vec::new();
        let mut buffer = [0u8; 4096];
        loop {
            let count = file
                .read_at(contents.len() as u64, &mut buffer)
                .expect("file read");
            if count == 0 {
                return contents;
            }
            contents.extend_from_slice(&buffer[..count]);
        }
    }

    /// Creates the directory `name`.
    pub fn mkdir(&self, name: &str) {
        self.directory
            .create_directory(name)
            .expect("directory is created");
    }

    /// Opens the subdirectory `name` (to preopen or insert it).
    pub fn subdirectory(&self, name: &str) -> Arc<dyn Directory> {
        Arc::from(
            self.directory
                .open_directory(name)
                .expect("subdirectory opens"),
        )
    }

    /// Attributes of the entry `name` (not following a symlink).
    pub fn metadata(&self, name: &str) -> Metadata {
        self.directory.stat(name).expect("entry exists")
    }

    /// Whether the entry `name` exists.
    pub fn exists(&self, name: &str) -> bool {
        self.directory.stat(name).is_ok()
    }

    /// Opens the file `name` through the adapter.
    pub fn open(&self, name: &str, options: &OpenOptions) -> Box<dyn File> {
        self.directory.open_file(name, options).expect("file opens")
    }
}

/// How [`Guest::open_file`] opens a file and what descriptor it makes.
#[derive(Debug, Clone, Copy)]
pub struct FileSpec {
    /// Open for reading.
    pub read: bool,
    /// Open for writing.
    pub write: bool,
    /// Create it if missing.
    pub create: bool,
    /// Truncate it.
    pub truncate: bool,
    /// The descriptor's `fdflags`.
    pub flags: u16,
    /// The descriptor's base rights.
    pub rights: u64,
}

impl FileSpec {
    /// Read-only, all file rights.
    pub fn read() -> Self {
        Self {
            read: true,
            write: false,
            create: false,
            truncate: false,
            flags: 0,
            rights: rights::FILE,
        }
    }

    /// Write-only (created if missing), all file rights.
    pub fn write() -> Self {
        Self {
            read: false,
            write: true,
            create: true,
            ..Self::read()
        }
    }

    /// Read and write (created if missing), all file rights.
    pub fn read_write() -> Self {
        Self {
            write: true,
            create: true,
            ..Self::read()
        }
    }

    /// With these `fdflags`.
    pub fn flags(self, flags: u16) -> Self {
        Self { flags, ..self }
    }

    /// With these base rights.
    pub fn rights(self, rights: u64) -> Self {
        Self { rights, ..self }
    }

    /// Truncating.
    pub fn truncate(self) -> Self {
        Self {
            truncate: true,
            ..self
        }
    }
}

/// Builds a [`Guest`].
pub struct GuestBuilder {
    imports: Vec<String>,
    wat: String,
    pages: u32,
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Option<Box<dyn InputStream>>,
    stdout: Option<Box<dyn OutputStream>>,
    preopens: Vec<(String, Arc<dyn Directory>)>,
    clock: Option<Arc<dyn Clock>>,
    task: Option<Arc<dyn Task>>,
    max_descriptors: Option<u32>,
}

impl GuestBuilder {
    /// Imports and re-exports these WASI functions.
    pub fn imports(mut self, names: &[&str]) -> Self {
        self.imports
            .extend(names.iter().map(|name| String::from(*name)));
        self
    }

    /// Adds module fields (functions, data segments, globals) to the module.
    pub fn wat(mut self, fields: &str) -> Self {
        self.wat.push_str(fields);
        self.wat.push('\n');
        self
    }

    /// Linear memory size in 64 KiB pages (default 1).
    pub fn pages(mut self, pages: u32) -> Self {
        self.pages = pages;
        self
    }

    /// Program arguments.
    pub fn args(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(|arg| String::from(*arg)));
        self
    }

    /// An environment variable.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Standard input with these bytes, then end of file.
    pub fn stdin_bytes(mut self, bytes: &[u8]) -> Self {
        self.stdin = Some(Box::new(MemoryInput::new(bytes.to_vec())));
        self
    }

    /// Standard input from any stream.
    pub fn stdin(mut self, stream: Box<dyn InputStream>) -> Self {
        self.stdin = Some(stream);
        self
    }

    /// Standard output to any stream instead of the capture ([`Guest::stdout`] stays empty).
    pub fn stdout(mut self, stream: Box<dyn OutputStream>) -> Self {
        self.stdout = Some(stream);
        self
    }

    /// Preopens `root` under `name` (preopens get fds 3, 4, … in order); its clock becomes
    /// the context's clock unless one was given.
    pub fn preopen(mut self, name: &str, root: &Root) -> Self {
        if self.clock.is_none() {
            self.clock = Some(root.clock());
        }
        self.preopens.push((name.into(), root.directory()));
        self
    }

    /// Preopens any directory under `name`.
    pub fn preopen_directory(mut self, name: &str, directory: Arc<dyn Directory>) -> Self {
        self.preopens.push((name.into(), directory));
        self
    }

    /// The clock (default: the first preopened root's, else the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The task adapter (default: `ThreadTask`).
    pub fn task(mut self, task: Arc<dyn Task>) -> Self {
        self.task = Some(task);
        self
    }

    /// Most descriptors the guest may hold.
    pub fn max_descriptors(mut self, max: u32) -> Self {
        self.max_descriptors = Some(max);
        self
    }

    /// The module's WAT text.
    pub fn module_text(&self) -> String {
        let names: Vec<&str> = self.imports.iter().map(String::as_str).collect();
        format!(
            "(module\n{}  (memory (export \"memory\") {})\n{})",
            wasi_wrappers(&names),
            self.pages,
            self.wat
        )
    }

    /// Instantiates the module with a fresh WASI context.
    pub fn build(self) -> Guest {
        let text = self.module_text();
        let bytes = wat::parse_str(&text).unwrap_or_else(|error| panic!("{error}\n{text}"));
        let module = Module::from_bytes(runtime(), bytes).expect("test module loads");
        let stdout = CapturedOutput::new();
        let stderr = CapturedOutput::new();
        let mut context = WasiContext::builder()
            .args(self.args)
            .stdout(self.stdout.unwrap_or_else(|| Box::new(stdout.clone())))
            .stderr(Box::new(stderr.clone()))
            .stdin(
                self.stdin
                    .unwrap_or_else(|| Box::new(MemoryInput::new(Vec::new()))),
            )
            .clock(self.clock.unwrap_or_else(|| Arc::new(SystemClock)))
            .random(Arc::new(OsRandom))
            .task(self.task.unwrap_or_else(|| Arc::new(ThreadTask)));
        for (key, value) in self.env {
            context = context.env(key, value);
        }
        for (name, directory) in self.preopens {
            context = context.preopen_directory(name, directory);
        }
        if let Some(max) = self.max_descriptors {
            context = context.max_descriptors(max);
        }
        let mut data = InstanceData::new();
        data.insert(context.build().expect("WASI context builds"));
        let instance = Instance::new(runtime(), &module, &linker(), Limits::default(), data)
            .expect("test module instantiates");
        Guest {
            instance,
            stdout,
            stderr,
        }
    }
}

/// An instance of a test module with a WASI context.
pub struct Guest {
    /// The instance.
    pub instance: Instance,
    /// What the guest wrote to stdout (unless the builder replaced stdout).
    pub stdout: CapturedOutput,
    /// What the guest wrote to stderr.
    pub stderr: CapturedOutput,
}

impl Guest {
    /// Starts building a guest.
    pub fn builder() -> GuestBuilder {
        GuestBuilder {
            imports: Vec::new(),
            wat: String::new(),
            pages: 1,
            args: Vec::new(),
            env: Vec::new(),
            stdin: None,
            stdout: None,
            preopens: Vec::new(),
            clock: None,
            task: None,
            max_descriptors: None,
        }
    }

    /// Calls the export `name` and returns its `i32` result (the errno for WASI wrappers).
    pub fn call(&mut self, name: &str, args: &[Value]) -> i32 {
        match self
            .try_call(name, args)
            .expect("guest call succeeds")
            .as_slice()
        {
            [Value::I32(result)] => *result,
            other => panic!("{name} returned {other:?}"),
        }
    }

    /// Calls the export `name`, returning the call's outcome as is.
    pub fn try_call(&mut self, name: &str, args: &[Value]) -> Result<Vec<Value>, CallError> {
        self.instance.call(name, args)
    }

    /// The WASI context.
    pub fn wasi(&mut self) -> &mut WasiContext {
        self.instance
            .data_mut()
            .get_mut::<WasiContext>()
            .expect("the instance has a WASI context")
    }

    /// Linear memory size in bytes.
    pub fn memory_size(&mut self) -> u32 {
        u32::try_from(self.instance.memory().expect("memory").len()).expect("memory below 4 GiB")
    }

    /// Writes `bytes` at `offset`.
    pub fn write_memory(&mut self, offset: u32, bytes: &[u8]) {
        self.instance
            .memory()
            .expect("memory")
            .write_bytes(offset, bytes)
            .expect("write inside memory");
    }

    /// Reads `length` bytes at `offset`.
    pub fn read_memory(&mut self, offset: u32, length: u32) -> Vec<u8> {
        self.instance
            .memory()
            .expect("memory")
            .bytes(offset, length)
            .expect("read inside memory")
            .to_vec()
    }

    /// Reads a guest value (a `u32`, `u64`, or a WASI struct such as `Fdstat`).
    pub fn read<T: GuestValue>(&mut self, offset: u32) -> T {
        self.instance
            .memory()
            .expect("memory")
            .read(offset)
            .expect("aligned read inside memory")
    }

    /// Writes a guest value.
    pub fn write<T: GuestValue>(&mut self, offset: u32, value: &T) {
        self.instance
            .memory()
            .expect("memory")
            .write(offset, value)
            .expect("aligned write inside memory");
    }

    /// Writes an iovec array of `(buf, buf_len)` pairs at `offset`.
    pub fn write_iovecs(&mut self, offset: u32, iovecs: &[(u32, u32)]) {
        for (index, (buf, buf_len)) in iovecs.iter().enumerate() {
            let at = offset + 8 * u32::try_from(index).expect("few iovecs");
            self.write(
                at,
                &Iovec {
                    buf: *buf,
                    buf_len: *buf_len,
                },
            );
        }
    }

    /// Opens `name` in `root` through the adapter and puts it in the descriptor table with
    /// position 0; returns its fd.
    pub fn open_file(&mut self, root: &Root, name: &str, spec: FileSpec) -> u32 {
        let options = OpenOptions {
            read: spec.read,
            write: spec.write,
            create: spec.create,
            exclusive: false,
            truncate: spec.truncate,
        };
        let file = root.open(name, &options);
        self.insert_file(file, spec)
    }

    /// Puts an adapter file in the descriptor table; returns its fd.
    pub fn insert_file(&mut self, file: Box<dyn File>, spec: FileSpec) -> u32 {
        self.wasi()
            .descriptors
            .insert(Descriptor {
                resource: Resource::File(OpenFile {
                    file,
                    position: 0,
                    flags: spec.flags,
                    readable: spec.read,
                    writable: spec.write,
                }),
                rights_base: spec.rights,
                rights_inheriting: 0,
            })
            .expect("descriptor table has room")
    }

    /// Puts a directory in the descriptor table (a preopen when `preopen_name` is given);
    /// returns its fd.
    pub fn insert_directory(
        &mut self,
        directory: Arc<dyn Directory>,
        preopen_name: Option<&str>,
        rights_base: u64,
    ) -> u32 {
        self.wasi()
            .descriptors
            .insert(Descriptor {
                resource: Resource::Directory(OpenDirectory::new(
                    directory,
                    preopen_name.map(String::from),
                )),
                rights_base,
                rights_inheriting: rights::DIRECTORY | rights::FILE,
            })
            .expect("descriptor table has room")
    }

    /// The current position of the file `fd` (read from the table, not through the ABI).
    pub fn position(&mut self, fd: u32) -> u64 {
        match &self
            .wasi()
            .descriptors
            .get(fd)
            .expect("fd is open")
            .resource
        {
            Resource::File(file) => file.position,
            _ => panic!("fd {fd} is not a file"),
        }
    }

    /// Whether `fd` is open.
    pub fn is_open(&mut self, fd: u32) -> bool {
        self.wasi().descriptors.get(fd).is_ok()
    }
}
