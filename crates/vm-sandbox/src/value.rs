//! Values that live in guest memory: their size, alignment and little-endian encoding.

use core::fmt;
use core::hash::{Hash, Hasher};
use core::marker::PhantomData;

use crate::error::{Result, SandboxError};
use crate::memory::GuestMemory;

/// A type with a fixed layout in guest memory.
///
/// WebAssembly is little-endian, so every implementation encodes little-endian whatever the
/// host's byte order is. Values are decoded from and encoded to byte slices rather than read
/// through host pointers, which is why the host copy never needs alignment: the alignment
/// rule of [`GuestMemory::read`] is a property of the guest address.
///
/// [`decode`](Self::decode) and [`encode`](Self::encode) are given a slice of exactly
/// [`SIZE`](Self::SIZE) bytes by this crate. Implementations must nevertheless not panic on a
/// slice of another length: a shorter slice decodes as if the missing bytes were zero and
/// encodes only the bytes that fit; extra bytes are ignored. The helpers in this crate
/// (and the [`guest_struct!`](crate::guest_struct) macro) follow that rule.
pub trait GuestValue: Sized {
    /// Size of the value in guest memory, in bytes (padding included for structs).
    const SIZE: u32;
    /// Alignment the guest ABI promises for the value; a power of two.
    const ALIGN: u32;
    /// Decodes a value from its guest representation.
    fn decode(bytes: &[u8]) -> Self;
    /// Encodes the value into its guest representation.
    fn encode(&self, bytes: &mut [u8]);
}

use __private::{put, take};

macro_rules! impl_guest_value_for_primitive {
    ($($ty:ty),* $(,)?) => {$(
        impl GuestValue for $ty {
            // Primitive sizes are at most 8, so the cast cannot truncate.
            const SIZE: u32 = core::mem::size_of::<$ty>() as u32;
            // wasm32 aligns every primitive to its size (`i64`/`f64` included, unlike i686).
            const ALIGN: u32 = core::mem::size_of::<$ty>() as u32;

            #[inline]
            fn decode(bytes: &[u8]) -> Self {
                <$ty>::from_le_bytes(take(bytes))
            }

            #[inline]
            fn encode(&self, bytes: &mut [u8]) {
                put(bytes, &self.to_le_bytes());
            }
        }
    )*};
}

impl_guest_value_for_primitive!(u8, i8, u16, i16, u32, i32, u64, i64, f32, f64);

/// A typed guest address: a wasm32 pointer to a `T` in guest memory.
///
/// It is only a number; nothing is checked until it is used to access a [`GuestMemory`].
/// Guest address 0 is a valid address in WebAssembly, so a null pointer is not an error by
/// itself; ABIs that give 0 a meaning can test [`is_null`](Self::is_null).
pub struct GuestPtr<T> {
    offset: u32,
    // `fn() -> T` keeps the pointer `Send`/`Sync`/`Copy` whatever `T` is: it owns no `T`.
    marker: PhantomData<fn() -> T>,
}

impl<T> GuestPtr<T> {
    /// A pointer to guest address `offset`.
    pub const fn new(offset: u32) -> Self {
        Self {
            offset,
            marker: PhantomData,
        }
    }

    /// The guest address.
    pub const fn offset(self) -> u32 {
        self.offset
    }

    /// Whether the address is 0.
    pub const fn is_null(self) -> bool {
        self.offset == 0
    }

    /// The same address, seen as a pointer to another type.
    pub const fn cast<U>(self) -> GuestPtr<U> {
        GuestPtr::new(self.offset)
    }
}

