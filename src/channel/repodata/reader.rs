//! The streaming repodata.json reader: visits `packages` and `packages.conda` entries one at
//! a time and builds only the records a [`RecordFilter`] selects, so that memory stays flat
//! whatever the size of the document. `.json.zst` is decompressed on a second thread.

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::sync::mpsc;

use super::scan::{ScanError, Scanner, Source};
use super::{ChannelInfo, RepoData};
use crate::channel::error::{FormatError, FormatErrorKind};
use crate::channel::record::{name_from_filename, PackageRecord};

/// Which map of the document an entry is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Section {
    /// `packages`: `.tar.bz2` files.
    TarBz2,
    /// `packages.conda`: `.conda` files.
    Conda,
}

/// What to do with one entry, decided from its file name alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Skip the value without building anything.
    Skip,
    /// Build the record and visit it.
    Take,
    /// Read the record's `name` field and ask [`RecordFilter::name`].
    CheckName,
}

/// Chooses the records to build. The file-name check runs for every entry and should be
/// cheap (a prefix comparison); only `Take` and `CheckName` entries are read further.
pub trait RecordFilter {
    /// Decides from the entry's file name (the map key).
    fn filename(&mut self, section: Section, filename: &str) -> Decision;
    /// For [`Decision::CheckName`]: whether to build the record with this `name` field.
    fn name(&mut self, name: &str) -> bool {
        let _ = name;
        true
    }
}

/// Every record.
#[derive(Debug, Clone, Copy, Default)]
pub struct AllRecords;

impl RecordFilter for AllRecords {
    fn filename(&mut self, _: Section, _: &str) -> Decision {
        Decision::Take
    }
}

/// Records of one exact package name: the file name must start with `NAME-` and carry
/// that name; a file name without the `NAME-VERSION-BUILD` shape is decided on the
/// record's `name` field.
#[derive(Debug, Clone)]
pub struct NameFilter {
    name: String,
    prefix: String,
}

impl NameFilter {
    /// Records named `name` (as written; conda names are lowercase).
    pub fn new(name: &str) -> Self {
        NameFilter { name: name.to_owned(), prefix: format!("{name}-") }
    }
}

impl RecordFilter for NameFilter {
    fn filename(&mut self, _: Section, filename: &str) -> Decision {
        if !filename.starts_with(&self.prefix) {
            // A malformed file name cannot be trusted to hide the record.
            return match name_from_filename(filename) {
                Some(_) => Decision::Skip,
                None => Decision::CheckName,
            };
        }
        match name_from_filename(filename) {
            Some(n) if n == self.name => Decision::Take,
            Some(_) => Decision::Skip,
            None => Decision::CheckName,
        }
    }
    fn name(&mut self, name: &str) -> bool {
        name == self.name
    }
}

/// Records whose name satisfies a predicate (a glob, a set): the name comes from the file
/// name when it has the `NAME-VERSION-BUILD` shape, else from the record's `name` field.
pub struct NamePredicate<F>(pub F);

impl<F: FnMut(&str) -> bool> RecordFilter for NamePredicate<F> {
    fn filename(&mut self, _: Section, filename: &str) -> Decision {
        match name_from_filename(filename) {
            Some(n) if (self.0)(n) => Decision::Take,
            Some(_) => Decision::Skip,
            None => Decision::CheckName,
        }
    }
    fn name(&mut self, name: &str) -> bool {
        (self.0)(name)
    }
}

/// One selected entry.
#[derive(Debug)]
pub struct Entry<'a> {
    /// `packages` or `packages.conda`.
    pub section: Section,
    /// The file name (map key).
    pub filename: &'a str,
    /// The record's JSON text, as it stands in the document.
    pub raw: &'a [u8],
    /// The record, built.
    pub record: PackageRecord,
}

/// What the reader learnt besides the selected records.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RepodataSummary {
    /// `info` (subdir, base_url), when present.
    pub info: Option<ChannelInfo>,
    /// `removed` file names.
    pub removed: Vec<String>,
    /// `repodata_version`.
    pub repodata_version: Option<u64>,
    /// Entries seen in both package maps.
    pub entries_seen: u64,
    /// Entries built and visited.
    pub entries_built: u64,
}

#[derive(Debug)]
struct ZstdFailure(String);

impl std::fmt::Display for ZstdFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ZstdFailure {}

