//! Opaque guest handles for host objects.
//!
//! A guest never sees a host address: it gets a [`Handle`], a `u32` that a [`HandleTable`]
//! maps back to the host object. The value packs a slot index and a generation:
//!
//! ```text
//!  31            20 19                    0
//! +----------------+-----------------------+
//! | generation (12)|      index (20)       |
//! +----------------+-----------------------+
//! ```
//!
//! - 20 index bits: up to [`HandleTable::MAX_ENTRIES`] (1 048 576) live entries, far more
//!   than any guest should hold.
//! - 12 generation bits: generations run from 1 to [`MAX_GENERATION`] (4095). Generation 0
//!   is never issued, so no handle is 0 and zero-initialised guest memory never names an
//!   object.
//!
//! Each time a slot is freed its generation is bumped on the next reuse, so the handle of a
//! closed object is recognised as [`HandleError::Stale`] instead of silently reaching the
//! object that took its slot (the ABA problem: a guest that closes a file and keeps using
//! its handle must not write into the next file opened). When a slot has issued its last
//! generation it is retired for good instead of wrapping around: every `u32` is issued at
//! most once per table, so no old handle value can ever become valid again. Retirement costs
//! one slot per 4095 reuses of that slot; fresh slots keep being created until the 20-bit
//! index space is used up, after which [`HandleError::Exhausted`] is reported.

use alloc::vec::Vec;
use core::mem;

use crate::value::GuestValue;

/// Number of low bits of a handle that hold the slot index.
const INDEX_BITS: u32 = 20;
const INDEX_MASK: u32 = (1 << INDEX_BITS) - 1;
/// Largest generation a slot issues before it is retired (12 bits).
pub const MAX_GENERATION: u32 = u32::MAX >> INDEX_BITS;

/// An opaque guest-visible reference to a host object in a [`HandleTable`].
///
/// A handle is only a number; any `u32` can be turned into one (guests choose them), and
/// the table decides whether it is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Handle(u32);

impl Handle {
    /// The handle with this raw guest value.
    pub const fn from_raw(raw: u32) -> Self {
        Self(raw)
    }

    /// The raw value to give to the guest.
    pub const fn into_raw(self) -> u32 {
        self.0
    }

    const fn new(index: u32, generation: u32) -> Self {
        Self((generation << INDEX_BITS) | (index & INDEX_MASK))
    }

    const fn index(self) -> u32 {
        self.0 & INDEX_MASK
    }

    const fn generation(self) -> u32 {
        self.0 >> INDEX_BITS
    }
}

impl GuestValue for Handle {
    const SIZE: u32 = 4;
    const ALIGN: u32 = 4;

    fn decode(bytes: &[u8]) -> Self {
        Self(u32::decode(bytes))
    }

    fn encode(&self, bytes: &mut [u8]) {
        self.0.encode(bytes);
    }
}

/// Why a [`HandleTable`] operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandleError {
    /// The handle was never issued by this table (0, forged, or out of range).
    #[error("handle {handle:#x} is not valid")]
    Invalid {
        /// Raw value of the handle.
        handle: u32,
    },
    /// The handle was issued by this table but its object has been removed.
    #[error("handle {handle:#x} refers to an object that was closed")]
    Stale {
        /// Raw value of the handle.
        handle: u32,
    },
    /// The table holds its maximum number of entries.
    #[error("handle table is full ({limit} entries)")]
    Full {
        /// Maximum number of live entries.
        limit: u32,
    },
    /// Every handle value this table can issue has been issued; no new handle can be made
    /// without risking the reuse of an old one.
    #[error("handle table has issued every handle value it can")]
    Exhausted,
}

#[derive(Debug)]
enum Slot<T> {
    Occupied {
        generation: u32,
        value: T,
    },
    /// Free, last issued with `generation`; `next_free` links the free list.
    Vacant {
        generation: u32,
        next_free: Option<u32>,
    },
    /// Issued every generation; never used again.
    Retired,
}