impl<T: GuestValue> GuestPtr<T> {
    /// The address of the element `count` places after this one (`offset + count * T::SIZE`).
    ///
    /// # Errors
    ///
    /// [`SandboxError::PointerOverflow`] if the result does not fit the 32-bit address space.
    #[allow(
        clippy::should_implement_trait,
        reason = "fallible, and named like `pointer::add`; `Add` cannot return a Result"
    )]
    pub fn add(self, count: u32) -> Result<Self> {
        let overflow = || SandboxError::PointerOverflow {
            offset: self.offset,
            count,
            element_size: T::SIZE,
        };
        let delta = count.checked_mul(T::SIZE).ok_or_else(overflow)?;
        let offset = self.offset.checked_add(delta).ok_or_else(overflow)?;
        Ok(Self::new(offset))
    }

    /// Reads the value this pointer designates; see [`GuestMemory::read`].
    ///
    /// # Errors
    ///
    /// As [`GuestMemory::read`].
    pub fn read(self, memory: &GuestMemory<'_>) -> Result<T> {
        memory.read(self.offset)
    }

    /// Writes the value this pointer designates; see [`GuestMemory::write`].
    ///
    /// # Errors
    ///
    /// As [`GuestMemory::write`].
    pub fn write(self, memory: &mut GuestMemory<'_>, value: &T) -> Result<()> {
        memory.write(self.offset, value)
    }
}

// Manual impls: derives would require `T: Clone`/`T: Debug`/..., but a pointer is plain
// data whatever it points to.
impl<T> Clone for GuestPtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for GuestPtr<T> {}

impl<T> PartialEq for GuestPtr<T> {
    fn eq(&self, other: &Self) -> bool {
        self.offset == other.offset
    }
}

impl<T> Eq for GuestPtr<T> {}

impl<T> Hash for GuestPtr<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.offset.hash(state);
    }
}

impl<T> fmt::Debug for GuestPtr<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GuestPtr({:#x})", self.offset)
    }
}

impl<T> From<u32> for GuestPtr<T> {
    fn from(offset: u32) -> Self {
        Self::new(offset)
    }
}

impl<T> GuestValue for GuestPtr<T> {
    const SIZE: u32 = 4;
    const ALIGN: u32 = 4;

    #[inline]
    fn decode(bytes: &[u8]) -> Self {
        Self::new(u32::decode(bytes))
    }

    #[inline]
    fn encode(&self, bytes: &mut [u8]) {
        self.offset.encode(bytes);
    }
}

/// Support code for [`guest_struct!`](crate::guest_struct); not part of the public API.
#[doc(hidden)]
pub mod __private {
    use super::GuestValue;

    // The helpers below are tiny and called from code that is generic over `GuestValue`, so
    // it is compiled in the ABI crates: without `#[inline]` every field of every struct would
    // be a call across the crate boundary (no LTO in release builds).

    /// Copies as many bytes as both slices have, from the front.
    #[inline]
    pub fn copy_prefix(destination: &mut [u8], source: &[u8]) {
        let count = destination.len().min(source.len());
        if let (Some(destination), Some(source)) =
            (destination.get_mut(..count), source.get(..count))
        {
            destination.copy_from_slice(source);
        }
    }

    /// Copies up to `N` bytes of `bytes` into an array; missing bytes stay zero.
    #[inline]
    pub fn take<const N: usize>(bytes: &[u8]) -> [u8; N] {
        // This crate always passes at least `N` bytes: one fixed-size copy (a single load for
        // primitives) instead of a copy of unknown length.
        if let Some(exact) = bytes.first_chunk::<N>() {
            return *exact;
        }
        let mut out = [0u8; N];
        copy_prefix(&mut out, bytes);
        out
    }

    /// Copies as much of `source` as fits into `bytes`.
    #[inline]
    pub fn put<const N: usize>(bytes: &mut [u8], source: &[u8; N]) {
        match bytes.first_chunk_mut::<N>() {
            Some(exact) => *exact = *source,
            None => copy_prefix(bytes, source),
        }
    }

    /// The bytes of a field: `size` bytes from `offset`, or whatever part of them exists.
    #[inline]
    fn field_bytes(bytes: &[u8], offset: u32, size: u32) -> &[u8] {
        let rest = usize::try_from(offset)
            .ok()
            .and_then(|start| bytes.get(start..))
            .unwrap_or(&[]);
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        rest.get(..size).unwrap_or(rest)
    }

