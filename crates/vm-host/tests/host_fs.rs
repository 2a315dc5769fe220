//! What is particular to the host file-system adapter: symbolic links that point outside the
//! directory are never followed, the adapter agrees with the real file system, and the host's
//! odd corners (FIFOs, names that are not UTF-8, concurrent appends) are handled.
#![cfg(all(feature = "std", unix))]

use std::fs;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread;

use vm_host::fs::{Directory, File, FileType, FsError, OpenOptions, TimeChange};
use vm_host::host::HostDirectory;

const OLD: u64 = 1_000_000_000_000_000_000;

fn options(read: bool, write: bool, create: bool, exclusive: bool, truncate: bool) -> OpenOptions {
    OpenOptions {
        read,
        write,
        create,
        exclusive,
        truncate,
    }
}

/// `base/outside/{secret,directory/}` and the preopen `base/root/`, which holds links that
/// point outside, absolutely and relatively.
struct Escape {
    _base: tempfile::TempDir,
    outside: PathBuf,
    secret: PathBuf,
    root_path: PathBuf,
    root: HostDirectory,
}

const FILE_LINKS: [&str; 3] = ["absolute-file", "relative-file", "chain"];
const DIRECTORY_LINKS: [&str; 2] = ["absolute-directory", "relative-directory"];

fn escape() -> Escape {
    let base = tempfile::tempdir().unwrap();
    let outside = base.path().join("outside");
    let secret = outside.join("secret");
    let root_path = base.path().join("root");
    fs::create_dir(&outside).unwrap();
    fs::create_dir(outside.join("directory")).unwrap();
    fs::write(&secret, b"secret").unwrap();
    fs::create_dir(&root_path).unwrap();
    let link = |target: &Path, name: &str| std::os::unix::fs::symlink(target, root_path.join(name));
    link(&secret, "absolute-file").unwrap();
    link(Path::new("../outside/secret"), "relative-file").unwrap();
    link(Path::new("relative-file"), "chain").unwrap();
    link(&outside.join("directory"), "absolute-directory").unwrap();
    link(Path::new("../outside/directory"), "relative-directory").unwrap();
    let root = HostDirectory::open(&root_path).unwrap();
    Escape {
        _base: base,
        outside,
        secret,
        root_path,
        root,
    }
}

impl Escape {
    /// The outside, exactly as it was set up, with its times.
    fn assert_outside_untouched(&self, secret_times: (i64, i64)) {
        // Times first: this check's own read is the file's first since it was written, which
        // moves its access time under `relatime` (a one-second step when the read falls in a
        // later second than the write: seen under qemu).
        let metadata = fs::metadata(&self.secret).unwrap();
        assert_eq!(metadata.nlink(), 1);
        assert_eq!((metadata.atime(), metadata.mtime()), secret_times);
        assert_eq!(fs::read(&self.secret).unwrap(), b"secret");
        let mut names: Vec<_> = fs::read_dir(&self.outside)
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        names.sort();
        assert_eq!(names, ["directory", "secret"]);
        assert_eq!(
            fs::read_dir(self.outside.join("directory"))
                .unwrap()
                .count(),
            0
        );
    }

    fn secret_times(&self) -> (i64, i64) {
        let metadata = fs::metadata(&self.secret).unwrap();
        (metadata.atime(), metadata.mtime())
    }
}

#[test]
fn opening_never_follows_links_out() {
    let escape = escape();
    let times = escape.secret_times();
    let all_options = [
        options(true, false, false, false, false),
        options(false, true, false, false, false),
        options(true, true, false, false, true),
        options(false, true, true, false, false),
        options(true, true, true, false, true),
        options(false, false, false, false, false),
    ];
    for name in FILE_LINKS.iter().chain(&DIRECTORY_LINKS) {
        for options in &all_options {
            assert_eq!(
                escape.root.open_file(name, options).map(drop),
                Err(FsError::SymlinkLoop),
                "{name} {options:?}"
            );
        }
        assert_eq!(
            escape
                .root
                .open_file(name, &options(true, true, true, true, false))
                .map(drop),
            Err(FsError::AlreadyExists)
        );
        assert_eq!(
            escape.root.open_directory(name).map(drop),
            Err(FsError::SymlinkLoop),
            "{name}"
        );
        assert_eq!(
            escape.root.create_directory(name),
            Err(FsError::AlreadyExists)
        );
        assert_eq!(escape.root.symlink("x", name), Err(FsError::AlreadyExists));
    }
    escape.assert_outside_untouched(times);
}

