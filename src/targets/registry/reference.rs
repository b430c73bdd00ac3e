//! `<registry>/<repository>[:tag|@digest]` references.

use crate::digest::Digest;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("reference {input:?}: {message}")]
pub struct ReferenceError {
    pub input: String,
    pub message: String,
}

/// Tag or digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Tag(String),
    Digest(Digest),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Tag(t) => f.write_str(t),
            Target::Digest(d) => write!(f, "{d}"),
        }
    }
}

/// A parsed reference. `scheme` is set only when the input named one (`http://…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub scheme: Option<String>,
    /// `host[:port]`.
    pub registry: String,
    pub repository: String,
    /// `None` means the tag `latest`.
    pub target: Option<Target>,
}

impl Reference {
    /// Parse `[scheme://]<registry>/<repo>[:tag][@digest]`. The registry part is mandatory:
    /// there is no default registry.
    pub(crate) fn parse(input: &str) -> Result<Reference, ReferenceError> {
        let err = |m: &str| ReferenceError {
            input: input.to_string(),
            message: m.to_string(),
        };
        let (scheme, rest) = match input.split_once("://") {
            Some((s, r)) if s == "http" || s == "https" => (Some(s.to_string()), r),
            Some(_) => return Err(err("scheme must be http or https")),
            None => (None, input),
        };
        let (registry, path) = rest
            .split_once('/')
            .ok_or_else(|| err("expected <registry>/<repository>[:tag|@digest]"))?;
        if registry.is_empty() || registry.contains('@') {
            return Err(err("invalid registry host"));
        }
        let looks_like_host =
            registry.contains('.') || registry.contains(':') || registry == "localhost";
        if !looks_like_host {
            return Err(err(
                "the first component must be a registry host (with a dot or a port, or localhost)",
            ));
        }
        let (name_tag, digest) = match path.split_once('@') {
            Some((n, d)) => (n, Some(Digest::parse(d).map_err(|e| err(&e.to_string()))?)),
            None => (path, None),
        };
        // A tag follows the last ':' after the last '/'.
        let last_slash = name_tag.rfind('/').map(|i| i + 1).unwrap_or(0);
        let (repository, tag) = match name_tag[last_slash..].find(':') {
            Some(i) => (
                &name_tag[..last_slash + i],
                Some(&name_tag[last_slash + i + 1..]),
            ),
            None => (name_tag, None),
        };
        if !valid_repository(repository) {
            return Err(err(
                "repository must match [a-z0-9]+((.|_|__|-+)[a-z0-9]+)*(/…)*",
            ));
        }
        if let Some(t) = tag
            && !valid_tag(t)
        {
            return Err(err("tag must match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}"));
        }
        let target = match (tag, digest) {
            (_, Some(d)) => Some(Target::Digest(d)),
            (Some(t), None) => Some(Target::Tag(t.to_string())),
            (None, None) => None,
        };
        Ok(Reference {
            scheme,
            registry: registry.to_string(),
            repository: repository.to_string(),
            target,
        })
    }

    /// The tag or digest to fetch (`latest` when none was given).
    pub(crate) fn target_or_latest(&self) -> Target {
        self.target
            .clone()
            .unwrap_or_else(|| Target::Tag("latest".into()))
    }

    /// The registry's base URL: the named scheme, else `http` for loopback hosts and `https`
    /// otherwise.
    pub(crate) fn base_url(&self) -> String {
        let scheme = self.scheme.clone().unwrap_or_else(|| {
            let host = self
                .registry
                .rsplit_once(':')
                .map(|(h, _)| h)
                .unwrap_or(&self.registry);
            if host == "localhost" || host.starts_with("127.") || host == "[::1]" {
                "http".into()
            } else {
                "https".into()
            }
        });
        format!("{scheme}://{}", self.registry)
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        match &self.target {
            Some(Target::Tag(t)) => write!(f, ":{t}"),
            Some(Target::Digest(d)) => write!(f, "@{d}"),
            None => Ok(()),
        }
    }
}

/// The distribution-spec repository-name grammar.
pub(crate) fn valid_repository(name: &str) -> bool {
    if name.is_empty() || name.len() > 255 {
        return false;
    }
    name.split('/').all(|component| {
        let b = component.as_bytes();
        if b.is_empty() {
            return false;
        }
        let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
        if !alnum(b[0]) || !alnum(b[b.len() - 1]) {
            return false;
        }
        let mut i = 0;
        while i < b.len() {
            if alnum(b[i]) {
                i += 1;
                continue;
            }
            // A separator run: '.', '_', '__' or '-+'.
            let start = i;
            while i < b.len() && !alnum(b[i]) {
                i += 1;
            }
            let sep = &component[start..i];
            let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|c| c == b'-');
            if !ok {
                return false;
            }
        }
        true
    })
}

/// The distribution-spec tag grammar.
pub(crate) fn valid_tag(tag: &str) -> bool {
    let b = tag.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    const D: &str = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn parses_forms() {
        let r = Reference::parse("127.0.0.1:5000/ai/model:v1").unwrap();
        assert_eq!(r.registry, "127.0.0.1:5000");
        assert_eq!(r.repository, "ai/model");
        assert_eq!(r.target, Some(Target::Tag("v1".into())));
        assert_eq!(r.base_url(), "http://127.0.0.1:5000");
        let r = Reference::parse(&format!("reg.example/a/b@{D}")).unwrap();
        assert_eq!(r.target, Some(Target::Digest(Digest::parse(D).unwrap())));
        assert_eq!(r.base_url(), "https://reg.example");
        assert_eq!(r.to_string(), format!("reg.example/a/b@{D}"));
        let r = Reference::parse(&format!("https://localhost:1/a:t@{D}")).unwrap();
        assert!(matches!(r.target, Some(Target::Digest(_))));
        assert_eq!(r.base_url(), "https://localhost:1");
        let r = Reference::parse("localhost/a").unwrap();
        assert_eq!(r.target_or_latest(), Target::Tag("latest".into()));
    }

    #[rstest]
    #[case("ubuntu:latest")]
    #[case("docker.io")]
    #[case("reg.example/UPPER")]
    #[case("reg.example/a//b")]
    #[case("reg.example/a:bad/tag")]
    #[case("reg.example/a@sha256:abc")]
    #[case("ftp://reg.example/a")]
    #[case("reg.example/a:-x")]
    fn rejects(#[case] s: &str) {
        assert!(Reference::parse(s).is_err(), "{s}");
    }

    #[rstest]
    #[case("a", true)]
    #[case("a/b-c/d__e.f", true)]
    #[case("a---b", true)]
    #[case("a_-b", false)]
    #[case("-a", false)]
    #[case("a.", false)]
    fn repository_grammar(#[case] s: &str, #[case] ok: bool) {
        assert_eq!(valid_repository(s), ok, "{s}");
    }
}
