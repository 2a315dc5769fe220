//! Reads the relocation section of WAMR's `.aot` file, to check an execute-in-place build
//! really needs no relocation in its code.
//!
//! The layout is WAMR 2.4.3's (`aot_emit_aot_file.c`, read by `aot_loader.c`): after the
//! 8-byte header (`\0aot`, version), sections of `u32 type, u32 size, body`. The relocation
//! section's body is a symbol table (`u32 count`, `count` string offsets, `u32` string-table
//! length, strings as `u16 length` + bytes including the NUL, 2-aligned), then `u32` group
//! count and the groups, each `u32` name index into the symbol table, `u32` relocation count
//! and the relocations. Like WAMR's reader, every `u16` is read 2-aligned and every `u32`
//! 4-aligned, counted from the start of the file: sections are padded to 4 bytes.

/// WAMR's section type of the relocation section.
const RELOCATION_SECTION: u32 = 5;
/// The relocation groups that patch code, which the loader refuses for execute-in-place files
/// on embedded platforms (and applies by writing into the code on Linux).
const TEXT_GROUPS: [&str; 5] = [
    ".rel.text",
    ".rela.text",
    ".rel.ltext",
    ".rela.ltext",
    ".rela.literal",
];

/// WAMR's file is not laid out as expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("WAMR's AOT file is malformed at byte {offset}: {what}")]
pub struct MalformedPayload {
    /// Where reading stopped.
    pub offset: usize,
    /// What was being read.
    pub what: &'static str,
}

/// A bounds-checked little-endian reader over the file.
struct Reader<'a> {
    bytes: &'a [u8],
    offset: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize, what: &'static str) -> Result<&'a [u8], MalformedPayload> {
        let malformed = MalformedPayload {
            offset: self.offset,
            what,
        };
        let end = self.offset.checked_add(len).ok_or(malformed.clone())?;
        let slice = self.bytes.get(self.offset..end).ok_or(malformed)?;
        self.offset = end;
        Ok(slice)
    }

    /// Like WAMR's `read_uint16`: 2-aligned first.
    fn u16(&mut self, what: &'static str) -> Result<u16, MalformedPayload> {
        self.align(2);
        let bytes = self.take(2, what)?;
        Ok(u16::from_le_bytes([bytes[0], bytes[1]]))
    }

    /// Like WAMR's `read_uint32`: 4-aligned first (the loader aligns the address; the file
    /// starts at an aligned address, so offsets from its start align the same way).
    fn u32(&mut self, what: &'static str) -> Result<u32, MalformedPayload> {
        self.align(4);
        let bytes = self.take(4, what)?;
        Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    fn count(&mut self, what: &'static str) -> Result<usize, MalformedPayload> {
        let offset = self.offset;
        usize::try_from(self.u32(what)?).map_err(|_| MalformedPayload { offset, what })
    }

    fn align(&mut self, to: usize) {
        self.offset = self.offset.div_ceil(to) * to;
    }
}

/// The names of the relocation groups of WAMR's `.aot` file that patch code (empty when the
/// code can run from a read-only buffer). `pointer_bits` is the target's (32 or 64): it sets
/// the size of each relocation.
pub fn text_relocation_groups(
    aot: &[u8],
    pointer_bits: u32,
) -> Result<Vec<String>, MalformedPayload> {
    let mut reader = Reader {
        bytes: aot,
        offset: 0,
    };
    reader.take(8, "the file header")?;
    while reader.offset < aot.len() {
        let section_type = reader.u32("a section type")?;
        let size = reader.count("a section size")?;
        let start = reader.offset;
        let body = reader.take(size, "a section body")?;
        if section_type == RELOCATION_SECTION {
            return relocation_groups(aot, start, body.len(), pointer_bits).map(|names| {
                names
                    .into_iter()
                    .filter(|name| TEXT_GROUPS.contains(&name.as_str()))
                    .collect()
            });
        }
    }
    Ok(Vec::new())
}