#[test]
fn stat_and_set_times_act_on_the_links() {
    let escape = escape();
    let times = escape.secret_times();
    for name in FILE_LINKS.iter().chain(&DIRECTORY_LINKS) {
        let metadata = escape.root.stat(name).unwrap();
        let link = fs::symlink_metadata(escape.root_path.join(name)).unwrap();
        assert_eq!(metadata.file_type, FileType::SymbolicLink);
        assert_eq!(metadata.inode, link.ino());
        assert_eq!(metadata.size, link.len());
        escape
            .root
            .set_times_at(name, TimeChange::At(OLD), TimeChange::At(OLD))
            .unwrap();
        let link = fs::symlink_metadata(escape.root_path.join(name)).unwrap();
        assert_eq!(link.mtime(), (OLD / 1_000_000_000) as i64);
        let link = escape.root.stat(name).unwrap();
        assert_eq!((link.accessed, link.modified), (OLD, OLD));
    }
    escape.assert_outside_untouched(times);
}

#[test]
fn removing_renaming_and_linking_act_on_the_links() {
    let escape = escape();
    let times = escape.secret_times();
    let root = &escape.root;
    for name in DIRECTORY_LINKS {
        assert_eq!(root.remove_directory(name), Err(FsError::NotADirectory));
    }
    assert_eq!(
        root.read_link("relative-file").unwrap(),
        "../outside/secret"
    );
    assert_eq!(
        root.read_link("absolute-file").unwrap(),
        escape.secret.to_str().unwrap()
    );
    root.hard_link("absolute-file", root, "hard").unwrap();
    assert_eq!(root.stat("hard").unwrap().file_type, FileType::SymbolicLink);
    assert_eq!(root.stat("hard").unwrap().link_count, 2);
    root.rename("relative-file", root, "renamed").unwrap();
    assert_eq!(root.read_link("renamed").unwrap(), "../outside/secret");
    root.create_directory("inside").unwrap();
    let inside = root.open_directory("inside").unwrap();
    // Moved one level down, the relative link would now point elsewhere: it is moved as is.
    root.rename("renamed", &*inside, "moved").unwrap();
    assert_eq!(inside.read_link("moved").unwrap(), "../outside/secret");
    // Replacing a link by rename replaces the link, not its target.
    inside
        .open_file("replacement", &options(false, true, true, false, false))
        .unwrap();
    inside.rename("replacement", root, "absolute-file").unwrap();
    assert_eq!(
        root.stat("absolute-file").unwrap().file_type,
        FileType::RegularFile
    );
    for name in ["hard", "chain", "absolute-directory", "relative-directory"] {
        root.remove_file(name).unwrap();
    }
    inside.remove_file("moved").unwrap();
    escape.assert_outside_untouched(times);
    let names: Vec<_> = root
        .entries()
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, ["absolute-file", "inside"]);
}

#[test]
fn entries_list_links_as_links() {
    let escape = escape();
    let entries = escape.root.entries().unwrap();
    let listed: Vec<_> = entries
        .iter()
        .map(|entry| (entry.name.as_str(), entry.file_type))
        .collect();
    assert_eq!(
        listed,
        [
            ("absolute-directory", FileType::SymbolicLink),
            ("absolute-file", FileType::SymbolicLink),
            ("chain", FileType::SymbolicLink),
            ("relative-directory", FileType::SymbolicLink),
            ("relative-file", FileType::SymbolicLink),
        ]
    );
}

#[test]
fn path_like_names_never_reach_the_host() {
    let escape = escape();
    let times = escape.secret_times();
    let root = &escape.root;
    let secret = escape.secret.to_str().unwrap();
    for name in ["..", "../outside", "../outside/secret", secret, "/", "."] {
        assert_eq!(
            root.open_file(name, &options(true, true, true, false, true))
                .map(drop),
            Err(FsError::InvalidInput),
            "{name}"
        );
        assert_eq!(
            root.open_directory(name).map(drop),
            Err(FsError::InvalidInput)
        );
        assert_eq!(root.stat(name).map(drop), Err(FsError::InvalidInput));
        assert_eq!(root.remove_file(name), Err(FsError::InvalidInput));
        assert_eq!(root.remove_directory(name), Err(FsError::InvalidInput));
        assert_eq!(
            root.set_times_at(name, TimeChange::Now, TimeChange::Now),
            Err(FsError::InvalidInput)
        );
    }
    escape.assert_outside_untouched(times);
}

