//! `xila-aotc`: compiles a WebAssembly module ahead of time for the Xila VM.
//!
//! WAMR's compiler (built by build.rs against LLVM 19) does the work; this program fixes the
//! options the VM's runtime needs (software bounds checks, native-stack checks, stop checks),
//! picks a portable CPU for the target unless told otherwise (never the build machine's), and
//! wraps WAMR's `.aot` output in the stamp of `vm_core::aot_stamp`, which the runtime checks
//! before it runs anything.

mod ffi;
mod payload;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use vm_core::aot_stamp::{
    ABI_VERSION, Abi, AotStamp, CompileOptions, EncodeError, InvalidOptions, MAX_LEVEL, Target,
};
use vm_core::hooks;

const AFTER_HELP: &str = "\
Targets and their portable defaults (--cpu, --cpu-features and --abi override them):
  x86_64    CPU x86-64 (no extension beyond SSE2), ABI gnu
  i686      CPU i686, ABI gnu
  riscv64   CPU generic-rv64, +m,+a,+c,+f,+d, ABI lp64d
  riscv32   CPU generic-rv32, +m,+a,+c, ABI ilp32 (ESP32-C3/C6)
  xtensa    not supported by Debian's LLVM (see below)

The code always checks linear-memory accesses and native-stack growth itself (the VM's
runtime has no guard pages) and polls the stop flag at loop back edges and around calls (so
the VM's stop handle can end it). The output starts with a stamp recording all of this; the
VM refuses an .aot whose stamp does not match it.

Xtensa (ESP32, ESP32-S2/S3): --target xtensa tries the Xtensa backend of the LLVM this tool
is linked with on the module (in a child process, since LLVM exits when it fails) and
explains the result. Debian's LLVM 19 backend is experimental and fails ('Cannot select');
Espressif's LLVM is needed, and the VM has no Xtensa AOT target yet.

Examples:
  xila-aotc app.wasm -o app.aot
  xila-aotc app.wasm -o app.aot --target riscv32 --xip
  xila-aotc --inspect app.aot

Exit codes: 0 success, 1 compilation failure, 2 usage error.";

/// Compiles a WebAssembly module ahead of time for the Xila VM.
#[derive(Debug, Parser)]
#[command(name = "xila-aotc", version, after_help = AFTER_HELP)]
struct Cli {
    /// The module to compile (.wasm).
    #[arg(required_unless_present_any = ["inspect", "probe_xtensa"])]
    input: Option<PathBuf>,
    /// Where to write the stamped AOT module (.aot).
    #[arg(short, long, required_unless_present_any = ["inspect", "probe_xtensa"])]
    output: Option<PathBuf>,
    /// The architecture to compile for [default: this machine's architecture, with a portable CPU].
    #[arg(long, value_name = "x86_64|i686|riscv64|riscv32")]
    target: Option<String>,
    /// Execute-in-place: code that runs from a read-only buffer (flash) without relocation.
    #[arg(long)]
    xip: bool,
    /// The LLVM CPU name [default: the target's generic CPU]; never the build machine's.
    #[arg(long, value_name = "NAME")]
    cpu: Option<String>,
    /// The CPU features the code may use, e.g. `+m,+a,+c` [default: the target's portable list].
    #[arg(long, value_name = "LIST", allow_hyphen_values = true)]
    cpu_features: Option<String>,
    /// The calling convention (riscv32: ilp32, ilp32f, ilp32d; riscv64: lp64, lp64d).
    #[arg(long, value_name = "ABI")]
    abi: Option<String>,
    /// LLVM optimisation level.
    #[arg(long, default_value_t = MAX_LEVEL, value_parser = clap::value_parser!(u8).range(0..=3))]
    opt_level: u8,
    /// LLVM size level (code model: 3 small … 0 large).
    #[arg(long, default_value_t = MAX_LEVEL, value_parser = clap::value_parser!(u8).range(0..=3))]
    size_level: u8,
    /// Also write the optimised LLVM IR to this file, for inspection.
    #[arg(long, value_name = "FILE")]
    llvm_ir: Option<PathBuf>,
    /// Print WAMR's own messages (target triple, timings) on stderr.
    #[arg(short, long)]
    verbose: bool,
    /// Internal: compile the module for Xtensa in memory and report, for `--target xtensa`.
    #[arg(long, hide = true, value_name = "FILE", conflicts_with_all = ["input", "output", "inspect"])]
    probe_xtensa: Option<PathBuf>,
    /// Print the stamp of an .aot file instead of compiling.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["input", "output", "target", "xip", "cpu", "cpu_features", "abi", "llvm_ir"])]
    inspect: Option<PathBuf>,
}

/// Why `xila-aotc` failed.
#[derive(Debug, thiserror::Error)]
enum Error {
    /// A file could not be read or written.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done ("cannot read").
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The command line lacks what it needs (clap normally says so first).
    #[error("{0}")]
    Usage(&'static str),
    /// The target name is not one of ours.
    #[error("unknown target `{0}`: use x86_64, i686, riscv64 or riscv32")]
    UnknownTarget(String),
    /// No target given and this machine's architecture is not a target.
    #[error("this machine's architecture is not a target: give --target")]
    NoDefaultTarget,
    /// Xtensa was asked for, and the linked LLVM's Xtensa backend failed on the module.
    #[error(
        "target xtensa: the Xtensa backend of the LLVM this tool is linked with cannot compile \
         this module ({detail}); Debian's LLVM 19 has only upstream's experimental backend. \
         Compiling for ESP32, ESP32-S2 and ESP32-S3 needs Espressif's LLVM (its esp-clang / \
         llvm-project releases), and the VM has no Xtensa AOT target yet"
    )]
    XtensaBackendFailed {
        /// What the probe reported (LLVM's fatal error, or how the child ended).
        detail: String,
    },
    /// Xtensa was asked for and the linked LLVM compiled the module, but nothing can run it.
    #[error(
        "target xtensa: the linked LLVM compiled the module for Xtensa, but the VM has no Xtensa \
         AOT target yet (the stamp format and the runtime would need one), so no .aot is written"
    )]
    XtensaNotSupported,
    /// The ABI name is not one of ours, or not one of the target's.
    #[error("ABI `{abi}` is not an ABI of target {target}: use one of {allowed}")]
    UnknownAbi {
        /// The name given.
        abi: String,
        /// The target.
        target: Target,
        /// The target's ABIs.
        allowed: String,
    },
    /// `--cpu native` or the like: the output would depend on the build machine.
    #[error(
        "--cpu {0}: the build machine's CPU is never used, since the code must run on the \
         target; name the target's CPU (e.g. generic-rv32, x86-64-v2)"
    )]
    HostCpu(String),
    /// The options cannot be stamped.
    #[error(transparent)]
    InvalidOptions(#[from] InvalidOptions),
    /// An export name uses the prefix the VM reserves for the exports its rewrite creates.
    #[error("{}: {source}", input.display())]
    ReservedExportName {
        /// The module.
        input: PathBuf,
        /// The rewrite's refusal.
        source: hooks::ReservedExportName,
    },
    /// WAMR's compiler failed.
    #[error("{}: {source}", input.display())]
    Compile {
        /// The module.
        input: PathBuf,
        /// What failed.
        source: ffi::CompileError,
    },
    /// `--xip` code that still needs relocations in its text: it could not run from a
    /// read-only buffer, so no file is written.
    #[error(
        "--xip for {target}: WAMR's output still relocates its code ({groups}), so it could not \
         run from a read-only buffer"
    )]
    XipTextRelocations {
        /// The target.
        target: Target,
        /// The relocation groups that patch code.
        groups: String,
    },
    /// WAMR's output could not be read back for the `--xip` check.
    #[error(transparent)]
    MalformedPayload(#[from] payload::MalformedPayload),
    /// The output could not be stamped.
    #[error(transparent)]
    Stamp(#[from] EncodeError),
    /// `--inspect` on a file without a valid stamp.
    #[error("{}: {source}", path.display())]
    Inspect {
        /// The file.
        path: PathBuf,
        /// Why its stamp cannot be read.
        source: vm_core::aot_stamp::ParseError,
    },
}

/// The name of the Xtensa architecture, for WAMR and on the command line.
const XTENSA: &str = "xtensa";

/// WAMR's name for a target's architecture.
fn wamr_arch(target: Target) -> &'static str {
    match target {
        Target::X86_64 => "x86_64",
        Target::I686 => "i386",
        Target::Riscv64 => "riscv64",
        Target::Riscv32 => "riscv32",
    }
}

