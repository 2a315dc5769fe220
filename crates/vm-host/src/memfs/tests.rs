//! Tests of what is particular to the in-memory file system: exact link counts, exact
//! timestamps from a manual clock, capacity accounting, inode lifetime. The behaviour it
//! shares with the host adapter is tested in `tests/suite`.

extern crate std;

use super::*;
use alloc::{format, vec};
use std::thread;

const START: u64 = 1_000;

fn file_system() -> (MemoryFileSystem, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(START));
    (MemoryFileSystem::with_clock(clock.clone()), clock)
}

fn create() -> OpenOptions {
    OpenOptions {
        read: true,
        write: true,
        create: true,
        ..OpenOptions::default()
    }
}

fn read_only() -> OpenOptions {
    OpenOptions {
        read: true,
        ..OpenOptions::default()
    }
}

fn times(metadata: &Metadata) -> (u64, u64, u64) {
    (metadata.accessed, metadata.modified, metadata.changed)
}

fn inode_count(file_system: &MemoryFileSystem) -> usize {
    file_system.shared.state.lock().inodes.len()
}

fn links(directory: &dyn Directory, name: &str) -> u64 {
    directory.stat(name).unwrap().link_count
}

#[test]
fn new_file_system_is_an_empty_root() {
    let file_system = MemoryFileSystem::new();
    let root = file_system.root();
    assert!(root.entries().unwrap().is_empty());
    let metadata = root.metadata().unwrap();
    assert_eq!(metadata.inode, ROOT_INODE);
    assert_eq!(metadata.file_type, FileType::Directory);
    assert_eq!(metadata.link_count, 2);
    assert_eq!(metadata.device, file_system.device());
    assert_eq!(times(&metadata), (0, 0, 0));
    assert_eq!(file_system.capacity(), None);
    assert_eq!(file_system.used_bytes(), 0);
    assert!(format!("{file_system:?}").contains("MemoryFileSystem"));
}

#[test]
fn root_handles_share_the_tree_and_the_root_survives_them() {
    let (file_system, _) = file_system();
    let first = file_system.root();
    let second = file_system.clone().root_directory();
    let third = second.clone();
    first.create_directory("directory").unwrap();
    assert_eq!(second.entries().unwrap().len(), 1);
    assert_eq!(third.file_system().device(), file_system.device());
    drop((first, second, third));
    assert_eq!(file_system.root().entries().unwrap().len(), 1);
    assert_eq!(file_system.root_directory().inode(), ROOT_INODE);
}

#[test]
fn devices_differ_and_other_file_systems_are_cross_device() {
    let (one, _) = file_system();
    let (two, _) = file_system();
    assert_ne!(one.device(), two.device());
    let root = one.root();
    let other = two.root();
    root.open_file("file", &create()).unwrap();
    assert_eq!(
        root.rename("file", &*other, "file"),
        Err(FsError::CrossDevice)
    );
    assert_eq!(
        root.hard_link("file", &*other, "file"),
        Err(FsError::CrossDevice)
    );
    assert!(other.entries().unwrap().is_empty());
}

#[test]
fn directory_link_counts_follow_posix() {
    let (file_system, _) = file_system();
    let root = file_system.root();
    root.create_directory("a").unwrap();
    root.create_directory("b").unwrap();
    assert_eq!(root.metadata().unwrap().link_count, 4);
    assert_eq!(links(&*root, "a"), 2);
    let a = root.open_directory("a").unwrap();
    a.create_directory("inner").unwrap();
    assert_eq!(links(&*root, "a"), 3);
    // Moving a directory moves its `..` link.
    a.rename("inner", &*root, "moved").unwrap();
    assert_eq!(links(&*root, "a"), 2);
    assert_eq!(root.metadata().unwrap().link_count, 5);
    // Replacing an empty directory removes one subdirectory.
    root.rename("moved", &*root, "b").unwrap();
    assert_eq!(root.metadata().unwrap().link_count, 4);
    // Renaming within the same directory changes nothing.
    root.rename("b", &*root, "c").unwrap();
    assert_eq!(root.metadata().unwrap().link_count, 4);
    root.remove_directory("c").unwrap();
    assert_eq!(root.metadata().unwrap().link_count, 3);
    root.remove_directory("a").unwrap();
    assert_eq!(a.metadata().unwrap().link_count, 0);
    assert_eq!(root.metadata().unwrap().link_count, 2);
}

