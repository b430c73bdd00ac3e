//! Throughput of `inspect::collect` against a plain sha2 loop over the same files.
//!
//! Run (release):
//!
//! ```text
//! cargo bench --bench check_throughput
//! AI_INTEROP_BENCH_GIB=0.25 cargo bench --bench check_throughput     # quick run
//! cargo bench --bench check_throughput -- --dir /var/tmp/bench      # keep/reuse the layouts
//! ```
//!
//! It builds two ModelPack layouts (in a temp dir, or `--dir`, where existing layouts are
//! reused): one `weight.v1.raw` layer of `GIB` GiB, and eight raw layers of `GIB/4` GiB each
//! (2 × `GIB` in all), filled with pseudo-random bytes from a fast deterministic generator and
//! written streaming. `AI_INTEROP_BENCH_GIB` sets `GIB` (default 1).
//!
//! Every measurement runs in a child process (this binary re-executed with
//! `AI_INTEROP_BENCH_CHILD` set), after one warm-up read that puts the files in the page cache,
//! so the reported peak RSS (the child's `VmHWM`) is the measurement's alone:
//! (a) a plain sha2 loop with 1 MiB reads over the layer files, one after another;
//! (b) `OciLayout::open` + `select` + `inspect::collect` with default limits
//!     (one worker per core).
//! Each runs `AI_INTEROP_BENCH_REPS` times (default 3); the best time is reported.
//! Targets: collect ≥ 0.95× the plain loop for one layer, ≥ 1.7× for several layers on two
//! cores, peak RSS ≤ 64 MiB.

use ai_interop::digest::{Digest, Hasher};
use ai_interop::document::Limits;
use ai_interop::inspect::{InspectOptions, collect};
use ai_interop::targets::layout::OciLayout;
use serde_json::json;
use std::fs::{self, File};
use std::io::{Read, Write};
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
        .unwrap_or(3)
        .max(1);
    let args: Vec<String> = std::env::args().collect();
    let dir_arg = args
        .iter()
        .position(|a| a == "--dir")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    let _tmp;
    let root = match dir_arg {
        Some(d) => d,
        None => {
            _tmp = tempfile::tempdir().expect("temp dir");
            _tmp.path().to_path_buf()
        }
    };
    let total = ((gib * 1024.0) as u64).max(8) * MIB;
    let per_layer = (total / 4 / MIB).max(1) * MIB;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "check_throughput: {cores} core(s); layouts under {}",
        root.display()
    );
    let single = build(&root.join(format!("single-{total}")), &[total]);
    let multi = build(&root.join(format!("multi-{per_layer}")), &[per_layer; 8]);

    for (name, (dir, files)) in [("1 layer", &single), ("8 layers", &multi)] {
        let bytes: u64 = files.iter().map(|f| f.1).sum();
        warm(files);
        let list = files
            .iter()
            .map(|f| f.0.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("\n");
        let plain = best(reps, &format!("sha\n{list}"));
        let coll = best(reps, &format!("collect\n{}", dir.display()));
        let cli = best(reps, &format!("binary\n{}", dir.display()));
        let mibs = |secs: f64| bytes as f64 / MIB as f64 / secs;
        println!(
            "{name:>8} ({:.0} MiB): plain sha2 {:>6.0} MiB/s (cpu {:.2}s, peak RSS {:.1} MiB) | \
             collect {:>6.0} MiB/s (cpu {:.2}s = {:.2} cores busy, peak RSS {:.1} MiB) | \
             ratio {:.2}x",
            bytes as f64 / MIB as f64,
            mibs(plain.0),
            plain.1,
            plain.2 as f64 / 1024.0,
            mibs(coll.0),
            coll.1,
            coll.1 / coll.0,
            coll.2 as f64 / 1024.0,
            plain.0 / coll.0,
        );
        println!(
            "{name:>8}: `ai-interop check` (whole process, all checks) {:>6.0} MiB/s \
             (cpu {:.2}s, peak RSS {:.1} MiB) | ratio to plain sha2 {:.2}x",
            mibs(cli.0),
            cli.1,
            cli.2 as f64 / 1024.0,
            plain.0 / cli.0,
        );
    }
}

