//! A remote code interpreter called through `aws-sdk-bedrockagentcore`: AgentCore's own in a
//! region, or a self-hosted data plane (`agentdesk serve`) at an endpoint.
//!
//! Calls are signed with SigV4 from the default credential chain. A self-hosted endpoint
//! with no credentials configured anywhere is called unsigned (its own auth decides). With
//! `auth = PROVIDER` calls are not signed and carry the provider's token as `Authorization:
//! Bearer` (`BearerHeader`), set just before they leave so nothing can overwrite it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use agentdesk_config::InterpreterSettings;
use agentdesk_identity::{Identity, Secret, TokenRequest};
use agentdesk_wasm_sandbox::{
    OutputChunk, OutputSink, OutputStream, SessionInfo, SessionStatus, ToolCall, ToolResult,
};
use aws_config::BehaviorVersion;
use aws_sdk_bedrockagentcore::Client;
use aws_sdk_bedrockagentcore::config::interceptors::BeforeTransmitInterceptorContextMut;
use aws_sdk_bedrockagentcore::config::retry::RetryConfig;
use aws_sdk_bedrockagentcore::config::{
    ConfigBag, Intercept, ProvideCredentials, Region, RuntimeComponents,
    StalledStreamProtectionConfig,
};
use aws_sdk_bedrockagentcore::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockagentcore::types::{CodeInterpreterSessionStatus, CodeInterpreterStreamOutput};
use tokio::sync::OnceCell;

use crate::convert;
use crate::error::{BROKEN_ANSWER, EMPTY_ANSWER};
use crate::{InterpreterError, InterpreterStatus};

/// The signing region of a self-hosted endpoint that names none.
const DEFAULT_ENDPOINT_REGION: &str = "us-east-1";

/// One `[interpreters.NAME]`: where it is, how calls are authorised, how long they may take.
pub struct RemoteInterpreter {
    name: String,
    identifier: String,
    region: String,
    endpoint: Option<String>,
    bearer: Option<Bearer>,
    timeout: Duration,
    session_timeout_seconds: u32,
    sdk: OnceCell<Client>,
}

impl std::fmt::Debug for RemoteInterpreter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteInterpreter")
            .field("name", &self.name)
            .field("identifier", &self.identifier)
            .field("location", &self.location())
            .finish_non_exhaustive()
    }
}

/// The provider whose token authorises calls.
struct Bearer {
    provider: String,
    identity: Arc<Identity>,
}

impl RemoteInterpreter {
    /// Checks `settings` and builds the interpreter; nothing is reached until the first
    /// call. `identity` is needed when `auth` names a credential provider.
    pub fn from_settings(
        name: &str,
        settings: &InterpreterSettings,
        identity: Option<Arc<Identity>>,
    ) -> Result<RemoteInterpreter, InterpreterError> {
        let bad = |problem: String| InterpreterError::BadSettings {
            interpreter: name.to_owned(),
            problem,
        };
        let problems = settings.problems(name);
        if !problems.is_empty() {
            return Err(bad(problems.join("; ")));
        }
        let bearer = match (settings.auth.trim(), identity) {
            ("", _) => None,
            (provider, Some(identity)) => Some(Bearer { provider: provider.to_owned(), identity }),
            (provider, None) => {
                return Err(bad(format!(
                    "auth = {provider:?} needs the identity service, which this caller did not give"
                )));
            }
        };
        let endpoint = Some(settings.endpoint.trim().trim_end_matches('/').to_owned())
            .filter(|endpoint| !endpoint.is_empty());
        let region = match settings.region.trim() {
            "" => DEFAULT_ENDPOINT_REGION.to_owned(),
            region => region.to_owned(),
        };
        Ok(RemoteInterpreter {
            name: name.to_owned(),
            identifier: settings.identifier().to_owned(),
            region,
            endpoint,
            bearer,
            timeout: Duration::from_secs(settings.timeout_seconds()),
            session_timeout_seconds: settings.session_timeout_seconds(),
            sdk: OnceCell::new(),
        })
    }

    /// Uses `config` (credentials, HTTP client) for every call instead of the default chain.
    pub fn with_aws_config(self, config: &aws_config::SdkConfig) -> RemoteInterpreter {
        let client = self.client_from(config);
        RemoteInterpreter { sdk: OnceCell::new_with(Some(client)), ..self }
    }

    /// Its name in `[interpreters.NAME]`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where calls go: the endpoint, or AgentCore's regional data plane.
    pub fn location(&self) -> String {
        self.endpoint
            .clone()
            .unwrap_or_else(|| format!("https://bedrock-agentcore.{}.amazonaws.com", self.region))
    }

