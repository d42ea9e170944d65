//! Command-line parsing with `lexopt`. Every flag is defined once, in [`FLAGS`], with its
//! documentation next to it; `--help` is generated from that table, so the two cannot drift.
//!
//! Global flags may appear anywhere on the line; a command's flags are accepted anywhere
//! too (before or after its operands) but only for the commands that define them.

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

use minis3::address::Location;
use minis3::settings::Overrides;

use super::filter::{Filters, Rule};

/// A command (a sub-command for `auth` and `config`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmd {
    /// `ls`.
    Ls,
    /// `cp`.
    Cp,
    /// `sync`.
    Sync,
    /// `rm`.
    Rm,
    /// `mb`.
    Mb,
    /// `rb`.
    Rb,
    /// `presign`.
    Presign,
    /// `head`.
    Head,
    /// `auth login`.
    AuthLogin,
    /// `auth logout`.
    AuthLogout,
    /// `config show`.
    ConfigShow,
}

/// Every command with its name, operands and one-line description, in help order.
pub const COMMANDS: &[(Cmd, &str, &str, &str)] = &[
    (Cmd::Ls, "ls", "[s3://BUCKET[/PREFIX]]", "List buckets, or the objects and prefixes under a prefix."),
    (Cmd::Cp, "cp", "SRC DST", "Copy a file or object: local to S3, S3 to local, S3 to S3; '-' is stdin/stdout."),
    (Cmd::Sync, "sync", "SRC DST", "Copy what is missing or changed from a directory or prefix to another."),
    (Cmd::Rm, "rm", "s3://BUCKET/KEY", "Delete an object, or with --recursive every object under a prefix."),
    (Cmd::Mb, "mb", "s3://BUCKET", "Create a bucket."),
    (Cmd::Rb, "rb", "s3://BUCKET", "Delete an empty bucket (with --force: its objects first)."),
    (Cmd::Presign, "presign", "s3://BUCKET/KEY", "Print a presigned URL for downloading (or uploading) an object."),
    (Cmd::Head, "head", "s3://BUCKET/KEY", "Show an object's size, type, ETag, modification time and metadata."),
    (
        Cmd::AuthLogin,
        "auth login",
        "s3://BUCKET[/PATH]",
        "Store S3 keys for a bucket in rattler's auth file (as `pixi auth login`).",
    ),
    (Cmd::AuthLogout, "auth logout", "s3://BUCKET", "Remove a bucket's keys from rattler's auth file."),
    (
        Cmd::ConfigShow,
        "config show",
        "[s3://BUCKET]",
        "Show each resolved setting and where it came from (secrets never shown).",
    ),
];

/// Which flag (the parsed form of a [`FlagDef`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlagId {
    /// `--endpoint-url`.
    EndpointUrl,
    /// `--region`.
    Region,
    /// `--force-path-style`.
    ForcePathStyle,
    /// `--profile`.
    Profile,
    /// `--no-sign-request`.
    NoSignRequest,
    /// `--debug`.
    Debug,
    /// `--manifest-path`.
    ManifestPath,
    /// `--help`.
    Help,
    /// `--version`.
    Version,
    /// `--recursive`.
    Recursive,
    /// `--json`.
    Json,
    /// `--content-type`.
    ContentType,
    /// `--metadata`.
    Metadata,
    /// `--exclude`.
    Exclude,
    /// `--include`.
    Include,
    /// `--dryrun`.
    Dryrun,
    /// `--quiet`.
    Quiet,
    /// `--delete`.
    Delete,
    /// `--exact-timestamps`.
    ExactTimestamps,
    /// `--size-only`.
    SizeOnly,
    /// `--force`.
    Force,
    /// `--expires-in`.
    ExpiresIn,
    /// `--method`.
    Method,
    /// `--s3-access-key-id`.
    AccessKeyId,
    /// `--s3-secret-access-key`.
    SecretAccessKey,
    /// `--s3-session-token`.
    SessionToken,
}

/// One flag: its names, its value (if it takes one), where it applies, and its documentation.
#[derive(Debug)]
pub struct FlagDef {
    /// Which flag.
    pub id: FlagId,
    /// The long name, without `--`.
    pub long: &'static str,
    /// Other long names accepted.
    pub aliases: &'static [&'static str],
    /// A short name.
    pub short: Option<char>,
    /// The value's name in help, for flags that take one.
    pub value: Option<&'static str>,
    /// The commands it belongs to; empty for a global flag.
    pub commands: &'static [Cmd],
    /// The documentation shown by `--help`.
    pub doc: &'static str,
}

const TRANSFER: &[Cmd] = &[Cmd::Cp, Cmd::Sync];
const FILTERED: &[Cmd] = &[Cmd::Cp, Cmd::Sync, Cmd::Rm];

