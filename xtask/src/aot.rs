//! `cargo xtask aot`: builds the ahead-of-time compiler (`tools/aot-compiler`, `xila-aotc`)
//! and runs it.
//!
//! The compiler is a cargo workspace of its own: it links LLVM 19, which nothing else needs.
//! It is built in release mode with the current directory inside it (so its
//! `.cargo/config.toml` applies) and with this workspace's `CFLAGS` (WAMR defines for the VM's
//! runtime, inherited through `cargo xtask`) cleared: the compiler's WAMR gets exactly the
//! defines its build script chooses. Then `xila-aotc` runs in the caller's directory, so
//! relative paths mean what the caller meant.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::prereqs::{self, Requirements};
use crate::process::Cmd;

/// The compiler's cargo workspace, relative to the workspace root.
pub const TOOL_DIR: &str = "tools/aot-compiler";
/// The compiler's binary.
pub const BINARY: &str = "xila-aotc";
/// The variable through which tests that compile modules (crates/virtual-machine/tests/aot.rs)
/// find the compiler.
pub const COMPILER_VARIABLE: &str = "XILA_AOTC";

/// What `cargo xtask aot` needs before it starts.
pub const REQUIREMENTS: Requirements = Requirements {
    checks: &[prereqs::AOT_COMPILER],
    rust_targets: &[],
    rust_components: &[],
};

/// A parsed `cargo xtask aot` command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// `aot compile APP.wasm -o APP.aot [OPTIONS]`: the arguments go to `xila-aotc` as given.
    Compile(Vec<OsString>),
    /// `aot inspect APP.aot`: prints the file's stamp.
    Inspect(OsString),
    /// `aot build`: only builds the compiler and prints where it is.
    Build,
}

/// Parses the arguments after `cargo xtask aot`.
pub fn parse(args: &[OsString]) -> Result<Invocation> {
    let usage = |message: String| Error::Usage(format!("{message}; usage: {USAGE}"));
    let Some((subcommand, rest)) = args.split_first() else {
        return Err(usage(String::from("`aot` needs a subcommand")));
    };
    match subcommand.to_str() {
        // xila-aotc checks its own options (and prints its --help); only an empty command
        // line is refused here, before the compiler is built.
        Some("compile") if rest.is_empty() => Err(usage(String::from(
            "`aot compile` needs a module and -o OUTPUT",
        ))),
        Some("compile") => Ok(Invocation::Compile(rest.to_vec())),
        Some("inspect") => match rest {
            [file] => Ok(Invocation::Inspect(file.clone())),
            _ => Err(usage(String::from("`aot inspect` takes one .aot file"))),
        },
        Some("build") => match rest.first() {
            None => Ok(Invocation::Build),
            Some(arg) => Err(usage(format!(
                "unexpected argument `{}` for `aot build`",
                arg.to_string_lossy()
            ))),
        },
        _ => Err(usage(format!(
            "unknown `aot` subcommand `{}`",
            subcommand.to_string_lossy()
        ))),
    }
}

/// The usage line, also in `cargo xtask help`.
pub const USAGE: &str = "cargo xtask aot compile APP.wasm -o APP.aot [--target x86_64|i686|riscv64|riscv32] [--xip] [--cpu NAME] [--cpu-features LIST] | aot inspect APP.aot | aot build";

/// Where [`build_command`] puts `xila-aotc`.
pub fn binary(root: &Path) -> PathBuf {
    root.join(TOOL_DIR)
        .join("target")
        .join("release")
        .join(BINARY)
}

/// The command that builds `xila-aotc` (release, in the tool's own workspace and target
/// directory); [`REQUIREMENTS`] must be met.
pub fn build_command(root: &Path) -> Cmd {
    tool_cargo(root, "build")
}

/// The command that runs the compiler's own tests (release, sharing [`build_command`]'s
/// build); [`REQUIREMENTS`] must be met.
pub fn test_command(root: &Path) -> Cmd {
    tool_cargo(root, "test")
}

