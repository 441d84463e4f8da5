//! From the `[model]` settings to a provider: defaults per provider, and where its key comes
//! from (the keyring first, then the environment; never the config file).

use std::sync::Arc;

use agentdesk_config::{KeyringStore, ModelProvider, ModelSettings, Settings};
use agentdesk_identity::{KeyringBackend, Vault, VaultError};

use crate::anthropic::Anthropic;
use crate::bedrock::{Bedrock, BedrockOptions};
use crate::openai::OpenAiCompatible;
use crate::provider::Provider;
use agentdesk_identity::Secret;

/// A provider ready to use, and the model to ask.
#[derive(Debug, Clone)]
pub struct Connected {
    /// The provider.
    pub provider: Arc<dyn Provider>,
    /// The model id.
    pub model: String,
}

/// The API key a provider takes: its keyring entry and its environment variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiKey {
    /// The provider, as `model.provider` names it.
    pub provider: &'static str,
    /// The environment variable read when the keyring has no key.
    pub variable: &'static str,
}

impl ApiKey {
    /// The key `provider` takes, if it takes one (local servers and Bedrock do not).
    pub fn of(provider: ModelProvider) -> Option<ApiKey> {
        let key = |provider, variable| Some(ApiKey { provider, variable });
        match provider {
            ModelProvider::OpenAi => key("openai", "OPENAI_API_KEY"),
            ModelProvider::Anthropic => key("anthropic", "ANTHROPIC_API_KEY"),
            ModelProvider::OpenAiCompatible => key("openai-compatible", "OPENAI_API_KEY"),
            ModelProvider::None
            | ModelProvider::Ollama
            | ModelProvider::LmStudio
            | ModelProvider::Bedrock => None,
        }
    }

    /// The provider `name` (`openai`) names, if it takes a key.
    pub fn named(name: &str) -> Option<ApiKey> {
        ModelProvider::parse(name).and_then(ApiKey::of)
    }

    /// Where the key would come from now, without reading it out: `keyring`,
    /// `environment`, or `None` when neither has one.
    pub fn source(&self, vault: Option<&Vault>) -> Option<&'static str> {
        let stored = vault.is_some_and(|vault| matches!(vault.secret(&self.entry()), Ok(Some(_))));
        if stored {
            Some("keyring")
        } else if std::env::var(self.variable).is_ok_and(|value| !value.trim().is_empty()) {
            Some("environment")
        } else {
            None
        }
    }

    /// The name of its keyring entry.
    pub fn entry(&self) -> String {
        format!("api-key.{}", self.provider)
    }

    /// The key from `vault`, else from the environment. A keyring that cannot be read is
    /// logged (never the key) and the environment is tried; when neither has the key, the
    /// caller's error says how to add one, and `model set-key` what is wrong with the keyring.
    pub fn lookup(&self, vault: Option<&Vault>) -> Option<String> {
        let stored = vault.and_then(|vault| match vault.secret(&self.entry()) {
            Ok(stored) => stored,
            Err(error) => {
                tracing::info!(provider = self.provider, %error, "cannot read the API key from the keyring");
                None
            }
        });
        stored
            .or_else(|| std::env::var(self.variable).ok())
            .filter(|value| !value.trim().is_empty())
    }
}

/// Opens the keyring `keyring.store` names. May block briefly (a D-Bus round trip).
pub fn open_vault(store: KeyringStore) -> Result<Vault, VaultError> {
    Vault::open(match store {
        KeyringStore::Os => KeyringBackend::Os,
        KeyringStore::Keyutils => KeyringBackend::Keyutils,
    })
}

/// The configured MCP servers, signing in through `interaction` when a caller allows it.
/// The keyring is opened only for servers that keep secrets or name a provider, so that the
/// others never touch it.
pub fn mcp_connections(
    settings: &Settings,
    interaction: std::sync::Arc<dyn agentdesk_identity::Interaction>,
) -> agentdesk_mcp::Connections {
    let servers = settings.mcp_servers.values();
    // A server reached over HTTP may ask for a sign-in by the MCP spec, whose client and
    // tokens are kept in the keyring too.
    let keeps_secrets = servers.clone().any(|server| {
        !server.secret_env.is_empty() || !server.secret_headers.is_empty() || !server.is_stdio()
    });
    let vault = keeps_secrets
        .then(|| open_vault(settings.keyring.store))
        .and_then(|opened| {
            opened
                .map_err(|error| tracing::warn!(%error, "no keyring for MCP servers' secrets"))
                .ok()
        })
        .map(std::sync::Arc::new);
    let identity = servers.clone().any(|server| !server.is_stdio()).then(|| {
        std::sync::Arc::new(agentdesk_identity::Identity::new(
            settings.providers.clone(),
            open_vault(settings.keyring.store),
            interaction,
        ))
    });
    agentdesk_mcp::Connections::new(&settings.mcp_servers, identity.as_ref(), vault.as_ref())
}

/// Sets up the configured model with its key from the keyring `keyring.store` names (skipped,
/// and logged, when it cannot be opened) or the environment. May block briefly on the keyring.
pub fn connect_configured(settings: &Settings) -> Result<Connected, SetupError> {
    let vault = open_vault(settings.keyring.store)
        .map_err(
            |error| tracing::info!(%error, "no keyring; API keys come from the environment only"),
        )
        .ok();
    connect(&settings.model, &|key| key.lookup(vault.as_ref()))
}

