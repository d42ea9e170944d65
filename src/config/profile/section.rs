//! A normalized section (a profile, an `sso-session` or a `services` block): lower-case property
//! names, each value with the file and line it came from. `Debug` hides secret values.

use std::collections::BTreeMap;
use std::fmt;

use super::parse::FileKind;

/// Where a property value was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The config or the credentials file.
    pub file: FileKind,
    /// 1-based line number of the `name =` line.
    pub line: usize,
}

/// One property value and its origin.
#[derive(Clone, PartialEq, Eq)]
pub struct Property {
    /// The value as written (trimmed; continuation lines joined with `\n`).
    pub value: String,
    /// Where it was written.
    pub origin: Origin,
}

/// Whether a property name holds a secret: its value is never shown in `Debug` output.
pub fn is_secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.contains("secret") || name.contains("token") || name.contains("password")
}

/// A named section with its properties (names lower-cased; the last definition of a name wins).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Section {
    name: String,
    properties: BTreeMap<String, Property>,
}

impl Section {
    /// An empty section.
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into(), properties: BTreeMap::new() }
    }

    /// The section's name (profile name, sso-session name or services name).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value of property `name` (matched case-insensitively).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.property(name).map(|p| p.value.as_str())
    }

    /// Property `name` (matched case-insensitively) with its origin.
    pub fn property(&self, name: &str) -> Option<&Property> {
        match self.properties.get(name) {
            Some(p) => Some(p),
            None => self.properties.get(&name.to_ascii_lowercase()),
        }
    }

    /// All properties, sorted by (lower-case) name.
    pub fn properties(&self) -> impl Iterator<Item = (&str, &Property)> {
        self.properties.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Whether the section has no properties.
    pub fn is_empty(&self) -> bool {
        self.properties.is_empty()
    }

    /// Sets a property (the name is lower-cased), replacing an earlier value.
    pub fn insert(&mut self, name: &str, value: impl Into<String>, origin: Origin) {
        self.properties.insert(name.to_ascii_lowercase(), Property { value: value.into(), origin });
    }

    /// The sub-properties of an indented block such as
    /// `s3 =` / `  addressing_style = path`: `(name, value)` pairs in file order, names
    /// lower-cased, values trimmed and literal. Lines without `=` are skipped.
    pub fn sub_properties(&self, name: &str) -> Vec<(String, &str)> {
        let Some(value) = self.get(name) else {
            return Vec::new();
        };
        value
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim()))
            .filter(|(k, _)| !k.is_empty())
            .collect()
    }

    /// One sub-property of an indented block (`s3` / `addressing_style`); the last one wins.
    pub fn sub_property(&self, name: &str, sub: &str) -> Option<&str> {
        let sub = sub.to_ascii_lowercase();
        self.sub_properties(name).into_iter().rev().find(|(k, _)| *k == sub).map(|(_, v)| v)
    }
}

struct Redacted<'a>(&'a str, &'a Property);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if is_secret_name(self.0) {
            write!(f, "<redacted> ({} line {})", self.1.origin.file.as_str(), self.1.origin.line)
        } else {
            write!(f, "{:?} ({} line {})", self.1.value, self.1.origin.file.as_str(), self.1.origin.line)
        }
    }
}

impl fmt::Debug for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (k, v) in &self.properties {
            map.entry(k, &Redacted(k, v));
        }
        map.finish()?;
        write!(f, " in {:?}", self.name)
    }
}

impl fmt::Debug for Property {
    // The name is not known here, so the value is not shown: use `Section`'s `Debug` to see
    // non-secret values.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Property").field("value", &"<not shown>").field("origin", &self.origin).finish()
    }
}
