//! A conversation stored by the agent and by the offline estimator, read back as the chat
//! showed it: the model's text before and after its tool calls, each call with its arguments
//! and result (a result's data too), a declined call with its reason, the turn's tokens, and
//! an offline estimate. Conversations stored before these were kept still read.

mod common;

use std::sync::Arc;

use agentdesk_agent::estimator::{EstimateStore, OfflineTurn, answer_offline};
use agentdesk_agent::{
    Approval, BoxFuture, PastStep, PastToolState, Tool, ToolContext, ToolOutput, ToolSpec,
    conversation,
};
use agentdesk_memory::{NewEvent, PayloadItem, Role};
use agentdesk_pricing::Catalog;
use common::scripted_agent::{ScriptedUser, answer, setup, stream, tool_call};
use common::serve;
use serde_json::{Value, json};

/// A tool whose result carries data for the screen, as estimate_costs does.
#[derive(Debug)]
struct Priced;

impl Tool for Priced {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "priced".into(),
            description: "Prices a thing".into(),
            input_schema: json!({"type": "object"}),
        }
    }

    fn call<'a>(&'a self, _: &'a Value, _: &'a ToolContext) -> BoxFuture<'a, ToolOutput> {
        Box::pin(async { ToolOutput::ok("$1.67 a month").with_data(json!({"total": 1.67})) })
    }
}

#[tokio::test]
async fn a_model_turn_reads_back_as_it_was_shown() {
    let said_then_called = stream(&[
        json!({"choices": [{"index": 0, "delta": {"content": "Let me price it."}, "finish_reason": null}]}),
        json!({"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
            "function": {"name": "priced", "arguments": "{\"what\":\"site\"}"}}]}, "finish_reason": null}]}),
        json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}],
               "usage": {"prompt_tokens": 100, "completion_tokens": 10}}),
    ]);
    let server = serve(vec![
        said_then_called,
        tool_call("call_2", "add", &json!({"numbers": [1, 2]})),
        answer("## Total\n$1.67"),
    ])
    .await;
    let mut s = setup(&server.base_url, Approval::Ask, 8).await;
    s.agent.tools.register(Arc::new(Priced), Approval::Allow);
    // The user declines the `add` call.
    let user = ScriptedUser { answers: vec![false].into(), ..ScriptedUser::default() };
    s.agent.run_turn("s1", "How much is the site?", &mut |_| {}, &user).await.expect("turn");

    let past = conversation(&s.store, &s.memory_id, "local-user", "s1").await.expect("read");
    assert_eq!(past.len(), 1);
    let exchange = &past[0];
    assert_eq!(exchange.question, "How much is the site?");
    assert_eq!(exchange.steps.len(), 4, "{:#?}", exchange.steps);
    assert_eq!(exchange.steps[0], PastStep::Text { text: "Let me price it.".into() });
    let PastStep::Tool { call, state, output, elapsed_ms, reason } = &exchange.steps[1] else {
        panic!("a tool step: {:?}", exchange.steps[1]);
    };
    assert_eq!((call.id.as_str(), call.name.as_str()), ("call_1", "priced"));
    assert_eq!(call.arguments, json!({"what": "site"}));
    assert_eq!(*state, PastToolState::Done);
    let output = output.as_ref().expect("its result");
    assert_eq!(output.content, "$1.67 a month");
    assert_eq!(output.structured_content, Some(json!({"total": 1.67})), "the data for its card");
    assert!(elapsed_ms.is_some() && reason.is_none());
    let PastStep::Tool { call, state, output, reason, .. } = &exchange.steps[2] else {
        panic!("a tool step: {:?}", exchange.steps[2]);
    };
    assert_eq!(call.name, "add");
    assert_eq!(*state, PastToolState::Refused);
    assert!(output.is_none(), "a declined call shows why, not its error text");
    assert_eq!(reason.as_deref(), Some("the user declined to run add"));
    assert_eq!(exchange.steps[3], PastStep::Text { text: "## Total\n$1.67".into() });
    let usage = exchange.usage.expect("the turn's tokens");
    assert_eq!((usage.input_tokens, usage.output_tokens), (320, 25));

    // What the model reads as history is unchanged: questions and final answers only.
    let second = serve(vec![answer("Still $1.67.")]).await;
    let mut s2 = setup(&second.base_url, Approval::Allow, 8).await;
    s2.agent.memory = s.agent.memory.clone();
    s2.agent.run_turn("s1", "Sure?", &mut |_| {}, &user).await.expect("second turn");
    let sent = second.received.lock().expect("log")[0].body["messages"].clone();
    let texts: Vec<&str> =
        sent.as_array().expect("messages").iter().filter_map(|m| m["content"].as_str()).collect();
    assert_eq!(texts[1..], ["How much is the site?", "## Total\n$1.67", "Sure?"], "{sent}");
}

