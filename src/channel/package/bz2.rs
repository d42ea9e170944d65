//! A bzip2 decoder that yields a block's bytes as they are asked for ([`Bz2Decoder`]).
//!
//! bzip2 cannot yield a byte before a whole block (up to 900 kB of tar) has been read and its
//! Huffman and move-to-front coding undone; after that, each output byte is one step of the
//! inverse Burrows-Wheeler transform. A `.tar.bz2`'s `info/` is its first few kilobytes, so a
//! reader that stops there skips almost all of those steps (cache misses over a 3.6 MB table,
//! the run-length decoding and the CRC), which a general decoder does for the whole block
//! before it hands anything out. The Huffman and move-to-front stage, where a block's time goes,
//! is `bz2_entropy.rs`.
//!
//! A block read to its end is checked against its CRC, and a stream against its combined CRC;
//! a block left unread is not (its bytes were never handed out). Concatenated streams (as
//! pbzip2 writes) are read one after another; bytes after the last stream that do not start
//! another one end the output. Randomised blocks (written by bzip2 0.9.0 and earlier, never
//! since) are refused.

use std::io::{self, Read};

#[cfg(test)]
use super::bz2_entropy::INPUT_CHUNK;
use super::bz2_entropy::{bad, decode_symbols, Bits, Coding, ListKind, Table, MAX_ALPHA, MAX_CODE_LEN};

const MAX_GROUPS: usize = 6;
const MAX_SELECTORS: usize = 18002;
const BLOCK_MAGIC: u64 = 0x3141_5926_5359;
const END_MAGIC: u64 = 0x1772_4538_5090;

/// A big-endian CRC-32 (polynomial 0x04C11DB7), as bzip2 checks its blocks.
fn crc_table() -> &'static [u32; 256] {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (i, slot) in t.iter_mut().enumerate() {
            let mut c = (i as u32) << 24;
            for _ in 0..8 {
                c = if c & 0x8000_0000 != 0 { (c << 1) ^ 0x04C1_1DB7 } else { c << 1 };
            }
            *slot = c;
        }
        t
    })
}

/// The block being handed out.
struct Block {
    /// The block's bytes as coded (the BWT's last column).
    ll: Vec<u8>,
    /// The inverse BWT's links: position to the next position.
    tt: Vec<u32>,
    /// The next link to follow.
    pos: u32,
    /// Links left to follow.
    left: u32,
    /// The byte of the current run and its length (run-length coding of 4 to 255 repeats).
    last: i32,
    run: u32,
    /// Copies of `last` still to hand out.
    repeat: u32,
    crc: u32,
    stored_crc: u32,
}

enum State {
    /// Expecting `BZh1`..`BZh9` (`first`: nothing decoded yet).
    StreamStart {
        first: bool,
    },
    /// Expecting a block or the end of the stream.
    BlockStart,
    /// Handing out a block.
    InBlock,
    Done,
}

/// A bzip2 stream decoder whose output is produced as it is read (module docs).
pub struct Bz2Decoder<R> {
    bits: Bits<R>,
    state: State,
    level: u32,
    stream_crc: u32,
    block: Block,
    /// The move-to-front list the entropy stage uses.
    list: ListKind,
}

impl<R: Read> Bz2Decoder<R> {
    /// A decoder of the bzip2 stream(s) `inner` yields.
    pub fn new(inner: R) -> Self {
        Self::with_list(inner, ListKind::best())
    }

    /// [`Bz2Decoder::new`] with the move-to-front list `list` (one this processor runs).
    fn with_list(inner: R, list: ListKind) -> Self {
        Bz2Decoder {
            list,
            bits: Bits::new(inner),
            state: State::StreamStart { first: true },
            level: 9,
            stream_crc: 0,
            block: Block {
                ll: Vec::new(),
                tt: Vec::new(),
                pos: 0,
                left: 0,
                last: -1,
                run: 0,
                repeat: 0,
                crc: !0,
                stored_crc: 0,
            },
        }
    }

