//! The one error shape the front end sees.

use agentdesk_config::ConfigError;
use serde::Serialize;
use ts_rs::TS;

/// What kind of failure it was; stable, so the UI can react without reading the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "Api.ts")]
pub enum ErrorCode {
    /// A value was refused; `key` names it.
    InvalidValue,
    /// The config file does not parse, so it was not changed.
    ConfigUnparsable,
    /// A file or folder could not be read or written.
    Io,
    /// A sandbox runtime is not installed; install it first.
    NotInstalled,
    /// The sandbox refused or failed the request; the message says why.
    Sandbox,
    /// A conversation, event or record asked for does not exist (any more).
    NotFound,
    /// The memory database failed or refused the request; the message says why.
    Memory,
    /// The configured model cannot be used yet (no key, no base URL); `key` names the setting.
    ModelNotReady,
    /// The model failed or refused the turn (after its retries); the message is its own.
    Model,
    /// Nothing listens at the model's address: its server is not running (`ollama serve`),
    /// or the base URL names the wrong port.
    ModelNotRunning,
    /// The model's address gives no answer (a wrong host name, no network, no answer in time).
    ModelUnreachable,
    /// The base URL answers, but it is not the model API: check the base URL.
    ModelBadUrl,
    /// The provider refused the API key or credentials: store a valid one.
    ModelBadKey,
    /// The provider has no model by the configured name: choose or download another.
    ModelMissing,
    /// The conversation is still answering; wait or stop it.
    Busy,
    /// The OS keyring cannot store or read secrets; the message says what to do.
    Keyring,
    /// A sign-in failed or was refused; the message has the provider's own words.
    SignIn,
    /// An MCP server could not be reached, broke off or refused; the message says which and why.
    Mcp,
    /// Prices could not be read or built; the message says why and what to do.
    Prices,
    /// A remote agent cannot be reached at its address (not running, a wrong URL).
    AgentUnreachable,
    /// A remote agent went quiet for longer than its timeout.
    AgentTimeout,
    /// AgentCore or the agent refused the caller (HTTP 403); the message is AWS's own.
    AgentDenied,
    /// The agent's runtime failed (HTTP 424, AgentCore's RuntimeClientError).
    AgentRuntimeFailed,
    /// No credentials to sign or authorize a call to a remote agent.
    AgentNoCredentials,
    /// A remote agent answered with an error, or its answer failed part-way.
    Agent,
    /// Something that should not happen; the message and the log say more.
    Internal,
}

/// An error as the front end receives it: a stable code, a message for people, and the
/// config key it concerns, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{message}")]
#[ts(export_to = "Api.ts")]
pub struct ApiError {
    /// What kind of failure.
    pub code: ErrorCode,
    /// What went wrong and what to do, in English.
    pub message: String,
    /// The dotted config key concerned.
    pub key: Option<String>,
}

impl ApiError {
    /// An error of `code` with `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError { code, message: message.into(), key: None }
    }
}

impl From<ConfigError> for ApiError {
    fn from(error: ConfigError) -> ApiError {
        let message = error.to_string();
        match error {
            ConfigError::InvalidValue { key, .. } => {
                ApiError { code: ErrorCode::InvalidValue, message, key: Some(key) }
            }
            ConfigError::UnknownKey { key, .. } => {
                ApiError { code: ErrorCode::InvalidValue, message, key: Some(key) }
            }
            ConfigError::Unparsable { .. } | ConfigError::Rejected { .. } => {
                ApiError::new(ErrorCode::ConfigUnparsable, message)
            }
            ConfigError::Io { .. } | ConfigError::NoPlatformFolder { .. } => {
                ApiError::new(ErrorCode::Io, message)
            }
            _ => ApiError::new(ErrorCode::Internal, message),
        }
    }
}

impl From<agentdesk_wasm_sandbox::SandboxError> for ApiError {
    fn from(error: agentdesk_wasm_sandbox::SandboxError) -> ApiError {
        let code = match error {
            agentdesk_wasm_sandbox::SandboxError::NotInstalled(_) => ErrorCode::NotInstalled,
            _ => ErrorCode::Sandbox,
        };
        ApiError::new(code, error.to_string())
    }
}

impl From<agentdesk_memory::Error> for ApiError {
    fn from(error: agentdesk_memory::Error) -> ApiError {
        let code = match error {
            agentdesk_memory::Error::Invalid(_) => ErrorCode::InvalidValue,
            agentdesk_memory::Error::NotFound { .. } => ErrorCode::NotFound,
            _ => ErrorCode::Memory,
        };
        ApiError::new(code, error.to_string())
    }
}

impl From<agentdesk_agent::estimator::EstimateError> for ApiError {
    fn from(error: agentdesk_agent::estimator::EstimateError) -> ApiError {
        agentdesk_agent::estimator::OfflineError::Estimate(error).into()
    }
}

impl From<agentdesk_agent::estimator::OfflineError> for ApiError {
    fn from(error: agentdesk_agent::estimator::OfflineError) -> ApiError {
        use agentdesk_agent::estimator::OfflineError;
        let code = match error {
            OfflineError::Estimate(_) => ErrorCode::InvalidValue,
            OfflineError::Saved(_) => ErrorCode::Io,
            OfflineError::Memory(_) => ErrorCode::Memory,
        };
        ApiError::new(code, error.to_string())
    }
}

impl From<agentdesk_pricing::update::UpdateError> for ApiError {
    fn from(error: agentdesk_pricing::update::UpdateError) -> ApiError {
        use agentdesk_pricing::update::UpdateError;
        let code = match error {
            UpdateError::UnknownService { .. } | UpdateError::BaseUrl(_) => ErrorCode::InvalidValue,
            UpdateError::Io { .. } => ErrorCode::Io,
            _ => ErrorCode::Prices,
        };
        ApiError::new(code, error.to_string())
    }
}

impl From<agentdesk_pricing::CatalogError> for ApiError {
    fn from(error: agentdesk_pricing::CatalogError) -> ApiError {
        ApiError::new(ErrorCode::Prices, error.to_string())
    }
}
