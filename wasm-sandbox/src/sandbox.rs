//! Sessions: start, get, list, stop, with AgentCore's semantics, and a warm spare per
//! runtime so a new session does not wait for CPython to boot.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, SystemTime};

use tokio::sync::{Notify, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use wasmtime::{Engine, InstancePre, Linker};

use crate::engine::{CompileCounter, Metering};
use crate::files::{Snapshot, Workspace};
use crate::interpreter::{GuestSetup, GuestState, Interpreter, LiveMemory};
use crate::runtime::{
    CompileEngine, Progress, RuntimeId, RuntimeStatus, RuntimeStore, WheelSource,
};
use crate::wire::{
    EndReason, SandboxUsage, SessionInfo, SessionStatus, SessionUsage, ToolCall, ToolResult,
};
use crate::{Limits, OutputSink, SandboxError, engine, tools};

/// The longest a session may live, as in AgentCore.
pub const MAX_SESSION_TIMEOUT: u32 = 28_800;
/// A session's lifetime when the caller names none.
pub const DEFAULT_SESSION_TIMEOUT: u32 = 900;
/// How many ended sessions `list` still shows as TERMINATED.
const ENDED_KEPT: usize = 100;
/// The runtime whose code is also compiled with fuel counting.
const METERED_RUNTIME: RuntimeId = RuntimeId::Python;
/// How long an interpreter may take to boot.
const STARTUP: Duration = Duration::from_secs(60);

/// Where the sandbox keeps its files.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// The installed runtimes.
    pub runtimes: RuntimeStore,
    /// The folder under which session workspaces live.
    pub sessions_dir: PathBuf,
    /// Interpreters kept booted and waiting, per runtime in use (0 to disable).
    pub warm_spares: usize,
}

impl SandboxConfig {
    /// The usual layout: runtimes in the data and cache folders, sessions in
    /// `data_dir/sandbox/sessions`.
    pub fn in_folders(data_dir: &Path, cache_dir: &Path, warm_spares: usize) -> SandboxConfig {
        SandboxConfig {
            runtimes: RuntimeStore::new(data_dir, cache_dir),
            sessions_dir: data_dir.join("sandbox").join("sessions"),
            warm_spares,
        }
    }
}

/// What to start.
#[derive(Debug, Clone)]
pub struct StartSession {
    /// A name for people.
    pub name: String,
    /// Which Python.
    pub runtime: RuntimeId,
    /// Seconds from start after which the session ends (1–28800; AgentCore's default 900).
    pub timeout_seconds: u32,
    /// Count fuel, so calls can carry a deterministic budget ([`Limits::fuel`]). Metered code
    /// runs 15–25% slower; only the `python` runtime offers it.
    pub metered: bool,
}

/// The local Code Interpreter: runtimes and sessions. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Sandbox {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    /// What `engine` has compiled, for install progress.
    compiled: Arc<CompileCounter>,
    /// The fuel-counting engine and its counter, made on first use.
    metered_engine: std::sync::OnceLock<(Engine, Arc<CompileCounter>)>,
    /// One install compiles at a time: compiling takes every core anyway, and each engine's
    /// count of compiled functions then belongs to one install.
    installing: tokio::sync::Mutex<()>,
    runtimes: RuntimeStore,
    sessions_dir: PathBuf,
    warm_spares: usize,
    loaded: Mutex<HashMap<(RuntimeId, Metering), Arc<Loaded>>>,
    sessions: Mutex<HashMap<String, Arc<Session>>>,
    ended: Mutex<VecDeque<SessionInfo>>,
    /// Every interpreter alive (sessions, spares, boots) and its linear memory.
    live: Arc<LiveMemory>,
    /// How long a session may go unused before it ends; `None` for no limit. Watched by
    /// every session's watchdog, so a change applies to the sessions already running.
    idle_timeout: watch::Sender<Option<Duration>>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox").field("sessions_dir", &self.sessions_dir).finish_non_exhaustive()
    }
}

/// A runtime ready to instantiate, with its booted spares.
struct Loaded {
    handle: Arc<LoadedHandle>,
    spares: tokio::sync::Mutex<Vec<Booted>>,
}

