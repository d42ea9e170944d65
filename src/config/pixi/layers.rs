//! Where pixi reads `s3-options` and `authentication-override-file` from, and in which order.
//!
//! Layers, lowest first (a later layer replaces a bucket's whole entry):
//!
//! 1. the global layer, chosen by [`GlobalConfigSource`]:
//!    * `Search` (default): the system file (`/etc/pixi/config.toml`; Windows
//!      `C:\ProgramData\pixi\config.toml`), then on macOS `$XDG_CONFIG_HOME/pixi/config.toml`,
//!      then the platform config dir's `pixi/config.toml` (Linux: `$XDG_CONFIG_HOME` if absolute,
//!      else `~/.config`), then `$PIXI_HOME/config.toml` (else `~/.pixi/config.toml`);
//!    * `File(path)` (`--config-file`, `PIXI_CONFIG_FILE`): that file alone;
//!    * `None` (`--no-config`, `PIXI_NO_CONFIG`): nothing;
//! 2. the workspace's `<root>/.pixi/config.toml` (read whatever the global source);
//! 3. the manifest: `pixi.toml`/`mojoproject.toml` `[workspace.s3-options.B]` (older
//!    `[project.s3-options.B]`), `pyproject.toml` `[tool.pixi.workspace.s3-options.B]` (older
//!    `tool.pixi.project`).
//!
//! Missing files are skipped. Unlike pixi, which logs and skips a configuration file that fails
//! to parse, minis3 stops with an error naming the file and line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::s3_options::{parse_config_file, ParsedS3Options, PixiConfigError, S3Options, TomlDoc};
use crate::config::env::Environment;
pub use crate::config::source::{Source, Sourced};

/// Which global (system and user) configuration files are read.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum GlobalConfigSource {
    /// Search the system and user paths (pixi's default).
    #[default]
    Search,
    /// Read no system or user file (`--no-config`, `PIXI_NO_CONFIG`).
    None,
    /// Read this file instead of the system and user ones (`--config-file`, `PIXI_CONFIG_FILE`).
    File(PathBuf),
}

impl GlobalConfigSource {
    /// The source pixi would pick from its environment variables alone: `PIXI_NO_CONFIG`
    /// (a boolish value: `1`/`true`/`yes`/`on`/`y`/`t` or `0`/`false`/`no`/`off`/`n`/`f`) wins
    /// over `PIXI_CONFIG_FILE`; empty values count as unset.
    pub fn from_env(env: &Environment) -> Result<Self, PixiConfigError> {
        if let Some(v) = env.non_empty("PIXI_NO_CONFIG") {
            if parse_boolish(v).ok_or_else(|| PixiConfigError::InvalidEnv {
                name: "PIXI_NO_CONFIG",
                value: v.to_string(),
                expected: "true/false, 1/0, yes/no or on/off",
            })? {
                return Ok(GlobalConfigSource::None);
            }
        }
        if let Some(v) = env.non_empty("PIXI_CONFIG_FILE") {
            return Ok(GlobalConfigSource::File(PathBuf::from(v)));
        }
        Ok(GlobalConfigSource::Search)
    }
}

fn parse_boolish(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "y" | "yes" | "t" | "true" | "on" | "1" => Some(true),
        "n" | "no" | "f" | "false" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// Which layer a setting came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayerKind {
    /// The system file (`/etc/pixi/config.toml`).
    System,
    /// A user file (XDG config dir or pixi home).
    User,
    /// The file named by `--config-file` / `PIXI_CONFIG_FILE`.
    ConfigFile,
    /// The workspace's `.pixi/config.toml`.
    Workspace,
    /// The manifest (`pixi.toml`, `pyproject.toml`, `mojoproject.toml`).
    Manifest,
}

/// The kind of a workspace manifest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ManifestKind {
    /// `pixi.toml` or `mojoproject.toml`: `[workspace]` (older `[project]`).
    Pixi,
    /// `pyproject.toml`: `[tool.pixi.workspace]` (older `[tool.pixi.project]`).
    Pyproject,
}

/// The manifest the workspace was found in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    /// The manifest file.
    pub path: PathBuf,
    /// Its kind.
    pub kind: ManifestKind,
}

impl Manifest {
    /// The workspace root: the manifest's directory.
    pub fn root(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }
}

/// A bucket's `s3-options` entry and where it was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3OptionsEntry {
    /// The settings.
    pub options: S3Options,
    /// The file it came from.
    pub file: PathBuf,
    /// 1-based line of the bucket's table in that file.
    pub line: usize,
    /// The layer of that file.
    pub layer: LayerKind,
}

