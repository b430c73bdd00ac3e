//! Loading [`TrustInputs`] from the command line and a policy file
//! (`schemas/v1.0/trust-policy.schema.json`). Every input is a local file: a URL is refused, so a
//! policy can never make the suite reach the network. Keys are parsed here, so that a bad key is
//! a usage error before anything is evaluated; the Sigstore trusted root is read as bytes and
//! interpreted by its verifier.

use super::inputs::{Loaded, TrustInputs};
use super::keys::{KeyError, PublicKey};
use crate::schemas::{SchemaKind, validate};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Why the trust inputs cannot be loaded: a usage error, named with the file at fault.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// A file that is not a small regular file.
    #[error(transparent)]
    Input(#[from] crate::input::InputError),
    #[error(
        "{0}: trust inputs are local files, never fetched; download it yourself and name the file"
    )]
    Url(String),
    #[error("{0}: not UTF-8")]
    NotUtf8(String),
    /// A policy file that does not parse (YAML, JSON or into the policy model).
    #[error("{path}: {message}")]
    Policy { path: String, message: String },
    #[error("{path}: does not match trust-policy.schema.json at {pointer:?}: {message}")]
    Schema {
        path: String,
        pointer: String,
        message: String,
    },
    #[error("{path}: verificationTime {value:?}: {message}")]
    VerificationTime {
        path: String,
        value: String,
        message: String,
    },
    #[error("{path}: {error}")]
    Key { path: String, error: KeyError },
    #[error("{path}: {message}")]
    Certificate { path: String, message: String },
    #[error("{0}: holds no PEM certificate")]
    NoCertificate(String),
    #[error("{path}: the trusted root is not JSON: {message}")]
    TrustedRoot { path: String, message: String },
    #[error("{0}: the Notary trust store must be a directory of PEM certificates")]
    NotaryTrustStore(String),
}

/// Trust inputs are small; anything larger than this is not one (and is not read whole).
pub(crate) const MAX_TRUST_FILE_BYTES: u64 = 4 << 20;

/// What the command line says (each field overrides the policy file; keys add up).
#[derive(Debug, Clone, Default)]
pub struct TrustOptions {
    pub trusted_root: Option<PathBuf>,
    pub keys: Vec<PathBuf>,
    pub notary_trust_store: Option<PathBuf>,
    pub oms_certificate_chain: Vec<PathBuf>,
    pub identity: Option<String>,
    pub issuer: Option<String>,
    pub policy: Option<PathBuf>,
    pub offline: bool,
}

/// The policy file as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct PolicyFile {
    #[serde(default)]
    pub trusted_root: Option<String>,
    #[serde(default)]
    pub keys: Vec<String>,
    #[serde(default)]
    pub notary_trust_store: Option<String>,
    #[serde(default)]
    pub oms_certificate_chain: Vec<String>,
    #[serde(default)]
    pub identity: Option<String>,
    #[serde(default)]
    pub issuer: Option<String>,
    #[serde(default)]
    pub verification_time: Option<String>,
    #[serde(default)]
    pub offline: bool,
    #[serde(default)]
    pub sigstore_thresholds: super::inputs::Thresholds,
}

/// Read a small file, refusing anything that is not a regular file or is too large.
fn read_small(path: &Path) -> Result<Vec<u8>, PolicyError> {
    Ok(crate::input::read_bounded(path, MAX_TRUST_FILE_BYTES)?)
}

fn refuse_url(s: &str) -> Result<(), PolicyError> {
    let scheme = s.split_once("://").map(|(a, _)| a);
    if scheme.is_some_and(|a| {
        !a.is_empty()
            && a.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
    }) {
        return Err(PolicyError::Url(s.to_string()));
    }
    Ok(())
}