/// Every flag. The order is the order of `--help`.
pub const FLAGS: &[FlagDef] = &[
    FlagDef {
        id: FlagId::EndpointUrl,
        long: "endpoint-url",
        aliases: &[],
        short: None,
        value: Some("URL"),
        commands: &[],
        doc: "Send requests to this endpoint (e.g. http://127.0.0.1:9000) instead of the AWS endpoint of the \
              region. Wins over AWS_ENDPOINT_URL, the AWS config and pixi's s3-options.",
    },
    FlagDef {
        id: FlagId::Region,
        long: "region",
        aliases: &[],
        short: None,
        value: Some("REGION"),
        commands: &[],
        doc: "The region to sign for (and, on AWS, to send to). Wins over AWS_REGION, the AWS config and pixi's \
              s3-options.",
    },
    FlagDef {
        id: FlagId::ForcePathStyle,
        long: "force-path-style",
        aliases: &[],
        short: None,
        value: None,
        commands: &[],
        doc: "Put the bucket in the URL path (http://HOST/BUCKET/KEY) instead of the host name.",
    },
    FlagDef {
        id: FlagId::Profile,
        long: "profile",
        aliases: &[],
        short: None,
        value: Some("NAME"),
        commands: &[],
        doc: "Use this profile of the AWS config and credentials files (default: AWS_PROFILE, else 'default').",
    },
    FlagDef {
        id: FlagId::NoSignRequest,
        long: "no-sign-request",
        aliases: &[],
        short: None,
        value: None,
        commands: &[],
        doc: "Send requests unsigned, without looking for credentials (public buckets).",
    },
    FlagDef {
        id: FlagId::Debug,
        long: "debug",
        aliases: &[],
        short: None,
        value: None,
        commands: &[],
        doc: "Print where settings came from and, when a signature is refused, the canonical request that was \
              signed (secrets are never printed).",
    },
    FlagDef {
        id: FlagId::ManifestPath,
        long: "manifest-path",
        aliases: &[],
        short: None,
        value: Some("PATH"),
        commands: &[],
        doc: "The pixi manifest (pixi.toml, pyproject.toml) whose s3-options apply, instead of searching from \
              the current directory upwards.",
    },
    FlagDef {
        id: FlagId::Help,
        long: "help",
        aliases: &[],
        short: Some('h'),
        value: None,
        commands: &[],
        doc: "Show help (for a command: `minis3 COMMAND --help` or `minis3 help COMMAND`).",
    },
    FlagDef {
        id: FlagId::Version,
        long: "version",
        aliases: &[],
        short: Some('V'),
        value: None,
        commands: &[],
        doc: "Show the version.",
    },
    FlagDef {
        id: FlagId::Recursive,
        long: "recursive",
        aliases: &[],
        short: None,
        value: None,
        commands: &[Cmd::Ls, Cmd::Cp, Cmd::Rm],
        doc: "Every object under the prefix (every file under the directory), not just one.",
    },
    FlagDef {
        id: FlagId::Json,
        long: "json",
        aliases: &[],
        short: None,
        value: None,
        commands: &[Cmd::Ls, Cmd::Head, Cmd::ConfigShow],
        doc: "Print JSON instead of text.",
    },
    FlagDef {
        id: FlagId::ContentType,
        long: "content-type",
        aliases: &[],
        short: None,
        value: Some("TYPE"),
        commands: TRANSFER,
        doc: "The Content-Type of uploaded (or, S3 to S3, copied) objects.",
    },
    FlagDef {
        id: FlagId::Metadata,
        long: "metadata",
        aliases: &[],
        short: None,
        value: Some("K=V,..."),
        commands: TRANSFER,
        doc: "User metadata (x-amz-meta-K) for uploaded or copied objects.",
    },
    FlagDef {
        id: FlagId::Exclude,
        long: "exclude",
        aliases: &[],
        short: None,
        value: Some("GLOB"),
        commands: FILTERED,
        doc: "Leave out paths (relative to the source) matching GLOB: '*' (crossing '/'), '?', '[...]'. Repeatable; \
              with --include, the last matching filter wins.",
    },
    FlagDef {
        id: FlagId::Include,
        long: "include",
        aliases: &[],
        short: None,
        value: Some("GLOB"),
        commands: FILTERED,
        doc: "Take back paths matching GLOB that an earlier --exclude left out. Repeatable.",
    },
    FlagDef {
        id: FlagId::Dryrun,
        long: "dryrun",
        aliases: &["dry-run"],
        short: None,
        value: None,
        commands: FILTERED,
        doc: "Print what would be done, without doing it.",
    },
    FlagDef {
        id: FlagId::Quiet,
        long: "quiet",
        aliases: &[],
        short: Some('q'),
        value: None,
        commands: &[Cmd::Cp, Cmd::Sync, Cmd::Rm, Cmd::Mb, Cmd::Rb],
        doc: "Do not print what was done (errors are still printed).",
    },
    FlagDef {
        id: FlagId::Delete,
        long: "delete",
        aliases: &[],
        short: None,
        value: None,
        commands: &[Cmd::Sync],
        doc: "Also delete destination files that are not at the source (filters protect excluded files).",
    },
    FlagDef {
        id: FlagId::ExactTimestamps,
        long: "exact-timestamps",
        aliases: &[],
        short: None,
        value: None,
        commands: &[Cmd::Sync],
        doc: "S3 to local: download same-sized files whenever the times differ (default: only when the local \
              file is newer).",
    },
    FlagDef {
        id: FlagId::SizeOnly,
        long: "size-only",
        aliases: &[],
        short: None,
        value: None,
        commands: &[Cmd::Sync],
        doc: "Compare sizes only, not modification times.",
    },
    FlagDef {
        id: FlagId::Force,
        long: "force",
        aliases: &[],
        short: None,
        value: None,
        commands: &[Cmd::Rb],
        doc: "Delete every object in the bucket first.",
    },
    FlagDef {
        id: FlagId::ExpiresIn,
        long: "expires-in",
        aliases: &[],
        short: None,
        value: Some("SECONDS"),
        commands: &[Cmd::Presign],
        doc: "How long the URL is valid: 1 to 604800 seconds (7 days). Default 3600.",
    },
    FlagDef {
        id: FlagId::Method,
        long: "method",
        aliases: &[],
        short: None,
        value: Some("GET|PUT"),
        commands: &[Cmd::Presign],
        doc: "GET to download (default) or PUT to upload with the URL.",
    },
    FlagDef {
        id: FlagId::AccessKeyId,
        long: "s3-access-key-id",
        aliases: &["aws-access-key-id"],
        short: None,
        value: Some("ID"),
        commands: &[Cmd::AuthLogin],
        doc: "The access key id to store (also accepted as --aws-access-key-id, pixi's documented spelling).",
    },
    FlagDef {
        id: FlagId::SecretAccessKey,
        long: "s3-secret-access-key",
        aliases: &["aws-secret-access-key"],
        short: None,
        value: Some("SECRET"),
        commands: &[Cmd::AuthLogin],
        doc: "The secret access key to store (also --aws-secret-access-key).",
    },
    FlagDef {
        id: FlagId::SessionToken,
        long: "s3-session-token",
        aliases: &["aws-session-token"],
        short: None,
        value: Some("TOKEN"),
        commands: &[Cmd::AuthLogin],
        doc: "A session token to store with temporary keys (also --aws-session-token).",
    },
];

