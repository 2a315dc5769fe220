//! `xila-aotc` end to end: compiles small modules for every target and reads the output back
//! with the VM's stamp parser.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use vm_core::aot_stamp::{AotStamp, BoundsChecks, CompileOptions, Requirements, Target};

/// `(module (memory 1)
///   (func (export "spin") (loop $l (br $l)))
///   (func (export "store") (param i32) (i32.store (local.get 0) (i32.const 1))))`
const SPIN_AND_STORE: &[u8] = &[
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
    0x01, 0x08, 0x02, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7f,
    0x00, // types: [] -> [], [i32] -> []
    0x03, 0x03, 0x02, 0x00, 0x01, // functions
    0x05, 0x03, 0x01, 0x00, 0x01, // memory: min 1 page
    0x07, 0x10, 0x02, // exports
    0x04, b's', b'p', b'i', b'n', 0x00, 0x00, // "spin" = func 0
    0x05, b's', b't', b'o', b'r', b'e', 0x00, 0x01, // "store" = func 1
    0x0a, 0x13, 0x02, // code
    0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b, // loop br 0 end end
    0x09, 0x00, 0x20, 0x00, 0x41, 0x01, 0x36, 0x02, 0x00, 0x0b, // i32.store
];

/// The same module with `spin` as its start function, which WAMR would run while it
/// instantiates the module.
fn with_start_function() -> Vec<u8> {
    let mut bytes = SPIN_AND_STORE.to_vec();
    // The start section (8) goes between the export (7) and code (10) sections.
    let code_section = bytes.len() - 21;
    assert_eq!(bytes[code_section], 0x0a);
    bytes.splice(code_section..code_section, [0x08, 0x01, 0x00]);
    bytes
}

fn work_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the test directory");
    dir
}

/// Writes `wasm` to `dir/module.wasm` and compiles it to `dir/module.aot` with `options`;
/// returns the run and the output path.
fn compile(dir: &Path, wasm: &[u8], options: &[&str]) -> (Output, PathBuf) {
    let input = dir.join("module.wasm");
    std::fs::write(&input, wasm).expect("write the module");
    let output = dir.join("module.aot");
    let mut args = vec![
        input.to_str().expect("UTF-8 path"),
        "-o",
        output.to_str().expect("UTF-8 path"),
    ];
    args.extend_from_slice(options);
    (aotc(&args), output)
}

fn aotc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xila-aotc"))
        .args(args)
        .output()
        .expect("run xila-aotc")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn every_target_gets_a_stamp_the_runtime_check_accepts() {
    let dir = work_dir("every_target");
    let input = dir.join("module.wasm");
    std::fs::write(&input, SPIN_AND_STORE).expect("write the module");
    for target in Target::ALL {
        for xip in [false, true] {
            let output = dir.join(format!("{}-{xip}.aot", target.name()));
            let mut args = vec![
                input.to_str().expect("UTF-8 path"),
                "-o",
                output.to_str().expect("UTF-8 path"),
                "--target",
                target.name(),
            ];
            if xip {
                args.push("--xip");
            }
            let run = aotc(&args);
            assert!(
                run.status.success(),
                "{target} xip={xip}: {}",
                text(&run.stderr)
            );
            let file = std::fs::read(&output).expect("the output exists");
            let parsed = AotStamp::parse(&file).expect("the stamp parses");
            let stamp = parsed.stamp;
            let portable = CompileOptions::portable(target);
            assert_eq!(stamp.options.target, target);
            assert_eq!(stamp.options.abi, portable.abi);
            assert_eq!(stamp.options.cpu, portable.cpu);
            assert_eq!(stamp.options.cpu_features, portable.cpu_features);
            assert_eq!(stamp.options.bounds_checks, BoundsChecks::Software);
            assert!(stamp.options.stack_bounds_checks && stamp.options.stop_checks);
            assert_eq!(stamp.options.xip, xip);
            assert_eq!(stamp.wamr_version.major, 2, "WAMR 2.x");
            let required = Requirements {
                xip,
                ..Requirements::portable(target, stamp.wamr_version)
            };
            assert_eq!(stamp.check(&required), Ok(()), "{target} xip={xip}");
            assert_eq!(parsed.payload_offset % 16, 0);
            assert!(parsed.payload.len() > 64, "WAMR's file has code in it");
        }
    }
}

#[test]
fn loops_poll_the_stop_flag_although_memory_is_not_shared() {
    let dir = work_dir("stop_checks");
    let ir = dir.join("module.ll");
    let (run, _) = compile(
        &dir,
        SPIN_AND_STORE,
        &[
            "--target",
            "riscv32",
            "--llvm-ir",
            ir.to_str().expect("UTF-8 path"),
        ],
    );
    assert!(run.status.success(), "{}", text(&run.stderr));
    let ir = std::fs::read_to_string(&ir).expect("the IR was written");
    // `spin` is WAMR's aot_func#0: its loop must load the flag (volatile, from the exec env)
    // and leave when the terminate bit is set. WAMR alone emits this only for shared memory.
    let spin = function_ir(&ir, 0);
    assert!(
        spin.contains("load volatile i32") && spin.contains("%terminate_flags"),
        "no stop check in spin:\n{spin}"
    );
    // 32-bit target: suspend_flags is the sixth pointer of WASMExecEnv, at byte 20.
    assert!(spin.contains("ptr %exec_env, i32 20"), "{spin}");
}

