//! The registry suite against scriptable fake registries: every fault must be caught, the
//! correct fakes must pass, and extended features that are absent must be skipped with evidence.

use crate::support::{Auth, FakeRegistry, Faults, Hang, Mode, ReferrersFaults};
use ai_interop::model::Status;
use ai_interop::source::BlobSource;
use ai_interop::suites::registry::golden;
use ai_interop::suites::registry::{self as suite, SuiteRun};
use ai_interop::targets::redact::Secret;
use ai_interop::targets::registry::client::Client;
use ai_interop::targets::registry::config::RegistryConfig;
use ai_interop::targets::registry::referrers;
use ai_interop::targets::registry::source::RegistrySource;
use ai_interop::vocabulary::SPDX_JSON;
use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn cfg(fake: &FakeRegistry) -> RegistryConfig {
    let mut c = RegistryConfig::for_url(&fake.url);
    c.namespace = "conformance".into();
    c.timeouts.connect_ms = 1000;
    // Generous for ordinary tests (the machine is shared); the hang tests use 1 s.
    c.timeouts.request_ms = 5000;
    c.timeouts.large_blob_ms = 10_000;
    c.chunk_size = 1000;
    c.large_blob_size = 3 << 20;
    c.use_proxy = false;
    // Never read the developer's own ~/.docker/config.json. Written once: tests run in
    // parallel, and rewriting the file while another test reads it hands that test a
    // truncated file.
    static EMPTY: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    let empty = EMPTY.get_or_init(|| {
        let p = tempfile::tempdir().unwrap().keep().join("config.json");
        std::fs::write(&p, "{}").unwrap();
        p
    });
    c.auth.docker_config = Some(empty.clone());
    c
}

fn run_with(faults: Faults) -> (FakeRegistry, SuiteRun) {
    run_with_timeouts(faults, 5000, 10_000)
}

fn run_with_timeouts(faults: Faults, request_ms: u64, large_ms: u64) -> (FakeRegistry, SuiteRun) {
    let fake = FakeRegistry::start(faults);
    let mut c = cfg(&fake);
    c.timeouts.request_ms = request_ms;
    c.timeouts.large_blob_ms = large_ms;
    let run = suite::run(&c);
    (fake, run)
}

fn dump(run: &SuiteRun) -> String {
    serde_json::to_string_pretty(&run.to_json()).unwrap()
}

#[track_caller]
fn expect(run: &SuiteRun, req: &str, status: Status) {
    assert_eq!(run.outcome(req), status, "{req}: {}", dump(run));
}

#[track_caller]
fn expect_message(run: &SuiteRun, req: &str, needle: &str) {
    let msgs = run.messages(req);
    assert!(
        msgs.iter().any(|m| m.contains(needle)),
        "{req}: no message contains {needle:?}: {msgs:#?}"
    );
}

const CORE: &[&str] = &[
    "REG-001", "REG-002", "REG-003", "REG-004", "REG-005", "REG-006", "REG-007", "REG-008",
    "REG-009", "REG-010", "REG-012",
];

fn referrers_fake() -> Faults {
    Faults {
        referrers: Some(ReferrersFaults::default()),
        pagination: Mode::Works,
        ..Default::default()
    }
}

/// Assert that exactly the listed requirements fail and every other core one passes.
#[track_caller]
fn only_fails(run: &SuiteRun, failing: &[&str]) {
    for r in failing {
        expect(run, r, Status::Fail);
    }
    for r in CORE.iter().filter(|r| !failing.contains(r)) {
        expect(run, r, Status::Pass);
    }
}

// ---- positive paths ---------------------------------------------------------------------

#[test]
fn distribution_like_fake_passes_core_and_skips_absent_features() {
    // Like Distribution 2.8.2: no referrers API, tag list ignores `n`.
    let (_f, run) = run_with(Faults {
        pagination: Mode::Unsupported,
        ..Default::default()
    });
    for r in CORE {
        expect(&run, r, Status::Pass);
    }
    expect(&run, "REG-011", Status::NotApplicable);
    for r in [
        "REG-020", "REG-021", "REG-022", "REG-023", "REG-024", "REG-027", "REG-029",
    ] {
        expect(&run, r, Status::Skip);
    }
    expect_message(&run, "REG-020", "404 text/plain");
    expect_message(&run, "REG-020", "404 page not found");
    expect_message(&run, "REG-027", "no Link header");
    for r in ["REG-025", "REG-026", "REG-028"] {
        expect(&run, r, Status::Pass);
    }
    let unsupported: Vec<_> = run
        .features
        .iter()
        .filter(|f| f.status == "unsupported")
        .map(|f| f.name)
        .collect();
    assert_eq!(
        unsupported,
        [
            "referrers-api",
            "artifact-type-filter",
            "oci-subject-header",
            "tag-pagination"
        ]
    );
    assert!(
        run.cleanup.iter().all(|c| c.starts_with("deleted")),
        "{:?}",
        run.cleanup
    );
}

