//! WASI preview1 constants and guest structures (layouts from `wasi_snapshot_preview1.witx`).

use vm_sandbox::guest_struct;

/// The import module name guests use.
pub const MODULE: &str = "wasi_snapshot_preview1";

/// `filetype`.
pub mod filetype {
    #![allow(missing_docs)]
    pub const UNKNOWN: u8 = 0;
    pub const BLOCK_DEVICE: u8 = 1;
    pub const CHARACTER_DEVICE: u8 = 2;
    pub const DIRECTORY: u8 = 3;
    pub const REGULAR_FILE: u8 = 4;
    pub const SOCKET_DGRAM: u8 = 5;
    pub const SOCKET_STREAM: u8 = 6;
    pub const SYMBOLIC_LINK: u8 = 7;
}

/// `rights` bits.
pub mod rights {
    #![allow(missing_docs)]
    pub const FD_DATASYNC: u64 = 1 << 0;
    pub const FD_READ: u64 = 1 << 1;
    pub const FD_SEEK: u64 = 1 << 2;
    pub const FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
    pub const FD_SYNC: u64 = 1 << 4;
    pub const FD_TELL: u64 = 1 << 5;
    pub const FD_WRITE: u64 = 1 << 6;
    pub const FD_ADVISE: u64 = 1 << 7;
    pub const FD_ALLOCATE: u64 = 1 << 8;
    pub const PATH_CREATE_DIRECTORY: u64 = 1 << 9;
    pub const PATH_CREATE_FILE: u64 = 1 << 10;
    pub const PATH_LINK_SOURCE: u64 = 1 << 11;
    pub const PATH_LINK_TARGET: u64 = 1 << 12;
    pub const PATH_OPEN: u64 = 1 << 13;
    pub const FD_READDIR: u64 = 1 << 14;
    pub const PATH_READLINK: u64 = 1 << 15;
    pub const PATH_RENAME_SOURCE: u64 = 1 << 16;
    pub const PATH_RENAME_TARGET: u64 = 1 << 17;
    pub const PATH_FILESTAT_GET: u64 = 1 << 18;
    pub const PATH_FILESTAT_SET_SIZE: u64 = 1 << 19;
    pub const PATH_FILESTAT_SET_TIMES: u64 = 1 << 20;
    pub const FD_FILESTAT_GET: u64 = 1 << 21;
    pub const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
    pub const FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
    pub const PATH_SYMLINK: u64 = 1 << 24;
    pub const PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
    pub const PATH_UNLINK_FILE: u64 = 1 << 26;
    pub const POLL_FD_READWRITE: u64 = 1 << 27;
    pub const SOCK_SHUTDOWN: u64 = 1 << 28;
    pub const SOCK_ACCEPT: u64 = 1 << 29;
    /// Every right defined by preview1.
    pub const ALL: u64 = (1 << 30) - 1;

    /// What a regular file can do at most.
    pub const FILE: u64 = FD_DATASYNC
        | FD_READ
        | FD_SEEK
        | FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_TELL
        | FD_WRITE
        | FD_ADVISE
        | FD_ALLOCATE
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_SIZE
        | FD_FILESTAT_SET_TIMES
        | POLL_FD_READWRITE;

    /// What a directory can do at most.
    pub const DIRECTORY: u64 = FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_ADVISE
        | PATH_CREATE_DIRECTORY
        | PATH_CREATE_FILE
        | PATH_LINK_SOURCE
        | PATH_LINK_TARGET
        | PATH_OPEN
        | FD_READDIR
        | PATH_READLINK
        | PATH_RENAME_SOURCE
        | PATH_RENAME_TARGET
        | PATH_FILESTAT_GET
        | PATH_FILESTAT_SET_SIZE
        | PATH_FILESTAT_SET_TIMES
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_TIMES
        | PATH_SYMLINK
        | PATH_REMOVE_DIRECTORY
        | PATH_UNLINK_FILE;

    /// The rights of a preopened directory, as wasmtime reports them (`0x7b7fe00`): what a
    /// directory can do, without the flag, sync, advice and set-size rights that only apply to
    /// files.
    pub const PREOPEN_BASE: u64 =
        DIRECTORY & !(FD_FDSTAT_SET_FLAGS | FD_SYNC | FD_ADVISE | PATH_FILESTAT_SET_SIZE);
    /// The inheriting rights of a preopened directory, as wasmtime reports them
    /// (`0xff7ffff`): everything but `path_filestat_set_size` and the socket rights.
    pub const PREOPEN_INHERITING: u64 =
        ALL & !(PATH_FILESTAT_SET_SIZE | SOCK_SHUTDOWN | SOCK_ACCEPT);

    /// What standard input can do. Without `FD_WRITE`, so that wasi-libc's `fcntl(F_GETFL)`
    /// (which derives the access mode from `FD_READ`/`FD_WRITE`) reports it read-only, as it
    /// does under wasmtime and WAMR; without `FD_FDSTAT_SET_FLAGS`, which stdio refuses.
    pub const STDIN: u64 = FD_READ | FD_FILESTAT_GET | POLL_FD_READWRITE;

    /// What standard output and standard error can do: as [`STDIN`], writing instead of
    /// reading (write-only for `fcntl(F_GETFL)`).
    pub const STDOUT: u64 = FD_WRITE | FD_FILESTAT_GET | POLL_FD_READWRITE;

