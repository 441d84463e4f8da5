//! The conversation loop: one user turn in, model calls and tool calls until the model
//! answers (or the step limit), every step streamed to the caller and stored in memory.

use std::sync::Arc;
use std::time::Instant;

use agentdesk_memory::{MemoryStore, NewEvent, PayloadItem, Role};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tracing::Instrument;
use ts_rs::TS;

use crate::provider::{
    BoxFuture, ChatRequest, Completion, Message, Provider, ProviderError, StopReason, ToolCall,
    Usage,
};
use crate::span_content;
use crate::tools::{Approval, ToolContext, ToolOutput, ToolRegistry};
use crate::transcript::{self, keys};

/// A message starting with this is answered without tools, from what the model knows.
pub const QUICK: &str = "[quick]";

/// Something that happened during a turn, in the order it happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
#[ts(export_to = "Agent.ts")]
pub enum AgentEvent {
    /// Text from the model, as it arrives.
    Text {
        /// The new text.
        text: String,
    },
    /// The model asked for a tool.
    ToolRequested {
        /// The call.
        call: ToolCall,
        /// Its policy (with `ask`, an approval request follows).
        approval: Approval,
    },
    /// A tool ran.
    ToolFinished {
        /// The call it answers.
        call_id: String,
        /// What it returned.
        output: ToolOutput,
        /// How long it took.
        elapsed_ms: u64,
    },
    /// A tool was not run.
    ToolRefused {
        /// The call.
        call_id: String,
        /// Why, as told to the model.
        reason: String,
    },
    /// Something the user should know (older turns left out, the step limit).
    Notice {
        /// What happened, in English; `code` names it for translation.
        message: String,
        /// A stable name: `history_trimmed`, `step_limit`.
        code: String,
    },
}

/// Asks the user whether a tool call may run (the desktop shows the arguments).
pub trait Approver: Send + Sync {
    /// True to run the call.
    fn approve<'a>(&'a self, call: &'a ToolCall) -> BoxFuture<'a, bool>;
}

/// Where the agent keeps its conversations.
#[derive(Debug, Clone)]
pub struct MemoryLink {
    /// The store.
    pub store: MemoryStore,
    /// The memory conversations go to.
    pub memory_id: String,
    /// Whose conversations they are.
    pub actor_id: String,
}

/// What a turn ended with.
#[derive(Debug, Clone, PartialEq)]
pub struct TurnOutcome {
    /// The model's final text.
    pub text: String,
    /// Model calls made.
    pub steps: u32,
    /// Tokens used over the turn.
    pub usage: Usage,
    /// Whether the step limit cut the turn short.
    pub hit_step_limit: bool,
}

