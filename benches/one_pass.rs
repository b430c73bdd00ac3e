//! One pass over every byte: `pack`, `check` and `unpack` of a model against one SHA-256 pass
//! (`openssl dgst -sha256`) over the same bytes, measured in the same run, and the cost of a
//! report (`check --out`) against `check` alone.
//!
//! ```text
//! cargo bench --bench one_pass                                  # 1 GiB and 4 GiB
//! AI_INTEROP_BENCH_SIZES_GIB=1 AI_INTEROP_BENCH_REPS=3 cargo bench --bench one_pass
//! AI_INTEROP_BENCH_REGISTRY=127.0.0.1:5000 cargo bench --bench one_pass   # + registry unpack
//! AI_INTEROP_BENCH_CASES=registry,report cargo bench --bench one_pass     # only these cases
//! ```
//!
//! `AI_INTEROP_BENCH_CASES` (default `single,multi,registry,report`) picks the cases, so one
//! goal can be measured again without the others' minutes.
//!
//! Cases, each a child process measured with wait4 (wall time, CPU, peak RSS of that process):
//! - single file of `S` GiB (`model.safetensors` + `config.json`): `openssl dgst -sha256` of
//!   the file, `pack`, `check` of the layout (its blobs read into the page cache first, as the
//!   weights are for openssl), `unpack` of the layout; ratios to openssl;
//! - multi-file (two shards of 512 MiB): `pack` and `unpack` on both cores against the same
//!   command pinned to one core (`taskset -c 0`);
//! - registry (when `AI_INTEROP_BENCH_REGISTRY` names a plain-http registry): `unpack` from the
//!   registry against `curl` downloading the same blobs piped into `openssl dgst -sha256`;
//! - `check --out DIR` against `check` of a small golden fixture, into a new directory and
//!   into the same one again, with `TMPDIR` pointing at an empty directory that must stay
//!   empty.
//!
//! Every rep runs every command of a case once, in turn; the ratio reported is the median of
//! the per-rep ratios. Goals: check ≤ 1.05×, pack ≤ 1.3×, unpack ≤ 1.3× (single file),
//! multi-file ≥ 1.6× faster than one core, registry ≤ 1.1× curl + hash, `check --out` ≤ 1.2×
//! `check`, and peak RSS ≤ 64 MiB everywhere. Data lives under `target/one-pass/` and is
//! removed at the end; a size is skipped when the disk has not room for it three times over.

mod support;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;
const BIN: &str = env!("CARGO_BIN_EXE_ai-interop");
const RSS_CAP_KIB: u64 = 64 * 1024;

/// What one child process cost.
#[derive(Clone, Copy)]
struct Run {
    secs: f64,
    cpu: f64,
    rss_kib: u64,
}

