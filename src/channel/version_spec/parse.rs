//! The version spec grammar, a recursive descent over rattler's nom grammar
//! (`version_spec_or_group`, `version_spec_and_group`, `version_spec_term`,
//! `logical_constraint_parser`), lenient mode:
//!
//! ```text
//! or    := and (ws* '|' ws* and)*
//! and   := term (ws* ',' ws* term)*
//! term  := '(' ws* or ws* ')' | '*' ['.*'] | constraint
//! constraint := [op] version-chars       op ∈ == != <= >= < > = ~=
//! ```
//! Every input must be consumed. In rattler's grammar no alternative that fails after a
//! separator can be rescued by another one (nothing else consumes `,`, `|` or `)`), so any
//! failure here is a failure of the whole spec, as in rattler.

use super::{RangeOp, VersionSpec, VersionSpecErrorKind as Kind};
use crate::channel::version::Version;

/// Deepest parenthesis nesting accepted (the parser recurses once per level).
const MAX_DEPTH: usize = 64;

type Res<T> = Result<T, Kind>;

pub(super) fn parse(input: &str) -> Res<VersionSpec> {
    let mut p = P { s: input, pos: 0 };
    let spec = p.or_group(0)?;
    if p.pos != input.len() {
        return Err(Kind::UnexpectedCharacters);
    }
    Ok(spec)
}

struct P<'a> {
    s: &'a str,
    pos: usize,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

impl P<'_> {
    fn rest(&self) -> &str {
        &self.s[self.pos..]
    }

    fn skip_ws(&mut self) {
        while self.s.as_bytes().get(self.pos).copied().is_some_and(is_ws) {
            self.pos += 1;
        }
    }

    /// Consumes `ws* sep ws*` if present.
    fn separator(&mut self, sep: u8) -> bool {
        let save = self.pos;
        self.skip_ws();
        if self.s.as_bytes().get(self.pos) == Some(&sep) {
            self.pos += 1;
            self.skip_ws();
            true
        } else {
            self.pos = save;
            false
        }
    }

    fn or_group(&mut self, depth: usize) -> Res<VersionSpec> {
        let mut items = vec![self.and_group(depth)?];
        while self.separator(b'|') {
            items.push(self.and_group(depth)?);
        }
        Ok(flatten(items, false))
    }

    fn and_group(&mut self, depth: usize) -> Res<VersionSpec> {
        let mut items = vec![self.term(depth)?];
        while self.separator(b',') {
            items.push(self.term(depth)?);
        }
        Ok(flatten(items, true))
    }

    fn term(&mut self, depth: usize) -> Res<VersionSpec> {
        let rest = self.rest();
        if rest.starts_with('(') {
            if depth >= MAX_DEPTH {
                return Err(Kind::TooDeep);
            }
            self.pos += 1;
            self.skip_ws();
            let inner = self.or_group(depth + 1)?;
            self.skip_ws();
            if !self.rest().starts_with(')') {
                return Err(Kind::UnexpectedCharacters);
            }
            self.pos += 1;
            return Ok(inner);
        }
        if let Some(after) = rest.strip_prefix('*') {
            self.pos += if after.starts_with(".*") { 3 } else { 1 };
            return Ok(VersionSpec::Any);
        }
        self.constraint()
    }

    fn constraint(&mut self) -> Res<VersionSpec> {
        let s = self.s;
        let rest = &s[self.pos..];
        // rattler's regex parser runs first: `^...` or a `$` anywhere fails the spec.
        if rest.starts_with('^') || rest.contains('$') {
            return Err(Kind::RegexNotSupported);
        }
        let op_len = rest.bytes().take_while(|b| matches!(b, b'=' | b'!' | b'<' | b'>' | b'~')).count();
        let op = &rest[..op_len];
        let op = match op {
            "" => None,
            "==" | "!=" | "<=" | ">=" | "<" | ">" | "=" | "~=" => Some(op),
            _ => return Err(Kind::InvalidOperator(op.to_owned())),
        };
        let after_op = &rest[op_len..];
        let ver_len: usize = after_op
            .chars()
            .take_while(|&c| c.is_alphanumeric() || matches!(c, '!' | '-' | '_' | '.' | '*' | '+'))
            .map(char::len_utf8)
            .sum();
        if ver_len == 0 {
            return Err(Kind::ExpectedVersion);
        }
        let version_str = &after_op[..ver_len];
        self.pos += op_len + ver_len;

        if version_str == "*" {
            return match op {
                None | Some(">=" | "<=" | "~=" | "=" | "==") => Ok(VersionSpec::Any),
                Some(op) => Err(Kind::GlobWithOperator(op.to_owned())),
            };
        }

        let (version, used) = Version::parse_prefix(version_str).map_err(|e| Kind::InvalidVersion(e.kind()))?;
        let remainder = &version_str[used..];

        // rattler's table, in its order (lenient mode).
        let spec = match (remainder, op) {
            ("", Some(op)) => plain(op, version),
            ("", None) => VersionSpec::Exact(version),
            (r, Some(">=" | ">")) if is_star_or_star_dot_star(r) => VersionSpec::Range(RangeOp::GreaterEquals, version),
            ("*" | ".*", Some("!=")) => VersionSpec::NotStartsWith(version),
            (r, Some(op)) if is_star_or_star_dot_star(r) => plain(op, version),
            ("*" | ".*", None) => VersionSpec::StartsWith(version),
            (r, None) if looks_like_infinite_starts_with(r) => VersionSpec::StartsWith(version),
            _ if version_str.contains('*') => return Err(Kind::InvalidGlob),
            _ => return Err(Kind::InvalidVersion(crate::channel::version::VersionErrorKind::UnexpectedCharacters)),
        };
        Ok(spec)
    }
}

/// The spec of an operator applied to a version without a glob.
fn plain(op: &str, version: Version) -> VersionSpec {
    match op {
        "==" => VersionSpec::Exact(version),
        "!=" => VersionSpec::NotExact(version),
        "<=" => VersionSpec::Range(RangeOp::LessEquals, version),
        ">=" => VersionSpec::Range(RangeOp::GreaterEquals, version),
        "<" => VersionSpec::Range(RangeOp::Less, version),
        ">" => VersionSpec::Range(RangeOp::Greater, version),
        "~=" => VersionSpec::Compatible(version),
        _ => VersionSpec::StartsWith(version),
    }
}

/// One element stays itself; nested groups of the same kind are merged.
fn flatten(items: Vec<VersionSpec>, and: bool) -> VersionSpec {
    if items.len() == 1 {
        return items.into_iter().next().unwrap_or(VersionSpec::Any);
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match item {
            VersionSpec::And(inner) if and => out.extend(inner),
            VersionSpec::Or(inner) if !and => out.extend(inner),
            other => out.push(other),
        }
    }
    if and {
        VersionSpec::And(out)
    } else {
        VersionSpec::Or(out)
    }
}

/// `*`, or one or more `.*` (rattler's `is_star_or_star_dot_star`).
fn is_star_or_star_dot_star(mut input: &str) -> bool {
    if input == "*" {
        return true;
    }
    while let Some(rest) = input.strip_suffix(".*") {
        input = rest;
    }
    input.is_empty()
}

/// `.*.*` (optionally ending in `.`), the `mkl 2023.*.*` form.
fn looks_like_infinite_starts_with(input: &str) -> bool {
    let mut input = input.strip_suffix('.').unwrap_or(input);
    while !input.is_empty() {
        match input.strip_suffix(".*") {
            Some("") => return true,
            Some(rest) => input = rest,
            None => return false,
        }
    }
    false
}
