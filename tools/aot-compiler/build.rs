//! Builds WAMR's ahead-of-time compiler (its `core/iwasm/compilation` sources and the parts of
//! the runtime they need: the interpreter's loader, common code, shared utilities, the Linux
//! platform) and our C driver, against Debian's LLVM 19.
//!
//! - The WAMR sources come from the `wamrx-sys` package (the same WAMR release as the VM's
//!   runtime), found through `cargo metadata`, never by guessing registry paths.
//! - LLVM comes from `llvm-config-19` (or the program named by `$LLVM_CONFIG`); the compiler is
//!   linked against the shared `libLLVM-19.so`.
//! - The defines mirror upstream's `wamr-compiler/CMakeLists.txt` where the compiler needs them,
//!   and the VM's runtime where they decide which modules load: bulk memory, reference types
//!   and the thread manager on; SIMD, GC, tail calls, shared memory and memory64 off, so a
//!   module the VM's interpreter refuses is refused here too.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The WAMR release the compiler is built from (the VM's runtime uses the same).
const WAMRX_SYS_VERSION: &str = "0.3.0";
/// The LLVM major version WAMR 2.4.3's compiler is built and tested against here.
const LLVM_MAJOR: &str = "19";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=csrc");
    println!("cargo:rerun-if-env-changed=LLVM_CONFIG");
    refuse_wamr_defines_in_cflags();

    let wamr = wamr_root();
    let llvm = Llvm::find();
    let host = HostTarget::of_build();

    // One archive for WAMR's C and C++ objects and the driver: they call each other both ways,
    // which a linker resolves within one archive but not across two.
    let wamr_c = compile_wamr_c(&wamr, &llvm, &host);
    let wamr_cpp = compile_wamr_cpp(&wamr, &llvm, &host);
    let mut driver = c_build(&wamr, &llvm, &host);
    driver
        .file("csrc/driver.c")
        .objects(wamr_c)
        .objects(wamr_cpp)
        .compile("xila_aot_compiler");
    println!("cargo:rustc-link-lib=dylib=stdc++");

    println!("cargo:rustc-link-search=native={}", llvm.lib_dir.display());
    println!("cargo:rustc-link-lib=dylib=LLVM-{LLVM_MAJOR}");
    // Debian installs libLLVM's soname in the default library path as well; the rpath covers
    // LLVM installs that only have it in llvm-config's directory.
    println!(
        "cargo:rustc-link-arg-bins=-Wl,-rpath,{}",
        llvm.lib_dir.display()
    );
    for lib in ["pthread", "m", "dl"] {
        println!("cargo:rustc-link-lib=dylib={lib}");
    }
}

/// The WAMR defines of the VM's runtime (the main workspace's `.cargo/config.toml`) must not
/// leak into the compiler: it gets exactly the defines below.
fn refuse_wamr_defines_in_cflags() {
    let target = env::var("TARGET").unwrap_or_default();
    let names = [
        String::from("CFLAGS"),
        String::from("TARGET_CFLAGS"),
        String::from("HOST_CFLAGS"),
        format!("CFLAGS_{target}"),
        format!("CFLAGS_{}", target.replace('-', "_")),
    ];
    for name in &names {
        println!("cargo:rerun-if-env-changed={name}");
        if let Ok(value) = env::var(name)
            && (value.contains("WASM_") || value.contains("WAMR_"))
        {
            panic!(
                "{name}={value:?} would change how WAMR's compiler is built; build with the \
                 current directory inside tools/aot-compiler (its .cargo/config.toml clears \
                 CFLAGS) and without CFLAGS in the environment, or run `cargo xtask aot`"
            );
        }
    }
}

