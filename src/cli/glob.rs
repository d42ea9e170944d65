//! Shell-style patterns for `--exclude` / `--include`, as Python's `fnmatch` (which the AWS CLI
//! uses) matches them: `*` any run of characters (including `/`), `?` one character,
//! `[abc]`, `[a-z]`, `[!abc]` a set (a `]` right after `[` or `[!` belongs to the set; a `[`
//! without a closing `]` is a literal `[`). Everything else is literal. Matching is on
//! characters and case-sensitive (fnmatch on POSIX).

/// One piece of a compiled pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Literal(char),
    Any,
    Star,
    Set { negated: bool, items: Vec<(char, char)> },
}

/// A compiled pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glob {
    tokens: Vec<Token>,
}

impl Glob {
    /// Compiles `pattern` (every pattern is valid).
    pub fn new(pattern: &str) -> Glob {
        let chars: Vec<char> = pattern.chars().collect();
        let mut tokens = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '*' => {
                    if tokens.last() != Some(&Token::Star) {
                        tokens.push(Token::Star);
                    }
                    i += 1;
                }
                '?' => {
                    tokens.push(Token::Any);
                    i += 1;
                }
                '[' => match parse_set(&chars, i + 1) {
                    Some((token, next)) => {
                        tokens.push(token);
                        i = next;
                    }
                    None => {
                        tokens.push(Token::Literal('['));
                        i += 1;
                    }
                },
                c => {
                    tokens.push(Token::Literal(c));
                    i += 1;
                }
            }
        }
        Glob { tokens }
    }

    /// Whether the whole of `text` matches.
    pub fn matches(&self, text: &str) -> bool {
        let text: Vec<char> = text.chars().collect();
        // Iterative matching with one backtrack point for the last `*` (linear for patterns
        // with one star, and never exponential).
        let (mut t, mut p) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        while t < text.len() {
            if p < self.tokens.len() {
                match &self.tokens[p] {
                    Token::Star => {
                        star = Some((p, t));
                        p += 1;
                        continue;
                    }
                    tok if single(tok, text[t]) => {
                        t += 1;
                        p += 1;
                        continue;
                    }
                    _ => {}
                }
            }
            match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            }
        }
        self.tokens[p..].iter().all(|tok| *tok == Token::Star)
    }
}

fn single(tok: &Token, c: char) -> bool {
    match tok {
        Token::Literal(l) => *l == c,
        Token::Any => true,
        Token::Set { negated, items } => items.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated,
        Token::Star => false,
    }
}

/// Parses a set starting just after `[`; `None` when it has no closing `]`.
fn parse_set(chars: &[char], start: usize) -> Option<(Token, usize)> {
    let mut i = start;
    let negated = chars.get(i) == Some(&'!');
    if negated {
        i += 1;
    }
    let mut items = Vec::new();
    let first = i;
    loop {
        let c = *chars.get(i)?;
        if c == ']' && i > first {
            return Some((Token::Set { negated, items }, i + 1));
        }
        if chars.get(i + 1) == Some(&'-') && chars.get(i + 2).is_some_and(|&h| h != ']') {
            let hi = chars[i + 2];
            if c <= hi {
                items.push((c, hi));
            }
            i += 3;
        } else {
            items.push((c, c));
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Glob;

    fn m(p: &str, t: &str) -> bool {
        Glob::new(p).matches(t)
    }

    #[test]
    fn literals_and_wildcards() {
        assert!(m("abc", "abc"));
        assert!(!m("abc", "abcd"));
        assert!(m("*", ""));
        assert!(m("*", "a/b/c"));
        assert!(m("*.txt", "dir/sub/a.txt"), "`*` crosses `/` as in fnmatch");
        assert!(!m("*.txt", "a.txt.gz"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "ac"));
        assert!(m("dir/*", "dir/x/y"));
        assert!(!m("dir/*", "other/dir/x"));
        assert!(m("*a*b*c*", "xxaxxbxxcxx"));
        assert!(!m("*a*b*c*", "xxaxxcxxbxx"));
        assert!(m("**x", "abx"));
    }

    #[test]
    fn sets() {
        assert!(m("[abc].txt", "b.txt"));
        assert!(!m("[abc].txt", "d.txt"));
        assert!(m("[a-c]", "b"));
        assert!(!m("[!a-c]", "b"));
        assert!(m("[!a-c]", "z"));
        assert!(m("[]]", "]"));
        assert!(m("[!]]", "a"));
        assert!(m("[a-]", "-"));
        assert!(m("[", "["), "an unclosed `[` is literal");
        assert!(m("a[", "a["));
        assert!(m("[*]", "*"));
        assert!(!m("[*]", "x"));
    }

    #[test]
    fn unicode_is_one_character() {
        assert!(m("?.txt", "é.txt"));
        assert!(m("caf?", "café"));
    }

    #[test]
    fn no_exponential_blowup() {
        let text = "a".repeat(200);
        assert!(!m("*a*a*a*a*a*a*a*a*a*a*b", &text));
    }

    proptest::proptest! {
        #[test]
        fn literal_text_matches_itself(s in "[a-z0-9/._-]{0,40}") {
            proptest::prop_assert!(m(&s, &s));
            let star = format!("*{s}");
            let text = format!("x/{}", s);
            proptest::prop_assert!(m(&star, &text));
        }
    }
}
