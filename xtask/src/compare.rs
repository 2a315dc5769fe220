//! `cargo xtask bench --compare`: the same WASI workloads on `xila-vm`, on the peer runners and
//! natively, side by side.
//!
//! - The workloads are the binaries of `bench/workloads` (a cargo workspace of its own), built
//!   for `wasm32-wasip1` and for the host; the native build gives the physical limit.
//! - The same workloads compiled ahead of time with `xila-aotc` (tools/aot-compiler) run on
//!   `xila-vm` too, as the "xila-vm AOT" runner. The compiler needs LLVM 19; without it the
//!   column is skipped, and the page says so.
//! - The peers are the binaries of `bench/peers` (a cargo workspace of its own, so their
//!   features never unify with ours): `wamr-libc-wasi` (WAMR with its built-in libc-wasi),
//!   the same built with WAMR's thread manager (a peer whose guest can be stopped from
//!   outside, as `xila-vm`'s can; its own target directory) and `wasmi-runner`. All take
//!   `xila-vm run`'s command-line shape. WAMR in the peers is built without our patches and
//!   loader options, at the same optimisation level as ours
//!   (`vendor/cmake/wamr-optimization.cmake`). A peer that does not build stops the
//!   comparison: without its reference, no ratio means anything.
//! - Per workload, the runners run interleaved (A B C D A B C D …): one warm-up round, then
//!   [`ROUNDS`] measured rounds ([`STARTUP_ROUNDS`] for the start-up workloads). Each run gets
//!   a fresh directory as its preopened `/` (natively: the `BENCH_ROOT` variable), its wall
//!   time (spawn to exit) and peak RSS (`wait4`) are recorded and its `checksum:` line must
//!   match every other run's.
//! - The medians, and their ratios to the (plain) WAMR runner, go into `docs/performance.md`
//!   between [`START_MARKER`] and [`END_MARKER`], and are printed, with the AOT runner's time
//!   relative to the interpreter's and to native code, and `xila-vm`'s relative to the
//!   stoppable WAMR runner.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant, SystemTime};

use crate::aot;
use crate::bench;
use crate::cli;
use crate::error::{Error, Result};
use crate::link_order;
use crate::prereqs::{self, Requirements};
use crate::process::{Cmd, describe_status};
use crate::wamr_build::{self, HOST_TOOLCHAIN_FILE_VARIABLE};

/// The Rust target the workloads are built for.
pub const WASM_TARGET: &str = "wasm32-wasip1";

/// What `cargo xtask bench --compare` needs before it starts.
pub const REQUIREMENTS: Requirements = Requirements {
    checks: &[prereqs::WAMR_BUILD],
    rust_targets: &[WASM_TARGET],
    rust_components: &[],
};

/// The workloads' cargo workspace, relative to the workspace root.
pub const WORKLOADS_DIR: &str = "bench/workloads";
/// The peer runners' cargo workspace, relative to the workspace root.
pub const PEERS_DIR: &str = "bench/peers";
/// The marker opening the generated section of the performance page.
pub const START_MARKER: &str = "<!-- bench:compare:start -->";
/// The marker closing the generated section of the performance page.
pub const END_MARKER: &str = "<!-- bench:compare:end -->";
/// Measured rounds of a full run.
pub const ROUNDS: usize = 5;
/// Measured rounds of a full run for the start-up workloads. A start takes a few milliseconds
/// and varies from one to the next by more than the differences being measured: the ratio of
/// `hello`'s medians, `xila-vm` to the WAMR runner, ranged over 0.94–1.04× in 40 repeats of 5
/// rounds and over 0.987–0.997× in 8 repeats of 100 (2026-11-24). A hundred starts per runner
/// take about a second.
pub const STARTUP_ROUNDS: usize = 100;
/// Measured rounds of a `--quick` run (which has no warm-up round either).
pub const QUICK_ROUNDS: usize = 1;
/// How many arguments and environment variables `args-env` gets.
pub const ARGS_ENV_COUNT: usize = 100;
/// The variable that tells a native workload where its root directory is.
pub const ROOT_VARIABLE: &str = "BENCH_ROOT";

/// What a workload stresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Process start, instantiation, exit.
    Startup,
    /// Pure computation in the guest.
    Cpu,
    /// WASI calls.
    Wasi,
}

impl Kind {
    /// How many measured rounds a workload of this kind gets.
    pub fn rounds(self, quick: bool) -> usize {
        match (quick, self) {
            (true, _) => QUICK_ROUNDS,
            (false, Self::Startup) => STARTUP_ROUNDS,
            (false, Self::Cpu | Self::Wasi) => ROUNDS,
        }
    }

    /// The label in the table.
    pub fn label(self) -> &'static str {
        match self {
            Self::Startup => "startup",
            Self::Cpu => "CPU",
            Self::Wasi => "WASI",
        }
    }
}

/// One workload of `bench/workloads`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Workload {
    /// The binary's name (`<name>.wasm` for the guest build).
    pub name: &'static str,
    /// What it stresses.
    pub kind: Kind,
    /// The guest arguments of a `--quick` run: a small size (the workloads take their size,
    /// iterations or elements, as the first argument); full runs use the workload's defaults.
    pub quick_args: &'static [&'static str],
}

/// The workloads, in table order.
pub const WORKLOADS: &[Workload] = &[
    Workload {
        name: "hello",
        kind: Kind::Startup,
        quick_args: &[],
    },
    Workload {
        name: "args-env",
        kind: Kind::Startup,
        quick_args: &[],
    },
    Workload {
        name: "fib",
        kind: Kind::Cpu,
        quick_args: &["20"],
    },
    Workload {
        name: "sha256",
        kind: Kind::Cpu,
        quick_args: &["2"],
    },
    Workload {
        name: "nbody",
        kind: Kind::Cpu,
        quick_args: &["1000"],
    },
    Workload {
        name: "sort",
        kind: Kind::Cpu,
        quick_args: &["10000"],
    },
    Workload {
        name: "hashmap",
        kind: Kind::Cpu,
        quick_args: &["10000"],
    },
    Workload {
        name: "write-small",
        kind: Kind::Wasi,
        quick_args: &["1000"],
    },
    Workload {
        name: "read-chunks",
        kind: Kind::Wasi,
        quick_args: &["2"],
    },
    Workload {
        name: "clock",
        kind: Kind::Wasi,
        quick_args: &["1000"],
    },
    Workload {
        name: "stat",
        kind: Kind::Wasi,
        quick_args: &["1000"],
    },
    Workload {
        name: "readdir",
        kind: Kind::Wasi,
        quick_args: &["1"],
    },
    Workload {
        name: "open-close",
        kind: Kind::Wasi,
        quick_args: &["1000"],
    },
];

