//! `cargo xtask cross TARGET [--test] [--dry-run]`: builds (and tests) the VM for the targets
//! the kernel ships on.
//!
//! - `riscv64`: the whole VM, WAMR included, for `riscv64gc-unknown-linux-gnu` with Debian's
//!   cross toolchain; `--test` runs the test suite under `qemu-riscv64`, the AOT tests
//!   included (the emulated test binary starts the host's `xila-aotc` with `--target riscv64`).
//! - `i686`: the whole VM for `i686-unknown-linux-gnu` (32-bit pointers, like every ESP32);
//!   `--test` runs the test suite natively, the AOT tests included.
//! - `riscv32`: every `no_std` crate for `riscv32imac-unknown-none-elf` (ESP32-C3/C6 class).
//! - `esp32s3`, `esp32`, `esp32c3`: the VM with WAMR through ESP-IDF; needs Espressif's
//!   toolchain and ESP-IDF, which xtask detects and explains.
//!
//! Linkers, the qemu runner and bindgen's header paths live in `.cargo/config.toml`, so plain
//! `cargo test --target …` behaves the same; this module adds prerequisite checks and the
//! Rust targets.

use std::env;
use std::path::Path;

use crate::aot;
use crate::error::{Error, Result};
use crate::prereqs::{self, Check, Probe, Requirements};
use crate::process::Cmd;

/// Library crates that must build without `std` (for `riscv32imac-unknown-none-elf`), with
/// their default features off. The ABI layers build against `vm-core` without its `engine`
/// feature (WAMR's C code has no bare-metal platform); `vm-core` with the engine and the
/// facade are covered by the i686 and riscv64 builds.
pub const NO_STD_CRATES: &[&str] = &[
    "vm-sandbox",
    "vm-host",
    "vm-core",
    "vm-abi-wasi",
    "vm-bindings-xila",
    "vm-guest",
];

/// Environment variable through which tests that spawn the `xila-vm` binary learn the
/// emulator to start it with (an emulated test cannot `exec` a foreign binary by itself).
pub const TEST_RUNNER_VARIABLE: &str = "XILA_VM_TEST_RUNNER";

/// A target `cargo xtask cross` knows.
#[derive(Debug, PartialEq, Eq)]
pub struct Target {
    /// Short name on the command line.
    pub name: &'static str,
    /// Rust target triple.
    pub triple: &'static str,
    /// What is built and tested, for `help` and reports.
    pub summary: &'static str,
    /// How the target is built.
    pub kind: Kind,
}

/// The three ways targets are built.
#[derive(Debug, PartialEq, Eq)]
pub enum Kind {
    /// The whole VM on Linux; tests run natively or under an emulator.
    Linux {
        /// System prerequisites beyond the WAMR build.
        checks: &'static [Check],
        /// The emulator command tests run under (also set as the cargo runner in
        /// `.cargo/config.toml`), `None` when the binaries run natively.
        emulator: Option<&'static str>,
    },
    /// Only the `no_std` crates, for a bare-metal target.
    NoStd,
    /// The VM with WAMR built for ESP-IDF.
    EspIdf(EspIdf),
}

/// Settings of an ESP-IDF target.
#[derive(Debug, PartialEq, Eq)]
pub struct EspIdf {
    /// ESP-IDF's name of the chip (`esp32s3`), as passed to its `install.sh`.
    pub chip: &'static str,
    /// The rustup toolchain that has the target (`esp` from `espup`, or `nightly`).
    pub toolchain: &'static str,
    /// The chip's C compiler from ESP-IDF's tools.
    pub c_compiler: &'static str,
    /// `WAMR_BUILD_TARGET` for the chip.
    pub wamr_target: &'static str,
    /// C flags added to ours for this chip.
    pub extra_cflags: &'static str,
}

/// The C defines every WAMR build of ours uses (the same as `CFLAGS` in `.cargo/config.toml`).
pub const WAMR_CFLAGS: &str = "-DWASM_MEM_ALLOC_WITH_USAGE=1";

