//! WFL-*: workflow definitions as OCI artifacts (provisional `agentic` extension).

use super::agentic::{
    FileAt, KindTypes, ambiguous_booleans, check_types, parse_or_fail, schema, unreadable,
};
use super::support::{config_value, is_kind, layer_count, layer_media_type};
use super::{Check, CheckContext, Marks};
use crate::artifact::CapturedFile;
use crate::frontmatter::{oci_references, parse_document};
use crate::inspect::MAX_CAPTURE_FILE_BYTES;
use crate::model::Location;
use crate::schemas::SchemaKind;
use serde_json::Value;

use crate::vocabulary::{WORKFLOW_CONFIG, WORKFLOW_DOCUMENT_LAYER, WORKFLOW_MANIFEST};
pub(crate) const SERVERLESS_WORKFLOW: &str = "serverless-workflow";

pub const CHECKS: &[Check] = &[
    Check {
        id: "workflows.types",
        title: "Workflow artifactType, config media type and the one document layer",
        covers: &["WFL-001", "WFL-002", "WFL-004"],
        run: types,
    },
    Check {
        id: "workflows.config",
        title: "The workflow config declares the document's format",
        covers: &["WFL-003"],
        run: config,
    },
    Check {
        id: "workflows.document",
        title: "The workflow document reads, has the DSL frame and pins every OCI reference",
        covers: DOCUMENT,
        run: document,
    },
];

/// The requirements decided on the workflow document; `ai-interop validate workflow` decides
/// the same ones on a plain file.
pub const DOCUMENT: &[&str] = &["WFL-005", "WFL-006", "WFL-007", "WFL-008"];

fn types(a: &CheckContext, m: &mut Marks) {
    if !is_kind(a, "workflow", CHECKS[0].covers, m) {
        return;
    }
    check_types(
        a,
        m,
        &KindTypes {
            noun: "a workflow",
            artifact: ("WFL-001", WORKFLOW_MANIFEST),
            config: ("WFL-002", WORKFLOW_CONFIG),
            layer: (
                "WFL-004",
                &[WORKFLOW_DOCUMENT_LAYER],
                "the workflow document",
            ),
            max_layer_bytes: Some(MAX_CAPTURE_FILE_BYTES as u64),
        },
    );
}

fn config(a: &CheckContext, m: &mut Marks) {
    if !is_kind(a, "workflow", CHECKS[1].covers, m) {
        return;
    }
    match config_value(a) {
        Err(None) => m.not_applicable("WFL-003", "the config blob is not available"),
        Err(Some(e)) => m.fail(
            "WFL-003",
            Location::config(""),
            format!("the config is {e}"),
        ),
        Ok(v) => schema(
            m,
            "WFL-003",
            SchemaKind::WorkflowConfig,
            v,
            Location::config,
        ),
    }
}

fn document(a: &CheckContext, m: &mut Marks) {
    if !is_kind(a, "workflow", DOCUMENT, m) {
        return;
    }
    let layer = (0..layer_count(a))
        .find(|i| layer_media_type(a, *i) == Some(WORKFLOW_DOCUMENT_LAYER))
        .and_then(|i| a.layers.get(i));
    let Some(layer) = layer else {
        m.all_not_applicable(
            DOCUMENT,
            "the artifact has no workflow document layer (WFL-004)",
        );
        return;
    };
    if let Some(reason) = unreadable(layer) {
        if layer.content.skipped.is_some() {
            for r in DOCUMENT {
                m.skip(r, reason.clone());
            }
        } else {
            m.all_not_applicable(DOCUMENT, &reason);
        }
        return;
    }
    let Some(file) = layer.content.files.first() else {
        for r in DOCUMENT {
            m.error(
                r,
                Location::layer(layer.index),
                "suite defect: the workflow document was not captured",
            );
        }
        return;
    };
    if file.truncated {
        m.all_not_applicable(DOCUMENT, "the document is larger than 1 MiB (WFL-004)");
        return;
    }
    let format = config_value(a)
        .ok()
        .filter(|c| crate::schemas::is_valid(SchemaKind::WorkflowConfig, c))
        .and_then(|c| c.get("format"))
        .and_then(Value::as_str);
    check_document(Some(layer.index), file, format, m);
}

