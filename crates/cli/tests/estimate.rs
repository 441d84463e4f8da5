//! `agentdesk estimate` without the sandbox installed: the same figures, computed on the host,
//! and bad input refused with what to do; with a (scripted) model that prices through
//! `estimate_costs`.

mod support;

use std::process::Output;

fn agentdesk(folder: &std::path::Path, args: &[&str]) -> Output {
    support::agentdesk(folder, args, "")
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
    // 2190×0.0136 = 29.784 → 29.78; 24×0.096 = 2.304 → 2.30; NAT 45.26 + 0.62.
    assert_eq!(estimate["monthly_total"], 77.96);
    assert_eq!(estimate["calculated_in"], "host");
    assert!(
        estimate["calculation_note"]
            .as_str()
            .is_some_and(|note| note.contains("Python サンドボックスが未インストール")),
        "{estimate}"
    );
}

#[test]
fn the_json_says_what_was_not_priced_where_and_from_which_catalog() {
    let folder = tempfile::tempdir().expect("temp");
    let output = agentdesk(
        folder.path(),
        &["estimate", "--json", "2 t3.medium and RDS MySQL db.m5.xlarge in Frankfurt"],
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let estimate: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(estimate["region"], "eu-central-1");
    assert_eq!(estimate["region_asked"], "Frankfurt");
    let ec2 = &estimate["items"][0];
    assert_eq!(
        (ec2["resource"].as_str(), ec2["unit_price"].as_f64()),
        (Some("t3.medium"), Some(0.048))
    );
    assert!(
        ec2["price_source"].as_str().is_some_and(|source| source.starts_with("sparecores-data"))
    );
    assert_eq!(ec2["price_date"], "2024-02-21");
    let not_priced = estimate["not_priced"].as_array().expect("not_priced");
    let database = not_priced
        .iter()
        .find(|entry| entry["asked"].as_str().is_some_and(|asked| asked.contains("db.m5.xlarge")))
        .expect("the database is listed as not priced");
    assert!(
        database["reason"].as_str().is_some_and(|reason| reason.contains("eu-central-1")),
        "{database}"
    );
    assert!(estimate["headline"].as_str().is_some_and(|headline| headline.contains("Not priced")));
    assert_eq!(estimate["monthly_total"], 70.08, "2 × 730 × 0.048, nothing else priced");
}

#[test]
fn an_unknown_default_region_or_an_empty_description_is_refused() {
    let folder = tempfile::tempdir().expect("temp");
    let output = agentdesk(folder.path(), &["estimate", "--region", "mars-1", "2 t3.micro"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("\"mars-1\" is not an AWS region code")
    );
    let output = agentdesk(folder.path(), &["estimate"]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("describe the architecture"));
}

#[test]
fn estimates_are_saved_listed_shown_and_compared() {
    let folder = tempfile::tempdir().expect("temp");
    let first = agentdesk(
        folder.path(),
        &["estimate", "--json", "2 EC2 t3.medium and an ALB in us-east-1"],
    );
    let second = agentdesk(
        folder.path(),
        &["estimate", "--json", "2 EC2 t4g.medium and an ALB in us-east-1"],
    );
    let id = |output: &Output| {
        let message = String::from_utf8_lossy(&output.stderr).into_owned();
        message
            .split_whitespace()
            .find(|word| word.starts_with("est-"))
            .map(str::to_owned)
            .expect("saved as …")
    };
    let (first_id, second_id) = (id(&first), id(&second));

    let listed = agentdesk(folder.path(), &["estimates", "list", "--json"]);
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("json");
    assert_eq!(listed[0]["id"], second_id.as_str(), "newest first");
    assert_eq!(listed[1]["estimate"]["monthly_total"], 84.29);

    let script = agentdesk(folder.path(), &["estimates", "show", &first_id, "--script"]);
    assert!(String::from_utf8_lossy(&script.stdout).contains("# 1460 × 0.0416"));

    let compared = agentdesk(folder.path(), &["estimates", "compare", &first_id, &second_id]);
    let table = String::from_utf8_lossy(&compared.stdout);
    assert!(table.contains("| ec2 | $60.74 | $49.06 |"), "{table}");
    assert!(table.contains("| **Total** | **$84.29** | **$72.61** |"), "{table}");

    let missing = agentdesk(folder.path(), &["estimates", "show", "est-ffff"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("agentdesk estimates list"));
}

#[test]
fn a_json_spec_is_priced_exactly_and_a_bad_one_names_the_problem() {
    let folder = tempfile::tempdir().expect("temp");
    let spec = folder.path().join("spec.json");
    std::fs::write(&spec, r#"{"region": "us-east-1", "resources": [{"service": "ec2", "resource": "m5.large", "count": 3}]}"#)
        .expect("spec");
    let output =
        agentdesk(folder.path(), &["estimate", "--json", "--spec", spec.to_str().expect("utf-8")]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let estimate: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(estimate["monthly_total"], 210.24, "3 × 730 × 0.096");

    std::fs::write(&spec, r#"{"resources": [{"service": "ec2"}]}"#).expect("spec");
    let output = agentdesk(folder.path(), &["estimate", "--spec", spec.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing field `resource`"));
}

#[test]
fn the_default_region_comes_from_settings() {
    let folder = tempfile::tempdir().expect("temp");
    std::fs::write(folder.path().join("config.toml"), "[estimate]\nregion = \"ap-northeast-1\"\n")
        .expect("config");
    let output = agentdesk(folder.path(), &["estimate", "--json", "2 t3.medium"]);
    let estimate: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(estimate["region"], "ap-northeast-1");
    let output =
        agentdesk(folder.path(), &["estimate", "--json", "--region", "us-east-1", "2 t3.medium"]);
    let estimate: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(estimate["region"], "us-east-1", "--region wins");
    let refused = agentdesk(folder.path(), &["config", "set", "estimate.region", "Tokyo"]);
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("an AWS region code such as ap-northeast-1")
    );
}

#[test]
fn with_a_model_the_description_is_read_by_the_model_and_priced_by_the_catalog() {
    use agentdesk_e2e::{Reply, ScriptedModel};
    let folder = tempfile::tempdir().expect("temp");
    let model = ScriptedModel::serve(vec![
        Reply::ToolCall {
            text: String::new(),
            id: "call_est".into(),
            name: "estimate_costs".into(),
            arguments: serde_json::json!({
                "description": "two medium web servers in Virginia",
                "region": "us-east-1",
                "resources": [{"service": "ec2", "resource": "t3.medium", "count": 2}]
            }),
        },
        Reply::Text(vec!["Two t3.medium: $60.74 a month.".into()]),
    ])
    .expect("model");
    std::fs::write(
        folder.path().join("config.toml"),
        format!("[model]\nprovider = \"openai-compatible\"\nbase_url = \"{}\"\n", model.base_url),
    )
    .expect("config");
    let output =
        agentdesk(folder.path(), &["estimate", "--json", "two medium web servers in Virginia"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let estimate: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(estimate["monthly_total"], 60.74, "2 × 730 × 0.0416 from the catalog");
    assert_eq!(estimate["items"][0]["resource"], "t3.medium");
    let requests = model.requests.lock().expect("requests").clone();
    assert_eq!(requests.len(), 2, "the tool's result went back to the model");
    assert!(requests[0]["tools"].as_array().is_some_and(|tools| {
        tools.iter().any(|tool| tool["function"]["name"] == "estimate_costs")
    }));

    // --offline never asks the model: the server has no answer left to give.
    let offline = agentdesk(folder.path(), &["estimate", "--offline", "--json", "2 t3.medium"]);
    assert!(offline.status.success(), "{}", String::from_utf8_lossy(&offline.stderr));
    assert_eq!(model.requests.lock().expect("requests").len(), 2);
}

/// A config with one MCP server, `pricing`, started as `command ARGS` with `env`.
fn with_pricing_server(
    folder: &std::path::Path,
    command: &str,
    args: &[&str],
    env: &[(&str, &str)],
) {
    let mut config = format!("[mcp_servers.pricing]\ncommand = {command:?}\nargs = {args:?}\n");
    config.push_str("[mcp_servers.pricing.env]\n");
    for (variable, value) in env {
        config.push_str(&format!("{variable} = {value:?}\n"));
    }
    std::fs::write(folder.join("config.toml"), config).expect("config");
}

#[test]
fn live_prices_from_a_pricing_server_replace_the_catalogs_and_the_estimate_says_so() {
    let folder = tempfile::tempdir().expect("temp");
    let stand_in = agentdesk_e2e::mcp_servers::folder().join("price-list.mjs");
    with_pricing_server(folder.path(), "node", &[&stand_in.display().to_string()], &[]);
    let output = agentdesk(
        folder.path(),
        &["estimate", "--offline", "--json", "2 EC2 t3.medium in us-east-1"],
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let estimate: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let unit_price = |resource: &str| {
        estimate["items"]
            .as_array()
            .and_then(|items| items.iter().find(|item| item["resource"] == resource))
            .map(|item| item["unit_price"].clone())
    };
    // The stand-in's Price List answers (0.05/h, 0.09/GB-month), not the catalog's.
    assert_eq!(unit_price("t3.medium"), Some(serde_json::json!(0.05)));
    assert_eq!(unit_price("gp3"), Some(serde_json::json!(0.09)));
    assert_eq!(estimate["monthly_total"], 74.44, "2 × 730 h × 0.05 + 16 GB × 0.09");
    assert_eq!(estimate["price_source"], "AWS Price List API via pricing");
    let note = estimate["price_note"].as_str().unwrap_or_default();
    assert!(note.contains("2 prices are live"), "{note}");
    assert!(estimate["report_markdown"].as_str().is_some_and(|report| report.contains(note)));
}

#[test]
fn the_pricing_servers_own_error_is_reported_and_the_catalog_prices_stand() {
    let folder = tempfile::tempdir().expect("temp");
    let server = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/mcp-venv/bin/awslabs.aws-pricing-mcp-server");
    let home = folder.path().join("home");
    // The seed passes the user's AWS credentials in the server's environment; this machine
    // has none, so AWS Labs' server fails with its own error.
    with_pricing_server(
        folder.path(),
        &server.display().to_string(),
        &[],
        &[
            ("AWS_REGION", "us-east-1"),
            ("FASTMCP_LOG_LEVEL", "ERROR"),
            ("HOME", &home.display().to_string()),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials"),
            ("AWS_CONFIG_FILE", "/nonexistent/config"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ],
    );
    let description = "us-east-1 で EC2 t3.medium を2台";
    let output = agentdesk(folder.path(), &["estimate", "--offline", "--json", description]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let estimate: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let note = estimate["price_note"].as_str().unwrap_or_default();
    assert!(note.contains("Unable to locate credentials"), "its own error: {note}");
    assert!(note.contains("同梱カタログの価格"), "in the description's language: {note}");
    assert_eq!(estimate["price_source"], "AgentDesk hand-compiled list prices");

    let catalog_only = tempfile::tempdir().expect("temp");
    let output = agentdesk(catalog_only.path(), &["estimate", "--offline", "--json", description]);
    let plain: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(estimate["monthly_total"], plain["monthly_total"], "the catalog's figures");
    assert_eq!(plain["price_note"], serde_json::Value::Null);
}

#[test]
fn without_a_pricing_server_a_remote_cost_agents_estimate_joins_the_report() {
    let folder = tempfile::tempdir().expect("temp");
    let stand_in = agentdesk_e2e::mcp_servers::folder().join("price-list.mjs");
    with_pricing_server(
        folder.path(),
        "node",
        &[&stand_in.display().to_string(), "cost-agent"],
        &[],
    );
    let description = "2 EC2 t3.medium in us-east-1";
    let output = agentdesk(folder.path(), &["estimate", "--offline", "--json", description]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let estimate: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let note = estimate["price_note"].as_str().unwrap_or_default();
    assert!(note.starts_with("pricing's aws_cost_estimation (live prices) estimates"), "{note}");
    assert!(note.contains(&format!("For \"{description}\": about $71.20 a month")), "{note}");
    assert_eq!(
        estimate["price_source"], "AgentDesk hand-compiled list prices",
        "the table keeps the catalog's"
    );
    assert!(estimate["report_markdown"].as_str().is_some_and(|report| report.contains("$71.20")));
}
