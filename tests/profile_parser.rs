//! The cross-SDK profile-file parser suite: `profile/profile-parser-tests.json` (65 cases).

mod common;

use std::collections::BTreeMap;

use minis3::config::profile::{ProfileSet, Section};
use serde_json::Value;

type Flat = BTreeMap<String, BTreeMap<String, String>>;

fn flatten<'a>(sections: impl Iterator<Item = (&'a String, &'a Section)>) -> Flat {
    sections
        .map(|(name, s)| {
            let props = s.properties().map(|(k, p)| (k.to_string(), p.value.clone())).collect();
            (name.clone(), props)
        })
        .collect()
}

fn expected(v: &Value) -> Flat {
    v.as_object()
        .expect("object")
        .iter()
        .map(|(name, props)| {
            let props = props
                .as_object()
                .expect("properties object")
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().expect("string value").to_string()))
                .collect();
            (name.clone(), props)
        })
        .collect()
}

#[test]
fn profile_parser_suite() {
    let suite = common::read_json("profile/profile-parser-tests.json");
    let tests = suite["tests"].as_array().expect("tests array");
    assert_eq!(tests.len(), 65, "the suite has 65 cases");
    let mut failures = Vec::new();
    for case in tests {
        let name = case["name"].as_str().unwrap();
        let input = &case["input"];
        let result = ProfileSet::parse(input["configFile"].as_str(), input["credentialsFile"].as_str());
        let output = &case["output"];
        if let Some(fragment) = output["errorContaining"].as_str() {
            match result {
                Err(e) if e.to_string().contains(fragment) => {}
                Err(e) => failures.push(format!("{name}: error {e:?} lacks {fragment:?}")),
                Ok(set) => failures.push(format!("{name}: expected error, got {set:?}")),
            }
            continue;
        }
        let set = match result {
            Ok(set) => set,
            Err(e) => {
                failures.push(format!("{name}: unexpected error {e}"));
                continue;
            }
        };
        let config = &output["config"];
        let got = flatten(set.profiles().iter());
        let want = expected(&config["profiles"]);
        if got != want {
            failures.push(format!("{name}: profiles {got:?} != {want:?}"));
        }
        if let Some(sso) = config.get("sso_sessions") {
            let got = flatten(set.sso_sessions().iter());
            let want = expected(sso);
            if got != want {
                failures.push(format!("{name}: sso_sessions {got:?} != {want:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), tests.len(), failures.join("\n"));
}
