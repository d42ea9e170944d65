//! CRC32C (Castagnoli), the checksum S3 accepts in `x-amz-checksum-crc32c` headers and
//! trailers. The x86-64 `crc32` instruction when the CPU has it (`crc32c_hw.rs`, over 10 GB/s),
//! else slice-by-8 tables built at compile time (about 2 GB/s). [`Crc32c::combine`] joins the
//! checksums of adjacent pieces without reading them again (zlib's `crc32_combine` method:
//! multiplying by x^(8n) modulo the polynomial).

const POLY: u32 = 0x82F6_3B78;

const fn make_tables() -> [[u32; 256]; 8] {
    let mut t = [[0u32; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { (c >> 1) ^ POLY } else { c >> 1 };
            k += 1;
        }
        t[0][i] = c;
        i += 1;
    }
    let mut j = 1;
    while j < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = t[j - 1][i];
            t[j][i] = (prev >> 8) ^ t[0][(prev & 0xff) as usize];
            i += 1;
        }
        j += 1;
    }
    t
}

static TABLES: [[u32; 256]; 8] = make_tables();

/// x^(2^k · 8) mod P for k = 0..64: the cost of appending 2^k zero bytes.
const fn x_pow_tables() -> [u32; 64] {
    let mut t = [0u32; 64];
    // x^8 (one zero byte) in reflected form: bit 31-8.
    t[0] = 1 << (31 - 8);
    let mut k = 1;
    while k < 64 {
        t[k] = mul_mod_const(t[k - 1], t[k - 1]);
        k += 1;
    }
    t
}

/// a·b modulo the polynomial in GF(2), reflected bit order (bit 31 is x^0).
const fn mul_mod_const(a: u32, mut b: u32) -> u32 {
    let mut p = 0u32;
    let mut m = 1u32 << 31;
    while m != 0 {
        if a & m != 0 {
            p ^= b;
        }
        b = if b & 1 != 0 { (b >> 1) ^ POLY } else { b >> 1 };
        m >>= 1;
    }
    p
}

static X_POW: [u32; 64] = x_pow_tables();

/// The register `crc` advanced over `len` zero bytes without the table: crc · x^(8·len) mod P.
pub(super) fn shift(crc: u32, len: u64) -> u32 {
    let mut out = crc;
    let mut n = len;
    let mut k = 0;
    while n != 0 {
        if n & 1 != 0 {
            out = mul_mod_const(X_POW[k], out);
        }
        n >>= 1;
        k += 1;
    }
    out
}

/// A running CRC32C.
///
/// ```
/// let mut c = minis3::sigv4::Crc32c::new();
/// c.update(b"123456789");
/// assert_eq!(c.finish(), 0xE306_9283);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Crc32c(u32);

impl Default for Crc32c {
    fn default() -> Self {
        Self::new()
    }
}

impl Crc32c {
    /// A fresh checksum.
    pub const fn new() -> Self {
        Self(!0)
    }

    /// The checksum of `data` alone.
    pub fn checksum(data: &[u8]) -> u32 {
        let mut c = Self::new();
        c.update(data);
        c.finish()
    }

    /// Adds bytes.
    pub fn update(&mut self, data: &[u8]) {
        if data.len() >= 64 && super::crc32c_hw::available() {
            self.0 = super::crc32c_hw::update(self.0, data);
        } else {
            self.0 = update_table(self.0, data);
        }
    }

    /// The CRC32C of `A‖B` from `crc(A)`, `crc(B)` and B's length, in O(log len) time:
    /// how the checksums of ranges downloaded in parallel give the whole object's.
    ///
    /// ```
    /// use minis3::sigv4::Crc32c;
    /// let (a, b) = (&b"12345"[..], &b"6789"[..]);
    /// assert_eq!(Crc32c::combine(Crc32c::checksum(a), Crc32c::checksum(b), 4), 0xE306_9283);
    /// ```
    pub fn combine(crc_a: u32, crc_b: u32, len_b: u64) -> u32 {
        // On final values: crc(A‖B) = shift(crc(A), |B|) ^ crc(B); the init and final
        // inversions cancel out (zlib's crc32_combine).
        shift(crc_a, len_b) ^ crc_b
    }
}

