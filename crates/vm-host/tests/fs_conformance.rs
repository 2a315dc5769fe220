//! The shared file-system behaviour suite (`suite/mod.rs`), run against every adapter.

mod suite;

/// A fresh, empty root directory and whatever must outlive it.
struct Fixture {
    root: Box<dyn vm_host::fs::Directory>,
    _keep: Box<dyn std::any::Any>,
}

/// The in-memory file system, with a clock standing at 2023-11-14.
mod memfs {
    use std::sync::Arc;
    use vm_host::clock::ManualClock;
    use vm_host::memfs::MemoryFileSystem;

    fn fixture() -> super::Fixture {
        let clock = Arc::new(ManualClock::new(1_700_000_000_000_000_000));
        let file_system = MemoryFileSystem::with_clock(clock);
        super::Fixture {
            root: file_system.root(),
            _keep: Box::new(file_system),
        }
    }

    crate::conformance_tests!(fixture());
}

/// The host file system, in a fresh temporary directory.
#[cfg(all(feature = "std", unix))]
mod host {
    use vm_host::host::HostDirectory;

    fn fixture() -> super::Fixture {
        let temporary = tempfile::tempdir().unwrap();
        let root = HostDirectory::open(temporary.path()).unwrap();
        super::Fixture {
            root: Box::new(root),
            _keep: Box::new(temporary),
        }
    }

    crate::conformance_tests!(fixture());
}
