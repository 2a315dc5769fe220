//! The descriptor functions (`fd_*` but `fd_readdir`) through the raw ABI, on both file-system
//! backends: results, position and flag semantics, and every errno path (EBADF, ENOTCAPABLE,
//! EFAULT, EINVAL, ESPIPE, …) with the choices documented in `src/functions/fd.rs`.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use common::{BACKENDS, Backend, FileSpec, Guest, Root, errno, s64, v32, v64};
use vm_abi_wasi::Errno;
use vm_abi_wasi::types::{Fdstat, Filestat, Prestat, fdflags, filetype, fstflags, rights, whence};
use vm_host::fs::{File, FsError, Metadata, OpenOptions, TimeChange};
use vm_host::stdio::StreamError;
use vm_host::task::Task;

/// One page of linear memory: the first out-of-bounds address.
const PAGE: u32 = 65536;
/// Where tests put iovec arrays.
const IOV: u32 = 0x100;
/// Where tests put data buffers.
const BUF: u32 = 0x1000;
/// Where functions write their results (8-aligned).
const OUT: u32 = 0x40;
/// The preopened root's descriptor.
const ROOT_FD: u32 = 3;
/// A descriptor number nothing uses.
const BAD_FD: u32 = 77;

const OK: i32 = 0;

fn e(error: Errno) -> i32 {
    errno(error)
}

/// Every descriptor function of this group.
const FD_FUNCTIONS: &[&str] = &[
    "fd_advise",
    "fd_allocate",
    "fd_close",
    "fd_datasync",
    "fd_fdstat_get",
    "fd_fdstat_set_flags",
    "fd_fdstat_set_rights",
    "fd_filestat_get",
    "fd_filestat_set_size",
    "fd_filestat_set_times",
    "fd_pread",
    "fd_prestat_get",
    "fd_prestat_dir_name",
    "fd_pwrite",
    "fd_read",
    "fd_renumber",
    "fd_seek",
    "fd_sync",
    "fd_tell",
    "fd_write",
];

/// A guest with every fd function and `root` preopened as `/` (fd 3).
fn guest(root: &Root) -> Guest {
    Guest::builder()
        .imports(FD_FUNCTIONS)
        .preopen("/", root)
        .build()
}

/// A guest with stdin holding `input`.
fn guest_with_stdin(root: &Root, input: &[u8]) -> Guest {
    Guest::builder()
        .imports(FD_FUNCTIONS)
        .preopen("/", root)
        .stdin_bytes(input)
        .build()
}

/// `fd_write(fd, [data])` with `data` at `BUF`; returns (errno, nwritten).
fn write(guest: &mut Guest, fd: u32, data: &[u8]) -> (i32, u32) {
    guest.write_memory(BUF, data);
    guest.write_iovecs(IOV, &[(BUF, data.len() as u32)]);
    guest.write(OUT, &0xFFFF_FFFFu32);
    let result = guest.call("fd_write", &[v32(fd), v32(IOV), v32(1), v32(OUT)]);
    (result, guest.read(OUT))
}

/// `fd_read(fd, [len bytes at BUF])`; returns (errno, bytes read).
fn read(guest: &mut Guest, fd: u32, len: u32) -> (i32, Vec<u8>) {
    guest.write_iovecs(IOV, &[(BUF, len)]);
    guest.write(OUT, &0u32);
    let result = guest.call("fd_read", &[v32(fd), v32(IOV), v32(1), v32(OUT)]);
    let count: u32 = guest.read(OUT);
    (result, guest.read_memory(BUF, count))
}

/// `fd_seek`; returns (errno, new offset as written to `OUT`).
fn seek(guest: &mut Guest, fd: u32, offset: i64, whence: u8) -> (i32, u64) {
    guest.write(OUT, &u64::MAX);
    let result = guest.call(
        "fd_seek",
        &[v32(fd), s64(offset), v32(u32::from(whence)), v32(OUT)],
    );
    (result, guest.read(OUT))
}

/// `fd_tell`; returns (errno, offset).
fn tell(guest: &mut Guest, fd: u32) -> (i32, u64) {
    guest.write(OUT, &u64::MAX);
    let result = guest.call("fd_tell", &[v32(fd), v32(OUT)]);
    (result, guest.read(OUT))
}

/// `fd_fdstat_get` at `OUT`.
fn fdstat(guest: &mut Guest, fd: u32) -> Fdstat {
    assert_eq!(guest.call("fd_fdstat_get", &[v32(fd), v32(OUT)]), OK);
    guest.read(OUT)
}

/// `fd_filestat_get` at `OUT`.
fn filestat(guest: &mut Guest, fd: u32) -> Filestat {
    assert_eq!(guest.call("fd_filestat_get", &[v32(fd), v32(OUT)]), OK);
    guest.read(OUT)
}

/// Drops rights of `fd` to `base` (keeping its inheriting rights).
fn set_rights(guest: &mut Guest, fd: u32, base: u64) -> i32 {
    let inheriting = guest
        .wasi()
        .descriptors
        .get(fd)
        .expect("open")
        .rights_inheriting;
    guest.call(
        "fd_fdstat_set_rights",
        &[v32(fd), v64(base), v64(inheriting)],
    )
}

// ---------------------------------------------------------------------------------------
// fd_write
// ---------------------------------------------------------------------------------------

#[test]
fn fd_write_to_stdout_and_stderr_gathers_every_iovec() {
    let root = Root::new(Backend::Memory);
    let mut guest = guest(&root);
    guest.write_memory(BUF, b"hello, world");
    // A zero-length iovec with a wild pointer is skipped, as the sandbox promises.
    guest.write_iovecs(IOV, &[(BUF, 7), (u32::MAX, 0), (BUF + 7, 5)]);
    assert_eq!(
        guest.call("fd_write", &[v32(1), v32(IOV), v32(3), v32(OUT)]),
        OK
    );
    assert_eq!(guest.read::<u32>(OUT), 12);
    assert_eq!(guest.stdout.contents(), b"hello, world");

    let (result, count) = write(&mut guest, 2, b"oops\n");
    assert_eq!((result, count), (OK, 5));
    assert_eq!(guest.stderr.contents(), b"oops\n");

    // No iovecs at all: nothing written, success.
    assert_eq!(
        guest.call("fd_write", &[v32(1), v32(IOV), v32(0), v32(OUT)]),
        OK
    );
    assert_eq!(guest.read::<u32>(OUT), 0);
    assert_eq!(guest.stdout.contents(), b"hello, world");
}

#[test]
fn fd_write_errors() {
    let root = Root::new(Backend::Memory);
    let mut guest = guest(&root);
    guest.write_memory(BUF, b"data");
    guest.write_iovecs(IOV, &[(BUF, 4)]);
    let call = |guest: &mut Guest, fd: u32, iovs: u32, count: u32, out: u32| {
        guest.call("fd_write", &[v32(fd), v32(iovs), v32(count), v32(out)])
    };
    assert_eq!(
        call(&mut guest, BAD_FD, IOV, 1, OUT),
        e(Errno::BadFileDescriptor)
    );
    assert_eq!(
        call(&mut guest, 0, IOV, 1, OUT),
        e(Errno::BadFileDescriptor)
    );
    assert_eq!(
        call(&mut guest, ROOT_FD, IOV, 1, OUT),
        e(Errno::BadFileDescriptor)
    );
    // The iovec array out of bounds, misaligned, or too long.
    assert_eq!(call(&mut guest, 1, PAGE - 4, 1, OUT), e(Errno::Fault));
    assert_eq!(call(&mut guest, 1, u32::MAX - 3, 1, OUT), e(Errno::Fault));
    assert_eq!(call(&mut guest, 1, IOV + 2, 1, OUT), e(Errno::Invalid));
    assert_eq!(call(&mut guest, 1, IOV, 1025, OUT), e(Errno::Invalid));
    assert_eq!(call(&mut guest, 1, 0, u32::MAX, OUT), e(Errno::Invalid));
    // A buffer out of bounds.
    guest.write_iovecs(IOV + 64, &[(PAGE - 2, 4)]);
    assert_eq!(call(&mut guest, 1, IOV + 64, 1, OUT), e(Errno::Fault));
    // The result pointer out of bounds or misaligned: nothing is written.
    assert_eq!(call(&mut guest, 1, IOV, 1, PAGE), e(Errno::Fault));
    assert_eq!(call(&mut guest, 1, IOV, 1, PAGE - 2), e(Errno::Fault));
    assert_eq!(call(&mut guest, 1, IOV, 1, OUT + 1), e(Errno::Invalid));
    assert!(guest.stdout.contents().is_empty());
    // Without the right.
    assert_eq!(set_rights(&mut guest, 1, rights::FD_FILESTAT_GET), OK);
    assert_eq!(call(&mut guest, 1, IOV, 1, OUT), e(Errno::NotCapable));
    assert!(guest.stdout.contents().is_empty());
}

#[test]
fn fd_write_is_capped_at_16_mib_per_call() {
    let root = Root::new(Backend::Memory);
    // 11 MiB of memory; two overlapping 10 MiB iovecs ask for 20 MiB.
    let mut guest = Guest::builder()
        .imports(&["fd_write"])
        .pages(176)
        .preopen("/", &root)
        .build();
    let ten_mib = 10 << 20;
    guest.write_iovecs(IOV, &[(BUF, ten_mib), (BUF, ten_mib)]);
    assert_eq!(
        guest.call("fd_write", &[v32(1), v32(IOV), v32(2), v32(OUT)]),
        OK
    );
    assert_eq!(guest.read::<u32>(OUT), 16 << 20);
    assert_eq!(guest.stdout.contents().len(), 16 << 20);
}