/// Run a child measurement `reps` times; the best wall time, the CPU time of that run, and the
/// largest peak RSS (KiB).
fn best(reps: usize, mode: &str) -> (f64, f64, u64) {
    let exe = std::env::current_exe().expect("current exe");
    let mut secs = f64::INFINITY;
    let mut cpu = 0.0;
    let mut hwm = 0;
    for _ in 0..reps {
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

fn child(mode: &str) {
    let mut lines = mode.lines();
    let kind = lines.next().unwrap_or_default();
    let start = Instant::now();
    match kind {
        "sha" => {
            let mut buf = vec![0u8; MIB as usize];
            for path in lines {
                let mut f = File::open(path).expect("open layer");
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
        "collect" => {
            let dir = lines.next().expect("layout dir");
            let limits = Limits::default();
            let layout = OciLayout::open(dir, &limits).expect("open layout");
            let (facts, manifest) = layout.select(None, &limits).expect("select");
            let a = collect(
                &layout,
                "bench".into(),
                Some(facts),
                manifest,
                &limits,
                &InspectOptions::default(),
            );
            for l in &a.layers {
                let b = l.blob.as_ref().expect("layer read");
                assert_eq!(l.content.diff_id.as_ref(), Some(&b.digest));
            }
            std::hint::black_box(a);
        }
        "binary" => {
            // The release binary as a user runs it; its own peak RSS and CPU come from
            // getrusage(RUSAGE_CHILDREN) once it has been waited for.
            let dir = lines.next().expect("layout dir");
            let out = Command::new(env!("CARGO_BIN_EXE_ai-interop"))
                .args(["check", &format!("oci:{dir}"), "--format", "json"])
                .output()
                .expect("run ai-interop");
            // The bench layouts carry no profile annotations, so the verdict may be "not
            // conformant"; what matters is that every blob was streamed and verified.
            assert!(
                matches!(out.status.code(), Some(0 | 1)),
                "ai-interop check failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let report: serde_json::Value =
                serde_json::from_slice(&out.stdout).expect("JSON report");
            let verified = report["requirements"]
                .as_array()
                .expect("requirements")
                .iter()
                .any(|r| r["id"] == "DSC-004" && r["status"] == "pass");
            assert!(verified, "the layer digests were not verified");
            let secs = start.elapsed().as_secs_f64();
            let (cpu, hwm) = children_usage();
            println!("secs={secs} cpu={cpu} hwm_kib={hwm}");
            return;
        }
        other => panic!("unknown child mode {other:?}"),
    }
    let secs = start.elapsed().as_secs_f64();
    println!("secs={secs} cpu={} hwm_kib={}", cpu_secs(), vm_hwm_kib());
}

/// User + system CPU time of this process (all threads), from /proc/self/stat.
fn cpu_secs() -> f64 {
    let ticks = fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the parenthesised command name; utime and stime are fields 14, 15.
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0);
    ticks as f64 / 100.0 // USER_HZ is 100 on Linux
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

/// Read every file once so the measurements see the page cache.
fn warm(files: &[(PathBuf, u64)]) {
    let mut buf = vec![0u8; MIB as usize];
    for (p, _) in files {
        let mut f = File::open(p).expect("open");
        while f.read(&mut buf).expect("read") > 0 {}
    }
}

/// xorshift64*: fast, deterministic, incompressible enough for hashing benchmarks.
struct Gen(u64);
impl Gen {
    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_exact_mut(8) {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            chunk.copy_from_slice(&self.0.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
        }
    }
}

/// Build (or reuse) a ModelPack layout with raw layers of the given sizes; returns the layout
/// dir and the layer files with their sizes.
fn build(dir: &Path, sizes: &[u64]) -> (PathBuf, Vec<(PathBuf, u64)>) {
    let blobs = dir.join("blobs/sha256");
    let record = dir.join("bench-layers.txt");
    if let Ok(text) = fs::read_to_string(&record)
        && dir.join("index.json").is_file()
    {
        let files: Vec<(PathBuf, u64)> = text
            .lines()
            .filter_map(|l| {
                let (p, s) = l.split_once(' ')?;
                Some((PathBuf::from(p), s.parse().ok()?))
            })
            .collect();
        if files.len() == sizes.len() && files.iter().all(|(p, _)| p.is_file()) {
            println!("reusing {}", dir.display());
            return (dir.to_path_buf(), files);
        }
    }
    fs::create_dir_all(&blobs).expect("mkdir");
    let start = Instant::now();
    let mut layers = Vec::new();
    let mut files = Vec::new();
    let mut buf = vec![0u8; MIB as usize];
    for (i, &size) in sizes.iter().enumerate() {
        let mut g = Gen(0x9e37_79b9_7f4a_7c15 ^ (i as u64 + 1));
        let tmp = dir.join("layer.tmp");
        let mut f = File::create(&tmp).expect("create");
        let mut h = Hasher::new("sha256").expect("sha256");
        let mut left = size;
        while left > 0 {
            let n = left.min(MIB) as usize;
            g.fill(&mut buf[..n]);
            h.update(&buf[..n]);
            f.write_all(&buf[..n]).expect("write");
            left -= n as u64;
        }
        drop(f);
        let d = h.finish();
        let path = blobs.join(d.encoded());
        fs::rename(&tmp, &path).expect("rename");
        layers.push(json!({
            "mediaType": "application/vnd.cncf.model.weight.v1.raw",
            "digest": d.to_string(), "size": size,
            "annotations": {"org.cncf.model.filepath": format!("model-{i}.safetensors")}
        }));
        files.push((path, size));
    }
    let put = |bytes: &[u8]| -> Digest {
        let d = Digest::sha256_of(bytes);
        fs::write(blobs.join(d.encoded()), bytes).expect("write blob");
        d
    };
    let config = serde_json::to_vec(&json!({
        "descriptor": {"name": "bench"},
        "config": {},
        "modelfs": {"type": "layers", "diffIds": layers.iter().map(|l| l["digest"].clone()).collect::<Vec<_>>()}
    }))
    .expect("json");
    let cd = put(&config);
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": "application/vnd.cncf.model.manifest.v1+json",
        "config": {"mediaType": "application/vnd.cncf.model.config.v1+json",
                   "digest": cd.to_string(), "size": config.len()},
        "layers": layers,
    }))
    .expect("json");
    let md = put(&manifest);
    let index = json!({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": md.to_string(), "size": manifest.len()}]});
    fs::write(dir.join("index.json"), index.to_string()).expect("index");
    fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).expect("oci-layout");
    let listing: String = files
        .iter()
        .map(|(p, s)| format!("{} {s}\n", p.display()))
        .collect();
    fs::write(&record, listing).expect("record");
    println!(
        "built {} ({} layer(s)) in {:.1}s",
        dir.display(),
        sizes.len(),
        start.elapsed().as_secs_f64()
    );
    (dir.to_path_buf(), files)
}

/// CPU seconds and peak RSS (KiB) of the waited-for children of this process.
fn children_usage() -> (f64, u64) {
    // SAFETY: getrusage only writes into the zeroed struct we pass.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut u) };
    assert_eq!(rc, 0, "getrusage");
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (tv(u.ru_utime) + tv(u.ru_stime), u.ru_maxrss as u64)
}
