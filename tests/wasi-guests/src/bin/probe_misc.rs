//! Prints the result of edge cases of the WASI preview1 calls outside the file system (args,
//! environment, clocks, random, poll_oneoff, sched_yield, proc_raise, sockets, fdstat of the
//! standard streams), made through raw imports. Each line is `case: errno` or `case: ok` and
//! the deterministic part of what the call returned. Its output under wasmtime (the reference)
//! is recorded in `expected/probe_misc.stdout`, with the arguments `a "" ü b=c`, the
//! environment `GREETING=hi EMPTY= EQ=x=y=z` and stdin `/dev/null`.
//!
//! Cases that make wasmtime trap (out-of-bounds and misaligned pointers, which the witx
//! documentation says shall trap, and values outside an argument's enum or flags type) are
//! left out of the full run, since a trap ends the program;
//! `probe_misc case NAME` runs any single case, trapping ones included (`probe_misc list`
//! lists them).

use std::fs::{self, File, OpenOptions};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicUsize, Ordering};

mod sys {
    #[link(wasm_import_module = "wasi_snapshot_preview1")]
    unsafe extern "C" {
        pub fn args_get(argv: u32, argv_buf: u32) -> i32;
        pub fn args_sizes_get(argc: u32, argv_buf_size: u32) -> i32;
        pub fn environ_get(environ: u32, environ_buf: u32) -> i32;
        pub fn environ_sizes_get(count: u32, buf_size: u32) -> i32;
        pub fn clock_res_get(id: u32, resolution: u32) -> i32;
        pub fn clock_time_get(id: u32, precision: u64, time: u32) -> i32;
        pub fn random_get(buf: u32, buf_len: u32) -> i32;
        pub fn poll_oneoff(
            subscriptions: u32,
            events: u32,
            nsubscriptions: u32,
            nevents: u32,
        ) -> i32;
        pub fn sched_yield() -> i32;
        pub fn proc_raise(signal: u32) -> i32;
        pub fn sock_accept(fd: u32, flags: u32, result_fd: u32) -> i32;
        pub fn sock_recv(
            fd: u32,
            ri_data: u32,
            ri_data_len: u32,
            ri_flags: u32,
            ro_datalen: u32,
            ro_flags: u32,
        ) -> i32;
        pub fn sock_send(
            fd: u32,
            si_data: u32,
            si_data_len: u32,
            si_flags: u32,
            so_datalen: u32,
        ) -> i32;
        pub fn sock_shutdown(fd: u32, how: u32) -> i32;
        pub fn fd_fdstat_get(fd: u32, fdstat: u32) -> i32;
    }
}

// ---- A private page at the end of linear memory -------------------------------------------

/// Pages of linear memory once the scratch page is grown; checked before each use of `end()`.
static PAGES: AtomicUsize = AtomicUsize::new(0);

/// Reserves heap space (so the allocator does not grow memory again) and grows one page of
/// our own at the end of memory, used for every buffer handed to the host.
fn setup_memory() {
    drop(Vec::<u8>::with_capacity(4 << 20));
    let previous = core::arch::wasm32::memory_grow(0, 1);
    assert!(previous != usize::MAX, "memory.grow failed");
    PAGES.store(core::arch::wasm32::memory_size(0), Ordering::Relaxed);
}

/// The end of linear memory (first address past it).
fn end() -> u32 {
    let pages = core::arch::wasm32::memory_size(0);
    assert_eq!(
        pages,
        PAGES.load(Ordering::Relaxed),
        "linear memory grew during the run"
    );
    (pages * 65536) as u32
}

/// The scratch page (64 KiB, page-aligned), zeroed.
fn page() -> u32 {
    end() - 65536
}

const SLOT: u32 = 0x0; // 8-byte result slots at 0x0..0x100
const ARRAY: u32 = 0x100; // pointer arrays
const STRINGS: u32 = 0x400; // string buffers
const IOVEC: u32 = 0x800;
const DATA: u32 = 0x900;
const SUBS: u32 = 0x1000;
const EVENTS: u32 = 0x2000;

