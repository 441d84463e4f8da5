//! An agent runtime behind the gateway, called as AgentCore Runtime is: `POST
//! {url}/invocations` with `{"prompt": …}`, a session id of at least 33 characters and a W3C
//! `traceparent`; the answer is JSON or a server-sent event stream, whose text is collected.

use serde::Deserialize;
use serde_json::{Map, Value, json};

/// One tool a runtime answers, as `[[targets.tools]]` describes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeTool {
    /// The tool's name (the gateway lists it as `{target}___{name}`).
    pub name: String,
    /// What it does, for the model.
    pub description: String,
    /// Its JSON Schema.
    pub input_schema: Map<String, Value>,
    /// The argument whose value becomes the prompt (the seed's `architecture_description`).
    pub prompt_argument: String,
}

/// An agent runtime: where it listens and the tools it answers.
#[derive(Debug, Clone)]
pub struct Runtime {
    url: String,
    http: reqwest::Client,
}

impl Runtime {
    /// The runtime at `url` (its `/invocations` is called).
    pub fn new(url: &str) -> Runtime {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Runtime { url: url.trim_end_matches('/').to_owned(), http }
    }

    /// Sends `prompt` and returns the answer's text. The caller bounds how long it may take.
    pub async fn invoke(&self, prompt: &str) -> Result<String, String> {
        let session = format!("agentdesk-gateway-{}", uuid_like());
        let trace = format!("00-{}-{}-01", random_hex(16), random_hex(8));
        let response = self
            .http
            .post(format!("{}/invocations", self.url))
            .header("x-amzn-bedrock-agentcore-runtime-session-id", &session)
            .header("traceparent", trace)
            .json(&json!({"prompt": prompt}))
            .send()
            .await
            .map_err(|error| format!("the runtime at {} cannot be reached: {error}", self.url))?;
        let status = response.status();
        let streaming = response
            .headers()
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("text/event-stream"));
        let body = response
            .text()
            .await
            .map_err(|error| format!("the runtime's answer broke off: {error}"))?;
        if !status.is_success() {
            return Err(format!(
                "the runtime answered HTTP {}: {}",
                status.as_u16(),
                body.chars().take(300).collect::<String>()
            ));
        }
        Ok(if streaming { text_of_events(&body) } else { text_of_json(&body) })
    }
}

/// The text of an SSE answer: each `data:` line, as JSON text when it is a JSON string.
fn text_of_events(body: &str) -> String {
    body.lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .map(|data| {
            let data = data.strip_prefix(' ').unwrap_or(data);
            match serde_json::from_str::<Value>(data) {
                Ok(Value::String(text)) => text,
                Ok(other) => text_of_value(&other),
                Err(_) => data.to_owned(),
            }
        })
        .collect()
}

/// The text of a JSON answer: a string, or `result`/`response`/`output`/`text`, else the JSON.
fn text_of_json(body: &str) -> String {
    match serde_json::from_str::<Value>(body) {
        Ok(value) => text_of_value(&value),
        Err(_) => body.to_owned(),
    }
}

fn text_of_value(value: &Value) -> String {
    if let Some(text) = value.as_str() {
        return text.to_owned();
    }
    ["result", "response", "output", "text"]
        .iter()
        .find_map(|key| value[key].as_str().map(str::to_owned))
        .unwrap_or_else(|| value.to_string())
}

fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    if getrandom::fill(&mut buffer).is_err() {
        // Only a trace id: uniqueness within this process is enough.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        buffer
            .iter_mut()
            .enumerate()
            .for_each(|(index, byte)| *byte = (nanos >> (index % 16 * 8)) as u8);
    }
    buffer.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// 32 hex characters: with the prefix, a session id well over AgentCore's 33-character minimum.
fn uuid_like() -> String {
    random_hex(16)
}

#[cfg(test)]
mod tests {
    use super::{text_of_events, text_of_json};

    #[test]
    fn answers_in_json_and_in_events_become_text() {
        assert_eq!(text_of_json(r#""plain""#), "plain");
        assert_eq!(text_of_json(r#"{"result": "from result"}"#), "from result");
        assert_eq!(text_of_events("data: \"月額 \"\n\ndata: \"$30.37\"\n\n"), "月額 $30.37");
        assert_eq!(text_of_events("data: not json\n\n"), "not json");
    }
}