/// An interpreter already running in its own (empty) workspace folder.
struct Booted {
    id: String,
    folder: PathBuf,
    interpreter: Interpreter,
}

/// A live session.
pub(crate) struct Session {
    pub(crate) info: SessionInfo,
    /// Whether calls may carry a fuel budget.
    pub(crate) metered: bool,
    pub(crate) folder: PathBuf,
    pub(crate) runtime: Arc<LoadedHandle>,
    pub(crate) state: tokio::sync::Mutex<SessionState>,
    /// Ends the session at its timeout or when it has been idle too long.
    watchdog: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// When calls start and end, for the idle timeout.
    activity: Arc<Activity>,
    /// Cancelled to stop the calls running now; replaced by a fresh token after each stop.
    stop: Mutex<CancellationToken>,
    /// The linear memory of the session's interpreter now (0 when it has none).
    memory: Mutex<Arc<AtomicUsize>>,
}

/// A session's use: calls in flight and when the last one ended.
struct Activity {
    in_flight: AtomicUsize,
    last: Mutex<Instant>,
    /// Wakes the watchdog, which then works out the idle deadline again.
    changed: Notify,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            in_flight: AtomicUsize::new(0),
            last: Mutex::new(Instant::now()),
            changed: Notify::new(),
        }
    }

    /// Marks a call as running until the returned guard is dropped.
    fn begin(&self) -> ActiveCall<'_> {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.changed.notify_one();
        ActiveCall(self)
    }

    fn busy(&self) -> bool {
        self.in_flight.load(Ordering::Acquire) > 0
    }

    /// Since when the session has been idle; `None` while a call runs.
    fn idle_since(&self) -> Option<Instant> {
        (!self.busy()).then(|| *lock(&self.last))
    }
}

/// A call in flight; dropping it (however the call ends) records the end.
struct ActiveCall<'a>(&'a Activity);

impl Drop for ActiveCall<'_> {
    fn drop(&mut self) {
        *lock(&self.0.last) = Instant::now();
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
        self.0.changed.notify_one();
    }
}

impl Session {
    /// The token that stops the calls running now.
    pub(crate) fn stop_token(&self) -> CancellationToken {
        lock(&self.stop).clone()
    }

    /// Records the interpreter the session runs now, for its memory figure.
    pub(crate) fn now_runs(&self, interpreter: &Interpreter) {
        *lock(&self.memory) = interpreter.memory_counter();
    }
}

/// What it takes to boot an interpreter of one runtime.
pub(crate) struct LoadedHandle {
    pre: InstancePre<GuestState>,
    read_only: Vec<(PathBuf, String)>,
    reactor: bool,
    metered: bool,
    live: Arc<LiveMemory>,
}

impl LoadedHandle {
    /// Boots an interpreter on a session folder: its workspace and, beside it, its scratch
    /// folder (`<folder>.tmp`, the guest's `/tmp`).
    pub(crate) async fn boot(&self, folder: &Path) -> Result<Interpreter, SandboxError> {
        let scratch = scratch_of(folder);
        std::fs::create_dir_all(&scratch).map_err(|error| SandboxError::Workspace {
            path: scratch.clone(),
            reason: error.to_string(),
        })?;
        let setup = GuestSetup {
            workspace: folder.to_path_buf(),
            scratch,
            read_only: self.read_only.clone(),
            reactor: self.reactor,
            metered: self.metered,
        };
        Interpreter::start(&self.pre, &setup, STARTUP, &self.live).await
    }
}

/// The scratch folder that goes with a session folder.
fn scratch_of(folder: &Path) -> PathBuf {
    folder.with_extension("tmp")
}

/// A session's mutable part: one call at a time holds it.
pub(crate) struct SessionState {
    /// `None` after a crash or a deadline, until the next call boots a new one.
    pub(crate) interpreter: Option<Interpreter>,
    pub(crate) workspace: Workspace,
    /// The workspace as the last call left it, to report what the next run changes.
    pub(crate) snapshot: Option<Snapshot>,
}

