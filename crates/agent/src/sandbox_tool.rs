//! `execute_python`: the agent's calculator, Python in the local WebAssembly sandbox with one
//! session per conversation, so variables defined in one call are there in the next.

use std::collections::HashMap;

use agentdesk_wasm_sandbox::{
    Content, Limits, RuntimeId, Sandbox, SessionStatus, StartSession, ToolCall,
};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::provider::{BoxFuture, ToolSpec};
use crate::tools::{Tool, ToolContext, ToolOutput};

/// How long a conversation's Python session lives (AgentCore's longest).
const SESSION_SECONDS: u32 = 28_800;

/// Runs Python for the agent.
#[derive(Debug)]
pub struct ExecutePython {
    sandbox: Sandbox,
    runtime: RuntimeId,
    limits: Limits,
    /// The sandbox session of each conversation.
    sessions: Mutex<HashMap<String, String>>,
}

impl ExecutePython {
    /// Runs code on `runtime` in `sandbox`, each call within `limits`.
    pub fn new(sandbox: Sandbox, runtime: RuntimeId, limits: Limits) -> Self {
        Self { sandbox, runtime, limits, sessions: Mutex::new(HashMap::new()) }
    }

    /// The conversation's session, started on first use or when the last one ended.
    async fn session(&self, conversation_id: &str) -> Result<String, String> {
        let mut sessions = self.sessions.lock().await;
        if let Some(id) = sessions.get(conversation_id)
            && self
                .sandbox
                .get_session(id)
                .is_some_and(|session| session.status == SessionStatus::Ready)
        {
            return Ok(id.clone());
        }
        let request = StartSession {
            name: format!("conversation {conversation_id}"),
            runtime: self.runtime,
            timeout_seconds: SESSION_SECONDS,
            metered: false,
        };
        let session =
            self.sandbox.start_session(request).await.map_err(|error| error.to_string())?;
        sessions.insert(conversation_id.to_owned(), session.session_id.clone());
        Ok(session.session_id)
    }

    async fn run(&self, arguments: &Value, context: &ToolContext) -> ToolOutput {
        let Some(code) = arguments["code"].as_str() else {
            return ToolOutput::error(
                "execute_python needs {\"code\": \"…\"} with the Python to run",
            );
        };
        let session = match self.session(&context.conversation_id).await {
            Ok(session) => session,
            Err(error) => {
                return ToolOutput::error(format!("the Python sandbox is not available: {error}"));
            }
        };
        let call = ToolCall {
            name: "executeCode".into(),
            arguments: json!({"code": code, "language": "python"}),
        };
        let result = self.sandbox.invoke(&session, &call, &self.limits).await;
        let mut text = String::new();
        match &result.structured_content {
            Some(run) => {
                text.push_str(&run.stdout);
                if !run.stderr.is_empty() {
                    text.push_str(&run.stderr);
                }
                if run.exit_code != 0 {
                    text.push_str(&format!("[exit code {}]\n", run.exit_code));
                }
                if run.state_lost {
                    text.push_str("[the interpreter was restarted: earlier variables are gone]\n");
                }
            }
            None => {
                for item in &result.content {
                    if let Content::Text { text: part } = item {
                        text.push_str(part);
                    }
                }
            }
        }
        let images =
            result.content.iter().filter(|item| matches!(item, Content::Image { .. })).count();
        if images > 0 {
            text.push_str(&format!("[{images} figure(s) shown to the user]\n"));
        }
        if text.is_empty() {
            text.push_str("(no output; print() what you need to see)");
        }
        if result.is_error { ToolOutput::error(text) } else { ToolOutput::ok(text) }
    }
}

impl Tool for ExecutePython {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "execute_python".into(),
            description: "Run Python 3 in an isolated sandbox without network access. Variables \
                persist between calls in this conversation. Print the values you need; use it for \
                every calculation."
                .into(),
            input_schema: json!({
                "type": "object",
                "properties": {"code": {"type": "string", "description": "The Python code to run"}},
                "required": ["code"],
            }),
        }
    }

    fn call<'a>(
        &'a self,
        arguments: &'a Value,
        context: &'a ToolContext,
    ) -> BoxFuture<'a, ToolOutput> {
        Box::pin(self.run(arguments, context))
    }
}
