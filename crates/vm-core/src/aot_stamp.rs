//! The stamp of an ahead-of-time compiled module: the header `xila-aotc` puts in front of
//! WAMR's `.aot` payload, so that a runtime can refuse code compiled with options it cannot run
//! safely.
//!
//! WAMR's own `.aot` format records the target architecture and a few feature flags, but not how
//! memory accesses are bounds-checked: code compiled for hardware bounds checks (guard pages)
//! and run by a runtime built with software checks does not trap on out-of-bounds stores and
//! writes outside the sandbox. Nor does it record the CPU features the code assumes, or whether
//! the code polls the stop flag. This header records all of it, and [`AotStamp::check`]
//! compares it with what the runtime needs ([`Requirements`]); any difference is a typed
//! [`Mismatch`] naming the field and both values.
//!
//! The stamp guards against accidents (a file compiled for another board, another VM version,
//! other options). It is not a signature: an `.aot` file is native code and must come from a
//! trusted compiler, stamp or not.
//!
//! # Layout (format version 1, all integers little-endian)
//!
//! | offset | size | field |
//! | --- | --- | --- |
//! | 0 | 8 | [`MAGIC`] |
//! | 8 | 2 | format version ([`FORMAT_VERSION`]) |
//! | 10 | 2 | payload offset: the header length, a multiple of [`PAYLOAD_ALIGNMENT`] |
//! | 12 | 4 | payload length in bytes |
//! | 16 | 4 | VM ABI version ([`ABI_VERSION`] of the compiler) |
//! | 20 | 6 | WAMR version: major, minor, patch (`u16` each) |
//! | 26 | 1 | target architecture ([`Target`]) |
//! | 27 | 1 | target ABI ([`Abi`]) |
//! | 28 | 1 | linear-memory bounds checks ([`BoundsChecks`]) |
//! | 29 | 1 | flags: bit 0 native-stack bounds checks, bit 1 stop checks, bit 2 XIP |
//! | 30 | 1 | LLVM optimisation level (0–3) |
//! | 31 | 1 | LLVM size level (0–3) |
//! | 32 | 1 | length of the CPU name (1–255) |
//! | 33 | 1 | length of the CPU feature list (0–255) |
//! | 34 | 6 | reserved, zero |
//! | 40 | n | CPU name (ASCII) |
//! | 40 + n | m | CPU feature list (ASCII, `+a,-b` as LLVM takes it) |
//! | … | | zero padding up to the payload offset |
//!
//! The payload starts at a multiple of [`PAYLOAD_ALIGNMENT`] from the start of the file, so a
//! file placed at an aligned address (flash, for execute-in-place) keeps WAMR's own alignment
//! of the code inside the payload.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

/// The first eight bytes of a stamped `.aot` file. Starts with NUL like WebAssembly (`\0asm`)
/// and WAMR AOT (`\0aot`) files, so none of the three can be taken for another.
pub const MAGIC: [u8; 8] = *b"\0XILAAOT";

/// The layout version of the header this module reads and writes.
pub const FORMAT_VERSION: u16 = 1;

/// The version of the contract between `xila-aotc` and the VM: the compile options the VM
/// relies on (software bounds checks, native-stack checks, stop checks, no code that WAMR
/// would run during instantiation) and the VM's own conventions. Bumped whenever a change makes
/// code compiled earlier unsafe or wrong to run.
pub const ABI_VERSION: u32 = 1;

/// The payload (WAMR's `.aot` file) starts at a multiple of this offset.
pub const PAYLOAD_ALIGNMENT: usize = 16;

/// The length of the fixed part of the header, before the CPU name.
pub const FIXED_HEADER_LEN: usize = 40;

/// The first four bytes of WAMR's `.aot` format, which the payload must start with.
pub const WAMR_AOT_MAGIC: [u8; 4] = *b"\0aot";

/// The first four bytes of a WebAssembly module.
const WASM_MAGIC: [u8; 4] = *b"\0asm";

/// The longest CPU name or CPU feature list the header can hold.
pub const MAX_TEXT_LEN: usize = u8::MAX as usize;

const FLAG_STACK_BOUNDS_CHECKS: u8 = 1 << 0;
const FLAG_STOP_CHECKS: u8 = 1 << 1;
const FLAG_XIP: u8 = 1 << 2;
const KNOWN_FLAGS: u8 = FLAG_STACK_BOUNDS_CHECKS | FLAG_STOP_CHECKS | FLAG_XIP;

/// The highest LLVM optimisation and size level.
pub const MAX_LEVEL: u8 = 3;

/// A CPU architecture `.aot` files are compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// 64-bit x86.
    X86_64,
    /// 32-bit x86 (i686).
    I686,
    /// 64-bit RISC-V.
    Riscv64,
    /// 32-bit RISC-V (ESP32-C3/C6 and the like).
    Riscv32,
}

impl Target {
    /// Every target, in code order.
    pub const ALL: [Self; 4] = [Self::X86_64, Self::I686, Self::Riscv64, Self::Riscv32];

    /// The architecture this code is compiled for, if it is one of the targets: the runtime's
    /// own (see `vm_core::runtime_target`), or the build machine's for the compiler.
    pub const fn of_this_build() -> Option<Self> {
        if cfg!(target_arch = "x86_64") {
            Some(Self::X86_64)
        } else if cfg!(target_arch = "x86") {
            Some(Self::I686)
        } else if cfg!(target_arch = "riscv64") {
            Some(Self::Riscv64)
        } else if cfg!(target_arch = "riscv32") {
            Some(Self::Riscv32)
        } else {
            None
        }
    }

