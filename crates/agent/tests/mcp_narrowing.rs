//! A gateway with many tools (AgentDesk's own, in process, with AgentCore's search tool):
//! the agent is offered what the search finds for the user's message, not all of them.

use std::collections::BTreeMap;
use std::time::Duration;

use agentdesk_agent::{Narrowing, mcp_tools};
use agentdesk_gateway::{Endpoint, Gateway, RuntimeTool, router};
use agentdesk_mcp::{Connections, McpServerSettings};
use serde_json::json;

fn tool(name: &str, description: &str) -> RuntimeTool {
    let schema = json!({"type": "object", "properties": {"prompt": {"type": "string"}}});
    RuntimeTool {
        name: name.into(),
        description: description.into(),
        input_schema: schema.as_object().cloned().unwrap_or_default(),
        prompt_argument: "prompt".into(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_large_gateway_is_narrowed_to_what_its_search_finds_for_the_message() {
    let mut tools: Vec<RuntimeTool> = (0..40)
        .map(|index| tool(&format!("ticket_{index:02}"), "Files a support ticket in the help desk"))
        .collect();
    tools.push(tool("aws_cost_estimation", "Estimate the monthly AWS cost of an architecture"));
    tools.push(tool("pricing_lookup", "Look up the AWS price of one resource"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let gateway = Gateway::new(Duration::from_secs(5), true).with_runtime(
        "desk",
        "http://127.0.0.1:9",
        tools,
    );
    let app = router(gateway, None, &Endpoint::new(&base, ""));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let servers = BTreeMap::from([(
        "gw".to_owned(),
        McpServerSettings { url: format!("{base}/mcp"), ..McpServerSettings::default() },
    )]);
    let connections = Connections::new(&servers, None, None);
    let names = |tools: &[std::sync::Arc<dyn agentdesk_agent::Tool>]| {
        tools.iter().map(|tool| tool.spec().name).collect::<Vec<_>>()
    };

    let everything = mcp_tools(&connections, None).await;
    assert_eq!(everything.len(), 43, "without a message every tool is offered");

    let narrowed =
        mcp_tools(&connections, Some(Narrowing::for_message("estimate the AWS cost"))).await;
    let offered = names(&narrowed);
    assert!(offered.contains(&"gw__desk___aws_cost_estimation".to_owned()), "{offered:?}");
    assert!(offered.contains(&"gw__x_amz_bedrock_agentcore_search".to_owned()), "{offered:?}");
    assert!(!offered.iter().any(|name| name.contains("ticket_")), "{offered:?}");
    assert!(offered.len() <= 13, "at most twelve found and the search: {offered:?}");

    let unmatched = mcp_tools(&connections, Some(Narrowing::for_message("見積もり"))).await;
    assert_eq!(unmatched.len(), 43, "a search that finds nothing leaves every tool offered");

    let small = Narrowing { query: "estimate the AWS cost", above: 100 };
    assert_eq!(mcp_tools(&connections, Some(small)).await.len(), 43, "small sets stay whole");
}
