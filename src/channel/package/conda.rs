//! `.conda` metadata with as few bytes as possible: one suffix read for the end records, the
//! central directory and (usually) the `info-*.tar.zst` member, and only when the member lies
//! before that tail, one ranged read for exactly the member.

use super::error::{PackageError, PackageErrorKind};
use super::info::{read_info_tar, InfoFiles, Limits};
use super::source::{RangeSource, ReadStats};
use super::zip::{self, Directory, EndRecords, Entry};

/// The largest central directory accepted: a `.conda` has three entries, a few hundred bytes.
const MAX_DIRECTORY: u64 = 1 << 20;

/// How much the `.conda` reader fetches and accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CondaOptions {
    /// Bytes asked for by the first (suffix) read. The default, 64 KiB, is what rattler's
    /// sparse reader uses; a larger tail saves the second read for packages with a big info/.
    pub tail_len: u64,
    /// The largest `info-*.tar.zst` member accepted (compressed).
    pub max_info_member: u64,
    /// Limits on the decompressed info tar and the JSON files in it.
    pub limits: Limits,
}

impl Default for CondaOptions {
    fn default() -> Self {
        CondaOptions { tail_len: 64 * 1024, max_info_member: 64 << 20, limits: Limits::default() }
    }
}

/// The metadata of one `.conda`, with what it cost to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CondaMetadata {
    /// The files read from `info/`.
    pub info: InfoFiles,
    /// The package's size in bytes (from the suffix read).
    pub total_len: u64,
    /// The info member's name, e.g. `info-numpy-2.0-py312_0.tar.zst`.
    pub member: String,
    /// Requests made and bytes read.
    pub stats: ReadStats,
}

/// The bytes fetched so far: the tail, and a way to get more.
struct Reader<'a, S: RangeSource> {
    source: S,
    file: &'a str,
    total_len: u64,
    tail_start: u64,
    tail: Vec<u8>,
    stats: ReadStats,
}

impl<S: RangeSource> Reader<'_, S> {
    fn err(&self, kind: PackageErrorKind) -> PackageError {
        PackageError::new(self.file, kind)
    }

    fn zip_err(&self, detail: impl Into<String>) -> PackageError {
        self.err(PackageErrorKind::Zip(detail.into()))
    }

    /// `len` bytes at `offset`, from the tail when it holds them, else one read.
    fn get(&mut self, offset: u64, len: u64) -> Result<Vec<u8>, PackageError> {
        let end = offset.checked_add(len).filter(|&e| e <= self.total_len);
        let Some(end) = end else {
            return Err(self.zip_err(format!("a range {offset}+{len} lies past the end of the file")));
        };
        if offset >= self.tail_start {
            let (a, b) = ((offset - self.tail_start) as usize, (end - self.tail_start) as usize);
            return Ok(self.tail[a..b].to_vec());
        }
        // The part before the tail is read; the part inside it is reused.
        let before = end.min(self.tail_start) - offset;
        let mut bytes = self.read(offset, before)?;
        if end > self.tail_start {
            bytes.extend_from_slice(&self.tail[..(end - self.tail_start) as usize]);
        }
        Ok(bytes)
    }

    fn read(&mut self, offset: u64, len: u64) -> Result<Vec<u8>, PackageError> {
        let bytes = self.source.read_range(offset, len).map_err(|e| self.err(PackageErrorKind::Read(e)))?;
        self.stats.requests += 1;
        self.stats.bytes += bytes.len() as u64;
        if bytes.len() as u64 != len {
            return Err(self.err(PackageErrorKind::Read(
                format!("asked for {len} bytes at {offset}, got {}", bytes.len()).into(),
            )));
        }
        Ok(bytes)
    }

    fn directory(&mut self) -> Result<Directory, PackageError> {
        let found = match zip::parse_end_records(&self.tail, self.total_len) {
            Ok(found) => found,
            Err(Some(why)) => return Err(self.zip_err(why)),
            Err(None) => {
                // A long archive comment can push the EOCD out of a short tail: widen it once.
                let want = zip::MAX_EOCD_SEARCH + zip::ZIP64_LOCATOR_LEN as u64;
                if (self.tail.len() as u64) < self.total_len && (self.tail.len() as u64) < want {
                    let start = self.total_len.saturating_sub(want);
                    let more = self.read(start, self.tail_start - start)?;
                    self.tail.splice(0..0, more);
                    self.tail_start = start;
                    return self.directory();
                }
                return Err(self.zip_err("no zip end-of-central-directory record"));
            }
        };
        match found {
            EndRecords::Found(dir) => Ok(dir),
            EndRecords::NeedZip64 { offset, len } => {
                // Only the fixed part is used; the extensible data after it is not.
                let rec = self.get(offset, len.min(zip::ZIP64_EOCD_LEN as u64))?;
                zip::parse_zip64_record(&rec, offset).map_err(|why| self.zip_err(why))
            }
        }
    }
}

