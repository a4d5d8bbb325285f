//! The queue's behaviour through its public API, on tokio's paused clock:
//! time moves only when every task waits, so delays are exact.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::{Instant, advance, timeout};

use super::*;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// What `get` returns within `wait`, or `None` if it is still waiting then.
async fn get_within(
    queue: &WorkQueue<&'static str>,
    wait: Duration,
) -> Option<Option<WorkItem<&'static str>>> {
    timeout(wait, queue.get()).await.ok()
}

/// Awaits `task`, failing instead of hanging if it never ends (a lost
/// wake-up). On the paused clock the two minutes pass at once; on a real one
/// they are far more than the threaded test needs.
async fn finish<R>(task: tokio::task::JoinHandle<R>) -> R {
    match timeout(Duration::from_secs(120), task).await {
        Ok(Ok(result)) => result,
        Ok(Err(e)) => panic!("task failed: {e}"),
        Err(_) => panic!("task still waiting after two minutes"),
    }
}

/// Runs `task` on a clone of `queue` in a task of its own.
fn spawn_on<T, F, R>(
    queue: &WorkQueue<T>,
    task: impl FnOnce(WorkQueue<T>) -> F,
) -> tokio::task::JoinHandle<R>
where
    F: Future<Output = R> + Send + 'static,
    R: Send + 'static,
{
    tokio::spawn(task(queue.clone()))
}

