//! `tune --clients N` on simfs with a total cap: with the storage's total
//! bandwidth the bound, N clients at once each want about 1/N of the
//! single client's knee, and the tune says so.

mod util;

use std::time::Duration;

use preload_simfs::testing::{TestMount, capped, create_file, require_fuse};

use util::{json, preload};

const MIB: u64 = 1 << 20;

fn fleet_tune(mnt: &TestMount, clients: usize, max_level: usize) -> serde_json::Value {
    let out = preload()
        .args(["tune", "--json", "--byte-budget", "320MiB"])
        .args(["--max-level", &max_level.to_string()])
        .args(["--clients", &clients.to_string()])
        .arg(mnt.path())
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    json(&out.stdout)
}

#[test]
fn four_clients_find_a_quarter_of_the_single_client_knee() {
    if !require_fuse() {
        return;
    }
    // 5 MiB/s per stream, 40 MiB/s in total: one client's knee is 8;
    // four clients share the 40, so each saturates at 10 MiB/s, at 2.
    let mnt = TestMount::new(capped(2, 5, 40)).unwrap();
    for i in 0..8 {
        create_file(&mnt.backing().join(format!("shard-{i}")), 48 * MIB, i).unwrap();
    }
    // Each client needs a unit per reader: four clients stop at -P 8.
    let one = fleet_tune(&mnt, 1, 16);
    let four = fleet_tune(&mnt, 4, 8);
    let curve = |r: &serde_json::Value| -> Vec<(u64, f64)> {
        r["levels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["level"].as_u64().unwrap(),
                    l["aggregate_mib_s"].as_f64().unwrap(),
                )
            })
            .collect()
    };
    eprintln!(
        "one client: {:.1?}\nfour clients: {:.1?}",
        curve(&one),
        curve(&four)
    );
    let (k1, k4) = (
        one["per_client_knee"].as_u64().unwrap(),
        four["per_client_knee"].as_u64().unwrap(),
    );
    // The model says 8 and 2. Under load the 4-client aggregate reads above
    // the cap now and then (one client's readahead lands in a neighbour's
    // units), which moves the knee up one level; what must hold is that the
    // fleet's per-client knee is far below the single client's.
    assert!((4..=16).contains(&k1), "single-client knee: {one}");
    assert!(
        k4 <= k1 / 2 && k4 <= 4,
        "per-client knee with 4 clients: {four}"
    );
    for l in four["levels"].as_array().unwrap() {
        assert_eq!(l["per_client_mib_s"].as_array().unwrap().len(), 4);
    }
    // The aggregate at the 4-client knee is the storage's total, not 4x it.
    let agg = four["aggregate_mib_s_at_knee"].as_f64().unwrap();
    assert!((30.0..=50.0).contains(&agg), "aggregate {agg}");
}
