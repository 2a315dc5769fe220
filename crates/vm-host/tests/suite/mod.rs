//! File-system behaviour that every `Directory` adapter of this crate must share.
//!
//! Each function takes a fresh, empty root directory. `tests/fs_conformance.rs` runs them all
//! against the in-memory file system and against the host file system (in a temporary
//! directory): the WASI layer assumes the two behave alike.
//!
//! Timestamps: the fixtures' clocks read "now" well after [`OLD`], so a timestamp that was
//! set to `OLD` and then touched by an operation is no longer `OLD`.

use std::any::Any;
use std::boxed::Box;
use std::string::String;
use std::vec;
use std::vec::Vec;

use vm_host::fs::{
    Directory, DirectoryEntry, File, FileType, FsError, Metadata, OpenOptions, TimeChange,
};

/// A time long before any fixture's "now" (2001-09-09).
pub const OLD: u64 = 1_000_000_000_000_000_000;
/// Another fixed time (2004-01-10 13:37:04.5).
pub const OTHER: u64 = 1_073_741_824_500_000_000;

/// Instantiates every behaviour test below as a `#[test]`, each on a fresh root made by
/// `$fixture` (an expression returning something with a `root: Box<dyn Directory>` field).
#[macro_export]
macro_rules! conformance_tests {
    ($fixture:expr) => {
        $crate::conformance_tests!(@each $fixture;
            read_write_round_trip,
            writing_past_the_end_fills_with_zeros,
            set_len_truncates_and_extends,
            append_writes_at_the_end,
            empty_reads_and_writes,
            open_missing_file,
            exclusive_create,
            truncate_on_open,
            open_file_on_a_directory,
            open_directory_on_a_file,
            symlinks_are_never_followed_by_open,
            symlink_metadata_and_target,
            symlink_target_validation,
            set_times_at_acts_on_the_link,
            remove_acts_on_the_link,
            directories_create_and_remove,
            entries_are_sorted_and_typed,
            names_are_validated,
            hard_links_share_the_inode,
            hard_link_errors,
            rename_a_file,
            rename_replaces_a_file,
            rename_type_mismatches,
            rename_directories,
            rename_into_own_subtree,
            rename_onto_an_ancestor,
            rename_to_the_same_inode_is_a_no_op,
            rename_errors,
            rename_moves_a_symlink_itself,
            other_adapters_are_cross_device,
            unlinked_open_file_keeps_working,
            removed_directory_behaves_as_deleted,
            access_modes_are_enforced,
            set_times_on_files_and_directories,
            writes_update_modification_times,
            directory_times_follow_entry_changes,
            metadata_identity,
            handles_see_the_same_tree,
        );
    };
    (@each $fixture:expr; $($test:ident),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                let fixture = $fixture;
                $crate::suite::$test(&*fixture.root);
            }
        )*
    };
}

// ---------------------------------------------------------------------------------------
// Helpers.

pub fn read_only() -> OpenOptions {
    OpenOptions {
        read: true,
        ..OpenOptions::default()
    }
}

pub fn write_only() -> OpenOptions {
    OpenOptions {
        write: true,
        ..OpenOptions::default()
    }
}

pub fn read_write() -> OpenOptions {
    OpenOptions {
        read: true,
        write: true,
        ..OpenOptions::default()
    }
}

pub fn create() -> OpenOptions {
    OpenOptions {
        read: true,
        write: true,
        create: true,
        ..OpenOptions::default()
    }
}

pub fn create_new() -> OpenOptions {
    OpenOptions {
        exclusive: true,
        ..create()
    }
}

pub fn error<T>(result: Result<T, FsError>) -> FsError {
    match result {
        Ok(_) => panic!("expected an error"),
        Err(error) => error,
    }
}

/// Creates (or replaces the contents of) `name` with `data`.
pub fn write_file(directory: &dyn Directory, name: &str, data: &[u8]) {
    let options = OpenOptions {
        truncate: true,
        ..create()
    };
    let file = directory.open_file(name, &options).unwrap();
    assert_eq!(file.write_at(0, data).unwrap(), data.len());
}

pub fn read_all(file: &dyn File) -> Vec<u8> {
    let mut contents = Vec::new();
    let mut buffer = [0u8; 7];
    loop {
        let count = file.read_at(contents.len() as u64, &mut buffer).unwrap();
        if count == 0 {
            return contents;
        }
        contents.extend_from_slice(&buffer[..count]);
    }
}

pub fn read_file(directory: &dyn Directory, name: &str) -> Vec<u8> {
    read_all(&*directory.open_file(name, &read_only()).unwrap())
}

pub fn names(directory: &dyn Directory) -> Vec<String> {
    directory
        .entries()
        .unwrap()
        .into_iter()
        .map(|entry| entry.name)
        .collect()
}

pub fn subdirectory(directory: &dyn Directory, name: &str) -> Box<dyn Directory> {
    directory.create_directory(name).unwrap();
    directory.open_directory(name).unwrap()
}

/// A directory of some other adapter.
pub struct Foreign;