fn flag_by_long(name: &str) -> Option<&'static FlagDef> {
    FLAGS.iter().find(|f| f.long == name || f.aliases.contains(&name))
}

fn flag_by_short(c: char) -> Option<&'static FlagDef> {
    FLAGS.iter().find(|f| f.short == Some(c))
}

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
    /// `-`: stdin or stdout.
    Stdio,
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Local(p) => write!(f, "{}", p.display()),
            Operand::S3 { bucket, key } => write!(f, "s3://{bucket}/{key}"),
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
        /// The bucket and prefix (`None`: list buckets).
        target: Option<(String, String)>,
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
        /// Bucket.
        bucket: String,
        /// Key.
        key: String,
        /// `--expires-in`.
        expires_in: u64,
        /// `--method`.
        method: PresignMethod,
    },
    /// `head`.
    Head {
        /// Bucket.
        bucket: String,
        /// Key.
        key: String,
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

/// A usage error: exit status 2, one line naming the problem and the help to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageError {
    /// What is wrong.
    pub message: String,
    /// The command whose help to point at (`ls`, `auth login`), if known.
    pub command: Option<String>,
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.command {
            Some(c) => write!(f, "{}: see `minis3 {c} --help`", self.message),
            None => write!(f, "{}: see `minis3 --help`", self.message),
        }
    }
}

impl std::error::Error for UsageError {}

fn cmd_name(cmd: Cmd) -> &'static str {
    COMMANDS.iter().find(|c| c.0 == cmd).map(|c| c.1).unwrap_or("")
}

