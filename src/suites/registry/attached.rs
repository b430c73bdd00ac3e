//! Referrers: the API, its artifactType filter, and the tag-schema fallback.

use super::*;
use crate::vocabulary::{OCI_EMPTY, SIGSTORE_BUNDLE_V03, SPDX_JSON};

/// Push the two referrers of the model (once).
pub(super) fn ensure_referrers(ctx: &mut Ctx) -> Result<(), String> {
    if !ctx.referrers.is_empty() || ctx.cfg.read_only {
        return Ok(());
    }
    let s = ctx.subject.clone()?;
    let subject = serde_json::json!({"mediaType": s.media_type, "digest": s.digest.to_string(), "size": s.bytes.len()});
    for (t, payload) in [
        (SIGSTORE_BUNDLE_V03, SIGSTORE_BUNDLE_V03),
        (SPDX_JSON, SPDX_JSON),
    ] {
        let r = golden::referrer(&subject, t, payload, &ctx.salt);
        for b in &r.blobs {
            ctx.client
                .push_bytes(&ctx.repo, &b.bytes)
                .map_err(|e| format!("referrer blob: {e}"))?;
        }
        let resp = ctx
            .client
            .put_manifest(&ctx.repo, &r.digest.to_string(), &r.media_type, &r.bytes)
            .map_err(|e| e.to_string())?;
        if resp.status != 201 {
            let s = resp.summary();
            return Err(format!("referrer PUT: {s}: {}", resp.snippet()));
        }
        ctx.oci_subject.push(resp.header("oci-subject"));
        ctx.pushed.push((ctx.repo.clone(), r.digest.clone(), true));
        ctx.referrers.push(r);
    }
    Ok(())
}

