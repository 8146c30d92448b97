//! The benchmarks' statistics over timed samples.

use std::time::Duration;

fn sorted(v: &[Duration]) -> Vec<Duration> {
    let mut v = v.to_vec();
    v.sort();
    v
}

/// The middle sample (the upper one of an even count).
pub fn median(v: &[Duration]) -> Duration {
    let v = sorted(v);
    v[v.len() / 2]
}

/// The nearest-rank 90th percentile.
pub fn p90(v: &[Duration]) -> Duration {
    let v = sorted(v);
    v[(v.len() * 9).div_ceil(10) - 1]
}