/// The commands that hold the compiler's code to the workspace's standards (it is a workspace
/// of its own, so `cargo fmt --all` and `cargo clippy --workspace` do not reach it).
pub fn lint_commands(root: &Path) -> [Cmd; 2] {
    [
        Cmd::cargo()
            .args(["fmt", "--check"])
            .current_dir(root.join(TOOL_DIR)),
        tool_cargo(root, "clippy").args(["--all-targets", "--", "-D", "warnings"]),
    ]
}

/// `cargo SUBCOMMAND --release --locked` in the tool's workspace and target directory.
fn tool_cargo(root: &Path, subcommand: &str) -> Cmd {
    let tool = root.join(TOOL_DIR);
    Cmd::cargo()
        // This workspace's WAMR defines must not reach the compiler's WAMR (its build script
        // refuses them); an empty value also keeps `.cargo/config.toml`'s from applying.
        .env("CFLAGS", "")
        .env("CXXFLAGS", "")
        .args([subcommand, "--release", "--locked", "--target-dir"])
        .arg(tool.join("target"))
        .current_dir(&tool)
}

/// Builds `xila-aotc` (release) and returns its path.
pub fn build(root: &Path) -> Result<PathBuf> {
    prereqs::ensure(&REQUIREMENTS, root)?;
    build_command(root).run()?;
    let binary = binary(root);
    if !binary.is_file() {
        return Err(Error::io(
            format!("looking for {BINARY} after its build"),
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{} is missing", binary.display()),
            ),
        ));
    }
    Ok(binary)
}

/// Runs `cargo xtask aot`.
pub fn run(root: &Path, invocation: &Invocation) -> Result<()> {
    let compiler = build(root)?;
    match invocation {
        Invocation::Build => {
            println!("{}", compiler.display());
            Ok(())
        }
        Invocation::Compile(args) => Cmd::new(&compiler).shown_as(BINARY).args(args).run(),
        Invocation::Inspect(file) => Cmd::new(&compiler)
            .shown_as(BINARY)
            .arg("--inspect")
            .arg(file)
            .run(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    #[test]
    fn parses_compile_inspect_and_build() {
        assert_eq!(
            parse(&args(&[
                "compile", "app.wasm", "-o", "app.aot", "--target", "riscv32", "--xip"
            ]))
            .ok(),
            Some(Invocation::Compile(args(&[
                "app.wasm", "-o", "app.aot", "--target", "riscv32", "--xip"
            ])))
        );
        assert_eq!(
            parse(&args(&["compile", "--output=app.aot", "app.wasm"])).ok(),
            Some(Invocation::Compile(args(&["--output=app.aot", "app.wasm"])))
        );
        assert_eq!(
            parse(&args(&["inspect", "app.aot"])).ok(),
            Some(Invocation::Inspect(OsString::from("app.aot")))
        );
        assert_eq!(parse(&args(&["build"])).ok(), Some(Invocation::Build));
    }

    #[test]
    fn rejects_incomplete_command_lines() {
        for bad in [
            &[][..],
            &["compile"],
            &["inspect"],
            &["inspect", "a.aot", "b.aot"],
            &["build", "x"],
            &["run", "app.aot"],
        ] {
            let result = parse(&args(bad));
            assert!(
                matches!(result, Err(Error::Usage(_))),
                "{bad:?} gave {result:?}"
            );
        }
    }

    #[test]
    fn the_compiler_is_built_in_its_own_workspace_without_our_cflags() {
        let root = Path::new("/x");
        assert_eq!(
            build_command(root).display(),
            "CFLAGS='' CXXFLAGS='' cargo build --release --locked --target-dir \
             /x/tools/aot-compiler/target"
        );
        assert_eq!(
            binary(root),
            Path::new("/x/tools/aot-compiler/target/release/xila-aotc")
        );
        let [fmt, clippy] = lint_commands(root);
        assert_eq!(fmt.display(), "cargo fmt --check");
        assert_eq!(
            clippy.display(),
            "CFLAGS='' CXXFLAGS='' cargo clippy --release --locked --target-dir \
             /x/tools/aot-compiler/target --all-targets -- -D warnings"
        );
    }
}
