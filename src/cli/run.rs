//! `ai-interop run [target]`: the suite for a target, or the self-test over the golden fixtures.

use super::{CommonArgs, Exit, check::check_target, emit, progress};
use crate::engine::profile_results;
use crate::engine::report::{ReportContext, build_report, now};
use crate::report::{TargetInfo, TargetKind};
use crate::selftest::{requirement_verdicts, run_case};
use crate::spec::{AppliesTo, Catalog};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct RunArgs {
    /// The target; omit it to run the self-test over the golden fixtures.
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
