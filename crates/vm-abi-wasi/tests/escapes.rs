//! A corpus of sandbox-escape attempts through the path functions, run against both
//! file-system backends.
//!
//! The guest's preopen is `top/root/`; next to it lives `top/outside/` with a `secret` file
//! (and `top/` itself is outside too). Every case runs in a fresh fixture and asserts the
//! exact errno of its last call **and** that nothing outside `root/` changed: for the host
//! backend the snapshot is taken with `std::fs` (independently of the adapter under test),
//! for the memory backend through the file system's own root. Escapes are refused with
//! `EPERM`, as wasmtime (cap-std) does; see `vm_abi_wasi::path` for the evidence.

mod common;

use common::{linker, runtime, v32, v64};

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use vm_abi_wasi::types::{lookupflags, oflags, rights};
use vm_abi_wasi::{Errno, WasiContext};
use vm_core::{Instance, InstanceData, Limits, Module, Value};
use vm_host::clock::{Clock, ManualClock};
use vm_host::fs::{Directory, FileType, OpenOptions};
use vm_host::host::{HostDirectory, OsRandom, SystemClock, ThreadTask};
use vm_host::memfs::MemoryFileSystem;

// ---------------------------------------------------------------------------------------
// Harness (a trimmed copy of `tests/paths.rs`'s; test files do not share code)
// ---------------------------------------------------------------------------------------

const FUNCTIONS: &[&str] = &[
    "path_create_directory",
    "path_filestat_get",
    "path_filestat_set_times",
    "path_link",
    "path_open",
    "path_readlink",
    "path_remove_directory",
    "path_rename",
    "path_symlink",
    "path_unlink_file",
    "fd_close",
];

fn module() -> Module {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    let bytes = BYTES.get_or_init(|| {
        let text = format!(
            "(module\n{}  (memory (export \"memory\") 2))",
            common::wasi_wrappers(FUNCTIONS)
        );
        wat::parse_str(&text).expect("test module is valid WAT")
    });
    Module::from_bytes(runtime(), bytes.clone()).expect("test module loads")
}

const OUT: u32 = 0x100;
const PATH_A: u32 = 0x1000;
const PATH_B: u32 = 0x3000;
const BUF: u32 = 0x8000;
const ROOT: u32 = 3;
const FOLLOW: u32 = lookupflags::SYMLINK_FOLLOW;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Memory,
    Host,
}

/// One entry of a snapshot: kind, and contents (files) or target (symlinks), with the
/// attributes an escape could change.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Snapshot {
    kind: FileType,
    data: Vec<u8>,
    size: u64,
    modified: u64,
    links: u64,
}

/// `top/` holding the preopened `root/` and `outside/` (with `secret`, `dir/nested`, and a
/// link back in).
struct Fixture {
    backend: Backend,
    top: Arc<dyn Directory>,
    root: Arc<dyn Directory>,
    clock: Arc<dyn Clock>,
    temp: Option<tempfile::TempDir>,
}

impl Fixture {
    fn new(backend: Backend) -> Self {
        let (top, clock, temp): (Arc<dyn Directory>, Arc<dyn Clock>, _) = match backend {
            Backend::Memory => {
                let clock = Arc::new(ManualClock::new(1_700_000_000_000_000_000));
                let fs = MemoryFileSystem::with_clock(clock.clone());
                (Arc::new(fs.root_directory()), clock, None)
            }
            Backend::Host => {
                let temp = tempfile::tempdir().expect("temporary directory");
                let top = HostDirectory::open(temp.path()).expect("host directory opens");
                (Arc::new(top), Arc::new(SystemClock), Some(temp))
            }
        };
        top.create_directory("root").expect("root is created");
        top.create_directory("outside").expect("outside is created");
        let outside = top.open_directory("outside").expect("outside opens");
        write(&*outside, "secret", b"secret");
        outside.create_directory("dir").expect("outside/dir");
        outside
            .open_directory("dir")
            .expect("outside/dir opens")
            .create_directory("nested")
            .expect("outside/dir/nested");
        outside
            .symlink("../root", "back_in")
            .expect("outside/back_in");
        write(&*top, "top_file", b"top");
        let root: Arc<dyn Directory> = Arc::from(top.open_directory("root").expect("root opens"));
        let fixture = Self {
            backend,
            top,
            root,
            clock,
            temp,
        };
        fixture.populate_root();
        fixture
    }

    /// How an absolute path names `top/` from the guest's host: the real path for the host
    /// backend, `/` for the memory file system (whose root is `top/`).
    fn absolute(&self, relative: &str) -> String {
        match &self.temp {
            Some(temp) => format!("{}/{relative}", temp.path().display()),
            None => format!("/{relative}"),
        }
    }

