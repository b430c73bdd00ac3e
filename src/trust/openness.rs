//! Openness (spec/v1.0/openness.md): recompute the Model Openness Framework class from the model
//! openness configuration file — which components are listed, and whether each one's resolved
//! licence is open — and compare it with the declared class. The class rules are the one table
//! in [`mof_class_requires`], here below the checks that read it too.

use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

pub(crate) const MOF_CLASS_III: &[&str] = &[
    "model-architecture",
    "final-model-parameters",
    "evaluation-results",
    "model-card",
    "data-card",
    "technical-report",
];
pub(crate) const MOF_CLASS_II: &[&str] = &[
    "training-code",
    "inference-code",
    "evaluation-code",
    "evaluation-data",
];
pub(crate) const MOF_CLASS_I: &[&str] = &[
    "datasets",
    "data-preprocessing-code",
    "intermediate-model-parameters",
    "research-paper",
];

/// The MOF classes from most to least open.
pub(crate) const MOF_CLASSES: &[&str] = &["I", "II", "III"];

/// The components a MOF class requires under the cumulative class rules (a `research-paper`
/// may stand in for the `technical-report`); `None` for a value that is not a MOF class. The one
/// table of these rules: ANN-009 (`crate::checks::annotations`) and the openness recomputation
/// (MOF-003) both read it.
pub(crate) fn mof_class_requires(class: &str) -> Option<Vec<&'static str>> {
    match class {
        "III" => Some(MOF_CLASS_III.to_vec()),
        "II" => Some([MOF_CLASS_III, MOF_CLASS_II].concat()),
        "I" => Some([MOF_CLASS_III, MOF_CLASS_II, MOF_CLASS_I].concat()),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContentType {
    Code,
    Data,
    Document,
}

impl ContentType {
    /// The key of `release.license` for this content type.
    fn key(self) -> &'static str {
        match self {
            ContentType::Code => "code",
            ContentType::Data => "data",
            ContentType::Document => "document",
        }
    }
}

/// Every MOF component: the annotation vocabulary term, the MOF name, the content type.
const COMPONENTS: &[(&str, &str, ContentType)] = &[
    (
        "model-architecture",
        "Model architecture",
        ContentType::Code,
    ),
    (
        "final-model-parameters",
        "Model parameters (Final)",
        ContentType::Data,
    ),
    (
        "evaluation-results",
        "Evaluation results",
        ContentType::Document,
    ),
    ("model-card", "Model card", ContentType::Document),
    ("data-card", "Data card", ContentType::Document),
    (
        "technical-report",
        "Technical report",
        ContentType::Document,
    ),
    (
        "sample-model-outputs",
        "Sample model outputs",
        ContentType::Document,
    ),
    ("training-code", "Training code", ContentType::Code),
    ("inference-code", "Inference code", ContentType::Code),
    ("evaluation-code", "Evaluation code", ContentType::Code),
    ("evaluation-data", "Evaluation data", ContentType::Data),
    (
        "supporting-libraries-and-tools",
        "Supporting libraries and tools",
        ContentType::Code,
    ),
    ("datasets", "Datasets", ContentType::Data),
    (
        "data-preprocessing-code",
        "Data preprocessing code",
        ContentType::Code,
    ),
    (
        "intermediate-model-parameters",
        "Model parameters (Intermediate)",
        ContentType::Data,
    ),
    ("research-paper", "Research paper", ContentType::Document),
    ("model-metadata", "Model metadata", ContentType::Data),
];

/// The open data licences of the MOF licence table, by SPDX identifier.
const OPEN_DATA_LICENCES: &[&str] = &[
    "CC0-1.0",
    "CC-BY-1.0",
    "CC-BY-2.0",
    "CC-BY-2.5",
    "CC-BY-2.5-AU",
    "CC-BY-3.0",
    "CC-BY-3.0-AT",
    "CC-BY-3.0-AU",
    "CC-BY-3.0-DE",
    "CC-BY-3.0-IGO",
    "CC-BY-3.0-NL",
    "CC-BY-3.0-US",
    "CC-BY-4.0",
    "CC-BY-SA-1.0",
    "CC-BY-SA-2.0",
    "CC-BY-SA-2.0-UK",
    "CC-BY-SA-2.1-JP",
    "CC-BY-SA-2.5",
    "CC-BY-SA-3.0",
    "CC-BY-SA-3.0-AT",
    "CC-BY-SA-4.0",
    "CDLA-Permissive-1.0",
    "CDLA-Permissive-2.0",
    "CDLA-Sharing-1.0",
    "ODC-By-1.0",
    "ODbL-1.0",
    "PDDL-1.0",
    "GFDL-1.3",
    "OGL-Canada-2.0",
    "OGL-UK-2.0",
    "OGL-UK-3.0",
];

