//! botocore's cross-SDK configured-endpoint-URL suite:
//! `profile/botocore/configured-endpoint-urls-profile-tests.json` (39 cases).
//!
//! The suite gives parsed profiles and services sections; they are written out as a config
//! file and parsed again, so the parser is exercised too. When no endpoint URL is configured,
//! the expected answer is the service's default endpoint; it is checked as
//! `https://<service>.<region>.amazonaws.com` with the region the settings resolve (the
//! endpoint rules themselves belong to the address layer).

mod common;

use minis3::config::endpoint::{configured_endpoint_url, EndpointOverrides};
use minis3::config::env::Environment;
use minis3::config::profile::{ProfileSet, Selection};
use minis3::config::resolve::lookup;
use serde_json::Value;

fn config_text(suite: &Value) -> String {
    let mut text = String::new();
    for (name, props) in suite["profiles"].as_object().unwrap() {
        text.push_str(&format!("[profile {name}]\n"));
        for (k, v) in props.as_object().unwrap() {
            text.push_str(&format!("{k} = {}\n", v.as_str().unwrap()));
        }
    }
    for (name, services) in suite["services"].as_object().unwrap() {
        text.push_str(&format!("[services {name}]\n"));
        for (service, props) in services.as_object().unwrap() {
            text.push_str(&format!("{service} =\n"));
            for (k, v) in props.as_object().unwrap() {
                text.push_str(&format!("  {k} = {}\n", v.as_str().unwrap()));
            }
        }
    }
    text
}

#[test]
fn configured_endpoint_url_suite() {
    let file = common::read_json("profile/botocore/configured-endpoint-urls-profile-tests.json");
    let mut total = 0;
    let mut failures = Vec::new();
    for suite in file["testSuites"].as_array().unwrap() {
        let set = ProfileSet::parse(Some(&config_text(suite)), None).unwrap();
        for case in suite["endpointUrlTests"].as_array().unwrap() {
            total += 1;
            let name = case["name"].as_str().unwrap();
            let set = set.clone().with_selected(case["profile"].as_str().unwrap(), Selection::Env("AWS_PROFILE"));
            let env_spec = &suite["environments"][case["environment"].as_str().unwrap()];
            let env = Environment::from_pairs(
                env_spec.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())),
            );
            let client = &suite["client_configs"][case["client_config"].as_str().unwrap()];
            let overrides = EndpointOverrides {
                endpoint_url: client["endpoint_url"].as_str().map(String::from),
                ignore_configured_endpoint_urls: client["ignore_configured_endpoint_urls"].as_bool(),
            };
            let service = case["service"].as_str().unwrap();
            let want = case["output"]["endpointUrl"].as_str().unwrap();
            let got = match configured_endpoint_url(&env, &set, service, &overrides) {
                Ok(Some(url)) => url.value,
                Ok(None) => {
                    let region = lookup(&env, &set, set.selected_profile(), &[], "region")
                        .expect("the suite's profiles have a region")
                        .value;
                    format!("https://{service}.{region}.amazonaws.com")
                }
                Err(e) => {
                    failures.push(format!("{name}: error {e}"));
                    continue;
                }
            };
            if got != want {
                failures.push(format!("{name}: got {got}, expected {want}"));
            }
        }
    }
    assert_eq!(total, 39, "the suite has 39 cases");
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
}
