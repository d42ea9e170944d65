//! The conda commands: `search`, `download` and `repodata`, on the channels given with `-c`
//! or, without any, those of the pixi workspace.
//!
//! Errors come typed from the channel layer; here they get the advice that names a flag.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use minis3::channel::cache::CacheMode;
use minis3::channel::fetch_error::FetchError;
use minis3::channel::record::name_from_filename;
use minis3::channel::{
    download_all, Channel, ChannelContext, ChannelError, ChannelRecord, DownloadProgress, MatchSpec,
};
use minis3::clock::SystemClock;
use minis3::config::pixi::PixiConfigLoader;

use super::args::CondaOptions;
use super::output::{human_bytes, Output};
use super::{CliError, Ctx};

/// How many packages `download` fetches at once.
const PARALLEL_DOWNLOADS: usize = 4;

/// The advice a user needs for a channel error, in the words of the command line.
fn advise(e: &ChannelError) -> String {
    let text = e.to_string();
    let hint = match e {
        ChannelError::Fetch(FetchError::Settings { .. }) => {
            "; give --endpoint-url/--region, add s3-options for the bucket to the pixi manifest, or use \
             --no-sign-request for a public bucket"
        }
        ChannelError::Fetch(FetchError::MissingNoarch { .. }) => "; check the -c CHANNEL URL",
        ChannelError::Fetch(f) if matches!(f.status(), Some(401 | 403)) => {
            "; check the credentials (minis3 config show s3://BUCKET), or use --no-sign-request for a public bucket"
        }
        ChannelError::Fetch(FetchError::Cache { .. }) => "; or run with --no-cache",
        _ => "",
    };
    format!("{text}{hint}")
}

fn failed(e: ChannelError) -> CliError {
    CliError::Failed(advise(&e))
}

/// The channels to read: `-c` as given, else the pixi workspace's, highest priority first.
fn channel_urls(ctx: &Ctx, conda: &CondaOptions) -> Result<Vec<String>, CliError> {
    if !conda.channels.is_empty() {
        return Ok(conda.channels.clone());
    }
    let mut loader = PixiConfigLoader::new(&ctx.env, ctx.cwd.clone());
    if let Some(p) = &ctx.global.flags.manifest_path {
        loader = loader.manifest_path(p.clone());
    }
    let config = loader.load().map_err(|e| CliError::Failed(e.to_string()))?;
    if config.channels.is_empty() {
        let why = match &config.manifest {
            Some(m) => format!("the pixi manifest {} lists no channels", m.path.display()),
            None => "no pixi workspace was found from the current directory".to_owned(),
        };
        return Err(CliError::Failed(format!("no channel to search: {why}; give -c CHANNEL (or --manifest-path)")));
    }
    Ok(config.channels)
}

fn open_channels(ctx: &Ctx, conda: &CondaOptions) -> Result<Vec<Channel>, CliError> {
    let mut cc = ChannelContext::new(ctx.env.clone(), ctx.cwd.clone());
    cc.flags = ctx.global.flags.clone();
    cc.clock = std::sync::Arc::new(SystemClock);
    cc.cache_mode = if conda.no_cache { CacheMode::Refresh } else { CacheMode::Normal };
    let urls = channel_urls(ctx, conda)?;
    if urls.iter().any(|u| u.trim().get(..6).is_some_and(|p| p.eq_ignore_ascii_case("gcs://"))) {
        // gcs:// channels: a bearer token from Google's application default credentials, and
        // the emulator's address when STORAGE_EMULATOR_HOST is set.
        let auth = super::remote::gcs_auth(ctx, false)?;
        cc.gcs_authorization = Some(std::sync::Arc::new(minis3::channel::gcs_auth::GcsBearer::new(auth)));
        if ctx.env.var(super::remote::EMULATOR_VAR).is_some_and(|v| !v.trim().is_empty()) {
            cc.gcs_endpoint = Some(super::remote::gcs_endpoint(ctx));
        }
    }
    urls.iter()
        .map(|url| {
            if ctx.global.debug {
                ctx.out.debug(&format!("channel {url}"));
            }
            Channel::open(url, &cc).map_err(failed)
        })
        .collect()
}

