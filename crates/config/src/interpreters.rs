//! Remote code interpreters in the config file: `[interpreters.NAME]` tables naming a sandbox
//! that speaks AgentCore Code Interpreter's data plane — AgentCore's own (`region`, with
//! `identifier`) or a self-hosted one such as `agentdesk serve` (`endpoint`).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::providers::{is_provider_name, is_secure_url};

/// AgentCore's built-in interpreter, used when `identifier` is left out.
pub const DEFAULT_INTERPRETER_IDENTIFIER: &str = "aws.codeinterpreter.v1";

/// Seconds a session lives unless configured: AgentCore's own default.
pub const DEFAULT_INTERPRETER_SESSION_SECONDS: u32 = 900;

/// The longest session AgentCore allows: 8 hours.
pub const MAX_INTERPRETER_SESSION_SECONDS: u32 = 28_800;

/// Seconds one call may take unless configured (a cell, a file transfer).
pub const DEFAULT_INTERPRETER_TIMEOUT_SECONDS: u64 = 120;

/// The name `tools.interpreter` gives the local sandbox; never an `[interpreters.NAME]`.
pub const LOCAL_INTERPRETER: &str = "local";

/// One remote code interpreter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
#[ts(export_to = "Settings.ts")]
pub struct InterpreterSettings {
    /// AgentCore's region (`us-west-2`): the interpreter is AgentCore's, called at
    /// `https://bedrock-agentcore.REGION.amazonaws.com` with SigV4. Also the signing region
    /// of a self-hosted `endpoint` (empty there for `us-east-1`).
    pub region: String,
    /// The interpreter's identifier; empty for AgentCore's built-in `aws.codeinterpreter.v1`.
    pub identifier: String,
    /// A self-hosted data plane (`http://127.0.0.1:8080` for `agentdesk serve`), instead of
    /// AgentCore's.
    pub endpoint: String,
    /// The credential provider (`[providers.NAME]`) whose token is sent as the bearer; empty
    /// for SigV4 from the AWS credential chain.
    pub auth: String,
    /// Seconds a session lives (1–28800); 0 for the default, 900.
    pub session_timeout_seconds: u32,
    /// Seconds one call may take before it is given up; 0 for the default, 120.
    pub timeout_seconds: u64,
}

impl InterpreterSettings {
    /// What is wrong with it, as messages naming the field and what to write instead; empty
    /// when it is usable.
    pub fn problems(&self, name: &str) -> Vec<String> {
        let mut problems = Vec::new();
        if !is_provider_name(name) {
            problems.push(format!(
                "interpreters.{name}: an interpreter's name uses letters, digits, '-' and '_'"
            ));
        }
        if name == LOCAL_INTERPRETER {
            problems.push(format!(
                "interpreters.{name}: \"{LOCAL_INTERPRETER}\" is the local sandbox's name; choose another"
            ));
        }
        let region = self.region.trim();
        let endpoint = self.endpoint.trim();
        if region.is_empty() && endpoint.is_empty() {
            problems.push(format!(
                "interpreters.{name}: give region (AgentCore's interpreter, e.g. us-west-2) or endpoint (a self-hosted one, e.g. http://127.0.0.1:8080)"
            ));
        }
        if !region.is_empty() && !crate::keys::is_region_code(region) {
            problems.push(format!(
                "interpreters.{name}.region: {region:?} is not an AWS region code such as us-west-2"
            ));
        }
        if !endpoint.is_empty() {
            if !endpoint.starts_with("http://") && !endpoint.starts_with("https://") {
                problems.push(format!(
                    "interpreters.{name}.endpoint: {endpoint:?} must start with http:// or https://"
                ));
            } else if !is_secure_url(endpoint) {
                problems.push(format!(
                    "interpreters.{name}.endpoint: {endpoint:?} must use https:// (http:// only on 127.0.0.1 or localhost), or code and files travel in the clear"
                ));
            }
        }
        let identifier = self.identifier.trim();
        if !identifier.is_empty()
            && !identifier.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        {
            problems.push(format!(
                "interpreters.{name}.identifier: {identifier:?} is not an interpreter identifier such as aws.codeinterpreter.v1"
            ));
        }
        if !self.auth.is_empty() && !is_provider_name(&self.auth) {
            problems.push(format!(
                "interpreters.{name}.auth: {:?} is not a provider name; `agentdesk auth providers` lists them",
                self.auth
            ));
        }
        if self.session_timeout_seconds > MAX_INTERPRETER_SESSION_SECONDS {
            problems.push(format!(
                "interpreters.{name}.session_timeout_seconds: from 1 to {MAX_INTERPRETER_SESSION_SECONDS} (8 hours, AgentCore's longest)"
            ));
        }
        problems
    }

