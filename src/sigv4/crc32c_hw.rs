//! The x86-64 SSE4.2 `crc32` instruction for CRC32C: three independent streams over a block,
//! joined with [`super::crc32c::shift`], so the instruction's 3-cycle latency is hidden (about
//! 8x the table). Used only when the CPU has the feature (checked at run time); the table in
//! `crc32c.rs` is the fallback.
//!
//! The one other module allowed `unsafe`: the intrinsics are `unsafe fn`s because they need the
//! feature, which [`available`] checks before any of them is called.

/// Whether the fast path can be used on this CPU.
#[cfg(target_arch = "x86_64")]
pub(super) fn available() -> bool {
    use std::sync::atomic::{AtomicU8, Ordering};
    static STATE: AtomicU8 = AtomicU8::new(0);
    match STATE.load(Ordering::Relaxed) {
        1 => true,
        2 => false,
        _ => {
            let yes = std::arch::is_x86_feature_detected!("sse4.2");
            STATE.store(if yes { 1 } else { 2 }, Ordering::Relaxed);
            yes
        }
    }
}

/// No fast path off x86-64.
#[cfg(not(target_arch = "x86_64"))]
pub(super) fn available() -> bool {
    false
}

/// Bytes per stream in one interleaved block.
#[cfg(target_arch = "x86_64")]
pub(super) const STRIDE: usize = 8 * 1024;

/// Updates the raw (pre-inverted) register `crc` with `data`. Callers check [`available`].
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
pub(super) fn update(crc: u32, data: &[u8]) -> u32 {
    debug_assert!(available());
    // SAFETY: `available()` returned true, so the CPU supports SSE4.2 (callers check it).
    unsafe { update_sse42(crc, data) }
}

#[cfg(not(target_arch = "x86_64"))]
pub(super) fn update(crc: u32, _data: &[u8]) -> u32 {
    crc
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
#[target_feature(enable = "sse4.2")]
unsafe fn update_sse42(mut crc: u32, data: &[u8]) -> u32 {
    use std::arch::x86_64::{_mm_crc32_u64, _mm_crc32_u8};
    // One 8-byte load per word (`chunks_exact` lets the compiler drop the bounds checks).
    let word = |b: &[u8]| u64::from_le_bytes(b.try_into().unwrap_or([0; 8]));
    let mut rest = data;
    // Three streams of STRIDE bytes each, run side by side.
    while rest.len() >= 3 * STRIDE {
        let (a, tail) = rest.split_at(STRIDE);
        let (b, tail) = tail.split_at(STRIDE);
        let (c, tail) = tail.split_at(STRIDE);
        let (mut ca, mut cb, mut cc) = (u64::from(crc), 0u64, 0u64);
        for ((x, y), z) in a.chunks_exact(8).zip(b.chunks_exact(8)).zip(c.chunks_exact(8)) {
            ca = _mm_crc32_u64(ca, word(x));
            cb = _mm_crc32_u64(cb, word(y));
            cc = _mm_crc32_u64(cc, word(z));
        }
        // crc(a‖b‖c) = shift(shift(ca, |b|) ^ cb, |c|) ^ cc, on raw registers.
        let ab = super::crc32c::shift(ca as u32, STRIDE as u64) ^ cb as u32;
        crc = super::crc32c::shift(ab, STRIDE as u64) ^ cc as u32;
        rest = tail;
    }
    let mut c64 = u64::from(crc);
    let mut words = rest.chunks_exact(8);
    for w in &mut words {
        c64 = _mm_crc32_u64(c64, word(w));
    }
    let mut c = c64 as u32;
    for &b in words.remainder() {
        c = _mm_crc32_u8(c, b);
    }
    c
}
