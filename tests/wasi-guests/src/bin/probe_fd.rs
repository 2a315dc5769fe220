//! Prints the errno (and the deterministic results) of descriptor-level edge cases, through
//! raw `wasi_snapshot_preview1` calls only. Its output under wasmtime (the reference) is
//! recorded in `expected/probe_fd.stdout`. Run it on a fresh, empty preopen `/` (fd 3): it
//! creates everything it needs there. It never prints times it did not set, inode or device
//! numbers.
//!
//! Each line is `case: errno` on failure, or `case: ok` followed by the results.
//!
//! Cases whose argument does not decode (an unknown enum value or flag bit) make wasmtime
//! trap instead of returning an errno, so the default run skips them; `probe_fd "CASE"` runs
//! the default cases plus the one named (see `risky`), to compare them one at a time.
//!
//! Each raw import is called from exactly one safe wrapper below (the only `unsafe` blocks of
//! the program); the cases use the wrappers only.

/// The raw imports. Pointers are guest addresses (wasm32: `usize` and pointers are 32 bits);
/// the host reads and writes guest linear memory through them.
mod sys {
    /// `iovec`: a buffer the host writes into.
    #[repr(C)]
    pub struct Iovec {
        pub buf: *mut u8,
        pub len: usize,
    }

    /// `ciovec`: a buffer the host reads from.
    #[repr(C)]
    pub struct Ciovec {
        pub buf: *const u8,
        pub len: usize,
    }

    #[link(wasm_import_module = "wasi_snapshot_preview1")]
    unsafe extern "C" {
        pub fn fd_advise(fd: u32, offset: u64, len: u64, advice: u32) -> i32;
        pub fn fd_allocate(fd: u32, offset: u64, len: u64) -> i32;
        pub fn fd_close(fd: u32) -> i32;
        pub fn fd_datasync(fd: u32) -> i32;
        pub fn fd_fdstat_get(fd: u32, stat: *mut u8) -> i32;
        pub fn fd_fdstat_set_flags(fd: u32, flags: u32) -> i32;
        pub fn fd_fdstat_set_rights(fd: u32, base: u64, inheriting: u64) -> i32;
        pub fn fd_filestat_get(fd: u32, stat: *mut u8) -> i32;
        pub fn fd_filestat_set_size(fd: u32, size: u64) -> i32;
        pub fn fd_filestat_set_times(fd: u32, atim: u64, mtim: u64, flags: u32) -> i32;
        pub fn fd_pread(
            fd: u32,
            iovs: *const Iovec,
            iovs_len: usize,
            offset: u64,
            nread: *mut usize,
        ) -> i32;
        pub fn fd_prestat_get(fd: u32, prestat: *mut u8) -> i32;
        pub fn fd_prestat_dir_name(fd: u32, path: *mut u8, path_len: usize) -> i32;
        pub fn fd_pwrite(
            fd: u32,
            iovs: *const Ciovec,
            iovs_len: usize,
            offset: u64,
            nwritten: *mut usize,
        ) -> i32;
        pub fn fd_read(fd: u32, iovs: *const Iovec, iovs_len: usize, nread: *mut usize) -> i32;
        pub fn fd_readdir(
            fd: u32,
            buf: *mut u8,
            buf_len: usize,
            cookie: u64,
            used: *mut usize,
        ) -> i32;
        pub fn fd_renumber(from: u32, to: u32) -> i32;
        pub fn fd_seek(fd: u32, offset: i64, whence: u32, newoffset: *mut u64) -> i32;
        pub fn fd_sync(fd: u32) -> i32;
        pub fn fd_tell(fd: u32, offset: *mut u64) -> i32;
        pub fn fd_write(fd: u32, iovs: *const Ciovec, iovs_len: usize, nwritten: *mut usize)
        -> i32;
        pub fn path_create_directory(fd: u32, path: *const u8, path_len: usize) -> i32;
        pub fn path_open(
            fd: u32,
            dirflags: u32,
            path: *const u8,
            path_len: usize,
            oflags: u32,
            rights_base: u64,
            rights_inheriting: u64,
            fdflags: u32,
            opened: *mut u32,
        ) -> i32;
    }
}

// ---- Safe wrappers: one per import, the only `unsafe` of the program ----------------------
//
// Common ground for every SAFETY comment below: the imports are host functions that only
// read and write guest linear memory at the addresses and lengths they are given, and only
// during the call (they keep no pointer). So a call is sound when every pointer passed comes
// from a Rust reference or slice that is live for the whole call, with the length of that
// slice (the host never goes past it), shared for what the host only reads and exclusive
// (`&mut`) for what it writes. Values that are not pointers (descriptors, offsets, flags,
// enum values) cannot make a call unsound whatever they are: the host checks them and
// returns an errno or traps.

fn fd_advise(fd: u32, offset: u64, len: u64, advice: u32) -> i32 {
    // SAFETY: no pointer arguments; the host checks every value.
    unsafe { sys::fd_advise(fd, offset, len, advice) }
}

fn fd_allocate(fd: u32, offset: u64, len: u64) -> i32 {
    // SAFETY: no pointer arguments; the host checks every value.
    unsafe { sys::fd_allocate(fd, offset, len) }
}

/// Closes `fd`. Memory-safe whatever `fd` is; as for I/O safety, no Rust object owns the
/// descriptors this program closes or renumbers (it opens them through `path_open`, and uses
/// stdin and the preopen only through these wrappers, never through `std`).
fn fd_close(fd: u32) -> i32 {
    // SAFETY: no pointer arguments, so the host touches no guest memory; it checks the
    // descriptor.
    unsafe { sys::fd_close(fd) }
}

fn fd_datasync(fd: u32) -> i32 {
    // SAFETY: no pointer arguments; the host checks the descriptor.
    unsafe { sys::fd_datasync(fd) }
}

