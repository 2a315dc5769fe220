//! Model-based property tests of `GuestMemory`.
//!
//! Guest memory is carved out of a larger host buffer with canary bytes on both sides.
//! Random sequences of guest-chosen operations (offsets, lengths and counts drawn from the
//! whole `u32` range, with extra weight near the memory size and near `u32::MAX`) run both
//! against the real view and against a plain `Vec<u8>` model that uses `u64` arithmetic.
//! Every result must equal the model's (success iff in bounds and aligned, same bytes, same
//! error), and the canaries must never change.

#![allow(clippy::unwrap_used)]

use std::fmt::Debug;

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use vm_sandbox::{GuestMemory, GuestValue, IovecLimits, SandboxError};

const CANARY_LEN: usize = 64;
const CANARY: u8 = 0xA5;

// ---------------------------------------------------------------------------------------
// The model.

fn oob(offset: u32, length: u64, size: usize) -> SandboxError {
    SandboxError::OutOfBounds {
        offset,
        length,
        memory_size: size,
    }
}

/// The model's view of `offset .. offset + length`, or the expected error.
fn model_range(
    model: &[u8],
    offset: u32,
    length: u64,
) -> Result<std::ops::Range<usize>, SandboxError> {
    let end = u64::from(offset) + length; // cannot overflow: both are at most 2^32
    if end > model.len() as u64 {
        Err(oob(offset, length, model.len()))
    } else {
        Ok(offset as usize..end as usize)
    }
}

fn model_aligned(offset: u32, alignment: u32) -> Result<(), SandboxError> {
    if u64::from(offset) % u64::from(alignment) == 0 {
        Ok(())
    } else {
        Err(SandboxError::Misaligned { offset, alignment })
    }
}

/// Primitive guest values with an independent (std) little-endian codec for the model.
trait Prim: GuestValue + Copy + PartialEq + Debug {
    fn model_decode(bytes: &[u8]) -> Self;
    fn model_encode(self) -> Vec<u8>;
    fn from_u64(bits: u64) -> Self;
}

macro_rules! prim {
    ($($ty:ty),*) => {$(
        impl Prim for $ty {
            fn model_decode(bytes: &[u8]) -> Self {
                <$ty>::from_le_bytes(bytes.try_into().unwrap())
            }
            fn model_encode(self) -> Vec<u8> {
                self.to_le_bytes().to_vec()
            }
            fn from_u64(bits: u64) -> Self {
                <$ty>::from_le_bytes(bits.to_le_bytes()[..size_of::<$ty>()].try_into().unwrap())
            }
        }
    )*};
}

prim!(u8, i8, u16, i16, u32, i32, u64, i64, f32, f64);

