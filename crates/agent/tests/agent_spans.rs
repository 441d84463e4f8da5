//! The GenAI spans of a turn (`invoke_agent`, `chat`, `execute_tool`) with their attributes.
//! Alone in its binary: a thread's own subscriber only sees callsites no other test has
//! already cached as uninteresting.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use agentdesk_agent::Approval;
use common::scripted_agent::{ScriptedUser, answer, setup, tool_call};
use common::serve;
use serde_json::json;

/// A span's name and its fields, as text.
type SeenSpan = (String, BTreeMap<String, String>);

/// Collects span names and their fields.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Vec<SeenSpan>>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl<S: tracing::Subscriber + for<'l> tracing_subscriber::registry::LookupSpan<'l>>
    tracing_subscriber::Layer<S> for Spans
{
    fn on_new_span(
        &self,
        attributes: &tracing::span::Attributes<'_>,
        _: &tracing::span::Id,
        _: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut fields = BTreeMap::new();
        attributes.record(&mut Fields(&mut fields));
        self.0.lock().expect("spans").push((attributes.metadata().name().to_owned(), fields));
    }
}

#[tokio::test]
async fn a_turn_is_traced_with_the_genai_span_names_and_attributes() {
    use tracing_subscriber::layer::SubscriberExt;
    let spans = Spans::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(spans.clone()));
    let server =
        serve(vec![tool_call("call_1", "add", &json!({"numbers": [1, 2]})), answer("3")]).await;
    let s = setup(&server.base_url, Approval::Allow, 8).await;
    s.agent.run_turn("conv-42", "1+2?", &mut |_| {}, &ScriptedUser::default()).await.expect("turn");
    let spans = spans.0.lock().expect("spans").clone();
    let names: Vec<&str> = spans
        .iter()
        .map(|(name, _)| name.as_str())
        .filter(|name| ["invoke_agent", "chat", "execute_tool"].contains(name))
        .collect();
    assert_eq!(names, ["invoke_agent", "chat", "execute_tool", "chat"]);
    let field = |span: &str, key: &str| {
        spans.iter().find(|(name, _)| name == span).and_then(|(_, fields)| fields.get(key).cloned())
    };
    assert_eq!(field("invoke_agent", "otel.name").as_deref(), Some("invoke_agent cost-estimator"));
    assert_eq!(field("invoke_agent", "gen_ai.conversation.id").as_deref(), Some("conv-42"));
    assert_eq!(field("chat", "gen_ai.request.model").as_deref(), Some("gpt-4o-mini"));
    assert_eq!(field("execute_tool", "gen_ai.tool.name").as_deref(), Some("add"));
    assert_eq!(field("execute_tool", "gen_ai.tool.call.id").as_deref(), Some("call_1"));
}
