//! One builder per command: its operands checked and turned, with its flags, into a [`Command`].

use std::ffi::OsString;

#[cfg(feature = "channel")]
use super::command::CondaOptions;
use super::command::{Command, Operand};
use super::flags::{Cmd, FlagId};
use super::parse::{operand, parse_s3, remote, CommandFlags, UsageError};
#[cfg(feature = "channel")]
use std::path::PathBuf;

/// A command's operands (what follows its name), with the name for messages.
pub(super) struct Operands<'a> {
    /// `ls`, `auth login`...
    pub name: &'static str,
    /// The operands, in order.
    pub list: &'a [OsString],
}

impl Operands<'_> {
    /// A usage error pointing at this command's help.
    fn err(&self, message: String) -> UsageError {
        UsageError { message, command: Some(self.name.to_string()) }
    }

    /// Fails unless there are `min` to `max` operands (`what`: what the command needs).
    fn count(&self, min: usize, max: usize, what: &str) -> Result<(), UsageError> {
        if self.list.len() < min {
            return Err(self.err(format!("`minis3 {}` needs {what}", self.name)));
        }
        if self.list.len() > max {
            let extra = self.list[max].to_string_lossy();
            return Err(self.err(format!("unexpected argument '{extra}'")));
        }
        Ok(())
    }

    /// Operand `i` as `s3://BUCKET[/KEY]`; with `need_key`, the key must not be empty.
    fn s3(&self, i: usize, need_key: bool) -> Result<(String, String), UsageError> {
        let text = self.list[i].to_string_lossy().into_owned();
        let (bucket, key) = parse_s3(&text).map_err(|m| self.err(m))?;
        if need_key && key.is_empty() {
            return Err(self.err(format!("'{text}' has no object key: give s3://{bucket}/KEY")));
        }
        Ok((bucket, key))
    }

    /// Operand `i` as a remote location (`s3://`, `gcs://`, `http(s)://`); with `need_key`, a
    /// bucket's key must not be empty.
    fn remote(&self, i: usize, need_key: bool) -> Result<Operand, UsageError> {
        let text = self.list[i].to_string_lossy().into_owned();
        let target = match remote(&text) {
            Some(r) => r.map_err(|m| self.err(m))?,
            None => {
                return Err(self.err(format!(
                    "'{text}' is not a location: give s3://BUCKET/KEY, gcs://BUCKET/KEY or an http(s):// URL"
                )))
            }
        };
        if let Operand::S3 { bucket, key } | Operand::Gcs { bucket, key } = &target {
            if need_key && key.is_empty() {
                let scheme = if matches!(target, Operand::S3 { .. }) { "s3" } else { "gcs" };
                return Err(self.err(format!("'{text}' has no object key: give {scheme}://{bucket}/KEY")));
            }
        }
        Ok(target)
    }
}

/// Builds `cmd` from its operands and flags.
pub(super) fn command(cmd: Cmd, o: &Operands<'_>, f: CommandFlags) -> Result<Command, UsageError> {
    match cmd {
        Cmd::Ls => ls(o, f),
        Cmd::Cp => cp(o, f),
        Cmd::Sync => sync(o, f),
        Cmd::Rm => rm(o, f),
        Cmd::Mb => mb(o, f),
        Cmd::Rb => rb(o, f),
        Cmd::Presign => presign(o, f),
        Cmd::Head => head(o, f),
        Cmd::AuthLogin => auth_login(o, f),
        Cmd::AuthLogout => auth_logout(o, f),
        Cmd::ConfigShow => config_show(o, f),
        #[cfg(feature = "channel")]
        Cmd::IndexS3 => index_s3(o, f),
        #[cfg(feature = "channel")]
        Cmd::UploadS3 => upload_s3(o, f),
        #[cfg(feature = "channel")]
        Cmd::Search => search(o, f),
        #[cfg(feature = "channel")]
        Cmd::Download => download(o, f),
        #[cfg(feature = "channel")]
        Cmd::Repodata => repodata(o, f),
        #[cfg(not(feature = "channel"))]
        Cmd::IndexS3 | Cmd::UploadS3 | Cmd::Search | Cmd::Download | Cmd::Repodata => {
            Err(o.err(super::help::NO_CHANNEL.to_owned()))
        }
    }
}