/// A map from generation-checked [`Handle`]s to host objects, with a capacity limit.
///
/// See the [module documentation](self) for the handle layout and why stale or forged
/// handles are always rejected.
#[derive(Debug)]
pub struct HandleTable<T> {
    slots: Vec<Slot<T>>,
    free_head: Option<u32>,
    len: u32,
    limit: u32,
}

impl<T> HandleTable<T> {
    /// Largest number of live entries a table can hold (the 20-bit index space).
    pub const MAX_ENTRIES: u32 = INDEX_MASK + 1;

    /// An empty table that holds at most `max_entries` live entries (clamped to
    /// [`MAX_ENTRIES`](Self::MAX_ENTRIES)). Nothing is allocated until the first insertion.
    pub fn new(max_entries: u32) -> Self {
        Self {
            slots: Vec::new(),
            free_head: None,
            len: 0,
            limit: max_entries.min(Self::MAX_ENTRIES),
        }
    }

    /// Maximum number of live entries.
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Number of live entries.
    pub fn len(&self) -> usize {
        usize::try_from(self.len).unwrap_or(usize::MAX)
    }

    /// Whether the table has no live entries.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Stores `value` and returns its new handle.
    ///
    /// Freed slots are reused (with the next generation) before new ones are created.
    ///
    /// # Errors
    ///
    /// [`HandleError::Full`] when the table holds [`limit`](Self::limit) entries;
    /// [`HandleError::Exhausted`] when no unissued handle value is left.
    pub fn insert(&mut self, value: T) -> Result<Handle, HandleError> {
        if self.len >= self.limit {
            return Err(HandleError::Full { limit: self.limit });
        }
        if let Some(index) = self.free_head {
            let slot = usize::try_from(index)
                .ok()
                .and_then(|index| self.slots.get_mut(index));
            if let Some(slot) = slot
                && let Slot::Vacant {
                    generation,
                    next_free,
                } = *slot
                // Always true (`vacate` retires a slot at MAX_GENERATION); checked so that a
                // generation can never wrap and reissue an old handle.
                && generation < MAX_GENERATION
            {
                let generation = generation + 1;
                self.free_head = next_free;
                *slot = Slot::Occupied { generation, value };
                self.len = self.len.saturating_add(1);
                return Ok(Handle::new(index, generation));
            }
            // Unreachable: only vacant, non-final slots are linked. Dropping a broken list
            // loses free slots but can never hand out a live slot or an old handle twice.
            self.free_head = None;
        }
        let index = u32::try_from(self.slots.len()).map_err(|_| HandleError::Exhausted)?;
        if index > INDEX_MASK {
            return Err(HandleError::Exhausted);
        }
        self.slots.push(Slot::Occupied {
            generation: 1,
            value,
        });
        self.len = self.len.saturating_add(1);
        Ok(Handle::new(index, 1))
    }

    /// Slot index of a live handle, or why it is not one.
    fn locate(&self, handle: Handle) -> Result<usize, HandleError> {
        let invalid = HandleError::Invalid {
            handle: handle.into_raw(),
        };
        let stale = HandleError::Stale {
            handle: handle.into_raw(),
        };
        let wanted = handle.generation();
        if wanted == 0 {
            return Err(invalid);
        }
        let index = usize::try_from(handle.index()).map_err(|_| invalid.clone())?;
        match self.slots.get(index) {
            None => Err(invalid),
            Some(Slot::Occupied { generation, .. }) if *generation == wanted => Ok(index),
            // Generations of a slot are issued in increasing order: anything up to the
            // current one was issued (and, if not current, closed); anything above was not.
            Some(Slot::Occupied { generation, .. } | Slot::Vacant { generation, .. }) => {
                if wanted <= *generation {
                    Err(stale)
                } else {
                    Err(invalid)
                }
            }
            Some(Slot::Retired) => Err(stale),
        }
    }