const RISCV64_CHECKS: &[Check] = &[
    Check {
        what: "riscv64-linux-gnu-gcc",
        why: "compiles WAMR and links for riscv64gc-unknown-linux-gnu",
        probe: Probe::Executable {
            names: &["riscv64-linux-gnu-gcc"],
            env_override: None,
        },
        debian_package: "gcc-riscv64-linux-gnu",
    },
    Check {
        what: "riscv64 C library headers",
        why: "bindgen and WAMR include the target's libc headers",
        probe: Probe::File("/usr/riscv64-linux-gnu/include/stdio.h"),
        debian_package: "libc6-dev-riscv64-cross",
    },
    Check {
        what: "qemu-riscv64",
        why: "runs the riscv64 test binaries",
        probe: Probe::Executable {
            names: &["qemu-riscv64"],
            env_override: None,
        },
        debian_package: "qemu-user",
    },
];

const I686_CHECKS: &[Check] = &[
    Check {
        what: "i686-linux-gnu-gcc",
        why: "compiles WAMR and links for i686-unknown-linux-gnu",
        probe: Probe::Executable {
            names: &["i686-linux-gnu-gcc"],
            env_override: None,
        },
        debian_package: "gcc-i686-linux-gnu",
    },
    Check {
        what: "i686 C library headers",
        why: "bindgen and WAMR include the target's libc headers",
        probe: Probe::File("/usr/i686-linux-gnu/include/stdio.h"),
        debian_package: "libc6-dev-i386-cross",
    },
    Check {
        what: "the 32-bit dynamic loader",
        why: "runs the i686 test binaries natively",
        probe: Probe::File("/lib/ld-linux.so.2"),
        debian_package: "libc6-i386",
    },
];

/// Every target, in `help` order.
pub const TARGETS: &[Target] = &[
    Target {
        name: "riscv64",
        triple: "riscv64gc-unknown-linux-gnu",
        summary: "whole VM incl. WAMR; --test runs the test suite under qemu-riscv64",
        kind: Kind::Linux {
            checks: RISCV64_CHECKS,
            emulator: Some("qemu-riscv64 -L /usr/riscv64-linux-gnu"),
        },
    },
    Target {
        name: "i686",
        triple: "i686-unknown-linux-gnu",
        summary: "whole VM incl. WAMR, 32-bit pointers; --test runs the test suite natively",
        kind: Kind::Linux {
            checks: I686_CHECKS,
            emulator: None,
        },
    },
    Target {
        name: "riscv32",
        triple: "riscv32imac-unknown-none-elf",
        summary: "every no_std crate, bare metal (ESP32-C3/C6 class); build only",
        kind: Kind::NoStd,
    },
    Target {
        name: "esp32s3",
        triple: "xtensa-esp32s3-espidf",
        summary: "VM with WAMR through ESP-IDF (Espressif toolchain required)",
        kind: Kind::EspIdf(EspIdf {
            chip: "esp32s3",
            toolchain: "esp",
            c_compiler: "xtensa-esp32s3-elf-gcc",
            wamr_target: "XTENSA",
            extra_cflags: "-mlongcalls",
        }),
    },
    Target {
        name: "esp32",
        triple: "xtensa-esp32-espidf",
        summary: "VM with WAMR through ESP-IDF (Espressif toolchain required)",
        kind: Kind::EspIdf(EspIdf {
            chip: "esp32",
            toolchain: "esp",
            c_compiler: "xtensa-esp32-elf-gcc",
            wamr_target: "XTENSA",
            extra_cflags: "-mlongcalls",
        }),
    },
    Target {
        name: "esp32c3",
        triple: "riscv32imc-esp-espidf",
        summary: "VM with WAMR through ESP-IDF (nightly Rust + ESP-IDF required)",
        kind: Kind::EspIdf(EspIdf {
            chip: "esp32c3",
            toolchain: "nightly",
            c_compiler: "riscv32-esp-elf-gcc",
            wamr_target: "RISCV32_ILP32",
            extra_cflags: "",
        }),
    },
];

/// Finds a target by its short name or its triple.
pub fn find(name: &str) -> Option<&'static Target> {
    TARGETS
        .iter()
        .find(|target| target.name == name || target.triple == name)
}

/// The target list for `help`.
pub fn help_table() -> String {
    TARGETS
        .iter()
        .map(|target| {
            format!(
                "    {:<9} {:<29} {}\n",
                target.name, target.triple, target.summary
            )
        })
        .collect()
}

/// What `cross` was asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Run the test suite after building.
    pub test: bool,
    /// Print the commands instead of running them.
    pub dry_run: bool,
}

