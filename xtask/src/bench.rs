//! `cargo xtask bench`: run vm-core's criterion benchmarks and record them in
//! `docs/performance.md`.
//!
//! The benchmarks are data ([`BENCHES`]): criterion id, what it measures, and how many
//! operations one criterion iteration performs, so the median is reported per operation.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result};
use crate::prereqs::{self, Requirements};
use crate::process::Cmd;

/// What `cargo xtask bench` needs before it starts.
pub const REQUIREMENTS: Requirements = Requirements {
    checks: &[prereqs::WAMR_BUILD],
    rust_targets: &[],
    rust_components: &[],
};

/// The criterion bench targets, as (package, bench target): vm-core's costs around guest
/// code, and the WASI layer's cost per call.
pub const TARGETS: &[(&str, &str)] = &[("vm-core", "core"), ("vm-abi-wasi", "wasi")];
/// Criterion arguments for `--quick`.
pub const QUICK_ARGS: &[&str] = &["--warm-up-time", "1", "--measurement-time", "2"];
/// The performance page, relative to the workspace root.
pub const DOC_PATH: &str = "docs/performance.md";
/// The marker opening the generated section.
pub const START_MARKER: &str = "<!-- bench:core:start -->";
/// The marker closing the generated section.
pub const END_MARKER: &str = "<!-- bench:core:end -->";

/// The unit a median is reported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Nanoseconds.
    Nanoseconds,
    /// Microseconds.
    Microseconds,
}

impl Unit {
    fn symbol(self) -> &'static str {
        match self {
            Self::Nanoseconds => "ns",
            Self::Microseconds => "µs",
        }
    }

    fn convert_ns(self, ns: f64) -> f64 {
        match self {
            Self::Nanoseconds => ns,
            Self::Microseconds => ns / 1e3,
        }
    }
}

/// One criterion benchmark and how to report it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bench {
    /// Criterion id, `group/function`; results are read from
    /// `target/criterion/<id>/new/estimates.json`.
    pub id: &'static str,
    /// What it measures, for the table.
    pub what: &'static str,
    /// Operations per criterion iteration: the median is divided by this.
    pub ops_per_iteration: f64,
    /// The reported unit.
    pub unit: Unit,
    /// The operation's name, for the unit (`ns/call`).
    pub per: &'static str,
}

/// The benchmarks of the bench [`TARGETS`].
pub const BENCHES: &[Bench] = &[
    Bench {
        id: "load_instantiate/small_module",
        what: "load, validate and instantiate a small module",
        ops_per_iteration: 1.0,
        unit: Unit::Microseconds,
        per: "iteration",
    },
    Bench {
        id: "host_call/empty_round_trip",
        what: "a guest call to an empty host function and back (timed over 10,000 calls)",
        ops_per_iteration: 10_000.0,
        unit: Unit::Nanoseconds,
        per: "call",
    },
    Bench {
        id: "guest_loop/iteration",
        what: "one iteration of a guest loop in the fast interpreter (timed over 1,000,000 \
               iterations)",
        ops_per_iteration: 1_000_000.0,
        unit: Unit::Nanoseconds,
        per: "iteration",
    },
    Bench {
        id: "wasi/fd_write_16b",
        what: "WASI `fd_write` of 16 bytes to stdout (a null stream), one iovec",
        ops_per_iteration: 10_000.0,
        unit: Unit::Nanoseconds,
        per: "call",
    },
    Bench {
        id: "wasi/fd_read_4k",
        what: "WASI `fd_seek` to 0 + `fd_read` of 4 KiB from an in-memory file",
        ops_per_iteration: 10_000.0,
        unit: Unit::Nanoseconds,
        per: "call",
    },
    Bench {
        id: "wasi/clock_time_get",
        what: "WASI `clock_time_get` (monotonic)",
        ops_per_iteration: 10_000.0,
        unit: Unit::Nanoseconds,
        per: "call",
    },
    Bench {
        id: "wasi/path_filestat_get",
        what: "WASI `path_filestat_get` of a file in the preopen (in-memory file system)",
        ops_per_iteration: 10_000.0,
        unit: Unit::Nanoseconds,
        per: "call",
    },
    Bench {
        id: "wasi/path_open_fd_close",
        what: "WASI `path_open` of a file + `fd_close` (in-memory file system)",
        ops_per_iteration: 10_000.0,
        unit: Unit::Nanoseconds,
        per: "pair",
    },
    Bench {
        id: "wasi/path_filestat_get_host",
        what: "WASI `path_filestat_get` of a file in the preopen (host directory: the system call included)",
        ops_per_iteration: 10_000.0,
        unit: Unit::Nanoseconds,
        per: "call",
    },
    Bench {
        id: "wasi/path_open_fd_close_host",
        what: "WASI `path_open` of a file + `fd_close` (host directory: the system calls included)",
        ops_per_iteration: 10_000.0,
        unit: Unit::Nanoseconds,
        per: "pair",
    },
];

