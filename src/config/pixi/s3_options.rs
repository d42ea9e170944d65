//! pixi's per-bucket `s3-options` tables, parsed from TOML text with file and line positions.
//!
//! The same three keys are accepted wherever pixi accepts the table (a configuration file's
//! `[s3-options.BUCKET]`, a manifest's `[workspace.s3-options.BUCKET]` and its variants):
//! `endpoint-url` (a URL), `region` (a string) and `force-path-style` (a boolean). All three are
//! required and any other key is an error that names the file and line.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::address::Url;

/// The keys a bucket's `s3-options` entry must have, in the order pixi documents them.
pub const S3_OPTION_KEYS: [&str; 3] = ["endpoint-url", "region", "force-path-style"];

/// The settings pixi keeps for one bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Options {
    /// `endpoint-url`: the S3 endpoint, e.g. `https://s3.eu-central-1.amazonaws.com`.
    pub endpoint_url: Url,
    /// `region`: the signing region, e.g. `us-east-1` or `auto`.
    pub region: String,
    /// `force-path-style`: address the bucket in the path instead of the host name.
    pub force_path_style: bool,
}

/// An error in a pixi configuration file or manifest, or in finding them.
///
/// Every variant renders as one line that says what is wrong, where, and what to do.
#[derive(Debug)]
#[non_exhaustive]
pub enum PixiConfigError {
    /// A file exists but could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    Toml {
        /// The file.
        path: PathBuf,
        /// 1-based line of the error, when the parser gave a position.
        line: Option<usize>,
        /// The parser's message.
        message: String,
    },
    /// A bucket's `s3-options` entry lacks one of the three required keys.
    MissingKey {
        /// The file.
        path: PathBuf,
        /// 1-based line of the bucket's table.
        line: usize,
        /// The table, e.g. `s3-options.my-bucket`.
        table: String,
        /// The missing key.
        key: &'static str,
    },
    /// A bucket's `s3-options` entry has a key pixi does not know.
    UnknownKey {
        /// The file.
        path: PathBuf,
        /// 1-based line of the key.
        line: usize,
        /// The table, e.g. `s3-options.my-bucket`.
        table: String,
        /// The unknown key.
        key: String,
    },
    /// A value has the wrong type or form (e.g. `force-path-style = "yes"`, an invalid URL).
    InvalidValue {
        /// The file.
        path: PathBuf,
        /// 1-based line of the value.
        line: usize,
        /// The dotted key, e.g. `s3-options.my-bucket.region`.
        key: String,
        /// What was expected, e.g. `a boolean (true or false)`.
        expected: String,
    },
    /// An environment variable has a value pixi would refuse.
    InvalidEnv {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
        /// What is accepted.
        expected: &'static str,
    },
    /// An explicitly given manifest (`--manifest-path`, `PIXI_PROJECT_MANIFEST`) does not exist
    /// or is not a manifest pixi recognizes.
    ManifestNotFound {
        /// The path given.
        path: PathBuf,
        /// Why it was refused.
        reason: &'static str,
    },
}

impl fmt::Display for PixiConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PixiConfigError::Io { path, source } => {
                write!(f, "cannot read pixi configuration {}: {source}; check the file's permissions", path.display())
            }
            PixiConfigError::Toml { path, line: Some(line), message } => {
                write!(f, "{}:{line}: invalid TOML: {}; fix the file's syntax", path.display(), one_line(message))
            }
            PixiConfigError::Toml { path, line: None, message } => {
                write!(f, "{}: invalid TOML: {}; fix the file's syntax", path.display(), one_line(message))
            }
            PixiConfigError::MissingKey { path, line, table, key } => write!(
                f,
                "{}:{line}: [{}] lacks `{key}`; pixi requires all of endpoint-url, region \
                 and force-path-style",
                path.display(),
                table.escape_debug()
            ),
            PixiConfigError::UnknownKey { path, line, table, key } => write!(
                f,
                "{}:{line}: unknown key `{}` in [{}]; the allowed keys are endpoint-url, \
                 region and force-path-style",
                path.display(),
                key.escape_debug(),
                table.escape_debug()
            ),
            PixiConfigError::InvalidValue { path, line, key, expected } => {
                write!(f, "{}:{line}: `{}` must be {expected}", path.display(), key.escape_debug())
            }
            PixiConfigError::InvalidEnv { name, value, expected } => {
                write!(f, "environment variable {name}={value:?} is not valid; use {expected}, or unset it")
            }
            PixiConfigError::ManifestNotFound { path, reason } => write!(
                f,
                "manifest {} {reason}; give a pixi.toml, pyproject.toml or mojoproject.toml, or \
                 the directory holding one",
                path.display()
            ),
        }
    }
}