/// `fd_fdstat_get` into `out` (the 24-byte `fdstat`); `out` keeps what the caller put there
/// when the host writes nothing.
fn fd_fdstat_get(fd: u32, out: &mut [u8; 24]) -> i32 {
    // SAFETY: `out` is an exclusive borrow of 24 live bytes, the size of `fdstat`, the only
    // bytes the host writes; its alignment 1 suits wasm, whose loads and stores may be
    // unaligned.
    unsafe { sys::fd_fdstat_get(fd, out.as_mut_ptr()) }
}

fn fd_fdstat_set_flags(fd: u32, flags: u32) -> i32 {
    // SAFETY: no pointer arguments; the host checks every value.
    unsafe { sys::fd_fdstat_set_flags(fd, flags) }
}

fn fd_fdstat_set_rights(fd: u32, base: u64, inheriting: u64) -> i32 {
    // SAFETY: no pointer arguments; the host checks every value.
    unsafe { sys::fd_fdstat_set_rights(fd, base, inheriting) }
}

/// `fd_filestat_get` into `out` (the 64-byte `filestat`).
fn fd_filestat_get(fd: u32, out: &mut [u8; 64]) -> i32 {
    // SAFETY: `out` is an exclusive borrow of 64 live bytes, the size of `filestat`, the only
    // bytes the host writes (alignment 1 is fine in wasm).
    unsafe { sys::fd_filestat_get(fd, out.as_mut_ptr()) }
}

fn fd_filestat_set_size(fd: u32, size: u64) -> i32 {
    // SAFETY: no pointer arguments; the host checks every value.
    unsafe { sys::fd_filestat_set_size(fd, size) }
}

fn fd_filestat_set_times(fd: u32, atim: u64, mtim: u64, flags: u32) -> i32 {
    // SAFETY: no pointer arguments; the host checks every value.
    unsafe { sys::fd_filestat_set_times(fd, atim, mtim, flags) }
}

/// The `iovec` list of `buffers`: each entry points to one of them, with its length. The
/// list borrows `buffers` exclusively, so the buffers outlive it and nothing else touches
/// them while the host fills them.
fn iovecs(buffers: &mut [&mut [u8]]) -> Vec<sys::Iovec> {
    buffers
        .iter_mut()
        .map(|buffer| sys::Iovec {
            buf: buffer.as_mut_ptr(),
            len: buffer.len(),
        })
        .collect()
}

/// The `ciovec` list of `buffers`.
fn ciovecs(buffers: &[&[u8]]) -> Vec<sys::Ciovec> {
    buffers
        .iter()
        .map(|buffer| sys::Ciovec {
            buf: buffer.as_ptr(),
            len: buffer.len(),
        })
        .collect()
}

/// `fd_pread` into `buffers` at `offset`: `(errno, nread)`, `nread` `usize::MAX` if the host
/// did not write it.
fn fd_pread(fd: u32, buffers: &mut [&mut [u8]], offset: u64) -> (i32, usize) {
    let iovs = iovecs(buffers);
    let mut n = usize::MAX;
    // SAFETY: `iovs` is a live `Vec` of `iovs.len()` `iovec`s (`repr(C)`, the wasm32 layout),
    // each pointing to a distinct live slice of `buffers` (borrowed exclusively for the call)
    // with that slice's length, so the host writes only inside them; `n` is a live local
    // `usize` for `nread`.
    let errno = unsafe { sys::fd_pread(fd, iovs.as_ptr(), iovs.len(), offset, &mut n) };
    (errno, n)
}

/// `fd_prestat_get` into `out` (the 8-byte `prestat`).
fn fd_prestat_get(fd: u32, out: &mut [u8; 8]) -> i32 {
    // SAFETY: `out` is an exclusive borrow of 8 live bytes, the size of `prestat`, the only
    // bytes the host writes (alignment 1 is fine in wasm).
    unsafe { sys::fd_prestat_get(fd, out.as_mut_ptr()) }
}

/// `fd_prestat_dir_name` into all of `out` (its length is the `path_len` passed).
fn fd_prestat_dir_name(fd: u32, out: &mut [u8]) -> i32 {
    // SAFETY: pointer and length of the same live, exclusively borrowed slice: the host
    // writes at most `out.len()` bytes there.
    unsafe { sys::fd_prestat_dir_name(fd, out.as_mut_ptr(), out.len()) }
}

/// `fd_pwrite` of `buffers` at `offset`: `(errno, nwritten)`.
fn fd_pwrite(fd: u32, buffers: &[&[u8]], offset: u64) -> (i32, usize) {
    let iovs = ciovecs(buffers);
    let mut n = usize::MAX;
    // SAFETY: `iovs` is a live `Vec` of `iovs.len()` `ciovec`s, each pointing to a live slice
    // of `buffers` (borrowed for the call) with that slice's length, which the host only
    // reads; `n` is a live local `usize` for `nwritten`.
    let errno = unsafe { sys::fd_pwrite(fd, iovs.as_ptr(), iovs.len(), offset, &mut n) };
    (errno, n)
}

/// `fd_read` into `buffers`: `(errno, nread)`.
fn fd_read(fd: u32, buffers: &mut [&mut [u8]]) -> (i32, usize) {
    let iovs = iovecs(buffers);
    let mut n = usize::MAX;
    // SAFETY: as in `fd_pread`: `iovs` lives for the call and each entry covers exactly one
    // exclusively borrowed live slice; `n` is a live local `usize`.
    let errno = unsafe { sys::fd_read(fd, iovs.as_ptr(), iovs.len(), &mut n) };
    (errno, n)
}

/// `fd_readdir` into all of `out` from `cookie`: `(errno, bufused)`.
fn fd_readdir(fd: u32, out: &mut [u8], cookie: u64) -> (i32, usize) {
    let mut used = usize::MAX;
    // SAFETY: pointer and length of the same live, exclusively borrowed slice, so the host
    // writes at most `out.len()` bytes; `used` is a live local `usize`.
    let errno = unsafe { sys::fd_readdir(fd, out.as_mut_ptr(), out.len(), cookie, &mut used) };
    (errno, used)
}

