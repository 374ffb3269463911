//! Stress (RELIABILITY.md, guarantee S1): many tasks at once on a multi-threaded runtime, with
//! random yields, nested spawns, scopes and bridges; every task checks its own values at every
//! step, untracked tasks probe the same worker threads, and counting values prove that every
//! value created is dropped exactly once and that no task's context outlives the task.
//!
//! `CTXLOCAL_STRESS_TASKS` sets the number of top-level tasks (default 10,000: well under a
//! minute in debug mode on 2 cores). The full run:
//! `CTXLOCAL_STRESS_TASKS=100000 cargo test --release -p ctxlocal-tests --test robustness stress:: -- --nocapture`.

use crate::support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use ctxlocal::async_local;
use support::{Counted, Counters, Rng, env_count, random_yields};

#[async_local]
struct Req {
    id: Counted,
    step: u64,
    #[local(default)]
    hops: u32,
}

#[async_local]
struct Tag {
    name: String,
}

/// Steps per task (children take fewer).
const STEPS: u64 = 8;
/// A value no task uses as its own: what `scope_step` overrides with.
const SCOPED: u64 = u64::MAX;

#[derive(Default)]
struct Stats {
    /// Crate-managed tasks run (top-level and nested).
    tasks: AtomicU64,
    /// Plain `tokio::spawn` probes run.
    probes: AtomicU64,
    /// `sync_to_async` / `async_to_sync` calls.
    bridges: AtomicU64,
    /// Checks of a task's own values.
    checks: AtomicU64,
    /// Reads that returned another task's value.
    cross: AtomicU64,
    next_owner: AtomicU64,
}

/// Everything a task found wrong; empty when all is well.
type Errors = Vec<String>;

/// Checks that the current context holds exactly `owner`'s values at `step`.
fn check(stats: &Stats, owner: u64, step: u64, hops: u32, errors: &mut Errors, at: &str) {
    stats.checks.fetch_add(1, Ordering::Relaxed);
    let id = Req::with_id(|v| v.map(|c| c.id));
    let tag = Tag::with_name(|v| v.map(|n| n.parse::<u64>().unwrap()));
    for (what, seen) in [("id", id), ("tag", tag)] {
        if seen != Some(owner) {
            if seen.is_some() {
                stats.cross.fetch_add(1, Ordering::Relaxed);
            }
            errors.push(format!("task {owner} step {step} {at}: {what} is {seen:?}"));
        }
    }
    if Req::step() != Some(step) {
        errors.push(format!(
            "task {owner} step {step} {at}: step is {:?}",
            Req::step()
        ));
    }
    if Req::hops() != hops {
        errors.push(format!(
            "task {owner} step {step} {at}: hops is {}, expected {hops}",
            Req::hops()
        ));
    }
}

