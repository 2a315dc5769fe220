//! `fd_readdir`: directory listings with cookies.
//!
//! The listing is `.` and `..` first, then the adapter's entries in its stable order
//! ([`Directory::entries`](vm_host::fs::Directory::entries)), as wasmtime does. Entry `i`
//! (counting from 0 = `.`) carries `d_next = i + 1`, so a cookie is the index of the next
//! entry to return, and a call with cookie `c` skips the first `c` entries. Both `.` and
//! `..` are reported as directories with the inode of the directory itself (wasmtime does
//! the same for `..`: a descriptor cannot look above itself), so `.`'s `d_ino` equals
//! `fd_filestat_get`'s `ino` (`preview1_fd_readdir`).
//!
//! Each entry is a 24-byte `dirent` header followed by the name (no NUL). The buffer is
//! filled in order and the last entry is cut at `buf_len` — header or name — as the spec
//! says; `bufused == buf_len` tells the guest to call again with the last complete entry's
//! `d_next`. A cookie past the end gives an empty listing (`bufused = 0`), on every host
//! width. Anything but an open directory is `EBADF` (wasmtime's `get_dir_fd`).
//!
//! # The listing kept between calls
//!
//! A guest lists a directory in buffer-sized pieces (wasi-libc and Rust's `std` use a few KiB),
//! so asking the adapter for the whole listing on every call and skipping to the cookie makes
//! one listing of `n` entries cost `n²` work. Instead each open directory keeps a
//! [`DirectoryListing`]: a window of the listing, already encoded as the guest receives it,
//! taken from the adapter when the guest starts at cookie 0 (`rewinddir`), when there is none,
//! or when the cookie lies outside the window; later calls copy from it.
//!
//! - **Freshness.** Cookie 0 always lists the directory again, so entries added or removed
//!   before a rewind show up. Between a rewind and the end of the listing the guest sees the
//!   directory as it was at the rewind: POSIX leaves it unspecified whether `readdir` reports
//!   entries added or removed after the last `opendir`/`rewinddir`.
//! - **Memory.** A window holds at most [`DirectoryListing::MAX_WINDOW_BYTES`] (64 KiB) of
//!   heap, entries and offsets, or one entry if a single entry is larger. A longer listing is
//!   served window after window (the adapter lists the directory once per window), so an
//!   instance keeps at most one window per open directory descriptor, and the descriptor
//!   table's limit bounds the total. A window is dropped as soon as a call reaches the end of
//!   the listing (the usual case: guests list to the end), when the guest closes the
//!   descriptor, and replaced on a rewind. It is ordinary heap, like the adapter's listing
//!   (`Vec<DirectoryEntry>`, larger than the window), which exists only while a window is
//!   taken. [`DirectoryListing::cached_bytes`] tells an embedder what a descriptor keeps.

use alloc::vec::Vec;

use vm_core::{DefineError, GuestMemory, Linker};
use vm_host::fs::{Directory, FileType};
use vm_sandbox::GuestValue;

use super::abi::{check_out, wasi_filetype};
use crate::call;
use crate::context::{Resource, WasiContext};
use crate::errno::{Errno, WasiResult};
use crate::types::{Dirent, MODULE, rights};

/// Size of the `dirent` header in guest memory.
const DIRENT_SIZE: usize = Dirent::SIZE as usize;
/// Every how many entries a window records where an entry starts.
const CHECKPOINT_STRIDE: usize = 32;
/// The size of one such record.
const CHECKPOINT_SIZE: usize = core::mem::size_of::<u32>();

/// Registers `fd_readdir`.
pub(super) fn define(linker: &mut Linker) -> Result<(), DefineError> {
    linker.define(
        MODULE,
        "fd_readdir",
        |context, (fd, buf, buf_len, cookie, used): (u32, u32, u32, u64, u32)| {
            call(context, |memory, wasi| {
                fd_readdir(memory, wasi, fd, buf, buf_len, cookie, used)
            })
        },
    )?;
    Ok(())
}

/// What `fd_readdir` keeps of one open directory's listing between calls (see the module
/// documentation): a window of entries encoded as `dirent`s, or nothing.
#[derive(Default)]
pub struct DirectoryListing {
    window: Option<Window>,
}

