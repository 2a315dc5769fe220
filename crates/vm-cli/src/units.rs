//! Parsing of sizes and durations given on the command line.
//!
//! Sizes: a decimal integer, optionally followed by a byte unit `B`, `KiB`, `MiB` or `GiB`
//! (powers of 1024, spelled exactly so; whitespace before the unit is allowed). Decimal units
//! such as `KB` or `MB` are refused rather than guessed, since embedded budgets are usually
//! counted in powers of two and a silent factor of 1.024 would be a surprise. What a bare
//! number means depends on the option: pages for `--max-memory`, bytes otherwise.
//!
//! Durations: a decimal number (fractions allowed) followed by `ms`, `s`, `m` or `h`, e.g.
//! `500ms`, `1.5s`, `2m`. A small parser rather than the `humantime` crate: `humantime`
//! rejects fractional values such as `1.5s`, and this syntax needs a dozen lines and no
//! extra dependency.

use std::time::Duration;

use virtual_machine::{
    INSTRUCTION_BUDGET_SUPPORTED, MAX_INSTRUCTION_BUDGET, MAX_PAGES, MIN_POOL_SIZE, MIN_STACK_SIZE,
};

/// Bytes in a WebAssembly page.
pub const PAGE_SIZE: u64 = 64 * 1024;

/// A byte unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ByteUnit {
    Bytes,
    Kibibytes,
    Mebibytes,
    Gibibytes,
}

impl ByteUnit {
    fn bytes(self) -> u64 {
        match self {
            Self::Bytes => 1,
            Self::Kibibytes => 1 << 10,
            Self::Mebibytes => 1 << 20,
            Self::Gibibytes => 1 << 30,
        }
    }
}

/// A number with an optional byte unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Quantity {
    value: u64,
    unit: Option<ByteUnit>,
}

impl Quantity {
    /// The size in bytes, taking a bare number as bytes.
    fn bytes(self) -> Result<u64, String> {
        let unit = self.unit.unwrap_or(ByteUnit::Bytes);
        self.value
            .checked_mul(unit.bytes())
            .ok_or_else(|| String::from("size is too large"))
    }
}

/// Splits `text` into its leading digits and the rest.
fn split_number(text: &str) -> (&str, &str) {
    let end = text
        .find(|character: char| !character.is_ascii_digit())
        .unwrap_or(text.len());
    text.split_at(end)
}

fn parse_quantity(text: &str) -> Result<Quantity, String> {
    let text = text.trim();
    let (digits, unit) = split_number(text);
    if digits.is_empty() {
        return Err(format!(
            "`{text}` is not a size: expected a whole number, optionally followed by B, KiB, MiB or GiB"
        ));
    }
    let value = digits
        .parse::<u64>()
        .map_err(|_| format!("`{digits}` is too large"))?;
    let unit = match unit.trim_start() {
        "" => None,
        "B" => Some(ByteUnit::Bytes),
        "KiB" => Some(ByteUnit::Kibibytes),
        "MiB" => Some(ByteUnit::Mebibytes),
        "GiB" => Some(ByteUnit::Gibibytes),
        other => {
            return Err(format!(
                "unknown unit `{other}`: use B, KiB, MiB or GiB (powers of 1024)"
            ));
        }
    };
    Ok(Quantity { value, unit })
}

/// `--max-memory`: a bare number is pages, a size with a unit is bytes rounded up to whole
/// pages. At most [`MAX_PAGES`].
pub fn parse_memory_pages(text: &str) -> Result<u32, String> {
    let quantity = parse_quantity(text)?;
    let pages = match quantity.unit {
        None => quantity.value,
        Some(_) => quantity.bytes()?.div_ceil(PAGE_SIZE),
    };
    u32::try_from(pages)
        .ok()
        .filter(|pages| *pages <= MAX_PAGES)
        .ok_or_else(|| {
            format!("{pages} pages exceed the wasm32 maximum of {MAX_PAGES} pages (4 GiB)")
        })
}

/// `--stack`: bytes (a bare number is bytes), at least [`MIN_STACK_SIZE`] and below 4 GiB.
pub fn parse_stack_size(text: &str) -> Result<u32, String> {
    let bytes = parse_quantity(text)?.bytes()?;
    let bytes =
        u32::try_from(bytes).map_err(|_| format!("{bytes} bytes do not fit below 4 GiB"))?;
    if bytes < MIN_STACK_SIZE {
        return Err(format!(
            "{bytes} bytes is below the minimum stack size of {MIN_STACK_SIZE} bytes"
        ));
    }
    Ok(bytes)
}

/// `--pool`: bytes (a bare number is bytes), at least [`MIN_POOL_SIZE`].
pub fn parse_pool_size(text: &str) -> Result<usize, String> {
    let bytes = parse_quantity(text)?.bytes()?;
    let bytes = usize::try_from(bytes)
        .map_err(|_| format!("{bytes} bytes do not fit in this host's address space"))?;
    if bytes < MIN_POOL_SIZE {
        return Err(format!(
            "{bytes} bytes is below the minimum pool size of {MIN_POOL_SIZE} bytes"
        ));
    }
    Ok(bytes)
}