    /// What a socket can do.
    pub const SOCKET: u64 = FD_READ
        | FD_WRITE
        | FD_FDSTAT_SET_FLAGS
        | FD_FILESTAT_GET
        | POLL_FD_READWRITE
        | SOCK_SHUTDOWN
        | SOCK_ACCEPT;
}

/// `fdflags` bits.
pub mod fdflags {
    #![allow(missing_docs)]
    pub const APPEND: u16 = 1 << 0;
    pub const DSYNC: u16 = 1 << 1;
    pub const NONBLOCK: u16 = 1 << 2;
    pub const RSYNC: u16 = 1 << 3;
    pub const SYNC: u16 = 1 << 4;
    pub const ALL: u16 = (1 << 5) - 1;
}

/// `oflags` bits.
pub mod oflags {
    #![allow(missing_docs)]
    pub const CREAT: u16 = 1 << 0;
    pub const DIRECTORY: u16 = 1 << 1;
    pub const EXCL: u16 = 1 << 2;
    pub const TRUNC: u16 = 1 << 3;
    pub const ALL: u16 = (1 << 4) - 1;
}

/// `lookupflags` bits.
pub mod lookupflags {
    #![allow(missing_docs)]
    pub const SYMLINK_FOLLOW: u32 = 1 << 0;
}

/// `fstflags` bits.
pub mod fstflags {
    #![allow(missing_docs)]
    pub const ATIM: u16 = 1 << 0;
    pub const ATIM_NOW: u16 = 1 << 1;
    pub const MTIM: u16 = 1 << 2;
    pub const MTIM_NOW: u16 = 1 << 3;
    pub const ALL: u16 = (1 << 4) - 1;
}

/// `whence`.
pub mod whence {
    #![allow(missing_docs)]
    pub const SET: u8 = 0;
    pub const CUR: u8 = 1;
    pub const END: u8 = 2;
}

/// `clockid`.
pub mod clockid {
    #![allow(missing_docs)]
    pub const REALTIME: u32 = 0;
    pub const MONOTONIC: u32 = 1;
    pub const PROCESS_CPUTIME_ID: u32 = 2;
    pub const THREAD_CPUTIME_ID: u32 = 3;
}

/// `eventtype`.
pub mod eventtype {
    #![allow(missing_docs)]
    pub const CLOCK: u8 = 0;
    pub const FD_READ: u8 = 1;
    pub const FD_WRITE: u8 = 2;
}

/// `subclockflags` bits.
pub mod subclockflags {
    #![allow(missing_docs)]
    pub const ABSTIME: u16 = 1 << 0;
}

/// `riflags`, `roflags`, `sdflags` bits for sockets.
pub mod sockflags {
    #![allow(missing_docs)]
    pub const RECV_PEEK: u16 = 1 << 0;
    pub const RECV_WAITALL: u16 = 1 << 1;
    pub const RECV_DATA_TRUNCATED: u16 = 1 << 0;
    pub const SHUT_RD: u8 = 1 << 0;
    pub const SHUT_WR: u8 = 1 << 1;
}

/// `preopentype`.
pub const PREOPENTYPE_DIR: u8 = 0;

guest_struct! {
    /// `fdstat`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Fdstat {
        /// `filetype`.
        pub fs_filetype: u8 = 0,
        /// `fdflags`.
        pub fs_flags: u16 = 2,
        /// `rights` (base).
        pub fs_rights_base: u64 = 8,
        /// `rights` (inheriting).
        pub fs_rights_inheriting: u64 = 16,
    } size 24, align 8

    /// `filestat`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Filestat {
        /// Device.
        pub dev: u64 = 0,
        /// Inode.
        pub ino: u64 = 8,
        /// `filetype`.
        pub filetype: u8 = 16,
        /// Hard links.
        pub nlink: u64 = 24,
        /// Size.
        pub size: u64 = 32,
        /// Access time.
        pub atim: u64 = 40,
        /// Modification time.
        pub mtim: u64 = 48,
        /// Status change time.
        pub ctim: u64 = 56,
    } size 64, align 8

    /// `prestat` (only the `dir` variant exists).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Prestat {
        /// `preopentype` tag.
        pub tag: u8 = 0,
        /// Length of the directory name.
        pub pr_name_len: u32 = 4,
    } size 8, align 4

    /// `dirent` header (the name follows it, not NUL-terminated).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Dirent {
        /// Cookie of the next entry.
        pub d_next: u64 = 0,
        /// Inode.
        pub d_ino: u64 = 8,
        /// Name length.
        pub d_namlen: u32 = 16,
        /// `filetype`.
        pub d_type: u8 = 20,
    } size 24, align 8

    /// `subscription` (the union is decoded by `poll_oneoff` from the raw bytes).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Subscription {
        /// User data echoed in the event.
        pub userdata: u64 = 0,
        /// `eventtype` tag.
        pub tag: u8 = 8,
        /// Clock: `clockid`; fd events: the fd.
        pub id_or_fd: u32 = 16,
        /// Clock: timeout.
        pub timeout: u64 = 24,
        /// Clock: precision.
        pub precision: u64 = 32,
        /// Clock: `subclockflags`.
        pub flags: u16 = 40,
    } size 48, align 8

    /// `event`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Event {
        /// User data of the subscription.
        pub userdata: u64 = 0,
        /// `errno`.
        pub error: u16 = 8,
        /// `eventtype`.
        pub kind: u8 = 10,
        /// fd events: bytes available.
        pub nbytes: u64 = 16,
        /// fd events: `eventrwflags`.
        pub flags: u16 = 24,
    } size 32, align 8
}
