//! Conda versions (CEP 33), parsed and ordered exactly as rattler's `rattler_conda_version`
//! does, checked differentially against py-rattler in `tests/conda_versions.rs`.
//!
//! A version is `[EPOCH!]SEGMENT(SEP SEGMENT)*[+LOCAL]` where a segment is a run of
//! components (numbers and ASCII letter runs, `1a2` is three components) and `SEP` is `.`,
//! `-` or `_` (`-` and `_` never both). Ordering:
//! - epoch first (none is 0), then the segments, then the local part;
//! - segments pairwise; a missing segment or component counts as `0`, so `1.0 == 1.0.0`;
//! - a segment that starts with letters gets an implicit leading `0` (`1.a1 == 1.0a1`);
//! - numbers are greater than strings; `dev` is less than everything, `post` greater than
//!   everything; other strings compare lowercase, byte by byte (`a < alpha < b < beta < rc`),
//!   and a trailing `-`/`_` component is less than any string;
//! - so `1.0dev1 < 1.0a1 < 1.0b1 < 1.0rc1 < 1.0 < 1.0post1`; openssl-style `1.1.1a < 1.1.1b`,
//!   and (a string being less than the implicit 0) `1.1.1a < 1.1.1`, as rattler and conda say.
//!
//! Equality is the ordering's: [`Version`]'s `==` agrees with [`Ord`] (py-rattler's `==`);
//! the `==` of a version spec, like rattler's, also tells `1.0-` from `1.0_`
//! ([`Version::exactly_equals`]). Display gives the string the version was parsed from.

mod parse;

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

/// One version component. Letter runs point into the version's source string.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Component {
    Num(u64),
    Post,
    Dev,
    Iden {
        start: u32,
        len: u32,
    },
    /// A trailing `-` or `_`.
    Sep {
        dash: bool,
    },
}

const ZERO: Component = Component::Num(0);

/// A parsed conda version. Cheap to compare; holds its source string for display.
#[derive(Clone)]
pub struct Version {
    source: Box<str>,
    epoch: Option<u64>,
    components: Vec<Component>,
    /// Component count per segment, the common part then the local part.
    segments: Vec<u16>,
    /// Index of the first local segment (`segments.len()` when there is none).
    local_start: usize,
}

/// Why a version string is not a conda version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VersionErrorKind {
    /// The string is empty.
    Empty,
    /// More than 4 GiB of input.
    TooLong,
    /// The epoch before `!` does not fit in 64 bits.
    EpochNotANumber,
    /// A number does not fit in 64 bits.
    InvalidNumber,
    /// A separator is not followed by a component (e.g. `1..2`).
    ExpectedComponent,
    /// Both `-` and `_` separate segments.
    MixedDashesAndUnderscores,
    /// More than 127 segments before a `+local` part.
    TooManySegments,
    /// More than 8191 components in one segment.
    TooManyComponentsInASegment,
    /// Characters are left after the version (e.g. `1.2$`, `1.*`).
    UnexpectedCharacters,
}

impl fmt::Display for VersionErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "empty string",
            Self::TooLong => "longer than 4 GiB",
            Self::EpochNotANumber => "the epoch before '!' is not a 64-bit number",
            Self::InvalidNumber => "a number does not fit in 64 bits",
            Self::ExpectedComponent => "expected a version component such as '2' or 'rc'",
            Self::MixedDashesAndUnderscores => "cannot use both '-' and '_' as version segment separators",
            Self::TooManySegments => "more than 127 segments before the local version",
            Self::TooManyComponentsInASegment => "more than 8191 components in one segment",
            Self::UnexpectedCharacters => {
                "unexpected characters: a version holds digits, letters, '.', '-', '_', '!' and '+'"
            }
        })
    }
}

/// A string that is not a valid conda version, with the input and the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionError {
    input: String,
    kind: VersionErrorKind,
}

impl VersionError {
    pub(crate) fn new(input: &str, kind: VersionErrorKind) -> Self {
        Self { input: input.to_owned(), kind }
    }

    /// The rejected input.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// Why it was rejected.
    pub fn kind(&self) -> VersionErrorKind {
        self.kind
    }
}

impl fmt::Display for VersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid conda version '{}': {}", crate::channel::shorten(&self.input), self.kind)
    }
}

impl std::error::Error for VersionError {}

