//! From the `[model]` settings to a provider: defaults per provider, and where its key comes
//! from.

use std::sync::Arc;

use agentdesk_config::{ModelProvider, ModelSettings};

use crate::anthropic::Anthropic;
use crate::openai::OpenAiCompatible;
use crate::provider::Provider;
use crate::secret::Secret;

/// A provider ready to use, and the model to ask.
#[derive(Debug, Clone)]
pub struct Connected {
    /// The provider.
    pub provider: Arc<dyn Provider>,
    /// The model id.
    pub model: String,
}

/// Why no provider could be set up; each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// `model.provider` is `none`.
    #[error(
        "no model is configured: choose one with `agentdesk config set model.provider openai` \
         (or anthropic, ollama, lmstudio, openai-compatible)"
    )]
    NoModel,
    /// The provider needs a key and none was found.
    #[error("{provider} needs an API key: set {variable} in the environment")]
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

/// Sets up the configured provider; `key` looks an environment variable up (the process
/// environment in the binaries, a map in tests).
pub fn connect(
    settings: &ModelSettings,
    key: &dyn Fn(&str) -> Option<String>,
) -> Result<Connected, SetupError> {
    let chosen = |default: &str, value: &str| {
        if value.trim().is_empty() { default.to_owned() } else { value.trim().to_owned() }
    };
    let base_url = |default: &str| chosen(default, &settings.base_url);
    let model = |default: &str| chosen(default, &settings.name);
    let required_key = |provider: &'static str, variable: &'static str| {
        key(variable)
            .filter(|value| !value.trim().is_empty())
            .map(Secret::new)
            .ok_or(SetupError::MissingKey { provider, variable })
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
                Some(required_key("openai", "OPENAI_API_KEY")?),
            ),
            model: model("gpt-4o-mini"),
        },
        ModelProvider::Anthropic => Connected {
            provider: Arc::new(Anthropic::new(
                &base_url("https://api.anthropic.com"),
                required_key("anthropic", "ANTHROPIC_API_KEY")?,
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
            // Local servers rarely want a key; one in the environment is sent when present.
            let secret = key("OPENAI_API_KEY").filter(|value| !value.is_empty()).map(Secret::new);
            Connected {
                provider: openai("openai-compatible", base_url(""), secret),
                model: model("default"),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use agentdesk_config::{ModelProvider, ModelSettings};

    use super::{SetupError, connect};

    fn settings(provider: ModelProvider, name: &str, base_url: &str) -> ModelSettings {
        ModelSettings { provider, name: name.into(), base_url: base_url.into() }
    }

    #[test]
    fn each_provider_gets_its_defaults_and_says_what_is_missing() {
        let none = |_: &str| None;
        let keyed = |variable: &str| (variable == "OPENAI_API_KEY").then(|| "sk-x".to_owned());
        assert!(matches!(
            connect(&settings(ModelProvider::None, "", ""), &none),
            Err(SetupError::NoModel)
        ));
        let missing = connect(&settings(ModelProvider::OpenAi, "", ""), &none).expect_err("no key");
        assert_eq!(
            missing.to_string(),
            "openai needs an API key: set OPENAI_API_KEY in the environment"
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
    }
}
