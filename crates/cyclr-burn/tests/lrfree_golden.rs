//! The learning-rate-free optimizers against trajectories made by their reference packages
//! (schedulefree 1.4.1, prodigyopt 1.1.2, dadaptation 3.2; `fixtures/golden/lrfree/`, copied
//! from `shared/golden/lrfree/`, README there): every field of every step within its tolerance,
//! and the burn-`Learner` form of schedule-free identical to the engine's.

use std::path::{Path, PathBuf};

use burn::module::{Module, Param};
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Tensor, TensorData};
use cyclr_burn::optim::schedule_free_eval;
use cyclr_burn::replay::Golden;
use cyclr_burn::{CyclrOptimizer, OptimizerConfig};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/golden/lrfree")
}

/// Every case of the manifest is there and replays within tolerance.
#[test]
fn every_golden_case_is_within_its_tolerance() {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir().join("manifest.json")).unwrap()).unwrap();
    let cases = manifest["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 16);
    let mut kinds = std::collections::BTreeSet::new();
    for case in cases {
        let file = case["file"].as_str().unwrap();
        let golden = Golden::read(&dir().join(file)).unwrap();
        kinds.insert(golden.kind.clone());
        let r = golden.replay().unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(
            r.passed(),
            "{file}: {r} (worst params at step {})",
            r.worst_step
        );
        // The fields the file has are the fields compared.
        assert_eq!(
            r.eval_params.is_some(),
            golden.steps[0].eval_params.is_some(),
            "{file}"
        );
        assert_eq!(r.d.is_some(), golden.steps[0].d.is_some(), "{file}");
    }
    assert_eq!(kinds.len(), 5, "{kinds:?}");
}

/// The replay can fail: a hyper-parameter off by a little is caught.
#[test]
fn a_wrong_hyperparameter_fails_the_replay() {
    for (file, key, value) in [
        (
            "lrfree_00_sgd-schedulefree_quadratic.json",
            "momentum",
            0.89,
        ),
        ("lrfree_08_prodigy_quadratic.json", "d_coef", 0.99),
        ("lrfree_13_dadapt-adam_mlp.json", "eps", 1e-6),
        ("lrfree_14_dadapt-sgd_quadratic.json", "momentum", 0.88),
    ] {
        let mut golden = Golden::read(&dir().join(file)).unwrap();
        golden.hyperparameters.insert(key.into(), value.into());
        let r = golden.replay().unwrap();
        assert!(!r.passed(), "{file} with {key} = {value}: {r}");
    }
}

#[derive(Module, Debug)]
struct Two {
    w: Param<Tensor<2>>,
    b: Param<Tensor<1>>,
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .unwrap()
}

fn grads_of(m: &Two, step: usize) -> GradientsParams {
    let device = cyclr_burn::device();
    let x = Tensor::<2>::from_data(
        TensorData::new(
            (0..6)
                .map(|i| ((i + step) as f32 * 0.7).sin())
                .collect::<Vec<_>>(),
            [2, 3],
        ),
        &device,
    );
    let loss = x
        .matmul(m.w.val())
        .add(m.b.val().unsqueeze_dim(0))
        .tanh()
        .sum();
    GradientsParams::from_grads(loss.backward(), m)
}

/// burn's per-parameter form (for burn's `Learner`) gives the same parameters, bit for bit, as
/// the engine `CyclrOptimizer` uses, and `schedule_free_eval` on its record gives the engine's
/// evaluation point.
#[test]
fn schedule_free_in_burns_module_optimizer_matches_the_engine() {
    let device = cyclr_burn::device();
    for kind in ["sgd-schedulefree", "adamw-schedulefree"] {
        let mut keys = serde_json::Map::new();
        keys.insert("warmup_steps".into(), 3.into());
        keys.insert("weight_decay".into(), 0.01.into());
        let config = OptimizerConfig::from_name_with(kind, &keys).unwrap();
        let model = Two {
            w: Param::from_tensor(Tensor::from_data(
                TensorData::new(vec![0.1f32, -0.2, 0.3, 0.4, -0.5, 0.6], [3, 2]),
                &device,
            )),
            b: Param::from_tensor(Tensor::from_floats([0.05f32, -0.05], &device)),
        };
        let mut engine = CyclrOptimizer::new(&config).unwrap();
        let mut burn_form: ModuleOptimizer = CyclrOptimizer::new(&config)
            .unwrap()
            .into_module_optimizer()
            .unwrap();
        let (mut a, mut b) = (model.clone(), model);
        for step in 0..8 {
            let lr = if kind == "sgd-schedulefree" {
                0.5
            } else {
                0.01
            };
            let ga = grads_of(&a, step);
            a = engine.step(lr, None, a, ga);
            let gb = grads_of(&b, step);
            b = burn_form.step(lr, b, gb);
            assert_eq!(values(a.w.val()), values(b.w.val()), "{kind} step {step}");
            assert_eq!(values(a.b.val()), values(b.b.val()), "{kind} step {step}");
        }
        let beta = 0.9;
        let x_engine = engine.clone().eval_mode(a);
        let x_burn = schedule_free_eval(b, burn_form.to_record(), beta).unwrap();
        assert_eq!(values(x_engine.w.val()), values(x_burn.w.val()), "{kind}");
        assert_eq!(values(x_engine.b.val()), values(x_burn.b.val()), "{kind}");
    }
}

