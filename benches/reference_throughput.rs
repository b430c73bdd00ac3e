//! Throughput and memory of the reference packer and runtime against a plain sha2 loop.
//!
//! Run (release):
//!
//! ```text
//! cargo bench --bench reference_throughput
//! AI_INTEROP_BENCH_GIB=0.25 cargo bench --bench reference_throughput     # quick run
//! ```
//!
//! It writes a model directory of `GIB` GiB (default 1) into a temp dir: two weight shards of
//! `GIB/2` each (pseudo-random, written streaming), `config.json` and `README.md`. Every
//! measurement runs in a child process, after a warm-up read that puts the files in the page
//! cache, so the peak RSS reported is the measurement's alone:
//! (a) plain sha2: one loop, 1 MiB reads, over the model's files one after another;
//! (b) `pack`: the release binary, `ai-interop pack <dir> oci:<layout>:v1` (a fresh layout);
//! (c) `unpack` (extract only): `reference::unpack` from that layout into a fresh directory —
//!     every blob read, hashed and written once;
//! (d) `ai-interop unpack` (the binary: the gating `check` and the extraction share one pass).
//!
//! Each runs `AI_INTEROP_BENCH_REPS` times (default 2); the best time is reported. Target:
//! (b) and (c) ≥ 0.9× the rate of (a), flat memory.

mod support;

use ai_interop::digest::Hasher;
use ai_interop::document::Limits;
use ai_interop::targets::layout::OciLayout;
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const MIB: u64 = 1 << 20;
const CHILD: &str = "AI_INTEROP_BENCH_CHILD";

fn main() {
    if let Ok(mode) = std::env::var(CHILD) {
        child(&mode);
        return;
    }
    let gib: f64 = std::env::var("AI_INTEROP_BENCH_GIB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let reps: usize = std::env::var("AI_INTEROP_BENCH_REPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2)
        .max(1);
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path();
    let total = ((gib * 1024.0) as u64).max(8) * MIB;
    let model = root.join("model");
    let files = build_model(&model, total);
    let bytes: u64 = files.iter().map(|f| fs::metadata(f).unwrap().len()).sum();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "reference_throughput: {cores} core(s); model of {:.0} MiB under {}",
        bytes as f64 / MIB as f64,
        root.display()
    );
    warm(&files);
    let list = files
        .iter()
        .map(|f| f.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("\n");
    let layout = root.join("layout");
    let plain = best(reps, &format!("sha\n{list}"), || {});
    let pack = best(
        reps,
        &format!("pack\n{}\n{}", model.display(), layout.display()),
        || {
            let _ = fs::remove_dir_all(&layout);
        },
    );
    let out = root.join("out");
    let extract = best(
        reps,
        &format!("extract\n{}\n{}", layout.display(), out.display()),
        || {
            let _ = fs::remove_dir_all(&out);
        },
    );
    let cli = best(
        reps,
        &format!("unpack\n{}\n{}", layout.display(), out.display()),
        || {
            let _ = fs::remove_dir_all(&out);
        },
    );
    let mibs = |secs: f64| bytes as f64 / MIB as f64 / secs;
    let line = |name: &str, m: (f64, f64, u64)| {
        println!(
            "{name:<38} {:>6.0} MiB/s  (wall {:.2}s, cpu {:.2}s, peak RSS {:>5.1} MiB)  ratio to plain sha2 {:.2}x",
            mibs(m.0),
            m.0,
            m.1,
            m.2 as f64 / 1024.0,
            plain.0 / m.0
        );
    };
    line("plain sha2 (1 thread)", plain);
    line("ai-interop pack", pack);
    line("reference::unpack (extract only)", extract);
    line("ai-interop unpack (check + extract)", cli);
}

