//! Shell-style globs as the `glob` crate's `Pattern` (which rattler uses for name and
//! build matchers) compiles and matches them: `*` (any run, `/` included), `?` (one
//! character), `[abc]`, `[a-z]`, `[!a-z]`, and `**` only as a whole path component.
//! Pattern errors are the crate's: three or more `*` in a row, `**` next to anything but
//! `/`, and a `[` without a closing `]`.

/// One compiled glob token.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Char(char),
    AnyChar,
    AnySequence,
    AnyRecursiveSequence,
    AnyWithin(Vec<Spec>),
    AnyExcept(Vec<Spec>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Spec {
    Single(char),
    Range(char, char),
}

/// A compiled glob pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Glob {
    source: String,
    tokens: Vec<Token>,
}

/// The glob is malformed (as `glob::Pattern::new` would say).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct GlobError;

enum Outcome {
    Match,
    SubPatternDoesntMatch,
    EntirePatternDoesntMatch,
}

impl Glob {
    /// Compiles `pattern`.
    pub(crate) fn new(pattern: &str) -> Result<Self, GlobError> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut tokens = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '?' => {
                    tokens.push(Token::AnyChar);
                    i += 1;
                }
                '*' => {
                    let old = i;
                    while i < chars.len() && chars[i] == '*' {
                        i += 1;
                    }
                    match i - old {
                        1 => tokens.push(Token::AnySequence),
                        2 => {
                            let starts_ok = old == 0 || chars[old - 1] == '/';
                            if !starts_ok {
                                return Err(GlobError);
                            }
                            if i < chars.len() && chars[i] == '/' {
                                i += 1;
                            } else if i != chars.len() {
                                return Err(GlobError);
                            }
                            let n = tokens.len();
                            if !(n > 1 && tokens[n - 1] == Token::AnyRecursiveSequence) {
                                tokens.push(Token::AnyRecursiveSequence);
                            }
                        }
                        _ => return Err(GlobError),
                    }
                }
                '[' => {
                    if i + 4 <= chars.len() && chars[i + 1] == '!' {
                        if let Some(j) = chars[i + 3..].iter().position(|&c| c == ']') {
                            tokens.push(Token::AnyExcept(specs(&chars[i + 2..i + 3 + j])));
                            i += j + 4;
                            continue;
                        }
                    } else if i + 3 <= chars.len() && chars[i + 1] != '!' {
                        if let Some(j) = chars[i + 2..].iter().position(|&c| c == ']') {
                            tokens.push(Token::AnyWithin(specs(&chars[i + 1..i + 2 + j])));
                            i += j + 3;
                            continue;
                        }
                    }
                    return Err(GlobError);
                }
                c => {
                    tokens.push(Token::Char(c));
                    i += 1;
                }
            }
        }
        Ok(Glob { source: pattern.to_owned(), tokens })
    }

    /// The pattern as written.
    pub(crate) fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether `text` matches; ASCII letters compare case-insensitively when asked.
    pub(crate) fn matches(&self, text: &str, case_sensitive: bool) -> bool {
        let chars: Vec<char> = text.chars().collect();
        matches!(self.match_from(true, &chars, 0, case_sensitive), Outcome::Match)
    }

    fn match_from(&self, mut follows_separator: bool, mut file: &[char], i: usize, case_sensitive: bool) -> Outcome {
        for (ti, token) in self.tokens[i..].iter().enumerate() {
            match token {
                Token::AnySequence | Token::AnyRecursiveSequence => {
                    match self.match_from(follows_separator, file, i + ti + 1, case_sensitive) {
                        Outcome::SubPatternDoesntMatch => {}
                        m => return m,
                    }
                    while let Some((&c, rest)) = file.split_first() {
                        file = rest;
                        follows_separator = c == '/';
                        if *token == Token::AnyRecursiveSequence && !follows_separator {
                            continue;
                        }
                        match self.match_from(follows_separator, file, i + ti + 1, case_sensitive) {
                            Outcome::SubPatternDoesntMatch => {}
                            m => return m,
                        }
                    }
                }
                _ => {
                    let Some((&c, rest)) = file.split_first() else {
                        return Outcome::EntirePatternDoesntMatch;
                    };
                    file = rest;
                    let ok = match token {
                        Token::AnyChar => true,
                        Token::AnyWithin(s) => in_specs(s, c, case_sensitive),
                        Token::AnyExcept(s) => !in_specs(s, c, case_sensitive),
                        Token::Char(p) => chars_eq(c, *p, case_sensitive),
                        Token::AnySequence | Token::AnyRecursiveSequence => false,
                    };
                    if !ok {
                        return Outcome::SubPatternDoesntMatch;
                    }
                    follows_separator = c == '/';
                }
            }
        }
        if file.is_empty() {
            Outcome::Match
        } else {
            Outcome::SubPatternDoesntMatch
        }
    }
}

fn specs(s: &[char]) -> Vec<Spec> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        if i + 3 <= s.len() && s[i + 1] == '-' {
            out.push(Spec::Range(s[i], s[i + 2]));
            i += 3;
        } else {
            out.push(Spec::Single(s[i]));
            i += 1;
        }
    }
    out
}

fn in_specs(specs: &[Spec], c: char, case_sensitive: bool) -> bool {
    specs.iter().any(|s| match *s {
        Spec::Single(sc) => chars_eq(c, sc, case_sensitive),
        Spec::Range(start, end) => {
            if !case_sensitive && c.is_ascii() && start.is_ascii() && end.is_ascii() {
                let (lo, hi) = (start.to_ascii_lowercase(), end.to_ascii_lowercase());
                // Only letters a-z (either case) at both ends fold case, as in `glob`.
                if lo != lo.to_ascii_uppercase() && hi != hi.to_ascii_uppercase() {
                    let c = c.to_ascii_lowercase();
                    if c >= lo && c <= hi {
                        return true;
                    }
                }
            }
            c >= start && c <= end
        }
    })
}

fn chars_eq(a: char, b: char, case_sensitive: bool) -> bool {
    if !case_sensitive && a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(&b)
    } else {
        a == b
    }
}
