//! bzip2's move-to-front list, the half of a block's entropy stage that is not Huffman
//! decoding: each symbol names an index `i` into a list of the block's 256 bytes, and the byte
//! there moves to the front, the `i` bytes before it one place back.
//!
//! On incompressible data the indexes are spread evenly, so a step moves 128 bytes on
//! average. [`PlainList`] does it with `copy_within` (a `memmove`), which on such data costs
//! more than its size says: each move loads bytes that the previous one stored one place off,
//! which the processor cannot forward from its store buffer, and the size varies from step to
//! step, so the copy's branches are mispredicted. On x86-64 with AVX2 ([`Avx2List`], every
//! x86-64 server processor since 2013-2015) the whole list is shifted at once, without a
//! branch: each of its eight 32-byte words gets its bytes moved one place back (the first
//! taking the last byte of the word before it), and a per-byte mask keeps the shifted bytes
//! only at the positions up to `i`. Each word is loaded and stored whole at the same aligned
//! address, so stores always forward. On 1 MB `.tar.bz2` packages of incompressible data
//! that halves the time to read `info/` (`cargo bench --features channel --bench package`:
//! 12.4-13.7 ms a package with `copy_within`, 6.0-6.6 ms with AVX2; an AVX-512 VBMI list of
//! four 64-byte words, one masked two-source permute each, gave 5.5-5.8 ms, too little more
//! for a third copy of the decoding loop and a newer Rust).
//!
//! The decoder picks the AVX2 list once per block when the processor has it. This is the
//! module of the package reader allowed `unsafe` (with the AVX2 entry point in
//! `bz2_entropy.rs`): the vector loads and stores take pointers, and the vector code is
//! compiled for a feature that only a run-time check proves the processor has.

/// A move-to-front list of 256 bytes, starting as `0, 1, ..., 255`.
pub(super) trait MoveToFront: Sized {
    /// The list; `None` where this processor cannot run it (so that a list that exists may
    /// be used by any code).
    fn new() -> Option<Self>;
    /// The byte at the front.
    fn front(&self) -> u8;
    /// The byte at index `i` (0..=255), moved to the front.
    fn take(&mut self, i: u8) -> u8;
}

/// The list as an array moved with `copy_within`: any processor.
pub(super) struct PlainList([u8; 256]);

impl MoveToFront for PlainList {
    fn new() -> Option<Self> {
        Some(PlainList(POSITIONS.0))
    }

    #[inline(always)]
    fn front(&self) -> u8 {
        self.0[0]
    }

    #[inline(always)]
    fn take(&mut self, i: u8) -> u8 {
        let i = usize::from(i);
        let v = self.0[i];
        self.0.copy_within(0..i, 1);
        self.0[0] = v;
        v
    }
}

/// 256 bytes aligned for whole-word vector loads and stores.
#[repr(C, align(64))]
#[derive(Clone, Copy)]
struct Aligned([u8; 256]);

/// Each byte's own position, 0..=255: the lists' start, and compared with `i` for the mask
/// of positions up to it.
static POSITIONS: Aligned = Aligned({
    let mut p = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        p[i] = i as u8;
        i += 1;
    }
    p
});

/// Whether [`Avx2List`] may be used on this processor.
#[cfg(target_arch = "x86_64")]
pub(super) fn avx2_available() -> bool {
    std::arch::is_x86_feature_detected!("avx2")
}

/// The list as eight 32-byte AVX2 words; one exists only on a processor with AVX2 (see
/// [`MoveToFront::new`]). Fast where `take` is inlined into code compiled with `avx2`
/// enabled (elsewhere each intrinsic is a call).
#[cfg(target_arch = "x86_64")]
pub(super) struct Avx2List(Aligned);

#[cfg(target_arch = "x86_64")]
impl MoveToFront for Avx2List {
    fn new() -> Option<Self> {
        avx2_available().then_some(Avx2List(POSITIONS))
    }

    #[inline(always)]
    fn front(&self) -> u8 {
        self.0 .0[0]
    }

