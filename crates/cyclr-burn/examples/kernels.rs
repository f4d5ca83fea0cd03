//! Per-operation timings of burn-flex 0.22.1's kernels and cyclr's ([`cyclr_burn::kernels`]) on
//! the same tensors, interleaved, at the networks' shapes (batch 128).
//!
//! ```text
//! cargo run --release -p cyclr-burn --example kernels [-- REPEATS [lenet] [cifar] [resnet]]
//! ```
//!
//! The sets of layers: `lenet` (the default), `cifar` (`cifar10-quick` on 3×32×32), `resnet`
//! (its distinct convolutions on 3×32×32). The input gradient of a network's first layer is not
//! timed (training does not compute it).
//!
//! Each of `REPEATS` (default 21) rounds runs every operation once with burn's kernel and once
//! with cyclr's (the order alternating between rounds); the table shows the median time of each
//! and their ratio. burn's side is what burn's autodiff runs for `Conv2d` / `max_pool2d` on
//! `Flex`: `ModuleOps::conv2d`, `conv2d_x_backward`, `conv2d_weight_backward` (the generic
//! implementations, which Flex does not override) and `max_pool2d_with_indices` (with `i32`
//! indices, Flex's default integer type). cyclr's side is `kernels::conv2d::{forward, backward}`
//! (the backward asked for one gradient) and `kernels::max_pool::forward` with indices.
//!
//! Both wall-clock time and CPU time (summed over the process's threads, from
//! `/proc/self/task/*/schedstat`) are reported: on a shared machine the CPU time is the steadier
//! measure of the work done; `RAYON_NUM_THREADS=1` makes the two comparable.

use std::time::Instant;

use burn::backend::Flex;
use burn::backend::flex::FlexTensor;
use burn::backend::ops::ModuleOps;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{IntDType, TensorData};
use cyclr_burn::kernels::conv2d::{self, ConvGeom, Need};
use cyclr_burn::kernels::max_pool::{self, PoolGeom};

const BATCH: usize = 128;

/// A tensor of `shape` filled with a fixed pseudo-random sequence in [-1, 1).
fn random(shape: [usize; 4], seed: u64) -> FlexTensor {
    let n: usize = shape.iter().product();
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let v: Vec<f32> = (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect();
    FlexTensor::from_data(TensorData::new(v, shape))
}

fn random1(n: usize, seed: u64) -> FlexTensor {
    random([1, 1, 1, n], seed).reshape([n].into())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

type Op = Box<dyn Fn()>;

/// CPU time of all the process's threads, in ms, from `/proc/self/task/*/schedstat` (Linux;
/// nanosecond resolution; NaN elsewhere).
fn cpu_ms() -> f64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return f64::NAN;
    };
    let mut ns = 0u64;
    for t in tasks.flatten() {
        if let Ok(s) = std::fs::read_to_string(t.path().join("schedstat")) {
            ns += s
                .split_whitespace()
                .next()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
        }
    }
    ns as f64 * 1e-6
}

/// Wall and CPU milliseconds of one call.
fn time(f: &dyn Fn()) -> (f64, f64) {
    let c = cpu_ms();
    let t = Instant::now();
    f();
    (t.elapsed().as_secs_f64() * 1e3, cpu_ms() - c)
}

/// One convolution layer of a network, and the max pool after it (its input shape), if any.
struct Layer {
    name: &'static str,
    x: [usize; 4],
    w: [usize; 4],
    stride: usize,
    pad: usize,
    /// The input gradient is needed in training (not for the first layer).
    input_grad: bool,
    pool: Option<(PoolGeom, [usize; 4])>,
}

