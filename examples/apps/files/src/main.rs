//! Lists the preopened directory, copies a file in it and reads the copy back.
//!
//! Usage: `files [DIR]` (default `/`, the guest name of `xila-vm run --dir HOST::/`). The
//! directory must hold `input.txt`; the app writes `copy.txt` next to it.

use std::fs;
use std::path::Path;
use std::process::ExitCode;

fn run(dir: &Path) -> std::io::Result<()> {
    let mut names: Vec<String> = fs::read_dir(dir)?
        .map(|entry| entry.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    names.sort();
    println!("{} holds {} entries:", dir.display(), names.len());
    for name in &names {
        let metadata = fs::metadata(dir.join(name))?;
        let kind = if metadata.is_dir() { "dir " } else { "file" };
        println!("  {kind} {name} ({} bytes)", metadata.len());
    }
    let source = dir.join("input.txt");
    let copy = dir.join("copy.txt");
    let copied = fs::copy(&source, &copy)?;
    println!("copied input.txt to copy.txt ({copied} bytes)");
    let original = fs::read_to_string(&source)?;
    let read_back = fs::read_to_string(&copy)?;
    if original != read_back {
        return Err(std::io::Error::other("the copy differs from the original"));
    }
    println!("copy.txt reads back: {}", read_back.trim_end());
    Ok(())
}

fn main() -> ExitCode {
    let dir = std::env::args().nth(1).unwrap_or_else(|| String::from("/"));
    match run(Path::new(&dir)) {
        Ok(()) => {
            println!("files ok");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("files: {error}");
            ExitCode::FAILURE
        }
    }
}
