//! Prerequisite checks, run before anything is built.
//!
//! System tools are described as data: each [`Check`] says how to find the tool and which
//! Debian package provides it. When some are missing, xtask prints the `apt-get` line that
//! installs exactly those and stops without building. Rust targets and components are
//! different: xtask adds them itself with `rustup`.
//!
//! A command declares what it needs as a [`Requirements`] value. Later commands (cross builds
//! with qemu, for instance) add their own check lists next to [`WAMR_BUILD`].

use std::env;
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::process::Cmd;

/// How to tell whether a prerequisite is present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// One of these programs is on `PATH`. When `env_override` names a set environment
    /// variable (like `CC`), the program it names is checked instead.
    Executable {
        /// Candidate program names, any one will do.
        names: &'static [&'static str],
        /// An environment variable that overrides the candidates.
        env_override: Option<&'static str>,
    },
    /// A libclang shared library that bindgen can load: `$LIBCLANG_PATH` when set, else a
    /// `libclang*.so*` in the usual Debian/Ubuntu library directories.
    LibClang,
    /// A file that a package installs (e.g. a cross libc header or a 32-bit loader).
    File(&'static str),
}

/// One system prerequisite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    /// What is needed, for the report.
    pub what: &'static str,
    /// Why it is needed, for the report.
    pub why: &'static str,
    /// How to find it.
    pub probe: Probe,
    /// The Debian/Ubuntu package that provides it.
    pub debian_package: &'static str,
}

/// What building WAMR (through `wamrx-sys`) needs: CMake, a C compiler and libclang.
pub const WAMR_BUILD: &[Check] = &[
    Check {
        what: "cmake",
        why: "wamrx-sys builds WAMR with CMake",
        probe: Probe::Executable {
            names: &["cmake"],
            env_override: Some("CMAKE"),
        },
        debian_package: "cmake",
    },
    Check {
        what: "a C compiler (cc or clang)",
        why: "WAMR is written in C",
        probe: Probe::Executable {
            names: &["cc", "clang"],
            env_override: Some("CC"),
        },
        debian_package: "clang",
    },
    Check {
        what: "libclang",
        why: "bindgen generates the WAMR bindings with it",
        probe: Probe::LibClang,
        debian_package: "libclang-dev",
    },
];

/// What the C (wasi-libc) test programs need: clang's wasm32 target with Debian's WASI
/// sysroot, linker and compiler runtime.
pub const WASI_C: &[Check] = &[
    Check {
        what: "wasi-libc",
        why: "the C test programs (tests/wasi-guests/c) are built against it",
        probe: Probe::File("/usr/include/wasm32-wasi/stdio.h"),
        debian_package: "wasi-libc",
    },
    Check {
        what: "wasm-ld",
        why: "links the C test programs",
        probe: Probe::Executable {
            names: &["wasm-ld"],
            env_override: None,
        },
        debian_package: "lld",
    },
    Check {
        what: "compiler-rt builtins for wasm32",
        why: "clang links them into the C test programs",
        probe: Probe::File(
            "/usr/lib/llvm-14/lib/clang/14.0.6/lib/wasi/libclang_rt.builtins-wasm32.a",
        ),
        debian_package: "libclang-rt-dev-wasm32",
    },
];

/// What the AssemblyScript test programs (tests/wasi-guests/assemblyscript) need: Node.js to
/// run the AssemblyScript compiler, and npm to install it (`npm ci`, from the npm registry).
/// Debian 12's nodejs (18) and npm (9) are enough; a NodeSource `nodejs`, which bundles npm,
/// serves too.
pub const WASI_ASSEMBLYSCRIPT: &[Check] = &[
    Check {
        what: "node",
        why: "runs the AssemblyScript compiler for the AssemblyScript test programs",
        probe: Probe::Executable {
            names: &["node"],
            env_override: None,
        },
        debian_package: "nodejs",
    },
    Check {
        what: "npm",
        why: "installs the AssemblyScript compiler (tests/wasi-guests/assemblyscript)",
        probe: Probe::Executable {
            names: &["npm"],
            env_override: None,
        },
        debian_package: "npm",
    },
];

