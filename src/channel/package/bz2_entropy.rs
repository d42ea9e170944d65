//! The entropy stage of a bzip2 block: its bits ([`Bits`]), Huffman tables ([`Table`]) and
//! symbols, undone into the block's bytes as coded ([`decode_symbols`]: Huffman codes, then
//! the RUNA/RUNB run lengths and the move-to-front indexes). This is where a block's time goes:
//! one Huffman look-up and one move-to-front step per byte of the block, for every block, even
//! one of which only the first kilobytes are read. The move-to-front list is `bz2_mtf.rs` (on
//! x86-64 with AVX2 a vector list, for which the decoding loop is compiled a second time
//! with that feature); the block's framing and the inverse
//! Burrows-Wheeler transform are in `bz2.rs`.

use std::io::{self, Read};

#[cfg(target_arch = "x86_64")]
use super::bz2_mtf::{avx2_available, Avx2List};
use super::bz2_mtf::{MoveToFront, PlainList};

/// Huffman codes up to this many bits are decoded by one table look-up.
pub const FAST_BITS: u32 = 10;
/// The longest Huffman code bzip2 allows.
pub(super) const MAX_CODE_LEN: usize = 20;
/// The most symbols a table codes: 256 bytes, RUNA and the end of the block.
pub(super) const MAX_ALPHA: usize = 258;
/// How much of the input is asked for at once.
pub(super) const INPUT_CHUNK: usize = 8 * 1024;

pub(super) fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("bzip2: {what}"))
}

/// Bits, most significant first, from a reader taken in chunks of [`INPUT_CHUNK`].
pub(super) struct Bits<R> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
    eof: bool,
    /// The next bits, left-aligned.
    acc: u64,
    /// How many of `acc`'s bits are real.
    n: u32,
}

impl<R: Read> Bits<R> {
    pub(super) fn new(inner: R) -> Self {
        Bits { inner, buf: vec![0; INPUT_CHUNK].into_boxed_slice(), pos: 0, len: 0, eof: false, acc: 0, n: 0 }
    }

    /// Tops `acc` up to at least 57 bits unless the input has ended.
    #[inline(always)]
    fn refill(&mut self) -> io::Result<()> {
        if self.n <= 56 && self.pos + 8 <= self.len {
            // Eight bytes at once, as many of them as fit.
            let w = u64::from_be_bytes(self.buf[self.pos..self.pos + 8].try_into().unwrap_or([0; 8]));
            let take = (64 - self.n) / 8;
            let filled = self.n + 8 * take;
            let mask = if filled == 64 { !0 } else { !(!0u64 >> filled) };
            self.acc |= (w >> self.n) & mask;
            self.n = filled;
            self.pos += take as usize;
            return Ok(());
        }
        self.refill_slow()
    }

    /// [`Bits::refill`] byte by byte, reading the input when its chunk is used up.
    #[cold]
    #[inline(never)]
    fn refill_slow(&mut self) -> io::Result<()> {
        while self.n <= 56 {
            if self.pos == self.len {
                if self.eof {
                    return Ok(());
                }
                self.pos = 0;
                self.len = loop {
                    match self.inner.read(&mut self.buf) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                };
                if self.len == 0 {
                    self.eof = true;
                    return Ok(());
                }
            }
            self.acc |= u64::from(self.buf[self.pos]) << (56 - self.n);
            self.pos += 1;
            self.n += 8;
        }
        Ok(())
    }

    /// The next `k` (1..=32) bits, consumed.
    pub(super) fn get(&mut self, k: u32) -> io::Result<u32> {
        if self.n < k {
            self.refill()?;
            if self.n < k {
                return Err(bad("the stream ends inside a block"));
            }
        }
        let v = (self.acc >> (64 - k)) as u32;
        self.acc <<= k;
        self.n -= k;
        Ok(v)
    }

    pub(super) fn bit(&mut self) -> io::Result<bool> {
        Ok(self.get(1)? == 1)
    }

    /// Drops the bits up to the next byte boundary of the input.
    pub(super) fn align(&mut self) {
        let r = self.n % 8;
        self.acc <<= r;
        self.n -= r;
    }

    /// Whether the input has no more bits.
    pub(super) fn at_end(&mut self) -> io::Result<bool> {
        self.refill()?;
        Ok(self.n == 0)
    }
}