impl std::error::Error for PixiConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PixiConfigError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The 1-based line holding byte `offset` of `source` (offsets past the end count as the last line).
pub fn line_of(source: &str, offset: usize) -> usize {
    let end = offset.min(source.len());
    1 + source.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count()
}

/// One bucket's entry with the line where its table starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedS3Options {
    /// The bucket's settings.
    pub options: S3Options,
    /// 1-based line of the bucket's key (its `[...]` header or dotted key).
    pub line: usize,
}

/// A TOML document parsed with positions, for looking up tables by dotted path.
pub(crate) struct TomlDoc<'a> {
    pub(crate) source: &'a str,
    pub(crate) path: &'a Path,
    pub(crate) root: Spanned<DeTable<'a>>,
}

impl<'a> TomlDoc<'a> {
    /// Parses `source` (the text of `path`); a syntax error names the file and line.
    pub(crate) fn parse(source: &'a str, path: &'a Path) -> Result<Self, PixiConfigError> {
        match DeTable::parse(source) {
            Ok(root) => Ok(TomlDoc { source, path, root }),
            Err(e) => Err(PixiConfigError::Toml {
                path: path.to_path_buf(),
                line: e.span().map(|s| line_of(source, s.start)),
                message: e.message().to_string(),
            }),
        }
    }

    pub(crate) fn line(&self, offset: usize) -> usize {
        line_of(self.source, offset)
    }

    /// The value at a dotted path of table keys (`["tool", "pixi", "workspace"]`), if every
    /// step is present; `None` also when an intermediate value is not a table.
    pub(crate) fn get(&self, keys: &[&str]) -> Option<&Spanned<DeValue<'a>>> {
        let (last, init) = keys.split_last()?;
        let mut table = self.root.get_ref();
        for key in init {
            table = table.get(*key)?.get_ref().as_table()?;
        }
        table.get(*last)
    }

    /// Parses the `s3-options` table at `keys` (e.g. `["workspace", "s3-options"]`), if present.
    pub(crate) fn s3_options_at(
        &self,
        keys: &[&str],
    ) -> Result<Option<BTreeMap<String, ParsedS3Options>>, PixiConfigError> {
        let Some(value) = self.get(keys) else {
            return Ok(None);
        };
        let dotted = keys.join(".");
        let Some(buckets) = value.get_ref().as_table() else {
            return Err(self.invalid(value.span().start, &dotted, "a table of buckets"));
        };
        let mut out = BTreeMap::new();
        for (bucket, entry) in buckets.iter() {
            let table_name = format!("{dotted}.{}", bucket.get_ref());
            let parsed = self.bucket(&table_name, bucket, entry)?;
            out.insert(bucket.get_ref().to_string(), parsed);
        }
        Ok(Some(out))
    }

    fn bucket(
        &self,
        table_name: &str,
        bucket: &Spanned<std::borrow::Cow<'a, str>>,
        entry: &Spanned<DeValue<'a>>,
    ) -> Result<ParsedS3Options, PixiConfigError> {
        let line = self.line(bucket.span().start);
        let Some(table) = entry.get_ref().as_table() else {
            return Err(self.invalid(
                entry.span().start,
                table_name,
                "a table with endpoint-url, region and force-path-style",
            ));
        };
        // Unknown keys first, in file order, so a misspelt key is reported as such rather than
        // as the correctly spelt key being missing.
        let mut unknown: Vec<_> =
            table.iter().filter(|(k, _)| !S3_OPTION_KEYS.contains(&k.get_ref().as_ref())).collect();
        unknown.sort_by_key(|(k, _)| k.span().start);
        if let Some((key, _)) = unknown.first() {
            return Err(PixiConfigError::UnknownKey {
                path: self.path.to_path_buf(),
                line: self.line(key.span().start),
                table: table_name.to_string(),
                key: key.get_ref().to_string(),
            });
        }
        let required = |key: &'static str| {
            table.get(key).ok_or_else(|| PixiConfigError::MissingKey {
                path: self.path.to_path_buf(),
                line,
                table: table_name.to_string(),
                key,
            })
        };
        let endpoint = required("endpoint-url")?;
        let region = required("region")?;
        let path_style = required("force-path-style")?;

        let endpoint_key = format!("{table_name}.endpoint-url");
        const URL_FORM: &str = "an absolute URL such as \"https://s3.example.com\"";
        let endpoint_url = match endpoint.get_ref().as_str().map(Url::parse) {
            Some(Ok(url)) => url,
            Some(Err(e)) => {
                return Err(self.invalid(endpoint.span().start, &endpoint_key, &format!("{URL_FORM} ({e})")))
            }
            None => return Err(self.invalid(endpoint.span().start, &endpoint_key, URL_FORM)),
        };
        if endpoint_url.has_userinfo() {
            return Err(self.invalid(
                endpoint.span().start,
                &endpoint_key,
                "a URL without user:password@ (keys belong in the authentication storage)",
            ));
        }
        let region = region
            .get_ref()
            .as_str()
            .ok_or_else(|| {
                self.invalid(region.span().start, &format!("{table_name}.region"), "a string such as \"us-east-1\"")
            })?
            .to_string();
        let force_path_style = path_style.get_ref().as_bool().ok_or_else(|| {
            self.invalid(
                path_style.span().start,
                &format!("{table_name}.force-path-style"),
                "a boolean (true or false)",
            )
        })?;
        Ok(ParsedS3Options { options: S3Options { endpoint_url, region, force_path_style }, line })
    }

    pub(crate) fn invalid(&self, offset: usize, key: &str, expected: &str) -> PixiConfigError {
        PixiConfigError::InvalidValue {
            path: self.path.to_path_buf(),
            line: self.line(offset),
            key: key.to_string(),
            expected: expected.to_string(),
        }
    }
}

