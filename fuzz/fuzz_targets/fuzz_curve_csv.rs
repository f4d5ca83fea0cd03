//! Fuzzes `cyclr::finder::read_curve_csv` and, on every curve it accepts, the whole
//! range-test pipeline: `analyze` (fastai's default config with `num_it` = the number of rows;
//! the loss column as `train_loss`, the accuracy column as `accuracy`), `to_json`, `write_csv`,
//! and reading that CSV back.
//!
//! Nothing may panic. On success the checks below are the documented contracts (see
//! docs/reliability-fuzz-core.md).
#![no_main]

use cyclr::finder::{Metric, RangeTestConfig, RangeTestResult, analyze, read_curve_csv};
use libfuzzer_sys::fuzz_target;

fn check_result(r: &RangeTestResult, lrs: &[f64], values: &[f64]) {
    let n = r.recorded_points();
    // The recorded curve is a prefix of the input (points after a stop are ignored).
    assert!(n <= lrs.len());
    assert_eq!(r.raw.len(), n);
    assert_eq!(r.smoothed.len(), n);
    assert_eq!(&r.lrs[..], &lrs[..n]);
    assert_eq!(
        r.raw.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
        values[..n].iter().map(|x| x.to_bits()).collect::<Vec<_>>()
    );
    assert!(r.raw.iter().all(|x| x.is_finite()));
    // The suggestion window lies inside the recorded curve, and every suggestion inside it.
    assert!(r.window_start <= r.window_end && r.window_end <= n);
    for (name, s) in r.suggestions.iter() {
        if let Some(s) = s {
            assert!(
                (r.window_start..r.window_end).contains(&s.index),
                "{name}: index {} outside window {}..{}",
                s.index,
                r.window_start,
                r.window_end
            );
            // (`minimum` is lr/10, which can underflow to 0 on a subnormal lr.)
            assert!(s.lr.is_finite() && s.lr >= 0.0, "{name}: lr {}", s.lr);
        }
    }
    if let Some(b) = &r.bounds {
        assert!(!b.rule.is_empty());
        let _ = (b.base_lr, b.max_lr, b.one_cycle_max_lr);
    }

    // Reports must render.
    let _ = r.stop_reason.to_string();
    let json = r.to_json();
    assert_eq!(json["recorded_points"], n);
    let _ = serde_json::to_string(&json).expect("a serde_json::Value always serializes");
    let _ = serde_json::to_string(r).expect("a RangeTestResult serializes");

    // write_csv, then read it back: "read_curve_csv reads the file back exactly".
    let mut out = Vec::new();
    r.write_csv(&mut out)
        .expect("writing into a Vec cannot fail");
    let text = std::str::from_utf8(&out).expect("write_csv writes UTF-8");
    assert_eq!(text.lines().count(), n + 1);
    if n > 0 {
        let back = read_curve_csv(&out[..]).unwrap_or_else(|e| panic!("re-read: {e}\n{text}"));
        assert_eq!(back.lrs, r.lrs);
        let vals = if r.config.metric.is_loss() {
            back.losses.as_ref()
        } else {
            back.accuracies.as_ref()
        }
        .expect("the raw_<metric> column is read back");
        assert_eq!(vals, &r.raw);
    }
}

fuzz_target!(|data: &[u8]| {
    let curve = match read_curve_csv(data) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let n = curve.lrs.len();
    assert!(n >= 1);
    assert!(curve.lrs.iter().all(|x| x.is_finite() && *x > 0.0));
    assert!(curve.losses.is_some() || curve.accuracies.is_some());
    for v in [&curve.losses, &curve.accuracies].into_iter().flatten() {
        assert_eq!(v.len(), n);
    }
    if n < 2 {
        return;
    }
    let runs = [
        (curve.losses.as_ref(), Metric::TrainLoss),
        (curve.accuracies.as_ref(), Metric::Accuracy),
    ];
    for (values, metric) in runs {
        let Some(values) = values else { continue };
        let cfg = RangeTestConfig {
            num_it: n,
            metric,
            ..RangeTestConfig::default()
        };
        match analyze(&curve.lrs, values, &cfg) {
            Ok(r) => check_result(&r, &curve.lrs, values),
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
});
