//! Small readers over manifest JSON shared by the check families.

use crate::artifact::{Artifact, BlobFacts, BlobProblem};
use crate::model::{Location, pointer_token};
use serde_json::{Map, Value};

use crate::vocabulary::{ARTIFACT_TYPE, FILEPATH, LEGACY_FILEPATH};

/// The manifest as a JSON object, when it is one.
pub(crate) fn manifest_object(a: &Artifact) -> Option<&Map<String, Value>> {
    a.manifest_json().and_then(Value::as_object)
}

/// Which descriptor of the manifest a value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Config,
    Layer(usize),
    Subject,
}

/// A descriptor of the manifest with its JSON pointer.
pub(crate) struct DescriptorRef<'a> {
    pub role: Role,
    pub pointer: String,
    pub value: &'a Value,
}

impl DescriptorRef<'_> {
    pub(crate) fn object(&self) -> Option<&Map<String, Value>> {
        self.value.as_object()
    }
    pub(crate) fn str_field(&self, name: &str) -> Option<&str> {
        self.value.get(name).and_then(Value::as_str)
    }
}

/// `config`, each element of `layers` and `subject`, in that order.
pub(crate) fn descriptors(a: &Artifact) -> Vec<DescriptorRef<'_>> {
    let mut out = Vec::new();
    let Some(m) = manifest_object(a) else {
        return out;
    };
    if let Some(c) = m.get("config") {
        out.push(DescriptorRef {
            role: Role::Config,
            pointer: "/config".into(),
            value: c,
        });
    }
    if let Some(layers) = m.get("layers").and_then(Value::as_array) {
        for (i, l) in layers.iter().enumerate() {
            out.push(DescriptorRef {
                role: Role::Layer(i),
                pointer: format!("/layers/{i}"),
                value: l,
            });
        }
    }
    if let Some(s) = m.get("subject") {
        out.push(DescriptorRef {
            role: Role::Subject,
            pointer: "/subject".into(),
            value: s,
        });
    }
    out
}

/// The stored-blob facts for a descriptor; `None` for `subject` (its content lives elsewhere).
pub(crate) fn blob_of(a: &Artifact, role: Role) -> Option<&Result<BlobFacts, BlobProblem>> {
    match role {
        Role::Config => a.config.as_ref().map(|c| &c.blob),
        Role::Layer(i) => a.layers.get(i).map(|l| &l.blob),
        Role::Subject => None,
    }
}

/// The string value of an annotation; non-string values are MAN-008's business and ignored here.
pub(crate) fn annotation<'a>(annotations: Option<&'a Value>, key: &str) -> Option<&'a str> {
    annotations?.as_object()?.get(key)?.as_str()
}

/// The manifest's annotation map, when it is an object.
pub(crate) fn manifest_annotations(a: &Artifact) -> Option<&Value> {
    manifest_object(a)?
        .get("annotations")
        .filter(|v| v.is_object())
}

/// A layer descriptor's annotation map.
pub(crate) fn layer_annotations(a: &Artifact, index: usize) -> Option<&Value> {
    manifest_object(a)?
        .get("layers")?
        .as_array()?
        .get(index)?
        .get("annotations")
}

/// The layer's file path annotation and whether it used the legacy key.
pub(crate) fn layer_filepath(a: &Artifact, index: usize) -> Option<(&str, bool)> {
    let ann = layer_annotations(a, index);
    annotation(ann, FILEPATH)
        .map(|p| (p, false))
        .or_else(|| annotation(ann, LEGACY_FILEPATH).map(|p| (p, true)))
}

/// The layer descriptor's media type.
pub(crate) fn layer_media_type(a: &Artifact, index: usize) -> Option<&str> {
    manifest_object(a)?
        .get("layers")?
        .as_array()?
        .get(index)?
        .get("mediaType")?
        .as_str()
}

