//! The registry conformance suite: ordered tests that push, pull and probe one registry and
//! mark `REG-0xx` requirements. A test marks only what it observed; unmarked covered
//! requirements pass. Extended features absent from the registry are marked `skip` with the
//! registry's own answer as evidence.

mod attached;
mod blobs;
pub mod golden;
mod manifests;
pub mod report;
mod tags;

use crate::checks::Marks;
use crate::digest::Digest;
use crate::model::{Location, Status};
use crate::targets::redact::Redactor;
use crate::targets::registry::client::{Body, Client, ClientError, Response};
use crate::targets::registry::config::RegistryConfig;
use crate::targets::registry::manifest;
use crate::targets::registry::reference::{Target, valid_tag};
use crate::targets::registry::referrers::{self, index_manifests};
use crate::targets::registry::source::RegistrySource;
use crate::vocabulary::{OCI_INDEX, OCI_MANIFEST};
use golden::{PatternReader, Pushable};
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

    /// What the test decided, for the verdict path.
    pub fn decided(&self) -> crate::engine::Decided<'_> {
        crate::engine::Decided {
            id: self.id,
            title: self.title,
            declares: self.covers,
            judged: self.covers.to_vec(),
            marks: &self.marks,
            duration_ms: self.duration_ms,
        }
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
    /// The golden fixture cases pushed (tagged with their case ID) and pulled back.
    pub fixtures: Vec<String>,
}

/// Extended features and the requirements that decide them.
pub(crate) const FEATURES: &[(&str, &[&str])] = &[
    (
        "referrers-api",
        &["REG-020", "REG-021", "REG-022", "REG-029"],
    ),
    ("artifact-type-filter", &["REG-023"]),
    ("oci-subject-header", &["REG-024"]),
    ("cross-repo-mount", &["REG-025"]),
    ("delete", &["REG-026"]),
    ("tag-pagination", &["REG-027"]),
    ("chunked-upload", &["REG-028"]),
];

impl SuiteRun {
    /// The gravest outcome of a requirement across the tests that cover it
    /// ([`Status::gravest`]); a pass when none does.
    pub fn outcome(&self, requirement: &str) -> Status {
        Status::gravest(
            self.tests
                .iter()
                .filter(|t| t.covers.contains(&requirement))
                .map(|t| t.outcome(requirement)),
        )
        .unwrap_or(Status::Pass)
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
            "fixtures": self.fixtures,
        })
    }
}

/// One suite test, in the one shape of tests ([`crate::checks::Test`]).
pub(crate) type SuiteTest = crate::checks::Test<Access>;

/// How a registry test runs: reading only (it runs in read-only mode too), or pushing content
/// (in read-only mode what it covers is not-applicable).
pub enum Access {
    Reads(fn(&mut Ctx, &mut Marks)),
    Pushes(fn(&mut Ctx, &mut Marks)),
}

impl Access {
    /// Whether the test runs in read-only mode too.
    pub fn read_only(&self) -> bool {
        matches!(self, Access::Reads(_))
    }

    fn body(&self) -> fn(&mut Ctx, &mut Marks) {
        match self {
            Access::Reads(f) | Access::Pushes(f) => *f,
        }
    }
}

use Access::{Pushes, Reads};

