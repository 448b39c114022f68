//! A cancellation token shared between the caller and the engine's workers.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

/// Cheap to clone; every clone sees the same flag. Workers check it between
/// reads; the engine's monitor sleeps on it ([`CancelToken::wait_timeout`]),
/// so a run returns as soon as [`CancelToken::cancel`] is called, without
/// waiting for readers blocked in a read call.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<Inner>);

#[derive(Debug, Default)]
struct Inner {
    cancelled: AtomicBool,
    /// Counts [`CancelToken::wake`]s: a wait ends when it changes.
    wakes: AtomicU64,
    lock: Mutex<()>,
    wake: Condvar,
}

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks every holder to stop, and wakes those waiting on the token.
    pub fn cancel(&self) {
        self.0.cancelled.store(true, Ordering::SeqCst);
        // Taking the lock orders the store before a waiter's check: a waiter
        // either sees the flag or is already waiting when notified.
        let _guard = self.0.lock.lock().unwrap_or_else(PoisonError::into_inner);
        self.0.wake.notify_all();
    }

    /// Ends the waits on the token now without cancelling anything: each
    /// returns false, as at its timeout. The engine's last worker calls it,
    /// so a run returns when its reading ends, not at the monitor's next
    /// tick (up to 50 ms later: most of a hot warm's wall time).
    pub fn wake(&self) {
        let _guard = self.0.lock.lock().unwrap_or_else(PoisonError::into_inner);
        self.0.wakes.fetch_add(1, Ordering::SeqCst);
        self.0.wake.notify_all();
    }

    /// True once [`CancelToken::cancel`] was called on any clone.
    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::Relaxed)
    }

    /// Sleeps for `timeout`, or less if the token is cancelled or woken
    /// ([`CancelToken::wake`]) meanwhile; returns [`CancelToken::is_cancelled`].
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let guard = self.0.lock.lock().unwrap_or_else(PoisonError::into_inner);
        let wakes = self.0.wakes.load(Ordering::SeqCst);
        let _guard = self
            .0
            .wake
            .wait_timeout_while(guard, timeout, |()| {
                !self.is_cancelled() && self.0.wakes.load(Ordering::SeqCst) == wakes
            })
            .unwrap_or_else(PoisonError::into_inner);
        self.is_cancelled()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn a_wait_ends_at_the_cancel_not_at_the_timeout() {
        let token = CancelToken::new();
        assert!(!token.wait_timeout(Duration::from_millis(1)));
        let other = token.clone();
        let t = Instant::now();
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            other.cancel();
        });
        assert!(token.wait_timeout(Duration::from_secs(60)));
        assert!(t.elapsed() < Duration::from_secs(30), "woke at the timeout");
        canceller.join().unwrap();
        assert!(
            token.wait_timeout(Duration::from_secs(60)),
            "stays cancelled"
        );
    }

    #[test]
    fn a_wake_ends_a_wait_without_cancelling() {
        let token = CancelToken::new();
        let other = token.clone();
        let t = Instant::now();
        let waker = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            other.wake();
        });
        assert!(!token.wait_timeout(Duration::from_secs(60)));
        assert!(t.elapsed() < Duration::from_secs(30), "woke at the timeout");
        waker.join().unwrap();
        assert!(!token.is_cancelled());
    }
}