fn convert(source: &str, e: ScanError) -> FormatError {
    let kind = match e {
        ScanError::Io(e) => match e.get_ref().and_then(|i| i.downcast_ref::<ZstdFailure>()) {
            Some(z) => FormatErrorKind::Zstd(z.0.clone()),
            None => FormatErrorKind::Io(e),
        },
        ScanError::Syntax { offset, message } => FormatErrorKind::Json { offset, message },
    };
    FormatError::new(source, kind)
}

/// What [`stream_raw_entries`] hands over for each entry: section, file name, record JSON.
pub type RawVisitor<'r> = dyn FnMut(Section, &str, &[u8]) -> Result<(), FormatError> + 'r;

struct Parse<'f, 'r, F, V> {
    filter: &'f mut F,
    visit: V,
    extra: Option<BTreeMap<String, serde_json::Value>>,
    /// When set, every entry goes here as raw JSON (the filter and `visit` are not used).
    raw: Option<&'r mut RawVisitor<'r>>,
}

fn parse_value<T: serde::de::DeserializeOwned, R: Source>(sc: &mut Scanner<R>, what: &str) -> Result<T, ScanError> {
    sc.begin_capture()?;
    sc.skip_value()?;
    let offset = sc.offset();
    serde_json::from_slice(sc.end_capture()).map_err(|e| ScanError::Syntax { offset, message: format!("{what}: {e}") })
}

impl<F: RecordFilter, V: FnMut(Entry<'_>)> Parse<'_, '_, F, V> {
    fn document<R: Source>(&mut self, sc: &mut Scanner<R>, source: &str) -> Result<RepodataSummary, FormatError> {
        let mut summary = RepodataSummary::default();
        self.top(sc, source, &mut summary).map_err(|e| match e {
            Outcome::Scan(e) => convert(source, e),
            Outcome::Format(e) => e,
        })?;
        Ok(summary)
    }

    fn top<R: Source>(
        &mut self,
        sc: &mut Scanner<R>,
        source: &str,
        summary: &mut RepodataSummary,
    ) -> Result<(), Outcome> {
        sc.expect(b'{', "the repodata object")?;
        let mut key = String::new();
        if sc.peek_nonspace()? == Some(b'}') {
            sc.expect(b'}', "'}'")?;
        } else {
            loop {
                sc.read_string(&mut key)?;
                sc.expect(b':', "':'")?;
                match key.as_str() {
                    "info" => summary.info = parse_value(sc, "info")?,
                    "packages" => self.packages(sc, source, Section::TarBz2, summary)?,
                    "packages.conda" => self.packages(sc, source, Section::Conda, summary)?,
                    "removed" => {
                        summary.removed = parse_value::<Option<Vec<String>>, _>(sc, "removed")?.unwrap_or_default()
                    }
                    "repodata_version" => summary.repodata_version = parse_value(sc, "repodata_version")?,
                    _ => match &mut self.extra {
                        Some(extra) => {
                            let v = parse_value(sc, &key)?;
                            extra.insert(key.clone(), v);
                        }
                        None => sc.skip_value()?,
                    },
                }
                if !sc.comma_or(b'}')? {
                    break;
                }
            }
        }
        if !sc.at_end()? {
            return Err(sc.error::<()>("data after the repodata object").unwrap_err().into());
        }
        Ok(())
    }

    fn packages<R: Source>(
        &mut self,
        sc: &mut Scanner<R>,
        source: &str,
        section: Section,
        summary: &mut RepodataSummary,
    ) -> Result<(), Outcome> {
        if sc.peek_nonspace()? == Some(b'n') {
            // `null`: no packages.
            return Ok(parse_value::<Option<()>, _>(sc, "packages").map(|_| ())?);
        }
        sc.expect(b'{', "an object of package records")?;
        if sc.peek_nonspace()? == Some(b'}') {
            sc.expect(b'}', "'}'")?;
            return Ok(());
        }
        let mut filename = String::new();
        loop {
            sc.read_string(&mut filename)?;
            sc.expect(b':', "':'")?;
            summary.entries_seen += 1;
            if sc.peek_nonspace()? != Some(b'{') {
                return Err(sc.error::<()>("expected a package record object").unwrap_err().into());
            }
            if let Some(raw) = &mut self.raw {
                sc.begin_capture()?;
                sc.skip_value()?;
                raw(section, &filename, sc.end_capture()).map_err(Outcome::Format)?;
                if !sc.comma_or(b'}')? {
                    return Ok(());
                }
                continue;
            }
            let decision = self.filter.filename(section, &filename);
            if decision == Decision::Skip {
                sc.skip_value()?;
            } else {
                sc.begin_capture()?;
                sc.skip_value()?;
                let raw = sc.end_capture();
                let bad = |message: String| {
                    Outcome::Format(FormatError::new(
                        source,
                        FormatErrorKind::Record { filename: filename.clone(), message },
                    ))
                };
                let wanted = match decision {
                    Decision::CheckName => {
                        #[derive(serde::Deserialize)]
                        struct NameOnly<'a> {
                            #[serde(borrow)]
                            name: std::borrow::Cow<'a, str>,
                        }
                        let n: NameOnly<'_> = serde_json::from_slice(raw).map_err(|e| bad(e.to_string()))?;
                        self.filter.name(&n.name)
                    }
                    _ => true,
                };
                if wanted {
                    let record: PackageRecord = serde_json::from_slice(raw).map_err(|e| bad(e.to_string()))?;
                    summary.entries_built += 1;
                    (self.visit)(Entry { section, filename: &filename, raw, record });
                }
            }
            if !sc.comma_or(b'}')? {
                return Ok(());
            }
        }
    }
}