#[test]
fn directory_size_is_its_entry_count() {
    let (file_system, _) = file_system();
    let root = file_system.root();
    root.create_directory("a").unwrap();
    root.symlink("a", "b").unwrap();
    assert_eq!(root.metadata().unwrap().size, 2);
    assert_eq!(root.stat("a").unwrap().size, 0);
}

#[test]
fn inodes_are_freed_when_unlinked_and_closed_and_never_reused() {
    let (file_system, _) = file_system();
    let root = file_system.root();
    assert_eq!(inode_count(&file_system), 1);
    let file = root.open_file("file", &create()).unwrap();
    file.write_at(0, b"12345").unwrap();
    let first = file.metadata().unwrap().inode;
    root.remove_file("file").unwrap();
    assert_eq!(inode_count(&file_system), 2, "kept alive by its handle");
    assert_eq!(file_system.used_bytes(), 5);
    drop(file);
    assert_eq!(inode_count(&file_system), 1);
    assert_eq!(file_system.used_bytes(), 0);

    root.create_directory("directory").unwrap();
    let directory = root.open_directory("directory").unwrap();
    let second = directory.metadata().unwrap().inode;
    assert!(second > first);
    root.remove_directory("directory").unwrap();
    assert_eq!(inode_count(&file_system), 2);
    drop(directory);
    assert_eq!(inode_count(&file_system), 1);

    root.open_file("file", &create()).unwrap();
    assert!(root.stat("file").unwrap().inode > second);
    // A file replaced by rename is freed too.
    root.open_file("other", &create()).unwrap();
    root.rename("other", &*root, "file").unwrap();
    assert_eq!(inode_count(&file_system), 2);
}

#[test]
fn creation_timestamps_come_from_the_clock() {
    let (file_system, clock) = file_system();
    let root = file_system.root();
    assert_eq!(times(&root.metadata().unwrap()), (START, START, START));
    clock.set(2_000);
    let file = root.open_file("file", &create()).unwrap();
    assert_eq!(times(&file.metadata().unwrap()), (2_000, 2_000, 2_000));
    assert_eq!(times(&root.metadata().unwrap()), (START, 2_000, 2_000));
    clock.set(3_000);
    root.create_directory("directory").unwrap();
    assert_eq!(
        times(&root.stat("directory").unwrap()),
        (3_000, 3_000, 3_000)
    );
    clock.set(4_000);
    root.symlink("file", "link").unwrap();
    assert_eq!(times(&root.stat("link").unwrap()), (4_000, 4_000, 4_000));
    assert_eq!(times(&root.metadata().unwrap()), (START, 4_000, 4_000));
}

