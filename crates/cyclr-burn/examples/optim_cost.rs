//! What each optimizer costs on LeNet: time per training step (forward, backward, update), time
//! of the update alone, and the size of its state (the bytes a checkpoint stores for it), for
//! SGD, Adam and the learning-rate-free optimizers side by side.
//!
//! ```text
//! cargo run --release -p cyclr-burn --example optim_cost [-- STEPS ROUNDS]
//! ```
//!
//! Every optimizer keeps its own model and state; each of ROUNDS (default 5) rounds runs STEPS
//! (default 40) steps of every optimizer in turn (the order rotating each round), so all of them
//! meet the same machine load. The table gives the median over rounds of the mean step time
//! and the ratio to SGD's. Fashion-MNIST from `/usr/share/datasets/fashion-mnist/` when present,
//! else the embedded digits; batch 128.

use std::time::Instant;

use burn::optim::GradientsParams;
use cyclr_burn::{
    Activation, CyclrOptimizer, Kernels, ModelKind, Net, NetConfig, OptimizerConfig, data,
};
use cyclr_data::DatasetSpec;

#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const BATCH: usize = 128;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let steps: usize = args.first().and_then(|s| s.parse().ok()).unwrap_or(40);
    let rounds: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5);
    let split = DatasetSpec::FashionMnist(None)
        .load()
        .or_else(|_| DatasetSpec::Digits.load())
        .expect("a dataset");
    let ds = &split.train;
    let device = cyclr_burn::device();
    let net = NetConfig {
        kind: ModelKind::Lenet,
        activation: Activation::Relu,
        batch_norm: false,
        input: data::input_shape(ds),
        num_classes: ds.num_classes,
        kernels: Kernels::default(),
    };
    let kinds = [
        ("sgd", 0.01),
        ("adam", 1e-3),
        ("sgd-schedulefree", 1.0),
        ("adamw-schedulefree", 0.0025),
        ("prodigy", 1.0),
        ("dadapt-adam", 1.0),
        ("dadapt-sgd", 1.0),
    ];
    struct Contestant {
        name: &'static str,
        lr: f64,
        model: Option<Net>,
        optim: CyclrOptimizer,
        step_s: Vec<f64>,
        update_s: Vec<f64>,
    }
    let mut cs: Vec<Contestant> = kinds
        .iter()
        .map(|&(name, lr)| Contestant {
            name,
            lr,
            model: Some(Net::new(&net, 0, &device).expect("model")),
            optim: CyclrOptimizer::new(&OptimizerConfig::from_name(name).unwrap()).unwrap(),
            step_s: Vec::new(),
            update_s: Vec::new(),
        })
        .collect();
    let params = cs[0].model.as_ref().expect("a model").param_count();
    let order = cyclr_data::batches(ds.len(), BATCH, 0, 0, true);
    // One untimed step each: states exist, kernels warm.
    let mut t = 0usize;
    let step = |c: &mut Contestant, t: usize| -> f64 {
        let model = c.model.take().expect("a model");
        let b = data::batch(ds, &order[t % order.len()], &device);
        let loss = Net::cross_entropy(model.forward(b.images), b.targets);
        let _ = loss.clone().into_scalar::<f32>();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let tu = Instant::now();
        c.model = Some(c.optim.step(c.lr, None, model, grads));
        tu.elapsed().as_secs_f64()
    };
    for c in cs.iter_mut() {
        step(c, t);
    }
    t += 1;
    for round in 0..rounds {
        let n = cs.len();
        for k in 0..n {
            let c = &mut cs[(k + round) % n];
            let (t0, mut upd) = (Instant::now(), 0.0);
            for i in 0..steps {
                upd += step(c, t + i);
            }
            c.step_s.push(t0.elapsed().as_secs_f64() / steps as f64);
            c.update_s.push(upd / steps as f64);
        }
        t += steps;
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "LeNet ({params} parameters) on {}, batch {BATCH}, {rounds} rounds x {steps} steps per \
         optimizer, interleaved; load average before the end: {}",
        split.name,
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "| optimizer | step ms (median) | x SGD | update ms (median) | state bytes | state / params |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    let sgd = median(cs[0].step_s.clone());
    for c in &cs {
        let s = median(c.step_s.clone());
        let u = median(c.update_s.clone());
        let bytes = c.optim.to_bytes().map(|b| b.len()).unwrap_or(0);
        println!(
            "| {} | {:.2} | {:.2} | {:.2} | {} | {:.2} |",
            c.name,
            s * 1e3,
            s / sgd,
            u * 1e3,
            bytes,
            bytes as f64 / (4.0 * params as f64)
        );
    }
}