impl Version {
    /// Parses a conda version (the same as `str::parse`).
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        let (v, consumed) = Self::parse_prefix(input)?;
        if consumed != input.len() {
            return Err(VersionError::new(input, VersionErrorKind::UnexpectedCharacters));
        }
        Ok(v)
    }

    /// Parses the longest version at the start of `input`; returns it and the bytes used.
    pub(crate) fn parse_prefix(input: &str) -> Result<(Self, usize), VersionError> {
        let p = parse::parse_prefix(input).map_err(|k| VersionError::new(input, k))?;
        let v = Version {
            source: input[..p.consumed].into(),
            epoch: p.epoch,
            components: p.components,
            segments: p.segments,
            local_start: p.local_start,
        };
        Ok((v, p.consumed))
    }

    /// The string the version was parsed from.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The epoch (`0` without one).
    pub fn epoch(&self) -> u64 {
        self.epoch.unwrap_or(0)
    }

    /// Whether the version has a `+local` part.
    pub fn has_local(&self) -> bool {
        self.local_start < self.segments.len()
    }

    /// Number of segments before any local part.
    pub fn segment_count(&self) -> usize {
        self.local_start
    }

    fn text(&self, start: u32, len: u32) -> &[u8] {
        let (s, l) = (start as usize, len as usize);
        self.source.as_bytes().get(s..s + l).unwrap_or(&[])
    }

    /// The component slices of the common part (`local == false`) or the local part.
    fn segs(&self, local: bool) -> Segs<'_> {
        let (lens, offset) = if local {
            let offset = self.segments[..self.local_start].iter().map(|&n| usize::from(n)).sum();
            (&self.segments[self.local_start..], offset)
        } else {
            (&self.segments[..self.local_start], 0)
        };
        Segs { components: &self.components, lens: lens.iter(), offset }
    }

    /// Rattler's component ordering.
    fn cmp_component(&self, a: &Component, other: &Version, b: &Component) -> Ordering {
        use Component::*;
        match (a, b) {
            (Num(_), Iden { .. } | Sep { .. }) => Ordering::Greater,
            (Iden { .. } | Sep { .. }, Num(_)) => Ordering::Less,
            (Num(x), Num(y)) => x.cmp(y),
            (Iden { start, len }, Iden { start: s2, len: l2 }) => {
                let (x, y) = (self.text(*start, *len), other.text(*s2, *l2));
                x.iter().map(u8::to_ascii_lowercase).cmp(y.iter().map(u8::to_ascii_lowercase))
            }
            (Post, Post) | (Dev, Dev) | (Sep { .. }, Sep { .. }) => Ordering::Equal,
            (Sep { .. }, Iden { .. }) => Ordering::Less,
            (Iden { .. }, Sep { .. }) => Ordering::Greater,
            (Post, _) => Ordering::Greater,
            (_, Post) => Ordering::Less,
            (Dev, _) => Ordering::Less,
            (_, Dev) => Ordering::Greater,
        }
    }

    /// Rattler's derived component equality: like the ordering, but `-` differs from `_`.
    fn same_component(&self, a: &Component, other: &Version, b: &Component) -> bool {
        match (a, b) {
            (Component::Sep { dash: x }, Component::Sep { dash: y }) => x == y,
            _ => self.cmp_component(a, other, b) == Ordering::Equal,
        }
    }

    fn cmp_part(&self, other: &Version, local: bool) -> Ordering {
        let (mut a, mut b) = (self.segs(local), other.segs(local));
        loop {
            let (x, y) = match (a.next(), b.next()) {
                (None, None) => return Ordering::Equal,
                (x, y) => (x.unwrap_or(&[]), y.unwrap_or(&[])),
            };
            for i in 0..x.len().max(y.len()) {
                let ca = x.get(i).unwrap_or(&ZERO);
                let cb = y.get(i).unwrap_or(&ZERO);
                match self.cmp_component(ca, other, cb) {
                    Ordering::Equal => {}
                    o => return o,
                }
            }
        }
    }

    fn eq_part(&self, other: &Version, local: bool) -> bool {
        let (mut a, mut b) = (self.segs(local), other.segs(local));
        loop {
            let (x, y) = match (a.next(), b.next()) {
                (None, None) => return true,
                (x, y) => (x.unwrap_or(&[]), y.unwrap_or(&[])),
            };
            for i in 0..x.len().max(y.len()) {
                let ca = x.get(i).unwrap_or(&ZERO);
                let cb = y.get(i).unwrap_or(&ZERO);
                if !self.same_component(ca, other, cb) {
                    return false;
                }
            }
        }
    }

    /// Equality as a spec's `==` tests it (rattler's `PartialEq`): the ordering's equality,
    /// except that a trailing `-` and a trailing `_` differ.
    pub fn exactly_equals(&self, other: &Version) -> bool {
        self.epoch() == other.epoch() && self.eq_part(other, false) && self.eq_part(other, true)
    }

    /// Whether this version starts with `prefix` (the `=1.2` / `1.2.*` match): same epoch,
    /// the prefix's segments (missing trailing zeros allowed), its local part likewise.
    pub fn starts_with(&self, prefix: &Version) -> bool {
        self.epoch() == prefix.epoch()
            && self.part_starts_with(prefix, false, 0)
            && self.part_starts_with(prefix, true, 0)
    }

    /// Whether this version is compatible with `limit` (the `~=` match): at least `limit`,
    /// same epoch, and starting with `limit` minus its last segment.
    pub fn compatible_with(&self, limit: &Version) -> bool {
        self >= limit
            && self.epoch() == limit.epoch()
            && self.part_starts_with(limit, false, 1)
            && self.part_starts_with(limit, true, 0)
    }

    /// rattler's `segments_starts_with`, with the prefix's last `drop` segments left out.
    fn part_starts_with(&self, prefix: &Version, local: bool, drop: usize) -> bool {
        let mut a = self.segs(local);
        let b_all = prefix.segs(local);
        let keep = b_all.len().saturating_sub(drop);
        let mut b = b_all.take(keep);
        let mut had_extra_left = false;
        loop {
            match (a.next(), b.next()) {
                (None, None) => return true,
                (Some(_), None) => return true,
                (None, Some(seg)) => {
                    if seg.iter().all(|c| matches!(c, Component::Num(0))) {
                        continue;
                    }
                    return false;
                }
                (Some(left), Some(right)) => {
                    if had_extra_left {
                        return false;
                    }
                    for i in 0..left.len().max(right.len()) {
                        match (left.get(i), right.get(i)) {
                            (Some(x), Some(y)) => {
                                if !self.same_component(x, prefix, y) {
                                    return false;
                                }
                            }
                            (Some(_), None) => {
                                had_extra_left = true;
                                break;
                            }
                            (None, Some(y)) => {
                                if matches!(y, Component::Num(0)) {
                                    continue;
                                }
                                return false;
                            }
                            (None, None) => break,
                        }
                    }
                }
            }
        }
    }
}