async fn next_key(queue: &WorkQueue<&'static str>) -> &'static str {
    match queue.get().await {
        Some(item) => *item,
        None => panic!("queue shut down"),
    }
}

#[test]
fn building_and_adding_needs_no_runtime() {
    // The real clock runs here: delays long enough that none comes due.
    let hour = Duration::from_secs(3600);
    let queue = WorkQueue::with_rate_limiter(ItemFastSlowRateLimiter::new(hour, hour, 1));
    queue.add("a");
    queue.add_after("b", hour);
    queue.add_rate_limited("c");
    assert_eq!(queue.len(), 1, "only `a` is ready");
    assert_eq!(queue.num_requeues(&"c"), 1);
    queue.shut_down();
}

#[test]
fn futures_and_items_can_move_to_other_tasks() {
    fn assert_send<T: Send>(_: &T) {}
    let queue: WorkQueue<String> = WorkQueue::new();
    assert_send(&queue.get());
    assert_send(&queue.shut_down_with_drain());
    assert_send(&queue);
}

#[tokio::test(start_paused = true)]
async fn a_key_added_while_queued_is_merged() {
    let queue = WorkQueue::new();
    queue.add("a");
    queue.add("b");
    queue.add("a");
    assert_eq!(queue.len(), 2);
    assert_eq!(next_key(&queue).await, "a");
    assert_eq!(next_key(&queue).await, "b");
    assert!(get_within(&queue, Duration::from_secs(60)).await.is_none());
}

#[tokio::test(start_paused = true)]
async fn a_key_added_while_processing_waits_for_done() {
    let queue = WorkQueue::new();
    queue.add("a");
    let held = queue.get().await.expect("a key");
    queue.add("a");
    queue.add("a");
    assert_eq!(queue.len(), 0, "not ready while a worker holds it");
    assert!(get_within(&queue, Duration::from_secs(60)).await.is_none());
    held.done();
    assert_eq!(queue.len(), 1);
    assert_eq!(next_key(&queue).await, "a");
    assert!(
        get_within(&queue, Duration::from_secs(60)).await.is_none(),
        "once, not twice"
    );
}

#[tokio::test(start_paused = true)]
async fn a_waiting_worker_is_woken_by_done() {
    let queue = WorkQueue::new();
    queue.add("a");
    let held = queue.get().await.expect("a key");
    queue.add("a");
    let other = spawn_on(&queue, |queue| async move { next_key(&queue).await });
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(!other.is_finished());
    drop(held);
    assert_eq!(finish(other).await, "a");
}

#[tokio::test(start_paused = true)]
async fn dropping_the_item_marks_done_also_when_unwinding() {
    let queue = WorkQueue::new();
    queue.add("a");
    let item = queue.get().await.expect("a key");
    queue.add("a");
    let unwound = std::panic::catch_unwind(AssertUnwindSafe(move || {
        let _held = item;
        panic!("reconcile failed hard");
    }));
    assert!(unwound.is_err());
    assert_eq!(
        next_key(&queue).await,
        "a",
        "requeued by the drop during the unwind"
    );
}

#[tokio::test(start_paused = true)]
async fn a_worker_task_that_panics_or_is_aborted_releases_its_key() {
    let queue = WorkQueue::new();
    queue.add("a");
    let panicking = spawn_on(&queue, |queue| async move {
        let _item = queue.get().await;
        queue.add("a");
        panic!("reconcile failed hard");
    });
    assert!(panicking.await.expect_err("it panics").is_panic());
    assert_eq!(next_key(&queue).await, "a");

    queue.add("b");
    let stuck = spawn_on(&queue, |queue| async move {
        let _item = queue.get().await;
        std::future::pending::<()>().await;
    });
    tokio::time::sleep(ms(1)).await;
    queue.add("b");
    assert!(
        get_within(&queue, Duration::from_secs(1)).await.is_none(),
        "held by the stuck task"
    );
    stuck.abort();
    assert!(stuck.await.expect_err("aborted").is_cancelled());
    assert_eq!(next_key(&queue).await, "b");
}

#[tokio::test(start_paused = true)]
async fn delayed_keys_come_in_ready_order_at_their_earliest_time() {
    let queue = WorkQueue::new();
    let t0 = Instant::now();
    queue.add_after("b", ms(20));
    queue.add_after("a", ms(10));
    queue.add_after("c", ms(30));
    queue.add_after("c", ms(5)); // moves earlier
    queue.add_after("a", ms(50)); // keeps 10 ms
    assert_eq!(queue.len(), 0);
    let mut seen = Vec::new();
    for _ in 0..3 {
        let key = next_key(&queue).await;
        seen.push((key, Instant::now() - t0));
    }
    assert_eq!(seen, [("c", ms(5)), ("a", ms(10)), ("b", ms(20))]);
    assert!(
        get_within(&queue, Duration::from_secs(60)).await.is_none(),
        "each key once"
    );
}

#[tokio::test(start_paused = true)]
async fn a_zero_delay_adds_at_once() {
    let queue = WorkQueue::new();
    queue.add_after("a", Duration::ZERO);
    assert_eq!(queue.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_sleeping_worker_wakes_for_an_earlier_delayed_key() {
    let queue = WorkQueue::new();
    let worker = spawn_on(&queue, |queue| async move {
        (next_key(&queue).await, Instant::now())
    });
    tokio::task::yield_now().await; // the worker now waits on an empty queue
    queue.add_after("late", Duration::from_secs(10));
    tokio::time::sleep(ms(1)).await; // it now sleeps until `late` is due
    let added = Instant::now();
    queue.add_after("soon", ms(100));
    assert_eq!(finish(worker).await, ("soon", added + ms(100)));
}

#[tokio::test(start_paused = true)]
async fn a_delayed_key_that_comes_due_while_processing_is_queued_on_done() {
    let queue = WorkQueue::new();
    queue.add("a");
    let held = queue.get().await.expect("a key");
    queue.add_after("a", ms(10));
    advance(ms(20)).await;
    assert_eq!(queue.len(), 0);
    drop(held);
    assert_eq!(queue.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn rate_limited_requeues_back_off_exponentially_until_forgotten() {
    let queue = WorkQueue::new();
    let mut delays = Vec::new();
    for failures in 1..=5 {
        let start = Instant::now();
        queue.add_rate_limited("a");
        assert_eq!(queue.num_requeues(&"a"), failures);
        next_key(&queue).await;
        delays.push(Instant::now() - start);
    }
    assert_eq!(delays, [ms(5), ms(10), ms(20), ms(40), ms(80)]);
    queue.forget(&"a");
    assert_eq!(queue.num_requeues(&"a"), 0);
    let start = Instant::now();
    queue.add_rate_limited("a");
    next_key(&queue).await;
    assert_eq!(Instant::now() - start, ms(5));
}

#[tokio::test(start_paused = true)]
async fn the_bucket_holds_retries_back_after_its_burst() {
    let queue: WorkQueue<u32> = WorkQueue::with_rate_limiter(BucketRateLimiter::new(
        DEFAULT_BUCKET_QPS,
        DEFAULT_BUCKET_BURST,
    ));
    for key in 0..DEFAULT_BUCKET_BURST + 2 {
        queue.add_rate_limited(key);
    }
    assert_eq!(queue.len(), 100, "the burst goes at once");
    advance(ms(99)).await;
    assert_eq!(queue.len(), 100);
    advance(ms(1)).await;
    assert_eq!(queue.len(), 101, "then one every 100 ms");
    advance(ms(100)).await;
    assert_eq!(queue.len(), 102);
}

#[tokio::test(start_paused = true)]
async fn shut_down_serves_what_is_queued_then_returns_none() {
    let queue = WorkQueue::new();
    let waiting = spawn_on(&queue, |queue| async move { queue.get().await.is_none() });
    tokio::task::yield_now().await;
    queue.add("a");
    queue.add("b");
    queue.add("c");
    let held = queue.get().await.expect("a key");
    queue.add(*held); // dirty while processing, before the shutdown
    queue.add_after("later", ms(10));
    queue.shut_down();
    assert!(queue.is_shutting_down());
    queue.add("ignored");
    queue.add_after("ignored too", ms(1));
    queue.add_rate_limited("ignored as well");
    assert!(!finish(waiting).await, "the waiting worker got a key");
    assert_eq!(next_key(&queue).await, "c");
    drop(held);
    assert_eq!(
        next_key(&queue).await,
        "a",
        "requeued by done after the shutdown"
    );
    advance(ms(20)).await;
    assert!(queue.get().await.is_none());
    assert!(queue.get().await.is_none());
}

#[tokio::test(start_paused = true)]
async fn a_worker_waiting_on_an_empty_queue_ends_at_shutdown() {
    let queue: WorkQueue<&str> = WorkQueue::new();
    let waiting = spawn_on(&queue, |queue| async move { queue.get().await.is_none() });
    tokio::task::yield_now().await;
    queue.shut_down();
    assert!(finish(waiting).await);
}

#[tokio::test(start_paused = true)]
async fn shut_down_with_drain_waits_for_keys_in_flight() {
    let queue = WorkQueue::new();
    queue.add("a");
    queue.add("b");
    let first = queue.get().await.expect("a key");
    let second = queue.get().await.expect("a key");
    let drain = spawn_on(
        &queue,
        |queue| async move { queue.shut_down_with_drain().await },
    );
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(queue.is_shutting_down());
    drop(first);
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(!drain.is_finished(), "one key is still in flight");
    drop(second);
    finish(drain).await;
}

#[tokio::test(start_paused = true)]
async fn shut_down_ends_a_drain_that_waits() {
    let queue = WorkQueue::new();
    queue.add("a");
    let _held = queue.get().await.expect("a key");
    let drain = spawn_on(
        &queue,
        |queue| async move { queue.shut_down_with_drain().await },
    );
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(!drain.is_finished());
    queue.shut_down();
    finish(drain).await;
}

#[tokio::test(start_paused = true)]
async fn shut_down_with_drain_returns_at_once_when_idle() {
    let queue: WorkQueue<&str> = WorkQueue::new();
    queue.shut_down_with_drain().await;
    assert!(queue.is_shutting_down());
}

/// A step in the shared log of the concurrency tests.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Step {
    Added(u32),
    Started(u32, usize),
    Ended(u32, usize),
}

/// Checks a log of concurrent work: no key is started again before it ended,
/// and every add is followed by a start of its key (nothing is lost).
fn check_log(log: &[Step]) {
    let mut holder = std::collections::HashMap::new();
    for (i, step) in log.iter().enumerate() {
        match *step {
            Step::Started(key, worker) => {
                if let Some(other) = holder.insert(key, worker) {
                    panic!(
                        "step {i}: key {key} started by worker {worker} while worker {other} holds it"
                    );
                }
            }
            Step::Ended(key, worker) => assert_eq!(holder.remove(&key), Some(worker), "step {i}"),
            Step::Added(key) => {
                let started_later = log[i..]
                    .iter()
                    .any(|s| matches!(s, Step::Started(k, _) if *k == key));
                assert!(
                    started_later,
                    "step {i}: key {key} added but never processed after"
                );
            }
        }
    }
    assert!(holder.is_empty());
}

/// Producers add random keys of a small set while workers process them,
/// each holding its key across await points; then the queue is shut down
/// and the workers finish it.
async fn run_workers(
    producers: usize,
    workers: usize,
    adds: u32,
    keys: u32,
    sleep: bool,
) -> Vec<Step> {
    let queue: WorkQueue<u32> = WorkQueue::new();
    let log = Arc::new(Mutex::new(Vec::new()));
    let record = |log: &Arc<Mutex<Vec<Step>>>, step| log.lock().expect("log").push(step);
    let worker_tasks: Vec<_> = (0..workers)
        .map(|worker| {
            let (queue, log) = (queue.clone(), Arc::clone(&log));
            tokio::spawn(async move {
                let mut rng = worker as u64 + 1;
                while let Some(item) = queue.get().await {
                    record(&log, Step::Started(*item, worker));
                    for _ in 0..next_random(&mut rng) % 4 {
                        if sleep {
                            tokio::time::sleep(ms(next_random(&mut rng) % 3)).await;
                        } else {
                            tokio::task::yield_now().await;
                        }
                    }
                    record(&log, Step::Ended(*item, worker));
                }
            })
        })
        .collect();
    let producer_tasks: Vec<_> = (0..producers)
        .map(|producer| {
            let (queue, log) = (queue.clone(), Arc::clone(&log));
            tokio::spawn(async move {
                let mut rng = 1000 + producer as u64;
                for _ in 0..adds {
                    let key = (next_random(&mut rng) % u64::from(keys)) as u32;
                    record(&log, Step::Added(key));
                    queue.add(key);
                    if next_random(&mut rng).is_multiple_of(3) {
                        tokio::task::yield_now().await;
                    }
                }
            })
        })
        .collect();
    for task in producer_tasks {
        finish(task).await;
    }
    queue.shut_down();
    for task in worker_tasks {
        finish(task).await;
    }
    Arc::try_unwrap(log)
        .expect("no task left")
        .into_inner()
        .expect("log")
}

/// A small xorshift generator: reproducible interleavings without a dependency.
fn next_random(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[tokio::test(start_paused = true)]
async fn concurrent_workers_never_hold_one_key_at_once() {
    let log = run_workers(3, 8, 500, 6, true).await;
    let starts = log
        .iter()
        .filter(|s| matches!(s, Step::Started(..)))
        .count();
    assert!(
        starts > 6,
        "the keys were processed more than once each ({starts})"
    );
    check_log(&log);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_workers_on_threads_never_hold_one_key_at_once() {
    check_log(&run_workers(4, 8, 2000, 10, false).await);
}

/// Records what the queue reports, in one string per call.
#[derive(Default)]
struct RecordedMetrics(Mutex<Vec<String>>);

impl WorkQueueMetrics for RecordedMetrics {
    fn inc_depth(&self) {
        self.0.lock().expect("metrics").push("depth+1".into());
    }
    fn dec_depth(&self) {
        self.0.lock().expect("metrics").push("depth-1".into());
    }
    fn inc_adds(&self) {
        self.0.lock().expect("metrics").push("adds+1".into());
    }
    fn observe_queue_latency(&self, waited: Duration) {
        self.0
            .lock()
            .expect("metrics")
            .push(format!("latency {waited:?}"));
    }
    fn observe_work_duration(&self, worked: Duration) {
        self.0
            .lock()
            .expect("metrics")
            .push(format!("work {worked:?}"));
    }
    fn inc_retries(&self) {
        self.0.lock().expect("metrics").push("retries+1".into());
    }
}

#[tokio::test(start_paused = true)]
async fn metrics_hooks_see_adds_depth_latency_work_and_retries() {
    let metrics = Arc::new(RecordedMetrics::default());
    let queue = WorkQueue::builder().metrics(Arc::clone(&metrics)).build();
    queue.add("a");
    queue.add("a"); // merged: no add
    advance(ms(30)).await;
    let item = queue.get().await.expect("a key");
    advance(ms(7)).await;
    drop(item);
    queue.add_rate_limited("b");
    next_key(&queue).await;
    let recorded = metrics.0.lock().expect("metrics").clone();
    assert_eq!(
        recorded,
        [
            "adds+1",
            "depth+1",
            "depth-1",
            "latency 30ms",
            "work 7ms", // a
            "retries+1",
            "adds+1",
            "depth+1",
            "depth-1",
            "latency 0ns",
            "work 0ns", // b, due after 5 ms
        ]
    );
}

/// Panics when a worker takes a key.
struct PanickingMetrics;

impl WorkQueueMetrics for PanickingMetrics {
    fn observe_queue_latency(&self, _waited: Duration) {
        panic!("a broken metrics hook");
    }
}

#[tokio::test(start_paused = true)]
async fn a_panicking_metrics_hook_does_not_strand_the_key() {
    let queue = WorkQueue::builder().metrics(PanickingMetrics).build();
    queue.add("a");
    let worker = spawn_on(&queue, |queue| async move { queue.get().await.is_some() });
    assert!(
        timeout(ms(1), worker)
            .await
            .expect("ended")
            .expect_err("panicked")
            .is_panic()
    );
    // Nothing is processing: the item was built before the hook ran, and dropped in the unwind.
    let drained = timeout(Duration::from_secs(60), queue.shut_down_with_drain()).await;
    assert!(drained.is_ok(), "the key is still processing");
}