/// Renumbers `from` to `to` (I/O safety: see `fd_close`).
fn fd_renumber(from: u32, to: u32) -> i32 {
    // SAFETY: no pointer arguments, so the host touches no guest memory; it checks both
    // descriptors.
    unsafe { sys::fd_renumber(from, to) }
}

/// `fd_seek`: `(errno, newoffset)`, `u64::MAX` if the host did not write it.
fn fd_seek(fd: u32, offset: i64, whence: u32) -> (i32, u64) {
    let mut position = u64::MAX;
    // SAFETY: `position` is a live local `u64` for `newoffset`; the other arguments are
    // values the host checks (an unknown `whence` makes wasmtime trap, which ends the program
    // without touching memory).
    let errno = unsafe { sys::fd_seek(fd, offset, whence, &mut position) };
    (errno, position)
}

fn fd_sync(fd: u32) -> i32 {
    // SAFETY: no pointer arguments; the host checks the descriptor.
    unsafe { sys::fd_sync(fd) }
}

/// `fd_tell`: `(errno, offset)`, `u64::MAX` if the host did not write it.
fn fd_tell(fd: u32) -> (i32, u64) {
    let mut position = u64::MAX;
    // SAFETY: `position` is a live local `u64` for the result.
    let errno = unsafe { sys::fd_tell(fd, &mut position) };
    (errno, position)
}

/// `fd_write` of `buffers`: `(errno, nwritten)`.
fn fd_write(fd: u32, buffers: &[&[u8]]) -> (i32, usize) {
    let iovs = ciovecs(buffers);
    let mut n = usize::MAX;
    // SAFETY: as in `fd_pwrite`: `iovs` lives for the call and each entry covers exactly one
    // live slice the host only reads; `n` is a live local `usize`.
    let errno = unsafe { sys::fd_write(fd, iovs.as_ptr(), iovs.len(), &mut n) };
    (errno, n)
}

fn path_create_directory(fd: u32, path: &str) -> i32 {
    // SAFETY: pointer and length of the same live `&str`, which the host only reads.
    unsafe { sys::path_create_directory(fd, path.as_ptr(), path.len()) }
}

/// `path_open`: `(errno, opened fd)`, `u32::MAX` if the host did not write it.
#[allow(clippy::too_many_arguments)]
fn path_open(
    fd: u32,
    dirflags: u32,
    path: &str,
    oflags: u32,
    base: u64,
    inheriting: u64,
    fdflags: u32,
) -> (i32, u32) {
    let mut opened = u32::MAX;
    // SAFETY: pointer and length of the same live `&str`, which the host only reads;
    // `opened` is a live local `u32` for the result; the flags and rights are values the
    // host checks.
    let errno = unsafe {
        sys::path_open(
            fd,
            dirflags,
            path.as_ptr(),
            path.len(),
            oflags,
            base,
            inheriting,
            fdflags,
            &mut opened,
        )
    };
    (errno, opened)
}

// ---- Constants -----------------------------------------------------------------------------

const ROOT: u32 = 3;

// whence
const SET: u32 = 0;
const CUR: u32 = 1;
const END: u32 = 2;

// oflags
const CREAT: u32 = 1;
const DIRECTORY: u32 = 2;
const EXCL: u32 = 4;
const TRUNC: u32 = 8;

// fdflags
const APPEND: u32 = 1;
const NONBLOCK: u32 = 4;
const SYNC: u32 = 16;

// fstflags
const ATIM: u32 = 1;
const ATIM_NOW: u32 = 2;
const MTIM: u32 = 4;
const MTIM_NOW: u32 = 8;

// rights
const R_READ: u64 = 1 << 1;
const R_SEEK: u64 = 1 << 2;
const R_TELL: u64 = 1 << 5;
const R_WRITE: u64 = 1 << 6;
const R_FILESTAT_GET: u64 = 1 << 21;
const R_ALL: u64 = (1 << 30) - 1;

// ---- Helpers -------------------------------------------------------------------------------

/// Prints `case: errno` or `case: ok` + `detail`.
fn show(case: &str, errno: i32, detail: impl FnOnce() -> String) {
    if errno == 0 {
        let detail = detail();
        if detail.is_empty() {
            println!("{case}: ok");
        } else {
            println!("{case}: ok {detail}");
        }
    } else {
        println!("{case}: {errno}");
    }
}

/// Cases where wasmtime traps (an argument that does not decode) run only when named by the
/// first argument, one per run; the default run skips them.
fn risky(case: &str) -> bool {
    std::env::args().nth(1).is_some_and(|arg| arg == case)
}

fn plain(case: &str, errno: i32) {
    show(case, errno, String::new);
}

/// Opens `path` (following symlinks) with all inheriting rights.
fn open(dir: u32, path: &str, oflags: u32, base: u64, fdflags: u32) -> (i32, u32) {
    path_open(dir, 1, path, oflags, base, R_ALL, fdflags)
}

/// Opens `path` or panics (setup only).
fn must_open(dir: u32, path: &str, oflags: u32, base: u64, fdflags: u32) -> u32 {
    let (errno, fd) = open(dir, path, oflags, base, fdflags);
    assert_eq!(errno, 0, "setup: open {path}");
    fd
}

fn write(fd: u32, data: &[u8]) -> (i32, usize) {
    fd_write(fd, &[data])
}

fn read(fd: u32, len: usize) -> (i32, Vec<u8>) {
    let mut buffer = vec![0u8; len];
    let (errno, n) = fd_read(fd, &mut [&mut buffer]);
    if errno == 0 {
        buffer.truncate(n);
    }
    (errno, buffer)
}

fn pread(fd: u32, len: usize, offset: u64) -> (i32, Vec<u8>) {
    let mut buffer = vec![0u8; len];
    let (errno, n) = fd_pread(fd, &mut [&mut buffer], offset);
    if errno == 0 {
        buffer.truncate(n);
    }
    (errno, buffer)
}

fn pwrite(fd: u32, data: &[u8], offset: u64) -> (i32, usize) {
    fd_pwrite(fd, &[data], offset)
}

fn seek(fd: u32, offset: i64, whence: u32) -> (i32, u64) {
    fd_seek(fd, offset, whence)
}

