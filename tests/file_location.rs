//! The cross-SDK file-location suite: `profile/file-location-tests.json` (9 cases).

mod common;

use minis3::config::env::{Environment, Platform};
use minis3::config::location::{locate, select_profile};
use minis3::config::profile::FileKind;

#[test]
fn file_location_suite() {
    let suite = common::read_json("profile/file-location-tests.json");
    let tests = suite["tests"].as_array().expect("tests array");
    assert_eq!(tests.len(), 9, "the suite has 9 cases");
    let mut failures = Vec::new();
    for case in tests {
        let name = case["name"].as_str().unwrap();
        let env = Environment::from_pairs(
            case["environment"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())),
        );
        let platform = match case["platform"].as_str().unwrap() {
            "windows" => Platform::Windows,
            "linux" | "macos" => Platform::Unix,
            other => panic!("{name}: unknown platform {other}"),
        };
        let path = |file| locate(file, &env, platform).path.map(|p| p.to_string_lossy().into_owned());
        let config = path(FileKind::Config);
        let credentials = path(FileKind::Credentials);
        if config.as_deref() != case["configLocation"].as_str() {
            failures.push(format!("{name}: config {config:?}"));
        }
        if credentials.as_deref() != case["credentialsLocation"].as_str() {
            failures.push(format!("{name}: credentials {credentials:?}"));
        }
        // One case has no "profile" key: its environment selects nothing, so `default`.
        let want = case["profile"].as_str().unwrap_or("default");
        let (got, _) = select_profile(&env, None);
        if got != want {
            failures.push(format!("{name}: profile {got:?}, expected {want:?}"));
        }
    }
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
}
