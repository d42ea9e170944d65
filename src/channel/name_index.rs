//! The per-name index of a cached repodata body (`KEY.SHA256.index` beside `KEY.SHA256.body`):
//! every record of the document, grouped by package name, so that a warm query reads the
//! records of its names only instead of decompressing and scanning the whole document.
//!
//! It is written while the body is first parsed (the cold query), through a temporary file
//! renamed into place, and named by the SHA-256 of the body it was built from, which its
//! header repeats with the body's size: an index is only ever used with the body it belongs
//! to, and two processes writing one index at once write the same bytes.
//!
//! # Layout (all integers little-endian)
//! - a header of [`HEADER`] bytes: magic `minis3ix`, format version, the body's SHA-256 and
//!   size, the lengths of the data and of the table, the table's checksum, the number of
//!   records, and a checksum of the header itself;
//! - the data: one frame per record, `section u8 | filename length u32 | JSON length u32 |
//!   filename | record JSON` (the JSON exactly as the document has it), records of one name
//!   in runs ("extents": usually one per name and section, as writers sort by file name);
//! - the table: the summary (`info`, `removed`, `repodata_version` as JSON), then the names,
//!   sorted, each with its extents (offset in the data, length, checksum).
//!
//! # Trust
//! Opening checks the magic, the version, the header checksum, the body it names, that the
//! file is exactly as long as the header says, and the table checksum (about 1 MB for 20,000
//! names). Each extent's checksum is verified when it is read, before any of its records is
//! used. Anything wrong is [`IndexError`]: the caller drops the index and reads the body.
//! The checksum ([`checksum`]) is a fast non-cryptographic 64-bit hash (a cache is not an
//! adversary; SHA-256 of every block on the cold path would cost ~45 ms per 80 MB).

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::repodata::{ChannelInfo, RepodataSummary, Section};

/// Header size in bytes.
pub(crate) const HEADER: usize = 96;
const MAGIC: &[u8; 8] = b"minis3ix";
const VERSION: u32 = 1;
const FRAME: usize = 9;

/// Why an index cannot be used.
#[derive(Debug)]
pub(crate) enum IndexError {
    /// Missing or unreadable.
    Io(io::Error),
    /// Damaged, truncated, of another format version, or built from another body.
    Invalid(&'static str),
}

impl std::fmt::Display for IndexError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IndexError::Io(e) => write!(f, "index unreadable: {e}"),
            IndexError::Invalid(what) => write!(f, "index damaged or stale: {what}"),
        }
    }
}

impl From<io::Error> for IndexError {
    fn from(e: io::Error) -> Self {
        IndexError::Io(e)
    }
}

/// A fast 64-bit checksum: four independent multiply-rotate lanes over 8-byte words, then a
/// final mix with the length. Each step is a bijection of the lane for a fixed word and of
/// the word for a fixed lane, so one changed word always changes the result.
pub(crate) fn checksum(data: &[u8]) -> u64 {
    const K: [u64; 4] = [0x9E37_79B9_7F4A_7C15, 0xC2B2_AE3D_27D4_EB4F, 0x1656_67B1_9E37_79F9, 0x85EB_CA77_C2B2_AE63];
    let mut lanes = [0x243F_6A88_85A3_08D3u64, 0x1319_8A2E_0370_7344, 0xA409_3822_299F_31D0, 0x082E_FA98_EC4E_6C89];
    let word = |b: &[u8]| u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
    let mut blocks = data.chunks_exact(32);
    for b in &mut blocks {
        for (i, lane) in lanes.iter_mut().enumerate() {
            *lane = (*lane ^ word(&b[i * 8..])).wrapping_mul(K[i]).rotate_left(29);
        }
    }
    let rest = blocks.remainder();
    let mut tail = [0u8; 32];
    tail[..rest.len()].copy_from_slice(rest);
    for (i, lane) in lanes.iter_mut().enumerate() {
        *lane = (*lane ^ word(&tail[i * 8..])).wrapping_mul(K[i]).rotate_left(29);
    }
    let mut h = data.len() as u64;
    for (i, lane) in lanes.iter().enumerate() {
        h = (h ^ lane).wrapping_mul(K[(i + 1) % 4]).rotate_left(31);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    h ^ (h >> 33)
}

/// Folds checksums: an extent's is each frame's folded in, a frame's is that of its head and
/// file name folded with that of its record JSON.
fn fold(h: u64, frame_sum: u64) -> u64 {
    (h ^ frame_sum).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(27)
}

/// One run of records of one name in the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Extent {
    offset: u64,
    len: u64,
    sum: u64,
}

