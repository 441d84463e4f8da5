//! The agent loop against the scripted OpenAI-compatible server: multi-step tool calls,
//! approvals, refusals, the step limit, memory and context overflow.

mod common;

use std::sync::Mutex;

use agentdesk_agent::{AgentEvent, Approval};
use agentdesk_memory::{ListEvents, Role};
use common::Reply;
use common::scripted_agent::{ScriptedUser, answer, setup, tool_call};
use common::serve;
use serde_json::json;

#[tokio::test]
async fn a_tool_call_runs_its_result_goes_back_and_everything_is_stored() {
    let server = serve(vec![
        tool_call("call_1", "add", &json!({"numbers": [30.37, 16.43]})),
        answer("$46.80 a month"),
    ])
    .await;
    let s = setup(&server.base_url, Approval::Allow, 8).await;
    let mut events = Vec::new();
    let outcome = s
        .agent
        .run_turn("s1", "Two instances?", &mut |event| events.push(event), &ScriptedUser::default())
        .await
        .expect("turn");
    assert_eq!(outcome.text, "$46.80 a month");
    assert_eq!(outcome.steps, 2);
    assert_eq!((outcome.usage.input_tokens, outcome.usage.output_tokens), (220, 15));
    assert_eq!(*s.add.calls.lock().expect("calls"), 1);
    assert!(
        matches!(&events[0], AgentEvent::ToolRequested { call, approval: Approval::Allow } if call.name == "add")
    );
    assert!(
        matches!(&events[1], AgentEvent::ToolFinished { output, .. } if output.content == "46.8")
    );
    assert_eq!(events[2], AgentEvent::Text { text: "$46.80 a month".into() });

    let second = server.received.lock().expect("log")[1].body.clone();
    let messages = second["messages"].as_array().expect("messages");
    assert_eq!(messages.last().expect("tool result")["role"], json!("tool"));
    assert_eq!(messages.last().expect("tool result")["content"], json!("46.8"));

    let stored = s
        .store
        .list_events(
            &s.memory_id,
            "local-user",
            "s1",
            &ListEvents { oldest_first: true, ..ListEvents::default() },
        )
        .await
        .expect("events");
    let roles: Vec<Option<Role>> = stored
        .items
        .iter()
        .map(|event| event.messages().next().map(|message| message.role))
        .collect();
    assert_eq!(
        roles,
        [Some(Role::User), None, Some(Role::Tool), Some(Role::Assistant)],
        "user, tool call blob, result, answer"
    );
    let answer = &stored.items[3].metadata;
    assert_eq!(
        answer["usage"],
        json!({"inputTokens": 220, "outputTokens": 15}),
        "the turn's tokens"
    );
    assert_eq!(answer["model"], json!(s.agent.model));
    let sessions = s.store.list_sessions(&s.memory_id, None).await.expect("sessions");
    assert_eq!(sessions[0].title.as_deref(), Some("Two instances?"));
}

#[tokio::test]
async fn a_quick_question_is_answered_without_tools() {
    let server = serve(vec![answer("Roughly $30."), answer("Computed.")]).await;
    let s = setup(&server.base_url, Approval::Allow, 8).await;
    let user = ScriptedUser::default();
    s.agent.run_turn("s1", "[quick] one t3.medium?", &mut |_| {}, &user).await.expect("quick");
    s.agent.run_turn("s1", "and exactly?", &mut |_| {}, &user).await.expect("full");
    let received = server.received.lock().expect("log").clone();
    assert!(received[0].body.get("tools").is_none(), "no tools for [quick]");
    assert!(received[1].body["tools"].as_array().is_some_and(|tools| !tools.is_empty()));
}

