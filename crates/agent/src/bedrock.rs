//! Amazon Bedrock's Converse API, streamed (`ConverseStream`) through `aws-sdk-bedrockruntime`:
//! credentials from the AWS default chain (environment, profiles, SSO, process, instance
//! roles), SigV4 signing and the binary event stream are the SDK's; this module maps
//! messages and tools to Converse's shapes and the stream's events back to a [`Completion`].

use std::collections::{BTreeMap, HashMap};

use aws_sdk_bedrockruntime::Client;
use aws_sdk_bedrockruntime::config::http::HttpResponse;
use aws_sdk_bedrockruntime::config::retry::RetryConfig;
use aws_sdk_bedrockruntime::config::{BehaviorVersion, Region};
use aws_sdk_bedrockruntime::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockruntime::operation::converse_stream::ConverseStreamError;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ContentBlockDelta, ContentBlockStart, ConversationRole, ConverseStreamOutput,
    InferenceConfiguration, Message as BedrockMessage, StopReason as BedrockStopReason,
    SystemContentBlock, Tool, ToolConfiguration, ToolInputSchema, ToolResultBlock,
    ToolResultContentBlock, ToolResultStatus, ToolSpecification, ToolUseBlock,
};
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::{Document, Number};
use serde_json::Value;
use tokio::sync::OnceCell;

use crate::http::protocol;
use crate::provider::{
    BoxFuture, ChatRequest, Completion, ConnectFailure, Message, Provider, ProviderError,
    RetryPolicy, StopReason, ToolCall, Usage,
};

/// The provider's name in messages and traces (the GenAI conventions' `aws.bedrock`).
const NAME: &str = "aws.bedrock";
/// Used when neither the settings nor the AWS chain name a region.
const FALLBACK_REGION: &str = "us-east-1";

/// Where to reach Bedrock and as whom; empty fields defer to the AWS default chain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BedrockOptions {
    /// The region (`us-east-1`); empty for `AWS_REGION` or the profile's, else us-east-1.
    pub region: String,
    /// The named profile in `~/.aws/config`; empty for `AWS_PROFILE` or `default`.
    pub profile: String,
    /// An endpoint instead of the region's (a VPC endpoint, a proxy); empty for the default.
    pub endpoint_url: String,
    /// How busy answers are retried.
    pub retry: RetryPolicy,
}

/// A provider speaking Bedrock's Converse API.
#[derive(Debug)]
pub struct Bedrock {
    options: BedrockOptions,
    // The AWS chain is read on first use: it may read files and ask an SSO cache, which
    // has no place in building the settings.
    client: OnceCell<Client>,
}

impl Bedrock {
    /// Bedrock as `options` say; the credentials are looked up at the first call.
    pub fn new(options: BedrockOptions) -> Self {
        Self { options, client: OnceCell::new() }
    }

    /// Bedrock through an SDK configuration the caller built (fixed credentials, a test
    /// endpoint), retrying as `retry` says.
    pub fn with_sdk_config(config: &aws_config::SdkConfig, retry: RetryPolicy) -> Self {
        let client = Client::from_conf(
            aws_sdk_bedrockruntime::config::Builder::from(config)
                .retry_config(retry_config(retry))
                .build(),
        );
        Self {
            options: BedrockOptions { retry, ..BedrockOptions::default() },
            client: OnceCell::from(client),
        }
    }

    async fn client(&self) -> &Client {
        self.client
            .get_or_init(|| async {
                let options = &self.options;
                let mut loader = aws_config::defaults(BehaviorVersion::latest())
                    .retry_config(retry_config(options.retry));
                if !options.profile.trim().is_empty() {
                    loader = loader.profile_name(options.profile.trim());
                }
                if !options.region.trim().is_empty() {
                    loader = loader.region(Region::new(options.region.trim().to_owned()));
                }
                if !options.endpoint_url.trim().is_empty() {
                    loader = loader.endpoint_url(options.endpoint_url.trim());
                }
                let config = loader.load().await;
                let mut builder = aws_sdk_bedrockruntime::config::Builder::from(&config);
                if config.region().is_none() {
                    builder = builder.region(Region::from_static(FALLBACK_REGION));
                }
                Client::from_conf(builder.build())
            })
            .await
    }

    async fn call(
        &self,
        request: &ChatRequest,
        on_text: &mut (dyn FnMut(&str) + Send),
    ) -> Result<Completion, ProviderError> {
        let messages = converse_messages(&request.messages)?;
        let mut call = self
            .client()
            .await
            .converse_stream()
            .model_id(&request.model)
            .set_messages(Some(messages))
            .set_system(request.system.clone().map(|system| vec![SystemContentBlock::Text(system)]))
            .set_tool_config(tool_config(request)?);
        if let Some(max_tokens) = request.max_tokens {
            call = call.inference_config(
                InferenceConfiguration::builder()
                    .max_tokens(i32::try_from(max_tokens).unwrap_or(i32::MAX))
                    .build(),
            );
        }
        let mut output = call.send().await.map_err(|error| self.send_error(request, &error))?;
        let mut answer = Answer::default();
        loop {
            match output.stream.recv().await {
                Ok(Some(event)) => answer.absorb(event, on_text),
                Ok(None) => break,
                Err(error) => return Err(self.stream_error(request, &error)),
            }
        }
        answer.finish().ok_or_else(|| protocol(NAME, "the stream ended before messageStop"))
    }