impl Directory for Foreign {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn metadata(&self) -> Result<Metadata, FsError> {
        Err(FsError::Unsupported)
    }
    fn set_times(&self, _: TimeChange, _: TimeChange) -> Result<(), FsError> {
        Err(FsError::Unsupported)
    }
    fn sync(&self) -> Result<(), FsError> {
        Err(FsError::Unsupported)
    }
    fn entries(&self) -> Result<Vec<DirectoryEntry>, FsError> {
        Err(FsError::Unsupported)
    }
    fn stat(&self, _: &str) -> Result<Metadata, FsError> {
        Err(FsError::Unsupported)
    }
    fn set_times_at(&self, _: &str, _: TimeChange, _: TimeChange) -> Result<(), FsError> {
        Err(FsError::Unsupported)
    }
    fn open_directory(&self, _: &str) -> Result<Box<dyn Directory>, FsError> {
        Err(FsError::Unsupported)
    }
    fn open_file(&self, _: &str, _: &OpenOptions) -> Result<Box<dyn File>, FsError> {
        Err(FsError::Unsupported)
    }
    fn create_directory(&self, _: &str) -> Result<(), FsError> {
        Err(FsError::Unsupported)
    }
    fn remove_directory(&self, _: &str) -> Result<(), FsError> {
        Err(FsError::Unsupported)
    }
    fn remove_file(&self, _: &str) -> Result<(), FsError> {
        Err(FsError::Unsupported)
    }
    fn read_link(&self, _: &str) -> Result<String, FsError> {
        Err(FsError::Unsupported)
    }
    fn symlink(&self, _: &str, _: &str) -> Result<(), FsError> {
        Err(FsError::Unsupported)
    }
    fn hard_link(&self, _: &str, _: &dyn Directory, _: &str) -> Result<(), FsError> {
        Err(FsError::Unsupported)
    }
    fn rename(&self, _: &str, _: &dyn Directory, _: &str) -> Result<(), FsError> {
        Err(FsError::Unsupported)
    }
}

// ---------------------------------------------------------------------------------------
// Files.

pub fn read_write_round_trip(root: &dyn Directory) {
    let file = root.open_file("file", &create()).unwrap();
    assert_eq!(file.write_at(0, b"hello world").unwrap(), 11);
    let mut buffer = [0u8; 5];
    assert_eq!(file.read_at(6, &mut buffer).unwrap(), 5);
    assert_eq!(&buffer, b"world");
    assert_eq!(file.read_at(8, &mut buffer).unwrap(), 3);
    assert_eq!(&buffer[..3], b"rld");
    assert_eq!(file.read_at(11, &mut buffer).unwrap(), 0);
    assert_eq!(file.read_at(1000, &mut buffer).unwrap(), 0);
    assert_eq!(file.read_at(u64::MAX, &mut buffer).unwrap(), 0);
    assert_eq!(file.write_at(6, b"WORLD").unwrap(), 5);
    assert_eq!(read_all(&*file), b"hello WORLD");
    let metadata = file.metadata().unwrap();
    assert_eq!(metadata.file_type, FileType::RegularFile);
    assert_eq!(metadata.size, 11);
    assert_eq!(metadata.link_count, 1);
    file.sync_all().unwrap();
    file.sync_data().unwrap();
    drop(file);
    assert_eq!(read_file(root, "file"), b"hello WORLD");
    root.sync().unwrap();
}

pub fn writing_past_the_end_fills_with_zeros(root: &dyn Directory) {
    let file = root.open_file("file", &create()).unwrap();
    file.write_at(0, b"ab").unwrap();
    assert_eq!(file.write_at(6, b"cd").unwrap(), 2);
    assert_eq!(read_all(&*file), b"ab\0\0\0\0cd");
    assert_eq!(file.metadata().unwrap().size, 8);
}

pub fn set_len_truncates_and_extends(root: &dyn Directory) {
    let file = root.open_file("file", &create()).unwrap();
    file.write_at(0, b"abcdef").unwrap();
    file.set_len(3).unwrap();
    assert_eq!(read_all(&*file), b"abc");
    file.set_len(5).unwrap();
    assert_eq!(read_all(&*file), b"abc\0\0");
    file.set_len(0).unwrap();
    assert_eq!(file.metadata().unwrap().size, 0);
    assert_eq!(read_all(&*file), b"");
}

pub fn append_writes_at_the_end(root: &dyn Directory) {
    let file = root.open_file("file", &create()).unwrap();
    assert_eq!(file.append(b"abc").unwrap(), (3, 3));
    file.write_at(5, b"x").unwrap();
    assert_eq!(file.append(b"yz").unwrap(), (2, 8));
    assert_eq!(file.append(b"").unwrap().1, 8);
    assert_eq!(read_all(&*file), b"abc\0\0xyz");
    // Another handle's appends go to the same end.
    let other = root.open_file("file", &write_only()).unwrap();
    assert_eq!(other.append(b"!").unwrap(), (1, 9));
    assert_eq!(file.append(b"?").unwrap(), (1, 10));
    assert_eq!(read_all(&*file), b"abc\0\0xyz!?");
}

pub fn empty_reads_and_writes(root: &dyn Directory) {
    let file = root.open_file("file", &create()).unwrap();
    assert_eq!(file.write_at(100, b"").unwrap(), 0);
    assert_eq!(file.metadata().unwrap().size, 0);
    assert_eq!(file.read_at(0, &mut []).unwrap(), 0);
    file.write_at(0, b"abc").unwrap();
    assert_eq!(file.read_at(0, &mut []).unwrap(), 0);
}