fn at(offset: u32) -> u32 {
    page() + offset
}
fn w8(address: u32, value: u8) {
    // SAFETY: addresses inside the private page.
    unsafe { (address as *mut u8).write_volatile(value) }
}
fn r8(address: u32) -> u8 {
    // SAFETY: addresses inside the private page.
    unsafe { (address as *const u8).read_volatile() }
}
fn fill(address: u32, len: u32, value: u8) {
    for i in 0..len {
        w8(address + i, value);
    }
}
fn w_le(address: u32, bytes: &[u8]) {
    for (i, b) in bytes.iter().enumerate() {
        w8(address + i as u32, *b);
    }
}
fn r_le<const N: usize>(address: u32) -> [u8; N] {
    let mut out = [0u8; N];
    for (i, b) in out.iter_mut().enumerate() {
        *b = r8(address + i as u32);
    }
    out
}
fn w16(a: u32, v: u16) {
    w_le(a, &v.to_le_bytes())
}
fn w32(a: u32, v: u32) {
    w_le(a, &v.to_le_bytes())
}
fn w64(a: u32, v: u64) {
    w_le(a, &v.to_le_bytes())
}
fn r16(a: u32) -> u16 {
    u16::from_le_bytes(r_le(a))
}
fn r32(a: u32) -> u32 {
    u32::from_le_bytes(r_le(a))
}
fn r64(a: u32) -> u64 {
    u64::from_le_bytes(r_le(a))
}

fn errno(e: i32) -> String {
    if e == 0 { "ok".into() } else { e.to_string() }
}

// ---- Args and environment ------------------------------------------------------------------

fn sizes(call: unsafe extern "C" fn(u32, u32) -> i32) -> (i32, u32, u32) {
    w32(at(SLOT), 0xdead_beef);
    w32(at(SLOT + 8), 0xdead_beef);
    // SAFETY: pointers into the private page.
    let e = unsafe { call(at(SLOT), at(SLOT + 8)) };
    (e, r32(at(SLOT)), r32(at(SLOT + 8)))
}

fn show_sizes(call: unsafe extern "C" fn(u32, u32) -> i32) -> String {
    let (e, count, size) = sizes(call);
    if e != 0 {
        return errno(e);
    }
    format!("ok count={count} size={size}")
}

/// `*_get` into exactly sized buffers with canaries after them: the offset of each pointer
/// from the buffer, the strings (escaped), whether each is NUL-terminated, and whether the
/// canaries survived.
fn show_strings(
    sizes_call: unsafe extern "C" fn(u32, u32) -> i32,
    get: unsafe extern "C" fn(u32, u32) -> i32,
) -> String {
    let (e, count, size) = sizes(sizes_call);
    assert_eq!(e, 0);
    fill(at(ARRAY), count * 4 + 8, 0xaa);
    fill(at(STRINGS), size + 8, 0xaa);
    // SAFETY: pointers into the private page, large enough.
    let e = unsafe { get(at(ARRAY), at(STRINGS)) };
    if e != 0 {
        return errno(e);
    }
    let mut offsets = Vec::new();
    let mut strings = Vec::new();
    let mut terminated = true;
    for i in 0..count {
        let pointer = r32(at(ARRAY) + 4 * i);
        offsets.push(pointer.wrapping_sub(at(STRINGS)) as i64);
        let mut bytes = Vec::new();
        let mut p = pointer;
        while p < at(STRINGS) + size && r8(p) != 0 {
            bytes.push(r8(p));
            p += 1;
        }
        terminated &= p < at(STRINGS) + size && r8(p) == 0;
        strings.push(String::from_utf8_lossy(&bytes).escape_default().to_string());
    }
    let array_canary = (0..8).all(|i| r8(at(ARRAY) + count * 4 + i) == 0xaa);
    let buffer_canary = (0..8).all(|i| r8(at(STRINGS) + size + i) == 0xaa);
    format!(
        "ok offsets={offsets:?} strings={strings:?} nul-terminated={terminated} canaries={}",
        array_canary && buffer_canary
    )
}