impl Bench {
    /// The median per operation, formatted: `3.42 ns/iteration`.
    pub fn format_median(&self, median_ns: f64) -> String {
        let value = self.unit.convert_ns(median_ns / self.ops_per_iteration);
        format!(
            "{} {}/{}",
            format_number(value),
            self.unit.symbol(),
            self.per
        )
    }
}

/// Three significant digits or so, never exponent notation.
pub fn format_number(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

/// The machine the numbers come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    /// CPU model name.
    pub cpu: String,
    /// Logical cores available.
    pub cores: usize,
    /// Operating system name.
    pub os: String,
    /// `rustc --version`.
    pub rustc: String,
}

impl Machine {
    /// The machine as a Markdown list (CPU, OS, Rust), one line each, newline-terminated.
    pub fn render(&self) -> String {
        format!(
            "- CPU: {} ({} core{})\n- OS: {}\n- Rust: {}\n",
            self.cpu,
            self.cores,
            if self.cores == 1 { "" } else { "s" },
            self.os,
            self.rustc
        )
    }
}

/// Runs the benchmarks and updates the performance page.
pub fn run(root: &Path, quick: bool) -> Result<()> {
    prereqs::ensure(&REQUIREMENTS, root)?;
    let started = SystemTime::now();
    for (package, target) in TARGETS {
        let mut cmd = Cmd::cargo()
            .args(["bench", "-p", package, "--bench", target])
            .current_dir(root);
        if quick {
            cmd = cmd.arg("--").args(QUICK_ARGS);
        }
        cmd.run()?;
    }

    let criterion = criterion_dir(root);
    let mut results = Vec::new();
    for bench in BENCHES {
        let path = estimates_path(&criterion, bench.id);
        let text = fs::read_to_string(&path).map_err(|e| {
            Error::io(
                format!("reading the results of `{}` ({})", bench.id, path.display()),
                e,
            )
        })?;
        let fresh = fs::metadata(&path)
            .and_then(|m| m.modified())
            .map_or(true, |modified| modified >= started);
        if !fresh {
            return Err(Error::Bench(format!(
                "{} was not written by this run: does the bench target still define `{}`?",
                path.display(),
                bench.id
            )));
        }
        let median = parse_median_ns(&text)
            .map_err(|message| Error::Bench(format!("{}: {message}", path.display())))?;
        results.push((*bench, median));
    }

    let machine = machine(root);
    let date = format_utc(SystemTime::now());
    let section = render_section(&date, &machine, quick, &results);
    let doc_path = update_document(root, START_MARKER, END_MARKER, &section)?;
    println!("\n{section}");
    println!("updated {}", doc_path.display());
    Ok(())
}

/// Replaces the section between `start` and `end` of the performance page ([`DOC_PATH`]) with
/// `section` (see [`replace_section_between`]; `bench` uses [`START_MARKER`] and [`END_MARKER`]), creating the page if needed; returns its path.
/// Shared by `cargo xtask bench` and `cargo xtask bench --compare`.
pub fn update_document(root: &Path, start: &str, end: &str, section: &str) -> Result<PathBuf> {
    let doc_path = root.join(DOC_PATH);
    let existing = match fs::read_to_string(&doc_path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => new_document(),
        Err(e) => return Err(Error::io(format!("reading {}", doc_path.display()), e)),
    };
    let updated = replace_section_between(&existing, start, end, section)
        .map_err(|message| Error::Bench(format!("{}: {message}", doc_path.display())))?;
    if let Some(dir) = doc_path.parent() {
        fs::create_dir_all(dir).map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    }
    fs::write(&doc_path, updated)
        .map_err(|e| Error::io(format!("writing {}", doc_path.display()), e))?;
    Ok(doc_path)
}

/// Criterion's output directory: `$CRITERION_HOME`, else `<target>/criterion`.
fn criterion_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CRITERION_HOME").filter(|v| !v.is_empty()) {
        Some(home) => PathBuf::from(home),
        None => crate::target_dir(root).join("criterion"),
    }
}

/// `<criterion>/<group>/<function>/new/estimates.json`.
pub fn estimates_path(criterion: &Path, id: &str) -> PathBuf {
    let mut path = criterion.to_path_buf();
    path.extend(id.split('/'));
    path.join("new").join("estimates.json")
}

