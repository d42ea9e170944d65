//! A small streaming tar reader: ustar, GNU (`L` long names, base-256 sizes) and pax (`path`,
//! `size`) headers, enough to find the files under `info/` in a conda package.
//!
//! Entries are read in order from any [`Read`]; the data of entries nobody wants is read and
//! dropped, never seeked, so the reader works on a decompression stream.

use std::io::{self, Read};

const BLOCK: usize = 512;
/// The longest GNU long name or pax header this reader accepts.
const MAX_META: u64 = 1 << 20;

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A regular file (type `0` or NUL, or `7`).
    File,
    /// Anything else: directory, link, device, FIFO.
    Other,
}

/// One entry's header, with GNU and pax names applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Path inside the archive, with a leading `./` removed.
    pub path: String,
    /// Regular file or not.
    pub kind: Kind,
    /// Size of the entry's data.
    pub size: u64,
}

/// A tar stream problem: the source failed, or the bytes are not tar.
#[derive(Debug)]
pub enum TarError {
    /// The underlying reader failed (for a decompressor: the compressed data is bad).
    Io(io::Error),
    /// The bytes are not a valid tar.
    Format(String),
}

impl From<io::Error> for TarError {
    fn from(e: io::Error) -> Self {
        TarError::Io(e)
    }
}

/// Reads a tar stream entry by entry.
pub struct TarReader<R> {
    inner: R,
    /// Data bytes (plus padding) of the current entry not yet consumed.
    pending: u64,
    /// Set once the end-of-archive block (or a clean end of stream) has been seen.
    done: bool,
}

fn octal(field: &[u8]) -> Result<u64, String> {
    // GNU base-256: the high bit of the first byte set, the rest big-endian.
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        let mut v: u64 = (field[0] & 0x7f) as u64;
        for &b in &field[1..] {
            v = v.checked_mul(256).and_then(|v| v.checked_add(b as u64)).ok_or("a base-256 number overflows")?;
        }
        return Ok(v);
    }
    let text = field.split(|&b| b == 0).next().unwrap_or_default();
    let text = std::str::from_utf8(text).map_err(|_| "a numeric field is not text")?.trim_matches(' ');
    if text.is_empty() {
        return Ok(0);
    }
    u64::from_str_radix(text, 8).map_err(|_| format!("bad octal number {text:?}"))
}

fn cstr(field: &[u8]) -> &[u8] {
    field.split(|&b| b == 0).next().unwrap_or_default()
}

/// `size` rounded up to whole blocks (saturating: such an entry cannot be read to its end anyway).
fn padded(size: u64) -> u64 {
    size.checked_next_multiple_of(BLOCK as u64).unwrap_or(u64::MAX)
}

impl<R: Read> TarReader<R> {
    /// A reader at the start of a tar stream.
    pub fn new(inner: R) -> Self {
        TarReader { inner, pending: 0, done: false }
    }

    /// The next entry's header, or `None` at the end of the archive.
    ///
    /// The data of the previous entry, if not read, is skipped first.
    pub fn next_entry(&mut self) -> Result<Option<Header>, TarError> {
        let mut long_name: Option<Vec<u8>> = None;
        let mut pax_path: Option<Vec<u8>> = None;
        let mut pax_size: Option<u64> = None;
        loop {
            self.skip_pending()?;
            if self.done {
                return Ok(None);
            }
            let mut block = [0u8; BLOCK];
            if !self.read_block(&mut block)? {
                if long_name.is_some() || pax_path.is_some() || pax_size.is_some() {
                    return Err(TarError::Format("the archive ends after a long-name or pax header".into()));
                }
                self.done = true;
                return Ok(None);
            }
            if block.iter().all(|&b| b == 0) {
                self.done = true;
                return Ok(None);
            }
            check_checksum(&block)?;
            let size = octal(&block[124..136]).map_err(TarError::Format)?;
            let typeflag = block[156];
            match typeflag {
                b'L' | b'x' => {
                    if size > MAX_META {
                        return Err(TarError::Format(format!("a {size}-byte extended header")));
                    }
                    let data = self.read_data(size)?;
                    if typeflag == b'L' {
                        long_name = Some(cstr(&data).to_vec());
                    } else {
                        let (p, s) = parse_pax(&data).map_err(TarError::Format)?;
                        pax_path = p.or(pax_path);
                        pax_size = s.or(pax_size);
                    }
                    continue;
                }
                // Global pax headers, GNU long link names and volume labels carry nothing we need.
                b'g' | b'K' | b'V' => {
                    self.pending = padded(size);
                    continue;
                }
                _ => {}
            }
            let ustar = &block[257..263] == b"ustar\0";
            let name = if let Some(p) = pax_path.take() {
                p
            } else if let Some(n) = long_name.take() {
                n
            } else {
                let name = cstr(&block[0..100]);
                let prefix = if ustar { cstr(&block[345..500]) } else { &[][..] };
                if prefix.is_empty() {
                    name.to_vec()
                } else {
                    [prefix, b"/", name].concat()
                }
            };
            let size = pax_size.take().unwrap_or(size);
            let kind = match typeflag {
                b'0' | 0 | b'7' => Kind::File,
                _ => Kind::Other,
            };
            // Only regular files carry data (hard links, directories, ... have size 0 or ignore it).
            let data_len = if kind == Kind::File || !matches!(typeflag, b'1' | b'2' | b'3' | b'4' | b'5' | b'6') {
                size
            } else {
                0
            };
            self.pending = padded(data_len);
            let mut path = String::from_utf8_lossy(&name).into_owned();
            while let Some(rest) = path.strip_prefix("./") {
                path = rest.to_string();
            }
            return Ok(Some(Header { path, kind, size: data_len }));
        }
    }

