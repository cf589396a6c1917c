//! Schema validation overhead: the DESIGN.md workload with policy `off`
//! and with `annotate`, interleaved in one run; prints records/s and the
//! ratio of the times (target: annotate ≤ 1.15 × off).
//!
//! Usage: `schema [records per run] [rounds]` (defaults 200000, 5).

use logfort_bench::{config, rate, run};
use std::time::Duration;

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let variants = [
        ("off", r#","schema":{"policy":"off"}"#),
        ("annotate", r#","schema":{"policy":"annotate"}"#),
    ];
    let mut best = [Duration::MAX; 2];
    let mut masking = Ok(());
    // Warm-up, then alternate so that machine noise hits both alike.
    for round in 0..=rounds {
        for (i, (name, extra)) in variants.iter().enumerate() {
            let path = dir.path().join(format!("{name}-{round}.log"));
            let (cfg, mask) = config(&path, extra);
            masking = mask;
            let took = run(cfg, n);
            let _ = std::fs::remove_file(&path);
            if round > 0 {
                best[i] = best[i].min(took);
            }
        }
    }
    println!(
        "schema validation: {n} records x {rounds} rounds, masking {}, best of each",
        match &masking {
            Ok(()) => "on".to_owned(),
            Err(e) => format!("off ({e})"),
        }
    );
    for (i, (name, _)) in variants.iter().enumerate() {
        println!("  {name:<9} {:>12.0} records/s", rate(n, best[i]));
    }
    let ratio = best[1].as_secs_f64() / best[0].as_secs_f64();
    println!("  annotate/off time ratio: {ratio:.3} (target <= 1.15)");
}