/// Reads `median.point_estimate` (nanoseconds) from criterion's `estimates.json`.
pub fn parse_median_ns(json: &str) -> Result<f64, String> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("not valid JSON: {e}"))?;
    value
        .get("median")
        .and_then(|median| median.get("point_estimate"))
        .and_then(serde_json::Value::as_f64)
        .filter(|ns| ns.is_finite() && *ns >= 0.0)
        .ok_or_else(|| String::from("no numeric `median.point_estimate`"))
}

/// The generated section, markers included, without a trailing newline.
pub fn render_section(
    date: &str,
    machine: &Machine,
    quick: bool,
    results: &[(Bench, f64)],
) -> String {
    let mut out = String::new();
    out.push_str(START_MARKER);
    out.push('\n');
    out.push_str(&format!(
        "Measured {date} with `cargo xtask bench{}`.\n",
        if quick { " --quick" } else { "" }
    ));
    if quick {
        out.push_str(
            "This was a quick run (1 s warm-up, 2 s measurement): the numbers are indicative \
             only.\n",
        );
    }
    out.push('\n');
    out.push_str(&machine.render());
    out.push('\n');
    out.push_str("| benchmark | what it measures | median |\n");
    out.push_str("| --- | --- | --- |\n");
    for (bench, median_ns) in results {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            bench.id,
            bench.what,
            bench.format_median(*median_ns)
        ));
    }
    out.push_str(END_MARKER);
    out
}

/// A new performance page, before its first generated section.
pub fn new_document() -> String {
    String::from(
        "# Performance\n\n\
         Numbers measured with the criterion benchmarks of `vm-core` \
         (`crates/vm-core/benches/core.rs`). Regenerate them with `cargo xtask bench` (or \
         `cargo xtask bench --quick` for a short, indicative run): it runs the benchmarks and \
         rewrites everything between the `bench:core:start` and `bench:core:end` comment \
         markers below (invisible when rendered), leaving the rest of this page alone. Medians \
         are given per operation: per instantiation, per call, per loop iteration.\n",
    )
}

/// Replaces the text from `start_marker` to `end_marker` (both included) with `section`, or
/// appends `section` when the markers are absent.
pub fn replace_section_between(
    document: &str,
    start_marker: &str,
    end_marker: &str,
    section: &str,
) -> Result<String, String> {
    match (document.find(start_marker), document.find(end_marker)) {
        (Some(start), Some(end)) if start < end => {
            let after = end + end_marker.len();
            Ok(format!(
                "{}{section}{}",
                &document[..start],
                &document[after..]
            ))
        }
        (None, None) => {
            let mut out = document.trim_end().to_owned();
            if !out.is_empty() {
                out.push_str("\n\n");
            }
            out.push_str(section);
            out.push('\n');
            Ok(out)
        }
        _ => Err(format!(
            "the markers `{start_marker}` and `{end_marker}` must both be present, in that \
             order, or both absent"
        )),
    }
}

/// Collects the [`Machine`] description; unknown parts say so.
pub fn machine(root: &Path) -> Machine {
    let unknown = || String::from("unknown");
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| cpu_model(&text))
        .unwrap_or_else(unknown);
    let os = fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|text| os_pretty_name(&text))
        .unwrap_or_else(|| std::env::consts::OS.to_owned());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let rustc = Cmd::new("rustc")
        .arg("--version")
        .current_dir(root)
        .stdout()
        .map(|v| v.trim().to_owned())
        .unwrap_or_else(|_| unknown());
    Machine {
        cpu,
        cores,
        os,
        rustc,
    }
}

/// The first `model name` of `/proc/cpuinfo`.
pub fn cpu_model(cpuinfo: &str) -> Option<String> {
    cpuinfo.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim() == "model name").then(|| value.trim().to_owned())
    })
}

/// `PRETTY_NAME` of `/etc/os-release`, unquoted.
pub fn os_pretty_name(os_release: &str) -> Option<String> {
    os_release.lines().find_map(|line| {
        let value = line.strip_prefix("PRETTY_NAME=")?;
        Some(value.trim().trim_matches('"').trim_matches('\'').to_owned())
    })
}