    /// The tree inside `root/` every case starts from.
    fn populate_root(&self) {
        let root = &*self.root;
        root.create_directory("dir").unwrap();
        let dir = root.open_directory("dir").unwrap();
        dir.create_directory("sub").unwrap();
        write(root, "file", b"inside");
        let links: &[(&str, &str)] = &[
            ("up", ".."),
            ("abs", "/etc/passwd"),
            ("abs_dir", "/tmp"),
            ("to_outside", "../outside"),
            ("to_secret", "../outside/secret"),
            ("to_top_file", "../top_file"),
            // A chain of three links whose last one leaves the root.
            ("c1", "c2"),
            ("c2", "c3"),
            ("c3", "../outside/secret"),
            // A chain of three links whose last one climbs to the parent.
            ("d1", "d2"),
            ("d2", "d3"),
            ("d3", ".."),
            // A zig-zag chain through a subdirectory.
            ("e1", "dir/e2"),
            ("e3", "dir/up2"),
            ("loop1", "loop2"),
            ("loop2", "loop1"),
            ("self", "self"),
            ("dotdot_slash", "../"),
            ("via_dir", "dir/../../outside"),
        ];
        for (name, target) in links {
            root.symlink(target, name).unwrap();
        }
        root.symlink(&self.absolute("outside/secret"), "abs_secret")
            .unwrap();
        root.symlink(&self.absolute("outside"), "abs_outside")
            .unwrap();
        dir.symlink("../..", "up2").unwrap();
        dir.symlink("sub/../../..", "deep_up").unwrap();
        dir.symlink("../e3", "e2").unwrap();
    }

    /// Everything outside `root/`, keyed by path relative to `top/`.
    fn snapshot(&self) -> BTreeMap<String, Snapshot> {
        let mut entries = BTreeMap::new();
        match &self.temp {
            Some(temp) => host_snapshot(temp.path(), "", &mut entries),
            None => memory_snapshot(&*self.top, "", &mut entries),
        }
        entries
    }

    fn guest(&self) -> Guest {
        let context = WasiContext::builder()
            .arg("escape.wasm")
            .clock(self.clock.clone())
            .random(Arc::new(OsRandom))
            .task(Arc::new(ThreadTask))
            .preopen_directory("/", self.root.clone())
            .build()
            .expect("WASI context builds");
        let mut data = InstanceData::new();
        data.insert(context);
        let instance = Instance::new(runtime(), &module(), &linker(), Limits::default(), data)
            .expect("test module instantiates");
        Guest { instance }
    }
}

fn write(directory: &dyn Directory, name: &str, contents: &[u8]) {
    let options = OpenOptions {
        write: true,
        create: true,
        ..OpenOptions::default()
    };
    let file = directory.open_file(name, &options).expect("file opens");
    assert_eq!(file.write_at(0, contents).expect("write"), contents.len());
}

/// Walks a host directory with `std::fs` (never following links), skipping `top/root`.
fn host_snapshot(directory: &Path, prefix: &str, entries: &mut BTreeMap<String, Snapshot>) {
    let mut listing: Vec<_> = std::fs::read_dir(directory)
        .expect("snapshot: read_dir")
        .map(|entry| entry.expect("snapshot: entry"))
        .collect();
    listing.sort_by_key(std::fs::DirEntry::file_name);
    for entry in listing {
        let name = entry.file_name().into_string().expect("UTF-8 name");
        let relative = format!("{prefix}{name}");
        if relative == "root" {
            continue;
        }
        let path = entry.path();
        let metadata = std::fs::symlink_metadata(&path).expect("snapshot: lstat");
        let modified = metadata
            .modified()
            .ok()
            .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |time| time.as_nanos() as u64);
        let (kind, data) = if metadata.file_type().is_symlink() {
            let target = std::fs::read_link(&path).expect("snapshot: readlink");
            (
                FileType::SymbolicLink,
                target.into_os_string().into_encoded_bytes(),
            )
        } else if metadata.is_dir() {
            host_snapshot(&path, &format!("{relative}/"), entries);
            (FileType::Directory, Vec::new())
        } else {
            (
                FileType::RegularFile,
                std::fs::read(&path).expect("snapshot: read"),
            )
        };
        use std::os::unix::fs::MetadataExt;
        entries.insert(
            relative,
            Snapshot {
                kind,
                data,
                size: metadata.len(),
                modified,
                links: metadata.nlink(),
            },
        );
    }
}

