//! What the path calls ask of the file-system adapter, on both backends: `path_filestat_get`
//! and `path_open` look at a last component that is not a symbolic link once (no separate
//! symlink check first, which on a host directory is one system call per call), and
//! following a link still reaches its target.

mod common;

use common::recording::{Log, RecordingDirectory, take};
use common::{BACKENDS, Guest, Root, errno, v32, v64};

use std::sync::Arc;

use vm_abi_wasi::Errno;
use vm_abi_wasi::types::{Filestat, lookupflags, oflags, rights};

/// The preopen's descriptor.
const ROOT: u32 = 3;
/// Where the guest finds paths.
const PATH: u32 = 0x1000;
/// Where results are written.
const OUT: u32 = 0x100;

/// A guest whose preopen `/` is `root` seen through a [`RecordingDirectory`]; `root` holds
/// `file` (5 bytes), `link` → `file` and `dangling` → `new`.
fn guest(root: &Root) -> (Guest, Log) {
    root.write("file", b"hello");
    let directory = root.directory();
    directory.symlink("file", "link").expect("symlink");
    directory.symlink("new", "dangling").expect("symlink");
    let (recording, log) = RecordingDirectory::new(directory);
    let guest = Guest::builder()
        .imports(&["path_filestat_get", "path_open", "fd_read", "fd_close"])
        .preopen_directory("/", Arc::new(recording))
        .build();
    (guest, log)
}

/// `path_filestat_get(ROOT, flags, path)`: the size, or the errno.
fn stat(guest: &mut Guest, flags: u32, path: &str) -> Result<u64, i32> {
    guest.write_memory(PATH, path.as_bytes());
    let result = guest.call(
        "path_filestat_get",
        &[
            v32(ROOT),
            v32(flags),
            v32(PATH),
            v32(path.len() as u32),
            v32(OUT),
        ],
    );
    if result != 0 {
        return Err(result);
    }
    Ok(guest.read::<Filestat>(OUT).size)
}

/// `path_open(ROOT, dirflags, path, oflags)` for reading: the new descriptor, or the errno.
fn open(guest: &mut Guest, dirflags: u32, path: &str, open_flags: u16) -> Result<u32, i32> {
    guest.write_memory(PATH, path.as_bytes());
    let result = guest.call(
        "path_open",
        &[
            v32(ROOT),
            v32(dirflags),
            v32(PATH),
            v32(path.len() as u32),
            v32(u32::from(open_flags)),
            v64(rights::FD_READ),
            v64(0),
            v32(0),
            v32(OUT),
        ],
    );
    if result != 0 {
        return Err(result);
    }
    Ok(guest.read::<u32>(OUT))
}

fn strings(operations: &[&str]) -> Vec<String> {
    operations
        .iter()
        .map(|operation| operation.to_string())
        .collect()
}

#[test]
fn stat_looks_at_a_file_once_and_follows_links_to_their_target() {
    for backend in BACKENDS {
        let root = Root::new(backend);
        let (mut guest, log) = guest(&root);
        let follow = lookupflags::SYMLINK_FOLLOW;

        assert_eq!(stat(&mut guest, follow, "file"), Ok(5));
        assert_eq!(take(&log), strings(&["stat file"]), "{backend:?}");
        assert_eq!(stat(&mut guest, 0, "file"), Ok(5));
        assert_eq!(take(&log), strings(&["stat file"]), "{backend:?}");

        // Following: the target's size; not following: the link's own (its target's length).
        assert_eq!(stat(&mut guest, follow, "link"), Ok(5));
        let operations = take(&log);
        assert_eq!(operations.first().map(String::as_str), Some("stat link"));
        assert_eq!(operations.last().map(String::as_str), Some("stat file"));
        assert_eq!(stat(&mut guest, 0, "link"), Ok(4));
        assert_eq!(take(&log), strings(&["stat link"]), "{backend:?}");

        assert_eq!(
            stat(&mut guest, follow, "dangling"),
            Err(errno(Errno::NoEntry))
        );
        let operations = take(&log);
        assert_eq!(
            operations.first().map(String::as_str),
            Some("stat dangling")
        );
        assert_eq!(operations.last().map(String::as_str), Some("stat new"));
        assert_eq!(
            stat(&mut guest, follow, "missing"),
            Err(errno(Errno::NoEntry))
        );
        assert_eq!(take(&log), strings(&["stat missing"]), "{backend:?}");
    }
}

#[test]
fn open_opens_a_file_without_a_symlink_check_and_follows_links_when_asked() {
    for backend in BACKENDS {
        let root = Root::new(backend);
        let (mut guest, log) = guest(&root);
        let follow = lookupflags::SYMLINK_FOLLOW;

        let fd = open(&mut guest, follow, "file", 0).expect("opens");
        assert_eq!(take(&log), strings(&["open_file file"]), "{backend:?}");
        assert_eq!(guest.call("fd_close", &[v32(fd)]), 0);

        // Through the link: the target's contents.
        let fd = open(&mut guest, follow, "link", 0).expect("opens through the link");
        let operations = take(&log);
        assert_eq!(
            operations.first().map(String::as_str),
            Some("open_file link")
        );
        assert_eq!(
            operations.last().map(String::as_str),
            Some("open_file file")
        );
        guest.write_iovecs(0x200, &[(0x400, 16)]);
        assert_eq!(
            guest.call("fd_read", &[v32(fd), v32(0x200), v32(1), v32(OUT)]),
            0
        );
        assert_eq!(guest.read::<u32>(OUT), 5);
        assert_eq!(guest.read_memory(0x400, 5), b"hello");
        assert_eq!(guest.call("fd_close", &[v32(fd)]), 0);

        // Not following, a link is `ELOOP` (`O_NOFOLLOW`), after one look at it.
        assert_eq!(open(&mut guest, 0, "link", 0), Err(errno(Errno::Loop)));
        assert_eq!(take(&log), strings(&["open_file link"]), "{backend:?}");

        // `O_CREAT` through a dangling link creates its target; the link stays a link.
        let fd = open(&mut guest, follow, "dangling", oflags::CREAT).expect("creates");
        assert_eq!(guest.call("fd_close", &[v32(fd)]), 0);
        assert!(root.exists("new"), "{backend:?}");
        assert_eq!(stat(&mut guest, 0, "dangling"), Ok(3));
    }
}