/// Run a child measurement `reps` times (after `before` each time); the best wall time, the
/// CPU time of that run, and the largest peak RSS (KiB).
fn best(reps: usize, mode: &str, before: impl Fn()) -> (f64, f64, u64) {
    let exe = std::env::current_exe().expect("current exe");
    let mut secs = f64::INFINITY;
    let mut cpu = 0.0;
    let mut hwm = 0;
    for _ in 0..reps {
        before();
        let out = Command::new(&exe)
            .env(CHILD, mode)
            .output()
            .expect("run child");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "child failed: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let field = |k: &str| {
            text.split_whitespace()
                .find_map(|w| w.strip_prefix(k))
                .unwrap_or_else(|| panic!("no {k} in {text:?}"))
                .to_string()
        };
        let s: f64 = field("secs=").parse().expect("secs");
        if s < secs {
            secs = s;
            cpu = field("cpu=").parse().expect("cpu");
        }
        hwm = hwm.max(field("hwm_kib=").parse().expect("hwm"));
    }
    (secs, cpu, hwm)
}

fn run_binary(args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_ai-interop"))
        .args(args)
        .output()
        .expect("run ai-interop");
    assert!(
        out.status.success(),
        "ai-interop {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn child(mode: &str) {
    let mut lines = mode.lines();
    let kind = lines.next().unwrap_or_default();
    let start = Instant::now();
    let mut usage_of_children = false;
    match kind {
        "sha" => {
            let mut buf = vec![0u8; MIB as usize];
            for path in lines {
                let mut f = File::open(path).expect("open");
                let mut h = Hasher::new("sha256").expect("sha256");
                loop {
                    let n = f.read(&mut buf).expect("read");
                    if n == 0 {
                        break;
                    }
                    h.update(&buf[..n]);
                }
                std::hint::black_box(h.finish());
            }
        }
        "pack" => {
            let model = lines.next().expect("model");
            let layout = lines.next().expect("layout");
            run_binary(&["pack", model, &format!("oci:{layout}:v1")]);
            usage_of_children = true;
        }
        "extract" => {
            let layout = lines.next().expect("layout");
            let out = lines.next().expect("out");
            let limits = Limits::default();
            let l = OciLayout::open(layout, &limits).expect("layout");
            let (_, manifest) = l.select(Some("v1"), &limits).expect("select");
            let json = manifest.json.expect("manifest");
            ai_interop::reference::unpack(
                &l,
                &json,
                Path::new(out),
                &ai_interop::reference::UnpackOptions {
                    limits,
                    ..Default::default()
                },
            )
            .expect("unpack");
        }
        "unpack" => {
            let layout = lines.next().expect("layout");
            let out = lines.next().expect("out");
            run_binary(&["unpack", &format!("oci:{layout}:v1"), out]);
            usage_of_children = true;
        }
        other => panic!("unknown child mode {other:?}"),
    }
    let secs = start.elapsed().as_secs_f64();
    let (cpu, hwm) = if usage_of_children {
        children_usage()
    } else {
        (cpu_secs(), vm_hwm_kib())
    };
    println!("secs={secs} cpu={cpu} hwm_kib={hwm}");
}

/// CPU seconds and peak RSS (KiB) of the waited-for children.
fn children_usage() -> (f64, u64) {
    // SAFETY: getrusage only writes into the struct we pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (tv(ru.ru_utime) + tv(ru.ru_stime), ru.ru_maxrss as u64)
}

fn cpu_secs() -> f64 {
    let ticks = fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0);
    ticks as f64 / 100.0
}

fn vm_hwm_kib() -> u64 {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

fn warm(files: &[PathBuf]) {
    let mut buf = vec![0u8; MIB as usize];
    for p in files {
        let mut f = File::open(p).expect("open");
        while f.read(&mut buf).expect("read") > 0 {}
    }
}

/// Two weight shards of `total/2` bytes (xorshift64* noise, written streaming), a config and
/// a README.
fn build_model(dir: &Path, total: u64) -> Vec<PathBuf> {
    fs::create_dir_all(dir).expect("model dir");
    let mut files = Vec::new();
    for n in 1..=2 {
        let path = dir.join(format!("model-0000{n}-of-00002.safetensors"));
        support::noise(&path, total / 2, n);
        files.push(path);
    }
    for (name, text) in [
        (
            "config.json",
            "{\"architectures\": [\"LlamaForCausalLM\"]}\n",
        ),
        ("README.md", "# Bench model\n"),
    ] {
        let p = dir.join(name);
        fs::write(&p, text).expect("write");
        files.push(p);
    }
    files
}
