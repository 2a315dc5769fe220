//! The checked view of a guest's linear memory.

use core::fmt;
use core::marker::PhantomData;
use core::ops::Range;

use crate::error::{Result, SandboxError};
use crate::value::{GuestPtr, GuestValue};

/// A guest's linear memory, seen through bounds-, overflow- and alignment-checked accessors.
///
/// Every guest-supplied address and length is a `u32` (wasm32) and is validated with
/// arithmetic that cannot overflow before any byte is touched; a rejected access returns a
/// [`SandboxError`] and never panics. The memory size is a `usize`: a full 4 GiB memory does
/// not fit a `u32`, and on 32-bit hosts it cannot exist at all.
///
/// The view borrows the memory for `'a`. A guest's `memory.grow` may move or resize the
/// memory, so a view must not outlive the host call it was made for; build a new one after
/// anything that can run guest code.
pub struct GuestMemory<'a> {
    bytes: &'a mut [u8],
}

impl fmt::Debug for GuestMemory<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Guest memory can be megabytes; its contents are no use in a log line.
        f.debug_struct("GuestMemory")
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// Lossless on every target Rust supports (pointers are at most 64 bits); saturating keeps
/// the function total without an `as` cast.
#[inline]
fn usize_to_u64(value: usize) -> u64 {
    u64::try_from(value).unwrap_or(u64::MAX)
}

/// Checks that `offset` is a multiple of `alignment` (0 and 1 mean "no requirement").
#[inline]
fn check_alignment(offset: u32, alignment: u32) -> Result<()> {
    match offset.checked_rem(alignment) {
        Some(0) | None => Ok(()),
        Some(_) => Err(SandboxError::Misaligned { offset, alignment }),
    }
}

impl<'a> GuestMemory<'a> {
    /// A view of `bytes`, which the caller guarantees is the guest's whole linear memory.
    pub fn new(bytes: &'a mut [u8]) -> Self {
        Self { bytes }
    }