/// The two size results written to the same address: which one wins.
fn args_sizes_same_ptr() -> String {
    w32(at(SLOT), 0xdead_beef);
    // SAFETY: pointer into the private page.
    let e = unsafe { sys::args_sizes_get(at(SLOT), at(SLOT)) };
    format!("{} value={}", errno(e), r32(at(SLOT)))
}
fn environ_get_buffer_misaligned() -> String {
    // A byte buffer has no alignment requirement: this one must work.
    let (_, count, size) = sizes(sys::environ_sizes_get);
    // SAFETY: pointers into the private page.
    let e = unsafe { sys::environ_get(at(ARRAY), at(STRINGS + 1)) };
    let first = r32(at(ARRAY)).wrapping_sub(at(STRINGS + 1));
    let last_nul = r8(at(STRINGS + 1) + size - 1);
    format!(
        "{} count={count} first-offset={first} last-byte={last_nul}",
        errno(e)
    )
}

// ---- Clocks --------------------------------------------------------------------------------

fn res(id: u32) -> String {
    w64(at(SLOT), 0);
    // SAFETY: pointer into the private page.
    let e = unsafe { sys::clock_res_get(id, at(SLOT)) };
    if e != 0 {
        return errno(e);
    }
    let r = r64(at(SLOT));
    format!("ok res>0={} res<=1s={}", r > 0, r <= 1_000_000_000)
}

fn time(id: u32, precision: u64) -> String {
    w64(at(SLOT), 0);
    // SAFETY: pointer into the private page.
    let e = unsafe { sys::clock_time_get(id, precision, at(SLOT)) };
    if e != 0 {
        return format!("{} slot-untouched={}", errno(e), r64(at(SLOT)) == 0);
    }
    let t = r64(at(SLOT));
    let mut out = format!("ok time>0={}", t > 0);
    if id == 0 {
        // After 2020-01-01 and before 2200.
        out += &format!(
            " plausible={}",
            t > 1_577_836_800_000_000_000 && t < 7_258_118_400_000_000_000
        );
    }
    out
}

/// A monotonic reading: only what every implementation shares, not its value, whose origin
/// WASI leaves open (ours counts from the first reading in the process, so the first reading
/// can be exactly 0): it succeeds, and a second reading is not smaller.
fn time_monotonic(precision: u64) -> String {
    w64(at(SLOT), 0);
    // SAFETY: pointer into the private page.
    let e = unsafe { sys::clock_time_get(1, precision, at(SLOT)) };
    if e != 0 {
        return format!("{} slot-untouched={}", errno(e), r64(at(SLOT)) == 0);
    }
    let first = r64(at(SLOT));
    format!("ok second>=first={}", now(1) >= first)
}

fn now(id: u32) -> u64 {
    // SAFETY: pointer into the private page.
    let e = unsafe { sys::clock_time_get(id, 0, at(SLOT + 0x80)) };
    assert_eq!(e, 0, "clock_time_get({id})");
    r64(at(SLOT + 0x80))
}

fn monotonic_order() -> String {
    let mut previous = now(1);
    let mut ok = true;
    for _ in 0..1000 {
        let next = now(1);
        ok &= next >= previous;
        previous = next;
    }
    format!("never decreases={ok}")
}

fn time_misaligned(by: u32) -> String {
    fill(at(SLOT + 0x40), 24, 0);
    // SAFETY: pointer into the private page (misaligned for a u64, which wasm allows).
    let e = unsafe { sys::clock_time_get(1, 0, at(SLOT + 0x48 + by)) };
    let t = u64::from_le_bytes(r_le(at(SLOT + 0x48 + by)));
    format!("{} written={}", errno(e), t != 0)
}

// ---- Random --------------------------------------------------------------------------------

fn random(buf: u32, len: u32) -> String {
    // SAFETY: the host must check the range.
    errno(unsafe { sys::random_get(buf, len) })
}
fn random_16() -> String {
    fill(at(DATA), 40, 0);
    let e1 = random(at(DATA), 16);
    let e2 = random(at(DATA + 16), 16);
    let first: [u8; 16] = r_le(at(DATA));
    let second: [u8; 16] = r_le(at(DATA + 16));
    let after = (32..40).all(|i| r8(at(DATA) + i) == 0);
    format!(
        "{e1} {e2} nonzero={} two calls differ={} bytes after untouched={after}",
        first != [0; 16],
        first != second
    )
}

