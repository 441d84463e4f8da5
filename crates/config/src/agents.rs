//! Remote agents in the config file: `[agents.NAME]` tables naming an agent that speaks
//! AgentCore Runtime's contract — by `url` (`agentdesk serve`, a container, AWS's
//! `BedrockAgentCoreApp` run anywhere) or by `arn` (an agent runtime deployed on AgentCore,
//! called through InvokeAgentRuntime).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::providers::{is_provider_name, is_secure_url};

/// Seconds an agent may go without answering or sending the next item, unless configured.
/// Generous because a model with tools can think for minutes; AgentCore's own request limit
/// is 15 minutes.
pub const DEFAULT_AGENT_TIMEOUT_SECONDS: u64 = 300;

/// The longest `timeout_seconds` accepted: AgentCore's 60-minute stream limit.
pub const MAX_AGENT_TIMEOUT_SECONDS: u64 = 3600;

/// One remote agent: a URL serving the Runtime contract, or an AgentCore agent runtime ARN.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
#[ts(export_to = "Settings.ts")]
pub struct AgentSettings {
    /// Where the agent serves `POST /invocations` and `GET /ping` (`http://127.0.0.1:8080`).
    pub url: String,
    /// An AgentCore agent runtime
    /// (`arn:aws:bedrock-agentcore:REGION:ACCOUNT:runtime/ID`), instead of a URL.
    pub arn: String,
    /// The ARN's AWS region; empty for the region inside the ARN.
    pub region: String,
    /// Another address for AgentCore's data plane (a VPC endpoint, or a self-hosted
    /// `agentdesk serve`); empty for `https://bedrock-agentcore.REGION.amazonaws.com`.
    pub endpoint: String,
    /// The credential provider (`[providers.NAME]`) whose token is sent as the bearer; empty
    /// for none on a URL, and for SigV4 from the AWS credential chain on an ARN.
    pub auth: String,
    /// Seconds the agent may go without answering or sending an item (0 for the default,
    /// 300).
    pub timeout_seconds: u64,
}

/// The parts of an AgentCore agent runtime ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeArn<'a> {
    /// Its region (`us-east-1`).
    pub region: &'a str,
    /// Its account (12 digits).
    pub account: &'a str,
    /// The runtime's id.
    pub runtime_id: &'a str,
}

/// Reads `arn:aws:bedrock-agentcore:REGION:ACCOUNT:runtime/ID` (other AWS partitions too).
pub fn parse_runtime_arn(arn: &str) -> Option<RuntimeArn<'_>> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("bedrock-agentcore"), Some(region), Some(account)) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let runtime_id = parts.next()?.strip_prefix("runtime/")?;
    let is_word = |text: &str| {
        !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    let valid = partition.starts_with("aws")
        && is_word(region)
        && account.len() == 12
        && account.chars().all(|c| c.is_ascii_digit())
        && is_word(runtime_id);
    valid.then_some(RuntimeArn { region, account, runtime_id })
}

impl AgentSettings {
    /// What is wrong with it, as messages naming the field and what to write instead; empty
    /// when it is usable.
    pub fn problems(&self, name: &str) -> Vec<String> {
        let mut problems = Vec::new();
        if !is_provider_name(name) {
            problems
                .push(format!("agents.{name}: an agent's name uses letters, digits, '-' and '_'"));
        }
        let url = self.url.trim();
        let arn = self.arn.trim();
        match (url.is_empty(), arn.is_empty()) {
            (true, true) => problems.push(format!(
                "agents.{name}: give either url (an agent serving /invocations) or arn (an AgentCore agent runtime)"
            )),
            (false, false) => problems.push(format!(
                "agents.{name}: url and arn are exclusive: keep url for an agent you reach directly, arn for one deployed on AgentCore"
            )),
            (false, true) => {
                if !url.starts_with("http://") && !url.starts_with("https://") {
                    problems
                        .push(format!("agents.{name}.url: {url:?} must start with http:// or https://"));
                } else if !is_secure_url(url) {
                    problems.push(format!(
                        "agents.{name}.url: {url:?} must use https:// (http:// only on 127.0.0.1 or localhost), or prompts and answers travel in the clear"
                    ));
                }
                if !self.region.is_empty() || !self.endpoint.is_empty() {
                    problems.push(format!(
                        "agents.{name}: region and endpoint are for arn agents; a url agent is called at its url"
                    ));
                }
            }
            (true, false) => match parse_runtime_arn(arn) {
                None => problems.push(format!(
                    "agents.{name}.arn: {arn:?} is not an agent runtime ARN; it looks like arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/my_agent-AbCdEf1234"
                )),
                Some(parsed) => {
                    if !self.region.is_empty() && self.region != parsed.region {
                        problems.push(format!(
                            "agents.{name}.region: {:?} differs from the ARN's region {:?}; leave region out to use the ARN's",
                            self.region, parsed.region
                        ));
                    }
                }
            },
        }
        let endpoint = self.endpoint.trim();
        if !endpoint.is_empty() && !is_secure_url(endpoint) {
            problems.push(format!(
                "agents.{name}.endpoint: {endpoint:?} must be an https:// URL (http:// only on 127.0.0.1 or localhost)"
            ));
        }
        if !self.auth.is_empty() && !is_provider_name(&self.auth) {
            problems.push(format!(
                "agents.{name}.auth: {:?} is not a provider name; `agentdesk auth providers` lists them",
                self.auth
            ));
        }
        if self.timeout_seconds > MAX_AGENT_TIMEOUT_SECONDS {
            problems.push(format!(
                "agents.{name}.timeout_seconds: at most {MAX_AGENT_TIMEOUT_SECONDS} (AgentCore ends streams after an hour)"
            ));
        }
        problems
    }