pub fn open_missing_file(root: &dyn Directory) {
    assert_eq!(
        error(root.open_file("missing", &read_only())),
        FsError::NotFound
    );
    assert_eq!(
        error(root.open_file("missing", &read_write())),
        FsError::NotFound
    );
    assert_eq!(error(root.stat("missing")), FsError::NotFound);
    // `exclusive` without `create` is ignored.
    let options = OpenOptions {
        exclusive: true,
        ..read_write()
    };
    assert_eq!(
        error(root.open_file("missing", &options)),
        FsError::NotFound
    );
    write_file(root, "present", b"x");
    root.open_file("present", &options).unwrap();
    // Creating with no access mode at all still creates.
    let options = OpenOptions {
        create: true,
        ..OpenOptions::default()
    };
    root.open_file("created", &options).unwrap();
    assert_eq!(root.stat("created").unwrap().size, 0);
}

pub fn exclusive_create(root: &dyn Directory) {
    let file = root.open_file("file", &create_new()).unwrap();
    file.write_at(0, b"data").unwrap();
    assert_eq!(
        error(root.open_file("file", &create_new())),
        FsError::AlreadyExists
    );
    // Without `exclusive`, `create` opens the existing file untouched.
    let again = root.open_file("file", &create()).unwrap();
    assert_eq!(read_all(&*again), b"data");
    root.create_directory("directory").unwrap();
    assert_eq!(
        error(root.open_file("directory", &create_new())),
        FsError::AlreadyExists
    );
}

pub fn truncate_on_open(root: &dyn Directory) {
    write_file(root, "file", b"contents");
    let truncate_read_only = OpenOptions {
        truncate: true,
        ..read_only()
    };
    assert_eq!(
        error(root.open_file("file", &truncate_read_only)),
        FsError::InvalidInput
    );
    assert_eq!(read_file(root, "file"), b"contents");
    let truncate = OpenOptions {
        truncate: true,
        ..read_write()
    };
    let file = root.open_file("file", &truncate).unwrap();
    assert_eq!(file.metadata().unwrap().size, 0);
    assert_eq!(
        error(root.open_file("missing", &truncate)),
        FsError::NotFound
    );
}

pub fn open_file_on_a_directory(root: &dyn Directory) {
    root.create_directory("directory").unwrap();
    for options in [read_only(), read_write(), write_only(), create()] {
        assert_eq!(
            error(root.open_file("directory", &options)),
            FsError::IsADirectory,
            "{options:?}"
        );
    }
    let options = OpenOptions::default();
    assert_eq!(
        error(root.open_file("directory", &options)),
        FsError::IsADirectory
    );
}

pub fn open_directory_on_a_file(root: &dyn Directory) {
    write_file(root, "file", b"x");
    assert_eq!(error(root.open_directory("file")), FsError::NotADirectory);
    assert_eq!(error(root.open_directory("missing")), FsError::NotFound);
    let directory = subdirectory(root, "directory");
    assert!(directory.entries().unwrap().is_empty());
}

// ---------------------------------------------------------------------------------------
// Symbolic links.

pub fn symlinks_are_never_followed_by_open(root: &dyn Directory) {
    write_file(root, "target", b"secret");
    root.create_directory("target-directory").unwrap();
    root.symlink("target", "link").unwrap();
    root.symlink("target-directory", "directory-link").unwrap();
    root.symlink("nowhere", "dangling").unwrap();
    let truncate = OpenOptions {
        truncate: true,
        ..read_write()
    };
    for name in ["link", "dangling", "directory-link"] {
        for options in [read_only(), read_write(), write_only(), create(), truncate] {
            assert_eq!(
                error(root.open_file(name, &options)),
                FsError::SymlinkLoop,
                "{name} {options:?}"
            );
        }
        assert_eq!(
            error(root.open_file(name, &create_new())),
            FsError::AlreadyExists,
            "{name}"
        );
        assert_eq!(
            error(root.open_directory(name)),
            FsError::SymlinkLoop,
            "{name}"
        );
    }
    // Nothing was created or changed through the links.
    assert_eq!(read_file(root, "target"), b"secret");
    assert_eq!(error(root.stat("nowhere")), FsError::NotFound);
    assert!(
        root.open_directory("target-directory")
            .unwrap()
            .entries()
            .unwrap()
            .is_empty()
    );
}

pub fn symlink_metadata_and_target(root: &dyn Directory) {
    write_file(root, "target", b"contents");
    root.symlink("target", "link").unwrap();
    root.symlink("../../some/where/else", "far").unwrap();
    let link = root.stat("link").unwrap();
    assert_eq!(link.file_type, FileType::SymbolicLink);
    assert_eq!(link.size, 6);
    assert_ne!(link.inode, root.stat("target").unwrap().inode);
    assert_eq!(root.read_link("link").unwrap(), "target");
    assert_eq!(root.read_link("far").unwrap(), "../../some/where/else");
    assert_eq!(root.stat("far").unwrap().size, 21);
    assert_eq!(error(root.read_link("target")), FsError::InvalidInput);
    assert_eq!(error(root.read_link("missing")), FsError::NotFound);
    assert_eq!(error(root.symlink("x", "link")), FsError::AlreadyExists);
    assert_eq!(error(root.symlink("x", "target")), FsError::AlreadyExists);
    root.create_directory("directory").unwrap();
    assert_eq!(
        error(root.symlink("x", "directory")),
        FsError::AlreadyExists
    );
    assert_eq!(error(root.read_link("directory")), FsError::InvalidInput);
}

