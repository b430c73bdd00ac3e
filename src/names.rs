//! How long and how deep a tar entry's path may be, and how long a link target: the bounds real
//! file systems set (LAY-011…LAY-014). The checker judges entries by [`path_bound`] and
//! [`link_bound`], and `ai-interop unpack` refuses by the same two functions, so an artifact
//! judged conformant can be unpacked.

/// `NAME_MAX` of ext4, XFS and Btrfs (LAY-011).
pub const MAX_COMPONENT_BYTES: usize = 255;
/// `PATH_MAX` on Linux is 4096 bytes with the terminating NUL (LAY-012).
pub const MAX_PATH_BYTES: usize = 4095;
/// Levels below the layer root (LAY-013): see the spec for why 128.
pub const MAX_DEPTH: usize = 128;
/// The longest target `symlink(2)` stores on Linux: `PATH_MAX` less the NUL (LAY-014).
pub const MAX_LINK_TARGET_BYTES: usize = 4095;

/// A bound a path or link target exceeds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameBound {
    #[error(
        "a path component of {0} bytes; a file system stores at most {MAX_COMPONENT_BYTES} (LAY-011)"
    )]
    Component(usize),
    #[error("a path of {0} bytes; at most {MAX_PATH_BYTES} can be opened by name (LAY-012)")]
    Path(usize),
    #[error("a path {0} levels deep; at most {MAX_DEPTH} (LAY-013)")]
    Depth(usize),
    #[error(
        "a link target of {0} bytes; symlink(2) stores at most {MAX_LINK_TARGET_BYTES} (LAY-014)"
    )]
    LinkTarget(usize),
}

impl NameBound {
    /// The requirement the bound belongs to.
    pub fn requirement(&self) -> &'static str {
        match self {
            NameBound::Component(_) => "LAY-011",
            NameBound::Path(_) => "LAY-012",
            NameBound::Depth(_) => "LAY-013",
            NameBound::LinkTarget(_) => "LAY-014",
        }
    }
}

/// The first bound `path` exceeds, judged on its components without `.` and empty ones (what
/// is created below the destination). Checked in the order component, path, depth, so a
/// fixture that breaks one bound breaks only that one.
pub fn path_bound(path: &str) -> Option<NameBound> {
    let parts: Vec<&str> = path
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    if let Some(long) = parts.iter().find(|c| c.len() > MAX_COMPONENT_BYTES) {
        return Some(NameBound::Component(long.len()));
    }
    let len = parts.iter().map(|c| c.len()).sum::<usize>() + parts.len().saturating_sub(1);
    if len > MAX_PATH_BYTES {
        return Some(NameBound::Path(len));
    }
    (parts.len() > MAX_DEPTH).then_some(NameBound::Depth(parts.len()))
}

/// The bound a link target exceeds: its stored bytes, as `readlink` would return them.
pub fn link_bound(target: &[u8]) -> Option<NameBound> {
    (target.len() > MAX_LINK_TARGET_BYTES).then_some(NameBound::LinkTarget(target.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_at_their_edges() {
        let c = "a".repeat(255);
        assert_eq!(path_bound(&format!("w/{c}")), None);
        assert_eq!(
            path_bound(&format!("w/{c}b")),
            Some(NameBound::Component(256))
        );
        let deep = vec!["d"; 128].join("/");
        assert_eq!(path_bound(&deep), None);
        assert_eq!(
            path_bound(&format!("{deep}/x")),
            Some(NameBound::Depth(129))
        );
        assert_eq!(path_bound(&format!("./{deep}/./")), None);
        let long = vec![c.as_str(); 17].join("/");
        assert_eq!(path_bound(&long), Some(NameBound::Path(17 * 256 - 1)));
        assert_eq!(
            path_bound(&"x".repeat(100_000)),
            Some(NameBound::Component(100_000))
        );
        assert_eq!(link_bound(&[b'a'; 4095]), None);
        assert_eq!(link_bound(&[b'a'; 4096]), Some(NameBound::LinkTarget(4096)));
    }
}
