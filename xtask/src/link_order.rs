//! `cargo xtask link-order`: records which functions of the release `xila-vm` the benchmark
//! workloads run, hottest first, into the symbol ordering file that the CLI's build script
//! gives the linker ([`ORDER_FILE`]).
//!
//! Laid out in that order, the code a run needs sits together at the start of `.text`
//! instead of spread over the whole binary. The kernel maps a binary's pages around each
//! page fault (64 KiB at a time), so spread-out code made nearly all of `xila-vm` resident;
//! packed, only the part that runs is (see docs/performance.md).
//!
//! The functions are found with callgrind (valgrind), on the `--quick` sizes of every
//! workload of `cargo xtask bench --compare`. The file holds mangled names, which stay the
//! same across source edits elsewhere and across checkouts, but change when a dependency or
//! the compiler changes: `cargo xtask bench --compare` reports how many still match.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::path::Path;

use crate::compare::{self, Invocation, Runner};
use crate::error::{Error, Result};
use crate::prereqs::{self, Check, Probe, Requirements};
use crate::process::Cmd;

/// The symbol ordering file, relative to the workspace root.
pub const ORDER_FILE: &str = "crates/vm-cli/link/xila-vm.order";

/// Whether the CLI built for this machine is linked with the ordering file (its build script
/// uses it for x86-64 Linux with glibc, where Rust links with lld).
pub const APPLIES_TO_HOST: bool = cfg!(all(
    target_arch = "x86_64",
    target_os = "linux",
    target_env = "gnu"
));

/// Below this share of its names found in the binary, the ordering file is called stale.
const STALE_BELOW_PERCENT: usize = 80;

/// What `cargo xtask link-order` needs before it starts.
pub const REQUIREMENTS: Requirements = Requirements {
    checks: &[
        prereqs::WAMR_BUILD,
        &[
            Check {
                what: "valgrind",
                why: "callgrind records which functions the workloads run",
                probe: Probe::Executable {
                    names: &["valgrind"],
                    env_override: None,
                },
                debian_package: "valgrind",
            },
            Check {
                what: "nm",
                why: "the ordering file is checked against the binary's symbols",
                probe: Probe::Executable {
                    names: &["nm"],
                    env_override: None,
                },
                debian_package: "binutils",
            },
        ],
    ],
    rust_targets: &[compare::WASM_TARGET],
    rust_components: &[],
};

/// Builds the CLI and the workloads, runs every workload under callgrind and writes
/// [`ORDER_FILE`].
pub fn run(root: &Path) -> Result<()> {
    prereqs::ensure(&REQUIREMENTS, root)?;
    let xila = compare::build_cli(root)?;
    let wasm_dir = compare::build_wasm_workloads(root)?;
    let binary = fs::canonicalize(&xila)
        .map_err(|source| Error::io(format!("resolving {}", xila.display()), source))?;
    let scratch = std::env::temp_dir().join(format!("xila-link-order-{}", std::process::id()));
    let profiled = profile_workloads(&binary, &wasm_dir, &scratch);
    let cleanup = compare::remove_dir(&scratch);
    let costs = profiled?;
    cleanup?;
    let text = render(&costs);
    let path = root.join(ORDER_FILE);
    fs::write(&path, text)
        .map_err(|source| Error::io(format!("writing {}", path.display()), source))?;
    println!(
        "wrote {} ({} functions); rebuild the CLI to link with it",
        path.display(),
        costs.len()
    );
    Ok(())
}

