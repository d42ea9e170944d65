//! The few parts of a ZIP file a `.conda` reader needs: the end-of-central-directory record
//! (with the zip64 locator and record), the central directory entries and a local header.
//!
//! Stored (uncompressed) members only, which is what `.conda` uses. All offsets are absolute
//! positions in the file; every length read from the file is checked before it is used.

/// `PK\5\6`: end of central directory.
const EOCD_SIG: u32 = 0x0605_4b50;
/// `PK\6\7`: zip64 end of central directory locator.
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
/// `PK\6\6`: zip64 end of central directory record.
const ZIP64_EOCD_SIG: u32 = 0x0606_4b50;
/// `PK\1\2`: central directory file header.
const CENTRAL_SIG: u32 = 0x0201_4b50;
/// `PK\3\4`: local file header.
const LOCAL_SIG: u32 = 0x0403_4b50;

/// Size of the end-of-central-directory record without its comment.
pub const EOCD_LEN: usize = 22;
/// Size of the zip64 locator.
pub const ZIP64_LOCATOR_LEN: usize = 20;
/// Size of the fixed part of a zip64 end-of-central-directory record.
pub const ZIP64_EOCD_LEN: usize = 56;
/// Size of the fixed part of a local header.
pub const LOCAL_HEADER_LEN: u64 = 30;
/// The longest tail that can hold an end-of-central-directory record with the longest comment.
pub const MAX_EOCD_SEARCH: u64 = (EOCD_LEN + u16::MAX as usize) as u64;

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}
fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}
fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

/// Where the central directory is, from the end-of-central-directory record(s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Directory {
    /// Offset of the first central directory entry.
    pub offset: u64,
    /// Size of the central directory in bytes.
    pub size: u64,
    /// Number of entries.
    pub entries: u64,
    /// Offset where the end records begin (zip64 record if any, else the EOCD): the directory
    /// must end at or before it.
    pub end_records: u64,
}

/// What the caller must do next to find the central directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndRecords {
    /// Found.
    Found(Directory),
    /// The zip64 record lies before the bytes given: read `len` bytes at `offset` and call
    /// [`parse_zip64_record`] with them.
    NeedZip64 {
        /// Offset of the zip64 record.
        offset: u64,
        /// Bytes to read there.
        len: u64,
    },
}

/// Finds the end records in `tail`, the last bytes of a file of `total_len` bytes.
///
/// `Err(None)` means no EOCD is in `tail` (a longer tail may hold one when the comment is
/// long); `Err(Some(why))` means the file is not a zip this reader can use.
pub fn parse_end_records(tail: &[u8], total_len: u64) -> Result<EndRecords, Option<String>> {
    let tail_start = total_len - tail.len() as u64;
    if tail.len() < EOCD_LEN {
        return Err(None);
    }
    // The EOCD is the last `PK\5\6` whose comment length reaches exactly the end of the file.
    let mut found = None;
    for at in (0..=tail.len() - EOCD_LEN).rev() {
        if u32_at(tail, at) == EOCD_SIG && at + EOCD_LEN + u16_at(tail, at + 20) as usize == tail.len() {
            found = Some(at);
            break;
        }
    }
    let at = found.ok_or(None)?;
    let eocd = &tail[at..at + EOCD_LEN];
    if u16_at(eocd, 4) != 0 || u16_at(eocd, 6) != 0 {
        return Err(Some("multi-disk zip archives are not supported".into()));
    }
    let entries = u16_at(eocd, 10) as u64;
    let size = u32_at(eocd, 12) as u64;
    let offset = u32_at(eocd, 16) as u64;
    let eocd_at = tail_start + at as u64;
    // A zip64 locator sits right before the EOCD; rattler's and Python's writers add one only when
    // a value does not fit, but a reader must honour it whenever it is there.
    if at >= ZIP64_LOCATOR_LEN && u32_at(tail, at - ZIP64_LOCATOR_LEN) == ZIP64_LOCATOR_SIG {
        let loc = &tail[at - ZIP64_LOCATOR_LEN..at];
        if u32_at(loc, 4) != 0 || u32_at(loc, 16) > 1 {
            return Err(Some("multi-disk zip64 archives are not supported".into()));
        }
        let rec = u64_at(loc, 8);
        let locator_at = eocd_at - ZIP64_LOCATOR_LEN as u64;
        if rec.checked_add(ZIP64_EOCD_LEN as u64).is_none_or(|end| end > locator_at) {
            return Err(Some("the zip64 locator points past itself".into()));
        }
        return if rec >= tail_start {
            let start = (rec - tail_start) as usize;
            parse_zip64_record(&tail[start..at - ZIP64_LOCATOR_LEN], rec).map(EndRecords::Found).map_err(Some)
        } else {
            Ok(EndRecords::NeedZip64 { offset: rec, len: locator_at - rec })
        };
    }
    if entries == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
        return Err(Some("the end record says zip64 but there is no zip64 locator".into()));
    }
    check_directory(Directory { offset, size, entries, end_records: eocd_at }).map(EndRecords::Found).map_err(Some)
}