/// Runs `cargo xtask cross`.
pub fn run(root: &Path, target: &Target, options: Options) -> Result<()> {
    let commands = commands(root, target, options)?;
    if options.dry_run {
        println!("would run, from {}:", root.display());
        for command in &commands {
            println!("  {}", command.display());
        }
        return match &target.kind {
            Kind::EspIdf(esp) => {
                let missing = missing_esp_prerequisites(target, esp);
                if !missing.is_empty() {
                    println!("\n{}", esp_report(target, esp, &missing));
                }
                Ok(())
            }
            _ => Ok(()),
        };
    }
    match &target.kind {
        Kind::Linux { checks, .. } => prereqs::ensure(
            &Requirements {
                checks: &[
                    prereqs::WAMR_BUILD,
                    prereqs::WASI_C,
                    prereqs::WASI_ASSEMBLYSCRIPT,
                    checks,
                    // The AOT tests run with the test suite; their compiler needs LLVM 19.
                    if options.test {
                        prereqs::AOT_COMPILER
                    } else {
                        &[]
                    },
                ],
                // The test suite builds its WASI guest programs for wasm32-wasip1.
                rust_targets: &[target.triple, "wasm32-wasip1"],
                rust_components: &[],
            },
            root,
        )?,
        Kind::NoStd => prereqs::ensure(
            &Requirements {
                checks: &[],
                rust_targets: &[target.triple],
                rust_components: &[],
            },
            root,
        )?,
        Kind::EspIdf(esp) => {
            let missing = missing_esp_prerequisites(target, esp);
            if !missing.is_empty() {
                return Err(Error::Prerequisites(esp_report(target, esp, &missing)));
            }
        }
    }
    for command in commands {
        command.run()?;
    }
    Ok(())
}

/// The commands for `target`, each with its working directory: `root`, or the AOT compiler's
/// own workspace for its build.
pub fn commands(root: &Path, target: &Target, options: Options) -> Result<Vec<Cmd>> {
    let triple = target.triple;
    let commands = match &target.kind {
        Kind::Linux { emulator, .. } => {
            let build = Cmd::cargo()
                .args(["build", "--target", triple])
                .current_dir(root);
            if !options.test {
                vec![build]
            } else {
                let mut test = Cmd::cargo()
                    .args(["test", "--target", triple])
                    .current_dir(root);
                // The AOT tests, ignored in the run above: the compiler is a host program,
                // which compiles for the target.
                let mut aot_test = crate::test::aot_test_command(root, &["--target", triple], None);
                if let Some(emulator) = emulator {
                    test = test.env(TEST_RUNNER_VARIABLE, emulator);
                    aot_test = aot_test.env(TEST_RUNNER_VARIABLE, emulator);
                }
                vec![build, test, aot::build_command(root), aot_test]
            }
        }
        Kind::NoStd => {
            if options.test {
                return Err(Error::Usage(format!(
                    "{} is a bare-metal target: it is built, not tested (use riscv64 or i686 \
                     to run the tests)",
                    target.name
                )));
            }
            let mut build =
                Cmd::cargo().args(["build", "--no-default-features", "--target", triple]);
            for name in NO_STD_CRATES {
                build = build.args(["-p", name]);
            }
            vec![build.current_dir(root)]
        }
        Kind::EspIdf(esp) => {
            if options.test {
                return Err(Error::Usage(format!(
                    "{} binaries run on the chip, not here: build with `cargo xtask cross {}` \
                     and flash with espflash",
                    target.name, target.name
                )));
            }
            vec![esp_build(target, esp).current_dir(root)]
        }
    };
    Ok(commands)
}

fn underscored(triple: &str) -> String {
    triple.replace('-', "_")
}

/// The ESP-IDF build: WAMR's platform and target are forced through the variables
/// `wamrx-sys` reads, and the chip's compiler is used for WAMR's C code.
fn esp_build(target: &Target, esp: &EspIdf) -> Cmd {
    let triple = underscored(target.triple);
    let cflags = format!("{WAMR_CFLAGS} {}", esp.extra_cflags)
        .trim()
        .to_string();
    Cmd::new("cargo")
        .arg(format!("+{}", esp.toolchain))
        .env("WAMR_BUILD_PLATFORM", "esp-idf")
        .env("WAMR_BUILD_TARGET", esp.wamr_target)
        .env(format!("CC_{triple}"), esp.c_compiler)
        .env(format!("CFLAGS_{triple}"), cflags)
        .args([
            "build",
            "--release",
            "-Zbuild-std=std,panic_abort",
            "--target",
            target.triple,
            "-p",
            "virtual-machine",
        ])
}