#[test]
fn every_positive_golden_fixture_is_pushed_and_pulled_back() {
    let fake = FakeRegistry::start(Faults::default());
    let run = suite::run(&cfg(&fake));
    let cases: Vec<String> = std::fs::read_dir(ai_interop::fixtures::fixtures_root().join("model"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("pass-"))
        .collect();
    assert!(cases.len() >= 10);
    let mut pushed = run.fixtures.clone();
    pushed.sort();
    let mut want = cases.clone();
    want.sort();
    assert_eq!(pushed, want, "{}", dump(&run));
    let log = fake.log();
    for case in &cases {
        assert!(
            log.iter()
                .any(|l| l.method == "PUT" && l.target.ends_with(&format!("/manifests/{case}"))),
            "{case} not pushed"
        );
        assert!(
            log.iter()
                .any(|l| l.method == "GET" && l.target.ends_with(&format!("/manifests/{case}"))),
            "{case} not pulled by tag"
        );
    }
    // The sha512 config blob went up under its sha512 digest.
    assert!(
        log.iter()
            .any(|l| l.method == "GET" && l.target.contains("/blobs/sha512:")),
        "no sha512 blob pulled"
    );
}

#[test]
fn sha256_digest_header_for_a_sha512_blob_is_the_same_content() {
    // Distribution 2.8.2 stores by sha256 and says so in Docker-Content-Digest.
    let (_f, run) = run_with(Faults {
        sha256_digest_header: true,
        ..Default::default()
    });
    expect(&run, "REG-002", Status::Pass);
    // A sha256 that is not the content's still fails.
    let (_f, run) = run_with(Faults {
        wrong_digest_header: true,
        ..Default::default()
    });
    expect(&run, "REG-002", Status::Fail);
}

#[test]
fn a_missing_fixture_tree_named_explicitly_is_an_error() {
    let fake = FakeRegistry::start(Faults::default());
    let mut c = cfg(&fake);
    c.fixtures = Some("/nonexistent/fixtures".into());
    let run = suite::run(&c);
    expect(&run, "REG-001", Status::Error);
    expect_message(&run, "REG-001", "golden fixtures cannot be read");
}

#[test]
fn correct_referrers_fake_passes_everything() {
    let (_f, run) = run_with(referrers_fake());
    for r in run.requirements() {
        if r == "REG-011" {
            expect(&run, r, Status::NotApplicable);
        } else {
            expect(&run, r, Status::Pass);
        }
    }
    assert!(
        run.features.iter().all(|f| f.status == "supported"),
        "{:?}",
        run.features
    );
}

#[test]
fn absolute_locations_are_followed() {
    let (_f, run) = run_with(Faults {
        absolute_locations: true,
        ..Default::default()
    });
    for r in CORE {
        expect(&run, r, Status::Pass);
    }
    expect(&run, "REG-028", Status::Pass);
}

// ---- core faults ------------------------------------------------------------------------

#[test]
fn fault_different_bytes_for_a_digest() {
    let (_f, run) = run_with(Faults {
        corrupt_blobs: true,
        ..Default::default()
    });
    expect(&run, "REG-005", Status::Fail);
    expect_message(&run, "REG-005", "hash to");
}

#[test]
fn fault_rewritten_manifests() {
    let (_f, run) = run_with(Faults {
        rewrite_manifests: true,
        ..Default::default()
    });
    expect(&run, "REG-001", Status::Fail);
    expect_message(&run, "REG-001", "re-serialized");
}

#[test]
fn fault_dropped_annotations() {
    let (_f, run) = run_with(Faults {
        drop_annotations: true,
        ..Default::default()
    });
    expect(&run, "REG-001", Status::Fail);
    expect_message(&run, "REG-001", "`annotations` dropped");
}

#[test]
fn fault_wrong_docker_content_digest() {
    let (_f, run) = run_with(Faults {
        wrong_digest_header: true,
        ..Default::default()
    });
    expect(&run, "REG-002", Status::Fail);
}

#[test]
fn fault_wrong_content_type() {
    let (_f, run) = run_with(Faults {
        wrong_content_type: true,
        ..Default::default()
    });
    only_fails(&run, &["REG-003"]);
}

#[test]
fn fault_head_wrong_length() {
    let (_f, run) = run_with(Faults {
        head_wrong_length: true,
        ..Default::default()
    });
    only_fails(&run, &["REG-004"]);
}

#[test]
fn fault_monolithic_upload_lost() {
    let (_f, run) = run_with(Faults {
        break_monolithic: true,
        ..Default::default()
    });
    expect(&run, "REG-006", Status::Fail);
}

#[test]
fn fault_wrong_digest_accepted() {
    let (_f, run) = run_with(Faults {
        accept_wrong_digest: true,
        ..Default::default()
    });
    only_fails(&run, &["REG-006"]);
    expect_message(&run, "REG-006", "was accepted as");
}

#[test]
fn fault_large_blob_truncated() {
    let (_f, run) = run_with(Faults {
        truncate_blobs_over: Some(1 << 20),
        ..Default::default()
    });
    only_fails(&run, &["REG-007"]);
}

#[test]
fn fault_tags_hidden() {
    let (_f, run) = run_with(Faults {
        hide_tags: true,
        ..Default::default()
    });
    expect(&run, "REG-008", Status::Fail);
}

#[test]
fn fault_missing_subject_rejected() {
    let (_f, run) = run_with(Faults {
        reject_missing_subject: true,
        ..Default::default()
    });
    // The golden fixture pass-subject names a subject that is not pushed: refusing it is a
    // REG-001 failure as well, and the message points at REG-009.
    only_fails(&run, &["REG-001", "REG-009"]);
    expect_message(&run, "REG-001", "pass-subject");
    expect_message(&run, "REG-001", "see REG-009");
}

#[test]
fn fault_non_oci_error_bodies() {
    let (_f, run) = run_with(Faults {
        plain_errors: true,
        ..Default::default()
    });
    expect(&run, "REG-010", Status::Fail);
    expect_message(&run, "REG-010", "not the OCI error JSON");
}

#[test]
fn fault_fallback_tag_refused() {
    let (_f, run) = run_with(Faults {
        reject_fallback_tag: true,
        ..Default::default()
    });
    only_fails(&run, &["REG-012"]);
}

#[test]
fn redirect_to_storage_never_carries_authorization() {
    let fake = FakeRegistry::start_with_auth(
        Faults {
            redirect_blobs: true,
            ..Default::default()
        },
        Auth::Basic {
            user: "alice".into(),
            password: "pw-redirect-123".into(),
        },
    );
    let mut c = cfg(&fake);
    c.auth.username = Some("alice".into());
    c.auth.password = Some(Secret::new("pw-redirect-123"));
    let run = suite::run(&c);
    for r in CORE {
        expect(&run, r, Status::Pass);
    }
    expect(&run, "REG-011", Status::Pass);
    let storage = fake.storage_log();
    assert!(!storage.is_empty(), "blobs were not redirected");
    assert!(
        storage.iter().all(|l| l.authorization.is_none()),
        "{storage:?}"
    );
    // The registry itself did get credentials.
    assert!(fake.log().iter().any(|l| l.authorization.is_some()));
}

#[test]
fn fault_redirect_target_wants_credentials() {
    let (fake, run) = run_with(Faults {
        redirect_blobs: true,
        storage_requires_auth: true,
        ..Default::default()
    });
    expect(&run, "REG-011", Status::Fail);
    assert!(fake.storage_log().iter().all(|l| l.authorization.is_none()));
}

#[test]
fn fault_hang_before_headers_times_out() {
    let t = Instant::now();
    let (_f, run) = run_with_timeouts(
        Faults {
            hang_first_blob_get: Some(Hang::BeforeHeaders),
            ..Default::default()
        },
        1000,
        1000,
    );
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
    expect(&run, "REG-005", Status::Error);
    expect_message(&run, "REG-005", "timed out after 1000 ms");
}

#[test]
fn fault_hang_mid_body_times_out() {
    let t = Instant::now();
    let (_f, run) = run_with_timeouts(
        Faults {
            hang_first_blob_get: Some(Hang::MidBody),
            ..Default::default()
        },
        1000,
        1000,
    );
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
    expect(&run, "REG-005", Status::Error);
    expect_message(&run, "REG-005", "timed out");
}

// ---- referrers faults -------------------------------------------------------------------

fn with_referrers(f: ReferrersFaults) -> SuiteRun {
    run_with(Faults {
        referrers: Some(f),
        pagination: Mode::Works,
        ..Default::default()
    })
    .1
}

#[test]
fn fault_referrers_wrong_artifact_type() {
    let run = with_referrers(ReferrersFaults {
        wrong_artifact_type: true,
        ..Default::default()
    });
    expect(&run, "REG-022", Status::Fail);
    expect_message(&run, "REG-022", "config mediaType");
    expect(&run, "REG-021", Status::Pass);
}

#[test]
fn fault_referrers_drop_annotations() {
    let run = with_referrers(ReferrersFaults {
        drop_annotations: true,
        ..Default::default()
    });
    expect(&run, "REG-022", Status::Fail);
    expect_message(&run, "REG-022", "annotations not copied");
}

#[test]
fn fault_referrers_404_for_empty_list() {
    let run = with_referrers(ReferrersFaults {
        not_found_when_empty: true,
        ..Default::default()
    });
    expect(&run, "REG-020", Status::Pass);
    expect(&run, "REG-021", Status::Fail);
}

#[test]
fn fault_referrers_filter_claimed_but_ignored() {
    let run = with_referrers(ReferrersFaults {
        claim_filter_but_ignore: true,
        ..Default::default()
    });
    expect(&run, "REG-023", Status::Fail);
}

#[test]
fn referrers_filter_ignored_silently_is_unsupported() {
    let run = with_referrers(ReferrersFaults {
        ignore_filter: true,
        ..Default::default()
    });
    expect(&run, "REG-023", Status::Skip);
    expect_message(&run, "REG-023", "without OCI-Filters-Applied");
    expect(&run, "REG-022", Status::Pass);
}

#[test]
fn fault_referrers_404_for_a_missing_subject() {
    let run = with_referrers(ReferrersFaults {
        not_found_when_subject_missing: true,
        ..Default::default()
    });
    expect(&run, "REG-029", Status::Fail);
    expect_message(&run, "REG-029", "which names no manifest");
    // Subjects that exist are answered as before.
    expect(&run, "REG-021", Status::Pass);
    expect(&run, "REG-022", Status::Pass);
}

#[test]
fn fault_no_oci_subject_header() {
    let run = with_referrers(ReferrersFaults {
        no_oci_subject: true,
        ..Default::default()
    });
    expect(&run, "REG-024", Status::Fail);
}

// ---- extended features ------------------------------------------------------------------

#[test]
fn mount_delete_chunked_unsupported_are_skips() {
    let (_f, run) = run_with(Faults {
        mount: Mode::Unsupported,
        delete: Mode::Unsupported,
        chunked: Mode::Unsupported,
        ..Default::default()
    });
    for r in ["REG-025", "REG-026", "REG-028"] {
        expect(&run, r, Status::Skip);
    }
    expect_message(&run, "REG-025", "202");
    expect_message(&run, "REG-026", "UNSUPPORTED");
    for r in CORE {
        expect(&run, r, Status::Pass);
    }
}

#[test]
fn fault_mount_claimed_but_blob_missing() {
    let (_f, run) = run_with(Faults {
        mount: Mode::Broken,
        ..Default::default()
    });
    expect(&run, "REG-025", Status::Fail);
}

#[test]
fn fault_delete_claimed_but_content_stays() {
    let (_f, run) = run_with(Faults {
        delete: Mode::Broken,
        ..Default::default()
    });
    expect(&run, "REG-026", Status::Fail);
}

#[test]
fn fault_pagination_broken() {
    let (_f, run) = run_with(Faults {
        pagination: Mode::Broken,
        ..Default::default()
    });
    expect(&run, "REG-027", Status::Fail);
}

#[test]
fn fault_chunked_upload_broken() {
    let (_f, run) = run_with(Faults {
        chunked: Mode::Broken,
        ..Default::default()
    });
    expect(&run, "REG-028", Status::Fail);
    only_fails(&run, &[]);
}

// ---- auth and redaction -----------------------------------------------------------------

#[test]
fn basic_auth_passes_and_never_leaks() {
    let pw = "pw-basic-s3cret";
    let fake = FakeRegistry::start_with_auth(
        Faults {
            plain_errors: true,
            ..Default::default()
        },
        Auth::Basic {
            user: "bob".into(),
            password: pw.into(),
        },
    );
    let mut c = cfg(&fake);
    c.auth.username = Some("bob".into());
    c.auth.password = Some(Secret::new(pw));
    let run = suite::run(&c);
    expect(&run, "REG-001", Status::Pass);
    expect(&run, "REG-010", Status::Fail);
    let out = format!("{}{run:?}", dump(&run));
    let b64 = base64_of(&format!("bob:{pw}"));
    assert!(
        !out.contains(pw) && !out.contains(&b64),
        "credential leaked"
    );
}

#[test]
fn wrong_password_errors_without_leaking() {
    let fake = FakeRegistry::start_with_auth(
        Faults::default(),
        Auth::Basic {
            user: "bob".into(),
            password: "right".into(),
        },
    );
    let mut c = cfg(&fake);
    c.auth.username = Some("bob".into());
    c.auth.password = Some(Secret::new("wrong-password-x"));
    let run = suite::run(&c);
    expect(&run, "REG-001", Status::Error);
    expect_message(&run, "REG-001", "401");
    assert!(!format!("{}{run:?}", dump(&run)).contains("wrong-password-x"));
}

#[test]
fn bearer_token_flow_passes_and_token_never_leaks() {
    let fake = FakeRegistry::start_with_auth(
        Faults {
            plain_errors: true,
            ..Default::default()
        },
        Auth::Bearer {
            user: "carol".into(),
            password: "pw-token-flow".into(),
        },
    );
    let mut c = cfg(&fake);
    c.auth.username = Some("carol".into());
    c.auth.password = Some(Secret::new("pw-token-flow"));
    let run = suite::run(&c);
    for r in ["REG-001", "REG-005", "REG-006", "REG-007", "REG-028"] {
        expect(&run, r, Status::Pass);
    }
    let out = format!("{}{run:?}", dump(&run));
    assert!(!out.contains(&fake.token()), "token leaked");
    assert!(!out.contains("pw-token-flow"));
    assert!(
        fake.log()
            .iter()
            .any(|l| l.authorization.as_deref() == Some(&format!("Bearer {}", fake.token())))
    );
}

#[test]
fn docker_config_credentials_are_used() {
    let fake = FakeRegistry::start_with_auth(
        Faults::default(),
        Auth::Basic {
            user: "dora".into(),
            password: "pw-docker-cfg".into(),
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("config.json");
    let host = fake.url.trim_start_matches("http://");
    std::fs::write(
        &p,
        format!(
            r#"{{"auths":{{"{host}":{{"auth":"{}"}}}}}}"#,
            base64_of("dora:pw-docker-cfg")
        ),
    )
    .unwrap();
    let mut c = cfg(&fake);
    c.auth.docker_config = Some(p);
    let run = suite::run_selected(&c, |id| id == "registry.manifest-roundtrip");
    expect(&run, "REG-001", Status::Pass);
}

fn base64_of(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

// ---- read-only mode, BlobSource and `check` -----------------------------------------------

fn seed(fake: &FakeRegistry, repo: &str) -> golden::Pushable {
    let client = Client::new(&cfg(fake)).unwrap();
    let m = golden::model("seeded");
    for b in &m.blobs {
        client.push_bytes(repo, &b.bytes).unwrap();
    }
    let r = client
        .put_manifest(repo, "v1", &m.media_type, &m.bytes)
        .unwrap();
    assert_eq!(r.status, 201);
    m
}

#[test]
fn read_only_mode_checks_seeded_content_without_pushing() {
    let fake = FakeRegistry::start(Faults::default());
    seed(&fake, "seeded/model");
    let pushes_before = fake
        .log()
        .iter()
        .filter(|l| l.method != "GET" && l.method != "HEAD")
        .count();
    let mut c = cfg(&fake);
    c.read_only = true;
    c.seeded = Some("seeded/model:v1".into());
    let run = suite::run(&c);
    for r in [
        "REG-001", "REG-002", "REG-003", "REG-004", "REG-005", "REG-008", "REG-010",
    ] {
        expect(&run, r, Status::Pass);
    }
    for r in [
        "REG-006", "REG-007", "REG-009", "REG-012", "REG-025", "REG-026", "REG-028",
    ] {
        expect(&run, r, Status::NotApplicable);
    }
    expect(&run, "REG-020", Status::Skip);
    let pushes_after = fake
        .log()
        .iter()
        .filter(|l| l.method != "GET" && l.method != "HEAD")
        .count();
    assert_eq!(
        pushes_before, pushes_after,
        "read-only mode wrote to the registry"
    );
}

#[test]
fn blob_source_streams_and_verifies() {
    let fake = FakeRegistry::start(Faults::default());
    let m = seed(&fake, "src/model");
    let client = Arc::new(Client::new(&cfg(&fake)).unwrap());
    let src = RegistrySource::new(client, "src/model");
    assert!(src.describe().ends_with("/src/model"));
    let mut out = Vec::new();
    src.open_blob(&m.blobs[1].digest)
        .unwrap()
        .read_to_end(&mut out)
        .unwrap();
    assert_eq!(out, m.blobs[1].bytes);
    // Manifests are reachable through the same interface.
    let mut out = Vec::new();
    src.open_blob(&m.digest)
        .unwrap()
        .read_to_end(&mut out)
        .unwrap();
    assert_eq!(out, m.bytes);
    let missing = ai_interop::digest::Digest::sha256_of(b"missing");
    assert!(matches!(
        src.open_blob(&missing),
        Err(ai_interop::source::BlobError::NotFound(_))
    ));

    let bad = FakeRegistry::start(Faults {
        corrupt_blobs: true,
        ..Default::default()
    });
    let m = seed(&bad, "src/model");
    let src = RegistrySource::new(Arc::new(Client::new(&cfg(&bad)).unwrap()), "src/model");
    let err = src
        .open_blob(&m.blobs[1].digest)
        .unwrap()
        .read_to_end(&mut Vec::new())
        .unwrap_err();
    assert!(err.to_string().contains("hash to"), "{err}");
}

#[test]
fn open_reference_discovers_referrers_by_fallback_and_by_api() {
    for api in [false, true] {
        let fake = FakeRegistry::start(Faults {
            referrers: api.then(ReferrersFaults::default),
            ..Default::default()
        });
        let m = seed(&fake, "ai/model");
        let client = Arc::new(Client::new(&cfg(&fake)).unwrap());
        let src = RegistrySource::new(client.clone(), "ai/model");
        let r = golden::referrer(&m.descriptor(), SPDX_JSON, "application/spdx+json", "x");
        for b in &r.blobs {
            client.push_bytes("ai/model", &b.bytes).unwrap();
        }
        let put = client
            .put_manifest("ai/model", &r.digest.to_string(), &r.media_type, &r.bytes)
            .unwrap();
        if put.header("oci-subject").is_none() {
            referrers::update_fallback_index(&src, &m.digest, &r.bytes, &r.media_type).unwrap();
        }
        let reference = format!("{}/ai/model:v1", fake.url.trim_start_matches("http://"));
        let mut base = cfg(&fake);
        base.url = String::new();
        let art = ai_interop::targets::registry::open(&reference, &base).unwrap();
        assert_eq!(art.manifest.bytes, m.bytes);
        assert_eq!(art.manifest.digest, m.digest);
        assert_eq!(art.referrers.descriptors.len(), 1, "api={api}");
        assert_eq!(art.referrers.descriptors[0]["artifactType"], SPDX_JSON);
        match (&art.referrers.via, api) {
            (referrers::Via::Api { .. }, true) | (referrers::Via::FallbackTag(_), false) => {}
            other => panic!("unexpected discovery {other:?}"),
        }
        let by_digest = format!(
            "{}/ai/model@{}",
            fake.url.trim_start_matches("http://"),
            m.digest
        );
        assert_eq!(
            ai_interop::targets::registry::open(&by_digest, &base)
                .unwrap()
                .manifest
                .bytes,
            m.bytes
        );
    }
}

#[test]
fn hostile_garbage_never_panics_and_never_passes() {
    let (_f, run) = run_with(Faults {
        garbage: true,
        ..Default::default()
    });
    for r in ["REG-001", "REG-005", "REG-006", "REG-008", "REG-010"] {
        assert!(
            matches!(run.outcome(r), Status::Fail | Status::Error),
            "{r}: {}",
            dump(&run)
        );
    }
}

#[test]
fn unreachable_registry_errors_quickly() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let mut c = RegistryConfig::for_url(&format!("http://127.0.0.1:{port}"));
    c.timeouts.connect_ms = 500;
    c.use_proxy = false;
    let t = Instant::now();
    let run = suite::run(&c);
    assert!(t.elapsed() < Duration::from_secs(5));
    expect(&run, "REG-001", Status::Error);
    expect_message(&run, "REG-001", "unreachable");
}