/// What a pixi configuration file (`config.toml`) says that minis3 uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigFileContents {
    /// `[s3-options.BUCKET]` entries.
    pub s3_options: BTreeMap<String, ParsedS3Options>,
    /// `authentication-override-file` (or its older spelling `authentication_override_file`),
    /// as written (not resolved against any directory).
    pub authentication_override_file: Option<PathBuf>,
}

/// Parses the text of a pixi configuration file. `path` is only used in error messages.
///
/// Keys other than `s3-options` and `authentication-override-file` belong to pixi and are
/// ignored; inside `s3-options`, unknown keys are errors.
pub fn parse_config_file(source: &str, path: &Path) -> Result<ConfigFileContents, PixiConfigError> {
    let doc = TomlDoc::parse(source, path)?;
    let s3_options = doc.s3_options_at(&["s3-options"])?.unwrap_or_default();
    // pixi reads the kebab-case key and accepts the snake_case one as an alias.
    let auth = doc
        .get(&["authentication-override-file"])
        .map(|v| ("authentication-override-file", v))
        .or_else(|| doc.get(&["authentication_override_file"]).map(|v| ("authentication_override_file", v)));
    let authentication_override_file = match auth {
        None => None,
        Some((key, value)) => match value.get_ref().as_str() {
            Some(s) => Some(PathBuf::from(s)),
            None => return Err(doc.invalid(value.span().start, key, "a path string")),
        },
    };
    Ok(ConfigFileContents { s3_options, authentication_override_file })
}

/// Parses the `s3-options` table at the dotted path `table` (e.g. `"workspace.s3-options"` or
/// `"tool.pixi.workspace.s3-options"`) of a TOML document. `Ok(None)` when the table is absent.
pub fn parse_s3_options_table(
    source: &str,
    path: &Path,
    table: &str,
) -> Result<Option<BTreeMap<String, ParsedS3Options>>, PixiConfigError> {
    let doc = TomlDoc::parse(source, path)?;
    let keys: Vec<&str> = table.split('.').collect();
    doc.s3_options_at(&keys)
}
