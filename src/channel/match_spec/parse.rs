//! The match spec parser, step by step as rattler's lenient `matchspec_parser`:
//! strip a `#` comment, reject `; if`, strip the trailing `[...]` fields, refuse URL and path
//! specs, split `channel:namespace:rest` from the right, take the name up to whitespace or
//! an operator, then split the rest into a version part (recognized with rattler's
//! `split_version_and_build` grammar) and a build string.

use super::glob::Glob;
use super::{BuildMatcher, BuildNumberOp, BuildNumberSpec, GlobPattern, MatchSpec, NameMatcher};
use crate::channel::version_spec::VersionSpec;

type Res<T> = Result<T, String>;

use crate::channel::platform::PLATFORMS;

pub(super) fn parse(input: &str) -> Res<MatchSpec> {
    let input = strip_comment(input);
    let input = reject_if_syntax(input)?;
    let (rest, fields) = strip_brackets(input.trim())?;
    let mut spec = MatchSpec {
        name: NameMatcher::Exact(String::new()),
        version: None,
        build: None,
        build_number: None,
        channel: None,
        subdir: None,
        namespace: None,
        md5: None,
        sha256: None,
        file_name: None,
        license: None,
        license_family: None,
        track_features: None,
    };
    for (key, value) in fields {
        apply_field(&mut spec, key, value)?;
    }

    if !rest.contains("::") && (has_scheme(rest) || is_absolute_path(rest)) {
        return Err("URL and path match specs are not supported".into());
    }

    let mut parts = rest.rsplitn(3, ':');
    let rest = parts.next().unwrap_or("");
    let namespace = parts.next();
    let channel = parts.next();
    if let Some(ns) = namespace.map(str::trim).filter(|n| !n.is_empty()) {
        spec.namespace = Some(ns.to_owned());
    }
    if let Some(channel) = channel {
        let (channel, subdir) = channel_and_subdir(channel);
        spec.channel = spec.channel.or(channel);
        spec.subdir = spec.subdir.or(subdir);
    }

    let (name, rest) = strip_name(rest)?;
    spec.name = name;
    let rest = rest.trim();
    if !rest.is_empty() {
        let (version, build) = version_and_build(rest)?;
        spec.version = spec.version.or(Some(version));
        spec.build = spec.build.or(build);
    }
    Ok(spec)
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_constraint_start(c: char) -> bool {
    matches!(c, '>' | '<' | '=' | '!' | '~')
}

/// Whether `[`-prefixed `input` opens a `key=` field section.
fn starts_bracket_fields(input: &str) -> bool {
    let Some(contents) = input.strip_prefix('[') else {
        return false;
    };
    let contents = contents.trim_start();
    let key_end: usize =
        contents.chars().take_while(|&c| c.is_alphanumeric() || matches!(c, '_' | '-')).map(char::len_utf8).sum();
    key_end > 0 && contents[key_end..].trim_start().starts_with('=')
}

/// Up to `limit` positions of `needle` outside quoted values of bracket fields.
fn unquoted_positions(input: &str, needle: char, limit: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut chars = input.char_indices();
    let mut quote: Option<char> = None;
    let mut depth = 0u32;
    while let Some((pos, c)) = chars.next() {
        if let Some(q) = quote {
            if c == '\\' {
                chars.next();
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '[' if depth > 0 => depth = depth.saturating_add(1),
            '[' if starts_bracket_fields(&input[pos..]) => depth = 1,
            ']' if depth > 0 => depth -= 1,
            '\'' | '"'
                if depth > 0
                    && input[..pos].trim_end().chars().next_back().is_some_and(|p| matches!(p, '=' | '[' | ',')) =>
            {
                quote = Some(c)
            }
            c if c == needle => {
                out.push(pos);
                if out.len() == limit {
                    break;
                }
            }
            _ => {}
        }
    }
    out
}

fn strip_comment(input: &str) -> &str {
    match unquoted_positions(input, '#', 1).first() {
        Some(&p) => &input[..p],
        None => input,
    }
}

fn reject_if_syntax(input: &str) -> Res<&str> {
    let semis = unquoted_positions(input, ';', 2);
    if let Some(&first) = semis.first() {
        let after = input[first + 1..].trim_start();
        if after.strip_prefix("if").is_some_and(|r| r.starts_with(char::is_whitespace)) {
            return Err("the '; if' syntax is not supported, use [when=...]".into());
        }
        if semis.len() > 1 {
            return Err("more than one ';'".into());
        }
    }
    Ok(input.trim())
}

/// Splits a trailing balanced `[...]` section off and parses its `key=value` fields.
fn strip_brackets(input: &str) -> Res<(&str, Vec<(&str, &str)>)> {
    if !input.ends_with(']') {
        return Ok((input, Vec::new()));
    }
    let mut depth = 0usize;
    let mut open = None;
    let mut quote: Option<char> = None;
    let mut chars = input.char_indices();
    while let Some((i, c)) = chars.next() {
        if let Some(q) = quote {
            if c == '\\' {
                chars.next();
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' if depth > 0 => quote = Some(c),
            '[' => {
                if depth == 0 {
                    open = Some(i);
                }
                depth += 1;
            }
            ']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 && i != input.len() - 1 {
                    open = None;
                }
            }
            _ => {}
        }
    }
    let (Some(open), 0, None) = (open, depth, quote) else {
        return Err("unbalanced brackets".into());
    };
    let fields = bracket_fields(&input[open..]).ok_or("invalid bracket fields")?;
    Ok((&input[..open], fields))
}

/// `[key=value, key="value", key='value', key=[value]]`, as rattler's nom grammar reads it.
fn bracket_fields(input: &str) -> Option<Vec<(&str, &str)>> {
    let s = input.as_bytes();
    let ws = |mut p: usize| {
        while s.get(p).copied().is_some_and(is_ws) {
            p += 1;
        }
        p
    };
    let key_value = |p: usize| -> Option<(usize, &str, &str)> {
        let p = ws(p);
        let klen: usize =
            input[p..].chars().take_while(|&c| c.is_alphanumeric() || c == '_' || c == '-').map(char::len_utf8).sum();
        let key = &input[p..p + klen];
        let p = ws(p + klen);
        if s.get(p) != Some(&b'=') {
            return None;
        }
        let p = ws(p + 1);
        let (value, end) = match s.get(p)? {
            &(q @ b'"' | q @ b'\'') => {
                let mut i = p + 1;
                loop {
                    match s.get(i)? {
                        b'\\' => i += 2,
                        &c if c == q => break,
                        _ => i += 1,
                    }
                }
                (input.get(p + 1..i)?, i + 1)
            }
            b'[' => {
                let close = input[p + 1..].find(']')?;
                (&input[p + 1..p + 1 + close], p + 2 + close)
            }
            _ => {
                let n = input[p..].find([',', ']', '\'', '"']).unwrap_or(input.len() - p);
                if n == 0 {
                    return None;
                }
                (&input[p..p + n], p + n)
            }
        };
        Some((ws(end), key, value))
    };

    if s.first() != Some(&b'[') {
        return None;
    }
    let mut out = Vec::new();
    let mut pos = 1;
    if let Some((p, k, v)) = key_value(pos) {
        out.push((k, v));
        pos = p;
        loop {
            let q = ws(pos);
            if s.get(q) != Some(&b',') {
                break;
            }
            match key_value(ws(q + 1)) {
                Some((p, k, v)) => {
                    out.push((k, v));
                    pos = p;
                }
                None => break,
            }
        }
    }
    (s.get(pos) == Some(&b']')).then_some(out)
}

fn apply_field(spec: &mut MatchSpec, key: &str, value: &str) -> Res<()> {
    match key {
        "version" => {
            spec.version = Some(VersionSpec::parse(value).map_err(|e| e.to_string())?);
        }
        "build" => spec.build = Some(build_matcher(value)?),
        "build_number" => spec.build_number = Some(build_number(value)?),
        "sha256" => spec.sha256 = Some(hex_digest(value, 32)?),
        "md5" => spec.md5 = Some(hex_digest(value, 16)?),
        "fn" => spec.file_name = Some(value.to_owned()),
        "subdir" => spec.subdir = Some(value.to_owned()),
        "channel" => {
            let (channel, subdir) = channel_and_subdir(value);
            spec.channel = spec.channel.take().or(channel);
            spec.subdir = spec.subdir.take().or(subdir);
        }
        "license" => spec.license = Some(value.to_owned()),
        "license_family" => spec.license_family = Some(value.to_owned()),
        "namespace" => spec.namespace = Some(value.to_owned()),
        "track_features" => {
            spec.track_features =
                Some(value.split([',', ' ']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect());
        }
        "url" => return Err("the url field is not supported".into()),
        _ => return Err(format!("unknown bracket field '{}'", crate::channel::shorten(key))),
    }
    Ok(())
}

fn hex_digest(value: &str, bytes: usize) -> Res<String> {
    if value.len() == bytes * 2 && value.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(value.to_ascii_lowercase())
    } else {
        Err(format!("'{}' is not {bytes} bytes of hex", crate::channel::shorten(value)))
    }
}

fn build_number(value: &str) -> Res<BuildNumberSpec> {
    let bad = || format!("invalid build number spec '{}'", crate::channel::shorten(value));
    let op_len = value.bytes().take_while(|b| matches!(b, b'=' | b'!' | b'<' | b'>')).count();
    let op = match &value[..op_len] {
        "" | "==" => BuildNumberOp::Eq,
        "!=" => BuildNumberOp::Ne,
        "<=" => BuildNumberOp::Le,
        ">=" => BuildNumberOp::Ge,
        "<" => BuildNumberOp::Lt,
        ">" => BuildNumberOp::Gt,
        _ => return Err(bad()),
    };
    let digits = &value[op_len..];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let value = digits.parse::<u64>().map_err(|_| bad())?;
    Ok(BuildNumberSpec { op, value })
}

fn build_matcher(value: &str) -> Res<BuildMatcher> {
    if value.starts_with('^') && value.ends_with('$') {
        Err("regular expressions are not supported for builds".into())
    } else if value.contains('*') {
        let glob = Glob::new(value).map_err(|_| format!("invalid glob '{}'", crate::channel::shorten(value)))?;
        Ok(BuildMatcher::Glob(GlobPattern(glob)))
    } else {
        Ok(BuildMatcher::Exact(value.to_owned()))
    }
}

/// `channel/PLATFORM` splits off a subdir; an empty channel is none.
fn channel_and_subdir(input: &str) -> (Option<String>, Option<String>) {
    if let Some((channel, subdir)) = input.rsplit_once('/') {
        if PLATFORMS.contains(&subdir) {
            let channel = (!channel.is_empty()).then(|| channel.to_owned());
            return (channel, Some(subdir.to_owned()));
        }
    }
    ((!input.trim().is_empty()).then(|| input.to_owned()), None)
}

/// rattler's `parse_scheme`: `SCHEME://` with a short alphanumeric scheme.
fn has_scheme(input: &str) -> bool {
    let Some(end) = input.find("://") else {
        return false;
    };
    let mut chars = input[..end].chars();
    end <= 11 && chars.next().is_some_and(char::is_alphabetic) && chars.all(char::is_alphanumeric)
}

fn is_absolute_path(input: &str) -> bool {
    if input.contains("://") {
        return false;
    }
    if input.starts_with('/') || input.starts_with("\\\\") {
        return true;
    }
    let mut c = input.chars();
    matches!((c.next(), c.next(), c.next()), (Some(l), Some(':'), Some('/' | '\\')) if l.is_alphabetic())
}

fn strip_name(input: &str) -> Res<(NameMatcher, &str)> {
    let trimmed = input.trim();
    if trimmed.starts_with('^') {
        let regex_end = trimmed
            .match_indices('$')
            .any(|(i, _)| trimmed[i + 1..].chars().next().is_none_or(|c| c.is_whitespace() || is_constraint_start(c)));
        if regex_end {
            return Err("regular expressions are not supported for names".into());
        }
    }
    let end: usize =
        trimmed.chars().take_while(|&c| !c.is_whitespace() && !is_constraint_start(c)).map(char::len_utf8).sum();
    let name = &trimmed[..end];
    if name.is_empty() {
        return Err("missing package name".into());
    }
    let rest = trimmed[end..].trim();
    let matcher = if name.starts_with('^') && name.ends_with('$') {
        return Err("regular expressions are not supported for names".into());
    } else if name.contains('*') {
        let glob = Glob::new(name).map_err(|_| format!("invalid glob '{}'", crate::channel::shorten(name)))?;
        NameMatcher::Glob(GlobPattern(glob))
    } else if name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')) {
        NameMatcher::Exact(name.to_ascii_lowercase())
    } else {
        return Err(format!(
            "'{}' is not a valid package name (0-9, a-z, A-Z, '-', '_' and '.' only)",
            crate::channel::shorten(name)
        ));
    };
    Ok((matcher, rest))
}

