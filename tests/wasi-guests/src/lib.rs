//! Helpers shared by the WASI test programs.

use std::io;

/// The WASI errno behind an I/O error (std on wasm32-wasip1 reports WASI errno numbers).
pub fn errno(error: &io::Error) -> i32 {
    error.raw_os_error().unwrap_or(-1)
}

/// Asserts that `result` failed with WASI errno `expected`.
#[track_caller]
pub fn expect_errno<T: std::fmt::Debug>(result: io::Result<T>, expected: i32, what: &str) {
    match result {
        Ok(value) => panic!("{what}: expected errno {expected}, got Ok({value:?})"),
        Err(error) => assert_eq!(errno(&error), expected, "{what}: {error}"),
    }
}

/// WASI errno numbers used by the programs.
pub mod errno {
    pub const BADF: i32 = 8;
    pub const EXIST: i32 = 20;
    pub const INVAL: i32 = 28;
    pub const ISDIR: i32 = 31;
    pub const LOOP: i32 = 32;
    pub const NOENT: i32 = 44;
    pub const NOTDIR: i32 = 54;
    pub const NOTEMPTY: i32 = 55;
    pub const PERM: i32 = 63;
    pub const NOTCAPABLE: i32 = 76;
}

#[link(wasm_import_module = "wasi_snapshot_preview1")]
unsafe extern "C" {
    fn path_symlink(old: *const u8, old_len: usize, fd: u32, new: *const u8, new_len: usize) -> u16;
}

/// Creates the symlink `link` (an absolute guest path under the preopen `/`, fd 3) pointing
/// to `target`, through the raw WASI call (std's wrapper is unstable).
pub fn symlink(target: &str, link: &str) -> io::Result<()> {
    let relative = link.trim_start_matches('/');
    // SAFETY: both pointers and lengths describe live strings; the host only reads them.
    let errno = unsafe { path_symlink(target.as_ptr(), target.len(), 3, relative.as_ptr(), relative.len()) };
    if errno == 0 { Ok(()) } else { Err(io::Error::from_raw_os_error(i32::from(errno))) }
}
