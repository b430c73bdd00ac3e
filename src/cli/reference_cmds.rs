//! The reference packer and runtime: `pack`, `push`, `verify`, `unpack`
//! (implementation in [`crate::reference`]).

use super::check::{Opened, check_opened, target_error};
use super::{CommonArgs, Exit, emit, registry_config};
use crate::load::open::TargetRef;
use crate::reference::pack::ArtifactKind;
use crate::reference::unpack::Extraction;
use crate::reference::{PackOptions, UnpackError, UnpackOptions};
use crate::targets::registry::reference::Reference;
use crate::vocabulary::LIFECYCLE;
use clap::Args;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct PackArgs {
    /// A model directory, a skill directory, a prompt template or a workflow document.
    pub source: PathBuf,
    /// Where to write: oci:<layout-dir>:<tag> (the layout is created or added to).
    pub target: String,
    /// What the source is (detected when absent: a directory with SKILL.md is a skill, other
    /// directories are models, a file with frontmatter is a prompt, other files workflows).
    #[arg(long, value_enum)]
    pub kind: Option<ArtifactKind>,
    /// JSON: {"annotations": {…}, "config": {…}, "layers": {"<top-level path>": "<kind>"}}.
    #[arg(long, value_name = "FILE")]
    pub metadata: Option<PathBuf>,
    /// A manifest annotation KEY=VALUE (repeatable); overrides the metadata file.
    #[arg(long = "annotation", value_name = "KEY=VALUE")]
    pub annotations: Vec<String>,
    /// Shorthand for --annotation org.cncf.ai.lifecycle.status=STATUS (default experimental).
    #[arg(long, value_name = "STATUS")]
    pub lifecycle_status: Option<String>,
    /// Worker threads (0 = one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

pub fn pack(args: PackArgs) -> Result<u8, Exit> {
    let (dir, tag) = match TargetRef::parse(&args.target).map_err(target_error)? {
        TargetRef::Layout {
            dir,
            selector: Some(tag),
        } if !tag.contains(':') => (dir, tag),
        _ => {
            return Err(Exit::usage(format!(
                "{}: pack writes to oci:<layout-dir>:<tag>",
                args.target
            )));
        }
    };
    let mut annotations = Vec::new();
    for a in &args.annotations {
        let (k, v) = a
            .split_once('=')
            .ok_or_else(|| Exit::usage(format!("--annotation {a:?}: expected KEY=VALUE")))?;
        annotations.push((k.to_string(), v.to_string()));
    }
    if let Some(s) = &args.lifecycle_status {
        annotations.push((LIFECYCLE.into(), s.clone()));
    }
    if !args.source.exists() {
        return Err(Exit::usage(format!(
            "{}: no such file or directory",
            args.source.display()
        )));
    }
    let started = Instant::now();
    let opts = PackOptions {
        kind: args.kind,
        metadata: args.metadata.clone(),
        annotations,
        threads: args.threads,
    };
    let transfer = super::progress::Transfer::start(&format!("packing {}", args.source.display()));
    let packed = crate::reference::pack(&args.source, &dir, &tag, &opts).map_err(|e| {
        let message = format!("pack {}: {}", args.source.display(), super::chain(&e));
        // A named file that cannot be read as one (a FIFO, a device, too large) is the user's to fix.
        if matches!(e, crate::reference::plan::PackError::Input(_)) {
            Exit::usage(message)
        } else {
            Exit::harness(message)
        }
    })?;
    drop(transfer);
    let bytes: u64 = packed.layers.iter().map(|l| l.size).sum();
    println!(
        "packed {} as a {:?} into oci:{}:{tag} {} ({} layers, {bytes} bytes, {:.2} s)",
        args.source.display(),
        packed.kind,
        dir.display(),
        packed.manifest_digest,
        packed.layers.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(0)
}

#[derive(Args)]
pub struct PushArgs {
    /// The manifest to push: oci:<layout-dir>[:<tag>|@<digest>].
    pub source: String,
    /// Where: <registry>/<repository>[:<tag>|@<digest>].
    pub destination: String,
    /// Registry settings (JSON); `AI_INTEROP_REGISTRY_*` variables override it.
    #[arg(long, value_name = "FILE")]
    pub registry_config: Option<PathBuf>,
    /// PEM bundle of CA certificates for the registry's TLS (as for `check --ca-file`).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    #[command(flatten)]
    pub timeouts: super::TimeoutArgs,
}

pub fn push(args: PushArgs) -> Result<u8, Exit> {
    let (dir, selector) = match TargetRef::parse(&args.source).map_err(target_error)? {
        TargetRef::Layout { dir, selector } => (dir, selector),
        TargetRef::Registry(_) => {
            return Err(Exit::usage(format!(
                "{}: push reads from oci:<layout-dir>[:<tag>|@<digest>]",
                args.source
            )));
        }
    };
    let dest = Reference::parse(&args.destination)
        .map_err(|e| Exit::usage(format!("{}: {}", args.destination, e.message)))?;
    let cfg = registry_config(
        args.registry_config.as_ref(),
        args.ca_file.as_ref(),
        &args.timeouts,
    )?;
    let started = Instant::now();
    let pushed = crate::reference::push::push(&dir, selector.as_deref(), &dest, &cfg)
        .map_err(|e| Exit::harness(format!("push to {dest}: {}", super::chain(&e))))?;
    println!(
        "pushed {} to {dest} {} ({} blobs sent, {} already present, {} bytes, {:.2} s)",
        args.source,
        pushed.manifest_digest,
        pushed.blobs_sent,
        pushed.blobs_present,
        pushed.bytes_sent,
        started.elapsed().as_secs_f64()
    );
    Ok(0)
}

#[derive(Args)]
pub struct VerifyArgs {
    /// oci:<dir>[:<tag>|@<digest>] or <registry>/<repo>[:<tag>|@<digest>].
    pub target: String,
    /// Print the whole report (in --format) rather than one verdict line.
    #[arg(long)]
    pub report: bool,
    #[command(flatten)]
    pub gate: GateArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Args, Clone, Debug, Default)]
pub struct GateArgs {
    /// Also require the manifest annotation org.cncf.ai.lifecycle.status to be one of these
    /// (comma-separated, e.g. validated,product-ready).
    #[arg(long, value_name = "STATUS[,STATUS]", value_delimiter = ',')]
    pub require_lifecycle: Vec<String>,
}

/// The manifest `target` names and its digest, without reading any blob: what `unpack` judges
/// its destination by before the gate's one pass. A registry target comes back opened, so the
/// gate reads its blobs without asking for the manifest again.
fn resolve_manifest(
    target: &str,
    common: &CommonArgs,
) -> Result<(serde_json::Value, crate::digest::Digest, Option<Opened>), Exit> {
    let target = TargetRef::parse(target).map_err(target_error)?;
    let limits = common.limits();
    match &target {
        TargetRef::Layout { dir, selector } => {
            let layout = crate::targets::layout::OciLayout::open(dir, &limits)
                .map_err(|e| Exit::harness(e.to_string()))?;
            let (_, manifest) = layout
                .select(selector.as_deref(), &limits)
                .map_err(|e| Exit::harness(e.to_string()))?;
            let json = manifest
                .json
                .map_err(|e| Exit::harness(format!("manifest: {e}")))?;
            Ok((json, manifest.sha256, None))
        }
        TargetRef::Registry(_) => {
            let cfg = registry_config(
                common.registry_config.as_ref(),
                common.ca_file.as_ref(),
                &common.timeouts,
            )?;
            let remote = target.open_remote(&cfg).map_err(target_error)?;
            let json = serde_json::from_slice(&remote.manifest.bytes)
                .map_err(|e| Exit::harness(format!("manifest: {e}")))?;
            let digest = remote.manifest.digest.clone();
            // The referrers only when the profile judges evidence: a `core` unpack asks the
            // registry for the manifest and each blob, once.
            let evidence = crate::checks::profile_reads_evidence(
                crate::spec::Catalog::embedded(),
                &common.profile,
            );
            Ok((json, digest, Some(Opened { remote, evidence })))
        }
    }
}

/// The `check` verdict as a gate, then the lifecycle requirement: the artifact's facts when it
/// passes, `None` when not (the reasons on stderr). The selected manifest's layers are read
/// through `tap` (`unpack` writes them out in the same pass as the check reads them).
fn gate(
    target: &str,
    common: &CommonArgs,
    gate: &GateArgs,
    print_report: bool,
    verdict_on_stdout: bool,
    tap: Option<&dyn crate::inspect::LayerTap>,
    opened: Option<Opened>,
) -> Result<Option<crate::artifact::Artifact>, Exit> {
    let (report, artifact) = check_opened(target, common, tap, opened)?;
    if print_report {
        emit(&report, common)?;
    } else if let Some(out) = &common.out {
        super::write_reports(&report, out)?;
    }
    let breaking: Vec<String> = report
        .requirements
        .iter()
        .filter(|r| r.status.breaks(r.level))
        .map(|r| format!("{} {}", r.id, r.status))
        .collect();
    if !breaking.is_empty() {
        say(
            verdict_on_stdout,
            &format!(
                "not conformant ({}): {target}: {}",
                common.profile,
                breaking.join(", ")
            ),
        );
        return Ok(None);
    }
    if !gate.require_lifecycle.is_empty() {
        let status = artifact
            .manifest_json()
            .and_then(|m| m.pointer("/annotations/org.cncf.ai.lifecycle.status"))
            .and_then(serde_json::Value::as_str)
            .unwrap_or("(none)");
        if !gate.require_lifecycle.iter().any(|s| s == status) {
            say(
                verdict_on_stdout,
                &format!(
                    "conformant ({}) but {LIFECYCLE} is {status}, not one of {}: {target}",
                    common.profile,
                    gate.require_lifecycle.join(", ")
                ),
            );
            return Ok(None);
        }
    }
    say(
        verdict_on_stdout,
        &format!("conformant ({}): {target}", common.profile),
    );
    Ok(Some(artifact))
}

/// The gate's one-line verdict: on stdout for `verify` (it is the command's answer), unless
/// stdout carries a machine-readable report; on stderr for `unpack`, whose answer is what it wrote.
fn say(on_stdout: bool, verdict: &str) {
    if on_stdout {
        println!("{verdict}");
    } else {
        eprintln!("{verdict}");
    }
}

pub fn verify(args: VerifyArgs) -> Result<u8, Exit> {
    let on_stdout = !args.report || matches!(args.common.format, super::Output::Summary);
    Ok(
        if gate(
            &args.target,
            &args.common,
            &args.gate,
            args.report,
            on_stdout,
            None,
            None,
        )?
        .is_some()
        {
            0
        } else {
            1
        },
    )
}

#[derive(Args)]
pub struct UnpackArgs {
    /// oci:<dir>[:<tag>|@<digest>] or <registry>/<repo>[:<tag>|@<digest>].
    pub target: String,
    /// The directory to write, atomically. One that already holds this manifest's content
    /// (recorded beside it, and verified again) is left as it is: an init container that runs
    /// twice succeeds. One that holds anything else is replaced.
    pub destination: PathBuf,
    #[command(flatten)]
    pub gate: GateArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// One pass: the check that gates the unpack reads every blob once, and the same read writes
/// the layers into a temporary directory next to the destination, put in place (see
/// `reference::destination`) only when the gate passed and every layer verified. A
/// destination that already holds the manifest's content is gated without a tap and left as
/// it is.
pub fn unpack(args: UnpackArgs) -> Result<u8, Exit> {
    let started = Instant::now();
    // The gate without a tap (nothing to write).
    let gate_only = |opened| {
        gate(
            &args.target,
            &args.common,
            &args.gate,
            false,
            false,
            None,
            opened,
        )
    };
    // The destination is judged by the manifest's digest before any blob is read. A target
    // whose manifest cannot even be resolved is the gate's to refuse, as for `verify`.
    let (manifest, digest, opened) = match resolve_manifest(&args.target, &args.common) {
        Ok(resolved) => resolved,
        Err(e) => {
            if gate_only(None)?.is_none() {
                eprintln!("ai-interop: unpack refused; nothing written");
                return Ok(1);
            }
            return Err(e);
        }
    };
    let opts = UnpackOptions {
        limits: args.common.limits(),
        manifest_digest: Some(digest.clone()),
    };
    let extraction = match Extraction::begin(&args.destination, &opts) {
        Ok(e) => e,
        Err(e) => return unpack_failed(e),
    };
    // The manifest verified must be the manifest resolved (a tag can move in between).
    let same = |artifact: &crate::artifact::Artifact| {
        if artifact.manifest_digest == digest {
            Ok(())
        } else {
            Err(Exit::harness(format!(
                "the manifest changed between its resolution ({digest}) and the check ({}); nothing written",
                artifact.manifest_digest
            )))
        }
    };
    let Some(extraction) = extraction else {
        // Already in place (verified against its record): the artifact is still gated.
        let Some(artifact) = gate_only(opened)? else {
            eprintln!("ai-interop: unpack refused; nothing written");
            return Ok(1);
        };
        same(&artifact)?;
        println!(
            "{} already holds {} {digest} (verified); nothing written ({:.2} s)",
            args.destination.display(),
            args.target,
            started.elapsed().as_secs_f64()
        );
        return Ok(0);
    };
    // One pass: the bar counts the bytes the tap sees as the gate's check reads them. On a
    // refusal or an error the extraction is dropped, which removes what it wrote.
    let transfer = super::progress::Transfer::start(&format!("unpacking {}", args.target));
    crate::reference::unpack::expect_layer_bytes(&manifest);
    let gated = gate(
        &args.target,
        &args.common,
        &args.gate,
        false,
        false,
        Some(extraction.tap()),
        opened,
    );
    drop(transfer);
    let Some(artifact) = gated? else {
        eprintln!("ai-interop: unpack refused; nothing written");
        return Ok(1);
    };
    same(&artifact)?;
    match extraction.finish(&artifact) {
        Ok(stats) => {
            println!(
                "unpacked {} into {} ({} files, {} bytes, {} layers, {:.2} s)",
                args.target,
                args.destination.display(),
                stats.files,
                stats.bytes,
                stats.layers,
                started.elapsed().as_secs_f64()
            );
            Ok(0)
        }
        Err(e) => unpack_failed(e),
    }
}

fn unpack_failed(e: UnpackError) -> Result<u8, Exit> {
    match e {
        UnpackError::Refused(m) => {
            eprintln!("ai-interop: unpack refused: {m}; nothing written");
            Ok(1)
        }
        UnpackError::Io(m) => Err(Exit::harness(format!("unpack: {m}; nothing written"))),
        UnpackError::Destination(m) => Err(Exit::usage(format!(
            "unpack: {m}; choose a new or empty directory"
        ))),
    }
}

#[derive(Args)]
pub struct AttachArgs {
    /// The subject manifest: oci:<dir>[:<tag>|@<digest>] or <registry>/<repo>[:<tag>|@<digest>].
    pub target: String,
    /// The evidence file (a signature bundle, an SBOM, provenance, …).
    pub file: PathBuf,
    /// The referrer's artifactType, e.g. application/vnd.dev.sigstore.bundle.v0.3+json.
    #[arg(long, value_name = "MEDIA-TYPE")]
    pub artifact_type: String,
    /// The layer's media type (default: the artifactType).
    #[arg(long, value_name = "MEDIA-TYPE")]
    pub media_type: Option<String>,
    /// A referrer manifest annotation; repeatable.
    #[arg(long = "annotation", value_name = "KEY=VALUE")]
    pub annotations: Vec<String>,
    /// Registry settings (JSON); `AI_INTEROP_REGISTRY_*` variables override it.
    #[arg(long, value_name = "FILE")]
    pub registry_config: Option<PathBuf>,
    /// PEM bundle of CA certificates for the registry's TLS (as for `check --ca-file`).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    #[command(flatten)]
    pub timeouts: super::TimeoutArgs,
}

/// Evidence files are documents: the bound of any document the suite reads.
const MAX_EVIDENCE_BYTES: u64 = crate::input::MAX_INPUT_BYTES;

pub fn attach(args: AttachArgs) -> Result<u8, Exit> {
    use crate::reference::attach::{Evidence, to_layout, to_registry};
    let mut annotations = std::collections::BTreeMap::new();
    for a in &args.annotations {
        let (k, v) = a
            .split_once('=')
            .filter(|(k, _)| !k.is_empty())
            .ok_or_else(|| Exit::usage(format!("--annotation {a}: expected KEY=VALUE")))?;
        annotations.insert(k.to_string(), v.to_string());
    }
    let bytes = crate::input::read_bounded(&args.file, MAX_EVIDENCE_BYTES)
        .map_err(|e| Exit::usage(e.to_string()))?;
    let ev = Evidence {
        bytes,
        media_type: args
            .media_type
            .clone()
            .unwrap_or_else(|| args.artifact_type.clone()),
        artifact_type: args.artifact_type.clone(),
        annotations,
    };
    let attached = match TargetRef::parse(&args.target).map_err(target_error)? {
        TargetRef::Layout { dir, selector } => to_layout(&dir, selector.as_deref(), &ev),
        TargetRef::Registry(r) => {
            let cfg = registry_config(
                args.registry_config.as_ref(),
                args.ca_file.as_ref(),
                &args.timeouts,
            )?;
            to_registry(&r, &cfg, &ev)
        }
    }
    .map_err(|e| Exit::harness(format!("attach to {}: {}", args.target, super::chain(&e))))?;
    println!(
        "attached {} to {} as referrer {} (found through {})",
        args.file.display(),
        attached.subject,
        attached.referrer,
        attached.via
    );
    Ok(0)
}