    /// The object `handle` refers to.
    ///
    /// # Errors
    ///
    /// [`HandleError::Invalid`] or [`HandleError::Stale`].
    pub fn get(&self, handle: Handle) -> Result<&T, HandleError> {
        let index = self.locate(handle)?;
        match self.slots.get(index) {
            Some(Slot::Occupied { value, .. }) => Ok(value),
            _ => Err(HandleError::Invalid {
                handle: handle.into_raw(),
            }),
        }
    }

    /// The object `handle` refers to, mutably.
    ///
    /// # Errors
    ///
    /// [`HandleError::Invalid`] or [`HandleError::Stale`].
    pub fn get_mut(&mut self, handle: Handle) -> Result<&mut T, HandleError> {
        let index = self.locate(handle)?;
        match self.slots.get_mut(index) {
            Some(Slot::Occupied { value, .. }) => Ok(value),
            _ => Err(HandleError::Invalid {
                handle: handle.into_raw(),
            }),
        }
    }

    /// Whether `handle` refers to a live object.
    pub fn contains(&self, handle: Handle) -> bool {
        self.locate(handle).is_ok()
    }

    /// Removes the object `handle` refers to and returns it; the handle becomes stale.
    ///
    /// # Errors
    ///
    /// [`HandleError::Invalid`] or [`HandleError::Stale`].
    pub fn remove(&mut self, handle: Handle) -> Result<T, HandleError> {
        let index = self.locate(handle)?;
        self.vacate(index)
            .map(|(_, value)| value)
            .ok_or(HandleError::Invalid {
                handle: handle.into_raw(),
            })
    }

    /// Frees slot `index` if it is occupied, retiring it if it has issued its last
    /// generation.
    fn vacate(&mut self, index: usize) -> Option<(Handle, T)> {
        let index_u32 = u32::try_from(index).ok()?;
        let slot = self.slots.get_mut(index)?;
        let generation = match slot {
            Slot::Occupied { generation, .. } => *generation,
            _ => return None,
        };
        let replacement = if generation >= MAX_GENERATION {
            Slot::Retired
        } else {
            Slot::Vacant {
                generation,
                next_free: self.free_head,
            }
        };
        let Slot::Occupied { value, .. } = mem::replace(slot, replacement) else {
            return None;
        };
        if generation < MAX_GENERATION {
            self.free_head = Some(index_u32);
        }
        self.len = self.len.saturating_sub(1);
        Some((Handle::new(index_u32, generation), value))
    }

    /// Iterates over the live entries in slot order.
    pub fn iter(&self) -> impl Iterator<Item = (Handle, &T)> {
        self.slots
            .iter()
            .zip(0u32..=INDEX_MASK)
            .filter_map(|(slot, index)| match slot {
                Slot::Occupied { generation, value } => {
                    Some((Handle::new(index, *generation), value))
                }
                _ => None,
            })
    }

    /// Iterates mutably over the live entries in slot order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (Handle, &mut T)> {
        self.slots
            .iter_mut()
            .zip(0u32..=INDEX_MASK)
            .filter_map(|(slot, index)| match slot {
                Slot::Occupied { generation, value } => {
                    Some((Handle::new(index, *generation), value))
                }
                _ => None,
            })
    }

    /// Removes every entry, yielding each with its (now stale) handle; used when an app
    /// ends to release its host objects in a known order.
    ///
    /// Entries not consumed are removed when the iterator is dropped. Generations are kept,
    /// so handles issued before the drain stay stale afterwards.
    pub fn drain(&mut self) -> Drain<'_, T> {
        Drain {
            table: self,
            next: 0,
        }
    }

    /// Removes every entry (dropping the objects); handles issued before stay stale.
    pub fn clear(&mut self) {
        self.drain().for_each(drop);
    }
}

/// Draining iterator of a [`HandleTable`], made by [`HandleTable::drain`].
#[derive(Debug)]
pub struct Drain<'a, T> {
    table: &'a mut HandleTable<T>,
    next: usize,
}