/// `2026-04-01 12:34 UTC`.
pub fn format_utc(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rem / 3600,
        (rem % 3600) / 60
    )
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // day is in 1..=31 and month in 1..=12 by construction.
    (year, month as u32, day as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const ESTIMATES: &str = r#"{"mean":{"confidence_interval":{"confidence_level":0.95,"lower_bound":3400.1,"upper_bound":3600.2},"point_estimate":3500.5,"standard_error":12.3},"median":{"confidence_interval":{"confidence_level":0.95,"lower_bound":3410.0,"upper_bound":3520.0},"point_estimate":3456789.0,"standard_error":10.0},"median_abs_dev":null,"slope":null,"std_dev":null}"#;

    #[test]
    fn parses_the_median() {
        assert_eq!(parse_median_ns(ESTIMATES), Ok(3_456_789.0));
        assert!(parse_median_ns("{}").is_err());
        assert!(parse_median_ns(r#"{"median":{"point_estimate":"x"}}"#).is_err());
        assert!(parse_median_ns("not json").is_err());
    }

    #[test]
    fn medians_are_per_operation() {
        let [load, call, iteration] = [BENCHES[0], BENCHES[1], BENCHES[2]];
        assert_eq!(load.format_median(123_456.0), "123 µs/iteration");
        assert_eq!(call.format_median(456_000.0), "45.6 ns/call");
        assert_eq!(iteration.format_median(3_456_789.0), "3.46 ns/iteration");
    }

    #[test]
    fn estimates_path_splits_the_id() {
        assert_eq!(
            estimates_path(Path::new("/t/criterion"), "host_call/empty_round_trip"),
            Path::new("/t/criterion/host_call/empty_round_trip/new/estimates.json")
        );
    }

    fn replace_section(document: &str, section: &str) -> Result<String, String> {
        replace_section_between(document, START_MARKER, END_MARKER, section)
    }

    fn section(body: &str) -> String {
        format!("{START_MARKER}\n{body}\n{END_MARKER}")
    }

    #[test]
    fn replaces_between_markers_and_keeps_the_rest() {
        let doc = format!(
            "# Perf\n\nintro\n\n{}\n\n## Notes\nkeep me\n",
            section("old")
        );
        let out = replace_section(&doc, &section("new")).expect("markers are valid");
        assert_eq!(
            out,
            format!(
                "# Perf\n\nintro\n\n{}\n\n## Notes\nkeep me\n",
                section("new")
            )
        );
        // Replacing again is stable.
        assert_eq!(replace_section(&out, &section("new")), Ok(out.clone()));
    }

    #[test]
    fn appends_when_markers_are_absent() {
        let out = replace_section("# Perf\n\nintro\n", &section("new")).expect("no markers");
        assert_eq!(out, format!("# Perf\n\nintro\n\n{}\n", section("new")));
        let fresh = replace_section(&new_document(), &section("x")).expect("no markers");
        assert!(fresh.starts_with("# Performance\n"));
        assert!(!new_document().contains(START_MARKER) && !new_document().contains(END_MARKER));
        assert!(fresh.ends_with(&format!("{}\n", section("x"))));
    }

    #[test]
    fn rejects_broken_markers() {
        assert!(replace_section(&format!("a {START_MARKER} b"), "s").is_err());
        assert!(replace_section(&format!("{END_MARKER} {START_MARKER}"), "s").is_err());
    }

    #[test]
    fn renders_the_section() {
        let machine = Machine {
            cpu: String::from("Test CPU"),
            cores: 2,
            os: String::from("Debian GNU/Linux 12 (bookworm)"),
            rustc: String::from("rustc 1.95.0"),
        };
        let results = [(BENCHES[2], 3_000_000.0)];
        let text = render_section("2026-01-02 03:04 UTC", &machine, true, &results);
        assert!(text.starts_with(START_MARKER));
        assert!(text.ends_with(END_MARKER));
        assert!(text.contains("Measured 2026-01-02 03:04 UTC with `cargo xtask bench --quick`."));
        assert!(text.contains("- CPU: Test CPU (2 cores)\n"));
        assert!(text.contains("| `guest_loop/iteration` | "));
        assert!(text.contains(" | 3.00 ns/iteration |\n"));
    }

    #[test]
    fn machine_parsing() {
        let cpuinfo = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\n";
        assert_eq!(
            cpu_model(cpuinfo).as_deref(),
            Some("Intel(R) Xeon(R) CPU @ 2.20GHz")
        );
        assert_eq!(cpu_model("processor: 0\n"), None);
        let os = "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n";
        assert_eq!(
            os_pretty_name(os).as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
    }

    #[test]
    fn utc_dates() {
        assert_eq!(format_utc(UNIX_EPOCH), "1970-01-01 00:00 UTC");
        // 2000-02-29 12:34:56 UTC
        let leap = UNIX_EPOCH + Duration::from_secs(951_827_696);
        assert_eq!(format_utc(leap), "2000-02-29 12:34 UTC");
        // 2026-12-31 23:59 UTC
        let late = UNIX_EPOCH + Duration::from_secs(1_798_761_599);
        assert_eq!(format_utc(late), "2026-12-31 23:59 UTC");
    }
}
