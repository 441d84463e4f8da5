//! Downloading an offer file with progress and resumption.
//!
//! The bytes go to `<file>.part`; a run that stops midway (a cut connection, Ctrl+C) leaves
//! it, and the next run asks for the rest with a `Range` header. A server that ignores the
//! range (200 instead of 206) sends the whole file again, which replaces the part. Only a
//! complete file is renamed to its final name, so a file under that name is always whole.

use std::path::{Path, PathBuf};

use reqwest::StatusCode;
use reqwest::header::{CONTENT_RANGE, RANGE};
use tokio::io::AsyncWriteExt;

use super::UpdateError;

/// What a download did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fetched {
    /// Bytes already there from an earlier run.
    pub(crate) resumed_from: u64,
    /// Bytes transferred in this run.
    pub(crate) transferred: u64,
}

/// Progress of one download: bytes in the file so far, and its size when known.
pub(crate) type OnBytes<'a> = &'a mut (dyn FnMut(u64, Option<u64>) + Send);

/// Downloads `url` to `dest` (complete), resuming from `<dest>.part`. `retries` more attempts
/// are made, each resuming, when the transfer breaks; never more.
pub(crate) async fn download(
    client: &reqwest::Client,
    url: &str,
    dest: &Path,
    retries: u32,
    on_bytes: OnBytes<'_>,
) -> Result<Fetched, UpdateError> {
    if dest.exists() {
        return Ok(Fetched { resumed_from: 0, transferred: 0 });
    }
    let part = part_path(dest);
    let resumed_from = file_len(&part);
    let mut transferred = 0;
    let mut attempt = 0;
    loop {
        match attempt_download(client, url, &part, &mut *on_bytes).await {
            Ok(bytes) => {
                transferred += bytes;
                break;
            }
            Err(Broken { bytes, error }) => {
                transferred += bytes;
                let retryable =
                    matches!(error, UpdateError::Interrupted { .. } | UpdateError::Short { .. });
                if !retryable || attempt >= retries {
                    return Err(error);
                }
                attempt += 1;
            }
        }
    }
    std::fs::rename(&part, dest).map_err(|error| UpdateError::io("rename", &part, error))?;
    Ok(Fetched { resumed_from, transferred })
}

/// `<dest>.part`.
pub(crate) fn part_path(dest: &Path) -> PathBuf {
    let mut name = dest.file_name().unwrap_or_default().to_owned();
    name.push(".part");
    dest.with_file_name(name)
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |metadata| metadata.len())
}

/// A failed attempt, with the bytes it added to the part.
struct Broken {
    bytes: u64,
    error: UpdateError,
}

/// One request: the rest of the file (or all of it) appended to `part`. Returns the bytes
/// added.
async fn attempt_download(
    client: &reqwest::Client,
    url: &str,
    part: &Path,
    on_bytes: OnBytes<'_>,
) -> Result<u64, Broken> {
    let broken = |bytes: u64, error: UpdateError| Broken { bytes, error };
    let mut have = file_len(part);
    let mut request = client.get(url);
    if have > 0 {
        request = request.header(RANGE, format!("bytes={have}-"));
    }
    let http = |source| UpdateError::Http { url: url.to_owned(), source };
    let mut response = request.send().await.map_err(|error| broken(0, http(error)))?;
    let status = response.status();
    let total = match status {
        StatusCode::PARTIAL_CONTENT if have > 0 => {
            match content_range(&response) {
                Some((start, total)) if start == have => {
                    total.or(response.content_length().map(|rest| have + rest))
                }
                // A range that does not start where the part ends: start again.
                _ => {
                    have = 0;
                    None
                }
            }
        }
        StatusCode::OK => {
            have = 0;
            response.content_length()
        }
        // The part is as long as the file or longer: it cannot be trusted, start again.
        StatusCode::RANGE_NOT_SATISFIABLE if have > 0 => {
            let _ = std::fs::remove_file(part);
            return Box::pin(attempt_download(client, url, part, on_bytes)).await;
        }
        _ => {
            let error = UpdateError::Status { url: url.to_owned(), status: status.as_u16() };
            return Err(broken(0, error));
        }
    };
    if have == 0 && status == StatusCode::PARTIAL_CONTENT {
        // Resumed from the wrong place: drop this answer and fetch the whole file.
        drop(response);
        let _ = std::fs::remove_file(part);
        return Box::pin(attempt_download(client, url, part, on_bytes)).await;
    }
    let mut file = tokio::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(have > 0)
        .truncate(have == 0)
        .open(part)
        .await
        .map_err(|error| broken(0, UpdateError::io("write", part, error)))?;
    let mut done = have;
    on_bytes(done, total);
    let result = loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if let Err(error) = file.write_all(&chunk).await {
                    break Err(UpdateError::io("write", part, error));
                }
                done += chunk.len() as u64;
                on_bytes(done, total);
            }
            Ok(None) => break Ok(()),
            Err(source) => {
                break Err(UpdateError::Interrupted {
                    url: url.to_owned(),
                    done,
                    total,
                    part: part.to_owned(),
                    source,
                });
            }
        }
    };
    // What arrived is kept whatever happened, for the next attempt or run.
    let synced = async {
        file.flush().await?;
        file.sync_all().await
    }
    .await
    .map_err(|error| UpdateError::io("write", part, error));
    let added = done - have;
    result.and(synced).map_err(|error| broken(added, error))?;
    if let Some(total) = total
        && done != total
    {
        let error = UpdateError::Short { url: url.to_owned(), done, total, part: part.to_owned() };
        return Err(broken(added, error));
    }
    Ok(added)
}

/// `Content-Range: bytes START-END/TOTAL` → (START, TOTAL when not `*`).
fn content_range(response: &reqwest::Response) -> Option<(u64, Option<u64>)> {
    let value = response.headers().get(CONTENT_RANGE)?.to_str().ok()?;
    let range = value.strip_prefix("bytes ")?;
    let (span, total) = range.split_once('/')?;
    let start = span.split_once('-')?.0.trim().parse().ok()?;
    Some((start, total.trim().parse().ok()))
}
