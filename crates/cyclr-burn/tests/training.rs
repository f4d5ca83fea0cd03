//! End-to-end tests on the embedded digits (and Fashion-MNIST when installed). Release build:
//! each runs in a few seconds.

use std::path::PathBuf;

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::Tensor;
use cyclr::finder::{Metric, RangeTestConfig, RangeTestResult, StopReason};
use cyclr::schedule::ScheduleConfig;
use cyclr_burn::optim::{AdamConfig, SgdConfig};
use cyclr_burn::train::{NoObserver, train_until};
use cyclr_burn::{
    Activation, CyclrOptimizer, DivergenceKind, Kernels, LrFindConfig, ModelKind, Net,
    OptimizerConfig, TrainConfig, TrainError, data, lr_find, train,
};
use cyclr_data::{DatasetSpec, Split};

fn digits() -> Split {
    DatasetSpec::Digits.load().expect("embedded digits")
}

fn schedule(json: &str) -> ScheduleConfig {
    serde_json::from_str(json).expect("valid schedule json")
}

fn config(model: ModelKind, schedule_json: &str, iters: u64) -> TrainConfig {
    TrainConfig {
        model,
        activation: Activation::Relu,
        batch_norm: false,
        optimizer: OptimizerConfig::default(),
        schedule: schedule(schedule_json),
        iters,
        batch_size: 64,
        eval_every: 50,
        seed: 1,
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
        average: None,
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cyclr-burn-it-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Every float the module holds (parameters and batch-norm running statistics), as bits, in
/// traversal order.
fn weight_bits(net: &Net) -> Vec<u32> {
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
fn mlp_learns_digits_with_a_triangular_schedule() {
    let split = digits();
    let cfg = config(
        ModelKind::Mlp,
        r#"{"policy":"triangular","base_lr":0.01,"max_lr":0.1,"step_size":75}"#,
        300,
    );
    let s = train(&cfg, &split, &mut NoObserver, false).unwrap();
    assert_eq!(s.metrics.len(), 300);
    assert_eq!(s.iterations, 300);
    let mean =
        |r: &[cyclr_burn::MetricRow]| r.iter().map(|m| m.train_loss).sum::<f64>() / r.len() as f64;
    let (first, last) = (mean(&s.metrics[..20]), mean(&s.metrics[280..]));
    assert!(last < 0.25 * first, "loss {first} -> {last}");
    eprintln!(
        "mlp/digits: loss {first:.3} -> {last:.3}, test accuracy {:.4}",
        s.final_test_accuracy
    );
    assert!(
        s.final_test_accuracy > 0.85,
        "accuracy {}",
        s.final_test_accuracy
    );
    // Evaluations at 50, 100, ..., 300 (1-based), on the last row at least.
    let evals: Vec<u64> = s
        .metrics
        .iter()
        .filter(|r| r.test_accuracy.is_some())
        .map(|r| r.iteration)
        .collect();
    assert_eq!(evals, vec![49, 99, 149, 199, 249, 299]);
    // The lr follows the schedule: the peak at t = 75.
    assert!((s.metrics[75].lr - 0.1).abs() < 1e-12);
    assert!((s.metrics[0].lr - 0.01).abs() < 1e-12);
}

/// Interrupted (with the newest checkpoint corrupted) and resumed, the run ends with exactly the
/// metrics and weights of the uninterrupted one.
#[test]
fn resume_is_bit_identical() {
    let split = digits();
    let runs = [
        (
            ModelKind::Mlp,
            OptimizerConfig::Sgd(SgdConfig {
                momentum: 0.9,
                nesterov: true,
                weight_decay: 5e-4,
            }),
            r#"{"policy":"one-cycle","max_lr":0.2}"#,
            false,
        ),
        (
            ModelKind::Lenet,
            OptimizerConfig::Adam(AdamConfig {
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
                weight_decay: 0.0,
                decoupled_weight_decay: true,
                decay_vectors: true,
            }),
            r#"{"policy":"triangular2","base_lr":0.0005,"max_lr":0.005,"step_size":10,"base_momentum":0.85,"max_momentum":0.95}"#,
            true,
        ),
    ];
    for (i, (model, optimizer, sched, corrupt)) in runs.into_iter().enumerate() {
        let mut cfg = config(model, sched, 60);
        cfg.batch_norm = true;
        cfg.optimizer = optimizer;
        cfg.eval_every = 7;
        cfg.batch_size = 32;
        let (straight, net_a) = train_until(&cfg, &split, &mut NoObserver, false, None).unwrap();

        let dir = temp_dir(&format!("resume{i}"));
        cfg.out_dir = Some(dir.clone());
        cfg.checkpoint_every = Some(10);
        let (part, _) = train_until(&cfg, &split, &mut NoObserver, false, Some(30)).unwrap();
        assert_eq!(part.iterations, 30);
        if corrupt {
            // A crash that damaged the newest checkpoint: resume falls back to iteration 20.
            let newest = dir.join(cyclr_burn::train::checkpoint::file_name(30));
            let mut bytes = std::fs::read(&newest).unwrap();
            let mid = bytes.len() / 2;
            bytes[mid] ^= 1;
            std::fs::write(&newest, bytes).unwrap();
        }
        let (resumed, net_b) = train_until(&cfg, &split, &mut NoObserver, true, None).unwrap();
        assert_eq!(resumed.resumed_from, Some(if corrupt { 20 } else { 30 }));
        assert_eq!(resumed.iterations, 60);
        assert_eq!(straight.metrics.len(), resumed.metrics.len());
        for (a, b) in straight.metrics.iter().zip(&resumed.metrics) {
            let bits = |r: &cyclr_burn::MetricRow| {
                (
                    r.iteration,
                    r.lr.to_bits(),
                    r.momentum.map(f64::to_bits),
                    r.train_loss.to_bits(),
                    r.test_loss.map(f64::to_bits),
                    r.test_accuracy.map(f64::to_bits),
                )
            };
            assert_eq!(bits(a), bits(b), "{model}: row {}", a.iteration);
        }
        let (wa, wb) = (weight_bits(&net_a), weight_bits(&net_b));
        assert!(!wa.is_empty());
        assert!(wa == wb, "{model}: final weights differ");
        assert!(dir.join("metrics.csv").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn divergence_stops_training_and_keeps_the_last_good_checkpoint() {
    let split = digits();
    let mut cfg = config(ModelKind::Mlp, r#"{"policy":"fixed","lr":1e6}"#, 100);
    let dir = temp_dir("diverge");
    cfg.out_dir = Some(dir.clone());
    cfg.checkpoint_every = Some(1);
    let s = train(&cfg, &split, &mut NoObserver, false).unwrap();
    let d = s.diverged.expect("lr 1e6 diverges");
    assert!(d.iteration < 100, "{d}");
    assert_eq!(s.iterations, s.metrics.len() as u64);
    // A non-finite loss stops before its update; an exploding (finite) loss after it.
    let done = match d.kind {
        DivergenceKind::NonFiniteLoss => d.iteration,
        DivergenceKind::ExplodingLoss | DivergenceKind::NonFiniteTestLoss => d.iteration + 1,
    };
    assert_eq!(s.metrics.len() as u64, done, "{d}");
    // The last checkpoint is the one before the iteration that diverged.
    let newest = cyclr_burn::train::checkpoint::list(&dir).unwrap()[0].0;
    assert_eq!(newest, d.iteration, "{d}");
    // The issue's case: a finite but huge lr (loss 1e24, then NaN at test time) is caught too.
    let cfg = config(ModelKind::Mlp, r#"{"policy":"fixed","lr":50}"#, 100);
    let s = train(&cfg, &split, &mut NoObserver, false).unwrap();
    assert!(s.diverged.is_some(), "lr 50 was not reported as diverged");
    std::fs::remove_dir_all(&dir).unwrap();
}

fn pretrained(split: &Split) -> (Net, CyclrOptimizer) {
    let cfg = config(ModelKind::Lenet, r#"{"policy":"fixed","lr":0.01}"#, 1);
    let device = cyclr_burn::device();
    let mut cfg = cfg;
    cfg.batch_norm = true;
    let mut net = cyclr_burn::train::build_model(&cfg, &split.train, &device).unwrap();
    let mut optim = CyclrOptimizer::new(&cfg.optimizer).unwrap();
    // A few steps so that the optimizer has momentum buffers to restore.
    for k in 0..3 {
        net = one_step(net, &mut optim, split, k);
    }
    (net, optim)
}

fn one_step(net: Net, optim: &mut CyclrOptimizer, split: &Split, k: usize) -> Net {
    let device = cyclr_burn::device();
    let idx: Vec<usize> = (k * 32..(k + 1) * 32).collect();
    let b = data::batch(&split.train, &idx, &device);
    let loss = Net::cross_entropy(net.forward(b.images), b.targets);
    let grads = GradientsParams::from_grads(loss.backward(), &net);
    optim.step(0.01, None, net, grads)
}

/// Runs `lr_find` with `cfg` on a trained MLP and checks that it leaves no trace: the weights
/// bit for bit, and the optimizer's next step the one it would have been.
fn lr_find_leaving_no_trace(split: &Split, cfg: &LrFindConfig) -> RangeTestResult {
    let (net, mut optim) = pretrained(split);
    let before = weight_bits(&net);
    let optim_before = optim.clone();
    let (result, net) = lr_find(net, &mut optim, &split.train, &split.test, cfg).unwrap();
    let after = weight_bits(&net);
    let diff: Vec<usize> = (0..before.len())
        .filter(|&i| before[i] != after[i])
        .collect();
    assert!(
        diff.is_empty(),
        "{} of {} values changed by lr_find, first at {:?}",
        diff.len(),
        before.len(),
        diff.first()
    );
    // The optimizer state is restored too: the next step is the one it would have been.
    let mut optim_before = optim_before;
    let a = one_step(net.clone(), &mut optim, split, 5);
    let b = one_step(net, &mut optim_before, split, 5);
    assert!(
        weight_bits(&a) == weight_bits(&b),
        "optimizer state not restored"
    );
    result
}

#[test]
fn lr_find_restores_model_and_optimizer_bit_for_bit() {
    let mut cfg = LrFindConfig {
        batch_size: 32,
        ..LrFindConfig::default()
    };
    cfg.range.num_it = 60;
    let result = lr_find_leaving_no_trace(&digits(), &cfg);
    assert!(result.recorded_points() > 20);
    assert!(result.suggestions.valley.is_some());
}

/// The range test of an MLP on `split` with `optimizer`.
fn mlp_range_test(
    split: &Split,
    optimizer: OptimizerConfig,
    batch_size: usize,
) -> cyclr_burn::NetRangeTest {
    cyclr_burn::NetRangeTest {
        net: cyclr_burn::NetConfig {
            kind: ModelKind::Mlp,
            activation: Activation::Relu,
            batch_norm: false,
            input: data::input_shape(&split.train),
            num_classes: split.train.num_classes,
            kernels: Kernels::default(),
        },
        optimizer,
        batch_size,
        seed: 0,
        eval_every: 1,
        device: Default::default(),
    }
}

/// A warm-up before the sweep trains at its first rate on the batches before the sweep's, is
/// not recorded nor seen by the observer, and is undone with the rest of the test.
#[test]
fn a_range_test_warmup_trains_first_and_is_undone() {
    struct Points(Vec<(usize, f64)>);
    impl cyclr_burn::FindObserver for Points {
        fn on_point(&mut self, i: usize, _total: usize, lr: f64, _value: f64) {
            self.0.push((i, lr));
        }
    }
    let split = digits();
    let test = |warmup_it: usize| {
        let net = mlp_range_test(&split, OptimizerConfig::Adam(AdamConfig::default()), 32);
        let range = RangeTestConfig {
            num_it: 40,
            warmup_it,
            ..RangeTestConfig::calibrated()
        };
        let mut obs = Points(Vec::new());
        let r = net.run_observed(&split, range, &mut obs).unwrap();
        (r, obs.0)
    };
    let (plain, seen_plain) = test(0);
    let (warm, seen_warm) = test(6);
    // The observer sees the sweep's points only, numbered from 0, at the sweep's rates.
    assert_eq!(seen_warm.len(), warm.recorded_points());
    assert_eq!(seen_plain.len(), plain.recorded_points());
    assert!(seen_warm.iter().enumerate().all(|(k, &(i, _))| i == k));
    assert_eq!(seen_warm[0].1, 1e-6);
    assert_eq!(warm.lrs[..5], plain.lrs[..5]);
    // The warm-up moved Adam's state and took the first batches: the sweep's first loss is
    // another batch's.
    assert_ne!(warm.raw[0], plain.raw[0]);

    // Model and optimizer come back as they were.
    let mut cfg = LrFindConfig {
        batch_size: 32,
        ..LrFindConfig::default()
    };
    cfg.range.num_it = 30;
    cfg.range.warmup_it = 10;
    lr_find_leaving_no_trace(&split, &cfg);
}

#[test]
fn lr_find_stops_on_nan_and_runs_every_metric() {
    let split = digits();
    let (net, mut optim) = pretrained(&split);
    let before = weight_bits(&net);
    let mut cfg = LrFindConfig {
        batch_size: 32,
        ..LrFindConfig::default()
    };
    cfg.range.start_lr = 1e-3;
    cfg.range.end_lr = 1e12;
    cfg.range.num_it = 80;
    cfg.range.stop_factor = None;
    let (result, net) = lr_find(net, &mut optim, &split.train, &split.test, &cfg).unwrap();
    assert!(
        matches!(result.stop_reason, StopReason::NonFinite { .. }),
        "{}",
        result.stop_reason
    );
    assert!(weight_bits(&net) == before, "parameters changed");

    cfg.range = RangeTestConfig {
        num_it: 30,
        metric: Metric::ValLoss,
        ..RangeTestConfig::default()
    };
    cfg.val_batches = 2;
    let (r, net) = lr_find(net, &mut optim, &split.train, &split.test, &cfg).unwrap();
    assert!(r.recorded_points() >= 10);
    assert!(weight_bits(&net) == before, "parameters changed");

    cfg.range = RangeTestConfig {
        start_lr: 1e-4,
        end_lr: 1.0,
        num_it: 15,
        metric: Metric::Accuracy,
        ..RangeTestConfig::default()
    };
    cfg.eval_every = 3;
    let (r, net) = lr_find(net, &mut optim, &split.train, &split.test, &cfg).unwrap();
    assert!(r.raw.iter().all(|a| (0.0..=1.0).contains(a)));
    assert!(weight_bits(&net) == before, "parameters changed");
}

/// Fashion-MNIST from the Debian package `dataset-fashion-mnist`, when installed.
#[test]
fn lenet_learns_fashion_mnist_when_installed() {
    let dir = std::path::Path::new(cyclr_data::FASHION_MNIST_DEFAULT_DIR);
    if !dir.exists() {
        assert!(
            std::env::var_os("CYCLR_REQUIRE_FASHION_MNIST").is_none(),
            "CYCLR_REQUIRE_FASHION_MNIST is set but {} is missing (apt-get install -y dataset-fashion-mnist)",
            dir.display()
        );
        eprintln!("skipped: {} not found", dir.display());
        return;
    }
    let split = DatasetSpec::FashionMnist(None).load().unwrap();
    let mut cfg = config(
        ModelKind::Lenet,
        r#"{"policy":"triangular","base_lr":0.01,"max_lr":0.05,"step_size":50}"#,
        100,
    );
    cfg.eval_every = 100;
    let s = train(&cfg, &split, &mut NoObserver, false).unwrap();
    eprintln!(
        "lenet/fashion-mnist, 100 iterations: test accuracy {:.4} ({:.0} img/s)",
        s.final_test_accuracy, s.images_per_s
    );
    assert!(
        s.final_test_accuracy > 0.6,
        "accuracy {}",
        s.final_test_accuracy
    );
}

#[test]
fn resuming_another_configuration_is_refused() {
    let split = digits();
    let mut cfg = config(ModelKind::Mlp, r#"{"policy":"fixed","lr":0.01}"#, 10);
    let dir = temp_dir("mismatch");
    cfg.out_dir = Some(dir.clone());
    cfg.checkpoint_every = Some(5);
    train(&cfg, &split, &mut NoObserver, false).unwrap();
    // Same configuration: resumes at 10 (nothing left to do), metrics kept.
    let s = train(&cfg, &split, &mut NoObserver, true).unwrap();
    assert_eq!((s.resumed_from, s.metrics.len()), (Some(10), 10));
    cfg.seed = 2;
    // Reported as another run's checkpoints (naming what differs), not as corrupt ones.
    match train(&cfg, &split, &mut NoObserver, true) {
        Err(e @ TrainError::ForeignCheckpoint { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("another configuration"), "{msg}");
            assert!(msg.contains("seed: 2 here"), "{msg}");
        }
        other => panic!("expected a foreign-checkpoint error, got {other:?}"),
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A checkpoint resumes only with the kernels that wrote it; one written by burn's kernels has no
/// `kernels` field in its identity (as those written before the field existed) and resumes with
/// `kernels = burn`.
#[test]
fn resuming_with_other_kernels_is_refused() {
    let split = digits();
    let mut cfg = config(ModelKind::Lenet, r#"{"policy":"fixed","lr":0.01}"#, 6);
    cfg.batch_size = 32;
    cfg.kernels = Kernels::Burn;
    let dir = temp_dir("kernels");
    cfg.out_dir = Some(dir.clone());
    cfg.checkpoint_every = Some(3);
    train_until(&cfg, &split, &mut NoObserver, false, Some(3)).unwrap();
    cfg.kernels = Kernels::Cyclr;
    match train(&cfg, &split, &mut NoObserver, true) {
        Err(e @ TrainError::ForeignCheckpoint { .. }) => {
            let msg = e.to_string();
            assert!(
                msg.contains("written with kernels = burn, this run uses kernels = cyclr"),
                "{msg}"
            )
        }
        other => panic!("expected a foreign-checkpoint error, got {other:?}"),
    }
    cfg.kernels = Kernels::Burn;
    let s = train(&cfg, &split, &mut NoObserver, true).unwrap();
    assert_eq!((s.resumed_from, s.iterations), (Some(3), 6));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Both kernels train LeNet to the same losses up to rounding over a few steps.
#[test]
fn both_kernels_train_alike() {
    let split = digits();
    let mut cfg = config(ModelKind::Lenet, r#"{"policy":"fixed","lr":0.05}"#, 20);
    cfg.batch_size = 32;
    cfg.eval_every = 20;
    let run = |kernels| {
        let mut cfg = cfg.clone();
        cfg.kernels = kernels;
        train(&cfg, &split, &mut NoObserver, false).unwrap()
    };
    let (a, b) = (run(Kernels::Cyclr), run(Kernels::Burn));
    for (ra, rb) in a.metrics.iter().zip(&b.metrics) {
        assert!(
            (ra.train_loss - rb.train_loss).abs() < 1e-3 * (1.0 + rb.train_loss),
            "iteration {}: {} vs {}",
            ra.iteration,
            ra.train_loss,
            rb.train_loss
        );
    }
}

/// The paper's sigmoid + batch-norm setting trains, and evaluation (batch norm on its running
/// statistics) agrees with it.
#[test]
fn sigmoid_with_batch_norm_learns_digits() {
    let split = digits();
    let mut cfg = config(
        ModelKind::Lenet,
        r#"{"policy":"triangular","base_lr":0.01,"max_lr":0.2,"step_size":50}"#,
        200,
    );
    cfg.activation = Activation::Sigmoid;
    cfg.batch_norm = true;
    cfg.eval_every = 200;
    let s = train(&cfg, &split, &mut NoObserver, false).unwrap();
    eprintln!(
        "lenet sigmoid+BN/digits: test accuracy {:.4}",
        s.final_test_accuracy
    );
    assert!(
        s.final_test_accuracy > 0.85,
        "accuracy {}",
        s.final_test_accuracy
    );
}

/// Schedule-free is evaluated at x: the final test loss is that of the checkpoint's `model`
/// section (x), not of its `model_y` (y, the training point), the model handed back is x, and
/// with batch norm the statistics are recomputed at x (the evaluation changes with them).
#[test]
fn schedule_free_evaluates_and_checkpoints_at_x() {
    use burn::store::ModuleRecord;
    use burn::tensor::Bytes;
    let split = digits();
    for batch_norm in [false, true] {
        let dir = temp_dir(&format!("sf-x-{batch_norm}"));
        std::fs::create_dir_all(&dir).unwrap();
        let mut cfg = config(ModelKind::Mlp, r#"{"policy":"fixed","lr":0.0025}"#, 120);
        cfg.optimizer = OptimizerConfig::from_name("adamw-schedulefree").unwrap();
        cfg.batch_norm = batch_norm;
        cfg.eval_every = 60;
        cfg.checkpoint_every = Some(60);
        cfg.out_dir = Some(dir.clone());
        let (s, model) = train_until(&cfg, &split, &mut NoObserver, false, None).unwrap();
        let (_, path) = cyclr_burn::train::checkpoint::list(&dir).unwrap()[0].clone();
        let sections = cyclr_burn::train::checkpoint::read(&path).unwrap();
        let load = |name: &str| {
            let bytes = cyclr_burn::train::checkpoint::section(&sections, name).unwrap();
            let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes.to_vec())).unwrap();
            cyclr_burn::train::build_model(&cfg, &split.train, &cyclr_burn::device())
                .unwrap()
                .try_load_record(record)
                .unwrap()
        };
        let (x, y) = (load("model"), load("model_y"));
        let (loss_x, _) = cyclr_burn::train::evaluate(&x, &split.test);
        let (loss_y, _) = cyclr_burn::train::evaluate(&y, &split.test);
        assert_eq!(loss_x, s.final_test_loss, "bn {batch_norm}: evaluated at x");
        assert_ne!(loss_x, loss_y, "bn {batch_norm}: x and y differ");
        assert_eq!(
            weight_bits(&model),
            weight_bits(&x),
            "bn {batch_norm}: x handed back"
        );
        if batch_norm {
            // Without the recalibration the statistics are y's: another evaluation.
            let mut plain = cfg.clone();
            plain.bn_recalibration = Some(0);
            plain.out_dir = None;
            plain.checkpoint_every = None;
            let p = train(&plain, &split, &mut NoObserver, false).unwrap();
            assert_ne!(p.final_test_loss, s.final_test_loss);
            let rows = |m: &[cyclr_burn::MetricRow]| -> Vec<u64> {
                m.iter().map(|r| r.train_loss.to_bits()).collect()
            };
            assert_eq!(
                rows(&p.metrics),
                rows(&s.metrics),
                "training itself is unchanged"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Prodigy and D-Adaptation record d after every step; Prodigy's never decreases.
#[test]
fn d_estimators_record_d() {
    let split = digits();
    for kind in ["prodigy", "dadapt-adam", "dadapt-sgd"] {
        let mut cfg = config(ModelKind::Mlp, r#"{"policy":"fixed","lr":0.5}"#, 40);
        cfg.optimizer = OptimizerConfig::from_name(kind).unwrap();
        let s = train(&cfg, &split, &mut NoObserver, false).unwrap();
        let d: Vec<f64> = s.metrics.iter().map(|r| r.d.unwrap()).collect();
        assert!(d[0] >= 1e-6 && d[39] > d[0], "{kind}: {d:?}");
        assert!(
            d.windows(2).all(|w| w[1] >= w[0]),
            "{kind}: d decreased {d:?}"
        );
    }
    let s = train(
        &config(ModelKind::Mlp, r#"{"policy":"fixed","lr":0.05}"#, 5),
        &split,
        &mut NoObserver,
        false,
    )
    .unwrap();
    assert!(s.metrics.iter().all(|r| r.d.is_none()));
}

/// A schedule beside a schedule-free optimizer is refused by the library too.
#[test]
fn schedule_free_refuses_a_schedule() {
    let split = digits();
    let mut cfg = config(
        ModelKind::Mlp,
        r#"{"policy":"one-cycle","max_lr":0.01}"#,
        10,
    );
    cfg.optimizer = OptimizerConfig::from_name("sgd-schedulefree").unwrap();
    let e = train(&cfg, &split, &mut NoObserver, false).unwrap_err();
    assert!(
        matches!(e, TrainError::Param(ref p) if p.param == "policy"),
        "{e}"
    );
}

/// An observer sees every point and can stop the range test: it ends at once with
/// `Interrupted`, the model restored.
#[test]
fn a_range_test_observer_sees_points_and_can_stop_it() {
    struct StopAfter(usize, Vec<f64>);
    impl cyclr_burn::FindObserver for StopAfter {
        fn on_point(&mut self, i: usize, total: usize, lr: f64, _value: f64) {
            assert_eq!(i, self.1.len());
            assert_eq!(total, 100);
            self.1.push(lr);
        }
        fn should_stop(&mut self) -> bool {
            self.1.len() >= self.0
        }
    }
    let split = digits();
    let net = mlp_range_test(&split, OptimizerConfig::default(), 64);
    let mut obs = StopAfter(7, Vec::new());
    let e = net
        .run_observed(&split, RangeTestConfig::default(), &mut obs)
        .unwrap_err();
    assert_eq!(e, cyclr_burn::LrFindError::Interrupted);
    assert_eq!(obs.1.len(), 7);
    assert!(obs.1.windows(2).all(|w| w[1] > w[0]), "{:?}", obs.1);
}