/// Runs each workload under callgrind; returns the instructions executed in each function of
/// `binary`, summed over the workloads, by mangled name.
fn profile_workloads(
    binary: &Path,
    wasm_dir: &Path,
    scratch: &Path,
) -> Result<HashMap<String, u64>> {
    let mut costs = HashMap::new();
    for workload in compare::WORKLOADS {
        let dir = scratch.join(workload.name);
        let root = dir.join("root");
        compare::create_dir(&root)?;
        let wasm = wasm_dir.join(format!("{}.wasm", workload.name));
        let args = compare::guest_args(workload, true);
        let env = compare::guest_env(workload);
        let invocation = Invocation {
            runner: Runner::Xila,
            program: binary,
            wasm: &wasm,
            workload: workload.name,
            root: &root,
            args: &args,
            env: &env,
        };
        let (program, program_args, program_env) = invocation.parts();
        let profile = dir.join("callgrind.out");
        let mut out_file = std::ffi::OsString::from("--callgrind-out-file=");
        out_file.push(&profile);
        let mut valgrind = Cmd::new("valgrind")
            .args(["--tool=callgrind", "--demangle=no", "--log-file=/dev/null"])
            .arg(out_file)
            .arg(program)
            .args(program_args);
        for (key, value) in program_env {
            valgrind = valgrind.env(key, value);
        }
        println!("profiling {}", workload.name);
        valgrind.stdout()?;
        let text = fs::read_to_string(&profile)
            .map_err(|source| Error::io(format!("reading {}", profile.display()), source))?;
        for (name, cost) in self_costs(&text, &binary.to_string_lossy()) {
            *costs.entry(name).or_insert(0) += cost;
        }
    }
    Ok(costs)
}

/// The instructions executed in each function of `object`, from a callgrind profile (its
/// self cost: the cost lines under `fn=`, without those following `calls=`, which are the
/// callee's inclusive cost).
pub fn self_costs(profile: &str, object: &str) -> BTreeMap<String, u64> {
    // Callgrind compresses repeated names as `(id) name` once, then `(id)`; objects and
    // functions have their own id spaces, shared with `cob=` and `cfn=`.
    fn name<'a>(value: &'a str, names: &mut HashMap<&'a str, &'a str>) -> &'a str {
        match value
            .strip_prefix('(')
            .and_then(|rest| rest.split_once(')'))
        {
            Some((id, "")) => names.get(id).copied().unwrap_or(""),
            Some((id, named)) => {
                let named = named.trim_start();
                names.insert(id, named);
                named
            }
            None => value,
        }
    }
    let mut objects = HashMap::new();
    let mut functions = HashMap::new();
    let mut in_object = false;
    let mut function = "";
    let mut after_calls = false;
    let mut costs = BTreeMap::new();
    for line in profile.lines() {
        if let Some(value) = line.strip_prefix("ob=") {
            in_object = name(value, &mut objects) == object;
        } else if let Some(value) = line.strip_prefix("cob=") {
            name(value, &mut objects);
        } else if let Some(value) = line.strip_prefix("fn=") {
            function = name(value, &mut functions);
        } else if let Some(value) = line.strip_prefix("cfn=") {
            name(value, &mut functions);
        } else if line.starts_with("calls=") {
            after_calls = true;
        } else if line.starts_with(|c: char| c.is_ascii_digit() || "+-*".contains(c)) {
            if after_calls {
                after_calls = false;
                continue;
            }
            let cost = line
                .split_whitespace()
                .nth(1)
                .and_then(|value| value.parse::<u64>().ok())
                .unwrap_or(0);
            if in_object && cost > 0 && !function.is_empty() {
                *costs.entry(function.to_owned()).or_insert(0) += cost;
            }
        }
    }
    costs
}

/// The ordering file: a comment saying where it comes from, then the names, hottest first.
pub fn render(costs: &HashMap<String, u64>) -> String {
    let mut ranked: Vec<(&String, &u64)> = costs.iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    let mut text = String::from(
        "# Generated by `cargo xtask link-order`: the functions of the release `xila-vm` that the\n\
         # benchmark workloads run, hottest first. crates/vm-cli/build.rs hands this file to the\n\
         # linker (lld's --symbol-ordering-file), which lays these functions out first.\n",
    );
    for (name, _) in ranked {
        text.push_str(name);
        text.push('\n');
    }
    text
}

