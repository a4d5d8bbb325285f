//! The workers: take a key, reconcile the cached object, decide what next.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::sync::Arc;

use futures::FutureExt;

use super::{Action, ObjectRef, OnError};
use crate::runtime::store::Store;
use crate::runtime::workqueue::WorkQueue;

pub(super) struct Workers<K, Ctx, R, P> {
    pub(super) queue: WorkQueue<ObjectRef>,
    pub(super) store: Store<K>,
    pub(super) reconcile: Arc<R>,
    pub(super) error_policy: Arc<P>,
    pub(super) context: Arc<Ctx>,
}

impl<K, Ctx, R, P> Clone for Workers<K, Ctx, R, P> {
    fn clone(&self) -> Self {
        Workers {
            queue: self.queue.clone(),
            store: self.store.clone(),
            reconcile: Arc::clone(&self.reconcile),
            error_policy: Arc::clone(&self.error_policy),
            context: Arc::clone(&self.context),
        }
    }
}

impl<K, Ctx, E, R, RFut, P> Workers<K, Ctx, R, P>
where
    K: Send + Sync + 'static,
    Ctx: Send + Sync + 'static,
    E: std::fmt::Display + Send + 'static,
    R: Fn(Arc<K>, Arc<Ctx>) -> RFut + Send + Sync + 'static,
    RFut: Future<Output = Result<Action, E>> + Send + 'static,
    P: Fn(Arc<K>, &E, Arc<Ctx>) -> OnError + Send + Sync + 'static,
{
    /// Reconciles keys until the queue is shut down and empty, or `stop`
    /// completes (checked between reconciles: one in flight finishes).
    pub(super) async fn run(self, stop: impl Future<Output = ()>) {
        let mut stop = pin!(stop);
        loop {
            let item = tokio::select! {
                biased;
                () = &mut stop => break,
                item = self.queue.get() => item,
            };
            let Some(item) = item else { break };
            let key = item.key().clone();
            let Some(object) = self.store.get(&key.key()) else {
                // Deleted since it was queued: nothing left to reconcile.
                self.queue.forget(&key);
                continue;
            };
            let attempt = (self.reconcile)(Arc::clone(&object), Arc::clone(&self.context));
            let outcome = AssertUnwindSafe(attempt).catch_unwind().await;
            match outcome {
                Ok(Ok(action)) => {
                    self.queue.forget(&key);
                    if let Some(delay) = action.requeue_delay() {
                        self.queue.add_after(key, delay);
                    }
                }
                Ok(Err(error)) => {
                    let decision = (self.error_policy)(object, &error, Arc::clone(&self.context));
                    tracing::debug!(object = %key, %error, ?decision, "reconcile failed");
                    match decision {
                        OnError::Backoff => self.queue.add_rate_limited(key),
                        OnError::RequeueAfter(delay) => {
                            self.queue.forget(&key);
                            self.queue.add_after(key, delay);
                        }
                        OnError::Terminal => self.queue.forget(&key),
                    }
                }
                Err(panic) => {
                    let message = panic_message(&panic);
                    tracing::error!(object = %key, panic = message, "reconcile panicked; requeued");
                    self.queue.add_rate_limited(key);
                }
            }
            // Dropping `item` marks the key done.
            drop(item);
        }
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> &str {
    if let Some(s) = panic.downcast_ref::<&'static str>() {
        s
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s
    } else {
        "(not a string)"
    }
}
