//! Vectored I/O: validating a guest's iovec array and moving data through it.

use alloc::vec::Vec;

use crate::error::{Result, SandboxError};
use crate::memory::GuestMemory;
use crate::value::Iovec;

/// How much a single vectored call may ask of the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IovecLimits {
    /// Largest number of iovecs accepted; more is an error
    /// ([`SandboxError::TooManyIovecs`]), as `readv`/`writev` fail with `EINVAL` beyond
    /// `IOV_MAX`.
    pub max_count: u32,
    /// Largest number of bytes one call transfers; buffers beyond it are truncated or
    /// dropped, which the guest sees as a short read or write.
    pub max_total_bytes: u32,
}

impl IovecLimits {
    /// Default [`max_count`](Self::max_count): 1024, Linux's `IOV_MAX`.
    pub const DEFAULT_MAX_COUNT: u32 = 1024;
    /// Default [`max_total_bytes`](Self::max_total_bytes): 16 MiB, enough that ordinary
    /// programs never see a short transfer, small enough to bound the host's work per call.
    /// Hosts that copy through an intermediate buffer should pass a smaller value.
    pub const DEFAULT_MAX_TOTAL_BYTES: u32 = 16 * 1024 * 1024;
}

impl Default for IovecLimits {
    fn default() -> Self {
        Self {
            max_count: Self::DEFAULT_MAX_COUNT,
            max_total_bytes: Self::DEFAULT_MAX_TOTAL_BYTES,
        }
    }
}

/// A validated byte range of guest memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GuestRange {
    /// Guest address of the first byte.
    pub offset: u32,
    /// Number of bytes; never zero in an [`IovecList`].
    pub len: u32,
}

/// The guest buffers of one vectored call, validated and capped; made by
/// [`GuestMemory::iovecs`].
///
/// Ranges are kept in the guest's order, zero-length buffers removed and the total capped at
/// [`IovecLimits::max_total_bytes`]. Ranges may overlap, since guests may pass overlapping
/// buffers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IovecList {
    ranges: Ranges,
    total_len: u32,
    requested_len: u64,
}

/// How many ranges an [`IovecList`] holds without a heap allocation: guests pass one or two
/// buffers per call (Rust's `write`, wasi-libc's `fwrite`), and a WASI call that allocates
/// per call pays for it in every `fd_read`/`fd_write`.
const INLINE_RANGES: usize = 4;

/// The ranges of an [`IovecList`]: inline up to [`INLINE_RANGES`], on the heap beyond.
#[derive(Clone)]
enum Ranges {
    Inline {
        len: usize,
        items: [GuestRange; INLINE_RANGES],
    },
    Heap(Vec<GuestRange>),
}

impl Ranges {
    const EMPTY: GuestRange = GuestRange { offset: 0, len: 0 };

    /// Room for `count` ranges.
    fn with_capacity(count: usize) -> Self {
        if count <= INLINE_RANGES {
            Self::default()
        } else {
            Self::Heap(Vec::with_capacity(count))
        }
    }

    #[inline]
    fn push(&mut self, range: GuestRange) {
        match self {
            Self::Inline { len, items } => {
                if let Some(slot) = items.get_mut(*len) {
                    *slot = range;
                    *len += 1;
                } else {
                    let mut heap = Vec::with_capacity(INLINE_RANGES * 2);
                    heap.extend_from_slice(items);
                    heap.push(range);
                    *self = Self::Heap(heap);
                }
            }
            Self::Heap(ranges) => ranges.push(range),
        }
    }

    #[inline]
    fn as_slice(&self) -> &[GuestRange] {
        match self {
            Self::Inline { len, items } => items.get(..*len).unwrap_or(&[]),
            Self::Heap(ranges) => ranges,
        }
    }
}

impl Default for Ranges {
    fn default() -> Self {
        Self::Inline {
            len: 0,
            items: [Self::EMPTY; INLINE_RANGES],
        }
    }
}

/// Two lists are equal when they hold the same ranges, wherever they are stored.
impl PartialEq for Ranges {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Ranges {}

impl core::fmt::Debug for Ranges {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        formatter.debug_list().entries(self.as_slice()).finish()
    }
}