/// The runners, in the order they run within a round (and the table's column order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runner {
    /// Our CLI, `xila-vm run`, interpreting the `.wasm` workload.
    Xila,
    /// Our CLI running the workload compiled ahead of time (`.aot`, by `xila-aotc`).
    XilaAot,
    /// WAMR with its built-in libc-wasi (`bench/peers`): the reference of the ratios. Built
    /// without WAMR's thread manager, so nothing can stop its guest from outside.
    Wamr,
    /// The same runner built with WAMR's thread manager, which `xila-vm`'s `StopHandle`
    /// needs: a peer whose guest can be stopped from outside too.
    WamrStoppable,
    /// wasmi with `wasmi_wasi` (`bench/peers`).
    Wasmi,
    /// The workload built for the host.
    Native,
}

/// How many runners there are.
pub const RUNNER_COUNT: usize = 6;

/// All runners, in round order.
pub const RUNNERS: [Runner; RUNNER_COUNT] = [
    Runner::Xila,
    Runner::XilaAot,
    Runner::Wamr,
    Runner::WamrStoppable,
    Runner::Wasmi,
    Runner::Native,
];

impl Runner {
    /// The column title.
    pub fn title(self) -> &'static str {
        match self {
            Self::Xila => "xila-vm",
            Self::XilaAot => "xila-vm AOT",
            Self::Wamr => "WAMR libc-wasi",
            Self::WamrStoppable => "WAMR + thread mgr",
            Self::Wasmi => "wasmi",
            Self::Native => "native",
        }
    }

    /// A file-name-friendly name.
    pub fn slug(self) -> &'static str {
        match self {
            Self::Xila => "xila-vm",
            Self::XilaAot => "xila-vm-aot",
            Self::Wamr => "wamr-libc-wasi",
            Self::WamrStoppable => "wamr-thread-mgr",
            Self::Wasmi => "wasmi",
            Self::Native => "native",
        }
    }

    /// The index in [`RUNNERS`].
    pub fn index(self) -> usize {
        match self {
            Self::Xila => 0,
            Self::XilaAot => 1,
            Self::Wamr => 2,
            Self::WamrStoppable => 3,
            Self::Wasmi => 4,
            Self::Native => 5,
        }
    }
}

/// A peer runner of `bench/peers` and how it is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer {
    /// The runner it is.
    pub runner: Runner,
    /// The binary (also its package's name).
    pub binary: &'static str,
    /// Cargo features of its build, as `package/feature`.
    pub features: &'static [&'static str],
    /// Its cargo target directory, relative to the peers' workspace. Builds of one binary
    /// with different features need different directories, or each would overwrite the other.
    pub target_dir: &'static str,
}

impl Peer {
    /// The `cargo` arguments that build it, run in the peers' workspace `peers_dir`.
    pub fn build_args(&self, peers_dir: &Path) -> Vec<OsString> {
        let mut args: Vec<OsString> = ["build", "--release", "--bin", self.binary]
            .map(OsString::from)
            .into();
        if !self.features.is_empty() {
            args.push(OsString::from("--features"));
            args.push(OsString::from(self.features.join(",")));
        }
        args.push(OsString::from("--target-dir"));
        args.push(peers_dir.join(self.target_dir).into_os_string());
        args
    }

    /// Where its build puts the binary.
    pub fn binary_path(&self, peers_dir: &Path) -> PathBuf {
        peers_dir
            .join(self.target_dir)
            .join("release")
            .join(self.binary)
    }
}

/// The peers of `bench/peers`, in build order.
pub const PEERS: &[Peer] = &[
    Peer {
        runner: Runner::Wamr,
        binary: "wamr-libc-wasi",
        features: &[],
        target_dir: "target",
    },
    Peer {
        runner: Runner::WamrStoppable,
        binary: "wamr-libc-wasi",
        features: &["wamr-libc-wasi/thread-mgr"],
        target_dir: "target/thread-mgr",
    },
    Peer {
        runner: Runner::Wasmi,
        binary: "wasmi-runner",
        features: &[],
        target_dir: "target",
    },
];

/// Where the built programs are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Programs {
    /// The program of each runner (by [`Runner::index`]): the runner binary for the WASI
    /// runners, the directory of the native workload binaries for [`Runner::Native`]; `None`
    /// when it is not available.
    pub runners: [Option<PathBuf>; RUNNER_COUNT],
    /// The directory of the `.wasm` workloads.
    pub wasm_dir: PathBuf,
    /// The directory of the workloads compiled ahead of time (`NAME.aot`), for
    /// [`Runner::XilaAot`].
    pub aot_dir: PathBuf,
    /// Why runners are missing, for the page.
    pub notes: Vec<String>,
}

/// One measured run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    /// Spawn to exit.
    pub wall: Duration,
    /// Peak resident set size, KiB.
    pub peak_rss_kib: u64,
}

/// The medians of one runner on one workload.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    /// Median wall time, seconds.
    pub wall_s: f64,
    /// Median peak RSS, KiB.
    pub rss_kib: f64,
}

/// What a cell of the table shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell {
    /// The runner is not available.
    NotRun,
    /// A run failed (the problem is reported separately).
    Failed,
    /// The medians.
    Measured(Stats),
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The workload.
    pub workload: Workload,
    /// One cell per runner, by [`Runner::index`].
    pub cells: [Cell; RUNNER_COUNT],
}

/// Runs the comparison and updates the performance page (a `--quick` smoke run only prints
/// its table).
pub fn run(root: &Path, quick: bool) -> Result<()> {
    prereqs::ensure(&REQUIREMENTS, root)?;
    let programs = build(root)?;
    for note in &programs.notes {
        println!("note: {note}");
    }

    let scratch = std::env::temp_dir().join(format!("xila-bench-compare-{}", std::process::id()));
    remove_dir(&scratch)?;
    let outcome = measure_all(&programs, &scratch, quick);
    let cleanup = remove_dir(&scratch);
    let (rows, problems) = outcome?;
    cleanup?;

    let machine = bench::machine(root);
    let date = bench::format_utc(SystemTime::now());
    let section = render_section(&date, &machine, quick, &programs.notes, &rows);
    println!("\n{section}");
    if !problems.is_empty() {
        return Err(Error::Bench(format!(
            "the comparison found {} problem(s); {} was not updated:\n  - {}",
            problems.len(),
            bench::DOC_PATH,
            problems.join("\n  - ")
        )));
    }
    if quick {
        // A smoke run's numbers are too noisy to replace the recorded ones.
        println!("--quick: {} left unchanged", bench::DOC_PATH);
        return Ok(());
    }
    let doc_path = bench::update_document(root, START_MARKER, END_MARKER, &section)?;
    println!("updated {}", doc_path.display());
    Ok(())
}