    /// Reads the current entry's data, all `size` bytes of it.
    pub fn read_entry(&mut self, size: u64) -> Result<Vec<u8>, TarError> {
        let padded_len = padded(size);
        if self.pending != padded_len {
            return Err(TarError::Format("read_entry called with the wrong size".into()));
        }
        self.pending = 0;
        self.read_data(size)
    }

    fn read_data(&mut self, size: u64) -> Result<Vec<u8>, TarError> {
        let mut data = Vec::with_capacity(size.min(MAX_META) as usize);
        let got = (&mut self.inner).take(size).read_to_end(&mut data)? as u64;
        if got != size {
            return Err(TarError::Format("the archive ends inside an entry".into()));
        }
        self.pending = padded(size) - size;
        self.skip_pending()?;
        Ok(data)
    }

    fn skip_pending(&mut self) -> Result<(), TarError> {
        if self.pending > 0 {
            let want = self.pending;
            let got = io::copy(&mut (&mut self.inner).take(want), &mut io::sink())?;
            self.pending = 0;
            if got != want {
                return Err(TarError::Format("the archive ends inside an entry".into()));
            }
        }
        Ok(())
    }

    /// Fills `block`; `false` on a clean end of stream before its first byte.
    fn read_block(&mut self, block: &mut [u8; BLOCK]) -> Result<bool, TarError> {
        let mut filled = 0;
        while filled < BLOCK {
            match self.inner.read(&mut block[filled..]) {
                Ok(0) if filled == 0 => return Ok(false),
                Ok(0) => return Err(TarError::Format("the archive ends inside a header".into())),
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(true)
    }
}

fn check_checksum(block: &[u8; BLOCK]) -> Result<(), TarError> {
    let stored = octal(&block[148..156]).map_err(TarError::Format)?;
    let field = |sum: i64, i: usize, b: i64| if (148..156).contains(&i) { sum + 32 } else { sum + b };
    let unsigned = block.iter().enumerate().fold(0i64, |s, (i, &b)| field(s, i, b as i64));
    let signed = block.iter().enumerate().fold(0i64, |s, (i, &b)| field(s, i, b as i8 as i64));
    if stored as i64 == unsigned || stored as i64 == signed {
        Ok(())
    } else {
        Err(TarError::Format("a header checksum does not match (not a tar archive?)".into()))
    }
}

/// The `path` and `size` records of a pax extended header (`"LEN key=value\n"` records).
fn parse_pax(mut data: &[u8]) -> Result<(Option<Vec<u8>>, Option<u64>), String> {
    let (mut path, mut size) = (None, None);
    while !data.is_empty() {
        if data.iter().all(|&b| b == 0) {
            break;
        }
        let space = data.iter().position(|&b| b == b' ').ok_or("a pax record has no length")?;
        let len: usize = std::str::from_utf8(&data[..space])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or("a pax record length is not a number")?;
        if len <= space + 1 || len > data.len() || data[len - 1] != b'\n' {
            return Err("a pax record has a wrong length".into());
        }
        let record = &data[space + 1..len - 1];
        let eq = record.iter().position(|&b| b == b'=').ok_or("a pax record has no '='")?;
        let (key, value) = (&record[..eq], &record[eq + 1..]);
        match key {
            b"path" => path = Some(value.to_vec()),
            b"size" => {
                let text = std::str::from_utf8(value).map_err(|_| "a pax size is not text")?;
                size = Some(text.parse().map_err(|_| format!("bad pax size {text:?}"))?);
            }
            _ => {}
        }
        data = &data[len..];
    }
    Ok((path, size))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ustar/GNU header block with a valid checksum.
    pub(crate) fn header(name: &[u8], size: u64, typeflag: u8, magic: &[u8; 8]) -> [u8; BLOCK] {
        let mut b = [0u8; BLOCK];
        b[..name.len()].copy_from_slice(name);
        b[100..107].copy_from_slice(b"0000644");
        b[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
        b[156] = typeflag;
        b[257..265].copy_from_slice(magic);
        b[148..156].copy_from_slice(b"        ");
        let sum: u32 = b.iter().map(|&x| x as u32).sum();
        b[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        b
    }

    fn data(bytes: &[u8]) -> Vec<u8> {
        let mut v = bytes.to_vec();
        v.resize(padded(bytes.len() as u64) as usize, 0);
        v
    }

    const USTAR: &[u8; 8] = b"ustar\x0000";
    const GNU: &[u8; 8] = b"ustar  \0";

    #[test]
    fn reads_plain_gnu_long_and_pax_names() {
        let long = "info/".to_string() + &"x".repeat(150);
        let pax_rec = {
            let body = format!("path=./info/{}\n", "p".repeat(120));
            let mut len = body.len() + 3;
            if (len.to_string() + " " + &body).len() != len {
                len += 1;
            }
            format!("{len} {body}")
        };
        let mut tar = Vec::new();
        tar.extend_from_slice(&header(b"info/", 0, b'5', USTAR));
        tar.extend_from_slice(&header(b"./info/index.json", 2, b'0', USTAR));
        tar.extend(data(b"{}"));
        tar.extend_from_slice(&header(b"././@LongLink", long.len() as u64 + 1, b'L', GNU));
        tar.extend(data(format!("{long}\0").as_bytes()));
        tar.extend_from_slice(&header(b"truncated", 3, b'0', GNU));
        tar.extend(data(b"abc"));
        tar.extend_from_slice(&header(b"PaxHeader", pax_rec.len() as u64, b'x', USTAR));
        tar.extend(data(pax_rec.as_bytes()));
        tar.extend_from_slice(&header(b"short", 1, b'0', USTAR));
        tar.extend(data(b"z"));
        tar.extend_from_slice(&[0u8; 1024]);
        let mut r = TarReader::new(&tar[..]);
        let e = r.next_entry().unwrap().unwrap();
        assert_eq!((e.path.as_str(), e.kind), ("info/", Kind::Other));
        let e = r.next_entry().unwrap().unwrap();
        assert_eq!((e.path.as_str(), e.kind, e.size), ("info/index.json", Kind::File, 2));
        assert_eq!(r.read_entry(2).unwrap(), b"{}");
        let e = r.next_entry().unwrap().unwrap();
        assert_eq!(e.path, long);
        // Not read: skipped by the next call.
        let e = r.next_entry().unwrap().unwrap();
        assert_eq!(e.path, format!("info/{}", "p".repeat(120)));
        assert_eq!(r.read_entry(1).unwrap(), b"z");
        assert_eq!(r.next_entry().unwrap(), None);
        assert_eq!(r.next_entry().unwrap(), None);
    }

    #[test]
    fn damaged_headers_are_errors() {
        let mut h = header(b"a", 1, b'0', USTAR);
        h[0] = b'b';
        assert!(matches!(TarReader::new(&h[..]).next_entry(), Err(TarError::Format(_))));
        let h = header(b"a", 10, b'0', USTAR);
        let mut r = TarReader::new(&h[..]);
        r.next_entry().unwrap();
        assert!(r.read_entry(10).is_err());
        assert!(matches!(TarReader::new(&h[..100]).next_entry(), Err(TarError::Format(_))));
        let l = header(b"././@LongLink", 2 << 20, b'L', GNU);
        assert!(TarReader::new(&l[..]).next_entry().is_err());
    }

    #[test]
    fn numbers_octal_and_base256() {
        assert_eq!(octal(b"0000017\0").unwrap(), 15);
        assert_eq!(octal(b"   17 \0").unwrap(), 15);
        assert_eq!(octal(&[0x80, 0, 0, 1, 0]).unwrap(), 256);
        assert!(octal(b"9").is_err());
        assert!(octal(&[0xff; 12]).is_err());
        assert_eq!(parse_pax(b"11 size=42\n").unwrap(), (None, Some(42)));
        assert!(parse_pax(b"99 size=42\n").is_err());
        assert!(parse_pax(b"2 \n").is_err());
    }
}