/// Walks a memory directory through the adapter (never following links), skipping
/// `top/root`.
fn memory_snapshot(
    directory: &dyn Directory,
    prefix: &str,
    entries: &mut BTreeMap<String, Snapshot>,
) {
    for entry in directory.entries().expect("snapshot: entries") {
        let relative = format!("{prefix}{}", entry.name);
        if relative == "root" {
            continue;
        }
        let metadata = directory.stat(&entry.name).expect("snapshot: stat");
        let data = match metadata.file_type {
            FileType::SymbolicLink => directory
                .read_link(&entry.name)
                .expect("snapshot: readlink")
                .into_bytes(),
            FileType::Directory => {
                let child = directory
                    .open_directory(&entry.name)
                    .expect("snapshot: open");
                memory_snapshot(&*child, &format!("{relative}/"), entries);
                Vec::new()
            }
            _ => {
                let options = OpenOptions {
                    read: true,
                    ..OpenOptions::default()
                };
                let file = directory
                    .open_file(&entry.name, &options)
                    .expect("snapshot: open file");
                let mut contents = vec![0; 4096];
                let count = file.read_at(0, &mut contents).expect("snapshot: read");
                contents.truncate(count);
                contents
            }
        };
        entries.insert(
            relative,
            Snapshot {
                kind: metadata.file_type,
                data,
                size: metadata.size,
                modified: metadata.modified,
                links: metadata.link_count,
            },
        );
    }
}

struct Guest {
    instance: Instance,
}

impl Guest {
    fn call(&mut self, name: &str, args: &[Value]) -> i32 {
        match self
            .instance
            .call(name, args)
            .expect("guest call succeeds")
            .as_slice()
        {
            [Value::I32(result)] => *result,
            other => panic!("{name} returned {other:?}"),
        }
    }

    fn put(&mut self, offset: u32, bytes: &[u8]) -> [Value; 2] {
        self.instance
            .memory()
            .expect("memory")
            .write_bytes(offset, bytes)
            .expect("write inside memory");
        [v32(offset), v32(bytes.len() as u32)]
    }

    fn open(&mut self, fd: u32, dirflags: u32, path: &[u8], oflags: u16, rights_base: u64) -> i32 {
        let [pointer, length] = self.put(PATH_A, path);
        let errno = self.call(
            "path_open",
            &[
                v32(fd),
                v32(dirflags),
                pointer,
                length,
                v32(u32::from(oflags)),
                v64(rights_base),
                v64(rights::ALL),
                v32(0),
                v32(OUT),
            ],
        );
        if errno == 0 {
            let fd = self.instance.memory().unwrap().read::<u32>(OUT).unwrap();
            assert_eq!(self.call("fd_close", &[v32(fd)]), 0);
        }
        errno
    }

    /// Opens `dir` (inside the root) as a directory descriptor, the base of the cases that
    /// start below the preopen.
    fn open_dir(&mut self) -> u32 {
        let [pointer, length] = self.put(PATH_A, b"dir");
        let args = [
            v32(ROOT),
            v32(0),
            pointer,
            length,
            v32(u32::from(oflags::DIRECTORY)),
            v64(0),
            v64(0),
            v32(0),
            v32(OUT),
        ];
        assert_eq!(self.call("path_open", &args), 0);
        self.instance.memory().unwrap().read::<u32>(OUT).unwrap()
    }

    fn stat(&mut self, fd: u32, flags: u32, path: &[u8]) -> i32 {
        let [pointer, length] = self.put(PATH_A, path);
        self.call(
            "path_filestat_get",
            &[v32(fd), v32(flags), pointer, length, v32(BUF)],
        )
    }

    fn set_times(&mut self, fd: u32, flags: u32, path: &[u8]) -> i32 {
        let [pointer, length] = self.put(PATH_A, path);
        self.call(
            "path_filestat_set_times",
            &[
                v32(fd),
                v32(flags),
                pointer,
                length,
                v64(0),
                v64(12345),
                v32(SET_MTIM),
            ],
        )
    }

    fn one_path(&mut self, function: &str, fd: u32, path: &[u8]) -> i32 {
        let [pointer, length] = self.put(PATH_A, path);
        self.call(function, &[v32(fd), pointer, length])
    }

    fn symlink(&mut self, target: &[u8], fd: u32, path: &[u8]) -> i32 {
        let [target_pointer, target_length] = self.put(PATH_A, target);
        let [pointer, length] = self.put(PATH_B, path);
        self.call(
            "path_symlink",
            &[target_pointer, target_length, v32(fd), pointer, length],
        )
    }

