//! Schema validation overhead: the DESIGN.md workload with policy `off`
//! and with `annotate`, interleaved in one run; prints records/s and the
//! ratios of wall time and of CPU time (target: annotate ≤ 1.15 × off).
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
    let mut wall = [Duration::MAX; 2];
    let mut cpu = [Duration::MAX; 2];
    let mut masking = Ok(());
    // Warm-up, then alternate so that machine noise hits both alike;
    // keep the best of each.
    for round in 0..=rounds {
        for (i, (name, extra)) in variants.iter().enumerate() {
            let path = dir.path().join(format!("{name}-{round}.log"));
            let (cfg, mask) = config(&path, extra);
            masking = mask;
            let cost = run(cfg, n);
            let _ = std::fs::remove_file(&path);
            if round > 0 {
                wall[i] = wall[i].min(cost.wall);
                cpu[i] = cpu[i].min(cost.cpu);
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
        println!(
            "  {name:<9} {:>10.0} records/s  {:>6.2} us CPU/record",
            rate(n, wall[i]),
            cpu[i].as_secs_f64() * 1e6 / n as f64
        );
    }
    let ratio = |d: [Duration; 2]| d[1].as_secs_f64() / d[0].as_secs_f64();
    println!(
        "  annotate/off: wall time {:.3}, CPU time {:.3} (target <= 1.15)",
        ratio(wall),
        ratio(cpu)
    );
}