    /// Size of guest memory in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether guest memory has no bytes at all (a module without memory, or zero pages).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    fn out_of_bounds(&self, offset: u32, length: u64) -> SandboxError {
        SandboxError::OutOfBounds {
            offset,
            length,
            memory_size: self.bytes.len(),
        }
    }

    /// The host index range of `offset .. offset + length`, if it lies inside memory.
    #[inline]
    fn range_u64(&self, offset: u32, length: u64) -> Result<Range<usize>> {
        let error = || self.out_of_bounds(offset, length);
        let end = u64::from(offset).checked_add(length).ok_or_else(error)?;
        if end > usize_to_u64(self.bytes.len()) {
            return Err(error());
        }
        // Both fit: `end` is at most the memory size, which is a `usize`.
        let start = usize::try_from(offset).map_err(|_| error())?;
        let end = usize::try_from(end).map_err(|_| error())?;
        Ok(start..end)
    }

    /// Validates the byte range `offset .. offset + length` and returns it as host indices.
    ///
    /// The range may end exactly at the end of memory, and an empty range may start there;
    /// byte ranges have no alignment requirement.
    ///
    /// # Errors
    ///
    /// [`SandboxError::OutOfBounds`] if any byte of the range is outside memory.
    #[inline]
    pub fn check_range(&self, offset: u32, length: u32) -> Result<Range<usize>> {
        self.range_u64(offset, u64::from(length))
    }

    #[inline]
    fn slice(&self, offset: u32, length: u64) -> Result<&[u8]> {
        let range = self.range_u64(offset, length)?;
        self.bytes
            .get(range)
            .ok_or_else(|| self.out_of_bounds(offset, length))
    }

    #[inline]
    fn slice_mut(&mut self, offset: u32, length: u64) -> Result<&mut [u8]> {
        let range = self.range_u64(offset, length)?;
        let memory_size = self.bytes.len();
        self.bytes.get_mut(range).ok_or(SandboxError::OutOfBounds {
            offset,
            length,
            memory_size,
        })
    }

    /// The guest bytes `offset .. offset + length`.
    ///
    /// # Errors
    ///
    /// [`SandboxError::OutOfBounds`] as for [`check_range`](Self::check_range).
    #[inline]
    pub fn bytes(&self, offset: u32, length: u32) -> Result<&[u8]> {
        self.slice(offset, u64::from(length))
    }

    /// The guest bytes `offset .. offset + length`, writable.
    ///
    /// # Errors
    ///
    /// [`SandboxError::OutOfBounds`] as for [`check_range`](Self::check_range).
    #[inline]
    pub fn bytes_mut(&mut self, offset: u32, length: u32) -> Result<&mut [u8]> {
        self.slice_mut(offset, u64::from(length))
    }

    /// Copies `data` into guest memory at `offset`. Nothing is written if the call fails.
    ///
    /// # Errors
    ///
    /// [`SandboxError::OutOfBounds`] if the destination is outside memory, including when
    /// `data` is longer than any wasm32 range can be.
    #[inline]
    pub fn write_bytes(&mut self, offset: u32, data: &[u8]) -> Result<()> {
        let destination = self.slice_mut(offset, usize_to_u64(data.len()))?;
        // `slice_mut` returned exactly `data.len()` bytes; the check keeps this panic-free
        // by construction rather than by argument.
        if destination.len() == data.len() {
            destination.copy_from_slice(data);
        }
        Ok(())
    }

    /// Reads a `T` at `offset`, which must be naturally aligned for `T`.
    ///
    /// # Alignment rule
    ///
    /// Typed reads and writes require `offset % T::ALIGN == 0`, as wasmtime's `wiggle` does
    /// for WASI, which rejects misaligned pointers (WASI reports them as `EINVAL`). The guest
    /// ABI promises natural alignment for these values, so a misaligned pointer is a guest
    /// bug worth reporting rather than silently accepting. The host copy itself never needs
    /// alignment — the value is decoded from bytes — so [`read_unaligned`](Self::read_unaligned)
    /// exists for ABIs that make no alignment promise. Byte ranges and strings have no
    /// alignment requirement.
    ///
    /// # Errors
    ///
    /// [`SandboxError::OutOfBounds`] if the value's `T::SIZE` bytes are not all inside
    /// memory, otherwise [`SandboxError::Misaligned`] if `offset` is not aligned.
    pub fn read<T: GuestValue>(&self, offset: u32) -> Result<T> {
        let bytes = self.slice(offset, u64::from(T::SIZE))?;
        check_alignment(offset, T::ALIGN)?;
        Ok(T::decode(bytes))
    }

    /// Writes a `T` at `offset`, which must be naturally aligned for `T` (see
    /// [`read`](Self::read) for the alignment rule). Nothing is written if the call fails.
    ///
    /// # Errors
    ///
    /// As [`read`](Self::read).
    pub fn write<T: GuestValue>(&mut self, offset: u32, value: &T) -> Result<()> {
        let bytes = self.slice_mut(offset, u64::from(T::SIZE))?;
        check_alignment(offset, T::ALIGN)?;
        value.encode(bytes);
        Ok(())
    }

    /// Reads a `T` at `offset` without any alignment requirement.
    ///
    /// # Errors
    ///
    /// [`SandboxError::OutOfBounds`] if the value's bytes are not all inside memory.
    pub fn read_unaligned<T: GuestValue>(&self, offset: u32) -> Result<T> {
        self.slice(offset, u64::from(T::SIZE)).map(T::decode)
    }

    /// Writes a `T` at `offset` without any alignment requirement.
    ///
    /// # Errors
    ///
    /// [`SandboxError::OutOfBounds`] if the value's bytes are not all inside memory.
    pub fn write_unaligned<T: GuestValue>(&mut self, offset: u32, value: &T) -> Result<()> {
        let bytes = self.slice_mut(offset, u64::from(T::SIZE))?;
        value.encode(bytes);
        Ok(())
    }

    /// Reads the UTF-8 string of `length` bytes at `offset` (a pointer-and-length string, as
    /// WASI passes paths).
    ///
    /// # Errors
    ///
    /// In this order: [`SandboxError::StringTooLong`] if `length > max_length` (checked before
    /// memory is touched), [`SandboxError::OutOfBounds`], [`SandboxError::InvalidUtf8`].
    pub fn read_str(&self, offset: u32, length: u32, max_length: u32) -> Result<&str> {
        if length > max_length {
            return Err(SandboxError::StringTooLong {
                offset,
                length,
                max: max_length,
            });
        }
        let bytes = self.bytes(offset, length)?;
        core::str::from_utf8(bytes).map_err(|error| SandboxError::InvalidUtf8 {
            offset,
            valid_up_to: error.valid_up_to(),
        })
    }

    /// Reads the NUL-terminated UTF-8 string at `offset`, without its terminator.
    ///
    /// The terminator is searched for within the first `max_length` bytes (terminator
    /// included, so the string itself has at most `max_length - 1` bytes) and never past the
    /// end of memory.
    ///
    /// # Errors
    ///
    /// - [`SandboxError::OutOfBounds`] if `offset` is past the end of memory, or if memory
    ///   ends before either a NUL or `max_length` bytes were found (`length` is then the
    ///   smallest range that would have had room for the terminator).
    /// - [`SandboxError::MissingNul`] if the first `max_length` bytes contain no NUL.
    /// - [`SandboxError::InvalidUtf8`] if the bytes before the NUL are not UTF-8.
    pub fn read_c_str(&self, offset: u32, max_length: u32) -> Result<&str> {
        let rest = usize::try_from(offset)
            .ok()
            .and_then(|start| self.bytes.get(start..))
            .ok_or_else(|| self.out_of_bounds(offset, 0))?;
        let max = usize::try_from(max_length).unwrap_or(usize::MAX);
        let window = rest.get(..max).unwrap_or(rest);
        match window.iter().position(|&byte| byte == 0) {
            Some(nul) => {
                let bytes = window.get(..nul).unwrap_or(window);
                core::str::from_utf8(bytes).map_err(|error| SandboxError::InvalidUtf8 {
                    offset,
                    valid_up_to: error.valid_up_to(),
                })
            }
            // The window was cut short by the end of memory: the string runs off the end.
            None if window.len() < max => {
                Err(self.out_of_bounds(offset, usize_to_u64(window.len()).saturating_add(1)))
            }
            None => Err(SandboxError::MissingNul {
                offset,
                max: max_length,
            }),
        }
    }

    /// Validates an array of `count` values of `T` at `offset` and returns a handle to it.
    ///
    /// Nothing is copied or allocated: elements are decoded on access through the returned
    /// [`GuestArray`]. The array as a whole follows the alignment rule of
    /// [`read`](Self::read), so every element is aligned.
    ///
    /// # Errors
    ///
    /// In this order: [`SandboxError::ArrayTooLarge`] if `count * T::SIZE` does not fit a
    /// `u32`, [`SandboxError::OutOfBounds`], [`SandboxError::Misaligned`].
    pub fn array<T: GuestValue>(&self, offset: u32, count: u32) -> Result<GuestArray<T>> {
        let byte_len = count
            .checked_mul(T::SIZE)
            .ok_or(SandboxError::ArrayTooLarge {
                offset,
                count,
                element_size: T::SIZE,
            })?;
        self.range_u64(offset, u64::from(byte_len))?;
        check_alignment(offset, T::ALIGN)?;
        Ok(GuestArray {
            offset,
            len: count,
            byte_len,
            marker: PhantomData,
        })
    }
}

