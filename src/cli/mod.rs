//! The `minis3` command line: parsing ([`args`]), settings ([`minis3::settings`], shown in the
//! command line's words by [`advice`]), and the commands.
//!
//! Exit status: 0 success, 1 an operation failed, 2 a usage error. Every error is one line
//! on stderr, `minis3: <what went wrong>: <what to do>`, with any secret in reach scrubbed.

pub mod advice;
pub mod args;
pub mod commands;
#[cfg(feature = "channel")]
pub mod conda;
pub mod filter;
pub mod glob;
pub mod output;
pub mod paths;
pub mod plan;
#[cfg(feature = "channel")]
pub mod publish;
pub mod remote;
pub mod transfer;

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use minis3::config::env::Environment;
use minis3::s3::{Client, S3Error};
use minis3::settings::{self, Inputs, Settings, SettingsError};

use args::{Command, Global, Operand, Parsed, UsageError};
use output::Output;

/// Exit status for success.
pub const EXIT_OK: i32 = 0;
/// Exit status when an operation failed.
pub const EXIT_FAILED: i32 = 1;
/// Exit status for a usage error.
pub const EXIT_USAGE: i32 = 2;
/// Exit status when some files were skipped and the others transferred (the AWS CLI's 2 for
/// s3 commands, shared with the usage error).
pub const EXIT_SKIPPED: i32 = 2;

/// Why a command did not succeed.
#[derive(Debug)]
pub enum CliError {
    /// The command line is wrong (exit 2).
    Usage(UsageError),
    /// The operation failed; one line (exit 1).
    Failed(String),
    /// Some items failed; each was reported already (exit 1).
    Partial {
        /// How many.
        failures: usize,
    },
    /// Some items were skipped (keys that cannot be written locally), each reported already,
    /// and everything else succeeded (exit 2, as the AWS CLI's s3 commands do).
    Skipped {
        /// How many.
        skipped: usize,
    },
    /// Nothing to report, but the status is 1 (`ls` of a prefix with nothing under it, as
    /// the AWS CLI does).
    Silent,
    /// stdout was closed by the reader (`minis3 ls | head`): stop quietly with status 0.
    BrokenPipe,
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(e) => e.fmt(f),
            CliError::Failed(m) => f.write_str(m),
            CliError::Partial { failures } => write!(f, "{failures} item(s) failed (see above)"),
            CliError::Skipped { skipped } => write!(f, "{skipped} item(s) skipped (see above)"),
            CliError::Silent | CliError::BrokenPipe => Ok(()),
        }
    }
}

impl From<S3Error> for CliError {
    fn from(e: S3Error) -> Self {
        CliError::Failed(advice::s3_error(&e))
    }
}

impl From<SettingsError> for CliError {
    fn from(e: SettingsError) -> Self {
        CliError::Failed(advice::settings_error(&e))
    }
}

impl From<UsageError> for CliError {
    fn from(e: UsageError) -> Self {
        CliError::Usage(e)
    }
}

/// Everything a command runs with.
pub struct Ctx {
    /// The global flags.
    pub global: Global,
    /// The environment (read once in `main`).
    pub env: Environment,
    /// The current directory.
    pub cwd: PathBuf,
    /// stdout / stderr.
    pub out: Output,
}

impl Ctx {
    /// Settings for a command on `target` (bucket, key), or on no bucket.
    pub fn settings(&self, target: Option<(&str, &str)>) -> Result<Settings, CliError> {
        let s = settings::resolve(&Inputs { overrides: &self.global.flags, env: &self.env, cwd: &self.cwd, target })?;
        self.out.add_secrets(&s.secrets);
        if self.global.debug {
            self.out.debug(&format!(
                "region {} ({}); endpoint {} ({}); addressing {} ({}); credentials: {}",
                s.region.value,
                advice::source(&s.region.source),
                s.endpoint_url.as_ref().map(|v| v.value.as_str()).unwrap_or("AWS"),
                s.endpoint_url.as_ref().map(|v| advice::source(&v.source)).unwrap_or_else(|| "default".into()),
                s.addressing_style.value.as_str(),
                advice::source(&s.addressing_style.source),
                advice::credentials_source(&s.credentials)
            ));
        }
        Ok(s)
    }

    /// A client for `target` (bucket, key), or for the service (`None`).
    pub fn client(&self, target: Option<(&str, &str)>) -> Result<Client, CliError> {
        let s = self.settings(target)?;
        self.client_from(&s)
    }

    /// A client from resolved settings.
    pub fn client_from(&self, s: &Settings) -> Result<Client, CliError> {
        Client::new(self.client_config(s)?).map_err(CliError::from)
    }

    /// The client configuration from resolved settings, with the CLI's progress, debug and
    /// notices.
    pub fn client_config(&self, s: &Settings) -> Result<minis3::s3::ClientConfig, CliError> {
        let mut cfg = s.client_config()?;
        if self.out.shows_progress() {
            cfg.progress = Some(Arc::new(self.out.clone()));
        }
        cfg.debug = self.global.debug;
        if self.global.debug {
            cfg.notices = Arc::new(output::StderrNotices::new(self.out.clone()));
        }
        Ok(cfg)
    }
}