    fn client_from(&self, config: &aws_config::SdkConfig) -> Client {
        let mut builder = aws_sdk_bedrockagentcore::config::Builder::from(config)
            .region(Region::new(self.region.clone()))
            // executeCode is not idempotent: a retried call could run the code twice.
            .retry_config(RetryConfig::disabled())
            // A cell computing for a while sends nothing; it is not a stalled stream. The
            // interpreter's own timeout bounds each call instead.
            .stalled_stream_protection(StalledStreamProtectionConfig::disabled());
        if config.credentials_provider().is_none() {
            // Nothing to sign with: the call goes unsigned, carrying the bearer if there is
            // one; without one the server's own auth decides.
            builder = builder.allow_no_auth();
        }
        if let Some(endpoint) = &self.endpoint {
            builder = builder.endpoint_url(endpoint);
        }
        Client::from_conf(builder.build())
    }

    async fn sdk(&self) -> &Client {
        self.sdk
            .get_or_init(|| async {
                let loader = || {
                    aws_config::defaults(BehaviorVersion::latest())
                        .region(Region::new(self.region.clone()))
                };
                let unsigned = if self.bearer.is_some() {
                    true
                } else if self.endpoint.is_some() {
                    // A self-hosted interpreter on a machine with no AWS credentials.
                    !has_credentials(&loader().load().await).await
                } else {
                    false
                };
                let config = if unsigned {
                    loader().no_credentials().load().await
                } else {
                    loader().load().await
                };
                self.client_from(&config)
            })
            .await
    }

    /// The bearer to send, when `auth` names a provider.
    async fn token(&self) -> Result<Option<Secret>, InterpreterError> {
        let Some(bearer) = &self.bearer else { return Ok(None) };
        let request = TokenRequest::default();
        bearer.identity.access_token(&bearer.provider, &request).await.map(Some).map_err(|error| {
            InterpreterError::NoCredentials {
                interpreter: self.name.clone(),
                problem: format!(
                    "no token from provider {}: {error}. Sign in with `agentdesk auth login {}`",
                    bearer.provider, bearer.provider
                ),
            }
        })
    }

    /// The SDK client and the bearer header for one call.
    async fn prepared(&self) -> Result<(&Client, BearerHeader), InterpreterError> {
        let token = self.token().await?;
        Ok((self.sdk().await, BearerHeader(token)))
    }

    /// Runs `call` within the interpreter's timeout.
    async fn bounded<T>(
        &self,
        call: impl Future<Output = Result<T, InterpreterError>>,
    ) -> Result<T, InterpreterError> {
        tokio::time::timeout(self.timeout, call).await.unwrap_or_else(|_| {
            Err(InterpreterError::Timeout {
                interpreter: self.name.clone(),
                seconds: self.timeout.as_secs(),
            })
        })
    }

    /// StartCodeInterpreterSession; returns the session's id.
    pub async fn start_session(
        &self,
        name: &str,
        timeout_seconds: Option<u32>,
    ) -> Result<String, InterpreterError> {
        self.bounded(async {
            let timeout = timeout_seconds.unwrap_or(self.session_timeout_seconds);
            let (sdk, bearer) = self.prepared().await?;
            let request = sdk
                .start_code_interpreter_session()
                .code_interpreter_identifier(&self.identifier)
                .name(name)
                .session_timeout_seconds(i32::try_from(timeout).unwrap_or(i32::MAX))
                .customize()
                .interceptor(bearer);
            let output = request.send().await.map_err(|error| self.sdk_error(&error, None))?;
            Ok(output.session_id)
        })
        .await
    }