    /// The name used on command lines and in messages (`x86_64`, `i686`, `riscv64`, `riscv32`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::X86_64 => "x86_64",
            Self::I686 => "i686",
            Self::Riscv64 => "riscv64",
            Self::Riscv32 => "riscv32",
        }
    }

    /// The target called `name` (see [`Target::name`]).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|target| target.name() == name)
    }

    /// The ABIs code for this target can be compiled for.
    pub const fn abis(self) -> &'static [Abi] {
        match self {
            Self::X86_64 | Self::I686 => &[Abi::Gnu],
            Self::Riscv64 => &[Abi::Lp64, Abi::Lp64d],
            Self::Riscv32 => &[Abi::Ilp32, Abi::Ilp32f, Abi::Ilp32d],
        }
    }

    const fn code(self) -> u8 {
        match self {
            Self::X86_64 => 1,
            Self::I686 => 2,
            Self::Riscv64 => 3,
            Self::Riscv32 => 4,
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|target| target.code() == code)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A calling convention (how floating-point values are passed), as LLVM names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Abi {
    /// The System V ABI of x86 Linux (`gnu`).
    Gnu,
    /// RISC-V 32-bit, no floating-point registers (`ilp32`): ESP32-C3/C6.
    Ilp32,
    /// RISC-V 32-bit, single-precision registers (`ilp32f`).
    Ilp32f,
    /// RISC-V 32-bit, double-precision registers (`ilp32d`).
    Ilp32d,
    /// RISC-V 64-bit, no floating-point registers (`lp64`).
    Lp64,
    /// RISC-V 64-bit, double-precision registers (`lp64d`): Linux on RISC-V.
    Lp64d,
}

impl Abi {
    /// Every ABI, in code order.
    pub const ALL: [Self; 6] = [
        Self::Gnu,
        Self::Ilp32,
        Self::Ilp32f,
        Self::Ilp32d,
        Self::Lp64,
        Self::Lp64d,
    ];

    /// LLVM's name for the ABI (`gnu`, `ilp32`, `lp64d`, …).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Gnu => "gnu",
            Self::Ilp32 => "ilp32",
            Self::Ilp32f => "ilp32f",
            Self::Ilp32d => "ilp32d",
            Self::Lp64 => "lp64",
            Self::Lp64d => "lp64d",
        }
    }

    /// The ABI called `name` (see [`Abi::name`]).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|abi| abi.name() == name)
    }

    /// Whether the ABI passes double-precision values in floating-point registers, which
    /// needs the `d` extension.
    pub const fn needs_double_float(self) -> bool {
        matches!(self, Self::Ilp32d | Self::Lp64d)
    }

    /// Whether the ABI passes single-precision values in floating-point registers, which needs
    /// the `f` extension.
    pub const fn needs_single_float(self) -> bool {
        matches!(self, Self::Ilp32f | Self::Ilp32d | Self::Lp64d)
    }

    const fn code(self) -> u8 {
        match self {
            Self::Gnu => 1,
            Self::Ilp32 => 2,
            Self::Ilp32f => 3,
            Self::Ilp32d => 4,
            Self::Lp64 => 5,
            Self::Lp64d => 6,
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|abi| abi.code() == code)
    }
}

impl fmt::Display for Abi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How compiled code keeps linear-memory accesses inside the sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BoundsChecks {
    /// Every access is compared with the memory size in the code itself. What this VM's
    /// runtime needs: it is built without WAMR's guard-page scheme.
    Software,
    /// The code relies on guard pages and a signal handler in the runtime to catch
    /// out-of-bounds accesses; without them such code reads and writes outside the memory.
    Hardware,
}

impl BoundsChecks {
    /// A short name for messages.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Software => "software",
            Self::Hardware => "hardware (guard pages)",
        }
    }

    const fn code(self) -> u8 {
        match self {
            Self::Software => 1,
            Self::Hardware => 2,
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        [Self::Software, Self::Hardware]
            .into_iter()
            .find(|mode| mode.code() == code)
    }
}

