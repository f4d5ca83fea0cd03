//! Weight averaging against `torch.optim.swa_utils` and timm's `ModelEmaV3`
//! (`bench/averaging/make_golden.py`, fixtures in `tests/fixtures/averaging/`): the same sequence
//! of trained models folded into each average must give PyTorch's and timm's averaged weights
//! **bit for bit** (float32), timm's decay and SWALR's rates bit for bit (float64).
//!
//! A replay of any fixture of the format: `CYCLR_AVERAGING_GOLDEN=FILE cargo test --release
//! --test golden_averaging -- --nocapture`.
use std::path::{Path, PathBuf};

use cyclr::average::{AveragingRule, SwaAnneal, SwaLr, Update, timm_decay};
use serde_json::Value;

fn fixtures() -> Vec<PathBuf> {
    if let Ok(f) = std::env::var("CYCLR_AVERAGING_GOLDEN") {
        return vec![PathBuf::from(f)];
    }
    vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/averaging/swa_ema_timm.json")]
}

fn load(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// A model's parameters, each flattened, as `f32` (the JSON holds float32 values exactly).
fn model(v: &Value) -> Vec<Vec<f32>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            p.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap() as f32)
                .collect()
        })
        .collect()
}

fn num(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} in {v:.80}"))
}

/// The rule a fixture's case describes, and the update of its `i`-th call at optimizer step
/// `step` (steps since the average started, for timm, as its `train.py` passes them).
fn update_of(case: &Value, i: u64, step: u64) -> Update {
    match case["kind"].as_str().unwrap() {
        "swa" => AveragingRule::Swa.update(i, step),
        "ema" => AveragingRule::Ema {
            decay: num(case, "decay"),
        }
        .update(i, step),
        "ema-warmup" => {
            let warmup = case["use_warmup"]
                .as_bool()
                .unwrap()
                .then(|| (num(case, "warmup_gamma"), num(case, "warmup_power")));
            let decay = timm_decay(
                step,
                num(case, "decay"),
                num(case, "min_decay"),
                case["update_after_step"].as_u64().unwrap(),
                warmup,
            );
            if let Some((gamma, power)) = warmup {
                // The library's rule gives the same decay.
                let rule = AveragingRule::EmaWarmup {
                    decay: num(case, "decay"),
                    min_decay: num(case, "min_decay"),
                    update_after_step: case["update_after_step"].as_u64().unwrap(),
                    gamma,
                    power,
                };
                assert_eq!(rule.decay_at(step), decay);
                return rule.update(i, step);
            }
            Update::Lerp {
                weight: 1.0 - decay,
            }
        }
        other => panic!("unknown kind {other}"),
    }
}

#[test]
fn averages_match_pytorch_and_timm_bit_for_bit() {
    for path in fixtures() {
        let g = load(&path);
        let models: Vec<Vec<Vec<f32>>> =
            g["models"].as_array().unwrap().iter().map(model).collect();
        let cases = g["averagers"].as_array().unwrap();
        assert!(
            cases.len() >= 7,
            "{}: the fixture's averagers",
            path.display()
        );
        for case in cases {
            let name = case["name"].as_str().unwrap();
            let start = case["start"].as_u64().unwrap();
            // Both packages start from a copy of the model as it was when they were created.
            let mut avg = models[0].clone();
            let updates = case["updates"].as_array().unwrap();
            assert!(!updates.is_empty(), "{name}");
            for (i, u) in updates.iter().enumerate() {
                let k = u["step"].as_u64().unwrap();
                let step = k - start + 1;
                let up = update_of(case, i as u64, step);
                if let Some(d) = u["decay"].as_f64() {
                    let weight = match up {
                        Update::Lerp { weight } => weight,
                        Update::Copy => 1.0,
                        other => panic!("{name}: {other:?}"),
                    };
                    assert_eq!(1.0 - d, weight, "{name}: timm's decay at step {k}");
                }
                for (a, p) in avg.iter_mut().zip(&models[k as usize]) {
                    up.apply(a, p);
                }
                let want = model(&u["params"]);
                for (j, (got, want)) in avg.iter().zip(&want).enumerate() {
                    for (e, (x, y)) in got.iter().zip(want).enumerate() {
                        assert_eq!(
                            x.to_bits(),
                            y.to_bits(),
                            "{}: {name}: update {i} (step {k}), parameter {j}[{e}]: {x:e} vs \
                             the package's {y:e}",
                            path.display()
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn timm_decay_matches_get_decay() {
    for path in fixtures() {
        let g = load(&path);
        for case in g["decays"].as_array().unwrap() {
            let warmup = case["use_warmup"]
                .as_bool()
                .unwrap()
                .then(|| (num(case, "warmup_gamma"), num(case, "warmup_power")));
            for (s, want) in case["steps"]
                .as_array()
                .unwrap()
                .iter()
                .zip(case["values"].as_array().unwrap())
            {
                let s = s.as_u64().unwrap();
                let got = timm_decay(
                    s,
                    num(case, "decay"),
                    num(case, "min_decay"),
                    case["update_after_step"].as_u64().unwrap(),
                    warmup,
                );
                assert_eq!(got, want.as_f64().unwrap(), "step {s} of {case:.200}");
            }
        }
    }
}

#[test]
fn swalr_matches_pytorch_bit_for_bit() {
    for path in fixtures() {
        let g = load(&path);
        let cases = g["swalr"].as_array().unwrap();
        assert_eq!(cases.len(), 10);
        for case in cases {
            let s = SwaLr {
                lr0: num(case, "lr"),
                swa_lr: num(case, "swa_lr"),
                anneal_iters: case["anneal_epochs"].as_u64().unwrap(),
                strategy: match case["anneal_strategy"].as_str().unwrap() {
                    "cos" => SwaAnneal::Cos,
                    "linear" => SwaAnneal::Linear,
                    o => panic!("{o}"),
                },
            };
            for (j, want) in case["lrs"].as_array().unwrap().iter().enumerate() {
                assert_eq!(
                    s.lr(j as u64),
                    want.as_f64().unwrap(),
                    "SWALR {s:?} after {j} steps"
                );
            }
        }
    }
}