/// The parts of a [`RepodataSummary`] an index keeps.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct StoredSummary {
    info: Option<ChannelInfo>,
    #[serde(default)]
    removed: Vec<String>,
    repodata_version: Option<u64>,
}

/// Writes an index while the document is parsed; [`IndexWriter::finish`] commits it.
pub(crate) struct IndexWriter {
    out: BufWriter<File>,
    tmp: PathBuf,
    offset: u64,
    entries: u64,
    frame: Vec<u8>,
    /// The run being written: name, start offset, running checksum.
    current: Option<(String, u64, u64)>,
    names: HashMap<String, Vec<Extent>>,
    failed: bool,
    committed: bool,
}

impl IndexWriter {
    /// An index written to `file`, the new temporary file `tmp` in the cache directory; the
    /// body it belongs to is named when it is finished (a body delivered while it is received
    /// is known only at its end).
    pub(crate) fn new(file: File, tmp: PathBuf) -> Self {
        let mut out = BufWriter::with_capacity(256 * 1024, file);
        let failed = out.write_all(&[0u8; HEADER]).is_err();
        IndexWriter {
            out,
            tmp,
            offset: 0,
            entries: 0,
            frame: Vec::new(),
            current: None,
            names: HashMap::new(),
            failed,
            committed: false,
        }
    }

    /// Adds one record of package `name`, as the document has it.
    pub(crate) fn add(&mut self, name: &str, section: Section, filename: &str, raw: &[u8]) {
        if self.failed {
            return;
        }
        let (Ok(flen), Ok(rlen)) = (u32::try_from(filename.len()), u32::try_from(raw.len())) else {
            self.failed = true;
            return;
        };
        self.frame.clear();
        self.frame.push(match section {
            Section::TarBz2 => 0,
            Section::Conda => 1,
        });
        self.frame.extend_from_slice(&flen.to_le_bytes());
        self.frame.extend_from_slice(&rlen.to_le_bytes());
        self.frame.extend_from_slice(filename.as_bytes());
        if self.out.write_all(&self.frame).and_then(|_| self.out.write_all(raw)).is_err() {
            self.failed = true;
            return;
        }
        let sum = fold(checksum(&self.frame), checksum(raw));
        match &mut self.current {
            Some((n, _, h)) if n == name => *h = fold(*h, sum),
            _ => {
                self.close_run();
                self.current = Some((name.to_owned(), self.offset, fold(0, sum)));
            }
        }
        self.offset += (self.frame.len() + raw.len()) as u64;
        self.entries += 1;
    }

    fn close_run(&mut self) {
        if let Some((name, start, sum)) = self.current.take() {
            let extent = Extent { offset: start, len: self.offset - start, sum };
            self.names.entry(name).or_default().push(extent);
        }
    }

    /// Writes the table and the header naming the body (its SHA-256 and size) and renames the
    /// file to `target`; on any failure the temporary file is removed when the writer is
    /// dropped (an index is only an accelerator).
    pub(crate) fn finish(
        mut self,
        summary: &RepodataSummary,
        target: &Path,
        body_sha256: [u8; 32],
        body_size: u64,
    ) -> io::Result<()> {
        self.commit(summary, target, body_sha256, body_size)
    }