fn ls(o: &Operands<'_>, f: CommandFlags) -> Result<Command, UsageError> {
    o.count(0, 1, "at most one location")?;
    let target = if o.list.is_empty() { None } else { Some(o.remote(0, false)?) };
    Ok(Command::Ls { target, recursive: f.on(FlagId::Recursive), json: f.on(FlagId::Json) })
}

/// The source and destination of `cp` and `sync`: at least one of them an s3:// location.
fn sides(o: &Operands<'_>) -> Result<(Operand, Operand), UsageError> {
    o.count(2, 2, "a source and a destination")?;
    let src = operand(&o.list[0]).map_err(|m| o.err(m))?;
    let dst = operand(&o.list[1]).map_err(|m| o.err(m))?;
    if matches!(src, Operand::Local(_) | Operand::Stdio) && matches!(dst, Operand::Local(_) | Operand::Stdio) {
        return Err(
            o.err("one side must be an s3://, gcs:// or http(s):// location (local to local is not supported)".into())
        );
    }
    Ok((src, dst))
}

fn cp(o: &Operands<'_>, f: CommandFlags) -> Result<Command, UsageError> {
    let (src, dst) = sides(o)?;
    let recursive = f.on(FlagId::Recursive);
    if recursive && (src == Operand::Stdio || dst == Operand::Stdio) {
        return Err(o.err("'-' (stdin/stdout) cannot be used with --recursive".into()));
    }
    if let Operand::S3 { key, bucket } | Operand::Gcs { key, bucket } = &src {
        if !recursive && key.is_empty() {
            let scheme = if matches!(src, Operand::S3 { .. }) { "s3" } else { "gcs" };
            return Err(o.err(format!(
                "'{scheme}://{bucket}/' names no object: give {scheme}://{bucket}/KEY, or add --recursive"
            )));
        }
    }
    Ok(Command::Cp { src, dst, recursive, opts: f.opts })
}

fn sync(o: &Operands<'_>, f: CommandFlags) -> Result<Command, UsageError> {
    let (src, dst) = sides(o)?;
    if src == Operand::Stdio || dst == Operand::Stdio {
        return Err(o.err("sync works on directories and prefixes, not '-'".into()));
    }
    Ok(Command::Sync {
        src,
        dst,
        delete: f.on(FlagId::Delete),
        exact_timestamps: f.on(FlagId::ExactTimestamps),
        size_only: f.on(FlagId::SizeOnly),
        opts: f.opts,
    })
}

fn rm(o: &Operands<'_>, f: CommandFlags) -> Result<Command, UsageError> {
    o.count(1, 1, "an s3:// location")?;
    let recursive = f.on(FlagId::Recursive);
    let (bucket, key) = o.s3(0, !recursive)?;
    Ok(Command::Rm { bucket, key, recursive, opts: f.opts })
}

/// The operand of `mb` and `rb`: `s3://BUCKET`, without a key.
fn bucket_only(o: &Operands<'_>) -> Result<String, UsageError> {
    o.count(1, 1, "a bucket (s3://BUCKET)")?;
    let (bucket, key) = o.s3(0, false)?;
    if !key.is_empty() {
        return Err(o.err(format!("'{}' is not a bucket: give s3://{bucket}", o.list[0].to_string_lossy())));
    }
    Ok(bucket)
}

fn mb(o: &Operands<'_>, f: CommandFlags) -> Result<Command, UsageError> {
    Ok(Command::Mb { bucket: bucket_only(o)?, quiet: f.opts.quiet })
}

fn rb(o: &Operands<'_>, f: CommandFlags) -> Result<Command, UsageError> {
    Ok(Command::Rb { bucket: bucket_only(o)?, force: f.on(FlagId::Force), quiet: f.opts.quiet })
}

fn presign(o: &Operands<'_>, f: CommandFlags) -> Result<Command, UsageError> {
    o.count(1, 1, "an object (s3://BUCKET/KEY)")?;
    let target = o.remote(0, true)?;
    Ok(Command::Presign { target, expires_in: f.expires_in.unwrap_or(3600), method: f.method })
}

fn head(o: &Operands<'_>, f: CommandFlags) -> Result<Command, UsageError> {
    o.count(1, 1, "an object (s3://BUCKET/KEY, gcs://BUCKET/KEY or a URL)")?;
    let target = o.remote(0, true)?;
    Ok(Command::Head { target, json: f.on(FlagId::Json) })
}