    /// The error for a refused or failed `ConverseStream` call.
    fn send_error(
        &self,
        request: &ChatRequest,
        error: &SdkError<ConverseStreamError, HttpResponse>,
    ) -> ProviderError {
        match error {
            SdkError::ServiceError(context) => {
                self.service_error(request, context.err(), context.raw().status().as_u16())
            }
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
                let failure = if matches!(error, SdkError::TimeoutError(_)) {
                    ConnectFailure::TimedOut
                } else if crate::http::connection_refused(error) {
                    ConnectFailure::NothingListening
                } else {
                    ConnectFailure::Other
                };
                ProviderError::Unreachable {
                    provider: NAME.to_owned(),
                    detail: DisplayErrorContext(error).to_string(),
                    failure,
                }
            }
            // Building the request failed: most often no credentials anywhere in the chain.
            SdkError::ConstructionFailure(_) => ProviderError::Unauthorized {
                provider: NAME.to_owned(),
                status: 0,
                detail: format!(
                    "{}; sign in with `aws sso login` or set AWS_PROFILE / model.aws_profile",
                    DisplayErrorContext(error)
                ),
            },
            _ => protocol(NAME, DisplayErrorContext(error).to_string()),
        }
    }

    /// The error for an exception the stream carried after it began.
    fn stream_error<E, R>(&self, request: &ChatRequest, error: &SdkError<E, R>) -> ProviderError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        match error {
            SdkError::ServiceError(context) => self.service_error(request, context.err(), 200),
            _ => protocol(NAME, DisplayErrorContext(error).to_string()),
        }
    }

    fn service_error(
        &self,
        request: &ChatRequest,
        error: &impl ProvideErrorMetadata,
        status: u16,
    ) -> ProviderError {
        let provider = NAME.to_owned();
        let code = error.code().unwrap_or("UnknownError");
        let detail = format!("{code}: {}", error.message().unwrap_or("no message"));
        match code {
            "AccessDeniedException" | "UnrecognizedClientException" | "ExpiredTokenException" => {
                ProviderError::Unauthorized { provider, status, detail }
            }
            "ThrottlingException"
            | "ServiceUnavailableException"
            | "ModelNotReadyException"
            | "ServiceQuotaExceededException" => ProviderError::Busy {
                provider,
                status,
                attempts: self.options.retry.attempts,
                detail,
            },
            "ResourceNotFoundException" => ProviderError::ModelNotFound { provider, detail },
            "ValidationException" if is_context_overflow(&detail) => {
                ProviderError::ContextOverflow { model: request.model.clone(), detail }
            }
            _ => ProviderError::Refused { provider, status, detail },
        }
    }
}

impl Provider for Bedrock {
    fn name(&self) -> &str {
        NAME
    }

    fn stream<'a>(
        &'a self,
        request: &'a ChatRequest,
        on_text: &'a mut (dyn FnMut(&str) + Send),
    ) -> BoxFuture<'a, Result<Completion, ProviderError>> {
        Box::pin(self.call(request, on_text))
    }
}

/// The SDK's retries, shaped by our policy: only the initial request is retried, so nothing
/// already streamed is ever repeated.
fn retry_config(retry: RetryPolicy) -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(retry.attempts.max(1))
        .with_initial_backoff(retry.first_wait)
        .with_max_backoff(retry.max_wait)
}

/// Bedrock words a too-long prompt in several ways, depending on the model.
fn is_context_overflow(detail: &str) -> bool {
    let detail = detail.to_ascii_lowercase();
    ["too long", "too many input tokens", "context window", "maximum context length"]
        .iter()
        .any(|phrase| detail.contains(phrase))
}

/// Converse wants user and assistant turns to alternate: tool results are user content, and
/// neighbours of the same role are merged into one message.
fn converse_messages(messages: &[Message]) -> Result<Vec<BedrockMessage>, ProviderError> {
    let mut turns: Vec<(ConversationRole, Vec<ContentBlock>)> = Vec::new();
    for message in messages {
        let (role, content) = match message {
            Message::User { text } => {
                (ConversationRole::User, vec![ContentBlock::Text(text.clone())])
            }
            Message::Assistant { text, tool_calls } => {
                let mut blocks = Vec::new();
                if !text.is_empty() {
                    blocks.push(ContentBlock::Text(text.clone()));
                }
                for call in tool_calls {
                    blocks.push(ContentBlock::ToolUse(
                        ToolUseBlock::builder()
                            .tool_use_id(&call.id)
                            .name(&call.name)
                            .input(to_document(&call.arguments))
                            .build()
                            .map_err(invalid)?,
                    ));
                }
                (ConversationRole::Assistant, blocks)
            }
            Message::Tool { call_id, content, is_error } => {
                let status =
                    if *is_error { ToolResultStatus::Error } else { ToolResultStatus::Success };
                let result = ToolResultBlock::builder()
                    .tool_use_id(call_id)
                    .content(ToolResultContentBlock::Text(content.clone()))
                    .status(status)
                    .build()
                    .map_err(invalid)?;
                (ConversationRole::User, vec![ContentBlock::ToolResult(result)])
            }
        };
        match turns.last_mut() {
            Some((last_role, blocks)) if *last_role == role => blocks.extend(content),
            _ => turns.push((role, content)),
        }
    }
    turns
        .into_iter()
        .map(|(role, content)| {
            BedrockMessage::builder().role(role).set_content(Some(content)).build().map_err(invalid)
        })
        .collect()
}