/// The suite's tests in run order.
pub const TESTS: &[SuiteTest] = &[
    SuiteTest {
        id: "registry.manifest-roundtrip",
        title: "Push the model and pull it back by tag and digest: bytes, digest, Content-Type, HEAD",
        covers: &["REG-001", "REG-002", "REG-003", "REG-004"],
        run: Reads(manifests::manifest_roundtrip),
    },
    SuiteTest {
        id: "registry.blob-roundtrip",
        title: "Pull every blob back: HEAD, GET verified on the fly, redirects without credentials",
        covers: &["REG-002", "REG-004", "REG-005", "REG-011"],
        run: Reads(blobs::blob_roundtrip),
    },
    SuiteTest {
        id: "registry.monolithic-upload",
        title: "Monolithic upload (POST then PUT) and rejection of a wrong digest",
        covers: &["REG-006"],
        run: Pushes(blobs::monolithic_upload),
    },
    SuiteTest {
        id: "registry.chunked-upload",
        title: "Chunked upload (POST, PATCH…, PUT) following each newest Location",
        covers: &["REG-028"],
        run: Pushes(blobs::chunked_upload),
    },
    SuiteTest {
        id: "registry.large-blob",
        title: "Large blob streamed and verified in both directions",
        covers: &["REG-007"],
        run: Pushes(blobs::large_blob),
    },
    SuiteTest {
        id: "registry.cross-repo-mount",
        title: "Cross-repository blob mount",
        covers: &["REG-025"],
        run: Pushes(blobs::cross_repo_mount),
    },
    SuiteTest {
        id: "registry.tag-list",
        title: "Tag listing includes every pushed tag",
        covers: &["REG-008"],
        run: Reads(tags::tag_list),
    },
    SuiteTest {
        id: "registry.tag-pagination",
        title: "Tag list pagination with n, last and Link",
        covers: &["REG-027"],
        run: Reads(tags::tag_pagination),
    },
    SuiteTest {
        id: "registry.subject-missing",
        title: "A manifest whose subject does not exist yet is accepted",
        covers: &["REG-009"],
        run: Pushes(manifests::subject_missing),
    },
    SuiteTest {
        id: "registry.referrers-api",
        title: "Referrers API: index, empty list, artifactType, annotations, OCI-Subject",
        covers: &["REG-020", "REG-021", "REG-022", "REG-024"],
        run: Reads(attached::referrers_api),
    },
    SuiteTest {
        id: "registry.referrers-filter",
        title: "Referrers artifactType filter and OCI-Filters-Applied",
        covers: &["REG-023"],
        run: Reads(attached::referrers_filter),
    },
    SuiteTest {
        id: "registry.referrers-missing-subject",
        title: "Referrers API: the referrer of a subject not in the repository is listed",
        covers: &["REG-029"],
        run: Pushes(attached::referrers_missing_subject),
    },
    SuiteTest {
        id: "registry.referrers-fallback",
        title: "Referrers tag schema fallback index",
        covers: &["REG-012"],
        run: Pushes(attached::referrers_fallback),
    },
    SuiteTest {
        id: "registry.error-format",
        title: "Error bodies in the OCI error format",
        covers: &["REG-010"],
        run: Reads(manifests::error_format),
    },
    SuiteTest {
        id: "registry.delete",
        title: "Delete of manifests and blobs by digest",
        covers: &["REG-026"],
        run: Pushes(manifests::delete),
    },
];