/// One missing piece of the Espressif toolchain, with how to get it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EspMissing {
    /// What is missing.
    pub what: String,
    /// The commands that install it.
    pub install: String,
}

fn missing_esp_prerequisites(target: &Target, esp: &EspIdf) -> Vec<EspMissing> {
    let toolchains = Cmd::new("rustup")
        .args(["toolchain", "list"])
        .stdout()
        .unwrap_or_default();
    let idf_path =
        env::var_os("IDF_PATH").filter(|path| Path::new(path).join("tools/idf.py").exists());
    esp_missing(target, esp, &toolchains, idf_path.is_some(), |program| {
        prereqs::find_executable(program.as_ref()).is_some()
    })
}

/// Decides what is missing from the facts gathered (kept pure for testing).
pub fn esp_missing(
    target: &Target,
    esp: &EspIdf,
    rustup_toolchains: &str,
    has_esp_idf: bool,
    has_program: impl Fn(&str) -> bool,
) -> Vec<EspMissing> {
    let mut missing = Vec::new();
    let has_toolchain = rustup_toolchains
        .lines()
        .any(|line| line.split(['-', ' ']).next() == Some(esp.toolchain));
    if !has_toolchain {
        missing.push(EspMissing {
            what: format!(
                "the `{}` Rust toolchain with target {}",
                esp.toolchain, target.triple
            ),
            install: if esp.toolchain == "esp" {
                String::from("cargo install espup && espup install && . $HOME/export-esp.sh")
            } else {
                String::from("rustup toolchain install nightly --component rust-src")
            },
        });
    }
    if !has_esp_idf {
        missing.push(EspMissing {
            what: String::from("ESP-IDF (IDF_PATH pointing at an ESP-IDF v5 checkout)"),
            install: format!(
                "git clone -b v5.3.2 --recursive https://github.com/espressif/esp-idf.git && \
                 ./esp-idf/install.sh {} && . ./esp-idf/export.sh",
                esp.chip
            ),
        });
    }
    if !has_program(esp.c_compiler) {
        missing.push(EspMissing {
            what: format!(
                "{} (the chip's C compiler, from ESP-IDF's tools)",
                esp.c_compiler
            ),
            install: format!(". $IDF_PATH/export.sh (after ./install.sh {})", esp.chip),
        });
    }
    if !has_program("ldproxy") {
        missing.push(EspMissing {
            what: String::from("ldproxy (the linker wrapper ESP-IDF Rust targets use)"),
            install: String::from("cargo install ldproxy"),
        });
    }
    missing
}

