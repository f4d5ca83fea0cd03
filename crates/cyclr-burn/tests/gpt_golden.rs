//! cyclr's `gpt` against nanoGPT's `model.py` run by PyTorch (`bench/nanogpt/make_golden.py`,
//! fixtures in `tests/fixtures/nanogpt/`): loaded with nanoGPT's weights, the logits, the loss,
//! every gradient, the global gradient norm, and the weights after AdamW steps with nanoGPT's
//! two parameter groups and `clip_grad_norm_` must match.
//!
//! A replay of any fixture of the format: `CYCLR_GPT_GOLDEN=FILE cargo test --release --test
//! gpt_golden -- --nocapture` replays another one (e.g. a larger config made by the same script).
//!
//! Tolerances (float32; `bench/nanogpt/README.md` measured PyTorch's own float32-vs-float64
//! differences on these fixtures): logits and loss `1e-5 + 1e-4·|ref|` (PyTorch: 4e-7 abs); grads
//! `1e-6 + 1e-3·|ref|` (PyTorch: 4e-7 abs, 6e-4 rel); the global norm `1e-5` relative; the change
//! of each weight over a step within `1e-2·lr` of the reference change (PyTorch: 1.3e-3·lr: Adam's
//! update `lr·m/(√v + ε)` amplifies any rounding of a gradient near ε, and the clipped gradients
//! here are ~0.04 of the raw ones). Sums in another order than PyTorch's (burn's matmul, softmax,
//! LayerNorm) are the only expected source of difference.
use std::path::{Path, PathBuf};

use burn::module::Param;
use burn::optim::GradientsParams;
use burn::tensor::{Device, Int, Tensor, TensorData};
use cyclr_burn::model::gpt::{Gpt, GptConfig};
use cyclr_burn::optim::AdamConfig;
use cyclr_burn::optim::clip::clip_grad_norm;
use cyclr_burn::{CyclrOptimizer, OptimizerConfig};
use serde_json::Value;