fn parse_spec(text: &str) -> Result<MatchSpec, CliError> {
    MatchSpec::parse(text).map_err(|e| {
        CliError::Failed(format!("{e}; a spec is NAME, a glob (numpy*), or NAME with constraints ('numpy >=1.26,<2')"))
    })
}

/// The records of every channel that match `spec`, the channels in priority order.
fn query_all(channels: &[Channel], spec: &MatchSpec, platforms: &[String]) -> Result<Vec<ChannelRecord>, CliError> {
    let mut out = Vec::new();
    for c in channels {
        out.extend(c.query(spec, platforms).map_err(failed)?);
    }
    Ok(out)
}

fn record_json(r: &ChannelRecord) -> Value {
    let p = &r.record;
    json!({
        "name": p.name,
        "version": p.version,
        "build": p.build,
        "build_number": p.build_number,
        "subdir": r.subdir,
        "size": p.size,
        "license": p.license,
        "depends": p.depends,
        "constrains": p.constrains,
        "timestamp": p.timestamp,
        "md5": p.md5.map(hex),
        "sha256": p.sha256.map(hex),
        "file_name": r.filename,
        "channel": r.channel,
        "url": r.url,
    })
}

fn hex(b: impl AsRef<[u8]>) -> String {
    b.as_ref().iter().map(|x| format!("{x:02x}")).collect()
}

/// `search`: every match, grouped by name, newest first.
pub fn search(ctx: &Ctx, conda: &CondaOptions, spec_text: &str, json_out: bool) -> Result<(), CliError> {
    let spec = parse_spec(spec_text)?;
    let channels = open_channels(ctx, conda)?;
    let found = query_all(&channels, &spec, &conda.platforms)?;
    if json_out {
        let items: Vec<Value> = found.iter().map(record_json).collect();
        ctx.out.line(&Value::Array(items).to_string())?;
        return if found.is_empty() { Err(CliError::Silent) } else { Ok(()) };
    }
    if found.is_empty() {
        let where_ = channels.iter().map(|c| c.url().to_string()).collect::<Vec<_>>().join(", ");
        return Err(CliError::Failed(format!(
            "no package matches '{spec_text}' in {where_}; check the spec, or search other subdirs with --platform"
        )));
    }
    let mut last_name = String::new();
    for r in &found {
        let p = &r.record;
        if p.name != last_name {
            if !last_name.is_empty() {
                ctx.out.line("")?;
            }
            ctx.out.line(&p.name)?;
            last_name = p.name.clone();
        }
        let size = p.size.map(|s| human_bytes(s as f64)).unwrap_or_else(|| "-".into());
        ctx.out.line(&format!(
            "  {:<16} {:<24} {:<14} {:>10}  {}",
            p.version,
            p.build,
            r.subdir,
            size,
            p.license.as_deref().unwrap_or("-")
        ))?;
        if !p.depends.is_empty() {
            ctx.out.line(&format!("      depends: {}", p.depends.join(", ")))?;
        }
        ctx.out.line(&format!("      {}", r.url))?;
    }
    Ok(())
}

/// Bytes of downloads to the progress line (drawn only on a terminal).
struct Progress<'a>(&'a Output);

impl DownloadProgress for Progress<'_> {
    fn advance(&self, _filename: &str, bytes: u64) {
        minis3::s3::Progress::advance(self.0, bytes);
    }
}

/// Whether an operand names a package file rather than a spec.
fn is_filename(text: &str) -> bool {
    (text.ends_with(".conda") || text.ends_with(".tar.bz2")) && !text.contains([' ', '=', '<', '>', '[', '*'])
}

