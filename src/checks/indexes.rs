//! IDX-*: following an image index that is not an agent bundle to its manifests.

use super::{Check, CheckContext, Marks};
use crate::artifact::IndexProblemKind;
use crate::model::Location;

pub(crate) const CHECKS: &[Check] = &[Check {
    id: "index.follow",
    title: "Image index: every descriptor reaches a manifest stored under its digest, without a cycle, within the bounds",
    covers: &["IDX-001", "IDX-002", "IDX-003", "IDX-004"],
    run,
}];

fn run(a: &CheckContext, m: &mut Marks) {
    let Some(index) = &a.index else {
        m.all_not_applicable(
            CHECKS[0].covers,
            "the target is not an image index (or it is an agent bundle)",
        );
        return;
    };
    for p in &index.problems {
        let at = Location::document("index").with_pointer(p.path.clone());
        let message = p.message.clone();
        match p.kind {
            IndexProblemKind::Missing | IndexProblemKind::NotManifest => {
                m.fail("IDX-001", at, message)
            }
            IndexProblemKind::Unreadable => m.error("IDX-001", at, message),
            // Judged by OCI-004 (layout.blob-links); the child is simply not reached.
            IndexProblemKind::OutsideLayout => {}
            IndexProblemKind::Unaddressable | IndexProblemKind::Mismatch => {
                m.fail("IDX-002", at, message)
            }
            IndexProblemKind::Cycle => m.fail("IDX-003", at, message),
            IndexProblemKind::TooDeep | IndexProblemKind::TooMany => m.fail("IDX-004", at, message),
        }
    }
    for r in CHECKS[0].covers {
        m.pass(r);
    }
}
