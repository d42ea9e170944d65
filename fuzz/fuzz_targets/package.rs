//! Arbitrary bytes into the package readers: no panic, every failure a `PackageError`.
//!
//! The first byte picks the mode: 0 a raw `.conda` (the second byte sets the tail length, so the
//! second-read paths run too), 1 a raw `.tar.bz2`, 2 a raw tar compressed here with bzip2, 3 a
//! raw tar compressed here with zstd and wrapped in a stored zip as `info-x.tar.zst`. Modes 2
//! and 3 reach the tar and JSON code past the decompressors.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minis3::channel::package::{
    read_conda, read_tar_bz2, repodata_record, CondaOptions, FileHashes, InfoFiles, Limits, PackageError,
};

fn check(result: Result<InfoFiles, PackageError>, name: &str) {
    match result {
        Ok(info) => {
            if let Ok(index) = info.index(name) {
                let run_exports = info.run_exports(name).ok().flatten();
                let hashes = FileHashes { size: 1, md5: [0; 16], sha256: [0; 32] };
                let record = repodata_record(&index, run_exports.as_ref(), &hashes);
                assert!(record.contains_key("depends") && record.contains_key("subdir"));
            }
        }
        Err(e) => assert!(e.to_string().starts_with(name)),
    }
}

/// A stored zip holding `member` as its only entry.
fn stored_zip(name: &str, member: &[u8]) -> Vec<u8> {
    let crc = crc32(member);
    let mut z = Vec::new();
    let local = |z: &mut Vec<u8>, sig: u32| z.extend_from_slice(&sig.to_le_bytes());
    local(&mut z, 0x0403_4b50);
    for v in [20u16, 0, 0, 0, 0] {
        z.extend_from_slice(&v.to_le_bytes());
    }
    for v in [crc, member.len() as u32, member.len() as u32] {
        z.extend_from_slice(&v.to_le_bytes());
    }
    z.extend_from_slice(&(name.len() as u16).to_le_bytes());
    z.extend_from_slice(&0u16.to_le_bytes());
    z.extend_from_slice(name.as_bytes());
    z.extend_from_slice(member);
    let cd = z.len() as u32;
    local(&mut z, 0x0201_4b50);
    for v in [20u16, 20, 0, 0, 0, 0] {
        z.extend_from_slice(&v.to_le_bytes());
    }
    for v in [crc, member.len() as u32, member.len() as u32] {
        z.extend_from_slice(&v.to_le_bytes());
    }
    for v in [name.len() as u16, 0, 0, 0, 0] {
        z.extend_from_slice(&v.to_le_bytes());
    }
    z.extend_from_slice(&0u32.to_le_bytes());
    z.extend_from_slice(&0u32.to_le_bytes());
    z.extend_from_slice(name.as_bytes());
    let cd_size = z.len() as u32 - cd;
    local(&mut z, 0x0605_4b50);
    for v in [0u16, 0, 1, 1] {
        z.extend_from_slice(&v.to_le_bytes());
    }
    z.extend_from_slice(&cd_size.to_le_bytes());
    z.extend_from_slice(&cd.to_le_bytes());
    z.extend_from_slice(&0u16.to_le_bytes());
    z
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
        }
    }
    !c
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let limits = Limits { max_file: 1 << 20, max_info_tar: 8 << 20 };
    match mode % 4 {
        0 => {
            let Some((&tail, rest)) = rest.split_first() else { return };
            let options = CondaOptions { tail_len: 22 + tail as u64 * 64, max_info_member: 4 << 20, limits };
            check(read_conda(rest, "f.conda", &options).map(|m| m.info), "f.conda");
        }
        1 => check(read_tar_bz2(rest, "f.tar.bz2", &limits).map(|m| m.info), "f.tar.bz2"),
        2 => {
            let mut enc = bzip2::read::BzEncoder::new(rest, bzip2::Compression::fast());
            let mut compressed = Vec::new();
            std::io::Read::read_to_end(&mut enc, &mut compressed).unwrap();
            check(read_tar_bz2(&compressed[..], "t.tar.bz2", &limits).map(|m| m.info), "t.tar.bz2");
        }
        _ => {
            let member = zstd::encode_all(rest, 1).unwrap();
            let zip = stored_zip("info-x.tar.zst", &member);
            let options = CondaOptions { limits, ..CondaOptions::default() };
            check(read_conda(&zip[..], "t.conda", &options).map(|m| m.info), "t.conda");
        }
    }
});
