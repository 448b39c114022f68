//! Diagnostic (not a test): traces `-P auto`'s decisions on a mounted tree
//! (e.g. a `preload-simfs` shape of the tune matrix), interval by
//! interval, for a cold warm cut off after WINDOW seconds.
//!
//!     cargo run --release -p preload-tune --example auto_trace -- DIR WINDOW_S [front|spread]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use preload_core::engine::Scheduling;
use preload_core::{CancelToken, Controller, Interval, Warmer};
use preload_tune::{AUTO_MAX_LEVEL, AutoController};

type Trace = Arc<Mutex<Vec<(f64, Interval, usize)>>>;

/// `-P auto`, every interval it saw and the level it answered recorded.
struct Traced {
    inner: AutoController,
    start: Instant,
    trace: Trace,
}

impl Controller for Traced {
    fn plan_bytes(&mut self, bytes: u64) {
        self.inner.plan_bytes(bytes);
    }
    fn initial_level(&self) -> usize {
        self.inner.initial_level()
    }
    fn max_level(&self) -> usize {
        Controller::max_level(&self.inner)
    }
    fn interval(&self) -> Duration {
        self.inner.interval()
    }
    fn on_interval(&mut self, seen: &Interval) -> usize {
        let next = self.inner.on_interval(seen);
        let t = self.start.elapsed().as_secs_f64();
        self.trace.lock().unwrap().push((t, *seen, next));
        next
    }
    fn settled(&self) -> Option<usize> {
        Controller::settled(&self.inner)
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = std::path::PathBuf::from(&args[0]);
    let window: u64 = args[1].parse().expect("seconds");
    let schedule = match args.get(2).map(String::as_str) {
        Some("front") => Scheduling::AroundStalls,
        _ => Scheduling::SpreadFiles,
    };
    preload_core::residency::evict_all(std::slice::from_ref(&dir), &Default::default())
        .expect("evict");
    let trace: Trace = Arc::default();
    let start = Instant::now();
    let ctl = Traced {
        inner: AutoController::for_warm(AUTO_MAX_LEVEL, None),
        start,
        trace: trace.clone(),
    };
    let cancel = CancelToken::new();
    let stopper = cancel.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(window));
        stopper.cancel();
    });
    let summary = Warmer::new([&dir])
        .controller(Box::new(ctl))
        .scheduling(schedule)
        .cancel_token(cancel)
        .run()
        .unwrap();
    let mut last = 0;
    for (t, seen, next) in trace.lock().unwrap().iter() {
        if *next != last || seen.busy != (seen.level, seen.level) {
            println!(
                "{t:6.2} s  level {:3} busy {:?} {:7.1} MiB/s -> {next}",
                seen.level, seen.busy, seen.mib_s
            );
        }
        last = *next;
    }
    println!(
        "{} MiB in {:.2} s: {:.1} MiB/s, settled {}",
        summary.bytes >> 20,
        summary.elapsed_s,
        summary.throughput_mib_s,
        summary.parallelism
    );
}