    /// The region calls go to: `region`, else the ARN's; empty for a URL agent.
    pub fn effective_region(&self) -> String {
        if !self.region.is_empty() {
            return self.region.clone();
        }
        parse_runtime_arn(self.arn.trim()).map(|arn| arn.region.to_owned()).unwrap_or_default()
    }

    /// Seconds the agent may go quiet: `timeout_seconds`, or the default when it is 0.
    pub fn timeout_seconds(&self) -> u64 {
        if self.timeout_seconds == 0 { DEFAULT_AGENT_TIMEOUT_SECONDS } else { self.timeout_seconds }
    }
}

#[cfg(test)]
mod tests {
    use super::{AgentSettings, parse_runtime_arn};
    use crate::ConfigFile;

    const ARN: &str =
        "arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/cost_agent-AbCdEf1234";

    #[test]
    fn runtime_arns_are_read_and_other_arns_refused() {
        let parsed = parse_runtime_arn(ARN).expect("an ARN");
        assert_eq!(
            (parsed.region, parsed.account, parsed.runtime_id),
            ("us-west-2", "123456789012", "cost_agent-AbCdEf1234")
        );
        for wrong in [
            "arn:aws:lambda:us-west-2:123456789012:function/x",
            "arn:aws:bedrock-agentcore:us-west-2:1234:runtime/x",
            "arn:aws:bedrock-agentcore:us-west-2:123456789012:gateway/x",
            "arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/",
            "cost_agent",
            "ａｒｎ：aws",
        ] {
            assert!(parse_runtime_arn(wrong).is_none(), "{wrong}");
        }
    }

    #[test]
    fn agents_are_read_saved_and_removed_and_mistakes_are_named() {
        let folder = tempfile::tempdir().expect("temp");
        let path = folder.path().join("config.toml");
        std::fs::write(
            &path,
            format!(
                "# mine\n[agents.local]\nurl = \"http://127.0.0.1:8080\" # serve\n\n[agents.both]\nurl = \"https://a.example\"\narn = \"{ARN}\"\n\n[agents.plain]\nurl = \"http://agents.example\"\n\n[agents.lambda]\narn = \"arn:aws:lambda:us-east-1:123456789012:function/x\"\n\n[agents.typo]\nurll = \"https://a.example\"\n"
            ),
        )
        .expect("write");
        let file = ConfigFile::new(path.clone());
        let (settings, problems) = file.read();
        assert_eq!(settings.agents["local"].url, "http://127.0.0.1:8080");
        assert_eq!(settings.agents.len(), 1, "the broken ones are left out");
        let keys: Vec<_> = problems.iter().filter_map(|problem| problem.key.clone()).collect();
        assert_eq!(
            keys,
            ["agents.both", "agents.plain", "agents.lambda", "agents.typo"],
            "{problems:?}"
        );
        assert!(problems[0].message.contains("exclusive"), "{problems:?}");
        assert!(problems[1].message.contains("https://"), "{problems:?}");
        assert!(problems[2].message.contains("not an agent runtime ARN"), "{problems:?}");
        assert!(problems[3].message.contains("urll"), "{problems:?}");

        let deployed = AgentSettings {
            arn: ARN.into(),
            auth: "cognito".into(),
            timeout_seconds: 900,
            ..AgentSettings::default()
        };
        assert_eq!(deployed.effective_region(), "us-west-2");
        file.save_agent("deployed", &deployed).expect("save");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.starts_with("# mine\n") && text.contains("# serve"), "{text}");
        assert!(text.contains("[agents.deployed]") && !text.contains("region"), "{text}");
        assert_eq!(file.read().0.agents["deployed"], deployed);
        assert!(file.remove_agent("deployed").expect("remove"));
        assert!(!file.remove_agent("deployed").expect("remove again"));

        let elsewhere = AgentSettings { region: "eu-west-1".into(), ..deployed };
        let refused = file.save_agent("elsewhere", &elsewhere).expect_err("a region mismatch");
        assert!(refused.to_string().contains("differs from the ARN's region"), "{refused}");
    }
}