    /// InvokeCodeInterpreter: one tool call, its result read from the event stream as it
    /// arrives. What each event prints goes to `output` when it comes.
    pub async fn invoke(
        &self,
        session_id: &str,
        call: &ToolCall,
        output: Option<&OutputSink>,
    ) -> Result<ToolResult, InterpreterError> {
        let (name, arguments) =
            convert::to_sdk(call).map_err(|message| InterpreterError::Refused {
                interpreter: self.name.clone(),
                error_type: "ValidationException".into(),
                message,
            })?;
        self.bounded(async {
            let (sdk, bearer) = self.prepared().await?;
            let request = sdk
                .invoke_code_interpreter()
                .code_interpreter_identifier(&self.identifier)
                .session_id(session_id)
                .name(name)
                .arguments(arguments)
                .customize()
                .interceptor(bearer);
            let mut answer =
                request.send().await.map_err(|error| self.sdk_error(&error, Some(session_id)))?;
            let mut result: Option<ToolResult> = None;
            loop {
                let event = answer
                    .stream
                    .recv()
                    .await
                    .map_err(|error| self.sdk_error(&error, Some(session_id)))?;
                let Some(event) = event else { break };
                let CodeInterpreterStreamOutput::Result(part) = event else { continue };
                let part = convert::from_sdk(part);
                if let (Some(sink), Some(run)) = (output, &part.structured_content) {
                    for (stream, text) in
                        [(OutputStream::Stdout, &run.stdout), (OutputStream::Stderr, &run.stderr)]
                    {
                        if !text.is_empty() {
                            // The receiver may be gone (a closed page); the result still counts.
                            let _sent = sink.send(OutputChunk { stream, text: text.clone() });
                        }
                    }
                }
                result = Some(match result {
                    None => part,
                    Some(earlier) => merged(earlier, part),
                });
            }
            result.ok_or_else(|| InterpreterError::Refused {
                interpreter: self.name.clone(),
                error_type: EMPTY_ANSWER.into(),
                message: format!(
                    "the answer to {} ended without a result; the call may or may not have run",
                    call.name
                ),
            })
        })
        .await
    }

    /// GetCodeInterpreterSession's status; a session the server does not know is
    /// `Terminated`.
    pub async fn session_status(
        &self,
        session_id: &str,
    ) -> Result<SessionStatus, InterpreterError> {
        self.bounded(async {
            let (sdk, bearer) = self.prepared().await?;
            let request = sdk
                .get_code_interpreter_session()
                .code_interpreter_identifier(&self.identifier)
                .session_id(session_id)
                .customize()
                .interceptor(bearer);
            match request.send().await {
                Ok(output) => Ok(match output.status {
                    Some(CodeInterpreterSessionStatus::Ready) => SessionStatus::Ready,
                    _ => SessionStatus::Terminated,
                }),
                Err(error) => match self.sdk_error(&error, Some(session_id)) {
                    InterpreterError::SessionEnded { .. } => Ok(SessionStatus::Terminated),
                    other => Err(other),
                },
            }
        })
        .await
    }

    /// ListCodeInterpreterSessions: the interpreter's sessions, newest first as the server
    /// orders them (at most 100).
    pub async fn list_sessions(&self) -> Result<Vec<SessionInfo>, InterpreterError> {
        self.bounded(async {
            let (sdk, bearer) = self.prepared().await?;
            let request = sdk
                .list_code_interpreter_sessions()
                .code_interpreter_identifier(&self.identifier)
                .max_results(100)
                .customize()
                .interceptor(bearer);
            let output = request.send().await.map_err(|error| self.sdk_error(&error, None))?;
            Ok(output
                .items
                .into_iter()
                .map(|session| SessionInfo {
                    code_interpreter_identifier: session.code_interpreter_identifier,
                    session_id: session.session_id,
                    name: session.name.unwrap_or_default(),
                    status: match session.status {
                        CodeInterpreterSessionStatus::Ready => SessionStatus::Ready,
                        _ => SessionStatus::Terminated,
                    },
                    created_at: session
                        .created_at
                        .fmt(aws_smithy_types::date_time::Format::DateTime)
                        .unwrap_or_default(),
                    session_timeout_seconds: 0,
                    runtime: self.name.clone(),
                    ended: None,
                })
                .collect())
        })
        .await
    }

    /// StopCodeInterpreterSession; a session already ended is not an error.
    pub async fn stop_session(&self, session_id: &str) -> Result<(), InterpreterError> {
        self.bounded(async {
            let (sdk, bearer) = self.prepared().await?;
            let request = sdk
                .stop_code_interpreter_session()
                .code_interpreter_identifier(&self.identifier)
                .session_id(session_id)
                .customize()
                .interceptor(bearer);
            match request.send().await {
                Ok(_) => Ok(()),
                Err(error) => match self.sdk_error(&error, Some(session_id)) {
                    InterpreterError::SessionEnded { .. } => Ok(()),
                    other => Err(other),
                },
            }
        })
        .await
    }