    /// The stream header. `Ok(false)`: no further stream (end of input, or other bytes).
    fn stream_start(&mut self, first: bool) -> io::Result<bool> {
        if !first && self.bits.at_end()? {
            return Ok(false);
        }
        let magic = match self.bits.get(24) {
            Ok(m) => m,
            Err(_) if !first => return Ok(false),
            Err(e) => return Err(e),
        };
        if magic != 0x42_5A_68 {
            return if first { Err(bad("not a bzip2 stream (no BZh header)")) } else { Ok(false) };
        }
        let level = self.bits.get(8)?;
        if !(u32::from(b'1')..=u32::from(b'9')).contains(&level) {
            return if first { Err(bad("bad block size in the header")) } else { Ok(false) };
        }
        self.level = level - u32::from(b'0');
        self.stream_crc = 0;
        Ok(true)
    }

    /// A block's header and coded data, up to the inverse BWT's table. `Ok(false)`: the end
    /// of the stream (its CRC checked).
    fn block_start(&mut self) -> io::Result<bool> {
        let magic = (u64::from(self.bits.get(24)?) << 24) | u64::from(self.bits.get(24)?);
        if magic == END_MAGIC {
            let crc = self.bits.get(32)?;
            if crc != self.stream_crc {
                return Err(bad("stream CRC mismatch"));
            }
            self.bits.align();
            return Ok(false);
        }
        if magic != BLOCK_MAGIC {
            return Err(bad("bad block header"));
        }
        let stored_crc = self.bits.get(32)?;
        if self.bits.bit()? {
            return Err(bad("randomised blocks (bzip2 0.9.0 and earlier) are not supported"));
        }
        let orig_ptr = self.bits.get(24)?;

        // The bytes in use.
        let used16 = self.bits.get(16)?;
        let mut seq_to_unseq = [0u8; 256];
        let mut in_use = 0usize;
        for i in 0..16 {
            if used16 & (0x8000 >> i) != 0 {
                let used = self.bits.get(16)?;
                for j in 0..16 {
                    if used & (0x8000 >> j) != 0 {
                        seq_to_unseq[in_use] = (i * 16 + j) as u8;
                        in_use += 1;
                    }
                }
            }
        }
        if in_use == 0 {
            return Err(bad("a block uses no bytes"));
        }
        let alpha = in_use + 2;

        // Tables and selectors.
        let groups = self.bits.get(3)? as usize;
        if !(2..=MAX_GROUPS).contains(&groups) {
            return Err(bad("bad number of Huffman tables"));
        }
        let selectors_n = self.bits.get(15)? as usize;
        if selectors_n == 0 {
            return Err(bad("no selectors"));
        }
        let mut mtf_groups: Vec<u8> = (0..groups as u8).collect();
        let mut selectors = Vec::with_capacity(selectors_n.min(MAX_SELECTORS));
        for _ in 0..selectors_n {
            let mut j = 0;
            while self.bits.bit()? {
                j += 1;
                if j >= groups {
                    return Err(bad("bad selector"));
                }
            }
            let v = mtf_groups[j];
            mtf_groups.copy_within(0..j, 1);
            mtf_groups[0] = v;
            if selectors.len() < MAX_SELECTORS {
                selectors.push(v);
            }
        }
        let mut tables = Vec::with_capacity(groups);
        let mut lengths = [0u8; MAX_ALPHA];
        for _ in 0..groups {
            let mut curr = self.bits.get(5)? as i32;
            for len in lengths.iter_mut().take(alpha) {
                loop {
                    if !(1..=MAX_CODE_LEN as i32).contains(&curr) {
                        return Err(bad("bad Huffman code length"));
                    }
                    if !self.bits.bit()? {
                        break;
                    }
                    curr += if self.bits.bit()? { -1 } else { 1 };
                }
                *len = curr as u8;
            }
            tables.push(Table::new(&lengths[..alpha]));
        }

        // The symbols.
        let max = self.level as usize * 100_000;
        let coding = Coding { tables: &tables, selectors: &selectors, seq_to_unseq: &seq_to_unseq, in_use };
        let counts = decode_symbols(self.list, &mut self.bits, &coding, max, &mut self.block.ll)?;
        let tt = &self.block.ll;
        let n = tt.len();
        if orig_ptr as usize >= n {
            return Err(bad("bad origin pointer"));
        }
        // The inverse BWT's links (stores only, into a table of their own: the scattered
        // read-modify-write of libbzip2's combined table is the slowest part of a block).
        let mut next = [0u32; 256];
        let mut sum = 0;
        for (slot, &c) in next.iter_mut().zip(&counts) {
            *slot = sum;
            sum += c;
        }
        let b = &mut self.block;
        b.tt.clear();
        b.tt.resize(n, 0);
        for (i, &byte) in b.ll.iter().enumerate() {
            let at = &mut next[usize::from(byte)];
            b.tt[*at as usize] = i as u32;
            *at += 1;
        }
        b.pos = b.tt[orig_ptr as usize];
        b.left = n as u32;
        b.last = -1;
        b.run = 0;
        b.repeat = 0;
        b.crc = !0;
        b.stored_crc = stored_crc;
        Ok(true)
    }

