//! Differential tests of conda versions, version specs and match specs against py-rattler
//! 0.28 (`$MINIS3_SERVERS/pyvenv/bin/python`, installed by
//! `bash scripts/install-servers.sh py-rattler`).
//!
//! A fixed-seed generator makes a few thousand versions, version specs, match specs and
//! records; one python process answers everything in one batch (JSON over stdin/stdout);
//! every answer must agree with ours:
//! - version parse success; the order of all valid versions (sorted by both, compared as
//!   ranks with ties) and random pairs compared directly (`<`, `==`);
//! - version spec parse success and `matches` for each valid spec against a set of versions;
//! - match spec parse success (`exact_names_only=False`), the subdir it names, and `matches`
//!   against generated records (name, version, build, build number, subdir).
#![cfg(feature = "channel")]

mod support;

use std::io::Write;
use std::process::{Command, Stdio};

use minis3::channel::{Candidate, MatchSpec, Version, VersionSpec};
use serde_json::{json, Value};

const PY: &str = r#"
import sys, json, functools
from rattler import Version, VersionSpec, MatchSpec, PackageRecord
from rattler.package.build_string import BuildString
req = json.load(sys.stdin)
out = {}
vs = []
ok = []
for s in req["versions"]:
    try:
        vs.append(Version(s)); ok.append(True)
    except Exception:
        vs.append(None); ok.append(False)
out["version_ok"] = ok
valid = [i for i, v in enumerate(vs) if v is not None]
def cmp(a, b):
    return -1 if vs[a] < vs[b] else (0 if vs[a] == vs[b] else 1)
order = sorted(valid, key=functools.cmp_to_key(cmp))
rank = {}
r = 0
for k, i in enumerate(order):
    if k > 0 and not (vs[order[k - 1]] == vs[i]):
        r += 1
    rank[i] = r
out["rank"] = [rank.get(i, -1) for i in range(len(vs))]
out["pairs"] = [cmp(a, b) if vs[a] is not None and vs[b] is not None else None for a, b in req["pairs"]]
probe = [Version(s) for s in req["probe_versions"]]
spec_ok, spec_matches = [], []
for s in req["specs"]:
    try:
        sp = VersionSpec(s)
    except Exception:
        spec_ok.append(False); spec_matches.append(""); continue
    spec_ok.append(True)
    spec_matches.append("".join("1" if sp.matches(v) else "0" for v in probe))
out["spec_ok"] = spec_ok
out["spec_matches"] = spec_matches
records = [PackageRecord(r["name"], r["version"], BuildString(r["build"]), r["build_number"], r["subdir"]) for r in req["records"]]
ms_ok, ms_subdir, ms_matches = [], [], []
for s in req["matchspecs"]:
    try:
        m = MatchSpec(s, exact_names_only=False)
    except Exception:
        ms_ok.append(False); ms_subdir.append(None); ms_matches.append(""); continue
    ms_ok.append(True)
    ms_subdir.append(m.subdir)
    ms_matches.append("".join("1" if m.matches(rec) else "0" for rec in records))
out["ms_ok"] = ms_ok
out["ms_subdir"] = ms_subdir
out["ms_matches"] = ms_matches
json.dump(out, sys.stdout)
"#;

/// splitmix64: a small fixed-seed generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const WORDS: &[&str] = &[
    "dev", "a", "alpha", "b", "beta", "rc", "post", "c", "DEV", "RC", "Alpha", "Post", "foo", "z", "g", "pre", "final",
    "r", "devdev", "postfix",
];

fn component(r: &mut Rng) -> String {
    if r.chance(60) {
        match r.below(10) {
            0 => format!("0{}", r.below(10)),
            1 => format!("{}", r.below(100000)),
            _ => format!("{}", r.below(4)),
        }
    } else {
        r.pick(WORDS).to_owned()
    }
}

fn segment(r: &mut Rng) -> String {
    let n = 1 + r.below(3);
    (0..n).map(|_| component(r)).collect()
}

fn part(r: &mut Rng, sep: &str) -> String {
    let n = 1 + r.below(5);
    let mut s = segment(r);
    for _ in 1..n {
        s.push_str(if r.chance(80) { "." } else { sep });
        s.push_str(&segment(r));
    }
    s
}

