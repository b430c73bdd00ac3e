//! MOF-*: openness (spec/v1.0/openness.md): the declared MOF class recomputed from the model
//! openness configuration file referrer.

use super::annotations::non_model_type;
use super::support::{
    annotation, annotation_pointer, evidence_or_error, manifest_annotations, manifest_object,
    referrer_document, referrer_location,
};
use super::{Check, CheckContext, Marks};
use crate::model::Location;
use crate::schemas::{self, SchemaKind};
use crate::trust::openness::{self as verify, MOF_CLASSES};
use crate::vocabulary::{MOF_CLASS, MOF_CONFIG};

pub const CHECKS: &[Check] = &[Check {
    id: "openness.mof-class",
    title: "The declared MOF class recomputed from the model openness configuration file",
    covers: &["MOF-001", "MOF-002", "MOF-003"],
    run: openness,
}];

fn openness(a: &CheckContext, m: &mut Marks) {
    m.strict();
    let covers = CHECKS[0].covers;
    if manifest_object(a).is_none() {
        m.all_not_applicable(covers, "the manifest is not a JSON object");
        return;
    }
    if let Some(t) = non_model_type(a) {
        m.all_not_applicable(
            covers,
            &format!("the artifact is a {t}, not a model; MOF classes describe models"),
        );
        return;
    }
    let Some(declared) = annotation(manifest_annotations(a), MOF_CLASS) else {
        m.all_not_applicable(covers, &format!("{MOF_CLASS} is absent (ANN-022)"));
        return;
    };
    let Some(ev) = evidence_or_error(a, covers, m) else {
        return;
    };
    let found: Vec<_> = ev.of_type(MOF_CONFIG).collect();
    if found.is_empty() {
        m.fail(
            "MOF-001",
            Location::manifest(annotation_pointer("", MOF_CLASS)),
            format!(
                "the manifest declares MOF class {declared:?} but no model openness \
                 configuration file referrer ({MOF_CONFIG}) was found \
                 ({} referrer(s) in all)",
                ev.referrers.len()
            ),
        );
        m.all_not_applicable(&covers[1..], "there is no configuration file to read");
        return;
    }
    m.pass("MOF-001");
    for r in found {
        let (index, doc) = match referrer_document(r, MOF_CONFIG) {
            Ok(d) => d,
            Err(e) => {
                m.fail("MOF-002", referrer_location(r, None, ""), e);
                m.not_applicable("MOF-003", "the configuration file cannot be read (MOF-002)");
                continue;
            }
        };
        let at = |pointer: &str| referrer_location(r, Some(index), pointer);
        let value = match &doc.json {
            Ok(v) => v,
            Err(e) => {
                m.fail("MOF-002", at(""), format!("the configuration file {e}"));
                m.not_applicable("MOF-003", "the configuration file is not JSON (MOF-002)");
                continue;
            }
        };
        let violations = schemas::validate(SchemaKind::MofConfig, value);
        if !violations.is_empty() {
            for v in violations.iter().take(5) {
                m.fail(
                    "MOF-002",
                    at(&v.instance_pointer),
                    format!("not a valid model openness configuration file: {v}"),
                );
            }
            m.not_applicable("MOF-003", "the configuration file is invalid (MOF-002)");
            continue;
        }
        m.pass("MOF-002");
        if !MOF_CLASSES.contains(&declared) {
            m.not_applicable("MOF-003", "the declared class is not a MOF class (ANN-005)");
            continue;
        }
        match verify::judge(value, declared) {
            Ok(()) => m.pass("MOF-003"),
            Err(e) => m.fail("MOF-003", at("/release/components"), e),
        }
    }
}