/// The `wasm-micro-runtime` directory of the `wamrx-sys` package, from `cargo metadata`.
fn wamr_root() -> PathBuf {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest =
        Path::new(&env::var("CARGO_MANIFEST_DIR").expect("set by cargo")).join("Cargo.toml");
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--features",
            "wamr-sources",
        ])
        .arg("--manifest-path")
        .arg(&manifest)
        .output()
        .unwrap_or_else(|e| panic!("could not run `cargo metadata`: {e}"));
    if !output.status.success() {
        panic!(
            "`cargo metadata` failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("`cargo metadata` printed invalid JSON: {e}"));
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    let manifest_path = packages
        .iter()
        .find(|package| package["name"] == "wamrx-sys" && package["version"] == WAMRX_SYS_VERSION)
        .and_then(|package| package["manifest_path"].as_str())
        .unwrap_or_else(|| {
            panic!("`cargo metadata` lists no wamrx-sys {WAMRX_SYS_VERSION} package")
        });
    let root = Path::new(manifest_path)
        .parent()
        .expect("a manifest path has a parent")
        .join("wasm-micro-runtime");
    assert!(
        root.join("core/iwasm/compilation/aot_compiler.c").is_file(),
        "the wamrx-sys package at {} has no WAMR compiler sources",
        root.display()
    );
    root
}

/// What `llvm-config` says about the LLVM install.
struct Llvm {
    include_dir: PathBuf,
    lib_dir: PathBuf,
    /// `--cxxflags`, for the C++ sources.
    cxx_flags: Vec<String>,
}

impl Llvm {
    fn find() -> Self {
        let program =
            env::var("LLVM_CONFIG").unwrap_or_else(|_| format!("llvm-config-{LLVM_MAJOR}"));
        let query = |arg: &str| -> String {
            let output = Command::new(&program).arg(arg).output().unwrap_or_else(|e| {
                panic!(
                    "could not run `{program}` ({e}): the AOT compiler needs LLVM {LLVM_MAJOR}; \
                     on Debian/Ubuntu: sudo apt-get install llvm-{LLVM_MAJOR}-dev"
                )
            });
            if !output.status.success() {
                panic!(
                    "`{program} {arg}` failed: {}",
                    String::from_utf8_lossy(&output.stderr)
                );
            }
            String::from_utf8_lossy(&output.stdout).trim().to_string()
        };
        let version = query("--version");
        if version.split('.').next() != Some(LLVM_MAJOR) {
            panic!(
                "`{program}` is LLVM {version}, the AOT compiler is built against LLVM \
                 {LLVM_MAJOR}: install llvm-{LLVM_MAJOR}-dev or point LLVM_CONFIG at its llvm-config"
            );
        }
        Self {
            include_dir: PathBuf::from(query("--includedir")),
            lib_dir: PathBuf::from(query("--libdir")),
            cxx_flags: query("--cxxflags")
                .split_whitespace()
                .filter(|flag| !flag.starts_with("-I"))
                .map(String::from)
                .collect(),
        }
    }
}

/// The machine the compiler itself runs on (WAMR's `BUILD_TARGET_*` for its own structures;
/// the code it generates is chosen at run time with `--target`).
struct HostTarget {
    define: &'static str,
}

impl HostTarget {
    fn of_build() -> Self {
        let arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
        let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
        assert_eq!(
            os, "linux",
            "the AOT compiler is built for Linux hosts only"
        );
        let define = match arch.as_str() {
            "x86_64" => "BUILD_TARGET_X86_64",
            "aarch64" => "BUILD_TARGET_AARCH64",
            "riscv64" => "BUILD_TARGET_RISCV64_LP64D",
            other => panic!("the AOT compiler does not build on {other} hosts"),
        };
        Self { define }
    }
}

/// Defines shared by the C and C++ sources.
fn defines(host: &HostTarget) -> Vec<(&'static str, &'static str)> {
    vec![
        (host.define, "1"),
        ("BH_PLATFORM_LINUX", "1"),
        ("_GNU_SOURCE", "1"),
        ("WASM_HAVE_MREMAP", "1"),
        ("BH_MALLOC", "wasm_runtime_malloc"),
        ("BH_FREE", "wasm_runtime_free"),
        // WAMR's messages go through our driver, which sends them to stderr when asked (-v).
        ("BH_VPRINTF", "xila_wamr_vprintf"),
        // What makes this the compiler: the classic loader keeps the original bytecode.
        ("WASM_ENABLE_WAMR_COMPILER", "1"),
        ("WASM_ENABLE_INTERP", "1"),
        ("WASM_ENABLE_FAST_INTERP", "0"),
        ("WASM_ENABLE_AOT", "1"),
        ("WASM_ENABLE_JIT", "0"),
        // Needed by WAMR 2.4.3's compiler sources to build at all.
        ("WASM_ENABLE_AOT_STACK_FRAME", "1"),
        ("WASM_ENABLE_MODULE_INST_CONTEXT", "1"),
        ("WASM_ENABLE_BULK_MEMORY_OPT", "1"),
        ("WASM_ENABLE_CALL_INDIRECT_OVERLONG", "1"),
        // The VM's runtime features (crates/vm-core: bulk-memory, reference-types,
        // thread-mgr), so the same modules load here as there.
        ("WASM_ENABLE_BULK_MEMORY", "1"),
        ("WASM_ENABLE_REF_TYPES", "1"),
        ("WASM_ENABLE_THREAD_MGR", "1"),
        ("WASM_ENABLE_SIMD", "0"),
        ("WASM_ENABLE_GC", "0"),
        ("WASM_ENABLE_TAIL_CALL", "0"),
        ("WASM_ENABLE_SHARED_MEMORY", "0"),
        ("WASM_ENABLE_MEMORY64", "0"),
        ("WASM_ENABLE_EXTENDED_CONST_EXPR", "0"),
        ("WASM_ENABLE_LIBC_BUILTIN", "0"),
        ("WASM_ENABLE_LIBC_WASI", "0"),
        ("WASM_ENABLE_MULTI_MODULE", "0"),
        ("WASM_ENABLE_LINUX_PERF", "0"),
        ("WASM_ENABLE_DEBUG_AOT", "0"),
        // Our runtime has no guard pages: the compiler's own loader must not assume them.
        ("WASM_DISABLE_HW_BOUND_CHECK", "1"),
    ]
}

fn include_dirs(wamr: &Path, llvm: &Llvm) -> Vec<PathBuf> {
    let core = wamr.join("core");
    let mut dirs: Vec<PathBuf> = [
        "iwasm/include",
        "iwasm/common",
        "iwasm/interpreter",
        "iwasm/aot",
        "iwasm/compilation",
        "iwasm/libraries/thread-mgr",
        "shared/platform/linux",
        "shared/platform/include",
        "shared/utils",
        "shared/utils/uncommon",
        "shared/mem-alloc",
    ]
    .iter()
    .map(|dir| core.join(dir))
    .collect();
    dirs.push(llvm.include_dir.clone());
    dirs
}

/// The `.c` files of `dir` (not recursive), sorted, without `excluded` file names.
fn c_files(dir: &Path, excluded: &[&str]) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "c"))
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_none_or(|name| !excluded.contains(&name))
        })
        .collect();
    files.sort();
    files
}