#[tokio::test]
async fn the_next_turn_sees_the_earlier_ones_in_order() {
    let server = serve(vec![answer("About $30."), answer("About $60.")]).await;
    let s = setup(&server.base_url, Approval::Allow, 8).await;
    let user = ScriptedUser::default();
    s.agent.run_turn("s1", "One t3.medium?", &mut |_| {}, &user).await.expect("turn 1");
    s.agent.run_turn("s1", "And two?", &mut |_| {}, &user).await.expect("turn 2");
    let second = server.received.lock().expect("log")[1].body.clone();
    let texts: Vec<&str> = second["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|message| message["content"].as_str())
        .collect();
    assert_eq!(texts, ["You estimate AWS costs.", "One t3.medium?", "About $30.", "And two?"]);
}

#[tokio::test]
async fn an_ask_tool_waits_for_the_user_and_a_no_reaches_the_model() {
    let server =
        serve(vec![tool_call("call_1", "add", &json!({"numbers": [1, 2]})), answer("Understood.")])
            .await;
    let s = setup(&server.base_url, Approval::Ask, 8).await;
    let user = ScriptedUser { answers: Mutex::new(vec![false]), ..ScriptedUser::default() };
    let mut events = Vec::new();
    s.agent.run_turn("s1", "add", &mut |event| events.push(event), &user).await.expect("turn");
    assert_eq!(*user.asked.lock().expect("asked"), ["add"]);
    assert_eq!(*s.add.calls.lock().expect("calls"), 0, "declined tools do not run");
    assert!(events.iter().any(|event| matches!(event, AgentEvent::ToolRefused { reason, .. } if reason.contains("declined"))));
    let second = server.received.lock().expect("log")[1].body.clone();
    let result = second["messages"]
        .as_array()
        .and_then(|messages| messages.last().cloned())
        .expect("tool message");
    assert!(result["content"].as_str().is_some_and(|text| text.contains("declined")), "{result}");
}

#[tokio::test]
async fn a_denied_tool_is_never_asked_about_and_an_unknown_one_is_explained() {
    let server = serve(vec![
        tool_call("call_1", "add", &json!({"numbers": [1]})),
        tool_call("call_2", "delete_everything", &json!({})),
        answer("OK"),
    ])
    .await;
    let s = setup(&server.base_url, Approval::Deny, 8).await;
    let user = ScriptedUser { answers: Mutex::new(vec![true]), ..ScriptedUser::default() };
    let mut events = Vec::new();
    s.agent.run_turn("s1", "go", &mut |event| events.push(event), &user).await.expect("turn");
    assert!(user.asked.lock().expect("asked").is_empty());
    let reasons: Vec<String> = events
        .iter()
        .filter_map(|event| match event {
            AgentEvent::ToolRefused { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .collect();
    assert!(reasons[0].contains("switched off"), "{reasons:?}");
    assert!(reasons[1].contains("no tool named \"delete_everything\""), "{reasons:?}");
}

#[tokio::test]
async fn the_step_limit_ends_a_turn_that_never_stops_calling_tools() {
    let server = serve(vec![
        tool_call("c1", "add", &json!({"numbers": [1]})),
        tool_call("c2", "add", &json!({"numbers": [1]})),
        tool_call("c3", "add", &json!({"numbers": [1]})),
    ])
    .await;
    let s = setup(&server.base_url, Approval::Allow, 2).await;
    let mut events = Vec::new();
    let outcome = s
        .agent
        .run_turn("s1", "loop", &mut |event| events.push(event), &ScriptedUser::default())
        .await
        .expect("turn");
    assert!(outcome.hit_step_limit);
    assert_eq!(outcome.steps, 2);
    assert_eq!(server.received.lock().expect("log").len(), 2);
    assert!(
        events
            .iter()
            .any(|event| matches!(event, AgentEvent::Notice { code, .. } if code == "step_limit"))
    );
}

#[tokio::test]
async fn an_overflowing_conversation_drops_its_oldest_turns_with_a_notice() {
    let overflow = Reply::error(
        400,
        &json!({"error": {"message": "This model's maximum context length is 8192 tokens.", "code": "context_length_exceeded"}}),
    );
    let server = serve(vec![answer("first"), overflow, answer("fits now")]).await;
    let s = setup(&server.base_url, Approval::Allow, 8).await;
    let user = ScriptedUser::default();
    s.agent.run_turn("s1", "a long first question", &mut |_| {}, &user).await.expect("turn 1");
    let mut events = Vec::new();
    let outcome = s
        .agent
        .run_turn("s1", "second", &mut |event| events.push(event), &user)
        .await
        .expect("turn 2");
    assert_eq!(outcome.text, "fits now");
    assert!(events.iter().any(
        |event| matches!(event, AgentEvent::Notice { code, .. } if code == "history_trimmed")
    ));
    let retried = server.received.lock().expect("log")[2].body.clone();
    assert_eq!(
        retried["messages"].as_array().map(Vec::len),
        Some(2),
        "system prompt and the new question only"
    );
}