/// One Huffman table: a look-up table for short codes, and bzip2's limit/base/perm arrays
/// for the rest.
pub(super) struct Table {
    /// `(symbol << 5) | length` for each [`FAST_BITS`]-bit prefix; 0 when the code is longer.
    fast: Vec<u16>,
    limit: [i32; MAX_CODE_LEN + 2],
    base: [i32; MAX_CODE_LEN + 2],
    perm: [u16; MAX_ALPHA],
    min_len: u32,
}

impl Table {
    pub(super) fn new(lengths: &[u8]) -> Table {
        let min_len = u32::from(*lengths.iter().min().unwrap_or(&1));
        let max_len = u32::from(*lengths.iter().max().unwrap_or(&1));
        let mut t = Table {
            fast: vec![0; 1 << FAST_BITS],
            limit: [0; MAX_CODE_LEN + 2],
            base: [0; MAX_CODE_LEN + 2],
            perm: [0; MAX_ALPHA],
            min_len,
        };
        // As libbzip2's BZ2_hbCreateDecodeTables.
        let mut pp = 0;
        for len in min_len..=max_len {
            for (sym, &l) in lengths.iter().enumerate() {
                if u32::from(l) == len {
                    t.perm[pp] = sym as u16;
                    pp += 1;
                }
            }
        }
        for &l in lengths {
            t.base[usize::from(l) + 1] += 1;
        }
        for i in 1..t.base.len() {
            t.base[i] += t.base[i - 1];
        }
        let mut vec = 0i32;
        for i in min_len as usize..=max_len as usize {
            vec += t.base[i + 1] - t.base[i];
            t.limit[i] = vec - 1;
            vec <<= 1;
        }
        for i in min_len as usize + 1..=max_len as usize {
            t.base[i] = ((t.limit[i - 1] + 1) << 1) - t.base[i];
        }
        // Canonical codes, as the limits above describe them; only a code set that is not
        // oversubscribed (as every encoder writes) gets the look-up table.
        let kraft: u64 = lengths.iter().map(|&l| 1u64 << (MAX_CODE_LEN as u32 - u32::from(l))).sum();
        if kraft <= 1 << MAX_CODE_LEN {
            let mut code = 0u32;
            let mut i = 0;
            for len in min_len..=max_len {
                while i < pp && u32::from(lengths[usize::from(t.perm[i])]) == len {
                    if len <= FAST_BITS {
                        let shift = FAST_BITS - len;
                        let entry = (t.perm[i] << 5) | len as u16;
                        for slot in &mut t.fast[(code << shift) as usize..((code + 1) << shift) as usize] {
                            *slot = entry;
                        }
                    }
                    code += 1;
                    i += 1;
                }
                code <<= 1;
            }
        }
        t
    }

    /// The next symbol: one look-up for a code up to [`FAST_BITS`] long.
    #[inline(always)]
    fn decode<R: Read>(&self, bits: &mut Bits<R>) -> io::Result<u16> {
        if bits.n < MAX_CODE_LEN as u32 {
            bits.refill()?;
        }
        let entry = self.fast[(bits.acc >> (64 - FAST_BITS)) as usize];
        let len = u32::from(entry & 31);
        if len != 0 && len <= bits.n {
            bits.acc <<= len;
            bits.n -= len;
            return Ok(entry >> 5);
        }
        self.decode_long(bits)
    }

    /// A code longer than [`FAST_BITS`] (or one the input ends inside), bit by bit.
    #[cold]
    #[inline(never)]
    fn decode_long<R: Read>(&self, bits: &mut Bits<R>) -> io::Result<u16> {
        let mut zn = self.min_len;
        let mut zvec = bits.get(zn)? as i32;
        loop {
            if zn as usize > MAX_CODE_LEN {
                return Err(bad("a Huffman code is too long"));
            }
            if zvec <= self.limit[zn as usize] {
                break;
            }
            zn += 1;
            zvec = (zvec << 1) | bits.get(1)? as i32;
        }
        let idx = zvec - self.base[zn as usize];
        if !(0..MAX_ALPHA as i32).contains(&idx) {
            return Err(bad("a Huffman code is out of range"));
        }
        Ok(self.perm[idx as usize])
    }
}

/// How a block's symbols are coded: its Huffman tables, which table codes each group of 50
/// symbols, and the bytes the block uses.
pub(super) struct Coding<'a> {
    pub tables: &'a [Table],
    pub selectors: &'a [u8],
    /// The block's bytes in order, for the move-to-front list (`in_use` of them).
    pub seq_to_unseq: &'a [u8; 256],
    pub in_use: usize,
}

/// Which move-to-front list [`decode_symbols`] uses (`bz2_mtf.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ListKind {
    Plain,
    #[cfg(target_arch = "x86_64")]
    Avx2,
}

