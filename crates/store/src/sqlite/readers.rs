//! A small fixed pool of `query_only` reader connections. A read checks
//! one out (waiting on a semaphore while all are busy) and runs on tokio's
//! blocking pool, never on an async worker: SQLite calls block, and a read
//! that waits on the disk must not stall other requests. Each connection
//! keeps its prepared statements, so a repeated read is parsed once.

use super::open_reader;
use crate::error::{internal, sqlite};
use rusqlite::Connection;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::Semaphore;
use tutela_engine::store::StoreError;

/// The reader connections and the permits to use them.
#[derive(Debug)]
pub(crate) struct Readers {
    idle: Mutex<Vec<Connection>>,
    permits: Semaphore,
}

impl Readers {
    /// Opens `count` reader connections on the database at `path`.
    pub(crate) fn open(path: &Path, count: usize) -> Result<Arc<Self>, StoreError> {
        let idle = (0..count)
            .map(|_| open_reader(path))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| sqlite("open sqlite readers", &e))?;
        Ok(Arc::new(Self {
            idle: Mutex::new(idle),
            permits: Semaphore::new(count),
        }))
    }

    /// Runs `read` on a reader connection off the async runtime.
    pub(crate) async fn run<T, F>(self: &Arc<Self>, read: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| internal("read", "the store is closed"))?;
        let conn = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
            .ok_or_else(|| internal("read", "no reader connection is free"))?;
        let this = Arc::clone(self);
        let outcome = tokio::task::spawn_blocking(move || {
            let outcome = read(&conn);
            this.give_back(conn);
            outcome
        })
        .await;
        drop(permit);
        outcome.map_err(|_| internal("read", "a read stopped before it ended"))?
    }

    /// Returns a connection after a read; closes it once the pool is closed.
    fn give_back(&self, conn: Connection) {
        if !self.permits.is_closed() {
            self.idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(conn);
        }
    }

    /// Refuses later reads and closes the idle connections; a read under
    /// way closes its own when it ends.
    pub(crate) fn close(&self) {
        self.permits.close();
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}
