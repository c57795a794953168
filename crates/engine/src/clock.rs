//! The one source of time. Every rule about dates asks a `Clock`, so tests can
//! move time instead of sleeping.

use jiff::{SignedDuration, Timestamp};
use std::sync::Mutex;

/// Gives the current instant.
pub trait Clock: Send + Sync {
    /// Now, as the engine should see it.
    fn now(&self) -> Timestamp;
}

/// The wall clock, for production. It gives whole microseconds, the
/// precision the store keeps, so an instant the API returns at once (a
/// request's `received_at`) is the same instant it returns when read back.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    // The one place the wall clock is read: everything else asks a `Clock`,
    // and clippy's disallowed-methods (clippy.toml) refuses any other read.
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> Timestamp {
        let now = Timestamp::now();
        Timestamp::from_microsecond(now.as_microsecond()).unwrap_or(now)
    }
}

/// A clock that only moves when told to, for tests and simulations.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<Timestamp>,
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: Timestamp) -> Self {
        Self {
            now: Mutex::new(start),
        }
    }

    /// Moves the clock forward (or back, with a negative duration).
    pub fn advance(&self, by: SignedDuration) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now = now.saturating_add(by).unwrap_or(*now);
    }

    /// Puts the clock at `to`.
    pub fn set(&self, to: Timestamp) {
        *self.now.lock().unwrap_or_else(|p| p.into_inner()) = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_clock_keeps_the_stores_precision() {
        let now = SystemClock.now();
        assert_eq!(now.subsec_nanosecond() % 1_000, 0, "{now}");
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start: Timestamp = "2026-01-31T12:00:00Z".parse().unwrap();
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(SignedDuration::from_hours(24));
        assert_eq!(clock.now(), "2026-02-01T12:00:00Z".parse().unwrap());
    }
}
