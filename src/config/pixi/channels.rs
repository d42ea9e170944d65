//! The `channels` of a pixi workspace manifest, in pixi's priority order.
//!
//! `[workspace] channels = [...]` (older `[project]`; under `tool.pixi` in pyproject.toml) is a
//! list of channel names or URLs, or tables `{ channel = "...", priority = N }`. pixi ranks
//! them by `priority` (default 0), highest first, and keeps the written order among equal
//! priorities. A bare name (`conda-forge`) is a channel under pixi's default channel alias,
//! `https://conda.anaconda.org/NAME`.

use std::path::Path;

use super::layers::ManifestKind;
use super::s3_options::{PixiConfigError, TomlDoc};

/// pixi's default channel alias for bare channel names.
pub const DEFAULT_CHANNEL_ALIAS: &str = "https://conda.anaconda.org";

/// The manifest's channels as URLs, highest priority first (an empty list when it has none).
pub fn manifest_channels(source: &str, path: &Path, kind: ManifestKind) -> Result<Vec<String>, PixiConfigError> {
    let doc = TomlDoc::parse(source, path)?;
    let prefix: &[&str] = match kind {
        ManifestKind::Pixi => &[],
        ManifestKind::Pyproject => &["tool", "pixi"],
    };
    let Some(table) = ["workspace", "project"].into_iter().find(|t| {
        let keys: Vec<&str> = prefix.iter().copied().chain([*t]).collect();
        doc.get(&keys).is_some()
    }) else {
        return Ok(Vec::new());
    };
    let keys: Vec<&str> = prefix.iter().copied().chain([table, "channels"]).collect();
    let dotted = keys.join(".");
    let Some(value) = doc.get(&keys) else { return Ok(Vec::new()) };
    let Some(list) = value.get_ref().as_array() else {
        return Err(doc.invalid(value.span().start, &dotted, "a list of channels"));
    };
    let mut ranked: Vec<(i64, usize, String)> = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let expected = "a channel name or URL, or { channel = \"...\", priority = N }";
        let (name, priority) = match item.get_ref() {
            v if v.as_str().is_some() => (v.as_str().unwrap_or_default().to_owned(), 0),
            v if v.as_table().is_some() => {
                let t = v.as_table().expect("checked");
                let name = t
                    .get("channel")
                    .and_then(|c| c.get_ref().as_str())
                    .ok_or_else(|| doc.invalid(item.span().start, &dotted, expected))?
                    .to_owned();
                let priority = match t.get("priority") {
                    None => 0,
                    Some(p) => p
                        .get_ref()
                        .as_integer()
                        .and_then(|n| n.to_string().parse::<i64>().ok())
                        .ok_or_else(|| doc.invalid(p.span().start, &format!("{dotted}.priority"), "an integer"))?,
                };
                (name, priority)
            }
            _ => return Err(doc.invalid(item.span().start, &dotted, expected)),
        };
        ranked.push((priority, i, channel_url(&name)));
    }
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    Ok(ranked.into_iter().map(|(_, _, url)| url).collect())
}

/// A channel as written in a manifest, as a URL: URLs as they are, a bare name under
/// [`DEFAULT_CHANNEL_ALIAS`].
pub fn channel_url(name: &str) -> String {
    let name = name.trim();
    if name.contains("://") {
        name.to_owned()
    } else {
        format!("{DEFAULT_CHANNEL_ALIAS}/{}", name.trim_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_secrets::CleanErr;

    #[test]
    fn channels_in_priority_order() {
        let text = r#"
[workspace]
name = "x"
channels = ["conda-forge", { channel = "s3://bkt/ch", priority = 5 }, "https://h/c/", { channel = "bioconda" }]
"#;
        let got = manifest_channels(text, Path::new("pixi.toml"), ManifestKind::Pixi).unwrap();
        assert_eq!(
            got,
            [
                "s3://bkt/ch",
                "https://conda.anaconda.org/conda-forge",
                "https://h/c/",
                "https://conda.anaconda.org/bioconda"
            ]
        );
        let py = "[tool.pixi.project]\nchannels = [\"s3://b/c\"]\n";
        assert_eq!(manifest_channels(py, Path::new("pyproject.toml"), ManifestKind::Pyproject).unwrap(), ["s3://b/c"]);
        assert!(manifest_channels("[workspace]\n", Path::new("pixi.toml"), ManifestKind::Pixi).unwrap().is_empty());
        let bad = manifest_channels("[workspace]\nchannels = [1]\n", Path::new("pixi.toml"), ManifestKind::Pixi);
        let msg = bad.clean_err().to_string();
        assert!(msg.contains("pixi.toml:2") && msg.contains("workspace.channels"), "{msg}");
    }
}
