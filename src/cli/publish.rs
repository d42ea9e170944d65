//! `minis3 index s3` and `minis3 upload s3`: the flags and `S3_*` variables of rattler's S3
//! tools turned into [`S3ToolOptions`], then [`minis3::channel::publish`].

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use minis3::address::AddressingStyle;
use minis3::channel::publish::{
    index_channel_with, publish_config, upload_packages_with, IndexOptions, IndexProgress, PublishError, S3ToolOptions,
    UploadOptions,
};
use minis3::s3::Client;

use super::args::S3ToolFlags;
use super::{CliError, Ctx};

impl From<PublishError> for CliError {
    fn from(e: PublishError) -> Self {
        CliError::Failed(e.to_string())
    }
}

/// The tool options: each flag, else its `S3_*` variable.
fn tool_options(ctx: &Ctx, s3: &S3ToolFlags) -> Result<S3ToolOptions, CliError> {
    let env = |name: &str| ctx.env.var(name).filter(|v| !v.is_empty()).map(str::to_string);
    let style = match s3.path_style {
        Some(path) => Some(path),
        None if ctx.global.flags.force_path_style => Some(true),
        None => match env("S3_ADDRESSING_STYLE").as_deref() {
            Some("path") => Some(true),
            Some("virtual-host" | "virtual") => Some(false),
            Some(other) => {
                return Err(CliError::Failed(format!(
                    "S3_ADDRESSING_STYLE '{other}' is not virtual-host or path: fix the variable"
                )))
            }
            None => match env("S3_FORCE_PATH_STYLE").map(|v| v.to_ascii_lowercase()).as_deref() {
                Some("true" | "1") => Some(true),
                Some("false" | "0") => None,
                Some(other) => {
                    return Err(CliError::Failed(format!(
                        "S3_FORCE_PATH_STYLE '{other}' is not true or false: fix the variable"
                    )))
                }
                None => None,
            },
        },
    };
    Ok(S3ToolOptions {
        endpoint_url: ctx.global.flags.endpoint_url.clone().or_else(|| env("S3_ENDPOINT_URL")),
        region: ctx.global.flags.region.clone().or_else(|| env("S3_REGION")),
        access_key_id: s3.access_key_id.clone().or_else(|| env("S3_ACCESS_KEY_ID")),
        secret_access_key: s3.secret_access_key.clone().or_else(|| env("S3_SECRET_ACCESS_KEY")),
        session_token: s3.session_token.clone().or_else(|| env("S3_SESSION_TOKEN")),
        addressing_style: style.map(|p| if p { AddressingStyle::Path } else { AddressingStyle::Virtual }),
    })
}

/// The client; `bytes_progress`: the client reports upload bytes to the progress line.
fn client(ctx: &Ctx, bucket: &str, path: &str, s3: &S3ToolFlags, bytes_progress: bool) -> Result<Client, CliError> {
    let opts = tool_options(ctx, s3)?;
    // Endpoint, region and style are the tool options' to give; the rest (profile, manifest
    // path) stays with the settings layer.
    let mut base = ctx.global.flags.clone();
    base.endpoint_url = None;
    base.region = None;
    base.force_path_style = false;
    let (mut cfg, origin) = publish_config(bucket, path, &opts, &base, &ctx.env, &ctx.cwd)?;
    ctx.out.add_secrets(&origin.secrets);
    if let Some(s) = &opts.secret_access_key {
        ctx.out.add_secrets(std::slice::from_ref(s));
    }
    if bytes_progress && ctx.out.shows_progress() {
        cfg.progress = Some(Arc::new(ctx.out.clone()));
    }
    cfg.debug = ctx.global.debug;
    if ctx.global.debug {
        ctx.out.debug(&origin.description);
        cfg.notices = Arc::new(super::output::StderrNotices::new(ctx.out.clone()));
    }
    Ok(Client::new(cfg).map_err(PublishError::from)?)
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

fn index(
    ctx: &Ctx,
    client: &Client,
    bucket: &str,
    path: &str,
    force: bool,
    max_parallel: Option<usize>,
    subdirs: Option<Vec<String>>,
) -> Result<(), CliError> {
    let mut opts = IndexOptions::new(now_ms());
    opts.force = force;
    opts.subdirs = subdirs;
    if let Some(n) = max_parallel {
        opts.max_parallel = n;
    }
    // Progress on a terminal: packages read of those to read in the subdir, bytes received.
    let shows = ctx.out.shows_progress();
    let progress = |p: IndexProgress<'_>| {
        if shows {
            ctx.out.progress(&format!(
                "index {}: {} of {} package(s) read, {} received",
                p.subdir,
                p.read,
                p.to_read,
                super::output::human_bytes(p.bytes as f64)
            ));
        }
    };
    let summary = index_channel_with(client, bucket, path, &opts, &progress);
    ctx.out.clear_progress();
    let summary = summary?;
    for s in &summary.skipped {
        ctx.out.error(&format!("skipped s3://{bucket}/{}/{}: {}", path.trim_matches('/'), s.path, s.reason));
    }
    ctx.out.line(&summary.line())?;
    if summary.skipped.is_empty() {
        Ok(())
    } else {
        Err(CliError::Partial { failures: summary.skipped.len() })
    }
}