pub fn symlink_target_validation(root: &dyn Directory) {
    assert_eq!(error(root.symlink("", "empty")), FsError::NotFound);
    assert_eq!(error(root.symlink("a\0b", "nul")), FsError::InvalidInput);
    let long = "x".repeat(4096);
    assert_eq!(error(root.symlink(&long, "long")), FsError::NameTooLong);
    let longest = "x".repeat(4095);
    root.symlink(&longest, "longest").unwrap();
    assert_eq!(root.read_link("longest").unwrap(), longest);
    assert!(names(root).iter().all(|name| name == "longest"));
}

pub fn set_times_at_acts_on_the_link(root: &dyn Directory) {
    write_file(root, "target", b"x");
    root.set_times_at("target", TimeChange::At(OLD), TimeChange::At(OLD))
        .unwrap();
    root.symlink("target", "link").unwrap();
    root.set_times_at("link", TimeChange::At(OTHER), TimeChange::At(OTHER))
        .unwrap();
    let link = root.stat("link").unwrap();
    assert_eq!((link.accessed, link.modified), (OTHER, OTHER));
    let target = root.stat("target").unwrap();
    assert_eq!((target.accessed, target.modified), (OLD, OLD));
    // A dangling link's times can be set too.
    root.symlink("nowhere", "dangling").unwrap();
    root.set_times_at("dangling", TimeChange::Keep, TimeChange::At(OTHER))
        .unwrap();
    assert_eq!(root.stat("dangling").unwrap().modified, OTHER);
    assert_eq!(
        error(root.set_times_at("missing", TimeChange::Now, TimeChange::Now)),
        FsError::NotFound
    );
}

pub fn remove_acts_on_the_link(root: &dyn Directory) {
    write_file(root, "target", b"x");
    root.create_directory("directory").unwrap();
    root.symlink("target", "link").unwrap();
    root.symlink("directory", "directory-link").unwrap();
    assert_eq!(
        error(root.remove_directory("directory-link")),
        FsError::NotADirectory
    );
    root.remove_file("link").unwrap();
    root.remove_file("directory-link").unwrap();
    assert_eq!(read_file(root, "target"), b"x");
    assert_eq!(
        root.stat("directory").unwrap().file_type,
        FileType::Directory
    );
    assert_eq!(names(root), ["directory", "target"]);
}

// ---------------------------------------------------------------------------------------
// Directories and names.

pub fn directories_create_and_remove(root: &dyn Directory) {
    root.create_directory("directory").unwrap();
    assert_eq!(
        error(root.create_directory("directory")),
        FsError::AlreadyExists
    );
    write_file(root, "file", b"");
    assert_eq!(error(root.create_directory("file")), FsError::AlreadyExists);
    let directory = root.open_directory("directory").unwrap();
    assert_eq!(directory.metadata().unwrap().file_type, FileType::Directory);
    write_file(&*directory, "inner", b"x");
    assert_eq!(
        error(root.remove_directory("directory")),
        FsError::DirectoryNotEmpty
    );
    assert_eq!(error(root.remove_file("directory")), FsError::IsADirectory);
    assert_eq!(error(root.remove_directory("file")), FsError::NotADirectory);
    assert_eq!(error(root.remove_directory("missing")), FsError::NotFound);
    assert_eq!(error(root.remove_file("missing")), FsError::NotFound);
    directory.remove_file("inner").unwrap();
    root.remove_directory("directory").unwrap();
    root.remove_file("file").unwrap();
    assert!(root.entries().unwrap().is_empty());
    assert_eq!(error(root.stat("directory")), FsError::NotFound);
}

pub fn entries_are_sorted_and_typed(root: &dyn Directory) {
    assert!(root.entries().unwrap().is_empty());
    write_file(root, "b-file", b"");
    root.create_directory("a-directory").unwrap();
    root.symlink("b-file", "c-link").unwrap();
    write_file(root, "B-upper", b"");
    write_file(root, "é", b"");
    let entries = root.entries().unwrap();
    let listed: Vec<(&str, FileType)> = entries
        .iter()
        .map(|entry| (entry.name.as_str(), entry.file_type))
        .collect();
    assert_eq!(
        listed,
        vec![
            ("B-upper", FileType::RegularFile),
            ("a-directory", FileType::Directory),
            ("b-file", FileType::RegularFile),
            ("c-link", FileType::SymbolicLink),
            ("é", FileType::RegularFile),
        ]
    );
    for entry in &entries {
        assert_eq!(entry.inode, root.stat(&entry.name).unwrap().inode);
    }
    assert_eq!(root.entries().unwrap(), entries);
}