    /// Mutable counterpart of [`field_bytes`].
    #[inline]
    fn field_bytes_mut(bytes: &mut [u8], offset: u32, size: u32) -> &mut [u8] {
        let rest = match usize::try_from(offset)
            .ok()
            .and_then(|start| bytes.get_mut(start..))
        {
            Some(rest) => rest,
            None => return &mut [],
        };
        let size = usize::try_from(size).unwrap_or(usize::MAX).min(rest.len());
        match rest.split_at_mut_checked(size) {
            Some((field, _)) => field,
            None => &mut [],
        }
    }

    /// Decodes the field of type `T` at `offset` inside a struct's bytes.
    #[inline]
    pub fn decode_field<T: GuestValue>(bytes: &[u8], offset: u32) -> T {
        T::decode(field_bytes(bytes, offset, T::SIZE))
    }

    /// Encodes the field of type `T` at `offset` inside a struct's bytes.
    #[inline]
    pub fn encode_field<T: GuestValue>(bytes: &mut [u8], offset: u32, value: &T) {
        value.encode(field_bytes_mut(bytes, offset, T::SIZE));
    }
}

/// Defines structs with an explicit guest layout and implements [`GuestValue`] for them.
///
/// Guest ABIs such as WASI fix every field offset, the total size (with padding) and the
/// alignment; Rust's layout of the host struct is irrelevant because values are decoded
/// field by field from little-endian bytes. Syntax:
///
/// ```
/// vm_sandbox::guest_struct! {
///     /// A WASI `prestat` for a directory (tag 0 followed by the name length).
///     #[derive(Debug, Clone, Copy, PartialEq, Eq)]
///     pub struct Prestat {
///         /// Kind of the preopen (0: directory).
///         pub tag: u8 = 0,
///         /// Length of the preopened path.
///         pub name_len: u32 = 4,
///     }
///     size 8, align 4
/// }
///
/// use vm_sandbox::GuestValue;
/// let mut bytes = [0xAA; 8];
/// Prestat { tag: 0, name_len: 5 }.encode(&mut bytes);
/// assert_eq!(bytes, [0, 0, 0, 0, 5, 0, 0, 0]); // padding is written as zeros
/// assert_eq!(Prestat::decode(&bytes), Prestat { tag: 0, name_len: 5 });
/// ```
///
/// Several structs may be defined in one invocation. Attributes (docs, derives) are passed
/// through. The macro checks at compile time that `align` is a power of two, that `size` is
/// a multiple of `align` (so every element of an array stays aligned), and that each field
/// lies inside `size`, is aligned to its own `ALIGN` and does not need more alignment than
/// the struct. A layout mistake is therefore a build error:
///
/// ```compile_fail
/// vm_sandbox::guest_struct! {
///     /// `b` ends at byte 12, past the declared size.
///     pub struct Broken { pub a: u32 = 0, pub b: u32 = 8 } size 8, align 4
/// }
/// ```
///
/// Encoding zeroes the whole struct first, so padding never carries stale bytes.
#[macro_export]
macro_rules! guest_struct {
    ($(
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $(
                $(#[$field_meta:meta])*
                $field_vis:vis $field:ident : $field_ty:ty = $field_offset:expr
            ),* $(,)?
        }
        size $size:expr, align $align:expr $(;)?
    )*) => {$(
        $(#[$meta])*
        $vis struct $name {
            $(
                $(#[$field_meta])*
                $field_vis $field: $field_ty,
            )*
        }

        impl $crate::GuestValue for $name {
            const SIZE: u32 = $size;
            const ALIGN: u32 = $align;

            fn decode(bytes: &[u8]) -> Self {
                // Decoding from a fixed-size copy makes every field's offset and length a
                // constant the compiler checks once, instead of slicing `bytes` per field.
                let buffer: [u8; { $size as usize }] = $crate::__private::take(bytes);
                // Used by no field when the struct has none.
                let _ = &buffer;
                Self {
                    $(
                        $field: $crate::__private::decode_field::<$field_ty>(&buffer, $field_offset),
                    )*
                }
            }

            fn encode(&self, bytes: &mut [u8]) {
                // Fields are encoded into a zeroed copy (so padding is zero) and the copy is
                // written in one piece, as much of it as fits.
                #[allow(unused_mut, reason = "a struct without fields writes nothing into it")]
                let mut buffer = [0u8; { $size as usize }];
                $(
                    $crate::__private::encode_field::<$field_ty>(&mut buffer, $field_offset, &self.$field);
                )*
                $crate::__private::put(bytes, &buffer);
            }
        }

        const _: () = {
            let size: u32 = $size;
            let align: u32 = $align;
            assert!(
                align.is_power_of_two(),
                concat!("guest_struct ", stringify!($name), ": align must be a power of two"),
            );
            assert!(
                size % align == 0,
                concat!("guest_struct ", stringify!($name), ": size must be a multiple of align"),
            );
            $(
                let offset: u32 = $field_offset;
                let field_size = <$field_ty as $crate::GuestValue>::SIZE;
                let field_align = <$field_ty as $crate::GuestValue>::ALIGN;
                assert!(
                    (offset as u64) + (field_size as u64) <= (size as u64),
                    concat!(
                        "guest_struct ", stringify!($name), ": field `", stringify!($field),
                        "` does not fit inside the struct size",
                    ),
                );
                assert!(
                    field_align != 0 && offset % field_align == 0,
                    concat!(
                        "guest_struct ", stringify!($name), ": field `", stringify!($field),
                        "` is not aligned to its type's alignment",
                    ),
                );
                assert!(
                    field_align <= align,
                    concat!(
                        "guest_struct ", stringify!($name), ": field `", stringify!($field),
                        "` needs more alignment than the struct declares",
                    ),
                );
            )*
        };
    )*};
}

guest_struct! {
    /// A WASI preview1 `iovec` / `ciovec`: one guest buffer of a vectored read or write.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct Iovec {
        /// Guest address of the buffer.
        pub buf: u32 = 0,
        /// Length of the buffer in bytes.
        pub buf_len: u32 = 4,
    }
    size 8, align 4
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn primitives_are_little_endian() {
        let mut bytes = [0u8; 8];
        0x1122_3344_5566_7788u64.encode(&mut bytes);
        assert_eq!(bytes, [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]);
        assert_eq!(u64::decode(&bytes), 0x1122_3344_5566_7788);
        assert_eq!(u16::decode(&[0x01, 0x02]), 0x0201);
        assert_eq!(i32::decode(&[0xFF, 0xFF, 0xFF, 0xFF]), -1);
        assert_eq!(i8::decode(&[0x80]), -128);
        let mut f = [0u8; 4];
        1.5f32.encode(&mut f);
        assert_eq!(f, 1.5f32.to_bits().to_le_bytes());
        assert_eq!(f64::decode(&2.25f64.to_le_bytes()), 2.25);
    }

    #[test]
    fn sizes_and_alignments_match_wasm32() {
        assert_eq!((u8::SIZE, u8::ALIGN), (1, 1));
        assert_eq!((i16::SIZE, i16::ALIGN), (2, 2));
        assert_eq!((f32::SIZE, f32::ALIGN), (4, 4));
        assert_eq!((i64::SIZE, i64::ALIGN), (8, 8));
        assert_eq!((f64::SIZE, f64::ALIGN), (8, 8));
        assert_eq!((GuestPtr::<u64>::SIZE, GuestPtr::<u64>::ALIGN), (4, 4));
        assert_eq!((Iovec::SIZE, Iovec::ALIGN), (8, 4));
    }

    #[test]
    fn wrong_length_slices_do_not_panic() {
        assert_eq!(u32::decode(&[1, 2]), 0x0201);
        assert_eq!(u32::decode(&[]), 0);
        assert_eq!(u16::decode(&[1, 2, 3, 4]), 0x0201);
        let mut short = [0u8; 2];
        0xAABB_CCDDu32.encode(&mut short);
        assert_eq!(short, [0xDD, 0xCC]);
        0u64.encode(&mut []);
        assert_eq!(
            Iovec::decode(&[1, 0, 0, 0, 2]),
            Iovec { buf: 1, buf_len: 2 }
        );
        let mut five = [0xEEu8; 5];
        Iovec {
            buf: 1,
            buf_len: 0x0302,
        }
        .encode(&mut five);
        assert_eq!(five, [1, 0, 0, 0, 2]);
        let mut long = [0xEEu8; 10];
        Iovec { buf: 1, buf_len: 2 }.encode(&mut long);
        assert_eq!(long, [1, 0, 0, 0, 2, 0, 0, 0, 0xEE, 0xEE]);
    }

    guest_struct! {
        /// A struct with padding, a nested struct and a pointer field.
        #[derive(Debug, Clone, Copy, PartialEq)]
        struct Padded {
            tag: u8 = 0,
            value: f64 = 8,
            inner: Iovec = 16,
            ptr: GuestPtr<u16> = 24,
        }
        size 32, align 8

        /// A second struct in the same invocation.
        #[derive(Debug, PartialEq)]
        struct Tiny { a: u8 = 0 } size 1, align 1
    }

    #[test]
    fn guest_struct_round_trips_and_zeroes_padding() {
        let value = Padded {
            tag: 7,
            value: -1.5,
            inner: Iovec {
                buf: 0x10,
                buf_len: 0x20,
            },
            ptr: GuestPtr::new(0x1234),
        };
        let mut bytes = [0xAAu8; 32];
        value.encode(&mut bytes);
        assert_eq!(bytes[0], 7);
        assert_eq!(&bytes[1..8], &[0; 7]);
        assert_eq!(&bytes[8..16], &(-1.5f64).to_le_bytes());
        assert_eq!(&bytes[16..24], &[0x10, 0, 0, 0, 0x20, 0, 0, 0]);
        assert_eq!(&bytes[24..28], &[0x34, 0x12, 0, 0]);
        assert_eq!(&bytes[28..32], &[0; 4]);
        assert_eq!(Padded::decode(&bytes), value);
        assert_eq!((Padded::SIZE, Padded::ALIGN), (32, 8));
        assert_eq!(Tiny::decode(&[9]), Tiny { a: 9 });
    }

    #[test]
    fn guest_ptr_add_checks_overflow() {
        let p = GuestPtr::<u32>::new(8);
        assert_eq!(p.add(0), Ok(GuestPtr::new(8)));
        assert_eq!(p.add(3), Ok(GuestPtr::new(20)));
        // The last element that still starts inside the address space.
        assert_eq!(
            GuestPtr::<u32>::new(u32::MAX - 7).add(1),
            Ok(GuestPtr::new(u32::MAX - 3))
        );
        // offset + delta overflows.
        assert_eq!(
            GuestPtr::<u32>::new(u32::MAX - 3).add(1),
            Err(SandboxError::PointerOverflow {
                offset: u32::MAX - 3,
                count: 1,
                element_size: 4
            })
        );
        // count * SIZE overflows on its own.
        assert_eq!(
            GuestPtr::<u64>::new(0).add(u32::MAX / 8 + 1),
            Err(SandboxError::PointerOverflow {
                offset: 0,
                count: u32::MAX / 8 + 1,
                element_size: 8
            })
        );
        assert!(GuestPtr::<u8>::new(0).is_null());
        assert_eq!(GuestPtr::<u8>::new(5).cast::<u64>().offset(), 5);
    }
}