/// Parses the arguments after the program name.
pub fn parse<I>(args: I) -> Result<Parsed, UsageError>
where
    I: IntoIterator,
    I::Item: Into<OsString>,
{
    use lexopt::Arg;
    let mut parser = lexopt::Parser::from_args(args);
    let mut flags: Vec<(&'static FlagDef, String, Option<String>)> = Vec::new();
    let mut positionals: Vec<OsString> = Vec::new();
    let usage = |message: String, positionals: &[OsString]| UsageError { message, command: topic_of(positionals) };
    loop {
        let arg = match parser.next() {
            Ok(Some(a)) => a,
            Ok(None) => break,
            Err(e) => return Err(usage(e.to_string(), &positionals)),
        };
        let (def, spelled) = match arg {
            Arg::Long(name) => match flag_by_long(name) {
                Some(d) => (d, format!("--{name}")),
                None => return Err(usage(format!("unknown option '--{name}'"), &positionals)),
            },
            Arg::Short(c) => match flag_by_short(c) {
                Some(d) => (d, format!("-{c}")),
                None => return Err(usage(format!("unknown option '-{c}'"), &positionals)),
            },
            Arg::Value(v) => {
                positionals.push(v);
                continue;
            }
        };
        let value = if def.value.is_some() {
            match parser.value() {
                Ok(v) => match v.into_string() {
                    Ok(s) => Some(s),
                    Err(_) => {
                        if def.id == FlagId::ManifestPath {
                            return Err(usage(format!("{spelled}: the path is not valid UTF-8"), &positionals));
                        }
                        return Err(usage(format!("{spelled}: the value is not valid UTF-8"), &positionals));
                    }
                },
                Err(_) => {
                    return Err(usage(
                        format!("{spelled} needs a value ({})", def.value.unwrap_or("VALUE")),
                        &positionals,
                    ))
                }
            }
        } else {
            if parser.optional_value().is_some() {
                return Err(usage(format!("{spelled} takes no value"), &positionals));
            }
            None
        };
        flags.push((def, spelled, value));
    }

    let has = |id: FlagId| flags.iter().any(|(d, _, _)| d.id == id);
    if has(FlagId::Version) && !has(FlagId::Help) {
        return Ok(Parsed::Version);
    }
    // `minis3 help [TOPIC...]`, `minis3 COMMAND help`, `--help` anywhere.
    if positionals.first().is_some_and(|p| p == "help") {
        let topic: Vec<String> = positionals[1..].iter().map(|p| p.to_string_lossy().into_owned()).collect();
        return Ok(Parsed::Help(if topic.is_empty() { None } else { Some(topic.join(" ")) }));
    }
    if has(FlagId::Help) {
        return Ok(Parsed::Help(topic_of(&positionals)));
    }
    let Some(first) = positionals.first() else {
        return Err(UsageError { message: "no command given".into(), command: None });
    };
    let first = first.to_string_lossy().into_owned();
    let (cmd, used) = match first.as_str() {
        "ls" => (Cmd::Ls, 1),
        "cp" => (Cmd::Cp, 1),
        "sync" => (Cmd::Sync, 1),
        "rm" => (Cmd::Rm, 1),
        "mb" => (Cmd::Mb, 1),
        "rb" => (Cmd::Rb, 1),
        "presign" => (Cmd::Presign, 1),
        "head" => (Cmd::Head, 1),
        "auth" | "config" => {
            let sub = positionals.get(1).map(|s| s.to_string_lossy().into_owned());
            match (first.as_str(), sub.as_deref()) {
                ("auth", Some("login")) => (Cmd::AuthLogin, 2),
                ("auth", Some("logout")) => (Cmd::AuthLogout, 2),
                ("config", Some("show")) => (Cmd::ConfigShow, 2),
                ("auth" | "config", Some("help")) => return Ok(Parsed::Help(Some(first))),
                (_, Some(other)) => {
                    return Err(UsageError {
                        message: format!("unknown command '{first} {other}'"),
                        command: Some(first),
                    })
                }
                (_, None) => {
                    let expected = if first == "auth" { "login or logout" } else { "show" };
                    return Err(UsageError {
                        message: format!("`minis3 {first}` needs a sub-command ({expected})"),
                        command: Some(first),
                    });
                }
            }
        }
        other => return Err(UsageError { message: format!("unknown command '{other}'"), command: None }),
    };
    let name = cmd_name(cmd);
    let err = |message: String| UsageError { message, command: Some(name.to_string()) };
    let operands: Vec<OsString> = positionals[used..].to_vec();
    if operands.first().is_some_and(|p| p == "help") {
        return Ok(Parsed::Help(Some(name.to_string())));
    }

    let mut global = Global::default();
    let mut opts = TransferOptions::default();
    let mut switches: Vec<FlagId> = Vec::new();
    let mut expires_in: Option<u64> = None;
    let mut method = PresignMethod::Get;
    let (mut access, mut secret, mut token) = (None, None, None);
    for (def, spelled, value) in &flags {
        if !def.commands.is_empty() && !def.commands.contains(&cmd) {
            return Err(err(format!("{spelled} is not an option of `minis3 {name}`")));
        }
        let v = value.clone().unwrap_or_default();
        match def.id {
            FlagId::EndpointUrl => global.flags.endpoint_url = Some(v),
            FlagId::Region => global.flags.region = Some(v),
            FlagId::ForcePathStyle => global.flags.force_path_style = true,
            FlagId::Profile => global.flags.profile = Some(v),
            FlagId::NoSignRequest => global.flags.unsigned = true,
            FlagId::Debug => global.debug = true,
            FlagId::ManifestPath => global.flags.manifest_path = Some(PathBuf::from(v)),
            FlagId::ContentType => opts.content_type = Some(v),
            FlagId::Metadata => opts.metadata.extend(parse_metadata(&v).map_err(err)?),
            FlagId::Exclude => opts.filters.push(Rule::Exclude, &v),
            FlagId::Include => opts.filters.push(Rule::Include, &v),
            FlagId::Dryrun => opts.dryrun = true,
            FlagId::Quiet => opts.quiet = true,
            FlagId::ExpiresIn => {
                expires_in = Some(match v.trim().parse::<u64>() {
                    Ok(n) if (1..=604_800).contains(&n) => n,
                    _ => {
                        return Err(err(format!(
                            "--expires-in '{v}' is not a number of seconds from 1 to 604800 (7 days)"
                        )))
                    }
                })
            }
            FlagId::Method => {
                method = match v.to_ascii_uppercase().as_str() {
                    "GET" => PresignMethod::Get,
                    "PUT" => PresignMethod::Put,
                    _ => return Err(err(format!("--method '{v}' is not GET or PUT"))),
                }
            }
            FlagId::AccessKeyId => access = Some(v),
            FlagId::SecretAccessKey => secret = Some(v),
            FlagId::SessionToken => token = Some(v),
            id => switches.push(id),
        }
    }
    let on = |id: FlagId| switches.contains(&id);

    let count = |min: usize, max: usize, what: &str| -> Result<(), UsageError> {
        if operands.len() < min {
            return Err(err(format!("`minis3 {name}` needs {what}")));
        }
        if operands.len() > max {
            let extra = operands[max].to_string_lossy();
            return Err(err(format!("unexpected argument '{extra}'")));
        }
        Ok(())
    };
    let s3 = |i: usize, need_key: bool| -> Result<(String, String), UsageError> {
        let text = operands[i].to_string_lossy().into_owned();
        let (bucket, key) = parse_s3(&text).map_err(&err)?;
        if need_key && key.is_empty() {
            return Err(err(format!("'{text}' has no object key: give s3://{bucket}/KEY")));
        }
        Ok((bucket, key))
    };

    let command = match cmd {
        Cmd::Ls => {
            count(0, 1, "at most one location")?;
            let target = if operands.is_empty() { None } else { Some(s3(0, false)?) };
            Command::Ls { target, recursive: on(FlagId::Recursive), json: on(FlagId::Json) }
        }
        Cmd::Cp | Cmd::Sync => {
            count(2, 2, "a source and a destination")?;
            let src = operand(&operands[0]).map_err(&err)?;
            let dst = operand(&operands[1]).map_err(&err)?;
            if matches!(src, Operand::Local(_) | Operand::Stdio) && matches!(dst, Operand::Local(_) | Operand::Stdio) {
                return Err(err("one side must be an s3:// location (local to local is not supported)".into()));
            }
            if cmd == Cmd::Sync {
                if src == Operand::Stdio || dst == Operand::Stdio {
                    return Err(err("sync works on directories and prefixes, not '-'".into()));
                }
                Command::Sync {
                    src,
                    dst,
                    delete: on(FlagId::Delete),
                    exact_timestamps: on(FlagId::ExactTimestamps),
                    size_only: on(FlagId::SizeOnly),
                    opts,
                }
            } else {
                let recursive = on(FlagId::Recursive);
                if recursive && (src == Operand::Stdio || dst == Operand::Stdio) {
                    return Err(err("'-' (stdin/stdout) cannot be used with --recursive".into()));
                }
                if let Operand::S3 { key, bucket } = &src {
                    if !recursive && key.is_empty() {
                        return Err(err(format!(
                            "'s3://{bucket}/' names no object: give s3://{bucket}/KEY, or add --recursive"
                        )));
                    }
                }
                Command::Cp { src, dst, recursive, opts }
            }
        }
        Cmd::Rm => {
            count(1, 1, "an s3:// location")?;
            let recursive = on(FlagId::Recursive);
            let (bucket, key) = s3(0, !recursive)?;
            Command::Rm { bucket, key, recursive, opts }
        }
        Cmd::Mb | Cmd::Rb => {
            count(1, 1, "a bucket (s3://BUCKET)")?;
            let (bucket, key) = s3(0, false)?;
            if !key.is_empty() {
                return Err(err(format!("'{}' is not a bucket: give s3://{bucket}", operands[0].to_string_lossy())));
            }
            if cmd == Cmd::Mb {
                Command::Mb { bucket, quiet: opts.quiet }
            } else {
                Command::Rb { bucket, force: on(FlagId::Force), quiet: opts.quiet }
            }
        }
        Cmd::Presign => {
            count(1, 1, "an object (s3://BUCKET/KEY)")?;
            let (bucket, key) = s3(0, true)?;
            Command::Presign { bucket, key, expires_in: expires_in.unwrap_or(3600), method }
        }
        Cmd::Head => {
            count(1, 1, "an object (s3://BUCKET/KEY)")?;
            let (bucket, key) = s3(0, true)?;
            Command::Head { bucket, key, json: on(FlagId::Json) }
        }
        Cmd::AuthLogin => {
            count(1, 1, "a bucket (s3://BUCKET[/PATH])")?;
            s3(0, false)?;
            let url = operands[0].to_string_lossy().into_owned();
            let access_key_id =
                access.filter(|s| !s.is_empty()).ok_or_else(|| err("--s3-access-key-id is required".into()))?;
            let secret_access_key =
                secret.filter(|s| !s.is_empty()).ok_or_else(|| err("--s3-secret-access-key is required".into()))?;
            Command::AuthLogin { url, access_key_id, secret_access_key, session_token: token.filter(|t| !t.is_empty()) }
        }
        Cmd::AuthLogout => {
            count(1, 1, "a bucket (s3://BUCKET)")?;
            s3(0, false)?;
            Command::AuthLogout { url: operands[0].to_string_lossy().into_owned() }
        }
        Cmd::ConfigShow => {
            count(0, 1, "at most one location")?;
            let target = if operands.is_empty() { None } else { Some(s3(0, false)?) };
            Command::ConfigShow { target, json: on(FlagId::Json) }
        }
    };
    Ok(Parsed::Run(Box::new(global), Box::new(command)))
}

/// The help topic named by the positionals so far (for error messages and `--help`).
fn topic_of(positionals: &[OsString]) -> Option<String> {
    let first = positionals.first()?.to_string_lossy().into_owned();
    if first == "auth" || first == "config" {
        if let Some(sub) = positionals.get(1) {
            let full = format!("{first} {}", sub.to_string_lossy());
            if COMMANDS.iter().any(|c| c.1 == full) {
                return Some(full);
            }
        }
        return Some(first);
    }
    COMMANDS.iter().any(|c| c.1 == first).then_some(first)
}

/// `s3://BUCKET[/KEY]` into its bucket and literal key.
pub fn parse_s3(text: &str) -> Result<(String, String), String> {
    if !text.get(..5).is_some_and(|s| s.eq_ignore_ascii_case("s3://")) {
        return Err(format!("'{text}' is not an s3:// location (s3://BUCKET/KEY)"));
    }
    match Location::parse(text) {
        Ok(Location::S3 { bucket, key }) => Ok((bucket, key)),
        Ok(_) => Err(format!("'{text}' is not an s3:// location (s3://BUCKET/KEY)")),
        Err(e) => Err(e.to_string()),
    }
}

/// A `cp`/`sync` operand: `-`, `s3://...`, or a local path.
fn operand(text: &OsString) -> Result<Operand, String> {
    if text == "-" {
        return Ok(Operand::Stdio);
    }
    if let Some(s) = text.to_str() {
        if s.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("s3://")) {
            let (bucket, key) = parse_s3(s)?;
            return Ok(Operand::S3 { bucket, key });
        }
        if let Some((scheme, _)) = s.split_once("://") {
            if !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) {
                return Err(format!("'{s}': only s3:// locations and local paths are supported here"));
            }
        }
    }
    Ok(Operand::Local(PathBuf::from(text)))
}