/// Reads `info/index.json` (and `info/run_exports.json`, `info/about.json` when present) from a
/// `.conda` without reading the whole file. `file` names the package in errors.
///
/// ```
/// use minis3::channel::package::{read_conda, CondaOptions};
/// let err = read_conda(&b"not a zip"[..], "x.conda", &CondaOptions::default()).unwrap_err();
/// assert_eq!(err.to_string(), "x.conda: not a valid .conda: no zip end-of-central-directory record");
/// ```
pub fn read_conda<S: RangeSource>(
    source: S,
    file: &str,
    options: &CondaOptions,
) -> Result<CondaMetadata, PackageError> {
    let mut source = source;
    let suffix = source
        .read_suffix(options.tail_len.max(zip::EOCD_LEN as u64))
        .map_err(|e| PackageError::new(file, PackageErrorKind::Read(e)))?;
    if suffix.bytes.len() as u64 > suffix.total_len {
        return Err(PackageError::new(
            file,
            PackageErrorKind::Read("the suffix read returned more than the object".into()),
        ));
    }
    let stats = ReadStats { requests: 1, bytes: suffix.bytes.len() as u64 };
    let mut r = Reader {
        source,
        file,
        total_len: suffix.total_len,
        tail_start: suffix.total_len - suffix.bytes.len() as u64,
        tail: suffix.bytes,
        stats,
    };
    let dir = r.directory()?;
    if dir.size > MAX_DIRECTORY {
        return Err(r.err(PackageErrorKind::TooLarge {
            what: "the zip central directory".into(),
            size: dir.size,
            limit: MAX_DIRECTORY,
        }));
    }
    let cd = r.get(dir.offset, dir.size)?;
    let entries = zip::parse_central_directory(&cd, &dir).map_err(|why| r.zip_err(why))?;
    let member = entries
        .iter()
        .find(|e| e.name.starts_with("info-") && e.name.ends_with(".tar.zst"))
        .ok_or_else(|| r.err(PackageErrorKind::NoInfoMember))?
        .clone();
    check_member(&r, &member, options)?;

    // The member ends where the next member (or the directory) begins: reading up to there gets
    // its local header, whatever the length of its local extra field, in the same read.
    let next = entries.iter().map(|e| e.local_offset).filter(|&o| o > member.local_offset).chain([dir.offset]).min();
    let end = next.unwrap_or(dir.offset);
    let fixed_end =
        member.local_offset.saturating_add(zip::LOCAL_HEADER_LEN + member.name.len() as u64 + member.compressed_size);
    if end < fixed_end {
        return Err(r.zip_err(format!("member {} overlaps the next one", member.name)));
    }
    // Bound what a damaged directory can make us read.
    let span = (end - member.local_offset).min(fixed_end - member.local_offset + u16::MAX as u64 + 64);
    let bytes = r.get(member.local_offset, span)?;
    let start = zip::local_data_start(&bytes, &member).map_err(|why| r.zip_err(why))?;
    let data_end = start.checked_add(member.compressed_size).filter(|&e| e <= bytes.len() as u64);
    let Some(data_end) = data_end else {
        return Err(r.zip_err(format!("member {} runs past the next one", member.name)));
    };
    let data = &bytes[start as usize..data_end as usize];
    if zip::crc32(data) != member.crc32 {
        return Err(r.zip_err(format!("member {} fails its CRC-32 check", member.name)));
    }
    let decoder = zstd::stream::read::Decoder::with_buffer(data).map_err(|e| r.err(PackageErrorKind::Zstd(e)))?;
    let info = read_info_tar(decoder, file, &options.limits, false, PackageErrorKind::Zstd)?;
    Ok(CondaMetadata { info, total_len: r.total_len, member: member.name, stats: r.stats })
}

fn check_member<S: RangeSource>(r: &Reader<'_, S>, member: &Entry, options: &CondaOptions) -> Result<(), PackageError> {
    if member.flags & 1 != 0 {
        return Err(r.zip_err(format!("member {} is encrypted", member.name)));
    }
    if member.method != 0 {
        return Err(r.err(PackageErrorKind::NotStored { member: member.name.clone(), method: member.method }));
    }
    if member.size != member.compressed_size {
        return Err(r.zip_err(format!("stored member {} has two different sizes", member.name)));
    }
    if member.compressed_size > options.max_info_member {
        return Err(r.err(PackageErrorKind::TooLarge {
            what: format!("the info member {}", member.name),
            size: member.compressed_size,
            limit: options.max_info_member,
        }));
    }
    Ok(())
}