enum Outcome {
    Scan(ScanError),
    Format(FormatError),
}

impl From<ScanError> for Outcome {
    fn from(e: ScanError) -> Self {
        Outcome::Scan(e)
    }
}

/// Streams a repodata.json document from `reader`, calling `visit` for every entry of
/// `packages` and `packages.conda` that `filter` selects. `source_name` (a path or URL)
/// names the file in errors. Holds one 256 KiB buffer and one record at a time.
pub fn stream_repodata<R: Read, F: RecordFilter>(
    reader: R,
    source_name: &str,
    filter: &mut F,
    visit: impl FnMut(Entry<'_>),
) -> Result<RepodataSummary, FormatError> {
    let mut sc = Scanner::new(reader);
    Parse { filter, visit, extra: None, raw: None }.document(&mut sc, source_name)
}

/// Streams a repodata.json document (zstd-compressed when `zst`), handing every entry of
/// `packages` and `packages.conda` to `visit` as its raw JSON text, unparsed (for the cache's
/// per-name index, which keeps every record). `reader` is read (and decompressed) on a second
/// thread while this one scans, so that a body arriving from the network, hashed and stored
/// on the way, is received while it is scanned.
pub fn stream_raw_entries<R: Read + Send>(
    reader: R,
    source_name: &str,
    zst: bool,
    visit: &mut RawVisitor<'_>,
) -> Result<RepodataSummary, FormatError> {
    with_pumped(reader, zst, |chunks| {
        let mut sc = Scanner::new(chunks);
        Parse { filter: &mut AllRecords, visit: |_: Entry<'_>| {}, extra: None, raw: Some(visit) }
            .document(&mut sc, source_name)
    })
}

const CHUNK: usize = 128 * 1024;

/// The chunks a reading (and decompressing) thread sends, handed to the scanner whole; the
/// scanner's previous buffer goes back for reuse.
struct ChunkReader {
    rx: mpsc::Receiver<io::Result<Vec<u8>>>,
    back: mpsc::SyncSender<Vec<u8>>,
}

impl Source for ChunkReader {
    fn next_chunk(&mut self, buf: &mut Vec<u8>) -> io::Result<usize> {
        loop {
            match self.rx.recv() {
                Ok(Ok(chunk)) if chunk.is_empty() => continue,
                Ok(Ok(chunk)) => {
                    let old = std::mem::replace(buf, chunk);
                    let _ = self.back.try_send(old);
                    return Ok(buf.len());
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => return Ok(0),
            }
        }
    }
}

/// Remembers the first error of the reader under a zstd decoder, so that a body that fails
/// (cut short, wrong length) is reported as such rather than as a damaged frame.
struct SourceErrors<'a, R> {
    inner: R,
    first: &'a std::cell::Cell<Option<io::Error>>,
}

impl<R: Read> Read for SourceErrors<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            if e.kind() == io::ErrorKind::Interrupted {
                return e;
            }
            let copy = io::Error::new(e.kind(), e.to_string());
            if let Some(earlier) = self.first.take() {
                self.first.set(Some(earlier));
            } else {
                self.first.set(Some(e));
            }
            copy
        })
    }
}