/// Runs the command line `args` (without the program name) and returns the exit status.
pub fn run(args: Vec<OsString>, env: Environment) -> i32 {
    let out = Output::new();
    let parsed = match args::parse(args) {
        Ok(p) => p,
        Err(e) => {
            out.error(&e.to_string());
            return EXIT_USAGE;
        }
    };
    let (global, command) = match parsed {
        Parsed::Version => {
            let _ = out.line(&format!("minis3 {}", env!("CARGO_PKG_VERSION")));
            return EXIT_OK;
        }
        Parsed::Help(topic) => {
            return match args::help(topic.as_deref()) {
                Some(text) => {
                    let _ = out.write_raw(text.as_bytes());
                    EXIT_OK
                }
                None => {
                    out.error(&format!(
                        "no help for '{}': see `minis3 --help` for the commands",
                        topic.unwrap_or_default()
                    ));
                    EXIT_USAGE
                }
            };
        }
        Parsed::Run(g, c) => (*g, *c),
    };
    let cwd = match std::env::current_dir() {
        Ok(d) => d,
        Err(e) => {
            out.error(&format!("cannot read the current directory: {e}: run minis3 from an existing directory"));
            return EXIT_FAILED;
        }
    };
    let ctx = Ctx { global, env, cwd, out: out.clone() };
    let result = dispatch(&ctx, command);
    let flushed = out.flush();
    match result.and(flushed) {
        Ok(()) => EXIT_OK,
        Err(CliError::BrokenPipe) => EXIT_OK,
        Err(CliError::Usage(e)) => {
            out.error(&e.to_string());
            EXIT_USAGE
        }
        Err(CliError::Silent) => EXIT_FAILED,
        Err(CliError::Partial { failures }) => {
            out.error(&format!("{failures} of the operations failed (each is reported above): fix them and run again"));
            EXIT_FAILED
        }
        Err(CliError::Skipped { skipped }) => {
            out.error(&format!(
                "{skipped} object(s) skipped (each is reported above); everything else was transferred"
            ));
            EXIT_SKIPPED
        }
        Err(e) => {
            out.error(&e.to_string());
            EXIT_FAILED
        }
    }
}

fn dispatch(ctx: &Ctx, command: Command) -> Result<(), CliError> {
    match command {
        Command::Ls { target, recursive, json } => match target.map(|t| remote::route(ctx, t)).transpose()? {
            None => commands::ls(ctx, None, recursive, json),
            Some(Operand::S3 { bucket, key }) => commands::ls(ctx, Some((bucket, key)), recursive, json),
            Some(other) => remote::ls(ctx, other, recursive, json),
        },
        Command::Cp { src, dst, recursive, opts } => transfer::cp(ctx, src, dst, recursive, &opts),
        Command::Sync { src, dst, delete, exact_timestamps, size_only, opts } => {
            let compare = plan::Compare { size_only, exact_timestamps };
            transfer::sync(ctx, src, dst, delete, compare, &opts)
        }
        Command::Rm { bucket, key, recursive, opts } => commands::rm(ctx, &bucket, &key, recursive, &opts),
        Command::Mb { bucket, quiet } => commands::mb(ctx, &bucket, quiet),
        Command::Rb { bucket, force, quiet } => commands::rb(ctx, &bucket, force, quiet),
        Command::Presign { target, expires_in, method } => match remote::route(ctx, target)? {
            Operand::S3 { bucket, key } => commands::presign(ctx, &bucket, &key, expires_in, method),
            other => Err(remote::presign(&other)),
        },
        Command::Head { target, json } => match remote::route(ctx, target)? {
            Operand::S3 { bucket, key } => commands::head(ctx, &bucket, &key, json),
            other => remote::head(ctx, other, json),
        },
        Command::AuthLogin { url, access_key_id, secret_access_key, session_token } => {
            commands::auth_login(ctx, &url, access_key_id, secret_access_key, session_token)
        }
        Command::AuthLogout { url } => commands::auth_logout(ctx, &url),
        Command::ConfigShow { target, json } => commands::config_show(ctx, target, json),
        #[cfg(feature = "channel")]
        Command::IndexS3 { channel, force, max_parallel, s3 } => {
            publish::index_s3(ctx, &channel, force, max_parallel, &s3)
        }
        #[cfg(feature = "channel")]
        Command::UploadS3 { channel, packages, force, index, max_parallel, s3 } => {
            publish::upload_s3(ctx, publish::UploadArgs { channel, packages, force, index, max_parallel, s3 })
        }
        #[cfg(feature = "channel")]
        Command::Search { conda, spec, json } => conda::search(ctx, &conda, &spec, json),
        #[cfg(feature = "channel")]
        Command::Download { conda, specs, output } => conda::download(ctx, &conda, &specs, &output),
        #[cfg(feature = "channel")]
        Command::Repodata { conda, output } => conda::repodata(ctx, &conda, output.as_ref()),
    }
}