/// The component term for a name in the configuration file: a vocabulary term or a MOF name,
/// compared without regard to case.
pub(crate) fn component_term(name: &str) -> Option<&'static str> {
    let name = name.trim();
    COMPONENTS
        .iter()
        .find(|(term, mof, _)| term.eq_ignore_ascii_case(name) || mof.eq_ignore_ascii_case(name))
        .map(|(term, _, _)| *term)
}

fn content_type(term: &str) -> Option<ContentType> {
    COMPONENTS.iter().find(|(t, _, _)| *t == term).map(|c| c.2)
}

/// Why a component does not count as included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Exclusion {
    NotListed,
    Unlicensed,
    NotOpen(String),
    Invalid { licence: String, reason: String },
}

impl fmt::Display for Exclusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exclusion::NotListed => f.write_str("not listed"),
            Exclusion::Unlicensed => f.write_str("unlicensed"),
            Exclusion::NotOpen(l) => write!(f, "licence {l:?} is not open"),
            Exclusion::Invalid { licence, reason } => {
                write!(
                    f,
                    "licence {licence:?} is not a valid SPDX expression: {reason}"
                )
            }
        }
    }
}

/// Whether one licence of an expression is open under the MOF licence tables.
fn licence_is_open(req: &spdx::LicenseReq) -> bool {
    match &req.license {
        spdx::LicenseItem::Spdx { id, .. } => {
            id.is_osi_approved()
                || id.is_fsf_free_libre()
                || OPEN_DATA_LICENCES.contains(&id.name)
                || id.name == "OpenMDW-1.0"
        }
        // A LicenseRef's terms are not known to the suite.
        spdx::LicenseItem::Other(_) => false,
    }
}

/// Judge one licence value: included (`Ok`) or why not.
pub(crate) fn judge_licence(licence: Option<&str>) -> Result<(), Exclusion> {
    let licence = match licence.map(str::trim) {
        None | Some("") => return Err(Exclusion::Unlicensed),
        Some(l) if l.eq_ignore_ascii_case("unlicensed") => return Err(Exclusion::Unlicensed),
        Some(l) => l,
    };
    let expr = spdx::Expression::parse(licence).map_err(|e| Exclusion::Invalid {
        licence: licence.into(),
        reason: e.reason.to_string(),
    })?;
    if expr.evaluate(licence_is_open) {
        Ok(())
    } else {
        Err(Exclusion::NotOpen(licence.into()))
    }
}

/// What the configuration file shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Assessment {
    /// Each listed, recognised component: included (`Ok`) or why not.
    pub components: BTreeMap<&'static str, Result<(), Exclusion>>,
    /// Component names the file lists that are not MOF components.
    pub unknown: Vec<String>,
}

impl Assessment {
    fn status(&self, term: &str) -> Result<(), Exclusion> {
        self.components
            .get(term)
            .cloned()
            .unwrap_or(Err(Exclusion::NotListed))
    }

    /// The components `class` needs that are not included, with why; `None` for a value that
    /// is not a MOF class.
    pub(crate) fn missing_for(&self, class: &str) -> Option<Vec<(&'static str, Exclusion)>> {
        let required = mof_class_requires(class)?;
        let paper_included = self.status("research-paper").is_ok();
        Some(
            required
                .into_iter()
                .filter(|t| !(*t == "technical-report" && paper_included))
                .filter_map(|t| self.status(t).err().map(|e| (t, e)))
                .collect(),
        )
    }

    /// The most open class whose required components are all included; `None`: unclassified.
    pub(crate) fn computed_class(&self) -> Option<&'static str> {
        MOF_CLASSES
            .iter()
            .copied()
            .find(|c| self.missing_for(c).is_some_and(|m| m.is_empty()))
    }
}

/// The string at `release.license.<key>.name`.
fn release_licence<'a>(doc: &'a Value, key: &str) -> Option<&'a str> {
    doc.get("release")?
        .get("license")?
        .get(key)?
        .get("name")?
        .as_str()
}

/// Read the configuration file (valid against the `mof-config` schema; anything else finds
/// less but never panics).
pub(crate) fn assess(doc: &Value) -> Assessment {
    let mut out = Assessment::default();
    let listed = doc
        .get("release")
        .and_then(|r| r.get("components"))
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    for c in listed {
        let Some(name) = c.get("name").and_then(Value::as_str) else {
            continue;
        };
        let Some(term) = component_term(name) else {
            out.unknown.push(name.to_string());
            continue;
        };
        let ct = content_type(term).expect("every term has a content type");
        // Resolution order: the component's own licence, the release licence of its content
        // type, the distribution licence.
        let licence = c
            .get("license")
            .and_then(Value::as_str)
            .or_else(|| release_licence(doc, ct.key()))
            .or_else(|| release_licence(doc, "distribution"));
        let verdict = judge_licence(licence);
        // Listed twice: included when either listing is.
        let entry = out.components.entry(term).or_insert(verdict.clone());
        if verdict.is_ok() {
            *entry = Ok(());
        }
    }
    out
}

