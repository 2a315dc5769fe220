//! Helpers shared by the workload binaries (`src/bin/*.rs`).
//!
//! Conventions (see README.md):
//! - every workload prints `checksum: <value>` on stdout and exits 0 (`write-small` also repeats
//!   the line on stderr); a failed self-check prints to stderr and exits 1;
//! - the first argument, if any, overrides the workload's size (iterations, elements, …);
//! - file-system workloads work under `BENCH_ROOT` (default `/`, the preopen under a WASI
//!   runtime started with `--dir <tmp>::/`; natively, point it at a temporary directory).

use std::hash::{BuildHasherDefault, Hasher};
use std::path::PathBuf;

/// The workload's size: the first command-line argument, or `default`.
pub fn size_arg(default: u64) -> u64 {
    match std::env::args().nth(1) {
        None => default,
        Some(text) => match text.replace('_', "").parse() {
            Ok(value) => value,
            Err(_) => fail(&format!("size argument {text:?} is not a number")),
        },
    }
}

/// The directory the file-system workloads work in: `BENCH_ROOT`, default `/`.
pub fn bench_root() -> PathBuf {
    std::env::var_os("BENCH_ROOT")
        .filter(|root| !root.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/"))
}

/// Prints the checksum line on stdout.
pub fn print_checksum(value: impl std::fmt::Display) {
    println!("checksum: {value}");
}

/// Reports a failed self-check on stderr and exits with status 1.
pub fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1)
}

/// `result`'s value, or [`fail`] with `what` and the error.
pub fn check<T, E: std::fmt::Display>(result: Result<T, E>, what: &str) -> T {
    result.unwrap_or_else(|error| fail(&format!("{what}: {error}")))
}

/// SplitMix64: a small, fast, deterministic generator (same sequence on every target).
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// 64-bit FNV-1a: a fixed-seed hasher, so hash maps and checksums are deterministic.
#[derive(Clone, Copy)]
pub struct Fnv64(pub u64);

impl Fnv64 {
    pub const OFFSET: u64 = 0xCBF2_9CE4_8422_2325;
    pub const PRIME: u64 = 0x0000_0100_0000_01B3;
}

impl Default for Fnv64 {
    fn default() -> Self {
        Fnv64(Self::OFFSET)
    }
}

impl Hasher for Fnv64 {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(Self::PRIME);
        }
    }

    // Integer keys: one multiply per word instead of eight (still deterministic).
    fn write_u64(&mut self, value: u64) {
        self.0 = (self.0 ^ value).wrapping_mul(Self::PRIME);
        self.0 ^= self.0 >> 29;
    }

    fn write_usize(&mut self, value: usize) {
        self.write_u64(value as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// `BuildHasher` for `HashMap`s with [`Fnv64`].
pub type FnvBuild = BuildHasherDefault<Fnv64>;

/// FNV-1a of `bytes`.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hasher = Fnv64::default();
    hasher.write(bytes);
    hasher.finish()
}