/// Parse a policy file (JSON, or YAML when the name ends in `.yaml`/`.yml`) and validate it
/// against the embedded schema.
pub(crate) fn read_policy(path: &Path) -> Result<PolicyFile, PolicyError> {
    let bytes = read_small(path)?;
    let text =
        String::from_utf8(bytes).map_err(|_| PolicyError::NotUtf8(path.display().to_string()))?;
    let unparsed = |message: String| PolicyError::Policy {
        path: path.display().to_string(),
        message,
    };
    let is_yaml = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
    let value: serde_json::Value = if is_yaml {
        serde_saphyr::from_str(&text).map_err(|e| unparsed(e.to_string()))?
    } else {
        serde_json::from_str(&text).map_err(|e| unparsed(e.to_string()))?
    };
    let violations = validate(SchemaKind::TrustPolicy, &value);
    if let Some(v) = violations.first() {
        return Err(PolicyError::Schema {
            path: path.display().to_string(),
            pointer: v.instance_pointer.clone(),
            message: v.message.clone(),
        });
    }
    serde_json::from_value(value).map_err(|e| unparsed(e.to_string()))
}

/// A trusted key; a well-formed key of an algorithm the suite does not verify is kept aside, so
/// that its signature becomes a finding (SIG-020) instead of a usage error without a report.
fn load_key(path: &Path, inputs: &mut TrustInputs) -> Result<(), PolicyError> {
    let pem = read_small(path)?;
    let path = path.to_path_buf();
    match PublicKey::from_pem(&pem) {
        Ok(value) => inputs.keys.push(Loaded { path, value }),
        Err(KeyError::Unsupported(alg)) => {
            inputs.unsupported_keys.push(Loaded { path, value: alg })
        }
        Err(error) => {
            return Err(PolicyError::Key {
                path: path.display().to_string(),
                error,
            });
        }
    }
    Ok(())
}