impl<T> Iterator for Drain<'_, T> {
    type Item = (Handle, T);

    fn next(&mut self) -> Option<(Handle, T)> {
        while self.next < self.table.slots.len() {
            let index = self.next;
            self.next = self.next.saturating_add(1);
            if let Some(entry) = self.table.vacate(index) {
                return Some(entry);
            }
        }
        None
    }
}

impl<T> Drop for Drain<'_, T> {
    fn drop(&mut self) {
        self.for_each(drop);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn handles_encode_index_and_generation() {
        let mut table = HandleTable::new(8);
        let a = table.insert("a").unwrap();
        let b = table.insert("b").unwrap();
        assert_eq!(a.into_raw(), 1 << 20);
        assert_eq!(b.into_raw(), (1 << 20) | 1);
        assert_eq!(table.get(a), Ok(&"a"));
        assert_eq!(table.get(b), Ok(&"b"));
        assert_eq!(table.len(), 2);
        assert_eq!(Handle::from_raw(b.into_raw()), b);
    }

    #[test]
    fn zero_is_never_issued_nor_accepted() {
        let mut table = HandleTable::new(4);
        let handles: Vec<Handle> = (0..4).map(|i| table.insert(i).unwrap()).collect();
        assert!(handles.iter().all(|h| h.into_raw() != 0));
        assert_eq!(
            table.get(Handle::from_raw(0)),
            Err(HandleError::Invalid { handle: 0 })
        );
        // Generation 0 with a live index is forged too.
        assert_eq!(
            table.get(Handle::from_raw(1)),
            Err(HandleError::Invalid { handle: 1 })
        );
    }

    #[test]
    fn forged_handles_are_invalid() {
        let mut table = HandleTable::new(4);
        let a = table.insert(10).unwrap();
        // Index never allocated.
        let beyond = Handle::from_raw((1 << 20) | 3);
        assert_eq!(
            table.get(beyond),
            Err(HandleError::Invalid {
                handle: beyond.into_raw()
            })
        );
        // Right index, future generation.
        let future = Handle::from_raw(a.into_raw() + (1 << 20));
        assert_eq!(
            table.get(future),
            Err(HandleError::Invalid {
                handle: future.into_raw()
            })
        );
        assert!(!table.contains(future));
        assert_eq!(
            table.remove(Handle::from_raw(u32::MAX)),
            Err(HandleError::Invalid { handle: u32::MAX })
        );
        assert_eq!(table.get(a), Ok(&10));
    }

    #[test]
    fn removed_handles_are_stale_and_slots_are_reused() {
        let mut table = HandleTable::new(4);
        let a = table.insert(1).unwrap();
        assert_eq!(table.remove(a), Ok(1));
        assert!(table.is_empty());
        assert_eq!(
            table.get(a),
            Err(HandleError::Stale {
                handle: a.into_raw()
            })
        );
        assert_eq!(
            table.remove(a),
            Err(HandleError::Stale {
                handle: a.into_raw()
            })
        );
        // A future generation of a vacant slot was never issued.
        let future = Handle::from_raw(a.into_raw() + (1 << 20));
        assert_eq!(
            table.get(future),
            Err(HandleError::Invalid {
                handle: future.into_raw()
            })
        );

        let b = table.insert(2).unwrap();
        assert_eq!(b.index(), a.index(), "freed slot is reused");
        assert_eq!(b.generation(), 2);
        assert_eq!(b, future);
        assert_eq!(
            table.get(a),
            Err(HandleError::Stale {
                handle: a.into_raw()
            })
        );
        assert_eq!(table.get(b), Ok(&2));
        *table.get_mut(b).unwrap() = 3;
        assert_eq!(table.get(b), Ok(&3));
        assert!(table.get_mut(a).is_err());
    }

    #[test]
    fn full_table_rejects_insertions_until_a_removal() {
        let mut table = HandleTable::new(2);
        let a = table.insert('a').unwrap();
        table.insert('b').unwrap();
        assert_eq!(table.insert('c'), Err(HandleError::Full { limit: 2 }));
        table.remove(a).unwrap();
        assert!(table.insert('c').is_ok());
        assert_eq!(table.insert('d'), Err(HandleError::Full { limit: 2 }));

        let mut empty = HandleTable::new(0);
        assert_eq!(empty.insert(()), Err(HandleError::Full { limit: 0 }));
        assert_eq!(HandleTable::<()>::new(u32::MAX).limit(), 1 << 20);
    }

    #[test]
    fn slot_is_retired_after_its_last_generation() {
        let mut table = HandleTable::new(1);
        let mut issued = Vec::new();
        for generation in 1..=MAX_GENERATION {
            let handle = table.insert(generation).unwrap();
            assert_eq!((handle.index(), handle.generation()), (0, generation));
            assert_eq!(table.remove(handle), Ok(generation));
            issued.push(handle);
        }
        assert_eq!(issued.len(), 4095);
        // Slot 0 is retired: the next handle uses a fresh slot, never an old value.
        let fresh = table.insert(0).unwrap();
        assert_eq!((fresh.index(), fresh.generation()), (1, 1));
        assert!(!issued.contains(&fresh));
        for old in &issued {
            assert_eq!(
                table.get(*old),
                Err(HandleError::Stale {
                    handle: old.into_raw()
                })
            );
        }
        // Retired slots do not count against the limit of live entries.
        assert_eq!(table.len(), 1);
        assert_eq!(table.insert(1), Err(HandleError::Full { limit: 1 }));
    }

    #[test]
    fn exhausted_when_the_index_space_is_used_up() {
        let mut table = HandleTable::new(u32::MAX);
        for i in 0..HandleTable::<u32>::MAX_ENTRIES {
            table.insert(i).unwrap();
        }
        assert_eq!(table.insert(0), Err(HandleError::Full { limit: 1 << 20 }));
        // Retire one slot: the space is then exhausted although an entry is free.
        let last = Handle::new(INDEX_MASK, 1);
        table.remove(last).unwrap();
        let mut handle = table.insert(0).unwrap();
        while handle.generation() < MAX_GENERATION {
            table.remove(handle).unwrap();
            handle = table.insert(0).unwrap();
        }
        table.remove(handle).unwrap();
        assert_eq!(table.insert(0), Err(HandleError::Exhausted));
    }

    #[test]
    fn iter_and_drain_visit_live_entries() {
        let mut table = HandleTable::new(8);
        let a = table.insert(1).unwrap();
        let b = table.insert(2).unwrap();
        let c = table.insert(3).unwrap();
        table.remove(b).unwrap();
        assert_eq!(table.iter().collect::<Vec<_>>(), vec![(a, &1), (c, &3)]);
        for (_, value) in table.iter_mut() {
            *value *= 10;
        }
        let drained: Vec<_> = table.drain().collect();
        assert_eq!(drained, vec![(a, 10), (c, 30)]);
        assert!(table.is_empty());
        assert_eq!(
            table.get(a),
            Err(HandleError::Stale {
                handle: a.into_raw()
            })
        );
        // New handles never repeat drained ones.
        let d = table.insert(4).unwrap();
        assert!(d != a && d != b && d != c);
    }

    #[test]
    fn dropping_a_partial_drain_or_clearing_removes_everything() {
        let mut table = HandleTable::new(8);
        for i in 0..5 {
            table.insert(i).unwrap();
        }
        assert_eq!(table.drain().next().map(|(_, v)| v), Some(0));
        assert!(table.is_empty());
        assert_eq!(table.iter().count(), 0);

        let h = table.insert(7).unwrap();
        table.insert(8).unwrap();
        table.clear();
        assert!(table.is_empty());
        assert!(!table.contains(h));
    }

    #[test]
    fn handle_is_a_guest_value() {
        let mut bytes = [0u8; 4];
        Handle::from_raw(0x0010_0002).encode(&mut bytes);
        assert_eq!(bytes, [2, 0, 0x10, 0]);
        assert_eq!(Handle::decode(&bytes).into_raw(), 0x0010_0002);
    }
}
