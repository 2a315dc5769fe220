//! A directory that records what is asked of it, for tests of what the WASI layer asks of
//! its file-system adapter.

use std::any::Any;
use std::sync::{Arc, Mutex};

use vm_host::fs::{Directory, DirectoryEntry, File, FsError, Metadata, OpenOptions, TimeChange};

/// The operations asked of a directory, as `"operation name"` (a listing: `"entries"`).
pub type Log = Arc<Mutex<Vec<String>>>;

/// Forwards to a backend directory, logging the operations that name an entry and listings.
pub struct RecordingDirectory {
    inner: Arc<dyn Directory>,
    log: Log,
}

impl RecordingDirectory {
    /// `inner` seen through a recorder, and the log it writes to.
    pub fn new(inner: Arc<dyn Directory>) -> (Self, Log) {
        let log = Log::default();
        (
            Self {
                inner,
                log: log.clone(),
            },
            log,
        )
    }

    fn record(&self, operation: &str, name: &str) {
        self.log
            .lock()
            .expect("log lock")
            .push(format!("{operation} {name}"));
    }
}

impl Directory for RecordingDirectory {
    fn as_any(&self) -> &dyn Any {
        self.inner.as_any()
    }
    fn metadata(&self) -> Result<Metadata, FsError> {
        self.inner.metadata()
    }
    fn set_times(&self, accessed: TimeChange, modified: TimeChange) -> Result<(), FsError> {
        self.inner.set_times(accessed, modified)
    }
    fn sync(&self) -> Result<(), FsError> {
        self.inner.sync()
    }
    fn entries(&self) -> Result<Vec<DirectoryEntry>, FsError> {
        self.log.lock().expect("log lock").push("entries".into());
        self.inner.entries()
    }
    fn stat(&self, name: &str) -> Result<Metadata, FsError> {
        self.record("stat", name);
        self.inner.stat(name)
    }
    fn set_times_at(
        &self,
        name: &str,
        accessed: TimeChange,
        modified: TimeChange,
    ) -> Result<(), FsError> {
        self.record("set_times_at", name);
        self.inner.set_times_at(name, accessed, modified)
    }
    fn open_directory(&self, name: &str) -> Result<Box<dyn Directory>, FsError> {
        self.record("open_directory", name);
        self.inner.open_directory(name)
    }
    fn open_file(&self, name: &str, options: &OpenOptions) -> Result<Box<dyn File>, FsError> {
        self.record("open_file", name);
        self.inner.open_file(name, options)
    }
    fn create_directory(&self, name: &str) -> Result<(), FsError> {
        self.record("create_directory", name);
        self.inner.create_directory(name)
    }
    fn remove_directory(&self, name: &str) -> Result<(), FsError> {
        self.record("remove_directory", name);
        self.inner.remove_directory(name)
    }
    fn remove_file(&self, name: &str) -> Result<(), FsError> {
        self.record("remove_file", name);
        self.inner.remove_file(name)
    }
    fn read_link(&self, name: &str) -> Result<String, FsError> {
        self.record("read_link", name);
        self.inner.read_link(name)
    }
    fn symlink(&self, target: &str, name: &str) -> Result<(), FsError> {
        self.record("symlink", name);
        self.inner.symlink(target, name)
    }
    fn hard_link(
        &self,
        name: &str,
        new_directory: &dyn Directory,
        new_name: &str,
    ) -> Result<(), FsError> {
        self.record("hard_link", name);
        self.inner.hard_link(name, new_directory, new_name)
    }
    fn rename(
        &self,
        name: &str,
        new_directory: &dyn Directory,
        new_name: &str,
    ) -> Result<(), FsError> {
        self.record("rename", name);
        self.inner.rename(name, new_directory, new_name)
    }
}

/// The operations logged since the last call, emptying the log.
pub fn take(log: &Log) -> Vec<String> {
    std::mem::take(&mut *log.lock().expect("log lock"))
}