    /// Hands out up to `out.len()` bytes of the current block; 0 when it is done.
    fn block_bytes(&mut self, out: &mut [u8]) -> usize {
        let table = crc_table();
        let b = &mut self.block;
        let mut n = 0;
        while n < out.len() {
            let byte = if b.repeat > 0 {
                b.repeat -= 1;
                b.last as u8
            } else if b.left > 0 {
                let at = b.pos as usize;
                b.pos = b.tt[at];
                b.left -= 1;
                let byte = i32::from(b.ll[at]);
                if b.run == 4 {
                    b.run = 0;
                    b.repeat = byte as u32;
                    continue;
                }
                if byte == b.last {
                    b.run += 1;
                } else {
                    b.last = byte;
                    b.run = 1;
                }
                byte as u8
            } else {
                break;
            };
            out[n] = byte;
            b.crc = (b.crc << 8) ^ table[((b.crc >> 24) as u8 ^ byte) as usize];
            n += 1;
        }
        n
    }
}

impl<R: Read> Read for Bz2Decoder<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            match self.state {
                State::StreamStart { first } => {
                    self.state = if self.stream_start(first)? { State::BlockStart } else { State::Done };
                }
                State::BlockStart => {
                    self.state = if self.block_start()? { State::InBlock } else { State::StreamStart { first: false } };
                }
                State::InBlock => {
                    let n = self.block_bytes(out);
                    if n > 0 {
                        return Ok(n);
                    }
                    let crc = !self.block.crc;
                    if crc != self.block.stored_crc {
                        return Err(bad("block CRC mismatch"));
                    }
                    self.stream_crc = self.stream_crc.rotate_left(1) ^ crc;
                    self.state = State::BlockStart;
                }
                State::Done => return Ok(0),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `data` decoded with each move-to-front list this processor runs; all must agree.
    fn decode(data: &[u8]) -> io::Result<Vec<u8>> {
        let mut first: Option<io::Result<Vec<u8>>> = None;
        for list in ListKind::available() {
            let mut out = Vec::new();
            let got = Bz2Decoder::with_list(data, list).read_to_end(&mut out).map(|_| out);
            match &first {
                None => first = Some(got),
                Some(Ok(want)) => assert_eq!(got.as_ref().ok(), Some(want), "{list:?}"),
                Some(Err(_)) => assert!(got.is_err(), "{list:?} decoded what the plain list refused"),
            }
        }
        first.unwrap_or_else(|| Err(bad("no list")))
    }