fn tell(fd: u32) -> (i32, u64) {
    fd_tell(fd)
}

struct Fdstat {
    filetype: u8,
    flags: u16,
    base: u64,
    inheriting: u64,
}

fn fdstat(fd: u32) -> (i32, Fdstat) {
    let mut raw = [0u8; 24];
    let errno = fd_fdstat_get(fd, &mut raw);
    let stat = Fdstat {
        filetype: raw[0],
        flags: u16::from_le_bytes([raw[2], raw[3]]),
        base: u64::from_le_bytes(raw[8..16].try_into().unwrap()),
        inheriting: u64::from_le_bytes(raw[16..24].try_into().unwrap()),
    };
    (errno, stat)
}

struct Filestat {
    filetype: u8,
    nlink: u64,
    size: u64,
    atim: u64,
    mtim: u64,
}

fn filestat(fd: u32) -> (i32, Filestat) {
    let mut raw = [0u8; 64];
    let errno = fd_filestat_get(fd, &mut raw);
    let field = |at: usize| u64::from_le_bytes(raw[at..at + 8].try_into().unwrap());
    let stat = Filestat {
        filetype: raw[16],
        nlink: field(24),
        size: field(32),
        atim: field(40),
        mtim: field(48),
    };
    (errno, stat)
}

fn size_of(fd: u32) -> String {
    let (errno, stat) = filestat(fd);
    if errno == 0 {
        format!("size={}", stat.size)
    } else {
        format!("size=err{errno}")
    }
}

fn text(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if b.is_ascii_graphic() {
                (b as char).to_string()
            } else {
                format!("\\x{b:02x}")
            }
        })
        .collect()
}

/// The entries of a `fd_readdir` buffer: `name/type/next` each, the last one possibly cut.
fn dirents(buffer: &[u8]) -> String {
    let mut out = Vec::new();
    let mut at = 0;
    while at < buffer.len() {
        if buffer.len() - at < 24 {
            out.push(format!("cut-header({})", buffer.len() - at));
            break;
        }
        let next = u64::from_le_bytes(buffer[at..at + 8].try_into().unwrap());
        let namlen = u32::from_le_bytes(buffer[at + 16..at + 20].try_into().unwrap()) as usize;
        let kind = buffer[at + 20];
        at += 24;
        let end = (at + namlen).min(buffer.len());
        let name = text(&buffer[at..end]);
        let cut = if end - at < namlen { "(cut)" } else { "" };
        out.push(format!("{name}{cut}/t{kind}/n{next}"));
        at = end;
    }
    out.join(",")
}

fn readdir(fd: u32, len: usize, cookie: u64) -> (i32, usize, Vec<u8>) {
    let mut buffer = vec![0u8; len];
    let (errno, used) = fd_readdir(fd, &mut buffer, cookie);
    if errno == 0 {
        buffer.truncate(used.min(len));
    }
    (errno, used, buffer)
}

