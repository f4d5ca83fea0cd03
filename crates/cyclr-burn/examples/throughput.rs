//! Training throughput (images/s) and the cost of `lr_find` relative to plain training steps,
//! with cyclr's kernels, burn's, or both side by side.
//!
//! ```text
//! cargo run --release -p cyclr-burn --example throughput [-- ITERS [all] [OPTIONS]]
//! ```
//!
//! With `all`, also `cifar10-quick`, `cifar10-full` and `resnet` (on the same 1×28×28 data,
//! ITERS iterations each).
//!
//! `ITERS` (default 100) is the number of LeNet iterations; the MLP, ~15× cheaper per
//! iteration, runs 5×ITERS so that its timings are not dominated by noise.
//!
//! Options:
//!
//! * `--kernels cyclr|burn|both` (default `both`): the convolution and max-pool kernels
//!   ([`cyclr_burn::Kernels`]). With `both`, each repeat runs both, in alternating order, and the
//!   table reports the ratio of the medians.
//! * `--repeats R` (default 1): timed runs per model and kernels; the table shows medians.
//! * `--models a,b,...`: these models instead of the default list.
//! * `--no-find`: skip the `lr_find` column (half the run time).
//! * `--data 3x32x32`: random 3×32×32 images in 10 classes (CIFAR-10's shape; 2,560 train,
//!   256 test) instead of the dataset below.
//!
//! Uses Fashion-MNIST from `/usr/share/datasets/fashion-mnist/` when present, else the embedded
//! digits. Batch size 128, SGD with momentum. Also reports how busy the cores were
//! (process CPU time / wall time) and the share of batch assembly (dataset → tensor).
//! Built with `--features mimalloc`, it allocates with mimalloc as the `cyclr` binary does
//! (its options, e.g. `MIMALLOC_PURGE_DELAY`, are read from the environment).

use std::time::Instant;

use burn::optim::GradientsParams;
use cyclr::finder::RangeTestConfig;
use cyclr_burn::{
    Activation, CyclrOptimizer, Kernels, LrFindConfig, ModelKind, Net, NetConfig, OptimizerConfig,
    data, lr_find,
};
use cyclr_data::{Dataset, DatasetSpec, Split};

#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

fn net(kind: ModelKind, kernels: Kernels, ds: &Dataset) -> Net {
    let cfg = NetConfig {
        kind,
        activation: Activation::Relu,
        batch_norm: false,
        input: data::input_shape(ds),
        num_classes: ds.num_classes,
        kernels,
    };
    Net::new(&cfg, 0, &cyclr_burn::device()).expect("model")
}

struct Timing {
    secs: f64,
    batch_secs: f64,
    cpu: f64,
}

/// `iters` plain training steps (the loop of `train`, without evaluation).
fn plain_steps(kind: ModelKind, kernels: Kernels, ds: &Dataset, iters: usize, lr: f64) -> Timing {
    let device = cyclr_burn::device();
    let mut model = net(kind, kernels, ds);
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

/// `n` random 3×32×32 images (uniform in [-1, 1)) with random labels of 10 classes.
fn random_images(n: usize, seed: u64) -> Dataset {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let images = (0..n * 3 * 32 * 32)
        .map(|_| (next() >> 40) as f32 / (1u64 << 23) as f32 - 1.0)
        .collect();
    let labels = (0..n).map(|_| (next() % 10) as u8).collect();
    Dataset {
        images,
        labels,
        channels: 3,
        height: 32,
        width: 32,
        num_classes: 10,
        class_names: (0..10).map(|c| c.to_string()).collect(),
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => 0.5 * (v[n / 2 - 1] + v[n / 2]),
    }
}

struct Args {
    iters: usize,
    all: bool,
    kernels: Vec<Kernels>,
    repeats: usize,
    models: Option<Vec<ModelKind>>,
    find: bool,
    cifar_shaped: bool,
}

fn args() -> Args {
    let mut a = Args {
        iters: 100,
        all: false,
        kernels: vec![Kernels::Burn, Kernels::Cyclr],
        repeats: 1,
        models: None,
        find: true,
        cifar_shaped: false,
    };
    let mut it = std::env::args().skip(1);
    let mut positional = 0;
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().unwrap_or_else(|| panic!("{name} needs a value"));
        match arg.as_str() {
            "--kernels" => {
                a.kernels = match value("--kernels").as_str() {
                    "both" => vec![Kernels::Burn, Kernels::Cyclr],
                    k => vec![k.parse().expect("--kernels cyclr|burn|both")],
                }
            }
            "--repeats" => a.repeats = value("--repeats").parse().expect("--repeats N"),
            "--models" => {
                a.models = Some(
                    value("--models")
                        .split(',')
                        .map(|m| m.parse().expect("a model name"))
                        .collect(),
                )
            }
            "--no-find" => a.find = false,
            "--data" => {
                let d = value("--data");
                assert!(d == "3x32x32", "--data 3x32x32 (got {d})");
                a.cifar_shaped = true;
            }
            "all" => a.all = true,
            _ if positional == 0 => {
                a.iters = arg.parse().expect("ITERS");
                positional += 1;
            }
            _ => panic!("unexpected argument `{arg}`"),
        }
    }
    a.repeats = a.repeats.max(1);
    a
}