fn auth_login(o: &Operands<'_>, f: CommandFlags) -> Result<Command, UsageError> {
    o.count(1, 1, "a bucket (s3://BUCKET[/PATH])")?;
    o.s3(0, false)?;
    let url = o.list[0].to_string_lossy().into_owned();
    let access_key_id =
        f.access.filter(|s| !s.is_empty()).ok_or_else(|| o.err("--s3-access-key-id is required".into()))?;
    let secret_access_key =
        f.secret.filter(|s| !s.is_empty()).ok_or_else(|| o.err("--s3-secret-access-key is required".into()))?;
    Ok(Command::AuthLogin { url, access_key_id, secret_access_key, session_token: f.token.filter(|t| !t.is_empty()) })
}

fn auth_logout(o: &Operands<'_>, _: CommandFlags) -> Result<Command, UsageError> {
    o.count(1, 1, "a bucket (s3://BUCKET)")?;
    o.s3(0, false)?;
    Ok(Command::AuthLogout { url: o.list[0].to_string_lossy().into_owned() })
}

fn config_show(o: &Operands<'_>, f: CommandFlags) -> Result<Command, UsageError> {
    o.count(0, 1, "at most one location")?;
    let target = if o.list.is_empty() { None } else { Some(o.s3(0, false)?) };
    Ok(Command::ConfigShow { target, json: f.on(FlagId::Json) })
}

#[cfg(feature = "channel")]
fn index_s3(o: &Operands<'_>, f: CommandFlags) -> Result<Command, UsageError> {
    o.count(1, 1, "a channel (s3://BUCKET/CHANNEL)")?;
    let channel = o.s3(0, false)?;
    Ok(Command::IndexS3 { channel, force: f.on(FlagId::Force), max_parallel: f.max_parallel, s3: f.s3_tool() })
}

#[cfg(feature = "channel")]
fn upload_s3(o: &Operands<'_>, f: CommandFlags) -> Result<Command, UsageError> {
    o.count(1, usize::MAX, "at least one package file")?;
    if f.channels.len() > 1 {
        return Err(o.err("`minis3 upload s3` takes one --channel".into()));
    }
    let channel = f.channels.first().cloned();
    if let Some(c) = &channel {
        parse_s3(c).map_err(|m| o.err(format!("--channel: {m}")))?;
    }
    Ok(Command::UploadS3 {
        channel,
        packages: o.list.iter().map(PathBuf::from).collect(),
        force: f.on(FlagId::Force),
        index: f.on(FlagId::Index),
        max_parallel: f.max_parallel,
        s3: f.s3_tool(),
    })
}

#[cfg(feature = "channel")]
fn conda(f: &CommandFlags) -> CondaOptions {
    CondaOptions { channels: f.channels.clone(), platforms: f.platforms.clone(), no_cache: f.on(FlagId::NoCache) }
}

#[cfg(feature = "channel")]
fn search(o: &Operands<'_>, f: CommandFlags) -> Result<Command, UsageError> {
    o.count(1, 1, "one match spec (quote a spec with spaces: 'numpy >=1.26')")?;
    let spec = o.list[0].to_string_lossy().into_owned();
    Ok(Command::Search { conda: conda(&f), spec, json: f.on(FlagId::Json) })
}

#[cfg(feature = "channel")]
fn download(o: &Operands<'_>, f: CommandFlags) -> Result<Command, UsageError> {
    o.count(1, usize::MAX, "at least one match spec or package file name")?;
    let output = f.output.clone().ok_or_else(|| o.err("`minis3 download` needs -o DIR".into()))?;
    let specs = o.list.iter().map(|s| s.to_string_lossy().into_owned()).collect();
    Ok(Command::Download { conda: conda(&f), specs, output })
}

#[cfg(feature = "channel")]
fn repodata(o: &Operands<'_>, f: CommandFlags) -> Result<Command, UsageError> {
    o.count(0, 0, "no operands")?;
    let c = conda(&f);
    if c.channels.len() != 1 {
        return Err(o.err("`minis3 repodata` needs exactly one -c CHANNEL".into()));
    }
    if c.platforms.len() != 1 {
        return Err(o.err("`minis3 repodata` needs exactly one --platform SUBDIR".into()));
    }
    Ok(Command::Repodata { conda: c, output: f.output.clone() })
}
