//! LEB128 numbers in function bodies: every length the loader decodes in line (our build
//! patch "short LEB128 numbers in line", `vendor/cmake/wamr-patches.cmake`) gives the value
//! WAMR's general decoder gives, and every malformed one is refused with WAMR's own message.
//!
//! The patch is in the loader's first pass, which validates; the second pass reads the code
//! again to translate it. So what the first pass decodes shows in what it accepts: an index
//! is checked against the type of what it names, one past the end must be unknown. Constants
//! are run as well, to see the whole path.
//!
//! The modules are written byte by byte: `wat` encodes every number in its shortest form, and
//! the padded five-byte forms that `wasm-ld` writes for relocated indices and addresses are
//! the ones that matter here. The same tests pass on a WAMR built without the patches.

mod common;

use common::{instance_of, runtime};
use vm_core::{LoadErrorKind, Module, Value};

const I32: u8 = 0x7f;
const I64: u8 = 0x7e;
const LOCAL_GET: u8 = 0x20;
const I32_CONST: u8 = 0x41;
const I64_CONST: u8 = 0x42;
const CALL: u8 = 0x10;
const END: u8 = 0x0b;

/// `value` in signed LEB128, padded to `width` bytes (`width` at least the shortest form).
fn signed(value: i64, width: usize) -> Vec<u8> {
    (0..width)
        .map(|index| {
            let group = (value >> (7 * index).min(63)) as u8 & 0x7f;
            if index + 1 < width {
                group | 0x80
            } else {
                group
            }
        })
        .collect()
}

/// `value` in unsigned LEB128, padded to `width` bytes.
fn unsigned(value: u32, width: usize) -> Vec<u8> {
    signed(i64::from(value), width)
}

/// A section: its id, then its content's size and the content.
fn section(id: u8, content: &[u8]) -> Vec<u8> {
    let mut bytes = vec![id];
    bytes.extend(unsigned(content.len() as u32, 5));
    bytes.extend_from_slice(content);
    bytes
}

/// A module with two functions: function 0, `f`, exported, of type
/// `(param i32) (result <result>)`, whose body is `locals` (the encoded local declarations)
/// and `code` (which ends with `end` unless a test wants it cut short), and function 1,
/// `(param i32) (result i32)`, which returns its parameter (for `f` to call).
fn module_with_locals(result: u8, locals: &[u8], code: &[u8]) -> Vec<u8> {
    let mut bytes = b"\0asm\x01\0\0\0".to_vec();
    bytes.extend(section(
        1,
        &[2, 0x60, 1, I32, 1, result, 0x60, 1, I32, 1, I32],
    ));
    bytes.extend(section(3, &[2, 0, 1]));
    bytes.extend(section(7, &[1, 1, b'f', 0x00, 0]));
    let mut body = locals.to_vec();
    body.extend_from_slice(code);
    let mut bodies = vec![2];
    bodies.extend(unsigned(body.len() as u32, 5));
    bodies.extend(body);
    bodies.extend([4, 0, LOCAL_GET, 0, END]);
    bytes.extend(section(10, &bodies));
    bytes
}

/// [`module_with_locals`] without locals besides the parameter.
fn module_bytes(result: u8, code: &[u8]) -> Vec<u8> {
    module_with_locals(result, &[0], code)
}

fn run(result: u8, code: &[u8], argument: i32) -> Value {
    let module = Module::from_bytes(runtime(), module_bytes(result, code))
        .unwrap_or_else(|error| panic!("{code:02x?} does not load: {error}"));
    let mut instance = instance_of(&module);
    let results = instance.call("f", &[Value::I32(argument)]).expect("runs");
    assert_eq!(results.len(), 1);
    results[0]
}

fn load_failure(result: u8, code: &[u8]) -> (LoadErrorKind, String) {
    match Module::from_bytes(runtime(), module_bytes(result, code)) {
        Ok(_) => panic!("{code:02x?} loaded"),
        Err(error) => (error.kind, error.message),
    }
}

fn assert_refused(result: u8, code: &[u8], message: &str) {
    let (kind, text) = load_failure(result, code);
    assert_eq!(kind, LoadErrorKind::Malformed, "{code:02x?}: {text}");
    assert!(
        text.contains(message),
        "{code:02x?}: {text:?} lacks {message:?}"
    );
}

fn instruction(opcode: u8, immediate: Vec<u8>) -> Vec<u8> {
    let mut code = vec![opcode];
    code.extend(immediate);
    code.push(END);
    code
}

#[test]
fn i32_constants_of_every_length_keep_their_value() {
    let values = [
        0,
        1,
        -1,
        63,
        -64,
        64,
        -65,
        8191,
        -8192,
        8192,
        1 << 20,
        -(1 << 27),
        (1 << 27) - 1,
        1 << 27,
        i32::MAX,
        i32::MIN,
    ];
    for value in values {
        let shortest = shortest_width(i64::from(value));
        for width in shortest..=5 {
            let code = instruction(I32_CONST, signed(i64::from(value), width));
            assert_eq!(run(I32, &code, 0), Value::I32(value), "{code:02x?}");
        }
    }
}

