//! A desktop app started directly, as a person starts it (no WebDriver in between): the time
//! from exec until its page says it is ready for typing, and the memory the app and its WebKit
//! processes hold. The start-up benchmark and the start-up E2E tests use it.
//!
//! The app says it is ready with one line on standard output, `startup-mark …`, printed when
//! its page reports that the message box has focus and has been drawn (AgentDesk prints it
//! with `AGENTDESK_STARTUP_REPORT=1`; the minimal Tauri app of the benchmark always does).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What the app's `startup-mark` line says, all in milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    /// From the start of the app's `main` (its own clock).
    pub since_main_ms: Option<f64>,
    /// From the page's navigation start (the page's clock).
    pub page_ms: f64,
    /// From the page's navigation start to its first paint, when the web view reports it.
    pub first_paint_ms: Option<f64>,
    /// The page's steps on the way (`NAME_ms=…`), from its navigation start.
    pub steps: BTreeMap<String, f64>,
}

impl Mark {
    /// Reads a `startup-mark since_main_ms=… page_ms=… first_paint_ms=…` line.
    pub fn parse(line: &str) -> Option<Mark> {
        let rest = line.trim().strip_prefix("startup-mark")?;
        let mut fields: BTreeMap<String, f64> = rest
            .split_whitespace()
            .filter_map(|field| field.split_once('='))
            .filter_map(|(name, value)| value.parse().ok().map(|value| (name.to_owned(), value)))
            .collect();
        let page_ms = fields.remove("page_ms")?;
        let since_main_ms = fields.remove("since_main_ms");
        let first_paint_ms = fields.remove("first_paint_ms");
        let steps = fields
            .into_iter()
            .filter_map(|(name, ms)| name.strip_suffix("_ms").map(|name| (name.to_owned(), ms)))
            .collect();
        Some(Mark { since_main_ms, page_ms, first_paint_ms, steps })
    }
}

/// A started app; it and every process it started are stopped when this is dropped.
#[derive(Debug)]
pub struct Started {
    child: Child,
    /// Wall time from just before exec to reading the app's `startup-mark` line.
    pub to_interactive: Duration,
    /// The line itself.
    pub mark: Mark,
    /// CPU time each process had used when the line was read (its own start included).
    pub cpu_at_interactive: Vec<ProcessCpu>,
}

/// CPU time one process has used, user and system together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessCpu {
    /// Its command name.
    pub name: String,
    /// Milliseconds (the kernel counts in ticks of 10 ms).
    pub ms: u64,
}

/// Starts `binary` with `env` added to this process's environment and its standard error
/// going to `stderr`, and waits at most `patience` for its `startup-mark` line.
pub fn start(
    binary: &Path,
    env: &[(String, String)],
    stderr: Stdio,
    patience: Duration,
) -> Result<Started, String> {
    if !binary.exists() {
        return Err(format!("{} does not exist: build it first", binary.display()));
    }
    let mut command = Command::new(binary);
    command
        .envs(env.iter().map(|(name, value)| (name.as_str(), value.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr);
    let exec = Instant::now();
    let mut child =
        command.spawn().map_err(|error| format!("cannot start {}: {error}", binary.display()))?;
    let stdout = child.stdout.take().ok_or("no standard output")?;
    let (lines, arrived) = mpsc::channel();
    // Reads to the end, so the app never blocks on a full pipe; each line with when it came.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send((Instant::now(), line)).is_err() {
                return;
            }
        }
    });
    let deadline = exec + patience;
    let mut started = Started {
        child,
        to_interactive: Duration::ZERO,
        mark: Mark {
            since_main_ms: None,
            page_ms: 0.0,
            first_paint_ms: None,
            steps: BTreeMap::new(),
        },
        cpu_at_interactive: Vec::new(),
    };
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match arrived.recv_timeout(left) {
            Ok((at, line)) => {
                if let Some(mark) = Mark::parse(&line) {
                    started.to_interactive = at - exec;
                    started.mark = mark;
                    started.cpu_at_interactive = cpu_times(started.pid());
                    return Ok(started);
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                return Err(format!(
                    "{} printed no startup-mark within {} s: its message box never had focus",
                    binary.display(),
                    patience.as_secs()
                ));
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = started.child.wait().map(|s| s.to_string()).unwrap_or_default();
                return Err(format!("{} ended ({status}) before it was ready", binary.display()));
            }
        }
    }
}

impl Started {
    /// The app's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The memory the app and every process it started hold now.
    pub fn footprint(&self) -> Footprint {
        footprint(self.pid())
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        let started_by_it = descendants(self.pid());
        let _gone = self.child.kill();
        let _reaped = self.child.wait();
        // WebKit's processes end with the app; any left over are stopped here by id.
        let alive: Vec<String> = started_by_it
            .iter()
            .filter(|pid| Path::new(&format!("/proc/{pid}")).exists())
            .map(u32::to_string)
            .collect();
        if !alive.is_empty() {
            let _stopped = Command::new("kill").arg("-KILL").args(&alive).status();
        }
    }
}

