//! `GET /ping` and what it reports: `HealthyBusy` while any turn runs, `Healthy` otherwise,
//! with `time_of_last_update` moving only when the status changes (CONTRACTS.md, Runtime: a
//! time that moves on every ping keeps idle sessions alive; one that never moves gets busy
//! ones reaped).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use tokio::sync::Notify;

/// What `/ping` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Health {
    /// Nothing is running.
    Healthy,
    /// At least one turn is running.
    HealthyBusy,
}

/// The `/ping` answer: `{"status": …, "time_of_last_update": <unix seconds>}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PingStatus {
    /// Busy or not.
    pub status: Health,
    /// When the status last changed, in seconds since the Unix epoch.
    pub time_of_last_update: u64,
}

#[derive(Debug)]
struct Counted {
    running: usize,
    changed_at: u64,
}

/// Counts the turns running; every turn holds a [`BusyGuard`] while it runs.
#[derive(Debug)]
pub struct Busy {
    counted: Mutex<Counted>,
    idle: Notify,
}

impl Busy {
    /// Nothing running, as of now.
    pub fn new() -> Arc<Busy> {
        Arc::new(Busy {
            counted: Mutex::new(Counted { running: 0, changed_at: unix_now() }),
            idle: Notify::new(),
        })
    }

    /// Marks one more turn running until the guard is dropped (finished, failed or
    /// cancelled alike).
    pub fn begin(self: &Arc<Self>) -> BusyGuard {
        let mut counted = self.counted.lock().unwrap_or_else(PoisonError::into_inner);
        if counted.running == 0 {
            counted.changed_at = unix_now();
        }
        counted.running += 1;
        BusyGuard { busy: Arc::clone(self) }
    }

    /// The status `/ping` reports now.
    pub fn status(&self) -> PingStatus {
        let counted = self.counted.lock().unwrap_or_else(PoisonError::into_inner);
        let status = if counted.running == 0 { Health::Healthy } else { Health::HealthyBusy };
        PingStatus { status, time_of_last_update: counted.changed_at }
    }

    /// How many turns are running.
    pub fn running(&self) -> usize {
        self.counted.lock().unwrap_or_else(PoisonError::into_inner).running
    }

    /// Returns once no turn is running.
    pub async fn idle(&self) {
        loop {
            let notified = self.idle.notified();
            tokio::pin!(notified);
            // Registered before the count is read, so a turn ending in between still wakes us.
            notified.as_mut().enable();
            if self.running() == 0 {
                return;
            }
            notified.await;
        }
    }

    fn end(&self) {
        let mut counted = self.counted.lock().unwrap_or_else(PoisonError::into_inner);
        counted.running = counted.running.saturating_sub(1);
        if counted.running == 0 {
            counted.changed_at = unix_now();
            self.idle.notify_waiters();
        }
    }
}

/// One running turn; dropping it ends the turn's share of "busy".
#[derive(Debug)]
pub struct BusyGuard {
    busy: Arc<Busy>,
}

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.busy.end();
    }
}

/// `GET|HEAD /ping`.
pub(crate) async fn ping(State(busy): State<Arc<Busy>>) -> Json<PingStatus> {
    Json(busy.status())
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs())
}

#[cfg(test)]
mod tests {
    use super::{Busy, Health};

    #[test]
    fn busy_while_any_turn_runs_and_the_time_moves_only_on_a_change() {
        let busy = Busy::new();
        assert_eq!(busy.status().status, Health::Healthy);
        let first = busy.begin();
        let second = busy.begin();
        assert_eq!(busy.status().status, Health::HealthyBusy);
        let busy_since = busy.status().time_of_last_update;
        drop(first);
        assert_eq!(busy.status().status, Health::HealthyBusy, "one turn still runs");
        assert_eq!(busy.status().time_of_last_update, busy_since);
        drop(second);
        assert_eq!(busy.status().status, Health::Healthy);
        assert_eq!(busy.running(), 0);
    }
}
