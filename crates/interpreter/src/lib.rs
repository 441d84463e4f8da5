//! Where AgentDesk runs Python: the local WebAssembly sandbox or a remote code interpreter
//! that speaks AgentCore Code Interpreter's data plane (AgentCore's own, or a self-hosted one
//! such as `agentdesk serve`), behind one type with one result shape.
//!
//! Start reading at [`Interpreter`]: [`Interpreter::local`] wraps the sandbox,
//! [`Interpreter::remote`] a [`RemoteInterpreter`] built from an `[interpreters.NAME]` table
//! ([`RemoteInterpreter::from_settings`]). Both start, query and stop sessions and run tool
//! calls ([`agentdesk_wasm_sandbox::ToolCall`] → [`agentdesk_wasm_sandbox::ToolResult`]), so
//! a caller moves a calculation between desk and cloud by changing one setting.
//! [`choose`] reads `tools.interpreter` and builds the one configured. [`ConversationSessions`]
//! keeps one session per conversation and replaces a session the server ended, saying that
//! the state was lost; it never re-runs a call that may have run.
//!
//! Remote calls go through `aws-sdk-bedrockagentcore`: SigV4 from the default credential
//! chain, or, when `auth` names a credential provider, that provider's token as the bearer
//! (`remote.rs`); results are mapped to the sandbox's shape in `convert.rs`. Failures are an
//! [`InterpreterError`] with a stable [`InterpreterError::code`] for the UI.
//!
//! It depends on the config, identity and sandbox crates and on the AWS SDK; never on the
//! agent, the runtime server or a GUI toolkit.
#![deny(missing_docs)]

mod calculator;
mod convert;
mod error;
mod remote;
mod sessions;

use std::sync::Arc;

use agentdesk_config::Settings;
use agentdesk_identity::Identity;
use agentdesk_wasm_sandbox::{
    DEFAULT_SESSION_TIMEOUT, Limits, OutputSink, RuntimeId, Sandbox, SessionStatus, StartSession,
    ToolCall, ToolResult,
};
use serde::Serialize;
use ts_rs::TS;

pub use calculator::{Calculator, Ran, fallback_note};
pub use error::InterpreterError;
pub use remote::RemoteInterpreter;
pub use sessions::{ConversationSessions, STATE_LOST_NOTE};

/// The name of the local sandbox wherever interpreters are listed.
pub const LOCAL: &str = agentdesk_config::LOCAL_INTERPRETER;

/// Runs Python: in the local sandbox or on a remote interpreter. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Interpreter {
    target: Target,
}

#[derive(Debug, Clone)]
enum Target {
    Local {
        sandbox: Sandbox,
        runtime: RuntimeId,
        limits: Limits,
    },
    Remote(Arc<RemoteInterpreter>),
    /// A name that cannot be used (no such table, a broken one): every call says why, so a
    /// caller that chose it is never silently given another interpreter.
    Unusable {
        name: String,
        problem: Arc<InterpreterError>,
    },
}

impl Interpreter {
    /// The local sandbox, running `runtime` with each call within `limits`.
    pub fn local(sandbox: Sandbox, runtime: RuntimeId, limits: Limits) -> Interpreter {
        Interpreter { target: Target::Local { sandbox, runtime, limits } }
    }

    /// A remote interpreter.
    pub fn remote(remote: RemoteInterpreter) -> Interpreter {
        Interpreter { target: Target::Remote(Arc::new(remote)) }
    }

    /// An interpreter that cannot be used: every call fails with `problem`.
    fn unusable(name: &str, problem: InterpreterError) -> Interpreter {
        Interpreter {
            target: Target::Unusable { name: name.to_owned(), problem: Arc::new(problem) },
        }
    }

    /// Its name: [`LOCAL`], or the remote interpreter's `[interpreters.NAME]`.
    pub fn name(&self) -> &str {
        match &self.target {
            Target::Local { .. } => LOCAL,
            Target::Remote(remote) => remote.name(),
            Target::Unusable { name, .. } => name,
        }
    }