// ---- poll_oneoff ---------------------------------------------------------------------------

const CLOCK: u8 = 0;
const FD_READ: u8 = 1;
const FD_WRITE: u8 = 2;
const ABSTIME: u16 = 1;

fn sub_clock(index: u32, userdata: u64, id: u32, timeout: u64, flags: u16) {
    let a = at(SUBS) + 48 * index;
    fill(a, 48, 0);
    w64(a, userdata);
    w8(a + 8, CLOCK);
    w32(a + 16, id);
    w64(a + 24, timeout);
    w64(a + 32, 0);
    w16(a + 40, flags);
}
fn sub_fd(index: u32, userdata: u64, tag: u8, fd: u32) {
    let a = at(SUBS) + 48 * index;
    fill(a, 48, 0);
    w64(a, userdata);
    w8(a + 8, tag);
    w32(a + 16, fd);
}

/// Calls poll_oneoff on the subscriptions at SUBS and prints the events.
fn poll_at(subs: u32, events: u32, n: u32, nevents: u32) -> String {
    fill(at(EVENTS), 32 * 8, 0xee);
    w32(at(SLOT), 0xdead_beef);
    // SAFETY: the host must check the pointers.
    let e = unsafe { sys::poll_oneoff(subs, events, n, nevents) };
    if e != 0 {
        return format!(
            "{} nevents-untouched={}",
            errno(e),
            r32(at(SLOT)) == 0xdead_beef
        );
    }
    let count = r32(at(SLOT));
    let mut out = format!("ok n={count}");
    for i in 0..count.min(8) {
        let a = at(EVENTS) + 32 * i;
        let kind = r8(a + 10);
        out += &format!(" [ud={:#x} err={} type={}", r64(a), r16(a + 8), kind);
        if kind != CLOCK {
            out += &format!(" nbytes={} flags={}", r64(a + 16), r16(a + 24));
        }
        out += "]";
    }
    out
}
fn poll(n: u32) -> String {
    poll_at(at(SUBS), at(EVENTS), n, at(SLOT))
}

fn poll_rel_1ms(id: u32) -> String {
    sub_clock(0, 0x12, id, 1_000_000, 0);
    let start = now(1);
    let out = poll(1);
    format!("{out} waited>=1ms={}", now(1) - start >= 1_000_000)
}
fn poll_abs_past(id: u32) -> String {
    sub_clock(0, 0x13, id, 1, ABSTIME);
    let start = now(1);
    let out = poll(1);
    format!("{out} quick={}", now(1) - start < 1_000_000_000)
}
fn poll_abs_future_monotonic() -> String {
    let start = now(1);
    sub_clock(0, 0x14, 1, start + 2_000_000, ABSTIME);
    let out = poll(1);
    format!("{out} waited>=2ms={}", now(1) - start >= 2_000_000)
}
fn poll_clock_id(id: u32) -> String {
    sub_clock(0, 0x15, id, 0, 0);
    poll(1)
}
fn poll_bad_tag(tag: u8) -> String {
    let a = at(SUBS);
    fill(a, 48, 0);
    w64(a, 0x19);
    w8(a + 8, tag);
    poll(1)
}
fn poll_fd(tag: u8, fd: u32) -> String {
    sub_fd(0, 0x20 + u64::from(tag), tag, fd);
    poll(1)
}
fn poll_read_file_at_end() -> String {
    use std::io::Read;
    let mut file = File::open("/data").expect("open /data");
    let mut all = Vec::new();
    file.read_to_end(&mut all).expect("read");
    poll_fd(FD_READ, file.as_raw_fd() as u32)
}
fn poll_clock_1h_and_stdout() -> String {
    sub_clock(0, 0x34, 1, 3_600_000_000_000, 0);
    sub_fd(1, 0x35, FD_WRITE, 1);
    let start = now(1);
    let out = poll(2);
    format!("{out} quick={}", now(1) - start < 1_000_000_000)
}
fn poll_two_clocks() -> String {
    sub_clock(0, 0x36, 1, 3_600_000_000_000, 0);
    sub_clock(1, 0x37, 1, 0, 0);
    sub_clock(2, 0x38, 0, 1, ABSTIME);
    poll(3)
}
fn poll_same_fd_twice() -> String {
    sub_fd(0, 0x39, FD_WRITE, 1);
    sub_fd(1, 0x3a, FD_WRITE, 1);
    sub_fd(2, 0x3b, FD_READ, 0);
    poll(3)
}
fn poll_in_misaligned() -> String {
    // Build the subscription 4 bytes further on.
    let a = at(SUBS + 0x200 + 4);
    fill(a, 48, 0);
    w64(a, 0x43);
    w8(a + 8, CLOCK);
    w32(a + 16, 1);
    poll_at(a, at(EVENTS), 1, at(SLOT))
}

