//! A bound on tar extension headers, applied before the tar crate sees the stream.
//!
//! The tar crate reads a whole PAX extended header (`x`, `g`) or GNU long name (`L`, `K`) into
//! memory, however large its declared size. A hostile layer could therefore make the suite
//! allocate gigabytes. This reader follows the archive's block structure as bytes pass through
//! it, and fails the stream as soon as an extension header declares more than
//! [`MAX_EXTENSION_BYTES`]. It honours a PAX `size` record for the entry that follows, so
//! entries larger than the 8 GiB octal limit keep working.

use std::io::{self, Read};

/// The largest extension header accepted: far above any real path or attribute set.
pub const MAX_EXTENSION_BYTES: u64 = 1 << 20;

const BLOCK: u64 = 512;

enum State {
    /// Collecting the 512 bytes of a header.
    Header,
    /// Passing the data (and padding) of an ordinary entry.
    Data { remaining: u64 },
    /// Collecting the data (and padding) of a PAX header to read its `size` record.
    Pax { remaining: u64, declared: u64 },
}

pub struct ExtensionGuard<R> {
    inner: R,
    state: State,
    header: Vec<u8>,
    pax: Vec<u8>,
    /// A PAX `size` that applies to the next ordinary entry.
    pending_size: Option<u64>,
}

impl<R: Read> ExtensionGuard<R> {
    pub fn new(inner: R) -> Self {
        ExtensionGuard {
            inner,
            state: State::Header,
            header: Vec::with_capacity(BLOCK as usize),
            pax: Vec::new(),
            pending_size: None,
        }
    }

    /// Account for `bytes` that just passed through.
    fn track(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            match &mut self.state {
                State::Header => {
                    let take = (BLOCK as usize - self.header.len()).min(bytes.len());
                    self.header.extend_from_slice(&bytes[..take]);
                    bytes = &bytes[take..];
                    if self.header.len() == BLOCK as usize {
                        self.on_header()?;
                        self.header.clear();
                    }
                }
                State::Data { remaining } => {
                    let take = (*remaining).min(bytes.len() as u64);
                    *remaining -= take;
                    bytes = &bytes[take as usize..];
                    if *remaining == 0 {
                        self.state = State::Header;
                    }
                }
                State::Pax {
                    remaining,
                    declared,
                } => {
                    let take = (*remaining).min(bytes.len() as u64) as usize;
                    let keep = (*declared as usize)
                        .saturating_sub(self.pax.len())
                        .min(take);
                    self.pax.extend_from_slice(&bytes[..keep]);
                    *remaining -= take as u64;
                    bytes = &bytes[take..];
                    if *remaining == 0 {
                        self.pending_size = pax_size(&self.pax);
                        self.pax.clear();
                        self.state = State::Header;
                    }
                }
            }
        }
        Ok(())
    }

    fn on_header(&mut self) -> io::Result<()> {
        if self.header.iter().all(|b| *b == 0) {
            return Ok(()); // end-of-archive blocks
        }
        let header = tar::Header::from_byte_slice(&self.header);
        // A corrupt size field is the tar crate's finding to make; pass the stream on.
        let Ok(declared) = header.entry_size() else {
            return Ok(());
        };
        let padded = |n: u64| n.div_ceil(BLOCK).saturating_mul(BLOCK);
        let typeflag = self.header[156];
        if matches!(typeflag, b'x' | b'g' | b'L' | b'K') {
            if declared > MAX_EXTENSION_BYTES {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "a tar extension header declares {declared} bytes, more than the \
                         {MAX_EXTENSION_BYTES} bytes any real path or attribute set needs"
                    ),
                ));
            }
            self.state = if typeflag == b'x' {
                State::Pax {
                    remaining: padded(declared),
                    declared,
                }
            } else {
                State::Data {
                    remaining: padded(declared),
                }
            };
            if padded(declared) == 0 {
                self.state = State::Header;
            }
            return Ok(());
        }
        let size = self.pending_size.take().unwrap_or(declared);
        // Links, directories and devices carry no data whatever their size field says.
        let data = match typeflag {
            b'1' | b'2' | b'3' | b'4' | b'5' | b'6' => 0,
            _ => size,
        };
        if data > 0 {
            self.state = State::Data {
                remaining: padded(data),
            };
        }
        Ok(())
    }
}

