//! Keeps WAMR from running guest code inside instantiation, where no limit applies.
//!
//! WAMR runs a module's start function, and exports named `__post_instantiate` or
//! `__wasm_call_ctors`, while it instantiates — on an execution environment of its own, with
//! no instruction budget and no way for a [`StopHandle`](crate::StopHandle) to reach it. A
//! hostile module could loop there forever. So before loading, a module that has any of them
//! is rewritten:
//!
//! - the start section becomes an export named `\u{1}xila:start`, which `Instance::new` calls
//!   right after instantiating, under the instance's instruction budget and stop handle (the
//!   observable order is the same: data and element segments are initialised first, nothing
//!   else runs before it);
//! - the two hook exports are renamed (`\u{1}xila:` + name), so WAMR does not call them; they
//!   stay callable under their own names through [`Instance`](crate::Instance). wasmtime
//!   does not call them implicitly either.
//!
//! Modules without these (what Rust, C and AssemblyScript toolchains produce for WASI
//! commands) are loaded untouched. AOT compilation applies the same rewrite before compiling
//! ([`prepare_for_aot`]), since native code cannot be rewritten at load time. A module whose sections cannot be parsed is also left
//! untouched: WAMR then reports the precise load error.

use alloc::string::String;
use alloc::vec::Vec;

/// The export the start function is moved to. Starts with U+0001, which no toolchain emits, so
/// it cannot collide with a real export name by accident (and, unlike NUL, survives WAMR's C
/// string lookups).
pub(crate) const START_EXPORT: &str = "\u{1}xila:start";

/// Exports WAMR calls by itself during instantiation.
pub(crate) const AUTO_CALLED_EXPORTS: [&str; 2] = ["__post_instantiate", "__wasm_call_ctors"];

/// The name a hook export is hidden under.
pub(crate) fn hidden_name(name: &str) -> String {
    alloc::format!("\u{1}xila:{name}")
}

/// The name an export is known by to the embedder: hidden hooks under their own names, the
/// moved start function not at all.
#[cfg_attr(not(feature = "engine"), allow(dead_code))]
pub(crate) fn public_name(name: &str) -> Option<&str> {
    if name == START_EXPORT {
        return None;
    }
    Some(name.strip_prefix("\u{1}xila:").unwrap_or(name))
}

const EXPORT_SECTION: u8 = 7;
const START_SECTION: u8 = 8;
const FUNCTION_KIND: u8 = 0;

/// What [`defuse`] did to a module.
#[cfg_attr(not(feature = "engine"), allow(dead_code))]
pub(crate) enum Defused {
    /// Nothing to change (or a malformed binary, which WAMR will report).
    Unchanged,
    /// The rewritten module.
    Rewritten {
        /// Its bytes.
        bytes: Vec<u8>,
        /// The start function is now [`START_EXPORT`].
        has_start: bool,
        /// Auto-called hook exports were renamed with [`hidden_name`].
        hooks_hidden: bool,
    },
    /// An export name uses our reserved prefix: refused, since loading it unchanged would let
    /// its start function run outside the limits.
    ReservedName,
}

/// An export name of the module starts with the prefix reserved for the runtime's hidden
/// exports (`U+0001 xila:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an export name starts with the reserved prefix U+0001 \"xila:\"")]
pub struct ReservedExportName;

/// The rewrite the runtime applies before loading WebAssembly, for a compiler that turns the
/// module into native code (`xila-aotc`): the runtime cannot rewrite an AOT module, so the
/// compiler must, or WAMR would run the start function during instantiation where no stop
/// handle reaches it. `Ok(None)`: nothing to change. The runtime recognises the rewritten
/// module by its export names.
pub fn prepare_for_aot(wasm: &[u8]) -> Result<Option<Vec<u8>>, ReservedExportName> {
    match defuse(wasm) {
        Defused::Unchanged => Ok(None),
        Defused::Rewritten { bytes, .. } => Ok(Some(bytes)),
        Defused::ReservedName => Err(ReservedExportName),
    }
}

/// Turns instantiation-time code of a module into plain exports.
pub(crate) fn defuse(bytes: &[u8]) -> Defused {
    match rewrite(bytes) {
        Some(Some((bytes, has_start, hooks_hidden))) => Defused::Rewritten {
            bytes,
            has_start,
            hooks_hidden,
        },
        Some(None) => Defused::ReservedName,
        None => Defused::Unchanged,
    }
}

