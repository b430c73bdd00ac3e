//! What evidence adds to `check`: discovery (reading and hashing every referrer manifest and
//! blob of a layout) plus the evidence checks (attachment, signatures, SBOM, provenance,
//! openness, air-gapped), for golden fixtures that carry evidence.
//!
//! Run (release): `cargo bench --bench evidence_overhead`. For each fixture it loads the
//! artifact once, then times `AI_INTEROP_BENCH_REPS` (default 200) rounds of
//! (a) `load::discover::from_layout` and (b) evaluating the fixture's profile minus
//! evaluating `core` on the same facts — what the evidence requirements cost on top of a core
//! check. Reported: the median of (a) + (b) in milliseconds; target < 10 ms.

use ai_interop::document::Limits;
use ai_interop::engine::{EvalOptions, evaluate};
use ai_interop::inspect::InspectOptions;
use ai_interop::load::discover;
use ai_interop::load::open::TargetRef;
use ai_interop::spec::Catalog;
use ai_interop::targets::layout::OciLayout;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let reps: usize = std::env::var("AI_INTEROP_BENCH_REPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/v1.0");
    let catalog = Catalog::embedded();
    let trust = ai_interop::selftest::fixture_trust().expect("fixture trust inputs");
    let limits = Limits::default();
    let mut worst = Duration::ZERO;
    for (dir, case) in ai_interop::fixtures::load_cases(&root).unwrap() {
        if case.generator.evidence.is_none() || !case.is_positive() {
            continue;
        }
        let target = TargetRef::Layout {
            dir: dir.clone(),
            selector: Some(case.reference.clone()),
        };
        let artifact = target
            .load(&limits, &InspectOptions { content: true })
            .unwrap();
        let layout = OciLayout::open(&dir, &limits).unwrap();
        let profile = |p: &str| EvalOptions {
            profile: p.into(),
            trust: trust.clone(),
            ..Default::default()
        };
        let mut discovery = Vec::with_capacity(reps);
        let mut checks = Vec::with_capacity(reps);
        for _ in 0..reps {
            let t = Instant::now();
            let facts = discover::from_layout(&layout, &artifact.manifest_digest, &limits);
            discovery.push(t.elapsed());
            assert!(facts.error.is_none());
            let t = Instant::now();
            let _ = evaluate(catalog, &artifact, &profile("core"));
            let core = t.elapsed();
            let t = Instant::now();
            let _ = evaluate(catalog, &artifact, &profile(&case.profile));
            checks.push(t.elapsed().saturating_sub(core));
        }
        let (d, c) = (median(discovery), median(checks));
        let total = d + c;
        worst = worst.max(total);
        println!(
            "{:<40} {:>9} discovery {:>8.3} ms + evidence checks {:>8.3} ms = {:>8.3} ms",
            case.id,
            case.profile,
            d.as_secs_f64() * 1e3,
            c.as_secs_f64() * 1e3,
            total.as_secs_f64() * 1e3
        );
    }
    println!(
        "worst added cost of evidence: {:.3} ms (target < 10 ms)",
        worst.as_secs_f64() * 1e3
    );
}