    /// The identifier sessions are started on: `identifier`, else the built-in one.
    pub fn identifier(&self) -> &str {
        let identifier = self.identifier.trim();
        if identifier.is_empty() { DEFAULT_INTERPRETER_IDENTIFIER } else { identifier }
    }

    /// Seconds a session lives: `session_timeout_seconds`, or the default when it is 0.
    pub fn session_timeout_seconds(&self) -> u32 {
        match self.session_timeout_seconds {
            0 => DEFAULT_INTERPRETER_SESSION_SECONDS,
            seconds => seconds,
        }
    }

    /// Seconds one call may take: `timeout_seconds`, or the default when it is 0.
    pub fn timeout_seconds(&self) -> u64 {
        if self.timeout_seconds == 0 {
            DEFAULT_INTERPRETER_TIMEOUT_SECONDS
        } else {
            self.timeout_seconds
        }
    }

    /// Where it is, for lists: the endpoint, else AgentCore in the region.
    pub fn location(&self) -> String {
        if self.endpoint.trim().is_empty() {
            format!("AgentCore {}", self.region.trim())
        } else {
            self.endpoint.trim().to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::InterpreterSettings;
    use crate::ConfigFile;

    #[test]
    fn interpreters_are_read_saved_and_removed_and_mistakes_are_named() {
        let folder = tempfile::tempdir().expect("temp");
        let path = folder.path().join("config.toml");
        std::fs::write(
            &path,
            "# mine\n[interpreters.cloud]\nregion = \"us-west-2\" # AgentCore\n\n\
             [interpreters.desk]\nendpoint = \"http://127.0.0.1:8080\"\nsession_timeout_seconds = 60\n\n\
             [interpreters.nowhere]\nidentifier = \"x\"\n\n\
             [interpreters.plain]\nendpoint = \"http://interp.example\"\n\n\
             [interpreters.long]\nregion = \"us-east-1\"\nsession_timeout_seconds = 28801\n\n\
             [interpreters.local]\nregion = \"us-east-1\"\n\n\
             [interpreters.tokyo]\nregion = \"Tokyo\"\n",
        )
        .expect("write");
        let file = ConfigFile::new(path.clone());
        let (settings, problems) = file.read();
        assert_eq!(settings.interpreters["cloud"].identifier(), "aws.codeinterpreter.v1");
        assert_eq!(settings.interpreters["cloud"].session_timeout_seconds(), 900);
        assert_eq!(settings.interpreters["desk"].session_timeout_seconds(), 60);
        assert_eq!(settings.interpreters.len(), 2, "the broken ones are left out");
        let keys: Vec<_> = problems.iter().filter_map(|problem| problem.key.clone()).collect();
        assert_eq!(
            keys,
            [
                "interpreters.nowhere",
                "interpreters.plain",
                "interpreters.long",
                "interpreters.local",
                "interpreters.tokyo"
            ],
            "{problems:?}"
        );

        let added = InterpreterSettings {
            endpoint: "https://interp.example".into(),
            auth: "corp".into(),
            ..InterpreterSettings::default()
        };
        file.save_interpreter("team", &added).expect("saved");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.starts_with("# mine\n"), "comments kept: {text}");
        assert!(
            text.contains(
                "[interpreters.team]\nendpoint = \"https://interp.example\"\nauth = \"corp\"\n"
            ),
            "{text}"
        );
        assert!(!text.contains("session_timeout_seconds = 0"), "defaults left out: {text}");
        assert!(file.remove_interpreter("team").expect("removed"));
        assert!(!file.remove_interpreter("team").expect("gone already"));
        assert!(file.save_interpreter("bad name", &added).is_err());
    }
}
