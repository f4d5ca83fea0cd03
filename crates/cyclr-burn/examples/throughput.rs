//! Training throughput (images/s) and the cost of `lr_find` relative to plain training steps.
//!
//! ```text
//! cargo run --release -p cyclr-burn --example throughput [-- ITERS [all]]
//! ```
//!
//! With `all`, also `cifar10-quick`, `cifar10-full` and `resnet` (on the same 1×28×28 data,
//! ITERS iterations each).
//!
//! `ITERS` (default 100) is the number of LeNet iterations; the MLP, ~15× cheaper per
//! iteration, runs 5×ITERS so that its timings are not dominated by noise.
//!
//! Uses Fashion-MNIST from `/usr/share/datasets/fashion-mnist/` when present, else the embedded
//! digits. Batch size 128, SGD with momentum. Also reports how busy the cores were
//! (process CPU time / wall time) and the share of batch assembly (dataset → tensor).

use std::time::Instant;

use burn::optim::GradientsParams;
use cyclr::finder::RangeTestConfig;
use cyclr_burn::{
    Activation, CyclrOptimizer, LrFindConfig, ModelKind, Net, NetConfig, OptimizerConfig, data,
    lr_find,
};
use cyclr_data::{Dataset, DatasetSpec};

const BATCH: usize = 128;

/// Process CPU time (user + system) in seconds, from `/proc/self/stat` (Linux; USER_HZ = 100).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return f64::NAN;
    };
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        f.get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    // Fields 14 and 15 of the file (utime, stime) are 11 and 12 after the command name.
    (ticks(11) + ticks(12)) / 100.0
}

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, |d| d.count())
}

fn net(kind: ModelKind, ds: &Dataset) -> Net {
    let cfg = NetConfig {
        kind,
        activation: Activation::Relu,
        batch_norm: false,
        input: data::input_shape(ds),
        num_classes: ds.num_classes,
    };
    Net::new(&cfg, 0, &cyclr_burn::device()).expect("model")
}

struct Timing {
    secs: f64,
    batch_secs: f64,
    cpu: f64,
}

/// `iters` plain training steps (the loop of `train`, without evaluation).
fn plain_steps(kind: ModelKind, ds: &Dataset, iters: usize, lr: f64) -> Timing {
    let device = cyclr_burn::device();
    let mut model = net(kind, ds);
    let mut optim = CyclrOptimizer::new(&OptimizerConfig::default()).unwrap();
    let order = cyclr_data::batches(ds.len(), BATCH, 0, 0, true);
    let (cpu0, t0) = (cpu_seconds(), Instant::now());
    let mut batch_secs = 0.0;
    for t in 0..iters {
        let tb = Instant::now();
        let b = data::batch(ds, &order[t % order.len()], &device);
        batch_secs += tb.elapsed().as_secs_f64();
        let loss = Net::cross_entropy(model.forward(b.images), b.targets);
        let _ = loss.clone().into_scalar::<f32>();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(lr, None, model, grads);
    }
    let secs = t0.elapsed().as_secs_f64();
    Timing {
        secs,
        batch_secs,
        cpu: (cpu_seconds() - cpu0) / secs,
    }
}

fn main() {
    let iters: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100);
    let fashion = std::path::Path::new(cyclr_data::FASHION_MNIST_DEFAULT_DIR).exists();
    let split = if fashion {
        DatasetSpec::FashionMnist(None).load()
    } else {
        DatasetSpec::Digits.load()
    }
    .expect("dataset");
    let ds = &split.train;
    println!(
        "dataset {} ({} train images {}x{}x{}), batch {BATCH}, {} iterations (lenet; mlp 5x), \
         {} cores, flex backend",
        split.name,
        ds.len(),
        ds.channels,
        ds.height,
        ds.width,
        iters,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!();
    println!(
        "| model | iters | img/s | ms/iter | CPU busy (cores) | batch assembly | lr_find / plain steps |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut models = vec![(ModelKind::Mlp, 5 * iters), (ModelKind::Lenet, iters)];
    if std::env::args().nth(2).as_deref() == Some("all") {
        models.extend([
            (ModelKind::Cifar10Quick, iters),
            (ModelKind::Cifar10Full, iters),
            (ModelKind::Resnet, iters),
        ]);
    }
    for (kind, iters) in models {
        // Warm up (allocator, rayon pool).
        plain_steps(kind, ds, 5, 0.01);
        let plain = plain_steps(kind, ds, iters, 0.01);

        let mut optim = CyclrOptimizer::new(&OptimizerConfig::default()).unwrap();
        let cfg = LrFindConfig {
            range: RangeTestConfig {
                start_lr: 1e-5,
                end_lr: 1e-1,
                num_it: iters,
                stop_factor: None,
                ..RangeTestConfig::default()
            },
            batch_size: BATCH,
            ..LrFindConfig::default()
        };
        let model = net(kind, ds);
        let t0 = Instant::now();
        let (result, _model) = lr_find(model, &mut optim, ds, &split.test, &cfg).expect("lr_find");
        let find_secs = t0.elapsed().as_secs_f64();
        assert_eq!(result.recorded_points(), iters, "{}", result.stop_reason);

        println!(
            "| {kind} | {iters} | {:.0} | {:.1} | {:.2} | {:.1}% | {:.3} ({:.2}s vs {:.2}s) |",
            (iters * BATCH) as f64 / plain.secs,
            plain.secs * 1e3 / iters as f64,
            plain.cpu,
            100.0 * plain.batch_secs / plain.secs,
            find_secs / plain.secs,
            find_secs,
            plain.secs
        );
    }
    println!();
    println!("threads in the process: {}", threads());
}
