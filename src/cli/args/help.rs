//! `--help`: the general help and each command's, generated from [`FLAGS`] and [`COMMANDS`].

use super::flags::{Cmd, FlagDef, COMMANDS, FLAGS};

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
        for (cmd, name, args, doc) in COMMANDS {
            let missing = if needs_channel(*cmd) && !cfg!(feature = "channel") { " [not in this build]" } else { "" };
            // A usage as long as its column or longer gets the description on the next line.
            let usage = format!("{name} {args}");
            let usage = if usage.len() < 28 { format!("{usage:<28}") } else { format!("{usage}\n{:32}", "") };
            s.push_str(&format!("    {usage}{doc}{missing}\n"));
        }
        if !cfg!(feature = "channel") {
            s.push_str(&format!("\n{}\n", wrap(NO_CHANNEL, 0, 100).trim_end()));
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
        if needs_channel(*cmd) && !cfg!(feature = "channel") {
            s.push('\n');
            s.push_str(&wrap(NO_CHANNEL, 0, 100));
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

/// What a build without the `channel` feature says about the conda commands.
pub const NO_CHANNEL: &str = "The conda commands (search, download, repodata, upload s3, index s3) need the \
     `channel` cargo feature, which this build of minis3 lacks: build it with default features (or \
     `--features cli,channel`).";

/// Whether `cmd` is a conda command, compiled only with the `channel` feature.
pub(super) fn needs_channel(cmd: Cmd) -> bool {
    matches!(cmd, Cmd::IndexS3 | Cmd::UploadS3 | Cmd::Search | Cmd::Download | Cmd::Repodata)
}

fn command_notes(cmd: Cmd) -> Option<&'static str> {
    Some(match cmd {
        Cmd::Cp => {
            "A directory (or a destination ending in '/') receives DIR/NAME, NAME being the last part of the key \
             or file name; missing parent directories are created. A download is written to a temporary file and \
             renamed only when every byte arrived. gcs://BUCKET/KEY uses Google application default credentials \
             (STORAGE_EMULATOR_HOST points it at an emulator), or the S3 API when pixi has s3-options for the \
             bucket; an http(s):// URL is fetched unsigned (one file; it has no listing)."
        }
        Cmd::Sync => {
            "Copies files missing at the destination, or whose size differs, or (local to S3 and S3 to S3) whose \
             source is newer; S3 to local, same-sized files are fetched only when the local file is newer, as the \
             AWS CLI does. Downloaded files get the object's modification time. Keys that would leave the target \
             directory (absolute, '..') are refused one by one, and the exit status is 1. A gcs:// prefix works as \
             an s3:// one (directory to prefix or prefix to directory)."
        }
        Cmd::Ls => {
            "Without a location, lists the buckets. Times are UTC. gcs://BUCKET/PREFIX is listed with Cloud \
                    Storage's XML API and a Google token (or through the S3 API with pixi s3-options)."
        }
        Cmd::Presign => {
            "gcs://BUCKET/KEY can be presigned only through the S3 API: pixi s3-options for the bucket \
                         and GCS HMAC keys (a Google token cannot sign a URL)."
        }
        Cmd::AuthLogin => {
            "Writes RATTLER_AUTH_FILE if set, else ~/.rattler/credentials.json (mode 0600), under the bucket's \
             name, as pixi does. The keys are used for buckets that have pixi s3-options."
        }
        Cmd::ConfigShow => {
            "Secret keys and session tokens are never shown; the access key id is shown as **** and its last 4 \
             characters."
        }
        Cmd::IndexS3 | Cmd::UploadS3 => {
            "S3 settings as rattler's S3 tools take them: --endpoint-url with --region (env S3_ENDPOINT_URL, \
             S3_REGION), keys from --access-key-id/--secret-access-key/--session-token (S3_ACCESS_KEY_ID, \
             S3_SECRET_ACCESS_KEY, S3_SESSION_TOKEN), else the rattler auth file entry for the channel, else the \
             AWS credential chain; without an endpoint, pixi s3-options for the bucket, else the AWS configuration. \
             index s3 keeps the records of unchanged packages (same size and ETag), reads only new or changed ones \
             (.conda: ranged reads of the info member; .tar.bz2: up to info/; whole only without stored \
             checksums), writes repodata.json, repodata.json.zst and CEP-16 shards with preconditions, and exits \
             with 1 when a package could not be read (the others are indexed)."
        }
        _ => return None,
    })
}