fn version_and_build(input: &str) -> Res<(VersionSpec, Option<BuildMatcher>)> {
    if input.contains('[') {
        return Err("only one bracket section is allowed, at the end".into());
    }
    let (version, build) = super::split::split_version_and_build(input)
        .ok_or_else(|| "cannot split the version from the build".to_owned())?;
    let version: String = version.chars().filter(|c| !c.is_whitespace()).collect();
    let version = strip_equals(&version, build);
    let version = VersionSpec::parse(&version).map_err(|e| e.to_string())?;
    let build = build.map(build_matcher).transpose()?;
    Ok((version, build))
}

/// rattler's `optionally_strip_equals` (lenient): `=1.2` alone means `1.2*`, `=1.2 b` means
/// `1.2` with build `b`, `==1.2` alone means `1.2`; groups are left alone.
fn strip_equals(version: &str, build: Option<&str>) -> String {
    let Some(v1) = version.strip_prefix('=') else {
        return version.to_owned();
    };
    if let (Some(v2), None) = (v1.strip_prefix('='), build) {
        return v2.to_owned();
    }
    if v1.contains(['=', ',', '|']) {
        return version.to_owned();
    }
    if build.is_none() && !v1.ends_with('*') {
        format!("{v1}*")
    } else {
        v1.to_owned()
    }
}
