//! [`RangedReader`]: an S3 object read front to back through bounded ranged GETs, so that a
//! reader that stops early (a `.tar.bz2` decoded only until `info/` is complete) costs the
//! bytes it used plus at most one range's slack, not whatever the connection had buffered.
//!
//! The ranges follow bzip2's layout: the decoder needs a whole block before it yields a byte,
//! and a block holds at most `level` x 100,000 bytes of tar (900,000 at level 9, what
//! conda-build and rattler write), about as many compressed when the payload is
//! incompressible. So: the first [`FIRST_RANGE`] bytes (one answer for a small package, or a
//! whole first block of a compressible one), then up to [`first_block_bound`], then
//! [`LATER_RANGE`] at a time. Every GET after the first carries `If-Match` on the first
//! answer's ETag, so all reads see one version of the object.
//!
//! Each answer is read as the caller asks for bytes, so decoding overlaps the transfer; one
//! left unread when the reader is dropped is read to its end first, for its connection.
//!
//! [`RangedReader::stream_rest`] switches to one open-ended GET for the rest, for when the
//! whole object has to be hashed anyway (no stored checksums).

use std::io::{self, Read};

use crate::s3::{ByteRange, Client, GetObject, GetOptions, ObjectMeta};

/// The first range: 256 KiB.
pub const FIRST_RANGE: u64 = 256 * 1024;
/// Ranges after the first bzip2 block: 1 MiB.
pub const LATER_RANGE: u64 = 1024 * 1024;

/// Where a bzip2 stream's first block ends at the latest, for the stream's block level
/// (`BZh1`..`BZh9`; 9 when not known): the block's tar bytes, 1% for incompressible data
/// growing under Huffman coding, and the headers.
pub fn first_block_bound(level: u8) -> u64 {
    let level = if (1..=9).contains(&level) { u64::from(level) } else { 9 };
    level * 100_000 * 101 / 100 + 1024
}

/// An object read sequentially by ranges (see the module docs).
pub struct RangedReader<'a> {
    client: &'a Client,
    bucket: &'a str,
    key: &'a str,
    size: u64,
    pos: u64,
    /// The answer being read, and how many of its body bytes are still to come.
    range: Option<(GetObject, u64)>,
    level: Option<u8>,
    rest: Option<GetObject>,
    stream_rest: bool,
    /// The first answer's metadata (user metadata included).
    pub meta: Option<ObjectMeta>,
    /// GET requests made.
    pub requests: u32,
    /// Body bytes received.
    pub bytes: u64,
}

impl<'a> RangedReader<'a> {
    /// The object `bucket`/`key` of `size` bytes (as listed), nothing read yet.
    pub fn new(client: &'a Client, bucket: &'a str, key: &'a str, size: u64) -> Self {
        RangedReader {
            client,
            bucket,
            key,
            size,
            pos: 0,
            range: None,
            level: None,
            rest: None,
            stream_rest: false,
            meta: None,
            requests: 0,
            bytes: 0,
        }
    }

    /// From now on, read the rest of the object with one GET instead of bounded ranges.
    pub fn stream_rest(&mut self) {
        self.stream_rest = true;
    }

    /// The end (exclusive) of the next range, which starts at `pos`.
    fn next_end(&self) -> u64 {
        let bound = first_block_bound(self.level.unwrap_or(9));
        let end = if self.pos < FIRST_RANGE {
            FIRST_RANGE
        } else if self.pos < bound {
            bound
        } else {
            self.pos + LATER_RANGE
        };
        end.min(self.size)
    }

    fn options(&self, range: ByteRange) -> GetOptions {
        GetOptions {
            range: Some(range),
            if_match: self.meta.as_ref().and_then(|m| m.etag.clone()),
            bulk_read: self.stream_rest,
            ..GetOptions::default()
        }
    }

    /// Reads the next range into the buffer (or opens the stream of the rest).
    fn fill(&mut self) -> io::Result<()> {
        let err = |e: crate::s3::S3Error| io::Error::other(e.to_string());
        if self.stream_rest && self.meta.is_some() {
            let opts = self.options(ByteRange::Inclusive(self.pos, self.size - 1));
            let obj = self.client.get_object(self.bucket, self.key, &opts).map_err(err)?;
            self.requests += 1;
            self.rest = Some(obj);
            return Ok(());
        }
        let end = self.next_end();
        let want = end - self.pos;
        let obj = self.client.get_object(self.bucket, self.key, &self.options(ByteRange::Inclusive(self.pos, end - 1)));
        let obj = obj.map_err(err)?;
        self.requests += 1;
        if self.meta.is_none() {
            self.meta = Some(obj.meta.clone());
        }
        // Longer than asked: the range was not honoured (or the object changed). Shorter is
        // caught as the body ends early.
        if obj.meta.content_length > want {
            return Err(io::Error::other(format!(
                "asked for {want} bytes at {}, got an answer of {}: the object changed",
                self.pos, obj.meta.content_length
            )));
        }
        self.bytes += want;
        // Read as the caller asks, so that decoding overlaps the transfer.
        self.range = Some((obj, want));
        Ok(())
    }
}

/// A range left unread is read to its end (at most one range), so that its connection goes
/// back to the pool instead of being closed.
impl Drop for RangedReader<'_> {
    fn drop(&mut self) {
        if let Some((obj, left)) = self.range.take() {
            if left > 0 {
                let _ = io::copy(&mut obj.take(left), &mut io::sink());
            }
        }
    }
}

impl Read for RangedReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            if let Some(rest) = &mut self.rest {
                let n = rest.read(out)?;
                self.pos += n as u64;
                self.bytes += n as u64;
                return Ok(n);
            }
            if let Some((obj, left)) = &mut self.range {
                if *left > 0 {
                    let cap = out.len().min(usize::try_from(*left).unwrap_or(usize::MAX));
                    let n = obj.read(&mut out[..cap])?;
                    if n == 0 {
                        return Err(io::Error::other(format!(
                            "the answer for bytes at {} ended {left} bytes short: the object changed",
                            self.pos
                        )));
                    }
                    if self.pos == 0 && out[..n].starts_with(b"BZh") && n > 3 {
                        self.level = Some(out[3].wrapping_sub(b'0'));
                    }
                    *left -= n as u64;
                    self.pos += n as u64;
                    return Ok(n);
                }
                self.range = None;
            }
            if self.pos >= self.size {
                return Ok(0);
            }
            self.fill()?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_block_bound_covers_an_incompressible_block() {
        // bzip2 -9 of random bytes grows by about 0.5%: the first block ends near 904,600.
        assert!(first_block_bound(9) > 905_000 && first_block_bound(9) < 912_000);
        assert_eq!(first_block_bound(0), first_block_bound(9));
        assert!(first_block_bound(1) < FIRST_RANGE);
    }
}
