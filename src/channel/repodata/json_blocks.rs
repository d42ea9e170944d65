//! The classification of 64 bytes of JSON at once for [`super::scan`]'s skipping of nested
//! values: which bytes are quotes, backslashes and brackets, which are escaped, and which lie
//! inside strings, as one bit per byte (bit `i` is byte `i`), so that a record is skipped by
//! visiting its brackets only, with no branch per string (the byte-at-a-time loop spent about
//! 0.1 s on an 80 MB repodata.json, mostly in mispredicted branches at string boundaries).
//!
//! The one module of the channel layer allowed `unsafe`: on x86-64 the bytes are compared
//! with SSE2 (part of the x86-64 baseline, so no run-time detection is needed), whose
//! unaligned load takes a pointer. Elsewhere a plain loop computes the same masks.

/// The byte classes of one 64-byte block, one bit per byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Classes {
    /// `"`
    pub(super) quote: u64,
    /// `\`
    pub(super) backslash: u64,
    /// `{` and `[`
    pub(super) open: u64,
    /// `}` and `]`
    pub(super) close: u64,
}

/// The classes of `block`'s bytes.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
pub(super) fn classify(block: &[u8; 64]) -> Classes {
    use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8};
    let mut out = Classes { quote: 0, backslash: 0, open: 0, close: 0 };
    for (k, lane) in block.chunks_exact(16).enumerate() {
        // SAFETY: SSE2 is enabled on every x86-64 target; the unaligned load reads the 16
        // bytes of `lane`, which is a 16-byte slice of `block`.
        let (q, b, o, c) = unsafe {
            let v = _mm_loadu_si128(lane.as_ptr().cast());
            // `[`/`{` and `]`/`}` differ only in bit 0x20.
            let folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
            let bits = |x| u64::from(_mm_movemask_epi8(x) as u16);
            (
                bits(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8))),
                bits(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8))),
                bits(_mm_cmpeq_epi8(folded, _mm_set1_epi8(b'{' as i8))),
                bits(_mm_cmpeq_epi8(folded, _mm_set1_epi8(b'}' as i8))),
            )
        };
        let shift = 16 * k as u32;
        out.quote |= q << shift;
        out.backslash |= b << shift;
        out.open |= o << shift;
        out.close |= c << shift;
    }
    out
}

/// The classes of `block`'s bytes.
#[cfg(not(target_arch = "x86_64"))]
pub(super) fn classify(block: &[u8; 64]) -> Classes {
    classify_plain(block)
}

/// [`classify`] a byte at a time.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
pub(super) fn classify_plain(block: &[u8; 64]) -> Classes {
    let mut out = Classes { quote: 0, backslash: 0, open: 0, close: 0 };
    for (i, &b) in block.iter().enumerate() {
        let bit = 1u64 << i;
        match b {
            b'"' => out.quote |= bit,
            b'\\' => out.backslash |= bit,
            b'{' | b'[' => out.open |= bit,
            b'}' | b']' => out.close |= bit,
            _ => {}
        }
    }
    out
}

/// The bytes escaped by a backslash among the first `n` bytes of a block whose backslashes
/// are `backslash`; `carry` says on entry that the block's first byte is escaped (the last
/// byte of the previous block was an escaping backslash), and on return the same of the
/// next block. An escaped backslash escapes nothing.
pub(super) fn escaped(backslash: u64, carry: &mut bool, n: usize) -> u64 {
    let mut out = 0u64;
    let mut from = 0usize;
    if *carry {
        out |= 1;
        from = 1;
    }
    *carry = false;
    while from < n {
        let pending = backslash & (u64::MAX << from);
        if pending == 0 {
            break;
        }
        let at = pending.trailing_zeros() as usize;
        if at + 1 >= n {
            *carry = at < n;
            break;
        }
        out |= 1 << (at + 1);
        from = at + 2;
    }
    out
}

/// Bit `i` set when an odd number of the bits `0..=i` of `x` are set (inside a string, for
/// `x` the unescaped quotes: the opening quote counts as inside, the closing one not).
pub(super) fn prefix_xor(mut x: u64) -> u64 {
    for s in [1, 2, 4, 8, 16, 32] {
        x ^= x << s;
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_of(text: &[u8]) -> [u8; 64] {
        let mut b = [b' '; 64];
        b[..text.len()].copy_from_slice(text);
        b
    }

    #[test]
    fn simd_and_plain_classes_agree_on_every_byte_value_in_every_position() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for round in 0..2000 {
            let mut b = [0u8; 64];
            for (i, x) in b.iter_mut().enumerate() {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                *x = if round < 256 { ((round + i) % 256) as u8 } else { b"\"\\{}[]a "[(seed % 8) as usize] };
            }
            assert_eq!(classify(&b), classify_plain(&b), "round {round}");
        }
    }

    #[test]
    fn escapes_pair_up_and_carry_into_the_next_block() {
        let b = block_of(br#""a\"b\\c\\\"d""#);
        let c = classify_plain(&b);
        let mut carry = false;
        let e = escaped(c.backslash, &mut carry, 64);
        let escaped_at: Vec<u32> = (0..64).filter(|i| e >> i & 1 == 1).collect();
        assert_eq!(escaped_at, [3, 6, 9, 11]);
        assert!(!carry);
        let quotes = c.quote & !e;
        assert_eq!(quotes.count_ones(), 2, "only the outer quotes");
        let inside = prefix_xor(quotes);
        assert_eq!(inside.trailing_zeros(), 0);
        assert_eq!(inside >> 13, 0, "the string closes at byte 13");
        assert_eq!(inside, (1 << 13) - 1);
        // A backslash as the last byte escapes the next block's first byte.
        let mut b = [b'a'; 64];
        b[63] = b'\\';
        let mut carry = false;
        assert_eq!(escaped(classify_plain(&b).backslash, &mut carry, 64), 0);
        assert!(carry);
        assert_eq!(escaped(0, &mut carry, 64), 1);
        assert!(!carry);
        // ... and at the end of a partial block.
        let mut carry = false;
        assert_eq!(escaped(1 << 9, &mut carry, 10), 0);
        assert!(carry);
        let mut carry = false;
        assert_eq!(escaped(1 << 9, &mut carry, 9), 0, "beyond the block's bytes");
        assert!(!carry);
        // An escaped backslash at the start escapes nothing further.
        let mut carry = true;
        assert_eq!(escaped(0b11, &mut carry, 64), 0b101);
    }

    #[test]
    fn prefix_xor_marks_the_inside_of_strings() {
        assert_eq!(prefix_xor(0b1001), 0b0111);
        assert_eq!(prefix_xor(0), 0);
        assert_eq!(prefix_xor(1), u64::MAX);
        assert_eq!(prefix_xor(1 | 1 << 63), u64::MAX >> 1);
    }
}