fn tool_config(request: &ChatRequest) -> Result<Option<ToolConfiguration>, ProviderError> {
    if request.tools.is_empty() {
        return Ok(None);
    }
    let tools = request
        .tools
        .iter()
        .map(|tool| {
            ToolSpecification::builder()
                .name(&tool.name)
                .description(&tool.description)
                .input_schema(ToolInputSchema::Json(to_document(&tool.input_schema)))
                .build()
                .map(Tool::ToolSpec)
                .map_err(invalid)
        })
        .collect::<Result<Vec<_>, _>>()?;
    ToolConfiguration::builder().set_tools(Some(tools)).build().map(Some).map_err(invalid)
}

fn invalid(error: impl std::fmt::Display) -> ProviderError {
    protocol(NAME, format!("cannot build the request: {error}"))
}

/// JSON to the SDK's document type, for tool schemas and arguments.
fn to_document(value: &Value) -> Document {
    match value {
        Value::Null => Document::Null,
        Value::Bool(flag) => Document::Bool(*flag),
        Value::Number(number) => Document::Number(if let Some(unsigned) = number.as_u64() {
            Number::PosInt(unsigned)
        } else if let Some(signed) = number.as_i64() {
            Number::NegInt(signed)
        } else {
            Number::Float(number.as_f64().unwrap_or_default())
        }),
        Value::String(text) => Document::String(text.clone()),
        Value::Array(items) => Document::Array(items.iter().map(to_document).collect()),
        Value::Object(fields) => Document::Object(
            fields
                .iter()
                .map(|(key, value)| (key.clone(), to_document(value)))
                .collect::<HashMap<_, _>>(),
        ),
    }
}

/// A tool call as the stream builds it: its id and name first, then its input in pieces.
#[derive(Debug)]
struct PendingCall {
    id: String,
    name: String,
    json: String,
}

#[derive(Debug, Default)]
struct Answer {
    text: String,
    calls: BTreeMap<i32, PendingCall>,
    stop_reason: Option<BedrockStopReason>,
    usage: Option<Usage>,
}

impl Answer {
    fn absorb(&mut self, event: ConverseStreamOutput, on_text: &mut (dyn FnMut(&str) + Send)) {
        match event {
            ConverseStreamOutput::ContentBlockStart(start) => {
                if let Some(ContentBlockStart::ToolUse(tool)) = start.start {
                    self.calls.insert(
                        start.content_block_index,
                        PendingCall { id: tool.tool_use_id, name: tool.name, json: String::new() },
                    );
                }
            }
            ConverseStreamOutput::ContentBlockDelta(delta) => match delta.delta {
                Some(ContentBlockDelta::Text(text)) if !text.is_empty() => {
                    self.text.push_str(&text);
                    on_text(&text);
                }
                Some(ContentBlockDelta::ToolUse(input)) => {
                    if let Some(call) = self.calls.get_mut(&delta.content_block_index) {
                        call.json.push_str(&input.input);
                    }
                }
                _ => {}
            },
            ConverseStreamOutput::MessageStop(stop) => self.stop_reason = Some(stop.stop_reason),
            ConverseStreamOutput::Metadata(metadata) => {
                self.usage = metadata.usage.map(|usage| Usage {
                    input_tokens: u64::try_from(usage.input_tokens).unwrap_or_default(),
                    output_tokens: u64::try_from(usage.output_tokens).unwrap_or_default(),
                });
            }
            _ => {}
        }
    }

    fn finish(self) -> Option<Completion> {
        let stop_reason = match self.stop_reason? {
            BedrockStopReason::EndTurn | BedrockStopReason::StopSequence => StopReason::EndTurn,
            BedrockStopReason::ToolUse => StopReason::ToolUse,
            BedrockStopReason::MaxTokens => StopReason::MaxTokens,
            other => StopReason::Other(other.as_str().to_owned()),
        };
        let tool_calls = self
            .calls
            .into_values()
            .map(|call| ToolCall {
                id: call.id,
                name: call.name,
                arguments: if call.json.trim().is_empty() {
                    Value::Object(serde_json::Map::new())
                } else {
                    serde_json::from_str(&call.json).unwrap_or(Value::String(call.json))
                },
            })
            .collect();
        Some(Completion { text: self.text, tool_calls, stop_reason, usage: self.usage })
    }
}