    #[inline(always)]
    #[allow(unsafe_code)]
    fn take(&mut self, i: u8) -> u8 {
        use std::arch::x86_64::{
            __m256i, _mm256_alignr_epi8, _mm256_blendv_epi8, _mm256_cmpeq_epi8, _mm256_load_si256, _mm256_max_epu8,
            _mm256_permute2x128_si256, _mm256_set1_epi8, _mm256_store_si256,
        };
        let v = self.0 .0[usize::from(i)];
        let list = self.0 .0.as_mut_ptr().cast::<__m256i>();
        let positions = POSITIONS.0.as_ptr().cast::<__m256i>();
        // SAFETY: the pointers address the 256 bytes of `Aligned` values (64-byte aligned), as
        // eight whole 32-byte words; the intrinsics need AVX2, which the processor has: an
        // `Avx2List` is made only after `avx2_available` said so.
        unsafe {
            let at = _mm256_set1_epi8(i as i8);
            let mut prev = _mm256_set1_epi8(v as i8);
            for k in 0..8 {
                let cur = _mm256_load_si256(list.add(k));
                // [the previous word's last byte, this word's bytes 0..30]
                let low_from_prev = _mm256_permute2x128_si256::<0x03>(cur, prev);
                let shifted = _mm256_alignr_epi8::<15>(cur, low_from_prev);
                let pos = _mm256_load_si256(positions.add(k));
                let up_to_i = _mm256_cmpeq_epi8(_mm256_max_epu8(pos, at), at);
                _mm256_store_si256(list.add(k), _mm256_blendv_epi8(cur, shifted, up_to_i));
                prev = cur;
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Takes a pseudo-random sequence of indexes (spread, small, and the ends) from `M` and
    /// from the plain list; returns how many steps agreed (all of them, or the test fails).
    fn same_as_plain<M: MoveToFront>() -> usize {
        let (Some(mut a), Some(mut b)) = (PlainList::new(), M::new()) else { panic!("the list cannot run here") };
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut steps = 0;
        for n in 0..200_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let i = match n % 5 {
                0 => 255,
                1 => (x % 8) as u8,
                2 => (n / 5 % 256) as u8,
                _ => x as u8,
            };
            assert_eq!(a.take(i), b.take(i), "step {n}, index {i}");
            assert_eq!(a.front(), b.front());
            steps += 1;
        }
        // The whole lists agree at the end: reading every position (255 each time, which
        // walks the list back to front) gives the same bytes.
        for _ in 0..256 {
            assert_eq!(a.take(255), b.take(255));
        }
        steps
    }

    #[test]
    fn the_plain_list_moves_a_byte_to_the_front() {
        let Some(mut l) = PlainList::new() else { unreachable!() };
        assert_eq!(l.take(3), 3);
        assert_eq!(&l.0[..5], &[3, 0, 1, 2, 4]);
        assert_eq!(l.take(0), 3);
        assert_eq!(l.take(255), 255);
        assert_eq!(&l.0[..5], &[255, 3, 0, 1, 2]);
        assert_eq!(l.0[255], 254);
    }

    #[cfg(target_arch = "x86_64")]
    #[allow(unsafe_code)]
    #[target_feature(enable = "avx2")]
    unsafe fn avx2_steps() -> usize {
        same_as_plain::<Avx2List>()
    }

    /// The AVX2 list gives the plain list's bytes at every step. A processor without AVX2
    /// cannot run it, and the decoder never picks it there; the test says whether it ran.
    #[cfg(target_arch = "x86_64")]
    #[test]
    #[allow(unsafe_code)]
    fn the_avx2_list_equals_the_plain_one() {
        if avx2_available() {
            // SAFETY: the processor has AVX2 (checked).
            assert_eq!(unsafe { avx2_steps() }, 200_000);
            eprintln!("AVX2 list: checked");
        } else {
            eprintln!("AVX2 list: this processor has no AVX2, not run");
        }
    }
}