/// What building the AOT compiler (`tools/aot-compiler`, `xila-aotc`) needs besides Rust:
/// LLVM 19 and a C/C++ compiler. `cargo xtask test` needs it too (the AOT tests compile their
/// modules with it).
pub const AOT_COMPILER: &[Check] = &[
    Check {
        what: "llvm-config-19 (LLVM 19 headers and libLLVM-19.so)",
        why: "the AOT compiler is WAMR's compiler, built against LLVM 19",
        probe: Probe::Executable {
            names: &["llvm-config-19"],
            env_override: Some("LLVM_CONFIG"),
        },
        debian_package: "llvm-19-dev",
    },
    Check {
        what: "a C compiler (cc or clang)",
        why: "WAMR's compiler is written in C",
        probe: Probe::Executable {
            names: &["cc", "clang"],
            env_override: Some("CC"),
        },
        debian_package: "clang",
    },
    Check {
        what: "a C++ compiler (c++ or clang++)",
        why: "WAMR's LLVM pass pipeline is written in C++",
        probe: Probe::Executable {
            names: &["c++", "clang++"],
            env_override: Some("CXX"),
        },
        debian_package: "clang",
    },
];

/// Everything one xtask command needs before it starts.
#[derive(Debug, Clone, Copy)]
pub struct Requirements<'a> {
    /// System tools, checked and reported.
    pub checks: &'a [&'a [Check]],
    /// Rust targets, added with `rustup target add` when missing.
    pub rust_targets: &'a [&'a str],
    /// Rust components, added with `rustup component add` when missing.
    pub rust_components: &'a [&'a str],
}

/// Checks `requirements`: adds missing Rust targets and components, and fails with an install
/// report if system prerequisites are missing.
pub fn ensure(requirements: &Requirements<'_>, root: &Path) -> Result<()> {
    let missing: Vec<&Check> = requirements
        .checks
        .iter()
        .flat_map(|list| list.iter())
        .filter(|check| !is_present(&check.probe))
        .collect();
    let missing = dedup(missing);
    if !missing.is_empty() {
        return Err(Error::Prerequisites(report(&missing)));
    }
    ensure_rustup("target", requirements.rust_targets, root)?;
    ensure_rustup("component", requirements.rust_components, root)?;
    Ok(())
}

/// The text printed when system prerequisites are missing: one line per item, then the
/// `apt-get` command that installs the missing packages (each once, in order).
pub fn report(missing: &[&Check]) -> String {
    let mut text = String::from("missing prerequisites:\n");
    for check in missing {
        text.push_str(&format!(
            "  - {}: {} (Debian/Ubuntu package `{}`)\n",
            check.what, check.why, check.debian_package
        ));
    }
    let mut packages: Vec<&str> = Vec::new();
    for check in missing {
        if !packages.contains(&check.debian_package) {
            packages.push(check.debian_package);
        }
    }
    text.push_str("install them on Debian/Ubuntu with:\n");
    text.push_str(&format!("  {}\n", install_command(&packages)));
    text
}

/// `sudo apt-get install -y PACKAGES...`
pub fn install_command(packages: &[&str]) -> String {
    format!("sudo apt-get install -y {}", packages.join(" "))
}

fn dedup(checks: Vec<&Check>) -> Vec<&Check> {
    let mut out: Vec<&Check> = Vec::new();
    for check in checks {
        if !out.contains(&check) {
            out.push(check);
        }
    }
    out
}