/// What stops a turn.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// The model failed (after its retries).
    #[error(transparent)]
    Provider(#[from] ProviderError),
    /// The conversation could not be stored.
    #[error("cannot store the conversation: {0}")]
    Memory(#[from] agentdesk_memory::Error),
}

/// An agent: a model, a system prompt, tools, and where conversations are kept.
#[derive(Debug, Clone)]
pub struct Agent {
    /// Its name in traces (`gen_ai.agent.name`).
    pub name: String,
    /// The model behind it.
    pub provider: Arc<dyn Provider>,
    /// The model id.
    pub model: String,
    /// Its instructions.
    pub system: String,
    /// Its tools.
    pub tools: ToolRegistry,
    /// Model calls allowed in one turn.
    pub max_steps: u32,
    /// Earlier turns given to the model.
    pub history_turns: usize,
    /// Where conversations are kept.
    pub memory: MemoryLink,
}

impl Agent {
    /// Runs one user turn of conversation `session_id`. Dropping the future stops it: the
    /// model stream and any running tool are cancelled, and what was stored stays.
    pub async fn run_turn(
        &self,
        session_id: &str,
        user_text: &str,
        on_event: &mut (dyn FnMut(AgentEvent) + Send),
        approver: &dyn Approver,
    ) -> Result<TurnOutcome, AgentError> {
        let span = tracing::info_span!(
            "invoke_agent",
            otel.name = %format!("invoke_agent {}", self.name),
            gen_ai.operation.name = "invoke_agent",
            gen_ai.agent.name = %self.name,
            gen_ai.conversation.id = %session_id,
            session.id = %session_id,
            gen_ai.provider.name = %self.provider.name(),
            gen_ai.request.model = %self.model,
            gen_ai.input.messages = tracing::field::Empty,
            gen_ai.output.messages = tracing::field::Empty,
        );
        agentdesk_telemetry::traces::start_session(&span, session_id);
        span_content::record_input_text(&span, "user", user_text);
        let outcome =
            self.turn(session_id, user_text, on_event, approver).instrument(span.clone()).await;
        if let Ok(done) = &outcome {
            span_content::record_output_text(&span, &done.text);
        }
        outcome
    }

    async fn turn(
        &self,
        session_id: &str,
        user_text: &str,
        on_event: &mut (dyn FnMut(AgentEvent) + Send),
        approver: &dyn Approver,
    ) -> Result<TurnOutcome, AgentError> {
        let mut history = self.history(session_id).await?;
        self.store(session_id, Role::User, user_text, serde_json::Map::new()).await?;
        // `[quick]` asks for an answer from what the model knows: no tools are offered.
        let quick = user_text.trim_start().starts_with(QUICK);
        let mut messages = vec![Message::User { text: user_text.to_owned() }];
        let mut usage = Usage::default();
        let mut steps = 0;
        loop {
            if steps == self.max_steps {
                let message = format!(
                    "Stopped after {} model calls in one turn; ask again to continue.",
                    self.max_steps
                );
                on_event(AgentEvent::Notice {
                    message: message.clone(),
                    code: "step_limit".into(),
                });
                let mut metadata = serde_json::Map::new();
                metadata.insert(keys::NOTICE.into(), json!("step_limit"));
                transcript::with_trace(&mut metadata);
                self.store(session_id, Role::Other, &message, metadata).await?;
                return Ok(TurnOutcome { text: String::new(), steps, usage, hit_step_limit: true });
            }
            steps += 1;
            let completion = self.call_model(&mut history, &messages, quick, on_event).await?;
            if let Some(used) = completion.usage {
                usage.input_tokens += used.input_tokens;
                usage.output_tokens += used.output_tokens;
            }
            let wants_tools =
                completion.stop_reason == StopReason::ToolUse && !completion.tool_calls.is_empty();
            if !wants_tools {
                let mut metadata = serde_json::Map::new();
                metadata.insert(keys::MODEL.into(), json!(self.model));
                metadata.insert(keys::USAGE.into(), json!(usage));
                transcript::with_trace(&mut metadata);
                self.store(session_id, Role::Assistant, &completion.text, metadata).await?;
                return Ok(TurnOutcome {
                    text: completion.text,
                    steps,
                    usage,
                    hit_step_limit: false,
                });
            }
            if !completion.text.is_empty() {
                // What the model said before its tool calls is kept apart from answers: the
                // conversation's history (and memory extraction) reads only final answers,
                // and the chat shows it again above the tool cards, where it was said.
                self.store_blob(session_id, json!({ keys::ASSISTANT_TEXT: completion.text }))
                    .await?;
            }
            messages.push(Message::Assistant {
                text: completion.text.clone(),
                tool_calls: completion.tool_calls.clone(),
            });
            for call in &completion.tool_calls {
                let output = self.run_tool(session_id, call, on_event, approver).await?;
                messages.push(Message::Tool {
                    call_id: call.id.clone(),
                    content: output.content,
                    is_error: output.is_error,
                });
            }
        }
    }

    /// One model call, leaving out the oldest history when the conversation no longer fits;
    /// `quick` offers no tools.
    async fn call_model(
        &self,
        history: &mut Vec<Message>,
        messages: &[Message],
        quick: bool,
        on_event: &mut (dyn FnMut(AgentEvent) + Send),
    ) -> Result<Completion, AgentError> {
        loop {
            let request = ChatRequest {
                model: self.model.clone(),
                system: Some(self.system.clone()),
                messages: history.iter().chain(messages).cloned().collect(),
                tools: if quick { Vec::new() } else { self.tools.specs() },
                max_tokens: None,
            };
            let span = tracing::info_span!(
                "chat",
                otel.name = %format!("chat {}", self.model),
                gen_ai.operation.name = "chat",
                gen_ai.provider.name = %self.provider.name(),
                gen_ai.request.model = %self.model,
                gen_ai.usage.input_tokens = tracing::field::Empty,
                gen_ai.usage.output_tokens = tracing::field::Empty,
                gen_ai.input.messages = tracing::field::Empty,
                gen_ai.output.messages = tracing::field::Empty,
            );
            let mut forward = |text: &str| on_event(AgentEvent::Text { text: text.to_owned() });
            let result =
                self.provider.stream(&request, &mut forward).instrument(span.clone()).await;
            match result {
                Ok(completion) => {
                    span_content::record_model_call(&span, &request.messages, &completion);
                    if let Some(used) = completion.usage {
                        span.record("gen_ai.usage.input_tokens", used.input_tokens);
                        span.record("gen_ai.usage.output_tokens", used.output_tokens);
                    }
                    return Ok(completion);
                }
                Err(ProviderError::ContextOverflow { .. }) if !history.is_empty() => {
                    // Drop the oldest exchange (a user message and what followed it).
                    let next_user = history
                        .iter()
                        .skip(1)
                        .position(|message| matches!(message, Message::User { .. }))
                        .map_or(history.len(), |index| index + 1);
                    history.drain(..next_user);
                    on_event(AgentEvent::Notice {
                        message: "The conversation was too long for the model; the oldest turns were left out.".into(),
                        code: "history_trimmed".into(),
                    });
                }
                Err(error) => return Err(error.into()),
            }
        }
    }

    async fn run_tool(
        &self,
        session_id: &str,
        call: &ToolCall,
        on_event: &mut (dyn FnMut(AgentEvent) + Send),
        approver: &dyn Approver,
    ) -> Result<ToolOutput, AgentError> {
        let metadata = json!({
            keys::TOOL_CALL_ID: call.id, keys::TOOL_NAME: call.name, keys::ARGUMENTS: call.arguments
        });
        self.store_blob(session_id, json!({ keys::TOOL_CALL: metadata })).await?;
        let Some((tool, approval)) = self.tools.get(&call.name) else {
            let reason = format!("there is no tool named {:?}", call.name);
            return self.refuse(session_id, call, reason, on_event).await;
        };
        on_event(AgentEvent::ToolRequested { call: call.clone(), approval });
        let allowed = match approval {
            Approval::Allow => true,
            Approval::Deny => false,
            Approval::Ask => approver.approve(call).await,
        };
        if !allowed {
            let reason = match approval {
                Approval::Deny => {
                    format!("the tool {} is switched off by the user's settings", call.name)
                }
                _ => format!("the user declined to run {}", call.name),
            };
            return self.refuse(session_id, call, reason, on_event).await;
        }
        let span = tracing::info_span!(
            "execute_tool",
            otel.name = %format!("execute_tool {}", call.name),
            gen_ai.operation.name = "execute_tool",
            gen_ai.tool.name = %call.name,
            gen_ai.tool.call.id = %call.id,
            gen_ai.tool.call.arguments = tracing::field::Empty,
            gen_ai.tool.call.result = tracing::field::Empty,
            // Set by the MCP client when the tool is a server's (`call_in_current_span`).
            mcp.method.name = tracing::field::Empty,
            network.transport = tracing::field::Empty,
            error.type = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
        );
        let started = Instant::now();
        let context = ToolContext { conversation_id: session_id.to_owned() };
        let output = tool.call(&call.arguments, &context).instrument(span.clone()).await;
        span_content::record_tool_call(&span, &call.arguments, &output.content);
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let mut metadata = answering(call);
        metadata.insert(keys::IS_ERROR.into(), json!(output.is_error));
        metadata.insert(keys::ELAPSED_MS.into(), json!(elapsed_ms));
        let mut payload = vec![PayloadItem::message(Role::Tool, output.content.clone())];
        if let Some(data) = &output.structured_content {
            // The result as data (a saved estimate), so a reopened conversation shows its card.
            payload.push(PayloadItem::Blob(json!({ keys::STRUCTURED_CONTENT: data })));
        }
        self.store_payload(session_id, payload, metadata).await?;
        on_event(AgentEvent::ToolFinished {
            call_id: call.id.clone(),
            output: output.clone(),
            elapsed_ms,
        });
        Ok(output)
    }

    async fn refuse(
        &self,
        session_id: &str,
        call: &ToolCall,
        reason: String,
        on_event: &mut (dyn FnMut(AgentEvent) + Send),
    ) -> Result<ToolOutput, AgentError> {
        let output = ToolOutput::error(format!("Not run: {reason}."));
        let mut metadata = answering(call);
        metadata.insert(keys::IS_ERROR.into(), json!(true));
        metadata.insert(keys::REFUSED.into(), json!(reason));
        self.store(session_id, Role::Tool, &output.content, metadata).await?;
        on_event(AgentEvent::ToolRefused { call_id: call.id.clone(), reason });
        Ok(output)
    }

    /// The earlier turns of the conversation, as the model reads them.
    async fn history(&self, session_id: &str) -> Result<Vec<Message>, AgentError> {
        let link = &self.memory;
        let turns = link
            .store
            .last_k_turns(&link.memory_id, &link.actor_id, session_id, None, self.history_turns)
            .await?;
        Ok(turns
            .into_iter()
            .flatten()
            .filter_map(|message| match message.role {
                Role::User => Some(Message::User { text: message.text }),
                Role::Assistant if !message.text.is_empty() => {
                    Some(Message::Assistant { text: message.text, tool_calls: Vec::new() })
                }
                // Tool results and notes belong to their own turn; the answer carries them.
                _ => None,
            })
            .collect())
    }

    async fn store(
        &self,
        session_id: &str,
        role: Role,
        text: &str,
        metadata: serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), AgentError> {
        self.store_payload(session_id, vec![PayloadItem::message(role, text)], metadata).await
    }

    async fn store_blob(
        &self,
        session_id: &str,
        blob: serde_json::Value,
    ) -> Result<(), AgentError> {
        self.store_payload(session_id, vec![PayloadItem::Blob(blob)], serde_json::Map::new()).await
    }

    async fn store_payload(
        &self,
        session_id: &str,
        payload: Vec<PayloadItem>,
        metadata: serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), AgentError> {
        let link = &self.memory;
        let event = NewEvent {
            actor_id: link.actor_id.clone(),
            session_id: session_id.to_owned(),
            event_timestamp: None,
            payload,
            branch: None,
            metadata,
        };
        link.store.create_event(&link.memory_id, event).await?;
        Ok(())
    }
}

/// The metadata of a tool result: the call it answers.
fn answering(call: &ToolCall) -> serde_json::Map<String, serde_json::Value> {
    let mut metadata = serde_json::Map::new();
    metadata.insert(keys::TOOL_CALL_ID.into(), json!(call.id));
    metadata
}
