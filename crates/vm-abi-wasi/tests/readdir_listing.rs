//! The listing `fd_readdir` keeps per open directory between calls, through the raw ABI on
//! both file-system backends: a rewind (cookie 0) sees the directory as it is now, a listing
//! resumed at a cookie continues where it stopped (across windows and cut entries), the
//! adapter is asked once per window rather than once per call, and the kept listing is
//! bounded and released at the end of the listing and on `fd_close`.

mod common;

use common::recording::{Log, RecordingDirectory, take};
use common::{BACKENDS, Backend, Guest, Root, v32, v64};

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Arc;

use vm_abi_wasi::context::{DirectoryListing, Resource};

// ---------------------------------------------------------------------------------------
// Live heap bytes of the current thread (to see the kept listing freed)
// ---------------------------------------------------------------------------------------

/// The system allocator, counting the bytes allocated minus freed by each thread. A guest call
/// runs on the calling thread, so a test sees what its own calls keep or release, whatever
/// other tests do meanwhile.
struct ThreadCountingAllocator;

thread_local! {
    static LIVE_BYTES: Cell<isize> = const { Cell::new(0) };
}

fn count(delta: isize) {
    // `try_with`: the slot is gone while the thread is being torn down.
    let _ = LIVE_BYTES.try_with(|live| live.set(live.get() + delta));
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the
// counting touches only a thread-local `Cell` of a plain integer, which never allocates.
unsafe impl GlobalAlloc for ThreadCountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is; the caller upholds `GlobalAlloc::alloc`'s contract.
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            count(layout.size() as isize);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        count(-(layout.size() as isize));
        // SAFETY: forwarded as is; `pointer` came from `System` with this `layout`.
        unsafe { System.dealloc(pointer, layout) }
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is; the caller upholds `GlobalAlloc::realloc`'s contract.
        let moved = unsafe { System.realloc(pointer, layout, new_size) };
        if !moved.is_null() {
            count(new_size as isize - layout.size() as isize);
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: ThreadCountingAllocator = ThreadCountingAllocator;

fn live_bytes() -> isize {
    LIVE_BYTES.with(Cell::get)
}

// ---------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------

/// The preopened directory's descriptor.
const ROOT: u32 = 3;
/// Where `bufused` goes.
const USED: u32 = 0x10;
/// The readdir buffer (up to 192 KiB: the guest has four pages).
const BUF: u32 = 0x100;

/// A guest with `fd_readdir` and `fd_close`, `root` preopened as fd 3 behind a recorder.
fn guest(root: &Root) -> (Guest, Log) {
    let (directory, log) = RecordingDirectory::new(root.directory());
    let guest = Guest::builder()
        .imports(&["fd_readdir", "fd_close"])
        .pages(4)
        .preopen_directory("/", Arc::new(directory))
        .build();
    (guest, log)
}

/// How often the adapter listed the directory since the last look.
fn listings(log: &Log) -> usize {
    take(log)
        .iter()
        .filter(|operation| *operation == "entries")
        .count()
}

/// `fd_readdir` into `buf_len` bytes: the bytes written.
fn readdir(guest: &mut Guest, fd: u32, buf_len: u32, cookie: u64) -> Vec<u8> {
    let errno = guest.call(
        "fd_readdir",
        &[v32(fd), v32(BUF), v32(buf_len), v64(cookie), v32(USED)],
    );
    assert_eq!(errno, 0, "fd_readdir({fd}, {buf_len}, {cookie})");
    let used: u32 = guest.read(USED);
    assert!(used <= buf_len, "bufused {used} > buf_len {buf_len}");
    guest.read_memory(BUF, used)
}

/// One decoded entry: `(d_next, name)`.
type Entry = (u64, String);

/// The complete entries of a readdir buffer (a cut last entry is left out).
fn entries(buffer: &[u8]) -> Vec<Entry> {
    let mut entries = Vec::new();
    let mut rest = buffer;
    while rest.len() >= 24 {
        let next = u64::from_le_bytes(rest[0..8].try_into().unwrap());
        let length = u32::from_le_bytes(rest[16..20].try_into().unwrap()) as usize;
        if rest.len() < 24 + length {
            break;
        }
        let name = String::from_utf8(rest[24..24 + length].to_vec()).expect("UTF-8 name");
        entries.push((next, name));
        rest = &rest[24 + length..];
    }
    entries
}

/// Lists `fd` from cookie 0 in `buf_len`-byte pieces, as wasi-libc does: every call resumes
/// at the last complete entry's `d_next`, until a call leaves room in the buffer.
fn list(guest: &mut Guest, fd: u32, buf_len: u32) -> Vec<Entry> {
    let mut listing = Vec::new();
    let mut cookie = 0;
    loop {
        let buffer = readdir(guest, fd, buf_len, cookie);
        let page = entries(&buffer);
        if buffer.len() < buf_len as usize {
            listing.extend(page);
            return listing;
        }
        cookie = page.last().expect("the buffer holds an entry").0;
        listing.extend(page);
    }
}

/// The bytes the directory `fd` currently keeps for `fd_readdir`.
fn kept_bytes(guest: &mut Guest, fd: u32) -> usize {
    match &guest
        .wasi()
        .descriptors
        .get(fd)
        .expect("fd is open")
        .resource
    {
        Resource::Directory(open) => open.listing.cached_bytes(),
        _ => panic!("fd {fd} is not a directory"),
    }
}

/// The names `.`, `..`, then `names` sorted (the order both backends list in).
fn expected(names: &[String]) -> Vec<String> {
    let mut sorted = names.to_vec();
    sorted.sort();
    [".".to_string(), "..".to_string()]
        .into_iter()
        .chain(sorted)
        .collect()
}

fn names(listing: &[Entry]) -> Vec<String> {
    listing.iter().map(|(_, name)| name.clone()).collect()
}

fn create(root: &Root, names: &[String]) {
    for name in names {
        root.write(name, b"");
    }
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[test]
fn a_rewind_sees_entries_added_or_removed_since_the_last_listing() {
    for backend in BACKENDS {
        let root = Root::new(backend);
        let first: Vec<String> = (0..40).map(|i| format!("old-{i:02}")).collect();
        create(&root, &first);
        let (mut guest, _) = guest(&root);

        // A partial listing: the rest of it is kept.
        let page = entries(&readdir(&mut guest, ROOT, 200, 0));
        assert!(kept_bytes(&mut guest, ROOT) > 0, "{backend:?}");

        root.write("new-file", b"");
        root.directory().remove_file("old-00").expect("removed");
        root.mkdir("new-dir");

        // Continuing the listing shows the directory as it was at the rewind (POSIX leaves
        // changes since the last rewind unspecified), every entry once.
        let resume = page.last().expect("a page").0;
        let mut rest = Vec::new();
        let mut cookie = resume;
        loop {
            let buffer = readdir(&mut guest, ROOT, 200, cookie);
            let part = entries(&buffer);
            let full = buffer.len() == 200;
            if let Some(last) = part.last() {
                cookie = last.0;
            }
            rest.extend(part);
            if !full {
                break;
            }
        }
        let before: Vec<String> = names(&page).into_iter().chain(names(&rest)).collect();
        assert_eq!(before, expected(&first), "{backend:?}");

        // A rewind lists the directory as it is now.
        let mut now: Vec<String> = first[1..].to_vec();
        now.push("new-file".into());
        now.push("new-dir".into());
        assert_eq!(
            names(&list(&mut guest, ROOT, 200)),
            expected(&now),
            "{backend:?}"
        );
        assert_eq!(
            names(&list(&mut guest, ROOT, 4096)),
            expected(&now),
            "{backend:?}"
        );

        // And again after more changes, even with a listing kept from the middle.
        readdir(&mut guest, ROOT, 100, 0);
        root.directory().remove_file("new-file").expect("removed");
        now.retain(|name| name != "new-file");
        assert_eq!(
            names(&list(&mut guest, ROOT, 100)),
            expected(&now),
            "{backend:?}"
        );
    }
}

#[test]
fn a_listing_resumed_at_a_cookie_continues_where_it_stopped() {
    for backend in BACKENDS {
        let root = Root::new(backend);
        // Long names, so the listing (about 200 KiB) spans several windows.
        let created: Vec<String> = (0..2500)
            .map(|i| format!("entry-{i:04}-{}", "x".repeat(60)))
            .collect();
        create(&root, &created);
        let (mut guest, log) = guest(&root);
        let whole = readdir(&mut guest, ROOT, 4 * 65536 - BUF, 0);
        assert!(
            whole.len() < (4 * 65536 - BUF) as usize,
            "the buffer holds it all"
        );
        let reference = entries(&whole);
        assert_eq!(names(&reference), expected(&created), "{backend:?}");
        for (index, (next, _)) in reference.iter().enumerate() {
            assert_eq!(
                *next,
                index as u64 + 1,
                "{backend:?}: d_next is the next index"
            );
        }

        // Buffer sizes that cut entries in the header, in the name, and at boundaries (an entry
        // is 95 bytes; a buffer must hold one, as wasi-libc makes sure).
        for buf_len in [95, 96, 97, 150, 256, 1000, 4096, 65536] {
            take(&log);
            assert_eq!(
                list(&mut guest, ROOT, buf_len),
                reference,
                "{backend:?} {buf_len}"
            );
            let windows = whole.len().div_ceil(DirectoryListing::MAX_WINDOW_BYTES);
            let asked = listings(&log);
            assert!(
                asked <= windows + 1,
                "{backend:?} {buf_len}: listed {asked} times for {windows} windows"
            );
        }

        // Cookies taken out of order (seekdir): each gives the listing from that entry.
        for cookie in [1000, 3, 2501, 17, 2502, 0, 2400] {
            let buffer = readdir(&mut guest, ROOT, 600, cookie);
            let expected_bytes = entries(&whole)
                .iter()
                .take(cookie as usize)
                .map(|(_, name)| 24 + name.len())
                .sum::<usize>();
            let rest = &whole[expected_bytes..];
            let expected_part = &rest[..rest.len().min(600)];
            assert_eq!(buffer, expected_part, "{backend:?} cookie {cookie}");
        }
        assert!(readdir(&mut guest, ROOT, 600, 2502).is_empty());
        assert!(readdir(&mut guest, ROOT, 600, u64::MAX).is_empty());
    }
}

#[test]
fn the_kept_listing_is_bounded_and_released_at_the_end_and_on_close() {
    for backend in BACKENDS {
        let root = Root::new(backend);
        let created: Vec<String> = (0..1500)
            .map(|i| format!("file-{i:04}-{}", "y".repeat(40)))
            .collect();
        create(&root, &created);
        let (mut guest, _) = guest(&root);

        // A partial listing keeps one window, no more.
        readdir(&mut guest, ROOT, 256, 0);
        let kept = kept_bytes(&mut guest, ROOT);
        assert!(kept > 0, "{backend:?}");
        assert!(
            kept <= DirectoryListing::MAX_WINDOW_BYTES,
            "{backend:?}: {kept}"
        );

        // The end of the listing releases it.
        list(&mut guest, ROOT, 256);
        assert_eq!(kept_bytes(&mut guest, ROOT), 0, "{backend:?}");

        // So does closing the descriptor in the middle of a listing.
        readdir(&mut guest, ROOT, 256, 0);
        let kept = kept_bytes(&mut guest, ROOT);
        assert!(kept > 0, "{backend:?}");
        let before = live_bytes();
        assert_eq!(guest.call("fd_close", &[v32(ROOT)]), 0);
        let released = before - live_bytes();
        assert!(
            released >= kept as isize,
            "{backend:?}: fd_close released {released} bytes, the listing kept {kept}"
        );
        assert!(!guest.is_open(ROOT));
    }
}

#[test]
fn a_listing_in_pieces_asks_the_adapter_once() {
    // The shape of the `readdir` benchmark: 2000 short names fit one window.
    let root = Root::new(Backend::Memory);
    let created: Vec<String> = (0..2000).map(|i| format!("f{i:04}")).collect();
    create(&root, &created);
    let (mut guest, log) = guest(&root);
    for buf_len in [64, 4096] {
        take(&log);
        let listing = list(&mut guest, ROOT, buf_len);
        assert_eq!(names(&listing), expected(&created), "{buf_len}");
        assert_eq!(listings(&log), 1, "{buf_len}");
    }
}
