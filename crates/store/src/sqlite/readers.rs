//! A small fixed set of reader threads (`tutela-sqlite-reader`), each
//! owning one `query_only` connection with its prepared statements. A read
//! is sent to whichever thread is free and answered over a oneshot, so
//! SQLite's blocking calls never run on an async worker.
//!
//! The queue is a multi-consumer channel (`flume`): a read wakes exactly
//! one idle thread. With one `std` receiver behind a mutex, the thread
//! taking a read woke the next one waiting on the mutex as it let go, an
//! extra wake-up and context switch per read.

use super::open_reader;
use crate::error::{internal, sqlite};
use flume::{Receiver, Sender};
use rusqlite::Connection;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::oneshot;
use tutela_engine::store::StoreError;

type Job = Box<dyn FnOnce(&Connection) + Send>;

/// The reader threads' queue.
#[derive(Debug)]
pub(crate) struct Readers {
    jobs: Mutex<Option<Sender<Job>>>,
}

impl Readers {
    /// Opens `count` reader connections on `path`, one thread each.
    pub(crate) fn open(path: &Path, count: usize) -> Result<Arc<Self>, StoreError> {
        let (jobs, queue) = flume::unbounded::<Job>();
        for _ in 0..count {
            let conn = open_reader(path).map_err(|e| sqlite("open sqlite readers", &e))?;
            let queue = queue.clone();
            std::thread::Builder::new()
                .name("tutela-sqlite-reader".into())
                .spawn(move || serve(&conn, &queue))
                .map_err(|_| internal("open sqlite", "a reader thread could not start"))?;
        }
        Ok(Arc::new(Self {
            jobs: Mutex::new(Some(jobs)),
        }))
    }

    /// Runs `read` on a reader thread.
    pub(crate) async fn run<T, F>(self: &Arc<Self>, read: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let _ = reply.send(read(conn));
        });
        let sent = self
            .jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(|jobs| jobs.send(job).is_ok());
        if sent != Some(true) {
            return Err(internal("read", "the store is closed"));
        }
        answer
            .await
            .map_err(|_| internal("read", "a read stopped before it ended"))?
    }

    /// Refuses later reads; each thread closes its connection once the
    /// queue is empty.
    pub(crate) fn close(&self) {
        self.jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }
}

fn serve(conn: &Connection, queue: &Receiver<Job>) {
    while let Ok(job) = queue.recv() {
        job(conn);
    }
}