fn main() {
    let sizes: Vec<f64> = std::env::var("AI_INTEROP_BENCH_SIZES_GIB")
        .unwrap_or_else(|_| "1,4".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let reps: usize = std::env::var("AI_INTEROP_BENCH_REPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3)
        .max(1);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/one-pass");
    let _ = fs::remove_dir_all(&root);
    fs::create_dir_all(&root).expect("target/one-pass");
    println!("one_pass: {reps} rep(s); data under {}", root.display());
    let cases = std::env::var("AI_INTEROP_BENCH_CASES")
        .unwrap_or_else(|_| "single,multi,registry,report".into());
    let wanted = |case: &str| cases.split(',').any(|c| c.trim() == case);
    let mut over_cap = Vec::new();
    for &gib in sizes.iter().filter(|_| wanted("single")) {
        let bytes = (gib * GIB as f64) as u64;
        if free_bytes(&root) < bytes.saturating_mul(3) + GIB {
            println!("skipped: {gib} GiB single file: not enough free disk for 3× the model");
            continue;
        }
        single_file(
            &root.join(format!("single-{gib}")),
            bytes,
            reps,
            &mut over_cap,
        );
    }
    if wanted("multi") {
        multi_file(&root.join("multi"), reps, &mut over_cap);
    }
    match std::env::var("AI_INTEROP_BENCH_REGISTRY") {
        Ok(host) if !host.is_empty() && wanted("registry") => {
            registry(&root.join("registry"), &host, reps, &mut over_cap)
        }
        Ok(host) if !host.is_empty() => {}
        _ => println!("skipped: registry unpack (AI_INTEROP_BENCH_REGISTRY unset)"),
    }
    if wanted("report") {
        report_cost(&root.join("report"), &mut over_cap);
    }
    let _ = fs::remove_dir_all(&root);
    if over_cap.is_empty() {
        println!("peak RSS ≤ 64 MiB in every case");
    } else {
        println!("PEAK RSS OVER 64 MiB: {}", over_cap.join(", "));
    }
}

/// One S-byte weight file: openssl, pack, check, unpack, rep after rep.
fn single_file(dir: &Path, bytes: u64, reps: usize, over_cap: &mut Vec<String>) {
    let model = dir.join("model");
    fs::create_dir_all(&model).expect("model dir");
    let weights = model.join("model.safetensors");
    support::noise(&weights, bytes, 1);
    fs::write(
        model.join("config.json"),
        "{\"architectures\": [\"Bench\"]}\n",
    )
    .expect("config");
    let layout = dir.join("layout");
    let out = dir.join("out");
    let target = format!("oci:{}:v1", layout.display());
    warm(&weights);
    let label = format!("single file {} MiB", bytes / MIB);
    println!("\n{label} ({})", load());
    let mut rows: Vec<(&str, Vec<Run>)> = ["openssl", "pack", "check", "unpack"]
        .map(|n| (n, Vec::new()))
        .into();
    for _ in 0..reps {
        rows[0].1.push(measure(
            Command::new("openssl")
                .args(["dgst", "-sha256"])
                .arg(&weights),
        ));
        let _ = fs::remove_dir_all(&layout);
        rows[1]
            .1
            .push(measure(ai(&["pack", path(&model), &target])));
        // `pack` leaves only the tail of a large blob cached (output::WriteBehind); `check`
        // is measured warm, as openssl is.
        warm_dir(&layout.join("blobs/sha256"));
        rows[2].1.push(measure(ai(&["check", &target, "--quiet"])));
        let _ = fs::remove_dir_all(&out);
        rows[3]
            .1
            .push(measure(ai(&["unpack", &target, path(&out), "--quiet"])));
    }
    print_rows(&label, &rows, over_cap);
    println!("  load after: {}", load());
    let _ = fs::remove_dir_all(dir);
}

/// Two 512 MiB shards: pack and unpack on every core against one core.
fn multi_file(dir: &Path, reps: usize, over_cap: &mut Vec<String>) {
    let model = dir.join("model");
    fs::create_dir_all(&model).expect("model dir");
    for n in 1..=2u64 {
        support::noise(
            &model.join(format!("model-0000{n}-of-00002.safetensors")),
            GIB / 2,
            n,
        );
    }
    fs::write(
        model.join("config.json"),
        "{\"architectures\": [\"Bench\"]}\n",
    )
    .expect("config");
    let (layout, out) = (dir.join("layout"), dir.join("out"));
    let target = format!("oci:{}:v1", layout.display());
    println!("\nmulti-file 2 × 512 MiB ({})", load());
    let one_core = |args: &[&str]| {
        let mut c = Command::new("taskset");
        c.args(["-c", "0", BIN]).args(args);
        c
    };
    let mut rows: Vec<(&str, Vec<Run>)> = ["pack, one core", "pack", "unpack, one core", "unpack"]
        .map(|n| (n, Vec::new()))
        .into();
    for _ in 0..reps {
        let _ = fs::remove_dir_all(&layout);
        rows[0]
            .1
            .push(measure(&mut one_core(&["pack", path(&model), &target])));
        let _ = fs::remove_dir_all(&layout);
        rows[1]
            .1
            .push(measure(ai(&["pack", path(&model), &target])));
        let _ = fs::remove_dir_all(&out);
        rows[2].1.push(measure(&mut one_core(&[
            "unpack",
            &target,
            path(&out),
            "--quiet",
        ])));
        let _ = fs::remove_dir_all(&out);
        rows[3]
            .1
            .push(measure(ai(&["unpack", &target, path(&out), "--quiet"])));
    }
    for (name, i, base) in [("pack", 1, 0), ("unpack", 3, 2)] {
        let speedups: Vec<f64> = (0..reps)
            .map(|r| rows[base].1[r].secs / rows[i].1[r].secs)
            .collect();
        println!(
            "  {name}: both cores {:.2}× faster than one core (median of {reps}; goal ≥ 1.6×)",
            median(speedups)
        );
    }
    // Each command against itself pinned to one core.
    print_rows("multi-file", &rows[..2], over_cap);
    print_rows("multi-file", &rows[2..], over_cap);
    println!("  load after: {}", load());
    let _ = fs::remove_dir_all(dir);
}

/// Push a 1 GiB single-file model, then `unpack` from the registry against curl + openssl
/// over the same blobs.
fn registry(dir: &Path, host: &str, reps: usize, over_cap: &mut Vec<String>) {
    let model = dir.join("model");
    fs::create_dir_all(&model).expect("model dir");
    support::noise(&model.join("model.safetensors"), GIB, 7);
    fs::write(
        model.join("config.json"),
        "{\"architectures\": [\"Bench\"]}\n",
    )
    .expect("config");
    let layout = dir.join("layout");
    let local = format!("oci:{}:v1", layout.display());
    assert!(
        ai(&["pack", path(&model), &local])
            .status()
            .expect("pack")
            .success()
    );
    let repo = format!("one-pass/bench-{}", std::process::id());
    let reference = format!("{host}/{repo}:v1");
    assert!(
        ai(&["push", &local, &reference])
            .status()
            .expect("push")
            .success()
    );
    // Every blob the unpack reads: the config and the layers (the manifest is fetched by both).
    let index: serde_json::Value =
        serde_json::from_slice(&fs::read(layout.join("index.json")).expect("index")).expect("json");
    let manifest_digest = index["manifests"][0]["digest"].as_str().expect("digest");
    let manifest: serde_json::Value = serde_json::from_slice(
        &fs::read(layout.join("blobs/sha256").join(&manifest_digest[7..])).expect("manifest"),
    )
    .expect("json");
    let mut blobs = vec![
        manifest["config"]["digest"]
            .as_str()
            .expect("config")
            .to_string(),
    ];
    for l in manifest["layers"].as_array().expect("layers") {
        blobs.push(l["digest"].as_str().expect("digest").to_string());
    }
    let script = format!(
        "curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' http://{host}/v2/{repo}/manifests/v1 | openssl dgst -sha256 >/dev/null && {}",
        blobs
            .iter()
            .map(|d| format!(
                "curl -sfL http://{host}/v2/{repo}/blobs/{d} | openssl dgst -sha256 >/dev/null"
            ))
            .collect::<Vec<_>>()
            .join(" && ")
    );
    let out = dir.join("out");
    println!("\nregistry unpack, 1 GiB single file ({})", load());
    let mut rows: Vec<(&str, Vec<Run>)> =
        ["curl + openssl", "unpack"].map(|n| (n, Vec::new())).into();
    for _ in 0..reps {
        rows[0]
            .1
            .push(measure(Command::new("sh").args(["-c", &script])));
        let _ = fs::remove_dir_all(&out);
        rows[1]
            .1
            .push(measure(ai(&["unpack", &reference, path(&out), "--quiet"])));
    }
    print_rows("registry", &rows, over_cap);
    println!("  load after: {}", load());
    let _ = fs::remove_dir_all(dir);
}

/// `check --out` against `check` on a small golden fixture, into a new directory and into the
/// same one again; nothing may land in TMPDIR.
fn report_cost(dir: &Path, over_cap: &mut Vec<String>) {
    let tmp = dir.join("tmp");
    fs::create_dir_all(&tmp).expect("tmp");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/v1.0/model/pass-model-raw");
    let target = format!("oci:{}:v1", fixture.display());
    let out = dir.join("out");
    let n = 31;
    println!(
        "\ncheck --out against check, small artifact, {n} pairs ({})",
        load()
    );
    // A new directory each time (a CI job), and the same one again (a person re-running):
    // replacing files costs differently from creating them.
    let mut rows: Vec<(&str, Vec<Run>)> = ["check", "check --out", "check --out again"]
        .map(|n| (n, Vec::new()))
        .into();
    for _ in 0..n {
        let mut plain = ai(&["check", &target, "--quiet"]);
        rows[0].1.push(measure(plain.env("TMPDIR", &tmp)));
        let _ = fs::remove_dir_all(&out);
        for row in &mut rows[1..] {
            let mut with_out = ai(&["check", &target, "--quiet", "--out", path(&out)]);
            row.1.push(measure(with_out.env("TMPDIR", &tmp)));
        }
    }
    print_rows("report", &rows, over_cap);
    let left = fs::read_dir(&tmp).expect("tmp").count();
    println!("  files left in TMPDIR by check --out: {left} (must be 0)");
    let _ = fs::remove_dir_all(dir);
}

/// Each row's median wall time, CPU, peak RSS, and its median ratio to the first row.
fn print_rows(label: &str, rows: &[(&str, Vec<Run>)], over_cap: &mut Vec<String>) {
    let base = &rows[0].1;
    for (name, runs) in rows {
        let ratios: Vec<f64> = runs
            .iter()
            .zip(base)
            .map(|(r, b)| r.secs / b.secs)
            .collect();
        let rss = runs.iter().map(|r| r.rss_kib).max().unwrap_or(0);
        println!(
            "  {name:<18} wall {:>7.3}s  cpu {:>7.3}s  peak RSS {:>6.1} MiB  ratio {:.2}× (per rep: {})",
            median(runs.iter().map(|r| r.secs).collect()),
            median(runs.iter().map(|r| r.cpu).collect()),
            rss as f64 / 1024.0,
            median(ratios.clone()),
            ratios
                .iter()
                .map(|r| format!("{r:.2}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        if rss > RSS_CAP_KIB && !name.starts_with("openssl") && !name.starts_with("curl") {
            over_cap.push(format!("{label}: {name}"));
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn ai(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args);
    c
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// Run to completion and measure this child alone (wait4 gives its own rusage).
#[allow(
    clippy::zombie_processes,
    reason = "the child is reaped by wait4, which also returns its own rusage"
)]
fn measure(mut cmd: impl std::borrow::BorrowMut<Command>) -> Run {
    let cmd = cmd.borrow_mut();
    // Write back what earlier commands left dirty, outside the timing: otherwise a command that
    // writes (pack, unpack) pays for the previous one's gigabytes being flushed while the
    // reference (openssl, reading only) never does.
    // SAFETY: sync(2) takes no arguments and cannot fail.
    unsafe { libc::sync() };
    let start = Instant::now();
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: wait4 writes only into the status and rusage we pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let got = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(got, pid, "wait4");
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        let mut err = String::new();
        if let Some(mut e) = child.stderr {
            let _ = std::io::Read::read_to_string(&mut e, &mut err);
        }
        panic!("{cmd:?} failed ({status}): {err}");
    }
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Run {
        secs,
        cpu: tv(ru.ru_utime) + tv(ru.ru_stime),
        rss_kib: ru.ru_maxrss as u64,
    }
}

fn free_bytes(dir: &Path) -> u64 {
    let c = std::ffi::CString::new(path(dir)).expect("path");
    // SAFETY: statvfs writes only into the struct we pass.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return 0;
    }
    st.f_bavail as u64 * st.f_frsize as u64
}

fn load() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|l| {
            format!(
                "load average {}",
                l.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
            )
        })
        .unwrap_or_default()
}

fn warm(file: &Path) {
    let _ = Command::new("cat").arg(file).stdout(Stdio::null()).status();
}

/// Every file of `dir` read once, into the page cache.
fn warm_dir(dir: &Path) {
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        warm(&entry.path());
    }
}
