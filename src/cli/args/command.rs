//! What a command line parses into: the [`Global`] settings, the [`Command`] with its operands
//! and options, or a request for help or the version ([`Parsed`]).

use std::fmt;
use std::path::PathBuf;

use minis3::settings::Overrides;

use crate::cli::filter::Filters;

/// Settings that apply to every command.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Global {
    /// The flags bucket settings are resolved from (`--endpoint-url`, `--region`,
    /// `--force-path-style`, `--profile`, `--no-sign-request`, `--manifest-path`).
    pub flags: Overrides,
    /// `--debug`.
    pub debug: bool,
}

/// One side of `cp` / `sync`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operand {
    /// A local path.
    Local(PathBuf),
    /// `s3://BUCKET/KEY` (the key may be empty).
    S3 {
        /// The bucket.
        bucket: String,
        /// The key or prefix, literal.
        key: String,
    },
    /// `gcs://BUCKET/KEY` (the key may be empty): Cloud Storage, with a Google token, or
    /// through its S3 API when pixi has `s3-options` for the bucket.
    Gcs {
        /// The bucket.
        bucket: String,
        /// The object name or prefix, literal.
        key: String,
    },
    /// An `http://` or `https://` URL, as given (never signed).
    Url(String),
    /// `-`: stdin or stdout.
    Stdio,
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Local(p) => write!(f, "{}", p.display()),
            Operand::S3 { bucket, key } => write!(f, "s3://{bucket}/{key}"),
            Operand::Gcs { bucket, key } => write!(f, "gcs://{bucket}/{key}"),
            Operand::Url(u) => f.write_str(u),
            Operand::Stdio => f.write_str("-"),
        }
    }
}

/// Options shared by `cp`, `sync` and `rm`.
#[derive(Clone, Debug, Default)]
pub struct TransferOptions {
    /// `--content-type`.
    pub content_type: Option<String>,
    /// `--metadata`.
    pub metadata: Vec<(String, String)>,
    /// `--exclude` / `--include`, in order.
    pub filters: Filters,
    /// `--dryrun`.
    pub dryrun: bool,
    /// `--quiet`.
    pub quiet: bool,
}

/// `GET` or `PUT` for `presign`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PresignMethod {
    /// Download.
    Get,
    /// Upload.
    Put,
}