/// A validated array of `T` in guest memory: a guest address and an element count.
///
/// Made by [`GuestMemory::array`]. It does not borrow the memory, so it can be kept while
/// the memory is written; each access re-checks bounds against the memory it is given, so
/// using it with another (for example smaller) memory returns an error instead of reading
/// out of bounds.
pub struct GuestArray<T> {
    offset: u32,
    len: u32,
    byte_len: u32,
    marker: PhantomData<fn() -> T>,
}

impl<T: GuestValue> GuestArray<T> {
    /// Guest address of the first element.
    pub fn offset(&self) -> u32 {
        self.offset
    }

    /// Typed guest pointer to the first element.
    pub fn ptr(&self) -> GuestPtr<T> {
        GuestPtr::new(self.offset)
    }

    /// Number of elements.
    pub fn len(&self) -> u32 {
        self.len
    }

    /// Whether the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Size of the array in guest memory, in bytes (`len * T::SIZE`).
    pub fn byte_len(&self) -> u32 {
        self.byte_len
    }

    /// Guest pointer to element `index`.
    ///
    /// # Errors
    ///
    /// [`SandboxError::IndexOutOfBounds`] if `index >= len`.
    pub fn element(&self, index: u32) -> Result<GuestPtr<T>> {
        if index >= self.len {
            return Err(SandboxError::IndexOutOfBounds {
                index,
                len: self.len,
            });
        }
        self.ptr().add(index)
    }