/// The table-driven update of the raw register.
fn update_table(mut crc: u32, data: &[u8]) -> u32 {
    {
        let mut chunks = data.chunks_exact(8);
        for c in &mut chunks {
            let lo = crc ^ u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            crc = TABLES[7][(lo & 0xff) as usize]
                ^ TABLES[6][((lo >> 8) & 0xff) as usize]
                ^ TABLES[5][((lo >> 16) & 0xff) as usize]
                ^ TABLES[4][(lo >> 24) as usize]
                ^ TABLES[3][c[4] as usize]
                ^ TABLES[2][c[5] as usize]
                ^ TABLES[1][c[6] as usize]
                ^ TABLES[0][c[7] as usize];
        }
        for &b in chunks.remainder() {
            crc = (crc >> 8) ^ TABLES[0][((crc ^ u32::from(b)) & 0xff) as usize];
        }
    }
    crc
}

impl Crc32c {
    /// The checksum of everything added so far.
    pub fn finish(&self) -> u32 {
        !self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        let crc = |d: &[u8]| {
            let mut c = Crc32c::new();
            c.update(d);
            c.finish()
        };
        assert_eq!(crc(b""), 0);
        assert_eq!(crc(&[0u8; 32]), 0x8A91_36AA);
        assert_eq!(crc(&[0xffu8; 32]), 0x62A8_AB43);
        assert_eq!(crc(&vec![b'a'; 66560]), 0xB0E3_BCFD);
        // Split updates agree with one update.
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 + 3) as u8).collect();
        let mut c = Crc32c::new();
        c.update(&data[..13]);
        c.update(&data[13..]);
        assert_eq!(c.finish(), crc(&data));
    }
}

#[cfg(test)]
mod fast_tests {
    use super::*;

    fn table(d: &[u8]) -> u32 {
        !update_table(!0, d)
    }

    #[test]
    fn published_check_values() {
        // The CRC catalogue's check value, and RFC 3720 (iSCSI) B.4.
        assert_eq!(Crc32c::checksum(b"123456789"), 0xE306_9283);
        assert_eq!(Crc32c::checksum(&[0u8; 32]), 0x8A91_36AA);
        assert_eq!(Crc32c::checksum(&[0xffu8; 32]), 0x62A8_AB43);
        let inc: Vec<u8> = (0..32u8).collect();
        assert_eq!(Crc32c::checksum(&inc), 0x46DD_794E);
        let dec: Vec<u8> = (0..32u8).rev().collect();
        assert_eq!(Crc32c::checksum(&dec), 0x113F_DB5C);
        // Large enough for the interleaved blocks.
        assert_eq!(Crc32c::checksum(&vec![b'a'; 66560]), 0xB0E3_BCFD);
        assert_eq!(table(b"123456789"), 0xE306_9283);
    }

    #[test]
    fn fast_path_agrees_with_the_table_on_random_lengths_and_alignments() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let data: Vec<u8> = (0..200_000).map(|_| next() as u8).collect();
        for _ in 0..300 {
            let start = (next() % 64) as usize;
            let len = match next() % 3 {
                0 => (next() % 100) as usize,
                1 => (next() % 30_000) as usize,
                _ => (next() % 190_000) as usize,
            };
            let d = &data[start..start + len];
            assert_eq!(Crc32c::checksum(d), table(d), "start {start} len {len}");
            // Split updates agree too.
            let cut = if len == 0 { 0 } else { (next() as usize) % len };
            let mut c = Crc32c::new();
            c.update(&d[..cut]);
            c.update(&d[cut..]);
            assert_eq!(c.finish(), table(d));
        }
        if !crc32c_hw_available() {
            eprintln!("no SSE4.2 here: only the table was tested");
        }
    }

    fn crc32c_hw_available() -> bool {
        super::super::crc32c_hw::available()
    }

    #[test]
    fn combine_agrees_with_direct_computation() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        for cut in [0usize, 1, 7, 8, 1000, 65_536, 99_999, 100_000] {
            let (a, b) = data.split_at(cut);
            let whole = Crc32c::checksum(&data);
            assert_eq!(Crc32c::combine(Crc32c::checksum(a), Crc32c::checksum(b), b.len() as u64), whole, "{cut}");
        }
        // Many pieces, in order, as parallel ranges are joined.
        let mut acc = Crc32c::checksum(&[]);
        for piece in data.chunks(7777) {
            acc = Crc32c::combine(acc, Crc32c::checksum(piece), piece.len() as u64);
        }
        assert_eq!(acc, Crc32c::checksum(&data));
        // Lengths past 4 GiB only go through the power table.
        let big = Crc32c::combine(0x1234_5678, 0, 1 << 33);
        assert_eq!(big, Crc32c::combine(Crc32c::combine(0x1234_5678, 0, 1 << 32), 0, 1 << 32));
    }
}