/// pixi's configuration as far as S3 is concerned, after layering.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PixiConfig {
    /// Per-bucket entries, by bucket name; each the whole entry of the last layer that had it.
    pub s3_options: BTreeMap<String, S3OptionsEntry>,
    /// `authentication-override-file` from the last configuration file that set it, resolved
    /// against the current directory when relative (its source is [`Source::Pixi`], no line).
    pub authentication_override_file: Option<Sourced<PathBuf>>,
    /// Every file that was read, in layer order (missing files are not listed).
    pub files_read: Vec<(PathBuf, LayerKind)>,
    /// The workspace manifest, if one was found.
    pub manifest: Option<Manifest>,
    /// The manifest's `channels` as URLs, highest priority first (see
    /// [`manifest_channels`](super::channels::manifest_channels)).
    pub channels: Vec<String>,
}

impl PixiConfig {
    /// The `s3-options` entry for `bucket`, if any layer has one.
    pub fn s3_options(&self, bucket: &str) -> Option<&S3OptionsEntry> {
        self.s3_options.get(bucket)
    }
}

/// Loads pixi's configuration layers, with every machine-specific path injectable.
///
/// ```no_run
/// use minis3::config::env::Environment;
/// use minis3::config::pixi::PixiConfigLoader;
/// let env = Environment::from_process();
/// let config = PixiConfigLoader::new(&env, std::env::current_dir().unwrap()).load().unwrap();
/// if let Some(entry) = config.s3_options("my-bucket") {
///     println!("{} from {}", entry.options.endpoint_url, entry.file.display());
/// }
/// ```
#[derive(Clone, Debug)]
pub struct PixiConfigLoader<'e> {
    env: &'e Environment,
    cwd: PathBuf,
    system_config: PathBuf,
    manifest_path: Option<PathBuf>,
    global_source: Option<GlobalConfigSource>,
    discover_manifest: bool,
}

/// The system-wide pixi configuration file of this platform.
pub fn default_system_config_path() -> PathBuf {
    if cfg!(windows) {
        PathBuf::from(r"C:\ProgramData\pixi\config.toml")
    } else {
        PathBuf::from("/etc/pixi/config.toml")
    }
}

impl<'e> PixiConfigLoader<'e> {
    /// A loader reading environment variables from `env` and looking for the manifest from
    /// `cwd` upwards.
    pub fn new(env: &'e Environment, cwd: impl Into<PathBuf>) -> Self {
        PixiConfigLoader {
            env,
            cwd: cwd.into(),
            system_config: default_system_config_path(),
            manifest_path: None,
            global_source: None,
            discover_manifest: true,
        }
    }