/// One process's memory, from `/proc/PID/smaps_rollup`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessMemory {
    /// The process id.
    pub pid: u32,
    /// Its command name (`WebKitWebProces`, as the kernel shortens it).
    pub name: String,
    /// Resident set size, KiB: every page it maps that is in memory, shared ones counted whole.
    pub rss_kib: u64,
    /// Proportional set size, KiB: shared pages divided among the processes sharing them.
    pub pss_kib: u64,
}

/// The memory of a process and all its descendants.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Footprint {
    /// Each process.
    pub processes: Vec<ProcessMemory>,
}

impl Footprint {
    /// The sum of their RSS, KiB (pages shared between them are counted once per process).
    pub fn rss_kib(&self) -> u64 {
        self.processes.iter().map(|process| process.rss_kib).sum()
    }

    /// The sum of their PSS, KiB: what the group costs the machine.
    pub fn pss_kib(&self) -> u64 {
        self.processes.iter().map(|process| process.pss_kib).sum()
    }
}

/// The memory of `root` and every process below it now; processes that end while being read
/// are left out.
pub fn footprint(root: u32) -> Footprint {
    let mut pids = vec![root];
    pids.extend(descendants(root));
    let processes = pids
        .into_iter()
        .filter_map(|pid| {
            let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
            let field = |name: &str| {
                rollup
                    .lines()
                    .find_map(|line| line.strip_prefix(name))
                    .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
                    .unwrap_or(0)
            };
            let name = std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .map(|name| name.trim().to_owned())
                .unwrap_or_default();
            Some(ProcessMemory { pid, name, rss_kib: field("Rss:"), pss_kib: field("Pss:") })
        })
        .collect();
    Footprint { processes }
}

/// The CPU time `root` and every process below it have used.
pub fn cpu_times(root: u32) -> Vec<ProcessCpu> {
    // Clock ticks per second: 100 on Linux for every architecture this runs on.
    const TICK_MS: u64 = 10;
    let mut pids = vec![root];
    pids.extend(descendants(root));
    pids.into_iter()
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let name = stat[stat.find('(')? + 1..stat.rfind(')')?].to_owned();
            // After "PID (COMMAND)": state is field 3, utime 14 and stime 15.
            let fields: Vec<&str> = stat[stat.rfind(')')? + 1..].split_whitespace().collect();
            let ticks = |index: usize| fields.get(index)?.parse::<u64>().ok();
            Some(ProcessCpu { name, ms: (ticks(11)? + ticks(12)?) * TICK_MS })
        })
        .collect()
}

/// Every process below `root` (children, their children, …), from `/proc/*/stat`.
pub fn descendants(root: u32) -> Vec<u32> {
    let mut parent_of: BTreeMap<u32, u32> = BTreeMap::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|name| name.parse::<u32>().ok()) else {
            continue;
        };
        // "PID (COMMAND) STATE PPID …": the command may hold spaces and parentheses.
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        let Some(after_name) = stat.rfind(')').map(|end| &stat[end + 1..]) else { continue };
        if let Some(parent) = after_name.split_whitespace().nth(1).and_then(|p| p.parse().ok()) {
            parent_of.insert(pid, parent);
        }
    }
    let mut found = Vec::new();
    let mut frontier = vec![root];
    while let Some(parent) = frontier.pop() {
        for (&pid, &its_parent) in &parent_of {
            if its_parent == parent && !found.contains(&pid) {
                found.push(pid);
                frontier.push(pid);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mark_line_is_read_with_and_without_its_optional_figures() {
        assert_eq!(
            Mark::parse(
                "startup-mark since_main_ms=812.4 page_ms=401.0 first_paint_ms=220.5 script_ms=90"
            ),
            Some(Mark {
                since_main_ms: Some(812.4),
                page_ms: 401.0,
                first_paint_ms: Some(220.5),
                steps: BTreeMap::from([("script".to_owned(), 90.0)]),
            })
        );
        assert_eq!(
            Mark::parse("startup-mark page_ms=3"),
            Some(Mark {
                since_main_ms: None,
                page_ms: 3.0,
                first_paint_ms: None,
                steps: BTreeMap::new()
            })
        );
        assert_eq!(Mark::parse("other output"), None);
        assert_eq!(Mark::parse("startup-mark since_main_ms=1"), None, "page_ms is required");
    }

    #[test]
    fn the_footprint_of_a_process_tree_counts_its_children() {
        let mut shell =
            Command::new("sh").args(["-c", "sleep 30 & sleep 30 & wait"]).spawn().expect("sh");
        let pid = shell.id();
        let sleeping = |footprint: &Footprint| {
            footprint.processes.iter().filter(|process| process.name == "sleep").count()
        };
        // The children are forked shells until they run `sleep`.
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut footprint = super::footprint(pid);
        while sleeping(&footprint) < 2 && Instant::now() < deadline {
            std::thread::yield_now();
            footprint = super::footprint(pid);
        }
        let _stopped = Command::new("kill")
            .arg("-KILL")
            .args(descendants(pid).iter().map(u32::to_string).collect::<Vec<_>>())
            .status();
        let _gone = shell.kill();
        let _reaped = shell.wait();
        assert_eq!(footprint.processes.len(), 3, "{footprint:?}");
        assert_eq!(sleeping(&footprint), 2, "{footprint:?}");
        assert!(footprint.rss_kib() >= footprint.pss_kib() && footprint.pss_kib() > 0);
    }
}
