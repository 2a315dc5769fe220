//! `args-env`: startup with 100 arguments and 100 environment variables.
//!
//! The harness passes exactly the arguments `arg-000` … `arg-099` and the variables
//! `BENCH_ENV_000=value-000` … `BENCH_ENV_099=value-099` (other variables are ignored, so the
//! native run may inherit the host's environment). Anything else is an error (exit 1).
//! Checksum: FNV-1a over the arguments, then over the `BENCH_ENV_*` pairs sorted by name.

use std::hash::Hasher;

const COUNT: usize = 100;

fn main() {
    let mut hasher = workloads::Fnv64::default();

    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != COUNT {
        workloads::fail(&format!("expected {COUNT} arguments, got {}", args.len()));
    }
    for (i, arg) in args.iter().enumerate() {
        if *arg != format!("arg-{i:03}") {
            workloads::fail(&format!("argument {i} is {arg:?}, expected \"arg-{i:03}\""));
        }
        hasher.write(arg.as_bytes());
        hasher.write(&[0]);
    }

    let mut vars: Vec<(String, String)> = std::env::vars()
        .filter(|(key, _)| key.starts_with("BENCH_ENV_"))
        .collect();
    vars.sort();
    if vars.len() != COUNT {
        workloads::fail(&format!(
            "expected {COUNT} BENCH_ENV_* variables, got {}",
            vars.len()
        ));
    }
    for (i, (key, value)) in vars.iter().enumerate() {
        if *key != format!("BENCH_ENV_{i:03}") || *value != format!("value-{i:03}") {
            workloads::fail(&format!(
                "variable {i} is {key}={value}, expected BENCH_ENV_{i:03}=value-{i:03}"
            ));
        }
        hasher.write(key.as_bytes());
        hasher.write(b"=");
        hasher.write(value.as_bytes());
        hasher.write(&[0]);
    }

    workloads::print_checksum(format_args!("{:016x}", hasher.finish()));
}
