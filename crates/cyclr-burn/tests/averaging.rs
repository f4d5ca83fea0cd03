//! `cyclr_burn::average` on burn modules against PyTorch (`bench/averaging/make_golden.py`):
//! * `WeightAverage` fed the golden's sequence of trained models through a burn copy of its
//!   network (Linear 6→5, BatchNorm 5, Linear 5→3) gives `AveragedModel`'s and timm's averaged
//!   weights bit for bit, leaves the batch-norm buffers out of the average, and its state
//!   survives `to_bytes`/`load_bytes` exactly;
//! * `update_bn` gives `torch.optim.swa_utils.update_bn`'s running mean within `1e-6·|ref| +
//!   1e-7` (PyTorch accumulates in f64, burn in f32) and its running variance × `(n − 1)/n`
//!   (burn keeps the biased batch variance; `n` = 8 rows per batch) within the same tolerance.
use std::path::Path;

use burn::module::{Module, Param};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig};
use burn::tensor::{Device, Tensor, TensorData};
use cyclr::average::{AverageWhen, AveragingRule, Every};
use cyclr_burn::average::{BatchNorms, WeightAverage, update_bn};
use serde_json::Value;

#[derive(Module, Debug)]
struct Small {
    l1: Linear,
    bn: BatchNorm,
    l2: Linear,
}

impl BatchNorms for Small {
    fn batch_norms(&mut self) -> Vec<&mut BatchNorm> {
        vec![&mut self.bn]
    }
}

fn load(rel: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .flat_map(|x| match x.as_array() {
            Some(_) => floats(x),
            None => vec![x.as_f64().unwrap() as f32],
        })
        .collect()
}

/// PyTorch `[out, in]` row-major → burn `[in, out]`.
fn transpose(w: &[f32], out: usize, inp: usize) -> Vec<f32> {
    (0..inp)
        .flat_map(|i| (0..out).map(move |o| w[o * inp + i]))
        .collect()
}

fn p2(w: Vec<f32>, dims: [usize; 2], dev: &Device) -> Param<Tensor<2>> {
    Param::from_tensor(Tensor::from_data(TensorData::new(w, dims), dev))
}

fn p1(w: Vec<f32>, dev: &Device) -> Param<Tensor<1>> {
    let n = w.len();
    Param::from_tensor(Tensor::from_data(TensorData::new(w, [n]), dev))
}

/// The golden network with PyTorch's parameters `m` (0.weight, 0.bias, 1.weight, 1.bias,
/// 3.weight, 3.bias, each flattened), keeping the ids of `like` (the same module over training).
fn set_params(like: Small, m: &[Vec<f32>], dev: &Device) -> Small {
    let keep = |p: &Param<Tensor<2>>, w: Vec<f32>, dims| {
        let (id, ..) = p.clone().consume();
        let (_, t, mapper) = p2(w, dims, dev).consume();
        Param::from_mapped_value(id, t, mapper)
    };
    let keep1 = |p: &Param<Tensor<1>>, w: Vec<f32>| {
        let (id, ..) = p.clone().consume();
        let (_, t, mapper) = p1(w, dev).consume();
        Param::from_mapped_value(id, t, mapper)
    };
    let mut s = like;
    s.l1.weight = keep(&s.l1.weight, transpose(&m[0], 5, 6), [6, 5]);
    s.l1.bias = s.l1.bias.as_ref().map(|b| keep1(b, m[1].clone()));
    s.bn.gamma = keep1(&s.bn.gamma, m[2].clone());
    s.bn.beta = keep1(&s.bn.beta, m[3].clone());
    s.l2.weight = keep(&s.l2.weight, transpose(&m[4], 3, 5), [5, 3]);
    s.l2.bias = s.l2.bias.as_ref().map(|b| keep1(b, m[5].clone()));
    s
}

fn new_small(dev: &Device) -> Small {
    Small {
        l1: LinearConfig::new(6, 5).init(dev),
        bn: BatchNormConfig::new(5).init(dev),
        l2: LinearConfig::new(5, 3).init(dev),
    }
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().convert::<f32>().try_to_vec::<f32>().unwrap()
}

/// The averaged model's weights in PyTorch's order and layout.
fn torch_order(s: &Small) -> Vec<Vec<f32>> {
    let untranspose = |w: Vec<f32>, out: usize, inp: usize| -> Vec<f32> {
        // burn [in, out] → PyTorch [out, in]
        (0..out)
            .flat_map(|o| (0..inp).map(|i| w[i * out + o]).collect::<Vec<_>>())
            .collect()
    };
    vec![
        untranspose(values(s.l1.weight.val()), 5, 6),
        values(s.l1.bias.as_ref().unwrap().val()),
        values(s.bn.gamma.val()),
        values(s.bn.beta.val()),
        untranspose(values(s.l2.weight.val()), 3, 5),
        values(s.l2.bias.as_ref().unwrap().val()),
    ]
}

fn model(v: &Value) -> Vec<Vec<f32>> {
    v.as_array().unwrap().iter().map(floats).collect()
}