    fn compress(data: &[u8], level: u32) -> Vec<u8> {
        let mut enc = bzip2::read::BzEncoder::new(data, bzip2::Compression::new(level));
        let mut out = Vec::new();
        enc.read_to_end(&mut out).unwrap();
        out
    }

    /// Deterministic bytes: random, runs, text, and mixes.
    fn sample(kind: u8, len: usize, seed: u64) -> Vec<u8> {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        match kind {
            0 => (0..len).map(|_| rnd() as u8).collect(),
            1 => (0..len).map(|i| if (i / 300) % 2 == 0 { b'a' } else { (rnd() % 4) as u8 }).collect(),
            2 => b"info/index.json {\"name\": \"pkg\", \"version\": \"1.0\"}\n"
                .iter()
                .copied()
                .cycle()
                .take(len)
                .collect(),
            _ => (0..len).map(|i| if rnd() % 16 == 0 { rnd() as u8 } else { (i % 7) as u8 }).collect(),
        }
    }

    #[test]
    fn decodes_what_libbzip2_writes() {
        for (kind, len, level) in [
            (0, 0, 9),
            (0, 1, 9),
            (2, 5, 1),
            (0, 1000, 9),
            (1, 50_000, 1),
            (2, 300_000, 2),
            (3, 250_000, 9),
            (0, 2_100_000, 9),
        ] {
            let data = sample(kind, len, len as u64 + 7);
            let packed = compress(&data, level);
            assert_eq!(decode(&packed).unwrap(), data, "kind {kind}, {len} bytes, level {level}");
        }
    }

    #[test]
    fn runs_of_every_length_and_all_256_bytes() {
        let mut data = Vec::new();
        for b in 0..=255u8 {
            data.extend(std::iter::repeat_n(b, usize::from(b) * 3 + 1));
        }
        data.extend(std::iter::repeat_n(7u8, 100_000));
        assert_eq!(decode(&compress(&data, 9)).unwrap(), data);
    }

    #[test]
    fn concatenated_streams_and_trailing_bytes() {
        let (a, b) = (sample(3, 10_000, 1), sample(0, 20_000, 2));
        let mut both = compress(&a, 9);
        both.extend(compress(&b, 5));
        let mut want = a.clone();
        want.extend(&b);
        assert_eq!(decode(&both).unwrap(), want);
        both.extend(b"trailing garbage");
        assert_eq!(decode(&both).unwrap(), want);
    }

    #[test]
    fn damage_is_an_error_never_a_panic() {
        let data = sample(3, 60_000, 3);
        let packed = compress(&data, 9);
        assert!(decode(b"").is_err());
        assert!(decode(b"BZh9 not really").is_err());
        assert!(decode(b"PK\x03\x04").is_err());
        assert!(decode(&packed[..packed.len() / 2]).is_err(), "truncated");
        let mut wrong_crc = packed.clone();
        wrong_crc[10] ^= 1; // inside the block CRC
        assert!(decode(&wrong_crc).is_err());
        // Flipped bits anywhere: an error or (rarely) other bytes, never a panic.
        for i in (4..packed.len()).step_by(97) {
            for bit in [0x01, 0x10, 0x80] {
                let mut d = packed.clone();
                d[i] ^= bit;
                if let Ok(out) = decode(&d) {
                    assert_ne!(out, data, "byte {i} bit {bit:#x} changed nothing");
                }
            }
        }
    }

    #[test]
    fn a_reader_that_stops_early_reads_one_block_and_gets_its_front() {
        // Two blocks at level 1 (100 kB each): the first 1,000 bytes need the first block only.
        let data = sample(0, 250_000, 9);
        let packed = compress(&data, 1);
        let mut src = &packed[..];
        let mut front = vec![0u8; 1000];
        Bz2Decoder::new(&mut src).read_exact(&mut front).unwrap();
        assert_eq!(front, data[..1000]);
        let taken = packed.len() - src.len();
        assert!(taken < packed.len() / 2 + INPUT_CHUNK, "read {taken} of {}", packed.len());
    }
}
