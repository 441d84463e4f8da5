//! One interpreter session per conversation, replaced when the server ended it.

use std::collections::HashMap;

use agentdesk_wasm_sandbox::{Content, OutputSink, SessionStatus, ToolCall, ToolResult};
use tokio::sync::Mutex;

use crate::{Interpreter, InterpreterError};

/// The note a result carries when its call ran in a new session because the old one ended.
pub const STATE_LOST_NOTE: &str = "[the interpreter's session had ended, so this ran in a new one: earlier variables and files are gone]";

/// The sessions of each conversation on one interpreter.
#[derive(Debug)]
pub struct ConversationSessions {
    interpreter: Interpreter,
    timeout_seconds: Option<u32>,
    sessions: Mutex<HashMap<String, String>>,
}

impl ConversationSessions {
    /// Sessions on `interpreter`, each ending after `timeout_seconds` (1–28800; `None` for
    /// the interpreter's default).
    pub fn new(interpreter: Interpreter, timeout_seconds: Option<u32>) -> ConversationSessions {
        ConversationSessions { interpreter, timeout_seconds, sessions: Mutex::new(HashMap::new()) }
    }

    /// The interpreter the sessions run on.
    pub fn interpreter(&self) -> &Interpreter {
        &self.interpreter
    }

    /// Runs `call` in `conversation`'s session, starting one on first use. When the server
    /// refuses the call because the session ended (stopped, timed out), nothing ran, so it
    /// runs once more in a new session and the result says the state was lost. Any other
    /// failure is returned as it is: a call that may have run is never run again.
    pub async fn run(
        &self,
        conversation: &str,
        call: &ToolCall,
        output: Option<OutputSink>,
    ) -> Result<ToolResult, InterpreterError> {
        let mut sessions = self.sessions.lock().await;
        let (session, fresh) = match sessions.get(conversation) {
            Some(session) => (session.clone(), false),
            None => (self.start(conversation).await?, true),
        };
        sessions.insert(conversation.to_owned(), session.clone());
        drop(sessions);
        match self.interpreter.invoke(&session, call, output.clone()).await {
            Err(error) if !fresh && self.has_ended(&session, &error).await => {
                tracing::info!(interpreter = self.interpreter.name(), %error, "session ended; starting a new one");
                let replacement = self.start(conversation).await?;
                self.sessions.lock().await.insert(conversation.to_owned(), replacement.clone());
                let mut result = self.interpreter.invoke(&replacement, call, output).await?;
                mark_state_lost(&mut result);
                Ok(result)
            }
            answered => answered,
        }
    }

    /// Stops `conversation`'s session, if it has one.
    pub async fn close(&self, conversation: &str) {
        let session = self.sessions.lock().await.remove(conversation);
        if let Some(session) = session {
            self.stop(&session).await;
        }
    }

    /// Stops every session (the app is quitting).
    pub async fn close_all(&self) {
        let sessions: Vec<String> =
            self.sessions.lock().await.drain().map(|(_, session)| session).collect();
        for session in sessions {
            self.stop(&session).await;
        }
    }

    async fn start(&self, conversation: &str) -> Result<String, InterpreterError> {
        self.interpreter
            .start_session(&format!("conversation {conversation}"), self.timeout_seconds)
            .await
    }

    async fn stop(&self, session: &str) {
        if let Err(error) = self.interpreter.stop_session(session).await {
            // It ends at its timeout anyway; the user is not waiting on this.
            tracing::warn!(interpreter = self.interpreter.name(), %error, "a session could not be stopped");
        }
    }

    /// Whether `error` means the call was refused because `session` is over: the server said
    /// so, or a refused call's session turns out not to be running. A call whose answer broke
    /// off may have run before the session ended, so it never counts.
    async fn has_ended(&self, session: &str, error: &InterpreterError) -> bool {
        match error {
            InterpreterError::SessionEnded { .. } => true,
            InterpreterError::Refused { .. } if !error.may_have_run() => {
                matches!(
                    self.interpreter.session_status(session).await,
                    Ok(SessionStatus::Terminated)
                )
            }
            _ => false,
        }
    }
}

/// Says in `result` that the interpreter's state was lost before it ran.
fn mark_state_lost(result: &mut ToolResult) {
    if let Some(run) = &mut result.structured_content {
        run.state_lost = true;
    }
    result.content.insert(0, Content::Text { text: format!("{STATE_LOST_NOTE}\n") });
}