/// Builds the CLI, the workloads and the peers; a missing native or AOT build is a note, a
/// peer that does not build an error.
fn build(root: &Path) -> Result<Programs> {
    let mut programs = Programs::default();

    let xila = build_cli(root)?;
    if link_order::APPLIES_TO_HOST {
        match link_order::coverage(root, &xila) {
            Ok(coverage) => programs.notes.extend(coverage.stale_note()),
            Err(e) => programs.notes.push(format!(
                "xila-vm: its link order could not be checked ({e})"
            )),
        }
    }
    programs.runners[Runner::Xila.index()] = Some(xila);

    programs.wasm_dir = build_wasm_workloads(root)?;
    let workloads = root.join(WORKLOADS_DIR);
    let workloads_target = workloads.join("target");

    // The host triple is named explicitly, so a `build.target` in the workloads' cargo
    // configuration cannot turn the native build into another wasm build.
    let native = host_triple(root).and_then(|host| {
        Cmd::cargo()
            .args(["build", "--release", "--target", &host, "--target-dir"])
            .arg(&workloads_target)
            .current_dir(&workloads)
            .run()?;
        Ok(workloads_target.join(&host).join("release"))
    });
    match native {
        Ok(dir) => programs.runners[Runner::Native.index()] = Some(dir),
        Err(e) => programs
            .notes
            .push(format!("native: not measured, the host build failed ({e})")),
    }

    programs.aot_dir = workloads_target.join("aot");
    match compile_workloads(root, &programs.wasm_dir, &programs.aot_dir) {
        Ok(()) => {
            programs.runners[Runner::XilaAot.index()] =
                programs.runners[Runner::Xila.index()].clone()
        }
        Err(note) => programs
            .notes
            .push(format!("{}: not measured, {note}", Runner::XilaAot.title())),
    }

    let peers = root.join(PEERS_DIR);
    for peer in PEERS {
        let title = peer.runner.title();
        peer_build(root, peer)
            .run()
            .map_err(|e| Error::Bench(format!("{title}: `{}` did not build ({e})", peer.binary)))?;
        let path = peer.binary_path(&peers);
        if !path.is_file() {
            return Err(Error::Bench(format!(
                "{title}: {} is missing after the build",
                path.display()
            )));
        }
        programs.runners[peer.runner.index()] = Some(path);
    }
    Ok(programs)
}

/// Builds the guest workloads for [`WASM_TARGET`]; returns the directory of the `.wasm` files.
pub fn build_wasm_workloads(root: &Path) -> Result<PathBuf> {
    let workloads = root.join(WORKLOADS_DIR);
    if !workloads.join("Cargo.toml").is_file() {
        return Err(Error::Bench(format!(
            "{WORKLOADS_DIR}/Cargo.toml is missing: the workloads are not there yet"
        )));
    }
    let workloads_target = workloads.join("target");
    Cmd::cargo()
        .args([
            "build",
            "--release",
            "--target",
            WASM_TARGET,
            "--target-dir",
        ])
        .arg(&workloads_target)
        .current_dir(&workloads)
        .run()?;
    Ok(workloads_target.join(WASM_TARGET).join("release"))
}

/// Builds the release CLI; returns the path of its binary.
pub fn build_cli(root: &Path) -> Result<PathBuf> {
    Cmd::cargo()
        .args(["build", "--release", "-p", cli::PACKAGE])
        .current_dir(root)
        .run()?;
    let xila = crate::target_dir(root).join("release").join(cli::BINARY);
    if !xila.is_file() {
        return Err(Error::Bench(format!(
            "the CLI was not found at {}",
            xila.display()
        )));
    }
    Ok(xila)
}

/// Builds the AOT compiler and compiles every workload for this machine into `aot_dir`; the
/// error says why the AOT runner cannot be measured (LLVM missing, a failed build).
fn compile_workloads(
    root: &Path,
    wasm_dir: &Path,
    aot_dir: &Path,
) -> std::result::Result<(), String> {
    if let Some(note) = missing_aot_compiler(prereqs::is_present) {
        return Err(note);
    }
    let compiler = aot::build(root).map_err(|e| format!("xila-aotc did not build ({e})"))?;
    create_dir(aot_dir).map_err(|e| e.to_string())?;
    for workload in WORKLOADS {
        let wasm = wasm_dir.join(format!("{}.wasm", workload.name));
        let output = aot_dir.join(format!("{}.aot", workload.name));
        let compiled = Cmd::new(&compiler)
            .shown_as(aot::BINARY)
            .arg(&wasm)
            .arg("-o")
            .arg(&output)
            .output()
            .map_err(|e| e.to_string())?;
        if !compiled.status.success() {
            return Err(format!(
                "xila-aotc failed on {} ({}): {}",
                workload.name,
                describe_status(compiled.status),
                tail(&String::from_utf8_lossy(&compiled.stderr), 400)
            ));
        }
    }
    println!(
        "compiled {} workloads ahead of time into {}",
        WORKLOADS.len(),
        aot_dir.display()
    );
    Ok(())
}

/// Why the AOT compiler cannot be built here, if it cannot: what is missing and the command
/// that installs it. `is_present` probes a prerequisite.
pub fn missing_aot_compiler(is_present: impl Fn(&prereqs::Probe) -> bool) -> Option<String> {
    let missing: Vec<&prereqs::Check> = prereqs::AOT_COMPILER
        .iter()
        .filter(|check| !is_present(&check.probe))
        .collect();
    if missing.is_empty() {
        return None;
    }
    let mut packages: Vec<&str> = Vec::new();
    for check in &missing {
        if !packages.contains(&check.debian_package) {
            packages.push(check.debian_package);
        }
    }
    let what: Vec<&str> = missing.iter().map(|check| check.what).collect();
    Some(format!(
        "the AOT compiler needs {} (`{}`)",
        what.join(", "),
        prereqs::install_command(&packages)
    ))
}

/// `rustc -vV`'s host triple.
fn host_triple(root: &Path) -> Result<String> {
    let text = Cmd::new("rustc").arg("-vV").current_dir(root).stdout()?;
    parse_host_triple(&text)
        .ok_or_else(|| Error::Bench(String::from("`rustc -vV` printed no `host:` line")))
}

/// The `host:` line of `rustc -vV`.
pub fn parse_host_triple(rustc_vv: &str) -> Option<String> {
    rustc_vv.lines().find_map(|line| {
        let host = line.strip_prefix("host:")?.trim();
        (!host.is_empty()).then(|| host.to_owned())
    })
}