/// WFL-005 to WFL-008 on one workflow document of the declared `format` (`None` when the
/// format is not known, which makes WFL-007 not applicable).
pub(crate) fn check_document(
    layer: Option<usize>,
    captured: &CapturedFile,
    format: Option<&str>,
    m: &mut Marks,
) {
    let file = FileAt {
        layer,
        path: captured.path.clone(),
    };
    let Some(doc) = parse_or_fail(
        m,
        "WFL-005",
        &file,
        "the workflow document",
        parse_document(&captured.bytes),
    ) else {
        m.all_not_applicable(&DOCUMENT[1..], "the document does not read (WFL-005)");
        return;
    };
    ambiguous_booleans(m, "WFL-006", &file, &doc.ambiguous_booleans);
    match format {
        Some(SERVERLESS_WORKFLOW) => schema(
            m,
            "WFL-007",
            SchemaKind::ServerlessWorkflow,
            &doc.value,
            |p| file.at(p),
        ),
        Some(f) => m.not_applicable(
            "WFL-007",
            format!("the format {f:?} is an extension format; its structure is not checked"),
        ),
        None => m.not_applicable("WFL-007", "the document's format is not declared (WFL-003)"),
    }
    let mut refs = Vec::new();
    oci_references(&doc.value, String::new(), &mut refs);
    if refs.is_empty() {
        m.not_applicable("WFL-008", "the document holds no OCI reference");
    }
    for (at, r) in refs {
        match pinned(&r) {
            Ok(()) => m.pass("WFL-008"),
            Err(why) => m.fail(
                "WFL-008",
                file.at(at),
                format!("the OCI reference {r:?} {why}"),
            ),
        }
    }
}

/// Whether an `oci://` reference is pinned by a well-formed digest.
pub fn pinned(reference: &str) -> Result<(), String> {
    let rest = &reference["oci://".len()..];
    let Some((name, digest)) = rest.rsplit_once('@') else {
        return Err("is not pinned by digest (append @sha256:<64 hex digits>)".into());
    };
    // A tag follows the last ':' when that ':' is after the last '/' (a registry port is not).
    let repo = match (name.rfind(':'), name.rfind('/')) {
        (Some(c), Some(s)) if c > s => &name[..c],
        (Some(c), None) => &name[..c],
        _ => name,
    };
    if !repo.contains('/') || repo.starts_with('/') || repo.ends_with('/') {
        return Err("does not name <registry>/<repository>".into());
    }
    let Some((alg, enc)) = digest.split_once(':') else {
        return Err(format!("has the digest {digest:?}, which has no algorithm"));
    };
    let len = match alg {
        "sha256" => 64,
        "sha512" => 128,
        _ => {
            return Err(format!(
                "uses the digest algorithm {alg:?}; use sha256 or sha512"
            ));
        }
    };
    if enc.len() != len
        || !enc
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(format!(
            "has a {alg} digest that is not {len} lowercase hexadecimal digits"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn pinning() {
        assert!(pinned(&format!("oci://registry.example/models/tiny@{D}")).is_ok());
        assert!(pinned(&format!("oci://registry.example:5000/models/tiny:v1@{D}")).is_ok());
        assert!(pinned("oci://registry.example/models/tiny:v1").is_err());
        assert!(pinned("oci://registry.example/models/tiny@sha256:abc").is_err());
        assert!(
            pinned(&format!(
                "oci://registry.example/models/tiny@{}",
                D.to_uppercase()
            ))
            .is_err()
        );
        assert!(pinned(&format!("oci://tiny@{D}")).is_err());
        assert!(pinned(&format!("oci://r/m@md5:{}", &D[7..39])).is_err());
    }
}
