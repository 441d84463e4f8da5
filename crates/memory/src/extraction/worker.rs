//! Extraction in the background: after a number of turns, or when a conversation goes idle.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use super::{ExtractionReport, ExtractionStatus, Extractor};
use crate::error::{Error, Result};
use crate::store::MemoryStore;
use crate::time_ms::now_ms;

/// When a session is due for extraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtractionPolicy {
    /// After this many new user turns.
    pub after_turns: u32,
    /// Or when a session with new events has been quiet this long.
    pub idle: Duration,
}

impl Default for ExtractionPolicy {
    fn default() -> Self {
        Self { after_turns: 4, idle: Duration::from_secs(300) }
    }
}

/// How often expired events are purged while the worker runs.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// How long a session whose extraction failed waits before the worker tries it again (a
/// `run_now` tries at once).
const RETRY_AFTER_MS: i64 = 60_000;

type RunNow = oneshot::Sender<Result<ExtractionReport>>;

/// A background task extracting one memory's sessions as they become due. Dropping it stops
/// the task.
#[derive(Debug)]
pub struct ExtractionWorker {
    store: MemoryStore,
    memory_id: String,
    extractor: Arc<dyn Extractor>,
    running: Arc<AtomicBool>,
    run_now: mpsc::Sender<RunNow>,
    extracted: watch::Receiver<u64>,
    task: JoinHandle<()>,
}

impl ExtractionWorker {
    /// Starts extracting `memory_id` with `extractor` under `policy`; must be called inside
    /// a tokio runtime.
    pub fn spawn(
        store: MemoryStore,
        memory_id: &str,
        extractor: Arc<dyn Extractor>,
        policy: ExtractionPolicy,
    ) -> Self {
        let running = Arc::new(AtomicBool::new(false));
        let (run_now, requests) = mpsc::channel(8);
        let (extracted_sender, extracted) = watch::channel(0);
        let task = tokio::spawn(run(
            Work {
                store: store.clone(),
                memory_id: memory_id.to_owned(),
                extractor: Arc::clone(&extractor),
                policy,
                running: Arc::clone(&running),
            },
            requests,
            extracted_sender,
        ));
        Self {
            store,
            memory_id: memory_id.to_owned(),
            extractor,
            running,
            run_now,
            extracted,
            task,
        }
    }

    /// How many extraction runs the worker has finished, successfully or not; changes each
    /// time one finishes, so callers can wait for background work without polling.
    pub fn extractions(&self) -> watch::Receiver<u64> {
        self.extracted.clone()
    }

    /// Extracts every pending session now and returns what was done.
    pub async fn run_now(&self) -> Result<ExtractionReport> {
        let (reply, answer) = oneshot::channel();
        let stopped = || Error::Extraction("the extraction worker has stopped".to_owned());
        self.run_now.send(reply).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// The stored status for this worker's extractor, and whether a run is in progress.
    pub async fn status(&self) -> Result<ExtractionStatus> {
        let mut status =
            self.store.extraction_status(&self.memory_id, self.extractor.as_ref()).await?;
        status.running = self.running.load(Ordering::Relaxed);
        Ok(status)
    }
}

impl Drop for ExtractionWorker {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What the worker task works on.
struct Work {
    store: MemoryStore,
    memory_id: String,
    extractor: Arc<dyn Extractor>,
    policy: ExtractionPolicy,
    running: Arc<AtomicBool>,
}

impl Work {
    async fn extract_session(&self, actor: &str, session: &str) -> Result<ExtractionReport> {
        self.running.store(true, Ordering::Relaxed);
        let report = self
            .store
            .extract_session(&self.memory_id, actor, session, self.extractor.as_ref())
            .await;
        self.running.store(false, Ordering::Relaxed);
        report
    }

    async fn extract_pending(&self) -> Result<ExtractionReport> {
        self.running.store(true, Ordering::Relaxed);
        let report = self.store.extract_pending(&self.memory_id, self.extractor.as_ref()).await;
        self.running.store(false, Ordering::Relaxed);
        report
    }

    /// The sessions due now, and how long until the next one becomes due by idling.
    async fn due_now(
        &self,
        retry_at: &HashMap<(String, String), i64>,
    ) -> Result<(Vec<(String, String)>, Option<Duration>)> {
        let now = now_ms();
        let idle_ms = i64::try_from(self.policy.idle.as_millis()).unwrap_or(i64::MAX);
        let (strategies, _) =
            self.store.strategies_for(&self.memory_id, self.extractor.as_ref()).await?;
        let mut due = Vec::new();
        let mut next: Option<i64> = None;
        for session in self.store.pending_sessions(&self.memory_id, &strategies).await? {
            let key = (session.actor_id, session.session_id);
            let ready_at = if session.pending_turns >= self.policy.after_turns {
                0
            } else {
                session.last_active_ms.saturating_add(idle_ms)
            };
            let ready_at = ready_at.max(retry_at.get(&key).copied().unwrap_or(0));
            if ready_at <= now {
                due.push(key);
            } else {
                next = Some(next.map_or(ready_at, |next| next.min(ready_at)));
            }
        }
        let wait = next.map(|at| Duration::from_millis(u64::try_from(at - now).unwrap_or(0)));
        Ok((due, wait))
    }
}

async fn run(work: Work, mut requests: mpsc::Receiver<RunNow>, extracted: watch::Sender<u64>) {
    let mut new_events = work.store.newest_event.subscribe();
    let mut next_purge = tokio::time::Instant::now();
    let mut retry_at: HashMap<(String, String), i64> = HashMap::new();
    loop {
        if tokio::time::Instant::now() >= next_purge {
            if let Err(error) = work.store.purge_expired().await {
                tracing::warn!("purging expired events failed: {error}");
            }
            next_purge = tokio::time::Instant::now() + PURGE_EVERY;
        }
        let wait = match work.due_now(&retry_at).await {
            Ok((due, wait)) => {
                for key in due {
                    if let Err(error) = work.extract_session(&key.0, &key.1).await {
                        tracing::warn!("extraction of session {} failed: {error}", key.1);
                        retry_at.insert(key, now_ms() + RETRY_AFTER_MS);
                    } else {
                        retry_at.remove(&key);
                    }
                    extracted.send_modify(|count| *count += 1);
                }
                wait
            }
            Err(error) => {
                tracing::warn!("cannot read extraction state: {error}");
                None
            }
        };
        let wait = wait.unwrap_or(PURGE_EVERY).min(next_purge - tokio::time::Instant::now());
        tokio::select! {
            changed = new_events.changed() => if changed.is_err() { return },
            request = requests.recv() => {
                let Some(reply) = request else { return };
                let report = work.extract_pending().await;
                extracted.send_modify(|count| *count += 1);
                let _ignored_if_caller_left = reply.send(report);
            }
            () = tokio::time::sleep(wait) => {}
        }
    }
}