// ---- sched_yield, proc_raise ---------------------------------------------------------------

fn raise(signal: u32) -> String {
    // SAFETY: the host decides what a signal does.
    errno(unsafe { sys::proc_raise(signal) })
}

// ---- Sockets on descriptors that are not sockets -------------------------------------------

fn file_fd() -> (File, u32) {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .open("/data")
        .expect("open /data");
    let fd = file.as_raw_fd() as u32;
    (file, fd)
}
fn accept(fd: u32, flags: u32) -> String {
    w32(at(SLOT), 0xdead_beef);
    // SAFETY: pointer into the private page.
    let e = unsafe { sys::sock_accept(fd, flags, at(SLOT)) };
    format!("{} untouched={}", errno(e), r32(at(SLOT)) == 0xdead_beef)
}
fn recv(fd: u32, flags: u32) -> String {
    w32(at(IOVEC), at(DATA));
    w32(at(IOVEC) + 4, 16);
    w32(at(SLOT), 0xdead_beef);
    w16(at(SLOT + 8), 0xbeef);
    // SAFETY: pointers into the private page.
    let e = unsafe { sys::sock_recv(fd, at(IOVEC), 1, flags, at(SLOT), at(SLOT + 8)) };
    format!(
        "{} untouched={}",
        errno(e),
        r32(at(SLOT)) == 0xdead_beef && r16(at(SLOT + 8)) == 0xbeef
    )
}
fn send(fd: u32) -> String {
    w_le(at(DATA), b"x\n");
    w32(at(IOVEC), at(DATA));
    w32(at(IOVEC) + 4, 0);
    w32(at(SLOT), 0xdead_beef);
    // SAFETY: pointers into the private page; an empty buffer, so nothing is written anywhere.
    let e = unsafe { sys::sock_send(fd, at(IOVEC), 1, 0, at(SLOT)) };
    format!("{} untouched={}", errno(e), r32(at(SLOT)) == 0xdead_beef)
}
fn shutdown(fd: u32, how: u32) -> String {
    // SAFETY: no pointers.
    errno(unsafe { sys::sock_shutdown(fd, how) })
}

// ---- fd_fdstat_get of the standard streams -------------------------------------------------

fn fdstat(fd: u32) -> String {
    fill(at(SLOT), 24, 0xee);
    // SAFETY: pointer into the private page.
    let e = unsafe { sys::fd_fdstat_get(fd, at(SLOT)) };
    if e != 0 {
        return errno(e);
    }
    format!(
        "ok filetype={} flags={:#x} rights_base={:#x} rights_inheriting={:#x}",
        r8(at(SLOT)),
        r16(at(SLOT + 2)),
        r64(at(SLOT + 8)),
        r64(at(SLOT + 16))
    )
}

// ---- The cases -----------------------------------------------------------------------------