pub fn names_are_validated(root: &dyn Directory) {
    root.create_directory("directory").unwrap();
    write_file(root, "file", b"x");
    let directory = root.open_directory("directory").unwrap();
    let invalid = ["", ".", "..", "a/b", "/", "../file", "file/", "a\0b"];
    let too_long = "n".repeat(256);
    let cases = invalid
        .iter()
        .map(|name| (*name, FsError::InvalidInput))
        .chain([(too_long.as_str(), FsError::NameTooLong)]);
    for (name, expected) in cases {
        let check = |result: Result<(), FsError>, operation: &str| {
            assert_eq!(result, Err(expected), "{operation}({name:?})");
        };
        check(root.stat(name).map(drop), "stat");
        check(
            root.set_times_at(name, TimeChange::Now, TimeChange::Now),
            "set_times_at",
        );
        check(root.open_directory(name).map(drop), "open_directory");
        check(root.open_file(name, &create()).map(drop), "open_file");
        check(root.open_file(name, &read_only()).map(drop), "open_file");
        check(root.create_directory(name), "create_directory");
        check(root.remove_directory(name), "remove_directory");
        check(root.remove_file(name), "remove_file");
        check(root.read_link(name).map(drop), "read_link");
        check(root.symlink("file", name), "symlink");
        check(root.hard_link(name, &*directory, "new"), "hard_link from");
        check(root.hard_link("file", &*directory, name), "hard_link to");
        check(root.rename(name, &*directory, "new"), "rename from");
        check(root.rename("file", &*directory, name), "rename to");
    }
    // Nothing moved, and the longest name is fine.
    assert_eq!(names(root), ["directory", "file"]);
    assert!(directory.entries().unwrap().is_empty());
    let longest = "n".repeat(255);
    write_file(root, &longest, b"x");
    root.stat(&longest).unwrap();
}

// ---------------------------------------------------------------------------------------
// Hard links.

pub fn hard_links_share_the_inode(root: &dyn Directory) {
    let directory = subdirectory(root, "directory");
    write_file(root, "file", b"shared");
    root.hard_link("file", &*directory, "link").unwrap();
    root.hard_link("file", root, "second").unwrap();
    let original = root.stat("file").unwrap();
    assert_eq!(original.link_count, 3);
    assert_eq!(directory.stat("link").unwrap().inode, original.inode);
    assert_eq!(directory.stat("link").unwrap().link_count, 3);
    // Writes through one name are seen through the others.
    let file = directory.open_file("link", &read_write()).unwrap();
    file.write_at(0, b"SHARED").unwrap();
    assert_eq!(read_file(root, "file"), b"SHARED");
    root.remove_file("file").unwrap();
    assert_eq!(root.stat("second").unwrap().link_count, 2);
    assert_eq!(file.metadata().unwrap().link_count, 2);
    root.remove_file("second").unwrap();
    assert_eq!(directory.stat("link").unwrap().link_count, 1);
    assert_eq!(read_file(&*directory, "link"), b"SHARED");
    // A symlink is linked itself.
    root.symlink("nowhere", "symlink").unwrap();
    root.hard_link("symlink", root, "symlink-link").unwrap();
    let link = root.stat("symlink-link").unwrap();
    assert_eq!(link.file_type, FileType::SymbolicLink);
    assert_eq!(link.inode, root.stat("symlink").unwrap().inode);
    assert_eq!(root.read_link("symlink-link").unwrap(), "nowhere");
}

pub fn hard_link_errors(root: &dyn Directory) {
    root.create_directory("directory").unwrap();
    write_file(root, "file", b"");
    write_file(root, "other", b"");
    assert_eq!(
        error(root.hard_link("directory", root, "new")),
        FsError::NotPermitted
    );
    assert_eq!(
        error(root.hard_link("file", root, "other")),
        FsError::AlreadyExists
    );
    assert_eq!(
        error(root.hard_link("file", root, "directory")),
        FsError::AlreadyExists
    );
    assert_eq!(
        error(root.hard_link("missing", root, "new")),
        FsError::NotFound
    );
    assert_eq!(root.stat("file").unwrap().link_count, 1);
    assert_eq!(names(root), ["directory", "file", "other"]);
}

// ---------------------------------------------------------------------------------------
// Rename.

pub fn rename_a_file(root: &dyn Directory) {
    let directory = subdirectory(root, "directory");
    write_file(root, "file", b"data");
    let inode = root.stat("file").unwrap().inode;
    root.rename("file", root, "renamed").unwrap();
    assert_eq!(names(root), ["directory", "renamed"]);
    assert_eq!(root.stat("renamed").unwrap().inode, inode);
    root.rename("renamed", &*directory, "moved").unwrap();
    assert_eq!(names(root), ["directory"]);
    assert_eq!(names(&*directory), ["moved"]);
    assert_eq!(read_file(&*directory, "moved"), b"data");
    directory.rename("moved", root, "back").unwrap();
    assert_eq!(read_file(root, "back"), b"data");
}

