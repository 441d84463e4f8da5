//! The interpreter the agent calculates on, as `tools.interpreter` chooses it, with the
//! local sandbox to fall back to when the user allowed it, and each conversation's session
//! on both. Clones share the sessions, so an app keeps one calculator for its lifetime and
//! stops them all when it quits ([`Calculator::close_all`]).

use std::sync::Arc;

use agentdesk_config::Settings;
use agentdesk_identity::Identity;
use agentdesk_wasm_sandbox::{Limits, RuntimeId, Sandbox, ToolCall, ToolResult};

use crate::{ConversationSessions, Interpreter, InterpreterError, LOCAL, named_or_unusable};

/// How long a conversation's local session lives (AgentCore's longest); a remote
/// interpreter's sessions live as its `[interpreters.NAME]` says, since they are paid for.
const LOCAL_SESSION_SECONDS: u32 = 28_800;

/// Where the agent's Python runs.
#[derive(Debug, Clone)]
pub struct Calculator {
    interpreter: Interpreter,
    fallback: Option<Interpreter>,
    sessions: Arc<ConversationSessions>,
    fallback_sessions: Option<Arc<ConversationSessions>>,
}

/// A call that ran, and where.
#[derive(Debug, Clone)]
pub struct Ran {
    /// Its result.
    pub result: ToolResult,
    /// Set when the chosen interpreter could not be reached and the call ran in the local
    /// sandbox instead: why, in English, naming the interpreter.
    pub fell_back: Option<String>,
}

impl Calculator {
    /// The local sandbox's Python, with the default limits.
    pub fn local(sandbox: Sandbox) -> Calculator {
        Calculator::new(Interpreter::local(sandbox, RuntimeId::Python, Limits::default()), None)
    }

    fn new(interpreter: Interpreter, fallback: Option<Interpreter>) -> Calculator {
        let sessions_on = |interpreter: &Interpreter| {
            let lifetime = interpreter.is_local().then_some(LOCAL_SESSION_SECONDS);
            Arc::new(ConversationSessions::new(interpreter.clone(), lifetime))
        };
        Calculator {
            sessions: sessions_on(&interpreter),
            fallback_sessions: fallback.as_ref().map(sessions_on),
            interpreter,
            fallback,
        }
    }

    /// What `tools.interpreter` chooses: the local sandbox (`None` when there is none with
    /// Python installed) or a remote interpreter, with the local sandbox as the fallback when
    /// `tools.interpreter_fallback_to_local` allows it. A remote name that cannot be used
    /// gives a calculator whose calls say why.
    pub fn from_settings(
        settings: &Settings,
        sandbox: Option<Sandbox>,
        identity: Option<Arc<Identity>>,
    ) -> Option<Calculator> {
        let local = sandbox
            .filter(has_python)
            .map(|sandbox| Interpreter::local(sandbox, RuntimeId::Python, Limits::default()));
        match settings.tools.remote_interpreter() {
            None => local.map(|interpreter| Calculator::new(interpreter, None)),
            Some(name) => Some(Calculator::new(
                named_or_unusable(settings, name, None, identity),
                local.filter(|_| settings.tools.interpreter_fallback_to_local),
            )),
        }
    }

    /// The interpreter chosen.
    pub fn interpreter(&self) -> &Interpreter {
        &self.interpreter
    }

    /// Each conversation's session on the chosen interpreter.
    pub fn sessions(&self) -> &Arc<ConversationSessions> {
        &self.sessions
    }

    /// Each conversation's session on the fallback, when there is one.
    pub fn fallback_sessions(&self) -> Option<&Arc<ConversationSessions>> {
        self.fallback_sessions.as_ref()
    }

    /// Stops `conversation`'s sessions (it was closed or deleted).
    pub async fn close(&self, conversation: &str) {
        self.sessions.close(conversation).await;
        if let Some(fallback) = &self.fallback_sessions {
            fallback.close(conversation).await;
        }
    }

    /// Stops every conversation's sessions (the app is quitting, or the choice changed).
    pub async fn close_all(&self) {
        self.sessions.close_all().await;
        if let Some(fallback) = &self.fallback_sessions {
            fallback.close_all().await;
        }
    }

    /// Runs `call` in a session of its own (named `name`), stopped afterwards; on the local
    /// sandbox instead when the chosen interpreter cannot be reached and a fallback is
    /// allowed, which [`Ran::fell_back`] says.
    pub async fn run_once(&self, name: &str, call: &ToolCall) -> Result<Ran, InterpreterError> {
        match once(&self.interpreter, name, call).await {
            Err(error) if error.is_unreachable() && self.fallback.is_some() => {
                let Some(local) = &self.fallback else { return Err(error) };
                let result = once(local, name, call).await?;
                Ok(Ran { result, fell_back: Some(fallback_note(&error)) })
            }
            ran => ran.map(|result| Ran { result, fell_back: None }),
        }
    }
}

/// What a result says when it ran locally because `error` kept it from the remote interpreter.
pub fn fallback_note(error: &InterpreterError) -> String {
    format!(
        "{error}. It ran in the {LOCAL} sandbox instead, as tools.interpreter_fallback_to_local allows"
    )
}

/// Whether the sandbox has the Python runtime installed.
fn has_python(sandbox: &Sandbox) -> bool {
    sandbox.runtimes().iter().any(|status| status.id == RuntimeId::Python && status.installed)
}

async fn once(
    interpreter: &Interpreter,
    name: &str,
    call: &ToolCall,
) -> Result<ToolResult, InterpreterError> {
    let session = interpreter.start_session(name, Some(60)).await?;
    let result = interpreter.invoke(&session, call, None).await;
    if let Err(error) = interpreter.stop_session(&session).await {
        // It ends at its 60-second timeout anyway.
        tracing::warn!(interpreter = interpreter.name(), %error, "a calculation's session was not stopped");
    }
    result
}