/// Parses a zip64 end-of-central-directory record read at `rec_at` (up to the locator).
pub fn parse_zip64_record(rec: &[u8], rec_at: u64) -> Result<Directory, String> {
    if rec.len() < ZIP64_EOCD_LEN || u32_at(rec, 0) != ZIP64_EOCD_SIG {
        return Err("the zip64 locator does not point at a zip64 end record".into());
    }
    if u32_at(rec, 16) != 0 || u32_at(rec, 20) != 0 {
        return Err("multi-disk zip64 archives are not supported".into());
    }
    let dir =
        Directory { entries: u64_at(rec, 32), size: u64_at(rec, 40), offset: u64_at(rec, 48), end_records: rec_at };
    check_directory(dir)
}

fn check_directory(dir: Directory) -> Result<Directory, String> {
    match dir.offset.checked_add(dir.size) {
        Some(end) if end <= dir.end_records => {}
        _ => return Err("the central directory lies past the end records".into()),
    }
    // Each entry takes at least 46 bytes.
    if dir.entries.checked_mul(46).is_none_or(|n| n > dir.size) {
        return Err(format!("{} entries cannot fit in a {}-byte central directory", dir.entries, dir.size));
    }
    Ok(dir)
}

/// One central directory entry, with its zip64 values applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The member's name (lossy UTF-8).
    pub name: String,
    /// Compression method (0 = stored).
    pub method: u16,
    /// General purpose flags (bit 0: encrypted).
    pub flags: u16,
    /// CRC-32 of the member's data.
    pub crc32: u32,
    /// Size of the data as stored.
    pub compressed_size: u64,
    /// Size of the data once expanded (equal for stored members).
    pub size: u64,
    /// Offset of the member's local header.
    pub local_offset: u64,
}

/// Parses the whole central directory.
pub fn parse_central_directory(cd: &[u8], dir: &Directory) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    let mut at = 0usize;
    for i in 0..dir.entries {
        if cd.len() - at < 46 || u32_at(cd, at) != CENTRAL_SIG {
            return Err(format!("central directory entry {i} is damaged"));
        }
        let h = &cd[at..at + 46];
        let (name_len, extra_len, comment_len) =
            (u16_at(h, 28) as usize, u16_at(h, 30) as usize, u16_at(h, 32) as usize);
        let var = name_len + extra_len + comment_len;
        if cd.len() - at - 46 < var {
            return Err(format!("central directory entry {i} runs past the directory"));
        }
        let name = String::from_utf8_lossy(&cd[at + 46..at + 46 + name_len]).into_owned();
        let extra = &cd[at + 46 + name_len..at + 46 + name_len + extra_len];
        let mut e = Entry {
            name,
            flags: u16_at(h, 8),
            method: u16_at(h, 10),
            crc32: u32_at(h, 16),
            compressed_size: u32_at(h, 20) as u64,
            size: u32_at(h, 24) as u64,
            local_offset: u32_at(h, 42) as u64,
        };
        apply_zip64_extra(&mut e, extra).map_err(|d| format!("{}: {d}", e.name))?;
        entries.push(e);
        at += 46 + var;
    }
    Ok(entries)
}