/// How many of the ordering file's names a binary defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coverage {
    /// Names in the file that the binary defines.
    pub found: usize,
    /// Names in the file.
    pub listed: usize,
}

impl Coverage {
    /// Counts the names of `order` (the ordering file's text) among `symbols` (`nm` output).
    pub fn of(order: &str, symbols: &str) -> Self {
        let defined: HashSet<&str> = symbols
            .lines()
            .filter_map(|line| line.split_whitespace().nth(2))
            .collect();
        let names = order
            .lines()
            .map(|line| line.split('#').next().unwrap_or("").trim())
            .filter(|name| !name.is_empty());
        let (mut found, mut listed) = (0, 0);
        for name in names {
            listed += 1;
            found += usize::from(defined.contains(name));
        }
        Self { found, listed }
    }

    /// A note for the comparison when too few names match: the layout is then mostly lost.
    pub fn stale_note(&self) -> Option<String> {
        (self.found * 100 < self.listed * STALE_BELOW_PERCENT).then(|| {
            format!(
                "xila-vm: only {} of the {} functions in {ORDER_FILE} are in the binary (a \
                 dependency or the compiler changed their names): run `cargo xtask link-order`",
                self.found, self.listed
            )
        })
    }
}

/// Checks the ordering file against `binary`'s symbols (with `nm`).
pub fn coverage(root: &Path, binary: &Path) -> Result<Coverage> {
    let path = root.join(ORDER_FILE);
    let order = fs::read_to_string(&path)
        .map_err(|source| Error::io(format!("reading {}", path.display()), source))?;
    let symbols = Cmd::new("nm").arg("--defined-only").arg(binary).stdout()?;
    Ok(Coverage::of(&order, &symbols))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A callgrind profile in its compressed form: two objects, a call whose inclusive cost
    /// must not count as the caller's own, and names given once then by id.
    const PROFILE: &str = "\
version: 1
events: Ir
ob=(1) /bin/xila-vm
fl=(1) src/main.rs
fn=(1) _ZN4main4main17hE
3 10
cob=(2) /lib/libc.so.6
cfi=(2) malloc.c
cfn=(2) malloc
calls=1 0
3 500
+1 5
fn=(3) _ZN4main6helper17hE
7 40
ob=(2)
fl=(2)
fn=(2)
0 500
ob=(1)
fl=(1)
fn=(1)
4 2
";

    #[test]
    fn self_costs_leave_out_callees_and_other_objects() {
        let costs = self_costs(PROFILE, "/bin/xila-vm");
        assert_eq!(
            costs.into_iter().collect::<Vec<_>>(),
            vec![
                (String::from("_ZN4main4main17hE"), 17),
                (String::from("_ZN4main6helper17hE"), 40),
            ]
        );
        assert_eq!(
            self_costs(PROFILE, "/lib/libc.so.6").get("malloc"),
            Some(&500)
        );
    }

    #[test]
    fn the_file_lists_the_hottest_first_after_a_comment() {
        let costs = HashMap::from([
            (String::from("cold"), 1),
            (String::from("hot"), 90),
            (String::from("warm"), 9),
        ]);
        let text = render(&costs);
        let names: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(names, ["hot", "warm", "cold"]);
        assert!(text.starts_with("# Generated by `cargo xtask link-order`"));
    }

    #[test]
    fn coverage_counts_listed_names_the_binary_defines() {
        let order = "# comment\nhot\nwarm # trailing\ngone\n\n";
        let symbols = "0000000000001000 t hot\n0000000000002000 T warm\n                 U free\n";
        let coverage = Coverage::of(order, symbols);
        assert_eq!(
            coverage,
            Coverage {
                found: 2,
                listed: 3
            }
        );
        assert!(coverage.stale_note().is_some(), "2 of 3 is under 80 %");
        let fresh = Coverage {
            found: 9,
            listed: 10,
        };
        assert_eq!(fresh.stale_note(), None);
    }
}