/// Why no provider could be set up; each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// `model.provider` is `none`.
    #[error(
        "no model is configured: choose one with `agentdesk config set model.provider openai` \
         (or anthropic, bedrock, ollama, lmstudio, openai-compatible)"
    )]
    NoModel,
    /// The provider needs a key and none was found.
    #[error(
        "{provider} needs an API key: store it with `agentdesk model set-key {provider}` (or in \
         Settings), or set {variable} in the environment"
    )]
    MissingKey {
        /// The provider.
        provider: &'static str,
        /// The environment variable to set.
        variable: &'static str,
    },
    /// `openai-compatible` without a base URL.
    #[error(
        "model.provider is openai-compatible but model.base_url is empty: set the server's URL (for example http://127.0.0.1:8000/v1)"
    )]
    MissingBaseUrl,
}

/// Sets up the configured provider; `key` finds a provider's API key (with
/// [`ApiKey::lookup`] in the binaries, a map in tests).
pub fn connect(
    settings: &ModelSettings,
    key: &dyn Fn(&ApiKey) -> Option<String>,
) -> Result<Connected, SetupError> {
    let chosen = |default: &str, value: &str| {
        if value.trim().is_empty() { default.to_owned() } else { value.trim().to_owned() }
    };
    let base_url = |default: &str| chosen(default, &settings.base_url);
    let model = |default: &str| chosen(default, &settings.name);
    let optional_key = || {
        ApiKey::of(settings.provider)
            .and_then(|api_key| key(&api_key))
            .filter(|value| !value.trim().is_empty())
            .map(Secret::new)
    };
    let required_key = || {
        optional_key().ok_or_else(|| {
            let ApiKey { provider, variable } =
                ApiKey::of(settings.provider).unwrap_or(ApiKey { provider: "?", variable: "?" });
            SetupError::MissingKey { provider, variable }
        })
    };
    let openai = |name: &str, url: String, secret: Option<Secret>| -> Arc<dyn Provider> {
        Arc::new(OpenAiCompatible::new(name, &url, secret))
    };
    Ok(match settings.provider {
        ModelProvider::None => return Err(SetupError::NoModel),
        ModelProvider::OpenAi => Connected {
            provider: openai(
                "openai",
                base_url("https://api.openai.com/v1"),
                Some(required_key()?),
            ),
            model: model("gpt-4o-mini"),
        },
        ModelProvider::Anthropic => Connected {
            provider: Arc::new(Anthropic::new(
                &base_url("https://api.anthropic.com"),
                required_key()?,
            )),
            model: model("claude-sonnet-4-5"),
        },
        ModelProvider::Ollama => Connected {
            provider: openai("ollama", base_url("http://127.0.0.1:11434/v1"), None),
            model: model("qwen2.5:7b"),
        },
        ModelProvider::LmStudio => Connected {
            provider: openai("lmstudio", base_url("http://127.0.0.1:1234/v1"), None),
            model: model("local-model"),
        },
        ModelProvider::OpenAiCompatible => {
            if settings.base_url.trim().is_empty() {
                return Err(SetupError::MissingBaseUrl);
            }
            // Local servers rarely want a key; one is sent when present.
            Connected {
                provider: openai("openai-compatible", base_url(""), optional_key()),
                model: model("default"),
            }
        }
        ModelProvider::Bedrock => Connected {
            provider: Arc::new(Bedrock::new(BedrockOptions {
                region: settings.aws_region.clone(),
                profile: settings.aws_profile.clone(),
                endpoint_url: settings.base_url.clone(),
                ..BedrockOptions::default()
            })),
            // A global cross-region inference profile: it answers from every region that
            // offers Claude, where a bare model id needs provisioned throughput.
            model: model("global.anthropic.claude-sonnet-4-5-20250929-v1:0"),
        },
    })
}

#[cfg(test)]
mod tests {
    use agentdesk_config::{ModelProvider, ModelSettings};

    use super::{ApiKey, SetupError, connect};

    fn settings(provider: ModelProvider, name: &str, base_url: &str) -> ModelSettings {
        ModelSettings {
            provider,
            name: name.into(),
            base_url: base_url.into(),
            ..ModelSettings::default()
        }
    }

    #[test]
    fn each_provider_gets_its_defaults_and_says_what_is_missing() {
        let none = |_: &ApiKey| None;
        let keyed = |key: &ApiKey| (key.variable == "OPENAI_API_KEY").then(|| "sk-x".to_owned());
        assert!(matches!(
            connect(&settings(ModelProvider::None, "", ""), &none),
            Err(SetupError::NoModel)
        ));
        let missing = connect(&settings(ModelProvider::OpenAi, "", ""), &none).expect_err("no key");
        assert_eq!(
            missing.to_string(),
            "openai needs an API key: store it with `agentdesk model set-key openai` (or in \
             Settings), or set OPENAI_API_KEY in the environment"
        );
        let openai = connect(&settings(ModelProvider::OpenAi, "", ""), &keyed).expect("openai");
        assert_eq!((openai.provider.name(), openai.model.as_str()), ("openai", "gpt-4o-mini"));
        let ollama =
            connect(&settings(ModelProvider::Ollama, "llama3.2", ""), &none).expect("ollama");
        assert_eq!((ollama.provider.name(), ollama.model.as_str()), ("ollama", "llama3.2"));
        assert!(matches!(
            connect(&settings(ModelProvider::OpenAiCompatible, "", ""), &none),
            Err(SetupError::MissingBaseUrl)
        ));
        let bedrock = connect(&settings(ModelProvider::Bedrock, "", ""), &none).expect("bedrock");
        assert_eq!(bedrock.provider.name(), "aws.bedrock");
        assert!(bedrock.model.contains("anthropic.claude"), "{}", bedrock.model);
    }
}