    fn commit(
        &mut self,
        summary: &RepodataSummary,
        target: &Path,
        body_sha256: [u8; 32],
        body_size: u64,
    ) -> io::Result<()> {
        self.close_run();
        if self.failed {
            return Err(io::Error::other("the index could not be written"));
        }
        let stored = StoredSummary {
            info: summary.info.clone(),
            removed: summary.removed.clone(),
            repodata_version: summary.repodata_version,
        };
        let json = serde_json::to_vec(&stored).map_err(io::Error::other)?;
        let mut names: Vec<(&String, &Vec<Extent>)> = self.names.iter().collect();
        names.sort_by(|a, b| a.0.cmp(b.0));
        let mut table = Vec::with_capacity(names.len() * 48 + json.len() + 8);
        let too_big = || io::Error::other("index table field too large");
        table.extend_from_slice(&u32::try_from(json.len()).map_err(|_| too_big())?.to_le_bytes());
        table.extend_from_slice(&json);
        table.extend_from_slice(&u32::try_from(names.len()).map_err(|_| too_big())?.to_le_bytes());
        for (name, extents) in names {
            table.extend_from_slice(&u16::try_from(name.len()).map_err(|_| too_big())?.to_le_bytes());
            table.extend_from_slice(name.as_bytes());
            table.extend_from_slice(&u32::try_from(extents.len()).map_err(|_| too_big())?.to_le_bytes());
            for e in extents {
                table.extend_from_slice(&e.offset.to_le_bytes());
                table.extend_from_slice(&e.len.to_le_bytes());
                table.extend_from_slice(&e.sum.to_le_bytes());
            }
        }
        self.out.write_all(&table)?;
        let mut header = [0u8; HEADER];
        header[..8].copy_from_slice(MAGIC);
        header[8..12].copy_from_slice(&VERSION.to_le_bytes());
        header[16..48].copy_from_slice(&body_sha256);
        header[48..56].copy_from_slice(&body_size.to_le_bytes());
        header[56..64].copy_from_slice(&self.offset.to_le_bytes());
        header[64..72].copy_from_slice(&(table.len() as u64).to_le_bytes());
        header[72..80].copy_from_slice(&checksum(&table).to_le_bytes());
        header[80..88].copy_from_slice(&self.entries.to_le_bytes());
        let hsum = checksum(&header[..88]);
        header[88..96].copy_from_slice(&hsum.to_le_bytes());
        self.out.flush()?;
        let file = self.out.get_mut();
        file.seek(SeekFrom::Start(0))?;
        file.write_all(&header)?;
        fs::rename(&self.tmp, target)?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for IndexWriter {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// An opened, checked index.
#[derive(Debug)]
pub(crate) struct NameIndex {
    file: File,
    path: PathBuf,
    data_len: u64,
    summary: RepodataSummary,
    names: Vec<(String, Vec<Extent>)>,
}

/// Reads a little-endian integer field of `N` bytes at `*at`, advancing.
fn take<const N: usize>(b: &[u8], at: &mut usize) -> Result<[u8; N], IndexError> {
    let end = at.checked_add(N).filter(|&e| e <= b.len()).ok_or(IndexError::Invalid("table cut short"))?;
    let mut out = [0u8; N];
    out.copy_from_slice(&b[*at..end]);
    *at = end;
    Ok(out)
}

fn take_bytes<'a>(b: &'a [u8], at: &mut usize, n: usize) -> Result<&'a [u8], IndexError> {
    let end = at.checked_add(n).filter(|&e| e <= b.len()).ok_or(IndexError::Invalid("table cut short"))?;
    let out = &b[*at..end];
    *at = end;
    Ok(out)
}

impl NameIndex {
    /// Opens the index at `path` for the body with this SHA-256 and size, checking
    /// everything but the extents (see the module documentation).
    pub(crate) fn open(path: &Path, body_sha256: &[u8; 32], body_size: u64) -> Result<NameIndex, IndexError> {
        let mut file = File::open(path)?;
        let mut header = [0u8; HEADER];
        file.read_exact(&mut header)?;
        let u64_at = |i: usize| u64::from_le_bytes(header[i..i + 8].try_into().unwrap_or([0; 8]));
        if &header[..8] != MAGIC || header[8..12] != VERSION.to_le_bytes() {
            return Err(IndexError::Invalid("not an index of this format"));
        }
        if checksum(&header[..88]) != u64_at(88) {
            return Err(IndexError::Invalid("header checksum"));
        }
        if header[16..48] != body_sha256[..] || u64_at(48) != body_size {
            return Err(IndexError::Invalid("built from another body"));
        }
        let (data_len, table_len) = (u64_at(56), u64_at(64));
        let expected = (HEADER as u64).checked_add(data_len).and_then(|n| n.checked_add(table_len));
        if expected != Some(file.metadata()?.len()) || table_len > 1 << 32 {
            return Err(IndexError::Invalid("length"));
        }
        let mut table = vec![0u8; table_len as usize];
        file.seek(SeekFrom::Start(HEADER as u64 + data_len))?;
        file.read_exact(&mut table)?;
        if checksum(&table) != u64_at(72) {
            return Err(IndexError::Invalid("table checksum"));
        }
        let mut at = 0;
        let jlen = u32::from_le_bytes(take(&table, &mut at)?) as usize;
        let stored: StoredSummary =
            serde_json::from_slice(take_bytes(&table, &mut at, jlen)?).map_err(|_| IndexError::Invalid("summary"))?;
        let count = u32::from_le_bytes(take(&table, &mut at)?) as usize;
        let mut names = Vec::with_capacity(count.min(table.len() / 6));
        for _ in 0..count {
            let nlen = u16::from_le_bytes(take(&table, &mut at)?) as usize;
            let name = std::str::from_utf8(take_bytes(&table, &mut at, nlen)?)
                .map_err(|_| IndexError::Invalid("name"))?
                .to_owned();
            let n = u32::from_le_bytes(take(&table, &mut at)?) as usize;
            let mut extents = Vec::with_capacity(n.min(table.len() / 24));
            for _ in 0..n {
                let offset = u64::from_le_bytes(take(&table, &mut at)?);
                let len = u64::from_le_bytes(take(&table, &mut at)?);
                let sum = u64::from_le_bytes(take(&table, &mut at)?);
                if offset.checked_add(len).is_none_or(|end| end > data_len) {
                    return Err(IndexError::Invalid("extent outside the data"));
                }
                extents.push(Extent { offset, len, sum });
            }
            names.push((name, extents));
        }
        if at != table.len() || names.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err(IndexError::Invalid("table"));
        }
        let summary = RepodataSummary {
            info: stored.info,
            removed: stored.removed,
            repodata_version: stored.repodata_version,
            entries_seen: u64_at(80),
            entries_built: 0,
        };
        Ok(NameIndex { file, path: path.to_owned(), data_len, summary, names })
    }