/// The scratch file LLVM writes its stack-usage report to during a compilation by process
/// `owner` (`purpose` tells a normal compilation from the Xtensa probe's), in the temporary
/// directory, so a compilation that dies (LLVM's fatal errors exit) leaves nothing in the
/// current directory and its parent can remove the file.
fn stack_usage_path(owner: u32, purpose: &str) -> PathBuf {
    std::env::temp_dir().join(format!("xila-aotc-{owner}-{purpose}.su"))
}

/// Removes a scratch file; one that is already gone is fine.
fn remove_scratch(path: &Path) {
    let _ = std::fs::remove_file(path);
}

/// The pointer width of a target, in bits.
fn pointer_bits(target: Target) -> u32 {
    match target {
        Target::X86_64 | Target::Riscv64 => 64,
        Target::I686 | Target::Riscv32 => 32,
    }
}

/// CPU names LLVM (or WAMR) resolves to the build machine's CPU.
fn names_host_cpu(cpu: &str) -> bool {
    matches!(cpu.to_ascii_lowercase().as_str(), "native" | "host")
}

/// The feature list with the extensions the ABI needs added when missing: a double-float ABI
/// needs `d` (and so `f`), a single-float one `f`. WAMR adds `+d` by itself for double-float
/// ABIs; adding it here keeps the stamp exactly what was compiled.
fn with_abi_features(features: &str, abi: Abi) -> String {
    let mut list = String::from(features);
    let mut require = |name: &str| {
        let options = CompileOptions {
            cpu_features: &list,
            ..CompileOptions::portable(Target::Riscv64)
        };
        if !options.enabled_features().any(|enabled| enabled == name) {
            if !list.is_empty() {
                list.push(',');
            }
            list.push('+');
            list.push_str(name);
        }
    };
    if abi.needs_single_float() {
        require("f");
    }
    if abi.needs_double_float() {
        require("d");
    }
    list
}