/// A version, mostly valid, with every feature of the grammar now and then.
fn version(r: &mut Rng) -> String {
    let sep = if r.chance(50) { "-" } else { "_" };
    let mut s = String::new();
    if r.chance(10) {
        s.push_str(&format!("{}!", r.below(3)));
    }
    s.push_str(&part(r, sep));
    if r.chance(10) {
        s.push_str(r.pick(&[".0", ".0.0", "0", ".00"]));
    }
    if r.chance(6) {
        s.push_str(r.pick(&["_", "-", "__", "--", "._", ".-", "_-"]));
    }
    if r.chance(12) {
        s.push('+');
        s.push_str(&part(r, sep));
    }
    if r.chance(5) {
        let junk = r.pick(&["*", "$", " ", "..", "+", "!", "@", "", "ä", "1!", "_1"]);
        let at = r.below(s.len() + 1);
        if s.is_char_boundary(at) {
            s.insert_str(at, junk);
        }
    }
    if r.chance(1) {
        s.clear();
    }
    s
}

/// A short version, so that specs and versions meet often.
fn small_version(r: &mut Rng) -> String {
    let mut s = String::new();
    if r.chance(4) {
        s.push_str("1!");
    }
    let n = 1 + r.below(4);
    for i in 0..n {
        if i > 0 {
            s.push('.');
        }
        s.push_str(&r.below(4).to_string());
    }
    if r.chance(25) {
        s.push_str(r.pick(&["a1", "b2", "rc1", "dev0", "post1", "alpha", "a", ".post1", ".dev1", "_", "-"]));
    }
    if r.chance(8) {
        s.push_str(r.pick(&["+1", "+local", "+2.a"]));
    }
    s
}

fn atom(r: &mut Rng) -> String {
    if r.chance(5) {
        return r.pick(&["*", "*.*", ">=*", "==*", "!=*", "<*", "~=*", "=*"]).to_owned();
    }
    let op = if r.chance(5) {
        r.pick(&["=>", "<>", "===", "!", "~"])
    } else {
        r.pick(&["", "", "==", "!=", ">", ">=", "<", "<=", "~=", "="])
    };
    let glob =
        if r.chance(5) { r.pick(&[".", "*.*", ".*.*.", "*1"]) } else { r.pick(&["", "", "", ".*", "*", ".*.*"]) };
    format!("{op}{}{glob}", small_version(r))
}

fn spec(r: &mut Rng, depth: usize) -> String {
    let n = 1 + r.below(3);
    let mut s = String::new();
    for i in 0..n {
        if i > 0 {
            let sep = r.pick(&[",", "|", ",", " , ", " | "]);
            s.push_str(sep);
        }
        if depth < 2 && r.chance(15) {
            s.push('(');
            s.push_str(&spec(r, depth + 1));
            s.push(')');
        } else {
            s.push_str(&atom(r));
        }
    }
    if r.chance(3) {
        s.push_str(r.pick(&[",", "|", " ", "(", ")", "$"]));
    }
    s
}

const NAMES: &[&str] = &[
    "numpy", "NumPy", "scipy", "python", "py-lib", "foo_bar", "a.b", "numpy*", "*py*", "py*", "num?py*", "*", "Numpy*",
    "nu[m]py*", "numpy**", "bad/name", "numpyx",
];
const BUILDS: &[&str] = &["py312_0", "py_0", "*_0", "py312*", "*", "h123_1", "PY_0", "py*_1", "pyh[0-9]*", "0"];
const SUBDIRS: &[&str] = &["linux-64", "noarch", "osx-arm64"];

fn match_spec(r: &mut Rng) -> String {
    let mut s = String::new();
    if r.chance(15) {
        s.push_str(r.pick(&[
            "conda-forge::",
            "conda-forge/linux-64::",
            "s3://bucket/channel::",
            "https://example.org/ch/noarch::",
            "ns:",
            "::",
        ]));
    }
    s.push_str(r.pick(NAMES));
    match r.below(9) {
        0 => {}
        1 => s.push_str(&format!(" {}", spec(r, 1))),
        2 => s.push_str(&format!("={}", small_version(r))),
        3 => s.push_str(&format!("={}={}", small_version(r), r.pick(BUILDS))),
        4 => s.push_str(&format!("=={}={}", small_version(r), r.pick(BUILDS))),
        5 => s.push_str(&format!(" {} {}", small_version(r), r.pick(BUILDS))),
        6 => s.push_str(&spec(r, 1)),
        7 => s.push_str(&format!(" {}.*", small_version(r))),
        _ => s.push_str(&format!(" {} {}", spec(r, 1), r.pick(BUILDS))),
    }
    if r.chance(30) {
        let n = 1 + r.below(2);
        let fields: Vec<String> = (0..n)
            .map(|_| match r.below(6) {
                0 => format!("build_number={}", r.below(5)),
                1 => format!("build_number='{}{}'", r.pick(&[">=", "<", "!=", "==", "="]), r.below(5)),
                2 => format!("version='{}'", spec(r, 1)),
                3 => format!("build={}", r.pick(BUILDS)),
                4 => format!("subdir={}", r.pick(SUBDIRS)),
                _ => format!("build=\"{}\"", r.pick(BUILDS)),
            })
            .collect();
        s.push_str(&format!("[{}]", fields.join(r.pick(&[",", ", "]))));
    }
    if r.chance(3) {
        s.push_str(" # comment");
    }
    s
}

