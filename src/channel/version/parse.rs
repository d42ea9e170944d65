//! The conda version grammar as rattler's `rattler_conda_version` parses it: an optional
//! `EPOCH!`, segments of numbers and letter runs separated by `.`, `-` or `_` (never both `-`
//! and `_`), trailing `-`/`_` rules, and an optional `+local` part with the same grammar.
//!
//! The parser works on bytes and never allocates apart from the two vectors it fills.

use super::{Component, VersionErrorKind};

/// Most components one segment may hold (rattler stores the count in 13 bits).
const MAX_SEGMENT_COMPONENTS: usize = (1 << 13) - 1;
/// Most segments before a `+local` part (rattler stores the index in 7 bits).
const MAX_LOCAL_INDEX: usize = 127;

/// What one parse produces; the caller wraps it into a [`super::Version`].
pub(super) struct Parsed {
    pub epoch: Option<u64>,
    pub components: Vec<Component>,
    /// Component count of each segment (common part first, then the local part).
    pub segments: Vec<u16>,
    /// Index of the first local segment, or `segments.len()` without a local part.
    pub local_start: usize,
    /// Bytes of the input consumed.
    pub consumed: usize,
}

struct Parser<'a> {
    s: &'a [u8],
    components: Vec<Component>,
    segments: Vec<u16>,
}

/// Parses the longest version at the start of `input` (rattler's `version_parser`): the
/// caller decides what a remainder means (an error for a plain version, a glob in a spec).
pub(super) fn parse_prefix(input: &str) -> Result<Parsed, VersionErrorKind> {
    if input.is_empty() {
        return Err(VersionErrorKind::Empty);
    }
    if input.len() > u32::MAX as usize {
        return Err(VersionErrorKind::TooLong);
    }
    let mut p = Parser { s: input.as_bytes(), components: Vec::with_capacity(4), segments: Vec::with_capacity(4) };

    // Optional epoch: digits followed by `!`.
    let mut pos = 0;
    let mut epoch = None;
    let digits = p.run(0, |b| b.is_ascii_digit());
    if digits > 0 && p.s.get(digits) == Some(&b'!') {
        let value = input[..digits].parse::<u64>().map_err(|_| VersionErrorKind::EpochNotANumber)?;
        epoch = Some(value);
        pos = digits + 1;
    }

    let (mut pos2, sep) = p.version_part(pos, None)?;
    pos = pos2;
    let common = p.segments.len();
    let mut local_start = common;
    if p.s.get(pos) == Some(&b'+') {
        if common > MAX_LOCAL_INDEX {
            return Err(VersionErrorKind::TooManySegments);
        }
        local_start = common;
        (pos2, _) = p.version_part(pos + 1, sep)?;
        pos = pos2;
    }
    Ok(Parsed { epoch, components: p.components, segments: p.segments, local_start, consumed: pos })
}

impl Parser<'_> {
    /// Length of the run of bytes from `pos` satisfying `f`.
    fn run(&self, pos: usize, f: impl Fn(u8) -> bool) -> usize {
        self.s[pos.min(self.s.len())..].iter().take_while(|&&b| f(b)).count()
    }

    /// One component at `pos`: a number or a run of ASCII letters.
    fn component(&self, pos: usize) -> Result<Option<(Component, usize)>, VersionErrorKind> {
        let n = self.run(pos, |b| b.is_ascii_digit());
        if n > 0 {
            let text = &self.s[pos..pos + n];
            let mut value: u64 = 0;
            for &d in text {
                value = value
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(u64::from(d - b'0')))
                    .ok_or(VersionErrorKind::InvalidNumber)?;
            }
            return Ok(Some((Component::Num(value), pos + n)));
        }
        let n = self.run(pos, |b| b.is_ascii_alphabetic());
        if n > 0 {
            let text = &self.s[pos..pos + n];
            let c = if text.eq_ignore_ascii_case(b"post") {
                Component::Post
            } else if text.eq_ignore_ascii_case(b"dev") {
                Component::Dev
            } else {
                // Bounded by the u32 length check in `parse_prefix`.
                Component::Iden { start: pos as u32, len: n as u32 }
            };
            return Ok(Some((c, pos + n)));
        }
        Ok(None)
    }

    /// One segment at `pos`; `None` when no component starts there.
    fn segment(&mut self, pos: usize) -> Result<Option<usize>, VersionErrorKind> {
        let Some((first, mut pos)) = self.component(pos)? else {
            return Ok(None);
        };
        let start = self.components.len();
        // A segment always starts with a number: a leading string gets an implicit 0.
        if !matches!(first, Component::Num(_)) {
            self.components.push(Component::Num(0));
        }
        self.components.push(first);
        let mut real = 1usize;
        while let Some((c, next)) = self.component(pos)? {
            self.components.push(c);
            real += 1;
            pos = next;
        }
        if real > MAX_SEGMENT_COMPONENTS {
            return Err(VersionErrorKind::TooManyComponentsInASegment);
        }
        self.segments.push((self.components.len() - start) as u16);
        Ok(Some(pos))
    }

    /// Appends a `-`/`_` component to the last segment.
    fn extend_last_segment(&mut self, dash: bool) -> Result<(), VersionErrorKind> {
        self.components.push(Component::Sep { dash });
        let last = self.segments.last_mut().ok_or(VersionErrorKind::Empty)?;
        // The real count is at most the stored count; keep rattler's limit on it.
        if usize::from(*last) > MAX_SEGMENT_COMPONENTS {
            return Err(VersionErrorKind::TooManyComponentsInASegment);
        }
        *last += 1;
        Ok(())
    }

    /// Segments separated by `.`, `-` or `_`, with rattler's trailing `-`/`_` handling.
    /// Returns the position after the part and the `-`/`_` style seen so far.
    fn version_part(&mut self, pos: usize, mut style: Option<u8>) -> Result<(usize, Option<u8>), VersionErrorKind> {
        let Some(mut pos) = self.segment(pos)? else {
            return Err(VersionErrorKind::ExpectedComponent);
        };
        loop {
            let sep = match self.s.get(pos) {
                Some(&b @ (b'.' | b'-' | b'_')) => b,
                _ => return Ok((pos, style)),
            };
            match (style, sep) {
                (None, b'-' | b'_') => style = Some(sep),
                (Some(b'-'), b'_') | (Some(b'_'), b'-') => return Err(VersionErrorKind::MixedDashesAndUnderscores),
                _ => {}
            }
            let after = pos + 1;
            match self.segment(after)? {
                Some(next) => pos = next,
                None => {
                    // No segment after the separator: maybe a trailing `-`/`_`.
                    match self.s.get(after) {
                        Some(&t @ (b'-' | b'_')) => {
                            match (style, t) {
                                (Some(b'-'), b'_') | (Some(b'_'), b'-') => {
                                    return Err(VersionErrorKind::MixedDashesAndUnderscores)
                                }
                                (None, _) => style = Some(t),
                                _ => {}
                            }
                            // A segment of its own: implicit 0 and the `-`/`_`.
                            self.components.push(Component::Num(0));
                            self.components.push(Component::Sep { dash: t == b'-' });
                            self.segments.push(2);
                            return Ok((after + 1, style));
                        }
                        _ if sep == b'-' || sep == b'_' => {
                            self.extend_last_segment(sep == b'-')?;
                            return Ok((after, style));
                        }
                        _ => return Ok((pos, style)),
                    }
                }
            }
        }
    }
}