/// What the command line asks for, with the target's portable defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Choices {
    target: Target,
    abi: Abi,
    cpu: String,
    /// Normalised (no spaces), with what the ABI needs added.
    cpu_features: String,
}

impl Choices {
    /// The choices of `cli`; `--target xtensa` ends here with the probe's explanation.
    fn of(cli: &Cli) -> Result<Self, Error> {
        let target = match cli.target.as_deref() {
            Some(XTENSA) => return Err(probe_xtensa(cli)),
            Some(name) => {
                Target::from_name(name).ok_or_else(|| Error::UnknownTarget(name.into()))?
            }
            None => Target::of_this_build().ok_or(Error::NoDefaultTarget)?,
        };
        let portable = CompileOptions::portable(target);
        let abi = match cli.abi.as_deref() {
            None => portable.abi,
            Some(name) => Abi::from_name(name)
                .filter(|abi| target.abis().contains(abi))
                .ok_or_else(|| Error::UnknownAbi {
                    abi: name.into(),
                    target,
                    allowed: target
                        .abis()
                        .iter()
                        .map(|abi| abi.name())
                        .collect::<Vec<_>>()
                        .join(", "),
                })?,
        };
        let cpu = cli.cpu.as_deref().unwrap_or(portable.cpu);
        if names_host_cpu(cpu) {
            return Err(Error::HostCpu(cpu.into()));
        }
        let features = cli.cpu_features.as_deref().map_or_else(
            || portable.cpu_features.to_string(),
            |list| list.split(',').map(str::trim).collect::<Vec<_>>().join(","),
        );
        Ok(Self {
            target,
            abi,
            cpu: cpu.to_string(),
            cpu_features: with_abi_features(&features, abi),
        })
    }
}