/// The names of all relocation groups of the relocation section at `start..start + len`.
fn relocation_groups(
    aot: &[u8],
    start: usize,
    len: usize,
    pointer_bits: u32,
) -> Result<Vec<String>, MalformedPayload> {
    let section = aot.get(..start + len).ok_or(MalformedPayload {
        offset: start,
        what: "the relocation section",
    })?;
    let mut reader = Reader {
        bytes: section,
        offset: start,
    };
    let symbol_count = reader.count("the symbol count")?;
    let mut symbol_offsets = Vec::new();
    for _ in 0..symbol_count {
        symbol_offsets.push(reader.count("a symbol offset")?);
    }
    let strings_len = reader.count("the string-table length")?;
    let strings_start = reader.offset;
    let strings = reader.take(strings_len, "the string table")?;
    let symbol = |index: usize| -> Result<String, MalformedPayload> {
        let malformed = MalformedPayload {
            offset: strings_start,
            what: "a symbol name",
        };
        let at = *symbol_offsets.get(index).ok_or(malformed.clone())?;
        let mut names = Reader {
            bytes: strings,
            offset: at,
        };
        let name_len = usize::from(names.u16("a symbol name length")?);
        let name = names.take(name_len, "a symbol name")?;
        Ok(String::from_utf8_lossy(name.strip_suffix(&[0]).unwrap_or(name)).into_owned())
    };

    reader.align(4);
    let group_count = reader.count("the relocation group count")?;
    let relocation_size = if pointer_bits == 32 { 16 } else { 24 };
    let mut names = Vec::new();
    for _ in 0..group_count {
        reader.align(4);
        let name_index = reader.count("a group name index")?;
        names.push(symbol(name_index)?);
        reader.align(4);
        let relocation_count = reader.count("a relocation count")?;
        for _ in 0..relocation_count {
            reader.align(4);
            reader.take(relocation_size, "a relocation")?;
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file with a target-info section and a relocation section of two groups (`.rela.text`
    /// with one 64-bit relocation, `.rela.data` with none), as WAMR lays them out.
    fn file_with_groups(groups: &[(&str, u32)], pointer_bits: u32) -> Vec<u8> {
        let mut body = Vec::new();
        let names: Vec<&str> = groups.iter().map(|(name, _)| *name).collect();
        body.extend_from_slice(&(names.len() as u32).to_le_bytes());
        let mut strings = Vec::new();
        for name in &names {
            body.extend_from_slice(&(strings.len() as u32).to_le_bytes());
            strings.extend_from_slice(&((name.len() + 1) as u16).to_le_bytes());
            strings.extend_from_slice(name.as_bytes());
            strings.push(0);
            if !strings.len().is_multiple_of(2) {
                strings.push(0);
            }
        }
        body.extend_from_slice(&(strings.len() as u32).to_le_bytes());
        body.extend_from_slice(&strings);

        let mut file = b"\0aot\x05\0\0\0".to_vec();
        file.extend_from_slice(&0u32.to_le_bytes()); // target info
        file.extend_from_slice(&4u32.to_le_bytes());
        file.extend_from_slice(&[1, 2, 3, 4]);
        file.extend_from_slice(&RELOCATION_SECTION.to_le_bytes());
        let size_at = file.len();
        file.extend_from_slice(&0u32.to_le_bytes());
        let start = file.len();
        file.extend_from_slice(&body);
        let pad = |file: &mut Vec<u8>| {
            while !file.len().is_multiple_of(4) {
                file.push(0);
            }
        };
        pad(&mut file);
        file.extend_from_slice(&(groups.len() as u32).to_le_bytes());
        for (index, (_, relocations)) in groups.iter().enumerate() {
            pad(&mut file);
            file.extend_from_slice(&(index as u32).to_le_bytes());
            file.extend_from_slice(&relocations.to_le_bytes());
            for _ in 0..*relocations {
                file.extend(std::iter::repeat_n(
                    0xab,
                    if pointer_bits == 32 { 16 } else { 24 },
                ));
            }
        }
        let size = (file.len() - start) as u32;
        file[size_at..size_at + 4].copy_from_slice(&size.to_le_bytes());
        file
    }

    #[test]
    fn finds_text_relocation_groups() {
        let file = file_with_groups(&[(".rela.text", 2), (".rela.data", 1)], 64);
        assert_eq!(
            text_relocation_groups(&file, 64),
            Ok(vec![String::from(".rela.text")])
        );
        let file = file_with_groups(&[(".rodata", 0), (".rel.text", 1)], 32);
        assert_eq!(
            text_relocation_groups(&file, 32),
            Ok(vec![String::from(".rel.text")])
        );
    }

    #[test]
    fn no_groups_or_no_section_means_no_text_relocation() {
        let file = file_with_groups(&[], 32);
        assert_eq!(text_relocation_groups(&file, 32), Ok(Vec::new()));
        let file = file_with_groups(&[(".rela.data", 3)], 64);
        assert_eq!(text_relocation_groups(&file, 64), Ok(Vec::new()));
        assert_eq!(
            text_relocation_groups(b"\0aot\x05\0\0\0", 64),
            Ok(Vec::new())
        );
    }

    #[test]
    fn truncated_files_are_malformed_not_panics() {
        let file = file_with_groups(&[(".rela.text", 2), (".rela.data", 1)], 64);
        for len in 0..file.len() {
            // Every prefix either fails cleanly or (cut between sections) reads fewer groups.
            let _ = text_relocation_groups(&file[..len], 64);
        }
        assert!(text_relocation_groups(&file[..file.len() - 3], 64).is_err());
    }
}
