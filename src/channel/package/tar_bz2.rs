//! `.tar.bz2` metadata from a stream: decompress until `info/index.json` and
//! `info/run_exports.json` have been read, then stop.

use std::io::{self, Read};

use super::bz2::Bz2Decoder;
use super::error::{PackageError, PackageErrorKind};
use super::info::{read_info_tar, InfoFiles, Limits};
use super::source::ReadStats;

/// The metadata of one `.tar.bz2`, with what it cost to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TarBz2Metadata {
    /// The files read from `info/`.
    pub info: InfoFiles,
    /// Bytes taken from the stream (one request; the decoder reads ahead by at most 8 KiB, and
    /// bzip2 decodes whole blocks of up to 900 kB of tar).
    pub stats: ReadStats,
}

/// Counts the bytes a reader hands out.
struct Counting<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

/// Reads `info/index.json`, `info/run_exports.json` (and `info/about.json`, which sorts before
/// them) from a `.tar.bz2` stream, reading no further than needed. `file` names the package.
///
/// When `info/` is not at the front, the stream is read until `index.json` turns up (or to the
/// end). The rest of the stream is left unread: dropping it closes the connection.
///
/// ```
/// use minis3::channel::package::{read_tar_bz2, Limits};
/// let err = read_tar_bz2(&b"BZh9 not really"[..], "x.tar.bz2", &Limits::default()).unwrap_err();
/// assert!(err.to_string().starts_with("x.tar.bz2: not a valid .tar.bz2"), "{err}");
/// ```
pub fn read_tar_bz2<R: Read>(stream: R, file: &str, limits: &Limits) -> Result<TarBz2Metadata, PackageError> {
    let mut counting = Counting { inner: stream, count: 0 };
    let info = {
        let decoder = Bz2Decoder::new(&mut counting);
        read_info_tar(decoder, file, limits, true, PackageErrorKind::Bzip2)?
    };
    Ok(TarBz2Metadata { info, stats: ReadStats { requests: 1, bytes: counting.count } })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_secrets::CleanErr;

    #[test]
    fn not_bzip2_and_empty_streams_are_errors_naming_the_file() {
        let e = read_tar_bz2(&b"PK\x03\x04 a zip"[..], "a.tar.bz2", &Limits::default()).clean_err();
        assert!(matches!(e.kind, PackageErrorKind::Bzip2(_)), "{e}");
        assert!(e.to_string().starts_with("a.tar.bz2: not a valid .tar.bz2: "), "{e}");
        let e = read_tar_bz2(&b""[..], "b.tar.bz2", &Limits::default()).clean_err();
        assert!(matches!(e.kind, PackageErrorKind::Bzip2(_)), "{e}");
    }
}
