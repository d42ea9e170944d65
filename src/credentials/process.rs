//! `credential_process`: runs a program and reads credentials from its standard output
//! (JSON, `"Version": 1`, `AccessKeyId`, `SecretAccessKey`, optional `SessionToken`,
//! `Expiration` (RFC 3339) and `AccountId`).
//!
//! The command line is split the way the AWS CLI splits it (POSIX shell quoting: quotes and
//! backslashes, no variables, pipes or redirections) and the program is started directly, not
//! through a shell. To use shell features write `sh -c '...'`. The child's standard error goes
//! to ours; its standard output is never shown (it holds secrets).

use std::process::{Command, Stdio};

use crate::sigv4::Credentials;

use super::provider::{
    json_error, json_str, parse_rfc3339, AwsCredentials, CredentialSource, CredentialsProvider, ProviderError,
};

/// Splits a command line with POSIX shell quoting rules (`'...'` literal, `"..."` with `\"`,
/// `\\`, `\$`, `` \` `` escapes, `\x` outside quotes). `None` when a quote is not closed.
pub fn split_command_line(s: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        c => cur.push(c),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => match chars.next()? {
                            c @ ('"' | '\\' | '$' | '`') => cur.push(c),
                            '\n' => {}
                            c => {
                                cur.push('\\');
                                cur.push(c);
                            }
                        },
                        c => cur.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('\n') => {}
                    Some(c) => cur.push(c),
                    None => cur.push('\\'),
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    Some(out)
}

/// The `credential_process` source of one profile.
#[derive(Clone, Debug)]
pub struct ProcessProvider {
    profile: String,
    command: String,
    account_id: Option<String>,
}

impl ProcessProvider {
    /// Runs `command` for `profile`; `account_id` (`aws_account_id`) is used when the output
    /// has no `AccountId`.
    pub fn new(profile: String, command: String, account_id: Option<String>) -> Self {
        Self { profile, command, account_id }
    }

    fn fail(&self, program: &str, reason: impl Into<String>) -> ProviderError {
        ProviderError::Process { profile: self.profile.clone(), program: program.to_string(), reason: reason.into() }
    }
}

impl CredentialsProvider for ProcessProvider {
    fn credentials(&self) -> Result<AwsCredentials, ProviderError> {
        let argv = split_command_line(&self.command)
            .ok_or_else(|| self.fail("?", "the command line has an unclosed quote; fix credential_process"))?;
        let Some((program, args)) = argv.split_first() else {
            return Err(self.fail("", "the command line is empty; fix credential_process"));
        };
        let output = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| self.fail(program, format!("cannot start it: {e}")))?;
        if !output.status.success() {
            let how = match output.status.code() {
                Some(c) => format!("it exited with code {c}"),
                None => "it was killed by a signal".to_string(),
            };
            return Err(self.fail(program, format!("{how} (its error output, if any, is above)")));
        }
        parse_output(&output.stdout, &self.profile, program, self.account_id.as_deref())
    }
}

/// Reads the standard output of `program`, run for `profile`; `account_id` is used when it
/// has no `AccountId`.
#[doc(hidden)]
pub fn parse_output(
    stdout: &[u8],
    profile: &str,
    program: &str,
    account_id: Option<&str>,
) -> Result<AwsCredentials, ProviderError> {
    let fail =
        |reason: String| ProviderError::Process { profile: profile.to_string(), program: program.to_string(), reason };
    let v: serde_json::Value =
        serde_json::from_slice(stdout).map_err(|e| fail(format!("its output is {}", json_error(&e))))?;
    let bad = |what: &str| fail(format!("its output {what}"));
    match v.get("Version").and_then(serde_json::Value::as_u64) {
        Some(1) => {}
        Some(n) => return Err(bad(&format!("has Version {n}; only Version 1 is supported"))),
        None => return Err(bad("has no \"Version\": 1")),
    }
    let id = json_str(&v, "AccessKeyId").ok_or_else(|| bad("has no AccessKeyId"))?;
    let secret = json_str(&v, "SecretAccessKey").ok_or_else(|| bad("has no SecretAccessKey"))?;
    let expiry = match json_str(&v, "Expiration") {
        None => None,
        Some(e) => Some(parse_rfc3339(e).ok_or_else(|| bad("has an Expiration that is not an RFC 3339 time"))?),
    };
    Ok(AwsCredentials {
        creds: Credentials::new(id, secret).with_session_token(json_str(&v, "SessionToken")),
        expiry,
        account_id: json_str(&v, "AccountId").map(str::to_string).or_else(|| account_id.map(str::to_string)),
        source: CredentialSource::Process { profile: profile.to_string() },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_secrets::CleanErr;

    #[test]
    fn splits_like_posix_shlex() {
        let s = |x| split_command_line(x).unwrap();
        assert_eq!(s("a b  c"), ["a", "b", "c"]);
        assert_eq!(s(r#"/bin/tool --x "a b" 'c d' e\ f"#), ["/bin/tool", "--x", "a b", "c d", "e f"]);
        assert_eq!(s(r#""a\"b" 'a\b' "x\y""#), [r#"a"b"#, r"a\b", r"x\y"]);
        assert_eq!(s(r#"a"b"'c'"#), ["abc"]);
        assert_eq!(s("''"), [""]);
        assert!(s("").is_empty());
        assert_eq!(split_command_line("'open"), None);
        assert_eq!(split_command_line("\"open"), None);
    }

    fn run(cmd: &str) -> Result<AwsCredentials, ProviderError> {
        ProcessProvider::new("p".into(), cmd.into(), Some("999".into())).credentials()
    }

    #[test]
    fn reads_output_and_reports_failures_without_secrets() {
        let ok = r#"printf '{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"SECRETX","SessionToken":"TOKX"}'"#;
        let c = run(ok).unwrap();
        assert_eq!(c.creds.secret_access_key(), "SECRETX");
        assert_eq!(c.account_id.as_deref(), Some("999"));
        let e = run("sh -c 'exit 3'").clean_err().to_string();
        assert!(e.contains("exited with code 3") && e.contains("`sh`"), "{e}");
        let e = run("printf SECRETX-not-json").clean_err().to_string();
        assert!(e.contains("not valid JSON") && !e.contains("SECRETX"), "{e}");
        let e = run(r#"printf '{"Version":2,"AccessKeyId":"A","SecretAccessKey":"SECRETX"}'"#).clean_err().to_string();
        assert!(e.contains("Version 2") && !e.contains("SECRETX"), "{e}");
        let e = run("/nonexistent/minis3-helper --secret-arg").clean_err().to_string();
        assert!(e.contains("cannot start it") && !e.contains("secret-arg"), "{e}");
        // `exit` is a shell built-in: without a shell it is not a program.
        assert!(run("exit 1").clean_err().to_string().contains("cannot start"));
    }
}