/// Tries the linked LLVM's Xtensa backend on the input in a child process (LLVM's fatal errors
/// exit the process) and turns the outcome into the error `--target xtensa` ends with.
fn probe_xtensa(cli: &Cli) -> Error {
    let Some(input) = &cli.input else {
        return Error::Usage("give a module and -o OUTPUT, or --inspect FILE");
    };
    let child = std::env::current_exe().and_then(|program| {
        std::process::Command::new(program)
            .arg("--probe-xtensa")
            .arg(input)
            .stdin(std::process::Stdio::null())
            .output()
    });
    remove_scratch(&stack_usage_path(std::process::id(), XTENSA));
    match child {
        Ok(output) if output.status.success() => Error::XtensaNotSupported,
        Ok(output) => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let detail = stderr
                .lines()
                .find(|line| line.contains("LLVM ERROR"))
                .or_else(|| stderr.lines().rfind(|line| !line.trim().is_empty()))
                .map_or_else(|| format!("the probe {}", output.status), str::to_string);
            Error::XtensaBackendFailed { detail }
        }
        Err(error) => Error::XtensaBackendFailed {
            detail: format!("the probe could not start: {error}"),
        },
    }
}

/// The child side of [`probe_xtensa`]: compiles for Xtensa's generic CPU, writes nothing.
fn run_xtensa_probe(input: &Path) -> Result<(), Error> {
    let wasm = std::fs::read(input).map_err(|source| Error::Io {
        action: "cannot read",
        path: input.to_path_buf(),
        source,
    })?;
    // Named after the parent, which removes it if LLVM ends this process.
    let scratch = stack_usage_path(std::os::unix::process::parent_id(), XTENSA);
    let result = ffi::compile(ffi::Request {
        wasm,
        arch: XTENSA,
        abi: "gnu",
        cpu: "generic",
        cpu_features: "",
        xip: false,
        opt_level: MAX_LEVEL,
        size_level: MAX_LEVEL,
        llvm_ir_path: None,
        stack_usage_path: &scratch.to_string_lossy(),
    });
    remove_scratch(&scratch);
    result.map(drop).map_err(|source| Error::Compile {
        input: input.to_path_buf(),
        source,
    })
}

fn compile(cli: &Cli, input: &Path, output: &Path) -> Result<(), Error> {
    let choices = Choices::of(cli)?;
    let options = CompileOptions {
        target: choices.target,
        abi: choices.abi,
        cpu: &choices.cpu,
        cpu_features: &choices.cpu_features,
        xip: cli.xip,
        opt_level: cli.opt_level,
        size_level: cli.size_level,
        ..CompileOptions::portable(choices.target)
    };
    options.validate()?;

    let wasm = std::fs::read(input).map_err(|source| Error::Io {
        action: "cannot read",
        path: input.to_path_buf(),
        source,
    })?;
    // What the VM does to a .wasm before loading it, done here since native code cannot be
    // rewritten: the start function and the exports WAMR calls by itself become plain exports
    // the VM calls after instantiation, under its limits and within reach of its stop handle.
    let wasm = match hooks::prepare_for_aot(&wasm) {
        Ok(Some(rewritten)) => rewritten,
        Ok(None) => wasm,
        Err(source) => {
            return Err(Error::ReservedExportName {
                input: input.to_path_buf(),
                source,
            });
        }
    };
    ffi::show_wamr_messages(cli.verbose);
    let llvm_ir = cli
        .llvm_ir
        .as_ref()
        .map(|path| path.to_string_lossy().into_owned());
    let scratch = stack_usage_path(std::process::id(), "compile");
    let compiled = ffi::compile(ffi::Request {
        wasm,
        arch: wamr_arch(options.target),
        abi: options.abi.name(),
        cpu: options.cpu,
        cpu_features: options.cpu_features,
        xip: options.xip,
        opt_level: options.opt_level,
        size_level: options.size_level,
        llvm_ir_path: llvm_ir.as_deref(),
        stack_usage_path: &scratch.to_string_lossy(),
    });
    remove_scratch(&scratch);
    let payload = compiled.map_err(|source| Error::Compile {
        input: input.to_path_buf(),
        source,
    })?;
    if options.xip {
        let groups = payload::text_relocation_groups(&payload, pointer_bits(options.target))?;
        if !groups.is_empty() {
            return Err(Error::XipTextRelocations {
                target: options.target,
                groups: groups.join(", "),
            });
        }
    }
    let stamp = AotStamp {
        abi_version: ABI_VERSION,
        wamr_version: ffi::wamr_version(),
        options,
    };
    let file = stamp.encode(&payload)?;
    std::fs::write(output, &file).map_err(|source| Error::Io {
        action: "cannot write",
        path: output.to_path_buf(),
        source,
    })?;
    report(&format!(
        "{} -> {}: {} bytes ({} from WAMR {}'s compiler)\n{}",
        input.display(),
        output.display(),
        file.len(),
        payload.len(),
        stamp.wamr_version,
        describe(&stamp)
    ));
    Ok(())
}