#[test]
fn a_burn_model_averages_as_pytorch_and_timm_bit_for_bit() {
    let g = load("../cyclr/tests/fixtures/averaging/swa_ema_timm.json");
    let dev = Device::flex().autodiff();
    let models: Vec<Vec<Vec<f32>>> = g["models"].as_array().unwrap().iter().map(model).collect();
    let mut checked = 0;
    for case in g["averagers"].as_array().unwrap() {
        let rule = match case["kind"].as_str().unwrap() {
            "swa" => AveragingRule::Swa,
            "ema" => AveragingRule::Ema {
                decay: case["decay"].as_f64().unwrap(),
            },
            "ema-warmup" if case["use_warmup"].as_bool().unwrap() => AveragingRule::EmaWarmup {
                decay: case["decay"].as_f64().unwrap(),
                min_decay: case["min_decay"].as_f64().unwrap(),
                update_after_step: case["update_after_step"].as_u64().unwrap(),
                gamma: case["warmup_gamma"].as_f64().unwrap(),
                power: case["warmup_power"].as_f64().unwrap(),
            },
            _ => continue, // timm without warm-up: the core's golden test replays it
        };
        let name = case["name"].as_str().unwrap();
        let when = AverageWhen {
            first: case["start"].as_u64().unwrap(),
            every: Every::Steps(case["every"].as_u64().unwrap()),
        };
        let mut avg = WeightAverage::new(rule, when).unwrap();
        let mut live = set_params(new_small(&dev), &models[0], &dev);
        assert!(
            avg.model(&live).is_none(),
            "{name}: no model before the first update"
        );
        let updates = case["updates"].as_array().unwrap();
        let mut u = updates.iter().peekable();
        for (k, m) in models.iter().enumerate().skip(1) {
            live = set_params(live, m, &dev);
            let updated = avg.observe(k as u64, &live);
            let want = u
                .peek()
                .is_some_and(|u| u["step"].as_u64() == Some(k as u64));
            assert_eq!(updated, want, "{name}: an update after step {k}");
            if updated {
                let want = model(&u.next().unwrap()["params"]);
                let got = torch_order(&avg.model(&live).unwrap());
                for (j, (g, w)) in got.iter().zip(&want).enumerate() {
                    for (e, (x, y)) in g.iter().zip(w).enumerate() {
                        assert_eq!(
                            x.to_bits(),
                            y.to_bits(),
                            "{name}: step {k}, parameter {j}[{e}]: {x:e} vs {y:e}"
                        );
                    }
                }
            }
        }
        assert_eq!(avg.n_averaged(), updates.len() as u64, "{name}");
        // The state round-trips exactly; a cut-short state is refused.
        let bytes = avg.to_bytes();
        let mut back = WeightAverage::new(rule, avg.when().clone()).unwrap();
        back.load_bytes(&bytes).unwrap();
        assert_eq!(back, avg);
        assert!(back.load_bytes(&bytes[..bytes.len() - 1]).is_err());
        checked += 1;
    }
    assert_eq!(checked, 6);
}

#[test]
fn the_average_takes_buffers_from_the_live_model_and_shares_none() {
    let dev = Device::flex().autodiff();
    let mut live = new_small(&dev);
    let mut avg = WeightAverage::new(
        AveragingRule::Swa,
        AverageWhen {
            first: 1,
            every: Every::Steps(1),
        },
    )
    .unwrap();
    avg.observe(1, &live);
    // The live model's statistics move (a training-mode forward).
    let x = Tensor::<2>::from_data(
        TensorData::new((0..24).map(|i| i as f32 * 0.3).collect::<Vec<_>>(), [4, 6]),
        &dev,
    );
    drop(live.bn.forward(live.l1.forward(x.clone())));
    let live_mean = values(live.bn.running_mean.value_sync());
    let mut averaged = avg.model(&live).unwrap();
    assert_eq!(values(averaged.bn.running_mean.value_sync()), live_mean);
    // update_bn on the average leaves the live model's statistics alone.
    update_bn(&mut averaged, [x.clone().mul_scalar(-2.0)], |m, b| {
        drop(m.bn.forward(m.l1.forward(b)));
    });
    assert_ne!(values(averaged.bn.running_mean.value_sync()), live_mean);
    assert_eq!(values(live.bn.running_mean.value_sync()), live_mean);
    assert_eq!(live.batch_norms()[0].momentum, 0.1);
}

#[test]
fn update_bn_matches_pytorch() {
    let g = load("tests/fixtures/averaging/update_bn.json");
    let dev = Device::flex().autodiff();
    let w = floats(&g["linear_weight"]);
    let mut small = new_small(&dev);
    small.l1.weight = p2(transpose(&w, 5, 6), [6, 5], &dev);
    small.l1.bias = Some(p1(floats(&g["linear_bias"]), &dev));
    // Statistics from before, which update_bn must reset.
    small
        .bn
        .running_mean
        .update(Tensor::ones([5], &dev).mul_scalar(7.0));
    let batches: Vec<Tensor<2>> = g["batches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| Tensor::from_data(TensorData::new(floats(b), [8, 6]), &dev))
        .collect();
    let n = update_bn(&mut small, batches, |m, b| {
        drop(m.bn.forward(m.l1.forward(b)));
    });
    assert_eq!(n, g["num_batches_tracked"].as_u64().unwrap());
    assert_eq!(small.bn.momentum, g["momentum_after"].as_f64().unwrap());
    let close = |got: &[f32], want: &[f32], scale: f32, what: &str| {
        for (i, (x, y)) in got.iter().zip(want).enumerate() {
            let y = y * scale;
            assert!(
                (x - y).abs() <= 1e-6 * y.abs() + 1e-7,
                "{what}[{i}]: {x:e} vs PyTorch's {y:e}"
            );
        }
    };
    close(
        &values(small.bn.running_mean.value_sync()),
        &floats(&g["running_mean"]),
        1.0,
        "running_mean",
    );
    close(
        &values(small.bn.running_var.value_sync()),
        &floats(&g["running_var"]),
        7.0 / 8.0,
        "running_var",
    );
    // A model without batch norm runs nothing.
    let mut none: Vec<BatchNorm> = Vec::new();
    assert_eq!(
        update_bn(&mut none, [1, 2, 3], |_, _| panic!("no forward")),
        0
    );
}
