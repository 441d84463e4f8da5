//! Agents deployed on AgentCore, called by ARN: InvokeAgentRuntime through
//! `aws-sdk-bedrockagentcore` (SigV4 from the AWS credential chain), or, when the runtime has
//! a JWT authorizer (`auth = PROVIDER`), the same request over plain HTTP with a bearer token.

use std::sync::Arc;

use agentdesk_config::AgentSettings;
use aws_sdk_bedrockagentcore::config::http::HttpResponse;
use aws_sdk_bedrockagentcore::config::{
    BehaviorVersion, Region, StalledStreamProtectionConfig, retry::RetryConfig,
};
use aws_sdk_bedrockagentcore::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockagentcore::operation::invoke_agent_runtime::InvokeAgentRuntimeError;
use serde_json::Value;
use tokio::sync::OnceCell;

use super::http::{ACCEPT, http_client, post};
use super::stream::{Body, Call, error_of, read_answer, reason};
use super::{Bearer, ClientError, Invocation, Invoked};

/// An AgentCore agent runtime.
#[derive(Debug, Clone)]
pub(crate) struct ArnAgent {
    arn: String,
    region: String,
    /// The data plane's address, when not AWS's own.
    endpoint: Option<String>,
    /// With a bearer, calls go over plain HTTP instead of through the SDK.
    bearer: Option<Bearer>,
    http: reqwest::Client,
    /// The SDK client, made on the first call from the default AWS configuration (loading it
    /// reads files and may ask the instance metadata service) unless one was given.
    sdk: Arc<OnceCell<aws_sdk_bedrockagentcore::Client>>,
}

impl ArnAgent {
    pub(crate) fn new(
        settings: &AgentSettings,
        bearer: Option<Bearer>,
    ) -> Result<ArnAgent, ClientError> {
        let endpoint = settings.endpoint.trim();
        Ok(ArnAgent {
            arn: settings.arn.trim().to_owned(),
            region: settings.effective_region(),
            endpoint: (!endpoint.is_empty()).then(|| endpoint.trim_end_matches('/').to_owned()),
            bearer,
            http: http_client(),
            sdk: Arc::new(OnceCell::new()),
        })
    }

    pub(crate) fn arn(&self) -> &str {
        &self.arn
    }

    /// Uses `config` (credentials, HTTP client) for SDK calls from now on.
    pub(crate) fn use_config(&mut self, config: &aws_config::SdkConfig) {
        self.sdk = Arc::new(OnceCell::new_with(Some(self.client_from(config))));
    }

    fn client_from(&self, config: &aws_config::SdkConfig) -> aws_sdk_bedrockagentcore::Client {
        let mut builder = aws_sdk_bedrockagentcore::config::Builder::from(config)
            .region(Region::new(self.region.clone()))
            // A turn is not idempotent: a retried invocation would run the agent twice.
            .retry_config(RetryConfig::disabled())
            // The SDK's stalled-stream protection ends a download that sends nothing for a
            // few seconds; an agent thinking between items is not stalled. The agent's own
            // timeout bounds each wait instead.
            .stalled_stream_protection(StalledStreamProtectionConfig::disabled());
        if let Some(endpoint) = &self.endpoint {
            builder = builder.endpoint_url(endpoint);
        }
        aws_sdk_bedrockagentcore::Client::from_conf(builder.build())
    }

    async fn sdk(&self) -> &aws_sdk_bedrockagentcore::Client {
        self.sdk
            .get_or_init(|| async {
                let config = aws_config::defaults(BehaviorVersion::latest())
                    .region(Region::new(self.region.clone()))
                    .load()
                    .await;
                self.client_from(&config)
            })
            .await
    }

    /// Where the data plane is: the endpoint override, else AWS's regional one.
    fn data_plane(&self) -> String {
        self.endpoint
            .clone()
            .unwrap_or_else(|| format!("https://bedrock-agentcore.{}.amazonaws.com", self.region))
    }

    pub(crate) async fn invoke(
        &self,
        call: &Call<'_>,
        invocation: &Invocation,
        on_item: &mut (dyn FnMut(Value) + Send),
    ) -> Result<Invoked, ClientError> {
        if let Some(bearer) = &self.bearer {
            // The ARN is one path segment: its ':' and '/' are percent-encoded.
            let arn: String = url::form_urlencoded::byte_serialize(self.arn.as_bytes()).collect();
            let endpoint =
                format!("{}/runtimes/{arn}/invocations?qualifier=DEFAULT", self.data_plane());
            return post(call, &self.http, &endpoint, Some(bearer), invocation, on_item).await;
        }
        let payload =
            serde_json::to_vec(&invocation.payload).map_err(|error| ClientError::BadSettings {
                agent: call.agent.to_owned(),
                problem: format!("the payload cannot be sent as JSON: {error}"),
            })?;
        let client = call.bounded(self.sdk()).await?;
        let mut request = client
            .invoke_agent_runtime()
            .agent_runtime_arn(&self.arn)
            .qualifier("DEFAULT")
            .runtime_session_id(&invocation.session_id)
            .content_type("application/json")
            .accept(ACCEPT)
            .payload(payload.into());
        let mut extra = Vec::new();
        for (name, value) in &invocation.headers {
            request = match name.to_ascii_lowercase().as_str() {
                "traceparent" => request.trace_parent(value),
                "tracestate" => request.trace_state(value),
                "baggage" => request.baggage(value),
                "x-amzn-trace-id" => request.trace_id(value),
                "x-amzn-bedrock-agentcore-runtime-user-id" => request.runtime_user_id(value),
                _ => {
                    extra.push((name.clone(), value.clone()));
                    request
                }
            };
        }
        let sent = request
            .customize()
            .mutate_request(move |http_request| {
                for (name, value) in &extra {
                    http_request.headers_mut().insert(name.clone(), value.clone());
                }
            })
            .send();
        let output = call.bounded(sent).await?.map_err(|error| self.sdk_error(call, &error))?;
        let session_id =
            output.runtime_session_id.clone().unwrap_or_else(|| invocation.session_id.clone());
        read_answer(call, &output.content_type, session_id, Body::Aws(output.response), on_item)
            .await
    }

    fn sdk_error(
        &self,
        call: &Call<'_>,
        error: &SdkError<InvokeAgentRuntimeError, HttpResponse>,
    ) -> ClientError {
        let agent = call.agent.to_owned();
        let chain = DisplayErrorContext(error).to_string();
        match error {
            SdkError::ServiceError(context) => {
                let status = context.raw().status().as_u16();
                let failure = context.err();
                let message = failure.message().unwrap_or("(no message)").to_owned();
                error_of(call, status, failure.code().map(str::to_owned), message)
            }
            SdkError::TimeoutError(_) => call.timed_out(),
            _ if chain.to_ascii_lowercase().contains("credentials") => ClientError::NoCredentials {
                agent,
                problem: "no AWS credentials were found to sign the call. Set AWS_PROFILE or run `aws configure` / `aws sso login`, or set auth = \"PROVIDER\" if this runtime takes a bearer token".to_owned(),
            },
            SdkError::DispatchFailure(_) => ClientError::Unreachable {
                agent,
                url: self.data_plane(),
                reason: reason(error),
            },
            _ => ClientError::StreamFailed { agent, error_type: None, message: reason(error) },
        }
    }
}
