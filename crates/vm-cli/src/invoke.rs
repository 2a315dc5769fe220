//! `--invoke`: command-line arguments typed by the export's signature, and result printing.
//!
//! Integers (`i32`, `i64`) are decimal or `0x` hexadecimal, with an optional sign. WebAssembly
//! integers have no signedness, so both the signed and the unsigned range are accepted
//! (`-1` and `4294967295` are the same `i32`). Floats use Rust's syntax, including `nan`,
//! `inf` and `-inf`.

use std::fmt;
use std::io::{self, Write};

use virtual_machine::{FunctionType, Value, ValueType};

/// The arguments do not match the export's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgumentError {
    /// Wrong number of arguments.
    Count {
        /// The export.
        export: String,
        /// Its signature.
        ty: FunctionType,
        /// Arguments given.
        found: usize,
    },
    /// An argument is not a value of its parameter's type.
    Value {
        /// One-based position, as users count arguments.
        position: usize,
        /// The argument as given.
        text: String,
        /// The parameter's type.
        expected: ValueType,
        /// Why it does not parse.
        reason: &'static str,
    },
}

impl fmt::Display for ArgumentError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Count { export, ty, found } => {
                let expected = ty.params().len();
                let plural = if expected == 1 { "" } else { "s" };
                write!(
                    formatter,
                    "export {export:?} takes {expected} argument{plural} of type {ty}, {found} given"
                )
            }
            Self::Value {
                position,
                text,
                expected,
                reason,
            } => write!(
                formatter,
                "argument {position} ({text:?}) is not a valid {expected}: {reason}"
            ),
        }
    }
}

impl std::error::Error for ArgumentError {}

/// Parses `args` as the parameters of `export`, whose type is `ty`.
pub fn parse_arguments(
    export: &str,
    ty: &FunctionType,
    args: &[String],
) -> Result<Vec<Value>, ArgumentError> {
    if args.len() != ty.params().len() {
        return Err(ArgumentError::Count {
            export: String::from(export),
            ty: ty.clone(),
            found: args.len(),
        });
    }
    args.iter()
        .zip(ty.params())
        .enumerate()
        .map(|(index, (text, expected))| {
            parse_value(text, *expected).map_err(|reason| ArgumentError::Value {
                position: index + 1,
                text: text.clone(),
                expected: *expected,
                reason,
            })
        })
        .collect()
}

const INTEGER_SYNTAX: &str = "expected a decimal or 0x-hexadecimal integer";
const FLOAT_SYNTAX: &str = "expected a number such as 1.5, -2e10, nan or inf";

/// Parses one value of type `expected`.
pub fn parse_value(text: &str, expected: ValueType) -> Result<Value, &'static str> {
    match expected {
        ValueType::I32 => {
            let (negative, magnitude) = parse_integer(text)?;
            let value = if negative {
                (magnitude <= 1 << 31).then(|| (magnitude as i64).wrapping_neg() as i32)
            } else {
                u32::try_from(magnitude).ok().map(|value| value as i32)
            };
            value
                .map(Value::I32)
                .ok_or("out of range: -2147483648 to 4294967295")
        }
        ValueType::I64 => {
            let (negative, magnitude) = parse_integer(text)?;
            let value = if negative {
                (magnitude <= 1 << 63).then(|| (magnitude as i64).wrapping_neg())
            } else {
                Some(magnitude as i64)
            };
            value
                .map(Value::I64)
                .ok_or("out of range: -9223372036854775808 to 18446744073709551615")
        }
        ValueType::F32 => text.parse().map(Value::F32).map_err(|_| FLOAT_SYNTAX),
        ValueType::F64 => text.parse().map(Value::F64).map_err(|_| FLOAT_SYNTAX),
    }
}

/// Splits an integer into its sign and magnitude.
fn parse_integer(text: &str) -> Result<(bool, u64), &'static str> {
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, digits) = match unsigned
        .strip_prefix("0x")
        .or_else(|| unsigned.strip_prefix("0X"))
    {
        Some(hex) => (16, hex),
        None => (10, unsigned),
    };
    // `from_str_radix` accepts a sign of its own; only the one handled above is allowed.
    if digits.is_empty() || !digits.chars().all(|digit| digit.is_digit(radix)) {
        return Err(INTEGER_SYNTAX);
    }
    let magnitude = u64::from_str_radix(digits, radix).map_err(|_| "out of range")?;
    Ok((negative, magnitude))
}