    fn rename(&mut self, old_fd: u32, old: &[u8], new_fd: u32, new: &[u8]) -> i32 {
        let [old_pointer, old_length] = self.put(PATH_A, old);
        let [new_pointer, new_length] = self.put(PATH_B, new);
        self.call(
            "path_rename",
            &[
                v32(old_fd),
                old_pointer,
                old_length,
                v32(new_fd),
                new_pointer,
                new_length,
            ],
        )
    }

    fn link(&mut self, old_fd: u32, flags: u32, old: &[u8], new_fd: u32, new: &[u8]) -> i32 {
        let [old_pointer, old_length] = self.put(PATH_A, old);
        let [new_pointer, new_length] = self.put(PATH_B, new);
        self.call(
            "path_link",
            &[
                v32(old_fd),
                v32(flags),
                old_pointer,
                old_length,
                v32(new_fd),
                new_pointer,
                new_length,
            ],
        )
    }

    fn readlink(&mut self, fd: u32, path: &[u8]) -> i32 {
        let [pointer, length] = self.put(PATH_A, path);
        self.call(
            "path_readlink",
            &[v32(fd), pointer, length, v32(BUF), v32(4096), v32(OUT)],
        )
    }
}

/// What a case may use besides the guest.
struct Env {
    /// `dir` opened as a directory descriptor.
    dir: u32,
    /// Host-absolute `outside/secret`.
    abs_secret: String,
    /// Host-absolute `outside`.
    abs_outside: String,
}

/// One escape attempt: a name, the errno its (last) call must return, and the calls.
struct Case {
    name: &'static str,
    expected: Errno,
    run: fn(&mut Guest, &Env) -> i32,
}

macro_rules! case {
    ($name:literal, $expected:ident, $run:expr) => {
        Case {
            name: $name,
            expected: Errno::$expected,
            run: $run,
        }
    };
}

const RW: u64 = rights::FD_READ | rights::FD_WRITE;
const CREATE_TRUNC: u16 = oflags::CREAT | oflags::TRUNC;
const SET_MTIM: u32 = 4;

