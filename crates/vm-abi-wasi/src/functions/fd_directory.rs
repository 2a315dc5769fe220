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

use vm_core::{DefineError, GuestMemory, Linker};
use vm_host::fs::FileType;
use vm_sandbox::GuestValue;

use super::abi::{check_out, wasi_filetype};
use crate::call;
use crate::context::{Resource, WasiContext};
use crate::errno::{Errno, WasiResult};
use crate::types::{Dirent, MODULE, rights};

/// Size of the `dirent` header in guest memory.
const DIRENT_SIZE: usize = Dirent::SIZE as usize;

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

/// Writes `dirent`s into the guest buffer, cutting the last one at the end.
struct DirentWriter<'a, 'm> {
    memory: &'a mut GuestMemory<'m>,
    /// Where the next byte goes.
    offset: u32,
    /// Bytes left in the guest buffer.
    remaining: u32,
}

impl DirentWriter<'_, '_> {
    /// Writes as much of `bytes` as fits; returns `false` once the buffer is full.
    fn put(&mut self, bytes: &[u8]) -> WasiResult<bool> {
        let count = u32::try_from(bytes.len())
            .unwrap_or(u32::MAX)
            .min(self.remaining);
        let part = bytes.get(..count as usize).unwrap_or(bytes);
        self.memory.write_bytes(self.offset, part)?;
        // The range was just validated inside guest memory, so this cannot wrap; `Fault`
        // keeps it total anyway.
        self.offset = self.offset.checked_add(count).ok_or(Errno::Fault)?;
        self.remaining -= count;
        Ok(self.remaining > 0)
    }

    /// Writes one entry; returns `false` once the buffer is full.
    fn entry(
        &mut self,
        next: u64,
        inode: u64,
        file_type: FileType,
        name: &str,
    ) -> WasiResult<bool> {
        let header = Dirent {
            d_next: next,
            d_ino: inode,
            d_namlen: u32::try_from(name.len()).map_err(|_| Errno::Overflow)?,
            d_type: wasi_filetype(file_type),
        };
        let mut bytes = [0u8; DIRENT_SIZE];
        header.encode(&mut bytes);
        Ok(self.put(&bytes)? && self.put(name.as_bytes())?)
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
    let descriptor = wasi.descriptors.get(fd)?;
    let Resource::Directory(open) = &descriptor.resource else {
        return Err(Errno::BadFileDescriptor);
    };
    descriptor.require(rights::FD_READDIR)?;
    check_out::<u32>(memory, used)?;
    let directory = open.directory.clone();
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
    let mut writer = DirentWriter {
        memory,
        offset: buf,
        remaining: buf_len,
    };
    if buf_len > 0 {
        for (index, (name, inode, file_type)) in listing.enumerate().skip(skip) {
            let next = u64::try_from(index).unwrap_or(u64::MAX).saturating_add(1);
            if !writer.entry(next, inode, file_type, name)? {
                break;
            }
        }
    }
    let written = buf_len - writer.remaining;
    memory.write(used, &written)?;
    Ok(())
}