#[test]
fn fd_write_to_files_advances_the_position() {
    for backend in BACKENDS {
        let root = Root::new(backend);
        let mut guest = guest(&root);
        let fd = guest.open_file(&root, "f", FileSpec::read_write());
        assert_eq!(write(&mut guest, fd, b"abcdef"), (OK, 6));
        assert_eq!(guest.position(fd), 6);
        assert_eq!(seek(&mut guest, fd, 2, whence::SET).0, OK);
        // Two iovecs: both written, in order.
        guest.write_memory(BUF, b"XYZ");
        guest.write_iovecs(IOV, &[(BUF, 2), (BUF + 2, 1)]);
        assert_eq!(
            guest.call("fd_write", &[v32(fd), v32(IOV), v32(2), v32(OUT)]),
            OK
        );
        assert_eq!(guest.read::<u32>(OUT), 3);
        assert_eq!(guest.position(fd), 5);
        assert_eq!(root.read("f"), b"abXYZf", "{backend:?}");
        // Past the end: the gap reads as zeros.
        assert_eq!(seek(&mut guest, fd, 8, whence::SET).0, OK);
        assert_eq!(write(&mut guest, fd, b"!"), (OK, 1));
        assert_eq!(root.read("f"), b"abXYZf\0\0!", "{backend:?}");
    }
}

#[test]
fn fd_write_with_append_writes_at_the_end() {
    for backend in BACKENDS {
        let root = Root::new(backend);
        root.write("log", b"0123");
        let mut guest = guest(&root);
        let fd = guest.open_file(&root, "log", FileSpec::read_write().flags(fdflags::APPEND));
        // The position is ignored and moves to the end.
        assert_eq!(write(&mut guest, fd, b"ab"), (OK, 2));
        assert_eq!(guest.position(fd), 6);
        assert_eq!(seek(&mut guest, fd, 0, whence::SET).0, OK);
        assert_eq!(write(&mut guest, fd, b"cd"), (OK, 2));
        assert_eq!(guest.position(fd), 8);
        assert_eq!(root.read("log"), b"0123abcd", "{backend:?}");
        // Another writer grows the file: appends still land at the (new) end.
        root.open(
            "log",
            &OpenOptions {
                write: true,
                ..OpenOptions::default()
            },
        )
        .append(b"++")
        .expect("append");
        assert_eq!(write(&mut guest, fd, b"ef"), (OK, 2));
        assert_eq!(guest.position(fd), 12);
        assert_eq!(root.read("log"), b"0123abcd++ef", "{backend:?}");
    }
}

#[test]
fn fd_write_needs_a_file_opened_for_writing() {
    for backend in BACKENDS {
        let root = Root::new(backend);
        root.write("r", b"read only");
        let mut guest = guest(&root);
        let fd = guest.open_file(&root, "r", FileSpec::read());
        assert_eq!(write(&mut guest, fd, b"x").0, e(Errno::BadFileDescriptor));
        // Access mode comes before rights, as the OS does under wasmtime.
        let fd = guest.open_file(&root, "r", FileSpec::read().rights(0));
        assert_eq!(write(&mut guest, fd, b"x").0, e(Errno::BadFileDescriptor));
        let fd = guest.open_file(&root, "r", FileSpec::read_write().rights(rights::FD_READ));
        assert_eq!(write(&mut guest, fd, b"x").0, e(Errno::NotCapable));
        assert_eq!(root.read("r"), b"read only");
    }
}

// ---------------------------------------------------------------------------------------
// fd_read
// ---------------------------------------------------------------------------------------

#[test]
fn fd_read_from_files_scatters_and_advances() {
    for backend in BACKENDS {
        let root = Root::new(backend);
        root.write("f", b"0123456789");
        let mut guest = guest(&root);
        let fd = guest.open_file(&root, "f", FileSpec::read());
        // Three iovecs (one empty): filled in order.
        guest.write_iovecs(IOV, &[(BUF, 3), (BUF + 100, 0), (BUF + 200, 4)]);
        assert_eq!(
            guest.call("fd_read", &[v32(fd), v32(IOV), v32(3), v32(OUT)]),
            OK
        );
        assert_eq!(guest.read::<u32>(OUT), 7);
        assert_eq!(guest.read_memory(BUF, 3), b"012");
        assert_eq!(guest.read_memory(BUF + 200, 4), b"3456");
        assert_eq!(guest.position(fd), 7);
        // A short read at the end, then end of file.
        assert_eq!(read(&mut guest, fd, 10), (OK, b"789".to_vec()));
        assert_eq!(read(&mut guest, fd, 10), (OK, Vec::new()));
        assert_eq!(guest.position(fd), 10);
        // Past the end.
        assert_eq!(seek(&mut guest, fd, 100, whence::SET).0, OK);
        assert_eq!(read(&mut guest, fd, 10), (OK, Vec::new()));
        assert_eq!(guest.position(fd), 100, "{backend:?}");
    }
}

#[test]
fn fd_read_errors() {
    for backend in BACKENDS {
        let root = Root::new(backend);
        root.write("f", b"secret");
        let mut guest = guest(&root);
        let call = |guest: &mut Guest, fd: u32, iovs: u32, count: u32, out: u32| {
            guest.call("fd_read", &[v32(fd), v32(iovs), v32(count), v32(out)])
        };
        guest.write_iovecs(IOV, &[(BUF, 16)]);
        assert_eq!(
            call(&mut guest, BAD_FD, IOV, 1, OUT),
            e(Errno::BadFileDescriptor)
        );
        assert_eq!(
            call(&mut guest, 1, IOV, 1, OUT),
            e(Errno::BadFileDescriptor)
        );
        assert_eq!(
            call(&mut guest, 2, IOV, 1, OUT),
            e(Errno::BadFileDescriptor)
        );
        assert_eq!(
            call(&mut guest, ROOT_FD, IOV, 1, OUT),
            e(Errno::BadFileDescriptor)
        );
        let write_only = guest.open_file(&root, "f", FileSpec::write());
        assert_eq!(
            call(&mut guest, write_only, IOV, 1, OUT),
            e(Errno::BadFileDescriptor)
        );
        let no_right = guest.open_file(&root, "f", FileSpec::read().rights(rights::FD_SEEK));
        assert_eq!(
            call(&mut guest, no_right, IOV, 1, OUT),
            e(Errno::NotCapable)
        );

        let fd = guest.open_file(&root, "f", FileSpec::read());
        assert_eq!(call(&mut guest, fd, PAGE, 1, OUT), e(Errno::Fault));
        assert_eq!(call(&mut guest, fd, IOV + 1, 1, OUT), e(Errno::Invalid));
        assert_eq!(call(&mut guest, fd, IOV, 1025, OUT), e(Errno::Invalid));
        guest.write_iovecs(IOV + 64, &[(BUF, 2), (PAGE - 1, 2)]);
        assert_eq!(call(&mut guest, fd, IOV + 64, 2, OUT), e(Errno::Fault));
        assert_eq!(call(&mut guest, fd, IOV, 1, PAGE - 3), e(Errno::Fault));
        assert_eq!(call(&mut guest, fd, IOV, 1, OUT + 2), e(Errno::Invalid));
        // None of the failures moved the position.
        assert_eq!(guest.position(fd), 0, "{backend:?}");
        assert_eq!(read(&mut guest, fd, 16), (OK, b"secret".to_vec()));
    }
}

#[test]
fn fd_read_from_stdin_fills_the_first_buffer_only() {
    let root = Root::new(Backend::Memory);
    let mut guest = guest_with_stdin(&root, b"line one\nline two\n");
    // A bad result pointer does not consume input.
    guest.write_iovecs(IOV, &[(BUF, 4)]);
    assert_eq!(
        guest.call("fd_read", &[v32(0), v32(IOV), v32(1), v32(PAGE)]),
        e(Errno::Fault)
    );
    // Empty iovecs are skipped; only the first non-empty buffer is filled, like wasmtime.
    guest.write_iovecs(IOV, &[(0, 0), (BUF, 4), (BUF + 100, 100)]);
    assert_eq!(
        guest.call("fd_read", &[v32(0), v32(IOV), v32(3), v32(OUT)]),
        OK
    );
    assert_eq!(guest.read::<u32>(OUT), 4);
    assert_eq!(guest.read_memory(BUF, 4), b"line");
    assert_eq!(read(&mut guest, 0, 100), (OK, b" one\nline two\n".to_vec()));
    // End of input.
    assert_eq!(read(&mut guest, 0, 100), (OK, Vec::new()));
    // Nothing to fill.
    assert_eq!(
        guest.call("fd_read", &[v32(0), v32(IOV), v32(0), v32(OUT)]),
        OK
    );
    assert_eq!(guest.read::<u32>(OUT), 0);
    // Without the right.
    assert_eq!(set_rights(&mut guest, 0, 0), OK);
    assert_eq!(read(&mut guest, 0, 4).0, e(Errno::NotCapable));
}

/// A task that counts how often the ABI layer waited.
#[derive(Default)]
struct CountingTask {
    sleeps: AtomicUsize,
}

impl Task for CountingTask {
    fn yield_now(&self) {}
    fn sleep(&self, _nanoseconds: u64) {
        self.sleeps.fetch_add(1, Ordering::SeqCst);
    }
}

/// Stdin that would block `blocks` times before each chunk of data.
struct HesitantInput {
    blocks: usize,
    left: usize,
    data: Vec<u8>,
}

impl embedded_io::ErrorType for HesitantInput {
    type Error = StreamError;
}

impl embedded_io::Read for HesitantInput {
    fn read(&mut self, buffer: &mut [u8]) -> Result<usize, StreamError> {
        if self.left > 0 {
            self.left -= 1;
            return Err(StreamError::WouldBlock);
        }
        self.left = self.blocks;
        let count = buffer.len().min(self.data.len());
        buffer[..count].copy_from_slice(&self.data[..count]);
        self.data.drain(..count);
        Ok(count)
    }
}