/// The build of `peer`. WAMR as shipped upstream: neither this workspace's CFLAGS (WAMR defines
/// for our VM) nor its toolchain file (our patches and the AOT loader), which
/// `.cargo/config.toml` sets and `cargo xtask` inherits, may reach the peers' build; only the
/// optimisation level is shared, so both sides run the same compiled engine.
fn peer_build(root: &Path, peer: &Peer) -> Cmd {
    let peers = root.join(PEERS_DIR);
    Cmd::cargo()
        .env("CFLAGS", "")
        .env(
            HOST_TOOLCHAIN_FILE_VARIABLE,
            wamr_build::optimization_toolchain_file(root),
        )
        .args(peer.build_args(&peers))
        .current_dir(&peers)
}

/// Runs every workload on every available runner; returns the rows and the problems found
/// (failed runs, missing or different checksums).
fn measure_all(
    programs: &Programs,
    scratch: &Path,
    quick: bool,
) -> Result<(Vec<Row>, Vec<String>)> {
    let warm_up = usize::from(!quick);
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for workload in WORKLOADS {
        let wasm = programs.wasm_dir.join(format!("{}.wasm", workload.name));
        if !wasm.is_file() {
            problems.push(format!(
                "{}: {} is missing (not built by {WORKLOADS_DIR}?)",
                workload.name,
                wasm.display()
            ));
            rows.push(Row {
                workload: *workload,
                cells: [Cell::Failed; RUNNER_COUNT],
            });
            continue;
        }
        let args = guest_args(workload, quick);
        let env = guest_env(workload);
        print!("{:<12}", workload.name);
        let mut samples: [Vec<Sample>; RUNNER_COUNT] = Default::default();
        let mut failed = [false; RUNNER_COUNT];
        let aot = programs.aot_dir.join(format!("{}.aot", workload.name));
        let mut reference: Option<(Runner, String)> = None;
        for round in 0..warm_up + workload.kind.rounds(quick) {
            for runner in RUNNERS {
                let Some(program) = &programs.runners[runner.index()] else {
                    continue;
                };
                if failed[runner.index()] {
                    continue;
                }
                let dir = scratch.join(workload.name).join(runner.slug());
                let root = dir.join("root");
                if round == 0 {
                    create_dir(&root)?;
                }
                let line = Invocation {
                    runner,
                    program,
                    wasm: if runner == Runner::XilaAot {
                        &aot
                    } else {
                        &wasm
                    },
                    workload: workload.name,
                    root: &root,
                    args: &args,
                    env: &env,
                };
                let run = run_once(line.command(), &dir)
                    .map_err(|message| {
                        format!("{} on {}: {message}", runner.title(), workload.name)
                    })
                    .and_then(|(sample, checksum)| {
                        match &reference {
                            None => reference = Some((runner, checksum)),
                            Some((first, expected)) if *expected != checksum => {
                                return Err(format!(
                                    "{}: checksums differ: {} printed `{expected}`, {} printed \
                                     `{checksum}`",
                                    workload.name,
                                    first.title(),
                                    runner.title()
                                ));
                            }
                            Some(_) => {}
                        }
                        Ok(sample)
                    });
                match run {
                    Ok(sample) if round >= warm_up => samples[runner.index()].push(sample),
                    Ok(_) => {}
                    Err(problem) => {
                        failed[runner.index()] = true;
                        problems.push(problem);
                    }
                }
                print!(".");
                flush_stdout();
            }
        }
        println!();
        let cells = std::array::from_fn(|i| {
            if failed[i] {
                Cell::Failed
            } else if samples[i].is_empty() {
                Cell::NotRun
            } else {
                Cell::Measured(stats(&samples[i]))
            }
        });
        rows.push(Row {
            workload: *workload,
            cells,
        });
    }
    Ok((rows, problems))
}

fn flush_stdout() {
    use std::io::Write as _;
    // Progress dots only: a failed flush is harmless.
    let _ = std::io::stdout().flush();
}

/// The guest arguments: 100 for `args-env`, a small iteration count for `--quick` runs.
pub fn guest_args(workload: &Workload, quick: bool) -> Vec<String> {
    if workload.name == "args-env" {
        (0..ARGS_ENV_COUNT).map(|i| format!("arg-{i:03}")).collect()
    } else if quick {
        workload.quick_args.iter().map(|&a| a.to_owned()).collect()
    } else {
        Vec::new()
    }
}

/// The guest environment: 100 variables for `args-env`, none otherwise.
pub fn guest_env(workload: &Workload) -> Vec<(String, String)> {
    if workload.name == "args-env" {
        (0..ARGS_ENV_COUNT)
            .map(|i| (format!("BENCH_ENV_{i:03}"), format!("value-{i:03}")))
            .collect()
    } else {
        Vec::new()
    }
}

/// The command line of one run.
#[derive(Debug, Clone, Copy)]
pub struct Invocation<'a> {
    /// Who runs it.
    pub runner: Runner,
    /// The runner binary, or the directory of the native binaries.
    pub program: &'a Path,
    /// The module: the `.wasm` workload, or its `.aot` for [`Runner::XilaAot`].
    pub wasm: &'a Path,
    /// The workload's name (the native binary's name).
    pub workload: &'a str,
    /// The directory the guest sees as `/`.
    pub root: &'a Path,
    /// The guest arguments.
    pub args: &'a [String],
    /// The guest environment.
    pub env: &'a [(String, String)],
}

impl Invocation<'_> {
    /// The program, its arguments and its environment (which is all it gets: the runners and
    /// native workloads start from an empty environment).
    pub fn parts(&self) -> (PathBuf, Vec<OsString>, Vec<(OsString, OsString)>) {
        if self.runner == Runner::Native {
            let program = self.program.join(self.workload);
            let args = self.args.iter().map(OsString::from).collect();
            let mut env: Vec<(OsString, OsString)> = self
                .env
                .iter()
                .map(|(k, v)| (OsString::from(k), OsString::from(v)))
                .collect();
            env.push((
                OsString::from(ROOT_VARIABLE),
                self.root.as_os_str().to_owned(),
            ));
            return (program, args, env);
        }
        let mut args = vec![OsString::from("run"), self.wasm.as_os_str().to_owned()];
        let mut dir = self.root.as_os_str().to_owned();
        dir.push("::/");
        args.push(OsString::from("--dir"));
        args.push(dir);
        for (key, value) in self.env {
            args.push(OsString::from("--env"));
            args.push(OsString::from(format!("{key}={value}")));
        }
        if !self.args.is_empty() {
            args.push(OsString::from("--"));
            args.extend(self.args.iter().map(OsString::from));
        }
        (self.program.to_path_buf(), args, Vec::new())
    }

    /// The [`Command`] for this run.
    pub fn command(&self) -> Command {
        let (program, args, env) = self.parts();
        let mut command = Command::new(program);
        command.args(args).env_clear().envs(env);
        if self.runner == Runner::Native {
            command.current_dir(self.root);
        }
        command
    }
}

