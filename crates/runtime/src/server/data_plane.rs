//! The InvokeAgentRuntime alias: `POST /runtimes/{url-encoded ARN}/invocations?qualifier=…`,
//! so AWS's SDKs (and AgentDesk's own client) reach this server exactly as they reach
//! AgentCore. The ARN is read from the raw path: SDKs send it percent-encoded once or twice,
//! and a decoded `%2F` would be a `/` that splits it. The answer is the runtime's answer with
//! the session header echoed; errors are AgentCore's shape — the status,
//! `x-amzn-ErrorType`, and `{"message"}`.
//!
//! SigV4 signatures are not checked (there is no AWS account here to check them against):
//! callers are let in by this server's own access rule, like every other route.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::agent::Shared;
use super::invocations::{self, Invocation};

/// `POST /runtimes/{arn}/invocations`.
pub(crate) async fn invoke(
    State(shared): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let arn = match runtime_arn(uri.path()) {
        Ok(arn) => arn,
        Err(problem) => return error(StatusCode::BAD_REQUEST, "ValidationException", &problem),
    };
    let invocation = match Invocation::read(&headers, body) {
        Ok(invocation) => invocation,
        Err(bad) => {
            return error(
                bad.status,
                "ValidationException",
                &format!("{}: {}", bad.error, bad.details),
            );
        }
    };
    tracing::info!(%arn, qualifier = uri.query().unwrap_or_default(), "InvokeAgentRuntime");
    match invocations::answer(&shared, &invocation).await {
        Ok(response) => response,
        Err(failure) => {
            // AgentCore reports an agent's own failure as RuntimeClientError (424).
            let mut response =
                error(StatusCode::FAILED_DEPENDENCY, "RuntimeClientError", &failure.message);
            invocations::tag(&mut response, &invocation);
            response
        }
    }
}

/// An AgentCore error: the status, `x-amzn-ErrorType` and `{"message"}`.
fn error(status: StatusCode, kind: &'static str, message: &str) -> Response {
    let mut response = (status, Json(json!({"message": message}))).into_response();
    response.headers_mut().insert("x-amzn-errortype", HeaderValue::from_static(kind));
    response
}

/// The runtime ARN in a raw request path `/runtimes/{arn}/invocations`, decoded (once, or
/// twice when the SDK encoded it twice), or what is wrong with it.
fn runtime_arn(raw_path: &str) -> Result<String, String> {
    let encoded = raw_path
        .strip_prefix("/runtimes/")
        .and_then(|rest| rest.strip_suffix("/invocations"))
        .filter(|encoded| !encoded.is_empty())
        .ok_or_else(|| {
            "the path must be /runtimes/{url-encoded agent runtime ARN}/invocations".to_owned()
        })?;
    let mut arn = percent_decode(encoded)?;
    if arn.starts_with("arn%") {
        arn = percent_decode(&arn)?;
    }
    check_arn(&arn)?;
    Ok(arn)
}

/// `arn:PARTITION:bedrock-agentcore:REGION:ACCOUNT:runtime/ID`, or what is wrong with it.
fn check_arn(arn: &str) -> Result<(), String> {
    let expected = "expected arn:aws:bedrock-agentcore:REGION:ACCOUNT_ID:runtime/RUNTIME_ID";
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts.as_slice() else {
        return Err(format!("{arn:?} is not an agent runtime ARN: {expected}"));
    };
    let problem = if *prefix != "arn" || !partition.starts_with("aws") {
        "it does not start with arn:aws"
    } else if *service != "bedrock-agentcore" {
        "its service is not bedrock-agentcore"
    } else if region.is_empty() {
        "it names no region"
    } else if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
        "its account id is not 12 digits"
    } else if resource.strip_prefix("runtime/").is_none_or(str::is_empty) {
        "its resource is not runtime/RUNTIME_ID"
    } else {
        return Ok(());
    };
    Err(format!("{arn:?} is not an agent runtime ARN: {problem} ({expected})"))
}

/// Decodes `%XX` escapes; other characters stay as they are.
fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = text
                .get(index + 1..index + 3)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| format!("the path has a broken escape at {:?}", &text[index..]))?;
            decoded.push(hex);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).map_err(|_| "the ARN is not UTF-8".to_owned())
}

#[cfg(test)]
mod tests {
    use super::runtime_arn;

    const ARN: &str =
        "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/cost_agent-AbCdEf1234";

    #[test]
    fn the_arn_is_read_encoded_once_or_twice_and_mistakes_are_named() {
        let once = ARN.replace(':', "%3A").replace('/', "%2F");
        let twice = once.replace('%', "%25");
        for encoded in [once.as_str(), twice.as_str()] {
            let path = format!("/runtimes/{encoded}/invocations");
            assert_eq!(runtime_arn(&path).as_deref(), Ok(ARN), "{path}");
        }
        let not_an_arn = runtime_arn("/runtimes/my-agent/invocations").expect_err("not an ARN");
        assert!(not_an_arn.contains("is not an agent runtime ARN"), "{not_an_arn}");
        let wrong_service =
            ARN.replace("bedrock-agentcore", "lambda").replace(':', "%3A").replace('/', "%2F");
        let problem = runtime_arn(&format!("/runtimes/{wrong_service}/invocations"))
            .expect_err("wrong service");
        assert!(problem.contains("service is not bedrock-agentcore"), "{problem}");
        let short_account =
            ARN.replace("123456789012", "1234").replace(':', "%3A").replace('/', "%2F");
        let problem = runtime_arn(&format!("/runtimes/{short_account}/invocations"))
            .expect_err("short account");
        assert!(problem.contains("12 digits"), "{problem}");
    }
}