/// Whether the prerequisite `probe` describes is present on this machine.
pub fn is_present(probe: &Probe) -> bool {
    match probe {
        Probe::Executable {
            names,
            env_override,
        } => {
            let overridden = env_override
                .and_then(env::var_os)
                .filter(|value| !value.is_empty());
            match overridden {
                // `CC="ccache clang"` is allowed by the cc crate: check the first word.
                Some(value) => value
                    .to_string_lossy()
                    .split_whitespace()
                    .next()
                    .is_some_and(|program| find_executable(OsStr::new(program)).is_some()),
                None => names
                    .iter()
                    .any(|name| find_executable(OsStr::new(name)).is_some()),
            }
        }
        Probe::LibClang => find_libclang().is_some(),
        Probe::File(path) => Path::new(path).exists(),
    }
}

/// Finds `program` on `PATH` (or checks it directly when it contains a `/`).
pub fn find_executable(program: &OsStr) -> Option<PathBuf> {
    let as_path = Path::new(program);
    if as_path.components().count() > 1 {
        return is_executable(as_path).then(|| as_path.to_path_buf());
    }
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// Finds a libclang shared library the way bindgen (clang-sys) would, roughly.
pub fn find_libclang() -> Option<PathBuf> {
    if let Some(path) = env::var_os("LIBCLANG_PATH").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        // clang-sys accepts a directory or the library file itself.
        return if path.is_file() {
            Some(path)
        } else {
            libclang_in(&path)
        };
    }
    libclang_dirs().iter().find_map(|dir| libclang_in(dir))
}

/// The directories searched when `LIBCLANG_PATH` is not set.
fn libclang_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    // /usr/lib/llvm-*/lib, newest version first.
    if let Ok(entries) = fs::read_dir("/usr/lib") {
        let mut llvm: Vec<PathBuf> = entries
            .filter_map(|entry| entry.ok())
            .filter(|entry| entry.file_name().to_string_lossy().starts_with("llvm-"))
            .map(|entry| entry.path().join("lib"))
            .collect();
        llvm.sort();
        llvm.reverse();
        dirs.extend(llvm);
    }
    for dir in [
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
        "/usr/lib64",
        "/usr/lib",
        "/usr/local/lib",
    ] {
        dirs.push(PathBuf::from(dir));
    }
    dirs
}

fn libclang_in(dir: &Path) -> Option<PathBuf> {
    let entries = fs::read_dir(dir).ok()?;
    entries
        .filter_map(|entry| entry.ok())
        .find(|entry| is_libclang_name(&entry.file_name().to_string_lossy()))
        .map(|entry| entry.path())
}

/// `libclang.so`, `libclang-14.so.1`, `libclang.so.14`… but not `libclang-cpp.so` or the
/// `libclang_rt` runtime libraries.
pub fn is_libclang_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("libclang") else {
        return false;
    };
    if rest.starts_with("-cpp") || !(rest.starts_with('.') || rest.starts_with('-')) {
        return false;
    }
    rest.contains(".so")
}

/// Adds the rustup `kind`s (`target` or `component`) in `wanted` that are not installed.
fn ensure_rustup(kind: &str, wanted: &[&str], root: &Path) -> Result<()> {
    if wanted.is_empty() {
        return Ok(());
    }
    if find_executable(OsStr::new("rustup")).is_none() {
        return Err(Error::Prerequisites(format!(
            "rustup is not on PATH, so xtask cannot add the Rust {kind}(s) {}; install them with \
             your Rust distribution",
            wanted.join(", ")
        )));
    }
    let installed = Cmd::new("rustup")
        .args([kind, "list", "--installed"])
        .current_dir(root)
        .stdout()?;
    let missing = missing_rustup_items(wanted, &installed, kind == "component");
    if missing.is_empty() {
        return Ok(());
    }
    Cmd::new("rustup")
        .args([kind, "add"])
        .args(&missing)
        .current_dir(root)
        .run()
}