/// Runs `command` once with stdout and stderr in files under `dir`; returns the sample and
/// the checksum, or what went wrong.
fn run_once(mut command: Command, dir: &Path) -> std::result::Result<(Sample, String), String> {
    let stdout_path = dir.join("stdout");
    let stderr_path = dir.join("stderr");
    let open =
        |path: &Path| File::create(path).map_err(|e| format!("creating {}: {e}", path.display()));
    let (stdout, stderr) = (open(&stdout_path)?, open(&stderr_path)?);
    command.stdin(Stdio::null()).stdout(stdout).stderr(stderr);
    let (status, sample) = spawn_and_wait(&mut command)
        .map_err(|e| format!("could not run {}: {e}", command.get_program().display()))?;
    let read = |path: &Path| {
        fs::read(path)
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .map_err(|e| format!("reading {}: {e}", path.display()))
    };
    let (out, err) = (read(&stdout_path)?, read(&stderr_path)?);
    if !status.success() {
        return Err(format!(
            "{}; stderr ends with: {}",
            describe_status(status),
            tail(&err, 400)
        ));
    }
    let checksum = find_checksum(&out, &err)
        .ok_or_else(|| String::from("no `checksum:` line on stdout or stderr"))?;
    Ok((sample, checksum))
}

/// Spawns the child and reaps it with `wait4`, which gives its own peak RSS.
///
/// Linux carries the high-water RSS of the address space a process had *before* `exec` into
/// its `ru_maxrss`. std spawns with `vfork` semantics (`posix_spawn`), so the child's old
/// address space is xtask's own, and every child would report at least xtask's peak (about
/// 4 MiB, more than a native `hello`). A `pre_exec` hook makes std `fork` instead: the copy
/// holds only xtask's private pages, a floor well under any runner's real peak.
fn spawn_and_wait(command: &mut Command) -> std::io::Result<(ExitStatus, Sample)> {
    use std::os::unix::process::{CommandExt as _, ExitStatusExt as _};

    // SAFETY: the hook does nothing, so it is trivially async-signal-safe.
    unsafe {
        command.pre_exec(|| Ok(()));
    }
    let start = Instant::now();
    let child = command.spawn()?;
    let pid = libc::pid_t::try_from(child.id())
        .map_err(|_| std::io::Error::other("child pid out of range"))?;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain integers and `timeval`s, for which all-zero bytes are valid.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our child and is reaped only here (std's `Child` is dropped without
        // being waited on); `status` and `usage` are valid, exclusive pointers for the call.
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if reaped == pid {
            break;
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
    let wall = start.elapsed();
    drop(child);
    // Linux reports `ru_maxrss` in KiB.
    let peak_rss_kib = u64::try_from(usage.ru_maxrss).unwrap_or(0);
    Ok((ExitStatus::from_raw(status), Sample { wall, peak_rss_kib }))
}

/// The last `checksum: VALUE` line of stdout, else of stderr; returns VALUE.
pub fn find_checksum(stdout: &str, stderr: &str) -> Option<String> {
    let last = |text: &str| {
        text.lines().rev().find_map(|line| {
            let value = line.trim().strip_prefix("checksum:")?.trim();
            Some(value.to_owned())
        })
    };
    last(stdout).or_else(|| last(stderr))
}

/// The last `max` bytes of `text` (on a character boundary), trimmed, one line.
fn tail(text: &str, max: usize) -> String {
    let text = text.trim();
    let mut start = text.len().saturating_sub(max);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    let tail = text[start..].replace('\n', " | ");
    if tail.is_empty() {
        String::from("(nothing)")
    } else {
        tail
    }
}

/// The median of `values` (the mean of the two middle ones for an even count); 0 when empty.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => sorted[n / 2],
        _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// The medians of some samples.
pub fn stats(samples: &[Sample]) -> Stats {
    let walls: Vec<f64> = samples.iter().map(|s| s.wall.as_secs_f64()).collect();
    // KiB counts fit an f64 exactly far beyond any real RSS.
    let rss: Vec<f64> = samples.iter().map(|s| s.peak_rss_kib as f64).collect();
    Stats {
        wall_s: median(&walls),
        rss_kib: median(&rss),
    }
}

/// `value / reference`, when both are positive.
pub fn ratio(value: f64, reference: f64) -> Option<f64> {
    (value > 0.0 && reference > 0.0).then(|| value / reference)
}

/// A wall time: `523 ms`, `4.21 ms`, `1.52 s`.
pub fn format_wall(seconds: f64) -> String {
    if seconds >= 1.0 {
        format!("{} s", bench::format_number(seconds))
    } else {
        format!("{} ms", bench::format_number(seconds * 1e3))
    }
}

/// A size in KiB: `3.52 MiB`, `812 KiB`.
pub fn format_rss(kib: f64) -> String {
    if kib >= 1024.0 {
        format!("{} MiB", bench::format_number(kib / 1024.0))
    } else {
        format!("{} KiB", bench::format_number(kib))
    }
}

/// A ratio: `0.85×`.
pub fn format_ratio(ratio: f64) -> String {
    format!("{ratio:.2}×")
}

/// The header of a Markdown table: workload and kind, then right-aligned `titles`.
fn table_header(titles: impl Iterator<Item = String>) -> String {
    let mut header = String::from("| workload | kind |");
    let mut rule = String::from("\n| --- | --- |");
    for title in titles {
        let _ = write!(header, " {title} |");
        rule.push_str(" ---: |");
    }
    header.push_str(&rule);
    header.push('\n');
    header
}

/// One Markdown table: a column per runner, each cell `value (ratio to WAMR)`.
pub fn render_table(rows: &[Row], value: fn(&Stats) -> f64, format: fn(f64) -> String) -> String {
    let mut out = table_header(RUNNERS.iter().map(|runner| runner.title().to_owned()));
    for row in rows {
        let reference = match row.cells[Runner::Wamr.index()] {
            Cell::Measured(stats) => Some(value(&stats)),
            _ => None,
        };
        let _ = write!(
            out,
            "| `{}` | {} |",
            row.workload.name,
            row.workload.kind.label()
        );
        for runner in RUNNERS {
            let text = match row.cells[runner.index()] {
                Cell::NotRun => String::from("—"),
                Cell::Failed => String::from("failed"),
                Cell::Measured(stats) => {
                    let v = value(&stats);
                    match reference.and_then(|r| ratio(v, r)) {
                        Some(q) if runner != Runner::Wamr => {
                            format!("{} ({})", format(v), format_ratio(q))
                        }
                        _ => format(v),
                    }
                }
            };
            let _ = write!(out, " {text} |");
        }
        out.push('\n');
    }
    out
}

/// What a column of a wall-time table shows for each workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WallColumn {
    /// The runner's median wall time.
    Time(Runner),
    /// The first runner's median wall time divided by the second's.
    Ratio(Runner, Runner),
}

impl WallColumn {
    /// The column title.
    pub fn title(self) -> String {
        match self {
            Self::Time(runner) => runner.title().to_owned(),
            Self::Ratio(runner, reference) => {
                format!("{} ÷ {}", runner.title(), reference.title())
            }
        }
    }

    fn cell(self, row: &Row) -> String {
        match self {
            Self::Time(runner) => match row.cells[runner.index()] {
                Cell::NotRun => String::from("—"),
                Cell::Failed => String::from("failed"),
                Cell::Measured(stats) => format_wall(stats.wall_s),
            },
            Self::Ratio(runner, reference) => {
                wall_ratio(row, runner, reference).map_or_else(|| String::from("—"), format_ratio)
            }
        }
    }
}

/// `runner`'s median wall time divided by `reference`'s on this row, when both measured it.
fn wall_ratio(row: &Row, runner: Runner, reference: Runner) -> Option<f64> {
    let wall = |runner: Runner| match row.cells[runner.index()] {
        Cell::Measured(stats) => Some(stats.wall_s),
        _ => None,
    };
    wall(runner)
        .zip(wall(reference))
        .and_then(|(value, reference)| ratio(value, reference))
}

/// A Markdown table of wall times and ratios between runners, a row per workload.
pub fn render_wall_table(rows: &[Row], columns: &[WallColumn]) -> String {
    let mut out = table_header(columns.iter().map(|column| column.title()));
    for row in rows {
        let _ = write!(
            out,
            "| `{}` | {} |",
            row.workload.name,
            row.workload.kind.label()
        );
        for column in columns {
            let _ = write!(out, " {} |", column.cell(row));
        }
        out.push('\n');
    }
    out
}

/// Whether `runner` measured at least one workload.
fn measured_any(rows: &[Row], runner: Runner) -> bool {
    rows.iter()
        .any(|row| matches!(row.cells[runner.index()], Cell::Measured(_)))
}

/// The AOT runner's wall time relative to the interpreter's (`xila-vm`) and to native code,
/// per workload; `None` when the AOT runner measured nothing.
pub fn render_aot_table(rows: &[Row]) -> Option<String> {
    measured_any(rows, Runner::XilaAot).then(|| {
        render_wall_table(
            rows,
            &[
                WallColumn::Time(Runner::XilaAot),
                WallColumn::Ratio(Runner::XilaAot, Runner::Xila),
                WallColumn::Ratio(Runner::XilaAot, Runner::Native),
            ],
        )
    })
}

/// `xila-vm`'s wall time relative to the WAMR runner built with the thread manager, and the
/// AOT runner's too when it measured anything; `None` when that WAMR runner measured nothing.
pub fn render_stoppable_table(rows: &[Row]) -> Option<String> {
    if !measured_any(rows, Runner::WamrStoppable) {
        return None;
    }
    let mut columns = vec![
        WallColumn::Time(Runner::Xila),
        WallColumn::Time(Runner::WamrStoppable),
        WallColumn::Ratio(Runner::Xila, Runner::WamrStoppable),
    ];
    if measured_any(rows, Runner::XilaAot) {
        columns.push(WallColumn::Time(Runner::XilaAot));
        columns.push(WallColumn::Ratio(Runner::XilaAot, Runner::WamrStoppable));
    }
    Some(render_wall_table(rows, &columns))
}

/// The generated section, markers included, without a trailing newline.
pub fn render_section(
    date: &str,
    machine: &bench::Machine,
    quick: bool,
    notes: &[String],
    rows: &[Row],
) -> String {
    let mut out = String::new();
    out.push_str(START_MARKER);
    out.push('\n');
    let rounds = if quick {
        format!("no warm-up, {QUICK_ROUNDS} measured round")
    } else {
        format!(
            "one warm-up round, then {ROUNDS} measured rounds ({STARTUP_ROUNDS} for the start-up \
             workloads)"
        )
    };
    let _ = writeln!(
        out,
        "Measured {date} with `cargo xtask bench --compare{}`: {rounds}, the runners \
         interleaved within each round. Each cell is the median over the rounds; in \
         parentheses, its ratio to the WAMR libc-wasi runner (below 1.00× is better). Every \
         run's checksum was checked equal across runners.",
        if quick { " --quick" } else { "" },
    );
    if quick {
        out.push_str(
            "This was a quick run (small iteration counts, one round): the numbers are a smoke \
             test, not a measurement.\n",
        );
    }
    out.push('\n');
    out.push_str(&machine.render());
    for note in notes {
        let _ = writeln!(out, "- Note: {note}");
    }
    out.push_str("\nWall time, process start to exit:\n\n");
    out.push_str(&render_table(rows, |s| s.wall_s, format_wall));
    if let Some(table) = render_aot_table(rows) {
        out.push_str(
            "\nAhead-of-time compiled (`xila-aotc`, portable CPU, software bounds checks, stop \
             checks) against the interpreter and native code, wall time:\n\n",
        );
        out.push_str(&table);
    }
    if let Some(table) = render_stoppable_table(rows) {
        let _ = write!(
            out,
            "\nAgainst a stoppable peer: the WAMR runner above cannot stop its guest from \
             outside, `xila-vm` can (its `StopHandle` needs WAMR's thread manager, which as \
             shipped takes a lock twice per host call; our build patches that out, see \
             `vendor/README.md`). \"{}\" is the same runner built with the thread manager \
             (`wamrx-sys` feature `thread-mgr`), so both sides can be stopped; wall time:\n\n",
            Runner::WamrStoppable.title()
        );
        out.push_str(&table);
    }
    out.push_str("\nPeak resident set size (`wait4`'s `ru_maxrss`):\n\n");
    out.push_str(&render_table(rows, |s| s.rss_kib, format_rss));
    out.push_str(END_MARKER);
    out
}

/// Creates `dir` and its parents.
pub fn create_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(|e| Error::io(format!("creating {}", dir.display()), e))
}