/// Replaces the saturated 32-bit fields with the zip64 extra field's values (APPNOTE 4.5.3: only
/// the saturated fields are present, in the order size, compressed size, offset).
fn apply_zip64_extra(e: &mut Entry, mut extra: &[u8]) -> Result<(), String> {
    let needs = [e.size == 0xFFFF_FFFF, e.compressed_size == 0xFFFF_FFFF, e.local_offset == 0xFFFF_FFFF];
    while extra.len() >= 4 {
        let (id, len) = (u16_at(extra, 0), u16_at(extra, 2) as usize);
        if extra.len() - 4 < len {
            return Err("an extra field runs past its header".into());
        }
        if id == 0x0001 {
            let mut data = &extra[4..4 + len];
            let mut take = |needed: bool| -> Result<Option<u64>, String> {
                if !needed {
                    return Ok(None);
                }
                if data.len() < 8 {
                    return Err("the zip64 extra field is too short".into());
                }
                let v = u64_at(data, 0);
                data = &data[8..];
                Ok(Some(v))
            };
            if let Some(v) = take(needs[0])? {
                e.size = v;
            }
            if let Some(v) = take(needs[1])? {
                e.compressed_size = v;
            }
            if let Some(v) = take(needs[2])? {
                e.local_offset = v;
            }
            return Ok(());
        }
        extra = &extra[4 + len..];
    }
    if needs.iter().any(|&n| n) {
        return Err("sizes or offset say zip64 but there is no zip64 extra field".into());
    }
    Ok(())
}

/// Parses a member's local header (at least its 30 fixed bytes) and returns the offset, relative
/// to the header, where the member's data begins. The local extra field may differ from the
/// central one (Python and rattler write zip64 sizes there), so its own length is used.
pub fn local_data_start(header: &[u8], entry: &Entry) -> Result<u64, String> {
    if header.len() < LOCAL_HEADER_LEN as usize || u32_at(header, 0) != LOCAL_SIG {
        return Err(format!("no local header for {} at offset {}", entry.name, entry.local_offset));
    }
    let method = u16_at(header, 8);
    if method != entry.method {
        return Err(format!("{}: the local header and the central directory disagree on the method", entry.name));
    }
    Ok(LOCAL_HEADER_LEN + u16_at(header, 26) as u64 + u16_at(header, 28) as u64)
}

/// CRC-32 (IEEE, as zip uses it).
pub fn crc32(data: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (i, slot) in t.iter_mut().enumerate() {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            }
            *slot = c;
        }
        t
    });
    let mut c = !0u32;
    for &b in data {
        c = table[((c ^ b as u32) & 0xFF) as usize] ^ (c >> 8);
    }
    !c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn no_eocd_is_none_and_a_lying_eocd_is_an_error() {
        assert_eq!(parse_end_records(b"not a zip at all, just some text", 33), Err(None));
        // An EOCD claiming a directory past itself.
        let mut eocd = vec![0x50, 0x4b, 5, 6, 0, 0, 0, 0, 1, 0, 1, 0];
        eocd.extend_from_slice(&100u32.to_le_bytes());
        eocd.extend_from_slice(&5u32.to_le_bytes());
        eocd.extend_from_slice(&[0, 0]);
        assert!(matches!(parse_end_records(&eocd, 22), Err(Some(_))));
    }

    #[test]
    fn zip64_extra_takes_only_the_saturated_fields() {
        let mut e = Entry {
            name: "x".into(),
            method: 0,
            flags: 0,
            crc32: 0,
            compressed_size: 5,
            size: 0xFFFF_FFFF,
            local_offset: 0xFFFF_FFFF,
        };
        let mut extra = vec![1, 0, 16, 0];
        extra.extend_from_slice(&7u64.to_le_bytes());
        extra.extend_from_slice(&9u64.to_le_bytes());
        apply_zip64_extra(&mut e, &extra).unwrap();
        assert_eq!((e.size, e.compressed_size, e.local_offset), (7, 5, 9));
        let mut short = e.clone();
        short.size = 0xFFFF_FFFF;
        short.local_offset = 0xFFFF_FFFF;
        assert!(apply_zip64_extra(&mut short, &[1, 0, 8, 0, 1, 0, 0, 0, 0, 0, 0, 0]).is_err());
        assert!(apply_zip64_extra(&mut short, &[]).is_err());
    }
}
