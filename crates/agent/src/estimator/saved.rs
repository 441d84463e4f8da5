//! Saved estimates: one JSON file each in the data folder's `estimates/`, listed newest
//! first, shown again, and compared side by side.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use agentdesk_pricing::Decimal;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Estimate, NotPriced};

/// An estimate as saved, with what it was asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "Estimate.ts")]
pub struct SavedEstimate {
    /// Its id (`est-` and a time-ordered suffix).
    pub id: String,
    /// The description it answers.
    pub description: String,
    /// When it was made (milliseconds since the Unix epoch).
    pub created_ms: u64,
    /// The estimate.
    pub estimate: Estimate,
}

impl SavedEstimate {
    /// The blob kept beside the answer that shows this estimate, so a reopened conversation
    /// shows its card; `None` only if it cannot become JSON.
    pub fn answer_blob(&self) -> Option<agentdesk_memory::PayloadItem> {
        let estimate = serde_json::to_value(self).ok()?;
        Some(agentdesk_memory::PayloadItem::Blob(
            serde_json::json!({ crate::transcript::keys::SAVED_ESTIMATE: estimate }),
        ))
    }
}

/// Estimates compared: each one's total, and each service's monthly cost in each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "Estimate.ts")]
pub struct Comparison {
    /// The estimates, in the order asked.
    pub estimates: Vec<ComparedEstimate>,
    /// Per service, its monthly cost in each estimate (0 where it does not appear).
    pub by_service: BTreeMap<String, Vec<f64>>,
    /// The comparison as a Markdown table.
    pub report_markdown: String,
}

/// One estimate's line in a comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "Estimate.ts")]
pub struct ComparedEstimate {
    /// Its id.
    pub id: String,
    /// What it answers.
    pub description: String,
    /// Its region.
    pub region: String,
    /// Its monthly total.
    #[serde(with = "rust_decimal::serde::float")]
    #[ts(type = "number")]
    pub monthly_total: Decimal,
}

/// Why saved estimates cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SavedError {
    /// The folder or a file cannot be used.
    #[error("cannot use {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// No estimate has this id.
    #[error("no saved estimate {0:?}; `agentdesk estimates list` shows them")]
    NotFound(String),
    /// A saved file is not an estimate (it is left as it is).
    #[error("{path} is not a saved estimate ({detail}); it was left as it is")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// A comparison needs two estimates or more.
    #[error("compare needs at least two estimate ids")]
    TooFew,
}

/// The folder of saved estimates.
#[derive(Debug, Clone)]
pub struct EstimateStore {
    folder: PathBuf,
}

impl EstimateStore {
    /// Saved estimates in `folder` (created on the first save).
    pub fn new(folder: &Path) -> Self {
        Self { folder: folder.to_owned() }
    }

    /// Saves an estimate and returns it with its id.
    pub fn save(
        &self,
        description: &str,
        estimate: &Estimate,
    ) -> Result<SavedEstimate, SavedError> {
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| SavedError::Io { path, source }
        };
        std::fs::create_dir_all(&self.folder).map_err(io(&self.folder))?;
        let created_ms = u64::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_millis()),
        )
        .unwrap_or(u64::MAX);
        // Time-ordered, with random bits after the millisecond: two estimates saved in the
        // same millisecond must not share an id (the second would replace the first).
        let id = loop {
            let unique = uuid::Uuid::now_v7().simple().to_string();
            let id = format!("est-{}", &unique[..24]);
            if !self.folder.join(format!("{id}.json")).exists() {
                break id;
            }
        };
        let saved = SavedEstimate {
            id,
            description: description.to_owned(),
            created_ms,
            estimate: estimate.clone(),
        };
        let path = self.folder.join(format!("{}.json", saved.id));
        let partial = path.with_extension("json.partial");
        let text = serde_json::to_string_pretty(&saved).map_err(|error| {
            SavedError::Unreadable { path: path.clone(), detail: error.to_string() }
        })?;
        // Written aside and renamed, so a crash never leaves half an estimate.
        std::fs::write(&partial, text).map_err(io(&partial))?;
        std::fs::rename(&partial, &path).map_err(io(&path))?;
        Ok(saved)
    }

    /// Every saved estimate, newest first.
    pub fn list(&self) -> Result<Vec<SavedEstimate>, SavedError> {
        let entries = match std::fs::read_dir(&self.folder) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(SavedError::Io { path: self.folder.clone(), source }),
        };
        let mut saved = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|extension| extension == "json") {
                saved.push(read(&path)?);
            }
        }
        saved.sort_by(|a, b| b.id.cmp(&a.id));
        Ok(saved)
    }

    /// One saved estimate.
    pub fn get(&self, id: &str) -> Result<SavedEstimate, SavedError> {
        let valid = id.starts_with("est-") && id[4..].chars().all(|c| c.is_ascii_hexdigit());
        let path = self.folder.join(format!("{id}.json"));
        if !valid || !path.is_file() {
            return Err(SavedError::NotFound(id.to_owned()));
        }
        read(&path)
    }

    /// Compares saved estimates side by side.
    pub fn compare(&self, ids: &[String], japanese: bool) -> Result<Comparison, SavedError> {
        if ids.len() < 2 {
            return Err(SavedError::TooFew);
        }
        let saved = ids.iter().map(|id| self.get(id)).collect::<Result<Vec<_>, _>>()?;
        let mut sums: BTreeMap<String, Vec<Decimal>> = BTreeMap::new();
        for (index, one) in saved.iter().enumerate() {
            for item in &one.estimate.items {
                let column = sums
                    .entry(item.service.clone())
                    .or_insert_with(|| vec![Decimal::ZERO; saved.len()]);
                column[index] += item.monthly;
            }
        }
        let estimates: Vec<ComparedEstimate> = saved
            .iter()
            .map(|one| ComparedEstimate {
                id: one.id.clone(),
                description: one.description.clone(),
                region: one.estimate.region.clone(),
                monthly_total: one.estimate.monthly_total,
            })
            .collect();
        let report_markdown = comparison_table(&estimates, &sums, japanese);
        // Summed in decimals; the wire carries them as JSON numbers for the chart.
        let by_service = sums
            .into_iter()
            .map(|(service, amounts)| {
                (
                    service,
                    amounts
                        .iter()
                        .map(|amount| amount.to_string().parse().unwrap_or(0.0))
                        .collect(),
                )
            })
            .collect();
        Ok(Comparison { estimates, by_service, report_markdown })
    }
}

