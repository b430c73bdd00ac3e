//! `ai-interop verify-bundle`: a Sigstore bundle (or an OpenSSF model signature) verified against
//! the file, digest or model directory it signs, for people who sign before they pack. It calls
//! the same verifier as the referrer path of `check` (`trust::bundles::verify`), so it accepts,
//! refuses and explains exactly as `check` does. Exit 0 verified, 1 refused, 2 usage or not
//! decidable with the trust inputs given.

use super::{Exit, TrustArgs};
use crate::digest::Digest;
use crate::input::{open_regular, read_bounded};
use crate::trust::failure::SigFailure;
use crate::trust::oms::RawLayer;
use crate::trust::sigstore::Signed;
use clap::Args;
use sha2::Digest as _;
use std::io::Read;
use std::path::{Path, PathBuf};

/// A bundle is small; a message-signed file is read whole (the signature is over its bytes).
const MAX_BUNDLE_BYTES: u64 = 4 << 20;
const MAX_SIGNED_FILE_BYTES: u64 = 1 << 30;
/// Most files of a model directory.
const MAX_MODEL_FILES: usize = 100_000;

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
    let (digest, bytes, layers) = match (&args.digest, &args.file) {
        (Some(d), _) => {
            let d = Digest::parse(d).map_err(|e| Exit::usage(format!("--digest {d}: {e}")))?;
            (d, Vec::new(), None)
        }
        (None, Some(f)) if f.is_dir() => (
            Digest::sha256_of(b""),
            Vec::new(),
            Some(model_files(f, &args.bundle)?),
        ),
        (None, Some(f)) => {
            let bytes =
                read_bounded(f, MAX_SIGNED_FILE_BYTES).map_err(|e| Exit::usage(e.to_string()))?;
            (Digest::sha256_of(&bytes), bytes, None)
        }
        (None, None) => return Err(Exit::usage("name the signed FILE or give --digest")),
    };
    let by_digest = args.digest.is_some();
    let subject = Signed {
        digest: &digest,
        bytes: &bytes,
    };
    let out = crate::trust::bundles::verify(
        &bundle,
        subject,
        layers.as_deref().unwrap_or_default(),
        layers.is_some(),
        &inputs,
    );
    if layers.is_some() && !out.is_oms {
        return Err(Exit::usage(
            "a directory is verified against an OpenSSF model signature only; name the signed file for other bundles",
        ));
    }
    if by_digest && is_message_signature(&bundle) {
        return Err(Exit::usage(
            "a message-signature bundle signs the file's bytes, not its digest: name the FILE instead of --digest",
        ));
    }
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

/// The regular files of a model directory (relative POSIX paths, SHA-256), without the bundle
/// itself and git metadata, as model_signing leaves them out. Symbolic links are refused, as
/// model_signing refuses them by default.
fn model_files(dir: &Path, bundle: &Path) -> Result<Vec<RawLayer>, Exit> {
    let skip = std::fs::canonicalize(bundle).ok();
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries =
            std::fs::read_dir(&d).map_err(|e| Exit::usage(format!("{}: {e}", d.display())))?;
        for e in entries {
            let e = e.map_err(|e| Exit::usage(format!("{}: {e}", d.display())))?;
            let path = e.path();
            let name = e.file_name();
            if name.to_string_lossy().starts_with(".git") {
                continue;
            }
            let t = e
                .file_type()
                .map_err(|e| Exit::usage(format!("{}: {e}", path.display())))?;
            if t.is_symlink() {
                return Err(Exit::usage(format!(
                    "{}: a symbolic link in the model directory",
                    path.display()
                )));
            }
            if t.is_dir() {
                stack.push(path);
                continue;
            }
            if skip.is_some() && std::fs::canonicalize(&path).ok() == skip {
                continue;
            }
            let rel = path
                .strip_prefix(dir)
                .ok()
                .and_then(|p| p.to_str())
                .ok_or_else(|| Exit::usage(format!("{}: not a UTF-8 path", path.display())))?
                .replace(std::path::MAIN_SEPARATOR, "/");
            out.push(RawLayer {
                index: out.len(),
                filepath: rel,
                digest: format!("sha256:{}", sha256_file(&path)?),
            });
            if out.len() > MAX_MODEL_FILES {
                return Err(Exit::usage(format!(
                    "{}: more than {MAX_MODEL_FILES} files",
                    dir.display()
                )));
            }
        }
    }
    Ok(out)
}

fn sha256_file(path: &Path) -> Result<String, Exit> {
    let (mut f, _) = open_regular(path).map_err(|e| Exit::usage(e.to_string()))?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| Exit::usage(format!("{}: {e}", path.display())))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(crate::trust::codec::hex(&h.finalize()))
}
