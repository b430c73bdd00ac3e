//! The registry conformance suite: ordered tests that push, pull and probe one registry and
//! mark `REG-0xx` requirements. A test marks only what it observed; unmarked covered
//! requirements pass. Extended features absent from the registry are marked `skip` with the
//! registry's own answer as evidence.

use super::client::{Body, Client, ClientError, OCI_INDEX, OCI_MANIFEST, Response};
use super::config::RegistryConfig;
use super::golden::{self, PatternReader, Pushable};
use super::redact::Redactor;
use super::reference::{Target, valid_tag};
use super::referrers::{self, index_manifests};
use super::source::RegistrySource;
use crate::checks::Marks;
use crate::digest::Digest;
use crate::model::{Location, Status};
use reqwest::Method;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::Cursor;
use std::sync::Arc;
use std::time::Instant;

/// The outcome of one suite test.
#[derive(Debug)]
pub struct RegistryTestResult {
    pub id: &'static str,
    pub title: &'static str,
    pub covers: &'static [&'static str],
    pub marks: Marks,
    pub duration_ms: u64,
}

impl RegistryTestResult {
    /// The outcome of one covered requirement.
    pub fn outcome(&self, requirement: &str) -> Status {
        self.marks.outcome(requirement)
    }
}

/// Support of one extended feature, as observed.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct FeatureStatus {
    pub name: &'static str,
    /// `supported`, `unsupported`, `broken`, `not-tested`.
    pub status: &'static str,
    pub evidence: String,
}

/// One whole run.
#[derive(Debug)]
pub struct SuiteRun {
    /// Redacted base URL.
    pub registry: String,
    /// Repository prefix this run used.
    pub namespace: String,
    pub read_only: bool,
    pub tests: Vec<RegistryTestResult>,
    pub features: Vec<FeatureStatus>,
    /// What teardown did; never attributed to a test.
    pub cleanup: Vec<String>,
}

/// Extended features and the requirements that decide them.
pub const FEATURES: &[(&str, &[&str])] = &[
    ("referrers-api", &["REG-020", "REG-021", "REG-022"]),
    ("artifact-type-filter", &["REG-023"]),
    ("oci-subject-header", &["REG-024"]),
    ("cross-repo-mount", &["REG-025"]),
    ("delete", &["REG-026"]),
    ("tag-pagination", &["REG-027"]),
    ("chunked-upload", &["REG-028"]),
];

impl SuiteRun {
    /// The worst outcome of a requirement across all tests.
    pub fn outcome(&self, requirement: &str) -> Status {
        let rank = |s: Status| match s {
            Status::Error => 4,
            Status::Fail => 3,
            Status::Skip => 2,
            Status::NotApplicable => 1,
            _ => 0,
        };
        let mut worst = Status::Pass;
        for t in self
            .tests
            .iter()
            .filter(|t| t.covers.contains(&requirement))
        {
            let o = t.outcome(requirement);
            if rank(o) > rank(worst) {
                worst = o;
            }
        }
        worst
    }

    /// Every message marked on a requirement.
    pub fn messages(&self, requirement: &str) -> Vec<String> {
        self.tests
            .iter()
            .flat_map(|t| t.marks.marks.iter())
            .filter(|m| m.requirement == requirement)
            .map(|m| m.message.clone())
            .collect()
    }

