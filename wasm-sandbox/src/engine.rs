//! The wasmtime engine every sandbox shares, and loading precompiled runtimes.

use std::borrow::Cow;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use wasmtime::{
    CacheStore, Config, Engine, InstanceAllocationStrategy, Module, PoolingAllocationConfig,
};

use crate::SandboxError;

/// How often the engine's epoch advances. A running guest yields to the executor at every
/// tick, which is what lets a deadline or a Stop take effect within one tick.
pub(crate) const TICK: Duration = Duration::from_millis(10);

/// Most interpreters alive at once (sessions plus warm spares) before a start is refused.
pub(crate) const MAX_INSTANCES: u32 = 128;

/// The wasm stack a guest may use: deep enough for CPython's default recursion limit.
const WASM_STACK: usize = 8 << 20;

/// Whether compiled code counts fuel. Counting costs 15–25% on CPU-bound Python, so only
/// sessions that ask for deterministic budgets run on a metering engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Metering {
    /// No fuel: the default, fastest code.
    Plain,
    /// Fuel counted, so a call can be given a budget.
    Fuel,
}

impl Metering {
    /// Names the compile settings; compiled runtimes carry it in their file name, so a change
    /// of settings never loads code compiled under others. Bump it with any change below.
    pub(crate) fn settings_tag(self) -> &'static str {
        match self {
            Metering::Plain => "v1",
            Metering::Fuel => "fuel1",
        }
    }
}

/// Counts the functions Cranelift has compiled, as install progress.
///
/// wasmtime offers no progress callback for a compilation, but its incremental compilation
/// cache is asked to store every function once it is compiled. This store keeps nothing (an
/// install compiles each function once anyway) and only counts: the count against the
/// module's known number of compile units is real progress, not a guess.
#[derive(Debug, Default)]
pub(crate) struct CompileCounter {
    compiled: AtomicU64,
}

impl CompileCounter {
    /// Functions compiled by this engine so far.
    pub(crate) fn compiled(&self) -> u64 {
        self.compiled.load(Ordering::Relaxed)
    }
}

impl CacheStore for CompileCounter {
    fn get(&self, _key: &[u8]) -> Option<Cow<'_, [u8]>> {
        None
    }

    fn insert(&self, _key: &[u8], _value: Vec<u8>) -> bool {
        self.compiled.fetch_add(1, Ordering::Relaxed);
        false
    }
}

/// Builds an engine: async (guests run as cancellable futures), epoch interruption, fuel when
/// asked,
/// exceptions (python-scientific's CPython needs them) and the pooling allocator with
/// copy-on-write memory images so a new interpreter is a few page mappings, not a copy.
/// `counter` counts the functions the engine compiles (see [`CompileCounter`]).
pub(crate) fn new_engine(
    metering: Metering,
    counter: &Arc<CompileCounter>,
) -> Result<Engine, SandboxError> {
    let mut pool = PoolingAllocationConfig::default();
    pool.total_core_instances(MAX_INSTANCES)
        .total_memories(MAX_INSTANCES)
        .total_tables(MAX_INSTANCES)
        .total_stacks(MAX_INSTANCES)
        .max_memory_size(4 << 30)
        .table_elements(200_000)
        // python-scientific's instance needs about 1.5 MB of VM context (its many functions).
        .max_core_instance_size(4 << 20);
    let mut config = Config::new();
    config
        .epoch_interruption(true)
        .consume_fuel(metering == Metering::Fuel)
        .wasm_exceptions(true)
        .max_wasm_stack(WASM_STACK)
        .async_stack_size(WASM_STACK + (1 << 20))
        .memory_init_cow(true)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    config.enable_incremental_compilation(Arc::clone(counter) as Arc<dyn CacheStore>)?;
    let engine = Engine::new(&config).map_err(SandboxError::from)?;
    start_ticker(&engine);
    Ok(engine)
}

/// The threads guests run on: a tokio runtime of their own, one worker per core. A running
/// guest yields at every epoch tick, but on the host's own workers the next task in line may be
/// another guest, so an HTTP server's `/ping` or a desktop command waited behind a queue of
/// guests' slices; on separate threads the OS shares the cores between them and the host.
pub(crate) fn guest_runtime() -> Result<&'static tokio::runtime::Runtime, SandboxError> {
    static RUNTIME: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .thread_name("sandbox-guest")
                .enable_all()
                .build()
                .map_err(|error| format!("cannot start the threads interpreters run on: {error}"))
        })
        .as_ref()
        .map_err(|problem| SandboxError::Startup(problem.clone()))
}

/// Advances the epoch every [`TICK`] for as long as the engine lives.
fn start_ticker(engine: &Engine) {
    let weak = engine.weak();
    let spawned = std::thread::Builder::new().name("sandbox-epoch".into()).spawn(move || {
        while let Some(engine) = weak.upgrade() {
            engine.increment_epoch();
            drop(engine);
            std::thread::sleep(TICK);
        }
    });
    if let Err(error) = spawned {
        tracing::error!(
            "cannot start the sandbox's epoch ticker, deadlines will not fire: {error}"
        );
    }
}

/// Compiles a WebAssembly module for this engine, ready to be written to the cache.
pub(crate) fn precompile(engine: &Engine, wasm: &[u8]) -> Result<Vec<u8>, SandboxError> {
    engine.precompile_module(wasm).map_err(SandboxError::from)
}

/// Loads a module precompiled by [`precompile`].
pub(crate) fn load_precompiled(engine: &Engine, path: &Path) -> Result<Module, SandboxError> {
    // SAFETY: wasmtime trusts precompiled code. The file is one this crate wrote into the
    // runtime folder after verifying the module's sha256, and the caller checks the file's
    // own sha256 against the record written beside it before calling this.
    #[allow(unsafe_code)]
    let module = unsafe { Module::deserialize_file(engine, path) };
    module.map_err(|error| SandboxError::Corrupt {
        path: path.to_path_buf(),
        reason: format!("{error:#}"),
    })
}