/// `download`: per operand the newest match (the first channel that has one wins), or the
/// named file; then all of them in parallel.
pub fn download(ctx: &Ctx, conda: &CondaOptions, operands: &[String], dir: &Path) -> Result<(), CliError> {
    let channels = open_channels(ctx, conda)?;
    let mut picked: Vec<(&Channel, ChannelRecord)> = Vec::new();
    for text in operands {
        let (spec, file) = if is_filename(text) {
            let name = name_from_filename(text).ok_or_else(|| {
                CliError::Failed(format!("'{text}' is not a package file name NAME-VERSION-BUILD.conda|.tar.bz2"))
            })?;
            (parse_spec(name)?, Some(text.as_str()))
        } else {
            (parse_spec(text)?, None)
        };
        let mut hit = None;
        for c in &channels {
            let found = c.query(&spec, &conda.platforms).map_err(failed)?;
            let first = match file {
                Some(f) => found.into_iter().find(|r| r.filename == f),
                None => found.into_iter().next(),
            };
            if let Some(r) = first {
                hit = Some((c, r));
                break;
            }
        }
        match hit {
            Some(h) => picked.push(h),
            None => {
                let where_ = channels.iter().map(|c| c.url().to_string()).collect::<Vec<_>>().join(", ");
                return Err(CliError::Failed(format!(
                    "no package matches '{text}' in {where_}; check the spec, or add --platform SUBDIR"
                )));
            }
        }
    }
    let items: Vec<(&Channel, &ChannelRecord)> = picked.iter().map(|(c, r)| (*c, r)).collect();
    if ctx.out.shows_progress() {
        ctx.out.progress(&format!("downloading {} package(s)", items.len()));
    }
    let progress = Progress(&ctx.out);
    // Progress only on a terminal (the output's progress line draws whatever stderr is).
    let shown: Option<&dyn DownloadProgress> = if ctx.out.shows_progress() { Some(&progress) } else { None };
    let results = download_all(&items, dir, PARALLEL_DOWNLOADS, shown);
    ctx.out.clear_progress();
    let mut failures = 0;
    for ((_, r), result) in items.iter().zip(results) {
        match result {
            Ok(path) => ctx.out.line(&format!("download: {} to {}", r.url, path.display()))?,
            Err(e) => {
                failures += 1;
                ctx.out.error(&advise(&e));
            }
        }
    }
    match failures {
        0 => Ok(()),
        1 if items.len() == 1 => Err(CliError::Silent),
        n => Err(CliError::Partial { failures: n }),
    }
}

/// Writes to stdout through [`Output`].
struct Stdout<'a>(&'a Output);

impl Write for Stdout<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write_raw(buf).map_err(|e| io::Error::other(e.to_string()))?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush().map_err(|e| io::Error::other(e.to_string()))
    }
}

/// `repodata`: the subdir's repodata.json to stdout or a file (written to a temporary file
/// beside it and renamed when complete).
pub fn repodata(ctx: &Ctx, conda: &CondaOptions, output: Option<&PathBuf>) -> Result<(), CliError> {
    let channels = open_channels(ctx, conda)?;
    let (channel, subdir) = (&channels[0], &conda.platforms[0]);
    let Some(path) = output else {
        return channel.repodata(subdir, &mut Stdout(&ctx.out)).map_err(failed);
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "repodata.json".into());
    let temp = path.with_file_name(format!(".{name}.{}.part", std::process::id()));
    let io_fail = |e: io::Error, p: &Path| CliError::Failed(format!("cannot write {}: {e}; check -o", p.display()));
    let file = std::fs::File::create(&temp).map_err(|e| io_fail(e, &temp))?;
    let mut w = io::BufWriter::new(file);
    let result =
        channel.repodata(subdir, &mut w).map_err(failed).and_then(|_| w.flush().map_err(|e| io_fail(e, &temp)));
    drop(w);
    if let Err(e) = result {
        let _ = std::fs::remove_file(&temp);
        return Err(e);
    }
    std::fs::rename(&temp, path).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        io_fail(e, path)
    })
}