impl Sandbox {
    /// Opens the sandbox. Its sessions live in a folder of this process's own, so the app
    /// and the CLI can run side by side; folders left by processes that are gone are removed.
    pub fn open(config: &SandboxConfig) -> Result<Sandbox, SandboxError> {
        remove_orphans(&config.sessions_dir);
        let sessions_dir =
            config.sessions_dir.join(format!("{}-{}", std::process::id(), &session_id()[6..14]));
        std::fs::create_dir_all(&sessions_dir).map_err(|error| SandboxError::Workspace {
            path: sessions_dir.clone(),
            reason: error.to_string(),
        })?;
        let compiled = Arc::new(CompileCounter::default());
        Ok(Sandbox {
            inner: Arc::new(Inner {
                engine: engine::new_engine(Metering::Plain, &compiled)?,
                compiled,
                metered_engine: std::sync::OnceLock::new(),
                installing: tokio::sync::Mutex::new(()),
                runtimes: config.runtimes.clone(),
                sessions_dir,
                warm_spares: config.warm_spares,
                loaded: Mutex::new(HashMap::new()),
                sessions: Mutex::new(HashMap::new()),
                ended: Mutex::new(VecDeque::new()),
                live: Arc::new(LiveMemory::default()),
                idle_timeout: watch::Sender::new(None),
            }),
        })
    }

    /// Whether each runtime is installed.
    pub fn runtimes(&self) -> Vec<RuntimeStatus> {
        RuntimeId::ALL.iter().map(|id| self.inner.runtimes.status(*id)).collect()
    }

