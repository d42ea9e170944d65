//! Size, MD5 and SHA-256 of a whole package, for packages without stored checksums.

use std::io::{self, Read};

use sha2::{Digest, Sha256};

use md5::Md5;

/// What a repodata record says about the file itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileHashes {
    /// Size in bytes.
    pub size: u64,
    /// MD5 of the file.
    pub md5: [u8; 16],
    /// SHA-256 of the file.
    pub sha256: [u8; 32],
}

impl FileHashes {
    /// MD5 as lowercase hex, as repodata.json writes it.
    pub fn md5_hex(&self) -> String {
        crate::channel::hex(self.md5)
    }

    /// SHA-256 as lowercase hex, as repodata.json writes it.
    pub fn sha256_hex(&self) -> String {
        crate::channel::hex(self.sha256)
    }

    /// From stored hex values (`x-amz-meta-package-md5`, `x-amz-meta-package-sha256`) and the
    /// object's size; `None` when either is not hex of the right length.
    pub fn from_hex(size: u64, md5: &str, sha256: &str) -> Option<FileHashes> {
        let mut out = FileHashes { size, md5: [0; 16], sha256: [0; 32] };
        crate::channel::hex_decode_to_slice(md5.trim(), &mut out.md5).ok()?;
        crate::channel::hex_decode_to_slice(sha256.trim(), &mut out.sha256).ok()?;
        Some(out)
    }
}

/// Hashes a package as it streams by: feed it every byte once, in order.
#[derive(Debug, Clone, Default)]
pub struct PackageHasher {
    size: u64,
    md5: Md5,
    sha256: Sha256,
}

impl PackageHasher {
    /// A hasher that has seen nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the next bytes (large slices are faster).
    pub fn update(&mut self, data: &[u8]) {
        self.size += data.len() as u64;
        self.md5.update(data);
        self.sha256.update(data);
    }

    /// The hashes of everything fed.
    pub fn finish(self) -> FileHashes {
        FileHashes { size: self.size, md5: self.md5.finalize().into(), sha256: self.sha256.finalize().into() }
    }
}

/// Reads `reader` to its end and hashes it, 256 KiB at a time; never holds the whole file.
pub fn hash_reader<R: Read>(mut reader: R) -> io::Result<FileHashes> {
    let mut hasher = PackageHasher::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return Ok(hasher.finish()),
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests_of_abc() {
        let h = hash_reader(&b"abc"[..]).unwrap();
        assert_eq!(h.size, 3);
        assert_eq!(h.md5_hex(), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(h.sha256_hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(FileHashes::from_hex(3, &h.md5_hex(), &h.sha256_hex()), Some(h));
        assert_eq!(FileHashes::from_hex(3, "zz", &h.sha256_hex()), None);
        assert_eq!(FileHashes::from_hex(3, &h.md5_hex(), "00"), None);
    }
}