fn fixtures() -> Vec<PathBuf> {
    if let Ok(f) = std::env::var("CYCLR_GPT_GOLDEN") {
        return vec![PathBuf::from(f)];
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/nanogpt");
    vec![dir.join("tiny_nobias.json"), dir.join("tiny_bias.json")]
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .expect("a list of numbers")
        .iter()
        .map(|x| x.as_f64().expect("a number") as f32)
        .collect()
}

/// A parameter as nanoGPT stores it, in burn's layout: linear weights transposed
/// (PyTorch `[out, in]`, burn `[in, out]`).
fn param2(fx: &Value, name: &str, linear: bool, dev: &Device) -> Param<Tensor<2>> {
    let p = &fx["params"][name];
    let shape: Vec<usize> = p["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect();
    let t = Tensor::<2>::from_data(
        TensorData::new(floats(&p["data"]), [shape[0], shape[1]]),
        dev,
    );
    Param::from_tensor(if linear { t.transpose() } else { t })
}

fn param1(fx: &Value, name: &str, dev: &Device) -> Param<Tensor<1>> {
    let data = floats(&fx["params"][name]["data"]);
    let n = data.len();
    Param::from_tensor(Tensor::<1>::from_data(TensorData::new(data, [n]), dev))
}

/// The fixture's model, every parameter nanoGPT's.
fn load(fx: &Value, dev: &Device) -> Gpt {
    let c = &fx["config"];
    let u = |k: &str| c[k].as_u64().unwrap() as usize;
    let cfg = GptConfig {
        layers: u("n_layer"),
        heads: u("n_head"),
        width: u("n_embd"),
        context: u("block_size"),
        vocab: u("vocab_size"),
        dropout: c["dropout"].as_f64().unwrap(),
        bias: c["bias"].as_bool().unwrap(),
    };
    let mut m = Gpt::new(&cfg, 0, dev);
    m.wte.weight = param2(fx, "transformer.wte.weight", false, dev);
    m.wpe.weight = param2(fx, "transformer.wpe.weight", false, dev);
    for (i, b) in m.h.iter_mut().enumerate() {
        let n = |s: &str| format!("transformer.h.{i}.{s}");
        b.ln_1.gamma = param1(fx, &n("ln_1.weight"), dev);
        b.ln_2.gamma = param1(fx, &n("ln_2.weight"), dev);
        b.attn.c_attn.weight = param2(fx, &n("attn.c_attn.weight"), true, dev);
        b.attn.c_proj.weight = param2(fx, &n("attn.c_proj.weight"), true, dev);
        b.mlp.c_fc.weight = param2(fx, &n("mlp.c_fc.weight"), true, dev);
        b.mlp.c_proj.weight = param2(fx, &n("mlp.c_proj.weight"), true, dev);
        if cfg.bias {
            b.ln_1.beta = Some(param1(fx, &n("ln_1.bias"), dev));
            b.ln_2.beta = Some(param1(fx, &n("ln_2.bias"), dev));
            b.attn.c_attn.bias = Some(param1(fx, &n("attn.c_attn.bias"), dev));
            b.attn.c_proj.bias = Some(param1(fx, &n("attn.c_proj.bias"), dev));
            b.mlp.c_fc.bias = Some(param1(fx, &n("mlp.c_fc.bias"), dev));
            b.mlp.c_proj.bias = Some(param1(fx, &n("mlp.c_proj.bias"), dev));
        }
    }
    m.ln_f.gamma = param1(fx, "transformer.ln_f.weight", dev);
    if cfg.bias {
        m.ln_f.beta = Some(param1(fx, "transformer.ln_f.bias", dev));
    }
    m
}

/// A parameter of the model under nanoGPT's name: a matrix (linear weights are stored
/// transposed by burn) or a vector.
enum P<'a> {
    Matrix(&'a Param<Tensor<2>>, bool),
    Vector(&'a Param<Tensor<1>>),
}

/// Every parameter of `m` under nanoGPT's name (biases when the model has them).
fn params(m: &Gpt) -> Vec<(String, P<'_>)> {
    let mut out = vec![
        (
            "transformer.wte.weight".to_string(),
            P::Matrix(&m.wte.weight, false),
        ),
        (
            "transformer.wpe.weight".to_string(),
            P::Matrix(&m.wpe.weight, false),
        ),
    ];
    for (i, b) in m.h.iter().enumerate() {
        let n = |s: &str| format!("transformer.h.{i}.{s}");
        out.push((n("ln_1.weight"), P::Vector(&b.ln_1.gamma)));
        out.push((n("ln_2.weight"), P::Vector(&b.ln_2.gamma)));
        out.push((
            n("attn.c_attn.weight"),
            P::Matrix(&b.attn.c_attn.weight, true),
        ));
        out.push((
            n("attn.c_proj.weight"),
            P::Matrix(&b.attn.c_proj.weight, true),
        ));
        out.push((n("mlp.c_fc.weight"), P::Matrix(&b.mlp.c_fc.weight, true)));
        out.push((
            n("mlp.c_proj.weight"),
            P::Matrix(&b.mlp.c_proj.weight, true),
        ));
        for (k, p) in [
            ("ln_1.bias", &b.ln_1.beta),
            ("ln_2.bias", &b.ln_2.beta),
            ("attn.c_attn.bias", &b.attn.c_attn.bias),
            ("attn.c_proj.bias", &b.attn.c_proj.bias),
            ("mlp.c_fc.bias", &b.mlp.c_fc.bias),
            ("mlp.c_proj.bias", &b.mlp.c_proj.bias),
        ] {
            if let Some(p) = p {
                out.push((n(k), P::Vector(p)));
            }
        }
    }
    out.push(("transformer.ln_f.weight".into(), P::Vector(&m.ln_f.gamma)));
    if let Some(p) = &m.ln_f.beta {
        out.push(("transformer.ln_f.bias".into(), P::Vector(p)));
    }
    out
}

fn flat2(t: Tensor<2>, linear: bool) -> Vec<f32> {
    let t = if linear { t.transpose() } else { t };
    t.into_data().try_to_vec::<f32>().unwrap()
}

fn flat1(t: Tensor<1>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().unwrap()
}

/// Every parameter's value under nanoGPT's name, in nanoGPT's layout, as flat f32.
fn named(m: &Gpt) -> Vec<(String, Vec<f32>)> {
    params(m)
        .into_iter()
        .map(|(n, p)| {
            let v = match p {
                P::Matrix(p, linear) => flat2(p.val(), linear),
                P::Vector(p) => flat1(p.val()),
            };
            (n, v)
        })
        .collect()
}

/// Every parameter's gradient under nanoGPT's name and layout.
fn named_grads(m: &Gpt, g: &GradientsParams) -> Vec<(String, Vec<f32>)> {
    params(m)
        .into_iter()
        .map(|(n, p)| {
            let v = match p {
                P::Matrix(p, linear) => flat2(g.get::<2>(p.id).expect("a gradient"), linear),
                P::Vector(p) => flat1(g.get::<1>(p.id).expect("a gradient")),
            };
            (n, v)
        })
        .collect()
}

fn assert_close(what: &str, got: &[f32], want: &[f32], abs: f64, rel: f64) -> f64 {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let mut worst = 0.0f64;
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let d = (f64::from(g) - f64::from(w)).abs();
        let tol = abs + rel * f64::from(w).abs();
        assert!(
            d <= tol,
            "{what}[{i}]: {g} vs nanoGPT's {w} (|diff| {d:e} > {tol:e})"
        );
        worst = worst.max(d);
    }
    worst
}

fn tokens(v: &Value, dev: &Device) -> Tensor<2, Int> {
    let rows = v.as_array().unwrap();
    let t = rows[0].as_array().unwrap().len();
    let data: Vec<i32> = rows
        .iter()
        .flat_map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_i64().unwrap() as i32)
        })
        .collect();
    Tensor::from_data(TensorData::new(data, [rows.len(), t]), dev)
}