/// The `size` record of PAX extended header data (`"<len> size=<n>\n"` records).
fn pax_size(data: &[u8]) -> Option<u64> {
    let mut rest = data;
    let mut size = None;
    while !rest.is_empty() {
        let space = rest.iter().position(|b| *b == b' ')?;
        let len: usize = std::str::from_utf8(&rest[..space]).ok()?.parse().ok()?;
        if len <= space || len > rest.len() {
            return size;
        }
        let record = &rest[space + 1..len];
        if let Some(v) = record.strip_prefix(b"size=") {
            let v = v.strip_suffix(b"\n").unwrap_or(v);
            size = std::str::from_utf8(v).ok().and_then(|s| s.parse().ok());
        }
        rest = &rest[len..];
    }
    size
}

impl<R: Read> Read for ExtensionGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.track(&buf[..n])?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(bytes: &[u8]) -> io::Result<Vec<(String, u64)>> {
        let mut archive = tar::Archive::new(ExtensionGuard::new(bytes));
        let mut out = Vec::new();
        for e in archive.entries()? {
            let mut e = e?;
            let path = String::from_utf8_lossy(&e.path_bytes()).into_owned();
            let n = io::copy(&mut e, &mut io::sink())?;
            out.push((path, n));
        }
        Ok(out)
    }

    fn file(b: &mut tar::Builder<Vec<u8>>, path: &str, data: &[u8]) {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, path, data).unwrap();
    }

    #[test]
    fn ordinary_archives_pass_unchanged() {
        let mut b = tar::Builder::new(Vec::new());
        file(&mut b, "a.txt", b"hello");
        let long = format!("{}/model.bin", "d".repeat(300));
        file(&mut b, &long, &[7u8; 1500]);
        b.append_pax_extensions([("path", "pax/named.bin".as_bytes())])
            .unwrap();
        file(&mut b, "ignored", b"x");
        let bytes = b.into_inner().unwrap();
        let got = walk(&bytes).unwrap();
        assert_eq!(
            got,
            vec![
                ("a.txt".to_string(), 5),
                (long, 1500),
                ("pax/named.bin".to_string(), 1)
            ]
        );
    }

    #[test]
    fn pax_size_record_governs_the_next_entry() {
        let mut b = tar::Builder::new(Vec::new());
        b.append_pax_extensions([("size", "700".as_bytes())])
            .unwrap();
        // The header says 0 bytes; the PAX record says 700 and the data follows.
        let mut h = tar::Header::new_ustar();
        h.set_size(0);
        h.set_path("big.bin").unwrap();
        h.set_cksum();
        b.append(&h, io::empty()).unwrap();
        let mut bytes = b.into_inner().unwrap();
        bytes.truncate(bytes.len() - 1024); // drop the end-of-archive blocks
        bytes.extend_from_slice(&[1u8; 700]);
        bytes.extend_from_slice(&[0u8; 1024 - 700 + 1024]);
        let got = walk(&bytes).unwrap();
        assert_eq!(got, vec![("big.bin".to_string(), 700)]);
    }

    #[test]
    fn huge_extension_headers_are_refused_before_allocation() {
        for flag in [b'x', b'g', b'L', b'K'] {
            let mut h = tar::Header::new_gnu();
            h.set_size(4 << 30); // declares 4 GiB
            h.set_entry_type(tar::EntryType::new(flag));
            h.set_cksum();
            let mut bytes = h.as_bytes().to_vec();
            bytes.extend_from_slice(&[b'a'; 4096]);
            let e = walk(&bytes).unwrap_err();
            assert!(e.to_string().contains("extension header"), "{e}");
        }
    }

    #[test]
    fn parses_pax_records() {
        assert_eq!(pax_size(b"12 size=700\n"), Some(700));
        assert_eq!(pax_size(b"16 path=a/b/c.d\n12 size=701\n"), Some(701));
        assert_eq!(pax_size(b"16 path=a/b/c.d\n"), None);
        assert_eq!(pax_size(b"99 size=1\n"), None);
        assert_eq!(pax_size(b"garbage"), None);
    }
}