/// Prodigy and D-Adaptation have no per-parameter form: an error that says why, not a panic.
#[test]
fn d_estimators_refuse_burns_module_optimizer() {
    for kind in ["prodigy", "dadapt-adam", "dadapt-sgd"] {
        let o = CyclrOptimizer::new(&OptimizerConfig::from_name(kind).unwrap()).unwrap();
        let Err(e) = o.into_module_optimizer() else {
            panic!("{kind}: expected an error");
        };
        assert!(e.to_string().contains("sums over every"), "{e}");
    }
}

/// The whole state (tensors and group scalars) survives a byte round trip: the next steps are
/// identical bit for bit; schedule-free's mode survives too.
#[test]
fn lr_free_state_round_trip_is_exact() {
    let device = cyclr_burn::device();
    for kind in OptimizerConfig::LR_FREE {
        let config = OptimizerConfig::from_name(kind).unwrap();
        let mut model = Two {
            w: Param::from_tensor(Tensor::from_data(
                TensorData::new(vec![0.1f32, -0.2, 0.3, 0.4, -0.5, 0.6], [3, 2]),
                &device,
            )),
            b: Param::from_tensor(Tensor::from_floats([0.05f32, -0.05], &device)),
        };
        let lr = config.default_lr().unwrap();
        let mut a = CyclrOptimizer::new(&config).unwrap();
        for step in 0..3 {
            let g = grads_of(&model, step);
            model = a.step(lr, None, model, g);
        }
        let mut b = CyclrOptimizer::new(&config).unwrap();
        b.load_bytes(&a.to_bytes().unwrap()).unwrap();
        assert_eq!(a.d(), b.d(), "{kind}");
        let (mut ma, mut mb) = (model.clone(), model.clone());
        for step in 3..6 {
            let g = grads_of(&ma, step);
            ma = a.step(lr, None, ma, g);
            let g = grads_of(&mb, step);
            mb = b.step(lr, None, mb, g);
        }
        assert_eq!(values(ma.w.val()), values(mb.w.val()), "{kind}");
        assert_eq!(a.d(), b.d(), "{kind}");
        if config.is_schedule_free() {
            let xa = a.eval_mode(ma);
            let mut c = CyclrOptimizer::new(&config).unwrap();
            c.load_bytes(&a.to_bytes().unwrap()).unwrap();
            assert!(!c.is_train_mode(), "{kind}: the mode is part of the state");
            let ya = a.train_mode(xa.clone());
            let yc = c.train_mode(xa);
            assert_eq!(values(ya.w.val()), values(yc.w.val()), "{kind}");
            // eval then train comes back to y (up to the rounding of two lerps).
            for (p, q) in values(ya.w.val()).iter().zip(values(mb.w.val())) {
                assert!(
                    (p - q).abs() <= 1e-6 * q.abs().max(1.0),
                    "{kind}: {p} vs {q}"
                );
            }
        }
        // A state of another kind is refused with a message.
        let other = if kind == "prodigy" {
            "dadapt-sgd"
        } else {
            "prodigy"
        };
        let mut wrong = CyclrOptimizer::new(&OptimizerConfig::from_name(other).unwrap()).unwrap();
        let err = wrong.load_bytes(&a.to_bytes().unwrap()).unwrap_err();
        assert!(
            err.to_string().contains("belongs to the optimizer"),
            "{err}"
        );
    }
}
