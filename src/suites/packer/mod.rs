//! The packer suite (PCK-0xx): hand the packer each golden source tree with the contract
//! annotations, then judge what it wrote with the artifact checks and the packer rules.

use super::files::{self, Tree};
use super::report::{Asking, Step, StepResult, at};
use super::tool::{blocked, describe, judge, skip_all};
use crate::checks::Marks;
use crate::document::Limits;
use crate::engine::{self, EvalOptions};
use crate::inspect::InspectOptions;
use crate::load::open::TargetRef;
use crate::spec::Catalog;
use crate::targets::adapter::{Adapter, Command, Params, Sandbox, ToolInfo, copy_tree};
use crate::vocabulary::{
    ARTIFACT_TYPE, IMAGE_CREATED, IMAGE_LICENSES, IMAGE_TITLE, IMAGE_VERSION, LIFECYCLE, MOF_CLASS,
    MOF_COMPONENTS, MOF_VERSION, PACKAGING, PROFILE_VERSION,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The tag every pack request asks for.
pub(crate) const TAG: &str = "v1";

/// The source kinds: (kind, capability, profile the artifact is judged under, directory
/// under `fixtures/v1.0/sources/`).
pub(crate) const SOURCES: &[(&str, &str, &str)] = &[
    ("model", "pack-model", "core"),
    ("skill", "pack-skill", "agentic"),
    ("prompt", "pack-prompt", "agentic"),
    ("workflow", "pack-workflow", "agentic"),
];

/// The protocol requirements every request to the adapter decides.
const ASKED: &[&str] = &["ADP-001", "ADP-003", "ADP-004"];

/// Pack one golden source tree and check the artifact (once per source kind).
pub(crate) const PACK: Step = Step {
    id: "packer.pack-<kind>",
    title: "Pack the golden source tree of a kind and check the artifact",
    covers: &[
        "ADP-001", "ADP-003", "ADP-004", "PCK-001", "PCK-002", "PCK-003", "PCK-004",
    ],
    run: Asking(ASKED),
};

/// Pack the model twice: the same manifest digest.
pub(crate) const REPRODUCIBLE: Step = Step {
    id: "packer.reproducible",
    title: "Pack the model source tree a second time: same manifest digest",
    covers: &["ADP-001", "ADP-003", "ADP-004", "PCK-005"],
    run: Asking(ASKED),
};

/// The packer suite's steps.
pub(crate) const STEPS: &[&Step] = &[&PACK, &REPRODUCIBLE];

/// The annotations a pack request asks for: the `core` contract for the kind, with fixed
/// values (a fixed `created` keeps reproducible packers reproducible).
pub fn annotations(kind: &str) -> BTreeMap<String, String> {
    let (artifact_type, title) = match kind {
        "model" => ("model", "Tiny LLM"),
        "skill" => ("skill", "pdf-tools"),
        "prompt" => ("prompt-template", "summarize"),
        _ => ("workflow", "summarize-pdf"),
    };
    let mut a: BTreeMap<String, String> = [
        (PROFILE_VERSION, "1.0.0"),
        (ARTIFACT_TYPE, artifact_type),
        (LIFECYCLE, "experimental"),
        (IMAGE_CREATED, "2025-01-01T00:00:00Z"),
        (IMAGE_LICENSES, "Apache-2.0"),
        (IMAGE_TITLE, title),
        (IMAGE_VERSION, "1.0.0"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    if kind == "model" {
        for (k, v) in [
            (PACKAGING, "modelpack"),
            (MOF_CLASS, "III"),
            (MOF_VERSION, "1.0"),
            (
                MOF_COMPONENTS,
                "model-architecture,final-model-parameters,evaluation-results,model-card,data-card,technical-report,model-openness-config-file",
            ),
        ] {
            a.insert(k.into(), v.into());
        }
    }
    a
}

/// Ask the adapter to pack `source` as `kind` into `<sandbox>/out/layout`.
pub(crate) fn pack_request(
    adapter: &Adapter,
    kind: &str,
    source: &Path,
    sandbox: &Sandbox,
) -> Result<(crate::targets::adapter::Exchange, PathBuf), String> {
    let input = sandbox.input.join("source");
    copy_tree(source, &input).map_err(|e| format!("copying {}: {e}", source.display()))?;
    let layout = sandbox.output.join("layout");
    let ann: serde_json::Map<String, Value> = annotations(kind)
        .into_iter()
        .map(|(k, v)| (k, Value::from(v)))
        .collect();
    let params = Params::default()
        .path("source", &input)
        .set("kind", kind)
        .set("annotations", Value::Object(ann))
        .path("layout", &layout)
        .set("tag", TAG);
    let ex = adapter.request(Command::Pack, params, sandbox, &[&layout]);
    Ok((ex, layout))
}

/// The digest of the manifest tagged `tag` in a layout's `index.json`.
pub(crate) fn tagged_digest(layout: &Path, tag: &str) -> Result<String, String> {
    let limits = Limits::default();
    let l = crate::targets::layout::OciLayout::open(layout, &limits).map_err(|e| e.to_string())?;
    let (facts, _) = l.select(Some(tag), &limits).map_err(|e| e.to_string())?;
    facts
        .selected
        .get("digest")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| "the tagged descriptor has no digest".into())
}

/// The manifest's annotations.
fn manifest_annotations(layout: &Path, tag: &str) -> Result<BTreeMap<String, String>, String> {
    let limits = Limits::default();
    let l = crate::targets::layout::OciLayout::open(layout, &limits).map_err(|e| e.to_string())?;
    let (_, doc) = l.select(Some(tag), &limits).map_err(|e| e.to_string())?;
    let json = doc.json.map_err(|e| e.to_string())?;
    Ok(json
        .get("annotations")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().unwrap_or("<not a string>").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default())
}

/// PCK-001: the artifact checks under the kind's profile; MUST failures fail.
pub(crate) fn judge_artifact(
    catalog: &Catalog,
    layout: &Path,
    profile: &str,
) -> Result<Vec<String>, String> {
    judge_artifact_at(catalog, layout, TAG, profile)
}

/// [`judge_artifact`] on the manifest tagged `tag`.
pub(crate) fn judge_artifact_at(
    catalog: &Catalog,
    layout: &Path,
    tag: &str,
    profile: &str,
) -> Result<Vec<String>, String> {
    let target = TargetRef::Layout {
        dir: layout.to_path_buf(),
        selector: Some(tag.to_string()),
    };
    let artifact = target
        .load(&Limits::default(), &InspectOptions::default())
        .map_err(|e| e.to_string())?;
    let ev = engine::evaluate(
        catalog,
        &artifact,
        &EvalOptions {
            profile: profile.to_string(),
            ..Default::default()
        },
    );
    let broken: Vec<String> = ev
        .requirements
        .iter()
        .filter(|r| r.status.breaks(r.level))
        .map(|r| {
            let first = ev
                .findings()
                .find(|f| f.requirement == r.id)
                .map(|f| format!(": {}", f.message))
                .unwrap_or_default();
            // Whose rule it is, so a defect against OCI or ModelPack stands apart from a
            // disagreement with this contract.
            let origin = catalog.get(&r.id).map_or("", |q| {
                if q.origin.is_upstream() {
                    q.origin.label()
                } else {
                    "contract only"
                }
            });
            let mut line = format!("{} {} [{origin}]{first}", r.id, r.status);
            if line.len() > 300 {
                line.truncate(300);
                line.push('…');
            }
            line
        })
        .collect();
    Ok(broken)
}

/// The whole run.
pub struct PackerRun {
    pub steps: Vec<StepResult>,
    pub tool: Option<ToolInfo>,
}

/// Run the packer suite with the source trees under `sources` and sandboxes under `run_dir`.
pub fn run(catalog: &Catalog, adapter: &Adapter, sources: &Path, run_dir: &Path) -> PackerRun {
    let (step, tool) = describe(adapter, run_dir);
    let mut steps = vec![step];
    let Some(info) = tool.clone() else {
        return PackerRun { steps, tool };
    };
    steps.extend(super::tool::registry_step(adapter, &info));
    let mut first_model: Option<String> = None;
    for (kind, capability, profile) in SOURCES {
        let id = format!("packer.pack-{kind}");
        let title = format!("Pack the golden {kind} source tree and check the artifact");
        let source = sources.join(kind);
        if let Some(why) = blocked(adapter, &info, capability) {
            steps.push(PACK.without_asking(id, title, |m, covers| skip_all(m, covers, &why)));
            continue;
        }
        steps.push(PACK.start(id, title, |m| {
            if let Some(d) = pack_and_judge(catalog, adapter, kind, profile, &source, run_dir, m)
                && *kind == "model"
            {
                first_model = Some(d);
            }
        }));
    }
    let (id, title) = (REPRODUCIBLE.id, REPRODUCIBLE.title);
    if let Some(why) = blocked(adapter, &info, "reproducible") {
        steps.push(REPRODUCIBLE.without_asking(id, title, |m, covers| skip_all(m, covers, &why)));
    } else {
        steps.push(REPRODUCIBLE.start(id, title, |m| {
            let Some(first) = &first_model else {
                m.error(
                    "PCK-005",
                    at("model"),
                    "the first pack of the model did not succeed",
                );
                return;
            };
            let sandbox = match Sandbox::new(Some(run_dir)) {
                Ok(s) => s,
                Err(e) => return m.error("PCK-005", at("model"), e.to_string()),
            };
            match pack_request(adapter, "model", &sources.join("model"), &sandbox) {
                Err(e) => m.error("PCK-005", at("model"), e),
                Ok((ex, layout)) => {
                    if judge(&ex, m, "model", &["PCK-005"]).is_some() {
                        match tagged_digest(&layout, TAG) {
                            Ok(d) if d == *first => {}
                            Ok(d) => m.fail(
                                "PCK-005",
                                at("model"),
                                format!("the second pack gave {d}, the first {first}"),
                            ),
                            Err(e) => m.fail("PCK-005", at("model"), format!("second pack: {e}")),
                        }
                    }
                }
            }
        }));
    }
    PackerRun { steps, tool }
}

/// One pack and its judgement; the manifest digest when the pack succeeded.
fn pack_and_judge(
    catalog: &Catalog,
    adapter: &Adapter,
    kind: &str,
    profile: &str,
    source: &Path,
    run_dir: &Path,
    m: &mut Marks,
) -> Option<String> {
    let judged = &PACK.decides(false);
    let sandbox = match Sandbox::new(Some(run_dir)) {
        Ok(s) => s,
        Err(e) => {
            for r in judged {
                m.error(r, at(kind), format!("cannot make a sandbox: {e}"));
            }
            return None;
        }
    };
    let (ex, layout) = match pack_request(adapter, kind, source, &sandbox) {
        Ok(x) => x,
        Err(e) => {
            for r in judged {
                m.error(r, at(kind), e.clone());
            }
            return None;
        }
    };
    let reply = judge(&ex, m, kind, judged)?;
    if reply.status != crate::targets::adapter::ReplyStatus::Ok {
        let why = ex.fault(&format!(
            "the packer refused a valid source tree: {}",
            reply.message
        ));
        m.fail("ADP-003", at(kind), why.clone());
        for r in judged {
            m.error(r, at(kind), format!("not decided: {why}"));
        }
        return None;
    }
    let digest = match tagged_digest(&layout, TAG) {
        Ok(d) => d,
        Err(e) => {
            m.fail(
                "PCK-001",
                at(kind),
                format!("the packer answered ok, but the layout has no artifact tagged {TAG}: {e}"),
            );
            for r in &judged[1..] {
                m.error(r, at(kind), "no artifact to inspect");
            }
            return None;
        }
    };
    match judge_artifact(catalog, &layout, profile) {
        Ok(broken) if broken.is_empty() => {}
        Ok(broken) => m.fail(
            "PCK-001",
            at(kind),
            format!(
                "the artifact breaks {} requirement(s) of `{profile}`: {}",
                broken.len(),
                files::first(&broken, 6)
            ),
        ),
        Err(e) => m.fail(
            "PCK-001",
            at(kind),
            format!("the artifact cannot be read: {e}"),
        ),
    }
    let expected: Result<Tree, String> = files::dir_tree(source);
    let got = files::artifact_tree(&layout, TAG);
    match (expected, got) {
        (Ok(expected), Ok(got)) => {
            let missing = files::differences(&expected, &got, false);
            if !missing.is_empty() {
                m.fail("PCK-002", at(kind), files::first(&missing, 8));
            }
            let added: Vec<String> = got
                .keys()
                .filter(|p| !expected.contains_key(*p))
                .map(|p| format!("`{p}` is not in the source tree"))
                .collect();
            if !added.is_empty() {
                m.fail("PCK-003", at(kind), files::first(&added, 8));
            }
        }
        (Err(e), _) => {
            m.error("PCK-002", at(kind), format!("source tree: {e}"));
            m.error("PCK-003", at(kind), format!("source tree: {e}"));
        }
        (_, Err(e)) => {
            m.fail(
                "PCK-002",
                at(kind),
                format!("the artifact's files cannot be read: {e}"),
            );
            m.error(
                "PCK-003",
                at(kind),
                format!("the artifact's files cannot be read: {e}"),
            );
        }
    }
    match manifest_annotations(&layout, TAG) {
        Ok(have) => {
            let wrong: Vec<String> = annotations(kind)
                .into_iter()
                .filter_map(|(k, v)| match have.get(&k) {
                    None => Some(format!("`{k}` missing")),
                    Some(x) if *x != v => Some(format!("`{k}` is {x:?}, asked {v:?}")),
                    _ => None,
                })
                .collect();
            if !wrong.is_empty() {
                m.fail("PCK-004", at(kind), files::first(&wrong, 8));
            }
        }
        Err(e) => m.error("PCK-004", at(kind), e),
    }
    Some(digest)
}