/// The corpus. Each case names what it tries; comments say why a non-`EPERM` errno is the
/// right answer.
fn cases() -> Vec<Case> {
    vec![
        // --- path_open: `..` and absolute paths ---------------------------------------
        case!("open ..", Permission, |g, _| g.open(ROOT, 0, b"..", 0, 0)),
        case!("open ../", Permission, |g, _| g.open(ROOT, 0, b"../", 0, 0)),
        case!("open ../outside/secret", Permission, |g, _| g.open(
            ROOT,
            0,
            b"../outside/secret",
            0,
            RW
        )),
        case!("open ../outside/secret create+trunc", Permission, |g, _| {
            g.open(ROOT, 0, b"../outside/secret", CREATE_TRUNC, RW)
        }),
        case!("open ../outside/new create", Permission, |g, _| g.open(
            ROOT,
            0,
            b"../outside/new",
            oflags::CREAT,
            RW
        )),
        case!("open ../top_file", Permission, |g, _| g.open(
            ROOT,
            0,
            b"../top_file",
            0,
            0
        )),
        case!(
            "open ../root/file (back in through the parent)",
            Permission,
            |g, _| { g.open(ROOT, 0, b"../root/file", 0, 0) }
        ),
        case!("open /etc/passwd", Permission, |g, _| g.open(
            ROOT,
            0,
            b"/etc/passwd",
            0,
            0
        )),
        case!("open /", Permission, |g, _| g.open(
            ROOT,
            0,
            b"/",
            oflags::DIRECTORY,
            0
        )),
        case!("open //etc/passwd", Permission, |g, _| g.open(
            ROOT,
            0,
            b"//etc/passwd",
            0,
            0
        )),
        case!("open host-absolute secret", Permission, |g, env| {
            let path = env.abs_secret.clone();
            g.open(ROOT, 0, path.as_bytes(), 0, 0)
        }),
        case!("open a/../../x", Permission, |g, _| g.open(
            ROOT,
            0,
            b"dir/../../outside/secret",
            0,
            0
        )),
        case!("open dir/sub/../../../outside", Permission, |g, _| {
            g.open(ROOT, 0, b"dir/sub/../../../outside", oflags::DIRECTORY, 0)
        }),
        case!("open ./../outside", Permission, |g, _| g.open(
            ROOT,
            0,
            b"./../outside",
            0,
            0
        )),
        case!("open dir/./../..", Permission, |g, _| g.open(
            ROOT,
            0,
            b"dir/./../..",
            0,
            0
        )),
        case!("open dir//..//..//outside//secret", Permission, |g, _| {
            g.open(ROOT, 0, b"dir//..//..//outside//secret", 0, 0)
        }),
        case!("open deep climb", Permission, |g, _| g.open(
            ROOT,
            0,
            &b"../".repeat(50),
            0,
            0
        )),
        // --- path_open: relative to a directory below the preopen -----------------------
        case!(
            "open .. from dir fd (still inside the preopen)",
            Permission,
            |g, env| { g.open(env.dir, 0, b"..", oflags::DIRECTORY, 0) }
        ),
        case!("open ../file from dir fd", Permission, |g, env| g
            .open(env.dir, 0, b"../file", 0, 0)),
        case!(
            "open ../../outside/secret from dir fd",
            Permission,
            |g, env| { g.open(env.dir, 0, b"../../outside/secret", 0, 0) }
        ),
        case!("open sub/../../file from dir fd", Permission, |g, env| g
            .open(env.dir, 0, b"sub/../../file", 0, 0)),
        // --- path_open: symlinks -----------------------------------------------------------
        case!(
            "open up/outside/secret (intermediate link to ..)",
            Permission,
            |g, _| { g.open(ROOT, 0, b"up/outside/secret", 0, 0) }
        ),
        case!("open up following", Permission, |g, _| g.open(
            ROOT,
            FOLLOW,
            b"up",
            oflags::DIRECTORY,
            0
        )),
        // Not following, the last component is the link itself: `O_NOFOLLOW` says ELOOP.
        case!("open up without following", Loop, |g, _| g
            .open(ROOT, 0, b"up", 0, 0)),
        case!("open to_secret following", Permission, |g, _| g.open(
            ROOT,
            FOLLOW,
            b"to_secret",
            0,
            0
        )),
        case!(
            "open to_secret following create+trunc",
            Permission,
            |g, _| { g.open(ROOT, FOLLOW, b"to_secret", CREATE_TRUNC, RW) }
        ),
        case!("open to_secret without following", Loop, |g, _| g.open(
            ROOT,
            0,
            b"to_secret",
            CREATE_TRUNC,
            RW
        )),
        case!("open to_outside/secret", Permission, |g, _| g.open(
            ROOT,
            0,
            b"to_outside/secret",
            0,
            RW
        )),
        case!("open to_outside/new create", Permission, |g, _| {
            g.open(ROOT, 0, b"to_outside/new", oflags::CREAT | oflags::EXCL, RW)
        }),
        case!("open to_top_file following", Permission, |g, _| g.open(
            ROOT,
            FOLLOW,
            b"to_top_file",
            0,
            0
        )),
        case!(
            "open abs following (absolute target)",
            Permission,
            |g, _| g.open(ROOT, FOLLOW, b"abs", 0, 0)
        ),
        case!(
            "open abs_dir/x (absolute intermediate)",
            Permission,
            |g, _| g.open(ROOT, 0, b"abs_dir/x", 0, 0)
        ),
        case!(
            "open abs_secret following create+trunc",
            Permission,
            |g, _| { g.open(ROOT, FOLLOW, b"abs_secret", CREATE_TRUNC, RW) }
        ),
        case!("open abs_outside/secret", Permission, |g, _| g.open(
            ROOT,
            0,
            b"abs_outside/secret",
            0,
            0
        )),
        case!(
            "open c1 following (chain of 3 leaving the root)",
            Permission,
            |g, _| { g.open(ROOT, FOLLOW, b"c1", 0, RW) }
        ),
        case!("open c1 following create", Permission, |g, _| g.open(
            ROOT,
            FOLLOW,
            b"c1",
            oflags::CREAT,
            RW
        )),
        case!(
            "open d1/outside/secret (chain of 3 to ..)",
            Permission,
            |g, _| { g.open(ROOT, 0, b"d1/outside/secret", 0, 0) }
        ),
        case!("open e1 following (zig-zag chain)", Permission, |g, _| g
            .open(ROOT, FOLLOW, b"e1", 0, 0)),
        case!("open dir/up2/outside/secret", Permission, |g, _| g.open(
            ROOT,
            0,
            b"dir/up2/outside/secret",
            0,
            0
        )),
        case!("open dir/deep_up following", Permission, |g, _| g.open(
            ROOT,
            FOLLOW,
            b"dir/deep_up",
            0,
            0
        )),
        case!("open dotdot_slash/outside", Permission, |g, _| g.open(
            ROOT,
            0,
            b"dotdot_slash/outside",
            0,
            0
        )),
        case!("open via_dir/secret", Permission, |g, _| g.open(
            ROOT,
            0,
            b"via_dir/secret",
            0,
            0
        )),
        case!(
            "open up from dir fd (link in the base's subtree)",
            Permission,
            |g, env| { g.open(env.dir, 0, b"up2/root/file", 0, 0) }
        ),
        case!("open loop1 following", Loop, |g, _| g
            .open(ROOT, FOLLOW, b"loop1", 0, 0)),
        case!("open self following", Loop, |g, _| g
            .open(ROOT, FOLLOW, b"self", 0, 0)),
        case!("open loop1/x", Loop, |g, _| g
            .open(ROOT, 0, b"loop1/x", 0, 0)),
        // --- path_open: malformed paths --------------------------------------------------
        case!("open NUL after a name", Invalid, |g, _| g
            .open(ROOT, 0, b"file\0", 0, 0)),
        case!("open NUL before ..", Invalid, |g, _| g.open(
            ROOT,
            0,
            b"\0/../outside/secret",
            0,
            0
        )),
        case!("open ../outside/secret NUL", Invalid, |g, _| g.open(
            ROOT,
            0,
            b"../outside/secret\0",
            0,
            0
        )),
        case!("open /etc/passwd NUL", Invalid, |g, _| g.open(
            ROOT,
            0,
            b"/etc/passwd\0",
            0,
            0
        )),
        case!("open over-long path", NameTooLong, |g, _| g.open(
            ROOT,
            0,
            &b"a/".repeat(2048),
            0,
            0
        )),
        case!("open over-long ../ path", NameTooLong, |g, _| g.open(
            ROOT,
            0,
            &b"../".repeat(1400),
            0,
            0
        )),
        case!("open over-long component", NameTooLong, |g, _| g.open(
            ROOT,
            0,
            &b"x".repeat(256),
            oflags::CREAT,
            RW
        )),
        case!("open empty path", NoEntry, |g, _| g
            .open(ROOT, 0, b"", 0, 0)),
        case!("open invalid UTF-8 ..", IllegalSequence, |g, _| g.open(
            ROOT,
            0,
            b"..\xff/outside",
            0,
            0
        )),
        // --- path_filestat_get / set_times ---------------------------------------------------
        case!("stat ../outside/secret", Permission, |g, _| g.stat(
            ROOT,
            0,
            b"../outside/secret"
        )),
        case!("stat ..", Permission, |g, _| g.stat(ROOT, 0, b"..")),
        case!("stat /etc/passwd", Permission, |g, _| g.stat(
            ROOT,
            0,
            b"/etc/passwd"
        )),
        case!("stat to_secret following", Permission, |g, _| g.stat(
            ROOT,
            FOLLOW,
            b"to_secret"
        )),
        case!("stat abs_secret following", Permission, |g, _| g.stat(
            ROOT,
            FOLLOW,
            b"abs_secret"
        )),
        case!("stat c1 following", Permission, |g, _| g
            .stat(ROOT, FOLLOW, b"c1")),
        case!("stat .. from dir fd", Permission, |g, env| g
            .stat(env.dir, 0, b"..")),
        case!("set_times ../outside/secret", Permission, |g, _| g
            .set_times(ROOT, 0, b"../outside/secret")),
        case!("set_times to_secret following", Permission, |g, _| g
            .set_times(ROOT, FOLLOW, b"to_secret")),
        case!("set_times to_outside/secret", Permission, |g, _| g
            .set_times(ROOT, 0, b"to_outside/secret")),
        case!("set_times ..", Permission, |g, _| g
            .set_times(ROOT, 0, b"..")),
        // --- path_create_directory -------------------------------------------------------
        case!("mkdir ../outside/new", Permission, |g, _| g.one_path(
            "path_create_directory",
            ROOT,
            b"../outside/new"
        )),
        case!("mkdir ../new", Permission, |g, _| g.one_path(
            "path_create_directory",
            ROOT,
            b"../new"
        )),
        case!("mkdir to_outside/new", Permission, |g, _| g.one_path(
            "path_create_directory",
            ROOT,
            b"to_outside/new"
        )),
        case!("mkdir up/new", Permission, |g, _| g.one_path(
            "path_create_directory",
            ROOT,
            b"up/new"
        )),
        case!("mkdir /tmp/new", Permission, |g, _| g.one_path(
            "path_create_directory",
            ROOT,
            b"/tmp/new"
        )),
        case!("mkdir abs_outside/new", Permission, |g, _| g.one_path(
            "path_create_directory",
            ROOT,
            b"abs_outside/new"
        )),
        case!("mkdir ../new from dir fd", Permission, |g, env| g.one_path(
            "path_create_directory",
            env.dir,
            b"../new"
        )),
        // --- path_symlink (+ following what was planted) ----------------------------------
        case!("symlink to /etc/passwd", Permission, |g, _| g.symlink(
            b"/etc/passwd",
            ROOT,
            b"passwd"
        )),
        case!("symlink to /", Permission, |g, _| g
            .symlink(b"/", ROOT, b"slash")),
        case!("symlink to host-absolute outside", Permission, |g, env| {
            let target = env.abs_outside.clone();
            g.symlink(target.as_bytes(), ROOT, b"out")
        }),
        case!("symlink created at ../outside/link", Permission, |g, _| g
            .symlink(b"x", ROOT, b"../outside/link")),
        case!("symlink created through to_outside/", Permission, |g, _| g
            .symlink(b"x", ROOT, b"to_outside/link")),
        case!(
            "symlink ../outside/secret then open it",
            Permission,
            |g, _| {
                assert_eq!(
                    g.symlink(b"../outside/secret", ROOT, b"planted"),
                    0,
                    "relative targets are stored"
                );
                g.open(ROOT, FOLLOW, b"planted", CREATE_TRUNC, RW)
            }
        ),
        case!(
            "symlink chain of 3 planted then followed",
            Permission,
            |g, _| {
                assert_eq!(g.symlink(b"p2", ROOT, b"p1"), 0);
                assert_eq!(g.symlink(b"dir/p3", ROOT, b"p2"), 0);
                assert_eq!(g.symlink(b"../../outside", ROOT, b"dir/p3"), 0);
                g.open(ROOT, 0, b"p1/secret", CREATE_TRUNC, RW)
            }
        ),
        case!("symlink loop planted then followed", Loop, |g, _| {
            assert_eq!(g.symlink(b"q2", ROOT, b"q1"), 0);
            assert_eq!(g.symlink(b"q1", ROOT, b"q2"), 0);
            g.stat(ROOT, FOLLOW, b"q1")
        }),
        case!(
            "symlink planted in dir fd climbing out",
            Permission,
            |g, env| {
                assert_eq!(g.symlink(b"../../outside/secret", env.dir, b"climb"), 0);
                g.open(ROOT, FOLLOW, b"dir/climb", 0, RW)
            }
        ),
        // --- path_rename -------------------------------------------------------------------
        case!("rename file to ../outside/stolen", Permission, |g, _| g
            .rename(ROOT, b"file", ROOT, b"../outside/stolen")),
        case!("rename ../outside/secret in", Permission, |g, _| g.rename(
            ROOT,
            b"../outside/secret",
            ROOT,
            b"stolen"
        )),
        case!("rename to_outside/secret in", Permission, |g, _| g.rename(
            ROOT,
            b"to_outside/secret",
            ROOT,
            b"stolen"
        )),
        case!("rename dir to up/moved", Permission, |g, _| g.rename(
            ROOT,
            b"dir",
            ROOT,
            b"up/moved"
        )),
        case!("rename .. away", Permission, |g, _| g
            .rename(ROOT, b"..", ROOT, b"moved")),
        case!("rename over ../top_file", Permission, |g, _| g.rename(
            ROOT,
            b"file",
            ROOT,
            b"../top_file"
        )),
        case!(
            "rename from dir fd to ../../outside",
            Permission,
            |g, env| { g.rename(env.dir, b"sub", ROOT, b"../outside/sub") }
        ),
        case!("rename via abs_outside", Permission, |g, _| g.rename(
            ROOT,
            b"abs_outside/secret",
            ROOT,
            b"stolen"
        )),
        // --- path_link -----------------------------------------------------------------------
        case!("link ../outside/secret in", Permission, |g, _| g.link(
            ROOT,
            0,
            b"../outside/secret",
            ROOT,
            b"hard"
        )),
        case!("link file out to ../outside/hard", Permission, |g, _| g
            .link(ROOT, 0, b"file", ROOT, b"../outside/hard")),
        case!("link to_outside/secret in", Permission, |g, _| g.link(
            ROOT,
            0,
            b"to_outside/secret",
            ROOT,
            b"hard"
        )),
        // Following is refused outright (wasmtime), so a link cannot reach through one.
        case!("link following to_secret", Invalid, |g, _| g.link(
            ROOT,
            FOLLOW,
            b"to_secret",
            ROOT,
            b"hard"
        )),
        case!("link c1/.. chain in", Permission, |g, _| g.link(
            ROOT,
            0,
            b"d1/outside/secret",
            ROOT,
            b"hard"
        )),
        // --- path_readlink -------------------------------------------------------------------
        case!("readlink ../outside/back_in", Permission, |g, _| g
            .readlink(ROOT, b"../outside/back_in")),
        case!("readlink up/root/up", Permission, |g, _| g
            .readlink(ROOT, b"up/root/up")),
        case!("readlink to_outside/back_in", Permission, |g, _| g
            .readlink(ROOT, b"to_outside/back_in")),
        // A link planted with a host-absolute target does not reveal the host path.
        case!("readlink abs_secret", Permission, |g, _| g
            .readlink(ROOT, b"abs_secret")),
        case!("readlink abs", Permission, |g, _| g.readlink(ROOT, b"abs")),
        // --- path_unlink_file / path_remove_directory ---------------------------------------------
        case!("unlink ../outside/secret", Permission, |g, _| g.one_path(
            "path_unlink_file",
            ROOT,
            b"../outside/secret"
        )),
        case!("unlink to_outside/secret", Permission, |g, _| g.one_path(
            "path_unlink_file",
            ROOT,
            b"to_outside/secret"
        )),
        case!("unlink /etc/passwd", Permission, |g, _| g.one_path(
            "path_unlink_file",
            ROOT,
            b"/etc/passwd"
        )),
        case!("unlink ../top_file", Permission, |g, _| g.one_path(
            "path_unlink_file",
            ROOT,
            b"../top_file"
        )),
        case!("unlink c1/x (chain as a directory)", Permission, |g, _| g
            .one_path("path_unlink_file", ROOT, b"d1/top_file")),
        case!("unlink ../file from dir fd", Permission, |g, env| g
            .one_path("path_unlink_file", env.dir, b"../file")),
        case!("rmdir ../outside/dir/nested", Permission, |g, _| {
            g.one_path("path_remove_directory", ROOT, b"../outside/dir/nested")
        }),
        case!("rmdir to_outside/dir/nested", Permission, |g, _| {
            g.one_path("path_remove_directory", ROOT, b"to_outside/dir/nested")
        }),
        case!("rmdir ..", Permission, |g, _| g.one_path(
            "path_remove_directory",
            ROOT,
            b".."
        )),
        case!("rmdir up/outside/dir/nested", Permission, |g, _| {
            g.one_path("path_remove_directory", ROOT, b"up/outside/dir/nested")
        }),
        case!("rmdir abs_outside/dir/nested", Permission, |g, _| {
            g.one_path("path_remove_directory", ROOT, b"abs_outside/dir/nested")
        }),
    ]
}

