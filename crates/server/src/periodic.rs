//! The loop the server's background tasks share (Art. 19 notices,
//! retention sweeps, policy-change notices): one pass every interval until
//! the stop signal. A pass that overruns delays the next tick rather than
//! bunching them; a pass never overlaps the one before.

use std::future::Future;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

/// Runs `pass` now and then every `every` until `stop` fires (or its
/// sender is dropped).
pub(crate) fn spawn<F, Fut>(
    every: Duration,
    mut stop: watch::Receiver<()>,
    mut pass: F,
) -> JoinHandle<()>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = stop.changed() => break,
            }
            pass().await;
        }
    })
}