/// burn's and cyclr's version of every operation of `l`.
fn layer(l: &Layer, seed: u64) -> Vec<(String, Op, Op)> {
    let (name, x, w, pad, stride) = (l.name, l.x, l.w, l.pad, l.stride);
    let xt = random(x, seed);
    let wt = random(w, seed + 1);
    let bt = random1(w[0], seed + 2);
    let geom = ConvGeom {
        stride: [stride; 2],
        padding: [(pad, pad), (pad, pad)],
    };
    let opts = ConvOptions::new([stride; 2], [pad, pad], [1, 1], 1);
    let out = conv2d::forward(&xt, &wt, Some(&bt), geom);
    let dims = out.layout().shape().as_slice().to_vec();
    let dy = random([dims[0], dims[1], dims[2], dims[3]], seed + 3);
    let mut ops: Vec<(String, Op, Op)> = Vec::new();
    {
        let (x1, w1, b1, o1) = (xt.clone(), wt.clone(), bt.clone(), opts.clone());
        let (x2, w2, b2) = (xt.clone(), wt.clone(), bt.clone());
        ops.push((
            format!("{name} forward"),
            Box::new(move || {
                Flex::conv2d(x1.clone(), w1.clone(), Some(b1.clone()), o1.clone());
            }),
            Box::new(move || {
                conv2d::forward(&x2, &w2, Some(&b2), geom);
            }),
        ));
    }
    let grads = [
        (
            "input-grad",
            Need {
                x: true,
                w: false,
                b: false,
            },
        ),
        (
            "weight-grad",
            Need {
                x: false,
                w: true,
                b: false,
            },
        ),
        (
            "bias-grad",
            Need {
                x: false,
                w: false,
                b: true,
            },
        ),
    ];
    for (what, need) in grads {
        if need.x && !l.input_grad {
            continue;
        }
        let (x1, w1, dy1, o1) = (xt.clone(), wt.clone(), dy.clone(), opts.clone());
        let b1 = bt.clone();
        let (x2, w2, dy2) = (xt.clone(), wt.clone(), dy.clone());
        ops.push((
            format!("{name} {what}"),
            Box::new(move || {
                let (x, w, dy, o) = (x1.clone(), w1.clone(), dy1.clone(), o1.clone());
                if need.x {
                    Flex::conv2d_x_backward(x, w, dy, o);
                } else if need.w {
                    Flex::conv2d_weight_backward(x, w, dy, o);
                } else {
                    Flex::conv2d_bias_backward(x, b1.clone(), dy);
                }
            }),
            Box::new(move || {
                conv2d::backward(&x2, &w2, &dy2, geom, need);
            }),
        ));
    }
    let Some((pg, pool_in)) = l.pool else {
        return ops;
    };
    let pt = random(pool_in, seed + 4);
    let (p1, p2) = (pt.clone(), pt);
    ops.push((
        format!(
            "max-pool {}x{}/{}{} forward on {:?}",
            pg.kernel[0],
            pg.kernel[1],
            pg.stride[0],
            if pg.ceil_mode { " ceil" } else { "" },
            pool_in
        ),
        Box::new(move || {
            Flex::max_pool2d_with_indices(
                p1.clone(),
                pg.kernel,
                pg.stride,
                [0, 0],
                [1, 1],
                pg.ceil_mode,
                IntDType::I32,
            );
        }),
        Box::new(move || {
            max_pool::forward(&p2, pg, true);
        }),
    ));
    ops
}