fn main() {
    let a = args();
    let iters = a.iters;
    let fashion = std::path::Path::new(cyclr_data::FASHION_MNIST_DEFAULT_DIR).exists();
    let split = if a.cifar_shaped {
        let train = random_images(2560, 1);
        Split {
            name: "random 3x32x32".to_owned(),
            normalization: cyclr_data::Normalization::compute(&train),
            train,
            test: random_images(256, 2),
            source: "generated".to_owned(),
        }
    } else if fashion {
        DatasetSpec::FashionMnist(None).load().expect("dataset")
    } else {
        DatasetSpec::Digits.load().expect("dataset")
    };
    let ds = &split.train;
    println!(
        "dataset {} ({} train images {}x{}x{}), batch {BATCH}, {} iterations (lenet; mlp 5x), \
         {} cores, flex backend, {} repeat(s) per model and kernels (medians), allocator: {}",
        split.name,
        ds.len(),
        ds.channels,
        ds.height,
        ds.width,
        iters,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        a.repeats,
        if cfg!(feature = "mimalloc") {
            "mimalloc"
        } else {
            "system"
        }
    );
    println!();
    println!(
        "| model | kernels | iters | img/s | ms/iter | CPU busy (cores) | img per CPU-s | batch assembly | lr_find / plain steps | img/s of each repeat |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let models = match &a.models {
        Some(m) => m
            .iter()
            .map(|&k| {
                (
                    k,
                    if k == ModelKind::Mlp {
                        5 * iters
                    } else {
                        iters
                    },
                )
            })
            .collect(),
        None => {
            let mut models = vec![(ModelKind::Mlp, 5 * iters), (ModelKind::Lenet, iters)];
            if a.all {
                models.extend([
                    (ModelKind::Cifar10Quick, iters),
                    (ModelKind::Cifar10Full, iters),
                    (ModelKind::Resnet, iters),
                ]);
            }
            models
        }
    };
    let mut ratios = Vec::new();
    let mut cpu_ratios = Vec::new();
    for (kind, iters) in models {
        // Warm up (allocator, rayon pool).
        for &k in &a.kernels {
            plain_steps(kind, k, ds, 5, 0.01);
        }
        // Interleaved repeats, the order alternating between repeats.
        let mut runs: Vec<Vec<Timing>> = a.kernels.iter().map(|_| Vec::new()).collect();
        for r in 0..a.repeats {
            for j in 0..a.kernels.len() {
                let i = if r % 2 == 0 {
                    j
                } else {
                    a.kernels.len() - 1 - j
                };
                runs[i].push(plain_steps(kind, a.kernels[i], ds, iters, 0.01));
            }
        }
        let mut img_s = Vec::new();
        let mut img_cpu_s = Vec::new();
        for (&kernels, runs) in a.kernels.iter().zip(runs) {
            let rates: Vec<f64> = runs
                .iter()
                .map(|t| (iters * BATCH) as f64 / t.secs)
                .collect();
            let secs = median(runs.iter().map(|t| t.secs).collect());
            let cpu = median(runs.iter().map(|t| t.cpu).collect());
            let per_cpu = median(
                runs.iter()
                    .map(|t| (iters * BATCH) as f64 / (t.secs * t.cpu))
                    .collect(),
            );
            img_cpu_s.push(per_cpu);
            let batch = median(runs.iter().map(|t| t.batch_secs / t.secs).collect());
            let find = if a.find {
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
                let model = net(kind, kernels, ds);
                let t0 = Instant::now();
                let (result, _model) =
                    lr_find(model, &mut optim, ds, &split.test, &cfg).expect("lr_find");
                let find_secs = t0.elapsed().as_secs_f64();
                assert_eq!(result.recorded_points(), iters, "{}", result.stop_reason);
                format!(
                    "{:.3} ({:.2}s vs {:.2}s)",
                    find_secs / secs,
                    find_secs,
                    secs
                )
            } else {
                "-".to_owned()
            };
            let rate = median(rates.clone());
            img_s.push(rate);
            let each: Vec<String> = rates.iter().map(|r| format!("{r:.0}")).collect();
            println!(
                "| {kind} | {kernels} | {iters} | {rate:.0} | {:.1} | {cpu:.2} | {per_cpu:.0} | {:.1}% | {find} | {} |",
                secs * 1e3 / iters as f64,
                100.0 * batch,
                each.join(" ")
            );
        }
        if let (Some(b), Some(c)) = (
            a.kernels.iter().position(|&k| k == Kernels::Burn),
            a.kernels.iter().position(|&k| k == Kernels::Cyclr),
        ) {
            ratios.push(format!("{kind}: {:.2}x", img_s[c] / img_s[b]));
            cpu_ratios.push(format!("{kind}: {:.2}x", img_cpu_s[c] / img_cpu_s[b]));
        }
    }
    println!();
    if !ratios.is_empty() {
        println!("cyclr / burn kernels, median img/s: {}", ratios.join(", "));
        println!(
            "cyclr / burn kernels, median img per CPU-second: {}",
            cpu_ratios.join(", ")
        );
    }
    println!("threads in the process: {}", threads());
}