impl fmt::Display for BoundsChecks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A WAMR release, as `major.minor.patch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WamrVersion {
    /// Major version.
    pub major: u16,
    /// Minor version.
    pub minor: u16,
    /// Patch version.
    pub patch: u16,
}

impl fmt::Display for WamrVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// How a module was compiled: everything in the stamp that describes the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompileOptions<'a> {
    /// The CPU architecture.
    pub target: Target,
    /// The calling convention.
    pub abi: Abi,
    /// The LLVM CPU name the code was tuned for (`x86-64`, `generic-rv32`, …).
    pub cpu: &'a str,
    /// The CPU features the code may use, as LLVM takes them: `+m,+a,+c`. A feature enabled
    /// here is an instruction-set extension the code may contain.
    pub cpu_features: &'a str,
    /// How linear-memory accesses are checked.
    pub bounds_checks: BoundsChecks,
    /// The code checks the native stack pointer against the runtime's limit before it grows
    /// the stack (needed when the runtime has no guard page below the native stack).
    pub stack_bounds_checks: bool,
    /// The code polls the execution environment's terminate flag at loop back edges and around
    /// calls, so a stop handle can end a runaway guest.
    pub stop_checks: bool,
    /// Execute-in-place: the code calls through a table instead of patched addresses, so it
    /// runs from a read-only buffer without relocation.
    pub xip: bool,
    /// LLVM optimisation level (0–3), for information.
    pub opt_level: u8,
    /// LLVM size level (0–3), for information.
    pub size_level: u8,
}

impl CompileOptions<'static> {
    /// The portable options for `target`: a generic CPU of the architecture (never the build
    /// machine's) with the features every chip of the kind has, software bounds checks,
    /// native-stack checks and stop checks.
    ///
    /// - `x86_64`: CPU `x86-64` (SSE2, no later extension), ABI `gnu`.
    /// - `i686`: CPU `i686`, ABI `gnu`.
    /// - `riscv64`: CPU `generic-rv64`, `+m,+a,+c,+f,+d`, ABI `lp64d` (RV64GC Linux boards).
    /// - `riscv32`: CPU `generic-rv32`, `+m,+a,+c`, ABI `ilp32` (ESP32-C3/C6: no FPU).
    pub const fn portable(target: Target) -> Self {
        let (abi, cpu, cpu_features) = match target {
            Target::X86_64 => (Abi::Gnu, "x86-64", ""),
            Target::I686 => (Abi::Gnu, "i686", ""),
            Target::Riscv64 => (Abi::Lp64d, "generic-rv64", "+m,+a,+c,+f,+d"),
            Target::Riscv32 => (Abi::Ilp32, "generic-rv32", "+m,+a,+c"),
        };
        Self {
            target,
            abi,
            cpu,
            cpu_features,
            bounds_checks: BoundsChecks::Software,
            stack_bounds_checks: true,
            stop_checks: true,
            xip: false,
            opt_level: MAX_LEVEL,
            size_level: MAX_LEVEL,
        }
    }
}

impl<'a> CompileOptions<'a> {
    /// Checks the options can be written into a stamp: the ABI belongs to the target, the CPU
    /// name and feature list are short ASCII words, the levels are in range.
    pub fn validate(&self) -> Result<(), InvalidOptions> {
        if !self.target.abis().contains(&self.abi) {
            return Err(InvalidOptions::AbiNotForTarget {
                abi: self.abi,
                target: self.target,
            });
        }
        check_text(TextField::Cpu, self.cpu)?;
        check_text(TextField::CpuFeatures, self.cpu_features)?;
        for (field, value) in [
            (LevelField::Optimisation, self.opt_level),
            (LevelField::Size, self.size_level),
        ] {
            if value > MAX_LEVEL {
                return Err(InvalidOptions::LevelOutOfRange { field, value });
            }
        }
        Ok(())
    }

    /// The features the list enables, each once, in list order. LLVM applies the list left to
    /// right, so a later `-x` cancels an earlier `+x` and the other way round.
    pub fn enabled_features(&self) -> impl Iterator<Item = &'a str> + 'a {
        let list = self.cpu_features;
        feature_items(list)
            .enumerate()
            .filter_map(move |(index, (_, name))| {
                let first_mention = feature_items(list)
                    .take(index)
                    .all(|(_, earlier)| earlier != name);
                let enabled_at_the_end = feature_items(list)
                    .filter(|(_, other)| *other == name)
                    .last()
                    .is_some_and(|(enabled, _)| enabled);
                (first_mention && enabled_at_the_end).then_some(name)
            })
    }
}

/// `(enabled, name)` for each word of a feature list: `+a` enables `a`, `-a` disables it.
/// [`CompileOptions::validate`] refuses words without a sign; here they count as enabled.
fn feature_items(list: &str) -> impl Iterator<Item = (bool, &str)> {
    list.split(',')
        .filter(|word| !word.is_empty())
        .map(|word| match word.split_at_checked(1) {
            Some(("-", name)) => (false, name),
            Some(("+", name)) => (true, name),
            _ => (true, word),
        })
}

/// Which text field of the stamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    /// The CPU name.
    Cpu,
    /// The CPU feature list.
    CpuFeatures,
}

impl fmt::Display for TextField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Cpu => "CPU name",
            Self::CpuFeatures => "CPU feature list",
        })
    }
}

/// Which LLVM level of the stamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelField {
    /// The optimisation level.
    Optimisation,
    /// The size level.
    Size,
}

impl fmt::Display for LevelField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Optimisation => "optimisation level",
            Self::Size => "size level",
        })
    }
}

/// Compile options that cannot be written into (or were read from) a stamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidOptions {
    /// The ABI is not one of the target's.
    #[error("ABI {abi} is not an ABI of target {target}")]
    AbiNotForTarget {
        /// The ABI.
        abi: Abi,
        /// The target.
        target: Target,
    },
    /// A text field is empty where a value is required, or too long.
    #[error("the {field} has {len} bytes, it must have between {min} and {max}")]
    TextLength {
        /// The field.
        field: TextField,
        /// Its length.
        len: usize,
        /// The shortest allowed length.
        min: usize,
        /// The longest allowed length.
        max: usize,
    },
    /// A text field has a character that is not an ASCII letter, digit or one of `.-_+`
    /// (and `,` in the feature list).
    #[error("the {field} `{text}` has the character {character:?}, which is not allowed")]
    TextCharacter {
        /// The field.
        field: TextField,
        /// The field's text (lossily decoded when read from a file).
        text: String,
        /// The first character not allowed.
        character: char,
    },
    /// A word of the feature list is not `+name` or `-name`.
    #[error("the CPU feature list has the word `{word}`; each word must be +feature or -feature")]
    FeatureWord {
        /// The word.
        word: String,
    },
    /// An LLVM level is above [`MAX_LEVEL`].
    #[error("the {field} is {value}, the highest is {MAX_LEVEL}")]
    LevelOutOfRange {
        /// The field.
        field: LevelField,
        /// Its value.
        value: u8,
    },
}

fn check_text(field: TextField, text: &str) -> Result<(), InvalidOptions> {
    let min = match field {
        TextField::Cpu => 1,
        TextField::CpuFeatures => 0,
    };
    if text.len() < min || text.len() > MAX_TEXT_LEN {
        return Err(InvalidOptions::TextLength {
            field,
            len: text.len(),
            min,
            max: MAX_TEXT_LEN,
        });
    }
    let allowed = |c: char| {
        c.is_ascii_alphanumeric()
            || matches!(c, '.' | '-' | '_' | '+')
            || (c == ',' && field == TextField::CpuFeatures)
    };
    if let Some(character) = text.chars().find(|&c| !allowed(c)) {
        return Err(InvalidOptions::TextCharacter {
            field,
            text: text.to_string(),
            character,
        });
    }
    if field == TextField::CpuFeatures && !text.is_empty() {
        let well_formed = |word: &str| match word.split_at_checked(1) {
            Some(("+" | "-", name)) => !name.is_empty() && !name.contains(['+', '-']),
            _ => false,
        };
        if let Some(word) = text.split(',').find(|word| !well_formed(word)) {
            return Err(InvalidOptions::FeatureWord {
                word: word.to_string(),
            });
        }
    }
    Ok(())
}

/// The length of a text field as the header stores it.
fn text_len(field: TextField, text: &str) -> Result<u8, InvalidOptions> {
    u8::try_from(text.len()).map_err(|_| InvalidOptions::TextLength {
        field,
        len: text.len(),
        min: usize::from(field == TextField::Cpu),
        max: MAX_TEXT_LEN,
    })
}

/// The stamp of a compiled module: who compiled it and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AotStamp<'a> {
    /// The VM ABI version the compiler implemented ([`ABI_VERSION`] when it was built).
    pub abi_version: u32,
    /// The WAMR version whose compiler produced the payload.
    pub wamr_version: WamrVersion,
    /// How the payload was compiled.
    pub options: CompileOptions<'a>,
}

/// A stamped file, split into its stamp and WAMR's `.aot` payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StampedModule<'a> {
    /// The stamp.
    pub stamp: AotStamp<'a>,
    /// Where the payload starts in the file (a multiple of [`PAYLOAD_ALIGNMENT`]).
    pub payload_offset: usize,
    /// WAMR's `.aot` file.
    pub payload: &'a [u8],
}

/// The header length (= payload offset) of a stamp with these options.
pub fn header_len(options: &CompileOptions<'_>) -> usize {
    let unpadded = FIXED_HEADER_LEN + options.cpu.len() + options.cpu_features.len();
    unpadded.div_ceil(PAYLOAD_ALIGNMENT) * PAYLOAD_ALIGNMENT
}

/// A stamp could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// The compile options cannot be recorded.
    #[error("invalid compile options: {0}")]
    InvalidOptions(#[from] InvalidOptions),
    /// The payload does not start with WAMR's `\0aot` magic.
    #[error("the payload is not a WAMR AOT file (it starts with {found:02x?})")]
    PayloadNotAot {
        /// Its first bytes (fewer when it is shorter).
        found: Vec<u8>,
    },
    /// The payload is larger than the 4 GiB the header can describe.
    #[error("the payload has {len} bytes, more than the {max} a stamp can describe")]
    PayloadTooLarge {
        /// Its length.
        len: usize,
        /// The largest length.
        max: u32,
    },
}

impl<'a> AotStamp<'a> {
    /// Writes the stamp followed by `payload` (WAMR's `.aot` file).
    pub fn encode(&self, payload: &[u8]) -> Result<Vec<u8>, EncodeError> {
        self.options.validate()?;
        if !payload.starts_with(&WAMR_AOT_MAGIC) {
            return Err(EncodeError::PayloadNotAot {
                found: payload.iter().take(WAMR_AOT_MAGIC.len()).copied().collect(),
            });
        }
        let payload_len =
            u32::try_from(payload.len()).map_err(|_| EncodeError::PayloadTooLarge {
                len: payload.len(),
                max: u32::MAX,
            })?;
        let options = &self.options;
        let cpu_len = text_len(TextField::Cpu, options.cpu)?;
        let features_len = text_len(TextField::CpuFeatures, options.cpu_features)?;
        // At most 40 + 255 + 255 bytes, rounded up to 16: u16 arithmetic cannot overflow.
        let unpadded = FIXED_HEADER_LEN as u16 + u16::from(cpu_len) + u16::from(features_len);
        let payload_offset = unpadded.div_ceil(PAYLOAD_ALIGNMENT as u16) * PAYLOAD_ALIGNMENT as u16;
        let header_len = usize::from(payload_offset);
        let mut flags = 0;
        if options.stack_bounds_checks {
            flags |= FLAG_STACK_BOUNDS_CHECKS;
        }
        if options.stop_checks {
            flags |= FLAG_STOP_CHECKS;
        }
        if options.xip {
            flags |= FLAG_XIP;
        }

        let mut file = Vec::with_capacity(header_len + payload.len());
        file.extend_from_slice(&MAGIC);
        file.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        file.extend_from_slice(&payload_offset.to_le_bytes());
        file.extend_from_slice(&payload_len.to_le_bytes());
        file.extend_from_slice(&self.abi_version.to_le_bytes());
        for part in [
            self.wamr_version.major,
            self.wamr_version.minor,
            self.wamr_version.patch,
        ] {
            file.extend_from_slice(&part.to_le_bytes());
        }
        file.extend_from_slice(&[
            options.target.code(),
            options.abi.code(),
            options.bounds_checks.code(),
            flags,
            options.opt_level,
            options.size_level,
            cpu_len,
            features_len,
        ]);
        file.resize(FIXED_HEADER_LEN, 0);
        file.extend_from_slice(options.cpu.as_bytes());
        file.extend_from_slice(options.cpu_features.as_bytes());
        file.resize(header_len, 0);
        file.extend_from_slice(payload);
        Ok(file)
    }

    /// Reads the stamp of a file and finds its payload. Checks the header is well formed, not
    /// that it suits this runtime: that is [`AotStamp::check`].
    pub fn parse(file: &'a [u8]) -> Result<StampedModule<'a>, ParseError> {
        if file.len() < MAGIC.len() || file[..MAGIC.len()] != MAGIC {
            return Err(match file.get(..4) {
                Some(start) if start == WAMR_AOT_MAGIC => ParseError::Unstamped,
                Some(start) if start == WASM_MAGIC => ParseError::NotCompiled,
                _ => ParseError::BadMagic {
                    found: file.iter().take(MAGIC.len()).copied().collect(),
                },
            });
        }
        let fixed = file.get(..FIXED_HEADER_LEN).ok_or(ParseError::Truncated {
            len: file.len(),
            needed: FIXED_HEADER_LEN,
        })?;
        let u16_at = |at: usize| u16::from_le_bytes([fixed[at], fixed[at + 1]]);
        let u32_at = |at: usize| {
            u32::from_le_bytes([fixed[at], fixed[at + 1], fixed[at + 2], fixed[at + 3]])
        };

        let format_version = u16_at(8);
        if format_version != FORMAT_VERSION {
            return Err(ParseError::UnsupportedFormat {
                found: format_version,
                supported: FORMAT_VERSION,
            });
        }
        let payload_offset = usize::from(u16_at(10));
        let payload_len = u32_at(12);
        let abi_version = u32_at(16);
        let wamr_version = WamrVersion {
            major: u16_at(20),
            minor: u16_at(22),
            patch: u16_at(24),
        };
        let target = Target::from_code(fixed[26]).ok_or(ParseError::UnknownCode {
            field: "target",
            value: fixed[26],
        })?;
        let abi = Abi::from_code(fixed[27]).ok_or(ParseError::UnknownCode {
            field: "ABI",
            value: fixed[27],
        })?;
        let bounds_checks = BoundsChecks::from_code(fixed[28]).ok_or(ParseError::UnknownCode {
            field: "bounds checks",
            value: fixed[28],
        })?;
        let flags = fixed[29];
        if flags & !KNOWN_FLAGS != 0 {
            return Err(ParseError::UnknownFlags {
                flags: flags & !KNOWN_FLAGS,
            });
        }
        let (opt_level, size_level) = (fixed[30], fixed[31]);
        let cpu_len = usize::from(fixed[32]);
        let features_len = usize::from(fixed[33]);
        if let Some(at) = (34..FIXED_HEADER_LEN).find(|&at| fixed[at] != 0) {
            return Err(ParseError::NonZeroReserved { offset: at });
        }

        let texts_end = FIXED_HEADER_LEN + cpu_len + features_len;
        let expected_offset = texts_end.div_ceil(PAYLOAD_ALIGNMENT) * PAYLOAD_ALIGNMENT;
        if payload_offset != expected_offset {
            return Err(ParseError::BadPayloadOffset {
                found: payload_offset,
                expected: expected_offset,
            });
        }
        let header = file.get(..payload_offset).ok_or(ParseError::Truncated {
            len: file.len(),
            needed: payload_offset,
        })?;
        if let Some(at) = (texts_end..payload_offset).find(|&at| header[at] != 0) {
            return Err(ParseError::NonZeroReserved { offset: at });
        }
        let text = |field: TextField, range: core::ops::Range<usize>| {
            core::str::from_utf8(&header[range.clone()]).map_err(|_| {
                ParseError::InvalidOptions(InvalidOptions::TextCharacter {
                    field,
                    text: String::from_utf8_lossy(&header[range]).into_owned(),
                    character: char::REPLACEMENT_CHARACTER,
                })
            })
        };
        let cpu_end = FIXED_HEADER_LEN + cpu_len;
        let cpu = text(TextField::Cpu, FIXED_HEADER_LEN..cpu_end)?;
        let cpu_features = text(TextField::CpuFeatures, cpu_end..texts_end)?;
        let options = CompileOptions {
            target,
            abi,
            cpu,
            cpu_features,
            bounds_checks,
            stack_bounds_checks: flags & FLAG_STACK_BOUNDS_CHECKS != 0,
            stop_checks: flags & FLAG_STOP_CHECKS != 0,
            xip: flags & FLAG_XIP != 0,
            opt_level,
            size_level,
        };
        options.validate()?;

        let payload = &file[payload_offset..];
        if usize::try_from(payload_len).ok() != Some(payload.len()) {
            return Err(ParseError::PayloadLength {
                stated: payload_len,
                actual: payload.len(),
            });
        }
        if !payload.starts_with(&WAMR_AOT_MAGIC) {
            return Err(ParseError::PayloadNotAot {
                found: payload.iter().take(WAMR_AOT_MAGIC.len()).copied().collect(),
            });
        }
        Ok(StampedModule {
            stamp: AotStamp {
                abi_version,
                wamr_version,
                options,
            },
            payload_offset,
            payload,
        })
    }

    /// Compares the stamp with what a runtime needs; the first difference is the error.
    pub fn check(&self, required: &Requirements<'_>) -> Result<(), Mismatch> {
        let options = &self.options;
        if self.abi_version != required.abi_version {
            return Err(Mismatch::AbiVersion {
                found: self.abi_version,
                expected: required.abi_version,
            });
        }
        if self.wamr_version != required.wamr_version {
            return Err(Mismatch::WamrVersion {
                found: self.wamr_version,
                expected: required.wamr_version,
            });
        }
        if options.target != required.target {
            return Err(Mismatch::Target {
                found: options.target,
                expected: required.target,
            });
        }
        if options.abi != required.abi {
            return Err(Mismatch::Abi {
                found: options.abi,
                expected: required.abi,
            });
        }
        if options.bounds_checks != required.bounds_checks {
            return Err(Mismatch::BoundsChecks {
                found: options.bounds_checks,
                expected: required.bounds_checks,
            });
        }
        if !options.stack_bounds_checks {
            return Err(Mismatch::NoStackBoundsChecks);
        }
        if !options.stop_checks {
            return Err(Mismatch::NoStopChecks);
        }
        if required.xip && !options.xip {
            return Err(Mismatch::NotXip);
        }
        if options.cpu != required.cpu {
            return Err(Mismatch::Cpu {
                found: options.cpu.to_string(),
                expected: required.cpu.to_string(),
            });
        }
        let allowed = CompileOptions {
            cpu_features: required.cpu_features,
            ..*options
        };
        if let Some(feature) = options
            .enabled_features()
            .find(|feature| !allowed.enabled_features().any(|ok| ok == *feature))
        {
            return Err(Mismatch::CpuFeature {
                feature: feature.to_string(),
                allowed: required.cpu_features.to_string(),
            });
        }
        Ok(())
    }
}

/// What a runtime accepts: compared with a stamp by [`AotStamp::check`].
///
/// Bounds checks must be the runtime's kind; native-stack checks and stop checks are always
/// required (this VM has no guard page below the native stack, and its stop handle must be able
/// to end AOT code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requirements<'a> {
    /// The runtime's VM ABI version ([`ABI_VERSION`]).
    pub abi_version: u32,
    /// The WAMR version the runtime is built on.
    pub wamr_version: WamrVersion,
    /// The runtime's architecture.
    pub target: Target,
    /// The runtime's calling convention.
    pub abi: Abi,
    /// The CPU name code must be compiled for.
    pub cpu: &'a str,
    /// The CPU features code may use: a stamp enabling any other feature is refused.
    pub cpu_features: &'a str,
    /// The runtime's bounds-check scheme.
    pub bounds_checks: BoundsChecks,
    /// Whether the module must be execute-in-place (it is run from a read-only buffer).
    pub xip: bool,
}

impl Requirements<'static> {
    /// What a runtime on `target` built with WAMR `wamr_version` accepts by default: the
    /// [portable](CompileOptions::portable) CPU and features of the target, software bounds
    /// checks, this crate's [`ABI_VERSION`].
    pub const fn portable(target: Target, wamr_version: WamrVersion) -> Self {
        let options = CompileOptions::portable(target);
        Self {
            abi_version: ABI_VERSION,
            wamr_version,
            target,
            abi: options.abi,
            cpu: options.cpu,
            cpu_features: options.cpu_features,
            bounds_checks: BoundsChecks::Software,
            xip: false,
        }
    }
}

/// A file whose stamp could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// A WebAssembly module, not a compiled one.
    #[error("this is a WebAssembly module, not an AOT-compiled one")]
    NotCompiled,
    /// A WAMR AOT file without the stamp: its compile options are unknown.
    #[error(
        "this AOT file has no Xila stamp, so its compile options are unknown: compile the .wasm with xila-aotc"
    )]
    Unstamped,
    /// Neither a stamped file nor anything else recognised.
    #[error("not a stamped AOT file: it starts with {found:02x?}")]
    BadMagic {
        /// Its first bytes (fewer when it is shorter).
        found: Vec<u8>,
    },
    /// The file ends inside the header.
    #[error("the file has {len} bytes, the stamp header alone needs {needed}")]
    Truncated {
        /// The file's length.
        len: usize,
        /// The length needed.
        needed: usize,
    },
    /// A header layout this version does not know.
    #[error("stamp format version {found} is not supported (this VM reads version {supported})")]
    UnsupportedFormat {
        /// The file's format version.
        found: u16,
        /// The version this module reads.
        supported: u16,
    },
    /// A coded field has a value no version of the format defines.
    #[error("unknown {field} code {value}")]
    UnknownCode {
        /// The field.
        field: &'static str,
        /// Its value.
        value: u8,
    },
    /// Flag bits no version of the format defines.
    #[error("unknown stamp flags {flags:#04x}")]
    UnknownFlags {
        /// The unknown bits.
        flags: u8,
    },
    /// A reserved or padding byte is not zero.
    #[error("reserved header byte {offset} is not zero")]
    NonZeroReserved {
        /// Its offset in the file.
        offset: usize,
    },
    /// The payload offset is not where the header's fields put it.
    #[error("the payload offset is {found}, the header's fields put it at {expected}")]
    BadPayloadOffset {
        /// The stated offset.
        found: usize,
        /// The offset the header lengths give.
        expected: usize,
    },
    /// The recorded compile options are not valid.
    #[error("invalid compile options in the stamp: {0}")]
    InvalidOptions(#[from] InvalidOptions),
    /// The payload is not as long as the header says (truncated or padded file).
    #[error("the stamp gives a payload of {stated} bytes, the file has {actual}")]
    PayloadLength {
        /// The length in the header.
        stated: u32,
        /// The bytes after the header.
        actual: usize,
    },
    /// The payload does not start with WAMR's `\0aot` magic.
    #[error("the payload is not a WAMR AOT file (it starts with {found:02x?})")]
    PayloadNotAot {
        /// Its first bytes (fewer when it is shorter).
        found: Vec<u8>,
    },
}

/// A stamp that does not suit the runtime.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Mismatch {
    /// Compiled against another version of the VM's contract.
    #[error("compiled for VM ABI version {found}, this VM implements version {expected}")]
    AbiVersion {
        /// The stamp's version.
        found: u32,
        /// The runtime's version.
        expected: u32,
    },
    /// Compiled by another WAMR version's compiler.
    #[error("compiled by WAMR {found}, this VM runs WAMR {expected}")]
    WamrVersion {
        /// The stamp's version.
        found: WamrVersion,
        /// The runtime's version.
        expected: WamrVersion,
    },
    /// Compiled for another architecture.
    #[error("compiled for target {found}, this VM runs on {expected}")]
    Target {
        /// The stamp's target.
        found: Target,
        /// The runtime's target.
        expected: Target,
    },
    /// Compiled for another calling convention.
    #[error("compiled for ABI {found}, this VM uses {expected}")]
    Abi {
        /// The stamp's ABI.
        found: Abi,
        /// The runtime's ABI.
        expected: Abi,
    },
    /// Compiled for another bounds-check scheme: unsafe to run.
    #[error("compiled with {found} bounds checks, this VM needs {expected} bounds checks")]
    BoundsChecks {
        /// The stamp's scheme.
        found: BoundsChecks,
        /// The runtime's scheme.
        expected: BoundsChecks,
    },
    /// Compiled without native-stack checks.
    #[error("compiled without native-stack bounds checks, which this VM needs")]
    NoStackBoundsChecks,
    /// Compiled without stop checks: a stop handle could not end it.
    #[error("compiled without stop checks, so a runaway guest could not be stopped")]
    NoStopChecks,
    /// Not execute-in-place, but run from a read-only buffer.
    #[error("not compiled for execute-in-place (--xip), which loading in place needs")]
    NotXip,
    /// Compiled for another CPU.
    #[error("compiled for CPU {found}, this VM accepts CPU {expected}")]
    Cpu {
        /// The stamp's CPU.
        found: String,
        /// The runtime's CPU.
        expected: String,
    },
    /// Uses a CPU feature the runtime's CPU may not have.
    #[error("compiled with CPU feature +{feature}, this VM allows only `{allowed}`")]
    CpuFeature {
        /// The first feature not allowed.
        feature: String,
        /// The runtime's allowed list.
        allowed: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    const WAMR: WamrVersion = WamrVersion {
        major: 2,
        minor: 4,
        patch: 3,
    };

    /// A payload that looks like WAMR's format: magic, version, some bytes.
    fn payload(len: usize) -> Vec<u8> {
        let mut bytes = WAMR_AOT_MAGIC.to_vec();
        bytes.extend((0..len.saturating_sub(4)).map(|i| (i * 7 + 3) as u8));
        bytes
    }

    fn stamp(target: Target) -> AotStamp<'static> {
        AotStamp {
            abi_version: ABI_VERSION,
            wamr_version: WAMR,
            options: CompileOptions::portable(target),
        }
    }

    #[test]
    fn round_trips_every_target_and_flag() {
        for target in Target::ALL {
            for xip in [false, true] {
                for stop_checks in [false, true] {
                    let mut original = stamp(target);
                    original.options.xip = xip;
                    original.options.stop_checks = stop_checks;
                    original.options.opt_level = 2;
                    let body = payload(100 + usize::from(xip));
                    let file = original.encode(&body).expect("encodes");
                    let parsed = AotStamp::parse(&file).expect("parses");
                    assert_eq!(parsed.stamp, original);
                    assert_eq!(parsed.payload, &body[..]);
                    assert_eq!(parsed.payload_offset, header_len(&original.options));
                    assert_eq!(parsed.payload_offset % PAYLOAD_ALIGNMENT, 0);
                    assert_eq!(file.len(), parsed.payload_offset + body.len());
                }
            }
        }
    }

    #[test]
    fn header_length_follows_the_text_fields() {
        let mut options = CompileOptions::portable(Target::X86_64);
        // 40 + "x86-64" (6) = 46, padded to 48.
        assert_eq!(header_len(&options), 48);
        options.cpu = "generic-rv32";
        options.cpu_features = "+m,+a,+c";
        // 40 + 12 + 8 = 60, padded to 64.
        assert_eq!(header_len(&options), 64);
        options.cpu_features = "+m,+a,+c,+f";
        // 40 + 12 + 11 = 63, padded to 64.
        assert_eq!(header_len(&options), 64);
        options.cpu_features = "+m,+a,+c,+f,+d";
        assert_eq!(header_len(&options), 80);
    }

    #[test]
    fn the_layout_is_the_documented_one() {
        let mut original = stamp(Target::Riscv32);
        original.options.xip = true;
        let file = original.encode(&payload(8)).expect("encodes");
        assert_eq!(&file[..8], b"\0XILAAOT");
        assert_eq!(&file[8..10], &[1, 0], "format version");
        assert_eq!(&file[10..12], &[64, 0], "payload offset");
        assert_eq!(&file[12..16], &[8, 0, 0, 0], "payload length");
        assert_eq!(&file[16..20], &ABI_VERSION.to_le_bytes());
        assert_eq!(&file[20..26], &[2, 0, 4, 0, 3, 0], "WAMR version");
        assert_eq!(file[26], 4, "riscv32");
        assert_eq!(file[27], 2, "ilp32");
        assert_eq!(file[28], 1, "software bounds checks");
        assert_eq!(file[29], 0b111, "stack checks, stop checks, xip");
        assert_eq!(&file[30..34], &[3, 3, 12, 8]);
        assert_eq!(&file[34..40], &[0; 6]);
        assert_eq!(&file[40..52], b"generic-rv32");
        assert_eq!(&file[52..60], b"+m,+a,+c");
        assert_eq!(&file[60..64], &[0; 4]);
        assert_eq!(&file[64..68], b"\0aot");
    }

    #[test]
    fn portable_options_are_valid_and_never_native() {
        for target in Target::ALL {
            let options = CompileOptions::portable(target);
            assert_eq!(options.validate(), Ok(()), "{target}");
            assert!(!options.cpu.contains("native") && !options.cpu.contains("host"));
            assert_eq!(options.bounds_checks, BoundsChecks::Software);
            assert!(options.stack_bounds_checks && options.stop_checks);
            // A double-float ABI needs the `d` extension among the features.
            if options.abi.needs_double_float() {
                assert!(options.enabled_features().any(|f| f == "d"), "{target}");
            }
        }
        assert_eq!(CompileOptions::portable(Target::Riscv32).abi, Abi::Ilp32);
    }

    #[test]
    fn enabled_features_apply_the_list_left_to_right() {
        let mut options = CompileOptions::portable(Target::Riscv32);
        options.cpu_features = "+m,+a,-a,+c,-f,+f,-d";
        let enabled: Vec<&str> = options.enabled_features().collect();
        assert_eq!(enabled, vec!["m", "c", "f"]);
        options.cpu_features = "";
        assert_eq!(options.enabled_features().count(), 0);
    }

    #[test]
    fn refuses_invalid_options_when_encoding() {
        let body = payload(16);
        type Change = fn(&mut CompileOptions<'static>);
        let cases: [(Change, InvalidOptions); 5] = [
            (
                |o| o.abi = Abi::Lp64d,
                InvalidOptions::AbiNotForTarget {
                    abi: Abi::Lp64d,
                    target: Target::Riscv32,
                },
            ),
            (
                |o| o.cpu = "",
                InvalidOptions::TextLength {
                    field: TextField::Cpu,
                    len: 0,
                    min: 1,
                    max: MAX_TEXT_LEN,
                },
            ),
            (
                |o| o.cpu_features = "+m +a",
                InvalidOptions::TextCharacter {
                    field: TextField::CpuFeatures,
                    text: "+m +a".into(),
                    character: ' ',
                },
            ),
            (
                |o| o.cpu = "a,b",
                InvalidOptions::TextCharacter {
                    field: TextField::Cpu,
                    text: "a,b".into(),
                    character: ',',
                },
            ),
            (
                |o| o.size_level = 4,
                InvalidOptions::LevelOutOfRange {
                    field: LevelField::Size,
                    value: 4,
                },
            ),
        ];
        for (change, expected) in cases {
            let mut bad = stamp(Target::Riscv32);
            change(&mut bad.options);
            assert_eq!(
                bad.encode(&body),
                Err(EncodeError::InvalidOptions(expected))
            );
        }
        let long = "x".repeat(MAX_TEXT_LEN + 1);
        let mut bad = stamp(Target::X86_64);
        bad.options.cpu = &long;
        assert!(matches!(
            bad.encode(&body),
            Err(EncodeError::InvalidOptions(InvalidOptions::TextLength {
                len: 256,
                ..
            }))
        ));
        assert_eq!(
            stamp(Target::X86_64).encode(b"\0asm\x01\0\0\0"),
            Err(EncodeError::PayloadNotAot {
                found: b"\0asm".to_vec()
            })
        );
    }

    #[test]
    fn recognises_what_a_file_is_when_it_is_not_stamped() {
        assert_eq!(
            AotStamp::parse(b"\0asm\x01\0\0\0"),
            Err(ParseError::NotCompiled)
        );
        assert_eq!(
            AotStamp::parse(b"\0aot\x05\0\0\0rest"),
            Err(ParseError::Unstamped)
        );
        assert_eq!(
            AotStamp::parse(b"\x7fELF"),
            Err(ParseError::BadMagic {
                found: b"\x7fELF".to_vec()
            })
        );
        assert_eq!(
            AotStamp::parse(b""),
            Err(ParseError::BadMagic { found: Vec::new() })
        );
    }

    #[test]
    fn every_truncation_is_an_error() {
        let file = stamp(Target::Riscv64)
            .encode(&payload(40))
            .expect("encodes");
        for len in 0..file.len() {
            let result = AotStamp::parse(&file[..len]);
            assert!(
                result.is_err(),
                "truncated to {len} bytes parsed: {result:?}"
            );
        }
        assert!(AotStamp::parse(&file).is_ok());
        let header = header_len(&CompileOptions::portable(Target::Riscv64));
        assert_eq!(
            AotStamp::parse(&file[..header + 10]),
            Err(ParseError::PayloadLength {
                stated: 40,
                actual: 10
            })
        );
        assert_eq!(
            AotStamp::parse(&file[..20]),
            Err(ParseError::Truncated {
                len: 20,
                needed: FIXED_HEADER_LEN
            })
        );
    }

    #[test]
    fn trailing_bytes_are_an_error() {
        let mut file = stamp(Target::X86_64).encode(&payload(32)).expect("encodes");
        file.push(0);
        assert_eq!(
            AotStamp::parse(&file),
            Err(ParseError::PayloadLength {
                stated: 32,
                actual: 33
            })
        );
    }

    #[test]
    fn each_corrupted_field_is_named() {
        let good = stamp(Target::Riscv32)
            .encode(&payload(24))
            .expect("encodes");
        let corrupt = |at: usize, value: u8| {
            let mut file = good.clone();
            file[at] = value;
            AotStamp::parse(&file).map(|_| ())
        };
        assert_eq!(
            corrupt(8, 2),
            Err(ParseError::UnsupportedFormat {
                found: 2,
                supported: 1
            })
        );
        assert_eq!(
            corrupt(10, 48),
            Err(ParseError::BadPayloadOffset {
                found: 48,
                expected: 64
            })
        );
        assert_eq!(
            corrupt(26, 9),
            Err(ParseError::UnknownCode {
                field: "target",
                value: 9
            })
        );
        assert_eq!(
            corrupt(27, 0),
            Err(ParseError::UnknownCode {
                field: "ABI",
                value: 0
            })
        );
        assert_eq!(
            corrupt(27, Abi::Gnu.code()),
            Err(ParseError::InvalidOptions(
                InvalidOptions::AbiNotForTarget {
                    abi: Abi::Gnu,
                    target: Target::Riscv32
                }
            ))
        );
        assert_eq!(
            corrupt(28, 3),
            Err(ParseError::UnknownCode {
                field: "bounds checks",
                value: 3
            })
        );
        assert_eq!(
            corrupt(29, 0x83),
            Err(ParseError::UnknownFlags { flags: 0x80 })
        );
        assert_eq!(
            corrupt(30, 7),
            Err(ParseError::InvalidOptions(
                InvalidOptions::LevelOutOfRange {
                    field: LevelField::Optimisation,
                    value: 7
                }
            ))
        );
        assert_eq!(
            corrupt(35, 1),
            Err(ParseError::NonZeroReserved { offset: 35 })
        );
        assert_eq!(
            corrupt(62, 1),
            Err(ParseError::NonZeroReserved { offset: 62 })
        );
        assert!(matches!(
            corrupt(41, b' '),
            Err(ParseError::InvalidOptions(InvalidOptions::TextCharacter {
                field: TextField::Cpu,
                character: ' ',
                ..
            }))
        ));
        assert!(matches!(
            corrupt(53, 0xff),
            Err(ParseError::InvalidOptions(InvalidOptions::TextCharacter {
                field: TextField::CpuFeatures,
                ..
            }))
        ));
        assert_eq!(
            corrupt(65, b'x'),
            Err(ParseError::PayloadNotAot {
                found: b"\0xot".to_vec()
            })
        );
        // Changing a text length moves where the payload must start.
        assert_eq!(
            corrupt(32, 17),
            Err(ParseError::BadPayloadOffset {
                found: 64,
                expected: 80
            })
        );
    }

    #[test]
    fn garbage_never_panics_and_single_byte_changes_never_go_unnoticed_in_the_header() {
        let good = stamp(Target::Riscv64)
            .encode(&payload(64))
            .expect("encodes");
        let header = header_len(&CompileOptions::portable(Target::Riscv64));
        for at in 0..header {
            for value in [0u8, 1, 2, 0x7f, 0x80, 0xff] {
                if good[at] == value {
                    continue;
                }
                let mut file = good.clone();
                file[at] = value;
                // Either rejected, or read back as a different stamp: never the same stamp
                // from different bytes, never a panic.
                if let Ok(parsed) = AotStamp::parse(&file) {
                    let original = AotStamp::parse(&good).expect("parses").stamp;
                    assert_ne!(parsed.stamp, original, "byte {at} = {value} unnoticed");
                }
            }
        }
        // Pseudo-random garbage behind a valid magic (xorshift, fixed seed).
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..2000 {
            let mut file = MAGIC.to_vec();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 200) as usize;
            for _ in 0..len {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                file.push(state as u8);
            }
            let _ = AotStamp::parse(&file);
        }
    }

    fn requirements(target: Target) -> Requirements<'static> {
        Requirements::portable(target, WAMR)
    }

    #[test]
    fn a_portable_stamp_suits_a_portable_runtime() {
        for target in Target::ALL {
            assert_eq!(stamp(target).check(&requirements(target)), Ok(()));
        }
        let mut xip = stamp(Target::Riscv32);
        xip.options.xip = true;
        assert_eq!(xip.check(&requirements(Target::Riscv32)), Ok(()));
        let in_place = Requirements {
            xip: true,
            ..requirements(Target::Riscv32)
        };
        assert_eq!(xip.check(&in_place), Ok(()));
        assert_eq!(
            stamp(Target::Riscv32).check(&in_place),
            Err(Mismatch::NotXip)
        );
    }

    #[test]
    fn each_mismatch_is_named_with_both_values() {
        let required = requirements(Target::Riscv32);
        let check = |change: fn(&mut AotStamp<'static>)| {
            let mut file_stamp = stamp(Target::Riscv32);
            change(&mut file_stamp);
            file_stamp.check(&required)
        };
        assert_eq!(
            check(|s| s.abi_version = ABI_VERSION + 1),
            Err(Mismatch::AbiVersion {
                found: ABI_VERSION + 1,
                expected: ABI_VERSION
            })
        );
        assert_eq!(
            check(|s| s.wamr_version.patch = 4),
            Err(Mismatch::WamrVersion {
                found: WamrVersion {
                    major: 2,
                    minor: 4,
                    patch: 4
                },
                expected: WAMR
            })
        );
        assert_eq!(
            check(|s| s.options = CompileOptions::portable(Target::Riscv64)),
            Err(Mismatch::Target {
                found: Target::Riscv64,
                expected: Target::Riscv32
            })
        );
        assert_eq!(
            check(|s| s.options.abi = Abi::Ilp32d),
            Err(Mismatch::Abi {
                found: Abi::Ilp32d,
                expected: Abi::Ilp32
            })
        );
        assert_eq!(
            check(|s| s.options.bounds_checks = BoundsChecks::Hardware),
            Err(Mismatch::BoundsChecks {
                found: BoundsChecks::Hardware,
                expected: BoundsChecks::Software
            })
        );
        assert_eq!(
            check(|s| s.options.stack_bounds_checks = false),
            Err(Mismatch::NoStackBoundsChecks)
        );
        assert_eq!(
            check(|s| s.options.stop_checks = false),
            Err(Mismatch::NoStopChecks)
        );
        assert_eq!(
            check(|s| s.options.cpu = "sifive-e31"),
            Err(Mismatch::Cpu {
                found: "sifive-e31".into(),
                expected: "generic-rv32".into()
            })
        );
        assert_eq!(
            check(|s| s.options.cpu_features = "+m,+a,+c,+f"),
            Err(Mismatch::CpuFeature {
                feature: "f".into(),
                allowed: "+m,+a,+c".into()
            })
        );
        // Fewer features than allowed, or a feature disabled, is fine.
        assert_eq!(check(|s| s.options.cpu_features = "+m,-c"), Ok(()));
        // A feature the runtime's list enables and then disables is not allowed.
        let strict = Requirements {
            cpu_features: "+m,+a,+c,-c",
            ..required
        };
        assert_eq!(
            stamp(Target::Riscv32).check(&strict),
            Err(Mismatch::CpuFeature {
                feature: "c".into(),
                allowed: "+m,+a,+c,-c".into()
            })
        );
    }

    #[test]
    fn messages_name_the_field_and_the_values() {
        let message = Mismatch::BoundsChecks {
            found: BoundsChecks::Hardware,
            expected: BoundsChecks::Software,
        }
        .to_string();
        assert!(
            message.contains("hardware") && message.contains("software"),
            "{message}"
        );
        let message = Mismatch::CpuFeature {
            feature: "f".into(),
            allowed: "+m,+a,+c".into(),
        }
        .to_string();
        assert!(
            message.contains("+f") && message.contains("+m,+a,+c"),
            "{message}"
        );
        let message = ParseError::UnknownCode {
            field: "target",
            value: 9,
        }
        .to_string();
        assert!(
            message.contains("target") && message.contains('9'),
            "{message}"
        );
    }
}