/// Whether the manifest says `org.cncf.ai.artifact.type: <kind>`; when it does not, marks every
/// requirement of `covers` not-applicable (the agentic families apply to their kind only).
pub(crate) fn is_kind(
    a: &Artifact,
    kind: &str,
    covers: &[&'static str],
    m: &mut super::Marks,
) -> bool {
    if manifest_object(a).is_none() {
        m.all_not_applicable(covers, "the manifest is not a JSON object");
        return false;
    }
    match annotation(manifest_annotations(a), ARTIFACT_TYPE) {
        Some(t) if t == kind => true,
        Some(t) => {
            m.all_not_applicable(covers, &format!("the artifact is a {t}, not a {kind}"));
            false
        }
        None => {
            m.all_not_applicable(
                covers,
                &format!("the artifact does not say it is a {kind} ({ARTIFACT_TYPE})"),
            );
            false
        }
    }
}

/// The manifest's `artifactType`.
pub(crate) fn artifact_type(a: &Artifact) -> Option<&str> {
    manifest_object(a)?.get("artifactType")?.as_str()
}

/// The config descriptor's media type.
pub(crate) fn config_media_type(a: &Artifact) -> Option<&str> {
    manifest_object(a)?
        .get("config")?
        .get("mediaType")?
        .as_str()
}

/// The number of elements of the manifest's `layers` array.
pub(crate) fn layer_count(a: &Artifact) -> usize {
    manifest_object(a)
        .and_then(|o| o.get("layers"))
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

/// The config's parse, or why it is not there: `Err(None)` when the blob could not be read
/// (another requirement reports it), `Err(Some(message))` when it is not JSON.
pub(crate) fn config_value(a: &Artifact) -> Result<&Value, Option<String>> {
    let doc = a
        .config
        .as_ref()
        .and_then(|c| c.document.as_ref())
        .ok_or(None)?;
    doc.json.as_ref().map_err(|e| Some(e.clone()))
}

/// Pointer to an annotation key of a descriptor or the manifest.
pub(crate) fn annotation_pointer(base: &str, key: &str) -> String {
    format!("{base}/annotations/{}", pointer_token(key))
}

/// RFC 6838 `type "/" subtype` with restricted-name characters, each part 1–127 characters.
pub(crate) fn is_media_type(s: &str) -> bool {
    let restricted = |p: &str| {
        let b = p.as_bytes();
        !b.is_empty()
            && b.len() <= 127
            && b[0].is_ascii_alphanumeric()
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(c))
    };
    match s.split_once('/') {
        Some((t, st)) => restricted(t) && restricted(st),
        None => false,
    }
}

/// The referrers discovery found, or why the evidence checks cannot decide: when discovery did
/// not run or did not complete, every requirement of `covers` is marked `error` (the suite could
/// not decide) and `None` is returned. Evidence that is simply absent is not an error: the
/// caller fails the requirement that asks for it.
pub(crate) fn evidence_or_error<'a>(
    a: &'a Artifact,
    covers: &[&'static str],
    m: &mut super::Marks,
) -> Option<&'a crate::evidence::EvidenceFacts> {
    let why = match &a.evidence {
        None => "evidence discovery did not run for this target, so its referrers are unknown"
            .to_string(),
        Some(ev) => match &ev.error {
            None => return Some(ev),
            Some(e) => format!("evidence discovery failed: {e}"),
        },
    };
    for r in covers {
        m.error(r, Location::default(), why.clone());
    }
    None
}

/// Where a finding about one layer of a referrer points: the referrer manifest's digest and the
/// layer's index, with a JSON pointer into the layer's document.
pub(crate) fn referrer_location(
    referrer: &crate::evidence::Referrer,
    layer: Option<usize>,
    pointer: &str,
) -> Location {
    Location {
        document: Some(match layer {
            Some(i) => format!("referrer {} layer {i}", referrer.digest),
            None => format!("referrer {}", referrer.digest),
        }),
        pointer: (!pointer.is_empty()).then(|| pointer.to_string()),
        ..Default::default()
    }
}

/// The stored document of a referrer's first layer of `media_type`, with the layer's index, or
/// why it cannot be read (no such layer, blob absent or over the size bound).
pub(crate) fn referrer_document<'a>(
    referrer: &'a crate::evidence::Referrer,
    media_type: &str,
) -> Result<(usize, &'a crate::document::Document), String> {
    let blob = referrer
        .blob(media_type)
        .ok_or_else(|| format!("the referrer holds no layer of media type {media_type}"))?;
    let doc = blob
        .content
        .as_ref()
        .map_err(|e| format!("layer {} ({}) cannot be read: {e}", blob.index, blob.digest))?;
    Ok((blob.index, doc))
}

/// The descriptor digests of the manifest's layers that parse, with their index (a malformed
/// digest is DSC-002's finding; the evidence checks cannot bind to it).
pub(crate) fn layer_digests(a: &Artifact) -> Vec<(usize, crate::digest::Digest)> {
    manifest_object(a)
        .and_then(|o| o.get("layers"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, l)| {
            let d = crate::digest::Digest::parse(l.get("digest")?.as_str()?).ok()?;
            Some((i, d))
        })
        .collect()
}

/// An artifact of a manifest alone (no blobs read, no discovery), for unit tests of checks.
#[cfg(test)]
pub(crate) fn artifact_of(manifest: Value) -> Artifact {
    let bytes = serde_json::to_vec(&manifest).expect("serializable");
    Artifact {
        target: "test".into(),
        layout: None,
        manifest_digest: crate::digest::Digest::sha256_of(&bytes),
        manifest: crate::document::Document::from_bytes(bytes),
        config: None,
        layers: Vec::new(),
        bundle: None,
        evidence: None,
        index: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::MODEL_LAYER_PREFIX;
    use rstest::rstest;

    #[rstest]
    #[case(&format!("{MODEL_LAYER_PREFIX}weight.v1.tar+gzip"), true)]
    #[case("text/plain", true)]
    #[case("not a media type", false)]
    #[case("application/", false)]
    #[case("/json", false)]
    #[case("application/json/x", false)]
    #[case("application/-json", false)]
    fn media_type_grammar(#[case] s: &str, #[case] ok: bool) {
        assert_eq!(is_media_type(s), ok, "{s}");
    }
}