    /// Why it cannot be used, as the error each call returns.
    fn refusal(&self) -> Option<InterpreterError> {
        match &self.target {
            Target::Unusable { name, problem } => Some(InterpreterError::BadSettings {
                interpreter: name.clone(),
                problem: match problem.as_ref() {
                    InterpreterError::BadSettings { problem, .. } => problem.clone(),
                    other => other.to_string(),
                },
            }),
            _ => None,
        }
    }

    /// Whether it runs on this machine.
    pub fn is_local(&self) -> bool {
        matches!(self.target, Target::Local { .. })
    }

    /// The local sandbox, when it is the local one.
    pub fn sandbox(&self) -> Option<&Sandbox> {
        match &self.target {
            Target::Local { sandbox, .. } => Some(sandbox),
            Target::Remote(_) | Target::Unusable { .. } => None,
        }
    }

    /// Starts a session named `name` that ends after `timeout_seconds` (`None`: the
    /// interpreter's own default — the local sandbox's, or `session_timeout_seconds` of
    /// `[interpreters.NAME]`); returns its id.
    pub async fn start_session(
        &self,
        name: &str,
        timeout_seconds: Option<u32>,
    ) -> Result<String, InterpreterError> {
        match &self.target {
            Target::Local { sandbox, runtime, limits } => {
                let request = StartSession {
                    name: name.to_owned(),
                    runtime: *runtime,
                    timeout_seconds: timeout_seconds.unwrap_or(DEFAULT_SESSION_TIMEOUT),
                    // A fuel budget needs an interpreter that counts it.
                    metered: limits.fuel.is_some(),
                };
                let session = sandbox
                    .start_session(request)
                    .await
                    .map_err(|error| InterpreterError::Sandbox(error.to_string()))?;
                Ok(session.session_id)
            }
            Target::Remote(remote) => remote.start_session(name, timeout_seconds).await,
            Target::Unusable { .. } => Err(self.refusal().unwrap_or_else(unreachable_refusal)),
        }
    }

    /// Runs one tool call in `session_id`. What the code prints goes to `output` as it
    /// arrives, where the interpreter streams it. What the code does wrong is a result with
    /// `isError`; an `Err` means the call could not be made (or, remotely, its answer was
    /// lost), and says which.
    pub async fn invoke(
        &self,
        session_id: &str,
        call: &ToolCall,
        output: Option<OutputSink>,
    ) -> Result<ToolResult, InterpreterError> {
        match &self.target {
            Target::Local { sandbox, limits, .. } => {
                Ok(sandbox.invoke_streaming(session_id, call, limits, output.as_ref()).await)
            }
            Target::Remote(remote) => remote.invoke(session_id, call, output.as_ref()).await,
            Target::Unusable { .. } => Err(self.refusal().unwrap_or_else(unreachable_refusal)),
        }
    }

    /// Whether `session_id` can still run code; an unknown session is `Terminated`.
    pub async fn session_status(
        &self,
        session_id: &str,
    ) -> Result<SessionStatus, InterpreterError> {
        match &self.target {
            Target::Local { sandbox, .. } => Ok(sandbox
                .get_session(session_id)
                .map_or(SessionStatus::Terminated, |session| session.status)),
            Target::Remote(remote) => remote.session_status(session_id).await,
            Target::Unusable { .. } => Err(self.refusal().unwrap_or_else(unreachable_refusal)),
        }
    }

    /// Stops `session_id`; stopping one that already ended is not an error.
    pub async fn stop_session(&self, session_id: &str) -> Result<(), InterpreterError> {
        match &self.target {
            Target::Local { sandbox, .. } => {
                // An unknown or already stopped session is what the caller wanted.
                let _ended = sandbox.stop_session(session_id);
                Ok(())
            }
            Target::Remote(remote) => remote.stop_session(session_id).await,
            Target::Unusable { .. } => Ok(()),
        }
    }

