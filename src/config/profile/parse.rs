//! First step: the text of one file into raw sections (header text, properties, line numbers).
//!
//! No rule about what a header means is applied here (that is [`super::normalize`]); this step
//! only knows the line syntax: `[header]`, `name = value`, comments, continuation lines and
//! indented sub-property blocks. Values are kept literally: no quotes are removed and a
//! backslash is an ordinary character (`C:\path` stays as written).

use std::fmt;
use std::path::PathBuf;

/// Which of the two shared files a text is: the rules for section headers differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    /// `~/.aws/config`: profiles are `[profile NAME]` (or `[default]`).
    Config,
    /// `~/.aws/credentials`: profiles are `[NAME]`.
    Credentials,
}

impl FileKind {
    /// `"config"` or `"credentials"`.
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Config => "config",
            FileKind::Credentials => "credentials",
        }
    }
}

/// One `name = value` line (plus its continuation lines), as written.
#[derive(Clone, PartialEq, Eq)]
pub struct RawProperty {
    /// The name, trimmed, case kept.
    pub name: String,
    /// The value, trimmed, inline comment removed; continuation lines are appended after `\n`.
    pub value: String,
    /// 1-based line number of the `name =` line.
    pub line: usize,
}

impl fmt::Debug for RawProperty {
    // Raw values may be secrets; the name decides nothing yet, so no value is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawProperty")
            .field("name", &self.name)
            .field("value", &"<not shown>")
            .field("line", &self.line)
            .finish()
    }
}

/// One `[header]` and the properties under it, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawSection {
    /// The text between `[` and `]`, trimmed (e.g. `profile dev`).
    pub header: String,
    /// 1-based line number of the header.
    pub line: usize,
    /// The properties in file order (duplicates kept).
    pub properties: Vec<RawProperty>,
}

/// What is wrong with a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// A line starts with `[` but has no `]`.
    UnterminatedHeader,
    /// Something other than a comment follows the `]` of a header.
    TextAfterHeader,
    /// A property appears before any `[section]`.
    PropertyOutsideSection,
    /// A continuation (indented) line appears before any `[section]`.
    ContinuationOutsideSection,
    /// An indented line follows a header, with no property to continue.
    ContinuationOutsideProperty,
    /// A property line has no `=`.
    MissingEquals,
    /// A property line has nothing before `=`.
    EmptyName,
    /// A line of an indented sub-property block has no `=`.
    SubPropertyMissingEquals,
    /// A line of an indented sub-property block has nothing before `=`.
    SubPropertyEmptyName,
    /// The file is not UTF-8 text.
    InvalidUtf8,
}

impl ParseErrorKind {
    fn message(self) -> &'static str {
        match self {
            ParseErrorKind::UnterminatedHeader => {
                "Profile definition must end with ']'; close the section header"
            }
            ParseErrorKind::TextAfterHeader => {
                "unexpected text after ']' in a section header; only a comment ('#' or ';') may follow"
            }
            ParseErrorKind::PropertyOutsideSection => {
                "Expected a profile definition, found a property; add a [section] header above it"
            }
            ParseErrorKind::ContinuationOutsideSection => {
                "Expected a profile definition, found continuation (an indented line); add a [section] header above it or remove the indentation"
            }
            ParseErrorKind::ContinuationOutsideProperty => {
                "Expected a property definition, found continuation (an indented line right after a section header); remove the indentation"
            }
            ParseErrorKind::MissingEquals => {
                "Expected an '=' sign defining a property; write it as 'name = value'"
            }
            ParseErrorKind::EmptyName => {
                "Property did not have a name; write it as 'name = value'"
            }
            ParseErrorKind::SubPropertyMissingEquals => {
                "Expected an '=' sign defining a sub-property; indented lines under 'name =' must be 'subname = value'"
            }
            ParseErrorKind::SubPropertyEmptyName => {
                "Sub-property did not have a name; indented lines under 'name =' must be 'subname = value'"
            }
            ParseErrorKind::InvalidUtf8 => {
                "the file is not valid UTF-8 text; save it as UTF-8"
            }
        }
    }
}

/// A line of a config or credentials file could not be parsed.
///
/// The message names the file and line and never repeats the line's text (it may hold a secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// What is wrong.
    pub kind: ParseErrorKind,
    /// Which file kind was being parsed.
    pub file: FileKind,
    /// The file's path, when it was read from disk (set by the loader).
    pub path: Option<PathBuf>,
    /// 1-based line number.
    pub line: usize,
}