#[test]
fn data_timestamps() {
    let (file_system, clock) = file_system();
    let root = file_system.root();
    let file = root.open_file("file", &create()).unwrap();
    clock.set(2_000);
    file.write_at(0, b"abc").unwrap();
    assert_eq!(times(&file.metadata().unwrap()), (START, 2_000, 2_000));
    clock.set(3_000);
    let mut buffer = [0u8; 2];
    file.read_at(0, &mut buffer).unwrap();
    assert_eq!(times(&file.metadata().unwrap()), (3_000, 2_000, 2_000));
    // Empty reads and writes touch nothing; a read at the end still counts as an access.
    clock.set(4_000);
    file.read_at(0, &mut []).unwrap();
    file.write_at(0, b"").unwrap();
    assert_eq!(times(&file.metadata().unwrap()), (3_000, 2_000, 2_000));
    file.read_at(10, &mut buffer).unwrap();
    assert_eq!(times(&file.metadata().unwrap()), (4_000, 2_000, 2_000));
    clock.set(5_000);
    file.append(b"d").unwrap();
    assert_eq!(times(&file.metadata().unwrap()), (4_000, 5_000, 5_000));
    clock.set(6_000);
    file.set_len(4).unwrap();
    assert_eq!(
        times(&file.metadata().unwrap()),
        (4_000, 5_000, 5_000),
        "same size: no change"
    );
    file.set_len(2).unwrap();
    assert_eq!(times(&file.metadata().unwrap()), (4_000, 6_000, 6_000));
    clock.set(7_000);
    let truncate = OpenOptions {
        truncate: true,
        ..create()
    };
    root.open_file("file", &truncate).unwrap();
    assert_eq!(times(&file.metadata().unwrap()), (4_000, 7_000, 7_000));
    // Opening without truncation changes nothing.
    clock.set(8_000);
    root.open_file("file", &create()).unwrap();
    assert_eq!(times(&file.metadata().unwrap()), (4_000, 7_000, 7_000));
}

#[test]
fn set_times_sets_changed_to_now() {
    let (file_system, clock) = file_system();
    let root = file_system.root();
    let file = root.open_file("file", &create()).unwrap();
    clock.set(2_000);
    file.set_times(TimeChange::At(10), TimeChange::Now).unwrap();
    assert_eq!(times(&file.metadata().unwrap()), (10, 2_000, 2_000));
    clock.set(3_000);
    file.set_times(TimeChange::Keep, TimeChange::At(20))
        .unwrap();
    assert_eq!(times(&file.metadata().unwrap()), (10, 20, 3_000));
    clock.set(4_000);
    file.set_times(TimeChange::Keep, TimeChange::Keep).unwrap();
    assert_eq!(times(&file.metadata().unwrap()), (10, 20, 3_000));
    root.set_times_at("file", TimeChange::Now, TimeChange::Keep)
        .unwrap();
    assert_eq!(times(&file.metadata().unwrap()), (4_000, 20, 4_000));
    root.set_times(TimeChange::At(1), TimeChange::At(2))
        .unwrap();
    assert_eq!(times(&root.metadata().unwrap()), (1, 2, 4_000));
}

#[test]
fn directory_timestamps() {
    let (file_system, clock) = file_system();
    let root = file_system.root();
    root.create_directory("a").unwrap();
    root.create_directory("b").unwrap();
    let a = root.open_directory("a").unwrap();
    let b = root.open_directory("b").unwrap();
    a.open_file("file", &create()).unwrap();
    clock.set(2_000);
    a.entries().unwrap();
    assert_eq!(times(&a.metadata().unwrap()), (2_000, START, START));
    clock.set(3_000);
    a.rename("file", &*b, "file").unwrap();
    assert_eq!(times(&a.metadata().unwrap()), (2_000, 3_000, 3_000));
    assert_eq!(times(&b.metadata().unwrap()), (START, 3_000, 3_000));
    assert_eq!(b.stat("file").unwrap().changed, 3_000);
    clock.set(4_000);
    b.hard_link("file", &*a, "link").unwrap();
    assert_eq!(times(&a.metadata().unwrap()), (2_000, 4_000, 4_000));
    assert_eq!(times(&b.metadata().unwrap()), (START, 3_000, 3_000));
    assert_eq!(b.stat("file").unwrap().changed, 4_000);
    clock.set(5_000);
    a.remove_file("link").unwrap();
    assert_eq!(times(&a.metadata().unwrap()), (2_000, 5_000, 5_000));
    assert_eq!(b.stat("file").unwrap().changed, 5_000);
    clock.set(6_000);
    root.remove_directory("a").unwrap();
    assert_eq!(times(&root.metadata().unwrap()).1, 6_000);
    // Failed operations touch nothing.
    clock.set(7_000);
    assert!(b.remove_file("missing").is_err());
    assert!(b.create_directory("file").is_err());
    assert_eq!(times(&b.metadata().unwrap()), (START, 3_000, 3_000));
}