fn main() {
    let repeats: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(21)
        .max(1);
    let sets: Vec<String> = std::env::args().skip(2).collect();
    let want = |set: &str| sets.iter().any(|s| s == set) || (sets.is_empty() && set == "lenet");
    let p2 = PoolGeom {
        kernel: [2, 2],
        stride: [2, 2],
        ceil_mode: false,
    };
    let p3 = PoolGeom {
        kernel: [3, 3],
        stride: [2, 2],
        ceil_mode: true,
    };
    let b = BATCH;
    let conv = |name, x, w, stride, pad, input_grad, pool| Layer {
        name,
        x,
        w,
        stride,
        pad,
        input_grad,
        pool,
    };
    let mut layers = Vec::new();
    if want("lenet") {
        layers.extend([
            conv(
                "lenet conv1 1->20 5x5 on 28x28",
                [b, 1, 28, 28],
                [20, 1, 5, 5],
                1,
                0,
                false,
                Some((p2, [b, 20, 24, 24])),
            ),
            conv(
                "lenet conv2 20->50 5x5 on 12x12",
                [b, 20, 12, 12],
                [50, 20, 5, 5],
                1,
                0,
                true,
                Some((p2, [b, 50, 8, 8])),
            ),
        ]);
    }
    if want("cifar") {
        layers.extend([
            conv(
                "cifar conv1 3->32 5x5 p2 on 32x32",
                [b, 3, 32, 32],
                [32, 3, 5, 5],
                1,
                2,
                false,
                Some((p3, [b, 32, 32, 32])),
            ),
            conv(
                "cifar conv2 32->32 5x5 p2 on 16x16",
                [b, 32, 16, 16],
                [32, 32, 5, 5],
                1,
                2,
                true,
                Some((p3, [b, 32, 16, 16])),
            ),
            conv(
                "cifar conv3 32->64 5x5 p2 on 8x8",
                [b, 32, 8, 8],
                [64, 32, 5, 5],
                1,
                2,
                true,
                Some((p3, [b, 64, 8, 8])),
            ),
        ]);
    }
    if want("resnet") {
        layers.extend([
            conv(
                "resnet stem 3->16 3x3 p1 on 32x32",
                [b, 3, 32, 32],
                [16, 3, 3, 3],
                1,
                1,
                false,
                None,
            ),
            conv(
                "resnet 16->16 3x3 p1 on 32x32",
                [b, 16, 32, 32],
                [16, 16, 3, 3],
                1,
                1,
                true,
                None,
            ),
            conv(
                "resnet 16->32 3x3/2 p1 on 32x32",
                [b, 16, 32, 32],
                [32, 16, 3, 3],
                2,
                1,
                true,
                None,
            ),
            conv(
                "resnet 16->32 1x1/2 on 32x32",
                [b, 16, 32, 32],
                [32, 16, 1, 1],
                2,
                0,
                true,
                None,
            ),
            conv(
                "resnet 32->32 3x3 p1 on 16x16",
                [b, 32, 16, 16],
                [32, 32, 3, 3],
                1,
                1,
                true,
                None,
            ),
            conv(
                "resnet 32->64 3x3/2 p1 on 16x16",
                [b, 32, 16, 16],
                [64, 32, 3, 3],
                2,
                1,
                true,
                None,
            ),
            conv(
                "resnet 64->64 3x3 p1 on 8x8",
                [b, 64, 8, 8],
                [64, 64, 3, 3],
                1,
                1,
                true,
                None,
            ),
        ]);
    }
    let ops: Vec<(String, Op, Op)> = layers
        .iter()
        .enumerate()
        .flat_map(|(i, l)| layer(l, 10 * i as u64 + 1))
        .collect();
    // Warm up (allocator, rayon pool, page faults).
    for (_, burn, cyclr) in &ops {
        burn();
        cyclr();
    }
    // Per op: (burn, cyclr) lists of (wall, CPU) milliseconds.
    type Times = Vec<(f64, f64)>;
    let mut times: Vec<(Times, Times)> = ops.iter().map(|_| (Vec::new(), Vec::new())).collect();
    for r in 0..repeats {
        for ((_, burn, cyclr), (tb, tc)) in ops.iter().zip(times.iter_mut()) {
            if r % 2 == 0 {
                tb.push(time(burn));
                tc.push(time(cyclr));
            } else {
                tc.push(time(cyclr));
                tb.push(time(burn));
            }
        }
    }
    println!(
        "batch {BATCH}, {repeats} interleaved repeats, {} cores, {} rayon threads; median ms per \
         call, wall clock and CPU time (all threads)",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        rayon::current_num_threads()
    );
    println!();
    println!(
        "| op | burn wall | cyclr wall | burn / cyclr (wall) | burn CPU | cyclr CPU | burn / cyclr (CPU) |"
    );
    println!("|---|---|---|---|---|---|---|");
    for ((name, ..), (tb, tc)) in ops.iter().zip(times) {
        let wall = |v: &[(f64, f64)]| median(v.iter().map(|t| t.0).collect());
        let cpu = |v: &[(f64, f64)]| median(v.iter().map(|t| t.1).collect());
        let (bw, cw, bc, cc) = (wall(&tb), wall(&tc), cpu(&tb), cpu(&tc));
        println!(
            "| {name} | {bw:.2} | {cw:.2} | {:.2}x | {bc:.2} | {cc:.2} | {:.2}x |",
            bw / cw,
            bc / cc
        );
    }
}
