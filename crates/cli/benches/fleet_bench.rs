//! Benchmark (a `harness = false` bench, not a test): four clients warming distinct trees on
//! one simfs with a total cap, started 1 s apart like a fleet's nodes,
//! three ways: plain `-P 16`, a fair share (`--max-rate 40MiB/s/fleet`),
//! and `--backoff`. Writes target/fleet-bench/{fleet.csv,clients.csv,
//! aggregate.svg,summary.md}; reports/2026-12-01-fleet holds a run.
//!
//!     cargo bench -p preload-cli --bench fleet_bench

#[path = "../tests/util/mod.rs"]
mod util;

use std::fmt::Write as _;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use plotters::prelude::*;
use plotters::style::register_font;
use preload_simfs::Model;
use preload_simfs::testing::{TestMount, create_file, require_fuse};

const MIB: u64 = 1 << 20;
const CLIENTS: u64 = 4;

struct Scenario {
    name: &'static str,
    args: &'static [&'static str],
}

struct Outcome {
    name: &'static str,
    /// (seconds, aggregate MiB/s over the last 0.5 s).
    aggregate: Vec<(f64, f64)>,
    /// Per client: (start s, finish s, MiB/s, back-offs).
    clients: Vec<(f64, f64, f64, usize)>,
    wall: f64,
}

fn run(mnt: &TestMount, s: &Scenario) -> Outcome {
    for c in 0..CLIENTS {
        for f in std::fs::read_dir(mnt.path().join(format!("c{c}"))).unwrap() {
            preload_simfs::testing::evict(&f.unwrap().path()).unwrap();
        }
    }
    let t0 = Instant::now();
    let mut children: Vec<(f64, Child)> = Vec::new();
    let mut samples = vec![(0.0, mnt.mounted().stats().bytes_served)];
    let mut results: Vec<Option<(f64, f64, f64, usize)>> = vec![None; CLIENTS as usize];
    loop {
        let now = t0.elapsed().as_secs_f64();
        if children.len() < CLIENTS as usize && now >= children.len() as f64 {
            let c = children.len();
            let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("preload"))
                .args([
                    "warm",
                    "--json",
                    "--quiet",
                    "-P",
                    "16",
                    "--chunk-size",
                    "1MiB",
                ])
                .args(s.args)
                .arg(mnt.path().join(format!("c{c}")))
                .env("PRELOAD_FLEET_SIZE", CLIENTS.to_string())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            children.push((now, child));
        }
        for (i, (start, child)) in children.iter_mut().enumerate() {
            if results[i].is_none() && child.try_wait().unwrap().is_some() {
                let mut out = String::new();
                std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut out).unwrap();
                let v: serde_json::Value = serde_json::from_str(&out).unwrap();
                let backoffs = v["pacing"]["backoffs"].as_array().map_or(0, Vec::len);
                results[i] = Some((
                    *start,
                    now,
                    v["throughput_mib_s"].as_f64().unwrap(),
                    backoffs,
                ));
            }
        }
        samples.push((now, mnt.mounted().stats().bytes_served));
        if results.iter().all(Option::is_some) || now > 120.0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let aggregate = samples
        .iter()
        .enumerate()
        .skip(5)
        .map(|(i, &(t, b))| {
            let (t0, b0) = samples[i - 5];
            (t, (b - b0) as f64 / MIB as f64 / (t - t0))
        })
        .collect();
    Outcome {
        name: s.name,
        aggregate,
        clients: results.into_iter().map(|r| r.expect("finished")).collect(),
        wall: t0.elapsed().as_secs_f64(),
    }
}

