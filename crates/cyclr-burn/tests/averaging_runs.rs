//! Weight averaging in the training loop, on the embedded digits: the run is scored, saved and
//! handed back as its average; the average is the mean of the live models at its update steps;
//! an averaged run interrupted and resumed is bit-identical to one that was not.
use std::path::PathBuf;

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::Tensor;
use cyclr::average::{AverageConfig, AverageEvery, AverageKind, AveragingRule};
use cyclr::schedule::ScheduleConfig;
use cyclr_burn::optim::SgdConfig;
use cyclr_burn::train::{NoObserver, evaluate, train_until};
use cyclr_burn::{Activation, Kernels, ModelKind, Net, OptimizerConfig, TrainConfig, TrainError};
use cyclr_data::{DatasetSpec, Split};

fn digits() -> Split {
    DatasetSpec::Digits.load().expect("embedded digits")
}

fn config(average: AverageConfig, batch_norm: bool, iters: u64) -> TrainConfig {
    let schedule: ScheduleConfig = serde_json::from_str(
        r#"{"policy":"triangular","base_lr":0.01,"max_lr":0.1,"step_size":5}"#,
    )
    .unwrap();
    TrainConfig {
        model: ModelKind::Mlp,
        activation: Activation::Relu,
        batch_norm,
        optimizer: OptimizerConfig::Sgd(SgdConfig {
            momentum: 0.9,
            nesterov: false,
            weight_decay: 5e-4,
        }),
        schedule,
        iters,
        batch_size: 64,
        eval_every: 7,
        seed: 3,
        checkpoint_every: None,
        out_dir: None,
        lr_origin: None,
        kernels: Kernels::default(),
        bn_recalibration: None,
        device: Default::default(),
        gpt: None,
        grad_clip: None,
        init: None,
        layer_lr_decay: None,
        average: Some(average),
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cyclr-avg-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The trainable weights (parameters, not batch-norm buffers), flattened, in visiting order.
fn weights(net: &Net) -> Vec<Vec<f32>> {
    struct Collect(Vec<Vec<f32>>);
    impl ModuleVisitor for Collect {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if param.val().is_require_grad() {
                self.0.push(param.val().into_data().try_to_vec().unwrap());
            }
        }
    }
    let mut c = Collect(Vec::new());
    net.visit(&mut c);
    c.0
}

/// Every float of the model (buffers too) as bits.
fn all_bits(net: &Net) -> Vec<u32> {
    struct Collect(Vec<u32>);
    impl ModuleVisitor for Collect {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let v: Vec<f32> = param.val().into_data().try_to_vec().unwrap();
            self.0.extend(v.into_iter().map(f32::to_bits));
        }
    }
    let mut c = Collect(Vec::new());
    net.valid().visit(&mut c);
    c.0
}

#[test]
fn the_average_is_the_mean_of_the_live_models_at_its_steps() {
    let split = digits();
    let avg = AverageConfig {
        start: Some(0.25),
        every: Some(AverageEvery::Steps(6)),
        ..AverageConfig::new(AverageKind::Swa)
    };
    let cfg = config(avg, false, 40);
    let (summary, averaged) = train_until(&cfg, &split, &mut NoObserver, false, None).unwrap();
    // first = floor(0.25·40) + 1 = 11: steps 11, 17, 23, 29, 35.
    assert_eq!(summary.averaged_models, Some(5));
    let mut mean: Vec<Vec<f32>> = Vec::new();
    for (n, k) in [11u64, 17, 23, 29, 35].into_iter().enumerate() {
        let mut plain = cfg.clone();
        plain.average = None;
        let (_, live) = train_until(&plain, &split, &mut NoObserver, false, Some(k)).unwrap();
        let w = weights(&live);
        if mean.is_empty() {
            mean = w.clone();
        }
        let up = AveragingRule::Swa.update(n as u64, 0);
        for (a, p) in mean.iter_mut().zip(&w) {
            up.apply(a, p);
        }
    }
    assert_eq!(weights(&averaged), mean);
    // The run is scored by the model it hands back; the live model's figures are beside.
    let (loss, acc) = evaluate(&averaged, &split.test);
    assert_eq!(summary.final_test_loss, loss);
    assert_eq!(summary.final_test_accuracy, acc);
    let live_loss = summary.final_live_test_loss.unwrap();
    assert_ne!(live_loss, loss);
    let last = summary.metrics.last().unwrap();
    assert_eq!(last.live_test_loss, Some(live_loss));
    // Rows before the first update have no average: their figures are the live model's.
    let early = summary
        .metrics
        .iter()
        .find(|r| r.test_loss.is_some())
        .unwrap();
    assert_eq!((early.iteration, early.live_test_loss), (6, None));
}

