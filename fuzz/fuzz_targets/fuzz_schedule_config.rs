//! Fuzzes `cyclr::schedule::ScheduleConfig`: the input's text is parsed as TOML and as JSON;
//! every configuration that parses is built for a run length taken from the input, and every
//! schedule that builds is evaluated at the edges of time.
//!
//! Input layout: bytes `0..4` (little-endian u32, zero-padded) give the run length
//! `total_iters = 1 + v % 10_000_000`; the rest must be UTF-8 and is the config text.
//!
//! Contract checked (the library's promise for valid configurations, the same as
//! `crates/cyclr/tests/prop_schedules.rs::any_config_errs_or_behaves`): `build` never panics;
//! on `Ok`, `lr(t)` is finite, ≥ 0 and within `cfg.bounds()` (up to 4 ulp-sized rounding slack)
//! and `momentum(t)`, when present, is finite and in `[0, 1)`, for every `t` up to `u64::MAX`;
//! a valid configuration survives a JSON round trip (and a TOML one when it can be written).
#![no_main]

use cyclr::schedule::ScheduleConfig;
use libfuzzer_sys::fuzz_target;

fn within(x: f64, (lo, hi): (f64, f64)) -> bool {
    // Relative slack of a few roundings, as in the crate's property tests, but at least a few
    // units of the smallest subnormal: below 2^-1022 rounding errors are absolute (5e-324 each)
    // and a relative slack would be 0.
    let slack = (4.0 * f64::EPSILON * lo.abs().max(hi.abs())).max(4.0 * f64::from_bits(1));
    x.is_finite() && x >= lo - slack && x <= hi + slack
}

fn check(cfg: &ScheduleConfig, total: u64, format: &str) {
    let _ = cfg.name();
    let bounds = cfg.bounds();
    let s = match cfg.build(total) {
        Ok(s) => s,
        Err(e) => {
            assert!(!e.param.is_empty() && !e.valid.is_empty(), "{e:?}");
            let _ = e.to_string();
            return;
        }
    };
    let w = cfg.warmup().unwrap_or(0);
    let mut ts = vec![
        0,
        1,
        2,
        total / 2,
        total - 1,
        total,
        total + 1,
        2 * total,
        w.saturating_sub(1),
        w,
        1 << 40,
        1 << 53,
        (1 << 53) + 1,
        u64::MAX / 2,
        u64::MAX - 1,
        u64::MAX,
    ];
    ts.extend(0..total.min(16));
    let cycles = s.cycles_momentum();
    for t in ts {
        let lr = s.lr(t);
        assert!(
            lr.is_finite() && lr >= 0.0,
            "{format} {cfg:?} (total {total}): lr({t}) = {lr}"
        );
        assert!(
            within(lr, bounds),
            "{format} {cfg:?} (total {total}): lr({t}) = {lr} outside bounds {bounds:?}"
        );
        let m = s.momentum(t);
        if let Some(m) = m {
            assert!(
                m.is_finite() && (0.0..1.0).contains(&m),
                "{format} {cfg:?} (total {total}): momentum({t}) = {m}"
            );
        }
        if m.is_some() {
            assert!(
                cycles,
                "{cfg:?}: momentum({t}) is Some but cycles_momentum() is false"
            );
        }
    }

    // A valid configuration round-trips through JSON exactly ...
    let json = serde_json::to_string(cfg).expect("a valid config serializes to JSON");
    let back: ScheduleConfig = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("{cfg:?}: JSON {json} does not read back: {e}"));
    assert_eq!(&back, cfg, "JSON round trip via {json}");
    // ... and through TOML whenever it can be written (u64 > i64::MAX cannot).
    if let Ok(text) = toml::to_string(cfg) {
        let back: ScheduleConfig = toml::from_str(&text)
            .unwrap_or_else(|e| panic!("{cfg:?}: TOML {text:?} does not read back: {e}"));
        assert_eq!(&back, cfg, "TOML round trip via {text:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let (head, rest) = data.split_at(data.len().min(4));
    let mut b = [0u8; 4];
    b[..head.len()].copy_from_slice(head);
    let total = 1 + u64::from(u32::from_le_bytes(b)) % 10_000_000;
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match toml::from_str::<ScheduleConfig>(text) {
        Ok(cfg) => check(&cfg, total, "TOML"),
        Err(e) => {
            let _ = e.to_string();
        }
    }
    match serde_json::from_str::<ScheduleConfig>(text) {
        Ok(cfg) => check(&cfg, total, "JSON"),
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
