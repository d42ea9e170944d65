//! [`RangeSource`]: where the `.conda` reader gets byte ranges from (an S3 object, a local file,
//! bytes in memory), and [`ReadStats`], what it cost.

use std::error::Error as StdError;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

/// The error a [`RangeSource`] may return: any error, boxed.
pub type SourceError = Box<dyn StdError + Send + Sync + 'static>;

/// The end of an object, as one suffix read returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suffix {
    /// The whole object's length in bytes.
    pub total_len: u64,
    /// The last `min(requested, total_len)` bytes of the object.
    pub bytes: Vec<u8>,
}

/// Random access to an object's bytes, one request per call.
///
/// An S3 implementation maps [`read_suffix`](Self::read_suffix) to one `GET` with
/// `Range: bytes=-N` (its `Content-Range` gives the total length, so no `HEAD` is needed) and
/// [`read_range`](Self::read_range) to one `GET` with `Range: bytes=A-B` (`If-Match` on the ETag
/// the first answer carried keeps the two reads on one version of the object).
// An object's length is a request, not a collection's size: `is_empty` would make no sense.
#[allow(clippy::len_without_is_empty)]
pub trait RangeSource {
    /// The object's length in bytes.
    fn len(&mut self) -> Result<u64, SourceError>;

    /// Exactly `len` bytes starting at `offset`; a range past the end is an error.
    fn read_range(&mut self, offset: u64, len: u64) -> Result<Vec<u8>, SourceError>;

    /// The last `len` bytes (all of them when the object is shorter) and the total length.
    ///
    /// The default asks for [`len`](Self::len) and then [`read_range`](Self::read_range): two
    /// requests. Sources that can do it in one (an HTTP suffix range) should override it.
    fn read_suffix(&mut self, len: u64) -> Result<Suffix, SourceError> {
        let total_len = self.len()?;
        let start = total_len.saturating_sub(len);
        let bytes = self.read_range(start, total_len - start)?;
        Ok(Suffix { total_len, bytes })
    }
}

/// What reading a package cost: requests made to the source and bytes they returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadStats {
    /// Calls to [`RangeSource::read_suffix`] or [`RangeSource::read_range`] (for a `.tar.bz2`, 1).
    pub requests: u32,
    /// Bytes those calls returned (for a `.tar.bz2`, bytes taken from the stream).
    pub bytes: u64,
}

impl<T: RangeSource + ?Sized> RangeSource for &mut T {
    fn len(&mut self) -> Result<u64, SourceError> {
        (**self).len()
    }
    fn read_range(&mut self, offset: u64, len: u64) -> Result<Vec<u8>, SourceError> {
        (**self).read_range(offset, len)
    }
    fn read_suffix(&mut self, len: u64) -> Result<Suffix, SourceError> {
        (**self).read_suffix(len)
    }
}

/// A package held in memory.
impl RangeSource for &[u8] {
    fn len(&mut self) -> Result<u64, SourceError> {
        Ok(<[u8]>::len(self) as u64)
    }
    fn read_range(&mut self, offset: u64, len: u64) -> Result<Vec<u8>, SourceError> {
        let end = offset.checked_add(len).filter(|&e| e <= <[u8]>::len(self) as u64);
        match end {
            Some(end) => Ok(self[offset as usize..end as usize].to_vec()),
            None => Err(format!("range {offset}+{len} is past the end ({} bytes)", <[u8]>::len(self)).into()),
        }
    }
    fn read_suffix(&mut self, len: u64) -> Result<Suffix, SourceError> {
        let total = <[u8]>::len(self);
        let start = total - (len.min(total as u64) as usize);
        Ok(Suffix { total_len: total as u64, bytes: self[start..].to_vec() })
    }
}

/// A package in a local file.
impl RangeSource for File {
    fn len(&mut self) -> Result<u64, SourceError> {
        Ok(self.metadata()?.len())
    }
    fn read_range(&mut self, offset: u64, len: u64) -> Result<Vec<u8>, SourceError> {
        let total = RangeSource::len(self)?;
        if offset.checked_add(len).is_none_or(|end| end > total) {
            return Err(format!("range {offset}+{len} is past the end ({total} bytes)").into());
        }
        self.seek(SeekFrom::Start(offset))?;
        let mut buf = vec![0; len as usize];
        self.read_exact(&mut buf)?;
        Ok(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_answer_ranges_and_suffixes() {
        let data: &[u8] = b"0123456789";
        let mut s = data;
        assert_eq!(RangeSource::len(&mut s).unwrap(), 10);
        assert_eq!(s.read_range(2, 3).unwrap(), b"234");
        assert!(s.read_range(8, 3).is_err());
        assert!(s.read_range(u64::MAX, 2).is_err());
        assert_eq!(s.read_suffix(4).unwrap(), Suffix { total_len: 10, bytes: b"6789".to_vec() });
        assert_eq!(s.read_suffix(40).unwrap().bytes, data);
    }

    #[test]
    fn files_answer_ranges_and_the_default_suffix() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"abcdefgh").unwrap();
        let mut f = File::open(&path).unwrap();
        assert_eq!(f.read_range(1, 2).unwrap(), b"bc");
        assert!(f.read_range(7, 2).is_err());
        assert_eq!(f.read_suffix(3).unwrap(), Suffix { total_len: 8, bytes: b"fgh".to_vec() });
    }
}