pub fn rename_replaces_a_file(root: &dyn Directory) {
    write_file(root, "source", b"new");
    write_file(root, "target", b"old");
    let source = root.stat("source").unwrap().inode;
    let held = root.open_file("target", &read_only()).unwrap();
    root.rename("source", root, "target").unwrap();
    assert_eq!(names(root), ["target"]);
    assert_eq!(root.stat("target").unwrap().inode, source);
    assert_eq!(read_file(root, "target"), b"new");
    // The replaced file lives on in its open handle, unlinked.
    assert_eq!(read_all(&*held), b"old");
    assert_eq!(held.metadata().unwrap().link_count, 0);
    // A symlink is replaced like a file; its target is untouched.
    write_file(root, "kept", b"kept");
    root.symlink("kept", "link").unwrap();
    write_file(root, "replacement", b"r");
    root.rename("replacement", root, "link").unwrap();
    assert_eq!(root.stat("link").unwrap().file_type, FileType::RegularFile);
    assert_eq!(read_file(root, "kept"), b"kept");
}

pub fn rename_type_mismatches(root: &dyn Directory) {
    root.create_directory("directory").unwrap();
    root.create_directory("empty").unwrap();
    write_file(root, "file", b"x");
    root.symlink("empty", "link").unwrap();
    assert_eq!(
        error(root.rename("directory", root, "file")),
        FsError::NotADirectory
    );
    assert_eq!(
        error(root.rename("directory", root, "link")),
        FsError::NotADirectory
    );
    assert_eq!(
        error(root.rename("file", root, "empty")),
        FsError::IsADirectory
    );
    assert_eq!(
        error(root.rename("link", root, "empty")),
        FsError::IsADirectory
    );
    assert_eq!(names(root), ["directory", "empty", "file", "link"]);
}

pub fn rename_directories(root: &dyn Directory) {
    let a = subdirectory(root, "a");
    write_file(&*a, "inside", b"x");
    root.create_directory("empty").unwrap();
    let full = subdirectory(root, "full");
    write_file(&*full, "something", b"y");
    assert_eq!(
        error(root.rename("a", root, "full")),
        FsError::DirectoryNotEmpty
    );
    // Onto an empty directory: replaces it.
    let empty_inode = root.stat("empty").unwrap().inode;
    let a_inode = root.stat("a").unwrap().inode;
    root.rename("a", root, "empty").unwrap();
    assert_eq!(names(root), ["empty", "full"]);
    let moved = root.stat("empty").unwrap();
    assert_eq!(moved.inode, a_inode);
    assert_ne!(moved.inode, empty_inode);
    // The held handle follows the directory.
    assert_eq!(read_file(&*a, "inside"), b"x");
    // Into another directory.
    root.rename("empty", &*full, "nested").unwrap();
    assert_eq!(names(&*full), ["nested", "something"]);
    let nested = full.open_directory("nested").unwrap();
    assert_eq!(names(&*nested), ["inside"]);
    write_file(&*a, "added", b"z");
    assert_eq!(names(&*nested), ["added", "inside"]);
}

pub fn rename_into_own_subtree(root: &dyn Directory) {
    let a = subdirectory(root, "a");
    let b = subdirectory(&*a, "b");
    let c = subdirectory(&*b, "c");
    assert_eq!(error(root.rename("a", &*a, "x")), FsError::InvalidInput);
    assert_eq!(error(root.rename("a", &*b, "x")), FsError::InvalidInput);
    assert_eq!(error(root.rename("a", &*c, "x")), FsError::InvalidInput);
    assert_eq!(error(a.rename("b", &*c, "x")), FsError::InvalidInput);
    // After a move, the new ancestry counts.
    let d = subdirectory(root, "d");
    root.rename("d", &*c, "d").unwrap();
    assert_eq!(error(root.rename("a", &*d, "x")), FsError::InvalidInput);
    // Moving down into a sibling is fine.
    root.create_directory("e").unwrap();
    root.rename("e", &*d, "e").unwrap();
    assert_eq!(names(root), ["a"]);
    assert_eq!(names(&*d), ["e"]);
}

pub fn rename_onto_an_ancestor(root: &dyn Directory) {
    let a = subdirectory(root, "a");
    let b = subdirectory(&*a, "b");
    write_file(&*b, "file", b"x");
    // The target is a directory that contains the source: Linux says ENOTEMPTY.
    assert_eq!(
        error(b.rename("file", root, "a")),
        FsError::DirectoryNotEmpty
    );
    assert_eq!(error(a.rename("b", root, "a")), FsError::DirectoryNotEmpty);
    assert_eq!(names(&*b), ["file"]);
}

pub fn rename_to_the_same_inode_is_a_no_op(root: &dyn Directory) {
    write_file(root, "file", b"x");
    root.create_directory("directory").unwrap();
    root.rename("file", root, "file").unwrap();
    root.rename("directory", root, "directory").unwrap();
    root.hard_link("file", root, "link").unwrap();
    root.rename("file", root, "link").unwrap();
    // POSIX: both names stay.
    assert_eq!(names(root), ["directory", "file", "link"]);
    assert_eq!(root.stat("file").unwrap().link_count, 2);
}

pub fn rename_errors(root: &dyn Directory) {
    let directory = subdirectory(root, "directory");
    assert_eq!(
        error(root.rename("missing", root, "new")),
        FsError::NotFound
    );
    assert_eq!(
        error(root.rename("missing", &*directory, "new")),
        FsError::NotFound
    );
    assert_eq!(names(root), ["directory"]);
}

