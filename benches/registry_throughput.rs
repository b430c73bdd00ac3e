//! Push and pull one large blob (default 1 GiB) through the suite's registry client against a
//! local Distribution, and the same with `curl`, in the same run.
//!
//! ```bash
//! source .ci/registry.sh && registry_start_all
//! cargo bench --bench registry_throughput          # AI_INTEROP_BENCH_BYTES to change the size
//! registry_stop_all
//! ```
//!
//! Our pull verifies the digest on the fly; plain `curl -o /dev/null` does not, so a
//! `curl | openssl dgst -sha256` row is printed too. Memory: the peak resident set of this
//! process before and after the transfers (the client never buffers a blob).

use ai_interop::digest::{Digest, Hasher, HashingReader};
use ai_interop::suites::registry::golden::PatternReader;
use ai_interop::targets::registry::client::Client;
use ai_interop::targets::registry::config::RegistryConfig;
use reqwest::Method;
use std::fs::File;
use std::io::{self, BufWriter};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn curl_push(base: &str, repo: &str, file: &Path, digest: &Digest) -> Duration {
    let t = Instant::now();
    let out = Command::new("curl")
        .args(["-sS", "-o", "/dev/null", "-D", "-", "-X", "POST"])
        .arg(format!("{base}/v2/{repo}/blobs/uploads/"))
        .output()
        .expect("curl");
    let headers = String::from_utf8_lossy(&out.stdout);
    let loc = headers
        .lines()
        .find_map(|l| {
            l.strip_prefix("Location: ")
                .or_else(|| l.strip_prefix("location: "))
        })
        .expect("Location")
        .trim()
        .to_string();
    let loc = if loc.starts_with('/') {
        format!("{base}{loc}")
    } else {
        loc
    };
    let sep = if loc.contains('?') { '&' } else { '?' };
    let status = Command::new("curl")
        .args([
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-X",
            "PUT",
            "-H",
            "Content-Type: application/octet-stream",
            "-T",
        ])
        .arg(file)
        .arg(format!("{loc}{sep}digest={digest}"))
        .output()
        .expect("curl");
    assert_eq!(
        String::from_utf8_lossy(&status.stdout),
        "201",
        "curl push failed"
    );
    t.elapsed()
}

fn curl_pull(base: &str, repo: &str, digest: &Digest, verify: bool) -> Duration {
    let url = format!("{base}/v2/{repo}/blobs/{digest}");
    let t = Instant::now();
    if verify {
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "curl -sS -L '{url}' | openssl dgst -sha256 -r | cut -d' ' -f1"
            ))
            .output()
            .expect("curl");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            digest.encoded(),
            "curl|openssl digest mismatch"
        );
    } else {
        let ok = Command::new("curl")
            .args(["-sS", "-L", "-o", "/dev/null"])
            .arg(&url)
            .status()
            .expect("curl");
        assert!(ok.success());
    }
    t.elapsed()
}

fn main() {
    let Ok(base) = std::env::var("AI_INTEROP_TEST_REGISTRY") else {
        println!("skipped: no registry (source .ci/registry.sh && registry_start_all)");
        return;
    };
    let size: u64 = std::env::var("AI_INTEROP_BENCH_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1 << 30);
    let rounds: usize = std::env::var("AI_INTEROP_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("blob");
    // The blob on disk (in page cache), and its digest, outside the timings.
    {
        let mut w = BufWriter::with_capacity(1 << 20, File::create(&path).expect("create"));
        io::copy(&mut PatternReader::new(0xbe4c, size), &mut w).expect("write");
    }
    let digest = HashingReader::new(File::open(&path).unwrap(), Hasher::new("sha256").unwrap())
        .drain()
        .unwrap()
        .0;
    let mut cfg = RegistryConfig::for_url(&base);
    cfg.timeouts.large_blob_ms = 30 * 60_000;
    let client = Client::new(&cfg).expect("client");
    let rss0 = peak_rss_kib();
    println!(
        "registry {base}, blob {} MiB {digest}, {rounds} rounds",
        size >> 20
    );
    let mut best = [f64::MAX; 5];
    for round in 0..rounds {
        let repo_c = format!("bench/curl-{round}-{}", std::process::id());
        let repo_o = format!("bench/ours-{round}-{}", std::process::id());
        let cp = curl_push(&base, &repo_c, &path, &digest);
        let t = Instant::now();
        let r = client
            .push_blob(
                &repo_o,
                &digest,
                size,
                Box::new(File::open(&path).unwrap()),
                true,
            )
            .expect("push");
        assert_eq!(r.status, 201, "push: {}", r.summary());
        let op = t.elapsed();
        let cg = curl_pull(&base, &repo_c, &digest, false);
        let cgv = curl_pull(&base, &repo_c, &digest, true);
        let t = Instant::now();
        let resp = client
            .blob(Method::GET, &repo_o, &digest, true)
            .expect("pull");
        let n = resp
            .verify_into(&digest, Some(size), &mut io::sink())
            .expect("verified pull");
        assert_eq!(n, size);
        let og = t.elapsed();
        println!(
            "round {round}: push curl {:.2}s ours {:.2}s | pull curl {:.2}s curl+sha256 {:.2}s ours(verified) {:.2}s",
            secs(cp),
            secs(op),
            secs(cg),
            secs(cgv),
            secs(og)
        );
        for (b, v) in best.iter_mut().zip([cp, op, cg, cgv, og]) {
            *b = b.min(secs(v));
        }
    }
    let [cp, op, cg, cgv, og] = best;
    let mib = (size >> 20) as f64;
    println!("best of {rounds}:");
    println!(
        "  push       curl {cp:.2}s ({:.0} MiB/s)  ours {op:.2}s ({:.0} MiB/s)  ratio {:.2}",
        mib / cp,
        mib / op,
        op / cp
    );
    println!(
        "  pull       curl {cg:.2}s ({:.0} MiB/s)  ours (verified) {og:.2}s ({:.0} MiB/s)  ratio {:.2}; \
         curl | openssl sha256 {cgv:.2}s: ratio {:.2}",
        mib / cg,
        mib / og,
        og / cg,
        og / cgv
    );
    println!(
        "  push+pull  curl {:.2}s  ours {:.2}s  ratio {:.2} (target <= 1.20); with a verifying curl pull {:.2}",
        cp + cg,
        op + og,
        (op + og) / (cp + cg),
        (op + og) / (cp + cgv)
    );
    let rss1 = peak_rss_kib();
    println!(
        "  peak RSS of this process: {} MiB before transfers, {} MiB after ({} MiB blob)",
        rss0 / 1024,
        rss1 / 1024,
        size >> 20
    );
}