impl IovecList {
    /// The ranges, in the guest's order.
    #[inline]
    pub fn ranges(&self) -> &[GuestRange] {
        self.ranges.as_slice()
    }

    /// Number of non-empty ranges kept.
    pub fn len(&self) -> usize {
        self.ranges().len()
    }

    /// Whether there is nothing to transfer.
    pub fn is_empty(&self) -> bool {
        self.ranges().is_empty()
    }

    /// Number of bytes the kept ranges cover: what the call may transfer at most.
    pub fn total_len(&self) -> u32 {
        self.total_len
    }

    /// Sum of the lengths the guest asked for, before capping.
    pub fn requested_len(&self) -> u64 {
        self.requested_len
    }

    /// Whether the cap removed part of what the guest asked for.
    pub fn is_capped(&self) -> bool {
        u64::from(self.total_len) < self.requested_len
    }
}

impl GuestMemory<'_> {
    /// Reads and validates the guest's array of `count` [`Iovec`]s at `array_offset`.
    ///
    /// Rules, in order:
    /// 1. `count > limits.max_count` is [`SandboxError::TooManyIovecs`].
    /// 2. The array must be in bounds and 4-byte aligned (errors as [`GuestMemory::array`]).
    /// 3. Every iovec with a non-zero length must lie inside memory
    ///    ([`SandboxError::OutOfBounds`] otherwise), even one that the cap will drop, so
    ///    that whether a call fails does not depend on the limits.
    /// 4. Zero-length iovecs name no memory: they are skipped without checking their address
    ///    (languages routinely pass dangling pointers for empty buffers).
    /// 5. The total is capped at `limits.max_total_bytes`: the iovec that crosses the cap is
    ///    truncated and later ones are dropped. WASI allows short reads and writes, so this
    ///    is not an error, and it keeps a guest from making the host do unbounded work.
    ///
    /// # Errors
    ///
    /// As listed above.
    pub fn iovecs(&self, array_offset: u32, count: u32, limits: IovecLimits) -> Result<IovecList> {
        if count > limits.max_count {
            return Err(SandboxError::TooManyIovecs {
                count,
                max: limits.max_count,
            });
        }
        let array = self.array::<Iovec>(array_offset, count)?;
        let mut list = IovecList {
            // `count` is bounded by the host's limit, not by the guest.
            ranges: Ranges::with_capacity(usize::try_from(count).unwrap_or(0)),
            total_len: 0,
            requested_len: 0,
        };
        let mut remaining = limits.max_total_bytes;
        for iovec in array.iter(self)? {
            if iovec.buf_len == 0 {
                continue;
            }
            self.check_range(iovec.buf, iovec.buf_len)?;
            list.requested_len = list.requested_len.saturating_add(u64::from(iovec.buf_len));
            let kept = iovec.buf_len.min(remaining);
            if kept == 0 {
                continue;
            }
            remaining = remaining.saturating_sub(kept);
            list.total_len = list.total_len.saturating_add(kept);
            list.ranges.push(GuestRange {
                offset: iovec.buf,
                len: kept,
            });
        }
        Ok(list)
    }

    /// The guest buffers of `list`, in order, for a write to the host (WASI `fd_write`).
    ///
    /// `list` is meant for the memory it was validated against; if a range no longer fits
    /// this memory the iteration stops there rather than skipping ahead, so the data stays a
    /// prefix of what the guest asked to write.
    pub fn gather<'s>(&'s self, list: &'s IovecList) -> impl Iterator<Item = &'s [u8]> {
        list.ranges()
            .iter()
            .map_while(move |range| self.bytes(range.offset, range.len).ok())
    }

    /// Copies `data` into the guest buffers of `list`, in order, for a read from the host
    /// (WASI `fd_read`); returns the number of bytes copied, at most
    /// `min(data.len(), list.total_len())`.
    ///
    /// Overlapping buffers are filled in order, so the later buffer's bytes win.
    pub fn scatter(&mut self, list: &IovecList, data: &[u8]) -> usize {
        let mut rest = data;
        self.scatter_with(list, |buffer| {
            let count = buffer.len().min(rest.len());
            match (buffer.get_mut(..count), rest.split_at_checked(count)) {
                (Some(destination), Some((chunk, tail))) => {
                    destination.copy_from_slice(chunk);
                    rest = tail;
                    count
                }
                _ => 0,
            }
        })
    }

    /// Lends each guest buffer of `list` in turn to `fill`, which writes into the front of
    /// the buffer and returns how many bytes it wrote; returns the total.
    ///
    /// This lets a host read straight into guest memory without an intermediate buffer.
    /// The scatter stops after a buffer that `fill` did not fill completely (a short read),
    /// or, as in [`gather`](Self::gather), at a range that no longer fits this memory. A
    /// return value larger than the buffer counts as the buffer's length.
    pub fn scatter_with(
        &mut self,
        list: &IovecList,
        mut fill: impl FnMut(&mut [u8]) -> usize,
    ) -> usize {
        let mut total = 0usize;
        for range in list.ranges() {
            let Ok(buffer) = self.bytes_mut(range.offset, range.len) else {
                break;
            };
            let length = buffer.len();
            let written = fill(buffer).min(length);
            total = total.saturating_add(written);
            if written < length {
                break;
            }
        }
        total
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use alloc::vec;

    /// Memory of `size` bytes with `iovecs` encoded at offset 0.
    fn memory_with(size: usize, iovecs: &[(u32, u32)]) -> Vec<u8> {
        let mut bytes = vec![0u8; size];
        let mut memory = GuestMemory::new(&mut bytes);
        for (i, (buf, buf_len)) in iovecs.iter().enumerate() {
            let offset = u32::try_from(i * 8).unwrap();
            memory
                .write(
                    offset,
                    &Iovec {
                        buf: *buf,
                        buf_len: *buf_len,
                    },
                )
                .unwrap();
        }
        bytes
    }

    fn ranges(list: &IovecList) -> Vec<(u32, u32)> {
        list.ranges().iter().map(|r| (r.offset, r.len)).collect()
    }

    fn count(n: usize) -> u32 {
        u32::try_from(n).unwrap()
    }

    #[test]
    fn default_limits() {
        let limits = IovecLimits::default();
        assert_eq!(limits.max_count, 1024);
        assert_eq!(limits.max_total_bytes, 16 << 20);
    }

    #[test]
    fn valid_list_is_kept_in_order() {
        let iovecs = [(64, 8), (100, 0), (80, 4)];
        let mut bytes = memory_with(128, &iovecs);
        let memory = GuestMemory::new(&mut bytes);
        let list = memory
            .iovecs(0, count(iovecs.len()), IovecLimits::default())
            .unwrap();
        assert_eq!(ranges(&list), [(64, 8), (80, 4)]);
        assert_eq!(list.total_len(), 12);
        assert_eq!(list.requested_len(), 12);
        assert!(!list.is_capped());
        assert_eq!(list.len(), 2);
    }

    #[test]
    fn lists_longer_than_the_inline_storage_keep_every_range_in_order() {
        let iovecs: Vec<(u32, u32)> = (0..9u32).map(|i| (128 + i * 4, i % 3)).collect();
        let mut bytes = memory_with(256, &iovecs);
        let memory = GuestMemory::new(&mut bytes);
        let list = memory
            .iovecs(0, count(iovecs.len()), IovecLimits::default())
            .unwrap();
        let kept: Vec<(u32, u32)> = iovecs.iter().copied().filter(|(_, l)| *l > 0).collect();
        assert!(kept.len() > INLINE_RANGES);
        assert_eq!(ranges(&list), kept);
        assert_eq!(list.len(), kept.len());
        assert_eq!(list.total_len(), 9);
    }

    #[test]
    fn equal_ranges_make_equal_lists_wherever_they_are_stored() {
        // Six iovecs reserve heap storage; three of them are empty, so the list holds the
        // same three ranges as a list read from three iovecs, which stays inline.
        let six = [(64, 1), (0, 0), (66, 2), (0, 0), (70, 3), (0, 0)];
        let three = [(64, 1), (66, 2), (70, 3)];
        let mut six_bytes = memory_with(128, &six);
        let mut three_bytes = memory_with(128, &three);
        let from_six = GuestMemory::new(&mut six_bytes)
            .iovecs(0, 6, IovecLimits::default())
            .unwrap();
        let from_three = GuestMemory::new(&mut three_bytes)
            .iovecs(0, 3, IovecLimits::default())
            .unwrap();
        assert!(matches!(from_six.ranges, Ranges::Heap(_)));
        assert!(matches!(from_three.ranges, Ranges::Inline { .. }));
        assert_eq!(from_six, from_three);
        assert_eq!(IovecList::default().ranges(), &[]);
    }

    #[test]
    fn inline_ranges_move_to_the_heap_when_full() {
        let mut storage = Ranges::default();
        let range = |offset| GuestRange { offset, len: 1 };
        for offset in 0..=u32::try_from(INLINE_RANGES).unwrap() {
            storage.push(range(offset));
        }
        assert!(matches!(storage, Ranges::Heap(_)));
        let expected: Vec<GuestRange> = (0..=u32::try_from(INLINE_RANGES).unwrap())
            .map(range)
            .collect();
        assert_eq!(storage.as_slice(), expected.as_slice());
    }

    #[test]
    fn too_many_iovecs_is_an_error_before_memory_is_read() {
        let mut bytes = vec![0u8; 16];
        let memory = GuestMemory::new(&mut bytes);
        let limits = IovecLimits {
            max_count: 2,
            max_total_bytes: 100,
        };
        assert_eq!(
            memory.iovecs(u32::MAX, 3, limits),
            Err(SandboxError::TooManyIovecs { count: 3, max: 2 })
        );
        // Exactly max_count is fine.
        assert!(memory.iovecs(0, 2, limits).is_ok());
    }

    #[test]
    fn iovec_array_must_be_aligned_and_in_bounds() {
        let mut bytes = vec![0u8; 32];
        let memory = GuestMemory::new(&mut bytes);
        let limits = IovecLimits::default();
        assert_eq!(
            memory.iovecs(2, 1, limits),
            Err(SandboxError::Misaligned {
                offset: 2,
                alignment: 4
            })
        );
        assert_eq!(
            memory.iovecs(28, 1, limits),
            Err(SandboxError::OutOfBounds {
                offset: 28,
                length: 8,
                memory_size: 32
            })
        );
        assert!(memory.iovecs(24, 1, limits).is_ok());
        assert!(memory.iovecs(32, 0, limits).unwrap().is_empty());
    }

    #[test]
    fn out_of_bounds_buffer_is_an_error_even_beyond_the_cap() {
        let mut bytes = memory_with(64, &[(32, 8), (60, 5)]);
        let memory = GuestMemory::new(&mut bytes);
        let limits = IovecLimits {
            max_count: 8,
            max_total_bytes: 4,
        };
        assert_eq!(
            memory.iovecs(0, 2, limits),
            Err(SandboxError::OutOfBounds {
                offset: 60,
                length: 5,
                memory_size: 64
            })
        );
    }

    #[test]
    fn zero_length_iovec_with_wild_pointer_is_skipped() {
        let mut bytes = memory_with(64, &[(u32::MAX, 0), (40, 2)]);
        let memory = GuestMemory::new(&mut bytes);
        let list = memory.iovecs(0, 2, IovecLimits::default()).unwrap();
        assert_eq!(ranges(&list), [(40, 2)]);
    }

    #[test]
    fn total_is_capped_by_truncating_then_dropping() {
        let mut bytes = memory_with(128, &[(64, 10), (80, 10), (96, 10)]);
        let memory = GuestMemory::new(&mut bytes);
        let limits = IovecLimits {
            max_count: 8,
            max_total_bytes: 15,
        };
        let list = memory.iovecs(0, 3, limits).unwrap();
        assert_eq!(ranges(&list), [(64, 10), (80, 5)]);
        assert_eq!(list.total_len(), 15);
        assert_eq!(list.requested_len(), 30);
        assert!(list.is_capped());

        let limits = IovecLimits {
            max_count: 8,
            max_total_bytes: 0,
        };
        let list = memory.iovecs(0, 3, limits).unwrap();
        assert!(list.is_empty());
        assert_eq!(list.total_len(), 0);
    }

    #[test]
    fn overlapping_iovecs_may_exceed_the_memory_size() {
        // Each iovec covers the whole memory; the total counts bytes transferred, not
        // distinct bytes, so it is larger than the memory.
        let iovecs = [(0, 64); 8];
        let mut bytes = memory_with(64, &iovecs);
        let memory = GuestMemory::new(&mut bytes);
        let limits = IovecLimits {
            max_count: 8,
            max_total_bytes: u32::MAX,
        };
        let list = memory.iovecs(0, 8, limits).unwrap();
        assert_eq!(list.total_len(), 512);
        assert_eq!(list.len(), 8);
    }

    #[test]
    fn gather_yields_buffers_in_order() {
        let mut bytes = memory_with(64, &[(40, 3), (32, 2)]);
        bytes[32..34].copy_from_slice(b"yz");
        bytes[40..43].copy_from_slice(b"abc");
        let memory = GuestMemory::new(&mut bytes);
        let list = memory.iovecs(0, 2, IovecLimits::default()).unwrap();
        let gathered: Vec<u8> = memory.gather(&list).flatten().copied().collect();
        assert_eq!(gathered, b"abcyz");
    }

    #[test]
    fn gather_stops_at_a_range_that_no_longer_fits() {
        let mut bytes = memory_with(64, &[(16, 2), (60, 4), (20, 2)]);
        let list = GuestMemory::new(&mut bytes)
            .iovecs(0, 3, IovecLimits::default())
            .unwrap();
        let mut small = vec![7u8; 32];
        let memory = GuestMemory::new(&mut small);
        let gathered: Vec<&[u8]> = memory.gather(&list).collect();
        assert_eq!(gathered, [&[7u8, 7][..]]);
    }

    #[test]
    fn scatter_fills_in_order_and_reports_the_count() {
        let mut bytes = memory_with(64, &[(40, 3), (32, 4)]);
        let mut memory = GuestMemory::new(&mut bytes);
        let list = memory.iovecs(0, 2, IovecLimits::default()).unwrap();
        assert_eq!(memory.scatter(&list, b"abcde"), 5);
        assert_eq!(memory.bytes(40, 3).unwrap(), b"abc");
        assert_eq!(memory.bytes(32, 4).unwrap(), b"de\0\0");
        // More data than room: only total_len is copied.
        assert_eq!(memory.scatter(&list, b"0123456789"), 7);
        assert_eq!(memory.bytes(40, 3).unwrap(), b"012");
        assert_eq!(memory.bytes(32, 4).unwrap(), b"3456");
        assert_eq!(memory.scatter(&list, b""), 0);
    }

    #[test]
    fn scatter_into_overlapping_buffers_later_write_wins() {
        let mut bytes = memory_with(64, &[(40, 4), (42, 4)]);
        let mut memory = GuestMemory::new(&mut bytes);
        let list = memory.iovecs(0, 2, IovecLimits::default()).unwrap();
        assert_eq!(memory.scatter(&list, b"abcdefgh"), 8);
        assert_eq!(memory.bytes(40, 6).unwrap(), b"abefgh");
    }

    #[test]
    fn scatter_with_stops_after_a_short_fill() {
        let mut bytes = memory_with(64, &[(40, 4), (48, 4)]);
        let mut memory = GuestMemory::new(&mut bytes);
        let list = memory.iovecs(0, 2, IovecLimits::default()).unwrap();
        let mut calls = 0;
        let total = memory.scatter_with(&list, |buffer| {
            calls += 1;
            buffer[0] = b'x';
            1
        });
        assert_eq!((total, calls), (1, 1));
        // An over-reporting closure is clamped to the buffer length.
        assert_eq!(memory.scatter_with(&list, |_| usize::MAX), 8);
    }
}
