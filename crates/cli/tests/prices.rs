//! `agentdesk prices update|status` against the Price List excerpts of the pricing crate's
//! tests, served from 127.0.0.1 (`AGENTDESK_PRICE_LIST_URL`).

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../pricing/tests/fixtures/price-list")
}

/// Serves the fixtures until the test ends; returns the base URL.
fn price_list() -> String {
    agentdesk_e2e::serve_folder(&fixtures()).expect("serve the fixtures")
}

fn prices(folder: &Path, base: &str, args: &[&str]) -> Output {
    let mut command = support::command(folder, args);
    command.env("AGENTDESK_PRICE_LIST_URL", base);
    command.output().expect("run agentdesk")
}

#[test]
fn update_builds_catalogs_that_status_lists_and_a_second_run_keeps() {
    let folder = tempfile::tempdir().expect("temp");
    let base = price_list();
    let output = prices(
        folder.path(),
        &base,
        &["prices", "update", "--service", "ec2,elb", "--region", "us-east-1", "--json"],
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.stderr.is_empty(),
        "--json shows no progress: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(report[0]["offer"], "AmazonEC2");
    assert_eq!(report[0]["status"], "written");
    assert_eq!(report[0]["rows"], 12);
    assert_eq!(report[0]["date"], "2026-12-01");
    assert_eq!(report[0]["version"], "20261201120000");
    assert_eq!(report[0]["counts"]["unmatched"], 10);
    assert_eq!(report[1]["offer"], "AWSELB");
    let catalog = folder.path().join("data/prices/AmazonEC2-us-east-1.tsv");
    assert_eq!(report[0]["path"], catalog.to_str().expect("utf-8"));

    let output = prices(folder.path(), &base, &["prices", "status", "--json"]);
    let listed: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(listed[1]["file"], "AmazonEC2-us-east-1.tsv");
    assert_eq!(listed[1]["source"], "AWS Price List bulk files");
    assert_eq!(listed[1]["rows"], 12);
    assert_eq!(listed[0]["rows"], 4);

    // Without --json: progress on standard error, a line per catalog on standard output.
    let output = prices(
        folder.path(),
        &base,
        &["prices", "update", "--service", "ec2", "--region", "us-east-1,ap-northeast-1"],
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stdout.contains("AmazonEC2 us-east-1: up to date (offer version 20261201120000)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("AmazonEC2 ap-northeast-1: 5 prices of 2026-12-01 written to"),
        "{stdout}"
    );
    assert!(
        stderr.contains(&format!(
            "AmazonEC2 ap-northeast-1: downloading {base}/offers/v1.0/aws/AmazonEC2/20261201120000/ap-northeast-1/index.json"
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("AmazonEC2 us-east-1: downloading"), "{stderr}");

    let output = prices(folder.path(), &base, &["prices", "status"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("AmazonEC2-ap-northeast-1.tsv"), "{stdout}");
    assert!(stdout.contains("2026-12-01      5 prices  AWS Price List bulk files"), "{stdout}");
}

#[test]
fn unknown_services_and_regions_are_refused_with_what_exists() {
    let folder = tempfile::tempdir().expect("temp");
    let base = price_list();
    let output = prices(folder.path(), &base, &["prices", "update", "--service", "glacier"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no catalog can be built for \"glacier\" yet; the services are ec2, rds"),
        "{stderr}"
    );

    let output = prices(
        folder.path(),
        &base,
        &["prices", "update", "--service", "rds", "--region", "mars-north-1"],
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("error: AmazonRDS mars-north-1: AmazonRDS has no prices for region \"mars-north-1\" (it has us-east-1)"),
        "{stderr}"
    );

    // Status needs no Price List.
    let output = support::agentdesk(folder.path(), &["prices", "status"], "");
    assert!(String::from_utf8_lossy(&output.stdout).contains("no catalogs built"));
}

#[test]
fn an_index_that_is_not_json_is_named_with_its_parse_error_said_once() {
    let folder = tempfile::tempdir().expect("temp");
    let served = folder.path().join("served/offers/v1.0/aws");
    std::fs::create_dir_all(&served).expect("folder");
    std::fs::write(served.join("index.json"), "not json").expect("index");
    let base = agentdesk_e2e::serve_folder(&folder.path().join("served")).expect("serve");
    let args = ["prices", "update", "--service", "ec2", "--region", "us-east-1"];
    let output = prices(folder.path(), &base, &args);
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("is not a Price List index"), "{said}");
    assert_eq!(said.matches("expected ident at line 1 column 2").count(), 1, "{said}");
}
