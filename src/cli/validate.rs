//! `ai-interop validate <kind> <file>`: one document against the embedded schema and the
//! profile's rules for that document.

use super::Exit;
use crate::artifact::{Artifact, BlobProblem, ConfigFacts, ContentFacts, Document, LayerFacts};
use crate::digest::Digest;
use crate::engine::{self, EvalOptions};
use crate::model::{Finding, Status};
use crate::schemas::{self, SchemaKind};
use crate::spec::Catalog;
use clap::Args;
use serde_json::Value;
use std::path::PathBuf;

#[derive(Args)]
pub struct ValidateArgs {
    /// A schema kind (manifest, modelpack-config, file-metadata, annotations, report,
    /// fixture-case, skill-frontmatter, skill-config, prompt-frontmatter, workflow-config,
    /// serverless-workflow) or an unpackaged agentic asset: skill (a skill directory), prompt (a
    /// template file) or workflow (a workflow document).
    pub kind: String,
    pub file: PathBuf,
    /// For `validate workflow`: the document's declared format.
    #[arg(long, default_value = "serverless-workflow")]
    pub workflow_format: String,
    /// Print findings as JSON instead of lines.
    #[arg(long)]
    pub json: bool,
    #[arg(long, default_value = "core")]
    pub profile: String,
}

/// Requirement families that a lone document of each kind can decide.
fn requirement_prefixes(kind: SchemaKind) -> &'static [&'static str] {
    match kind {
        SchemaKind::Manifest => &["MAN-", "DSC-", "ANN-", "MPK-"],
        SchemaKind::Annotations => &["ANN-"],
        SchemaKind::ModelpackConfig => &["MPK-003", "MPK-013"],
        _ => &[],
    }
}

pub fn run(args: ValidateArgs) -> Result<u8, Exit> {
    super::check_profile(&args.profile)?;
    if let Some(problems) = super::validate_asset::run(&args)? {
        return Ok(print(&args, "", &problems));
    }
    let kind = SchemaKind::from_name(&args.kind).ok_or_else(|| {
        let names: Vec<&str> = SchemaKind::all().iter().map(|k| k.name()).collect();
        Exit::usage(format!(
            "unknown kind {:?}; kinds: {}",
            args.kind,
            names.join(", ")
        ))
    })?;
    let file = std::fs::File::open(&args.file)
        .map_err(|e| Exit::usage(format!("{}: {e}", args.file.display())))?;
    let limits = crate::artifact::Limits::default();
    let doc = Document::from_reader(file, &limits)
        .map_err(|e| Exit::harness(format!("{}: {e}", args.file.display())))?;
    // (where, message, breaks validity): SHOULD-level findings are warnings only.
    let mut problems: Vec<(String, String, bool)> = Vec::new();
    let value = match &doc.json {
        Err(e) => {
            problems.push(("document".into(), e.clone(), true));
            None
        }
        Ok(v) => Some(v.clone()),
    };
    if let Some(v) = &value {
        for s in schemas::validate(kind, v) {
            problems.push((
                format!("schema {}", or_root(&s.instance_pointer)),
                s.message,
                true,
            ));
        }
        for f in rule_findings(kind, doc.clone(), v, &args.profile) {
            let breaks = f.status.breaks(f.level);
            problems.push((
                format!("{} [{}] {}", f.requirement, f.level, f.location),
                f.message,
                breaks,
            ));
        }
    }
    Ok(print(&args, kind.name(), &problems))
}

/// One problem: where, what, and whether it breaks validity (SHOULD findings do not).
pub(super) type Problem = (String, String, bool);

/// Print problems as lines (or JSON) and return the exit code: 1 when one breaks validity.
pub(super) fn print(args: &ValidateArgs, kind: &str, problems: &[Problem]) -> u8 {
    if args.json {
        let items: Vec<Value> = problems
            .iter()
            .map(|(w, m, e)| serde_json::json!({"where": w, "message": m, "error": e}))
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&items).unwrap_or_default()
        );
    } else if problems.is_empty() {
        let kind = if kind.is_empty() { &args.kind } else { kind };
        println!("{}: valid {kind}", args.file.display());
    } else {
        for (w, m, e) in problems {
            let tag = if *e { "error" } else { "warning" };
            println!("{tag}: {w}: {m}");
        }
    }
    if problems.iter().any(|(_, _, e)| *e) {
        1
    } else {
        0
    }
}

fn or_root(p: &str) -> &str {
    if p.is_empty() { "/" } else { p }
}

/// Evaluate the profile's document-level rules on a synthetic artifact that holds only this
/// document; everything that needs blobs is not applicable.
fn rule_findings(kind: SchemaKind, doc: Document, value: &Value, profile: &str) -> Vec<Finding> {
    let prefixes = requirement_prefixes(kind);
    if prefixes.is_empty() {
        return Vec::new();
    }
    let unread = || {
        Err(BlobProblem::Unaddressable(
            "document-only validation reads no blobs".into(),
        ))
    };
    let artifact = match kind {
        SchemaKind::Manifest => {
            let layers = value
                .get("layers")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            Artifact {
                target: "document".into(),
                layout: None,
                manifest_digest: Digest::sha256_of(doc.bytes.as_deref().unwrap_or_default()),
                manifest: doc,
                config: None,
                layers: (0..layers)
                    .map(|index| LayerFacts {
                        index,
                        blob: unread(),
                        content: ContentFacts::default(),
                    })
                    .collect(),
                bundle: None,
                evidence: None,
                trust: Default::default(),
            }
        }
        SchemaKind::Annotations => {
            let manifest = Document::from_bytes(
                serde_json::to_vec(&serde_json::json!({ "annotations": value }))
                    .unwrap_or_default(),
            );
            synthetic(manifest, None)
        }
        _ => {
            let manifest = Document::from_bytes(br#"{"layers":[]}"#.to_vec());
            synthetic(
                manifest,
                Some(ConfigFacts {
                    blob: unread(),
                    document: Some(doc),
                }),
            )
        }
    };
    let options = EvalOptions {
        profile: profile.to_string(),
        ..Default::default()
    };
    let ev = engine::evaluate(Catalog::embedded(), &artifact, &options);
    ev.findings()
        .filter(|f| f.status == Status::Fail || f.status == Status::Error)
        .filter(|f| prefixes.iter().any(|p| f.requirement.starts_with(p)))
        .cloned()
        .collect()
}

fn synthetic(manifest: Document, config: Option<ConfigFacts>) -> Artifact {
    Artifact {
        target: "document".into(),
        layout: None,
        manifest_digest: Digest::sha256_of(manifest.bytes.as_deref().unwrap_or_default()),
        manifest,
        config,
        layers: Vec::new(),
        bundle: None,
        evidence: None,
        trust: Default::default(),
    }
}