/// `K=V,K2=V2` into pairs (names lower-cased, as S3 stores them).
pub fn parse_metadata(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for item in text.split(',').filter(|s| !s.is_empty()) {
        let Some((k, v)) = item.split_once('=') else {
            return Err(format!("--metadata '{item}' is not KEY=VALUE"));
        };
        let k = k.trim();
        if k.is_empty() || !k.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) {
            return Err(format!("--metadata name '{k}' must be letters, digits, '-', '_' or '.'"));
        }
        out.push((k.to_ascii_lowercase(), v.to_string()));
    }
    Ok(out)
}

/// Wraps `text` at `width` columns, each line indented by `indent` spaces.
fn wrap(text: &str, indent: usize, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && indent + line.len() + 1 + word.len() > width {
            out.push_str(&" ".repeat(indent));
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(&" ".repeat(indent));
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn flag_help(def: &FlagDef) -> String {
    let mut head = String::from("    ");
    if let Some(c) = def.short {
        head.push_str(&format!("-{c}, "));
    }
    head.push_str("--");
    head.push_str(def.long);
    if let Some(v) = def.value {
        head.push(' ');
        head.push_str(v);
    }
    format!("{head}\n{}", wrap(def.doc, 8, 100))
}

/// The help text for `topic` (`None`: general help). `None` if the topic is unknown.
pub fn help(topic: Option<&str>) -> Option<String> {
    let globals: String = FLAGS.iter().filter(|f| f.commands.is_empty()).map(flag_help).collect();
    let Some(topic) = topic else {
        let mut s = format!(
            "minis3 {}: a small S3 client that behaves like `aws s3`.\n\nUSAGE:\n    minis3 [OPTIONS] COMMAND [ARGS]\n\nCOMMANDS:\n",
            env!("CARGO_PKG_VERSION")
        );
        for (_, name, args, doc) in COMMANDS {
            s.push_str(&format!("    {:<28}{doc}\n", format!("{name} {args}")));
        }
        s.push_str("\nGLOBAL OPTIONS (anywhere on the line):\n");
        s.push_str(&globals);
        s.push_str(
            "\nKeys are taken literally: s3://b/a%20b is the key 'a%20b'.\n\
             Exit status: 0 success, 1 the operation failed, 2 the command line is wrong.\n\
             `minis3 help COMMAND` or `minis3 COMMAND --help` shows a command's options.\n",
        );
        return Some(s);
    };
    let topic = topic.trim();
    let group: Vec<&(Cmd, &str, &str, &str)> = COMMANDS
        .iter()
        .filter(|c| c.1 == topic || c.1.strip_prefix(topic).is_some_and(|rest| rest.starts_with(' ')))
        .collect();
    if group.is_empty() {
        return None;
    }
    let mut s = String::new();
    for (cmd, name, args, doc) in group {
        s.push_str(&format!("minis3 {name}: {doc}\n\nUSAGE:\n    minis3 {name} {args} [OPTIONS]\n"));
        let own: String = FLAGS.iter().filter(|f| f.commands.contains(cmd)).map(flag_help).collect();
        if !own.is_empty() {
            s.push_str("\nOPTIONS:\n");
            s.push_str(&own);
        }
        if let Some(extra) = command_notes(*cmd) {
            s.push('\n');
            s.push_str(&wrap(extra, 0, 100));
        }
        s.push('\n');
    }
    s.push_str("GLOBAL OPTIONS:\n");
    s.push_str(&globals);
    Some(s)
}

fn command_notes(cmd: Cmd) -> Option<&'static str> {
    Some(match cmd {
        Cmd::Cp => {
            "A directory (or a destination ending in '/') receives DIR/NAME, NAME being the last part of the key \
             or file name; missing parent directories are created. A download is written to a temporary file and \
             renamed only when every byte arrived."
        }
        Cmd::Sync => {
            "Copies files missing at the destination, or whose size differs, or (local to S3 and S3 to S3) whose \
             source is newer; S3 to local, same-sized files are fetched only when the local file is newer, as the \
             AWS CLI does. Downloaded files get the object's modification time. Keys that would leave the target \
             directory (absolute, '..') are refused one by one, and the exit status is 1."
        }
        Cmd::Ls => "Without a location, lists the buckets. Times are UTC.",
        Cmd::AuthLogin => {
            "Writes RATTLER_AUTH_FILE if set, else ~/.rattler/credentials.json (mode 0600), under the bucket's \
             name, as pixi does. The keys are used for buckets that have pixi s3-options."
        }
        Cmd::ConfigShow => {
            "Secret keys and session tokens are never shown; the access key id is shown as **** and its last 4 \
             characters."
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Parsed, UsageError> {
        parse(args.iter().map(|s| s.to_string()))
    }

    fn run(args: &[&str]) -> (Global, Command) {
        match p(args) {
            Ok(Parsed::Run(g, c)) => (*g, *c),
            other => panic!("{args:?}: {other:?}"),
        }
    }

    #[test]
    fn global_flags_anywhere() {
        let (g, c) = run(&["--region", "eu-west-1", "ls", "s3://bucket/pre", "--endpoint-url=http://x:1", "--debug"]);
        assert_eq!(g.flags.region.as_deref(), Some("eu-west-1"));
        assert_eq!(g.flags.endpoint_url.as_deref(), Some("http://x:1"));
        assert!(g.debug);
        match c {
            Command::Ls { target, recursive, json } => {
                assert_eq!(target, Some(("bucket".into(), "pre".into())));
                assert!(!recursive && !json);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn keys_are_literal() {
        let (_, c) = run(&["head", "s3://b-1/a%20b/../c"]);
        match c {
            Command::Head { key, .. } => assert_eq!(key, "a%20b/../c"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn cp_operands_and_filters() {
        let (_, c) = run(&[
            "cp",
            "dir",
            "s3://bkt/pre/",
            "--recursive",
            "--exclude",
            "*",
            "--include=*.txt",
            "--metadata",
            "A=1,b=two",
        ]);
        match c {
            Command::Cp { src, dst, recursive, opts } => {
                assert_eq!(src, Operand::Local("dir".into()));
                assert_eq!(dst, Operand::S3 { bucket: "bkt".into(), key: "pre/".into() });
                assert!(recursive);
                assert!(opts.filters.includes("x.txt"));
                assert!(!opts.filters.includes("x.bin"));
                assert_eq!(opts.metadata, [("a".to_string(), "1".to_string()), ("b".into(), "two".into())]);
            }
            other => panic!("{other:?}"),
        }
        let (_, c) = run(&["cp", "-", "s3://bkt/k"]);
        assert!(matches!(c, Command::Cp { src: Operand::Stdio, .. }));
    }

    #[test]
    fn usage_errors_name_the_problem_and_the_help() {
        let e = p(&["cp", "a"]).unwrap_err();
        assert_eq!(e.to_string(), "`minis3 cp` needs a source and a destination: see `minis3 cp --help`");
        let e = p(&["ls", "--delete"]).unwrap_err();
        assert!(e.to_string().contains("--delete is not an option of `minis3 ls`"), "{e}");
        let e = p(&["frobnicate"]).unwrap_err();
        assert_eq!(e.to_string(), "unknown command 'frobnicate': see `minis3 --help`");
        let e = p(&["ls", "--nope"]).unwrap_err();
        assert_eq!(e.to_string(), "unknown option '--nope': see `minis3 ls --help`");
        assert!(p(&[]).is_err());
        assert!(p(&["cp", "a", "b"]).unwrap_err().message.contains("one side must be"));
        assert!(p(&["presign", "s3://bkt/k", "--expires-in", "604801"]).is_err());
        assert!(p(&["presign", "s3://bkt/k", "--expires-in", "0"]).is_err());
        assert!(p(&["presign", "s3://bkt/k", "--method", "POST"]).is_err());
        assert!(p(&["head", "s3://bkt"]).unwrap_err().message.contains("no object key"));
        assert!(p(&["head", "s3://bkt/"]).is_err(), "empty key");
        assert!(p(&["rm", "s3://bkt/"]).is_err(), "empty key without --recursive");
        assert!(p(&["mb", "s3://bkt/key"]).is_err());
        assert!(p(&["ls", "bucket"]).is_err());
        assert!(p(&["region"]).is_err());
        assert!(p(&["ls", "--region"]).unwrap_err().message.contains("needs a value"));
        assert!(p(&["ls", "--json=yes"]).unwrap_err().message.contains("takes no value"));
        assert!(p(&["cp", "-", "s3://b-b/k", "--recursive"]).is_err());
        assert!(p(&["sync", "-", "s3://b-b/k"]).is_err());
        assert!(p(&["auth", "login", "s3://bkt"]).unwrap_err().message.contains("--s3-access-key-id"));
        assert!(p(&["auth"]).is_err());
        assert!(p(&["cp", "s3://bkt/", "x"]).is_err(), "a bucket root is not an object");
        assert!(p(&["cp", "gcs://bkt/k", "x"]).is_err());
    }

    #[test]
    fn help_and_version() {
        assert!(matches!(p(&["--help"]), Ok(Parsed::Help(None))));
        assert!(matches!(p(&["-h"]), Ok(Parsed::Help(None))));
        assert!(matches!(p(&["ls", "--help"]), Ok(Parsed::Help(Some(t))) if t == "ls"));
        assert!(matches!(p(&["help", "sync"]), Ok(Parsed::Help(Some(t))) if t == "sync"));
        assert!(matches!(p(&["rb", "help"]), Ok(Parsed::Help(Some(t))) if t == "rb"));
        assert!(matches!(p(&["auth", "login", "-h"]), Ok(Parsed::Help(Some(t))) if t == "auth login"));
        assert!(matches!(p(&["auth", "--help"]), Ok(Parsed::Help(Some(t))) if t == "auth"));
        assert!(matches!(p(&["--version"]), Ok(Parsed::Version)));
        assert!(matches!(p(&["ls", "-V"]), Ok(Parsed::Version)));
        for (_, name, _, _) in COMMANDS {
            let h = help(Some(name)).unwrap();
            assert!(h.contains(&format!("minis3 {name}")));
        }
        assert!(help(Some("auth")).unwrap().contains("auth logout"));
        assert!(help(Some("nope")).is_none());
        // Every flag is documented in some help text.
        let all: String = COMMANDS.iter().map(|c| help(Some(c.1)).unwrap()).collect();
        for f in FLAGS {
            assert!(all.contains(&format!("--{}", f.long)), "{}", f.long);
        }
    }

    #[test]
    fn auth_login_spellings() {
        for (a, s, t) in [
            ("--s3-access-key-id", "--s3-secret-access-key", "--s3-session-token"),
            ("--aws-access-key-id", "--aws-secret-access-key", "--aws-session-token"),
        ] {
            let (_, c) = run(&["auth", "login", "s3://bkt/ch", a, "AK", s, "SK", t, "TK"]);
            match c {
                Command::AuthLogin { url, access_key_id, secret_access_key, session_token } => {
                    assert_eq!(url, "s3://bkt/ch");
                    assert_eq!((access_key_id.as_str(), secret_access_key.as_str()), ("AK", "SK"));
                    assert_eq!(session_token.as_deref(), Some("TK"));
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn metadata_parsing() {
        assert_eq!(parse_metadata("a=1").unwrap(), [("a".to_string(), "1".to_string())]);
        assert_eq!(parse_metadata("a=x=y").unwrap(), [("a".to_string(), "x=y".to_string())]);
        assert!(parse_metadata("a").is_err());
        assert!(parse_metadata("a b=1").is_err());
    }
}
