//! The reference packer and runtime: `pack`, `push`, `verify`, `unpack`
//! (implementation in [`crate::reference`]).

use super::check::{check_artifact, target_error};
use super::{CommonArgs, Exit, emit, registry_config};
use crate::reference::pack::ArtifactKind;
use crate::reference::unpack::Extraction;
use crate::reference::{PackOptions, UnpackError, UnpackOptions};
use crate::targets::open::TargetRef;
use crate::targets::registry::reference::Reference;
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
        annotations.push(("org.cncf.ai.lifecycle.status".into(), s.clone()));
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
    let packed = crate::reference::pack(&args.source, &dir, &tag, &opts)
        .map_err(|e| Exit::harness(format!("pack {}: {e:#}", args.source.display())))?;
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
    let cfg = registry_config(args.registry_config.as_ref())?;
    let started = Instant::now();
    let pushed = crate::reference::push::push(&dir, selector.as_deref(), &dest, &cfg)
        .map_err(|e| Exit::harness(format!("push to {dest}: {e:#}")))?;
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

/// The `check` verdict as a gate, then the lifecycle requirement: the artifact's facts when it
/// passes, `None` when not (the reasons on stderr). The selected manifest's layers are read
/// through `tap` (`unpack` writes them out in the same pass as the check reads them).
fn gate(
    target: &str,
    common: &CommonArgs,
    gate: &GateArgs,
    print_report: bool,
    tap: Option<&dyn crate::inspect::LayerTap>,
) -> Result<Option<crate::artifact::Artifact>, Exit> {
    let (report, artifact) = check_artifact(target, common, tap)?;
    if print_report {
        emit(&report, common)?;
    } else if let Some(out) = &common.out {
        crate::report::write_all(&report, out).map_err(|e| {
            Exit::harness(format!(
                "cannot write the report into {}: {e}",
                out.display()
            ))
        })?;
    }
    let breaking: Vec<String> = report
        .requirements
        .iter()
        .filter(|r| r.status.breaks(r.level))
        .map(|r| format!("{} {}", r.id, r.status))
        .collect();
    if !breaking.is_empty() {
        eprintln!(
            "not conformant ({}): {target}: {}",
            common.profile,
            breaking.join(", ")
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
            eprintln!(
                "conformant ({}) but org.cncf.ai.lifecycle.status is {status}, not one of {}: {target}",
                common.profile,
                gate.require_lifecycle.join(", ")
            );
            return Ok(None);
        }
    }
    eprintln!("conformant ({}): {target}", common.profile);
    Ok(Some(artifact))
}

pub fn verify(args: VerifyArgs) -> Result<u8, Exit> {
    Ok(
        if gate(&args.target, &args.common, &args.gate, args.report, None)?.is_some() {
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
    /// The directory to create (it must not exist, or be empty); written atomically.
    pub destination: PathBuf,
    #[command(flatten)]
    pub gate: GateArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// One pass: the check that gates the unpack reads every blob once, and the same read writes
/// the layers into a temporary directory next to the destination, renamed into place only
/// when the gate passed and every layer verified.
pub fn unpack(args: UnpackArgs) -> Result<u8, Exit> {
    let started = Instant::now();
    let opts = UnpackOptions {
        limits: args.common.limits(),
    };
    let extraction = match Extraction::begin(&args.destination, &opts) {
        Ok(e) => e,
        Err(e) => return unpack_failed(e),
    };
    // On a refusal or an error the extraction is dropped, which removes what it wrote.
    let Some(artifact) = gate(
        &args.target,
        &args.common,
        &args.gate,
        false,
        Some(extraction.tap()),
    )?
    else {
        eprintln!("ai-interop: unpack refused; nothing written");
        return Ok(1);
    };
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
    }
}
