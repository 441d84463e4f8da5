//! Finding an offer file: the offer index (`/offers/v1.0/aws/index.json`) names each offer's
//! `currentRegionIndexUrl`; that region index names each region's `currentVersionUrl`, the
//! regional offer file. Both indexes are small and read whole.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::UpdateError;

/// Where the offer index is, under the Price List's base URL.
pub(crate) const OFFER_INDEX_PATH: &str = "/offers/v1.0/aws/index.json";

/// How long reading an index may take.
const INDEX_TIMEOUT: Duration = Duration::from_secs(60);

/// The largest index accepted (the real offer index is about 100 KB).
const INDEX_LIMIT: usize = 64 << 20;

#[derive(Deserialize)]
struct OfferIndex {
    #[serde(default)]
    offers: HashMap<String, OfferEntry>,
}

#[derive(Deserialize)]
struct OfferEntry {
    #[serde(rename = "currentRegionIndexUrl", default)]
    current_region_index_url: Option<String>,
}

#[derive(Deserialize)]
struct RegionIndex {
    #[serde(default)]
    regions: HashMap<String, RegionEntry>,
}

#[derive(Deserialize)]
struct RegionEntry {
    #[serde(rename = "currentVersionUrl")]
    current_version_url: String,
}

/// The offer index's URL under `base`.
pub(crate) fn offer_index_url(base: &str) -> String {
    resolve(base, OFFER_INDEX_PATH)
}

/// Offer code → its region index URL.
pub(crate) async fn offer_index(
    client: &reqwest::Client,
    base: &str,
) -> Result<HashMap<String, String>, UpdateError> {
    let url = offer_index_url(base);
    let index: OfferIndex = get_json(client, &url).await?;
    Ok(index
        .offers
        .into_iter()
        .filter_map(|(offer, entry)| Some((offer, resolve(base, &entry.current_region_index_url?))))
        .collect())
}

/// Region code → its offer file URL, sorted by region.
pub(crate) async fn region_index(
    client: &reqwest::Client,
    base: &str,
    url: &str,
) -> Result<BTreeMap<String, String>, UpdateError> {
    let index: RegionIndex = get_json(client, url).await?;
    Ok(index
        .regions
        .into_iter()
        .map(|(region, entry)| (region, resolve(base, &entry.current_version_url)))
        .collect())
}

/// The offer version in an offer file URL (`…/AmazonEC2/20261201120000/us-east-1/index.json`),
/// or `current` when the URL has none.
pub(crate) fn version_of(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let segments: Vec<&str> = path.rsplit('/').collect();
    segments
        .get(2)
        .filter(|version| !version.is_empty() && version.bytes().all(|b| b.is_ascii_alphanumeric()))
        .map_or_else(|| "current".to_owned(), |version| (*version).to_owned())
}

/// `reference` (an absolute URL, or a path as the indexes give them) under `base`. Paths are
/// appended to the base rather than replacing its path, so a mirror may live under a prefix.
pub(crate) fn resolve(base: &str, reference: &str) -> String {
    if reference.starts_with("http://") || reference.starts_with("https://") {
        return reference.to_owned();
    }
    let base = base.trim_end_matches('/');
    match reference.strip_prefix('/') {
        Some(path) => format!("{base}/{path}"),
        None => format!("{base}/{reference}"),
    }
}

async fn get_json<T: DeserializeOwned>(
    client: &reqwest::Client,
    url: &str,
) -> Result<T, UpdateError> {
    let http = |source| UpdateError::Http { url: url.to_owned(), source };
    let mut response = client.get(url).timeout(INDEX_TIMEOUT).send().await.map_err(http)?;
    if !response.status().is_success() {
        return Err(UpdateError::Status {
            url: url.to_owned(),
            status: response.status().as_u16(),
        });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(http)? {
        body.extend_from_slice(&chunk);
        if body.len() > INDEX_LIMIT {
            let source = serde_json::Error::io(std::io::Error::other("larger than 64 MB"));
            return Err(UpdateError::Index { url: url.to_owned(), source });
        }
    }
    serde_json::from_slice(&body)
        .map_err(|source| UpdateError::Index { url: url.to_owned(), source })
}

#[cfg(test)]
mod tests {
    use super::{resolve, version_of};

    #[test]
    fn paths_resolve_under_the_base_and_versions_are_read_from_urls() {
        let base = "https://pricing.us-east-1.amazonaws.com";
        let url = resolve(base, "/offers/v1.0/aws/AmazonEC2/20261201120000/us-east-1/index.json");
        assert_eq!(
            url,
            "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonEC2/20261201120000/us-east-1/index.json"
        );
        assert_eq!(version_of(&url), "20261201120000");
        assert_eq!(version_of("http://127.0.0.1:9/index.json"), "current");
        assert_eq!(
            resolve("http://127.0.0.1:9/mirror/", "/a/b.json"),
            "http://127.0.0.1:9/mirror/a/b.json"
        );
        assert_eq!(resolve(base, "http://elsewhere/x.json"), "http://elsewhere/x.json");
    }
}
