//! RFC 6962 / RFC 9162 Merkle trees: leaf and node hashes, the inclusion (audit path) check that
//! transparency log entries carry, and — for test fixtures — the tree root and audit path.

use sha2::{Digest as _, Sha256};

pub(crate) type Hash = [u8; 32];

/// `SHA-256(0x00 || leaf)`.
pub(crate) fn leaf_hash(leaf: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(leaf);
    h.finalize().into()
}

/// `SHA-256(0x01 || left || right)`.
pub(crate) fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// Why an inclusion proof was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ProofError {
    #[error("leaf index {index} is not below the tree size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("the audit path has {0} hashes, which does not fit the tree size")]
    WrongLength(usize),
    #[error("the audit path leads to a root hash other than the one stated")]
    RootMismatch,
}

/// Verify that `leaf_hash` is at `index` of a tree of `size` leaves whose root is `root`, with the
/// audit path `path` (RFC 9162 §2.1.3.2). Runs in `O(path.len())`; a path longer than 64 hashes
/// cannot fit any tree and is refused.
pub(crate) fn verify_inclusion(
    index: u64,
    size: u64,
    leaf_hash: &Hash,
    path: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    if path.len() > 64 {
        return Err(ProofError::WrongLength(path.len()));
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf_hash;
    for p in path {
        if sn == 0 {
            return Err(ProofError::WrongLength(path.len()));
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongLength(path.len()));
    }
    if &r != root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// The Merkle tree hash of `leaves` (already leaf-hashed), RFC 6962 §2.1. For fixtures.
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => Sha256::digest([]).into(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The audit path of leaf `index` in `leaves`, RFC 6962 §2.1.1. For fixtures.
pub(crate) fn audit_path(index: usize, leaves: &[Hash]) -> Vec<Hash> {
    if leaves.len() <= 1 {
        return Vec::new();
    }
    let k = split(leaves.len());
    if index < k {
        let mut p = audit_path(index, &leaves[..k]);
        p.push(root(&leaves[k..]));
        p
    } else {
        let mut p = audit_path(index - k, &leaves[k..]);
        p.push(root(&leaves[..k]));
        p
    }
}

/// The largest power of two smaller than `n` (n ≥ 2).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&[i as u8])).collect()
    }

    #[test]
    fn every_leaf_of_trees_up_to_33_proves_inclusion() {
        for size in 1..=33usize {
            let l = leaves(size);
            let r = root(&l);
            for i in 0..size {
                let p = audit_path(i, &l);
                assert_eq!(
                    verify_inclusion(i as u64, size as u64, &l[i], &p, &r),
                    Ok(()),
                    "leaf {i} of {size}"
                );
            }
        }
    }

    #[test]
    fn wrong_leaf_root_index_size_or_path_are_refused() {
        let l = leaves(7);
        let r = root(&l);
        let p = audit_path(3, &l);
        assert_eq!(
            verify_inclusion(3, 7, &l[4], &p, &r),
            Err(ProofError::RootMismatch)
        );
        assert_eq!(
            verify_inclusion(3, 7, &l[3], &p, &l[0]),
            Err(ProofError::RootMismatch)
        );
        assert!(verify_inclusion(2, 7, &l[3], &p, &r).is_err());
        assert_eq!(
            verify_inclusion(7, 7, &l[3], &p, &r),
            Err(ProofError::IndexOutOfRange { index: 7, size: 7 })
        );
        let mut long = p.clone();
        long.push(l[0]);
        assert!(verify_inclusion(3, 7, &l[3], &long, &r).is_err());
        assert!(verify_inclusion(3, 7, &l[3], &p[..p.len() - 1], &r).is_err());
        assert!(verify_inclusion(0, 1, &l[0], &[], &l[0]).is_ok());
        assert_eq!(
            verify_inclusion(0, u64::MAX, &l[0], &[l[0]; 65], &r),
            Err(ProofError::WrongLength(65))
        );
    }

    #[test]
    fn known_root_of_an_empty_and_two_leaf_tree() {
        // RFC 6962: the hash of the empty tree is SHA-256 of the empty string.
        assert_eq!(
            crate::digest::hex(&root(&[])),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let l = leaves(2);
        assert_eq!(root(&l), node_hash(&l[0], &l[1]));
    }
}
