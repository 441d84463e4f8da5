//! `execute_python`: the agent's calculator, Python on the chosen interpreter (the local
//! WebAssembly sandbox, or a remote code interpreter) with one session per conversation, so
//! variables defined in one call are there in the next.

use std::sync::Arc;

use agentdesk_interpreter::{Calculator, ConversationSessions, fallback_note};
use agentdesk_wasm_sandbox::{Content, ToolCall, ToolResult};
use serde_json::{Value, json};

use crate::provider::{BoxFuture, ToolSpec};
use crate::tools::{Tool, ToolContext, ToolOutput};

/// Runs Python for the agent.
#[derive(Debug)]
pub struct ExecutePython {
    /// The sessions on the chosen interpreter.
    sessions: Arc<ConversationSessions>,
    /// The local sandbox's, used when a remote interpreter cannot be reached and the user
    /// allowed it.
    fallback: Option<Arc<ConversationSessions>>,
}

impl ExecutePython {
    /// Runs code on `calculator`'s interpreter in each conversation's session, which
    /// outlives the tool: the calculator keeps it for the next turn.
    pub fn new(calculator: &Calculator) -> Self {
        Self {
            sessions: Arc::clone(calculator.sessions()),
            fallback: calculator.fallback_sessions().cloned(),
        }
    }

    /// Runs `call` in the conversation's session: on the chosen interpreter, or the local
    /// one when the chosen one cannot be reached and a fallback is allowed, with the note
    /// saying so.
    async fn result(
        &self,
        call: &ToolCall,
        conversation: &str,
    ) -> Result<(ToolResult, Option<String>), String> {
        let chosen = self.sessions.interpreter().name().to_owned();
        match self.sessions.run(conversation, call, None).await {
            Ok(result) => Ok((result, None)),
            Err(error) if error.is_unreachable() && self.fallback.is_some() => {
                let Some(local) = &self.fallback else { return Err(error.to_string()) };
                let result = local.run(conversation, call, None).await.map_err(|local_error| {
                    format!("{error}; the local sandbox could not run it either: {local_error}")
                })?;
                Ok((result, Some(fallback_note(&error))))
            }
            Err(error) => {
                Err(format!("the Python interpreter {chosen} could not run the code: {error}"))
            }
        }
    }

    async fn run(&self, arguments: &Value, context: &ToolContext) -> ToolOutput {
        let Some(code) = arguments["code"].as_str() else {
            return ToolOutput::error(
                "execute_python needs {\"code\": \"…\"} with the Python to run",
            );
        };
        let call = ToolCall {
            name: "executeCode".into(),
            arguments: json!({"code": code, "language": "python"}),
        };
        let (result, fell_back) = match self.result(&call, &context.conversation_id).await {
            Ok(ran) => ran,
            Err(error) => return ToolOutput::error(error),
        };
        let mut text = fell_back.map(|why| format!("[{why}]\n")).unwrap_or_default();
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