    /// The index file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// `info`, `removed` and `repodata_version` of the document (`entries_seen`: all records).
    pub(crate) fn summary(&self) -> &RepodataSummary {
        &self.summary
    }

    /// Every package name, sorted.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(|(n, _)| n.as_str())
    }

    /// Visits every record of `name` (none when the document has no such name). Each extent
    /// is read and its checksum verified before any of its records is visited.
    pub(crate) fn records(
        &self,
        name: &str,
        mut visit: impl FnMut(Section, &str, &[u8]) -> Result<(), super::error::FormatError>,
    ) -> Result<Result<(), super::error::FormatError>, IndexError> {
        let Ok(i) = self.names.binary_search_by(|(n, _)| n.as_str().cmp(name)) else { return Ok(Ok(())) };
        let mut block = Vec::new();
        for e in &self.names[i].1 {
            debug_assert!(e.offset + e.len <= self.data_len);
            block.resize(usize::try_from(e.len).map_err(|_| IndexError::Invalid("extent"))?, 0);
            let mut file = &self.file;
            file.seek(SeekFrom::Start(HEADER as u64 + e.offset))?;
            file.read_exact(&mut block)?;
            let mut frames = Vec::new();
            let mut h = 0u64;
            let mut at = 0usize;
            while at < block.len() {
                let head = take_bytes(&block, &mut at, FRAME).map_err(|_| IndexError::Invalid("frame"))?;
                let section = match head[0] {
                    0 => Section::TarBz2,
                    1 => Section::Conda,
                    _ => return Err(IndexError::Invalid("frame section")),
                };
                let flen = u32::from_le_bytes([head[1], head[2], head[3], head[4]]) as usize;
                let rlen = u32::from_le_bytes([head[5], head[6], head[7], head[8]]) as usize;
                let start = at - FRAME;
                let filename = take_bytes(&block, &mut at, flen).map_err(|_| IndexError::Invalid("frame"))?;
                let named = &block[start..at];
                let raw = take_bytes(&block, &mut at, rlen).map_err(|_| IndexError::Invalid("frame"))?;
                h = fold(h, fold(checksum(named), checksum(raw)));
                let filename = std::str::from_utf8(filename).map_err(|_| IndexError::Invalid("filename"))?;
                frames.push((section, filename, raw));
            }
            if h != e.sum {
                return Err(IndexError::Invalid("extent checksum"));
            }
            for (section, filename, raw) in frames {
                if let Err(err) = visit(section, filename, raw) {
                    return Ok(Err(err));
                }
            }
        }
        Ok(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Read3 = Vec<(Section, String, Vec<u8>)>;

    fn all_records(ix: &NameIndex) -> Result<Vec<(String, Read3)>, IndexError> {
        let names: Vec<String> = ix.names().map(str::to_owned).collect();
        let mut out = Vec::new();
        for n in names {
            let mut got = Vec::new();
            ix.records(&n, |s, f, r| {
                got.push((s, f.to_owned(), r.to_vec()));
                Ok(())
            })?
            .unwrap();
            out.push((n, got));
        }
        Ok(out)
    }

    #[test]
    fn every_damaged_byte_is_detected_and_interleaved_names_are_kept_apart() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("k.index");
        let tmp = dir.path().join("k.tmp");
        let sha = [3u8; 32];
        let mut w = IndexWriter::new(File::create(&tmp).unwrap(), tmp.clone());
        let entries = [
            ("a", Section::TarBz2, "a-1-0.tar.bz2", &br#"{"name":"a","version":"1"}"#[..]),
            ("a", Section::TarBz2, "a-2-0.tar.bz2", br#"{"name":"a","version":"2"}"#),
            ("b", Section::TarBz2, "b-1-0.tar.bz2", br#"{"name":"b"}"#),
            ("a", Section::Conda, "a-3-0.conda", br#"{"name":"a","version":"3"}"#),
        ];
        for (n, s, f, r) in entries {
            w.add(n, s, f, r);
        }
        let summary = RepodataSummary { repodata_version: Some(1), ..RepodataSummary::default() };
        w.finish(&summary, &target, sha, 1234).unwrap();
        assert!(!tmp.exists());
        let ix = NameIndex::open(&target, &sha, 1234).unwrap();
        assert_eq!(ix.summary().repodata_version, Some(1));
        assert_eq!(ix.summary().entries_seen, 4);
        let want = all_records(&ix).unwrap();
        assert_eq!(want.len(), 2);
        let a: Vec<&str> = want[0].1.iter().map(|r| r.1.as_str()).collect();
        assert_eq!(a, ["a-1-0.tar.bz2", "a-2-0.tar.bz2", "a-3-0.conda"]);
        assert_eq!(want[0].1[2].0, Section::Conda);
        assert!(ix.records("zz", |_, _, _| panic!("no such name")).unwrap().is_ok());
        assert!(NameIndex::open(&target, &[4u8; 32], 1234).is_err(), "another body");
        assert!(NameIndex::open(&target, &sha, 1235).is_err(), "another size");
        // Every single flipped byte and every truncation: refused on opening or reading.
        let good = std::fs::read(&target).unwrap();
        let check = |bytes: &[u8], what: String| {
            std::fs::write(&target, bytes).unwrap();
            if let Ok(ix) = NameIndex::open(&target, &sha, 1234) {
                assert!(all_records(&ix).is_err(), "{what} went unnoticed");
            }
        };
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x01;
            check(&bad, format!("a flip at byte {i}"));
        }
        for n in 0..good.len() {
            check(&good[..n], format!("a cut at byte {n}"));
        }
    }

    #[test]
    fn checksum_sees_every_byte_and_the_length() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
        let base = checksum(&data);
        for i in [0, 7, 8, 31, 32, 500, 999] {
            let mut d = data.clone();
            d[i] ^= 1;
            assert_ne!(checksum(&d), base, "byte {i}");
        }
        assert_ne!(checksum(&data[..999]), base);
        assert_ne!(checksum(&[0]), checksum(&[0, 0]));
    }
}
