//! OCI-*: the OCI image layout that carries the artifact.

use super::{Check, CheckContext, Marks};
use crate::artifact::{Artifact, BlobProblem, IndexProblemKind};
use crate::digest::{Digest, Hasher};
use crate::model::Location;
use crate::vocabulary::OCI_MANIFEST;
use serde_json::Value;

pub(crate) const CHECKS: &[Check] = &[Check {
    id: "layout.structure",
    title: "OCI image layout: oci-layout, index.json and the selecting descriptor",
    covers: &["OCI-001", "OCI-002", "OCI-003"],
    run,
}];

fn run(a: &CheckContext, m: &mut Marks) {
    let Some(layout) = &a.layout else {
        m.all_not_applicable(
            CHECKS[0].covers,
            "the artifact was not read from an OCI image layout",
        );
        return;
    };

    match &layout.oci_layout {
        None => m.fail(
            "OCI-001",
            Location::document("oci-layout"),
            "the layout has no oci-layout file",
        ),
        Some(doc) => match &doc.json {
            Err(e) => m.fail(
                "OCI-001",
                Location::document("oci-layout"),
                format!("oci-layout is not JSON: {e}"),
            ),
            Ok(v) => match v.get("imageLayoutVersion") {
                Some(Value::String(s)) if s == "1.0.0" => {}
                other => m.fail(
                    "OCI-001",
                    Location::document("oci-layout").with_pointer("/imageLayoutVersion"),
                    format!(
                        "imageLayoutVersion must be \"1.0.0\", found {}",
                        show(other)
                    ),
                ),
            },
        },
    }

    let index = Location::document("index");
    match &layout.index.json {
        Err(e) => m.fail("OCI-002", index, format!("index.json is not JSON: {e}")),
        Ok(v) => {
            if v.get("schemaVersion") != Some(&Value::from(2)) {
                m.fail(
                    "OCI-002",
                    index.clone().with_pointer("/schemaVersion"),
                    format!(
                        "index.json schemaVersion must be 2, found {}",
                        show(v.get("schemaVersion"))
                    ),
                );
            }
            match v.get("manifests") {
                Some(Value::Array(items)) => {
                    for (i, d) in items.iter().enumerate() {
                        if !d.is_object() {
                            m.fail(
                                "OCI-002",
                                index.clone().with_pointer(format!("/manifests/{i}")),
                                "every element of manifests must be a descriptor object",
                            );
                        }
                    }
                }
                other => m.fail(
                    "OCI-002",
                    index.clone().with_pointer("/manifests"),
                    format!(
                        "index.json must have a manifests array, found {}",
                        show(other)
                    ),
                ),
            }
        }
    }

    check_selecting_descriptor(a, &layout.selected, &layout.selected_pointer, m);
}

fn check_selecting_descriptor(a: &Artifact, d: &Value, pointer: &str, m: &mut Marks) {
    let at = |field: &str| Location::document("index").with_pointer(format!("{pointer}/{field}"));
    let declared_type = d.get("mediaType").and_then(Value::as_str);
    let manifest_type = a
        .manifest_json()
        .and_then(|v| v.get("mediaType"))
        .and_then(Value::as_str)
        .unwrap_or(OCI_MANIFEST);
    if declared_type != Some(manifest_type) {
        m.fail(
            "OCI-003",
            at("mediaType"),
            format!(
                "the descriptor's mediaType is {}, the manifest is {manifest_type}",
                declared_type.map_or("absent".to_string(), |t| t.to_string())
            ),
        );
    }
    match d.get("size").and_then(Value::as_u64) {
        Some(s) if s == a.manifest.size => {}
        other => m.fail(
            "OCI-003",
            at("size"),
            format!(
                "the descriptor's size is {}, the manifest has {} bytes",
                other.map_or("invalid".to_string(), |s| s.to_string()),
                a.manifest.size
            ),
        ),
    }
    let declared = d.get("digest").and_then(Value::as_str).unwrap_or("");
    let actual = match Digest::parse(declared) {
        Ok(dg) if dg.algorithm() == "sha256" => Some(a.manifest_digest.clone()),
        Ok(dg) => a.manifest.bytes.as_ref().and_then(|b| {
            let mut h = Hasher::new(dg.algorithm())?;
            h.update(b);
            Some(h.finish())
        }),
        Err(_) => None,
    };
    match actual {
        Some(actual) if actual.to_string() == declared => {}
        Some(actual) => m.fail(
            "OCI-003",
            at("digest"),
            format!("the descriptor's digest is {declared}, the manifest's bytes hash to {actual}"),
        ),
        None => m.fail(
            "OCI-003",
            at("digest"),
            format!("the descriptor's digest {declared:?} is not a registered digest"),
        ),
    }
}

/// OCI-004 apart from `layout.structure`, so that the structure check keeps its shape.
pub(crate) const LINK_CHECKS: &[Check] = &[Check {
    id: "layout.blob-links",
    title: "OCI image layout: no blob is a symbolic link that leaves the layout",
    covers: &["OCI-004"],
    run: run_links,
}];

fn run_links(a: &CheckContext, m: &mut Marks) {
    if a.layout.is_none() {
        m.not_applicable(
            "OCI-004",
            "the artifact was not read from an OCI image layout",
        );
        return;
    }
    let mut outside = Vec::new();
    links_leaving(a, "", &mut outside);
    for p in a.index.iter().flat_map(|i| &i.problems) {
        if p.kind == IndexProblemKind::OutsideLayout {
            let at = Location::document("index").with_pointer(p.path.clone());
            outside.push((at, p.message.clone()));
        }
    }
    for c in a.index.iter().flat_map(|i| &i.children) {
        links_leaving(
            &c.artifact,
            &format!("manifest at {}: ", c.path),
            &mut outside,
        );
    }
    for (at, why) in outside {
        m.fail("OCI-004", at, why);
    }
    m.pass("OCI-004");
}

/// The config and layer blobs of `a` that are links leaving the layout.
fn links_leaving(a: &Artifact, prefix: &str, out: &mut Vec<(Location, String)>) {
    if let Some(Err(BlobProblem::OutsideLayout(why))) = a.config.as_ref().map(|c| &c.blob) {
        out.push((Location::manifest("/config"), format!("{prefix}{why}")));
    }
    for l in &a.layers {
        if let Err(BlobProblem::OutsideLayout(why)) = &l.blob {
            let at = Location::manifest(format!("/layers/{}", l.index));
            out.push((at, format!("{prefix}{why}")));
        }
    }
}

/// A short rendering of an optional JSON value for messages.
pub(crate) fn show(v: Option<&Value>) -> String {
    match v {
        None => "nothing".into(),
        Some(v) => {
            let s = v.to_string();
            if s.chars().count() > 80 {
                format!("{}…", s.chars().take(80).collect::<String>())
            } else {
                s
            }
        }
    }
}
