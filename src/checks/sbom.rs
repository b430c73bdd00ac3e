//! SBM-*: SBOM referrers (spec/v1.0/sbom.md). Reads `artifact.evidence`; the judgments are the
//! pure functions of [`crate::trust::sbom`].

use super::support::{
    annotation, annotation_pointer, evidence_or_error, layer_digests, manifest_annotations,
    referrer_document, referrer_location,
};
use super::{Check, CheckContext, Marks};
use crate::model::Location;
use crate::trust::sbom::{self as verify, Format};
use crate::vocabulary::{CYCLONEDX_JSON, IMAGE_LICENSES, SBOM, SPDX_JSON, SPDX3_JSON};

/// Schema violations quoted per document; the rest are counted.
const MAX_QUOTED: usize = 5;

pub const CHECKS: &[Check] = &[Check {
    id: "sbom.referrers",
    title: "SBOM referrers: format, schema, the artifact named, every layer covered, licences",
    covers: &[
        "SBM-001", "SBM-002", "SBM-003", "SBM-004", "SBM-005", "SBM-006",
    ],
    run: sbom,
}];

/// The requirements that read an SBOM's content, when its document could not be read or is
/// invalid (SBM-002 carries that failure).
fn unjudged(m: &mut Marks) {
    m.all_not_applicable(
        &CHECKS[0].covers[2..],
        "the SBOM document is unreadable or invalid (SBM-002), so its content is not judged",
    );
}

fn sbom(a: &CheckContext, m: &mut Marks) {
    m.strict();
    let covers = CHECKS[0].covers;
    let Some(ev) = evidence_or_error(a, covers, m) else {
        return;
    };
    let ann = manifest_annotations(a);
    let wanted = annotation(ann, SBOM);
    let sboms: Vec<_> = ev
        .referrers
        .iter()
        .filter_map(|r| Some((r, Format::from_media_type(r.artifact_type.as_deref()?)?)))
        .collect();
    let in_wanted_format = sboms
        .iter()
        .any(|(_, f)| wanted.is_none_or(|w| f.annotation_value() == w));
    if in_wanted_format {
        m.pass("SBM-001");
    } else {
        let found: Vec<&str> = sboms.iter().map(|(_, f)| f.name()).collect();
        m.fail(
            "SBM-001",
            Location::manifest(annotation_pointer("", SBOM)),
            match (wanted, found.is_empty()) {
                (_, true) => format!(
                    "no SBOM referrer of the artifact was found ({} referrer(s) in all); \
                     attach one with artifactType {}, {} or {}",
                    ev.referrers.len(),
                    SPDX_JSON,
                    SPDX3_JSON,
                    CYCLONEDX_JSON
                ),
                (Some(w), false) => format!(
                    "{SBOM} says {w:?}, but the SBOM referrers are {}",
                    found.join(", ")
                ),
                (None, false) => unreachable!("an SBOM of any format is wanted"),
            },
        );
    }
    if sboms.is_empty() {
        m.all_not_applicable(&covers[1..], "the artifact has no SBOM referrer to check");
        return;
    }
    let layers = layer_digests(a);
    let licenses = annotation(ann, IMAGE_LICENSES);
    for (r, format) in sboms {
        let (index, doc) = match referrer_document(r, format.media_type()) {
            Ok(d) => d,
            Err(e) => {
                m.fail("SBM-002", referrer_location(r, None, ""), e);
                unjudged(m);
                continue;
            }
        };
        let at = |pointer: &str| referrer_location(r, Some(index), pointer);
        let value = match &doc.json {
            Ok(v) => v,
            Err(e) => {
                m.fail("SBM-002", at(""), format!("the {} SBOM {e}", format.name()));
                unjudged(m);
                continue;
            }
        };
        let violations = verify::validate(format, value);
        if !violations.is_empty() {
            for v in violations.iter().take(MAX_QUOTED) {
                m.fail(
                    "SBM-002",
                    at(&v.instance_pointer),
                    format!("not a valid {} document: {v}", format.name()),
                );
            }
            if violations.len() > MAX_QUOTED {
                m.fail(
                    "SBM-002",
                    at(""),
                    format!("… and {} more violations", violations.len() - MAX_QUOTED),
                );
            }
            // Facts read from an invalid document would be guesses.
            unjudged(m);
            continue;
        }
        m.pass("SBM-002");
        let facts = format.read(value);

        match verify::names_artifact(&facts, &a.manifest_digest) {
            Ok(()) => m.pass("SBM-003"),
            Err(e) => m.fail(
                "SBM-003",
                at(facts.roots.first().map_or("", String::as_str)),
                e,
            ),
        }

        let uncovered = verify::uncovered_layers(&facts, &layers);
        if uncovered.is_empty() {
            m.pass("SBM-004");
        }
        for (i, d) in uncovered {
            m.fail(
                "SBM-004",
                Location::layer(*i).with_pointer(format!("/layers/{i}/digest")),
                format!(
                    "no element of the SBOM (referrer {}) carries layer {i}'s digest {d}",
                    r.digest
                ),
            );
        }

        let invalid = verify::invalid_licences(&facts);
        if invalid.is_empty() {
            m.pass("SBM-005");
        }
        for (field, why) in invalid {
            m.fail(
                "SBM-005",
                at(&field.pointer),
                format!(
                    "{:?} is not a valid SPDX license expression: {why}",
                    field.expression
                ),
            );
        }

        match licenses {
            None => m.not_applicable("SBM-006", format!("{IMAGE_LICENSES} is absent")),
            Some(l) => match verify::licence_agrees(&facts, l) {
                Ok(()) => m.pass("SBM-006"),
                Err(e) => m.fail(
                    "SBM-006",
                    at(facts.declared.as_ref().map_or("", |d| d.pointer.as_str())),
                    e,
                ),
            },
        }
    }
}