    /// Reads element `index`.
    ///
    /// # Errors
    ///
    /// [`SandboxError::IndexOutOfBounds`], or the errors of [`GuestMemory::read`] if
    /// `memory` is not the memory the array was validated against.
    pub fn get(&self, memory: &GuestMemory<'_>, index: u32) -> Result<T> {
        memory.read(self.element(index)?.offset())
    }

    /// Writes element `index`.
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get).
    pub fn set(&self, memory: &mut GuestMemory<'_>, index: u32, value: &T) -> Result<()> {
        memory.write(self.element(index)?.offset(), value)
    }

    /// Iterates over the elements, decoding each one as it is reached.
    ///
    /// # Errors
    ///
    /// [`SandboxError::OutOfBounds`] if `memory` no longer holds the whole array.
    pub fn iter<'m>(&self, memory: &'m GuestMemory<'_>) -> Result<GuestArrayIter<'m, T>> {
        Ok(GuestArrayIter {
            bytes: memory.bytes(self.offset, self.byte_len)?,
            remaining: self.len,
            marker: PhantomData,
        })
    }
}

// Manual impls: derives would put needless bounds on `T`.
impl<T> Clone for GuestArray<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for GuestArray<T> {}

impl<T> PartialEq for GuestArray<T> {
    fn eq(&self, other: &Self) -> bool {
        (self.offset, self.len) == (other.offset, other.len)
    }
}

impl<T> Eq for GuestArray<T> {}

impl<T> fmt::Debug for GuestArray<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GuestArray")
            .field("offset", &self.offset)
            .field("len", &self.len)
            .finish()
    }
}

/// Iterator over the elements of a [`GuestArray`], made by [`GuestArray::iter`].
pub struct GuestArrayIter<'m, T> {
    bytes: &'m [u8],
    remaining: u32,
    marker: PhantomData<fn() -> T>,
}

impl<T: GuestValue> Iterator for GuestArrayIter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        // Counting elements rather than chunking bytes also handles zero-sized `T`.
        self.remaining = self.remaining.checked_sub(1)?;
        let size = usize::try_from(T::SIZE).unwrap_or(usize::MAX);
        let (element, rest) = self.bytes.split_at_checked(size)?;
        self.bytes = rest;
        Some(T::decode(element))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let remaining = usize::try_from(self.remaining).unwrap_or(usize::MAX);
        (remaining, Some(remaining))
    }
}

impl<T: GuestValue> ExactSizeIterator for GuestArrayIter<'_, T> {}