/// The body of one crate-managed task: owns `owner`'s values, runs `steps` random steps.
fn task(
    owner: u64,
    depth: u32,
    steps: u64,
    counters: Arc<Counters>,
    stats: Arc<Stats>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Errors> + Send>> {
    Box::pin(async move {
        stats.tasks.fetch_add(1, Ordering::Relaxed);
        let mut rng = Rng::new(owner);
        let mut errors = Errors::new();
        let hops = depth;
        Req::set_id(counters.make(owner));
        Req::set_step(0);
        Req::set_hops(hops);
        Tag::set_name(owner.to_string());
        for step in 1..=steps {
            random_yields(&mut rng, 2).await;
            check(&stats, owner, step - 1, hops, &mut errors, "before");
            match rng.below(10) {
                0 => Req::set_step(step),
                1 => Req::update_step(|s| *s = Some(step)),
                2 => {
                    if Req::replace_step(step) != Some(step - 1) {
                        errors.push(format!("task {owner} step {step}: replace"));
                    }
                }
                3 => {
                    // Take, then a yield while unset: nobody else's value shows up meanwhile.
                    let taken = Req::take_id().map(|c| c.id);
                    if taken != Some(owner) {
                        errors.push(format!("task {owner} step {step}: took {taken:?}"));
                    }
                    random_yields(&mut rng, 2).await;
                    if let Some(seen) = Req::with_id(|v| v.map(|c| c.id)) {
                        stats.cross.fetch_add(1, Ordering::Relaxed);
                        errors.push(format!("task {owner} step {step}: {seen} after take"));
                    }
                    Req::set_id(counters.make(owner));
                    Req::set_step(step);
                }
                4 if depth < 2 => {
                    // A nested task: starts with a snapshot, then has its own values.
                    let child = stats.next_owner.fetch_add(1, Ordering::Relaxed);
                    let inherited = ctxlocal::spawn({
                        let stats = stats.clone();
                        let counters = counters.clone();
                        async move {
                            let mut errors = Errors::new();
                            check(&stats, owner, step - 1, hops, &mut errors, "in child");
                            errors.extend(task(child, depth + 1, steps / 2, counters, stats).await);
                            errors
                        }
                    });
                    Req::set_step(step);
                    errors.extend(inherited.await.unwrap());
                }
                5 => {
                    // Blocking code sees the task's values; its writes come back.
                    stats.bridges.fetch_add(1, Ordering::Relaxed);
                    let nested = rng.below(2) == 0;
                    let stats2 = stats.clone();
                    let inner = ctxlocal::sync_to_async(move || {
                        let mut errors = Errors::new();
                        check(
                            &stats2,
                            owner,
                            step - 1,
                            hops,
                            &mut errors,
                            "in sync_to_async",
                        );
                        Req::set_step(step);
                        if nested {
                            stats2.bridges.fetch_add(1, Ordering::Relaxed);
                            ctxlocal::async_to_sync(async {
                                check(&stats2, owner, step, hops, &mut errors, "in async_to_sync");
                                Req::update_hops(|h| *h += 1);
                                tokio::task::yield_now().await;
                                Req::update_hops(|h| *h -= 1);
                            });
                        }
                        errors
                    })
                    .await;
                    errors.extend(inner);
                }
                6 => {
                    // A scoped override, with yields inside; gone afterwards.
                    let mut scoped = Errors::new();
                    Req::scope_step(SCOPED, async {
                        random_yields(&mut rng, 2).await;
                        check(&stats, owner, SCOPED, hops, &mut scoped, "in scope");
                        Tag::set_name(owner.to_string());
                    })
                    .await;
                    errors.extend(scoped);
                    Req::set_step(step);
                }
                7 => {
                    // An untracked task on the same workers sees nothing.
                    let stats = stats.clone();
                    stats.probes.fetch_add(1, Ordering::Relaxed);
                    let seen = tokio::spawn(async move {
                        tokio::task::yield_now().await;
                        (Req::with_id(|v| v.map(|c| c.id)), Req::step(), Tag::name())
                    })
                    .await
                    .unwrap();
                    if seen != (None, None, None) {
                        stats.cross.fetch_add(1, Ordering::Relaxed);
                        errors.push(format!("untracked probe from {owner} saw {seen:?}"));
                    }
                    Req::set_step(step);
                }
                _ => {
                    // Copy-on-write of a value shared with a child's snapshot.
                    let snapshot = ctxlocal::Context::current();
                    Req::update_id(|v| {
                        if v.as_ref().map(|c| c.id) != Some(owner) {
                            errors.push(format!("task {owner} step {step}: update saw other"));
                        }
                    });
                    if snapshot.run(|| Req::with_id(|v| v.map(|c| c.id))) != Some(owner) {
                        errors.push(format!("task {owner} step {step}: snapshot changed"));
                    }
                    Req::set_step(step);
                }
            }
            check(&stats, owner, step, hops, &mut errors, "after");
        }
        errors
    })
}

#[test]
fn many_tasks_each_see_only_their_own_values_and_drop_every_value() {
    let top = env_count("CTXLOCAL_STRESS_TASKS", 10_000) as u64;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .build()
        .unwrap();
    let stats = Arc::new(Stats {
        next_owner: AtomicU64::new(top),
        ..Stats::default()
    });
    let started = std::time::Instant::now();
    let all_counters = runtime.block_on({
        let stats = stats.clone();
        async move {
            // All top-level tasks are alive at once.
            let handles: Vec<_> = (0..top)
                .map(|owner| {
                    let counters = Counters::new();
                    let handle =
                        ctxlocal::spawn(task(owner, 0, STEPS, counters.clone(), stats.clone()));
                    (owner, counters, handle)
                })
                .collect();
            let mut errors = Errors::new();
            let mut outlived = Vec::new();
            let mut all = Vec::new();
            for (owner, counters, handle) in handles {
                errors.extend(handle.await.unwrap());
                // The task (and every task it started) has finished: nothing it created may
                // still be alive in any context.
                if counters.created() != counters.dropped() {
                    outlived.push((owner, counters.created(), counters.dropped()));
                }
                all.push(counters);
            }
            assert!(
                errors.is_empty(),
                "{} wrong observations, first: {:#?}",
                errors.len(),
                &errors[..errors.len().min(10)]
            );
            assert!(
                outlived.is_empty(),
                "values outlived their task (owner, created, dropped): {:?}",
                &outlived[..outlived.len().min(10)]
            );
            all
        }
    });
    drop(runtime);
    let created: usize = all_counters.iter().map(|c| c.created()).sum();
    let dropped: usize = all_counters.iter().map(|c| c.dropped()).sum();
    let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
    eprintln!(
        "stress: {top} top-level tasks, {} crate tasks in all, {} untracked probes, {} bridge \
         calls, {} checks, {} cross-observations, {created} values created, {dropped} dropped \
         ({:.1} s)",
        load(&stats.tasks),
        load(&stats.probes),
        load(&stats.bridges),
        load(&stats.checks),
        load(&stats.cross),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(load(&stats.cross), 0);
    assert_eq!(created, dropped);
    assert!(load(&stats.tasks) > top);
    assert!(load(&stats.checks) >= top * STEPS * 2);
}