/// The codes of the distribution-spec error list.
pub(crate) const ERROR_CODES: &[&str] = &[
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
/// The golden fixtures pushed beside it are subjects of the round-trip checks too.
#[derive(Debug, Clone)]
struct Subject {
    /// What it is, for messages: `the model`, `fixture pass-…`, `the seeded manifest`.
    label: String,
    tag: Option<String>,
    digest: Digest,
    media_type: String,
    bytes: Vec<u8>,
    /// `(media type, digest, size)` of config and layers.
    blobs: Vec<(String, Digest, u64)>,
}

/// Shared state of one run.
/// What the registry tests share during one run.
pub struct Ctx {
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
    /// `(subject, referrer)`: a referrer pushed for a subject that is not in the repository
    /// (REG-009), which the referrers API must list all the same (REG-029).
    phantom: Option<(Digest, Digest)>,
    extra_tags: Vec<String>,
    /// The positive golden fixtures to push (read before the run), or why they cannot be read.
    fixture_defs: Result<Vec<golden::Fixture>, String>,
    /// The fixtures the registry accepted.
    fixtures: Vec<Subject>,
    /// Blobs already uploaded to `repo` in this run.
    uploaded: BTreeSet<String>,
    /// The sha256 of pushed blobs whose digest uses another algorithm.
    sha256_of: std::collections::BTreeMap<String, Digest>,
    /// `(repository, digest, is_manifest)` to delete at teardown.
    pushed: Vec<(String, Digest, bool)>,
}

fn loc(doc: &str) -> Location {
    Location::document(doc)
}

/// [`dcd_ok`] for a blob, accepting the sha256 of the same content for a blob pushed under
/// another algorithm: Distribution stores blobs by sha256 and names them so in the header
/// (`sha256:…` for a blob pushed as `sha512:…`); the header is then checked against the sha256
/// of the bytes the suite pushed.
fn blob_dcd_ok(ctx: &Ctx, resp: &Response, digest: &Digest) -> Option<String> {
    let h = resp.header("docker-content-digest")?;
    if digest.algorithm() != "sha256"
        && h.starts_with("sha256:")
        && let Some(same) = ctx.sha256_of.get(&digest.to_string())
    {
        return (h != same.to_string()).then(|| {
            format!(
                "{} sent Docker-Content-Digest {h}, the content (pushed as {digest}) has sha256 {same}",
                resp.summary()
            )
        });
    }
    dcd_ok(resp, digest)
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
        ctx.uploaded.insert(b.digest.to_string());
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
    if let Some(e) = blob_dcd_ok(ctx, &resp, digest) {
        m.fail("REG-002", loc("blob"), e);
    }
    match resp.verify_into(digest, Some(size), &mut std::io::sink()) {
        Ok(_) => (true, redirected),
        Err(crate::targets::registry::client::VerifyError::Transfer(e)) => {
            m.error(req, loc("blob"), format!("GET blob {digest}: {e}"));
            (false, redirected)
        }
        Err(e) => {
            m.fail(req, loc("blob"), format!("GET blob {digest}: {e}"));
            (false, redirected)
        }
    }
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
    let blobs = manifest::referenced_blobs(&v)
        .into_iter()
        .filter_map(|(_, parts)| parts)
        .collect();
    Ok(Subject {
        label: "the seeded manifest".into(),
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
pub(crate) fn parse_seeded(s: &str) -> Result<(String, Target), String> {
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

/// [`run`], telling `observe` each test's ID, its index and the number of tests before it runs
/// (a progress display).
pub(crate) fn run_observed(
    cfg: &RegistryConfig,
    observe: &mut dyn FnMut(&str, usize, usize),
) -> SuiteRun {
    run_selected_observed(cfg, |_| true, observe)
}

/// Run the tests whose ID `filter` accepts.
pub fn run_selected(cfg: &RegistryConfig, filter: impl Fn(&str) -> bool) -> SuiteRun {
    run_selected_observed(cfg, filter, &mut |_, _, _| {})
}

fn run_selected_observed(
    cfg: &RegistryConfig,
    filter: impl Fn(&str) -> bool,
    observe: &mut dyn FnMut(&str, usize, usize),
) -> SuiteRun {
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
        fixtures: Vec::new(),
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
        phantom: None,
        extra_tags: Vec::new(),
        fixture_defs: Ok(Vec::new()),
        fixtures: Vec::new(),
        uploaded: BTreeSet::new(),
        sha256_of: Default::default(),
        pushed: Vec::new(),
    };
    if !cfg.read_only {
        let (root, explicit) = cfg.fixtures_dir();
        if explicit || root.is_dir() {
            ctx.fixture_defs = golden::positive_fixtures(&root);
        }
    }
    if cfg.read_only {
        ctx.subject = seeded_subject(&ctx);
    }
    let selected: Vec<_> = TESTS.iter().filter(|t| filter(t.id)).collect();
    for (index, t) in selected.iter().enumerate() {
        observe(t.id, index, selected.len());
        let started = Instant::now();
        let mut marks = Marks::default();
        if cfg.read_only && !t.run.read_only() {
            for r in t.covers {
                marks.not_applicable(r, "read-only mode: this check pushes content");
            }
        } else {
            (t.run.body())(&mut ctx, &mut marks);
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
    run.fixtures = ctx.fixtures.iter().filter_map(|f| f.tag.clone()).collect();
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

    /// The requirements registry.md states, read from the embedded catalog (a partial catalog
    /// would not parse: the upstream profile's mapping names requirements of other files).
    fn registry_requirements() -> Vec<&'static crate::spec::Requirement> {
        Catalog::embedded()
            .requirements
            .iter()
            .filter(|r| r.source.starts_with("registry.md#"))
            .collect()
    }

    #[test]
    fn every_registry_requirement_is_checked_and_every_check_is_specified() {
        let reqs = registry_requirements();
        let covered: BTreeSet<&str> = TESTS
            .iter()
            .flat_map(|t| t.covers.iter().copied())
            .collect();
        let specified: BTreeSet<&str> = reqs.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(covered, specified);
        for r in &reqs {
            assert!(r.id.starts_with("REG-"), "{}", r.id);
            assert_eq!(r.applies_to, vec![AppliesTo::Registry], "{}", r.id);
            assert_eq!(r.profile, "core", "{}", r.id);
        }
    }

    #[test]
    fn extended_requirements_name_their_feature() {
        let all = registry_requirements();
        for (feature, reqs) in FEATURES {
            for id in *reqs {
                let r = all
                    .iter()
                    .find(|r| r.id == *id)
                    .unwrap_or_else(|| panic!("{id} missing"));
                assert!(
                    r.text.contains(&format!("feature `{feature}`")),
                    "{id} does not name {feature}"
                );
            }
        }
        for r in &all {
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