fn read(path: &Path) -> Result<SavedEstimate, SavedError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| SavedError::Io { path: path.to_owned(), source })?;
    let unreadable = |error: serde_json::Error| SavedError::Unreadable {
        path: path.to_owned(),
        detail: error.to_string(),
    };
    let value: serde_json::Value = serde_json::from_str(&text).map_err(unreadable)?;
    // Estimates saved before `not_priced` listed what was not priced as `unrecognized`.
    let legacy: Vec<NotPriced> = value["estimate"]["unrecognized"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|asked| asked.as_str())
        .map(|asked| NotPriced {
            asked: asked.to_owned(),
            reason: String::new(),
            alternatives: Vec::new(),
        })
        .collect();
    let mut saved: SavedEstimate = serde_json::from_value(value).map_err(unreadable)?;
    if saved.estimate.not_priced.is_empty() {
        saved.estimate.not_priced = legacy;
    }
    Ok(saved)
}

fn comparison_table(
    estimates: &[ComparedEstimate],
    by_service: &BTreeMap<String, Vec<Decimal>>,
    japanese: bool,
) -> String {
    let (title, service, total) = if japanese {
        ("見積もりの比較", "サービス", "合計")
    } else {
        ("Estimates compared", "Service", "Total")
    };
    let mut out = format!("## {title}\n\n| {service} |");
    for (index, estimate) in estimates.iter().enumerate() {
        out.push_str(&format!(" {} ({}) |", index + 1, estimate.region));
    }
    out.push_str(&format!("\n|---|{}\n", "---:|".repeat(estimates.len())));
    for (name, amounts) in by_service {
        out.push_str(&format!("| {name} |"));
        for amount in amounts {
            out.push_str(&format!(" {} |", super::report::money(*amount)));
        }
        out.push('\n');
    }
    out.push_str(&format!("| **{total}** |"));
    for estimate in estimates {
        out.push_str(&format!(" **{}** |", super::report::money(estimate.monthly_total)));
    }
    out.push_str("\n\n");
    for (index, estimate) in estimates.iter().enumerate() {
        out.push_str(&format!("{}. {} — {}\n", index + 1, estimate.id, estimate.description));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{EstimateStore, SavedError};
    use crate::estimator::estimate;
    use agentdesk_pricing::Catalog;

    #[test]
    fn estimates_are_saved_listed_newest_first_and_compared() {
        let folder = tempfile::tempdir().expect("temp");
        let store = EstimateStore::new(&folder.path().join("estimates"));
        assert!(store.list().expect("empty list").is_empty());
        let servers = "2 EC2 t3.medium and an ALB in us-east-1";
        let graviton = "2 EC2 t4g.medium and an ALB in us-east-1";
        let catalog = Catalog::bundled().expect("catalog");
        let first = store
            .save(servers, &estimate(&catalog, servers, "us-east-1").expect("estimate"))
            .expect("save");
        let second = store
            .save(graviton, &estimate(&catalog, graviton, "us-east-1").expect("estimate"))
            .expect("save");
        let listed: Vec<String> =
            store.list().expect("list").into_iter().map(|saved| saved.id).collect();
        assert_eq!(listed, [second.id.clone(), first.id.clone()]);
        assert_eq!(store.get(&first.id).expect("get").estimate, first.estimate);

        let comparison = store.compare(&[first.id, second.id], false).expect("compare");
        // t3.medium 2×730×0.0416 = 60.736 → 60.74 against t4g.medium 2×730×0.0336 = 49.056
        // → 49.06; ALB 16.43 + 5.84 and EBS 1.28 in both.
        assert_eq!(comparison.by_service["ec2"], [60.74, 49.06]);
        assert_eq!(
            (comparison.estimates[0].monthly_total - comparison.estimates[1].monthly_total)
                .to_string(),
            "11.68"
        );
        assert!(
            comparison.report_markdown.contains("| **Total** | **$84.29** | **$72.61** |"),
            "{}",
            comparison.report_markdown
        );
    }

    #[test]
    fn unknown_ids_and_single_ids_are_refused_plainly() {
        let folder = tempfile::tempdir().expect("temp");
        let store = EstimateStore::new(folder.path());
        assert!(matches!(store.get("est-0123"), Err(SavedError::NotFound(_))));
        assert!(matches!(store.get("../../etc/passwd"), Err(SavedError::NotFound(_))));
        assert!(matches!(store.compare(&["est-1".into()], false), Err(SavedError::TooFew)));
        std::fs::write(folder.path().join("est-00ff.json"), "not json").expect("write");
        assert!(matches!(store.list(), Err(SavedError::Unreadable { .. })));
    }
}