    /// Every requirement some test covers, sorted.
    pub fn requirements(&self) -> Vec<&'static str> {
        let set: BTreeSet<&'static str> = self
            .tests
            .iter()
            .flat_map(|t| t.covers.iter().copied())
            .collect();
        set.into_iter().collect()
    }

    /// Plain JSON of the run (the common report format folds this in later).
    pub fn to_json(&self) -> Value {
        let tests: Vec<Value> = self
            .tests
            .iter()
            .map(|t| {
                serde_json::json!({
                    "id": t.id,
                    "title": t.title,
                    "durationMs": t.duration_ms,
                    "requirements": t.covers.iter().map(|r| serde_json::json!({
                        "id": r,
                        "status": t.outcome(r).as_str(),
                        "messages": t.marks.marks.iter().filter(|m| m.requirement == *r)
                            .map(|m| serde_json::json!({"status": m.status.as_str(), "location": m.location.to_string(), "message": m.message}))
                            .collect::<Vec<_>>(),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        let requirements: serde_json::Map<String, Value> = self
            .requirements()
            .into_iter()
            .map(|r| (r.to_string(), Value::from(self.outcome(r).as_str())))
            .collect();
        serde_json::json!({
            "registry": self.registry,
            "namespace": self.namespace,
            "readOnly": self.read_only,
            "requirements": requirements,
            "features": self.features,
            "tests": tests,
            "cleanup": self.cleanup,
        })
    }
}

/// One suite test.
pub struct SuiteTest {
    pub id: &'static str,
    pub title: &'static str,
    pub covers: &'static [&'static str],
    /// Runs in read-only mode too.
    pub read_only: bool,
    run: fn(&mut Ctx, &mut Marks),
}

/// The suite's tests in run order.
pub const TESTS: &[SuiteTest] = &[
    SuiteTest {
        id: "registry.manifest-roundtrip",
        title: "Push the model and pull it back by tag and digest: bytes, digest, Content-Type, HEAD",
        covers: &["REG-001", "REG-002", "REG-003", "REG-004"],
        read_only: true,
        run: manifest_roundtrip,
    },
    SuiteTest {
        id: "registry.blob-roundtrip",
        title: "Pull every blob back: HEAD, GET verified on the fly, redirects without credentials",
        covers: &["REG-002", "REG-004", "REG-005", "REG-011"],
        read_only: true,
        run: blob_roundtrip,
    },
    SuiteTest {
        id: "registry.monolithic-upload",
        title: "Monolithic upload (POST then PUT) and rejection of a wrong digest",
        covers: &["REG-006"],
        read_only: false,
        run: monolithic_upload,
    },
    SuiteTest {
        id: "registry.chunked-upload",
        title: "Chunked upload (POST, PATCH…, PUT) following each newest Location",
        covers: &["REG-028"],
        read_only: false,
        run: chunked_upload,
    },
    SuiteTest {
        id: "registry.large-blob",
        title: "Large blob streamed and verified in both directions",
        covers: &["REG-007"],
        read_only: false,
        run: large_blob,
    },
    SuiteTest {
        id: "registry.cross-repo-mount",
        title: "Cross-repository blob mount",
        covers: &["REG-025"],
        read_only: false,
        run: cross_repo_mount,
    },
    SuiteTest {
        id: "registry.tag-list",
        title: "Tag listing includes every pushed tag",
        covers: &["REG-008"],
        read_only: true,
        run: tag_list,
    },
    SuiteTest {
        id: "registry.tag-pagination",
        title: "Tag list pagination with n, last and Link",
        covers: &["REG-027"],
        read_only: true,
        run: tag_pagination,
    },
    SuiteTest {
        id: "registry.subject-missing",
        title: "A manifest whose subject does not exist yet is accepted",
        covers: &["REG-009"],
        read_only: false,
        run: subject_missing,
    },
    SuiteTest {
        id: "registry.referrers-api",
        title: "Referrers API: index, empty list, artifactType, annotations, OCI-Subject",
        covers: &["REG-020", "REG-021", "REG-022", "REG-024"],
        read_only: true,
        run: referrers_api,
    },
    SuiteTest {
        id: "registry.referrers-filter",
        title: "Referrers artifactType filter and OCI-Filters-Applied",
        covers: &["REG-023"],
        read_only: true,
        run: referrers_filter,
    },
    SuiteTest {
        id: "registry.referrers-fallback",
        title: "Referrers tag schema fallback index",
        covers: &["REG-012"],
        read_only: false,
        run: referrers_fallback,
    },
    SuiteTest {
        id: "registry.error-format",
        title: "Error bodies in the OCI error format",
        covers: &["REG-010"],
        read_only: true,
        run: error_format,
    },
    SuiteTest {
        id: "registry.delete",
        title: "Delete of manifests and blobs by digest",
        covers: &["REG-026"],
        read_only: false,
        run: delete,
    },
];

/// The codes of the distribution-spec error list.
pub const ERROR_CODES: &[&str] = &[
    "BLOB_UNKNOWN",
    "BLOB_UPLOAD_INVALID",
    "BLOB_UPLOAD_UNKNOWN",
    "DIGEST_INVALID",
    "MANIFEST_BLOB_UNKNOWN",
    "MANIFEST_INVALID",
    "MANIFEST_UNKNOWN",
    "NAME_INVALID",
    "NAME_UNKNOWN",
    "SIZE_INVALID",
    "UNAUTHORIZED",
    "DENIED",
    "UNSUPPORTED",
    "TOOMANYREQUESTS",
];

/// The subject every test works on: the pushed model, or the seeded content in read-only mode.
#[derive(Debug, Clone)]
struct Subject {
    tag: Option<String>,
    digest: Digest,
    media_type: String,
    bytes: Vec<u8>,
    /// `(media type, digest, size)` of config and layers.
    blobs: Vec<(String, Digest, u64)>,
}

/// Shared state of one run.
struct Ctx {
    cfg: RegistryConfig,
    client: Arc<Client>,
    redactor: Redactor,
    ns: String,
    repo: String,
    salt: String,
    subject: Result<Subject, String>,
    referrers: Vec<Pushable>,
    oci_subject: Vec<Option<String>>,
    referrers_api: Option<Result<bool, String>>,
    extra_tags: Vec<String>,
    /// `(repository, digest, is_manifest)` to delete at teardown.
    pushed: Vec<(String, Digest, bool)>,
}

fn loc(doc: &str) -> Location {
    Location::document(doc)
}

fn dcd_ok(resp: &Response, digest: &Digest) -> Option<String> {
    match resp.header("docker-content-digest") {
        Some(h) if h != digest.to_string() => Some(format!(
            "{} sent Docker-Content-Digest {h}, the content is {digest}",
            resp.summary()
        )),
        _ => None,
    }
}

fn push_model(ctx: &mut Ctx, m: &Pushable, tag: &str) -> Result<Response, String> {
    for b in &m.blobs {
        ctx.client
            .push_bytes(&ctx.repo, &b.bytes)
            .map_err(|e| format!("uploading blob {}: {e}", b.digest))?;
        ctx.pushed.push((ctx.repo.clone(), b.digest.clone(), false));
    }
    let resp = ctx
        .client
        .put_manifest(&ctx.repo, tag, &m.media_type, &m.bytes)
        .map_err(|e| e.to_string())?;
    ctx.pushed.push((ctx.repo.clone(), m.digest.clone(), true));
    Ok(resp)
}

/// What differs between the pushed and the served manifest, in words.
fn describe_difference(pushed: &[u8], got: &[u8]) -> String {
    let mut notes = vec![format!(
        "served {} bytes ({}) instead of the {} bytes pushed ({})",
        got.len(),
        Digest::sha256_of(got),
        pushed.len(),
        Digest::sha256_of(pushed)
    )];
    if let (Ok(a), Ok(b)) = (
        serde_json::from_slice::<Value>(pushed),
        serde_json::from_slice::<Value>(got),
    ) {
        for field in ["artifactType", "subject", "annotations", "config", "layers"] {
            match (a.get(field), b.get(field)) {
                (Some(_), None) => notes.push(format!("`{field}` dropped")),
                (Some(x), Some(y)) if x != y => notes.push(format!("`{field}` changed")),
                _ => {}
            }
        }
        if a == b {
            notes.push("same JSON, re-serialized".into());
        }
    } else {
        notes.push("the served bytes are not JSON".into());
    }
    notes.join("; ")
}

fn manifest_roundtrip(ctx: &mut Ctx, m: &mut Marks) {
    let subject = if ctx.cfg.read_only {
        ctx.subject.clone()
    } else {
        let model = golden::model(&ctx.salt);
        let tag = "model";
        match push_model(ctx, &model, tag) {
            Err(e) => {
                m.error(
                    "REG-001",
                    loc("manifest"),
                    format!("could not push the model: {e}"),
                );
                Err(e)
            }
            Ok(resp) if resp.status != 201 => {
                let s = resp.summary();
                let e = format!("manifest PUT {s} (expected 201): {}", resp.snippet());
                m.fail(
                    "REG-001",
                    loc("manifest"),
                    format!("the registry refused a valid manifest: {e}"),
                );
                Err(e)
            }
            Ok(resp) => {
                if let Some(e) = dcd_ok(&resp, &model.digest) {
                    m.fail("REG-002", loc("manifest"), e);
                }
                Ok(Subject {
                    tag: Some(tag.into()),
                    digest: model.digest.clone(),
                    media_type: model.media_type.clone(),
                    bytes: model.bytes.clone(),
                    blobs: model
                        .blobs
                        .iter()
                        .map(|b| (b.media_type.clone(), b.digest.clone(), b.bytes.len() as u64))
                        .collect(),
                })
            }
        }
    };
    ctx.subject = subject.clone();
    let Ok(s) = subject else {
        return;
    };
    let mut refs = vec![s.digest.to_string()];
    if let Some(t) = &s.tag {
        refs.insert(0, t.clone());
    }
    for r in &refs {
        let what = if r.contains(':') {
            "by digest"
        } else {
            "by tag"
        };
        match ctx.client.manifest(Method::GET, &ctx.repo, r) {
            Err(e) => {
                m.error("REG-001", loc("manifest"), format!("GET {what}: {e}"));
            }
            Ok(resp) if resp.status != 200 => {
                let sum = resp.summary();
                m.fail(
                    "REG-001",
                    loc("manifest"),
                    format!("GET {what}: {sum}: {}", resp.snippet()),
                );
            }
            Ok(resp) => {
                if let Some(e) = dcd_ok(&resp, &s.digest) {
                    m.fail("REG-002", loc("manifest"), e);
                }
                let ct = resp.content_type();
                if ct
                    .as_deref()
                    .map(|c| c.split(';').next().unwrap_or("").trim())
                    != Some(s.media_type.as_str())
                {
                    m.fail(
                        "REG-003",
                        loc("manifest"),
                        format!("GET {what} answered Content-Type {ct:?}, the manifest's mediaType is {}", s.media_type),
                    );
                }
                match resp.bytes() {
                    Err(e) => m.error("REG-001", loc("manifest"), format!("GET {what}: {e}")),
                    Ok(b) if b != s.bytes => {
                        m.fail(
                            "REG-001",
                            loc("manifest"),
                            format!("GET {what}: {}", describe_difference(&s.bytes, &b)),
                        );
                        if Digest::sha256_of(&b) != s.digest && !r.contains(':') {
                            // A tag now names other content than the digest says.
                        }
                    }
                    Ok(_) => {}
                }
            }
        }
        match ctx.client.manifest(Method::HEAD, &ctx.repo, r) {
            Err(e) => m.error("REG-004", loc("manifest"), format!("HEAD {what}: {e}")),
            Ok(resp) => {
                if resp.status != 200 {
                    m.fail(
                        "REG-004",
                        loc("manifest"),
                        format!("HEAD {what}: {}", resp.summary()),
                    );
                } else {
                    if resp.content_length() != Some(s.bytes.len() as u64) {
                        m.fail(
                            "REG-004",
                            loc("manifest"),
                            format!(
                                "HEAD {what}: Content-Length {:?}, the manifest has {} bytes",
                                resp.header("content-length"),
                                s.bytes.len()
                            ),
                        );
                    }
                    if let Some(e) = dcd_ok(&resp, &s.digest) {
                        m.fail("REG-002", loc("manifest"), e);
                    }
                    let ct = resp.content_type();
                    if ct
                        .as_deref()
                        .map(|c| c.split(';').next().unwrap_or("").trim())
                        != Some(s.media_type.as_str())
                    {
                        m.fail(
                            "REG-003",
                            loc("manifest"),
                            format!(
                                "HEAD {what} answered Content-Type {ct:?}, expected {}",
                                s.media_type
                            ),
                        );
                    }
                }
            }
        }
    }
    let missing = Digest::sha256_of(format!("no such manifest {}", ctx.salt).as_bytes());
    match ctx
        .client
        .manifest(Method::HEAD, &ctx.repo, &missing.to_string())
    {
        Err(e) => m.error(
            "REG-004",
            loc("manifest"),
            format!("HEAD of a missing manifest: {e}"),
        ),
        Ok(r) if r.status != 404 => m.fail(
            "REG-004",
            loc("manifest"),
            format!("HEAD of a missing manifest: {} (expected 404)", r.summary()),
        ),
        Ok(_) => {}
    }
}

fn need_subject(ctx: &Ctx, m: &mut Marks, covers: &[&'static str]) -> Option<Subject> {
    match &ctx.subject {
        Ok(s) => Some(s.clone()),
        Err(e) => {
            for r in covers {
                m.error(
                    r,
                    Location::default(),
                    format!("precondition failed: the model could not be pushed or read: {e}"),
                );
            }
            None
        }
    }
}

/// GET a blob and verify it; marks REG-005 (and REG-011 for off-origin redirects).
fn verify_blob(
    ctx: &Ctx,
    m: &mut Marks,
    repo: &str,
    digest: &Digest,
    size: u64,
    large: bool,
    req: &'static str,
) -> bool {
    verify_blob_redirects(ctx, m, repo, digest, size, large, req).0
}

/// [`verify_blob`], also telling whether the GET was redirected.
#[allow(clippy::too_many_arguments)]
fn verify_blob_redirects(
    ctx: &Ctx,
    m: &mut Marks,
    repo: &str,
    digest: &Digest,
    size: u64,
    large: bool,
    req: &'static str,
) -> (bool, bool) {
    let resp = match ctx.client.blob(Method::GET, repo, digest, large) {
        Err(e) => {
            m.error(req, loc("blob"), format!("GET blob {digest}: {e}"));
            return (false, false);
        }
        Ok(r) => r,
    };
    let redirected = !resp.redirects.is_empty();
    let off_origin = resp.redirects.iter().any(|u| {
        u.host_str() != ctx.client.base().host_str()
            || u.port_or_known_default() != ctx.client.base().port_or_known_default()
    });
    if resp.status != 200 {
        let sum = resp.summary();
        if off_origin && matches!(resp.status, 401 | 403) {
            m.fail(
                "REG-011",
                loc("blob"),
                format!("GET blob {digest} was redirected to another origin, which then refused it without credentials: {sum}"),
            );
            m.error(
                req,
                loc("blob"),
                format!("GET blob {digest}: not retrievable (see REG-011)"),
            );
        } else {
            m.fail(
                req,
                loc("blob"),
                format!("GET blob {digest}: {sum}: {}", resp.snippet()),
            );
        }
        return (false, redirected);
    }
    if let Some(e) = dcd_ok(&resp, digest) {
        m.fail("REG-002", loc("blob"), e);
    }
    match resp.verify_into(digest, Some(size), &mut std::io::sink()) {
        Ok(_) => (true, redirected),
        Err(super::client::VerifyError::Transfer(e)) => {
            m.error(req, loc("blob"), format!("GET blob {digest}: {e}"));
            (false, redirected)
        }
        Err(e) => {
            m.fail(req, loc("blob"), format!("GET blob {digest}: {e}"));
            (false, redirected)
        }
    }
}

fn blob_roundtrip(ctx: &mut Ctx, m: &mut Marks) {
    let Some(s) = need_subject(ctx, m, &["REG-005", "REG-004", "REG-002"]) else {
        m.not_applicable("REG-011", "no blob could be fetched");
        return;
    };
    let mut redirected = false;
    for (_, digest, size) in &s.blobs {
        match ctx.client.blob(Method::HEAD, &ctx.repo, digest, false) {
            Err(e) => m.error("REG-004", loc("blob"), format!("HEAD blob {digest}: {e}")),
            Ok(r) => {
                if !r.redirects.is_empty() {
                    redirected = true;
                }
                if r.status != 200 {
                    m.fail(
                        "REG-004",
                        loc("blob"),
                        format!("HEAD blob {digest}: {}", r.summary()),
                    );
                } else {
                    if r.content_length() != Some(*size) {
                        m.fail("REG-004", loc("blob"), format!("HEAD blob {digest}: Content-Length {:?}, the blob has {size} bytes", r.header("content-length")));
                    }
                    if r.redirects.is_empty()
                        && let Some(e) = dcd_ok(&r, digest)
                    {
                        m.fail("REG-002", loc("blob"), e);
                    }
                }
            }
        }
        let repo = ctx.repo.clone();
        if verify_blob_redirects(ctx, m, &repo, digest, *size, false, "REG-005").1 {
            redirected = true;
        }
    }
    let missing = Digest::sha256_of(format!("no such blob {}", ctx.salt).as_bytes());
    match ctx.client.blob(Method::HEAD, &ctx.repo, &missing, false) {
        Err(e) => m.error(
            "REG-004",
            loc("blob"),
            format!("HEAD of a missing blob: {e}"),
        ),
        Ok(r) if r.status != 404 => m.fail(
            "REG-004",
            loc("blob"),
            format!("HEAD of a missing blob: {} (expected 404)", r.summary()),
        ),
        Ok(_) => {}
    }
    // Redirects: whether blobs left the registry's origin at all.
    if !redirected && m.outcome("REG-011") == Status::Pass {
        m.not_applicable(
            "REG-011",
            "the registry served every blob itself (no redirect)",
        );
    }
}

fn monolithic_upload(ctx: &mut Ctx, m: &mut Marks) {
    let bytes = format!("monolithic upload probe {}", ctx.salt).into_bytes();
    let digest = Digest::sha256_of(&bytes);
    let start = match ctx.client.start_upload(&ctx.repo) {
        Err(e) => return m.error("REG-006", loc("blob"), format!("POST upload: {e}")),
        Ok(r) => r,
    };
    if start.status != 202 || start.header("location").is_none() {
        let s = start.summary();
        return m.fail(
            "REG-006",
            loc("blob"),
            format!(
                "POST /blobs/uploads/: {s} (expected 202 with a Location): {}",
                start.snippet()
            ),
        );
    }
    let mut url = match ctx.client.location(&start, "POST upload") {
        Ok(u) => u,
        Err(e) => return m.fail("REG-006", loc("blob"), e.to_string()),
    };
    url.query_pairs_mut()
        .append_pair("digest", &digest.to_string());
    let mut req = ctx.client.request(Method::PUT, url, Some(&ctx.repo));
    req.headers
        .push(("content-type".into(), "application/octet-stream".into()));
    req.body = Body::Bytes(bytes.clone());
    match ctx.client.send(req) {
        Err(e) => return m.error("REG-006", loc("blob"), format!("PUT upload: {e}")),
        Ok(r) if r.status != 201 => {
            let s = r.summary();
            return m.fail(
                "REG-006",
                loc("blob"),
                format!("PUT ?digest=: {s} (expected 201): {}", r.snippet()),
            );
        }
        Ok(_) => {}
    }
    ctx.pushed.push((ctx.repo.clone(), digest.clone(), false));
    let repo = ctx.repo.clone();
    verify_blob(ctx, m, &repo, &digest, bytes.len() as u64, false, "REG-006");
    // A wrong digest must be refused.
    let wrong = Digest::sha256_of(b"these are not the bytes");
    let attempt = ctx.client.push_blob(
        &ctx.repo,
        &wrong,
        bytes.len() as u64,
        Box::new(Cursor::new(bytes.clone())),
        false,
    );
    match attempt {
        Err(e) => m.error(
            "REG-006",
            loc("blob"),
            format!("upload with a wrong digest: {e}"),
        ),
        Ok(r) if r.is_success() => {
            ctx.pushed.push((ctx.repo.clone(), wrong.clone(), false));
            m.fail(
                "REG-006",
                loc("blob"),
                format!(
                    "an upload whose bytes hash to {digest} was accepted as {wrong}: {}",
                    r.summary()
                ),
            );
        }
        Ok(_) => {}
    }
}

fn chunked_upload(ctx: &mut Ctx, m: &mut Marks) {
    let chunk = ctx.cfg.chunk_size.clamp(1, 64 << 20) as usize;
    let total = chunk * 2 + chunk / 2 + 1;
    let mut data = vec![0u8; total];
    let _ = std::io::Read::read(
        &mut PatternReader::new(0xc0ffee ^ ctx.salt.len() as u64, total as u64),
        &mut data,
    );
    let digest = Digest::sha256_of(&data);
    let start = match ctx.client.start_upload(&ctx.repo) {
        Err(e) => return m.error("REG-028", loc("blob"), format!("POST upload: {e}")),
        Ok(r) => r,
    };
    let mut url = match ctx.client.location(&start, "POST upload") {
        Ok(u) if start.status == 202 => u,
        _ => {
            return m.error(
                "REG-028",
                loc("blob"),
                format!("could not start an upload: {}", start.summary()),
            );
        }
    };
    let mut offset = 0usize;
    let mut first = true;
    while offset < total {
        let end = (offset + chunk).min(total);
        let mut req = ctx
            .client
            .request(Method::PATCH, url.clone(), Some(&ctx.repo));
        req.headers
            .push(("content-type".into(), "application/octet-stream".into()));
        req.headers
            .push(("content-range".into(), format!("{offset}-{}", end - 1)));
        req.body = Body::Bytes(data[offset..end].to_vec());
        let resp = match ctx.client.send(req) {
            Err(e) => {
                return m.error(
                    "REG-028",
                    loc("blob"),
                    format!("PATCH {offset}-{}: {e}", end - 1),
                );
            }
            Ok(r) => r,
        };
        if resp.status != 202 {
            let s = resp.summary();
            let status = resp.status;
            let body = resp.snippet();
            if first && (matches!(status, 404 | 405 | 416 | 501) || body.contains("UNSUPPORTED")) {
                return m.skip(
                    "REG-028",
                    format!("feature chunked-upload not supported: {s}: {body}"),
                );
            }
            return m.fail(
                "REG-028",
                loc("blob"),
                format!("PATCH {offset}-{}: {s} (expected 202): {body}", end - 1),
            );
        }
        first = false;
        match resp.header("range") {
            Some(r) if r == format!("0-{}", end - 1) || r == format!("bytes=0-{}", end - 1) => {}
            other => m.fail(
                "REG-028",
                loc("blob"),
                format!(
                    "PATCH {offset}-{}: Range {other:?}, expected 0-{}",
                    end - 1,
                    end - 1
                ),
            ),
        }
        url = match ctx.client.location(&resp, "PATCH") {
            Ok(u) => u,
            Err(e) => return m.fail("REG-028", loc("blob"), e.to_string()),
        };
        offset = end;
    }
    url.query_pairs_mut()
        .append_pair("digest", &digest.to_string());
    let req = ctx.client.request(Method::PUT, url, Some(&ctx.repo));
    match ctx.client.send(req) {
        Err(e) => return m.error("REG-028", loc("blob"), format!("closing PUT: {e}")),
        Ok(r) if r.status != 201 => {
            let s = r.summary();
            return m.fail(
                "REG-028",
                loc("blob"),
                format!("closing PUT ?digest=: {s} (expected 201): {}", r.snippet()),
            );
        }
        Ok(_) => {}
    }
    ctx.pushed.push((ctx.repo.clone(), digest.clone(), false));
    let repo = ctx.repo.clone();
    verify_blob(ctx, m, &repo, &digest, total as u64, false, "REG-028");
}

fn large_blob(ctx: &mut Ctx, m: &mut Marks) {
    let size = ctx.cfg.large_blob_size;
    let seed = 0x5eed ^ (ctx.salt.len() as u64) ^ size;
    let digest = golden::pattern_digest(seed, size);
    let resp = ctx.client.push_blob(
        &ctx.repo,
        &digest,
        size,
        Box::new(PatternReader::new(seed, size)),
        true,
    );
    match resp {
        Err(e) if e.is_timeout() => {
            return m.error("REG-007", loc("blob"), format!("push of {size} bytes: {e}"));
        }
        Err(e) => return m.fail("REG-007", loc("blob"), format!("push of {size} bytes: {e}")),
        Ok(r) if r.status != 201 => {
            let s = r.summary();
            return m.fail(
                "REG-007",
                loc("blob"),
                format!("push of {size} bytes: {s} (expected 201): {}", r.snippet()),
            );
        }
        Ok(_) => {}
    }
    ctx.pushed.push((ctx.repo.clone(), digest.clone(), false));
    let repo = ctx.repo.clone();
    verify_blob(ctx, m, &repo, &digest, size, true, "REG-007");
}

fn cross_repo_mount(ctx: &mut Ctx, m: &mut Marks) {
    let src = format!("{}/mount-source", ctx.ns);
    let bytes = format!("mount probe {}", ctx.salt).into_bytes();
    let digest = match ctx.client.push_bytes(&src, &bytes) {
        Ok(d) => d,
        Err(e) => {
            return m.error(
                "REG-025",
                loc("blob"),
                format!("precondition: pushing to {src}: {e}"),
            );
        }
    };
    ctx.pushed.push((src.clone(), digest.clone(), false));
    let mut url = ctx.client.url(&format!("{}/blobs/uploads/", ctx.repo));
    url.query_pairs_mut()
        .append_pair("mount", &digest.to_string())
        .append_pair("from", &src);
    let req = ctx.client.request(Method::POST, url, Some(&ctx.repo));
    let resp = match ctx.client.send(req) {
        Err(e) => return m.error("REG-025", loc("blob"), format!("POST ?mount=: {e}")),
        Ok(r) => r,
    };
    match resp.status {
        201 => {
            ctx.pushed.push((ctx.repo.clone(), digest.clone(), false));
            let repo = ctx.repo.clone();
            verify_blob(ctx, m, &repo, &digest, bytes.len() as u64, false, "REG-025");
        }
        202 => {
            let s = resp.summary();
            // Cancel the upload session it opened instead (best effort).
            if let Ok(u) = ctx.client.location(&resp, "mount") {
                let _ = ctx
                    .client
                    .send(ctx.client.request(Method::DELETE, u, Some(&ctx.repo)));
            }
            m.skip(
                "REG-025",
                format!(
                    "feature cross-repo-mount not supported: {s} (an upload session, not a mount)"
                ),
            );
        }
        _ => {
            let s = resp.summary();
            m.fail(
                "REG-025",
                loc("blob"),
                format!(
                    "POST ?mount=&from=: {s} (expected 201, or 202 when unsupported): {}",
                    resp.snippet()
                ),
            );
        }
    }
}

/// One answer of the tag list.
struct TagsPage {
    status: u16,
    summary: String,
    link: Option<String>,
    body: Vec<u8>,
}

fn fetch_tags(ctx: &Ctx, url: url::Url) -> Result<TagsPage, ClientError> {
    let resp = ctx
        .client
        .send(ctx.client.request(Method::GET, url, Some(&ctx.repo)))?;
    let status = resp.status;
    let summary = resp.summary();
    let link = next_link(&resp);
    let body = if status == 200 {
        resp.bytes()?
    } else {
        resp.snippet().into_bytes()
    };
    Ok(TagsPage {
        status,
        summary,
        link,
        body,
    })
}

fn parse_tags(body: &[u8]) -> Result<(Option<String>, Vec<String>), String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let name = v.get("name").and_then(Value::as_str).map(str::to_string);
    let tags = match v.get("tags") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect(),
        Some(Value::Null) | None => Vec::new(),
        _ => return Err("`tags` is not an array".into()),
    };
    Ok((name, tags))
}

fn tag_list(ctx: &mut Ctx, m: &mut Marks) {
    let Some(s) = need_subject(ctx, m, &["REG-008"]) else {
        return;
    };
    let mut expected: Vec<String> = s.tag.iter().cloned().collect();
    if !ctx.cfg.read_only {
        for t in ["t-alpha", "t-bravo", "t-charlie", "t-delta"] {
            match ctx
                .client
                .put_manifest(&ctx.repo, t, &s.media_type, &s.bytes)
            {
                Ok(r) if r.status == 201 => {
                    ctx.extra_tags.push(t.into());
                    expected.push(t.into());
                }
                Ok(r) => {
                    return m.error(
                        "REG-008",
                        loc("manifest"),
                        format!("precondition: tagging {t}: {}", r.summary()),
                    );
                }
                Err(e) => {
                    return m.error(
                        "REG-008",
                        loc("manifest"),
                        format!("precondition: tagging {t}: {e}"),
                    );
                }
            }
        }
    }
    let url = ctx.client.url(&format!("{}/tags/list", ctx.repo));
    match fetch_tags(ctx, url) {
        Err(e) => m.error(
            "REG-008",
            Location::default(),
            format!("GET tags/list: {e}"),
        ),
        Ok(p) if p.status != 200 => m.fail(
            "REG-008",
            Location::default(),
            format!(
                "GET tags/list: {}: {}",
                p.summary,
                String::from_utf8_lossy(&p.body)
            ),
        ),
        Ok(p) => match parse_tags(&p.body) {
            Err(e) => m.fail(
                "REG-008",
                Location::default(),
                format!("GET tags/list: {e}"),
            ),
            Ok((name, tags)) => {
                if name.as_deref() != Some(ctx.repo.as_str()) {
                    m.fail(
                        "REG-008",
                        Location::default(),
                        format!("tags/list `name` is {name:?}, not {:?}", ctx.repo),
                    );
                }
                let missing: Vec<&String> = expected.iter().filter(|t| !tags.contains(t)).collect();
                if !missing.is_empty() {
                    m.fail(
                        "REG-008",
                        Location::default(),
                        format!(
                            "tags/list lacks pushed tags {missing:?} (listed {} tags)",
                            tags.len()
                        ),
                    );
                }
            }
        },
    }
}

fn next_link(resp: &Response) -> Option<String> {
    let link = resp.header("link")?;
    link.split(',').find_map(|part| {
        let part = part.trim();
        if !part.contains("rel=\"next\"") && !part.contains("rel=next") {
            return None;
        }
        let start = part.find('<')? + 1;
        let end = part.find('>')?;
        (start <= end).then(|| part[start..end].to_string())
    })
}

fn tag_pagination(ctx: &mut Ctx, m: &mut Marks) {
    let Some(_) = need_subject(ctx, m, &["REG-027"]) else {
        return;
    };
    let full = match fetch_tags(ctx, ctx.client.url(&format!("{}/tags/list", ctx.repo))) {
        Ok(p) if p.status == 200 => match parse_tags(&p.body) {
            Ok((_, t)) => t,
            Err(e) => {
                return m.error(
                    "REG-027",
                    Location::default(),
                    format!("precondition: tag list: {e}"),
                );
            }
        },
        Ok(p) => {
            return m.error(
                "REG-027",
                Location::default(),
                format!("precondition: tag list: {}", p.summary),
            );
        }
        Err(e) => {
            return m.error(
                "REG-027",
                Location::default(),
                format!("precondition: tag list: {e}"),
            );
        }
    };
    if full.len() < 3 {
        return m.not_applicable(
            "REG-027",
            format!("only {} tags to page through", full.len()),
        );
    }
    let n = 2usize;
    let mut url = ctx.client.url(&format!("{}/tags/list", ctx.repo));
    url.query_pairs_mut().append_pair("n", &n.to_string());
    let first = match fetch_tags(ctx, url.clone()) {
        Ok(x) => x,
        Err(e) => return m.error("REG-027", Location::default(), format!("GET ?n={n}: {e}")),
    };
    if first.status != 200 {
        return m.skip(
            "REG-027",
            format!(
                "feature tag-pagination not supported: GET tags/list?n={n} → {}",
                first.summary
            ),
        );
    }
    let page = match parse_tags(&first.body) {
        Ok((_, t)) => t,
        Err(e) => return m.fail("REG-027", Location::default(), format!("GET ?n={n}: {e}")),
    };
    let link = first.link.clone();
    if page.len() > n && link.is_none() {
        return m.skip(
            "REG-027",
            format!("feature tag-pagination not supported: GET tags/list?n={n} returned {} tags and no Link header", page.len()),
        );
    }
    if page.len() > n {
        m.fail(
            "REG-027",
            Location::default(),
            format!("GET ?n={n} returned {} tags", page.len()),
        );
    }
    // Follow the Link chain.
    let mut seen: Vec<String> = page.clone();
    let mut next = link;
    let mut from = url.clone();
    let mut hops = 0;
    while let Some(l) = next.take() {
        hops += 1;
        if hops > full.len() + 2 {
            m.fail(
                "REG-027",
                Location::default(),
                "the Link chain does not end".to_string(),
            );
            break;
        }
        let u = match ctx.client.resolve_location(&from, &l) {
            Ok(u) => u,
            Err(e) => {
                m.fail("REG-027", Location::default(), e.to_string());
                break;
            }
        };
        match fetch_tags(ctx, u.clone()) {
            Ok(p) if p.status == 200 => match parse_tags(&p.body) {
                Ok((_, t)) => {
                    if t.len() > n {
                        m.fail(
                            "REG-027",
                            Location::default(),
                            format!("a Link page returned {} tags for n={n}", t.len()),
                        );
                    }
                    seen.extend(t);
                    next = p.link;
                    from = u;
                }
                Err(e) => {
                    m.fail("REG-027", Location::default(), format!("Link page: {e}"));
                    break;
                }
            },
            Ok(p) => {
                m.fail(
                    "REG-027",
                    Location::default(),
                    format!("Link page: {}", p.summary),
                );
                break;
            }
            Err(e) => {
                m.error("REG-027", Location::default(), format!("Link page: {e}"));
                break;
            }
        }
    }
    let unique: BTreeSet<&String> = seen.iter().collect();
    if unique.len() != seen.len() {
        m.fail(
            "REG-027",
            Location::default(),
            format!(
                "the pages listed {} tags, {} of them repeated",
                seen.len(),
                seen.len() - unique.len()
            ),
        );
    }
    let full_set: BTreeSet<&String> = full.iter().collect();
    if unique != full_set {
        m.fail(
            "REG-027",
            Location::default(),
            format!(
                "the pages listed {:?}, the full list is {:?}",
                unique, full_set
            ),
        );
    }
    // `last`: the page after the first page's last tag shares nothing with it.
    if let Some(last) = page.last() {
        let mut u = ctx.client.url(&format!("{}/tags/list", ctx.repo));
        u.query_pairs_mut()
            .append_pair("n", &n.to_string())
            .append_pair("last", last);
        if let Ok(p) = fetch_tags(ctx, u)
            && p.status == 200
            && let Ok((_, t)) = parse_tags(&p.body)
            && t.iter().any(|x| page.contains(x))
        {
            m.fail(
                "REG-027",
                Location::default(),
                format!("GET ?n={n}&last={last} repeated tags of the first page: {t:?}"),
            );
        }
    }
}

fn subject_missing(ctx: &mut Ctx, m: &mut Marks) {
    let Some(s) = need_subject(ctx, m, &["REG-009"]) else {
        return;
    };
    let _ = s;
    let phantom = golden::phantom_subject(&ctx.salt);
    let r = golden::referrer(
        &phantom,
        golden::SIGNATURE_TYPE,
        "application/json",
        &ctx.salt,
    );
    for b in &r.blobs {
        if let Err(e) = ctx.client.push_bytes(&ctx.repo, &b.bytes) {
            return m.error(
                "REG-009",
                loc("blob"),
                format!("precondition: blob upload: {e}"),
            );
        }
    }
    match ctx
        .client
        .put_manifest(&ctx.repo, &r.digest.to_string(), &r.media_type, &r.bytes)
    {
        Err(e) => m.error("REG-009", loc("manifest"), format!("PUT: {e}")),
        Ok(resp) if resp.status != 201 => {
            let sum = resp.summary();
            m.fail(
                "REG-009",
                loc("manifest"),
                format!(
                    "a manifest whose subject {} does not exist was refused: {sum}: {}",
                    phantom["digest"],
                    resp.snippet()
                ),
            );
        }
        Ok(_) => ctx.pushed.push((ctx.repo.clone(), r.digest.clone(), true)),
    }
}

/// Push the two referrers of the model (once).
fn ensure_referrers(ctx: &mut Ctx) -> Result<(), String> {
    if !ctx.referrers.is_empty() || ctx.cfg.read_only {
        return Ok(());
    }
    let s = ctx.subject.clone()?;
    let subject = serde_json::json!({"mediaType": s.media_type, "digest": s.digest.to_string(), "size": s.bytes.len()});
    for (t, payload) in [
        (
            golden::SIGNATURE_TYPE,
            "application/vnd.dev.sigstore.bundle.v0.3+json",
        ),
        (golden::SBOM_TYPE, "application/spdx+json"),
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

fn referrers_api(ctx: &mut Ctx, m: &mut Marks) {
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
            let hint = if at == Some(golden::EMPTY_MEDIA_TYPE) {
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

fn referrers_filter(ctx: &mut Ctx, m: &mut Marks) {
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
    let wanted = golden::SIGNATURE_TYPE;
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

fn referrers_fallback(ctx: &mut Ctx, m: &mut Marks) {
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
            let expected = golden::index(
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

fn check_error_body(resp: Response, what: &str, m: &mut Marks) {
    let summary = resp.summary();
    let body = match resp.bytes() {
        Ok(b) => b,
        Err(e) => return m.error("REG-010", Location::default(), format!("{what}: {e}")),
    };
    let text = String::from_utf8_lossy(&body[..body.len().min(120)])
        .trim()
        .replace('\n', " ");
    let v: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => {
            return m.fail(
                "REG-010",
                Location::default(),
                format!("{what}: {summary}: body is not the OCI error JSON: {text:?}"),
            );
        }
    };
    let Some(errors) = v
        .get("errors")
        .and_then(Value::as_array)
        .filter(|e| !e.is_empty())
    else {
        return m.fail(
            "REG-010",
            Location::default(),
            format!("{what}: {summary}: no `errors` array: {text:?}"),
        );
    };
    for e in errors {
        match e.get("code").and_then(Value::as_str) {
            Some(c) if ERROR_CODES.contains(&c) => {}
            other => m.fail(
                "REG-010",
                Location::default(),
                format!(
                    "{what}: {summary}: error code {other:?} is not in the distribution-spec list"
                ),
            ),
        }
    }
}

fn error_format(ctx: &mut Ctx, m: &mut Marks) {
    let missing = Digest::sha256_of(format!("missing {}", ctx.salt).as_bytes());
    let probes: Vec<(&str, Result<Response, ClientError>)> = vec![
        (
            "GET of a missing blob",
            ctx.client.blob(Method::GET, &ctx.repo, &missing, false),
        ),
        (
            "GET of a missing manifest",
            ctx.client
                .manifest(Method::GET, &ctx.repo, &missing.to_string()),
        ),
    ];
    for (what, r) in probes {
        match r {
            Err(e) => m.error("REG-010", Location::default(), format!("{what}: {e}")),
            Ok(resp) if !(400..500).contains(&resp.status) => m.fail(
                "REG-010",
                Location::default(),
                format!("{what}: {} (expected 404)", resp.summary()),
            ),
            Ok(resp) => check_error_body(resp, what, m),
        }
    }
    if !ctx.cfg.read_only {
        // A digest mismatch on upload.
        let wrong = Digest::sha256_of(b"not the body");
        match ctx.client.push_blob(
            &ctx.repo,
            &wrong,
            4,
            Box::new(Cursor::new(b"body".to_vec())),
            false,
        ) {
            Err(e) => m.error(
                "REG-010",
                Location::default(),
                format!("upload with a wrong digest: {e}"),
            ),
            Ok(r) if (400..500).contains(&r.status) => {
                check_error_body(r, "upload with a wrong digest", m)
            }
            Ok(_) => {} // REG-006 reports the acceptance itself.
        }
    }
}

fn delete(ctx: &mut Ctx, m: &mut Marks) {
    if !ctx.cfg.delete {
        return m.not_applicable(
            "REG-026",
            "delete checks are switched off in the configuration",
        );
    }
    let Some(s) = need_subject(ctx, m, &["REG-026"]) else {
        return;
    };
    // A throwaway manifest: the model with one more annotation.
    let mut v: Value = match serde_json::from_slice(&s.bytes) {
        Ok(v) => v,
        Err(e) => return m.error("REG-026", loc("manifest"), format!("precondition: {e}")),
    };
    v["annotations"]["io.ai-interop.delete-probe"] = Value::from(ctx.salt.clone());
    let bytes = golden::odd_json(&v);
    let digest = Digest::sha256_of(&bytes);
    match ctx
        .client
        .put_manifest(&ctx.repo, "delete-probe", &s.media_type, &bytes)
    {
        Ok(r) if r.status == 201 => {}
        Ok(r) => {
            return m.error(
                "REG-026",
                loc("manifest"),
                format!("precondition: PUT: {}", r.summary()),
            );
        }
        Err(e) => {
            return m.error(
                "REG-026",
                loc("manifest"),
                format!("precondition: PUT: {e}"),
            );
        }
    }
    let url = ctx.client.url(&format!("{}/manifests/{digest}", ctx.repo));
    let resp = match ctx
        .client
        .send(ctx.client.request(Method::DELETE, url, Some(&ctx.repo)))
    {
        Ok(r) => r,
        Err(e) => return m.error("REG-026", loc("manifest"), format!("DELETE manifest: {e}")),
    };
    match resp.status {
        202 => match ctx
            .client
            .manifest(Method::GET, &ctx.repo, &digest.to_string())
        {
            Ok(r) if r.status == 404 => {}
            Ok(r) => m.fail(
                "REG-026",
                loc("manifest"),
                format!("DELETE manifest answered 202, then GET {}", r.summary()),
            ),
            Err(e) => m.error("REG-026", loc("manifest"), format!("GET after DELETE: {e}")),
        },
        400 | 405 | 501 => {
            let sum = resp.summary();
            let body = resp.snippet();
            if resp_unsupported(400, &body) || sum.contains("405") || sum.contains("501") {
                return m.skip(
                    "REG-026",
                    format!("feature delete not supported: DELETE manifest {sum}: {body}"),
                );
            }
            return m.fail(
                "REG-026",
                loc("manifest"),
                format!("DELETE manifest: {sum}: {body}"),
            );
        }
        _ => {
            let sum = resp.summary();
            return m.fail(
                "REG-026",
                loc("manifest"),
                format!(
                    "DELETE manifest: {sum} (expected 202, or 405 when unsupported): {}",
                    resp.snippet()
                ),
            );
        }
    }
    // A blob nobody references.
    let bytes = format!("delete probe {}", ctx.salt).into_bytes();
    let bd = match ctx.client.push_bytes(&ctx.repo, &bytes) {
        Ok(d) => d,
        Err(e) => return m.error("REG-026", loc("blob"), format!("precondition: {e}")),
    };
    let url = ctx.client.url(&format!("{}/blobs/{bd}", ctx.repo));
    match ctx
        .client
        .send(ctx.client.request(Method::DELETE, url, Some(&ctx.repo)))
    {
        Ok(r) if r.status == 202 => match ctx.client.blob(Method::GET, &ctx.repo, &bd, false) {
            Ok(r) if r.status == 404 => {}
            Ok(r) => m.fail(
                "REG-026",
                loc("blob"),
                format!("DELETE blob answered 202, then GET {}", r.summary()),
            ),
            Err(e) => m.error("REG-026", loc("blob"), format!("GET after DELETE: {e}")),
        },
        Ok(r) if matches!(r.status, 400 | 405 | 501) => {
            ctx.pushed.push((ctx.repo.clone(), bd, false));
        }
        Ok(r) => m.fail(
            "REG-026",
            loc("blob"),
            format!(
                "DELETE blob: {} (expected 202, or 405 when unsupported)",
                r.summary()
            ),
        ),
        Err(e) => m.error("REG-026", loc("blob"), format!("DELETE blob: {e}")),
    }
}

fn resp_unsupported(_status: u16, body: &str) -> bool {
    body.contains("UNSUPPORTED")
}

fn cleanup(ctx: &Ctx) -> Vec<String> {
    let mut notes = Vec::new();
    let mut done = BTreeSet::new();
    // Manifests first (registries may refuse to delete referenced blobs), newest first.
    let mut items = ctx.pushed.clone();
    items.sort_by_key(|(_, _, manifest)| !*manifest);
    for (repo, digest, manifest) in items {
        if !done.insert((repo.clone(), digest.to_string())) {
            continue;
        }
        let kind = if manifest { "manifests" } else { "blobs" };
        let url = ctx.client.url(&format!("{repo}/{kind}/{digest}"));
        match ctx
            .client
            .send(ctx.client.request(Method::DELETE, url, Some(&repo)))
        {
            Ok(r) if r.is_success() || r.status == 404 => {}
            Ok(r) => notes.push(format!("DELETE {repo}/{kind}/{digest}: {}", r.summary())),
            Err(e) => notes.push(ctx.redactor.redact(&e.to_string())),
        }
    }
    if notes.is_empty() {
        notes.push(format!(
            "deleted {} items (each DELETE answered 2xx or 404)",
            done.len()
        ));
    }
    notes
}

fn seeded_subject(ctx: &Ctx) -> Result<Subject, String> {
    let seed = ctx
        .cfg
        .seeded
        .clone()
        .ok_or("read-only mode needs `seeded`")?;
    let (repo_tag, target) = parse_seeded(&seed)?;
    let source = RegistrySource::new(ctx.client.clone(), repo_tag);
    let f = source.fetch_manifest(&target).map_err(|e| e.to_string())?;
    let v: Value = serde_json::from_slice(&f.bytes).map_err(|e| format!("seeded manifest: {e}"))?;
    let media_type = v
        .get("mediaType")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or(f.content_type.clone())
        .unwrap_or_else(|| OCI_MANIFEST.into());
    let mut blobs = Vec::new();
    let descs = v.get("config").into_iter().chain(
        v.get("layers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten(),
    );
    for d in descs {
        let (Some(mt), Some(dg), Some(sz)) = (
            d.get("mediaType").and_then(Value::as_str),
            d.get("digest")
                .and_then(Value::as_str)
                .and_then(|s| Digest::parse(s).ok()),
            d.get("size").and_then(Value::as_u64),
        ) else {
            continue;
        };
        blobs.push((mt.to_string(), dg, sz));
    }
    Ok(Subject {
        tag: match target {
            Target::Tag(t) => Some(t),
            Target::Digest(_) => None,
        },
        digest: f.digest,
        media_type,
        bytes: f.bytes,
        blobs,
    })
}

/// `<repo>:<tag>` or `<repo>@<digest>`.
pub fn parse_seeded(s: &str) -> Result<(String, Target), String> {
    if let Some((r, d)) = s.split_once('@') {
        let d = Digest::parse(d).map_err(|e| e.to_string())?;
        return Ok((r.to_string(), Target::Digest(d)));
    }
    match s.rsplit_once(':') {
        Some((r, t)) if !t.contains('/') => Ok((r.to_string(), Target::Tag(t.to_string()))),
        _ => Err(format!(
            "seeded {s:?}: expected <repo>:<tag> or <repo>@<digest>"
        )),
    }
}

/// Run the whole suite against the configured registry.
pub fn run(cfg: &RegistryConfig) -> SuiteRun {
    run_selected(cfg, |_| true)
}

/// Run the tests whose ID `filter` accepts.
pub fn run_selected(cfg: &RegistryConfig, filter: impl Fn(&str) -> bool) -> SuiteRun {
    let redactor = Redactor::new();
    let ns = cfg.run_namespace();
    let registry = cfg
        .base_url()
        .map(|u| u.to_string())
        .unwrap_or_else(|_| "(invalid URL)".into());
    let mut run = SuiteRun {
        registry: redactor.redact(&registry),
        namespace: ns.clone(),
        read_only: cfg.read_only,
        tests: Vec::new(),
        features: Vec::new(),
        cleanup: Vec::new(),
    };
    let fatal = |run: &mut SuiteRun, msg: String| {
        for t in TESTS.iter().filter(|t| filter(t.id)) {
            let mut marks = Marks::default();
            for r in t.covers {
                marks.error(r, Location::default(), msg.clone());
            }
            run.tests.push(RegistryTestResult {
                id: t.id,
                title: t.title,
                covers: t.covers,
                marks,
                duration_ms: 0,
            });
        }
    };
    if let Err(e) = cfg.validate() {
        fatal(&mut run, redactor.redact(&e.to_string()));
        return run;
    }
    let client = match Client::with_redactor(cfg, redactor.clone()) {
        Ok(c) => Arc::new(c),
        Err(e) => {
            fatal(&mut run, e.to_string());
            return run;
        }
    };
    // The API base must answer (after authentication).
    let probe = client.send(client.request(Method::GET, client.url(""), None));
    match probe {
        Ok(r) if r.status == 200 => {}
        Ok(r) => {
            let s = r.summary();
            fatal(
                &mut run,
                format!("GET /v2/: {s} (expected 200; check URL and credentials)"),
            );
            return run;
        }
        Err(e) => {
            fatal(&mut run, format!("registry unreachable: {e}"));
            return run;
        }
    }
    let (repo, subject) = if cfg.read_only {
        let repo = cfg
            .seeded
            .as_deref()
            .and_then(|s| parse_seeded(s).ok())
            .map(|(r, _)| r)
            .unwrap_or_default();
        (repo, Err("not yet read".to_string()))
    } else {
        (
            format!("{ns}/model"),
            Err("the model push did not run".to_string()),
        )
    };
    let mut ctx = Ctx {
        cfg: cfg.clone(),
        client,
        redactor: redactor.clone(),
        salt: ns.rsplit('/').next().unwrap_or("run").to_string(),
        ns,
        repo,
        subject,
        referrers: Vec::new(),
        oci_subject: Vec::new(),
        referrers_api: None,
        extra_tags: Vec::new(),
        pushed: Vec::new(),
    };
    if cfg.read_only {
        ctx.subject = seeded_subject(&ctx);
    }
    for t in TESTS.iter().filter(|t| filter(t.id)) {
        let started = Instant::now();
        let mut marks = Marks::default();
        if cfg.read_only && !t.read_only {
            for r in t.covers {
                marks.not_applicable(r, "read-only mode: this check pushes content");
            }
        } else {
            (t.run)(&mut ctx, &mut marks);
        }
        for mk in marks.marks.iter_mut() {
            mk.message = redactor.redact(&mk.message);
        }
        run.tests.push(RegistryTestResult {
            id: t.id,
            title: t.title,
            covers: t.covers,
            marks,
            duration_ms: started.elapsed().as_millis() as u64,
        });
    }
    run.features = FEATURES
        .iter()
        .map(|(name, reqs)| {
            let outcomes: Vec<Status> = reqs.iter().map(|r| run.outcome(r)).collect();
            let evidence = reqs
                .iter()
                .flat_map(|r| run.messages(r))
                .next()
                .unwrap_or_default();
            let status = if outcomes
                .iter()
                .any(|s| matches!(s, Status::Fail | Status::Error))
            {
                "broken"
            } else if outcomes.contains(&Status::Skip) {
                "unsupported"
            } else if outcomes.iter().all(|s| *s == Status::NotApplicable) {
                "not-tested"
            } else {
                "supported"
            };
            FeatureStatus {
                name,
                status,
                evidence,
            }
        })
        .collect();
    if cfg.cleanup && !cfg.read_only {
        run.cleanup = cleanup(&ctx);
    } else {
        run.cleanup
            .push("cleanup off: content left in place".into());
    }
    run
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{AppliesTo, Catalog};

    fn registry_catalog() -> Catalog {
        Catalog::parse(&[
            ("profiles.md", include_str!("../../spec/v1.0/profiles.md")),
            ("registry.md", include_str!("../../spec/v1.0/registry.md")),
        ])
        .expect("registry.md parses")
    }

    #[test]
    fn every_registry_requirement_is_checked_and_every_check_is_specified() {
        let c = registry_catalog();
        let covered: BTreeSet<&str> = TESTS
            .iter()
            .flat_map(|t| t.covers.iter().copied())
            .collect();
        let specified: BTreeSet<&str> = c.requirements.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(covered, specified);
        for r in &c.requirements {
            assert!(r.id.starts_with("REG-"), "{}", r.id);
            assert_eq!(r.applies_to, vec![AppliesTo::Registry], "{}", r.id);
            assert_eq!(r.profile, "core", "{}", r.id);
        }
    }

    #[test]
    fn extended_requirements_name_their_feature() {
        let c = registry_catalog();
        for (feature, reqs) in FEATURES {
            for id in *reqs {
                let r = c.get(id).unwrap_or_else(|| panic!("{id} missing"));
                assert!(
                    r.text.contains(&format!("feature `{feature}`")),
                    "{id} does not name {feature}"
                );
            }
        }
        for r in &c.requirements {
            let n: u32 = r.id[4..].parse().unwrap();
            assert_eq!(
                n >= 20,
                r.text.contains("(feature `"),
                "{}: core IDs below 020, features from 020",
                r.id
            );
        }
    }

    #[test]
    fn seeded_references() {
        assert_eq!(
            parse_seeded("a/b:v1").unwrap(),
            ("a/b".into(), Target::Tag("v1".into()))
        );
        let d = Digest::sha256_of(b"");
        assert_eq!(
            parse_seeded(&format!("a@{d}")).unwrap(),
            ("a".into(), Target::Digest(d))
        );
        assert!(parse_seeded("a").is_err());
    }
}
