//! An agent runtime behind the gateway, called through AgentDesk's one runtime client
//! (`agentdesk_runtime::client`) as AgentCore Runtime is: `POST {url}/invocations` with
//! `{"prompt": …}`, a fresh session id of at least 33 characters and a W3C `traceparent`; the
//! answer's text (JSON or a server-sent event stream) is the tool's result.

use agentdesk_runtime::client::{Invocation, RemoteAgent, new_session_id};
use serde::Deserialize;
use serde_json::{Map, Value};

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
    /// The client for it, or why its URL cannot be called (said on every call).
    agent: Result<RemoteAgent, String>,
}

impl Runtime {
    /// The runtime of the target `target` at `url` (its `/invocations` is called).
    pub fn new(target: &str, url: &str) -> Runtime {
        let agent = RemoteAgent::from_url(target, url)
            .map_err(|error| format!("the runtime at {url} cannot be called: {error}"));
        Runtime { url: url.trim_end_matches('/').to_owned(), agent }
    }

    /// Sends `prompt` and returns the answer's text. The caller bounds how long it may take.
    pub async fn invoke(&self, prompt: &str) -> Result<String, String> {
        let agent = self.agent.as_ref().map_err(Clone::clone)?;
        let trace = format!("00-{}-{}-01", random_hex(16), random_hex(8));
        let mut invocation = Invocation::prompt(prompt, &new_session_id());
        invocation.headers.push(("traceparent".to_owned(), trace));
        match agent.invoke(invocation, &mut |_| {}).await {
            Ok(invoked) => Ok(invoked.text),
            // The client's message names the target; the URL says which process to look at.
            Err(error) => Err(format!("{error} (runtime at {})", self.url)),
        }
    }
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
