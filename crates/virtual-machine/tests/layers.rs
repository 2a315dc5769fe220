//! Host-function layers (WASI, its socket extension, the graphics bindings) are defined per
//! instance, keeping what the module imports; apps see the same functions and errors as if
//! every layer were defined.

mod common;

use common::{builder, module};
use virtual_machine::{
    DefineError, Error, ExitStatus, HostTrap, InstanceData, InstantiationError, RunOptions,
    VirtualMachine,
};

const WASI: &str = "wasi_snapshot_preview1";
const GRAPHICS: &str = "xila_graphics_v1";

/// A VM with every built-in layer, as the command line builds it.
fn vm_with_every_layer() -> VirtualMachine {
    builder()
        .wasi()
        .sockets()
        .graphics()
        .build()
        .expect("the VM builds")
}

/// A WASI app that writes nothing and exits with 7.
const EXIT_7: &str = r#"(module
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "_start") (call $exit (i32.const 7))))"#;

#[test]
fn an_instance_gets_only_the_layer_functions_its_module_imports() {
    let vm = vm_with_every_layer();
    let app = module(&vm, EXIT_7);
    let instance = vm.instantiate(&app, InstanceData::new()).unwrap();
    let linker = instance.linker();
    assert!(linker.contains(WASI, "proc_exit"));
    assert!(linker.contains(WASI, "fd_write"));
    assert!(!linker.contains(WASI, "args_get"));
    assert!(!linker.contains(WASI, "sock_open"));
    assert_eq!(linker.len(), 2);
    // The app runs as with every function defined.
    assert_eq!(
        vm.run(&app, &RunOptions::new()).unwrap(),
        ExitStatus::Exited(7)
    );
    // The VM's complete set still has every layer.
    let everything = vm.linker().unwrap();
    for (module, name) in [
        (WASI, "args_get"),
        (WASI, "sock_open"),
        (GRAPHICS, "display_info"),
    ] {
        assert!(everything.contains(module, name), "{module}.{name}");
    }
    assert!(everything.len() > 100, "{}", everything.len());
}

#[test]
fn a_module_importing_a_graphics_binding_gets_it() {
    let vm = vm_with_every_layer();
    let app = module(
        &vm,
        r#"(module
            (import "xila_graphics_v1" "display_info" (func (param i32) (result i32)))
            (import "wasi_snapshot_preview1" "sock_open" (func (param i32 i32 i32 i32) (result i32)))
            (func (export "_start")))"#,
    );
    let instance = vm.instantiate(&app, InstanceData::new()).unwrap();
    assert!(instance.linker().contains(GRAPHICS, "display_info"));
    assert!(instance.linker().contains(WASI, "sock_open"));
    assert!(!instance.linker().contains(GRAPHICS, "clear"));
    // Without the layer, the same import is missing.
    let without_graphics = builder().wasi().build().unwrap();
    let app = module(
        &without_graphics,
        r#"(module (import "xila_graphics_v1" "display_info" (func (param i32) (result i32))))"#,
    );
    assert!(matches!(
        without_graphics.instantiate(&app, InstanceData::new()),
        Err(Error::Instantiation(
            InstantiationError::MissingImport { .. }
        ))
    ));
}

#[test]
fn imports_no_layer_defines_fail_as_before() {
    let vm = vm_with_every_layer();
    let missing = module(
        &vm,
        r#"(module (import "wasi_snapshot_preview1" "no_such_call" (func)))"#,
    );
    match vm.instantiate(&missing, InstanceData::new()) {
        Err(Error::Instantiation(InstantiationError::MissingImport { module, name })) => {
            assert_eq!((module.as_str(), name.as_str()), (WASI, "no_such_call"));
        }
        other => panic!("{other:?}"),
    }
    let mistyped = module(
        &vm,
        r#"(module (import "wasi_snapshot_preview1" "proc_exit" (func (param i64))))"#,
    );
    assert!(matches!(
        vm.instantiate(&mistyped, InstanceData::new()),
        Err(Error::Instantiation(
            InstantiationError::ImportTypeMismatch { .. }
        ))
    ));
}

#[test]
fn a_name_a_set_and_a_layer_both_define_fails_once_imported() {
    let vm = builder()
        .wasi()
        .host_functions(|linker| {
            linker.define(
                WASI,
                "proc_exit",
                |_context, (code,): (u32,)| -> Result<(), HostTrap> { Err(HostTrap::exit(code)) },
            )?;
            Ok(())
        })
        .build()
        .expect("layers are not defined at build time");
    let unaffected = module(
        &vm,
        r#"(module (import "wasi_snapshot_preview1" "sched_yield" (func (result i32))))"#,
    );
    assert!(vm.instantiate(&unaffected, InstanceData::new()).is_ok());
    let app = module(&vm, EXIT_7);
    match vm.instantiate(&app, InstanceData::new()) {
        Err(Error::Define(DefineError::Duplicate { module, name })) => {
            assert_eq!((module.as_str(), name.as_str()), (WASI, "proc_exit"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        vm.linker(),
        Err(Error::Define(DefineError::Duplicate { .. }))
    ));
}

#[test]
fn instances_of_a_vm_without_layers_share_its_linker() {
    let vm = builder()
        .host_functions(|linker| {
            linker.define("test", "answer", |_context, (): ()| Ok(42))?;
            Ok(())
        })
        .build()
        .unwrap();
    let app = module(
        &vm,
        r#"(module (import "test" "answer" (func (result i32))))"#,
    );
    let first = vm.instantiate(&app, InstanceData::new()).unwrap();
    let second = vm.instantiate(&app, InstanceData::new()).unwrap();
    assert!(first.linker().shares_tables_with(second.linker()));
    assert!(first.linker().shares_tables_with(&vm.linker().unwrap()));
}