/// Iterator over the component slices of one part of a version.
struct Segs<'v> {
    components: &'v [Component],
    lens: std::slice::Iter<'v, u16>,
    offset: usize,
}

impl<'v> Iterator for Segs<'v> {
    type Item = &'v [Component];
    fn next(&mut self) -> Option<Self::Item> {
        let n = usize::from(*self.lens.next()?);
        let start = self.offset;
        self.offset += n;
        Some(self.components.get(start..start + n).unwrap_or(&[]))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.lens.size_hint()
    }
}

impl ExactSizeIterator for Segs<'_> {}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch()
            .cmp(&other.epoch())
            .then_with(|| self.cmp_part(other, false))
            .then_with(|| self.cmp_part(other, true))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Hash for Version {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.epoch().hash(state);
        for local in [false, true] {
            for seg in self.segs(local) {
                // Trailing zeros do not change a version (`1.0 == 1`), nor its hash.
                let end = seg.iter().rposition(|c| !matches!(c, Component::Num(0))).map_or(0, |i| i + 1);
                for c in seg[..end].iter().rev() {
                    match c {
                        Component::Num(n) => (0u8, *n).hash(state),
                        Component::Post => 1u8.hash(state),
                        Component::Dev => 2u8.hash(state),
                        Component::Sep { .. } => 3u8.hash(state),
                        Component::Iden { start, len } => {
                            4u8.hash(state);
                            for b in self.text(*start, *len) {
                                b.to_ascii_lowercase().hash(state);
                            }
                        }
                    }
                }
            }
            0xffu8.hash(state);
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl fmt::Debug for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Version({:?})", &*self.source)
    }
}

impl FromStr for Version {
    type Err = VersionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Version::parse(s)
    }
}

#[cfg(test)]
mod tests;
