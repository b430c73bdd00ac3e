//! Evidence made by the real producers, shared by `tests/it/trust_real_tools.rs` and
//! `tests/it/podman.rs`: test-only keys made at test time, a cosign v3 key-based signature made
//! offline (`--tlog-upload=false`), and an SPDX 2.3 SBOM and a signed SLSA v1 provenance DSSE
//! attached with `oras attach` as referrers of the manifest digest. Each test uses it as
//! `crate::support::signing`.

use base64::Engine as _;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// `name` in `AI_INTEROP_TOOLS_BIN` (`.ci/tools.sh` builds the tools there), then on PATH.
pub fn find_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs = env("AI_INTEROP_TOOLS_BIN")
        .into_iter()
        .map(PathBuf::from)
        .chain(std::env::split_paths(&path));
    dirs.map(|d| d.join(name)).find(|p| p.is_file())
}

/// A scratch directory that is HOME, XDG_CONFIG_HOME and DOCKER_CONFIG of every tool run.
pub struct Work {
    dir: tempfile::TempDir,
}

impl Work {
    pub fn new() -> Work {
        let dir = tempfile::tempdir().unwrap();
        for d in ["home", "xdg", "docker"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        std::fs::write(dir.path().join("docker/config.json"), "{}").unwrap();
        Work { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Run a tool; its output on failure.
    pub fn run(&self, tool: &Path, args: &[&str]) -> Output {
        Command::new(tool)
            .args(args)
            .current_dir(self.dir.path())
            .env("HOME", self.path("home"))
            .env("XDG_CONFIG_HOME", self.path("xdg"))
            .env("DOCKER_CONFIG", self.path("docker"))
            .env("COSIGN_PASSWORD", "test-only")
            .env_remove("CI")
            .stdin(Stdio::null())
            .output()
            .expect("the tool runs")
    }

    #[track_caller]
    pub fn ok(&self, tool: &Path, args: &[&str]) -> Vec<u8> {
        let out = self.run(tool, args);
        assert!(
            out.status.success(),
            "{} {args:?} failed:\n{}\n{}",
            tool.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
}

pub fn sha256(bytes: &[u8]) -> String {
    ai_interop::digest::Digest::sha256_of(bytes).to_string()
}

/// An SPDX 2.3 SBOM of the artifact `name` that names the manifest digest and covers every
/// layer (SBM-003/004).
pub fn spdx(name: &str, digest: &str, layers: &[String]) -> Vec<u8> {
    let hex = digest.trim_start_matches("sha256:");
    let files: Vec<Value> = layers
        .iter()
        .enumerate()
        .map(|(i, l)| {
            json!({"SPDXID": format!("SPDXRef-Layer-{i}"), "fileName": format!("layer-{i}"),
                "checksums": [{"algorithm": "SHA256", "checksumValue": l.trim_start_matches("sha256:")}],
                "licenseConcluded": "NOASSERTION"})
        })
        .collect();
    let mut rel = vec![json!({"spdxElementId": "SPDXRef-DOCUMENT",
        "relationshipType": "DESCRIBES", "relatedSpdxElement": "SPDXRef-Artifact"})];
    rel.extend((0..layers.len()).map(|i| {
        json!({"spdxElementId": "SPDXRef-Artifact", "relationshipType": "CONTAINS",
            "relatedSpdxElement": format!("SPDXRef-Layer-{i}")})
    }));
    let purl_name = name.to_lowercase().replace(' ', "-");
    serde_json::to_vec_pretty(&json!({
        "spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT",
        "name": format!("{name} SBOM"),
        "documentNamespace": format!("https://test-only.invalid/spdx/{hex}"),
        "creationInfo": {"created": "2026-01-01T00:00:00Z", "creators": ["Tool: ai-interop tests"]},
        "documentDescribes": ["SPDXRef-Artifact"],
        "packages": [{"SPDXID": "SPDXRef-Artifact", "name": name,
            "downloadLocation": "NOASSERTION", "filesAnalyzed": false,
            "primaryPackagePurpose": "CONTAINER",
            "checksums": [{"algorithm": "SHA256", "checksumValue": hex}],
            "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                "referenceLocator": format!("pkg:oci/{purl_name}@sha256%3A{hex}")}],
            "licenseConcluded": "NOASSERTION", "licenseDeclared": "Apache-2.0",
            "copyrightText": "NOASSERTION"}],
        "files": files, "relationships": rel,
    }))
    .unwrap()
}

/// A SLSA v1 provenance Statement for the artifact `name` of `digest`, in a DSSE envelope
/// signed by openssl with the test's Ed25519 key (`prov.key`).
pub fn provenance(
    openssl: &Path,
    work: &Work,
    name: &str,
    digest: &str,
    layers: &[String],
) -> Vec<u8> {
    let deps: Vec<Value> = layers
        .iter()
        .map(|l| json!({"digest": {"sha256": l.trim_start_matches("sha256:")}}))
        .collect();
    let statement = serde_json::to_vec(&json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": name, "digest": {"sha256": digest.trim_start_matches("sha256:")}}],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {
            "buildDefinition": {"buildType": "https://test-only.invalid/build/v1",
                "externalParameters": {}, "resolvedDependencies": deps},
            "runDetails": {"builder": {"id": "https://test-only.invalid/builder"},
                "metadata": {"invocationId": "ai-interop-tests"}}
        }
    }))
    .unwrap();
    let ptype = "application/vnd.in-toto+json";
    let mut pae = format!("DSSEv1 {} {ptype} {} ", ptype.len(), statement.len()).into_bytes();
    pae.extend_from_slice(&statement);
    let pae_file = work.write("pae.bin", &pae);
    let sig = work.ok(
        openssl,
        &["pkeyutl", "-sign", "-rawin", "-inkey", "prov.key", "-in"]
            .into_iter()
            .chain([pae_file.to_str().unwrap()])
            .collect::<Vec<_>>(),
    );
    let b64 = base64::engine::general_purpose::STANDARD;
    serde_json::to_vec(
        &json!({"payloadType": ptype, "payload": b64.encode(&statement),
        "signatures": [{"keyid": "", "sig": b64.encode(&sig)}]}),
    )
    .unwrap()
}

/// Test-only keys made here, in `work`: cosign's key pair (`cosign.key`/`cosign.pub`, password
/// `test-only`) and the provenance key (`prov.key`/`prov.pub`, Ed25519).
pub fn signing_keys(cosign: &Path, openssl: &Path, work: &Work) {
    work.ok(cosign, &["generate-key-pair"]);
    work.ok(
        openssl,
        &["genpkey", "-algorithm", "ed25519", "-out", "prov.key"],
    );
    work.ok(
        openssl,
        &["pkey", "-in", "prov.key", "-pubout", "-out", "prov.pub"],
    );
}

/// `cosign sign` of `reference` (a digest reference on a plain-http registry) with
/// `cosign.key`, offline: no transparency log. `bundle`: a Sigstore bundle stored as a
/// referrer; else cosign v3's deprecated legacy `<alg>-<hex>.sig` tag.
pub fn cosign_sign(cosign: &Path, work: &Work, reference: &str, bundle: bool) {
    let format = format!("--new-bundle-format={bundle}");
    work.ok(
        cosign,
        &[
            "sign",
            "--key",
            "cosign.key",
            "--tlog-upload=false",
            "--use-signing-config=false",
            &format,
            "--allow-http-registry",
            "-y",
            reference,
        ],
    );
}

/// Attach with `oras attach` an SBOM and a provenance that describe the artifact `name` of
/// `digest` and `layers`, as referrers of `reference` (a digest reference, plain http).
pub fn attach_evidence(
    oras: &Path,
    openssl: &Path,
    work: &Work,
    reference: &str,
    name: &str,
    digest: &str,
    layers: &[String],
) {
    let base = format!(
        "{}-{}",
        reference
            .split('@')
            .next()
            .unwrap()
            .replace(['/', ':'], "_"),
        &digest[7..19]
    );
    let sbom = work.write(&format!("{base}.spdx.json"), &spdx(name, digest, layers));
    let prov = provenance(openssl, work, name, digest, layers);
    let prov = work.write(&format!("{base}.intoto.dsse.json"), &prov);
    for (file, artifact_type, media_type) in [
        (&sbom, "application/spdx+json", "application/spdx+json"),
        (
            &prov,
            "application/vnd.in-toto+json",
            "application/vnd.dsse.envelope.v1+json",
        ),
    ] {
        // A relative name: oras attach refuses absolute paths without --disable-path-validation.
        let file = file.file_name().unwrap().to_str().unwrap();
        work.ok(
            oras,
            &[
                "attach",
                "--plain-http",
                "--artifact-type",
                artifact_type,
                reference,
                &format!("{file}:{media_type}"),
            ],
        );
    }
}