fn main() {
    // ----- setup: everything inside the preopen, fixed content -----
    path_create_directory(ROOT, "d");
    path_create_directory(ROOT, "r");
    let f = must_open(ROOT, "f", CREAT | TRUNC, R_ALL, 0);
    assert_eq!(write(f, b"hello world"), (0, 11));
    let only = must_open(ROOT, "r/only", CREAT | TRUNC, R_ALL, 0);
    fd_close(only);
    let ro = must_open(ROOT, "f", 0, R_ALL & !R_WRITE, 0);
    let wo = must_open(ROOT, "f", 0, R_WRITE | R_SEEK | R_TELL | R_FILESTAT_GET, 0);
    let dir = must_open(ROOT, "d", DIRECTORY, R_ALL & !R_WRITE, 0);
    let rdir = must_open(ROOT, "r", DIRECTORY, R_ALL & !R_WRITE, 0);

    // ----- fd_seek / fd_tell -----
    let (e, p) = seek(f, 3, SET);
    show("seek set 3", e, || format!("pos={p}"));
    let (e, p) = seek(f, 2, CUR);
    show("seek cur +2", e, || format!("pos={p}"));
    let (e, p) = seek(f, -1, END);
    show("seek end -1", e, || format!("pos={p}"));
    let (e, p) = seek(f, 5, END);
    show("seek end +5 (past end)", e, || format!("pos={p}"));
    let (e, p) = tell(f);
    show("tell after seek past end", e, || format!("pos={p}"));
    let (e, p) = seek(f, -1, SET);
    show("seek set -1", e, || format!("pos={p}"));
    let (e, p) = seek(f, -100, CUR);
    show("seek cur to negative", e, || format!("pos={p}"));
    let (e, p) = seek(f, -12, END);
    show("seek end to negative", e, || format!("pos={p}"));
    let (e, p) = tell(f);
    show("tell after failed seeks", e, || format!("pos={p}"));
    if risky("seek whence 3") {
        let (e, p) = seek(f, 0, 3);
        show("seek whence 3", e, || format!("pos={p}"));
    }
    if risky("seek whence 256") {
        let (e, p) = seek(f, 0, 256);
        show("seek whence 256", e, || format!("pos={p}"));
    }
    let (e, p) = seek(f, i64::MAX, SET);
    show("seek set i64::MAX", e, || format!("pos={p}"));
    let (e, p) = seek(f, 1, CUR);
    show("seek cur past i64::MAX", e, || format!("pos={p}"));
    let (e, p) = seek(dir, 0, SET);
    show("seek directory", e, || format!("pos={p}"));
    let (e, p) = seek(1, 0, CUR);
    show("seek stdout", e, || format!("pos={p}"));
    let (e, p) = tell(dir);
    show("tell directory", e, || format!("pos={p}"));
    let (e, p) = tell(1);
    show("tell stdout", e, || format!("pos={p}"));
    let (e, p) = seek(99, 0, SET);
    show("seek closed fd", e, || format!("pos={p}"));
    seek(f, 0, SET);

    // ----- fd_pread / fd_pwrite -----
    let (e, data) = pread(f, 5, 0);
    show("pread 0..5", e, || {
        format!("n={} data={}", data.len(), text(&data))
    });
    let (e, p) = tell(f);
    show("tell after pread", e, || format!("pos={p}"));
    let (e, data) = pread(f, 5, 9);
    show("pread across end", e, || {
        format!("n={} data={}", data.len(), text(&data))
    });
    let (e, data) = pread(f, 5, 11);
    show("pread at end", e, || format!("n={}", data.len()));
    let (e, data) = pread(f, 5, 1000);
    show("pread after end", e, || format!("n={}", data.len()));
    let (e, data) = pread(f, 4, i64::MAX as u64);
    show("pread at i64::MAX", e, || format!("n={}", data.len()));
    let (e, data) = pread(f, 4, u64::MAX - 1);
    show("pread near u64::MAX", e, || format!("n={}", data.len()));
    let (e, data) = pread(dir, 4, 0);
    show("pread directory", e, || format!("n={}", data.len()));
    let (e, data) = pread(wo, 4, 0);
    show("pread write-only", e, || format!("n={}", data.len()));
    let (e, data) = pread(0, 4, 0);
    show("pread stdin", e, || format!("n={}", data.len()));
    let (e, n) = pwrite(f, b"XY", 20);
    show("pwrite after end", e, || format!("n={n} {}", size_of(f)));
    let (e, data) = pread(f, 20, 9);
    show("pread hole", e, || {
        format!("n={} data={}", data.len(), text(&data))
    });
    let (e, p) = tell(f);
    show("tell after pwrite", e, || format!("pos={p}"));
    let (e, n) = pwrite(f, b"", 5);
    show("pwrite empty", e, || format!("n={n}"));
    let (e, n) = pwrite(ro, b"Z", 0);
    show("pwrite read-only", e, || format!("n={n}"));
    let (e, n) = pwrite(dir, b"Z", 0);
    show("pwrite directory", e, || format!("n={n}"));
    let (e, n) = pwrite(1, b"Z", 0);
    show("pwrite stdout", e, || format!("n={n}"));
    let (e, n) = pwrite(f, b"Z", u64::MAX - 1);
    show("pwrite near u64::MAX", e, || format!("n={n}"));
    let (e, n) = pwrite(f, b"Z", i64::MAX as u64);
    show("pwrite at i64::MAX", e, || format!("n={n}"));
    fd_filestat_set_size(f, 11);

    // ----- fd_read / fd_write -----
    let (e, data) = read(dir, 4);
    show("read directory", e, || format!("n={}", data.len()));
    let (e, n) = write(dir, b"Z");
    show("write directory", e, || format!("n={n}"));
    let (e, data) = read(wo, 4);
    show("read write-only", e, || format!("n={}", data.len()));
    let (e, n) = write(ro, b"Z");
    show("write read-only", e, || format!("n={n}"));
    let (e, n) = write(0, b"Z");
    show("write stdin", e, || format!("n={n}"));
    let (e, data) = read(1, 4);
    show("read stdout", e, || format!("n={}", data.len()));
    {
        // An empty iovec list (count 0).
        let (e, n) = fd_read(f, &mut []);
        show("read zero iovecs", e, || format!("n={n}"));
        let (e, n) = fd_write(f, &[]);
        show("write zero iovecs", e, || format!("n={n} {}", size_of(f)));
        // Zero-length iovecs, each pointing at the start of `a` (`split_at_mut(0)` gives an
        // empty slice there, and the rest still starting there).
        let mut a = [0u8; 4];
        let (first, rest) = a.split_at_mut(0);
        let (second, _) = rest.split_at_mut(0);
        let (e, n) = fd_read(f, &mut [first, second]);
        show("read zero-length iovecs", e, || {
            format!("n={n} pos={}", tell(f).1)
        });
        let (e, n) = fd_write(f, &[&a[..0], &a[..0]]);
        show("write zero-length iovecs", e, || {
            format!("n={n} pos={}", tell(f).1)
        });
        let mut b = [0u8; 3];
        let (empty, all) = a.split_at_mut(0);
        let (e, n) = fd_read(f, &mut [empty, all, &mut b]);
        show("read scattered", e, || {
            format!("n={n} data={}|{} pos={}", text(&a), text(&b), tell(f).1)
        });
        let (e, n) = fd_write(1, &[]);
        show("write stdout zero iovecs", e, || format!("n={n}"));
        let parts: [&[u8]; 3] = [b"", b"ab", b"cd"];
        let h = must_open(ROOT, "g", CREAT | TRUNC, R_ALL, 0);
        let (e, n) = fd_write(h, &parts);
        show("write gathered", e, || {
            format!("n={n} pos={} data={}", tell(h).1, text(&pread(h, 10, 0).1))
        });
        let (e, n) = fd_pwrite(h, &parts, 10);
        show("pwrite gathered", e, || {
            format!("n={n} {} pos={}", size_of(h), tell(h).1)
        });
        let mut a = [0u8; 2];
        let mut b = [0u8; 3];
        let (empty, all) = a.split_at_mut(0);
        let (e, n) = fd_pread(f, &mut [empty, all, &mut b], 0);
        show("pread scattered", e, || {
            format!("n={n} data={}|{}", text(&a), text(&b))
        });
        // No newline in the data: a short write must not change the line count.
        let (e, n) = fd_write(1, &[b"<", b">"]);
        show("write stdout gathered", e, || format!("n={n}"));
        fd_close(h);
    }
    seek(f, 0, END);
    let (e, data) = read(f, 4);
    show("read at EOF", e, || format!("n={}", data.len()));
    seek(f, 100, SET);
    let (e, data) = read(f, 4);
    show("read past EOF", e, || {
        format!("n={} pos={}", data.len(), tell(f).1)
    });
    seek(f, 0, SET);
    let (e, data) = read(ro, 5);
    show("read read-only", e, || {
        format!("n={} data={}", data.len(), text(&data))
    });
    let (e, n) = write(wo, b"H");
    show("write write-only", e, || {
        format!("n={n} pos={}", tell(wo).1)
    });

    // ----- O_APPEND -----
    let (e, app) = open(ROOT, "a", CREAT | TRUNC, R_ALL, APPEND);
    show("open append", e, || {
        format!("flags={}", fdstat(app).1.flags)
    });
    let (e, n) = write(app, b"abc");
    show("append write", e, || format!("n={n} pos={}", tell(app).1));
    let (e, p) = seek(app, 0, SET);
    show("append seek 0", e, || format!("pos={p}"));
    let (e, n) = write(app, b"de");
    show("append write after seek", e, || {
        format!("n={n} pos={} {}", tell(app).1, size_of(app))
    });
    let (e, n) = pwrite(app, b"Z", 0);
    show("append pwrite at 0", e, || {
        format!(
            "n={n} pos={} {} data={}",
            tell(app).1,
            size_of(app),
            text(&pread(app, 10, 0).1)
        )
    });
    let (e, data) = pread(app, 10, 0);
    show("append pread", e, || format!("data={}", text(&data)));
    plain("append set_flags 0", fd_fdstat_set_flags(app, 0));
    seek(app, 1, SET);
    let (e, n) = write(app, b"Q");
    show("write after append cleared", e, || {
        format!(
            "n={n} pos={} data={}",
            tell(app).1,
            text(&pread(app, 10, 0).1)
        )
    });

    // ----- fd_fdstat_get -----
    for (name, fd) in [
        ("stdin", 0),
        ("stdout", 1),
        ("stderr", 2),
        ("preopen", ROOT),
        ("file rw", f),
        ("file ro", ro),
        ("file wo", wo),
        ("dir", dir),
    ] {
        let (e, s) = fdstat(fd);
        show(&format!("fdstat {name}"), e, || {
            format!(
                "type={} flags={} base={:#x} inheriting={:#x}",
                s.filetype, s.flags, s.base, s.inheriting
            )
        });
    }
    plain("fdstat closed", fdstat(99).0);

    // ----- fd_fdstat_set_flags -----
    let g = must_open(ROOT, "f", 0, R_ALL, 0);
    let e = fd_fdstat_set_flags(g, APPEND);
    show("set_flags append", e, || {
        format!("flags={}", fdstat(g).1.flags)
    });
    let e = fd_fdstat_set_flags(g, NONBLOCK);
    show("set_flags nonblock", e, || {
        format!("flags={}", fdstat(g).1.flags)
    });
    let e = fd_fdstat_set_flags(g, APPEND | NONBLOCK);
    show("set_flags append|nonblock", e, || {
        format!("flags={}", fdstat(g).1.flags)
    });
    let e = fd_fdstat_set_flags(g, SYNC);
    show("set_flags sync", e, || {
        format!("flags={}", fdstat(g).1.flags)
    });
    if risky("set_flags bit 5") {
        let e = fd_fdstat_set_flags(g, 0x20);
        show("set_flags bit 5", e, || {
            format!("flags={}", fdstat(g).1.flags)
        });
    }
    if risky("set_flags 0x10000") {
        let e = fd_fdstat_set_flags(g, 0x10000);
        show("set_flags 0x10000", e, || {
            format!("flags={}", fdstat(g).1.flags)
        });
    }
    let e = fd_fdstat_set_flags(g, 0);
    show("set_flags 0", e, || format!("flags={}", fdstat(g).1.flags));
    plain("set_flags dir", fd_fdstat_set_flags(dir, 0));
    plain("set_flags stdout", fd_fdstat_set_flags(1, 0));

    // ----- fd_fdstat_set_rights -----
    let base = fdstat(g).1.base;
    let inheriting = fdstat(g).1.inheriting;
    let e = fd_fdstat_set_rights(g, base & !R_WRITE, inheriting);
    show("set_rights drop write", e, || {
        format!("base={:#x}", fdstat(g).1.base)
    });
    let (e, n) = write(g, b"Z");
    show("write without right", e, || format!("n={n}"));
    let e = fd_fdstat_set_rights(g, base, inheriting);
    show("set_rights regain write", e, || {
        format!("base={:#x}", fdstat(g).1.base)
    });
    let e = fd_fdstat_set_rights(g, 0, 0);
    show("set_rights none", e, || {
        format!("base={:#x}", fdstat(g).1.base)
    });
    let (e, data) = read(g, 1);
    show("read without rights", e, || format!("n={}", data.len()));
    let (e, p) = tell(g);
    show("tell without rights", e, || format!("pos={p}"));
    plain("filestat without rights", filestat(g).0);
    plain("close without rights", fd_close(g));

    // ----- fd_filestat_get -----
    let (e, s) = filestat(f);
    show("filestat file", e, || {
        format!("type={} size={} nlink={}", s.filetype, s.size, s.nlink)
    });
    let (e, s) = filestat(dir);
    show("filestat dir", e, || {
        format!("type={} nlink={}", s.filetype, s.nlink)
    });
    let (e, s) = filestat(ROOT);
    show("filestat preopen", e, || format!("type={}", s.filetype));
    let (e, s) = filestat(1);
    show("filestat stdout", e, || {
        format!("type={} size={} nlink={}", s.filetype, s.size, s.nlink)
    });
    plain("filestat closed", filestat(99).0);

    // ----- fd_filestat_set_size -----
    let e = fd_filestat_set_size(f, 20);
    show("set_size grow", e, || {
        format!("{} data={}", size_of(f), text(&pread(f, 20, 8).1))
    });
    let e = fd_filestat_set_size(f, 5);
    show("set_size shrink", e, || {
        format!("{} pos={}", size_of(f), tell(f).1)
    });
    plain("set_size dir", fd_filestat_set_size(dir, 0));
    plain("set_size read-only", fd_filestat_set_size(ro, 0));
    plain("set_size stdout", fd_filestat_set_size(1, 0));
    plain("set_size u64::MAX", fd_filestat_set_size(f, u64::MAX));
    let e = fd_filestat_set_size(wo, 11);
    show("set_size write-only", e, || size_of(f));
    pwrite(f, b"hello world", 0);

    // ----- fd_filestat_set_times -----
    plain("set_times none", fd_filestat_set_times(f, 0, 0, 0));
    plain(
        "set_times atim|atim_now",
        fd_filestat_set_times(f, 0, 0, ATIM | ATIM_NOW),
    );
    plain(
        "set_times mtim|mtim_now",
        fd_filestat_set_times(f, 0, 0, MTIM | MTIM_NOW),
    );
    plain(
        "set_times now both",
        fd_filestat_set_times(f, 0, 0, ATIM_NOW | MTIM_NOW),
    );
    let e = fd_filestat_set_times(f, 1_000_000_000, 2_000_000_000, ATIM | MTIM);
    show("set_times explicit", e, || {
        let s = filestat(f).1;
        format!("atim={} mtim={}", s.atim, s.mtim)
    });
    let e = fd_filestat_set_times(f, 0, 3_000_000_000, MTIM);
    show("set_times mtim only", e, || {
        let s = filestat(f).1;
        format!("atim={} mtim={}", s.atim, s.mtim)
    });
    if risky("set_times bit 4") {
        plain("set_times bit 4", fd_filestat_set_times(f, 0, 0, 0x10));
    }
    if risky("set_times 0x10000") {
        plain("set_times 0x10000", fd_filestat_set_times(f, 0, 0, 0x10000));
    }
    let e = fd_filestat_set_times(dir, 0, 5_000_000_000, MTIM);
    show("set_times dir", e, || {
        format!("mtim={}", filestat(dir).1.mtim)
    });
    plain(
        "set_times read-only",
        fd_filestat_set_times(ro, 0, 0, MTIM_NOW),
    );
    plain("set_times stdout", fd_filestat_set_times(1, 0, 0, MTIM_NOW));
    plain(
        "set_times invalid on closed",
        fd_filestat_set_times(99, 0, 0, ATIM | ATIM_NOW),
    );

    // ----- fd_allocate / fd_advise -----
    plain("allocate file", fd_allocate(f, 0, 100));
    plain("allocate dir", fd_allocate(dir, 0, 100));
    plain("allocate stdout", fd_allocate(1, 0, 100));
    plain("advise normal", fd_advise(f, 0, 100, 0));
    plain("advise dontneed", fd_advise(f, 0, 0, 4));
    plain("advise noreuse", fd_advise(f, 0, 0, 5));
    if risky("advise 6") {
        plain("advise 6", fd_advise(f, 0, 0, 6));
    }
    if risky("advise 256") {
        plain("advise 256", fd_advise(f, 0, 0, 256));
    }
    plain("advise offset+len overflow", fd_advise(f, u64::MAX, 2, 0));
    plain("advise offset i64::MAX+1", fd_advise(f, 1 << 63, 0, 0));
    plain("advise len i64::MAX+1", fd_advise(f, 0, 1 << 63, 0));
    plain("advise dir", fd_advise(dir, 0, 0, 0));
    plain("advise stdout", fd_advise(1, 0, 0, 0));
    plain("advise read-only", fd_advise(ro, 0, 0, 1));

    // ----- fd_sync / fd_datasync -----
    plain("sync file", fd_sync(f));
    plain("datasync file", fd_datasync(f));
    plain("sync read-only", fd_sync(ro));
    plain("datasync read-only", fd_datasync(ro));
    plain("sync dir", fd_sync(dir));
    plain("datasync dir", fd_datasync(dir));
    plain("sync stdout", fd_sync(1));
    plain("datasync stdout", fd_datasync(1));

    // ----- fd_prestat_get / fd_prestat_dir_name -----
    for (name, fd) in [
        ("stdin", 0),
        ("stdout", 1),
        ("stderr", 2),
        ("preopen", ROOT),
        ("file", f),
        ("dir", dir),
        ("huge", 0x7fff_ffff),
    ] {
        let mut raw = [0xffu8; 8];
        let e = fd_prestat_get(fd, &mut raw);
        show(&format!("prestat {name}"), e, || {
            format!(
                "tag={} len={}",
                raw[0],
                u32::from_le_bytes(raw[4..8].try_into().unwrap())
            )
        });
    }
    for (name, fd, len) in [
        ("len 0", ROOT, 0usize),
        ("exact", ROOT, 1),
        ("larger", ROOT, 4),
        ("file", f, 4),
        ("dir", dir, 4),
        ("closed", 99, 4),
    ] {
        let mut buffer = [b'#'; 4];
        let e = fd_prestat_dir_name(fd, &mut buffer[..len]);
        show(&format!("prestat_dir_name {name}"), e, || {
            format!("buf={}", text(&buffer))
        });
    }

    // ----- fd_readdir -----
    let (e, used, _) = readdir(f, 128, 0);
    show("readdir file", e, || format!("used={used}"));
    let (e, used, _) = readdir(1, 128, 0);
    show("readdir stdout", e, || format!("used={used}"));
    for (case, directory, size, cookie) in [
        ("readdir full", rdir, 256, 0),
        ("readdir 0 bytes", rdir, 0, 0),
        ("readdir 1 byte", rdir, 1, 0),
        ("readdir 24 bytes", rdir, 24, 0),
        ("readdir 26 bytes", rdir, 26, 0),
        ("readdir cookie 2", rdir, 256, 2),
        ("readdir cookie at end", rdir, 256, 3),
        ("readdir cookie past end", rdir, 256, 100),
        ("readdir cookie u64::MAX", rdir, 256, u64::MAX),
        ("readdir empty dir", dir, 256, 0),
    ] {
        let (e, used, b) = readdir(directory, size, cookie);
        show(case, e, || format!("used={used} {}", dirents(&b)));
    }

    // ----- path_open -----
    let (e, _) = open(ROOT, "f", CREAT | EXCL, R_ALL, 0);
    plain("open creat|excl existing", e);
    let (e, _) = open(ROOT, "f", DIRECTORY, R_ALL & !R_WRITE, 0);
    plain("open directory on file", e);
    let (e, _) = open(ROOT, "f/", 0, R_ALL & !R_WRITE, 0);
    plain("open file/", e);
    let t = must_open(ROOT, "t", CREAT | TRUNC, R_ALL, 0);
    write(t, b"123456");
    let (e, fd) = open(ROOT, "t", TRUNC, R_READ, 0);
    show("open trunc without write right", e, || {
        let s = fdstat(fd).1;
        format!(
            "{} write_right={} read={}",
            size_of(t),
            s.base & R_WRITE != 0,
            read(fd, 4).0
        )
    });
    if risky("open oflags bit 4") {
        plain("open oflags bit 4", open(ROOT, "f", 0x10, R_ALL, 0).0);
    }
    if risky("open fdflags bit 5") {
        plain("open fdflags bit 5", open(ROOT, "f", 0, R_ALL, 0x20).0);
    }
    let (e, _) = open(ROOT, "f", 0, R_ALL, SYNC);
    plain("open fdflags sync", e);
    let (e, fd) = open(ROOT, "f", 0, R_ALL, NONBLOCK);
    show("open fdflags nonblock", e, || {
        format!("flags={}", fdstat(fd).1.flags)
    });
    if risky("open rights bit 40") {
        plain("open rights bit 40", open(ROOT, "f", 0, 1 << 40, 0).0);
    }
    if risky("open rights bit 63") {
        plain("open rights bit 63", open(ROOT, "f", 0, 1 << 63, 0).0);
    }
    if risky("open dirflags bit 1") {
        let (e, _) = path_open(ROOT, 2, "f", 0, R_ALL, R_ALL, 0);
        plain("open dirflags bit 1", e);
    }
    let (e, fd) = open(ROOT, ".", 0, R_ALL & !R_WRITE, 0);
    show("open .", e, || format!("type={}", fdstat(fd).1.filetype));
    let (e, fd) = open(ROOT, ".", DIRECTORY, R_ALL & !R_WRITE, 0);
    show("open . directory", e, || {
        format!("type={}", fdstat(fd).1.filetype)
    });
    let (e, _) = open(ROOT, ".", 0, R_ALL, 0);
    plain("open . with write right", e);
    let (e, _) = open(ROOT, ".", CREAT, R_ALL & !R_WRITE, 0);
    plain("open . creat", e);
    let (e, _) = open(ROOT, "", 0, R_ALL & !R_WRITE, 0);
    plain("open empty path", e);
    let (e, _) = open(ROOT, "d", 0, R_ALL, 0);
    plain("open dir with write right", e);
    let (e, _) = open(ROOT, "d", DIRECTORY | CREAT, R_ALL & !R_WRITE, 0);
    plain("open directory|creat", e);
    let (e, _) = open(ROOT, "nope", DIRECTORY | CREAT, R_ALL & !R_WRITE, 0);
    plain("open directory|creat new", e);
    let (e, _) = open(ROOT, "nope", 0, R_ALL & !R_WRITE, 0);
    plain("open missing", e);
    let (e, _) = open(f, "x", 0, R_ALL, 0);
    plain("open relative to file", e);
    let (e, _) = open(99, "x", 0, R_ALL, 0);
    plain("open relative to closed", e);
    let (e, fd) = open(ROOT, "f", 0, 0, 0);
    show("open no rights", e, || format!("read={}", read(fd, 1).0));

    // ----- fd_close / fd_renumber -----
    let c = must_open(ROOT, "f", 0, R_ALL, 0);
    plain("close file", fd_close(c));
    plain("close twice", fd_close(c));
    plain("close huge", fd_close(0x7fff_ffff));
    let c = must_open(ROOT, "d", DIRECTORY, R_ALL & !R_WRITE, 0);
    plain("close dir", fd_close(c));
    plain("use closed dir", open(c, "x", 0, R_ALL, 0).0);

    let x = must_open(ROOT, "f", 0, R_ALL, 0);
    let e = fd_renumber(x, x);
    show("renumber to itself", e, || {
        format!("type={}", fdstat(x).1.filetype)
    });
    plain("renumber closed to itself", fd_renumber(99, 99));
    plain("renumber from closed", fd_renumber(99, x));
    let e = fd_renumber(x, 200);
    show("renumber to closed fd", e, || {
        format!("old={} new={}", fdstat(x).0, fdstat(200).0)
    });
    plain("fdstat after failed renumber", fdstat(x).0);
    let y = must_open(ROOT, "f", 0, R_ALL, 0);
    let z = must_open(ROOT, "a", 0, R_ALL, 0);
    let e = fd_renumber(y, z);
    show("renumber over open fd", e, || {
        format!(
            "old={} new={} data={}",
            fdstat(y).0,
            fdstat(z).0,
            text(&pread(z, 4, 0).1)
        )
    });
    let e = fd_renumber(z, 0);
    show("renumber over stdin", e, || {
        format!(
            "old={} stdin_type={} data={}",
            fdstat(z).0,
            fdstat(0).1.filetype,
            text(&pread(0, 4, 0).1)
        )
    });
    plain("close stdin", fd_close(0));
    plain("fdstat closed stdin", fdstat(0).0);

    let p2 = must_open(ROOT, ".", DIRECTORY, R_ALL & !R_WRITE, 0);
    let e = fd_renumber(ROOT, p2);
    show("renumber preopen onto dir fd", e, || {
        let mut raw = [0xffu8; 8];
        let moved = fd_prestat_get(p2, &mut raw);
        format!(
            "old={} moved_prestat={} len={}",
            fdstat(ROOT).0,
            moved,
            u32::from_le_bytes(raw[4..8].try_into().unwrap())
        )
    });
    plain(
        "open via old preopen number",
        open(ROOT, "f", 0, R_ALL, 0).0,
    );
    let e = fd_close(p2);
    show("close preopen", e, String::new);
    plain("open via closed preopen", open(p2, "f", 0, R_ALL, 0).0);
    let mut raw = [0u8; 8];
    plain("prestat closed preopen", fd_prestat_get(p2, &mut raw));
    plain("close preopen twice", fd_close(p2));
    println!("done");
}