#[test]
fn i64_constants_of_every_length_keep_their_value() {
    let values = [
        0,
        -1,
        -64,
        64,
        -65,
        1 << 20,
        (1 << 34) - 1,
        -(1 << 34),
        1 << 34,
        1 << 40,
        i64::from(i32::MIN) - 1,
        i64::MAX,
        i64::MIN,
    ];
    for value in values {
        for width in shortest_width(value)..=10 {
            let code = instruction(I64_CONST, signed(value, width));
            assert_eq!(run(I64, &code, 0), Value::I64(value), "{code:02x?}");
        }
    }
}

#[test]
fn padded_indices_name_the_same_local_and_function() {
    for width in 1..=5 {
        let code = instruction(LOCAL_GET, unsigned(0, width));
        assert_eq!(run(I32, &code, 7), Value::I32(7), "{code:02x?}");
        let mut code = vec![LOCAL_GET, 0, CALL];
        code.extend(unsigned(1, width));
        code.push(END);
        assert_eq!(run(I32, &code, -9), Value::I32(-9), "{code:02x?}");
    }
}

#[test]
fn multi_byte_indices_are_validated_with_their_value() {
    // Local 0 is the parameter, locals 1..last are i32, local `last` is the one i64.
    for last in [200u32, 1 << 14] {
        let mut locals = vec![2];
        locals.extend(unsigned(last - 1, 5));
        locals.extend([I32, 1, I64]);
        let shortest = shortest_width(i64::from(last) + 1);
        for width in shortest..=5 {
            let load = |index: u32| {
                let code = instruction(LOCAL_GET, unsigned(index, width));
                Module::from_bytes(runtime(), module_with_locals(I64, &locals, &code))
            };
            if let Err(error) = load(last) {
                panic!("local {last} in {width} bytes: {error}");
            }
            let error = load(last - 1).expect_err("the local before the last is an i32");
            assert_eq!(error.kind, LoadErrorKind::Invalid, "{error}");
            let error = load(last + 1).expect_err("there is no local after the last");
            assert_eq!(error.kind, LoadErrorKind::Invalid, "{error}");
            assert!(error.message.contains("unknown local"), "{error}");
        }
    }
}

#[test]
fn five_byte_numbers_with_bits_beyond_32_are_too_large() {
    // An index: bits 32..35 set.
    assert_refused(
        I32,
        &[LOCAL_GET, 0x80, 0x80, 0x80, 0x80, 0x10, END],
        "integer too large",
    );
    // A negative i32 constant whose last byte does not repeat the sign bit.
    assert_refused(
        I32,
        &[I32_CONST, 0xff, 0xff, 0xff, 0xff, 0x0f, END],
        "integer too large",
    );
    // A positive one whose last byte has bits set beyond the sign bit.
    assert_refused(
        I32,
        &[I32_CONST, 0x80, 0x80, 0x80, 0x80, 0x70, END],
        "integer too large",
    );
}

#[test]
fn numbers_longer_than_their_type_allows_are_too_long() {
    let six = [0x80, 0x80, 0x80, 0x80, 0x80, 0x00];
    assert_refused(
        I32,
        &instruction(LOCAL_GET, six.to_vec()),
        "integer representation too long",
    );
    assert_refused(
        I32,
        &instruction(I32_CONST, six.to_vec()),
        "integer representation too long",
    );
    let mut eleven = vec![0x80; 10];
    eleven.push(0x00);
    assert_refused(
        I64,
        &instruction(I64_CONST, eleven),
        "integer representation too long",
    );
}

#[test]
fn a_number_cut_by_the_end_of_its_section_is_refused() {
    // In a function body a number cannot run into the end: the body's last byte is `end`
    // (0x0b), which ends any number, and the loader checks it is there first. A section's
    // items are read with the same macros up to the section's end, which can fall anywhere:
    // here the type section's count, followed by a function section that a read past the end
    // would take for the rest of the number.
    for cut in 1..=4 {
        let mut bytes = b"\0asm\x01\0\0\0".to_vec();
        bytes.extend(section(1, &vec![0x80; cut]));
        bytes.extend(section(3, &[0]));
        let error = Module::from_bytes(runtime(), bytes).expect_err("the count is cut");
        assert_eq!(error.kind, LoadErrorKind::Malformed, "{cut} bytes: {error}");
        assert!(
            error.message.contains("unexpected end"),
            "{cut} bytes: {error}"
        );
    }
}

/// How many bytes the shortest signed LEB128 form of `value` takes.
fn shortest_width(value: i64) -> usize {
    (1..=10)
        .find(|&width| decode_signed(&signed(value, width)) == value)
        .expect("ten bytes hold any i64")
}

/// Signed LEB128 as the format defines it.
fn decode_signed(bytes: &[u8]) -> i64 {
    let mut value = 0i64;
    let mut shift = 0;
    for &byte in bytes {
        value |= i64::from(byte & 0x7f) << shift.min(63);
        shift += 7;
    }
    if shift < 64 && bytes.last().is_some_and(|byte| byte & 0x40 != 0) {
        value |= -1i64 << shift;
    }
    value
}