/// Prints a report on stdout. A closed stdout (`| head`) is not a failure of the compilation,
/// so write errors are ignored.
fn report(text: &str) {
    use std::io::Write as _;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// The stamp's fields, one per line.
fn describe(stamp: &AotStamp<'_>) -> String {
    let options = &stamp.options;
    let features = if options.cpu_features.is_empty() {
        "(none beyond the CPU's)"
    } else {
        options.cpu_features
    };
    format!(
        "  target        {} (ABI {})\n\
         \x20 cpu           {}\n\
         \x20 cpu features  {features}\n\
         \x20 checks        {} bounds checks, native stack {}, stop checks {}\n\
         \x20 xip           {}\n\
         \x20 llvm levels   opt {}, size {}\n\
         \x20 stamp         VM ABI {}, WAMR {}\n",
        options.target,
        options.abi,
        options.cpu,
        options.bounds_checks,
        if options.stack_bounds_checks {
            "checked"
        } else {
            "unchecked"
        },
        if options.stop_checks { "on" } else { "off" },
        if options.xip { "yes" } else { "no" },
        options.opt_level,
        options.size_level,
        stamp.abi_version,
        stamp.wamr_version
    )
}

fn inspect(path: &Path) -> Result<(), Error> {
    let file = std::fs::read(path).map_err(|source| Error::Io {
        action: "cannot read",
        path: path.to_path_buf(),
        source,
    })?;
    let parsed = AotStamp::parse(&file).map_err(|source| Error::Inspect {
        path: path.to_path_buf(),
        source,
    })?;
    report(&format!(
        "{}: stamped AOT module, payload {} bytes at offset {}\n{}",
        path.display(),
        parsed.payload.len(),
        parsed.payload_offset,
        describe(&parsed.stamp)
    ));
    Ok(())
}

fn run(cli: &Cli) -> Result<(), Error> {
    if let Some(path) = &cli.inspect {
        return inspect(path);
    }
    if let Some(path) = &cli.probe_xtensa {
        return run_xtensa_probe(path);
    }
    match (&cli.input, &cli.output) {
        (Some(input), Some(output)) => compile(cli, input, output),
        _ => Err(Error::Usage(
            "give a module and -o OUTPUT, or --inspect FILE",
        )),
    }
}

impl Error {
    /// 2 for a command line that asks for something impossible, 1 for everything else.
    fn exit_code(&self) -> ExitCode {
        match self {
            Self::Usage(_)
            | Self::UnknownTarget(_)
            | Self::NoDefaultTarget
            | Self::UnknownAbi { .. }
            | Self::HostCpu(_)
            | Self::InvalidOptions(_) => ExitCode::from(2),
            _ => ExitCode::FAILURE,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xila-aotc: {error}");
            error.exit_code()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(args: &[&str]) -> Cli {
        Cli::try_parse_from(
            ["xila-aotc", "app.wasm", "-o", "app.aot"]
                .iter()
                .chain(args),
        )
        .expect("a valid command line")
    }

    #[test]
    fn defaults_are_the_targets_portable_options() {
        for target in Target::ALL {
            let choices = Choices::of(&cli(&["--target", target.name()])).expect("valid");
            let portable = CompileOptions::portable(target);
            assert_eq!(choices.target, target);
            assert_eq!(choices.abi, portable.abi);
            assert_eq!(choices.cpu, portable.cpu);
            assert_eq!(choices.cpu_features, portable.cpu_features);
        }
        let riscv32 = Choices::of(&cli(&["--target", "riscv32"])).expect("valid");
        assert_eq!(
            (riscv32.cpu.as_str(), riscv32.cpu_features.as_str()),
            ("generic-rv32", "+m,+a,+c")
        );
        assert_eq!(riscv32.abi, Abi::Ilp32);
    }

    #[test]
    fn the_default_target_is_this_machine_with_a_portable_cpu() {
        let choices = Choices::of(&cli(&[]));
        match Target::of_this_build() {
            Some(host) => {
                let choices = choices.expect("valid");
                assert_eq!(choices.target, host);
                assert_eq!(choices.cpu, CompileOptions::portable(host).cpu);
            }
            None => assert!(matches!(choices, Err(Error::NoDefaultTarget))),
        }
    }

    #[test]
    fn the_build_machines_cpu_is_refused() {
        for cpu in ["native", "host", "Native"] {
            let result = Choices::of(&cli(&["--target", "x86_64", "--cpu", cpu]));
            assert!(
                matches!(result, Err(Error::HostCpu(ref name)) if name == cpu),
                "{result:?}"
            );
        }
    }

    #[test]
    fn abi_must_belong_to_the_target() {
        let result = Choices::of(&cli(&["--target", "riscv32", "--abi", "lp64d"]));
        match result {
            Err(Error::UnknownAbi { allowed, .. }) => assert_eq!(allowed, "ilp32, ilp32f, ilp32d"),
            other => panic!("{other:?}"),
        }
        let choices = Choices::of(&cli(&["--target", "riscv64", "--abi", "lp64"])).expect("ok");
        assert_eq!(choices.abi, Abi::Lp64);
    }

    #[test]
    fn float_abis_get_the_extensions_they_need() {
        assert_eq!(with_abi_features("+m,+a,+c", Abi::Ilp32), "+m,+a,+c");
        assert_eq!(with_abi_features("+m,+a,+c", Abi::Ilp32f), "+m,+a,+c,+f");
        assert_eq!(with_abi_features("+m,+a,+c", Abi::Ilp32d), "+m,+a,+c,+f,+d");
        assert_eq!(with_abi_features("+m,+d,+f", Abi::Lp64d), "+m,+d,+f");
        // A feature switched off again is added back when the ABI needs it.
        assert_eq!(with_abi_features("+f,-f", Abi::Ilp32f), "+f,-f,+f");
        assert_eq!(with_abi_features("", Abi::Lp64d), "+f,+d");
        let choices = Choices::of(&cli(&[
            "--target",
            "riscv32",
            "--abi",
            "ilp32d",
            "--cpu-features",
            "+m, +a",
        ]))
        .expect("valid");
        assert_eq!(choices.cpu_features, "+m,+a,+f,+d");
    }

    #[test]
    fn unknown_targets_are_usage_errors() {
        let error = Choices::of(&cli(&["--target", "mips"])).expect_err("refused");
        assert!(matches!(error, Error::UnknownTarget(ref name) if name == "mips"));
        assert_eq!(error.exit_code(), ExitCode::from(2));
    }
}