    /// Installs a runtime (download or local wheel, verification, compilation).
    pub async fn install(
        &self,
        id: RuntimeId,
        source: &WheelSource,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<RuntimeStatus, SandboxError> {
        let mut engines = vec![CompileEngine {
            metering: Metering::Plain,
            engine: self.inner.engine.clone(),
            counter: Arc::clone(&self.inner.compiled),
        }];
        if id == METERED_RUNTIME {
            let (engine, counter) = self.metered_engine()?;
            engines.push(CompileEngine { metering: Metering::Fuel, engine, counter });
        }
        let _one_at_a_time = self.inner.installing.lock().await;
        self.inner.runtimes.install(id, source, &engines, progress).await
    }

    fn metered_engine(&self) -> Result<(Engine, Arc<CompileCounter>), SandboxError> {
        if let Some((engine, counter)) = self.inner.metered_engine.get() {
            return Ok((engine.clone(), Arc::clone(counter)));
        }
        let counter = Arc::new(CompileCounter::default());
        let made = (engine::new_engine(Metering::Fuel, &counter)?, counter);
        let (engine, counter) = self.inner.metered_engine.get_or_init(|| made);
        Ok((engine.clone(), Arc::clone(counter)))
    }

    /// Ends sessions that go unused for `timeout` (`None`: only at their own timeout). It
    /// applies to the sessions running now too, counted from their last call.
    pub fn set_idle_timeout(&self, timeout: Option<Duration>) {
        self.inner.idle_timeout.send_replace(timeout);
    }

    /// Stops the calls running in a session now (a Stop button): a running `executeCode`
    /// ends within one epoch tick, its result says it was stopped, and the session stays,
    /// with a fresh interpreter on its next call. Returns whether a call was running.
    pub fn stop_running(&self, id: &str) -> Result<bool, SandboxError> {
        let session = lock(&self.inner.sessions)
            .get(id)
            .cloned()
            .ok_or_else(|| SandboxError::NoSession(id.to_owned()))?;
        let running = session.activity.busy();
        let stop = std::mem::take(&mut *lock(&session.stop));
        stop.cancel();
        Ok(running)
    }

    /// The running sessions' memory and use, and every live interpreter's memory in all
    /// (sessions and warm spares).
    pub fn usage(&self) -> SandboxUsage {
        let now = Instant::now();
        let mut sessions: Vec<SessionUsage> = lock(&self.inner.sessions)
            .values()
            .map(|session| SessionUsage {
                session_id: session.info.session_id.clone(),
                name: session.info.name.clone(),
                runtime: session.info.runtime.clone(),
                created_at: session.info.created_at.clone(),
                memory_bytes: lock(&session.memory).load(Ordering::Relaxed) as u64,
                running: session.activity.busy(),
                idle_seconds: session
                    .activity
                    .idle_since()
                    .map_or(0, |since| now.saturating_duration_since(since).as_secs()),
            })
            .collect();
        sessions.sort_by(|a, b| b.created_at.cmp(&a.created_at));
        SandboxUsage {
            sessions,
            interpreters: self.inner.live.interpreters() as u64,
            memory_bytes: self.inner.live.bytes() as u64,
            idle_timeout_seconds: self.inner.idle_timeout.borrow().map(|idle| idle.as_secs()),
        }
    }

    /// Loads a runtime and boots its spares ahead of the first session.
    pub async fn warm_up(&self, id: RuntimeId) -> Result<(), SandboxError> {
        let loaded = self.loaded(id, Metering::Plain)?;
        self.replenish(&loaded).await;
        Ok(())
    }

    /// Starts a session.
    pub async fn start_session(&self, request: StartSession) -> Result<SessionInfo, SandboxError> {
        if request.timeout_seconds == 0 || request.timeout_seconds > MAX_SESSION_TIMEOUT {
            return Err(SandboxError::Invalid(format!(
                "sessionTimeoutSeconds must be from 1 to {MAX_SESSION_TIMEOUT}, not {}",
                request.timeout_seconds
            )));
        }
        if lock(&self.inner.sessions).len() >= engine::MAX_INSTANCES as usize / 2 {
            return Err(SandboxError::Invalid(format!(
                "{} sessions are running, the most this sandbox keeps; stop one first",
                engine::MAX_INSTANCES / 2
            )));
        }
        if request.metered && request.runtime != METERED_RUNTIME {
            return Err(SandboxError::Invalid(format!(
                "fuel budgets are available with the {METERED_RUNTIME} runtime only, not {}",
                request.runtime
            )));
        }
        let metering = if request.metered { Metering::Fuel } else { Metering::Plain };
        let created = Instant::now();
        let loaded = self.loaded(request.runtime, metering)?;
        let spare = loaded.spares.lock().await.pop();
        let booted = match spare {
            Some(booted) => booted,
            None => self.boot(&loaded).await?,
        };
        if self.inner.warm_spares > 0 {
            let sandbox = self.clone();
            let loaded = Arc::clone(&loaded);
            tokio::spawn(async move { sandbox.replenish(&loaded).await });
        }
        let workspace = Workspace::open(&booted.folder).map_err(|error| {
            SandboxError::Workspace { path: booted.folder.clone(), reason: error.to_string() }
        })?;
        let info = SessionInfo {
            code_interpreter_identifier: format!("agentdesk.local.{}", request.runtime),
            session_id: booted.id.clone(),
            name: request.name,
            status: SessionStatus::Ready,
            created_at: rfc3339(SystemTime::now()),
            session_timeout_seconds: request.timeout_seconds,
            runtime: request.runtime.to_string(),
            ended: None,
        };
        let session = Arc::new(Session {
            info: info.clone(),
            metered: request.metered,
            folder: booted.folder,
            runtime: Arc::clone(&loaded.handle),
            memory: Mutex::new(booted.interpreter.memory_counter()),
            state: tokio::sync::Mutex::new(SessionState {
                interpreter: Some(booted.interpreter),
                workspace,
                snapshot: None,
            }),
            watchdog: Mutex::new(None),
            activity: Arc::new(Activity::new()),
            stop: Mutex::new(CancellationToken::new()),
        });
        lock(&self.inner.sessions).insert(info.session_id.clone(), Arc::clone(&session));
        let ends_at = created + Duration::from_secs(u64::from(request.timeout_seconds));
        let watchdog = watch_session(
            Arc::downgrade(&self.inner),
            info.session_id.clone(),
            Arc::clone(&session.activity),
            ends_at,
            self.inner.idle_timeout.subscribe(),
        );
        *lock(&session.watchdog) = Some(tokio::spawn(watchdog));
        Ok(info)
    }

    /// A session, running or recently ended.
    pub fn get_session(&self, id: &str) -> Option<SessionInfo> {
        // Locked in the order `end` takes them, so a session moving from running to ended
        // is seen in one list or the other, never in neither.
        let ended = lock(&self.inner.ended);
        if let Some(session) = lock(&self.inner.sessions).get(id) {
            return Some(session.info.clone());
        }
        ended.iter().find(|info| info.session_id == id).cloned()
    }

    /// Running sessions, then recently ended ones, newest first.
    pub fn list_sessions(&self) -> Vec<SessionInfo> {
        let ended = lock(&self.inner.ended);
        let mut running: Vec<SessionInfo> =
            lock(&self.inner.sessions).values().map(|session| session.info.clone()).collect();
        running.sort_by(|a, b| b.created_at.cmp(&a.created_at));
        running.extend(ended.iter().cloned());
        running
    }

    /// Stops a session: a call running in it is stopped, its interpreter ends (its memory
    /// is freed) and its files are deleted.
    pub fn stop_session(&self, id: &str) -> Result<SessionInfo, SandboxError> {
        self.end(id, EndReason::Stopped).ok_or_else(|| SandboxError::NoSession(id.to_owned()))
    }

    /// Runs one tool call in a session. Failures of the call (bad arguments, exceptions,
    /// limits) come back as a result with `isError`, never as an `Err`.
    pub async fn invoke(&self, session_id: &str, call: &ToolCall, limits: &Limits) -> ToolResult {
        self.invoke_streaming(session_id, call, limits, None).await
    }

    /// [`Sandbox::invoke`], sending `executeCode`'s output to `live` as it is printed. The
    /// result still carries all of it.
    pub async fn invoke_streaming(
        &self,
        session_id: &str,
        call: &ToolCall,
        limits: &Limits,
        live: Option<&OutputSink>,
    ) -> ToolResult {
        let session = lock(&self.inner.sessions).get(session_id).cloned();
        match session {
            Some(session) => {
                let _active = session.activity.begin();
                tools::invoke(&session, call, limits, live).await
            }
            None => ToolResult::error(format!(
                "no running session {session_id}: it was stopped or timed out; start a new one"
            )),
        }
    }

    fn end(&self, id: &str, reason: EndReason) -> Option<SessionInfo> {
        // The session moves from running to ended under the ended list's lock, which
        // `get_session` and `list_sessions` take first.
        let (session, info) = {
            let mut ended = lock(&self.inner.ended);
            let session = lock(&self.inner.sessions).remove(id)?;
            let mut info = session.info.clone();
            info.status = SessionStatus::Terminated;
            info.ended = Some(reason);
            ended.push_front(info.clone());
            ended.truncate(ENDED_KEPT);
            (session, info)
        };
        if let Some(watchdog) = lock(&session.watchdog).take() {
            watchdog.abort();
        }
        // Dropping the interpreter ends the guest. A call running now is stopped first: it
        // returns within a tick, dropping the interpreter it holds, and the session is gone.
        lock(&session.stop).cancel();
        if let Ok(mut state) = session.state.try_lock() {
            state.interpreter = None;
        }
        let _ = std::fs::remove_dir_all(&session.folder);
        let _ = std::fs::remove_dir_all(scratch_of(&session.folder));
        Some(info)
    }

    fn loaded(&self, id: RuntimeId, metering: Metering) -> Result<Arc<Loaded>, SandboxError> {
        if let Some(loaded) = lock(&self.inner.loaded).get(&(id, metering)) {
            return Ok(Arc::clone(loaded));
        }
        let engine = match metering {
            Metering::Plain => self.inner.engine.clone(),
            Metering::Fuel => self.metered_engine()?.0,
        };
        let module = self.inner.runtimes.load(id, metering, &engine)?;
        let mut linker = Linker::new(&engine);
        crate::interpreter::link(&mut linker)?;
        let pre = linker.instantiate_pre(&module).map_err(SandboxError::from)?;
        let handle = LoadedHandle {
            pre,
            read_only: self.inner.runtimes.read_only_mounts(id),
            reactor: id.is_reactor(),
            metered: metering == Metering::Fuel,
            live: Arc::clone(&self.inner.live),
        };
        let loaded = Arc::new(Loaded {
            handle: Arc::new(handle),
            spares: tokio::sync::Mutex::new(Vec::new()),
        });
        Ok(Arc::clone(lock(&self.inner.loaded).entry((id, metering)).or_insert(loaded)))
    }

    async fn boot(&self, loaded: &Loaded) -> Result<Booted, SandboxError> {
        let id = session_id();
        let folder = self.inner.sessions_dir.join(&id);
        std::fs::create_dir_all(&folder).map_err(|error| SandboxError::Workspace {
            path: folder.clone(),
            reason: error.to_string(),
        })?;
        match loaded.handle.boot(&folder).await {
            Ok(interpreter) => Ok(Booted { id, folder, interpreter }),
            Err(error) => {
                let _ = std::fs::remove_dir_all(&folder);
                let _ = std::fs::remove_dir_all(scratch_of(&folder));
                Err(error)
            }
        }
    }

    async fn replenish(&self, loaded: &Loaded) {
        while loaded.spares.lock().await.len() < self.inner.warm_spares {
            match self.boot(loaded).await {
                Ok(booted) => loaded.spares.lock().await.push(booted),
                Err(error) => {
                    tracing::warn!("cannot boot a spare interpreter: {error}");
                    return;
                }
            }
        }
    }
}

/// Ends a session at its timeout (`ends_at`), or once it has gone unused for the sandbox's
/// idle timeout. It holds neither the session nor the sandbox, so it keeps neither alive;
/// it returns when the sandbox is gone.
async fn watch_session(
    inner: Weak<Inner>,
    id: String,
    activity: Arc<Activity>,
    ends_at: Instant,
    mut idle_timeout: watch::Receiver<Option<Duration>>,
) {
    loop {
        let idle_ends = match (*idle_timeout.borrow_and_update(), activity.idle_since()) {
            (Some(timeout), Some(since)) => Some(since + timeout),
            _ => None,
        };
        let now = Instant::now();
        let reason = if now >= ends_at {
            Some(EndReason::Timeout)
        } else if idle_ends.is_some_and(|idle| now >= idle) {
            Some(EndReason::Idle)
        } else {
            None
        };
        if let Some(reason) = reason {
            if let Some(inner) = inner.upgrade() {
                Sandbox { inner }.end(&id, reason);
            }
            return;
        }
        let wake = idle_ends.map_or(ends_at, |idle| idle.min(ends_at));
        // Woken by a deadline, a call starting or ending (a notification sent while this
        // task was busy is kept for it), or a new idle timeout: work the deadlines out again.
        tokio::select! {
            () = tokio::time::sleep_until(wake) => {}
            () = activity.changed.notified() => {}
            changed = idle_timeout.changed() => {
                if changed.is_err() {
                    return;
                }
            }
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.sessions_dir);
    }
}

/// Removes session folders of processes that no longer run (Linux: no `/proc/<pid>`).
fn remove_orphans(sessions_dir: &Path) {
    if !cfg!(target_os = "linux") {
        return;
    }
    let Ok(entries) = std::fs::read_dir(sessions_dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.split('-').next().and_then(|pid| pid.parse::<u32>().ok()) else {
            continue;
        };
        if !Path::new("/proc").join(pid.to_string()).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// 26 characters from a 128-bit random number: long enough for AgentCore's 33-character
/// minimum once prefixed.
fn session_id() -> String {
    let mut bytes = [0u8; 16];
    let _ = getrandom::fill(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("local-{hex}")
}

fn rfc3339(time: SystemTime) -> String {
    let seconds =
        time.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default();
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Days since 1970-01-01 to a Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rfc3339() {
        assert_eq!(rfc3339(SystemTime::UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let later = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000);
        assert_eq!(rfc3339(later), "2026-11-18T11:06:40Z");
    }
}