/// `minis3 index s3 s3://BUCKET/CHANNEL`.
pub fn index_s3(
    ctx: &Ctx,
    channel: &(String, String),
    force: bool,
    max_parallel: Option<usize>,
    s3: &S3ToolFlags,
) -> Result<(), CliError> {
    let (bucket, path) = channel;
    let client = client(ctx, bucket, path, s3, false)?;
    index(ctx, &client, bucket, path, force, max_parallel, None)
}

/// What `upload s3` was asked.
pub struct UploadArgs {
    /// `--channel`.
    pub channel: Option<String>,
    /// The files.
    pub packages: Vec<PathBuf>,
    /// `--force`.
    pub force: bool,
    /// `--index`.
    pub index: bool,
    /// `--max-parallel`.
    pub max_parallel: Option<usize>,
    /// Keys and style.
    pub s3: S3ToolFlags,
}

/// `minis3 upload s3 --channel s3://BUCKET/CHANNEL PACKAGE...`.
pub fn upload_s3(ctx: &Ctx, args: UploadArgs) -> Result<(), CliError> {
    let channel = args
        .channel
        .clone()
        .or_else(|| ctx.env.var("S3_CHANNEL").filter(|v| !v.is_empty()).map(str::to_string))
        .ok_or_else(|| {
            CliError::Usage(super::args::UsageError {
                message: "no channel: give --channel s3://BUCKET/CHANNEL (or set S3_CHANNEL)".into(),
                command: Some("upload s3".into()),
            })
        })?;
    let (bucket, path) =
        super::args::parse_s3_location(&channel).map_err(|m| CliError::Failed(format!("--channel: {m}")))?;
    let client = client(ctx, &bucket, &path, &args.s3, true)?;
    let mut opts = UploadOptions { force: args.force, ..UploadOptions::default() };
    if let Some(n) = args.max_parallel {
        opts.parallel = n;
    }
    let progress = |done: usize, total: usize| ctx.out.progress(&format!("upload: {done} of {total} package(s)"));
    let results = upload_packages_with(&client, &bucket, &path, &args.packages, &opts, &progress);
    ctx.out.clear_progress();
    let results = results?;
    let mut failures = 0;
    let mut touched = BTreeSet::new();
    for r in results {
        match r {
            Ok(u) => {
                touched.insert(u.subdir.clone());
                ctx.out.line(&format!("upload: {} to s3://{bucket}/{}", u.path.display(), u.key))?;
            }
            Err(e) => {
                failures += 1;
                ctx.out.error(&e.to_string());
            }
        }
    }
    if args.index && !touched.is_empty() {
        index(ctx, &client, &bucket, &path, false, None, Some(touched.into_iter().collect()))?;
    }
    if failures > 0 {
        return Err(CliError::Partial { failures });
    }
    Ok(())
}
