//! The transport suite (TRN-0xx): push golden artifacts from a layout to a loopback registry and
//! pull them back into a new layout; the manifest and every blob must come back unchanged.

use super::report::{Asking, Step, StepResult, at};
use super::runtime::{POSITIVES, case_tag};
use super::tool::{describe, judge, skip_all};
use crate::checks::Marks;
use crate::digest::Digest;
use crate::document::Limits;
use crate::targets::adapter::{
    Adapter, Command, Params, RegistryUrlError, ReplyStatus, Sandbox, ScratchRegistry, ToolInfo,
    copy_tree,
};
use crate::targets::layout::OciLayout;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Where artifacts are moved to: a loopback registry (the same one a registry-only tool is
/// lent), and a repository prefix unique to the run.
#[derive(Debug, Clone)]
pub struct Registry {
    pub origin: ScratchRegistry,
    pub namespace: String,
}

impl Registry {
    /// From `http://127.0.0.1:5000` (the form `.ci/registry.sh` exports).
    pub fn from_url(url: &str) -> Result<Registry, RegistryUrlError> {
        let salt = format!(
            "{:x}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
                ^ std::process::id() as u128
        );
        Ok(Registry {
            origin: ScratchRegistry::from_url(url)?,
            namespace: format!("ai-interop-adapters/{salt}"),
        })
    }

    /// The same registry, lent to tools that speak only to registries.
    pub fn scratch(&self) -> ScratchRegistry {
        self.origin.clone()
    }

    pub fn reference(&self, repo: &str, tag: &str) -> String {
        format!("{}/{}/{repo}:{tag}", self.origin.host, self.namespace)
    }
}

/// Push `layout:tag` to `reference`, then pull it into `<sandbox>/out/pulled`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn push_pull(
    adapter: &Adapter,
    layout: &Path,
    tag: &str,
    reference: &str,
    plain_http: bool,
    sandbox: &Sandbox,
    m: &mut Marks,
    subject: &str,
    covers: &[&'static str],
) -> Option<PathBuf> {
    let input = sandbox.input.join("layout");
    if let Err(e) = copy_tree(layout, &input) {
        for r in covers {
            m.error(r, at(subject), format!("copying the layout: {e}"));
        }
        return None;
    }
    let push = adapter.request(
        Command::Push,
        Params::default()
            .path("layout", &input)
            .set("tag", tag)
            .set("reference", reference)
            .set("plainHttp", plain_http),
        sandbox,
        &[],
    );
    let r = judge(&push, m, subject, covers)?;
    if r.status != ReplyStatus::Ok {
        for c in covers {
            m.fail(
                c,
                at(subject),
                push.fault(&format!("push refused: {}", r.message)),
            );
        }
        return None;
    }
    // Which side changed the manifest, when it changed: the registry names what it stored.
    if let (Some(stored), Ok((desc, _))) = (&r.digest, tagged(layout, tag))
        && desc.get("digest").and_then(Value::as_str) != Some(stored.as_str())
    {
        m.fail(
            "TRN-001",
            at(subject),
            format!(
                "the push stored the manifest as {stored}, not as the layout's {}",
                desc.get("digest").and_then(Value::as_str).unwrap_or("?")
            ),
        );
    }
    let pulled = sandbox.output.join("pulled");
    let pull = adapter.request(
        Command::Pull,
        Params::default()
            .path("layout", &pulled)
            .set("tag", tag)
            .set("reference", reference)
            .set("plainHttp", plain_http),
        sandbox,
        &[&pulled],
    );
    let r = judge(&pull, m, subject, covers)?;
    if r.status != ReplyStatus::Ok {
        for c in covers {
            m.fail(
                c,
                at(subject),
                pull.fault(&format!("pull refused: {}", r.message)),
            );
        }
        return None;
    }
    Some(pulled)
}

/// The tagged manifest of a layout: its descriptor and bytes.
fn tagged(layout: &Path, tag: &str) -> Result<(Value, Vec<u8>), String> {
    let limits = Limits::default();
    let l = OciLayout::open(layout, &limits).map_err(|e| e.to_string())?;
    let (facts, doc) = l.select(Some(tag), &limits).map_err(|e| e.to_string())?;
    Ok((facts.selected, doc.bytes.unwrap_or_default()))
}

/// TRN-001 and TRN-002 on an original and a pulled layout; returns the first TRN-001 problem.
pub(crate) fn compare(
    original: &Path,
    pulled: &Path,
    tag: &str,
    m: &mut Marks,
    subject: &str,
) -> Option<String> {
    let (a, b) = match (tagged(original, tag), tagged(pulled, tag)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) => {
            m.error("TRN-001", at(subject), format!("original: {e}"));
            return Some(e);
        }
        (_, Err(e)) => {
            let why = format!("the pulled layout has no manifest tagged {tag}: {e}");
            m.fail("TRN-001", at(subject), why.clone());
            return Some(why);
        }
    };
    let (da, db) = (Digest::sha256_of(&a.1), Digest::sha256_of(&b.1));
    let mut problem = None;
    if a.1 != b.1 {
        let why = format!(
            "the manifest came back as {db} ({} bytes) instead of {da} ({} bytes){}",
            b.1.len(),
            a.1.len(),
            what_changed(&a.1, &b.1)
        );
        m.fail("TRN-001", at(subject), why.clone());
        problem = Some(why);
    } else {
        // Same manifest: every blob it names must be there with the same bytes.
        let limits = Limits::default();
        let manifest: Value = serde_json::from_slice(&b.1).unwrap_or(Value::Null);
        let mut descs: Vec<&Value> = manifest
            .get("layers")
            .and_then(Value::as_array)
            .map(|v| v.iter().collect())
            .unwrap_or_default();
        if let Some(c) = manifest.get("config") {
            descs.push(c);
        }
        if let Ok(l) = OciLayout::open(pulled, &limits) {
            for d in descs {
                let Some(Ok(digest)) = d.get("digest").and_then(Value::as_str).map(Digest::parse)
                else {
                    continue;
                };
                let same = l.open_blob_file(&digest).ok().and_then(|f| {
                    let r = crate::digest::HashingReader::new(
                        f,
                        crate::digest::Hasher::new(digest.algorithm())?,
                    );
                    r.drain().ok().map(|(got, _)| got == digest)
                });
                if same != Some(true) {
                    let why = format!("blob {digest} is missing or changed in the pulled layout");
                    m.fail("TRN-001", at(subject), why.clone());
                    problem.get_or_insert(why);
                }
            }
        }
    }
    let want = serde_json::from_slice::<Value>(&a.1)
        .ok()
        .and_then(|v| v.get("artifactType").cloned());
    if let Some(want) = want
        && b.0.get("artifactType") != Some(&want)
    {
        m.fail(
            "TRN-002",
            at(subject),
            format!(
                "the pulled index.json descriptor lacks `artifactType` {want} (it has {}); the OCI image layout leaves this field optional: a shortfall against this contract only",
                b.0.get("artifactType")
                    .map_or("none".to_string(), |v| v.to_string())
            ),
        );
    }
    problem
}

