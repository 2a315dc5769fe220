//! Decoding of preview1 argument types and encoding of results, shared by the function groups.

use vm_host::fs::{FileType, Metadata, TimeChange};
use vm_sandbox::{GuestMemory, GuestValue};

use crate::errno::{Errno, WasiResult};
use crate::types::{Filestat, filetype, rights};

/// Decodes `u16` flags passed as an `i32`: `EOVERFLOW` if the value does not fit 16 bits
/// (wiggle converts with `u16::try_from`), `EINVAL` for a bit outside `all`.
pub(super) fn decode_flags16(value: u32, all: u16) -> WasiResult<u16> {
    let flags = u16::try_from(value).map_err(|_| Errno::Overflow)?;
    if flags & !all != 0 {
        return Err(Errno::Invalid);
    }
    Ok(flags)
}

/// Decodes `rights` (a `u64` passed as an `i64`): negative → `EOVERFLOW`, an undefined bit
/// → `EINVAL`.
pub(super) fn decode_rights(value: u64) -> WasiResult<u64> {
    if i64::try_from(value).is_err() {
        return Err(Errno::Overflow);
    }
    if value & !rights::ALL != 0 {
        return Err(Errno::Invalid);
    }
    Ok(value)
}

/// One timestamp of a `set_times` call: both a time and "now" is `EINVAL`.
pub(super) fn time_change(set: bool, now: bool, time: u64) -> WasiResult<TimeChange> {
    match (set, now) {
        (true, true) => Err(Errno::Invalid),
        (true, false) => Ok(TimeChange::At(time)),
        (false, true) => Ok(TimeChange::Now),
        (false, false) => Ok(TimeChange::Keep),
    }
}

/// Fails with `EFAULT` (or `EINVAL` when misaligned) unless a `T` can be written at
/// `pointer`; nothing is written, so checking before an operation leaves guest memory
/// untouched on failure.
pub(super) fn check_out<T: GuestValue>(memory: &GuestMemory<'_>, pointer: u32) -> WasiResult {
    memory.read::<T>(pointer)?;
    Ok(())
}

/// The WASI `filetype` of an adapter file type.
pub(super) fn wasi_filetype(file_type: FileType) -> u8 {
    match file_type {
        FileType::Unknown => filetype::UNKNOWN,
        FileType::BlockDevice => filetype::BLOCK_DEVICE,
        FileType::CharacterDevice => filetype::CHARACTER_DEVICE,
        FileType::Directory => filetype::DIRECTORY,
        FileType::RegularFile => filetype::REGULAR_FILE,
        FileType::SymbolicLink => filetype::SYMBOLIC_LINK,
    }
}

/// The guest `filestat` of adapter metadata (the same fields `fd_filestat_get` and
/// `path_filestat_get` report, so `ino`/`dev` compare equal between the two).
pub(super) fn filestat(metadata: &Metadata) -> Filestat {
    Filestat {
        dev: metadata.device,
        ino: metadata.inode,
        filetype: wasi_filetype(metadata.file_type),
        nlink: metadata.link_count,
        size: metadata.size,
        atim: metadata.accessed,
        mtim: metadata.modified,
        ctim: metadata.changed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_that_do_not_fit_overflow_and_undefined_bits_are_invalid() {
        assert_eq!(decode_flags16(0x1_0000, 0x1f), Err(Errno::Overflow));
        assert_eq!(decode_flags16(0x20, 0x1f), Err(Errno::Invalid));
        assert_eq!(decode_flags16(0x11, 0x1f), Ok(0x11));
        assert_eq!(decode_rights(1 << 63), Err(Errno::Overflow));
        assert_eq!(decode_rights(1 << 30), Err(Errno::Invalid));
    }

    #[test]
    fn time_changes() {
        assert_eq!(time_change(true, true, 1), Err(Errno::Invalid));
        assert_eq!(time_change(true, false, 7), Ok(TimeChange::At(7)));
        assert_eq!(time_change(false, true, 7), Ok(TimeChange::Now));
        assert_eq!(time_change(false, false, 7), Ok(TimeChange::Keep));
    }
}
