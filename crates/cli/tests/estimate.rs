//! `agentdesk estimate` without the sandbox installed: the same figures, computed on the host,
//! and bad input refused with what to do.

use std::process::{Command, Output};

fn agentdesk(folder: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_agentdesk"))
        .arg("--config")
        .arg(folder.join("config.toml"))
        .arg("--data-dir")
        .arg(folder.join("data"))
        .arg("--cache-dir")
        .arg(folder.join("cache"))
        .args(args)
        .output()
        .expect("run agentdesk")
}

#[test]
fn without_the_sandbox_the_host_computes_the_same_total_and_says_so() {
    let folder = tempfile::tempdir().expect("temp");
    let output = agentdesk(
        folder.path(),
        &["estimate", "--json", "東京で t3.micro を3台、NAT ゲートウェイ付き"],
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let estimate: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(estimate["region"], "ap-northeast-1");
    assert_eq!(estimate["monthly_total"], 77.97);
    assert_eq!(estimate["calculated_in"], "host");
    assert!(
        estimate["report_markdown"]
            .as_str()
            .is_some_and(|report| report.contains("サンドボックスは未インストール"))
    );
}

#[test]
fn an_unpriced_region_or_an_empty_description_is_refused() {
    let folder = tempfile::tempdir().expect("temp");
    let output = agentdesk(folder.path(), &["estimate", "--region", "eu-west-1", "2 t3.micro"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("covers ap-northeast-1 and us-east-1")
    );
    let output = agentdesk(folder.path(), &["estimate"]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("describe the architecture"));
}