pub fn rename_moves_a_symlink_itself(root: &dyn Directory) {
    let directory = subdirectory(root, "directory");
    write_file(root, "target", b"x");
    root.symlink("target", "link").unwrap();
    root.rename("link", &*directory, "moved").unwrap();
    assert_eq!(directory.read_link("moved").unwrap(), "target");
    assert_eq!(names(root), ["directory", "target"]);
}

pub fn other_adapters_are_cross_device(root: &dyn Directory) {
    write_file(root, "file", b"x");
    assert_eq!(
        error(root.rename("file", &Foreign, "new")),
        FsError::CrossDevice
    );
    assert_eq!(
        error(root.hard_link("file", &Foreign, "new")),
        FsError::CrossDevice
    );
    assert_eq!(names(root), ["file"]);
}

// ---------------------------------------------------------------------------------------
// Unlinked objects.

pub fn unlinked_open_file_keeps_working(root: &dyn Directory) {
    let file = root.open_file("file", &create()).unwrap();
    file.write_at(0, b"before").unwrap();
    root.remove_file("file").unwrap();
    assert_eq!(error(root.stat("file")), FsError::NotFound);
    assert_eq!(file.write_at(6, b" after").unwrap(), 6);
    assert_eq!(read_all(&*file), b"before after");
    assert_eq!(file.append(b"!").unwrap(), (1, 13));
    file.set_len(6).unwrap();
    let metadata = file.metadata().unwrap();
    assert_eq!((metadata.link_count, metadata.size), (0, 6));
    // A new file of the same name is a different one.
    write_file(root, "file", b"new");
    assert_eq!(read_all(&*file), b"before");
    assert_ne!(root.stat("file").unwrap().inode, metadata.inode);
}

pub fn removed_directory_behaves_as_deleted(root: &dyn Directory) {
    let directory = subdirectory(root, "directory");
    let other = subdirectory(root, "other");
    write_file(root, "file", b"x");
    root.remove_directory("directory").unwrap();
    assert!(directory.entries().unwrap().is_empty());
    assert_eq!(directory.metadata().unwrap().link_count, 0);
    assert_eq!(directory.metadata().unwrap().file_type, FileType::Directory);
    assert_eq!(error(directory.stat("anything")), FsError::NotFound);
    assert_eq!(
        error(directory.open_file("new", &create())),
        FsError::NotFound
    );
    assert_eq!(
        error(directory.open_file("new", &read_only())),
        FsError::NotFound
    );
    assert_eq!(error(directory.create_directory("new")), FsError::NotFound);
    assert_eq!(error(directory.symlink("x", "new")), FsError::NotFound);
    assert_eq!(error(directory.open_directory("new")), FsError::NotFound);
    assert_eq!(error(directory.remove_file("new")), FsError::NotFound);
    assert_eq!(
        error(root.hard_link("file", &*directory, "new")),
        FsError::NotFound
    );
    assert_eq!(
        error(root.rename("file", &*directory, "new")),
        FsError::NotFound
    );
    assert_eq!(
        error(root.rename("other", &*directory, "new")),
        FsError::NotFound
    );
    assert_eq!(names(root), ["file", "other"]);
    drop(other);
    // The name can be reused.
    root.create_directory("directory").unwrap();
    assert_ne!(
        root.stat("directory").unwrap().inode,
        directory.metadata().unwrap().inode
    );
}

// ---------------------------------------------------------------------------------------
// Access modes.

pub fn access_modes_are_enforced(root: &dyn Directory) {
    write_file(root, "file", b"data");
    let reader = root.open_file("file", &read_only()).unwrap();
    let mut buffer = [0u8; 4];
    assert_eq!(reader.read_at(0, &mut buffer).unwrap(), 4);
    assert_eq!(error(reader.write_at(0, b"x")), FsError::PermissionDenied);
    assert_eq!(error(reader.append(b"x")), FsError::PermissionDenied);
    assert_eq!(error(reader.set_len(0)), FsError::PermissionDenied);
    reader
        .set_times(TimeChange::At(OTHER), TimeChange::At(OTHER))
        .unwrap();
    let writer = root.open_file("file", &write_only()).unwrap();
    assert_eq!(
        error(writer.read_at(0, &mut buffer)),
        FsError::PermissionDenied
    );
    assert_eq!(writer.write_at(0, b"DA").unwrap(), 2);
    let neither = root.open_file("file", &OpenOptions::default()).unwrap();
    assert_eq!(
        error(neither.read_at(0, &mut buffer)),
        FsError::PermissionDenied
    );
    assert_eq!(error(neither.write_at(0, b"x")), FsError::PermissionDenied);
    assert_eq!(neither.metadata().unwrap().size, 4);
    assert_eq!(read_file(root, "file"), b"DAta");
}

// ---------------------------------------------------------------------------------------
// Timestamps.