/// The optimised IR of the module's function `index`: WAMR puts a function's body in
/// aot_func_internal#N (aot_func#N wraps it with the native-stack check).
fn function_ir(ir: &str, index: u32) -> &str {
    let signature_start = format!("@\"aot_func_internal#{index}\"(");
    ir.split("\ndefine ")
        .find(|function| {
            function
                .lines()
                .next()
                .is_some_and(|signature| signature.contains(&signature_start))
        })
        .unwrap_or_else(|| panic!("function {index} is not in the IR:\n{ir}"))
}

#[test]
fn bounds_are_not_loaded_again_after_each_store() {
    // In a module that can grow its memory, the call makes WAMR load linear memory's bounds
    // before every access; xila-aotc's alias information tells LLVM that stores to linear
    // memory cannot change them, so one load serves both stores.
    let wasm = wat::parse_str(
        r#"(module (memory 1)
            (func $nothing)
            (func (export "grow") (result i32) (memory.grow (i32.const 1)))
            (func (export "store_twice") (param i32 i32)
                (call $nothing)
                (i32.store (local.get 0) (i32.const 1))
                (i32.store (local.get 1) (i32.const 2))))"#,
    )
    .expect("valid module text");
    let dir = work_dir("alias_information");
    let ir = dir.join("module.ll");
    let (run, _) = compile(
        &dir,
        &wasm,
        &["--llvm-ir", ir.to_str().expect("UTF-8 path")],
    );
    assert!(run.status.success(), "{}", text(&run.stderr));
    let ir = std::fs::read_to_string(&ir).expect("the IR was written");
    let store_twice = function_ir(&ir, 2);
    let stores: Vec<&str> = store_twice
        .lines()
        .filter(|line| line.trim_start().starts_with("store i32"))
        .collect();
    assert_eq!(stores.len(), 2, "{store_twice}");
    assert!(
        stores.iter().all(|store| store.contains("!tbaa")),
        "{store_twice}"
    );
    let bound_loads = store_twice
        .lines()
        .filter(|line| line.contains("= load") && line.contains("ptr %bound_check_4bytes"))
        .count();
    assert_eq!(bound_loads, 1, "{store_twice}");
}

#[test]
fn the_build_machines_cpu_is_never_used() {
    let dir = work_dir("native_cpu");
    let (run, output) = compile(&dir, SPIN_AND_STORE, &["--cpu", "native"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        text(&run.stderr).contains("never used"),
        "{}",
        text(&run.stderr)
    );
    assert!(!output.exists());
}

#[test]
fn xtensa_is_explained_and_fails() {
    let dir = work_dir("xtensa");
    let (run, output) = compile(&dir, SPIN_AND_STORE, &["--target", "xtensa"]);
    assert_eq!(run.status.code(), Some(1));
    let message = text(&run.stderr);
    assert!(
        message.contains("target xtensa") && message.contains("Xtensa"),
        "{message}"
    );
    assert!(!output.exists());
}

#[test]
fn start_functions_are_moved_out_of_instantiation() {
    let dir = work_dir("start_function");
    let (run, output) = compile(&dir, &with_start_function(), &[]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let file = std::fs::read(&output).expect("the output exists");
    let payload = AotStamp::parse(&file).expect("the stamp parses").payload;
    // The start function is exported under the name the VM reserves for it and calls after
    // instantiation (crates/vm-core hooks.rs); WAMR's export section keeps the names as text.
    let moved_start = "\u{1}xila:start".as_bytes();
    assert!(
        payload
            .windows(moved_start.len())
            .any(|window| window == moved_start),
        "no moved start export in the output"
    );
}

/// `SPIN_AND_STORE` with `spin` exported as `\u{1}xila:s`, a name the VM reserves.
fn with_reserved_export_name() -> Vec<u8> {
    let mut bytes = SPIN_AND_STORE[..28].to_vec();
    bytes.extend_from_slice(&[0x07, 0x13, 0x02, 0x07, 0x01]);
    bytes.extend_from_slice(b"xila:s");
    bytes.extend_from_slice(&[0x00, 0x00]);
    bytes.extend_from_slice(&SPIN_AND_STORE[SPIN_AND_STORE.len() - 29..]);
    bytes
}

#[test]
fn reserved_export_names_are_refused() {
    let dir = work_dir("reserved_name");
    let (run, output) = compile(&dir, &with_reserved_export_name(), &[]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run.stderr));
    assert!(
        text(&run.stderr).contains("reserved"),
        "{}",
        text(&run.stderr)
    );
    assert!(!output.exists());
}

#[test]
fn invalid_modules_report_the_load_error() {
    let dir = work_dir("invalid");
    let (run, output) = compile(&dir, &SPIN_AND_STORE[..SPIN_AND_STORE.len() - 3], &[]);
    assert_eq!(run.status.code(), Some(1));
    assert!(
        text(&run.stderr).contains("loading the module failed"),
        "{}",
        text(&run.stderr)
    );
    assert!(!output.exists());
}

#[test]
fn inspect_reads_stamps_and_refuses_the_rest() {
    let dir = work_dir("inspect");
    let (compiled, output) = compile(&dir, SPIN_AND_STORE, &["--target", "riscv64", "--xip"]);
    assert!(compiled.status.success(), "{}", text(&compiled.stderr));
    let shown = aotc(&["--inspect", output.to_str().expect("UTF-8 path")]);
    assert!(shown.status.success());
    let report = text(&shown.stdout);
    for expected in [
        "riscv64 (ABI lp64d)",
        "generic-rv64",
        "+m,+a,+c,+f,+d",
        "xip           yes",
    ] {
        assert!(
            report.contains(expected),
            "{expected} missing from:\n{report}"
        );
    }
    let input = dir.join("module.wasm");
    let refused = aotc(&["--inspect", input.to_str().expect("UTF-8 path")]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused.stderr).contains("WebAssembly module"));
}