/// The items of `wanted` absent from `rustup … list --installed` output. Components are
/// listed with their host triple (`clippy-x86_64-unknown-linux-gnu`), so for them a prefix
/// match counts.
pub fn missing_rustup_items<'a>(
    wanted: &[&'a str],
    installed: &str,
    with_triple_suffix: bool,
) -> Vec<&'a str> {
    wanted
        .iter()
        .copied()
        .filter(|item| {
            !installed.lines().map(str::trim).any(|line| {
                line == *item
                    || (with_triple_suffix
                        && line
                            .strip_prefix(*item)
                            .is_some_and(|rest| rest.starts_with('-')))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_lists_missing_items_and_packages_once() {
        let missing: Vec<&Check> = vec![&WAMR_BUILD[0], &WAMR_BUILD[2]];
        let text = report(&missing);
        assert!(text.contains("cmake"));
        assert!(text.contains("libclang"));
        assert!(!text.contains("a C compiler"));
        assert!(text.ends_with("  sudo apt-get install -y cmake libclang-dev\n"));
    }

    #[test]
    fn report_names_each_package_once() {
        let qemu = Check {
            what: "qemu-riscv64",
            why: "runs riscv64 tests",
            probe: Probe::Executable {
                names: &["qemu-riscv64"],
                env_override: None,
            },
            debian_package: "qemu-user",
        };
        let qemu_i386 = Check {
            what: "qemu-i386",
            ..qemu
        };
        let text = report(&[&WAMR_BUILD[1], &qemu, &qemu_i386]);
        assert!(text.contains("sudo apt-get install -y clang qemu-user\n"));
    }

    #[test]
    fn assemblyscript_needs_nodejs_and_npm() {
        let missing: Vec<&Check> = WASI_ASSEMBLYSCRIPT.iter().collect();
        assert!(report(&missing).ends_with("  sudo apt-get install -y nodejs npm\n"));
    }

    #[test]
    fn a_missing_llvm_is_reported_with_its_package() {
        let llvm: Vec<&Check> = AOT_COMPILER
            .iter()
            .filter(|check| check.debian_package == "llvm-19-dev")
            .collect();
        assert!(matches!(
            llvm[..],
            [Check {
                probe: Probe::Executable {
                    names: ["llvm-config-19"],
                    ..
                },
                ..
            }]
        ));
        assert!(report(&llvm).ends_with("  sudo apt-get install -y llvm-19-dev\n"));
    }

    #[test]
    fn install_command_is_exact() {
        assert_eq!(
            install_command(&["cmake", "clang", "libclang-dev"]),
            "sudo apt-get install -y cmake clang libclang-dev"
        );
    }

    #[test]
    fn libclang_names() {
        for good in [
            "libclang.so",
            "libclang.so.1",
            "libclang-14.so",
            "libclang-14.so.14.0.6",
            "libclang.so.14",
        ] {
            assert!(is_libclang_name(good), "{good}");
        }
        for bad in [
            "libclang-cpp.so.14",
            "libclang_rt.asan.so",
            "libclang.a",
            "libclangBasic.a",
            "libclang-14.a",
            "libLLVM.so",
        ] {
            assert!(!is_libclang_name(bad), "{bad}");
        }
    }

    #[test]
    fn rustup_missing_items() {
        let targets = "i686-unknown-linux-gnu\nx86_64-unknown-linux-gnu\n";
        assert_eq!(
            missing_rustup_items(
                &["x86_64-unknown-linux-gnu", "riscv64gc-unknown-linux-gnu"],
                targets,
                false
            ),
            vec!["riscv64gc-unknown-linux-gnu"]
        );
        let components = "cargo-x86_64-unknown-linux-gnu\nclippy-x86_64-unknown-linux-gnu\n";
        assert_eq!(
            missing_rustup_items(&["clippy", "rustfmt"], components, true),
            vec!["rustfmt"]
        );
    }

    #[test]
    fn executables_are_found_on_path() {
        assert!(find_executable(OsStr::new("sh")).is_some());
        assert!(find_executable(OsStr::new("definitely-not-a-program-xyz")).is_none());
    }
}