pub fn set_times_on_files_and_directories(root: &dyn Directory) {
    let file = root.open_file("file", &create()).unwrap();
    file.set_times(TimeChange::At(OLD), TimeChange::At(OTHER))
        .unwrap();
    let metadata = file.metadata().unwrap();
    assert_eq!((metadata.accessed, metadata.modified), (OLD, OTHER));
    file.set_times(TimeChange::Keep, TimeChange::At(OLD))
        .unwrap();
    let metadata = file.metadata().unwrap();
    assert_eq!((metadata.accessed, metadata.modified), (OLD, OLD));
    file.set_times(TimeChange::Now, TimeChange::Keep).unwrap();
    let metadata = file.metadata().unwrap();
    assert_ne!(metadata.accessed, OLD);
    assert_eq!(metadata.modified, OLD);
    // Keep + Keep changes nothing.
    file.set_times(TimeChange::Keep, TimeChange::Keep).unwrap();
    assert_eq!(file.metadata().unwrap(), metadata);

    root.set_times(TimeChange::At(OTHER), TimeChange::At(OLD))
        .unwrap();
    let metadata = root.metadata().unwrap();
    assert_eq!((metadata.accessed, metadata.modified), (OTHER, OLD));
    root.create_directory("directory").unwrap();
    root.set_times_at("directory", TimeChange::At(OLD), TimeChange::At(OTHER))
        .unwrap();
    let directory = root.open_directory("directory").unwrap();
    let metadata = directory.metadata().unwrap();
    assert_eq!((metadata.accessed, metadata.modified), (OLD, OTHER));
    directory
        .set_times(TimeChange::Keep, TimeChange::Now)
        .unwrap();
    assert_ne!(directory.metadata().unwrap().modified, OTHER);
}

pub fn writes_update_modification_times(root: &dyn Directory) {
    let file = root.open_file("file", &create()).unwrap();
    let reset = || {
        file.set_times(TimeChange::At(OLD), TimeChange::At(OLD))
            .unwrap()
    };
    reset();
    file.write_at(0, b"abc").unwrap();
    let metadata = file.metadata().unwrap();
    assert_ne!(metadata.modified, OLD);
    assert_ne!(metadata.changed, OLD);
    reset();
    file.append(b"d").unwrap();
    assert_ne!(file.metadata().unwrap().modified, OLD);
    reset();
    file.set_len(1).unwrap();
    assert_ne!(file.metadata().unwrap().modified, OLD);
    reset();
    let truncate = OpenOptions {
        truncate: true,
        ..read_write()
    };
    root.open_file("file", &truncate).unwrap();
    assert_ne!(file.metadata().unwrap().modified, OLD);
}

pub fn directory_times_follow_entry_changes(root: &dyn Directory) {
    let directory = subdirectory(root, "directory");
    let reset = || {
        directory
            .set_times(TimeChange::At(OLD), TimeChange::At(OLD))
            .unwrap();
        root.set_times(TimeChange::At(OLD), TimeChange::At(OLD))
            .unwrap();
    };
    let modified = |directory: &dyn Directory| directory.metadata().unwrap().modified;

    reset();
    write_file(&*directory, "file", b"x");
    assert_ne!(modified(&*directory), OLD, "create file");
    reset();
    directory.create_directory("sub").unwrap();
    assert_ne!(modified(&*directory), OLD, "create directory");
    reset();
    directory.symlink("file", "link").unwrap();
    assert_ne!(modified(&*directory), OLD, "symlink");
    reset();
    directory.hard_link("file", root, "hard").unwrap();
    assert_ne!(modified(root), OLD, "hard link target directory");
    reset();
    directory.rename("link", root, "link").unwrap();
    assert_ne!(modified(&*directory), OLD, "rename source directory");
    assert_ne!(modified(root), OLD, "rename target directory");
    reset();
    directory.remove_file("file").unwrap();
    assert_ne!(modified(&*directory), OLD, "remove file");
    reset();
    directory.remove_directory("sub").unwrap();
    assert_ne!(modified(&*directory), OLD, "remove directory");
}

// ---------------------------------------------------------------------------------------
// Identity.

pub fn metadata_identity(root: &dyn Directory) {
    let directory = subdirectory(root, "directory");
    write_file(root, "file", b"x");
    let root_metadata = root.metadata().unwrap();
    assert_eq!(root_metadata.file_type, FileType::Directory);
    let file = root.stat("file").unwrap();
    let directory_metadata = directory.metadata().unwrap();
    assert_eq!(file.device, root_metadata.device);
    assert_eq!(directory_metadata.device, root_metadata.device);
    assert_eq!(
        directory_metadata.inode,
        root.stat("directory").unwrap().inode
    );
    let inodes = [root_metadata.inode, file.inode, directory_metadata.inode];
    assert!(inodes[0] != inodes[1] && inodes[1] != inodes[2] && inodes[0] != inodes[2]);
    let opened = root.open_file("file", &read_only()).unwrap();
    assert_eq!(opened.metadata().unwrap().inode, file.inode);
}

pub fn handles_see_the_same_tree(root: &dyn Directory) {
    let first = subdirectory(root, "directory");
    let second = root.open_directory("directory").unwrap();
    write_file(&*first, "file", b"x");
    assert_eq!(names(&*second), ["file"]);
    assert_eq!(
        first.metadata().unwrap().inode,
        second.metadata().unwrap().inode
    );
    second.rename("file", &*first, "renamed").unwrap();
    assert_eq!(names(&*first), ["renamed"]);
}
