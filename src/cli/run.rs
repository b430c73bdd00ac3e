//! `ai-interop run [target]`: the suite for a target, the registry suite (`run registry`), or
//! the self-test over the golden fixtures.

use super::{
    CommonArgs, Exit, check::check_target, check_profile, emit, load_expected_failures, progress,
    registry_config,
};
use crate::engine::profile_results;
use crate::engine::report::{ReportContext, build_report, now};
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
    /// The fixture tree for the self-test.
    #[arg(long, default_value_os_t = default_fixtures())]
    pub fixtures: PathBuf,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `fixtures/v1.0` of the working directory when present, else of the source tree.
pub fn default_fixtures() -> PathBuf {
    crate::registry::config::default_fixtures_dir()
}

pub fn run(mut args: RunArgs) -> Result<u8, Exit> {
    if args.common.out.is_none() {
        args.common.out = Some(PathBuf::from("ai-interop-report"));
    }
    if args.target.as_deref() == Some("registry") {
        return run_registry(&args);
    }
    if let Some(target) = &args.target {
        let report = check_target(target, &args.common)?;
        emit(&report, &args.common)?;
        let ok = !report.requirements.iter().any(|r| r.status.breaks(r.level));
        return Ok(if ok { 0 } else { 1 });
    }
    let catalog = Catalog::embedded();
    let started = now();
    let cases = crate::fixtures::load_cases(&args.fixtures).map_err(|e| {
        Exit::usage(format!(
            "cannot read fixtures in {}: {e}",
            args.fixtures.display()
        ))
    })?;
    if cases.is_empty() {
        return Err(Exit::usage(format!(
            "no fixture cases under {}",
            args.fixtures.display()
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
    let profiles = profile_results(catalog, &requirements, |r| {
        r.applies_to.contains(&AppliesTo::Artifact)
    });
    let fixtures_digest = crate::fixtures::fixtures_digest(&args.fixtures)
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
        },
        profile: args.common.profile.clone(),
        options: serde_json::json!({ "cases": cases.len() }),
        started,
        fixtures_digest: Some(fixtures_digest),
    };
    let report = build_report(catalog, ctx, profiles, requirements, tests);
    emit(&report, &args.common)?;
    eprintln!(
        "self-test: {} cases, {} met their expectation, {failed} did not",
        cases.len(),
        cases.len() - failed
    );
    Ok(if failed == 0 { 0 } else { 1 })
}

/// The registry suite against the configured registry, written as the common report.
/// Exit 0 conformant, 1 not, 2 bad settings, 3 nothing could be decided (unreachable registry,
/// refused credentials) — the report is written in every case.
fn run_registry(args: &RunArgs) -> Result<u8, Exit> {
    use crate::registry::report::{RegistryReportInput, build, nothing_decided};
    check_profile(&args.common.profile)?;
    if args.common.trust.offline {
        return Err(Exit::usage(
            "--offline: the registry suite talks to a registry; it cannot run offline",
        ));
    }
    let expected_failures = load_expected_failures(args.common.expected_failures.as_ref())?;
    let mut cfg = registry_config(args.common.registry_config.as_ref())?;
    if cfg.fixtures.is_none() && args.fixtures != default_fixtures() {
        cfg.fixtures = Some(args.fixtures.clone());
    }
    cfg.validate().map_err(|e| Exit::usage(e.to_string()))?;
    let catalog = Catalog::embedded();
    let started = now();
    progress::note(&format!(
        "registry suite against {}",
        cfg.base_url().map(|u| u.to_string()).unwrap_or_default()
    ));
    let run = crate::registry::suite::run(&cfg);
    let fixtures_digest = if run.fixtures.is_empty() {
        None
    } else {
        let (root, _) = cfg.fixtures_dir();
        crate::fixtures::fixtures_digest(&root)
            .map(|d| d.to_string())
            .ok()
    };
    let report = build(
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
    emit(&report, &args.common)?;
    if nothing_decided(&report) {
        let why = report
            .tests
            .iter()
            .flat_map(|t| t.findings.iter())
            .map(|f| f.message.clone())
            .next()
            .unwrap_or_default();
        return Err(Exit::harness(format!(
            "the registry suite could not decide anything: {why}"
        )));
    }
    let ok = !report.requirements.iter().any(|r| r.status.breaks(r.level));
    Ok(if ok { 0 } else { 1 })
}