/// WAMR's C sources, compiled, not yet archived.
fn compile_wamr_c(wamr: &Path, llvm: &Llvm, host: &HostTarget) -> Vec<PathBuf> {
    let core = wamr.join("core");
    let mut sources = Vec::new();
    sources.extend(c_files(&core.join("shared/platform/linux"), &[]));
    // Files, clocks and sockets serve WAMR's own WASI, which the compiler does not have.
    sources.extend(c_files(
        &core.join("shared/platform/common/posix"),
        &["posix_file.c", "posix_clock.c", "posix_socket.c"],
    ));
    sources.extend(c_files(&core.join("shared/mem-alloc/ems"), &[]));
    sources.push(core.join("shared/mem-alloc/mem_alloc.c"));
    sources.extend(c_files(&core.join("shared/utils"), &[]));
    sources.extend(c_files(&core.join("shared/utils/uncommon"), &[]));
    sources.extend(c_files(&core.join("iwasm/common"), &[]));
    // The compiler never calls native functions: the portable C version of the trampoline
    // avoids per-host assembly.
    sources.push(core.join("iwasm/common/arch/invokeNative_general.c"));
    for file in ["wasm_loader.c", "wasm_runtime.c", "wasm_interp_classic.c"] {
        sources.push(core.join("iwasm/interpreter").join(file));
    }
    for file in [
        "aot_intrinsic.c",
        "aot_loader.c",
        "aot_runtime.c",
        "arch/aot_reloc_dummy.c",
    ] {
        sources.push(core.join("iwasm/aot").join(file));
    }
    sources.extend(c_files(&core.join("iwasm/libraries/thread-mgr"), &[]));
    sources.extend(c_files(&core.join("iwasm/compilation"), &[]));
    sources.extend(c_files(&core.join("iwasm/compilation/simd"), &[]));

    let weak_stop_checks = Path::new(&env::var("CARGO_MANIFEST_DIR").expect("set by cargo"))
        .join("csrc/weak_stop_checks.h");
    let mut build = c_build(wamr, llvm, host);
    build
        .files(&sources)
        // Not the driver's: see the header.
        .flag("-include")
        .flag(weak_stop_checks.to_str().expect("a UTF-8 path"));
    build.compile_intermediates()
}

/// The settings of every C file: WAMR's and the driver's.
fn c_build(wamr: &Path, llvm: &Llvm, host: &HostTarget) -> cc::Build {
    let mut build = cc::Build::new();
    build
        .includes(include_dirs(wamr, llvm))
        .std("gnu11")
        .warnings(false)
        .flag_if_supported("-w")
        .opt_level(2);
    for (name, value) in defines(host) {
        build.define(name, value);
    }
    build
}

/// WAMR's C++ sources (its LLVM pass pipeline), compiled, not yet archived.
fn compile_wamr_cpp(wamr: &Path, llvm: &Llvm, host: &HostTarget) -> Vec<PathBuf> {
    let compilation = wamr.join("core/iwasm/compilation");
    let mut sources: Vec<PathBuf> = std::fs::read_dir(&compilation)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", compilation.display()))
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "cpp"))
        .collect();
    sources.sort();

    let mut build = cc::Build::new();
    build
        .cpp(true)
        .files(&sources)
        .includes(include_dirs(wamr, llvm))
        .warnings(false)
        .flag_if_supported("-w")
        // LLVM is built without RTTI; WAMR's upstream build says the same.
        .flag("-fno-rtti")
        // WAMR's pass pipeline under another name: csrc/driver.c defines the original name,
        // adds alias information to the generated code and then calls it.
        .define(
            "aot_apply_llvm_new_pass_manager",
            "xila_wamr_apply_llvm_passes",
        )
        .opt_level(2);
    for flag in &llvm.cxx_flags {
        build.flag(flag);
    }
    for (name, value) in defines(host) {
        build.define(name, value);
    }
    build.compile_intermediates()
}