#[test]
fn capacity_limits_contents_and_targets() {
    let (file_system, _) = file_system();
    let file_system = file_system.with_capacity(10);
    assert_eq!(file_system.capacity(), Some(10));
    let root = file_system.root();
    let file = root.open_file("file", &create()).unwrap();
    assert_eq!(file.write_at(0, b"12345678").unwrap(), 8);
    assert_eq!(file_system.used_bytes(), 8);
    // Short write at the limit, then no space.
    assert_eq!(file.write_at(8, b"abcde").unwrap(), 2);
    assert_eq!(file.write_at(10, b"x"), Err(FsError::NoSpace));
    assert_eq!(file.append(b"x"), Err(FsError::NoSpace));
    // Overwriting needs no space.
    assert_eq!(file.write_at(0, b"ABCDEFGHIJ").unwrap(), 10);
    // Growth is all or nothing for set_len and symlink.
    assert_eq!(file.set_len(11), Err(FsError::NoSpace));
    assert_eq!(root.symlink("t", "link"), Err(FsError::NoSpace));
    file.set_len(4).unwrap();
    assert_eq!(file_system.used_bytes(), 4);
    root.symlink("target", "link").unwrap();
    assert_eq!(file_system.used_bytes(), 10);
    // A gap counts: writing at 12 would need 9 more bytes.
    assert_eq!(file.write_at(12, b"z"), Err(FsError::NoSpace));
    root.remove_file("link").unwrap();
    assert_eq!(file_system.used_bytes(), 4);
    // Unlinked but open files keep their space until closed.
    let other = root.open_file("other", &create()).unwrap();
    other.write_at(0, b"123456").unwrap();
    root.remove_file("other").unwrap();
    assert_eq!(file_system.used_bytes(), 10);
    assert_eq!(file.write_at(4, b"x"), Err(FsError::NoSpace));
    drop(other);
    assert_eq!(file_system.used_bytes(), 4);
    // Truncating on open frees.
    let truncate = OpenOptions {
        truncate: true,
        ..create()
    };
    root.open_file("file", &truncate).unwrap();
    assert_eq!(file_system.used_bytes(), 0);
    // Lifting the limit.
    file_system.set_capacity(None);
    assert_eq!(file.write_at(0, &[7u8; 100]).unwrap(), 100);
    assert_eq!(file_system.used_bytes(), 100);
}

#[test]
fn sizes_beyond_the_limits_fail_without_aborting() {
    let (file_system, _) = file_system();
    let root = file_system.root();
    let file = root.open_file("file", &create()).unwrap();
    assert_eq!(file.write_at(u64::MAX, b"x"), Err(FsError::FileTooLarge));
    assert_eq!(
        file.write_at(MAX_FILE_SIZE, b"x"),
        Err(FsError::FileTooLarge)
    );
    assert_eq!(file.set_len(MAX_FILE_SIZE + 1), Err(FsError::FileTooLarge));
    assert_eq!(file.set_len(u64::MAX), Err(FsError::FileTooLarge));
    // Allowed by the size limit, but no heap can hold it: reported, not aborted. (On 32-bit
    // targets a heap may really hold `isize::MAX` bytes, so only 64-bit ones check this.)
    #[cfg(target_pointer_width = "64")]
    {
        assert_eq!(file.set_len(MAX_FILE_SIZE), Err(FsError::NoSpace));
        assert_eq!(
            file.write_at(MAX_FILE_SIZE - 1, b"xy"),
            Err(FsError::NoSpace)
        );
    }
    assert_eq!(file.metadata().unwrap().size, 0);
    assert_eq!(file_system.used_bytes(), 0);
    let mut buffer = [0u8; 4];
    assert_eq!(file.read_at(u64::MAX, &mut buffer).unwrap(), 0);
}