#[tokio::test]
async fn an_offline_answer_keeps_its_estimate_and_a_question_the_model_missed_is_asked_once() {
    let folder = tempfile::tempdir().expect("temp");
    let store = agentdesk_memory::MemoryStore::open_in(folder.path()).await.expect("memory");
    let memory_id = store.default_memory().await.expect("memory").memory_id;
    let catalog = Catalog::bundled().expect("catalog");
    let estimates = EstimateStore::new(&folder.path().join("estimates"));
    let question = "one t3.medium in us-east-1";
    // The model could not be reached: only the question was stored.
    let asked = NewEvent::message("local-user", "s1", Role::User, question);
    store.create_event(&memory_id, asked).await.expect("question");
    let turn = OfflineTurn {
        memory: (&store, &memory_id, "local-user"),
        session_id: "s1",
        estimates: &estimates,
        calculator: None,
        default_region: "us-east-1",
        catalog: &catalog,
        live_prices: None,
    };
    let saved = answer_offline(turn, question).await.expect("offline answer");
    // Asked again on purpose: this time it is a new question.
    answer_offline(turn, question).await.expect("asked again");

    let past = conversation(&store, &memory_id, "local-user", "s1").await.expect("read");
    let questions: Vec<&str> = past.iter().map(|exchange| exchange.question.as_str()).collect();
    assert_eq!(questions, [question, question]);
    let estimate = past[0].estimate.as_ref().expect("the estimate, for its card");
    assert_eq!(estimate, &saved);
    assert!(past[0].steps.is_empty(), "the card says what the report says");
}

#[tokio::test]
async fn conversations_stored_before_the_details_were_kept_still_read() {
    let folder = tempfile::tempdir().expect("temp");
    let store = agentdesk_memory::MemoryStore::open_in(folder.path()).await.expect("memory");
    let memory_id = store.default_memory().await.expect("memory").memory_id;
    let event = |payload: Vec<PayloadItem>, metadata: Value| NewEvent {
        actor_id: "local-user".into(),
        session_id: "old".into(),
        event_timestamp: None,
        payload,
        branch: None,
        metadata: metadata.as_object().cloned().unwrap_or_default(),
    };
    for stored in [
        event(vec![PayloadItem::message(Role::User, "Two instances?")], json!({})),
        event(
            vec![PayloadItem::Blob(json!({"toolCall": {"toolCallId": "c1", "toolName": "add",
                "arguments": {"numbers": [1, 2]}}}))],
            json!({}),
        ),
        event(vec![PayloadItem::message(Role::Tool, "3")], json!({"toolCallId": "c1"})),
        event(vec![PayloadItem::message(Role::Assistant, "## Estimate\n$3")], json!({})),
        event(vec![PayloadItem::message(Role::Other, "Stopped after 8 model calls")], json!({})),
    ] {
        store.create_event(&memory_id, stored).await.expect("event");
    }
    let past = conversation(&store, &memory_id, "local-user", "old").await.expect("read");
    assert_eq!(past.len(), 1);
    let steps = &past[0].steps;
    assert!(
        matches!(&steps[0], PastStep::Tool { state: PastToolState::Done, output: Some(output), .. }
            if output.content == "3" && output.structured_content.is_none()),
        "{steps:?}"
    );
    assert_eq!(steps[1], PastStep::Text { text: "## Estimate\n$3".into() });
    assert_eq!(
        steps[2],
        PastStep::Notice { message: "Stopped after 8 model calls".into(), code: String::new() }
    );
    assert!(past[0].estimate.is_none() && past[0].usage.is_none());
}