impl ParseError {
    /// The same error, attributed to the file at `path`.
    pub fn with_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(p) => write!(f, "{}:{}: ", p.display(), self.line)?,
            None => write!(f, "AWS {} file, line {}: ", self.file.as_str(), self.line)?,
        }
        f.write_str(self.kind.message())
    }
}

impl std::error::Error for ParseError {}

/// Parses file bytes: checks UTF-8 first (the error names the line of the first bad byte),
/// then [`parse`].
pub fn parse_bytes(bytes: &[u8], file: FileKind) -> Result<Vec<RawSection>, ParseError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(text, file),
        Err(e) => {
            let line = 1 + bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count();
            Err(ParseError { kind: ParseErrorKind::InvalidUtf8, file, path: None, line })
        }
    }
}

/// Parses the text of one file into raw sections, in file order (duplicates kept).
pub fn parse(text: &str, file: FileKind) -> Result<Vec<RawSection>, ParseError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let err = |kind, line| ParseError { kind, file, path: None, line };
    let mut sections: Vec<RawSection> = Vec::new();
    // Whether the last section has a property that continuation lines extend, and whether that
    // property opened an indented sub-property block (`name =` with an empty value).
    let mut open_property: Option<bool> = None;

    for (index, raw_line) in text.split('\n').enumerate() {
        let line_no = index + 1;
        let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        if line.trim().is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(after_open) = line.strip_prefix('[') {
            let close = after_open.find(']').ok_or_else(|| err(ParseErrorKind::UnterminatedHeader, line_no))?;
            let rest = after_open[close + 1..].trim_start();
            if !(rest.is_empty() || rest.starts_with('#') || rest.starts_with(';')) {
                return Err(err(ParseErrorKind::TextAfterHeader, line_no));
            }
            sections.push(RawSection {
                header: after_open[..close].trim().to_string(),
                line: line_no,
                properties: Vec::new(),
            });
            open_property = None;
            continue;
        }
        if line.starts_with(char::is_whitespace) {
            let section =
                sections.last_mut().ok_or_else(|| err(ParseErrorKind::ContinuationOutsideSection, line_no))?;
            let is_block = open_property.ok_or_else(|| err(ParseErrorKind::ContinuationOutsideProperty, line_no))?;
            let content = line.trim();
            if is_block {
                let (name, _) =
                    content.split_once('=').ok_or_else(|| err(ParseErrorKind::SubPropertyMissingEquals, line_no))?;
                if name.trim().is_empty() {
                    return Err(err(ParseErrorKind::SubPropertyEmptyName, line_no));
                }
            }
            let property = section.properties.last_mut().expect("an open property exists in the last section");
            property.value.push('\n');
            property.value.push_str(content);
            continue;
        }
        let section = sections.last_mut().ok_or_else(|| err(ParseErrorKind::PropertyOutsideSection, line_no))?;
        let (name, value) = line.split_once('=').ok_or_else(|| err(ParseErrorKind::MissingEquals, line_no))?;
        let name = name.trim();
        if name.is_empty() {
            return Err(err(ParseErrorKind::EmptyName, line_no));
        }
        let value = strip_inline_comment(value).trim();
        open_property = Some(value.is_empty());
        section.properties.push(RawProperty { name: name.to_string(), value: value.to_string(), line: line_no });
    }
    Ok(sections)
}

/// Cuts a value at the first `#` or `;` that follows white space (`a#b` keeps its `#`).
fn strip_inline_comment(value: &str) -> &str {
    let mut previous_is_space = false;
    for (i, c) in value.char_indices() {
        if previous_is_space && (c == '#' || c == ';') {
            return &value[..i];
        }
        previous_is_space = c.is_whitespace();
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_secrets::CleanErr;

    #[test]
    fn comments_need_white_space_before_them() {
        assert_eq!(strip_inline_comment(" a#b ;c"), " a#b ");
        assert_eq!(strip_inline_comment(" a;b"), " a;b");
    }

    #[test]
    fn backslashes_and_quotes_are_literal() {
        let s = parse("[default]\nca_bundle = \"C:\\path\\ca.pem\"\n", FileKind::Config).unwrap();
        assert_eq!(s[0].properties[0].value, "\"C:\\path\\ca.pem\"");
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let e = parse_bytes(b"[default]\nregion = \xff\n", FileKind::Config).clean_err();
        assert_eq!((e.kind, e.line), (ParseErrorKind::InvalidUtf8, 2));
    }

    #[test]
    fn errors_do_not_repeat_the_line() {
        let e = parse("[default]\nsecretvalue123\n", FileKind::Credentials).clean_err();
        assert!(!e.to_string().contains("secretvalue123"));
        assert!(e.to_string().contains("line 2"));
    }
}