#[test]
fn exclusive_create_of_existing_names_fails_for_every_kind() {
    let (file_system, _) = file_system();
    let root = file_system.root();
    root.create_directory("directory").unwrap();
    root.symlink("nowhere", "link").unwrap();
    root.open_file("file", &create()).unwrap();
    let exclusive = OpenOptions {
        exclusive: true,
        ..create()
    };
    for name in ["directory", "link", "file"] {
        assert_eq!(
            root.open_file(name, &exclusive).map(drop),
            Err(FsError::AlreadyExists)
        );
    }
}

#[test]
fn operations_through_a_removed_directory_handle() {
    let (file_system, _) = file_system();
    let root = file_system.root();
    root.create_directory("gone").unwrap();
    let gone = root.open_directory("gone").unwrap();
    root.remove_directory("gone").unwrap();
    // Its own attributes still work.
    gone.set_times(TimeChange::At(5), TimeChange::At(6))
        .unwrap();
    assert_eq!(gone.metadata().unwrap().modified, 6);
    gone.sync().unwrap();
    assert_eq!(gone.read_link("x"), Err(FsError::NotFound));
    assert_eq!(gone.remove_directory("x"), Err(FsError::NotFound));
    assert_eq!(gone.rename("x", &*root, "y"), Err(FsError::NotFound));
    assert_eq!(
        gone.set_times_at("x", TimeChange::Now, TimeChange::Now),
        Err(FsError::NotFound)
    );
}

#[test]
fn rename_into_a_removed_descendant_is_refused() {
    // Linux checks the ancestry of a removed directory through its old parent.
    let (file_system, _) = file_system();
    let root = file_system.root();
    root.create_directory("a").unwrap();
    let a = root.open_directory("a").unwrap();
    a.create_directory("b").unwrap();
    let b = a.open_directory("b").unwrap();
    a.remove_directory("b").unwrap();
    assert_eq!(root.rename("a", &*b, "x"), Err(FsError::InvalidInput));
    root.create_directory("c").unwrap();
    assert_eq!(root.rename("c", &*b, "x"), Err(FsError::NotFound));
}

#[test]
fn handles_work_across_threads() {
    let (file_system, _) = file_system();
    let root = file_system.root();
    let file: Arc<dyn File> = Arc::from(root.open_file("log", &create()).unwrap());
    let workers: Vec<_> = (0..8u8)
        .map(|worker| {
            let file = file.clone();
            let file_system = file_system.clone();
            thread::spawn(move || {
                let root = file_system.root();
                root.create_directory(&format!("directory-{worker}"))
                    .unwrap();
                for _ in 0..50 {
                    file.append(&[worker; 4]).unwrap();
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    assert_eq!(root.entries().unwrap().len(), 9);
    let mut contents = vec![0u8; 8 * 50 * 4];
    assert_eq!(file.read_at(0, &mut contents).unwrap(), contents.len());
    for record in contents.chunks(4) {
        assert!(record.iter().all(|&byte| byte == record[0]));
    }
}

#[test]
fn names_are_validated_before_anything_else() {
    assert_eq!(validate_name("ok"), Ok(()));
    assert_eq!(validate_name("..."), Ok(()));
    assert_eq!(validate_name(".hidden"), Ok(()));
    assert_eq!(validate_name(""), Err(FsError::InvalidInput));
    assert_eq!(validate_name("."), Err(FsError::InvalidInput));
    assert_eq!(validate_name(".."), Err(FsError::InvalidInput));
    assert_eq!(validate_name("a/b"), Err(FsError::InvalidInput));
    assert_eq!(validate_name("a\0"), Err(FsError::InvalidInput));
    assert_eq!(validate_name(&"é".repeat(128)), Err(FsError::NameTooLong));
    assert_eq!(validate_name(&"e".repeat(255)), Ok(()));
    // Validation comes before the directory is looked at.
    let (file_system, _) = file_system();
    let root = file_system.root();
    assert_eq!(
        root.open_file("..", &read_only()).map(drop),
        Err(FsError::InvalidInput)
    );
}

#[test]
fn handle_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<MemoryFileSystem>();
    check::<MemoryDirectory>();
    check::<MemoryFile>();
}