/// The report printed when the Espressif toolchain is incomplete.
pub fn esp_report(target: &Target, esp: &EspIdf, missing: &[EspMissing]) -> String {
    let mut text = format!(
        "{} ({}) needs Espressif's toolchain and ESP-IDF, which are not installed:\n",
        target.name, target.triple
    );
    for item in missing {
        text.push_str(&format!(
            "  - {}\n      install: {}\n",
            item.what, item.install
        ));
    }
    text.push_str(&format!(
        "WAMR is then built with WAMR_BUILD_PLATFORM=esp-idf WAMR_BUILD_TARGET={} \
         (see docs/porting.md); `cargo xtask cross {} --dry-run` prints the exact commands.",
        esp.wamr_target, target.name
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esp_target(name: &str) -> (&'static Target, &'static EspIdf) {
        let target = find(name).expect("known target");
        match &target.kind {
            Kind::EspIdf(esp) => (target, esp),
            other => panic!("{name} is {other:?}"),
        }
    }

    #[test]
    fn targets_are_found_by_name_or_triple() {
        assert_eq!(
            find("riscv64").map(|t| t.triple),
            Some("riscv64gc-unknown-linux-gnu")
        );
        assert_eq!(find("i686-unknown-linux-gnu").map(|t| t.name), Some("i686"));
        assert!(find("mips").is_none());
    }

    #[test]
    fn riscv64_tests_run_under_qemu_and_i686_natively() {
        let options = Options {
            test: true,
            dry_run: true,
        };
        let root = Path::new("/x");
        let riscv = commands(root, find("riscv64").expect("known"), options).expect("commands");
        assert_eq!(riscv.len(), 4);
        assert_eq!(
            riscv[1].display(),
            "XILA_VM_TEST_RUNNER='qemu-riscv64 -L /usr/riscv64-linux-gnu' cargo test --target riscv64gc-unknown-linux-gnu"
        );
        let i686 = commands(root, find("i686").expect("known"), options).expect("commands");
        assert_eq!(
            i686[1].display(),
            "cargo test --target i686-unknown-linux-gnu"
        );
    }

    #[test]
    fn linux_targets_also_run_the_aot_tests_with_the_host_compiler() {
        let options = Options {
            test: true,
            dry_run: true,
        };
        let root = Path::new("/x");
        let riscv = commands(root, find("riscv64").expect("known"), options).expect("commands");
        assert_eq!(riscv[2].display(), aot::build_command(root).display());
        assert_eq!(
            riscv[3].display(),
            "XILA_AOTC=/x/tools/aot-compiler/target/release/xila-aotc \
             XILA_VM_TEST_RUNNER='qemu-riscv64 -L /usr/riscv64-linux-gnu' cargo test --target \
             riscv64gc-unknown-linux-gnu -p virtual-machine --features std --test aot -- \
             --include-ignored"
        );
        let i686 = commands(root, find("i686").expect("known"), options).expect("commands");
        assert_eq!(
            i686[3].display(),
            "XILA_AOTC=/x/tools/aot-compiler/target/release/xila-aotc cargo test --target \
             i686-unknown-linux-gnu -p virtual-machine --features std --test aot -- \
             --include-ignored"
        );
        let built_only = Options {
            test: false,
            dry_run: true,
        };
        assert_eq!(
            commands(root, find("riscv64").expect("known"), built_only)
                .expect("commands")
                .len(),
            1
        );
    }

    #[test]
    fn bare_metal_builds_every_no_std_crate_and_refuses_to_test() {
        let target = find("riscv32").expect("known");
        let build = commands(
            Path::new("/x"),
            target,
            Options {
                test: false,
                dry_run: false,
            },
        )
        .expect("commands");
        let line = build[0].display();
        for name in NO_STD_CRATES {
            assert!(line.contains(&format!("-p {name}")), "{line}");
        }
        assert!(matches!(
            commands(
                Path::new("/x"),
                target,
                Options {
                    test: true,
                    dry_run: false
                }
            ),
            Err(Error::Usage(_))
        ));
    }

    #[test]
    fn esp_builds_force_wamr_platform_and_compiler() {
        let (target, esp) = esp_target("esp32s3");
        let line = esp_build(target, esp).display();
        for expected in [
            "WAMR_BUILD_PLATFORM=esp-idf",
            "WAMR_BUILD_TARGET=XTENSA",
            "CC_xtensa_esp32s3_espidf=xtensa-esp32s3-elf-gcc",
            "-DWASM_MEM_ALLOC_WITH_USAGE=1",
            "-mlongcalls",
            "cargo +esp build --release -Zbuild-std=std,panic_abort --target xtensa-esp32s3-espidf",
        ] {
            assert!(line.contains(expected), "{expected} not in {line}");
        }
        let (target, esp) = esp_target("esp32c3");
        assert!(
            esp_build(target, esp)
                .display()
                .contains("WAMR_BUILD_TARGET=RISCV32_ILP32")
        );
    }

    #[test]
    fn esp_report_names_each_missing_piece_and_how_to_install_it() {
        let (target, esp) = esp_target("esp32");
        let missing = esp_missing(
            target,
            esp,
            "stable-x86_64-unknown-linux-gnu\n",
            false,
            |_| false,
        );
        let what: Vec<&str> = missing.iter().map(|item| item.what.as_str()).collect();
        assert_eq!(what.len(), 4, "{what:?}");
        let report = esp_report(target, esp, &missing);
        for expected in [
            "espup install",
            "install.sh esp32",
            "cargo install ldproxy",
            "xtensa-esp32-elf-gcc",
        ] {
            assert!(report.contains(expected), "{expected} not in {report}");
        }
        let complete = esp_missing(target, esp, "esp\nstable\n", true, |_| true);
        assert!(complete.is_empty(), "{complete:?}");
    }
}
