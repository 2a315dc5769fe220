//! WebAssembly values and function signatures as seen by the host.

use alloc::vec::Vec;
use core::fmt;

/// The value types a host can pass to or receive from a guest.
///
/// `v128` and reference types are not representable: exports or imports that use them are
/// rejected with an error naming the function rather than called with mangled values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit IEEE float.
    F32,
    /// 64-bit IEEE float.
    F64,
}

impl ValueType {
    /// How many 32-bit cells a value of this type takes in WAMR's argument and result
    /// buffers.
    pub(crate) const fn cell_count(self) -> usize {
        match self {
            Self::I32 | Self::F32 => 1,
            Self::I64 | Self::F64 => 2,
        }
    }

    /// Converts WAMR's value kind, or returns the name of an unsupported kind.
    #[cfg(feature = "engine")]
    pub(crate) fn from_wamr(kind: wamrx_sys::wasm_valkind_t) -> Result<Self, UnsupportedValueType> {
        match u32::from(kind) {
            wamrx_sys::WASM_I32 => Ok(Self::I32),
            wamrx_sys::WASM_I64 => Ok(Self::I64),
            wamrx_sys::WASM_F32 => Ok(Self::F32),
            wamrx_sys::WASM_F64 => Ok(Self::F64),
            wamrx_sys::WASM_V128 => Err(UnsupportedValueType::V128),
            wamrx_sys::WASM_EXTERNREF => Err(UnsupportedValueType::ExternRef),
            wamrx_sys::WASM_FUNCREF => Err(UnsupportedValueType::FuncRef),
            _ => Err(UnsupportedValueType::Unknown(kind)),
        }
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Self::I32 => "i32",
            Self::I64 => "i64",
            Self::F32 => "f32",
            Self::F64 => "f64",
        })
    }
}

/// A value type the host interface cannot carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UnsupportedValueType {
    /// The SIMD `v128` type.
    #[error("v128")]
    V128,
    /// `externref`.
    #[error("externref")]
    ExternRef,
    /// `funcref`.
    #[error("funcref")]
    FuncRef,
    /// A kind code WAMR reported that this crate does not know.
    #[error("value kind {0}")]
    Unknown(u8),
}

/// A WebAssembly value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// 32-bit integer (sign is a matter of interpretation).
    I32(i32),
    /// 64-bit integer.
    I64(i64),
    /// 32-bit float.
    F32(f32),
    /// 64-bit float.
    F64(f64),
}

impl Value {
    /// The type of this value.
    pub const fn ty(&self) -> ValueType {
        match self {
            Self::I32(_) => ValueType::I32,
            Self::I64(_) => ValueType::I64,
            Self::F32(_) => ValueType::F32,
            Self::F64(_) => ValueType::F64,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::I32(value) => write!(formatter, "{value}"),
            Self::I64(value) => write!(formatter, "{value}"),
            Self::F32(value) => write!(formatter, "{value}"),
            Self::F64(value) => write!(formatter, "{value}"),
        }
    }
}

/// A function signature: parameter and result types.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FunctionType {
    params: Vec<ValueType>,
    results: Vec<ValueType>,
}

impl FunctionType {
    /// Creates a signature.
    pub fn new(params: impl Into<Vec<ValueType>>, results: impl Into<Vec<ValueType>>) -> Self {
        Self {
            params: params.into(),
            results: results.into(),
        }
    }

    /// Parameter types, in order.
    pub fn params(&self) -> &[ValueType] {
        &self.params
    }

    /// Result types, in order.
    pub fn results(&self) -> &[ValueType] {
        &self.results
    }
}

impl fmt::Display for FunctionType {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |formatter: &mut fmt::Formatter<'_>, types: &[ValueType]| {
            formatter.write_str("(")?;
            for (index, ty) in types.iter().enumerate() {
                if index > 0 {
                    formatter.write_str(", ")?;
                }
                write!(formatter, "{ty}")?;
            }
            formatter.write_str(")")
        };
        list(formatter, &self.params)?;
        formatter.write_str(" -> ")?;
        list(formatter, &self.results)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn function_type_displays_like_a_signature() {
        let ty = FunctionType::new([ValueType::I32, ValueType::F64], [ValueType::I64]);
        assert_eq!(ty.to_string(), "(i32, f64) -> (i64)");
        assert_eq!(FunctionType::new([], []).to_string(), "() -> ()");
    }

    #[test]
    #[cfg(feature = "engine")]
    fn wamr_kinds_map_to_value_types_or_named_errors() {
        assert_eq!(
            ValueType::from_wamr(wamrx_sys::WASM_F32 as u8),
            Ok(ValueType::F32)
        );
        assert_eq!(
            ValueType::from_wamr(wamrx_sys::WASM_V128 as u8),
            Err(UnsupportedValueType::V128)
        );
        assert_eq!(
            ValueType::from_wamr(wamrx_sys::WASM_FUNCREF as u8),
            Err(UnsupportedValueType::FuncRef)
        );
    }
}