/// `None`: unchanged; `Some(None)`: reserved name; `Some(Some(..))`: rewritten.
#[allow(clippy::option_option)]
fn rewrite(bytes: &[u8]) -> Option<Option<(Vec<u8>, bool, bool)>> {
    let sections = sections(bytes)?;
    let start = match sections.iter().find(|section| section.id == START_SECTION) {
        Some(section) => Some(read_leb_u32(section.content)?.0),
        None => None,
    };
    let exports = match sections.iter().find(|section| section.id == EXPORT_SECTION) {
        Some(section) => exports(section.content)?,
        None => Vec::new(),
    };
    let hooks = exports
        .iter()
        .any(|export| AUTO_CALLED_EXPORTS.contains(&export.name));
    if exports
        .iter()
        .any(|export| export.name.starts_with("\u{1}xila:"))
    {
        return Some(None);
    }
    if start.is_none() && !hooks {
        return None;
    }

    let mut new_exports = Vec::new();
    let count = exports.len() + usize::from(start.is_some());
    write_leb_u32(&mut new_exports, u32::try_from(count).ok()?);
    for export in &exports {
        let name = if AUTO_CALLED_EXPORTS.contains(&export.name) {
            hidden_name(export.name)
        } else {
            String::from(export.name)
        };
        write_name(&mut new_exports, &name)?;
        new_exports.push(export.kind);
        write_leb_u32(&mut new_exports, export.index);
    }
    if let Some(index) = start {
        write_name(&mut new_exports, START_EXPORT)?;
        new_exports.push(FUNCTION_KIND);
        write_leb_u32(&mut new_exports, index);
    }

    let has_export_section = sections.iter().any(|section| section.id == EXPORT_SECTION);
    let mut output = Vec::with_capacity(bytes.len() + 32);
    output.extend_from_slice(bytes.get(..8)?);
    for section in &sections {
        match section.id {
            EXPORT_SECTION => write_section(&mut output, EXPORT_SECTION, &new_exports)?,
            // The export section precedes the start section; without one, the new export
            // section takes the start section's place, which keeps the section order valid.
            START_SECTION if !has_export_section => {
                write_section(&mut output, EXPORT_SECTION, &new_exports)?;
            }
            START_SECTION => {}
            _ => output.extend_from_slice(section.raw),
        }
    }
    Some(Some((output, start.is_some(), hooks)))
}

struct Section<'a> {
    id: u8,
    content: &'a [u8],
    /// The whole section: id, size and content.
    raw: &'a [u8],
}

struct Export<'a> {
    name: &'a str,
    kind: u8,
    index: u32,
}

fn sections(bytes: &[u8]) -> Option<Vec<Section<'_>>> {
    if bytes.get(..4)? != b"\0asm" {
        return None;
    }
    let mut sections = Vec::new();
    let mut offset = 8usize;
    while offset < bytes.len() {
        let id = *bytes.get(offset)?;
        let (size, size_length) = read_leb_u32(bytes.get(offset + 1..)?)?;
        let content_start = offset.checked_add(1 + size_length)?;
        let end = content_start.checked_add(usize::try_from(size).ok()?)?;
        sections.push(Section {
            id,
            content: bytes.get(content_start..end)?,
            raw: bytes.get(offset..end)?,
        });
        offset = end;
    }
    Some(sections)
}

fn exports(content: &[u8]) -> Option<Vec<Export<'_>>> {
    let (count, mut offset) = read_leb_u32(content)?;
    let mut exports = Vec::new();
    for _ in 0..count {
        let (length, length_size) = read_leb_u32(content.get(offset..)?)?;
        let name_start = offset.checked_add(length_size)?;
        let name_end = name_start.checked_add(usize::try_from(length).ok()?)?;
        let name = core::str::from_utf8(content.get(name_start..name_end)?).ok()?;
        let kind = *content.get(name_end)?;
        let (index, index_size) = read_leb_u32(content.get(name_end + 1..)?)?;
        offset = name_end.checked_add(1 + index_size)?;
        exports.push(Export { name, kind, index });
    }
    (offset == content.len()).then_some(exports)
}

fn read_leb_u32(bytes: &[u8]) -> Option<(u32, usize)> {
    let mut value: u32 = 0;
    for (position, &byte) in bytes.iter().enumerate().take(5) {
        let bits = u32::from(byte & 0x7f);
        let shift = 7 * position as u32;
        if position == 4 && bits > 0x0f {
            return None;
        }
        value |= bits << shift;
        if byte & 0x80 == 0 {
            return Some((value, position + 1));
        }
    }
    None
}

fn write_leb_u32(output: &mut Vec<u8>, mut value: u32) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            output.push(byte);
            return;
        }
        output.push(byte | 0x80);
    }
}

fn write_name(output: &mut Vec<u8>, name: &str) -> Option<()> {
    write_leb_u32(output, u32::try_from(name.len()).ok()?);
    output.extend_from_slice(name.as_bytes());
    Some(())
}

fn write_section(output: &mut Vec<u8>, id: u8, content: &[u8]) -> Option<()> {
    output.push(id);
    write_leb_u32(output, u32::try_from(content.len()).ok()?);
    output.extend_from_slice(content);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leb128_round_trips_and_rejects_overlong_values() {
        for value in [0, 1, 127, 128, 300, 65_535, u32::MAX] {
            let mut bytes = Vec::new();
            write_leb_u32(&mut bytes, value);
            assert_eq!(read_leb_u32(&bytes), Some((value, bytes.len())));
        }
        assert_eq!(read_leb_u32(&[0x80, 0x80, 0x80, 0x80, 0x7f]), None);
        assert_eq!(read_leb_u32(&[0x80]), None);
    }

    #[test]
    fn modules_without_hooks_are_untouched() {
        let plain = wat::parse_str(r#"(module (func (export "_start")))"#).unwrap();
        assert!(matches!(defuse(&plain), Defused::Unchanged));
        assert!(matches!(defuse(b"not wasm"), Defused::Unchanged));
    }

    #[test]
    fn reserved_export_names_are_refused() {
        // In WAT, `\01` is U+0001.
        let sneaky =
            wat::parse_str(r#"(module (func $s) (start $s) (export "\01xila:start" (func $s)))"#)
                .unwrap();
        assert!(matches!(defuse(&sneaky), Defused::ReservedName));
    }

    #[test]
    fn public_names_hide_the_start_export() {
        assert_eq!(public_name(START_EXPORT), None);
        assert_eq!(
            public_name(&hidden_name("__wasm_call_ctors")),
            Some("__wasm_call_ctors")
        );
        assert_eq!(public_name("main"), Some("main"));
    }
}