impl<T> fmt::Debug for GuestArrayIter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GuestArrayIter")
            .field("remaining", &self.remaining)
            .finish()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::value::Iovec;
    use alloc::vec;
    use alloc::vec::Vec;

    fn oob(offset: u32, length: u64, memory_size: usize) -> SandboxError {
        SandboxError::OutOfBounds {
            offset,
            length,
            memory_size,
        }
    }

    /// 16 bytes holding 0, 1, 2, ... 15.
    fn counting() -> Vec<u8> {
        (0u8..16).collect()
    }

    #[test]
    fn ranges_up_to_the_end_are_accepted_one_past_is_not() {
        let mut bytes = counting();
        let memory = GuestMemory::new(&mut bytes);
        assert_eq!(memory.len(), 16);
        assert!(!memory.is_empty());
        assert_eq!(memory.check_range(0, 16), Ok(0..16));
        assert_eq!(memory.check_range(10, 6), Ok(10..16));
        assert_eq!(memory.check_range(16, 0), Ok(16..16));
        assert_eq!(memory.check_range(10, 7), Err(oob(10, 7, 16)));
        assert_eq!(memory.check_range(17, 0), Err(oob(17, 0, 16)));
        assert_eq!(memory.check_range(16, 1), Err(oob(16, 1, 16)));
        assert_eq!(memory.bytes(14, 2), Ok(&[14u8, 15][..]));
        assert_eq!(memory.bytes(16, 0), Ok(&[][..]));
    }

    #[test]
    fn extreme_offsets_and_lengths_do_not_overflow() {
        let mut bytes = counting();
        let memory = GuestMemory::new(&mut bytes);
        assert_eq!(
            memory.check_range(u32::MAX, u32::MAX),
            Err(oob(u32::MAX, u64::from(u32::MAX), 16))
        );
        assert_eq!(memory.check_range(u32::MAX, 1), Err(oob(u32::MAX, 1, 16)));
        assert_eq!(
            memory.check_range(1, u32::MAX),
            Err(oob(1, u64::from(u32::MAX), 16))
        );
        assert_eq!(
            memory.check_range(0, u32::MAX),
            Err(oob(0, u64::from(u32::MAX), 16))
        );
        assert_eq!(
            memory.read::<u64>(u32::MAX - 7),
            Err(oob(u32::MAX - 7, 8, 16))
        );
        assert_eq!(
            memory.read_unaligned::<u64>(u32::MAX),
            Err(oob(u32::MAX, 8, 16))
        );
        assert_eq!(
            memory.read_c_str(u32::MAX, u32::MAX),
            Err(oob(u32::MAX, 0, 16))
        );
    }

    #[test]
    fn empty_memory_accepts_only_the_empty_range_at_zero() {
        let mut bytes: [u8; 0] = [];
        let mut memory = GuestMemory::new(&mut bytes);
        assert!(memory.is_empty());
        assert_eq!(memory.check_range(0, 0), Ok(0..0));
        assert_eq!(memory.check_range(0, 1), Err(oob(0, 1, 0)));
        assert_eq!(memory.check_range(1, 0), Err(oob(1, 0, 0)));
        assert_eq!(memory.read::<u8>(0), Err(oob(0, 1, 0)));
        assert_eq!(memory.write_bytes(0, &[]), Ok(()));
        assert_eq!(memory.write_bytes(0, &[1]), Err(oob(0, 1, 0)));
        assert_eq!(memory.read_str(0, 0, 0), Ok(""));
        assert_eq!(memory.read_c_str(0, 10), Err(oob(0, 1, 0)));
        assert!(memory.array::<u32>(0, 0).unwrap().is_empty());
    }

    #[test]
    fn bytes_mut_and_write_bytes_modify_only_the_range() {
        let mut bytes = counting();
        let mut memory = GuestMemory::new(&mut bytes);
        memory.bytes_mut(2, 2).unwrap().fill(0xFF);
        memory.write_bytes(14, &[0xAA, 0xBB]).unwrap();
        assert_eq!(memory.write_bytes(15, &[1, 2]), Err(oob(15, 2, 16)));
        assert_eq!(
            memory.bytes_mut(0, 17).map(|b| b.len()),
            Err(oob(0, 17, 16))
        );
        assert_eq!(
            bytes,
            [
                0, 1, 0xFF, 0xFF, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 0xAA, 0xBB
            ]
        );
    }

    #[test]
    fn typed_access_requires_natural_alignment() {
        let mut bytes = counting();
        let mut memory = GuestMemory::new(&mut bytes);
        assert_eq!(memory.read::<u32>(4), Ok(0x0706_0504));
        assert_eq!(memory.read::<u16>(14), Ok(0x0F0E));
        assert_eq!(memory.read::<u64>(8), Ok(0x0F0E_0D0C_0B0A_0908));
        assert_eq!(memory.read::<u8>(15), Ok(15));
        assert_eq!(memory.read::<i8>(3), Ok(3));
        for (offset, alignment) in [(1, 4), (2, 4), (3, 4)] {
            assert_eq!(
                memory.read::<u32>(offset),
                Err(SandboxError::Misaligned { offset, alignment })
            );
        }
        assert_eq!(
            memory.read::<u64>(4),
            Err(SandboxError::Misaligned {
                offset: 4,
                alignment: 8
            })
        );
        assert_eq!(
            memory.read::<f64>(4),
            Err(SandboxError::Misaligned {
                offset: 4,
                alignment: 8
            })
        );
        assert_eq!(
            memory.read::<GuestPtr<u8>>(6),
            Err(SandboxError::Misaligned {
                offset: 6,
                alignment: 4
            })
        );
        assert_eq!(
            memory.write(1, &0u16),
            Err(SandboxError::Misaligned {
                offset: 1,
                alignment: 2
            })
        );
        // Out of bounds is reported before misalignment.
        assert_eq!(memory.read::<u32>(15), Err(oob(15, 4, 16)));
        assert_eq!(memory.write(15, &0u32), Err(oob(15, 4, 16)));
        // A failed write leaves memory untouched.
        assert_eq!(memory.bytes(0, 16), Ok(&counting()[..]));
    }

    #[test]
    fn unaligned_variants_accept_any_offset() {
        let mut bytes = counting();
        let mut memory = GuestMemory::new(&mut bytes);
        assert_eq!(memory.read_unaligned::<u32>(1), Ok(0x0403_0201));
        assert_eq!(memory.read_unaligned::<u64>(8), Ok(0x0F0E_0D0C_0B0A_0908));
        assert_eq!(memory.read_unaligned::<u64>(9), Err(oob(9, 8, 16)));
        memory.write_unaligned(3, &0xDEAD_BEEFu32).unwrap();
        assert_eq!(memory.bytes(3, 4), Ok(&[0xEF, 0xBE, 0xAD, 0xDE][..]));
        assert_eq!(memory.write_unaligned(13, &0u32), Err(oob(13, 4, 16)));
        memory.write_unaligned(12, &0x1122_3344u32).unwrap();
        assert_eq!(memory.read::<u32>(12), Ok(0x1122_3344));
    }

    #[test]
    fn typed_write_then_read_round_trips() {
        let mut bytes = vec![0u8; 32];
        let mut memory = GuestMemory::new(&mut bytes);
        memory.write(0, &-2i64).unwrap();
        memory.write(8, &1.25f32).unwrap();
        memory.write(16, &Iovec { buf: 7, buf_len: 9 }).unwrap();
        GuestPtr::<u16>::new(24)
            .write(&mut memory, &0xBEEF)
            .unwrap();
        assert_eq!(memory.read::<i64>(0), Ok(-2));
        assert_eq!(memory.read::<f32>(8), Ok(1.25));
        assert_eq!(memory.read::<Iovec>(16), Ok(Iovec { buf: 7, buf_len: 9 }));
        assert_eq!(GuestPtr::<u16>::new(24).read(&memory), Ok(0xBEEF));
        assert_eq!(memory.bytes(24, 2), Ok(&[0xEF, 0xBE][..]));
    }

    #[test]
    fn read_str_checks_limit_bounds_and_utf8() {
        let mut bytes = vec![0u8; 16];
        bytes[..6].copy_from_slice("héllo".as_bytes());
        bytes[8] = 0xFF;
        let memory = GuestMemory::new(&mut bytes);
        assert_eq!(memory.read_str(0, 6, 6), Ok("héllo"));
        assert_eq!(memory.read_str(16, 0, 0), Ok(""));
        assert_eq!(
            memory.read_str(0, 6, 5),
            Err(SandboxError::StringTooLong {
                offset: 0,
                length: 6,
                max: 5
            })
        );
        // The limit is checked before bounds.
        assert_eq!(
            memory.read_str(u32::MAX, u32::MAX, 10),
            Err(SandboxError::StringTooLong {
                offset: u32::MAX,
                length: u32::MAX,
                max: 10
            })
        );
        assert_eq!(memory.read_str(10, 7, 100), Err(oob(10, 7, 16)));
        // Cutting "é" in half.
        assert_eq!(
            memory.read_str(0, 2, 100),
            Err(SandboxError::InvalidUtf8 {
                offset: 0,
                valid_up_to: 1
            })
        );
        assert_eq!(
            memory.read_str(7, 2, 100),
            Err(SandboxError::InvalidUtf8 {
                offset: 7,
                valid_up_to: 1
            })
        );
    }

    #[test]
    fn read_c_str_finds_the_terminator_within_limits() {
        let mut bytes = vec![0u8; 16];
        bytes[..5].copy_from_slice(b"abcd\0");
        bytes[5..8].copy_from_slice(&[0xC3, 0x28, 0]);
        bytes[8..16].copy_from_slice(b"xyzxyzxy");
        let memory = GuestMemory::new(&mut bytes);
        assert_eq!(memory.read_c_str(0, 100), Ok("abcd"));
        assert_eq!(memory.read_c_str(2, 100), Ok("cd"));
        assert_eq!(memory.read_c_str(4, 1), Ok(""));
        // The window includes the terminator: 5 bytes are needed for "abcd\0".
        assert_eq!(memory.read_c_str(0, 5), Ok("abcd"));
        assert_eq!(
            memory.read_c_str(0, 4),
            Err(SandboxError::MissingNul { offset: 0, max: 4 })
        );
        assert_eq!(
            memory.read_c_str(0, 0),
            Err(SandboxError::MissingNul { offset: 0, max: 0 })
        );
        assert_eq!(
            memory.read_c_str(5, 10),
            Err(SandboxError::InvalidUtf8 {
                offset: 5,
                valid_up_to: 0
            })
        );
        // No NUL before the end of memory: out of bounds, not merely missing.
        assert_eq!(memory.read_c_str(8, 100), Err(oob(8, 9, 16)));
        assert_eq!(memory.read_c_str(8, u32::MAX), Err(oob(8, 9, 16)));
        // The limit ends exactly at the end of memory: the NUL is missing.
        assert_eq!(
            memory.read_c_str(8, 8),
            Err(SandboxError::MissingNul { offset: 8, max: 8 })
        );
        assert_eq!(memory.read_c_str(16, 1), Err(oob(16, 1, 16)));
        assert_eq!(memory.read_c_str(17, 1), Err(oob(17, 0, 16)));
    }

    #[test]
    fn arrays_are_validated_once_and_decoded_lazily() {
        let mut bytes = counting();
        let mut memory = GuestMemory::new(&mut bytes);
        let array = memory.array::<u16>(4, 6).unwrap();
        assert_eq!((array.offset(), array.len(), array.byte_len()), (4, 6, 12));
        assert_eq!(array.ptr(), GuestPtr::new(4));
        assert_eq!(array.get(&memory, 0), Ok(0x0504));
        assert_eq!(array.get(&memory, 5), Ok(0x0F0E));
        assert_eq!(
            array.get(&memory, 6),
            Err(SandboxError::IndexOutOfBounds { index: 6, len: 6 })
        );
        assert_eq!(
            array.element(u32::MAX),
            Err(SandboxError::IndexOutOfBounds {
                index: u32::MAX,
                len: 6
            })
        );
        array.set(&mut memory, 1, &0xABCD).unwrap();
        assert_eq!(memory.bytes(6, 2), Ok(&[0xCD, 0xAB][..]));
        let values: Vec<u16> = array.iter(&memory).unwrap().collect();
        assert_eq!(values, [0x0504, 0xABCD, 0x0908, 0x0B0A, 0x0D0C, 0x0F0E]);
        assert_eq!(array.iter(&memory).unwrap().len(), 6);
    }

    #[test]
    fn array_errors() {
        let mut bytes = counting();
        let memory = GuestMemory::new(&mut bytes);
        assert_eq!(
            memory.array::<u64>(0, u32::MAX / 8 + 1),
            Err(SandboxError::ArrayTooLarge {
                offset: 0,
                count: u32::MAX / 8 + 1,
                element_size: 8
            })
        );
        assert_eq!(memory.array::<u32>(4, 4), Err(oob(4, 16, 16)));
        assert_eq!(
            memory.array::<u32>(u32::MAX - 3, 1),
            Err(oob(u32::MAX - 3, 4, 16))
        );
        assert_eq!(
            memory.array::<u32>(2, 1),
            Err(SandboxError::Misaligned {
                offset: 2,
                alignment: 4
            })
        );
        assert_eq!(
            memory.array::<u32>(2, 0),
            Err(SandboxError::Misaligned {
                offset: 2,
                alignment: 4
            })
        );
        assert!(memory.array::<u32>(16, 0).is_ok());
        assert_eq!(memory.array::<u8>(0, 16).map(|a| a.len()), Ok(16));
    }

    #[test]
    fn arrays_recheck_against_a_smaller_memory() {
        let mut big = vec![1u8; 64];
        let array = GuestMemory::new(&mut big).array::<u32>(32, 8).unwrap();
        let mut small = vec![0u8; 40];
        let mut memory = GuestMemory::new(&mut small);
        assert_eq!(array.get(&memory, 1), Ok(0));
        assert_eq!(array.get(&memory, 2), Err(oob(40, 4, 40)));
        assert_eq!(array.set(&mut memory, 7, &1), Err(oob(60, 4, 40)));
        assert_eq!(array.iter(&memory).map(|i| i.count()), Err(oob(32, 32, 40)));
    }

    crate::guest_struct! {
        /// A zero-sized guest value, to check that arrays of it do not misbehave.
        #[derive(Debug, PartialEq)]
        struct Nothing {} size 0, align 1
    }

    #[test]
    fn arrays_of_zero_sized_values() {
        let mut bytes = counting();
        let memory = GuestMemory::new(&mut bytes);
        let array = memory.array::<Nothing>(16, u32::MAX).unwrap();
        assert_eq!(array.byte_len(), 0);
        assert_eq!(array.get(&memory, u32::MAX - 1), Ok(Nothing {}));
        assert_eq!(array.iter(&memory).unwrap().take(3).count(), 3);
    }
}