/// Removes `dir` and everything in it; a missing `dir` is fine.
pub fn remove_dir(dir: &Path) -> Result<()> {
    match fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(format!("removing {}", dir.display()), e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peers_get_wamr_without_our_defines_and_patches_at_our_optimisation_level() {
        for peer in PEERS {
            let build = peer_build(Path::new("/x"), peer).display();
            assert!(
                build.starts_with(
                    "CFLAGS='' CMAKE_TOOLCHAIN_FILE_x86_64_unknown_linux_gnu=\
                     /x/vendor/cmake/wamr-optimization.cmake cargo build --release"
                ),
                "{build}"
            );
        }
    }

    fn workload(name: &str) -> Workload {
        *WORKLOADS
            .iter()
            .find(|w| w.name == name)
            .expect("known workload")
    }

    #[test]
    fn every_workload_once_in_the_issue_order() {
        let names: Vec<&str> = WORKLOADS.iter().map(|w| w.name).collect();
        assert_eq!(
            names,
            [
                "hello",
                "args-env",
                "fib",
                "sha256",
                "nbody",
                "sort",
                "hashmap",
                "write-small",
                "read-chunks",
                "clock",
                "stat",
                "readdir",
                "open-close"
            ]
        );
        for (i, runner) in RUNNERS.iter().enumerate() {
            assert_eq!(runner.index(), i);
        }
    }

    #[test]
    fn args_env_gets_100_of_each() {
        let w = workload("args-env");
        for quick in [false, true] {
            let args = guest_args(&w, quick);
            assert_eq!(args.len(), ARGS_ENV_COUNT);
            assert_eq!(args[0], "arg-000");
            assert_eq!(args[99], "arg-099");
        }
        let env = guest_env(&w);
        assert_eq!(env.len(), ARGS_ENV_COUNT);
        assert_eq!(
            env[7],
            (String::from("BENCH_ENV_007"), String::from("value-007"))
        );
        let fib = workload("fib");
        assert!(guest_args(&fib, false).is_empty());
        assert_eq!(guest_args(&fib, true), fib.quick_args);
        assert!(guest_env(&fib).is_empty());
    }

    #[test]
    fn wasm_runners_share_the_xila_vm_command_line() {
        let args = vec![String::from("7")];
        let env = vec![(String::from("K"), String::from("V"))];
        for runner in [
            Runner::Xila,
            Runner::XilaAot,
            Runner::Wamr,
            Runner::WamrStoppable,
            Runner::Wasmi,
        ] {
            let line = Invocation {
                runner,
                program: Path::new("/bin/runner"),
                wasm: Path::new("/w/fib.wasm"),
                workload: "fib",
                root: Path::new("/tmp/r"),
                args: &args,
                env: &env,
            };
            let (program, argv, envs) = line.parts();
            assert_eq!(program, Path::new("/bin/runner"));
            assert_eq!(
                argv,
                [
                    "run",
                    "/w/fib.wasm",
                    "--dir",
                    "/tmp/r::/",
                    "--env",
                    "K=V",
                    "--",
                    "7"
                ]
                .map(OsString::from)
            );
            assert!(envs.is_empty());
        }
        let line = Invocation {
            runner: Runner::Xila,
            program: Path::new("/bin/runner"),
            wasm: Path::new("/w/hello.wasm"),
            workload: "hello",
            root: Path::new("/tmp/r"),
            args: &[],
            env: &[],
        };
        assert_eq!(
            line.parts().1,
            ["run", "/w/hello.wasm", "--dir", "/tmp/r::/"].map(OsString::from),
            "no `--` without guest arguments"
        );
    }

    #[test]
    fn native_runs_get_the_root_in_the_environment() {
        let args = vec![String::from("7")];
        let env = vec![(String::from("K"), String::from("V"))];
        let line = Invocation {
            runner: Runner::Native,
            program: Path::new("/native"),
            wasm: Path::new("/w/stat.wasm"),
            workload: "stat",
            root: Path::new("/tmp/r"),
            args: &args,
            env: &env,
        };
        let (program, argv, envs) = line.parts();
        assert_eq!(program, Path::new("/native/stat"));
        assert_eq!(argv, [OsString::from("7")]);
        assert_eq!(
            envs,
            [("K", "V"), (ROOT_VARIABLE, "/tmp/r")]
                .map(|(k, v)| (OsString::from(k), OsString::from(v)))
        );
    }

    #[test]
    fn without_llvm_the_aot_column_is_skipped_with_the_install_command() {
        let no_llvm = |probe: &prereqs::Probe| !matches!(probe, prereqs::Probe::Executable { names, .. } if names.contains(&"llvm-config-19"));
        let note = missing_aot_compiler(no_llvm).expect("LLVM is missing");
        assert!(note.contains("llvm-config-19"), "{note}");
        assert!(
            note.ends_with("(`sudo apt-get install -y llvm-19-dev`)"),
            "{note}"
        );
        assert_eq!(missing_aot_compiler(|_| true), None);
    }

    #[test]
    fn finds_the_checksum() {
        assert_eq!(
            find_checksum("hello\nchecksum: 0xabc\n", "").as_deref(),
            Some("0xabc")
        );
        assert_eq!(
            find_checksum("0123456789abcde\n", "checksum: 42\n").as_deref(),
            Some("42"),
            "stderr when stdout has none"
        );
        assert_eq!(
            find_checksum("checksum: 1\nchecksum: 2\r\n", "checksum: 3").as_deref(),
            Some("2"),
            "the last line of stdout wins"
        );
        assert_eq!(find_checksum("no sum\n", "none either"), None);
    }

    #[test]
    fn medians_and_ratios() {
        assert_eq!(median(&[]), 0.0);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(ratio(1.0, 2.0), Some(0.5));
        assert_eq!(ratio(1.0, 0.0), None);
        let samples = [
            Sample {
                wall: Duration::from_millis(30),
                peak_rss_kib: 3000,
            },
            Sample {
                wall: Duration::from_millis(10),
                peak_rss_kib: 1000,
            },
            Sample {
                wall: Duration::from_millis(20),
                peak_rss_kib: 2000,
            },
        ];
        let s = stats(&samples);
        assert!((s.wall_s - 0.020).abs() < 1e-12);
        assert_eq!(s.rss_kib, 2000.0);
    }

    #[test]
    fn formats_values() {
        assert_eq!(format_wall(0.5234), "523 ms");
        assert_eq!(format_wall(0.004_214), "4.21 ms");
        assert_eq!(format_wall(1.523), "1.52 s");
        assert_eq!(format_rss(3604.0), "3.52 MiB");
        assert_eq!(format_rss(812.0), "812 KiB");
        assert_eq!(format_ratio(0.8512), "0.85×");
        assert_eq!(
            parse_host_triple("rustc 1.95.0\nhost: x86_64-unknown-linux-gnu\nrelease: 1.95.0\n")
                .as_deref(),
            Some("x86_64-unknown-linux-gnu")
        );
        assert_eq!(parse_host_triple("rustc 1.95.0\n"), None);
        assert_eq!(tail("abc\ndef\n", 5), "c | def");
        assert_eq!(tail("", 5), "(nothing)");
    }

    fn measured(wall_s: f64, rss_kib: f64) -> Cell {
        Cell::Measured(Stats { wall_s, rss_kib })
    }

    fn test_machine() -> bench::Machine {
        bench::Machine {
            cpu: String::from("Test CPU"),
            cores: 2,
            os: String::from("Debian"),
            rustc: String::from("rustc 1.95.0"),
        }
    }

    #[test]
    fn renders_the_section_with_ratios_to_wamr() {
        let machine = test_machine();
        let rows = [
            Row {
                workload: workload("clock"),
                cells: [
                    measured(0.4, 2048.0),
                    measured(0.2, 1536.0),
                    measured(0.5, 4096.0),
                    measured(0.8, 5120.0),
                    Cell::Failed,
                    measured(0.1, 1024.0),
                ],
            },
            Row {
                workload: workload("hello"),
                cells: [
                    measured(0.004, 900.0),
                    Cell::NotRun,
                    Cell::NotRun,
                    Cell::Failed,
                    Cell::NotRun,
                    measured(0.001, 500.0),
                ],
            },
        ];
        let notes = [String::from("wasmi: not measured")];
        let text = render_section("2026-01-02 03:04 UTC", &machine, false, &notes, &rows);
        assert!(text.starts_with(START_MARKER));
        assert!(text.ends_with(END_MARKER));
        assert!(text.contains(
            "with `cargo xtask bench --compare`: one warm-up round, then 5 measured rounds (100 \
             for the start-up workloads), the runners"
        ));
        assert!(text.contains("- CPU: Test CPU (2 cores)\n"));
        assert!(text.contains("- Note: wasmi: not measured\n"));
        assert!(
            text.contains(
                "| `clock` | WASI | 400 ms (0.80×) | 200 ms (0.40×) | 500 ms | 800 ms (1.60×) | failed | 100 ms (0.20×) |\n"
            ),
            "{text}"
        );
        assert!(text.contains(
            "| `clock` | WASI | 2.00 MiB (0.50×) | 1.50 MiB (0.38×) | 4.00 MiB | 5.00 MiB (1.25×) | failed | 1.00 MiB (0.25×) |\n"
        ));
        assert!(text.contains("| `hello` | startup | 4.00 ms | — | — | failed | — | 1.00 ms |\n"));
        // The AOT runner against the interpreter and native code.
        assert!(
            text.contains("| `clock` | WASI | 200 ms | 0.50× | 2.00× |\n"),
            "{text}"
        );
        assert!(
            text.contains("| `hello` | startup | — | — | — |\n"),
            "{text}"
        );
        // xila-vm, and its AOT runner, against the WAMR runner that can be stopped too.
        assert!(
            text.contains(
                "| workload | kind | xila-vm | WAMR + thread mgr | xila-vm ÷ WAMR + thread mgr \
                 | xila-vm AOT | xila-vm AOT ÷ WAMR + thread mgr |\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("| `clock` | WASI | 400 ms | 800 ms | 0.50× | 200 ms | 0.25× |\n"),
            "{text}"
        );
        assert!(
            text.contains("| `hello` | startup | 4.00 ms | failed | — | — | — |\n"),
            "{text}"
        );
        let order = [
            "\nWall time, process start to exit:",
            "\nAhead-of-time compiled",
            "\nAgainst a stoppable peer:",
            "\nPeak resident set size",
        ]
        .map(|heading| text.find(heading).expect(heading));
        assert!(order.is_sorted(), "{order:?}");
        assert_eq!(
            render_aot_table(&rows[1..]),
            None,
            "no AOT measurement, no table"
        );
        // The section fits the shared replacement helper.
        let doc = bench::replace_section_between("# P\n", START_MARKER, END_MARKER, &text)
            .expect("no markers yet");
        assert_eq!(
            bench::replace_section_between(&doc, START_MARKER, END_MARKER, &text),
            Ok(doc.clone())
        );
        assert!(
            render_section("d", &machine, true, &[], &rows)
                .contains("no warm-up, 1 measured round,")
        );
    }

    #[test]
    fn the_stoppable_peer_table_shows_what_was_measured() {
        let row = |cells| Row {
            workload: workload("write-small"),
            cells,
        };
        let without_aot = [row([
            measured(0.3, 1.0),
            Cell::NotRun,
            measured(0.5, 1.0),
            measured(0.6, 1.0),
            Cell::NotRun,
            Cell::NotRun,
        ])];
        assert_eq!(
            render_stoppable_table(&without_aot).as_deref(),
            Some(
                "| workload | kind | xila-vm | WAMR + thread mgr | xila-vm ÷ WAMR + thread mgr |\n\
                 | --- | --- | ---: | ---: | ---: |\n\
                 | `write-small` | WASI | 300 ms | 600 ms | 0.50× |\n"
            ),
            "no AOT measurement, no AOT columns"
        );
        let without_stoppable_peer = [row([
            measured(0.3, 1.0),
            measured(0.1, 1.0),
            measured(0.5, 1.0),
            Cell::NotRun,
            Cell::NotRun,
            Cell::NotRun,
        ])];
        assert_eq!(render_stoppable_table(&without_stoppable_peer), None);
        let section = render_section("d", &test_machine(), true, &[], &without_stoppable_peer);
        assert!(!section.contains("stoppable"), "{section}");
        assert!(section.contains("Ahead-of-time compiled"), "{section}");
    }

    #[test]
    fn the_two_wamr_peers_build_into_different_directories() {
        let peers_dir = Path::new("/p");
        let peer = |runner| {
            *PEERS
                .iter()
                .find(|peer| peer.runner == runner)
                .expect("a peer")
        };
        let (plain, stoppable) = (peer(Runner::Wamr), peer(Runner::WamrStoppable));
        assert_eq!(plain.binary, stoppable.binary);
        assert_eq!(
            plain.build_args(peers_dir),
            [
                "build",
                "--release",
                "--bin",
                "wamr-libc-wasi",
                "--target-dir",
                "/p/target"
            ]
            .map(OsString::from)
        );
        assert_eq!(
            stoppable.build_args(peers_dir),
            [
                "build",
                "--release",
                "--bin",
                "wamr-libc-wasi",
                "--features",
                "wamr-libc-wasi/thread-mgr",
                "--target-dir",
                "/p/target/thread-mgr"
            ]
            .map(OsString::from)
        );
        assert_eq!(
            plain.binary_path(peers_dir),
            Path::new("/p/target/release/wamr-libc-wasi")
        );
        assert_eq!(
            stoppable.binary_path(peers_dir),
            Path::new("/p/target/thread-mgr/release/wamr-libc-wasi")
        );
        for (i, peer) in PEERS.iter().enumerate() {
            assert!(
                PEERS[i + 1..]
                    .iter()
                    .all(|other| other.runner != peer.runner
                        && other.binary_path(peers_dir) != peer.binary_path(peers_dir)),
                "{peer:?} twice"
            );
        }
    }
}