impl DirectoryListing {
    /// The most heap bytes a listing keeps, encoded entries and offsets (a window always
    /// holds at least one entry, however long its name). 64 KiB holds about 2200 entries with
    /// 5-byte names, so common directories are listed once per pass, larger ones once per
    /// window.
    pub const MAX_WINDOW_BYTES: usize = 64 * 1024;

    /// The heap bytes currently kept: the encoded entries and the offsets of every 32nd (0
    /// without a window).
    pub fn cached_bytes(&self) -> usize {
        self.window.as_ref().map_or(0, Window::heap_bytes)
    }

    /// The window serving `cookie`: the kept one when it covers `cookie` (and the guest is not
    /// rewinding), otherwise a new one taken from the adapter.
    fn window_at(&mut self, directory: &dyn Directory, cookie: u64) -> WasiResult<&Window> {
        let reusable = cookie != 0
            && self
                .window
                .as_ref()
                .is_some_and(|window| window.serves(cookie));
        if !reusable {
            // Drop the old window before listing, so both never exist at once.
            self.window = None;
            self.window = Some(Window::take(directory, cookie)?);
        }
        // Just set or checked above; `Fault` keeps the function total.
        self.window.as_ref().ok_or(Errno::Fault)
    }
}

/// A run of consecutive listing entries, encoded as the guest receives them.
struct Window {
    /// The cookie (index in the listing, `.` being 0) of the first entry.
    first: u64,
    /// How many entries the window holds.
    count: u64,
    /// Where entries `first`, `first + CHECKPOINT_STRIDE`, … start in `encoded`: a call finds
    /// its cookie's entry by walking at most `CHECKPOINT_STRIDE - 1` headers from there,
    /// which keeps the index at 4 bytes per `CHECKPOINT_STRIDE` entries.
    checkpoints: Vec<u32>,
    /// The entries' `dirent` headers, each followed by its name.
    encoded: Vec<u8>,
    /// Whether the last entry is the last of the listing (or the window is past the end).
    complete: bool,
}

impl Window {
    /// Lists `directory` and encodes its entries from `cookie` on, up to
    /// [`DirectoryListing::MAX_WINDOW_BYTES`].
    fn take(directory: &dyn Directory, cookie: u64) -> WasiResult<Self> {
        let own_inode = directory.metadata()?.inode;
        let entries = directory.entries()?;
        let dots = [(".", own_inode), ("..", own_inode)]
            .into_iter()
            .map(|(name, inode)| (name, inode, FileType::Directory));
        let listing = dots.chain(
            entries
                .iter()
                .map(|entry| (entry.name.as_str(), entry.inode, entry.file_type)),
        );
        // A cookie that does not fit `usize` is past any listing this host can hold.
        let skip = usize::try_from(cookie).unwrap_or(usize::MAX);

        // Measure first, so the window is allocated once at its exact size: what it holds is
        // what `cached_bytes` reports, without a growth reserve.
        let mut count = 0usize;
        let mut encoded_size = 0usize;
        let mut complete = true;
        for (name, _, _) in listing.clone().skip(skip) {
            let entry_size = DIRENT_SIZE.saturating_add(name.len());
            let checkpoints = (count + 1).div_ceil(CHECKPOINT_STRIDE);
            let heap = encoded_size
                .saturating_add(entry_size)
                .saturating_add(checkpoints.saturating_mul(CHECKPOINT_SIZE));
            if count > 0 && heap > DirectoryListing::MAX_WINDOW_BYTES {
                complete = false;
                break;
            }
            count += 1;
            encoded_size = encoded_size.saturating_add(entry_size);
        }
        let mut window = Self {
            first: cookie,
            count: 0,
            checkpoints: Vec::new(),
            encoded: Vec::new(),
            complete,
        };
        window
            .encoded
            .try_reserve_exact(encoded_size)
            .map_err(|_| Errno::NoMemory)?;
        window
            .checkpoints
            .try_reserve_exact(count.div_ceil(CHECKPOINT_STRIDE))
            .map_err(|_| Errno::NoMemory)?;
        for (index, (name, inode, file_type)) in listing.enumerate().skip(skip).take(count) {
            let next = u64::try_from(index).unwrap_or(u64::MAX).saturating_add(1);
            window.push(next, inode, file_type, name)?;
        }
        Ok(window)
    }