#[test]
fn the_adapter_agrees_with_the_host() {
    let temporary = tempfile::tempdir().unwrap();
    let root = HostDirectory::open(temporary.path()).unwrap();
    let file = root
        .open_file("file", &options(true, true, true, false, false))
        .unwrap();
    file.write_at(0, b"written by the adapter").unwrap();
    assert_eq!(
        fs::read(temporary.path().join("file")).unwrap(),
        b"written by the adapter"
    );
    fs::write(temporary.path().join("host"), b"written by the host").unwrap();
    let host = root
        .open_file("host", &options(true, false, false, false, false))
        .unwrap();
    let mut buffer = [0u8; 32];
    let count = host.read_at(0, &mut buffer).unwrap();
    assert_eq!(&buffer[..count], b"written by the host");
    let metadata = fs::metadata(temporary.path().join("host")).unwrap();
    let ours = root.stat("host").unwrap();
    assert_eq!((ours.device, ours.inode), (metadata.dev(), metadata.ino()));
    assert_eq!(ours.size, metadata.len());
    assert_eq!(
        ours.modified,
        metadata.mtime() as u64 * 1_000_000_000 + metadata.mtime_nsec() as u64
    );
    let directory = fs::metadata(temporary.path()).unwrap();
    assert_eq!(root.metadata().unwrap().inode, directory.ino());
    root.create_directory("directory").unwrap();
    assert!(temporary.path().join("directory").is_dir());
}

#[test]
fn opening_host_directories() {
    let temporary = tempfile::tempdir().unwrap();
    fs::write(temporary.path().join("file"), b"x").unwrap();
    assert_eq!(
        HostDirectory::open(temporary.path().join("missing")).map(drop),
        Err(FsError::NotFound)
    );
    assert_eq!(
        HostDirectory::open(temporary.path().join("file")).map(drop),
        Err(FsError::NotADirectory)
    );
    let file: OwnedFd = fs::File::open(temporary.path().join("file"))
        .unwrap()
        .into();
    assert_eq!(
        HostDirectory::from_fd(file).map(drop),
        Err(FsError::NotADirectory)
    );
    let directory: OwnedFd = fs::File::open(temporary.path()).unwrap().into();
    let root = HostDirectory::from_fd(directory).unwrap();
    let clone = root.try_clone().unwrap();
    drop(root);
    assert_eq!(clone.entries().unwrap().len(), 1);
    assert_eq!(clone.stat("file").unwrap().size, 1);
}

#[test]
fn fifos_do_not_block_the_caller() {
    let temporary = tempfile::tempdir().unwrap();
    rustix::fs::mkfifoat(
        rustix::fs::CWD,
        temporary.path().join("fifo"),
        rustix::fs::Mode::from_bits_truncate(0o600),
    )
    .unwrap();
    let root = HostDirectory::open(temporary.path()).unwrap();
    assert_eq!(root.stat("fifo").unwrap().file_type, FileType::Unknown);
    // Without a writer, a blocking open for reading would wait forever.
    let reader = root
        .open_file("fifo", &options(true, false, false, false, false))
        .unwrap();
    assert!(reader.read_at(0, &mut [0u8; 4]).is_err());
    // Without a reader, opening for writing fails at once (ENXIO) instead of waiting.
    drop(reader);
    assert!(
        root.open_file("fifo", &options(false, true, false, false, false))
            .is_err()
    );
}

#[test]
fn names_that_are_not_utf8_are_skipped() {
    let temporary = tempfile::tempdir().unwrap();
    let odd = std::ffi::OsStr::from_bytes(b"odd-\xff");
    fs::write(temporary.path().join(odd), b"x").unwrap();
    fs::write(temporary.path().join("fine"), b"x").unwrap();
    let root = HostDirectory::open(temporary.path()).unwrap();
    let names: Vec<_> = root
        .entries()
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, ["fine"]);
    std::os::unix::fs::symlink(odd, temporary.path().join("odd-link")).unwrap();
    assert_eq!(root.read_link("odd-link"), Err(FsError::Io));
}

#[test]
fn appends_from_many_handles_do_not_interleave() {
    let temporary = tempfile::tempdir().unwrap();
    let root = Arc::new(HostDirectory::open(temporary.path()).unwrap());
    root.open_file("log", &options(false, true, true, false, false))
        .unwrap();
    let workers: Vec<_> = (0..8u8)
        .map(|worker| {
            let root = root.clone();
            thread::spawn(move || {
                let file = root
                    .open_file("log", &options(false, true, false, false, false))
                    .unwrap();
                for _ in 0..100 {
                    let (written, _) = file.append(&[b'a' + worker; 16]).unwrap();
                    assert_eq!(written, 16);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let contents = fs::read(temporary.path().join("log")).unwrap();
    assert_eq!(contents.len(), 8 * 100 * 16);
    for record in contents.chunks(16) {
        assert!(record.iter().all(|&byte| byte == record[0]), "{record:?}");
    }
}

#[test]
fn append_never_honours_a_stale_offset() {
    // The file is not opened O_APPEND, so `write_at` really writes where it is told.
    let temporary = tempfile::tempdir().unwrap();
    let root = HostDirectory::open(temporary.path()).unwrap();
    let file: Box<dyn File> = root
        .open_file("file", &options(true, true, true, false, false))
        .unwrap();
    file.append(b"0123456789").unwrap();
    file.write_at(2, b"ab").unwrap();
    assert_eq!(
        fs::read(temporary.path().join("file")).unwrap(),
        b"01ab456789"
    );
}