fn cross_entropy(logits: Tensor<2>, targets: Tensor<1, Int>) -> Tensor<1> {
    cyclr_burn::Net::cross_entropy(logits, targets)
}

#[test]
fn gpt_matches_nanogpt_forward_backward_and_adamw_steps() {
    let dev = Device::flex().autodiff();
    for path in fixtures() {
        let fx: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut model = load(&fx, &dev);
        // Loaded exactly: every parameter is nanoGPT's, bit for bit.
        for (n, v) in named(&model) {
            assert_eq!(v, floats(&fx["params"][&n]["data"]), "{name}: {n} loaded");
        }
        let names: Vec<String> = named(&model).into_iter().map(|(n, _)| n).collect();
        let mut want_names: Vec<String> = fx["param_names"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let mut sorted = names.clone();
        sorted.sort();
        want_names.sort();
        assert_eq!(
            sorted, want_names,
            "{name}: the same parameters (lm_head tied to wte)"
        );
        let count_key = if fx["config"]["bias"].as_bool().unwrap() {
            "tiny_bias"
        } else {
            "tiny"
        };
        assert_eq!(
            model.num_params_nanogpt() as u64,
            fx["num_params_nanogpt"][count_key].as_u64().unwrap(),
            "{name}: nanoGPT's parameter count"
        );
        assert_eq!(
            cyclr_burn::GptConfig {
                layers: 4,
                heads: 4,
                width: 128,
                context: 64,
                vocab: 65,
                dropout: 0.0,
                bias: false
            }
            .num_params_nanogpt() as u64,
            fx["num_params_nanogpt"]["cpu_config"].as_u64().unwrap()
        );
        let opt = &fx["optimizer"];
        let betas = floats(&opt["betas"]);
        let lr = opt["lr"].as_f64().unwrap();
        let clip = opt["grad_clip"].as_f64().unwrap();
        let mut optim = CyclrOptimizer::new(&OptimizerConfig::Adam(AdamConfig {
            beta1: f64::from(betas[0]),
            beta2: opt["betas"][1].as_f64().unwrap(),
            eps: opt["eps"].as_f64().unwrap(),
            weight_decay: opt["weight_decay"].as_f64().unwrap(),
            decoupled_weight_decay: true,
            decay_vectors: false,
        }))
        .unwrap();
        for (s, step) in fx["steps"].as_array().unwrap().iter().enumerate() {
            let x = tokens(&step["x"], &dev);
            let y = tokens(&step["y"], &dev);
            let [b, t] = y.dims();
            let logits = model.forward(x, None);
            let lw = assert_close(
                &format!("{name} step {s} logits"),
                &logits.clone().into_data().try_to_vec::<f32>().unwrap(),
                &floats(&step["logits"]),
                1e-5,
                1e-4,
            );
            let loss = cross_entropy(logits, y.reshape([b * t]));
            let lv = f64::from(loss.clone().into_scalar::<f32>());
            let lref = step["loss"].as_f64().unwrap();
            assert!(
                (lv - lref).abs() <= 1e-5 + 1e-4 * lref.abs(),
                "{name} step {s}: loss {lv} vs nanoGPT's {lref}"
            );
            let mut grads = GradientsParams::from_grads(loss.backward(), &model);
            let mut gw = 0.0f64;
            if let Some(want) = step["grads"].as_object() {
                for (n, g) in named_grads(&model, &grads) {
                    gw = gw.max(assert_close(
                        &format!("{name} step {s} grad {n}"),
                        &g,
                        &floats(&want[&n]),
                        1e-6,
                        1e-3,
                    ));
                }
            }
            let norm = clip_grad_norm(&model, &mut grads, clip);
            let nref = step["grad_norm"].as_f64().unwrap();
            assert!(
                (norm / nref - 1.0).abs() < 1e-5,
                "{name} step {s}: global grad norm {norm} vs nanoGPT's {nref}"
            );
            let before = named(&model);
            model = optim.step(lr, None, model, grads);
            let mut pw = 0.0f64;
            for ((n, after), (_, before)) in named(&model).into_iter().zip(before) {
                let want = floats(&step["params_after"][&n]);
                let got: Vec<f32> = after.iter().zip(&before).map(|(a, b)| a - b).collect();
                let want_change: Vec<f32> = want.iter().zip(&before).map(|(a, b)| a - b).collect();
                pw = pw.max(assert_close(
                    &format!("{name} step {s} change of {n}"),
                    &got,
                    &want_change,
                    1e-2 * lr,
                    0.0,
                ));
            }
            eprintln!(
                "{name} step {s}: logits max |diff| {lw:.1e}, loss {:.1e}, grads {gw:.1e}, \
                 norm rel {:.1e}, weight change {:.1e} (= {:.1e} lr)",
                (lv - lref).abs(),
                (norm / nref - 1.0).abs(),
                pw,
                pw / lr
            );
        }
    }
}

/// nanoGPT's initialisation, by its statistics: N(0, 0.02) weights and embeddings, the residual
/// projections N(0, 0.02/√(2·layers)), LayerNorm weights one; 0.80M parameters (nanoGPT's
/// count) for the CPU config; the same seed gives the same weights.
#[test]
fn gpt_initialisation_follows_nanogpt() {
    let dev = Device::flex();
    let cfg = GptConfig {
        layers: 4,
        heads: 4,
        width: 128,
        context: 64,
        vocab: 65,
        dropout: 0.0,
        bias: false,
    };
    let m = Gpt::new(&cfg, 7, &dev);
    assert_eq!(m.num_params_nanogpt(), 795_904);
    assert_eq!(cfg.num_params_nanogpt(), 795_904);
    let std = |t: Tensor<2>| -> f64 {
        let v = t.into_data().try_to_vec::<f32>().unwrap();
        let n = v.len() as f64;
        let mean = v.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
        (v.iter()
            .map(|&x| (f64::from(x) - mean).powi(2))
            .sum::<f64>()
            / n)
            .sqrt()
    };
    let close = |got: f64, want: f64| (got / want - 1.0).abs() < 0.03;
    assert!(close(std(m.wte.weight.val()), 0.02));
    assert!(close(std(m.h[0].attn.c_attn.weight.val()), 0.02));
    assert!(close(std(m.h[0].mlp.c_fc.weight.val()), 0.02));
    let proj = 0.02 / (8.0f64).sqrt();
    assert!(close(std(m.h[3].attn.c_proj.weight.val()), proj));
    assert!(close(std(m.h[3].mlp.c_proj.weight.val()), proj));
    assert!(
        m.h[1]
            .ln_2
            .gamma
            .val()
            .into_data()
            .try_to_vec::<f32>()
            .unwrap()
            .iter()
            .all(|&g| g == 1.0)
    );
    // Biases start at zero (and the same seed gives the same model, biases included).
    let with_bias = Gpt::new(&GptConfig { bias: true, ..cfg }, 7, &dev);
    let b = with_bias.h[0].attn.c_attn.bias.as_ref().unwrap().val();
    assert!(
        b.into_data()
            .try_to_vec::<f32>()
            .unwrap()
            .iter()
            .all(|&x| x == 0.0)
    );
    let again = Gpt::new(&cfg, 7, &dev);
    assert_eq!(
        again
            .wte
            .weight
            .val()
            .into_data()
            .try_to_vec::<f32>()
            .unwrap(),
        m.wte.weight.val().into_data().try_to_vec::<f32>().unwrap()
    );
    let other = GptConfig { bias: true, ..cfg };
    assert_eq!(
        Gpt::new(&other, 7, &dev).num_params_nanogpt(),
        other.num_params_nanogpt()
    );
}