/// MOF-003: the declared class is not higher than the computed one; `Err` names every missing
/// component of the declared class and why.
pub fn judge(doc: &Value, declared: &str) -> Result<(), String> {
    let a = assess(doc);
    let Some(missing) = a.missing_for(declared) else {
        return Err(format!("declared class {declared:?} is not a MOF class"));
    };
    if missing.is_empty() {
        return Ok(());
    }
    let computed = a
        .computed_class()
        .map_or("unclassified".to_string(), |c| format!("class {c}"));
    let list: Vec<String> = missing
        .iter()
        .map(|(t, why)| format!("{t} ({why})"))
        .collect();
    Err(format!(
        "declared class {declared}, but the configuration file supports {computed}; \
         class {declared} needs {}",
        list.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config(components: Value) -> Value {
        json!({
            "framework": {"name": "Model Openness Framework", "version": "1.0", "date": "2024-12-15"},
            "release": {
                "name": "tiny", "producer": "example",
                "license": {
                    "distribution": {"name": "Apache-2.0"},
                    "data": {"name": "CDLA-Permissive-2.0"},
                    "document": {"name": "CC-BY-4.0"}
                },
                "components": components
            }
        })
    }

    fn names(terms: &[&str]) -> Value {
        Value::Array(terms.iter().map(|t| json!({"name": t})).collect())
    }

    const III: &[&str] = &[
        "Model architecture",
        "Model parameters (Final)",
        "Evaluation results",
        "Model card",
        "Data card",
        "Technical report",
    ];

    #[test]
    fn class_iii_from_mof_names_and_inherited_licences() {
        let doc = config(names(III));
        let a = assess(&doc);
        assert_eq!(a.computed_class(), Some("III"));
        assert_eq!(judge(&doc, "III"), Ok(()));
        let e = judge(&doc, "II").unwrap_err();
        assert!(
            e.contains("supports class III") && e.contains("training-code (not listed)"),
            "{e}"
        );
    }

    #[test]
    fn research_paper_stands_in_for_the_technical_report() {
        let mut terms: Vec<&str> = III[..5].to_vec();
        terms.push("research-paper");
        assert_eq!(assess(&config(names(&terms))).computed_class(), Some("III"));
        assert_eq!(assess(&config(names(&III[..5]))).computed_class(), None);
    }

    #[test]
    fn every_class_and_unknown_names() {
        let all: Vec<&str> = COMPONENTS.iter().map(|c| c.0).chain(["Magic"]).collect();
        let a = assess(&config(names(&all)));
        assert_eq!(a.computed_class(), Some("I"));
        assert_eq!(a.unknown, vec!["Magic"]);
        assert_eq!(judge(&config(names(&all)), "I"), Ok(()));
        assert!(judge(&config(names(&all)), "IV").is_err());
    }

    #[test]
    fn unlicensed_closed_and_invalid_licences_exclude() {
        let mut comps = names(III);
        comps[1]["license"] = json!("unlicensed");
        comps[3]["license"] = json!("LicenseRef-Proprietary");
        comps[4]["license"] = json!("Apache 2");
        let e = judge(&config(comps), "III").unwrap_err();
        assert!(e.contains("final-model-parameters (unlicensed)"), "{e}");
        assert!(
            e.contains("model-card (licence \"LicenseRef-Proprietary\" is not open)"),
            "{e}"
        );
        assert!(
            e.contains("data-card (licence \"Apache 2\" is not a valid"),
            "{e}"
        );
        assert!(e.contains("supports unclassified"), "{e}");
    }

    #[test]
    fn licence_resolution_and_open_tables() {
        assert_eq!(judge_licence(Some("OpenMDW-1.0")), Ok(()));
        assert_eq!(judge_licence(Some("CC-BY-4.0")), Ok(()));
        assert_eq!(judge_licence(Some("MIT OR LicenseRef-X")), Ok(()));
        assert!(judge_licence(Some("MIT AND LicenseRef-X")).is_err());
        assert!(judge_licence(Some("CC-BY-NC-4.0")).is_err());
        assert_eq!(judge_licence(None), Err(Exclusion::Unlicensed));
        // No release licences: a component without its own licence is unlicensed.
        let doc = json!({"release": {"components": [{"name": "Model card"}]}});
        assert_eq!(
            assess(&doc).components["model-card"],
            Err(Exclusion::Unlicensed)
        );
        // A listing twice is included when either is.
        let doc = config(
            json!([{"name": "Model card", "license": "unlicensed"}, {"name": "model-card"}]),
        );
        assert_eq!(assess(&doc).components["model-card"], Ok(()));
        assert_eq!(assess(&json!(null)), Assessment::default());
    }
}
