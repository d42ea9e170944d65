//! Reading the command line: flags and operands with `lexopt`, the command they name, and
//! each flag checked against that command and applied; `build` then makes the
//! [`Command`](super::Command).

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

use minis3::address::Location;

use super::build::{self, Operands};
use super::command::{Global, Operand, Parsed, PresignMethod, S3ToolFlags, TransferOptions};
use super::flags::{cmd_name, flag_by_long, flag_by_short, Cmd, FlagDef, FlagId, COMMANDS};
use crate::cli::filter::Rule;

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

/// One flag as given: its definition, how it was spelled (`--dry-run`, `-q`) and its value.
type FlagUse = (&'static FlagDef, String, Option<String>);

/// Parses the arguments after the program name.
pub fn parse<I>(args: I) -> Result<Parsed, UsageError>
where
    I: IntoIterator,
    I::Item: Into<OsString>,
{
    let (flags, positionals) = read_args(args)?;
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
    let (cmd, used) = match command_of(&positionals)? {
        Named::Command(cmd, used) => (cmd, used),
        Named::Help(topic) => return Ok(Parsed::Help(Some(topic))),
    };
    let name = cmd_name(cmd);
    let operands: Vec<OsString> = positionals[used..].to_vec();
    if operands.first().is_some_and(|p| p == "help") {
        return Ok(Parsed::Help(Some(name.to_string())));
    }
    let (global, flags) = apply_flags(cmd, &flags)?;
    let command = build::command(cmd, &Operands { name, list: &operands }, flags)?;
    Ok(Parsed::Run(Box::new(global), Box::new(command)))
}

/// Reads every argument: the flags (each found in [`FLAGS`](super::flags::FLAGS), with its
/// value if it takes one) and the positionals, in order.
fn read_args<I>(args: I) -> Result<(Vec<FlagUse>, Vec<OsString>), UsageError>
where
    I: IntoIterator,
    I::Item: Into<OsString>,
{
    use lexopt::Arg;
    let mut parser = lexopt::Parser::from_args(args);
    let mut flags: Vec<FlagUse> = Vec::new();
    let mut positionals: Vec<OsString> = Vec::new();
    let usage = |message: String, positionals: &[OsString]| UsageError { message, command: topic_of(positionals) };
    // `--force-path-style true|false` (rattler's form): the next word, when it is a boolean,
    // is the flag's value rather than an operand.
    let mut bool_pending: Option<usize> = None;
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
                if let Some(i) = bool_pending.take() {
                    let word = v.to_string_lossy().to_ascii_lowercase();
                    if word == "true" || word == "false" {
                        flags[i].2 = Some(word);
                        continue;
                    }
                }
                positionals.push(v);
                continue;
            }
        };
        bool_pending = None;
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
        } else if def.id == FlagId::ForcePathStyle {
            match parser.optional_value() {
                Some(v) => Some(v.to_string_lossy().to_ascii_lowercase()),
                None => {
                    bool_pending = Some(flags.len());
                    None
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
    Ok((flags, positionals))
}

/// What the first positionals name.
enum Named {
    /// A command, and how many positionals its name takes (2 for `auth login`).
    Command(Cmd, usize),
    /// `minis3 auth help`, `minis3 config help`: that group's help.
    Help(String),
}

/// The command named by the first positionals.
fn command_of(positionals: &[OsString]) -> Result<Named, UsageError> {
    let Some(first) = positionals.first() else {
        return Err(UsageError { message: "no command given".into(), command: None });
    };
    let first = first.to_string_lossy().into_owned();
    Ok(match first.as_str() {
        "ls" => Named::Command(Cmd::Ls, 1),
        "cp" => Named::Command(Cmd::Cp, 1),
        "sync" => Named::Command(Cmd::Sync, 1),
        "rm" => Named::Command(Cmd::Rm, 1),
        "mb" => Named::Command(Cmd::Mb, 1),
        "rb" => Named::Command(Cmd::Rb, 1),
        "presign" => Named::Command(Cmd::Presign, 1),
        "head" => Named::Command(Cmd::Head, 1),
        "search" => Named::Command(Cmd::Search, 1),
        "download" => Named::Command(Cmd::Download, 1),
        "repodata" => Named::Command(Cmd::Repodata, 1),
        "auth" | "config" | "index" | "upload" => {
            let sub = positionals.get(1).map(|s| s.to_string_lossy().into_owned());
            match (first.as_str(), sub.as_deref()) {
                ("auth", Some("login")) => Named::Command(Cmd::AuthLogin, 2),
                ("auth", Some("logout")) => Named::Command(Cmd::AuthLogout, 2),
                ("config", Some("show")) => Named::Command(Cmd::ConfigShow, 2),
                ("index", Some("s3")) => Named::Command(Cmd::IndexS3, 2),
                ("upload", Some("s3")) => Named::Command(Cmd::UploadS3, 2),
                (_, Some("help")) => Named::Help(first),
                (_, Some(other)) => {
                    return Err(UsageError {
                        message: format!("unknown command '{first} {other}'"),
                        command: Some(first),
                    })
                }
                (_, None) => {
                    let expected = match first.as_str() {
                        "auth" => "login or logout",
                        "config" => "show",
                        _ => "s3",
                    };
                    return Err(UsageError {
                        message: format!("`minis3 {first}` needs a sub-command ({expected})"),
                        command: Some(first),
                    });
                }
            }
        }
        other => return Err(UsageError { message: format!("unknown command '{other}'"), command: None }),
    })
}

/// What a command's own flags set (the global ones go to [`Global`]). Without the `channel`
/// feature the conda commands' flags are still parsed (and their commands refused).
#[cfg_attr(not(feature = "channel"), allow(dead_code))]
pub(super) struct CommandFlags {
    /// `--content-type`, `--metadata`, the filters, `--dryrun`, `--quiet`.
    pub opts: TransferOptions,
    /// The flags that take no value and are not global or options above.
    pub switches: Vec<FlagId>,
    /// `--expires-in`.
    pub expires_in: Option<u64>,
    /// `--method`.
    pub method: PresignMethod,
    /// `--s3-access-key-id`.
    pub access: Option<String>,
    /// `--s3-secret-access-key`.
    pub secret: Option<String>,
    /// `--s3-session-token`.
    pub token: Option<String>,
    /// `--addressing-style`, as path style or not.
    pub path_style: Option<bool>,
    /// `--max-parallel`.
    pub max_parallel: Option<usize>,
    /// `-c/--channel`, in order.
    pub channels: Vec<String>,
    /// `--platform`, in order.
    pub platforms: Vec<String>,
    /// `-o/--output`.
    pub output: Option<PathBuf>,
}

impl CommandFlags {
    /// The S3 settings of `index s3` / `upload s3`.
    #[cfg_attr(not(feature = "channel"), allow(dead_code))]
    pub fn s3_tool(&self) -> S3ToolFlags {
        S3ToolFlags {
            access_key_id: self.access.clone(),
            secret_access_key: self.secret.clone(),
            session_token: self.token.clone(),
            path_style: self.path_style,
        }
    }

    /// Whether the switch `id` was given.
    pub fn on(&self, id: FlagId) -> bool {
        self.switches.contains(&id)
    }
}

/// Checks, in the order given, that each flag belongs to `cmd`, and applies it.
fn apply_flags(cmd: Cmd, flags: &[FlagUse]) -> Result<(Global, CommandFlags), UsageError> {
    let name = cmd_name(cmd);
    let err = |message: String| UsageError { message, command: Some(name.to_string()) };
    let mut global = Global::default();
    let mut opts = TransferOptions::default();
    let mut switches: Vec<FlagId> = Vec::new();
    let mut expires_in: Option<u64> = None;
    let mut method = PresignMethod::Get;
    let (mut access, mut secret, mut token) = (None, None, None);
    let (mut path_style, mut max_parallel) = (None, None);
    let (mut channels, mut platforms, mut output) = (Vec::new(), Vec::new(), None);
    for (def, spelled, value) in flags {
        if !def.commands.is_empty() && !def.commands.contains(&cmd) {
            return Err(err(format!("{spelled} is not an option of `minis3 {name}`")));
        }
        let v = value.clone().unwrap_or_default();
        match def.id {
            FlagId::EndpointUrl => global.flags.endpoint_url = Some(v),
            FlagId::Region => global.flags.region = Some(v),
            FlagId::ForcePathStyle => match value.as_deref() {
                None | Some("true") => global.flags.force_path_style = true,
                Some("false") => global.flags.force_path_style = false,
                Some(other) => return Err(err(format!("--force-path-style '{other}' is not true or false"))),
            },
            FlagId::AddressingStyle => {
                path_style = Some(match v.as_str() {
                    "path" => true,
                    "virtual-host" | "virtual" => false,
                    _ => return Err(err(format!("--addressing-style '{v}' is not virtual-host or path"))),
                })
            }
            FlagId::MaxParallel => {
                max_parallel = Some(match v.trim().parse::<usize>() {
                    Ok(n) if n >= 1 => n,
                    _ => return Err(err(format!("--max-parallel '{v}' is not a number of at least 1"))),
                })
            }
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
            FlagId::Channel => channels.push(v),
            FlagId::Platform => {
                if v.is_empty() || v.contains(['/', '\\']) || v.chars().any(|c| c.is_whitespace()) {
                    return Err(err(format!("{spelled} '{v}' is not a subdir name such as linux-64 or noarch")));
                }
                platforms.push(v)
            }
            FlagId::Output => output = Some(PathBuf::from(v)),
            id => switches.push(id),
        }
    }
    Ok((
        global,
        CommandFlags {
            opts,
            switches,
            expires_in,
            method,
            access,
            secret,
            token,
            path_style,
            max_parallel,
            channels,
            platforms,
            output,
        },
    ))
}

/// The help topic named by the positionals so far (for error messages and `--help`).
fn topic_of(positionals: &[OsString]) -> Option<String> {
    let first = positionals.first()?.to_string_lossy().into_owned();
    if ["auth", "config", "index", "upload"].contains(&first.as_str()) {
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

/// A remote location: `s3://BUCKET[/KEY]`, `gcs://BUCKET[/KEY]` or an `http(s)://` URL; `None`
/// when `text` has no `scheme://`.
pub(super) fn remote(text: &str) -> Option<Result<Operand, String>> {
    let (scheme, _) = text.split_once("://")?;
    if scheme.is_empty() || !scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) {
        return None;
    }
    Some(match Location::parse(text) {
        Ok(Location::S3 { bucket, key }) => Ok(Operand::S3 { bucket, key }),
        Ok(Location::Gcs { bucket, key }) => Ok(Operand::Gcs { bucket, key }),
        Ok(Location::Https(_)) => Ok(Operand::Url(text.to_owned())),
        Err(e) => Err(format!("'{text}': {e}; a location is s3://BUCKET/KEY, gcs://BUCKET/KEY or an http(s):// URL")),
    })
}

/// A `cp`/`sync` operand: `-`, `s3://...`, `gcs://...`, `http(s)://...`, or a local path.
pub(super) fn operand(text: &OsString) -> Result<Operand, String> {
    if text == "-" {
        return Ok(Operand::Stdio);
    }
    if let Some(r) = text.to_str().and_then(remote) {
        return r;
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
