//! `ai-interop verify-bundle`: a Sigstore bundle (or an OpenSSF model signature) verified against
//! the file, digest or model directory it signs, for people who sign before they pack. It calls
//! the same verifier as the referrer path of `check` (`trust::bundles::verify`), so it accepts,
//! refuses and explains exactly as `check` does. Exit 0 verified, 1 refused, 2 usage or not
//! decidable with the trust inputs given.

use super::{Exit, TrustArgs};
use crate::digest::Digest;
use crate::input::read_bounded;
use crate::trust::failure::SigFailure;
use crate::trust::model_dir::{self, Serialization};
use crate::trust::oms::{Against, Resource, peek_statement};
use crate::trust::sigstore::Signed;
use crate::vocabulary::OMS_SIGNATURE_PREDICATE;
use clap::Args;
use std::path::{Path, PathBuf};

/// A bundle is small; a message-signed file is read whole (the signature is over its bytes).
const MAX_BUNDLE_BYTES: u64 = 4 << 20;
const MAX_SIGNED_FILE_BYTES: u64 = 1 << 30;

#[derive(Args)]
pub struct VerifyBundleArgs {
    /// The Sigstore bundle (cosign, sigstore clients) or OpenSSF model signature (model.sig).
    #[arg(long, value_name = "FILE")]
    pub bundle: PathBuf,
    /// The digest the bundle signs, instead of a file (DSSE bundles only).
    #[arg(long, value_name = "sha256:HEX", conflicts_with = "file")]
    pub digest: Option<String>,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// The signed file, or a model directory for an OpenSSF model signature.
    #[arg(required_unless_present = "digest")]
    pub file: Option<PathBuf>,
}

pub fn run(args: VerifyBundleArgs) -> Result<u8, Exit> {
    let inputs = args.trust.load()?;
    let bundle =
        read_bounded(&args.bundle, MAX_BUNDLE_BYTES).map_err(|e| Exit::usage(e.to_string()))?;
    let (digest, bytes, files) = match (&args.digest, &args.file) {
        (Some(d), _) => {
            let d = Digest::parse(d).map_err(|e| Exit::usage(format!("--digest {d}: {e}")))?;
            (d, Vec::new(), None)
        }
        (None, Some(f)) if f.is_dir() => (
            Digest::sha256_of(b""),
            Vec::new(),
            Some(model_files(f, &args.bundle, &bundle)?),
        ),
        (None, Some(f)) => {
            let bytes =
                read_bounded(f, MAX_SIGNED_FILE_BYTES).map_err(|e| Exit::usage(e.to_string()))?;
            (Digest::sha256_of(&bytes), bytes, None)
        }
        (None, None) => return Err(Exit::usage("name the signed FILE or give --digest")),
    };
    let is_oms = peek_statement(&bundle).is_some_and(|st| {
        st.get("predicateType").and_then(|p| p.as_str()) == Some(OMS_SIGNATURE_PREDICATE)
    });
    if is_oms && files.is_none() {
        return Err(Exit::usage(
            "an OpenSSF model signature signs a model's files: name the model directory",
        ));
    }
    if args.digest.is_some() && is_message_signature(&bundle) {
        return Err(Exit::usage(
            "a message-signature bundle signs the file's bytes, not its digest: name the FILE instead of --digest",
        ));
    }
    let subject = Signed {
        digest: &digest,
        bytes: &bytes,
    };
    let against = match &files {
        Some(f) => Against::Files(f),
        None => Against::Layers(&[]),
    };
    let out = crate::trust::bundles::verify(&bundle, subject, against, &inputs);
    let v = &out.verification;
    let mut refused = false;
    let mut undecided = false;
    for (requirement, result) in &v.results {
        match result {
            None => println!("{requirement} pass"),
            Some(SigFailure::Breaks { message, .. }) => {
                refused = true;
                println!("{requirement} fail: {message}");
            }
            Some(SigFailure::Undecided { message, .. }) => {
                undecided = true;
                println!("{requirement} error: {message}");
            }
        }
    }
    if let Some(s) = &v.signer {
        println!("signer: {}", s.identity);
        for n in &s.notes {
            println!("note: {n}");
        }
    }
    Ok(if refused {
        println!("refused");
        1
    } else if undecided || !v.verified() {
        println!("not decided: a trust input is missing (see above)");
        2
    } else {
        println!("verified");
        0
    })
}

fn is_message_signature(bundle: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(bundle)
        .ok()
        .is_some_and(|b| b.get("messageSignature").is_some())
}

/// The files of a model directory, serialized as the model signature's Statement says.
fn model_files(dir: &Path, bundle_path: &Path, bundle: &[u8]) -> Result<Vec<Resource>, Exit> {
    let st = peek_statement(bundle)
        .filter(|st| st.get("predicateType").and_then(|p| p.as_str()) == Some(OMS_SIGNATURE_PREDICATE))
        .ok_or_else(|| {
        Exit::usage(
            "a directory is verified against an OpenSSF model signature (a DSSE bundle over a model signing Statement); name the signed file for other bundles",
        )
    })?;
    let s = Serialization::from_statement(&st).map_err(|e| Exit::usage(e.to_string()))?;
    model_dir::resources(dir, &s, Some(bundle_path)).map_err(|e| Exit::usage(e.to_string()))
}