/// A parsed command with its operands and options.
#[derive(Clone, Debug)]
pub enum Command {
    /// `ls`.
    Ls {
        /// The bucket and prefix (`s3://`, `gcs://` or a URL; `None`: list buckets).
        target: Option<Operand>,
        /// `--recursive`.
        recursive: bool,
        /// `--json`.
        json: bool,
    },
    /// `cp`.
    Cp {
        /// Source.
        src: Operand,
        /// Destination.
        dst: Operand,
        /// `--recursive`.
        recursive: bool,
        /// Options.
        opts: TransferOptions,
    },
    /// `sync`.
    Sync {
        /// Source.
        src: Operand,
        /// Destination.
        dst: Operand,
        /// `--delete`.
        delete: bool,
        /// `--exact-timestamps`.
        exact_timestamps: bool,
        /// `--size-only`.
        size_only: bool,
        /// Options.
        opts: TransferOptions,
    },
    /// `rm`.
    Rm {
        /// Bucket.
        bucket: String,
        /// Key or prefix.
        key: String,
        /// `--recursive`.
        recursive: bool,
        /// Options (filters, dryrun, quiet).
        opts: TransferOptions,
    },
    /// `mb`.
    Mb {
        /// Bucket.
        bucket: String,
        /// `--quiet`.
        quiet: bool,
    },
    /// `rb`.
    Rb {
        /// Bucket.
        bucket: String,
        /// `--force`.
        force: bool,
        /// `--quiet`.
        quiet: bool,
    },
    /// `presign`.
    Presign {
        /// The object (`s3://`, `gcs://` or a URL).
        target: Operand,
        /// `--expires-in`.
        expires_in: u64,
        /// `--method`.
        method: PresignMethod,
    },
    /// `head`.
    Head {
        /// The object (`s3://`, `gcs://` or a URL).
        target: Operand,
        /// `--json`.
        json: bool,
    },
    /// `auth login`.
    AuthLogin {
        /// `s3://BUCKET[/PATH]` as given.
        url: String,
        /// The access key id.
        access_key_id: String,
        /// The secret.
        secret_access_key: String,
        /// The session token.
        session_token: Option<String>,
    },
    /// `auth logout`.
    AuthLogout {
        /// `s3://BUCKET` as given.
        url: String,
    },
    /// `config show`.
    ConfigShow {
        /// The bucket (and key) whose settings to show.
        target: Option<(String, String)>,
        /// `--json`.
        json: bool,
    },
    #[cfg(feature = "channel")]
    /// `index s3`.
    IndexS3 {
        /// The channel's bucket and path.
        channel: (String, String),
        /// `--force`.
        force: bool,
        /// `--max-parallel`.
        max_parallel: Option<usize>,
        /// Keys and addressing style.
        s3: S3ToolFlags,
    },
    #[cfg(feature = "channel")]
    /// `upload s3`.
    UploadS3 {
        /// `--channel` (else `S3_CHANNEL` when the command runs).
        channel: Option<String>,
        /// The package files.
        packages: Vec<PathBuf>,
        /// `--force`.
        force: bool,
        /// `--index`.
        index: bool,
        /// `--max-parallel`.
        max_parallel: Option<usize>,
        /// Keys and addressing style.
        s3: S3ToolFlags,
    },
    #[cfg(feature = "channel")]
    /// `search`.
    Search {
        /// What to search and how.
        conda: CondaOptions,
        /// The match spec.
        spec: String,
        /// `--json`.
        json: bool,
    },
    #[cfg(feature = "channel")]
    /// `download`.
    Download {
        /// What to search and how.
        conda: CondaOptions,
        /// Match specs or package file names.
        specs: Vec<String>,
        /// `--output`: the directory.
        output: PathBuf,
    },
    #[cfg(feature = "channel")]
    /// `repodata`.
    Repodata {
        /// The channel (exactly one) and the subdir (exactly one).
        conda: CondaOptions,
        /// `--output`: the file (`None`: stdout).
        output: Option<PathBuf>,
    },
}

/// The S3 settings of `index s3` / `upload s3` given on the command line (the environment's
/// `S3_*` variables are read when the command runs).
#[derive(Clone, Default, PartialEq, Eq)]
#[cfg_attr(not(feature = "channel"), allow(dead_code))]
pub struct S3ToolFlags {
    /// `--access-key-id`.
    pub access_key_id: Option<String>,
    /// `--secret-access-key`.
    pub secret_access_key: Option<String>,
    /// `--session-token`.
    pub session_token: Option<String>,
    /// `--addressing-style`: `true` for path, `false` for virtual-host.
    pub path_style: Option<bool>,
}

impl fmt::Debug for S3ToolFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3ToolFlags")
            .field("access_key_id", &self.access_key_id.is_some())
            .field("secret_access_key", &self.secret_access_key.is_some())
            .field("session_token", &self.session_token.is_some())
            .field("path_style", &self.path_style)
            .finish()
    }
}

/// The options of the conda commands (`search`, `download`, `repodata`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(not(feature = "channel"), allow(dead_code))]
pub struct CondaOptions {
    /// `-c/--channel`, in order (empty: the pixi workspace's).
    pub channels: Vec<String>,
    /// `--platform`, in order (empty: the machine's and noarch).
    pub platforms: Vec<String>,
    /// `--no-cache`.
    pub no_cache: bool,
}

/// What the command line asks for.
#[derive(Clone, Debug)]
pub enum Parsed {
    /// Run a command.
    Run(Box<Global>, Box<Command>),
    /// Print help: general (`None`) or for a topic (`ls`, `auth`, `auth login`, ...).
    Help(Option<String>),
    /// Print the version.
    Version,
}
