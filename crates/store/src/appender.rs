//! Group commit for the audit entries written in their own transaction (reads of SBU
//! material, logins, sign-outs): concurrent callers hand their entries to one appender, which
//! writes everything waiting as one batch per transaction (one head update, the rows, one head
//! update), and answers each caller only after the batch is committed.
//!
//! The appender is a role, not a resident task: the caller that finds none running spawns one
//! on the current runtime; it drains the queue batch by batch and ends when the queue is empty
//! (under the same lock that callers push under, so no entry is left behind). It is a spawned
//! task, so a caller cancelled mid-batch (a request timeout) cannot strand the others. If its
//! runtime shuts down, its guard frees the role and the waiting callers get an error.

use crate::audit::{AuditCtx, AuditEvent};
use crate::{BeginWrite, Store, StoreError, with_pool};
use sqlx::Row;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// Most callers' entries written in one transaction.
const MAX_BATCH: usize = 256;

struct Job {
    ctx: AuditCtx,
    events: Vec<AuditEvent>,
    done: oneshot::Sender<Result<(), String>>,
}

#[derive(Default)]
struct Queue {
    jobs: Vec<Job>,
    /// The generation of the running appender, if one runs.
    running: Option<u64>,
    generation: u64,
}

/// The shared queue (one per store, shared by its clones).
#[derive(Clone, Default)]
pub(crate) struct Appender(Arc<Mutex<Queue>>);

/// Frees the appender role if the task ends without doing so (its runtime shut down).
struct Running {
    queue: Appender,
    generation: u64,
    armed: bool,
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.armed {
            let mut q = self.queue.0.lock().unwrap_or_else(|e| e.into_inner());
            if q.running == Some(self.generation) {
                q.running = None;
            }
        }
    }
}

impl Store {
    /// Appends events in a transaction of their own, batched with those of concurrent callers
    /// (group commit); returns once they are committed.
    pub async fn audit(&self, ctx: &AuditCtx, events: &[AuditEvent]) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        let (done, answer) = oneshot::channel();
        let spawn = {
            let mut q = self.appender.0.lock().unwrap_or_else(|e| e.into_inner());
            q.jobs.push(Job {
                ctx: ctx.clone(),
                events: events.to_vec(),
                done,
            });
            if q.running.is_none() {
                q.generation += 1;
                q.running = Some(q.generation);
                Some(q.generation)
            } else {
                None
            }
        };
        if let Some(generation) = spawn {
            let store = self.clone();
            tokio::spawn(async move { store.run_appender(generation).await });
        }
        match answer.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(StoreError::Internal(format!("audit append: {e}"))),
            Err(_) => Err(StoreError::Internal(
                "the audit appender stopped before writing the entry".into(),
            )),
        }
    }

    async fn run_appender(&self, generation: u64) {
        let mut guard = Running {
            queue: self.appender.clone(),
            generation,
            armed: true,
        };
        loop {
            let batch: Vec<Job> = {
                let mut q = self.appender.0.lock().unwrap_or_else(|e| e.into_inner());
                if q.jobs.is_empty() {
                    q.running = None;
                    guard.armed = false;
                    return;
                }
                let n = q.jobs.len().min(MAX_BATCH);
                q.jobs.drain(..n).collect()
            };
            match self.append_batch(&batch).await {
                Ok(()) => {
                    for j in batch {
                        let _ = j.done.send(Ok(()));
                    }
                }
                // One caller's entries must not fail the others': each is tried alone.
                Err(_) => {
                    for j in batch {
                        let r = self
                            .append_batch(std::slice::from_ref(&j))
                            .await
                            .map_err(|e| e.to_string());
                        let _ = j.done.send(r);
                    }
                }
            }
        }
    }

    /// Writes every job's events in one transaction: the head is moved once by the number of
    /// entries, the entries chained in memory and inserted, and the head's hash set last.
    async fn append_batch(&self, jobs: &[Job]) -> Result<(), StoreError> {
        with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            crate::audit::append_entries!(
                tx,
                jobs.iter().map(|j| (&j.ctx, &j.events[..])).collect()
            );
            tx.commit().await?;
        });
        Ok(())
    }
}
