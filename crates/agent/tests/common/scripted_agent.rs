//! An agent wired to the scripted server: a counting tool, a scripted user, and replies in
//! OpenAI's streamed shape.

use std::sync::{Arc, Mutex};

use agentdesk_agent::{
    Agent, Approval, Approver, BoxFuture, MemoryLink, OpenAiCompatible, Tool, ToolCall,
    ToolContext, ToolOutput, ToolRegistry, ToolSpec,
};
use agentdesk_memory::MemoryStore;
use serde_json::{Value, json};

use super::Reply;

/// A tool that adds numbers and counts its calls.
#[derive(Debug, Default)]
pub(crate) struct Add {
    pub(crate) calls: Mutex<u32>,
}

impl Tool for Add {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "add".into(),
            description: "Adds a list of numbers".into(),
            input_schema: json!({"type": "object", "properties": {"numbers": {"type": "array"}}}),
        }
    }

    fn call<'a>(&'a self, arguments: &'a Value, _: &'a ToolContext) -> BoxFuture<'a, ToolOutput> {
        *self.calls.lock().expect("calls") += 1;
        let sum: f64 =
            arguments["numbers"].as_array().into_iter().flatten().filter_map(Value::as_f64).sum();
        Box::pin(async move { ToolOutput::ok(format!("{sum}")) })
    }
}

/// Answers approval requests from a script and remembers what it was asked.
#[derive(Debug, Default)]
pub(crate) struct ScriptedUser {
    pub(crate) answers: Mutex<Vec<bool>>,
    pub(crate) asked: Mutex<Vec<String>>,
}

impl Approver for ScriptedUser {
    fn approve<'a>(&'a self, call: &'a ToolCall) -> BoxFuture<'a, bool> {
        self.asked.lock().expect("asked").push(call.name.clone());
        let answer = self.answers.lock().expect("answers").pop().unwrap_or(false);
        Box::pin(async move { answer })
    }
}

pub(crate) fn stream(chunks: &[Value]) -> Reply {
    let mut pieces: Vec<String> = chunks.iter().map(|chunk| format!("data: {chunk}\n\n")).collect();
    pieces.push("data: [DONE]\n\n".to_owned());
    Reply::sse(pieces)
}

pub(crate) fn tool_call(id: &str, name: &str, arguments: &Value) -> Reply {
    stream(&[
        json!({"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "id": id, "type": "function",
            "function": {"name": name, "arguments": arguments.to_string()}}]}, "finish_reason": null}]}),
        json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}],
               "usage": {"prompt_tokens": 100, "completion_tokens": 10}}),
    ])
}

pub(crate) fn answer(text: &str) -> Reply {
    stream(&[
        json!({"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": null}]}),
        json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
               "usage": {"prompt_tokens": 120, "completion_tokens": 5}}),
    ])
}

pub(crate) struct Setup {
    pub(crate) _folder: tempfile::TempDir,
    pub(crate) agent: Agent,
    pub(crate) add: Arc<Add>,
    pub(crate) store: MemoryStore,
    pub(crate) memory_id: String,
}

pub(crate) async fn setup(base_url: &str, approval: Approval, max_steps: u32) -> Setup {
    let folder = tempfile::tempdir().expect("temp");
    let store = MemoryStore::open_in(folder.path()).await.expect("memory");
    let memory_id = store.default_memory().await.expect("memory").memory_id;
    let add = Arc::new(Add::default());
    let mut tools = ToolRegistry::default();
    tools.register(Arc::clone(&add) as Arc<dyn Tool>, approval);
    let agent = Agent {
        name: "cost-estimator".into(),
        provider: Arc::new(OpenAiCompatible::new("openai", base_url, None)),
        model: "gpt-4o-mini".into(),
        system: "You estimate AWS costs.".into(),
        tools,
        max_steps,
        history_turns: 10,
        memory: MemoryLink {
            store: store.clone(),
            memory_id: memory_id.clone(),
            actor_id: "local-user".into(),
        },
    };
    Setup { _folder: folder, agent, add, store, memory_id }
}