/// `--fuel`: an instruction count up to [`MAX_INSTRUCTION_BUDGET`], in a build with
/// instruction metering only.
pub fn parse_fuel(text: &str) -> Result<u64, String> {
    if !INSTRUCTION_BUDGET_SUPPORTED {
        return Err(String::from(
            "this xila-vm was built without instruction metering (WAMR define \
             WASM_ENABLE_INSTRUCTION_METERING); use --timeout to stop runaway guests",
        ));
    }
    let fuel: u64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a whole number of instructions"))?;
    if fuel > MAX_INSTRUCTION_BUDGET {
        return Err(format!(
            "{fuel} is above the largest budget of {MAX_INSTRUCTION_BUDGET} instructions"
        ));
    }
    Ok(fuel)
}

/// `--timeout`: a positive duration such as `500ms`, `1.5s`, `2m` or `1h`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let invalid = || {
        format!(
            "`{text}` is not a duration: expected a number and a unit ms, s, m or h, e.g. 500ms or 1.5s"
        )
    };
    let (whole, rest) = split_number(text);
    let (fraction, unit) = match rest.strip_prefix('.') {
        Some(rest) => split_number(rest),
        None => ("", rest),
    };
    if whole.is_empty() && fraction.is_empty() {
        return Err(invalid());
    }
    let unit_nanos: u128 = match unit.trim_start() {
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60 * 1_000_000_000,
        "h" => 3600 * 1_000_000_000,
        _ => return Err(invalid()),
    };
    // Integer arithmetic keeps values such as 0.1s exact; fraction digits below a nanosecond
    // are dropped.
    let too_long = || format!("`{text}` is too long a duration");
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| too_long())?
    };
    let fraction = &fraction[..fraction.len().min(18)];
    let fraction_nanos = if fraction.is_empty() {
        0
    } else {
        let digits: u128 = fraction.parse().map_err(|_| invalid())?;
        let scale = 10u128.pow(u32::try_from(fraction.len()).map_err(|_| invalid())?);
        digits * unit_nanos / scale
    };
    let nanos = whole
        .checked_mul(unit_nanos)
        .and_then(|nanos| nanos.checked_add(fraction_nanos))
        .ok_or_else(too_long)?;
    if nanos == 0 {
        return Err(String::from("the timeout must be greater than zero"));
    }
    let seconds = u64::try_from(nanos / 1_000_000_000).map_err(|_| too_long())?;
    let subsecond = u32::try_from(nanos % 1_000_000_000).map_err(|_| too_long())?;
    Ok(Duration::new(seconds, subsecond))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_limits_are_pages_or_bytes_rounded_up() {
        assert_eq!(parse_memory_pages("16"), Ok(16));
        assert_eq!(parse_memory_pages("0"), Ok(0));
        assert_eq!(parse_memory_pages("1MiB"), Ok(16));
        assert_eq!(parse_memory_pages("64KiB"), Ok(1));
        assert_eq!(parse_memory_pages("65536B"), Ok(1));
        assert_eq!(parse_memory_pages("65537B"), Ok(2));
        assert_eq!(parse_memory_pages("1B"), Ok(1));
        assert_eq!(parse_memory_pages("4GiB"), Ok(65_536));
        assert_eq!(parse_memory_pages("2 MiB"), Ok(32));
        assert_eq!(parse_memory_pages("65536"), Ok(65_536));
    }

    #[test]
    fn bad_memory_limits_are_refused_with_a_reason() {
        for text in ["", "MiB", "-1", "1.5MiB", "abc", "0x10"] {
            assert!(parse_memory_pages(text).is_err(), "{text}");
        }
        let error = parse_memory_pages("2MB").unwrap_err();
        assert!(error.contains("KiB"), "{error}");
        let error = parse_memory_pages("65537").unwrap_err();
        assert!(error.contains("65536"), "{error}");
        assert!(parse_memory_pages("5GiB").is_err());
        assert!(parse_memory_pages("99999999999999999999999").is_err());
        assert!(parse_memory_pages("18446744073709551615GiB").is_err());
    }

    #[test]
    fn stack_sizes_are_bytes() {
        assert_eq!(parse_stack_size("65536"), Ok(65_536));
        assert_eq!(parse_stack_size("16KiB"), Ok(16_384));
        assert_eq!(parse_stack_size("1MiB"), Ok(1 << 20));
        assert_eq!(parse_stack_size("1024B"), Ok(1024));
        let error = parse_stack_size("16").unwrap_err();
        assert!(error.contains("minimum"), "{error}");
        assert!(parse_stack_size("4GiB").is_err());
    }

    #[test]
    fn pool_sizes_are_bytes() {
        assert_eq!(parse_pool_size("1MiB"), Ok(1 << 20));
        assert_eq!(parse_pool_size("65536"), Ok(65_536));
        assert!(parse_pool_size("1KiB").is_err());
    }

    #[test]
    fn durations_take_a_unit_and_fractions() {
        assert_eq!(parse_duration("1s"), Ok(Duration::from_secs(1)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("0.1s"), Ok(Duration::from_millis(100)));
        assert_eq!(parse_duration(".25s"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("1.5ms"), Ok(Duration::from_micros(1500)));
        assert_eq!(parse_duration("200 ms"), Ok(Duration::from_millis(200)));
        assert_eq!(
            parse_duration("0.0000000019s"),
            Ok(Duration::from_nanos(1)),
            "sub-nanosecond digits are dropped"
        );
    }

    #[test]
    fn bad_durations_are_refused() {
        for text in [
            "", "1", "s", "1.s.", "-1s", "1sec", "1 d", "1.5.5s", "nan s", "0s", "0.0ms",
        ] {
            assert!(parse_duration(text).is_err(), "{text:?}");
        }
        assert!(parse_duration("99999999999999999999999999999999999999999h").is_err());
    }
}