#[test]
fn an_averaged_run_resumes_bit_for_bit() {
    let split = digits();
    let cases = [
        AverageConfig {
            start: Some(0.3),
            every: Some(AverageEvery::Cycle),
            ..AverageConfig::new(AverageKind::Swa)
        },
        AverageConfig {
            start: Some(0.5),
            swa_lr: Some(0.02),
            swa_anneal_iters: Some(6),
            ..AverageConfig::new(AverageKind::Swa)
        },
        AverageConfig {
            decay: Some(0.9),
            ema_warmup_power: Some(0.75),
            ..AverageConfig::new(AverageKind::EmaWarmup)
        },
    ];
    for (i, avg) in cases.into_iter().enumerate() {
        let mut cfg = config(avg, true, 45);
        let (straight, net_a) = train_until(&cfg, &split, &mut NoObserver, false, None).unwrap();
        let dir = temp_dir(&format!("resume{i}"));
        cfg.out_dir = Some(dir.clone());
        cfg.checkpoint_every = Some(10);
        let (part, _) = train_until(&cfg, &split, &mut NoObserver, false, Some(30)).unwrap();
        assert_eq!(part.iterations, 30);
        let (resumed, net_b) = train_until(&cfg, &split, &mut NoObserver, true, None).unwrap();
        assert_eq!(resumed.resumed_from, Some(30));
        let bits = |r: &cyclr_burn::MetricRow| {
            (
                r.lr.to_bits(),
                r.train_loss.to_bits(),
                r.test_loss.map(f64::to_bits),
                r.live_test_loss.map(f64::to_bits),
                r.live_test_accuracy.map(f64::to_bits),
            )
        };
        assert_eq!(straight.metrics.len(), resumed.metrics.len());
        for (a, b) in straight.metrics.iter().zip(&resumed.metrics) {
            assert_eq!(bits(a), bits(b), "case {i}: row {}", a.iteration);
        }
        assert_eq!(straight.averaged_models, resumed.averaged_models);
        assert!(straight.averaged_models.unwrap() > 0, "case {i}");
        assert_eq!(straight.final_live_test_loss, resumed.final_live_test_loss);
        assert_eq!(all_bits(&net_a), all_bits(&net_b), "case {i}: final model");
        // metrics.csv carries both figures.
        let csv = std::fs::read_to_string(dir.join("metrics.csv")).unwrap();
        assert!(
            csv.starts_with(
                "iteration,lr,momentum,train_loss,test_loss,test_accuracy,live_test_loss,live_test_accuracy\n"
            ),
            "{csv:.200}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
    // SWALR changed the rates from the first averaged step (iteration 22) on.
    let swalr = config(
        AverageConfig {
            start: Some(0.5),
            swa_lr: Some(0.02),
            swa_anneal_iters: Some(6),
            ..AverageConfig::new(AverageKind::Swa)
        },
        true,
        45,
    );
    let (s, _) = train_until(&swalr, &split, &mut NoObserver, false, None).unwrap();
    assert_eq!(s.metrics[44].lr, 0.02);
    let plain = config(AverageConfig::new(AverageKind::Swa), true, 45);
    let (p, _) = train_until(&plain, &split, &mut NoObserver, false, None).unwrap();
    assert_eq!(s.metrics[22].lr, p.metrics[22].lr);
    assert_ne!(s.metrics[23].lr, p.metrics[23].lr);
}

#[test]
fn bad_averaging_is_refused_naming_it() {
    let split = digits();
    let mut cfg = config(AverageConfig::new(AverageKind::Ema), false, 20);
    match train_until(&cfg, &split, &mut NoObserver, false, None) {
        Err(TrainError::Param(e)) => assert_eq!(e.param, "decay"),
        other => panic!("{other:?}"),
    }
    cfg.average = Some(AverageConfig {
        every: Some(AverageEvery::Cycle),
        ..AverageConfig::new(AverageKind::Swa)
    });
    cfg.schedule = serde_json::from_str(r#"{"policy":"fixed","lr":0.05}"#).unwrap();
    match train_until(&cfg, &split, &mut NoObserver, false, None) {
        Err(TrainError::Param(e)) => assert_eq!(e.param, "average_every"),
        other => panic!("{other:?}"),
    }
    cfg.average = Some(AverageConfig::new(AverageKind::Swa));
    cfg.optimizer = serde_json::from_str(r#"{"kind":"sgd-schedulefree"}"#).unwrap();
    match train_until(&cfg, &split, &mut NoObserver, false, None) {
        Err(TrainError::Config(m)) => assert!(m.contains("schedule-free"), "{m}"),
        other => panic!("{other:?}"),
    }
}