/// Prints results one per line: integers in decimal (signed), floats with Rust's `{}`.
pub fn write_results(output: &mut impl Write, results: &[Value]) -> io::Result<()> {
    for value in results {
        // `Value`'s `Display` is exactly this format.
        writeln!(output, "{value}")?;
    }
    output.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|arg| String::from(*arg)).collect()
    }

    #[test]
    fn integers_accept_decimal_hex_signs_and_both_ranges() {
        let cases = [
            ("0", Value::I32(0)),
            ("42", Value::I32(42)),
            ("+42", Value::I32(42)),
            ("-42", Value::I32(-42)),
            ("0x10", Value::I32(16)),
            ("0XfF", Value::I32(255)),
            ("-0x10", Value::I32(-16)),
            ("2147483647", Value::I32(i32::MAX)),
            ("-2147483648", Value::I32(i32::MIN)),
            ("4294967295", Value::I32(-1)),
            ("0xffffffff", Value::I32(-1)),
        ];
        for (text, value) in cases {
            assert_eq!(parse_value(text, ValueType::I32), Ok(value), "{text}");
        }
        assert_eq!(
            parse_value("-9223372036854775808", ValueType::I64),
            Ok(Value::I64(i64::MIN))
        );
        assert_eq!(
            parse_value("18446744073709551615", ValueType::I64),
            Ok(Value::I64(-1))
        );
        assert_eq!(
            parse_value("0x7fffffffffffffff", ValueType::I64),
            Ok(Value::I64(i64::MAX))
        );
        assert_eq!(parse_value("-1", ValueType::I64), Ok(Value::I64(-1)));
    }

    #[test]
    fn bad_integers_are_refused() {
        for text in [
            "", "-", "0x", "1.5", "abc", "--1", "-+1", "+-1", "1e3", " 1", "0x-1", "１",
        ] {
            assert!(parse_value(text, ValueType::I32).is_err(), "{text:?}");
        }
        for text in ["4294967296", "-2147483649", "0x100000000"] {
            assert!(
                parse_value(text, ValueType::I32)
                    .unwrap_err()
                    .contains("range"),
                "{text}"
            );
        }
        assert!(parse_value("18446744073709551616", ValueType::I64).is_err());
        assert!(parse_value("-9223372036854775809", ValueType::I64).is_err());
    }

    #[test]
    fn floats_use_rust_syntax() {
        assert_eq!(parse_value("1.5", ValueType::F32), Ok(Value::F32(1.5)));
        assert_eq!(parse_value("-2e3", ValueType::F64), Ok(Value::F64(-2000.0)));
        assert_eq!(
            parse_value("inf", ValueType::F64),
            Ok(Value::F64(f64::INFINITY))
        );
        assert_eq!(
            parse_value("-inf", ValueType::F32),
            Ok(Value::F32(f32::NEG_INFINITY))
        );
        assert!(
            matches!(parse_value("nan", ValueType::F64), Ok(Value::F64(value)) if value.is_nan())
        );
        assert!(parse_value("1,5", ValueType::F64).is_err());
        assert!(parse_value("0x1p3", ValueType::F64).is_err());
    }

    #[test]
    fn arguments_are_checked_against_the_signature() {
        let ty = FunctionType::new([ValueType::I32, ValueType::F64], [ValueType::I32]);
        assert_eq!(
            parse_arguments("f", &ty, &strings(&["-1", "2.5"])),
            Ok(vec![Value::I32(-1), Value::F64(2.5)])
        );
        let count = parse_arguments("f", &ty, &strings(&["1"])).unwrap_err();
        assert_eq!(
            count.to_string(),
            "export \"f\" takes 2 arguments of type (i32, f64) -> (i32), 1 given"
        );
        let value = parse_arguments("f", &ty, &strings(&["1", "x"])).unwrap_err();
        assert_eq!(
            value.to_string(),
            "argument 2 (\"x\") is not a valid f64: expected a number such as 1.5, -2e10, nan or inf"
        );
    }

    #[test]
    fn results_print_one_per_line() {
        let mut output = Vec::new();
        let results = [
            Value::I32(-1),
            Value::I64(1 << 40),
            Value::F32(1.5),
            Value::F64(f64::NAN),
        ];
        write_results(&mut output, &results).unwrap();
        assert_eq!(
            String::from_utf8(output).unwrap(),
            "-1\n1099511627776\n1.5\nNaN\n"
        );
    }
}