fn run_corpus(backend: Backend) {
    let cases = cases();
    assert!(cases.len() >= 50, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let fixture = Fixture::new(backend);
        let before = fixture.snapshot();
        let mut guest = fixture.guest();
        let env = Env {
            dir: guest.open_dir(),
            abs_secret: fixture.absolute("outside/secret"),
            abs_outside: fixture.absolute("outside"),
        };
        let errno = (case.run)(&mut guest, &env);
        drop(guest);
        let after = fixture.snapshot();
        let expected = i32::from(case.expected.raw());
        if errno != expected {
            failures.push(format!(
                "{:?} `{}`: errno {errno}, expected {expected} ({:?})",
                fixture.backend, case.name, case.expected
            ));
        }
        if before != after {
            failures.push(format!(
                "{:?} `{}`: something outside the root changed:\nbefore {before:#?}\nafter {after:#?}",
                fixture.backend, case.name
            ));
        }
        assert!(
            before.contains_key("outside/secret"),
            "the snapshot sees outside"
        );
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn escapes_are_refused_on_the_memory_file_system() {
    run_corpus(Backend::Memory);
}

#[test]
fn escapes_are_refused_on_the_host_file_system() {
    run_corpus(Backend::Host);
}

/// The snapshot itself notices a change outside the root (so the corpus cannot pass by
/// comparing two empty or blind snapshots).
#[test]
fn the_snapshot_sees_changes_outside_the_root() {
    for backend in [Backend::Memory, Backend::Host] {
        let fixture = Fixture::new(backend);
        let before = fixture.snapshot();
        let outside = fixture.top.open_directory("outside").unwrap();
        write(&*outside, "secret", b"SECRET");
        assert_ne!(before, fixture.snapshot(), "{backend:?}: a content change");
        let before = fixture.snapshot();
        fixture.top.create_directory("new").unwrap();
        assert_ne!(
            before,
            fixture.snapshot(),
            "{backend:?}: a new entry in top/"
        );
        // And changes inside the root are not outside.
        let before = fixture.snapshot();
        write(&*fixture.root, "file", b"changed");
        assert_eq!(
            before,
            fixture.snapshot(),
            "{backend:?}: root/ is not outside"
        );
    }
}
