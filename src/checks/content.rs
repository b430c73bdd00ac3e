//! LAY-*: what the bytes of tar layers may contain.

use super::support::{layer_filepath, manifest_object};
use super::{Check, CheckContext, Marks};
use crate::artifact::{Artifact, Bomb, EntryKind, LayerFacts, Packing, TarIssue};
use crate::model::Location;

pub(crate) const CHECKS: &[Check] = &[Check {
    id: "layers.content",
    title: "Tar layers are packed as declared and safe to unpack",
    covers: &[
        "LAY-001", "LAY-002", "LAY-003", "LAY-004", "LAY-005", "LAY-006", "LAY-007", "LAY-008",
        "LAY-009", "LAY-010", "LAY-011", "LAY-012", "LAY-013", "LAY-014",
    ],
    run,
}];

/// Requirements decided by reading the tar stream itself.
const TAR_LEVEL: &[&str] = &[
    "LAY-002", "LAY-003", "LAY-004", "LAY-005", "LAY-006", "LAY-007", "LAY-009", "LAY-010",
    "LAY-011", "LAY-012", "LAY-013", "LAY-014",
];

/// Those decided by the entries read so far, whether or not the archive was complete.
const ENTRY_LEVEL: &[&str] = &[
    "LAY-002", "LAY-003", "LAY-004", "LAY-005", "LAY-006", "LAY-007", "LAY-009", "LAY-011",
    "LAY-012", "LAY-013", "LAY-014",
];

fn run(a: &CheckContext, m: &mut Marks) {
    if manifest_object(a).is_none() {
        m.all_not_applicable(CHECKS[0].covers, "the manifest is not a JSON object");
        return;
    }
    let mut any_tar = false;
    for layer in &a.layers {
        if matches!(
            layer.content.packing,
            Some(Packing::Tar | Packing::TarGzip | Packing::TarZstd)
        ) {
            any_tar = true;
            check_layer(a, layer, m);
        }
    }
    if !any_tar {
        m.all_not_applicable(CHECKS[0].covers, "the artifact has no tar layers");
    }
}

fn check_layer(a: &Artifact, layer: &LayerFacts, m: &mut Marks) {
    let i = layer.index;
    let c = &layer.content;
    if layer.blob.is_err() {
        m.all_not_applicable(
            CHECKS[0].covers,
            &format!("layer {i}'s blob is not available"),
        );
        return;
    }
    if let Some(reason) = &c.skipped {
        for r in CHECKS[0].covers {
            m.skip(r, format!("layer {i}: {reason}"));
        }
        return;
    }
    m.pass("LAY-001");
    if c.compression_mismatch {
        m.fail(
            "LAY-001",
            Location::layer(i),
            format!(
                "the media type declares {} but the bytes start with {}",
                declared(c.packing),
                c.magic
                    .map_or("nothing".to_string(), |g| format!("{g:?} data")
                        .to_lowercase())
            ),
        );
        let reason = format!("layer {i} is not packed as declared (LAY-001)");
        m.all_not_applicable(TAR_LEVEL, &reason);
        m.not_applicable("LAY-008", reason);
        return;
    }
    if c.packing != Some(Packing::Tar) {
        m.pass("LAY-008");
    }
    if let Some(bomb) = &c.bomb {
        let msg = match bomb {
            Bomb::Ratio {
                compressed,
                uncompressed,
            } => format!(
                "decompression stopped: {compressed} compressed bytes had already expanded to {uncompressed} bytes, past 100× plus 1 MiB"
            ),
            Bomb::Size { uncompressed } => {
                format!("decompression stopped at {uncompressed} bytes, the consumer's size limit")
            }
        };
        m.fail("LAY-008", Location::layer(i), msg);
        m.all_not_applicable(TAR_LEVEL, &format!("layer {i} was not unpacked (LAY-008)"));
        return;
    }
    for r in ENTRY_LEVEL {
        m.pass(r);
    }
    let mut malformed = false;
    if let Some(e) = &c.decode_error {
        malformed = true;
        m.fail(
            "LAY-002",
            Location::layer(i),
            format!("the layer does not decompress: {e}"),
        );
    }
    let Some(tar) = &c.tar else {
        m.not_applicable("LAY-010", format!("layer {i}'s archive could not be read"));
        return;
    };
    let mut limited = false;
    for p in &tar.problems {
        let at = Location::layer_entry(i, p.entry.clone());
        match &p.issue {
            TarIssue::Malformed(e) => {
                malformed = true;
                m.fail("LAY-002", at, format!("the tar archive is malformed: {e}"));
            }
            TarIssue::AbsolutePath => m.fail("LAY-003", at, "the entry's path is absolute"),
            TarIssue::ParentComponent => m.fail("LAY-004", at, "the entry's path contains '..'"),
            TarIssue::LinkEscape { target } => m.fail(
                "LAY-005",
                at,
                format!("the link target {target:?} resolves outside the layer root"),
            ),
            TarIssue::DanglingHardlink { target } => m.fail(
                "LAY-005",
                at,
                format!("the hard link names {target:?}, which is not an earlier entry"),
            ),
            TarIssue::DeviceNode(kind) => m.fail(
                "LAY-006",
                at,
                format!(
                    "the entry is a {}",
                    match kind {
                        EntryKind::CharDevice => "character device",
                        EntryKind::BlockDevice => "block device",
                        EntryKind::Fifo => "FIFO",
                        _ => "special file",
                    }
                ),
            ),
            TarIssue::DuplicatePath => m.fail("LAY-007", at, "an earlier entry has the same path"),
            TarIssue::UnsafeName => m.fail(
                "LAY-009",
                at,
                "the entry's path is not UTF-8 or contains a backslash or NUL",
            ),
            TarIssue::NameBound(bound) => m.fail(bound.requirement(), at, bound.to_string()),
            TarIssue::TooManyEntries => {
                limited = true;
                for r in TAR_LEVEL {
                    m.error(
                        r,
                        at.clone(),
                        "the suite's entry limit stopped the inspection (raise --max-tar-entries)",
                    );
                }
            }
        }
    }
    match layer_filepath(a, i) {
        None => m.not_applicable("LAY-010", format!("layer {i} has no filepath")),
        Some(_) if tar.named.is_some() || tar.named_has_children => m.pass("LAY-010"),
        Some(_) if malformed || limited => {
            m.not_applicable("LAY-010", format!("layer {i} could not be read to the end"))
        }
        Some((p, _)) => m.fail(
            "LAY-010",
            Location::layer(i),
            format!("the layer holds no entry at {p:?}, the path its filepath annotation names"),
        ),
    }
}

fn declared(p: Option<Packing>) -> &'static str {
    match p {
        Some(Packing::TarGzip) => "gzip",
        Some(Packing::TarZstd) => "zstd",
        Some(Packing::Tar) => "an uncompressed tar",
        _ => "an unknown packing",
    }
}
