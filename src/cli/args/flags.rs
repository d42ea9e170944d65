//! The flag table ([`FLAGS`]) and the command list ([`COMMANDS`]): every flag and command is
//! defined once, with its documentation next to it.

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
    /// `index s3`.
    IndexS3,
    /// `upload s3`.
    UploadS3,
    /// `search`.
    Search,
    /// `download`.
    Download,
    /// `repodata`.
    Repodata,
}

/// Every command with its name, operands and one-line description, in help order.
pub const COMMANDS: &[(Cmd, &str, &str, &str)] = &[
    (
        Cmd::Ls,
        "ls",
        "[s3://BUCKET[/PREFIX]]",
        "List buckets, or the objects and prefixes under a prefix (s3://, gcs://).",
    ),
    (Cmd::Cp, "cp", "SRC DST", "Copy files and objects (s3://, gcs://, a URL to local); '-' is stdin/stdout."),
    (Cmd::Sync, "sync", "SRC DST", "Copy what is missing or changed from a directory or prefix to another."),
    (Cmd::Rm, "rm", "s3://BUCKET/KEY", "Delete an object, or with --recursive every object under a prefix."),
    (Cmd::Mb, "mb", "s3://BUCKET", "Create a bucket."),
    (Cmd::Rb, "rb", "s3://BUCKET", "Delete an empty bucket (with --force: its objects first)."),
    (Cmd::Presign, "presign", "s3://BUCKET/KEY", "Print a presigned URL for downloading (or uploading) an object."),
    (Cmd::Head, "head", "LOCATION", "Show an object's (s3://, gcs://, URL) size, type, ETag, time and metadata."),
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
    (
        Cmd::IndexS3,
        "index s3",
        "s3://BUCKET/CHANNEL",
        "Write a conda channel's repodata (json, zst, CEP-16 shards) from its packages, reading only what changed.",
    ),
    (
        Cmd::UploadS3,
        "upload s3",
        "--channel s3://BUCKET/CHANNEL PACKAGE...",
        "Upload conda packages into CHANNEL/SUBDIR/ with their checksums (as `rattler-build upload s3`).",
    ),
    (
        Cmd::Search,
        "search",
        "[-c CHANNEL]... SPEC",
        "Search conda channels for packages matching a match spec, newest first.",
    ),
    (
        Cmd::Download,
        "download",
        "[-c CHANNEL]... SPEC|FILE... -o DIR",
        "Download the newest package matching each spec (or the named file), verified by sha256 and size.",
    ),
    (
        Cmd::Repodata,
        "repodata",
        "-c CHANNEL --platform SUBDIR",
        "Print a channel subdir's repodata.json (assembled from shards).",
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
    /// `--addressing-style`.
    AddressingStyle,
    /// `--max-parallel`.
    MaxParallel,
    /// `--channel`.
    Channel,
    /// `--index`.
    Index,
    /// `--platform`.
    Platform,
    /// `--output`.
    Output,
    /// `--no-cache`.
    NoCache,
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
const PUBLISH: &[Cmd] = &[Cmd::IndexS3, Cmd::UploadS3];
const KEYS: &[Cmd] = &[Cmd::AuthLogin, Cmd::IndexS3, Cmd::UploadS3];
const FILTERED: &[Cmd] = &[Cmd::Cp, Cmd::Sync, Cmd::Rm];
const CONDA: &[Cmd] = &[Cmd::Search, Cmd::Download, Cmd::Repodata];
const CHANNELS: &[Cmd] = &[Cmd::Search, Cmd::Download, Cmd::Repodata, Cmd::UploadS3];

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
        doc: "Put the bucket in the URL path (http://HOST/BUCKET/KEY) instead of the host name. Also accepted as \
              `--force-path-style true` (or `false`), as rattler's S3 tools take it (env S3_FORCE_PATH_STYLE).",
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
        commands: &[Cmd::Ls, Cmd::Head, Cmd::ConfigShow, Cmd::Search],
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
        commands: &[Cmd::Rb, Cmd::IndexS3, Cmd::UploadS3],
        doc: "rb: delete every object in the bucket first. index s3: read every package again. upload s3: replace \
              packages that are already in the channel.",
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
        aliases: &["aws-access-key-id", "access-key-id"],
        short: None,
        value: Some("ID"),
        commands: KEYS,
        doc: "auth login: the access key id to store (also --aws-access-key-id, pixi's documented spelling). \
              index/upload s3: the key to sign with, as --access-key-id (env S3_ACCESS_KEY_ID); needs \
              --endpoint-url and --region.",
    },
    FlagDef {
        id: FlagId::SecretAccessKey,
        long: "s3-secret-access-key",
        aliases: &["aws-secret-access-key", "secret-access-key"],
        short: None,
        value: Some("SECRET"),
        commands: KEYS,
        doc: "The secret access key to store (also --aws-secret-access-key); index/upload s3: as \
              --secret-access-key (env S3_SECRET_ACCESS_KEY).",
    },
    FlagDef {
        id: FlagId::SessionToken,
        long: "s3-session-token",
        aliases: &["aws-session-token", "session-token"],
        short: None,
        value: Some("TOKEN"),
        commands: KEYS,
        doc: "A session token to store with temporary keys (also --aws-session-token); index/upload s3: as \
              --session-token (env S3_SESSION_TOKEN).",
    },
    FlagDef {
        id: FlagId::AddressingStyle,
        long: "addressing-style",
        aliases: &[],
        short: None,
        value: Some("virtual-host|path"),
        commands: PUBLISH,
        doc: "Bucket in the host name or in the path (env S3_ADDRESSING_STYLE). Default: path style on a custom \
              endpoint, virtual-host on AWS.",
    },
    FlagDef {
        id: FlagId::MaxParallel,
        long: "max-parallel",
        aliases: &[],
        short: None,
        value: Some("N"),
        commands: PUBLISH,
        doc: "At most N packages read (index) or uploaded (upload) at once. Default 16 (index), 4 (upload).",
    },
    FlagDef {
        id: FlagId::Index,
        long: "index",
        aliases: &[],
        short: None,
        value: None,
        commands: &[Cmd::UploadS3],
        doc: "Index the subdirs the upload touched afterwards (and create noarch/repodata.json if missing).",
    },
    FlagDef {
        id: FlagId::Channel,
        long: "channel",
        aliases: &[],
        short: Some('c'),
        value: Some("CHANNEL"),
        commands: CHANNELS,
        doc: "A conda channel: s3://BUCKET/PATH, gcs://BUCKET/PATH, https://HOST/PATH or http://HOST/PATH. \
              Repeatable, searched in the order given. Default: the channels of the pixi workspace (found from \
              the current directory or --manifest-path), in its priority order. upload s3: the one channel to \
              upload to, s3://BUCKET/CHANNEL (env S3_CHANNEL).",
    },
    FlagDef {
        id: FlagId::Platform,
        long: "platform",
        aliases: &["subdir"],
        short: Some('p'),
        value: Some("SUBDIR"),
        commands: CONDA,
        doc: "A channel subdir to search (linux-64, osx-arm64, noarch, ...). Repeatable. Default: this machine's \
              platform and noarch.",
    },
    FlagDef {
        id: FlagId::Output,
        long: "output",
        aliases: &["output-dir"],
        short: Some('o'),
        value: Some("PATH"),
        commands: &[Cmd::Download, Cmd::Repodata],
        doc: "download: the directory to put the packages in (created if missing). repodata: the file to write \
              (default: stdout).",
    },
    FlagDef {
        id: FlagId::NoCache,
        long: "no-cache",
        aliases: &[],
        short: None,
        value: None,
        commands: CONDA,
        doc: "Fetch the repodata again instead of using the cache (what is fetched is still stored).",
    },
];

pub(super) fn flag_by_long(name: &str) -> Option<&'static FlagDef> {
    FLAGS.iter().find(|f| f.long == name || f.aliases.contains(&name))
}

pub(super) fn flag_by_short(c: char) -> Option<&'static FlagDef> {
    FLAGS.iter().find(|f| f.short == Some(c))
}

/// A command's name as typed (`ls`, `auth login`).
pub(super) fn cmd_name(cmd: Cmd) -> &'static str {
    COMMANDS.iter().find(|c| c.0 == cmd).map(|c| c.1).unwrap_or("")
}