    /// Appends one entry (room was reserved by [`Window::take`]).
    fn push(&mut self, next: u64, inode: u64, file_type: FileType, name: &str) -> WasiResult {
        let header = Dirent {
            d_next: next,
            d_ino: inode,
            d_namlen: u32::try_from(name.len()).map_err(|_| Errno::Overflow)?,
            d_type: wasi_filetype(file_type),
        };
        if self.count.is_multiple_of(CHECKPOINT_STRIDE as u64) {
            let start = u32::try_from(self.encoded.len()).map_err(|_| Errno::Overflow)?;
            self.checkpoints.push(start);
        }
        let mut bytes = [0u8; DIRENT_SIZE];
        header.encode(&mut bytes);
        self.encoded.extend_from_slice(&bytes);
        self.encoded.extend_from_slice(name.as_bytes());
        self.count += 1;
        Ok(())
    }

    /// The heap bytes the window holds.
    fn heap_bytes(&self) -> usize {
        self.encoded
            .capacity()
            .saturating_add(self.checkpoints.capacity().saturating_mul(CHECKPOINT_SIZE))
    }

    /// The cookie of the entry after the window.
    fn end(&self) -> u64 {
        self.first.saturating_add(self.count)
    }

    /// Whether a call at `cookie` can be answered from this window: `cookie` names one of its
    /// entries, or the end of a complete listing.
    fn serves(&self, cookie: u64) -> bool {
        cookie >= self.first && (cookie < self.end() || (cookie == self.end() && self.complete))
    }

    /// The encoded entries from `cookie` (which the window serves) to the window's end.
    fn from(&self, cookie: u64) -> &[u8] {
        let start = self.offset_of(cookie).unwrap_or(self.encoded.len());
        self.encoded.get(start..).unwrap_or_default()
    }

    /// Where the entry `cookie` starts in `encoded` (`None` past the window's entries).
    fn offset_of(&self, cookie: u64) -> Option<usize> {
        let index = usize::try_from(cookie.checked_sub(self.first)?).ok()?;
        if u64::try_from(index).ok()? >= self.count {
            return None;
        }
        let mut offset = *self.checkpoints.get(index / CHECKPOINT_STRIDE)? as usize;
        for _ in 0..index % CHECKPOINT_STRIDE {
            // Headers are ours: `d_namlen` is the little-endian `u32` at offset 16.
            let length = self.encoded.get(offset + 16..offset + 20)?;
            let name_length = u32::from_le_bytes(length.try_into().ok()?) as usize;
            offset = offset.checked_add(DIRENT_SIZE)?.checked_add(name_length)?;
        }
        Some(offset)
    }
}

/// `fd_readdir`.
fn fd_readdir(
    memory: &mut GuestMemory<'_>,
    wasi: &mut WasiContext,
    fd: u32,
    buf: u32,
    buf_len: u32,
    cookie: u64,
    used: u32,
) -> WasiResult {
    let descriptor = wasi.descriptors.get_mut(fd)?;
    if !matches!(descriptor.resource, Resource::Directory(_)) {
        return Err(Errno::BadFileDescriptor);
    }
    descriptor.require(rights::FD_READDIR)?;
    check_out::<u32>(memory, used)?;
    let Resource::Directory(open) = &mut descriptor.resource else {
        return Err(Errno::BadFileDescriptor);
    };

    let mut offset = buf;
    let mut remaining = buf_len;
    let mut cookie = cookie;
    // An empty buffer needs no listing: the answer is `bufused = 0` either way.
    while remaining > 0 {
        let window = open.listing.window_at(&*open.directory, cookie)?;
        let bytes = window.from(cookie);
        // The last entry is cut at the buffer's end, header or name, as the spec says.
        let count = u32::try_from(bytes.len())
            .unwrap_or(u32::MAX)
            .min(remaining);
        let part = bytes.get(..count as usize).unwrap_or(bytes);
        memory.write_bytes(offset, part)?;
        // The range was just validated inside guest memory, so this cannot wrap; `Fault`
        // keeps it total anyway.
        offset = offset.checked_add(count).ok_or(Errno::Fault)?;
        remaining -= count;
        if remaining > 0 {
            if window.complete {
                // The guest sees the end of the listing (`bufused < buf_len`) and will not
                // ask for more: release the window now rather than at `fd_close`.
                open.listing = DirectoryListing::default();
                break;
            }
            cookie = window.end();
        }
    }
    let written = buf_len - remaining;
    memory.write(used, &written)?;
    Ok(())
}
