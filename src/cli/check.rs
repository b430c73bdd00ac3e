//! `ai-interop check <target>`: one artifact, one report.

use super::{
    CommonArgs, Exit, check_profile, emit, load_expected_failures, progress, registry_config,
};
use crate::engine::report::{ReportContext, now};
use crate::engine::{self, Claim, EvalOptions, Ladder};
use crate::inspect::InspectOptions;
use crate::load::open::{TargetError, TargetRef};
use crate::report::{TargetInfo, TargetKind};
use crate::spec::{AppliesTo, Catalog};
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
    progress::set_quiet(args.common.quiet);
    let report = check_target(&args.target, &args.common)?;
    emit(&report, &args.common)?;
    Ok(if crate::report::conformant(&report) {
        0
    } else {
        1
    })
}

/// Evaluate one target and build its report (shared with `run <target>`).
pub fn check_target(
    target: &str,
    common: &CommonArgs,
) -> Result<crate::report::ConformanceReport, Exit> {
    check_artifact(target, common, None).map(|(report, _)| report)
}

/// A registry target whose manifest the caller has already fetched (`unpack` judges its
/// destination by it), so the check does not fetch it again; its referrers are looked up only
/// with `evidence`.
pub struct Opened {
    pub remote: crate::targets::registry::RemoteManifest,
    pub evidence: bool,
}

/// [`check_target`], also returning the artifact's facts; the selected manifest's layers are
/// read through `tap` when given (`unpack` writes them out in the same pass).
pub fn check_artifact(
    target: &str,
    common: &CommonArgs,
    tap: Option<&dyn crate::inspect::LayerTap>,
) -> Result<(crate::report::ConformanceReport, crate::artifact::Artifact), Exit> {
    check_opened(target, common, tap, None)
}

/// [`check_artifact`] of a registry target already [`Opened`] (when given).
pub fn check_opened(
    target: &str,
    common: &CommonArgs,
    tap: Option<&dyn crate::inspect::LayerTap>,
    opened: Option<Opened>,
) -> Result<(crate::report::ConformanceReport, crate::artifact::Artifact), Exit> {
    check_profile(&common.profile)?;
    let expected_failures = load_expected_failures(common.expected_failures.as_ref())?;
    if let Some(hint) = local_path_hint(target) {
        return Err(Exit::usage(hint));
    }
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
        registry_config(
            common.registry_config.as_ref(),
            common.ca_file.as_ref(),
            &common.timeouts,
        )?
    } else {
        Default::default()
    };
    let started = now();
    // With a tap, the caller shows the bytes it moves (`unpack`'s bar): one bar at a time.
    let work = tap
        .is_none()
        .then(|| progress::Work::start(None, &format!("checking {}", target.describe())));
    let inspect = InspectOptions {
        content: !common.no_content,
    };
    let loaded = match opened {
        Some(o) => target.load_remote(
            o.remote,
            o.evidence,
            &common.limits(),
            &inspect,
            &common.selection(),
            tap,
        ),
        None => target.load_tapped(
            &common.limits(),
            &inspect,
            &registry,
            &common.selection(),
            tap,
        ),
    }
    .map_err(target_error)?;
    drop(work);
    let artifact = loaded.artifact;
    let offline = trust.offline;
    let catalog = Catalog::embedded();
    // The trust inputs are the user's, not facts of the artifact: they travel to the checks in
    // their context.
    let options = EvalOptions {
        profile: common.profile.clone(),
        expected_failures,
        trust: std::sync::Arc::new(trust),
    };
    let ev = engine::evaluate(catalog, &artifact, &options);
    let mut ctx = ReportContext {
        target: TargetInfo {
            kind: if target.is_registry() {
                TargetKind::Registry
            } else {
                TargetKind::OciLayout
            },
            reference: target.describe(),
            manifest_digest: Some(artifact.manifest_digest.to_string()),
            manifests: crate::engine::report::index_manifests(&artifact),
        },
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
    let claim = Claim {
        profile: &common.profile,
        applies: AppliesTo::Artifact,
        ladder: Ladder::Decided,
    };
    let report = engine::judge(catalog, &claim, ev, ctx);
    Ok((report, artifact))
}

pub fn target_error(e: TargetError) -> Exit {
    match e {
        TargetError::Usage(m) => Exit::usage(m),
        TargetError::Harness(m) => Exit::harness(m),
    }
}

/// A reference without `oci:` that names an existing local path (`./model`, `model:v1`) was
/// meant as a layout: say so instead of asking a registry called `.` for it.
fn local_path_hint(target: &str) -> Option<String> {
    if target.starts_with("oci:") {
        return None;
    }
    let exists = |p: &str| !p.is_empty() && std::path::Path::new(p).exists();
    let path = if exists(target) {
        target
    } else {
        let (dir, _) = target
            .rsplit_once('@')
            .or_else(|| target.rsplit_once(':'))?;
        if !exists(dir) {
            return None;
        }
        dir
    };
    Some(format!(
        "{path} is a local path, not a registry reference: did you mean `oci:{target}`?"
    ))
}

#[cfg(test)]
mod tests {
    use super::local_path_hint;

    #[test]
    fn local_paths_get_a_hint() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("model");
        std::fs::create_dir(&dir).unwrap();
        let d = dir.display().to_string();
        let hint = local_path_hint(&d).unwrap();
        assert!(hint.contains(&format!("`oci:{d}`")), "{hint}");
        assert!(
            local_path_hint(&format!("{d}:v1"))
                .unwrap()
                .contains(&format!("oci:{d}:v1"))
        );
        assert!(local_path_hint(&format!("{d}@sha256:ab")).is_some());
        assert_eq!(local_path_hint(&format!("oci:{d}")), None);
        assert_eq!(local_path_hint("registry.example/ns/model:v1"), None);
        assert_eq!(local_path_hint("127.0.0.1:5000/ns/model"), None);
    }
}
