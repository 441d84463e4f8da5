//! What a model's tokens cost, from the catalog's Bedrock token prices (`bedrock`,
//! `{provider}.{model}-input` / `-output`, per 1,000,000 tokens).

use rust_decimal::Decimal;

use crate::catalog::{Catalog, Price};

/// A model's input and output token prices.
#[derive(Debug, Clone, Copy)]
pub struct TokenPrices<'catalog> {
    /// Per 1,000,000 input tokens.
    pub input: &'catalog Price,
    /// Per 1,000,000 output tokens.
    pub output: &'catalog Price,
}

impl TokenPrices<'_> {
    /// What `input_tokens` and `output_tokens` cost, in US dollars.
    pub fn usd(&self, input_tokens: u64, output_tokens: u64) -> Decimal {
        let million = Decimal::from(1_000_000_u32);
        (Decimal::from(input_tokens) * self.input.usd
            + Decimal::from(output_tokens) * self.output.usd)
            / million
    }
}

/// Why a model's tokens have no price.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoTokenPrice {
    /// Not a Bedrock model id (`provider.model…`): only Bedrock's prices are in the catalog.
    #[error("{0} is not a Bedrock model id; only Bedrock model prices are in the catalog")]
    NotBedrock(String),
    /// A Bedrock model the catalog has no price for in this region.
    #[error("{model} has no price in the offline catalog for {region}{}", priced_elsewhere(.priced_in))]
    NotInCatalog {
        /// The model as asked.
        model: String,
        /// The region asked.
        region: String,
        /// Regions where the catalog does price it.
        priced_in: Vec<String>,
    },
}

fn priced_elsewhere(regions: &[String]) -> String {
    if regions.is_empty() { String::new() } else { format!(" (priced in {})", regions.join(", ")) }
}

/// The catalog's name for a Bedrock model id: an ARN's path, a cross-region inference
/// profile's prefix (`us.`, `jp.`, `global.`…) and the date and version
/// (`-20250929-v1:0`) left out. `None` when `model_id` is not a Bedrock id.
pub fn bedrock_model_name(model_id: &str) -> Option<String> {
    const PROFILE_PREFIXES: &[&str] = &["us", "us-gov", "eu", "apac", "jp", "au", "ca", "global"];
    // Bedrock's model providers, so that another tool's `name.version` is not taken for one.
    const PROVIDERS: &[&str] = &[
        "ai21",
        "amazon",
        "anthropic",
        "cohere",
        "deepseek",
        "google",
        "luma",
        "meta",
        "minimax",
        "mistral",
        "moonshot",
        "nvidia",
        "openai",
        "qwen",
        "stability",
        "twelvelabs",
        "writer",
    ];
    let id = model_id.trim().rsplit('/').next()?.to_ascii_lowercase();
    let mut parts: Vec<&str> = id.split('.').collect();
    if parts.len() >= 3 && PROFILE_PREFIXES.contains(&parts[0]) {
        parts.remove(0);
    }
    if parts.len() < 2 || !PROVIDERS.contains(&parts[0]) || parts.iter().any(|part| part.is_empty())
    {
        return None;
    }
    let mut name = parts.join(".");
    if let Some((base, revision)) = name.rsplit_once(':')
        && revision.chars().all(|c| c.is_ascii_digit())
    {
        name.truncate(base.len());
    }
    if let Some((base, version)) = name.rsplit_once("-v")
        && !version.is_empty()
        && version.chars().all(|c| c.is_ascii_digit())
    {
        name.truncate(base.len());
    }
    if let Some((base, date)) = name.rsplit_once('-')
        && date.len() == 8
        && date.chars().all(|c| c.is_ascii_digit())
    {
        name.truncate(base.len());
    }
    Some(name)
}

impl Catalog {
    /// The token prices of `model_id` (a Bedrock model id, inference profile or ARN) in
    /// `region`. A model is never priced as another one.
    pub fn token_prices(
        &self,
        model_id: &str,
        region: &str,
    ) -> Result<TokenPrices<'_>, NoTokenPrice> {
        let name = bedrock_model_name(model_id)
            .ok_or_else(|| NoTokenPrice::NotBedrock(model_id.to_owned()))?;
        let (input, output) = (format!("{name}-input"), format!("{name}-output"));
        match (self.price("bedrock", &input, region), self.price("bedrock", &output, region)) {
            (Some(input), Some(output)) => Ok(TokenPrices { input, output }),
            _ => Err(NoTokenPrice::NotInCatalog {
                model: model_id.to_owned(),
                region: region.to_owned(),
                priced_in: self
                    .regions_with("bedrock", &input)
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{NoTokenPrice, bedrock_model_name};
    use crate::Catalog;

    #[test]
    fn bedrock_ids_as_written_in_aws_docs_name_the_catalogs_model() {
        for (id, name) in [
            ("anthropic.claude-3-haiku-20240307-v1:0", "anthropic.claude-3-haiku"),
            ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-sonnet-4-5"),
            ("jp.anthropic.claude-haiku-4-5-20251001-v1:0", "anthropic.claude-haiku-4-5"),
            ("global.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-sonnet-4-5"),
            (
                "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0",
                "anthropic.claude-3-5-sonnet",
            ),
            ("amazon.nova-pro-v1:0", "amazon.nova-pro"),
            ("meta.llama3-1-8b-instruct-v1:0", "meta.llama3-1-8b-instruct"),
        ] {
            assert_eq!(bedrock_model_name(id).as_deref(), Some(name), "{id}");
        }
        for not_bedrock in ["claude-sonnet-4-5", "gpt-4o", "", "llama3.2"] {
            assert_eq!(bedrock_model_name(not_bedrock), None, "{not_bedrock}");
        }
    }

    #[test]
    fn tokens_are_priced_per_million_in_decimal_and_unknown_models_are_named() {
        let catalog = Catalog::bundled().expect("catalog");
        let prices = catalog
            .token_prices("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "us-east-1")
            .expect("priced");
        // $3 per million in, $15 per million out.
        assert_eq!(prices.usd(1_234, 567).to_string(), "0.012207");
        assert_eq!(
            catalog.token_prices("claude-sonnet-4-5", "us-east-1").err(),
            Some(NoTokenPrice::NotBedrock("claude-sonnet-4-5".into()))
        );
        let missing = catalog
            .token_prices("anthropic.claude-3-haiku-20240307-v1:0", "eu-west-3")
            .err()
            .map(|why| why.to_string())
            .unwrap_or_default();
        assert!(missing.contains("eu-west-3"), "{missing}");
        assert!(missing.contains("us-east-1"), "names where it is priced: {missing}");
    }
}