fn what_changed(a: &[u8], b: &[u8]) -> String {
    let (Ok(x), Ok(y)) = (
        serde_json::from_slice::<Value>(a),
        serde_json::from_slice::<Value>(b),
    ) else {
        return String::new();
    };
    let mut notes = Vec::new();
    for field in ["artifactType", "config", "annotations", "subject"] {
        if x.get(field) != y.get(field) {
            notes.push(format!("`{field}` changed"));
        }
    }
    let layers = |v: &Value| {
        v.get("layers")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    for (i, (l1, l2)) in layers(&x).iter().zip(layers(&y).iter()).enumerate() {
        if l1.get("mediaType") != l2.get("mediaType") {
            notes.push(format!(
                "layer {i} media type {} → {}",
                l1["mediaType"], l2["mediaType"]
            ));
        } else if l1.get("digest") != l2.get("digest") {
            notes.push(format!("layer {i} digest changed (re-compressed?)"));
        }
        if l1.get("annotations") != l2.get("annotations") {
            notes.push(format!("layer {i} annotations changed"));
        }
    }
    if x == y {
        notes.push("same JSON, re-serialized".into());
    }
    if notes.is_empty() {
        String::new()
    } else {
        format!(": {}", notes.join("; "))
    }
}

pub struct TransportRun {
    pub steps: Vec<StepResult>,
    pub tool: Option<ToolInfo>,
}

/// Push a conformant artifact and pull it back unchanged (once per positive case).
pub(crate) const ROUNDTRIP: Step = Step {
    id: "transport.roundtrip.<case>",
    title: "Push a conformant artifact to the registry and pull it back unchanged",
    covers: &["ADP-001", "ADP-003", "ADP-004", "TRN-001", "TRN-002"],
    run: Asking(&["ADP-001", "ADP-003", "ADP-004"]),
};

/// The transport suite's steps.
pub(crate) const STEPS: &[&Step] = &[&ROUNDTRIP];

pub fn run(
    adapter: &Adapter,
    fixtures: &Path,
    registry: &Registry,
    run_dir: &Path,
) -> TransportRun {
    let (step, tool) = describe(adapter, run_dir);
    let mut steps = vec![step];
    let Some(info) = tool.clone() else {
        return TransportRun { steps, tool };
    };
    let unasked = ROUNDTRIP.decides(false);
    for case in POSITIVES {
        let name = super::runtime::case_name(case);
        let id = format!("transport.roundtrip.{name}");
        let title = format!("Push {case} to the registry and pull it back unchanged");
        let lacking = ["push", "pull"].into_iter().find(|c| !info.has(c));
        if let Some(c) = lacking {
            let why = info.lacking(c);
            steps.push(ROUNDTRIP.without_asking(id, title, |m, covers| skip_all(m, covers, &why)));
            continue;
        }
        steps.push(ROUNDTRIP.start(id, title, |m| {
            let case_dir = fixtures.join(case);
            let tag = match case_tag(&case_dir) {
                Ok(t) => t,
                Err(e) => return skip_or_error(m, &unasked, name, &e),
            };
            let sandbox = match Sandbox::new(Some(run_dir)) {
                Ok(s) => s,
                Err(e) => return skip_or_error(m, &unasked, name, &e.to_string()),
            };
            let reference = registry.reference(name, &tag);
            if let Some(pulled) = push_pull(
                adapter,
                &case_dir,
                &tag,
                &reference,
                registry.origin.plain_http,
                &sandbox,
                m,
                name,
                &unasked,
            ) {
                compare(&case_dir, &pulled, &tag, m, name);
            }
        }));
    }
    TransportRun { steps, tool }
}

fn skip_or_error(m: &mut Marks, covers: &[&'static str], subject: &str, why: &str) {
    for r in covers {
        m.error(r, at(subject), why.to_string());
    }
}
