//! Helpers shared by the integration tests: a small deterministic random source (so a failing
//! interleaving can be replayed from its seed) and random yield points.

#![allow(dead_code)]

/// xorshift64*: deterministic, no dependency, good enough to shuffle interleavings.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Yields to the scheduler between 0 and `max` times, so that tasks interleave and migrate
/// between worker threads at random points.
pub async fn random_yields(rng: &mut Rng, max: u64) {
    for _ in 0..rng.below(max + 1) {
        tokio::task::yield_now().await;
    }
}

/// A value that counts how many were created and dropped, to prove each is dropped once.
#[derive(Debug)]
pub struct Counted {
    pub id: u64,
    counters: std::sync::Arc<Counters>,
}

#[derive(Debug, Default)]
pub struct Counters {
    pub created: std::sync::atomic::AtomicUsize,
    pub dropped: std::sync::atomic::AtomicUsize,
}

impl Counters {
    pub fn new() -> std::sync::Arc<Self> {
        std::sync::Arc::default()
    }

    pub fn make(self: &std::sync::Arc<Self>, id: u64) -> Counted {
        self.created
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Counted {
            id,
            counters: self.clone(),
        }
    }

    pub fn created(&self) -> usize {
        self.created.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn dropped(&self) -> usize {
        self.dropped.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Clone for Counted {
    fn clone(&self) -> Self {
        self.counters.make(self.id)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.counters
            .dropped
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}