    /// Replaces the system file path (tests; default [`default_system_config_path`]).
    pub fn system_config_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.system_config = path.into();
        self
    }

    /// Uses this manifest (file or directory) instead of searching from the current
    /// directory, as `--manifest-path` does. A relative path is taken from the current directory.
    pub fn manifest_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.manifest_path = Some(path.into());
        self
    }

    /// Sets the global source explicitly (`--no-config` / `--config-file`), overriding
    /// `PIXI_NO_CONFIG` and `PIXI_CONFIG_FILE`.
    pub fn global_source(mut self, source: GlobalConfigSource) -> Self {
        self.global_source = Some(source);
        self
    }

    /// Whether to look for a workspace manifest at all (default `true`); without one only
    /// the global layer is read.
    pub fn discover_manifest(mut self, yes: bool) -> Self {
        self.discover_manifest = yes;
        self
    }

    fn absolute(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.cwd.join(p)
        }
    }

    /// The global files to read for `source`, lowest layer first.
    pub fn global_files(&self, source: &GlobalConfigSource) -> Vec<(PathBuf, LayerKind)> {
        match source {
            GlobalConfigSource::None => Vec::new(),
            GlobalConfigSource::File(p) => vec![(self.absolute(p), LayerKind::ConfigFile)],
            GlobalConfigSource::Search => {
                let mut files = vec![(self.system_config.clone(), LayerKind::System)];
                for p in user_config_files(self.env) {
                    files.push((p, LayerKind::User));
                }
                files
            }
        }
    }

    /// Finds the workspace manifest as pixi does: an explicit path if given, else from the
    /// current directory upwards, else `PIXI_PROJECT_MANIFEST`.
    pub fn find_manifest(&self) -> Result<Option<Manifest>, PixiConfigError> {
        if let Some(explicit) = &self.manifest_path {
            return find_explicit(&self.absolute(explicit));
        }
        let start = std::fs::canonicalize(&self.cwd).unwrap_or_else(|_| self.cwd.clone());
        if let Some(m) = search_upwards(Some(&start))? {
            return Ok(Some(m));
        }
        if let Some(p) = self.env.non_empty("PIXI_PROJECT_MANIFEST") {
            let path = self.absolute(Path::new(p));
            return match manifest_kind(&path) {
                Some(kind) if path.is_file() => Ok(Some(Manifest { path, kind })),
                _ => Err(PixiConfigError::ManifestNotFound {
                    path,
                    reason: "(from PIXI_PROJECT_MANIFEST) does not exist or is not a manifest",
                }),
            };
        }
        Ok(None)
    }

    /// Reads every layer and merges them.
    pub fn load(&self) -> Result<PixiConfig, PixiConfigError> {
        let source = match &self.global_source {
            Some(s) => s.clone(),
            None => GlobalConfigSource::from_env(self.env)?,
        };
        let mut files = self.global_files(&source);
        let manifest = if self.discover_manifest { self.find_manifest()? } else { None };
        if let Some(m) = &manifest {
            files.push((m.root().join(".pixi").join("config.toml"), LayerKind::Workspace));
        }

        let mut config = PixiConfig::default();
        for (path, layer) in files {
            let Some(text) = read_optional(&path)? else {
                continue;
            };
            let contents = parse_config_file(&text, &path)?;
            merge(&mut config, contents.s3_options, &path, layer);
            if let Some(p) = contents.authentication_override_file {
                let source =
                    Source::Pixi { file: path.clone(), line: None, key: "authentication-override-file".into() };
                config.authentication_override_file = Some(Sourced::new(self.absolute(&p), source));
            }
            config.files_read.push((path, layer));
        }
        if let Some(m) = &manifest {
            let text = read_optional(&m.path)?
                .ok_or_else(|| PixiConfigError::ManifestNotFound { path: m.path.clone(), reason: "does not exist" })?;
            let options = manifest_s3_options(&text, &m.path, m.kind)?;
            merge(&mut config, options, &m.path, LayerKind::Manifest);
            config.channels = super::channels::manifest_channels(&text, &m.path, m.kind)?;
            config.files_read.push((m.path.clone(), LayerKind::Manifest));
        }
        config.manifest = manifest;
        Ok(config)
    }
}

fn merge(config: &mut PixiConfig, options: BTreeMap<String, ParsedS3Options>, path: &Path, layer: LayerKind) {
    for (bucket, parsed) in options {
        config.s3_options.insert(
            bucket,
            S3OptionsEntry { options: parsed.options, file: path.to_path_buf(), line: parsed.line, layer },
        );
    }
}

/// The `s3-options` of a manifest's text: the `workspace` table if present, else the older
/// `project` table (under `tool.pixi` for pyproject.toml).
pub fn manifest_s3_options(
    source: &str,
    path: &Path,
    kind: ManifestKind,
) -> Result<BTreeMap<String, ParsedS3Options>, PixiConfigError> {
    let doc = TomlDoc::parse(source, path)?;
    let prefix: &[&str] = match kind {
        ManifestKind::Pixi => &[],
        ManifestKind::Pyproject => &["tool", "pixi"],
    };
    let Some(table) = workspace_table(&doc, prefix) else {
        return Ok(BTreeMap::new());
    };
    let keys: Vec<&str> = prefix.iter().copied().chain([table, "s3-options"]).collect();
    Ok(doc.s3_options_at(&keys)?.unwrap_or_default())
}

