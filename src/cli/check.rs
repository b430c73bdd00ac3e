//! `ai-interop check <target>`: one artifact, one report.

use super::{
    CommonArgs, Exit, check_profile, emit, load_expected_failures, progress, registry_config,
};
use crate::engine::report::{ReportContext, build_report, now};
use crate::engine::{self, EvalOptions};
use crate::inspect::InspectOptions;
use crate::report::{TargetInfo, TargetKind};
use crate::spec::{AppliesTo, Catalog};
use crate::target::{TargetError, TargetRef};
use clap::Args;

#[derive(Args)]
pub struct CheckArgs {
    /// oci:<dir>[:<tag>|@<digest>], or <registry>/<repo>[:<tag>|@<digest>] (read-only; blobs
    /// are streamed from the registry, nothing is stored locally)
    pub target: String,
    #[command(flatten)]
    pub common: CommonArgs,
}

pub fn run(args: CheckArgs) -> Result<u8, Exit> {
    let report = check_target(&args.target, &args.common)?;
    emit(&report, &args.common)?;
    let conformant = !report.requirements.iter().any(|r| r.status.breaks(r.level));
    Ok(if conformant { 0 } else { 1 })
}

/// Evaluate one target and build its report (shared with `run <target>`).
pub fn check_target(
    target: &str,
    common: &CommonArgs,
) -> Result<crate::report::ConformanceReport, Exit> {
    check_profile(&common.profile)?;
    let expected_failures = load_expected_failures(common.expected_failures.as_ref())?;
    let target = TargetRef::parse(target).map_err(target_error)?;
    let trust = common.trust.load()?;
    if trust.offline && target.is_registry() {
        return Err(Exit::usage(format!(
            "--offline: {} is a registry reference and needs the network; check an OCI layout \
             (oci:<dir>) instead, e.g. one copied with `skopeo copy`",
            target.describe()
        )));
    }
    let registry = if target.is_registry() {
        registry_config(common.registry_config.as_ref())?
    } else {
        Default::default()
    };
    let started = now();
    progress::note(&format!("checking {}", target.describe()));
    let loaded = target
        .load_with(
            &common.limits(),
            &InspectOptions {
                content: !common.no_content,
            },
            &registry,
        )
        .map_err(target_error)?;
    let mut artifact = loaded.artifact;
    let offline = trust.offline;
    artifact.trust = std::sync::Arc::new(trust);
    let catalog = Catalog::embedded();
    let options = EvalOptions {
        profile: common.profile.clone(),
        expected_failures,
    };
    let ev = engine::evaluate(catalog, &artifact, &options);
    let profiles = engine::profile_results(catalog, &ev.requirements, |r| {
        r.applies_to.contains(&AppliesTo::Artifact)
    });
    let mut ctx = ReportContext {
        target: TargetInfo {
            kind: if target.is_registry() {
                TargetKind::Registry
            } else {
                TargetKind::OciLayout
            },
            reference: target.describe(),
            manifest_digest: Some(artifact.manifest_digest.to_string()),
        },
        profile: common.profile.clone(),
        options: serde_json::json!({
            "content": !common.no_content,
            "threads": common.threads,
            "maxUncompressedBytes": common.max_uncompressed,
            "maxTarEntries": common.max_tar_entries,
            "expectedFailures": options.expected_failures.keys().collect::<Vec<_>>(),
            "offline": offline,
        }),
        started,
        fixtures_digest: None,
    };
    if !loaded.notes.is_null()
        && let Some(o) = ctx.options.as_object_mut()
    {
        o.insert("registry".into(), loaded.notes);
    }
    Ok(build_report(
        catalog,
        ctx,
        profiles,
        ev.requirements,
        ev.tests,
    ))
}

pub fn target_error(e: TargetError) -> Exit {
    match e {
        TargetError::Usage(m) => Exit::usage(m),
        TargetError::Harness(m) => Exit::harness(m),
    }
}
