//! Real conda packages for tests and benchmarks, made by `tests/support/conda_packages.py` with
//! the py-rattler venv's python, and py-rattler's own index of them.
//!
//! A missing venv fails the test with the instruction `bash scripts/install-servers.sh py-rattler`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The venv python that has py-rattler 0.28, zstandard and msgpack.
pub fn python() -> PathBuf {
    let root = match std::env::var_os("MINIS3_SERVERS") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(std::env::var_os("HOME").expect("HOME is not set")).join(".cache/minis3/servers"),
    };
    let python = root.join("pyvenv/bin/python");
    if !python.is_file() {
        panic!(
            "py-rattler is not installed ({} is missing): run `bash scripts/install-servers.sh py-rattler`",
            python.display()
        );
    }
    python
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/conda_packages.py")
}

/// One package the generator wrote.
#[derive(Debug, Clone)]
pub struct Made {
    /// Where it is.
    pub path: PathBuf,
    /// `conda` or `tar.bz2`.
    pub format: String,
    /// `cph`, `rattler`, `zip64`, `comment`, `deflate` (.conda) or `pax`, `gnu` (.tar.bz2).
    pub layout: String,
    /// The `info/index.json` written.
    pub index: serde_json::Value,
    /// The `info/run_exports.json` written, if any.
    pub run_exports: Option<serde_json::Value>,
}

/// Makes packages into `out/<subdir>/`; `args` are the generator's `make` options
/// (`--count N`, `--size BYTES`, `--layout L`, `--variety`, `--big-info BYTES`...).
pub fn make_packages(out: &Path, args: &[&str]) -> Vec<Made> {
    let output = Command::new(python())
        .arg(script())
        .arg("make")
        .arg(out)
        .args(args)
        .output()
        .expect("run the package generator");
    assert!(output.status.success(), "package generator failed: {}", String::from_utf8_lossy(&output.stderr));
    let manifest: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).expect("generator manifest");
    manifest
        .into_iter()
        .map(|m| Made {
            path: PathBuf::from(m["path"].as_str().unwrap()),
            format: m["format"].as_str().unwrap().to_string(),
            layout: m["layout"].as_str().unwrap().to_string(),
            index: m["index"].clone(),
            run_exports: Some(m["run_exports"].clone()).filter(|v| !v.is_null()),
        })
        .collect()
}

/// Runs py-rattler's `rattler.index.index_fs` on `channel` and returns each subdir's
/// repodata.json, keyed by subdir.
pub fn rattler_index(channel: &Path) -> std::collections::BTreeMap<String, serde_json::Value> {
    let output = Command::new(python())
        .arg(script())
        .arg("index")
        .arg(channel)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("run py-rattler's indexer");
    assert!(output.status.success(), "rattler.index.index_fs failed: {}", String::from_utf8_lossy(&output.stderr));
    let mut out = std::collections::BTreeMap::new();
    for entry in std::fs::read_dir(channel).unwrap() {
        let dir = entry.unwrap().path();
        let repodata = dir.join("repodata.json");
        if repodata.is_file() {
            let value = serde_json::from_slice(&std::fs::read(&repodata).unwrap()).unwrap();
            out.insert(dir.file_name().unwrap().to_string_lossy().into_owned(), value);
        }
    }
    out
}

/// Runs a python snippet with the venv python (for one-off malformed packages).
pub fn python_run(code: &str, args: &[&Path]) {
    let output = Command::new(python()).arg("-c").arg(code).args(args).output().expect("run python");
    assert!(output.status.success(), "python failed: {}", String::from_utf8_lossy(&output.stderr));
}

/// Writes the small test channel of `tests/support/conda_channel.py` (numpy, numpy-base,
/// python, tzdata, six; `.conda` and `.tar.bz2`) into `out`, indexed by py-rattler (with
/// `repodata.json.zst` and shards when asked), and returns its package list.
pub fn make_channel(out: &Path, zst: bool, shards: bool) -> Vec<serde_json::Value> {
    let mut cmd = Command::new(python());
    cmd.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/conda_channel.py")).arg(out);
    if zst {
        cmd.arg("--zst");
    }
    if shards {
        cmd.arg("--shards");
    }
    let output = cmd.env("AWS_EC2_METADATA_DISABLED", "true").output().expect("run conda_channel.py");
    assert!(output.status.success(), "conda_channel.py failed: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("conda_channel.py list")
}

/// Every file under `dir`, as (path relative to `dir` with `/`, absolute path), sorted.
pub fn files_under(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
                out.push((rel, p));
            }
        }
    }
    out.sort();
    out
}