/// The PEM certificates of a file (at least one).
fn load_certificates(path: &Path) -> Result<Vec<Loaded<Vec<u8>>>, PolicyError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let pem = read_small(path)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .map(|c| {
            c.map(|c| Loaded {
                path: path.to_path_buf(),
                value: c.to_vec(),
            })
            .map_err(|e| PolicyError::Certificate {
                path: path.display().to_string(),
                message: e.to_string(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if certs.is_empty() {
        return Err(PolicyError::NoCertificate(path.display().to_string()));
    }
    Ok(certs)
}

/// The trust inputs of one evaluation: the policy file (if any), then the command line on top.
pub fn load(options: &TrustOptions) -> Result<TrustInputs, PolicyError> {
    let mut inputs = TrustInputs {
        offline: options.offline,
        ..TrustInputs::default()
    };
    let mut trusted_root: Option<PathBuf> = None;
    let mut keys: Vec<PathBuf> = Vec::new();
    let mut oms_chain: Vec<PathBuf> = Vec::new();
    if let Some(policy_path) = &options.policy {
        let policy = read_policy(policy_path)?;
        let base = policy_path.parent().unwrap_or(Path::new("."));
        let local = |s: &str| -> Result<PathBuf, PolicyError> {
            refuse_url(s)?;
            Ok(base.join(s))
        };
        trusted_root = policy.trusted_root.as_deref().map(local).transpose()?;
        for k in &policy.keys {
            keys.push(local(k)?);
        }
        for c in &policy.oms_certificate_chain {
            oms_chain.push(local(c)?);
        }
        inputs.notary_trust_store = policy
            .notary_trust_store
            .as_deref()
            .map(local)
            .transpose()?;
        inputs.identity = policy.identity;
        inputs.issuer = policy.issuer;
        inputs.verification_time = policy
            .verification_time
            .as_deref()
            .map(|t| {
                chrono::DateTime::parse_from_rfc3339(t)
                    .map(|d| d.timestamp())
                    .map_err(|e| PolicyError::VerificationTime {
                        path: policy_path.display().to_string(),
                        value: t.to_string(),
                        message: e.to_string(),
                    })
            })
            .transpose()?;
        inputs.offline |= policy.offline;
        inputs.thresholds = policy.sigstore_thresholds;
        inputs.policy = Some(policy_path.clone());
    }
    if let Some(p) = &options.trusted_root {
        trusted_root = Some(p.clone());
    }
    keys.extend(options.keys.iter().cloned());
    oms_chain.extend(options.oms_certificate_chain.iter().cloned());
    if let Some(d) = &options.notary_trust_store {
        inputs.notary_trust_store = Some(d.clone());
    }
    if let Some(i) = &options.identity {
        inputs.identity = Some(i.clone());
    }
    if let Some(i) = &options.issuer {
        inputs.issuer = Some(i.clone());
    }
    for p in [&trusted_root, &inputs.notary_trust_store]
        .into_iter()
        .flatten()
    {
        refuse_url(&p.to_string_lossy())?;
    }
    if let Some(path) = trusted_root {
        let value = read_small(&path)?;
        serde_json::from_slice::<serde_json::Value>(&value).map_err(|e| {
            PolicyError::TrustedRoot {
                path: path.display().to_string(),
                message: e.to_string(),
            }
        })?;
        inputs.trusted_root = Some(Loaded { path, value });
    }
    for k in &keys {
        refuse_url(&k.to_string_lossy())?;
        load_key(k, &mut inputs)?;
    }
    for c in &oms_chain {
        refuse_url(&c.to_string_lossy())?;
        inputs.oms_anchors.extend(load_certificates(c)?);
    }
    if let Some(d) = &inputs.notary_trust_store
        && !d.is_dir()
    {
        return Err(PolicyError::NotaryTrustStore(d.display().to_string()));
    }
    Ok(inputs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigstore_thresholds_are_read_and_unknown_or_negative_ones_refused() {
        let dir = tempfile::tempdir().unwrap();
        let policy = dir.path().join("policy.yaml");
        std::fs::write(
            &policy,
            "sigstoreThresholds: {tlogEntries: 2, timestamps: 0}\n",
        )
        .unwrap();
        let inputs = load(&TrustOptions {
            policy: Some(policy.clone()),
            ..TrustOptions::default()
        })
        .unwrap();
        assert_eq!(
            inputs.thresholds,
            super::super::inputs::Thresholds {
                tlog_entries: Some(2),
                timestamps: Some(0),
                scts: None,
            }
        );
        for bad in [
            "sigstoreThresholds: {witnesses: 1}\n",
            "sigstoreThresholds: {scts: -1}\n",
        ] {
            std::fs::write(&policy, bad).unwrap();
            assert!(
                load(&TrustOptions {
                    policy: Some(policy.clone()),
                    ..TrustOptions::default()
                })
                .is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn policy_paths_are_relative_to_the_policy_and_urls_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let key = super::super::keys::SigningKey::ed25519_from_seed(&[7; 32]);
        std::fs::write(dir.path().join("k.pub"), key.public_key_pem()).unwrap();
        std::fs::write(dir.path().join("root.json"), "{}").unwrap();
        let policy = dir.path().join("policy.yaml");
        std::fs::write(
            &policy,
            "trustedRoot: root.json\nkeys: [k.pub]\nidentity: a@example.com\n\
             issuer: https://issuer.example\nverificationTime: 2026-01-01T00:00:00Z\n",
        )
        .unwrap();
        let inputs = load(&TrustOptions {
            policy: Some(policy.clone()),
            identity: Some("b@example.com".into()),
            ..TrustOptions::default()
        })
        .unwrap();
        assert_eq!(inputs.keys.len(), 1);
        assert_eq!(inputs.identity.as_deref(), Some("b@example.com"));
        assert_eq!(inputs.issuer.as_deref(), Some("https://issuer.example"));
        assert_eq!(inputs.verification_time, Some(1_767_225_600));
        assert_eq!(inputs.trusted_root.unwrap().value, b"{}");

        std::fs::write(&policy, "keys: [\"https://keys.example/k.pub\"]\n").unwrap();
        let e = load(&TrustOptions {
            policy: Some(policy.clone()),
            ..TrustOptions::default()
        })
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("trust-policy.schema.json") || e.contains("never fetched"),
            "{e}"
        );
        std::fs::write(&policy, "keyz: []\n").unwrap();
        assert!(
            load(&TrustOptions {
                policy: Some(policy),
                ..TrustOptions::default()
            })
            .is_err()
        );
        let e = load(&TrustOptions {
            trusted_root: Some("https://tuf.example/trusted_root.json".into()),
            ..TrustOptions::default()
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("never fetched"), "{e}");
        std::fs::write(dir.path().join("bad.pub"), "not a key").unwrap();
        assert!(
            load(&TrustOptions {
                keys: vec![dir.path().join("bad.pub")],
                ..TrustOptions::default()
            })
            .is_err()
        );
    }
}