/// A case: its name, whether it traps under wasmtime (left out of the full run), the probe.
type Case = (&'static str, bool, fn() -> String);

#[rustfmt::skip]
const CASES: &[Case] = &[
    ("args_sizes_get", false, || show_sizes(sys::args_sizes_get)),
    ("args_get", false, || show_strings(sys::args_sizes_get, sys::args_get)),
    ("args_sizes_get same ptr", false, args_sizes_same_ptr),
    ("args_sizes_get ptr oob", true, || {
        // SAFETY: the host must check the pointer.
        errno(unsafe { sys::args_sizes_get(end() - 2, at(SLOT)) })
    }),
    ("args_sizes_get ptr misaligned", true, || {
        // SAFETY: pointer into the private page.
        errno(unsafe { sys::args_sizes_get(at(SLOT + 1), at(SLOT + 8)) })
    }),
    ("args_get argv oob", true, || {
        // SAFETY: the host must check the pointer.
        errno(unsafe { sys::args_get(end() - 8, at(STRINGS)) })
    }),
    ("args_get buf oob", true, || {
        // SAFETY: the host must check the pointer.
        errno(unsafe { sys::args_get(at(ARRAY), end() - 8) })
    }),
    ("args_get argv misaligned", true, || {
        // SAFETY: pointer into the private page.
        errno(unsafe { sys::args_get(at(ARRAY + 2), at(STRINGS)) })
    }),
    ("environ_sizes_get", false, || show_sizes(sys::environ_sizes_get)),
    ("environ_get", false, || show_strings(sys::environ_sizes_get, sys::environ_get)),
    ("environ_get environ oob", true, || {
        // SAFETY: the host must check the pointer.
        errno(unsafe { sys::environ_get(end() - 4, at(STRINGS)) })
    }),
    ("environ_get buf misaligned", false, environ_get_buffer_misaligned),
    ("clock_res_get realtime", false, || res(0)),
    ("clock_res_get monotonic", false, || res(1)),
    ("clock_res_get process", false, || res(2)),
    ("clock_res_get thread", false, || res(3)),
    ("clock_res_get 4", true, || res(4)),
    ("clock_res_get u32::MAX", true, || res(u32::MAX)),
    ("clock_res_get ptr oob", true, || {
        // SAFETY: the host must check the pointer.
        errno(unsafe { sys::clock_res_get(0, end() - 4) })
    }),
    ("clock_res_get ptr misaligned", true, || {
        // SAFETY: pointer into the private page.
        errno(unsafe { sys::clock_res_get(0, at(SLOT + 0x44)) })
    }),
    ("clock_time_get realtime p0", false, || time(0, 0)),
    ("clock_time_get monotonic p0", false, || time_monotonic(0)),
    ("clock_time_get process p0", false, || time(2, 0)),
    ("clock_time_get thread p0", false, || time(3, 0)),
    ("clock_time_get realtime pmax", false, || time(0, u64::MAX)),
    ("clock_time_get monotonic pmax", false, || time(1, u64::MAX)),
    ("clock_time_get process pmax", false, || time(2, u64::MAX)),
    ("clock_time_get thread pmax", false, || time(3, u64::MAX)),
    ("clock_time_get 4", true, || time(4, 0)),
    ("clock_time_get u32::MAX", true, || time(u32::MAX, 0)),
    ("clock_time_get monotonic order", false, monotonic_order),
    ("clock_time_get ptr oob", true, || {
        // SAFETY: the host must check the pointer.
        errno(unsafe { sys::clock_time_get(1, 0, end() - 4) })
    }),
    ("clock_time_get ptr at end", true, || {
        // SAFETY: the host must check the pointer.
        errno(unsafe { sys::clock_time_get(1, 0, end()) })
    }),
    ("clock_time_get ptr misaligned 4", true, || time_misaligned(4)),
    ("clock_time_get ptr misaligned 1", true, || time_misaligned(1)),
    ("clock_time_get id 4 ptr oob", true, || {
        // Which is checked first: the clock id or the pointer.
        // SAFETY: the host must check the pointer.
        errno(unsafe { sys::clock_time_get(4, 0, end()) })
    }),
    ("random_get 0", false, || random(at(DATA), 0)),
    ("random_get 0 at end", false, || random(end(), 0)),
    ("random_get 0 at u32::MAX", false, || random(u32::MAX, 0)),
    ("random_get last byte", false, || random(end() - 1, 1)),
    ("random_get straddling end", true, || random(end() - 1, 2)),
    ("random_get u32::MAX bytes", true, || random(at(DATA), u32::MAX)),
    ("random_get 16", false, random_16),
    ("poll_oneoff 0 subscriptions", false, || poll(0)),
    ("poll_oneoff monotonic rel 0", false, || {
        sub_clock(0, 0x11, 1, 0, 0);
        poll(1)
    }),
    ("poll_oneoff monotonic rel 1ms", false, || poll_rel_1ms(1)),
    ("poll_oneoff realtime rel 1ms", false, || poll_rel_1ms(0)),
    ("poll_oneoff monotonic abs past", false, || poll_abs_past(1)),
    ("poll_oneoff realtime abs past", false, || poll_abs_past(0)),
    ("poll_oneoff monotonic abs +2ms", false, poll_abs_future_monotonic),
    ("poll_oneoff clock process", false, || poll_clock_id(2)),
    ("poll_oneoff clock thread", false, || poll_clock_id(3)),
    ("poll_oneoff clock 4", false, || poll_clock_id(4)),
    ("poll_oneoff clock u32::MAX", false, || poll_clock_id(u32::MAX)),
    ("poll_oneoff clock flags 2", false, || {
        sub_clock(0, 0x16, 1, 0, 2);
        poll(1)
    }),
    ("poll_oneoff rel u64::MAX + stdout", false, || {
        // A relative timeout of u64::MAX next to a ready descriptor: must not overflow or wait.
        sub_clock(0, 0x17, 1, u64::MAX, 0);
        sub_fd(1, 0x18, FD_WRITE, 1);
        poll(2)
    }),
    ("poll_oneoff tag 3", false, || poll_bad_tag(3)),
    ("poll_oneoff tag 255", false, || poll_bad_tag(255)),
    ("poll_oneoff read stdin", false, || poll_fd(FD_READ, 0)),
    ("poll_oneoff write stdout", false, || poll_fd(FD_WRITE, 1)),
    ("poll_oneoff write stderr", false, || poll_fd(FD_WRITE, 2)),
    ("poll_oneoff read stdout", false, || poll_fd(FD_READ, 1)),
    ("poll_oneoff write stdin", false, || poll_fd(FD_WRITE, 0)),
    ("poll_oneoff read file", false, || {
        let file = File::open("/data").expect("open /data");
        poll_fd(FD_READ, file.as_raw_fd() as u32)
    }),
    ("poll_oneoff read file at end", false, poll_read_file_at_end),
    ("poll_oneoff write file", false, || {
        let file = OpenOptions::new()
            .write(true)
            .open("/data")
            .expect("open /data");
        poll_fd(FD_WRITE, file.as_raw_fd() as u32)
    }),
    ("poll_oneoff read write-only file", false, || {
        let file = OpenOptions::new()
            .write(true)
            .open("/data")
            .expect("open /data");
        poll_fd(FD_READ, file.as_raw_fd() as u32)
    }),
    ("poll_oneoff write read-only file", false, || {
        let file = File::open("/data").expect("open /data");
        poll_fd(FD_WRITE, file.as_raw_fd() as u32)
    }),
    ("poll_oneoff read dir", false, || poll_fd(FD_READ, 3)),
    ("poll_oneoff read bad fd", false, || poll_fd(FD_READ, 99)),
    ("poll_oneoff write bad fd", false, || poll_fd(FD_WRITE, 99)),
    ("poll_oneoff clock 0 + bad fd", false, || {
        sub_clock(0, 0x30, 1, 0, 0);
        sub_fd(1, 0x31, FD_READ, 99);
        poll(2)
    }),
    ("poll_oneoff clock 0 + stdout", false, || {
        sub_clock(0, 0x32, 1, 0, 0);
        sub_fd(1, 0x33, FD_WRITE, 1);
        poll(2)
    }),
    ("poll_oneoff stdout + clock 0", false, || {
        sub_fd(0, 0x3c, FD_WRITE, 1);
        sub_clock(1, 0x3d, 1, 0, 0);
        poll(2)
    }),
    ("poll_oneoff abs past + stdout", false, || {
        sub_clock(0, 0x3e, 1, 1, ABSTIME);
        sub_fd(1, 0x3f, FD_WRITE, 1);
        poll(2)
    }),
    ("poll_oneoff clock 1h + stdout", false, poll_clock_1h_and_stdout),
    ("poll_oneoff clocks 1h, 0, abs past", false, poll_two_clocks),
    ("poll_oneoff stdout twice + stdin", false, poll_same_fd_twice),
    ("poll_oneoff 0x10000000 subscriptions", false, || {
        sub_clock(0, 0x40, 1, 0, 0);
        poll(0x1000_0000)
    }),
    ("poll_oneoff in past end", true, || {
        // Two subscriptions when only one fits before the end of memory.
        let subs = end() - 48;
        poll_at(subs, at(EVENTS), 2, at(SLOT))
    }),
    ("poll_oneoff in oob", true, || poll_at(end() - 24, at(EVENTS), 1, at(SLOT))),
    ("poll_oneoff out oob", true, || {
        sub_clock(0, 0x41, 1, 0, 0);
        poll_at(at(SUBS), end() - 16, 1, at(SLOT))
    }),
    ("poll_oneoff nevents oob", true, || {
        sub_clock(0, 0x42, 1, 0, 0);
        poll_at(at(SUBS), at(EVENTS), 1, end() - 2)
    }),
    ("poll_oneoff in misaligned", true, poll_in_misaligned),
    ("poll_oneoff out misaligned", true, || {
        sub_clock(0, 0x44, 1, 0, 0);
        poll_at(at(SUBS), at(EVENTS + 4), 1, at(SLOT))
    }),
    ("sched_yield", false, || {
        // SAFETY: no arguments.
        errno(unsafe { sys::sched_yield() })
    }),
    ("proc_raise 0", false, || raise(0)),
    ("proc_raise usr1", false, || raise(10)),
    ("proc_raise 31", true, || raise(31)),
    ("proc_raise 256", true, || raise(256)),
    ("sock_accept file", false, || {
        let (_f, fd) = file_fd();
        accept(fd, 0)
    }),
    ("sock_accept stdout", false, || accept(1, 0)),
    ("sock_accept dir", false, || accept(3, 0)),
    ("sock_accept bad fd", false, || accept(99, 0)),
    ("sock_accept file flags 0x20", true, || {
        let (_f, fd) = file_fd();
        accept(fd, 0x20)
    }),
    ("sock_accept bad fd flags 0x10000", true, || accept(99, 0x1_0000)),
    ("sock_recv file", false, || {
        let (_f, fd) = file_fd();
        recv(fd, 0)
    }),
    ("sock_recv stdin", false, || recv(0, 0)),
    ("sock_recv bad fd", false, || recv(99, 0)),
    ("sock_recv bad fd flags 4", true, || recv(99, 4)),
    ("sock_send file", false, || {
        let (_f, fd) = file_fd();
        send(fd)
    }),
    ("sock_send stdout", false, || send(1)),
    ("sock_send bad fd", false, || send(99)),
    ("sock_shutdown file", false, || {
        let (_f, fd) = file_fd();
        shutdown(fd, 3)
    }),
    ("sock_shutdown stdout", false, || shutdown(1, 2)),
    ("sock_shutdown bad fd", false, || shutdown(99, 1)),
    ("sock_shutdown file how 0", false, || {
        let (_f, fd) = file_fd();
        shutdown(fd, 0)
    }),
    ("sock_shutdown file how 4", true, || {
        let (_f, fd) = file_fd();
        shutdown(fd, 4)
    }),
    ("sock_shutdown bad fd how 4", true, || shutdown(99, 4)),
    ("fd_fdstat_get 0", false, || fdstat(0)),
    ("fd_fdstat_get 1", false, || fdstat(1)),
    ("fd_fdstat_get 2", false, || fdstat(2)),
    ("fd_fdstat_get 99", false, || fdstat(99)),
];

fn main() {
    setup_memory();
    fs::write("/data", b"hello").expect("write /data");
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("list") => {
            for (name, traps, _) in CASES {
                println!("{name}{}", if *traps { " (traps in wasmtime)" } else { "" });
            }
        }
        Some("case") => {
            let wanted = args.get(2).expect("case NAME");
            let (name, _, probe) = CASES
                .iter()
                .find(|(name, ..)| name == wanted)
                .expect("no such case");
            println!("{name}: {}", probe());
        }
        _ => {
            for (name, traps, probe) in CASES {
                if !traps {
                    println!("{name}: {}", probe());
                }
            }
        }
    }
    fs::remove_file("/data").expect("remove /data");
}