/// `"workspace"` if the document has that table under `prefix`, else `"project"` if it has
/// that, else `None` (pixi reads `workspace` whenever it is present).
fn workspace_table(doc: &TomlDoc<'_>, prefix: &[&str]) -> Option<&'static str> {
    ["workspace", "project"].into_iter().find(|t| {
        let keys: Vec<&str> = prefix.iter().copied().chain([*t]).collect();
        doc.get(&keys).is_some()
    })
}

/// Whether a manifest's text declares a workspace (so discovery stops there); a manifest with
/// only a `[package]` is passed over, as pixi does. Unreadable TOML counts as a workspace so
/// that its error is reported.
fn declares_workspace(source: &str, path: &Path, kind: ManifestKind) -> bool {
    let Ok(doc) = TomlDoc::parse(source, path) else {
        return true;
    };
    let prefix: &[&str] = match kind {
        ManifestKind::Pixi => &[],
        ManifestKind::Pyproject => &["tool", "pixi"],
    };
    workspace_table(&doc, prefix).is_some()
}

fn manifest_kind(path: &Path) -> Option<ManifestKind> {
    match path.file_name()?.to_str()? {
        "pixi.toml" | "mojoproject.toml" => Some(ManifestKind::Pixi),
        "pyproject.toml" => Some(ManifestKind::Pyproject),
        _ => None,
    }
}

/// The manifest of a directory, in pixi's preference order.
fn manifest_in_dir(dir: &Path) -> Option<Manifest> {
    [
        ("pixi.toml", ManifestKind::Pixi),
        ("pyproject.toml", ManifestKind::Pyproject),
        ("mojoproject.toml", ManifestKind::Pixi),
    ]
    .into_iter()
    .map(|(name, kind)| Manifest { path: dir.join(name), kind })
    .find(|m| m.path.is_file())
}

fn search_upwards(start: Option<&Path>) -> Result<Option<Manifest>, PixiConfigError> {
    let mut dir = start;
    while let Some(d) = dir {
        if let Some(m) = manifest_in_dir(d) {
            if let Some(text) = read_optional(&m.path)? {
                if declares_workspace(&text, &m.path, m.kind) {
                    return Ok(Some(m));
                }
            }
        }
        dir = d.parent();
    }
    Ok(None)
}

fn find_explicit(path: &Path) -> Result<Option<Manifest>, PixiConfigError> {
    let path = std::fs::canonicalize(path)
        .map_err(|_| PixiConfigError::ManifestNotFound { path: path.to_path_buf(), reason: "does not exist" })?;
    let (manifest, next) = if path.is_file() {
        let kind = manifest_kind(&path).ok_or_else(|| PixiConfigError::ManifestNotFound {
            path: path.clone(),
            reason: "is not a file name pixi recognizes",
        })?;
        let next = path.parent().and_then(Path::parent).map(Path::to_path_buf);
        (Manifest { path: path.clone(), kind }, next)
    } else {
        let m = manifest_in_dir(&path)
            .ok_or_else(|| PixiConfigError::ManifestNotFound { path: path.clone(), reason: "holds no manifest" })?;
        (m, path.parent().map(Path::to_path_buf))
    };
    let text = read_optional(&manifest.path)?.unwrap_or_default();
    if declares_workspace(&text, &manifest.path, manifest.kind) {
        return Ok(Some(manifest));
    }
    // A package manifest given explicitly: pixi looks for its workspace further up.
    search_upwards(next.as_deref())
}

/// The contents of `path`, `None` if it does not exist (or a path component is not a
/// directory, as pixi treats it).
fn read_optional(path: &Path) -> Result<Option<String>, PixiConfigError> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound || e.kind() == std::io::ErrorKind::NotADirectory => Ok(None),
        Err(e) => Err(PixiConfigError::Io { path: path.to_path_buf(), source: e }),
    }
}

/// The user-level files pixi searches, lowest first.
fn user_config_files(env: &Environment) -> Vec<PathBuf> {
    let mut files = Vec::new();
    if cfg!(target_os = "macos") {
        if let Some(x) = env.var("XDG_CONFIG_HOME") {
            files.push(Path::new(x).join("pixi").join("config.toml"));
        }
    }
    if let Some(dir) = platform_config_dir(env) {
        files.push(dir.join("pixi").join("config.toml"));
    }
    if let Some(home) = pixi_home(env) {
        files.push(home.join("config.toml"));
    }
    files
}

/// The platform's per-user configuration directory, as the `dirs` crate computes it.
fn platform_config_dir(env: &Environment) -> Option<PathBuf> {
    if cfg!(windows) {
        env.non_empty("APPDATA").map(PathBuf::from)
    } else if cfg!(target_os = "macos") {
        env.home_dir().map(|h| h.join("Library").join("Application Support"))
    } else {
        env.non_empty("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| env.home_dir().map(|h| h.join(".config")))
    }
}

/// `$PIXI_HOME`, else `~/.pixi`.
pub fn pixi_home(env: &Environment) -> Option<PathBuf> {
    env.non_empty("PIXI_HOME").map(PathBuf::from).or_else(|| env.home_dir().map(|h| h.join(".pixi")))
}
