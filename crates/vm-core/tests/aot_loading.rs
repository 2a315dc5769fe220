//! What loading does with ahead-of-time compiled files before WAMR sees them: the stamp is
//! checked against this runtime's requirements. (Running real AOT code needs the compiler:
//! `crates/virtual-machine/tests/aot.rs`.)

mod common;

use common::runtime;
use vm_core::aot_stamp::{AotStamp, BoundsChecks, CompileOptions, Target, WAMR_AOT_MAGIC};
use vm_core::{LoadErrorKind, Module, runtime_requirements, runtime_target, wamr_version};

/// A stamp this runtime accepts, in front of `payload`.
fn stamped(options: CompileOptions<'_>, payload: &[u8]) -> Vec<u8> {
    AotStamp {
        abi_version: vm_core::aot_stamp::ABI_VERSION,
        wamr_version: wamr_version(),
        options,
    }
    .encode(payload)
    .expect("valid stamp")
}

/// A payload that starts like WAMR's `.aot` format and is otherwise garbage.
fn fake_payload() -> Vec<u8> {
    let mut payload = WAMR_AOT_MAGIC.to_vec();
    payload.extend_from_slice(&[0xff; 60]);
    payload
}

fn this_target() -> Target {
    runtime_target().expect("the test targets can run AOT code")
}

fn refusal(bytes: Vec<u8>) -> String {
    match Module::from_bytes(runtime(), bytes) {
        Err(error) => {
            assert_eq!(error.kind, LoadErrorKind::AotRefused, "{error}");
            error.message
        }
        Ok(_) => panic!("the file was accepted"),
    }
}

#[test]
fn the_runtime_requires_its_target_and_the_linked_wamr_version() {
    let required = runtime_requirements().expect("requirements on this target");
    assert_eq!(required.target, this_target());
    // Read from the linked WAMR (`wasm_runtime_get_version`), not from our own constants: a
    // WAMR upgrade changes it and so refuses files compiled for the old one.
    assert_eq!(required.wamr_version.to_string(), "2.4.3");
    assert_eq!(wamr_version(), required.wamr_version);
}

#[test]
fn an_unstamped_wamr_file_is_refused() {
    assert!(refusal(fake_payload()).contains("stamp"));
}

#[test]
fn a_file_for_another_architecture_is_refused() {
    let other = Target::ALL
        .into_iter()
        .find(|&target| target != this_target())
        .expect("another target");
    let message = refusal(stamped(CompileOptions::portable(other), &fake_payload()));
    assert!(message.contains(other.name()), "{message}");
}

#[test]
fn hardware_bounds_checks_are_refused() {
    let options = CompileOptions {
        bounds_checks: BoundsChecks::Hardware,
        ..CompileOptions::portable(this_target())
    };
    let message = refusal(stamped(options, &fake_payload()));
    assert!(message.contains("bounds"), "{message}");
}

#[test]
fn code_without_stop_checks_is_refused() {
    let options = CompileOptions {
        stop_checks: false,
        ..CompileOptions::portable(this_target())
    };
    refusal(stamped(options, &fake_payload()));
}

#[test]
fn a_truncated_stamp_is_refused() {
    let file = stamped(CompileOptions::portable(this_target()), &fake_payload());
    refusal(file[..20].to_vec());
}

#[test]
fn a_matching_stamp_hands_the_payload_to_wamr() {
    // The stamp passes, so the error (if any) is WAMR's own about the garbage payload.
    let file = stamped(CompileOptions::portable(this_target()), &fake_payload());
    match Module::from_bytes(runtime(), file) {
        Err(error) => assert_ne!(error.kind, LoadErrorKind::AotRefused, "{error}"),
        Ok(_) => panic!("a garbage payload loaded"),
    }
}

#[test]
fn execute_in_place_code_is_refused_from_the_heap() {
    let options = CompileOptions {
        xip: true,
        ..CompileOptions::portable(this_target())
    };
    let message = refusal(stamped(options, &fake_payload()));
    assert!(message.contains("execute-in-place"), "{message}");
}

#[test]
fn a_file_at_a_misaligned_address_is_refused() {
    let file = stamped(CompileOptions::portable(this_target()), &fake_payload());
    let mut shifted = vec![0u8; file.len() + 1];
    shifted[1..].copy_from_slice(&file);
    let shifted: &'static [u8] = Box::leak(shifted.into_boxed_slice());
    // The allocation is at least 4-aligned, so one byte in is not.
    assert!((shifted.as_ptr() as usize).is_multiple_of(4));
    match Module::from_static(runtime(), &shifted[1..]) {
        Err(error) => {
            assert_eq!(error.kind, LoadErrorKind::AotRefused, "{error}");
            assert!(error.message.contains("aligned"), "{error}");
        }
        Ok(_) => panic!("a misaligned file was accepted"),
    }
}

#[test]
fn execute_in_place_code_needs_the_executable_loader() {
    let options = CompileOptions {
        xip: true,
        ..CompileOptions::portable(this_target())
    };
    let file: &'static [u8] = Box::leak(stamped(options, &fake_payload()).into_boxed_slice());
    match Module::from_static(runtime(), file) {
        Err(error) => {
            assert_eq!(error.kind, LoadErrorKind::AotRefused, "{error}");
            assert!(error.message.contains("from_executable_static"), "{error}");
        }
        Ok(_) => panic!("XIP code was accepted by from_static"),
    }
}