/// Sends the bytes of `reader` (decompressed when `zst`) in chunks of [`CHUNK`] bytes.
fn pump(reader: impl Read, zst: bool, tx: mpsc::SyncSender<io::Result<Vec<u8>>>, back: mpsc::Receiver<Vec<u8>>) {
    let first = std::cell::Cell::new(None);
    let mut source: Box<dyn Read + '_> = if zst {
        match zstd::stream::read::Decoder::new(SourceErrors { inner: reader, first: &first }) {
            Ok(d) => Box::new(d),
            Err(e) => {
                let _ = tx.send(Err(io::Error::other(ZstdFailure(e.to_string()))));
                return;
            }
        }
    } else {
        Box::new(reader)
    };
    loop {
        let mut buf = back.try_recv().unwrap_or_default();
        buf.resize(CHUNK, 0);
        let mut filled = 0;
        while filled < CHUNK {
            match source.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    // zstd reports corrupt and truncated frames as io errors; an error of the
                    // reader under it is sent as it is.
                    let e = match first.take() {
                        Some(source_error) => source_error,
                        None if zst => io::Error::other(ZstdFailure(e.to_string())),
                        None => e,
                    };
                    let _ = tx.send(Err(e));
                    return;
                }
            }
        }
        buf.truncate(filled);
        if filled == 0 || tx.send(Ok(buf)).is_err() {
            return;
        }
        if filled < CHUNK {
            return;
        }
    }
}

/// [`stream_repodata`] over a zstd-compressed document (`repodata.json.zst`), decompressed
/// on a second thread while this one parses.
pub fn stream_repodata_zst<R: Read + Send, F: RecordFilter>(
    reader: R,
    source_name: &str,
    filter: &mut F,
    visit: impl FnMut(Entry<'_>),
) -> Result<RepodataSummary, FormatError> {
    with_pumped(reader, true, |chunks| {
        let mut sc = Scanner::new(chunks);
        Parse { filter, visit, extra: None, raw: None }.document(&mut sc, source_name)
    })
}

/// Runs `f` over the bytes of `reader` (decompressed when `zst`), read on a second thread.
fn with_pumped<R: Read + Send, T>(reader: R, zst: bool, f: impl FnOnce(ChunkReader) -> T) -> T {
    let (tx, rx) = mpsc::sync_channel(4);
    let (back_tx, back_rx) = mpsc::sync_channel(6);
    std::thread::scope(|s| {
        s.spawn(move || pump(reader, zst, tx, back_rx));
        // Dropping the reader (on return or error) stops the decompressing thread.
        f(ChunkReader { rx, back: back_tx })
    })
}

fn read_all<R: Read>(reader: R, source_name: &str) -> Result<RepoData, FormatError> {
    let mut data = RepoData::default();
    let mut sc = Scanner::new(reader);
    let mut parse = Parse {
        filter: &mut AllRecords,
        visit: |e: Entry<'_>| {
            let map = match e.section {
                Section::TarBz2 => &mut data.packages,
                Section::Conda => &mut data.conda_packages,
            };
            map.insert(e.filename.to_owned(), e.record);
        },
        extra: Some(BTreeMap::new()),
        raw: None,
    };
    let summary = parse.document(&mut sc, source_name)?;
    let extra = parse.extra.take().unwrap_or_default();
    drop(parse);
    data.info = summary.info;
    data.removed = summary.removed.into_iter().collect();
    data.repodata_version = summary.repodata_version;
    data.extra = extra;
    Ok(data)
}

/// Reads a whole repodata.json document (every record, unknown top-level keys kept).
pub fn read_repodata<R: Read>(reader: R, source_name: &str) -> Result<RepoData, FormatError> {
    read_all(reader, source_name)
}

/// Reads a whole zstd-compressed repodata.json document.
pub fn read_repodata_zst<R: Read>(reader: R, source_name: &str) -> Result<RepoData, FormatError> {
    let dec = zstd::stream::read::Decoder::new(reader)
        .map_err(|e| FormatError::new(source_name, FormatErrorKind::Zstd(e.to_string())))?;
    read_all(ZstdErrors(dec), source_name)
}

/// Marks every read error of a zstd decoder as a zstd failure.
struct ZstdErrors<R>(R);

impl<R: Read> Read for ZstdErrors<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|e| {
            if e.kind() == io::ErrorKind::Interrupted {
                e
            } else {
                io::Error::other(ZstdFailure(e.to_string()))
            }
        })
    }
}