pub(super) fn referrers_api(ctx: &mut Ctx, m: &mut Marks) {
    let all = ["REG-020", "REG-021", "REG-022", "REG-024"];
    let Some(s) = need_subject(ctx, m, &all) else {
        return;
    };
    if let Err(e) = ensure_referrers(ctx) {
        for r in all {
            m.error(
                r,
                loc("manifest"),
                format!("precondition: pushing referrers: {e}"),
            );
        }
        return;
    }
    let answer = match referrers::query_api(&ctx.client, &ctx.repo, &s.digest, None) {
        Err(e) => {
            ctx.referrers_api = Some(Err(e.to_string()));
            for r in all {
                m.error(r, loc("index"), format!("GET referrers: {e}"));
            }
            return;
        }
        Ok(a) => a,
    };
    if answer.status == 404 {
        // Maybe it only 404s for... no: the subject has referrers, so a 404 means no API.
        let evidence = answer.evidence();
        ctx.referrers_api = Some(Ok(false));
        m.skip(
            "REG-020",
            format!("feature referrers-api not supported: {evidence}"),
        );
        for r in ["REG-021", "REG-022"] {
            m.skip(
                r,
                format!("feature referrers-api not supported: {evidence}"),
            );
        }
        m.skip(
            "REG-024",
            format!("feature oci-subject-header not supported (no referrers API): {evidence}"),
        );
        return;
    }
    ctx.referrers_api = Some(Ok(true));
    if answer.status != 200 {
        m.fail(
            "REG-021",
            loc("index"),
            format!("GET referrers: {} (expected 200)", answer.evidence()),
        );
        return;
    }
    let ct = answer.content_type.clone().unwrap_or_default();
    if ct.split(';').next().unwrap_or("").trim() != OCI_INDEX {
        m.fail(
            "REG-021",
            loc("index"),
            format!("GET referrers answered Content-Type {ct:?}, expected {OCI_INDEX}"),
        );
    }
    let listed = match index_manifests(&answer.body) {
        Ok(l) => l,
        Err(e) => {
            return m.fail(
                "REG-021",
                loc("index"),
                format!("GET referrers: not an image index: {e}"),
            );
        }
    };
    // An existing manifest without referrers: the empty list, not 404.
    if let Some(leaf) = ctx
        .referrers
        .last()
        .map(|r| r.digest.clone())
        .or_else(|| Some(Digest::sha256_of(ctx.salt.as_bytes())))
    {
        match referrers::query_api(&ctx.client, &ctx.repo, &leaf, None) {
            Err(e) => m.error(
                "REG-021",
                loc("index"),
                format!("GET referrers of a manifest without referrers: {e}"),
            ),
            Ok(a) if a.status != 200 => m.fail(
                "REG-021",
                loc("index"),
                format!(
                    "a subject without referrers: {} (expected 200 with an empty index)",
                    a.evidence()
                ),
            ),
            Ok(a) => match index_manifests(&a.body) {
                Ok(l) if l.is_empty() => {}
                Ok(l) => m.fail(
                    "REG-021",
                    loc("index"),
                    format!("a subject without referrers listed {} descriptors", l.len()),
                ),
                Err(e) => m.fail(
                    "REG-021",
                    loc("index"),
                    format!("a subject without referrers: not an image index: {e}"),
                ),
            },
        }
    }
    for (i, r) in ctx.referrers.iter().enumerate() {
        let Some(d) = listed
            .iter()
            .find(|d| d.get("digest").and_then(Value::as_str) == Some(&r.digest.to_string()))
        else {
            m.fail(
                "REG-022",
                loc("index"),
                format!(
                    "referrer {} ({}) is not listed",
                    r.digest,
                    r.artifact_type.clone().unwrap_or_default()
                ),
            );
            continue;
        };
        let ptr = format!(
            "/manifests/{}",
            listed.iter().position(|x| x == d).unwrap_or(0)
        );
        if d.get("size").and_then(Value::as_u64) != Some(r.size()) {
            m.fail(
                "REG-022",
                loc("index").with_pointer(format!("{ptr}/size")),
                format!(
                    "size {:?}, the referrer has {} bytes",
                    d.get("size"),
                    r.size()
                ),
            );
        }
        if d.get("mediaType").and_then(Value::as_str) != Some(OCI_MANIFEST) {
            m.fail(
                "REG-022",
                loc("index").with_pointer(format!("{ptr}/mediaType")),
                format!(
                    "mediaType {:?}, expected {OCI_MANIFEST}",
                    d.get("mediaType")
                ),
            );
        }
        let at = d.get("artifactType").and_then(Value::as_str);
        if at != r.artifact_type.as_deref() {
            let hint = if at == Some(OCI_EMPTY) {
                " (the config mediaType, not the referrer's artifactType)"
            } else {
                ""
            };
            m.fail(
                "REG-022",
                loc("index").with_pointer(format!("{ptr}/artifactType")),
                format!(
                    "artifactType {at:?}{hint}, the referrer's is {:?}",
                    r.artifact_type.as_deref().unwrap_or("")
                ),
            );
        }
        let ann = d.get("annotations").and_then(Value::as_object);
        let missing: Vec<&String> = r
            .annotations
            .iter()
            .filter(|(k, v)| ann.and_then(|a| a.get(*k)) != Some(*v))
            .map(|(k, _)| k)
            .collect();
        if !missing.is_empty() {
            m.fail(
                "REG-022",
                loc("index").with_pointer(format!("{ptr}/annotations")),
                format!("annotations not copied from the referrer: {missing:?}"),
            );
        }
        match ctx.oci_subject.get(i).cloned().flatten() {
            None => m.fail(
                "REG-024",
                loc("manifest"),
                format!(
                    "the PUT of referrer {} (with a subject) had no OCI-Subject header",
                    r.digest
                ),
            ),
            Some(h) if h != s.digest.to_string() => m.fail(
                "REG-024",
                loc("manifest"),
                format!("OCI-Subject {h}, the subject is {}", s.digest),
            ),
            Some(_) => {}
        }
    }
    if ctx.cfg.read_only {
        m.not_applicable("REG-024", "read-only mode: nothing pushed");
    }
}

pub(super) fn referrers_filter(ctx: &mut Ctx, m: &mut Marks) {
    let Some(s) = need_subject(ctx, m, &["REG-023"]) else {
        return;
    };
    match &ctx.referrers_api {
        Some(Ok(true)) => {}
        Some(Ok(false)) => {
            return m.skip(
                "REG-023",
                "feature artifact-type-filter not supported: no referrers API",
            );
        }
        Some(Err(e)) => return m.error("REG-023", loc("index"), format!("precondition: {e}")),
        None => {
            return m.error(
                "REG-023",
                loc("index"),
                "precondition: referrers API not probed",
            );
        }
    }
    let wanted = SIGSTORE_BUNDLE_V03;
    let a = match referrers::query_api(&ctx.client, &ctx.repo, &s.digest, Some(wanted)) {
        Ok(a) => a,
        Err(e) => {
            return m.error(
                "REG-023",
                loc("index"),
                format!("GET referrers?artifactType=: {e}"),
            );
        }
    };
    let listed = match (a.status, index_manifests(&a.body)) {
        (200, Ok(l)) => l,
        _ => {
            return m.fail(
                "REG-023",
                loc("index"),
                format!("GET referrers?artifactType=: {}", a.evidence()),
            );
        }
    };
    let others = listed
        .iter()
        .filter(|d| d.get("artifactType").and_then(Value::as_str) != Some(wanted))
        .count();
    let applied = a
        .filters_applied
        .as_deref()
        .is_some_and(|h| h.split(',').any(|f| f.trim() == "artifactType"));
    if !applied {
        return m.skip(
            "REG-023",
            format!("feature artifact-type-filter not supported: {} without OCI-Filters-Applied ({} descriptors, {others} of other types; clients filter themselves)", a.summary, listed.len()),
        );
    }
    if others > 0 {
        m.fail("REG-023", loc("index"), format!("OCI-Filters-Applied: artifactType, yet {others} of {} descriptors have another artifactType", listed.len()));
    }
    if !ctx.cfg.read_only
        && !listed
            .iter()
            .any(|d| d.get("artifactType").and_then(Value::as_str) == Some(wanted))
    {
        m.fail(
            "REG-023",
            loc("index"),
            format!("the filtered list lacks the {wanted} referrer"),
        );
    }
}