    /// Whether it answers, and how fast: one ListCodeInterpreterSessions call.
    pub async fn probe(&self) -> InterpreterStatus {
        let started = Instant::now();
        let answered = self.bounded(async {
            let (sdk, bearer) = self.prepared().await?;
            let request = sdk
                .list_code_interpreter_sessions()
                .code_interpreter_identifier(&self.identifier)
                .max_results(1)
                .customize()
                .interceptor(bearer);
            request.send().await.map(|_| ()).map_err(|error| self.sdk_error(&error, None))
        });
        match answered.await {
            Ok(()) => InterpreterStatus {
                name: self.name.clone(),
                reachable: true,
                round_trip_ms: Some(started.elapsed().as_secs_f64() * 1000.0),
                code: None,
                message: None,
            },
            Err(error) => InterpreterStatus {
                name: self.name.clone(),
                reachable: false,
                round_trip_ms: None,
                code: Some(error.code().to_owned()),
                message: Some(error.to_string()),
            },
        }
    }

    /// The failure an SDK error means, in the interpreter's words. With `session`, a
    /// resource the server does not find is that session, which has ended.
    fn sdk_error<E, R>(&self, error: &SdkError<E, R>, session: Option<&str>) -> InterpreterError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug + 'static,
    {
        let interpreter = self.name.clone();
        let chain = DisplayErrorContext(error).to_string();
        match error {
            SdkError::ServiceError(context) => {
                let failure = context.err();
                let message = failure.message().unwrap_or("(no message)").to_owned();
                let error_type = failure.code().unwrap_or("UnknownError").to_owned();
                match error_type.to_ascii_lowercase().as_str() {
                    "accessdeniedexception" | "unauthorizedexception" => {
                        InterpreterError::AccessDenied { interpreter, message }
                    }
                    "resourcenotfoundexception" => match session {
                        Some(session) => InterpreterError::SessionEnded {
                            interpreter,
                            session: session.to_owned(),
                            message,
                        },
                        None => InterpreterError::NotFound { interpreter, message },
                    },
                    _ => InterpreterError::Refused { interpreter, error_type, message },
                }
            }
            SdkError::TimeoutError(_) => {
                InterpreterError::Timeout { interpreter, seconds: self.timeout.as_secs() }
            }
            _ if chain.to_ascii_lowercase().contains("credentials") => InterpreterError::NoCredentials {
                interpreter,
                problem: "no AWS credentials were found to sign the call. Set AWS_PROFILE or run `aws configure` / `aws sso login`, or set auth = \"PROVIDER\" in [interpreters.NAME] if the interpreter takes a bearer token".to_owned(),
            },
            SdkError::DispatchFailure(_) => InterpreterError::Unreachable {
                interpreter,
                location: self.location(),
                reason: deepest_reason(error),
            },
            _ => InterpreterError::Refused {
                interpreter,
                error_type: BROKEN_ANSWER.into(),
                message: deepest_reason(error),
            },
        }
    }
}

/// Two result events of one call as one result: contents in order, the output joined, the
/// last event's exit code and time.
fn merged(earlier: ToolResult, later: ToolResult) -> ToolResult {
    let mut content = earlier.content;
    content.extend(later.content);
    let structured_content = match (earlier.structured_content, later.structured_content) {
        (Some(mut first), Some(last)) => {
            first.stdout.push_str(&last.stdout);
            first.stderr.push_str(&last.stderr);
            first.exit_code = last.exit_code;
            first.execution_time = last.execution_time;
            Some(first)
        }
        (first, last) => last.or(first),
    };
    ToolResult { content, structured_content, is_error: earlier.is_error || later.is_error }
}

/// The innermost cause's message, or the outer one when it already says it.
fn deepest_reason(error: &(dyn std::error::Error + 'static)) -> String {
    let mut deepest = error;
    while let Some(source) = deepest.source() {
        deepest = source;
    }
    let outer = error.to_string();
    let inner = deepest.to_string();
    if std::ptr::eq(deepest, error) || outer.contains(&inner) { outer } else { inner }
}

/// Whether the default credential chain finds credentials.
async fn has_credentials(config: &aws_config::SdkConfig) -> bool {
    match config.credentials_provider() {
        Some(provider) => provider.provide_credentials().await.is_ok(),
        None => false,
    }
}

/// Sends the provider's token as `Authorization: Bearer`, replacing the signature; does
/// nothing without one.
struct BearerHeader(Option<Secret>);

impl std::fmt::Debug for BearerHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BearerHeader(…)")
    }
}

impl Intercept for BearerHeader {
    fn name(&self) -> &'static str {
        "AgentDeskBearerHeader"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _config: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        if let Some(token) = &self.0 {
            let headers = context.request_mut().headers_mut();
            headers.insert("authorization", format!("Bearer {}", token.expose()));
            headers.remove("x-amz-security-token");
        }
        Ok(())
    }
}
