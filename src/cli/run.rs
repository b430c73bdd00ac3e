//! `ai-interop run [target]`: the suite for a target, the registry suite (`run registry`), or
//! the self-test over the golden fixtures.

use super::{
    CommonArgs, Exit, Output, check::check_target, check_profile, emit, load_expected_failures,
    progress, registry_config,
};
use crate::engine::report::{ReportContext, now};
use crate::engine::{Claim, Evaluation, Ladder, judge};
use crate::fixtures::embedded::FixtureTree;
use crate::report::{TargetInfo, TargetKind};
use crate::selftest::{requirement_verdicts, run_case};
use crate::spec::{AppliesTo, Catalog};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct RunArgs {
    /// The target: `registry` runs the registry suite against the configured registry
    /// (`--registry-config`, `AI_INTEROP_REGISTRY_*`); an artifact reference is checked as by
    /// `check`; omit it to run the self-test over the golden fixtures.
    pub target: Option<String>,
    /// The fixture tree for the self-test and the registry suite (default: the tree built into
    /// this binary).
    #[arg(long, value_name = "DIR")]
    pub fixtures: Option<PathBuf>,
    /// For `run registry`: the name the report gives the target (e.g. `distribution-2.8.2`),
    /// instead of the registry's URL; the URL stays in `run.options.registry`.
    #[arg(long, value_name = "NAME")]
    pub target_name: Option<String>,
    /// `run packer|runtime|transport`: the adapter (`adapters/<tool>.json` or an executable).
    #[arg(long)]
    pub adapter: Option<PathBuf>,
    /// `run matrix`: every adapter to combine (packers × transports × runtimes).
    #[arg(long, num_args = 1..)]
    pub adapters: Vec<PathBuf>,
    /// One timeout for every adapter request, in milliseconds (else the descriptor's or the
    /// defaults: describe 30 s, verify 120 s, the others 300 s).
    #[arg(long)]
    pub timeout_ms: Option<u64>,
    /// `run transport|matrix`: the loopback registry artifacts move through
    /// (`http://127.0.0.1:<port>`; default `AI_INTEROP_REGISTRY_URL`); `run packer|runtime`:
    /// the scratch registry lent to tools that speak only to registries (`needsRegistry`).
    #[arg(long, env = "AI_INTEROP_REGISTRY_URL")]
    pub registry: Option<String>,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// The fixture tree `--fixtures` names, else the one built into the binary.
fn fixture_tree(named: Option<&PathBuf>) -> Result<FixtureTree, Exit> {
    FixtureTree::named_or_embedded(named.map(PathBuf::as_path))
        .map_err(|e| Exit::usage(format!("fixtures: {e:#}")))
}

pub fn run(args: RunArgs) -> Result<u8, Exit> {
    progress::set_quiet(args.common.quiet);
    if args.target.as_deref() == Some("registry") {
        return run_registry(&args);
    }
    if let Some(kind @ ("packer" | "runtime" | "transport" | "matrix")) = args.target.as_deref() {
        let tools = super::run_tools::ToolRunArgs {
            fixtures: args.fixtures.as_deref(),
            adapter: args.adapter.as_deref(),
            adapters: &args.adapters,
            timeout_ms: args.timeout_ms,
            registry: args.registry.as_deref(),
            common: &args.common,
        };
        return super::run_tools::dispatch(kind, &tools);
    }
    if args.target_name.is_some() {
        return Err(Exit::usage("--target-name is for `run registry`"));
    }
    if let Some(target) = &args.target {
        let report = check_target(target, &args.common)?;
        emit(&report, &args.common)?;
        // The same verdict as `check`: a profile nothing of which applied claims nothing.
        return Ok(if crate::report::conformant(&report) {
            0
        } else {
            1
        });
    }
    let tree = fixture_tree(args.fixtures.as_ref())?;
    let fixtures = tree.path();
    let catalog = Catalog::embedded();
    let started = now();
    let cases = crate::fixtures::load_cases(fixtures)
        .map_err(|e| Exit::usage(format!("cannot read fixtures in {}: {e}", tree.describe())))?;
    if cases.is_empty() {
        return Err(Exit::usage(format!(
            "no fixture cases under {}",
            tree.describe()
        )));
    }
    let bar = progress::bar(cases.len() as u64, "self-test");
    let mut tests = Vec::new();
    for (dir, case) in &cases {
        tests.push(run_case(catalog, dir, case).test);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let requirements = requirement_verdicts(catalog, &tests);
    let fixtures_digest = crate::fixtures::fixtures_digest(fixtures)
        .map(|d| d.to_string())
        .map_err(|e| Exit::harness(format!("cannot hash the fixtures: {e}")))?;
    let failed = tests
        .iter()
        .filter(|t| t.status != crate::model::Status::Pass)
        .count();
    let ctx = ReportContext {
        target: TargetInfo {
            kind: TargetKind::Fixtures,
            reference: format!("golden fixtures (spec {})", catalog.version),
            manifest_digest: None,
            manifests: Vec::new(),
        },
        options: serde_json::json!({ "cases": cases.len(), "fixtures": tree.describe() }),
        started,
        fixtures_digest: Some(fixtures_digest),
    };
    let claim = Claim {
        profile: &args.common.profile,
        applies: AppliesTo::Artifact,
        ladder: Ladder::Decided,
    };
    let decisions = Evaluation {
        requirements,
        tests,
    };
    let report = judge(catalog, &claim, decisions, ctx);
    emit(&report, &args.common)?;
    if args.common.format != Output::Summary && !args.common.quiet {
        eprintln!(
            "self-test: {} cases, {} met their expectation, {failed} did not",
            cases.len(),
            cases.len() - failed
        );
    }
    Ok(if failed == 0 { 0 } else { 1 })
}

/// The registry suite against the configured registry, written as the common report.
/// Exit 0 conformant, 1 not, 2 bad settings, 3 nothing could be decided (unreachable registry,
/// refused credentials) — the report is written in every case.
fn run_registry(args: &RunArgs) -> Result<u8, Exit> {
    use crate::suites::registry::report::{RegistryReportInput, build};
    check_profile(&args.common.profile)?;
    if args.common.trust.offline {
        return Err(Exit::usage(
            "--offline: the registry suite talks to a registry; it cannot run offline",
        ));
    }
    let expected_failures = load_expected_failures(args.common.expected_failures.as_ref())?;
    let mut cfg = registry_config(
        args.common.registry_config.as_ref(),
        args.common.ca_file.as_ref(),
        &args.common.timeouts,
    )?;
    // Held until the report is written: an embedded tree is removed on drop.
    let mut _tree = None;
    if cfg.fixtures.is_none() {
        let tree = fixture_tree(args.fixtures.as_ref())?;
        cfg.fixtures = Some(tree.path().to_path_buf());
        _tree = Some(tree);
    }
    cfg.validate().map_err(|e| Exit::usage(e.to_string()))?;
    let catalog = Catalog::embedded();
    let started = now();
    progress::note(&format!(
        "registry suite against {}",
        cfg.base_url().map(|u| u.to_string()).unwrap_or_default()
    ));
    let work = progress::Work::start(
        Some(crate::suites::registry::TESTS.len() as u64),
        "registry suite",
    );
    let run = crate::suites::registry::run_observed(&cfg, &mut |id, i, _| work.step(i, id));
    drop(work);
    let fixtures_digest = if run.fixtures.is_empty() {
        None
    } else {
        let (root, _) = cfg.fixtures_dir();
        crate::fixtures::fixtures_digest(&root)
            .map(|d| d.to_string())
            .ok()
    };
    let mut report = build(
        catalog,
        &run,
        RegistryReportInput {
            config: &cfg,
            profile: args.common.profile.clone(),
            started,
            expected_failures,
            fixtures_digest,
        },
    );
    if let Some(name) = &args.target_name {
        name_target(&mut report, name);
    }
    if let (Some(tree), Some(o)) = (&_tree, report.run.options.as_object_mut()) {
        // Not the temporary directory it was unpacked into.
        o.insert("fixturesDir".into(), tree.describe().into());
    }
    emit(&report, &args.common)?;
    if let Some(why) = crate::report::nothing_decided(&report) {
        return Err(Exit::harness(format!(
            "the registry suite could not decide anything: {why}"
        )));
    }
    let ok = !report.requirements.iter().any(|r| r.status.breaks(r.level));
    Ok(if ok { 0 } else { 1 })
}

/// Give the report a stable target name (a throw-away loopback port means nothing to a reader);
/// the URL the suite talked to stays in `run.options.registry`.
fn name_target(report: &mut crate::report::ConformanceReport, name: &str) {
    report.target.reference = name.to_string();
}