/// Stdout that takes one byte at a time and would block every other call.
#[derive(Clone, Default)]
struct SlowOutput {
    sink: Arc<Mutex<Vec<u8>>>,
    block_next: bool,
    flushes: Arc<AtomicUsize>,
}

impl embedded_io::ErrorType for SlowOutput {
    type Error = StreamError;
}

impl embedded_io::Write for SlowOutput {
    fn write(&mut self, data: &[u8]) -> Result<usize, StreamError> {
        self.block_next = !self.block_next;
        if !self.block_next {
            return Err(StreamError::WouldBlock);
        }
        match data.first() {
            Some(byte) => {
                self.sink.lock().unwrap().push(*byte);
                Ok(1)
            }
            None => Ok(0),
        }
    }

    fn flush(&mut self) -> Result<(), StreamError> {
        self.flushes.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[test]
fn stdio_is_blocking_waits_while_the_stream_would_block() {
    let root = Root::new(Backend::Memory);
    let task = Arc::new(CountingTask::default());
    let output = SlowOutput::default();
    let mut guest = Guest::builder()
        .imports(FD_FUNCTIONS)
        .preopen("/", &root)
        .task(task.clone())
        .stdin(Box::new(HesitantInput {
            blocks: 3,
            left: 3,
            data: b"typed".to_vec(),
        }))
        .stdout(Box::new(output.clone()))
        .build();
    assert_eq!(read(&mut guest, 0, 16), (OK, b"typed".to_vec()));
    assert_eq!(task.sleeps.load(Ordering::SeqCst), 3);
    // Output is written whole (write_all semantics), waiting as needed, then flushed.
    assert_eq!(write(&mut guest, 1, b"abc"), (OK, 3));
    assert_eq!(*output.sink.lock().unwrap(), b"abc");
    assert_eq!(task.sleeps.load(Ordering::SeqCst), 3 + 2);
    assert_eq!(output.flushes.load(Ordering::SeqCst), 1);
}

/// An output stream that fails.
struct BrokenOutput;

impl embedded_io::ErrorType for BrokenOutput {
    type Error = StreamError;
}

impl embedded_io::Write for BrokenOutput {
    fn write(&mut self, _data: &[u8]) -> Result<usize, StreamError> {
        Err(StreamError::BrokenPipe)
    }

    fn flush(&mut self) -> Result<(), StreamError> {
        Ok(())
    }
}

#[test]
fn stream_errors_become_errnos() {
    let root = Root::new(Backend::Memory);
    let mut guest = Guest::builder()
        .imports(FD_FUNCTIONS)
        .preopen("/", &root)
        .stdout(Box::new(BrokenOutput))
        .build();
    assert_eq!(write(&mut guest, 1, b"x").0, e(Errno::Pipe));
}

/// A file that would block `blocks` times before each operation.
struct HesitantFile {
    inner: Box<dyn File>,
    blocks: usize,
    left: AtomicUsize,
}

impl HesitantFile {
    fn hesitate(&self) -> Result<(), FsError> {
        if self.left.load(Ordering::SeqCst) > 0 {
            self.left.fetch_sub(1, Ordering::SeqCst);
            return Err(FsError::WouldBlock);
        }
        self.left.store(self.blocks, Ordering::SeqCst);
        Ok(())
    }
}

impl File for HesitantFile {
    fn read_at(&self, offset: u64, buffer: &mut [u8]) -> Result<usize, FsError> {
        self.hesitate()?;
        self.inner.read_at(offset, buffer)
    }
    fn write_at(&self, offset: u64, data: &[u8]) -> Result<usize, FsError> {
        self.hesitate()?;
        self.inner.write_at(offset, data)
    }
    fn append(&self, data: &[u8]) -> Result<(usize, u64), FsError> {
        self.hesitate()?;
        self.inner.append(data)
    }
    fn metadata(&self) -> Result<Metadata, FsError> {
        self.inner.metadata()
    }
    fn set_len(&self, size: u64) -> Result<(), FsError> {
        self.inner.set_len(size)
    }
    fn set_times(&self, accessed: TimeChange, modified: TimeChange) -> Result<(), FsError> {
        self.inner.set_times(accessed, modified)
    }
    fn sync_all(&self) -> Result<(), FsError> {
        self.inner.sync_all()
    }
    fn sync_data(&self) -> Result<(), FsError> {
        self.inner.sync_data()
    }
}

#[test]
fn files_would_block_gives_eagain_only_with_nonblock() {
    let root = Root::new(Backend::Memory);
    root.write("dev", b"data");
    let task = Arc::new(CountingTask::default());
    let mut guest = Guest::builder()
        .imports(FD_FUNCTIONS)
        .preopen("/", &root)
        .task(task.clone())
        .build();
    let options = OpenOptions {
        read: true,
        write: true,
        ..OpenOptions::default()
    };
    let hesitant = |root: &Root| {
        Box::new(HesitantFile {
            inner: root.open("dev", &options),
            blocks: 2,
            left: AtomicUsize::new(2),
        })
    };
    let blocking_fd = guest.insert_file(hesitant(&root), FileSpec::read_write());
    assert_eq!(read(&mut guest, blocking_fd, 4), (OK, b"data".to_vec()));
    assert_eq!(task.sleeps.load(Ordering::SeqCst), 2);

    let nonblocking_fd = guest.insert_file(
        hesitant(&root),
        FileSpec::read_write().flags(fdflags::NONBLOCK),
    );
    assert_eq!(read(&mut guest, nonblocking_fd, 4).0, e(Errno::Again));
    assert_eq!(write(&mut guest, nonblocking_fd, b"x").0, e(Errno::Again));
    assert_eq!(task.sleeps.load(Ordering::SeqCst), 2);
    // Clearing NONBLOCK makes it wait again.
    assert_eq!(
        guest.call("fd_fdstat_set_flags", &[v32(nonblocking_fd), v32(0)]),
        OK
    );
    assert_eq!(write(&mut guest, nonblocking_fd, b"D"), (OK, 1));
    assert_eq!(root.read("dev"), b"Data");
}

// ---------------------------------------------------------------------------------------
// fd_pread / fd_pwrite
// ---------------------------------------------------------------------------------------

fn pread(guest: &mut Guest, fd: u32, len: u32, offset: u64) -> (i32, Vec<u8>) {
    guest.write_iovecs(IOV, &[(BUF, len)]);
    guest.write(OUT, &0u32);
    let result = guest.call(
        "fd_pread",
        &[v32(fd), v32(IOV), v32(1), v64(offset), v32(OUT)],
    );
    let count: u32 = guest.read(OUT);
    (result, guest.read_memory(BUF, count))
}

fn pwrite(guest: &mut Guest, fd: u32, data: &[u8], offset: u64) -> (i32, u32) {
    guest.write_memory(BUF, data);
    guest.write_iovecs(IOV, &[(BUF, data.len() as u32)]);
    guest.write(OUT, &0xFFFF_FFFFu32);
    let result = guest.call(
        "fd_pwrite",
        &[v32(fd), v32(IOV), v32(1), v64(offset), v32(OUT)],
    );
    (result, guest.read(OUT))
}

#[test]
fn fd_pread_and_fd_pwrite_leave_the_position_alone() {
    for backend in BACKENDS {
        let root = Root::new(backend);
        let mut guest = guest(&root);
        let fd = guest.open_file(&root, "f", FileSpec::read_write());
        assert_eq!(pwrite(&mut guest, fd, &[0, 1, 2, 3], 0), (OK, 4));
        assert_eq!(pread(&mut guest, fd, 4, 0), (OK, vec![0, 1, 2, 3]));
        assert_eq!(pread(&mut guest, fd, 4, 2), (OK, vec![2, 3]));
        assert_eq!(pwrite(&mut guest, fd, &[1, 0], 2), (OK, 2));
        assert_eq!(pread(&mut guest, fd, 4, 0), (OK, vec![0, 1, 1, 0]));
        assert_eq!(guest.position(fd), 0);
        // Two iovecs at once.
        guest.write_iovecs(IOV, &[(BUF, 2), (BUF + 50, 2)]);
        assert_eq!(
            guest.call("fd_pread", &[v32(fd), v32(IOV), v32(2), v64(0), v32(OUT)]),
            OK
        );
        assert_eq!(guest.read::<u32>(OUT), 4);
        assert_eq!(guest.read_memory(BUF + 50, 2), [1, 0]);
        // An empty write past the end changes nothing; a one-byte one extends the file.
        assert_eq!(pwrite(&mut guest, fd, &[], 50), (OK, 0));
        assert_eq!(filestat(&mut guest, fd).size, 4);
        assert_eq!(pwrite(&mut guest, fd, &[9], 50), (OK, 1));
        assert_eq!(filestat(&mut guest, fd).size, 51);
        assert_eq!(guest.position(fd), 0);
        assert_eq!(
            pread(&mut guest, fd, 4, 1000),
            (OK, Vec::new()),
            "{backend:?}"
        );
        // Offsets past `i64::MAX` are EINVAL on every backend (signed `off_t`).
        assert_eq!(pread(&mut guest, fd, 4, 1 << 63).0, e(Errno::Invalid));
        assert_eq!(pwrite(&mut guest, fd, b"x", 1 << 63).0, e(Errno::Invalid));
        assert_eq!(pwrite(&mut guest, fd, b"", u64::MAX).0, e(Errno::Invalid));
        assert_eq!(
            pread(&mut guest, fd, 4, i64::MAX as u64 - 4),
            (OK, Vec::new())
        );
        assert_eq!(
            pread(&mut guest, fd, 4, i64::MAX as u64 - 3).0,
            e(Errno::Invalid)
        );
        assert_eq!(seek(&mut guest, fd, i64::MAX, whence::SET).0, OK);
        assert_eq!(read(&mut guest, fd, 4).0, e(Errno::Invalid));
        assert_eq!(seek(&mut guest, fd, 1, whence::CUR).0, OK);
        assert_eq!(read(&mut guest, fd, 4).0, e(Errno::Invalid));
        assert_eq!(write(&mut guest, fd, b"x").0, e(Errno::Invalid));
        assert_eq!(guest.position(fd), 1 << 63, "{backend:?}");
    }
}

#[test]
fn fd_pwrite_on_an_append_descriptor_appends() {
    for backend in BACKENDS {
        let root = Root::new(backend);
        let mut guest = guest(&root);
        let fd = guest.open_file(&root, "f", FileSpec::read_write().flags(fdflags::APPEND));
        // Linux semantics (wasmtime): the offset is ignored.
        assert_eq!(pwrite(&mut guest, fd, b"a", 50), (OK, 1));
        assert_eq!(filestat(&mut guest, fd).size, 1);
        assert_eq!(pwrite(&mut guest, fd, b"b", 0), (OK, 1));
        assert_eq!(filestat(&mut guest, fd).size, 2);
        assert_eq!(guest.position(fd), 0);
        assert_eq!(root.read("f"), b"ab", "{backend:?}");
        // The offset is not even checked.
        assert_eq!(pwrite(&mut guest, fd, b"c", u64::MAX), (OK, 1));
        assert_eq!(root.read("f"), b"abc", "{backend:?}");
    }
}

#[test]
fn fd_pread_and_fd_pwrite_errors() {
    for backend in BACKENDS {
        let root = Root::new(backend);
        root.write("f", b"abc");
        let mut guest = guest(&root);
        // stdin is not seekable; the other directions are not readable/writable at all.
        assert_eq!(pread(&mut guest, 0, 4, 0).0, e(Errno::InvalidSeek));
        assert_eq!(pread(&mut guest, 1, 4, 0).0, e(Errno::BadFileDescriptor));
        assert_eq!(pwrite(&mut guest, 1, b"x", 0).0, e(Errno::InvalidSeek));
        assert_eq!(pwrite(&mut guest, 2, b"x", 0).0, e(Errno::InvalidSeek));
        assert_eq!(
            pwrite(&mut guest, 0, b"x", 0).0,
            e(Errno::BadFileDescriptor)
        );
        assert!(guest.stdout.contents().is_empty());
        assert_eq!(
            pread(&mut guest, ROOT_FD, 4, 0).0,
            e(Errno::BadFileDescriptor)
        );
        assert_eq!(
            pwrite(&mut guest, ROOT_FD, b"x", 0).0,
            e(Errno::BadFileDescriptor)
        );
        assert_eq!(
            pread(&mut guest, BAD_FD, 4, 0).0,
            e(Errno::BadFileDescriptor)
        );
        assert_eq!(
            pwrite(&mut guest, BAD_FD, b"x", 0).0,
            e(Errno::BadFileDescriptor)
        );
        // Access modes, then rights (pread and pwrite also need FD_SEEK).
        let read_only = guest.open_file(&root, "f", FileSpec::read());
        assert_eq!(
            pwrite(&mut guest, read_only, b"x", 0).0,
            e(Errno::BadFileDescriptor)
        );
        let write_only = guest.open_file(&root, "f", FileSpec::write());
        assert_eq!(
            pread(&mut guest, write_only, 4, 0).0,
            e(Errno::BadFileDescriptor)
        );
        let no_seek = guest.open_file(
            &root,
            "f",
            FileSpec::read_write().rights(rights::FD_READ | rights::FD_WRITE),
        );
        assert_eq!(pread(&mut guest, no_seek, 4, 0).0, e(Errno::NotCapable));
        assert_eq!(pwrite(&mut guest, no_seek, b"x", 0).0, e(Errno::NotCapable));
        // Pointers.
        let fd = guest.open_file(&root, "f", FileSpec::read_write());
        guest.write_iovecs(IOV, &[(BUF, 4)]);
        for name in ["fd_pread", "fd_pwrite"] {
            let call = |guest: &mut Guest, iovs: u32, count: u32, out: u32| {
                guest.call(name, &[v32(fd), v32(iovs), v32(count), v64(0), v32(out)])
            };
            assert_eq!(
                call(&mut guest, PAGE - 4, 1, OUT),
                e(Errno::Fault),
                "{name}"
            );
            assert_eq!(
                call(&mut guest, IOV + 2, 1, OUT),
                e(Errno::Invalid),
                "{name}"
            );
            assert_eq!(
                call(&mut guest, IOV, 1025, OUT),
                e(Errno::Invalid),
                "{name}"
            );
            assert_eq!(call(&mut guest, IOV, 1, PAGE), e(Errno::Fault), "{name}");
            assert_eq!(
                call(&mut guest, IOV, 1, OUT + 3),
                e(Errno::Invalid),
                "{name}"
            );
        }
        assert_eq!(root.read("f"), b"abc", "{backend:?}");
    }
}

// ---------------------------------------------------------------------------------------
// fd_seek / fd_tell
// ---------------------------------------------------------------------------------------

#[test]
fn fd_seek_and_fd_tell() {
    for backend in BACKENDS {
        let root = Root::new(backend);
        let mut guest = guest(&root);
        let fd = guest.open_file(&root, "f", FileSpec::read_write());
        assert_eq!(tell(&mut guest, fd), (OK, 0));
        assert_eq!(write(&mut guest, fd, &[0; 100]).0, OK);
        assert_eq!(tell(&mut guest, fd), (OK, 100));
        assert_eq!(seek(&mut guest, fd, -50, whence::CUR), (OK, 50));
        assert_eq!(seek(&mut guest, fd, 0, whence::SET), (OK, 0));
        assert_eq!(seek(&mut guest, fd, 1000, whence::CUR), (OK, 1000));
        assert_eq!(seek(&mut guest, fd, -10, whence::END), (OK, 90));
        assert_eq!(seek(&mut guest, fd, 5, whence::END), (OK, 105));
        assert_eq!(
            seek(&mut guest, fd, i64::MAX, whence::SET),
            (OK, i64::MAX as u64)
        );
        // Positions past i64::MAX are reachable with CUR, as in wasmtime.
        assert_eq!(seek(&mut guest, fd, 1, whence::CUR), (OK, 1 << 63));
        assert_eq!(tell(&mut guest, fd), (OK, 1 << 63), "{backend:?}");
    }
}

#[test]
fn fd_seek_errors() {
    for backend in BACKENDS {
        let root = Root::new(backend);
        let mut guest = guest(&root);
        let fd = guest.open_file(&root, "f", FileSpec::read_write());
        assert_eq!(write(&mut guest, fd, &[0; 10]).0, OK);
        // Before byte 0, or past u64::MAX.
        assert_eq!(seek(&mut guest, fd, -1, whence::SET).0, e(Errno::Invalid));
        assert_eq!(seek(&mut guest, fd, -11, whence::CUR).0, e(Errno::Invalid));
        assert_eq!(seek(&mut guest, fd, -11, whence::END).0, e(Errno::Invalid));
        assert_eq!(seek(&mut guest, fd, i64::MAX, whence::SET).0, OK);
        assert_eq!(seek(&mut guest, fd, i64::MAX, whence::CUR).0, OK);
        assert_eq!(seek(&mut guest, fd, 2, whence::CUR).0, e(Errno::Invalid));
        assert_eq!(guest.position(fd), u64::MAX - 1);
        assert_eq!(seek(&mut guest, fd, 0, whence::SET).0, OK);
        // Invalid whence: EINVAL, or EOVERFLOW when it does not even fit a u8 (wiggle).
        for bad in [3, 255] {
            assert_eq!(
                guest.call("fd_seek", &[v32(fd), s64(0), v32(bad), v32(OUT)]),
                e(Errno::Invalid)
            );
        }
        assert_eq!(
            guest.call("fd_seek", &[v32(fd), s64(0), v32(256), v32(OUT)]),
            e(Errno::Overflow)
        );
        // The whence is checked before the descriptor.
        assert_eq!(
            guest.call("fd_seek", &[v32(BAD_FD), s64(0), v32(7), v32(OUT)]),
            e(Errno::Invalid)
        );
        // Descriptors: stdio is a pipe, a directory is not a file.
        assert_eq!(
            seek(&mut guest, BAD_FD, 0, whence::SET).0,
            e(Errno::BadFileDescriptor)
        );
        for stdio in 0..3 {
            assert_eq!(
                seek(&mut guest, stdio, 0, whence::CUR).0,
                e(Errno::InvalidSeek)
            );
            assert_eq!(tell(&mut guest, stdio).0, e(Errno::InvalidSeek));
        }
        for whence in [whence::SET, whence::CUR, whence::END] {
            assert_eq!(
                seek(&mut guest, ROOT_FD, 0, whence).0,
                e(Errno::BadFileDescriptor)
            );
        }
        assert_eq!(tell(&mut guest, ROOT_FD).0, e(Errno::BadFileDescriptor));
        assert_eq!(tell(&mut guest, BAD_FD).0, e(Errno::BadFileDescriptor));
        // A bad result pointer leaves the position where it was.
        assert_eq!(
            guest.call("fd_seek", &[v32(fd), s64(5), v32(0), v32(PAGE - 4)]),
            e(Errno::Fault)
        );
        assert_eq!(
            guest.call("fd_seek", &[v32(fd), s64(5), v32(0), v32(OUT + 4)]),
            e(Errno::Invalid)
        );
        assert_eq!(guest.position(fd), 0);
        assert_eq!(
            guest.call("fd_tell", &[v32(fd), v32(PAGE)]),
            e(Errno::Fault)
        );
        assert_eq!(
            guest.call("fd_tell", &[v32(fd), v32(OUT + 1)]),
            e(Errno::Invalid)
        );
        // Rights: telling needs FD_TELL or FD_SEEK, moving needs FD_SEEK.
        let tell_only = guest.open_file(&root, "f", FileSpec::read().rights(rights::FD_TELL));
        assert_eq!(tell(&mut guest, tell_only), (OK, 0));
        assert_eq!(seek(&mut guest, tell_only, 0, whence::CUR), (OK, 0));
        assert_eq!(
            seek(&mut guest, tell_only, 1, whence::SET).0,
            e(Errno::NotCapable)
        );
        assert_eq!(
            seek(&mut guest, tell_only, 0, whence::END).0,
            e(Errno::NotCapable)
        );
        let seek_only = guest.open_file(&root, "f", FileSpec::read().rights(rights::FD_SEEK));
        assert_eq!(tell(&mut guest, seek_only), (OK, 0));
        assert_eq!(seek(&mut guest, seek_only, 3, whence::SET), (OK, 3));
        let neither = guest.open_file(&root, "f", FileSpec::read().rights(rights::FD_READ));
        assert_eq!(tell(&mut guest, neither).0, e(Errno::NotCapable));
        assert_eq!(
            seek(&mut guest, neither, 0, whence::CUR).0,
            e(Errno::NotCapable),
            "{backend:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// fd_fdstat_get / fd_fdstat_set_flags / fd_fdstat_set_rights
// ---------------------------------------------------------------------------------------

#[test]
fn fd_fdstat_get_describes_every_kind() {
    for backend in BACKENDS {
        let root = Root::new(backend);
        let mut guest = guest(&root);
        // Not a terminal (captured streams): "unknown", as wasmtime reports piped stdio.
        for stdio in 0..3 {
            assert_eq!(fdstat(&mut guest, stdio).fs_filetype, filetype::UNKNOWN);
        }
        guest.wasi().stdio_is_terminal = true;
        for (stdio, rights_base) in [(0, rights::STDIN), (1, rights::STDOUT), (2, rights::STDOUT)] {
            let stat = fdstat(&mut guest, stdio);
            assert_eq!(stat.fs_filetype, filetype::CHARACTER_DEVICE);
            assert_eq!(stat.fs_flags, 0);
            assert_eq!(stat.fs_rights_base, rights_base);
            // wasi-libc's isatty: a character device without seek/tell rights.
            assert_eq!(stat.fs_rights_base & (rights::FD_SEEK | rights::FD_TELL), 0);
        }
        let stat = fdstat(&mut guest, ROOT_FD);
        assert_eq!(stat.fs_filetype, filetype::DIRECTORY);
        // What wasmtime reports for a preopen.
        assert_eq!(stat.fs_rights_base, 0x7b7_fe00);
        assert_eq!(stat.fs_rights_inheriting, 0xff7_ffff);
        let fd = guest.open_file(&root, "f", FileSpec::read_write().flags(fdflags::APPEND));
        let stat = fdstat(&mut guest, fd);
        assert_eq!(
            stat,
            Fdstat {
                fs_filetype: filetype::REGULAR_FILE,
                fs_flags: fdflags::APPEND,
                fs_rights_base: rights::FILE,
                fs_rights_inheriting: 0,
            }
        );
        assert_eq!(
            guest.call("fd_fdstat_get", &[v32(BAD_FD), v32(OUT)]),
            e(Errno::BadFileDescriptor)
        );
        assert_eq!(
            guest.call("fd_fdstat_get", &[v32(fd), v32(PAGE - 8)]),
            e(Errno::Fault)
        );
        assert_eq!(
            guest.call("fd_fdstat_get", &[v32(fd), v32(OUT + 4)]),
            e(Errno::Invalid)
        );
    }
}

#[test]
fn fd_fdstat_set_flags_changes_append_and_nonblock_of_files() {
    for backend in BACKENDS {
        let root = Root::new(backend);
        let mut guest = guest(&root);
        let fd = guest.open_file(&root, "f", FileSpec::read_write());
        let set = |guest: &mut Guest, fd: u32, flags: u32| {
            guest.call("fd_fdstat_set_flags", &[v32(fd), v32(flags)])
        };
        assert_eq!(write(&mut guest, fd, b"0123").0, OK);
        assert_eq!(set(&mut guest, fd, u32::from(fdflags::APPEND)), OK);
        assert_eq!(fdstat(&mut guest, fd).fs_flags, fdflags::APPEND);
        assert_eq!(seek(&mut guest, fd, 0, whence::SET).0, OK);
        assert_eq!(write(&mut guest, fd, b"ab").0, OK);
        assert_eq!(root.read("f"), b"0123ab");
        assert_eq!(
            set(
                &mut guest,
                fd,
                u32::from(fdflags::APPEND | fdflags::NONBLOCK)
            ),
            OK
        );
        assert_eq!(
            fdstat(&mut guest, fd).fs_flags,
            fdflags::APPEND | fdflags::NONBLOCK
        );
        // Flags are 16 bits wide: a value that does not fit overflows (wiggle's
        // `u16::try_from`), and the flags stay as they were.
        assert_eq!(set(&mut guest, fd, 0x1_0000), e(Errno::Overflow));
        assert_eq!(set(&mut guest, fd, 0), OK);
        assert_eq!(fdstat(&mut guest, fd).fs_flags, 0);
        assert_eq!(seek(&mut guest, fd, 0, whence::SET).0, OK);
        assert_eq!(write(&mut guest, fd, b"XY").0, OK);
        assert_eq!(root.read("f"), b"XY23ab", "{backend:?}");
        // Sync flags cannot be set (wasmtime), unknown bits are invalid.
        for flags in [
            fdflags::DSYNC,
            fdflags::RSYNC,
            fdflags::SYNC,
            fdflags::APPEND | fdflags::SYNC,
            1 << 5,
            1 << 15,
        ] {
            assert_eq!(
                set(&mut guest, fd, u32::from(flags)),
                e(Errno::Invalid),
                "{flags:#x}"
            );
        }
        assert_eq!(fdstat(&mut guest, fd).fs_flags, 0);
        // Files only.
        assert_eq!(set(&mut guest, ROOT_FD, 0), e(Errno::BadFileDescriptor));
        for stdio in 0..3 {
            assert_eq!(
                set(&mut guest, stdio, u32::from(fdflags::NONBLOCK)),
                e(Errno::BadFileDescriptor)
            );
        }
        assert_eq!(set(&mut guest, BAD_FD, 0), e(Errno::BadFileDescriptor));
        // Flags are validated before the descriptor.
        assert_eq!(set(&mut guest, BAD_FD, 1 << 6), e(Errno::Invalid));
        // The right.
        let no_right = guest.open_file(&root, "f", FileSpec::read().rights(rights::FD_READ));
        assert_eq!(
            set(&mut guest, no_right, u32::from(fdflags::APPEND)),
            e(Errno::NotCapable)
        );
    }
}

#[test]
fn fd_fdstat_set_rights_only_removes_rights() {
    let root = Root::new(Backend::Memory);
    let mut guest = guest(&root);
    let fd = guest.open_file(
        &root,
        "f",
        FileSpec::read_write()
            .rights(rights::FD_READ | rights::FD_WRITE | rights::FD_SEEK | rights::FD_TELL),
    );
    assert_eq!(write(&mut guest, fd, b"1234").0, OK);
    // Drop read and write (wasi-testsuite `fd_fdstat_set_rights`).
    let set = |guest: &mut Guest, fd: u32, base: u64, inheriting: u64| {
        guest.call(
            "fd_fdstat_set_rights",
            &[v32(fd), v64(base), v64(inheriting)],
        )
    };
    assert_eq!(
        set(&mut guest, fd, rights::FD_SEEK | rights::FD_TELL, 0),
        OK
    );
    let stat = fdstat(&mut guest, fd);
    assert_eq!(stat.fs_rights_base, rights::FD_SEEK | rights::FD_TELL);
    assert_eq!(read(&mut guest, fd, 4).0, e(Errno::NotCapable));
    assert_eq!(write(&mut guest, fd, b"x").0, e(Errno::NotCapable));
    // Granting them back fails and changes nothing.
    assert_eq!(
        set(&mut guest, fd, stat.fs_rights_base | rights::FD_READ, 0),
        e(Errno::NotCapable)
    );
    assert_eq!(
        set(&mut guest, fd, stat.fs_rights_base, rights::FD_READ),
        e(Errno::NotCapable)
    );
    assert_eq!(
        fdstat(&mut guest, fd).fs_rights_base,
        rights::FD_SEEK | rights::FD_TELL
    );
    // Undefined bits are invalid (even when only "removing").
    assert_eq!(set(&mut guest, fd, 1 << 30, 0), e(Errno::Invalid));
    // A negative `i64` does not fit the `u64` rights type: overflow.
    assert_eq!(set(&mut guest, fd, 0, 1 << 63), e(Errno::Overflow));
    assert_eq!(set(&mut guest, BAD_FD, 0, 0), e(Errno::BadFileDescriptor));
    // Directories: both sets shrink.
    assert_eq!(
        set(
            &mut guest,
            ROOT_FD,
            rights::PREOPEN_BASE & !rights::PATH_OPEN,
            rights::FILE
        ),
        OK
    );
    let stat = fdstat(&mut guest, ROOT_FD);
    assert_eq!(
        stat.fs_rights_base,
        rights::PREOPEN_BASE & !rights::PATH_OPEN
    );
    assert_eq!(stat.fs_rights_inheriting, rights::FILE);
    assert_eq!(
        set(&mut guest, ROOT_FD, stat.fs_rights_base, rights::DIRECTORY),
        e(Errno::NotCapable)
    );
    // Stdio too.
    assert_eq!(set(&mut guest, 1, rights::FD_WRITE, 0), OK);
    assert_eq!(fdstat(&mut guest, 1).fs_rights_base, rights::FD_WRITE);
    // Dropping to nothing and setting the same rights again are fine.
    assert_eq!(set(&mut guest, fd, 0, 0), OK);
    assert_eq!(set(&mut guest, fd, 0, 0), OK);
}

// ---------------------------------------------------------------------------------------
// fd_filestat_get / fd_filestat_set_size / fd_filestat_set_times
// ---------------------------------------------------------------------------------------

#[test]
fn fd_filestat_get_reports_adapter_metadata() {
    for backend in BACKENDS {
        let root = Root::new(backend);
        root.write("f", b"twelve bytes");
        root.mkdir("d");
        let mut guest = guest(&root);
        let fd = guest.open_file(&root, "f", FileSpec::read());
        let stat = filestat(&mut guest, fd);
        let metadata = root.metadata("f");
        assert_eq!(stat.filetype, filetype::REGULAR_FILE);
        assert_eq!(stat.size, 12);
        assert_eq!((stat.dev, stat.ino), (metadata.device, metadata.inode));
        assert_eq!(stat.nlink, 1);
        assert_eq!(
            (stat.mtim, stat.ctim),
            (metadata.modified, metadata.changed)
        );
        let directory = guest.insert_directory(root.subdirectory("d"), None, rights::DIRECTORY);
        let stat = filestat(&mut guest, directory);
        assert_eq!(stat.filetype, filetype::DIRECTORY);
        assert_eq!(stat.ino, root.metadata("d").inode);
        assert_eq!(filestat(&mut guest, ROOT_FD).filetype, filetype::DIRECTORY);
        guest.wasi().stdio_is_terminal = true;
        for stdio in 0..3 {
            assert_eq!(
                filestat(&mut guest, stdio),
                Filestat {
                    dev: 0,
                    ino: 0,
                    filetype: filetype::CHARACTER_DEVICE,
                    nlink: 0,
                    size: 0,
                    atim: 0,
                    mtim: 0,
                    ctim: 0,
                }
            );
        }
        assert_eq!(
            guest.call("fd_filestat_get", &[v32(BAD_FD), v32(OUT)]),
            e(Errno::BadFileDescriptor)
        );
        assert_eq!(
            guest.call("fd_filestat_get", &[v32(fd), v32(PAGE - 32)]),
            e(Errno::Fault)
        );
        assert_eq!(
            guest.call("fd_filestat_get", &[v32(fd), v32(OUT + 4)]),
            e(Errno::Invalid)
        );
        let no_right = guest.open_file(&root, "f", FileSpec::read().rights(rights::FD_READ));
        assert_eq!(
            guest.call("fd_filestat_get", &[v32(no_right), v32(OUT)]),
            e(Errno::NotCapable),
            "{backend:?}"
        );
    }
}

#[test]
fn fd_filestat_set_size_truncates_and_extends() {
    for backend in BACKENDS {
        let root = Root::new(backend);
        root.write("f", b"0123456789");
        let mut guest = guest(&root);
        let set = |guest: &mut Guest, fd: u32, size: u64| {
            guest.call("fd_filestat_set_size", &[v32(fd), v64(size)])
        };
        let fd = guest.open_file(&root, "f", FileSpec::read_write());
        assert_eq!(set(&mut guest, fd, 4), OK);
        assert_eq!(root.read("f"), b"0123");
        assert_eq!(set(&mut guest, fd, 100), OK);
        assert_eq!(filestat(&mut guest, fd).size, 100);
        assert_eq!(root.read("f")[4..], [0; 96]);
        // The position is not touched.
        assert_eq!(guest.position(fd), 0);
        // A file not opened for writing: EINVAL (Linux ftruncate); a size beyond off_t: EINVAL.
        let read_only = guest.open_file(&root, "f", FileSpec::read());
        assert_eq!(set(&mut guest, read_only, 0), e(Errno::Invalid));
        assert_eq!(set(&mut guest, fd, 1 << 63), e(Errno::Invalid));
        assert_eq!(set(&mut guest, fd, u64::MAX), e(Errno::Invalid));
        assert_eq!(filestat(&mut guest, fd).size, 100);
        // Files only.
        assert_eq!(set(&mut guest, ROOT_FD, 0), e(Errno::BadFileDescriptor));
        for stdio in 0..3 {
            assert_eq!(set(&mut guest, stdio, 0), e(Errno::BadFileDescriptor));
        }
        assert_eq!(set(&mut guest, BAD_FD, 0), e(Errno::BadFileDescriptor));
        let no_right = guest.open_file(&root, "f", FileSpec::read_write().rights(rights::FD_WRITE));
        assert_eq!(
            set(&mut guest, no_right, 0),
            e(Errno::NotCapable),
            "{backend:?}"
        );
    }
}

#[test]
fn fd_filestat_set_times_sets_each_timestamp() {
    for backend in BACKENDS {
        let root = Root::new(backend);
        root.write("f", b"x");
        root.mkdir("d");
        let mut guest = guest(&root);
        let set = |guest: &mut Guest, fd: u32, atim: u64, mtim: u64, flags: u16| {
            guest.call(
                "fd_filestat_set_times",
                &[v32(fd), v64(atim), v64(mtim), v32(u32::from(flags))],
            )
        };
        let fd = guest.open_file(&root, "f", FileSpec::read());
        let before = filestat(&mut guest, fd);
        const A: u64 = 1_000_000_123;
        const M: u64 = 2_000_000_456;
        assert_eq!(
            set(&mut guest, fd, A, M, fstflags::ATIM | fstflags::MTIM),
            OK
        );
        let stat = filestat(&mut guest, fd);
        assert_eq!((stat.atim, stat.mtim), (A, M), "{backend:?}");
        // Only the modification time; the access time stays.
        assert_eq!(set(&mut guest, fd, 5, M + 1_000, fstflags::MTIM), OK);
        let stat = filestat(&mut guest, fd);
        assert_eq!((stat.atim, stat.mtim), (A, M + 1_000));
        // Nothing to change.
        assert_eq!(set(&mut guest, fd, 5, 5, 0), OK);
        assert_eq!(filestat(&mut guest, fd).mtim, M + 1_000);
        // "Now" is the adapter's clock.
        assert_eq!(
            set(
                &mut guest,
                fd,
                0,
                0,
                fstflags::ATIM_NOW | fstflags::MTIM_NOW
            ),
            OK
        );
        let stat = filestat(&mut guest, fd);
        assert!(
            stat.mtim >= before.mtim && stat.atim >= before.mtim,
            "{backend:?}"
        );
        if let Some(clock) = root.manual_clock() {
            let now = clock.advance(1_000);
            assert_eq!(set(&mut guest, fd, 0, 0, fstflags::MTIM_NOW), OK);
            assert_eq!(filestat(&mut guest, fd).mtim, now);
        }
        // Directories too.
        let directory = guest.insert_directory(root.subdirectory("d"), None, rights::DIRECTORY);
        assert_eq!(
            set(&mut guest, directory, A, M, fstflags::ATIM | fstflags::MTIM),
            OK
        );
        assert_eq!(root.metadata("d").modified, M);
        assert_eq!(set(&mut guest, ROOT_FD, A, M, fstflags::MTIM), OK);
        // Both a time and "now" for the same timestamp (wasi-testsuite `fstflags_validate`).
        assert_eq!(
            set(
                &mut guest,
                fd,
                100,
                200,
                fstflags::MTIM | fstflags::MTIM_NOW
            ),
            e(Errno::Invalid)
        );
        assert_eq!(
            set(
                &mut guest,
                fd,
                100,
                200,
                fstflags::ATIM | fstflags::ATIM_NOW
            ),
            e(Errno::Invalid)
        );
        assert_eq!(set(&mut guest, fd, 100, 200, 1 << 4), e(Errno::Invalid));
        // Flags are checked before the descriptor.
        assert_eq!(
            set(
                &mut guest,
                BAD_FD,
                1,
                2,
                fstflags::ATIM | fstflags::ATIM_NOW
            ),
            e(Errno::Invalid)
        );
        assert_eq!(
            set(&mut guest, BAD_FD, 1, 2, fstflags::ATIM),
            e(Errno::BadFileDescriptor)
        );
        for stdio in 0..3 {
            assert_eq!(
                set(&mut guest, stdio, 1, 2, fstflags::ATIM),
                e(Errno::BadFileDescriptor)
            );
        }
        let no_right = guest.open_file(&root, "f", FileSpec::read().rights(rights::FD_READ));
        assert_eq!(
            set(&mut guest, no_right, 1, 2, fstflags::ATIM),
            e(Errno::NotCapable)
        );
        assert_eq!(set_rights(&mut guest, directory, rights::FD_READDIR), OK);
        assert_eq!(
            set(&mut guest, directory, 1, 2, fstflags::ATIM),
            e(Errno::NotCapable)
        );
    }
}

// ---------------------------------------------------------------------------------------
// fd_advise / fd_allocate / fd_datasync / fd_sync
// ---------------------------------------------------------------------------------------

#[test]
fn fd_advise_validates_and_ignores_advice() {
    for backend in BACKENDS {
        let root = Root::new(backend);
        root.write("f", b"data");
        let mut guest = guest(&root);
        let advise = |guest: &mut Guest, fd: u32, offset: u64, len: u64, advice: u32| {
            guest.call("fd_advise", &[v32(fd), v64(offset), v64(len), v32(advice)])
        };
        let fd = guest.open_file(&root, "f", FileSpec::read());
        for advice in 0..=5 {
            assert_eq!(advise(&mut guest, fd, 10, 50, advice), OK);
        }
        assert_eq!(filestat(&mut guest, fd).size, 4);
        assert_eq!(advise(&mut guest, fd, 0, 0, 6), e(Errno::Invalid));
        assert_eq!(advise(&mut guest, fd, 0, 0, 255), e(Errno::Invalid));
        assert_eq!(advise(&mut guest, fd, 0, 0, 256), e(Errno::Overflow));
        // Any offset (a signed `off_t` for `posix_fadvise`, negative ones included), but not
        // a length above `i64::MAX` (negative there: `EINVAL`), as under wasmtime.
        assert_eq!(advise(&mut guest, fd, 1 << 63, 0, 0), OK);
        assert_eq!(advise(&mut guest, fd, u64::MAX, 2, 0), OK);
        assert_eq!(advise(&mut guest, fd, 0, 1 << 63, 0), e(Errno::Invalid));
        assert_eq!(advise(&mut guest, fd, 0, u64::MAX, 0), e(Errno::Invalid));
        // Files only; the advice is checked first.
        assert_eq!(
            advise(&mut guest, ROOT_FD, 0, 0, 0),
            e(Errno::BadFileDescriptor)
        );
        for stdio in 0..3 {
            assert_eq!(
                advise(&mut guest, stdio, 0, 0, 0),
                e(Errno::BadFileDescriptor)
            );
        }
        assert_eq!(
            advise(&mut guest, BAD_FD, 0, 0, 0),
            e(Errno::BadFileDescriptor)
        );
        assert_eq!(advise(&mut guest, BAD_FD, 0, 0, 9), e(Errno::Invalid));
        let no_right = guest.open_file(&root, "f", FileSpec::read().rights(rights::FD_READ));
        assert_eq!(advise(&mut guest, no_right, 0, 0, 0), e(Errno::NotCapable));
    }
}

#[test]
fn fd_allocate_is_not_supported() {
    for backend in BACKENDS {
        let root = Root::new(backend);
        let mut guest = guest(&root);
        let allocate =
            |guest: &mut Guest, fd: u32| guest.call("fd_allocate", &[v32(fd), v64(0), v64(100)]);
        let fd = guest.open_file(&root, "f", FileSpec::read_write());
        assert_eq!(allocate(&mut guest, fd), e(Errno::NotSupported));
        assert_eq!(filestat(&mut guest, fd).size, 0);
        assert_eq!(allocate(&mut guest, ROOT_FD), e(Errno::BadFileDescriptor));
        assert_eq!(allocate(&mut guest, 1), e(Errno::BadFileDescriptor));
        assert_eq!(allocate(&mut guest, BAD_FD), e(Errno::BadFileDescriptor));
        let no_right = guest.open_file(&root, "f", FileSpec::read_write().rights(rights::FD_WRITE));
        assert_eq!(allocate(&mut guest, no_right), e(Errno::NotCapable));
    }
}

#[test]
fn fd_sync_and_fd_datasync_on_files_only() {
    for backend in BACKENDS {
        let root = Root::new(backend);
        let mut guest = guest(&root);
        let fd = guest.open_file(&root, "f", FileSpec::read_write());
        assert_eq!(write(&mut guest, fd, b"durable").0, OK);
        for (name, right) in [
            ("fd_sync", rights::FD_SYNC),
            ("fd_datasync", rights::FD_DATASYNC),
        ] {
            assert_eq!(guest.call(name, &[v32(fd)]), OK, "{name}");
            // wasmtime gives EBADF for directories and stdio.
            assert_eq!(
                guest.call(name, &[v32(ROOT_FD)]),
                e(Errno::BadFileDescriptor)
            );
            for stdio in 0..3 {
                assert_eq!(guest.call(name, &[v32(stdio)]), e(Errno::BadFileDescriptor));
            }
            assert_eq!(
                guest.call(name, &[v32(BAD_FD)]),
                e(Errno::BadFileDescriptor)
            );
            let without =
                guest.open_file(&root, "f", FileSpec::read().rights(rights::FILE & !right));
            assert_eq!(
                guest.call(name, &[v32(without)]),
                e(Errno::NotCapable),
                "{name}"
            );
        }
        assert_eq!(root.read("f"), b"durable");
    }
}

// ---------------------------------------------------------------------------------------
// fd_close / fd_renumber
// ---------------------------------------------------------------------------------------

#[test]
fn fd_close_frees_the_lowest_number_for_reuse() {
    for backend in BACKENDS {
        let root = Root::new(backend);
        let mut guest = guest(&root);
        let first = guest.open_file(&root, "a", FileSpec::read_write());
        let second = guest.open_file(&root, "b", FileSpec::read_write());
        assert_eq!((first, second), (4, 5));
        assert_eq!(guest.call("fd_close", &[v32(first)]), OK);
        assert_eq!(
            guest.call("fd_close", &[v32(first)]),
            e(Errno::BadFileDescriptor)
        );
        assert_eq!(
            write(&mut guest, first, b"x").0,
            e(Errno::BadFileDescriptor)
        );
        assert_eq!(guest.open_file(&root, "c", FileSpec::read_write()), 4);
        assert_eq!(
            guest.call("fd_close", &[v32(BAD_FD)]),
            e(Errno::BadFileDescriptor)
        );
        assert_eq!(
            guest.call("fd_close", &[v32(u32::MAX)]),
            e(Errno::BadFileDescriptor)
        );
        // Closing a preopen is allowed (wasmtime), and so is closing stdio.
        assert_eq!(guest.call("fd_close", &[v32(ROOT_FD)]), OK);
        assert_eq!(
            guest.call("fd_fdstat_get", &[v32(ROOT_FD), v32(OUT)]),
            e(Errno::BadFileDescriptor)
        );
        assert_eq!(guest.call("fd_close", &[v32(1)]), OK);
        assert_eq!(write(&mut guest, 1, b"x").0, e(Errno::BadFileDescriptor));
        // The file written through a closed descriptor kept its data.
        assert_eq!(write(&mut guest, second, b"kept").0, OK);
        assert_eq!(guest.call("fd_close", &[v32(second)]), OK);
        assert_eq!(root.read("b"), b"kept", "{backend:?}");
    }
}

#[test]
fn fd_renumber_moves_a_descriptor_over_another() {
    for backend in BACKENDS {
        let root = Root::new(backend);
        let mut guest = guest(&root);
        let from = guest.open_file(
            &root,
            "file1",
            FileSpec::read_write().flags(fdflags::APPEND),
        );
        let to = guest.open_file(&root, "file2", FileSpec::read_write());
        let from_stat = fdstat(&mut guest, from);
        assert_eq!(guest.call("fd_renumber", &[v32(from), v32(to)]), OK);
        assert_eq!(
            guest.call("fd_close", &[v32(from)]),
            e(Errno::BadFileDescriptor)
        );
        assert_eq!(fdstat(&mut guest, to), from_stat);
        assert_eq!(write(&mut guest, to, b"moved").0, OK);
        assert_eq!(root.read("file1"), b"moved");
        assert!(root.read("file2").is_empty());
        // The freed number is reused first.
        assert_eq!(
            guest.open_file(&root, "file3", FileSpec::read_write()),
            from
        );
        // Same descriptor: nothing happens.
        assert_eq!(guest.call("fd_renumber", &[v32(to), v32(to)]), OK);
        assert!(guest.is_open(to));
        // Both must be open.
        assert_eq!(
            guest.call("fd_renumber", &[v32(BAD_FD), v32(to)]),
            e(Errno::BadFileDescriptor)
        );
        assert_eq!(
            guest.call("fd_renumber", &[v32(to), v32(BAD_FD)]),
            e(Errno::BadFileDescriptor)
        );
        assert_eq!(
            guest.call("fd_renumber", &[v32(to), v32(u32::MAX)]),
            e(Errno::BadFileDescriptor)
        );
        assert_eq!(
            guest.call("fd_renumber", &[v32(BAD_FD), v32(BAD_FD)]),
            e(Errno::BadFileDescriptor)
        );
        assert!(guest.is_open(to), "{backend:?}");
        assert!(!guest.is_open(BAD_FD));
    }
}

#[test]
fn fd_renumber_over_a_preopen_and_stdio() {
    let root = Root::new(Backend::Memory);
    root.mkdir("scratch");
    let mut guest = guest(&root);
    // wasi-testsuite `overwrite_preopen`: renumbering over a preopen is allowed.
    let scratch = guest.insert_directory(root.subdirectory("scratch"), None, rights::DIRECTORY);
    let before = filestat(&mut guest, scratch);
    assert_eq!(guest.call("fd_renumber", &[v32(scratch), v32(ROOT_FD)]), OK);
    let after = filestat(&mut guest, ROOT_FD);
    assert_eq!((after.dev, after.ino), (before.dev, before.ino));
    assert_eq!(
        guest.call("fd_fdstat_get", &[v32(scratch), v32(OUT)]),
        e(Errno::BadFileDescriptor)
    );
    // The replaced preopen is gone: fd 3 is no longer a preopen.
    assert_eq!(
        guest.call("fd_prestat_get", &[v32(ROOT_FD), v32(OUT)]),
        e(Errno::BadFileDescriptor)
    );
    // wasi-testsuite `stdio`: stdio can be renumbered onto a file.
    guest.wasi().stdio_is_terminal = true;
    for stdio in 0..3 {
        let file = guest.open_file(&root, "f", FileSpec::read_write());
        assert_eq!(guest.call("fd_renumber", &[v32(stdio), v32(file)]), OK);
        assert_eq!(
            fdstat(&mut guest, file).fs_filetype,
            filetype::CHARACTER_DEVICE
        );
        assert_eq!(
            guest.call("fd_fdstat_get", &[v32(stdio), v32(OUT)]),
            e(Errno::BadFileDescriptor)
        );
        assert_eq!(guest.call("fd_close", &[v32(file)]), OK);
    }
    // stdout moved and closed: writing to it is EBADF, the capture has nothing.
    assert_eq!(write(&mut guest, 1, b"x").0, e(Errno::BadFileDescriptor));
}

#[test]
fn renumbered_stdout_still_writes_to_the_capture() {
    let root = Root::new(Backend::Memory);
    let mut guest = guest(&root);
    let file = guest.open_file(&root, "f", FileSpec::read_write());
    assert_eq!(guest.call("fd_renumber", &[v32(1), v32(file)]), OK);
    assert_eq!(write(&mut guest, file, b"to stdout").0, OK);
    assert_eq!(guest.stdout.contents(), b"to stdout");
    // Renumbering a file onto stderr replaces stderr.
    let other = guest.open_file(&root, "g", FileSpec::read_write());
    assert_eq!(guest.call("fd_renumber", &[v32(other), v32(2)]), OK);
    assert_eq!(write(&mut guest, 2, b"to a file").0, OK);
    assert!(guest.stderr.contents().is_empty());
    assert_eq!(root.read("g"), b"to a file");
}

// ---------------------------------------------------------------------------------------
// fd_prestat_get / fd_prestat_dir_name
// ---------------------------------------------------------------------------------------

#[test]
fn fd_prestat_describes_preopens() {
    let root = Root::new(Backend::Memory);
    let data = Root::new(Backend::Host);
    let mut guest = Guest::builder()
        .imports(FD_FUNCTIONS)
        .preopen("/", &root)
        .preopen("/data/sub", &data)
        .build();
    assert_eq!(guest.call("fd_prestat_get", &[v32(3), v32(OUT)]), OK);
    assert_eq!(
        guest.read::<Prestat>(OUT),
        Prestat {
            tag: 0,
            pr_name_len: 1
        }
    );
    assert_eq!(guest.call("fd_prestat_get", &[v32(4), v32(OUT)]), OK);
    assert_eq!(
        guest.read::<Prestat>(OUT),
        Prestat {
            tag: 0,
            pr_name_len: 9
        }
    );
    // The name, without a NUL, into an exact or larger buffer.
    guest.write_memory(BUF, &[0xEE; 16]);
    assert_eq!(
        guest.call("fd_prestat_dir_name", &[v32(4), v32(BUF), v32(9)]),
        OK
    );
    assert_eq!(guest.read_memory(BUF, 10), b"/data/sub\xEE");
    assert_eq!(
        guest.call("fd_prestat_dir_name", &[v32(3), v32(BUF + 1), v32(100)]),
        OK
    );
    assert_eq!(guest.read_memory(BUF, 3), b"//a");
    // Too small (wasi-testsuite accepts NAMETOOLONG; wasmtime gives it).
    assert_eq!(
        guest.call("fd_prestat_dir_name", &[v32(4), v32(BUF), v32(8)]),
        e(Errno::NameTooLong)
    );
    assert_eq!(
        guest.call("fd_prestat_dir_name", &[v32(3), v32(BUF), v32(0)]),
        e(Errno::NameTooLong)
    );
    // Pointers (the prestat struct is 4-aligned; names have no alignment).
    assert_eq!(
        guest.call("fd_prestat_get", &[v32(3), v32(PAGE - 4)]),
        e(Errno::Fault)
    );
    assert_eq!(
        guest.call("fd_prestat_get", &[v32(3), v32(OUT + 2)]),
        e(Errno::Invalid)
    );
    assert_eq!(
        guest.call("fd_prestat_dir_name", &[v32(4), v32(PAGE - 8), v32(9)]),
        e(Errno::Fault)
    );
    assert_eq!(
        guest.call("fd_prestat_dir_name", &[v32(4), v32(BUF + 3), v32(9)]),
        OK
    );
    // What is not a preopen: EBADF from fd_prestat_get, ENOTDIR from fd_prestat_dir_name
    // (wasmtime's legacy answers, which wasi-libc relies on to stop scanning).
    root.mkdir("d");
    let directory = guest.insert_directory(root.subdirectory("d"), None, rights::DIRECTORY);
    let file = guest.open_file(&root, "f", FileSpec::read_write());
    for fd in [0, 1, 2, directory, file] {
        assert_eq!(
            guest.call("fd_prestat_get", &[v32(fd), v32(OUT)]),
            e(Errno::BadFileDescriptor),
            "{fd}"
        );
        assert_eq!(
            guest.call("fd_prestat_dir_name", &[v32(fd), v32(BUF), v32(100)]),
            e(Errno::NotDirectory),
            "{fd}"
        );
    }
    assert_eq!(
        guest.call("fd_prestat_get", &[v32(BAD_FD), v32(OUT)]),
        e(Errno::BadFileDescriptor)
    );
    assert_eq!(
        guest.call("fd_prestat_dir_name", &[v32(BAD_FD), v32(BUF), v32(100)]),
        e(Errno::BadFileDescriptor)
    );
}

#[test]
fn wasi_libc_style_preopen_scan_stops_at_the_first_gap() {
    let root = Root::new(Backend::Memory);
    let mut guest = guest(&root);
    let mut found = Vec::new();
    for fd in 3.. {
        if guest.call("fd_prestat_get", &[v32(fd), v32(OUT)]) != OK {
            break;
        }
        let prestat: Prestat = guest.read(OUT);
        assert_eq!(
            guest.call(
                "fd_prestat_dir_name",
                &[v32(fd), v32(BUF), v32(prestat.pr_name_len)]
            ),
            OK
        );
        found.push(String::from_utf8(guest.read_memory(BUF, prestat.pr_name_len)).unwrap());
    }
    assert_eq!(found, ["/"]);
}

// ---------------------------------------------------------------------------------------
// Whole-group properties
// ---------------------------------------------------------------------------------------

#[test]
fn every_function_rejects_bad_descriptors_without_side_effects() {
    let root = Root::new(Backend::Memory);
    let mut guest = guest(&root);
    guest.write_iovecs(IOV, &[(BUF, 4)]);
    let calls: &[(&str, Vec<vm_core::Value>)] = &[
        ("fd_advise", vec![v64(0), v64(0), v32(0)]),
        ("fd_allocate", vec![v64(0), v64(0)]),
        ("fd_close", vec![]),
        ("fd_datasync", vec![]),
        ("fd_fdstat_get", vec![v32(OUT)]),
        ("fd_fdstat_set_flags", vec![v32(0)]),
        ("fd_fdstat_set_rights", vec![v64(0), v64(0)]),
        ("fd_filestat_get", vec![v32(OUT)]),
        ("fd_filestat_set_size", vec![v64(0)]),
        ("fd_filestat_set_times", vec![v64(0), v64(0), v32(0)]),
        ("fd_pread", vec![v32(IOV), v32(1), v64(0), v32(OUT)]),
        ("fd_prestat_get", vec![v32(OUT)]),
        ("fd_prestat_dir_name", vec![v32(BUF), v32(10)]),
        ("fd_pwrite", vec![v32(IOV), v32(1), v64(0), v32(OUT)]),
        ("fd_read", vec![v32(IOV), v32(1), v32(OUT)]),
        ("fd_renumber", vec![v32(1)]),
        ("fd_seek", vec![s64(0), v32(0), v32(OUT)]),
        ("fd_sync", vec![]),
        ("fd_tell", vec![v32(OUT)]),
        ("fd_write", vec![v32(IOV), v32(1), v32(OUT)]),
    ];
    assert_eq!(calls.len(), FD_FUNCTIONS.len());
    for fd in [BAD_FD, 1024, u32::MAX, i32::MAX as u32 + 1] {
        for (name, rest) in calls {
            let mut args = vec![v32(fd)];
            args.extend(rest.iter().copied());
            assert_eq!(
                guest.call(name, &args),
                e(Errno::BadFileDescriptor),
                "{name}({fd})"
            );
        }
    }
    // EBADF also wins over bad result pointers and iovec arrays, as in wasmtime (the
    // descriptor is looked up before guest memory is touched).
    const WILD: u32 = u32::MAX - 2;
    let wild_pointers: &[(&str, Vec<vm_core::Value>)] = &[
        ("fd_fdstat_get", vec![v32(WILD)]),
        ("fd_filestat_get", vec![v32(WILD)]),
        ("fd_pread", vec![v32(WILD), v32(1), v64(0), v32(WILD)]),
        ("fd_prestat_get", vec![v32(WILD)]),
        ("fd_prestat_dir_name", vec![v32(WILD), v32(10)]),
        ("fd_pwrite", vec![v32(WILD), v32(1), v64(0), v32(WILD)]),
        ("fd_read", vec![v32(WILD), v32(1), v32(WILD)]),
        ("fd_seek", vec![s64(0), v32(0), v32(WILD)]),
        ("fd_tell", vec![v32(WILD)]),
        ("fd_write", vec![v32(WILD), v32(1), v32(WILD)]),
    ];
    for (name, rest) in wild_pointers {
        let mut args = vec![v32(BAD_FD)];
        args.extend(rest.iter().copied());
        assert_eq!(
            guest.call(name, &args),
            e(Errno::BadFileDescriptor),
            "{name}"
        );
    }
    for fd in 0..4 {
        assert!(guest.is_open(fd));
    }
    assert!(guest.stdout.contents().is_empty());
}