pub(super) fn referrers_fallback(ctx: &mut Ctx, m: &mut Marks) {
    let Some(s) = need_subject(ctx, m, &["REG-012"]) else {
        return;
    };
    if let Err(e) = ensure_referrers(ctx) {
        return m.error(
            "REG-012",
            loc("index"),
            format!("precondition: pushing referrers: {e}"),
        );
    }
    let source = RegistrySource::new(ctx.client.clone(), ctx.repo.clone());
    let mut tag = String::new();
    for r in &ctx.referrers {
        match referrers::update_fallback_index(&source, &s.digest, &r.bytes, &r.media_type) {
            Ok(t) => tag = t,
            Err(e) => {
                return m.fail(
                    "REG-012",
                    loc("index"),
                    format!("the referrers tag index could not be pushed: {e}"),
                );
            }
        }
    }
    if !valid_tag(&tag) {
        return m.error(
            "REG-012",
            loc("index"),
            format!("internal: {tag} is not a valid tag"),
        );
    }
    match source.fetch_manifest(&Target::Tag(tag.clone())) {
        Err(e) => m.fail("REG-012", loc("index"), format!("GET {tag}: {e}")),
        Ok(f) => {
            let expected = manifest::index(
                ctx.referrers
                    .iter()
                    .filter_map(|r| referrers::referrer_descriptor(&r.bytes, &r.media_type).ok())
                    .collect(),
            );
            if f.bytes != expected {
                m.fail(
                    "REG-012",
                    loc("index"),
                    format!("GET {tag}: {}", describe_difference(&expected, &f.bytes)),
                );
            }
            ctx.pushed.push((ctx.repo.clone(), f.digest.clone(), true));
        }
    }
}

/// REG-029: the distribution-spec answers `200` for a subject digest whether or not it names a
/// manifest, and registries must take referrers and subjects in either order; so the referrer
/// pushed for a missing subject (REG-009's probe) must be listed.
pub(super) fn referrers_missing_subject(ctx: &mut Ctx, m: &mut Marks) {
    const R: &str = "REG-029";
    match &ctx.referrers_api {
        Some(Ok(true)) => {}
        Some(Ok(false)) => {
            return m.skip(R, "feature referrers-api not supported: no referrers API");
        }
        Some(Err(e)) => return m.error(R, loc("index"), format!("precondition: {e}")),
        None => return m.error(R, loc("index"), "precondition: referrers API not probed"),
    }
    let Some((subject, referrer)) = ctx.phantom.clone() else {
        return m.error(
            R,
            loc("manifest"),
            "precondition: no referrer of a missing subject was stored (REG-009)",
        );
    };
    let answer = match referrers::query_api(&ctx.client, &ctx.repo, &subject, None) {
        Ok(a) => a,
        Err(e) => {
            return m.error(
                R,
                loc("index"),
                format!("GET referrers of a missing subject: {e}"),
            );
        }
    };
    if answer.status != 200 {
        return m.fail(
            R,
            loc("index"),
            format!(
                "GET referrers of {subject}, which names no manifest: {} (expected 200 with an image index)",
                answer.evidence()
            ),
        );
    }
    match index_manifests(&answer.body) {
        Err(e) => m.fail(
            R,
            loc("index"),
            format!("GET referrers of a missing subject: not an image index: {e}"),
        ),
        Ok(l) if !l
            .iter()
            .any(|d| d.get("digest").and_then(Value::as_str) == Some(&referrer.to_string())) =>
        {
            m.fail(
                R,
                loc("index"),
                format!(
                    "the referrer {referrer} of the missing subject {subject} is not listed ({} descriptors)",
                    l.len()
                ),
            )
        }
        Ok(_) => {}
    }
}
