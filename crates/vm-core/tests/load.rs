//! Loading modules: every failure kind from hand-made malformed binaries, and read-only
//! (flash-style) buffers that must never be written.

mod common;

use common::{instance_of, runtime};
use vm_core::{LoadErrorKind, Module, Value};

/// A minimal valid module: magic + version.
const HEADER: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/// Embedded in `.rodata`: a write by the loader would fault, not pass silently.
static ANSWER: &[u8] = include_bytes!("fixtures/answer.wasm");

fn load_error(bytes: &[u8]) -> LoadErrorKind {
    match Module::from_bytes(runtime(), bytes.to_vec()) {
        Err(error) => {
            assert!(!error.message.is_empty(), "WAMR's message is kept");
            error.kind
        }
        Ok(_) => panic!("{bytes:02x?} loaded"),
    }
}

fn with_header(rest: &[u8]) -> Vec<u8> {
    let mut bytes = HEADER.to_vec();
    bytes.extend_from_slice(rest);
    bytes
}

#[test]
fn an_empty_module_loads() {
    assert!(Module::from_bytes(runtime(), HEADER.to_vec()).is_ok());
}

#[test]
fn bad_magic_is_reported() {
    assert_eq!(
        load_error(b"\x7fELF\x01\x00\x00\x00"),
        LoadErrorKind::BadMagic
    );
    assert_eq!(load_error(b"not wasm at all"), LoadErrorKind::BadMagic);
}

#[test]
fn bad_version_is_reported() {
    assert_eq!(
        load_error(&[0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00]),
        LoadErrorKind::BadVersion
    );
}

#[test]
fn truncated_modules_are_malformed() {
    assert_eq!(load_error(&HEADER[..5]), LoadErrorKind::Malformed);
    let full =
        wat::parse_str(r#"(module (func (export "f") (result i32) (i32.const 1)))"#).unwrap();
    for length in [9, full.len() / 2, full.len() - 1] {
        assert_eq!(
            load_error(&full[..length]),
            LoadErrorKind::Malformed,
            "cut at {length}"
        );
    }
}

#[test]
fn bad_sections_are_malformed() {
    // Section id 0x7f does not exist.
    assert_eq!(
        load_error(&with_header(&[0x7f, 0x01, 0x00])),
        LoadErrorKind::Malformed
    );
    // A type section claiming 10 bytes with 1 present.
    assert_eq!(
        load_error(&with_header(&[0x01, 0x0a, 0x00])),
        LoadErrorKind::Malformed
    );
}

#[test]
fn invalid_code_fails_validation() {
    // (func (result i32) (i64.const 1)): well formed, but returns the wrong type.
    let body = [
        0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type section: () -> i32
        0x03, 0x02, 0x01, 0x00, // function section
        0x0a, 0x06, 0x01, 0x04, 0x00, 0x42, 0x01, 0x0b, // code: i64.const 1, end
    ];
    assert_eq!(load_error(&with_header(&body)), LoadErrorKind::Invalid);
    // call of a function index that does not exist.
    let body = [
        0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type section: () -> ()
        0x03, 0x02, 0x01, 0x00, // function section
        0x0a, 0x06, 0x01, 0x04, 0x00, 0x10, 0x09, 0x0b, // code: call 9, end
    ];
    assert_eq!(load_error(&with_header(&body)), LoadErrorKind::Invalid);
}

#[test]
fn features_the_runtime_lacks_are_unsupported() {
    // Multiple memories are a finished proposal that WAMR's fast interpreter lacks.
    let multi_memory = wat::parse_str("(module (memory 1) (memory 1))").unwrap();
    assert_eq!(load_error(&multi_memory), LoadErrorKind::Unsupported);
}

#[test]
fn read_only_buffers_load_run_and_stay_untouched() {
    let before = ANSWER.to_vec();
    let module = Module::from_static(runtime(), ANSWER).unwrap();
    for _ in 0..2 {
        let mut instance = instance_of(&module);
        assert_eq!(instance.call("answer", &[]).unwrap(), vec![Value::I32(42)]);
        // Data segments were copied out of the buffer, not referenced in place.
        assert_eq!(
            instance.call("first_byte", &[]).unwrap(),
            vec![Value::I32(i32::from(b'f'))]
        );
    }
    drop(module);
    assert_eq!(ANSWER, before.as_slice());
}

#[test]
fn fixture_matches_its_source() {
    let source = include_str!("fixtures/answer.wat");
    assert_eq!(
        wat::parse_str(source).unwrap(),
        ANSWER,
        "regenerate tests/fixtures/answer.wasm"
    );
}
