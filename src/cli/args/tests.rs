//! Tests of parsing and help.

use super::flags::{COMMANDS, FLAGS};
use super::parse::parse_metadata;
use super::*;
use crate::test_secrets::CleanErr;

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
            assert_eq!(target, Some(Operand::S3 { bucket: "bucket".into(), key: "pre".into() }));
            assert!(!recursive && !json);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn keys_are_literal() {
    let (_, c) = run(&["head", "s3://b-1/a%20b/../c"]);
    match c {
        Command::Head { target, .. } => {
            assert_eq!(target, Operand::S3 { bucket: "b-1".into(), key: "a%20b/../c".into() })
        }
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
    let e = p(&["cp", "a"]).clean_err();
    assert_eq!(e.to_string(), "`minis3 cp` needs a source and a destination: see `minis3 cp --help`");
    let e = p(&["ls", "--delete"]).clean_err();
    assert!(e.to_string().contains("--delete is not an option of `minis3 ls`"), "{e}");
    let e = p(&["frobnicate"]).clean_err();
    assert_eq!(e.to_string(), "unknown command 'frobnicate': see `minis3 --help`");
    let e = p(&["ls", "--nope"]).clean_err();
    assert_eq!(e.to_string(), "unknown option '--nope': see `minis3 ls --help`");
    assert!(p(&[]).is_err());
    assert!(p(&["cp", "a", "b"]).clean_err().message.contains("one side must be"));
    assert!(p(&["presign", "s3://bkt/k", "--expires-in", "604801"]).is_err());
    assert!(p(&["presign", "s3://bkt/k", "--expires-in", "0"]).is_err());
    assert!(p(&["presign", "s3://bkt/k", "--method", "POST"]).is_err());
    assert!(p(&["head", "s3://bkt"]).clean_err().message.contains("no object key"));
    assert!(p(&["head", "s3://bkt/"]).is_err(), "empty key");
    assert!(p(&["rm", "s3://bkt/"]).is_err(), "empty key without --recursive");
    assert!(p(&["mb", "s3://bkt/key"]).is_err());
    assert!(p(&["ls", "bucket"]).is_err());
    assert!(p(&["region"]).is_err());
    assert!(p(&["ls", "--region"]).clean_err().message.contains("needs a value"));
    assert!(p(&["ls", "--json=yes"]).clean_err().message.contains("takes no value"));
    assert!(p(&["cp", "-", "s3://b-b/k", "--recursive"]).is_err());
    assert!(p(&["sync", "-", "s3://b-b/k"]).is_err());
    assert!(p(&["auth", "login", "s3://bkt"]).clean_err().message.contains("--s3-access-key-id"));
    assert!(p(&["auth"]).is_err());
    assert!(p(&["cp", "s3://bkt/", "x"]).is_err(), "a bucket root is not an object");
    assert!(p(&["cp", "gcs://bkt/", "x"]).is_err(), "a bucket root is not an object");
    assert!(p(&["cp", "ftp://h/k", "x"]).clean_err().message.contains("gcs://BUCKET/KEY or an http(s):// URL"));
    assert!(p(&["head", "gcs://bkt"]).clean_err().message.contains("give gcs://bkt/KEY"));
    assert!(p(&["ls", "bucket"]).clean_err().message.contains("is not a location"));
}

#[test]
fn gcs_and_url_operands() {
    let (_, c) = run(&["cp", "gcs://bkt/a b", "https://h/x?y=1"]);
    match c {
        Command::Cp { src, dst, .. } => {
            assert_eq!(src, Operand::Gcs { bucket: "bkt".into(), key: "a b".into() });
            assert_eq!(dst, Operand::Url("https://h/x?y=1".into()));
        }
        other => panic!("{other:?}"),
    }
    let (_, c) = run(&["head", "http://127.0.0.1:8/f"]);
    assert!(matches!(c, Command::Head { target: Operand::Url(u), .. } if u == "http://127.0.0.1:8/f"));
    let (_, c) = run(&["ls", "gcs://bkt/pre/"]);
    assert!(matches!(c, Command::Ls { target: Some(Operand::Gcs { .. }), .. }));
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
    // In the general help every command's description is apart from its usage, on the same
    // line when the usage fits its column, on the next line when it does not.
    let general = help(None).unwrap();
    for (_, name, args, doc) in COMMANDS {
        let usage = format!("    {name} {args}");
        let at = general.find(&format!("{usage} ")).or_else(|| general.find(&format!("{usage}\n")));
        let at = at.unwrap_or_else(|| panic!("{name}: usage not followed by a space or a new line"));
        let after = &general[at + usage.len()..];
        assert!(after.trim_start().starts_with(doc), "{name}: {:?}", &after[..after.len().min(60)]);
    }
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

#[test]
#[cfg(not(feature = "channel"))]
fn conda_commands_say_the_build_lacks_the_channel_feature() {
    for line in [
        &["search", "numpy"][..],
        &["download", "numpy", "-o", "d"],
        &["repodata", "-c", "s3://b/c", "--platform", "noarch"],
        &["upload", "s3", "-c", "s3://bkt/chan", "a-1-0.conda"],
        &["index", "s3", "s3://bkt/chan"],
    ] {
        let e = p(line).clean_err().to_string();
        assert!(e.contains("`channel` cargo feature") && !e.contains('\n'), "{line:?}: {e}");
    }
    // Help is wrapped: compare with the line breaks taken out.
    let flat = |t: Option<&str>| help(t).unwrap().split_whitespace().collect::<Vec<_>>().join(" ");
    let general = flat(None);
    assert!(general.contains("[not in this build]") && general.contains("`channel` cargo feature"), "{general}");
    assert!(flat(Some("search")).contains("`channel` cargo feature"));
    assert!(!flat(Some("ls")).contains("`channel` cargo feature"));
}

#[test]
#[cfg(feature = "channel")]
fn publish_commands_take_rattlers_flags() {
    let (g, c) = run(&[
        "index",
        "s3",
        "s3://bkt/chan",
        "--force-path-style",
        "true",
        "--access-key-id",
        "AK",
        "--secret-access-key",
        "SK",
        "--max-parallel",
        "3",
        "--force",
    ]);
    assert!(g.flags.force_path_style);
    match c {
        Command::IndexS3 { channel, force, max_parallel, s3 } => {
            assert_eq!(channel, ("bkt".into(), "chan".into()));
            assert!(force);
            assert_eq!(max_parallel, Some(3));
            assert_eq!((s3.access_key_id.as_deref(), s3.secret_access_key.as_deref()), (Some("AK"), Some("SK")));
        }
        other => panic!("{other:?}"),
    }
    let (g, c) = run(&[
        "upload",
        "s3",
        "-c",
        "s3://bkt/chan",
        "a-1-0.conda",
        "--addressing-style",
        "virtual-host",
        "--index",
        "--force-path-style=false",
    ]);
    assert!(!g.flags.force_path_style);
    match c {
        Command::UploadS3 { channel, packages, index, s3, .. } => {
            assert_eq!(channel.as_deref(), Some("s3://bkt/chan"));
            assert_eq!(packages, [std::path::PathBuf::from("a-1-0.conda")]);
            assert!(index);
            assert_eq!(s3.path_style, Some(false));
        }
        other => panic!("{other:?}"),
    }
    assert!(p(&["index", "s3", "s3://bkt/c", "--addressing-style", "sideways"]).is_err());
    assert!(p(&["index", "s3", "s3://bkt/c", "--max-parallel", "0"]).is_err());
    assert!(p(&["index", "s3", "s3://bkt/c", "--channel", "s3://x/y"]).is_err());
    assert!(p(&["ls", "--force-path-style", "maybe"]).is_err());
}