impl ListKind {
    /// The fastest list this processor runs (checked once per block; the check is cached).
    pub(super) fn best() -> ListKind {
        #[cfg(target_arch = "x86_64")]
        {
            if avx2_available() {
                return ListKind::Avx2;
            }
        }
        ListKind::Plain
    }

    /// Every list this processor runs.
    #[cfg(test)]
    pub(super) fn available() -> Vec<ListKind> {
        let mut kinds = vec![ListKind::Plain];
        #[cfg(target_arch = "x86_64")]
        {
            if avx2_available() {
                kinds.push(ListKind::Avx2);
            }
        }
        kinds
    }
}

/// Decodes a block's symbols into `ll` (the block's bytes as coded, at most `max`), up to the
/// end-of-block symbol; returns how many times each byte occurs. A `list` this processor
/// cannot run (not one [`ListKind::best`] or [`ListKind::available`] returned) falls back to
/// the plain one.
#[allow(unsafe_code)]
pub(super) fn decode_symbols<R: Read>(
    list: ListKind,
    bits: &mut Bits<R>,
    coding: &Coding<'_>,
    max: usize,
    ll: &mut Vec<u8>,
) -> io::Result<[u32; 256]> {
    match list {
        ListKind::Plain => decode_with::<R, PlainList>(bits, coding, max, ll),
        // SAFETY: the processor has AVX2 (checked; the check is cached by the standard
        // library).
        #[cfg(target_arch = "x86_64")]
        ListKind::Avx2 if avx2_available() => unsafe { decode_avx2(bits, coding, max, ll) },
        #[cfg(target_arch = "x86_64")]
        ListKind::Avx2 => decode_with::<R, PlainList>(bits, coding, max, ll),
    }
}

/// [`decode_with`] compiled for AVX2, where [`Avx2List`]'s intrinsics are inlined.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
#[target_feature(enable = "avx2")]
unsafe fn decode_avx2<R: Read>(
    bits: &mut Bits<R>,
    coding: &Coding<'_>,
    max: usize,
    ll: &mut Vec<u8>,
) -> io::Result<[u32; 256]> {
    decode_with::<R, Avx2List>(bits, coding, max, ll)
}

/// [`decode_symbols`] with the move-to-front list `M`.
#[inline(always)]
fn decode_with<R: Read, M: MoveToFront>(
    bits: &mut Bits<R>,
    coding: &Coding<'_>,
    max: usize,
    ll: &mut Vec<u8>,
) -> io::Result<[u32; 256]> {
    ll.clear();
    ll.resize(max, 0);
    let out = &mut ll[..];
    let mut len = 0usize;
    let mut counts = [0u32; 256];
    let Some(mut mtf) = M::new() else { return Err(bad("this processor cannot run the move-to-front list")) };
    let eob = (coding.in_use + 1) as u16;
    let (mut run, mut weight) = (0u32, 1u32);
    let mut left_in_group = 0;
    let mut selector = 0;
    let mut table = &coding.tables[0];
    loop {
        if left_in_group == 0 {
            let Some(&s) = coding.selectors.get(selector) else { return Err(bad("too few selectors")) };
            let Some(t) = coding.tables.get(usize::from(s)) else { return Err(bad("bad selector")) };
            table = t;
            selector += 1;
            left_in_group = 50;
        }
        left_in_group -= 1;
        let sym = table.decode(bits)?;
        if sym <= 1 {
            if weight >= 2 * 1024 * 1024 {
                return Err(bad("run too long"));
            }
            run += weight << sym;
            weight <<= 1;
            continue;
        }
        if run > 0 {
            let byte = coding.seq_to_unseq[usize::from(mtf.front())];
            let end = len + run as usize;
            if end > max {
                return Err(bad("block longer than its header allows"));
            }
            counts[usize::from(byte)] += run;
            out[len..end].fill(byte);
            len = end;
            (run, weight) = (0, 1);
        }
        if sym == eob {
            break;
        }
        if sym > eob {
            return Err(bad("bad symbol"));
        }
        // `sym` is at most `in_use` (256) here: its index fits a byte.
        let v = mtf.take((sym - 1) as u8);
        let byte = coding.seq_to_unseq[usize::from(v)];
        if len >= max {
            return Err(bad("block longer than its header allows"));
        }
        counts[usize::from(byte)] += 1;
        out[len] = byte;
        len += 1;
    }
    ll.truncate(len);
    Ok(counts)
}
