//! Where the version part of a match spec ends and the build string begins: rattler's
//! lenient `split_version_and_build`, a recognizer (it checks the shape, the version spec
//! parser checks the meaning):
//!
//! ```text
//! group    := item (ws* [,|] ws* item)*
//! item     := '(' group ')' | '=' version ['.'] ['*'] | '=*' | constraint
//! constraint := '*' ['.*'] | [ws* op ws*] (version [.*]* | '*')
//! version  := [u32 '!'] parts ['+' parts]
//! parts    := part ([.-_]* part)* [-_]*        part := letters | digits | '*'
//! ```
//! then one optional ` ` or `=`, and the rest (trimmed) is the build string. As in rattler's
//! nom grammar, a failure after a committed point (`cut`) fails the whole split, and an
//! item that fails after a separator ends the group there.

/// How a recognizer failed: `Error` lets an alternative be tried, `Failure` does not.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fail {
    Error,
    Failure,
}

type R = Result<usize, Fail>;

/// Splits `input` into the version part and the build string (`None` when empty), or
/// `None` when the version part is not well formed.
pub(super) fn split_version_and_build(input: &str) -> Option<(&str, Option<&str>)> {
    let s = Rec { s: input.as_bytes() };
    let end = s.group(0, 0).ok()?;
    let version = &input[..end];
    let mut rest = end;
    if matches!(s.s.get(rest), Some(b' ' | b'=')) {
        rest += 1;
    }
    let build = input[rest..].trim();
    Some((version.trim(), (!build.is_empty()).then_some(build)))
}

/// Deepest parenthesis nesting accepted.
const MAX_DEPTH: usize = 64;

struct Rec<'a> {
    s: &'a [u8],
}

impl Rec<'_> {
    fn at(&self, p: usize) -> Option<u8> {
        self.s.get(p).copied()
    }

    fn run(&self, p: usize, f: impl Fn(u8) -> bool) -> usize {
        self.s.get(p..).map_or(0, |r| r.iter().take_while(|&&b| f(b)).count())
    }

    fn ws(&self, p: usize) -> usize {
        p + self.run(p, |b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
    }

    fn group(&self, p: usize, depth: usize) -> R {
        let mut q = self.item(p, depth)?;
        loop {
            let r = self.ws(q);
            if !matches!(self.at(r), Some(b',' | b'|')) {
                return Ok(q);
            }
            let r = self.ws(r + 1);
            match self.item(r, depth) {
                Ok(t) => q = t,
                Err(Fail::Error) => return Ok(q),
                Err(Fail::Failure) => return Err(Fail::Failure),
            }
        }
    }

    fn item(&self, p: usize, depth: usize) -> R {
        if self.at(p) == Some(b'(') {
            if depth >= MAX_DEPTH {
                return Err(Fail::Failure);
            }
            match self.group(p + 1, depth + 1) {
                Ok(q) if self.at(q) == Some(b')') => return Ok(q + 1),
                Ok(_) | Err(Fail::Error) => {}
                Err(Fail::Failure) => return Err(Fail::Failure),
            }
        }
        match self.special_equality(p) {
            Ok(q) => Ok(q),
            Err(Fail::Failure) => Err(Fail::Failure),
            Err(Fail::Error) => self.constraint(p),
        }
    }

    /// `=VERSION`, `=VERSION*`, `=VERSION.*`, `=*`.
    fn special_equality(&self, p: usize) -> R {
        if self.at(p) != Some(b'=') {
            return Err(Fail::Error);
        }
        let q = p + 1;
        match self.version(q) {
            Ok(r) => {
                if self.at(r) == Some(b'.') && self.at(r + 1) == Some(b'*') {
                    Ok(r + 2)
                } else if self.at(r) == Some(b'*') {
                    Ok(r + 1)
                } else {
                    Ok(r)
                }
            }
            Err(Fail::Failure) => Err(Fail::Failure),
            Err(Fail::Error) if self.at(q) == Some(b'*') => Ok(q + 1),
            Err(Fail::Error) => Err(Fail::Error),
        }
    }

    fn constraint(&self, p: usize) -> R {
        if self.at(p) == Some(b'*') {
            let q = p + 1;
            return Ok(if self.at(q) == Some(b'.') && self.at(q + 1) == Some(b'*') { q + 2 } else { q });
        }
        let w = self.ws(p);
        let start = match self.operator(w) {
            Some(n) => self.ws(w + n),
            None => p,
        };
        // `cut`: after this point nothing else is tried.
        match self.version(start) {
            Ok(q) => Ok(q + self.run(q, |b| b == b'.' || b == b'*')),
            Err(Fail::Error) if self.at(start) == Some(b'*') => Ok(start + 1),
            Err(_) => Err(Fail::Failure),
        }
    }

    /// The length of the operator at `p`, in rattler's order of alternatives.
    fn operator(&self, p: usize) -> Option<usize> {
        let rest = self.s.get(p..)?;
        ["==", "!=", "=", ">=", ">", "<=", "<", "~="]
            .iter()
            .find(|op| rest.starts_with(op.as_bytes()))
            .map(|op| op.len())
    }

    fn part(&self, p: usize) -> Option<usize> {
        let n = self.run(p, |b| b.is_ascii_alphabetic());
        if n > 0 {
            return Some(p + n);
        }
        let n = self.run(p, |b| b.is_ascii_digit());
        if n > 0 {
            return Some(p + n);
        }
        (self.at(p) == Some(b'*')).then_some(p + 1)
    }

    fn parts(&self, p: usize) -> R {
        let mut q = self.part(p).ok_or(Fail::Error)?;
        loop {
            let after = q + self.run(q, |b| matches!(b, b'.' | b'-' | b'_'));
            match self.part(after) {
                Some(r) => q = r,
                None => break,
            }
        }
        Ok(q + self.run(q, |b| b == b'_' || b == b'-'))
    }

    fn version(&self, p: usize) -> R {
        let mut q = p;
        let d = self.run(p, |b| b.is_ascii_digit());
        if d > 0 && self.at(p + d) == Some(b'!') {
            let fits = std::str::from_utf8(&self.s[p..p + d]).ok().and_then(|t| t.parse::<u32>().ok()).is_some();
            if fits {
                q = p + d + 1;
            }
        }
        let mut q = self.parts(q)?;
        if self.at(q) == Some(b'+') {
            q = self.parts(q + 1).map_err(|_| Fail::Failure)?;
        }
        Ok(q)
    }
}