fn chart(outcomes: &[Outcome], path: &std::path::Path) {
    // The report crate's embedded font: text needs one on a bare machine.
    static FONT: &[u8] = include_bytes!("../../report/assets/DejaVuSans.ttf");
    register_font("sans-serif", FontStyle::Normal, FONT)
        .map_err(|_| "font")
        .unwrap();
    let root = SVGBackend::new(path, (900, 480)).into_drawing_area();
    root.fill(&WHITE).unwrap();
    let t_max = outcomes.iter().map(|o| o.wall).fold(1.0, f64::max);
    let mut c = ChartBuilder::on(&root)
        .caption(
            "4 clients started 1 s apart, simfs 40 MiB/s total",
            ("sans-serif", 20),
        )
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..t_max * 1.02, 0.0..50.0)
        .unwrap();
    c.configure_mesh()
        .x_desc("seconds")
        .y_desc("aggregate MiB/s (0.5 s windows); markers: client finishes")
        .draw()
        .unwrap();
    for (k, o) in outcomes.iter().enumerate() {
        let color = Palette99::pick(k).to_rgba();
        c.draw_series(LineSeries::new(
            o.aggregate.iter().copied(),
            color.stroke_width(2),
        ))
        .unwrap()
        .label(o.name)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
        c.draw_series(
            o.clients
                .iter()
                .map(|cl| Circle::new((cl.1, 2.0 + 3.0 * k as f64), 4, color.filled())),
        )
        .unwrap();
    }
    c.configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE)
        .draw()
        .unwrap();
    root.present().unwrap();
}

fn main() {
    if !require_fuse() {
        return;
    }
    // 10 MiB/s per stream, 40 in total; past 16 active streams every
    // request costs 1 + 0.1 x (streams - 16) times more (a server that
    // thrashes under too many streams). A client alone takes 2.4 s, so
    // clients started 1 s apart overlap.
    let mnt = TestMount::new(
        Model::new()
            .latency(Duration::from_millis(2))
            .stream_bw(10 * MIB)
            .total_bw(40 * MIB)
            .contention(16, 0.1),
    )
    .unwrap();
    for c in 0..CLIENTS {
        for f in 0..4 {
            create_file(
                &mnt.backing().join(format!("c{c}/shard-{f}")),
                24 * MIB,
                c * 10 + f,
            )
            .unwrap();
        }
    }
    let scenarios = [
        Scenario {
            name: "-P 16",
            args: &[],
        },
        Scenario {
            name: "-P 16 --max-rate 40MiB/s/fleet",
            args: &["--max-rate", "40MiB/s/fleet"],
        },
        Scenario {
            name: "-P 16 --backoff",
            args: &["--backoff"],
        },
    ];
    let outcomes: Vec<Outcome> = scenarios.iter().map(|s| run(&mnt, s)).collect();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/fleet-bench");
    std::fs::create_dir_all(&dir).unwrap();
    let mut md = String::from(
        "| scenario | all done s | mean aggregate MiB/s | client finish s (start +1 s each) | client MiB/s | back-offs |\n|---|---:|---:|---|---|---:|\n",
    );
    let mut csv = String::from("scenario,client,start_s,finish_s,mib_s,backoffs\n");
    for o in &outcomes {
        let total = (CLIENTS * 96 * MIB) as f64 / MIB as f64;
        let fin: Vec<String> = o.clients.iter().map(|c| format!("{:.1}", c.1)).collect();
        let rates: Vec<String> = o.clients.iter().map(|c| format!("{:.1}", c.2)).collect();
        let _ = writeln!(
            md,
            "| `{}` | {:.1} | {:.1} | {} | {} | {} |",
            o.name,
            o.wall,
            total / o.wall,
            fin.join(", "),
            rates.join(", "),
            o.clients.iter().map(|c| c.3).sum::<usize>()
        );
        for (i, c) in o.clients.iter().enumerate() {
            let _ = writeln!(
                csv,
                "{},{i},{:.2},{:.2},{:.2},{}",
                o.name, c.0, c.1, c.2, c.3
            );
        }
    }
    let mut series = String::from("scenario,t_s,aggregate_mib_s\n");
    for o in &outcomes {
        for (t, r) in &o.aggregate {
            let _ = writeln!(series, "{},{t:.2},{r:.2}", o.name);
        }
    }
    std::fs::write(dir.join("summary.md"), &md).unwrap();
    std::fs::write(dir.join("clients.csv"), csv).unwrap();
    std::fs::write(dir.join("fleet.csv"), series).unwrap();
    chart(&outcomes, &dir.join("aggregate.svg"));
    eprintln!("{md}");
}