fn python() -> std::path::PathBuf {
    let py = support::servers_root().join("pyvenv/bin/python");
    assert!(py.exists(), "py-rattler is missing at {}: run `bash scripts/install-servers.sh py-rattler`", py.display());
    py
}

fn ask_python(request: &Value) -> Value {
    let mut child = Command::new(python())
        .arg("-c")
        .arg(PY)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start py-rattler");
    let input = serde_json::to_vec(request).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().expect("py-rattler output");
    writer.join().unwrap().unwrap();
    assert!(output.status.success(), "py-rattler failed: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("py-rattler JSON")
}

#[test]
fn versions_specs_and_match_specs_agree_with_py_rattler() {
    let mut r = Rng(0x6d69_6e69_7333);
    let versions: Vec<String> =
        (0..4000).map(|i| if i % 3 == 0 { small_version(&mut r) } else { version(&mut r) }).collect();
    let pairs: Vec<(usize, usize)> = (0..20000).map(|_| (r.below(versions.len()), r.below(versions.len()))).collect();
    let probe: Vec<String> = (0..60).map(|_| small_version(&mut r)).collect();
    let specs: Vec<String> = (0..3000).map(|_| spec(&mut r, 0)).collect();
    let matchspecs: Vec<String> = (0..3000).map(|_| match_spec(&mut r)).collect();
    let records: Vec<(String, String, String, u64, String)> = (0..120)
        .map(|_| {
            (
                r.pick(&["numpy", "scipy", "python", "py-lib", "foo_bar", "a.b", "numpyx", "pynum"]).to_owned(),
                small_version(&mut r),
                r.pick(&["py312_0", "py_0", "h123_1", "py311_1", "pyh1a_0", "0", "PY_0"]).to_owned(),
                r.below(5) as u64,
                r.pick(SUBDIRS).to_owned(),
            )
        })
        .collect();

    let request = json!({
        "versions": versions,
        "pairs": pairs,
        "probe_versions": probe,
        "specs": specs,
        "matchspecs": matchspecs,
        "records": records.iter().map(|(n, v, b, bn, s)| json!({
            "name": n, "version": v, "build": b, "build_number": bn, "subdir": s
        })).collect::<Vec<_>>(),
    });
    let answer = ask_python(&request);
    let mut failures: Vec<String> = Vec::new();

    // Versions: parse success.
    let parsed: Vec<Option<Version>> = versions.iter().map(|s| Version::parse(s).ok()).collect();
    let py_ok = answer["version_ok"].as_array().unwrap();
    for (i, s) in versions.iter().enumerate() {
        if parsed[i].is_some() != py_ok[i].as_bool().unwrap() {
            failures.push(format!(
                "version {s:?}: minis3 parses it: {}, py-rattler: {}",
                parsed[i].is_some(),
                py_ok[i]
            ));
        }
    }
    let valid = parsed.iter().filter(|v| v.is_some()).count();

    // Versions: the order of all of them (ranks with ties) and random pairs.
    let mut order: Vec<usize> = (0..versions.len()).filter(|&i| parsed[i].is_some()).collect();
    order.sort_by(|&a, &b| parsed[a].cmp(&parsed[b]));
    let mut rank = vec![-1i64; versions.len()];
    let mut current = 0i64;
    for (k, &i) in order.iter().enumerate() {
        if k > 0 && parsed[order[k - 1]] != parsed[i] {
            current += 1;
        }
        rank[i] = current;
    }
    let py_rank = answer["rank"].as_array().unwrap();
    let mut rank_mismatches = 0;
    for i in 0..versions.len() {
        if parsed[i].is_some() && py_ok[i].as_bool().unwrap() && rank[i] != py_rank[i].as_i64().unwrap() {
            rank_mismatches += 1;
            if rank_mismatches <= 20 {
                failures.push(format!(
                    "version {:?}: rank {} in minis3's order, {} in py-rattler's",
                    versions[i], rank[i], py_rank[i]
                ));
            }
        }
    }
    let py_pairs = answer["pairs"].as_array().unwrap();
    let mut pairs_compared = 0;
    for (k, &(a, b)) in pairs.iter().enumerate() {
        let (Some(x), Some(y)) = (&parsed[a], &parsed[b]) else {
            continue;
        };
        if py_pairs[k].is_null() {
            continue;
        }
        pairs_compared += 1;
        let ours = x.cmp(y) as i64;
        if ours != py_pairs[k].as_i64().unwrap() {
            failures.push(format!(
                "compare {:?} with {:?}: minis3 {ours}, py-rattler {}",
                versions[a], versions[b], py_pairs[k]
            ));
        }
    }

    // Version specs.
    let probe_v: Vec<Version> = probe.iter().map(|s| Version::parse(s).unwrap()).collect();
    let spec_ok = answer["spec_ok"].as_array().unwrap();
    let spec_matches = answer["spec_matches"].as_array().unwrap();
    let (mut specs_valid, mut spec_checks) = (0, 0);
    for (i, s) in specs.iter().enumerate() {
        let ours = VersionSpec::parse(s);
        if ours.is_ok() != spec_ok[i].as_bool().unwrap() {
            failures.push(format!(
                "version spec {s:?}: minis3 {:?}, py-rattler parses it: {}",
                ours.as_ref().map(|s| s.to_string()).map_err(|e| e.to_string()),
                spec_ok[i]
            ));
            continue;
        }
        let Ok(spec) = ours else { continue };
        specs_valid += 1;
        let bits: String = probe_v.iter().map(|v| if spec.matches(v) { '1' } else { '0' }).collect();
        spec_checks += bits.len();
        let theirs = spec_matches[i].as_str().unwrap();
        if bits != theirs {
            let which: Vec<&str> = bits
                .chars()
                .zip(theirs.chars())
                .enumerate()
                .filter(|(_, (a, b))| a != b)
                .map(|(k, _)| probe[k].as_str())
                .collect();
            failures.push(format!("version spec {s:?} ({spec}): matches differ for {which:?}"));
        }
    }

    // Match specs.
    let rec_versions: Vec<Version> = records.iter().map(|r| Version::parse(&r.1).unwrap()).collect();
    let candidates: Vec<Candidate<'_>> =
        records.iter().zip(&rec_versions).map(|((n, _, b, bn, s), v)| Candidate::new(n, v, b, *bn, s)).collect();
    let ms_ok = answer["ms_ok"].as_array().unwrap();
    let ms_subdir = answer["ms_subdir"].as_array().unwrap();
    let ms_matches = answer["ms_matches"].as_array().unwrap();
    let (mut ms_valid, mut ms_checks, mut ms_hits) = (0, 0, 0);
    for (i, s) in matchspecs.iter().enumerate() {
        let ours = MatchSpec::parse(s);
        if ours.is_ok() != ms_ok[i].as_bool().unwrap() {
            failures.push(format!(
                "match spec {s:?}: minis3 {:?}, py-rattler parses it: {}",
                ours.as_ref().map(|_| "ok").map_err(|e| e.to_string()),
                ms_ok[i]
            ));
            continue;
        }
        let Ok(spec) = ours else { continue };
        ms_valid += 1;
        if spec.subdir.as_deref() != ms_subdir[i].as_str() {
            failures
                .push(format!("match spec {s:?}: subdir {:?} in minis3, {} in py-rattler", spec.subdir, ms_subdir[i]));
        }
        let bits: String = candidates.iter().map(|c| if spec.matches(c) { '1' } else { '0' }).collect();
        ms_checks += bits.len();
        ms_hits += bits.matches('1').count();
        let theirs = ms_matches[i].as_str().unwrap();
        if bits != theirs {
            let which: Vec<String> = bits
                .chars()
                .zip(theirs.chars())
                .enumerate()
                .filter(|(_, (a, b))| a != b)
                .take(3)
                .map(|(k, (a, _))| format!("{:?} (minis3 {a})", records[k]))
                .collect();
            failures.push(format!("match spec {s:?}: matches differ for {which:?}"));
        }
    }

    eprintln!(
        "compared with py-rattler: {} versions ({valid} valid, ranks of all, {pairs_compared} pairs), \
         {} version specs ({specs_valid} valid, {spec_checks} matches), {} match specs \
         ({ms_valid} valid, {ms_checks} matches against records, {ms_hits} true)",
        versions.len(),
        specs.len(),
        matchspecs.len()
    );
    assert!(
        failures.is_empty(),
        "{} disagreements with py-rattler:\n{}",
        failures.len(),
        failures.iter().take(60).cloned().collect::<Vec<_>>().join("\n")
    );
    // The generator must exercise both outcomes everywhere, or the test proves little.
    assert!(valid > 2500 && valid < versions.len(), "valid versions: {valid}");
    assert!(specs_valid > 1000 && specs_valid < specs.len(), "valid specs: {specs_valid}");
    assert!(ms_valid > 1000 && ms_valid < matchspecs.len(), "valid match specs: {ms_valid}");
    assert!(ms_hits > 1000, "match spec hits: {ms_hits}");
}