/// Compares values bit-for-bit (NaN payloads must survive too).
fn same<T: Prim>(a: &Result<T, SandboxError>, b: &Result<T, SandboxError>) -> bool {
    match (a, b) {
        (Ok(a), Ok(b)) => a.model_encode() == b.model_encode(),
        (Err(a), Err(b)) => a == b,
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------
// Operations.

#[derive(Debug, Clone, Copy)]
enum Ty {
    U8,
    I8,
    U16,
    I16,
    U32,
    I32,
    U64,
    I64,
    F32,
    F64,
}

#[derive(Debug, Clone)]
enum Op {
    CheckRange {
        offset: u32,
        length: u32,
    },
    Bytes {
        offset: u32,
        length: u32,
    },
    Fill {
        offset: u32,
        length: u32,
        byte: u8,
    },
    WriteBytes {
        offset: u32,
        data: Vec<u8>,
    },
    Read {
        ty: Ty,
        offset: u32,
        aligned: bool,
    },
    Write {
        ty: Ty,
        offset: u32,
        bits: u64,
        aligned: bool,
    },
    ReadStr {
        offset: u32,
        length: u32,
        max: u32,
    },
    ReadCStr {
        offset: u32,
        max: u32,
    },
    Array {
        wide: bool,
        offset: u32,
        count: u32,
        index: u32,
        bits: u64,
    },
    Iovecs {
        array_offset: u32,
        count: u32,
        plant: Vec<(u32, u32)>,
        limits: IovecLimits,
        data: Vec<u8>,
    },
}

/// A guest-chosen `u32`: anything, but mostly inside memory or near its end, and
/// sometimes near `u32::MAX` where careless arithmetic overflows.
fn guest_u32(size: usize) -> BoxedStrategy<u32> {
    let size = u32::try_from(size).unwrap();
    prop_oneof![
        1 => any::<u32>(),
        5 => 0..=size,
        3 => size.saturating_sub(16)..=size.saturating_add(16),
        1 => (u32::MAX - 16)..=u32::MAX,
    ]
    .boxed()
}

/// A guest-chosen length: mostly small, sometimes huge or near the memory size.
fn guest_len(size: usize) -> BoxedStrategy<u32> {
    prop_oneof![6 => 0..=16u32, 1 => guest_u32(size)].boxed()
}

/// A guest-chosen element count: mostly small, sometimes anything (overflowing `count * SIZE`).
fn guest_count() -> BoxedStrategy<u32> {
    prop_oneof![6 => 0..=8u32, 1 => any::<u32>()].boxed()
}

fn ty() -> impl Strategy<Value = Ty> {
    prop_oneof![
        Just(Ty::U8),
        Just(Ty::I8),
        Just(Ty::U16),
        Just(Ty::I16),
        Just(Ty::U32),
        Just(Ty::I32),
        Just(Ty::U64),
        Just(Ty::I64),
        Just(Ty::F32),
        Just(Ty::F64),
    ]
}

/// An iovec vectored call: plausible iovecs to plant in memory first, and the call itself.
fn iovecs_op(size: usize) -> BoxedStrategy<Op> {
    let size32 = u32::try_from(size).unwrap();
    // Mostly buffers inside memory, so that whole lists validate and capping is exercised.
    let entry = (0..=size32).prop_flat_map(move |buf| {
        (
            Just(buf),
            prop_oneof![8 => 0..=size32 - buf, 1 => guest_len(size)],
        )
    });
    let limits = (
        prop_oneof![4 => 8..=64u32, 1 => 0..=8u32, 1 => any::<u32>()],
        prop_oneof![2 => 0..=64u32, 2 => Just(u32::MAX), 1 => any::<u32>()],
    )
        .prop_map(|(max_count, max_total_bytes)| IovecLimits {
            max_count,
            max_total_bytes,
        });
    let array_offset = prop_oneof![3 => (0..=size32 / 4).prop_map(|x| x * 4), 1 => guest_u32(size)];
    (
        proptest::collection::vec(entry, 0..6),
        array_offset,
        limits,
        proptest::collection::vec(any::<u8>(), 0..48),
    )
        .prop_flat_map(|(plant, array_offset, limits, data)| {
            let planted = u32::try_from(plant.len()).unwrap();
            let count = prop_oneof![4 => Just(planted), 1 => guest_count()];
            (
                Just(plant),
                Just(array_offset),
                count,
                Just(limits),
                Just(data),
            )
        })
        .prop_map(|(plant, array_offset, count, limits, data)| Op::Iovecs {
            array_offset,
            count,
            plant,
            limits,
            data,
        })
        .boxed()
}

fn op(size: usize) -> BoxedStrategy<Op> {
    let offset = guest_u32;
    let aligned_offset =
        prop_oneof![1 => guest_u32(size), 2 => (0..=size as u32 / 8 + 1).prop_map(|x| x * 8)];
    // Often no limit at all, so that the other checks are reached.
    let max = prop_oneof![1 => Just(u32::MAX), 2 => guest_len(size)];
    prop_oneof![
        (offset(size), guest_len(size))
            .prop_map(|(offset, length)| Op::CheckRange { offset, length }),
        (offset(size), guest_len(size)).prop_map(|(offset, length)| Op::Bytes { offset, length }),
        (offset(size), guest_len(size), any::<u8>()).prop_map(|(offset, length, byte)| Op::Fill {
            offset,
            length,
            byte
        }),
        (offset(size), proptest::collection::vec(any::<u8>(), 0..24))
            .prop_map(|(offset, data)| Op::WriteBytes { offset, data }),
        (ty(), offset(size), any::<bool>()).prop_map(|(ty, offset, aligned)| Op::Read {
            ty,
            offset,
            aligned
        }),
        (ty(), offset(size), any::<u64>(), any::<bool>()).prop_map(
            |(ty, offset, bits, aligned)| Op::Write {
                ty,
                offset,
                bits,
                aligned
            }
        ),
        (offset(size), guest_len(size), max.clone()).prop_map(|(offset, length, max)| {
            Op::ReadStr {
                offset,
                length,
                max,
            }
        }),
        (offset(size), max).prop_map(|(offset, max)| Op::ReadCStr { offset, max }),
        (
            any::<bool>(),
            aligned_offset,
            guest_count(),
            guest_count(),
            any::<u64>()
        )
            .prop_map(|(wide, offset, count, index, bits)| Op::Array {
                wide,
                offset,
                count,
                index,
                bits
            }),
        iovecs_op(size),
    ]
    .boxed()
}

/// Initial memory contents: NULs, ASCII and arbitrary bytes, so strings are interesting.
fn contents() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![1 => Just(0u8), 3 => b'a'..=b'z', 2 => any::<u8>()];
    prop_oneof![
        1 => Just(0usize),
        1 => 1usize..8,
        6 => 8usize..300,
        1 => Just(1024usize),
    ]
    .prop_flat_map(move |size| proptest::collection::vec(byte.clone(), size))
}

fn scenario() -> impl Strategy<Value = (Vec<u8>, Vec<Op>)> {
    contents().prop_flat_map(|contents| {
        let size = contents.len();
        (Just(contents), proptest::collection::vec(op(size), 1..40))
    })
}

// ---------------------------------------------------------------------------------------
// Running one operation on both sides.

fn typed<T: Prim>(
    memory: &mut GuestMemory<'_>,
    model: &mut [u8],
    offset: u32,
    aligned: bool,
    write: Option<u64>,
) -> Result<(), TestCaseError> {
    let size = T::SIZE;
    let check = |model: &[u8]| -> Result<std::ops::Range<usize>, SandboxError> {
        let range = model_range(model, offset, u64::from(size))?;
        if aligned {
            model_aligned(offset, T::ALIGN)?;
        }
        Ok(range)
    };
    match write {
        None => {
            let expected = check(model).map(|r| T::model_decode(&model[r]));
            let actual = if aligned {
                memory.read::<T>(offset)
            } else {
                memory.read_unaligned::<T>(offset)
            };
            prop_assert!(
                same(&actual, &expected),
                "read {:?} vs model {:?}",
                actual,
                expected
            );
        }
        Some(bits) => {
            let value = T::from_u64(bits);
            let expected = check(model);
            let actual = if aligned {
                memory.write(offset, &value)
            } else {
                memory.write_unaligned(offset, &value)
            };
            prop_assert_eq!(actual.clone().err(), expected.clone().err());
            if let Ok(range) = expected {
                model[range].copy_from_slice(&value.model_encode());
            }
        }
    }
    Ok(())
}

fn dispatch(
    ty: Ty,
    memory: &mut GuestMemory<'_>,
    model: &mut [u8],
    offset: u32,
    aligned: bool,
    write: Option<u64>,
) -> Result<(), TestCaseError> {
    match ty {
        Ty::U8 => typed::<u8>(memory, model, offset, aligned, write),
        Ty::I8 => typed::<i8>(memory, model, offset, aligned, write),
        Ty::U16 => typed::<u16>(memory, model, offset, aligned, write),
        Ty::I16 => typed::<i16>(memory, model, offset, aligned, write),
        Ty::U32 => typed::<u32>(memory, model, offset, aligned, write),
        Ty::I32 => typed::<i32>(memory, model, offset, aligned, write),
        Ty::U64 => typed::<u64>(memory, model, offset, aligned, write),
        Ty::I64 => typed::<i64>(memory, model, offset, aligned, write),
        Ty::F32 => typed::<f32>(memory, model, offset, aligned, write),
        Ty::F64 => typed::<f64>(memory, model, offset, aligned, write),
    }
}

fn model_str(offset: u32, bytes: &[u8]) -> Result<String, SandboxError> {
    std::str::from_utf8(bytes)
        .map(str::to_owned)
        .map_err(|e| SandboxError::InvalidUtf8 {
            offset,
            valid_up_to: e.valid_up_to(),
        })
}

fn model_c_str(model: &[u8], offset: u32, max: u32) -> Result<String, SandboxError> {
    let size = model.len() as u64;
    if u64::from(offset) > size {
        return Err(oob(offset, 0, model.len()));
    }
    let end = (u64::from(offset) + u64::from(max)).min(size);
    let window = &model[offset as usize..end as usize];
    match window.iter().position(|&b| b == 0) {
        Some(nul) => model_str(offset, &window[..nul]),
        None if u64::from(offset) + u64::from(max) > size => {
            Err(oob(offset, size - u64::from(offset) + 1, model.len()))
        }
        None => Err(SandboxError::MissingNul { offset, max }),
    }
}

fn array_op<T: Prim>(
    memory: &mut GuestMemory<'_>,
    model: &mut [u8],
    offset: u32,
    count: u32,
    index: u32,
    bits: u64,
) -> Result<(), TestCaseError> {
    let byte_len = u64::from(count) * u64::from(T::SIZE);
    let expected = if byte_len > u64::from(u32::MAX) {
        Err(SandboxError::ArrayTooLarge {
            offset,
            count,
            element_size: T::SIZE,
        })
    } else {
        model_range(model, offset, byte_len).and_then(|_| model_aligned(offset, T::ALIGN))
    };
    let array = memory.array::<T>(offset, count);
    prop_assert_eq!(array.as_ref().err(), expected.as_ref().err());
    let Ok(array) = array else { return Ok(()) };
    prop_assert_eq!(array.len(), count);
    prop_assert_eq!(u64::from(array.byte_len()), byte_len);

    let element = |i: u32| offset as usize + i as usize * T::SIZE as usize;
    let expected_get = if index < count {
        Ok(T::model_decode(
            &model[element(index)..element(index) + T::SIZE as usize],
        ))
    } else {
        Err(SandboxError::IndexOutOfBounds { index, len: count })
    };
    prop_assert!(same(&array.get(memory, index), &expected_get));

    // Iterate lazily over at most a few elements: huge zero-cost arrays must not be walked.
    let first: Vec<T> = array.iter(memory).unwrap().take(4).collect();
    let expected_first: Vec<T> = (0..count.min(4))
        .map(|i| T::model_decode(&model[element(i)..element(i) + T::SIZE as usize]))
        .collect();
    prop_assert_eq!(
        first.iter().map(|v| v.model_encode()).collect::<Vec<_>>(),
        expected_first
            .iter()
            .map(|v| v.model_encode())
            .collect::<Vec<_>>()
    );

    let value = T::from_u64(bits);
    let set = array.set(memory, index, &value);
    prop_assert_eq!(set.err(), expected_get.err());
    if index < count {
        model[element(index)..element(index) + T::SIZE as usize]
            .copy_from_slice(&value.model_encode());
    }
    Ok(())
}

/// The model of `GuestMemory::iovecs`: kept ranges (offset, len) or the error.
fn model_iovecs(
    model: &[u8],
    array_offset: u32,
    count: u32,
    limits: IovecLimits,
) -> Result<Vec<(u32, u32)>, SandboxError> {
    if count > limits.max_count {
        return Err(SandboxError::TooManyIovecs {
            count,
            max: limits.max_count,
        });
    }
    let byte_len = u64::from(count) * 8;
    if byte_len > u64::from(u32::MAX) {
        return Err(SandboxError::ArrayTooLarge {
            offset: array_offset,
            count,
            element_size: 8,
        });
    }
    let range = model_range(model, array_offset, byte_len)?;
    model_aligned(array_offset, 4)?;
    let mut kept = Vec::new();
    let mut remaining = u64::from(limits.max_total_bytes);
    for entry in model[range].chunks_exact(8) {
        let buf = u32::from_le_bytes(entry[..4].try_into().unwrap());
        let len = u32::from_le_bytes(entry[4..].try_into().unwrap());
        if len == 0 {
            continue;
        }
        model_range(model, buf, u64::from(len))?;
        let take = u64::from(len).min(remaining);
        remaining -= take;
        if take > 0 {
            kept.push((buf, take as u32));
        }
    }
    Ok(kept)
}

fn iovec_op(
    memory: &mut GuestMemory<'_>,
    model: &mut [u8],
    array_offset: u32,
    count: u32,
    plant: &[(u32, u32)],
    limits: IovecLimits,
    data: &[u8],
) -> Result<(), TestCaseError> {
    // Plant plausible iovecs where the array is, through the API under test.
    for (i, (buf, len)) in plant.iter().enumerate() {
        for (field, value) in [(0u64, *buf), (4, *len)] {
            let at = u64::from(array_offset) + i as u64 * 8 + field;
            let Ok(at) = u32::try_from(at) else { continue };
            let expected = model_range(model, at, 4);
            prop_assert_eq!(
                memory.write_unaligned(at, &value).err(),
                expected.clone().err()
            );
            if let Ok(r) = expected {
                model[r].copy_from_slice(&value.to_le_bytes());
            }
        }
    }

    let expected = model_iovecs(model, array_offset, count, limits);
    let list = memory.iovecs(array_offset, count, limits);
    let actual = list
        .as_ref()
        .map(|l| {
            l.ranges()
                .iter()
                .map(|r| (r.offset, r.len))
                .collect::<Vec<_>>()
        })
        .map_err(Clone::clone);
    prop_assert_eq!(&actual, &expected);
    let (Ok(list), Ok(kept)) = (list, expected) else {
        return Ok(());
    };
    let total: u64 = kept.iter().map(|&(_, len)| u64::from(len)).sum();
    prop_assert_eq!(u64::from(list.total_len()), total);
    prop_assert!(total <= u64::from(limits.max_total_bytes));

    // Gather returns exactly the model's bytes, in order.
    let gathered: Vec<u8> = memory.gather(&list).flatten().copied().collect();
    let expected_gather: Vec<u8> = kept
        .iter()
        .flat_map(|&(o, l)| model[o as usize..(o + l) as usize].to_vec())
        .collect();
    prop_assert_eq!(gathered, expected_gather);

    // Scatter copies in order; overlapping buffers: the later write wins.
    let copied = memory.scatter(&list, data);
    let mut rest = data;
    for &(o, l) in &kept {
        let n = (l as usize).min(rest.len());
        model[o as usize..o as usize + n].copy_from_slice(&rest[..n]);
        rest = &rest[n..];
    }
    prop_assert_eq!(copied, data.len() - rest.len());
    Ok(())
}

fn run(memory: &mut GuestMemory<'_>, model: &mut [u8], op: &Op) -> Result<(), TestCaseError> {
    let size = model.len();
    match op.clone() {
        Op::CheckRange { offset, length } => {
            prop_assert_eq!(
                memory.check_range(offset, length),
                model_range(model, offset, u64::from(length))
            );
        }
        Op::Bytes { offset, length } => {
            let expected = model_range(model, offset, u64::from(length)).map(|r| &model[r]);
            prop_assert_eq!(memory.bytes(offset, length), expected);
        }
        Op::Fill {
            offset,
            length,
            byte,
        } => {
            let expected = model_range(model, offset, u64::from(length));
            match memory.bytes_mut(offset, length) {
                Ok(bytes) => {
                    prop_assert_eq!(bytes.len(), length as usize);
                    bytes.fill(byte);
                }
                Err(e) => prop_assert_eq!(Err(e), expected.clone()),
            }
            if let Ok(r) = expected {
                model[r].fill(byte);
            }
        }
        Op::WriteBytes { offset, data } => {
            let expected = model_range(model, offset, data.len() as u64);
            prop_assert_eq!(
                memory.write_bytes(offset, &data).err(),
                expected.clone().err()
            );
            if let Ok(r) = expected {
                model[r].copy_from_slice(&data);
            }
        }
        Op::Read {
            ty,
            offset,
            aligned,
        } => dispatch(ty, memory, model, offset, aligned, None)?,
        Op::Write {
            ty,
            offset,
            bits,
            aligned,
        } => dispatch(ty, memory, model, offset, aligned, Some(bits))?,
        Op::ReadStr {
            offset,
            length,
            max,
        } => {
            let expected = if length > max {
                Err(SandboxError::StringTooLong {
                    offset,
                    length,
                    max,
                })
            } else {
                model_range(model, offset, u64::from(length))
                    .and_then(|r| model_str(offset, &model[r]))
            };
            prop_assert_eq!(
                memory.read_str(offset, length, max).map(str::to_owned),
                expected
            );
        }
        Op::ReadCStr { offset, max } => {
            prop_assert_eq!(
                memory.read_c_str(offset, max).map(str::to_owned),
                model_c_str(model, offset, max)
            );
        }
        Op::Array {
            wide,
            offset,
            count,
            index,
            bits,
        } => {
            if wide {
                array_op::<u64>(memory, model, offset, count, index, bits)?;
            } else {
                array_op::<u32>(memory, model, offset, count, index, bits)?;
            }
        }
        Op::Iovecs {
            array_offset,
            count,
            plant,
            limits,
            data,
        } => {
            iovec_op(memory, model, array_offset, count, &plant, limits, &data)?;
        }
    }
    prop_assert_eq!(memory.len(), size);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 384,
        // Integration tests have no lib.rs next to them; keep regressions beside this file.
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn guest_memory_matches_the_model((contents, ops) in scenario()) {
        let mut host = vec![CANARY; CANARY_LEN];
        host.extend_from_slice(&contents);
        host.extend(std::iter::repeat_n(CANARY, CANARY_LEN));
        let mut model = contents.clone();
        {
            let region = &mut host[CANARY_LEN..CANARY_LEN + contents.len()];
            let mut memory = GuestMemory::new(region);
            for op in &ops {
                run(&mut memory, &mut model, op)?;
            }
        }
        prop_assert!(host[..CANARY_LEN].iter().all(|&b| b == CANARY), "canary before memory changed");
        prop_assert!(host[CANARY_LEN + contents.len()..].iter().all(|&b| b == CANARY), "canary after memory changed");
        prop_assert_eq!(&host[CANARY_LEN..CANARY_LEN + contents.len()], &model[..]);
    }
}