    /// Whether it answers and how fast; the local sandbox always does.
    pub async fn probe(&self) -> InterpreterStatus {
        match &self.target {
            Target::Local { .. } => InterpreterStatus {
                name: LOCAL.to_owned(),
                reachable: true,
                round_trip_ms: Some(0.0),
                code: None,
                message: None,
            },
            Target::Remote(remote) => remote.probe().await,
            Target::Unusable { name, .. } => {
                let refusal = self.refusal().unwrap_or_else(unreachable_refusal);
                InterpreterStatus {
                    name: name.clone(),
                    reachable: false,
                    round_trip_ms: None,
                    code: Some(refusal.code().to_owned()),
                    message: Some(refusal.to_string()),
                }
            }
        }
    }
}

/// What an unusable interpreter without a recorded problem says (never the case: `refusal`
/// always has one for `Unusable`).
fn unreachable_refusal() -> InterpreterError {
    InterpreterError::Sandbox("no interpreter".into())
}

/// A remote interpreter as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Interpreters.ts")]
pub struct InterpreterView {
    /// Its name in `[interpreters.NAME]`.
    pub name: String,
    /// Where it is: the self-hosted endpoint's URL, or AgentCore's region.
    pub location: String,
}

/// Whether a remote interpreter answers, and how fast.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Interpreters.ts")]
pub struct InterpreterStatus {
    /// The interpreter.
    pub name: String,
    /// Whether it answered.
    pub reachable: bool,
    /// The probe's round trip in milliseconds, when it answered.
    pub round_trip_ms: Option<f64>,
    /// Why it cannot be used, when it cannot: `unreachable`, `timeout`, `access_denied`,
    /// `session_ended`, `not_found`, `bad_settings`, `no_credentials` or `refused`.
    pub code: Option<String>,
    /// What went wrong and what to do, in English.
    pub message: Option<String>,
}

/// The remote interpreters of `settings`, by name.
pub fn list(settings: &Settings) -> Vec<InterpreterView> {
    settings
        .interpreters
        .iter()
        .map(|(name, interpreter)| InterpreterView {
            name: name.clone(),
            location: interpreter.location(),
        })
        .collect()
}

/// The interpreter called `name`: [`LOCAL`] (`local`, when the sandbox could be opened) or
/// an `[interpreters.NAME]` of `settings`. A name with no usable table is an error naming it,
/// never a silent switch to the local sandbox.
pub fn named(
    settings: &Settings,
    name: &str,
    local: Option<Interpreter>,
    identity: Option<Arc<Identity>>,
) -> Result<Interpreter, InterpreterError> {
    if name == LOCAL {
        return local.ok_or_else(|| {
            InterpreterError::Sandbox(
                "the local Python sandbox could not be opened; `agentdesk doctor` says why".into(),
            )
        });
    }
    let Some(interpreter) = settings.interpreters.get(name) else {
        let known: Vec<&str> = settings.interpreters.keys().map(String::as_str).collect();
        let known =
            if known.is_empty() { "none is configured".to_owned() } else { known.join(", ") };
        return Err(InterpreterError::BadSettings {
            interpreter: name.to_owned(),
            problem: format!(
                "there is no [interpreters.{name}] in the config file (configured: {known}); add it with `agentdesk interpreters add {name} --region REGION` or `--endpoint URL`, or set tools.interpreter = \"local\""
            ),
        });
    };
    RemoteInterpreter::from_settings(name, interpreter, identity).map(Interpreter::remote)
}

/// [`named`], or an interpreter whose every call says why `name` cannot be used.
pub fn named_or_unusable(
    settings: &Settings,
    name: &str,
    local: Option<Interpreter>,
    identity: Option<Arc<Identity>>,
) -> Interpreter {
    named(settings, name, local, identity)
        .unwrap_or_else(|problem| Interpreter::unusable(name, problem))
}
