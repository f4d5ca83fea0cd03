//! A GPT trained on text through the one training loop (`train_text`): nanoGPT's recipe on a
//! small piece of the embedded tinyshakespeare, a tiny model with dropout and biases so every
//! path runs; a run stopped and resumed is bit-identical to an uninterrupted one (dropout masks
//! and batches come from (seed, iteration)); the model learns (below the character-frequency
//! loss); the summary carries the text figures.
use std::path::PathBuf;

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::Tensor;
use cyclr::schedule::ScheduleConfig;
use cyclr_burn::optim::AdamConfig;
use cyclr_burn::train::{NoObserver, train_text};
use cyclr_burn::{GptShape, Kernels, ModelKind, Net, OptimizerConfig, TrainConfig};
use cyclr_data::TextSplit;

fn corpus() -> TextSplit {
    let text = cyclr_data::shakespeare_text().expect("embedded shakespeare");
    let piece: String = text.chars().take(30_000).collect();
    cyclr_data::parse_text(piece.as_bytes(), "shakespeare[..30000]").expect("valid text")
}

fn config(iters: u64, out: Option<PathBuf>) -> TrainConfig {
    TrainConfig {
        model: ModelKind::Gpt,
        activation: Default::default(),
        batch_norm: false,
        optimizer: OptimizerConfig::Adam(AdamConfig {
            beta1: 0.9,
            beta2: 0.99,
            eps: 1e-8,
            weight_decay: 0.1,
            decoupled_weight_decay: true,
            decay_vectors: false,
        }),
        schedule: serde_json::from_str::<ScheduleConfig>(
            r#"{"policy": "nanogpt-cosine", "lr": 0.01, "warmup_iters": 5}"#,
        )
        .unwrap(),
        iters,
        batch_size: 8,
        eval_every: 20,
        seed: 3,
        checkpoint_every: out.as_ref().map(|_| 10),
        out_dir: out,
        lr_origin: None,
        kernels: Kernels::default(),
        bn_recalibration: None,
        device: Default::default(),
        gpt: Some(GptShape {
            layers: 2,
            heads: 2,
            width: 32,
            context: 16,
            dropout: 0.1,
            bias: true,
        }),
        grad_clip: Some(1.0),
        init: None,
        layer_lr_decay: None,
        average: None,
    }
}

fn weight_bits(net: &Net) -> Vec<u32> {
    struct Collect(Vec<u32>);
    impl ModuleVisitor for Collect {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let v = param.val().into_data().try_to_vec::<f32>().unwrap();
            self.0.extend(v.iter().map(|x| x.to_bits()));
        }
    }
    let mut c = Collect(Vec::new());
    net.visit(&mut c);
    c.0
}

#[test]
fn a_gpt_learns_text_and_resumes_bit_exactly() {
    let text = corpus();
    let dir = std::env::temp_dir().join(format!("cyclr-text-it-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (straight, net_a) =
        train_text(&config(100, None), &text, &mut NoObserver, false, None).expect("trains");
    // Stopped after 25 iterations (checkpoint at 20), resumed to the end.
    let cfg = config(100, Some(dir.clone()));
    let (part, _) = train_text(&cfg, &text, &mut NoObserver, false, Some(25)).unwrap();
    assert_eq!(part.iterations, 25);
    let (resumed, net_b) = train_text(&cfg, &text, &mut NoObserver, true, None).unwrap();
    assert_eq!(resumed.resumed_from, Some(20));
    let bits = |s: &cyclr_burn::TrainSummary| -> Vec<(u64, u64, Option<u64>)> {
        s.metrics
            .iter()
            .map(|r| {
                (
                    r.iteration,
                    r.train_loss.to_bits(),
                    r.test_loss.map(f64::to_bits),
                )
            })
            .collect()
    };
    let (a, b) = (bits(&straight), bits(&resumed));
    if let Some(i) = (0..a.len().min(b.len())).find(|&i| a[i] != b[i]) {
        panic!(
            "metrics of a resumed run differ from iteration {i}: {:?} vs {:?}",
            straight.metrics[i], resumed.metrics[i]
        );
    }
    assert_eq!(a.len(), b.len());
    assert_eq!(weight_bits(&net_a), weight_bits(&net_b), "final weights");
    // It learned: below predicting characters by their frequency.
    let unigram = text.char_frequencies_loss();
    assert!(
        straight.final_test_loss < unigram - 0.1,
        "final test loss {} vs the character-frequency loss {unigram}",
        straight.final_test_loss
    );
    assert!(straight.did_not_learn.is_none());
    // The text figures.
    let bpc = straight.final_test_bits_per_char.unwrap();
    assert!((bpc - straight.final_test_loss / std::f64::consts::LN_2).abs() < 1e-12);
    let evals: Vec<f64> = straight
        .metrics
        .iter()
        .filter_map(|r| r.test_loss)
        .collect();
    assert_eq!(evals.len(), 5);
    assert_eq!(
        straight.best_test_loss.unwrap(),
        evals.iter().copied().fold(f64::INFINITY, f64::min)
    );
    assert_eq!(resumed.best_test_loss, straight.best_test_loss);
    assert!(straight.chars_per_s.unwrap() > 0.0);
    assert_eq!(straight.images_per_s, 0.0);
    // Another seed: other batches, weights and dropout masks.
    let mut other = config(8, None);
    other.seed = 4;
    let (o, _) = train_text(&other, &text, &mut NoObserver, false, None).unwrap();
    assert_ne!(o.metrics[0].train_loss, straight.metrics[0].train_loss);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The full pass: every test position predicted once; on a model, the same loss as the mean
/// over the windows computed one by one.
#[test]
fn the_text_evaluation_is_a_full_pass() {
    let text = corpus();
    let cfg = config(10, None);
    let (_, net) = train_text(&cfg, &text, &mut NoObserver, false, None).unwrap();
    let n = text.test.len();
    let (loss, acc) = cyclr_burn::train::evaluate_text(&net, &text.test, 16);
    assert!(loss.is_finite() && (0.0..=1.0).contains(&acc));
    // Window by window (one forward each), weighted by length.
    let (mut sum, mut count) = (0.0f64, 0usize);
    for (start, len) in cyclr_data::full_pass_windows(n, 16) {
        let (l, _) = cyclr_burn::train::evaluate_text(&net, &text.test[start..start + len + 1], 16);
        sum += l * len as f64;
        count += len;
    }
    assert_eq!(count, n - 1);
    assert!(
        (sum / count as f64 - loss).abs() < 1e-5,
        "{} vs {loss}",
        sum / count as f64
    );
}

#[test]
fn text_runs_check_their_model_and_context() {
    let text = corpus();
    let mut cfg = config(5, None);
    cfg.model = ModelKind::Mlp;
    let e = train_text(&cfg, &text, &mut NoObserver, false, None).unwrap_err();
    assert!(e.to_string().contains("--model gpt"), "{e}");
    let mut cfg = config(5, None);
    cfg.gpt.as_mut().unwrap().context = 40_000;
    let e = train_text(&cfg, &text, &mut NoObserver, false, None).unwrap_err();
    assert!(e.to_string().contains("--context 40000"), "{e}");
}

/// Fine-tuning (`init`, issue #29): a GPT pretrained on one text starts a run on another with
/// every pretrained weight, its token rows mapped by character (a character the pretrained text
/// lacks keeps its fresh row); the run starts at the pretrained model's loss, not a fresh
/// model's; a model of another shape, or a folder holding no GPT run, is refused naming why.
#[test]
fn a_gpt_starts_from_a_pretrained_run_mapping_characters() {
    use cyclr_burn::train::init::{Pretrained, start_gpt};
    use cyclr_burn::{RunRecord, train::evaluate_text};
    let root = std::env::temp_dir().join(format!("cyclr-text-init-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    // Pretrain on the first 30,000 characters, with checkpoints and its run.json.
    let full = cyclr_data::shakespeare_text().unwrap();
    let a: String = full.chars().take(30_000).collect();
    let a_path = root.join("a.txt");
    std::fs::write(&a_path, &a).unwrap();
    let a_text = cyclr_data::DatasetSpec::Text(a_path.clone())
        .load_text()
        .unwrap();
    let pre_dir = root.join("pre");
    let mut pre_cfg = config(60, Some(pre_dir.clone()));
    pre_cfg.gpt.as_mut().unwrap().dropout = 0.0;
    let (pre_summary, pre_net) =
        train_text(&pre_cfg, &a_text, &mut NoObserver, false, None).unwrap();
    RunRecord {
        dataset: cyclr_data::DatasetSpec::Text(a_path),
        config: pre_cfg.clone(),
        data: None,
    }
    .write(&pre_dir)
    .unwrap();
    // The new text: later characters of the play, and one character the first had not ("€").
    let b: String = full.chars().skip(200_000).take(30_000).collect::<String>() + "€ €";
    let b_text = cyclr_data::parse_text(b.as_bytes(), "b").unwrap();
    let shape = pre_cfg.gpt.unwrap();
    let pre = Pretrained::read(&pre_dir, &shape, &b_text).unwrap();
    assert!(pre.new_chars.contains(&'€'), "{:?}", pre.new_chars);
    let line = pre.describe(&pre_dir, &b_text.vocab);
    assert!(
        line.contains("'€'") && line.contains("fresh rows"),
        "{line}"
    );

    let device = cyclr_burn::device();
    let started = start_gpt(&shape, &b_text, 11, Some(&pre_dir), &device).unwrap();
    let fresh = start_gpt(&shape, &b_text, 11, None, &device).unwrap();
    let pre_gpt = match &pre_net {
        Net::Gpt(g) => g.clone(),
        _ => unreachable!(),
    };
    let rows = |g: &cyclr_burn::Gpt| -> Vec<f32> {
        g.wte.weight.val().into_data().try_to_vec::<f32>().unwrap()
    };
    let (s, f, p) = (rows(&started), rows(&fresh), rows(&pre_gpt));
    let w = shape.width;
    for (i, &c) in b_text.vocab.chars.iter().enumerate() {
        let got = &s[i * w..(i + 1) * w];
        match pre.vocab.id(c) {
            Some(j) => {
                let j = usize::from(j);
                assert_eq!(got, &p[j * w..(j + 1) * w], "{c:?}: the pretrained row");
            }
            None => assert_eq!(got, &f[i * w..(i + 1) * w], "{c:?}: its fresh row"),
        }
    }
    // Every other weight is the pretrained model's: the position embedding, say.
    assert_eq!(
        started.wpe.weight.val().into_data(),
        pre_gpt.wpe.weight.val().into_data()
    );
    // The started model predicts the new text about as well as the pretrained one did its own,
    // far better than a fresh model.
    let (l_started, _) = evaluate_text(&Net::Gpt(started), &b_text.test, shape.context);
    let (l_fresh, _) = evaluate_text(&Net::Gpt(fresh), &b_text.test, shape.context);
    assert!(
        l_started < l_fresh - 0.5,
        "started {l_started}, fresh {l_fresh}, pretrained on its own text {}",
        pre_summary.final_test_loss
    );
    // A run with `init` trains from there (and its identity names the folder).
    let mut cfg = config(10, None);
    cfg.gpt = Some(shape);
    cfg.init = Some(pre_dir.clone());
    let (tuned, _) = train_text(&cfg, &b_text, &mut NoObserver, false, None).unwrap();
    assert!(
        tuned.metrics[0].train_loss < l_fresh - 0.5,
        "first fine-tuning batch {} vs fresh {l_fresh}",
        tuned.metrics[0].train_loss
    );
    // Another shape: refused, naming the key and both values.
    let wider = GptShape { width: 64, ..shape };
    let e = Pretrained::read(&pre_dir, &wider, &b_text)
        .unwrap_err()
        .to_string();
    assert!(e.contains("--width 32 there, 64 here"), "{e}");
    let e = Pretrained::read(&root, &shape, &b_text)
        .unwrap_err()
        .to_string();
    assert!(e.contains("no run.json there"), "{e}");
    let _ = std::fs::remove_dir_all(&root);
}

/// `layer_lr_decay` (issue #29 item 4): one SGD step moves every parameter by `lr × scale ×
/// gradient`, the scale `F^(L−1−i)` for block `i` of `L`, `F^L` for the position embedding, 1
/// for the final LayerNorm, and for the tied token embedding 1 (`top`) or `F^L` (`bottom`).
#[test]
fn layer_lr_decay_scales_each_block_s_rate() {
    use burn::module::ParamId;
    use burn::optim::GradientsParams;
    use cyclr_burn::model::{LayerLrDecay, TiedRate};
    use cyclr_burn::optim::SgdConfig;
    use cyclr_burn::{CyclrOptimizer, Gpt};
    use std::collections::HashMap;

    struct Ids(Vec<ParamId>);
    impl ModuleVisitor for Ids {
        fn visit_float<const D: usize>(&mut self, p: &Param<Tensor<D>>) {
            self.0.push(p.id);
        }
    }
    fn ids<M: Module>(m: &M) -> Vec<ParamId> {
        let mut v = Ids(Vec::new());
        m.visit(&mut v);
        v.0
    }
    struct Values(HashMap<ParamId, Vec<f32>>);
    impl ModuleVisitor for Values {
        fn visit_float<const D: usize>(&mut self, p: &Param<Tensor<D>>) {
            let v = p.val().into_data().try_to_vec::<f32>().unwrap();
            self.0.insert(p.id, v);
        }
    }
    fn values<M: Module>(m: &M) -> HashMap<ParamId, Vec<f32>> {
        let mut v = Values(HashMap::new());
        m.visit(&mut v);
        v.0
    }

    let text = corpus();
    let device = cyclr_burn::device();
    let shape = GptShape {
        layers: 3,
        heads: 2,
        width: 16,
        context: 8,
        dropout: 0.0,
        bias: true,
    };
    let (f, lr) = (0.5f64, 0.1f64);
    for tied in [TiedRate::Top, TiedRate::Bottom] {
        let g = Gpt::new(&shape.config(text.vocab.len()), 1, &device);
        let decay = LayerLrDecay { factor: f, tied };
        let mut want: HashMap<ParamId, f64> = HashMap::new();
        for (i, b) in g.h.iter().enumerate() {
            for id in ids(b) {
                want.insert(id, f.powi(2 - i as i32));
            }
        }
        for id in ids(&g.wpe) {
            want.insert(id, f.powi(3));
        }
        for id in ids(&g.ln_f) {
            want.insert(id, 1.0);
        }
        for id in ids(&g.wte) {
            want.insert(
                id,
                if tied == TiedRate::Top {
                    1.0
                } else {
                    f.powi(3)
                },
            );
        }
        let net = Net::Gpt(g.clone());
        let loss = cyclr_burn::train::text_loss(&net, &text.train, 4, 8, 0, 0, &device);
        let grads = GradientsParams::from_grads(loss.backward(), &g);
        struct Grads<'a>(&'a GradientsParams, HashMap<ParamId, Vec<f32>>);
        impl ModuleVisitor for Grads<'_> {
            fn visit_float<const D: usize>(&mut self, p: &Param<Tensor<D>>) {
                if let Some(t) = self.0.get::<D>(p.id) {
                    self.1
                        .insert(p.id, t.into_data().try_to_vec::<f32>().unwrap());
                }
            }
        }
        let mut gv = Grads(&grads, HashMap::new());
        g.visit(&mut gv);
        let gv = gv.1;
        let before = values(&g);
        let mut optim = CyclrOptimizer::new(&OptimizerConfig::Sgd(SgdConfig {
            momentum: 0.0,
            nesterov: false,
            weight_decay: 0.0,
        }))
        .unwrap();
        let groups = g.layer_lr_groups(&decay);
        let after = values(&optim.step_grouped(lr, None, &groups, g, grads));
        assert_eq!(want.len(), before.len(), "every parameter has a scale");
        for (id, scale) in &want {
            let (b, a, gr) = (&before[id], &after[id], &gv[id]);
            let mut checked = 0;
            for k in 0..b.len() {
                if gr[k].abs() > 1e-4 {
                    let step = lr * f64::from(gr[k]);
                    let got = f64::from(b[k] - a[k]) / step;
                    // float32: the parameters' rounding over the step's size.
                    let tol = 4.0 * f64::from(f32::EPSILON) * f64::from(b[k].abs().max(a[k].abs()))
                        / step.abs()
                        + 1e-5;
                    assert!(
                        (got - scale).abs() <= tol,
                        "{tied:?}: {got} vs {scale} (±{tol})"
                    );
                    checked += 1;
                }
            }
            assert!(checked > 0 || gr.iter().all(|x| x.abs() <= 1e-4));
        }
    }
    // Out of (0, 1]: refused, naming the flag and the range.
    let bad = LayerLrDecay {
        factor: 1.5,
        tied: TiedRate::Top,
    };
    assert!(bad.problem().unwrap().contains("must be in (0, 1]"));
}

#[test]
fn an_averaged_gpt_run_is_read_back_as_its_average() {
    // `sample` and `--init` read a run through `load_text_model`: with averaging, the average.
    let text = corpus();
    let dir = std::env::temp_dir().join(format!("cyclr-text-avg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut cfg = config(30, Some(dir.clone()));
    cfg.average = Some(cyclr::average::AverageConfig {
        decay: Some(0.8),
        ..cyclr::average::AverageConfig::new(cyclr::average::AverageKind::Ema)
    });
    let (summary, averaged) = train_text(&cfg, &text, &mut NoObserver, false, None).unwrap();
    assert_eq!(summary.averaged_models, Some(30));
    assert!(summary.final_live_test_loss.unwrap() != summary.final_test_loss);
    let device = cyclr_burn::device();
    let read = cyclr_burn::train::load_text_model(&cfg, &text, &dir, &device).unwrap();
    assert_eq!(weight_bits(&read), weight_bits(&averaged));
    let mut plain = cfg.clone();
    plain.average = None;
    plain.out_dir = None;
    plain.checkpoint_every = None;
    let (_, live) = train_text(&plain, &text, &mut NoObserver, false, None).unwrap();
    assert_ne!(weight_bits(&read), weight_bits(&live));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A GPT's range test by validation loss (#29): every point reads the model after its update on
/// the same held-out windows of the training text's tail (the last 10%), not on training batches.
/// At rates too small to move an f32 weight the model never changes, so every point must read the
/// starting model's loss on exactly those windows; the training-loss test reads other values.
#[test]
fn a_gpt_range_test_by_validation_loss_reads_the_held_out_tail() {
    use cyclr::finder::{Metric, RangeTestConfig};
    use cyclr_burn::lr_find::{HELD_OUT_BATCHES, NoFindObserver, TEXT_HELD_OUT, TextRangeTest};

    let text = corpus();
    let shape = GptShape {
        layers: 1,
        heads: 2,
        width: 16,
        context: 16,
        dropout: 0.1,
        bias: false,
    };
    let (batch_size, seed) = (4, 5);
    let test = TextRangeTest {
        gpt: shape,
        optimizer: config(1, None).optimizer,
        batch_size,
        seed,
        grad_clip: Some(1.0),
        device: Default::default(),
        init: None,
        layer_lr_decay: None,
    };
    let range = RangeTestConfig {
        start_lr: 1e-14,
        end_lr: 1e-13,
        num_it: 6,
        metric: Metric::ValLoss,
        ..Default::default()
    };
    let by_val = test
        .run_observed(&text, range.clone(), &mut NoFindObserver)
        .expect("val-loss test runs");
    let (_, tail) = text.validation_tail(TEXT_HELD_OUT);
    let windows: Vec<(usize, usize)> = (0..HELD_OUT_BATCHES as u64)
        .flat_map(|i| cyclr_data::text_batch_offsets(tail.len(), batch_size, 16, seed, i))
        .map(|s| (s, 16))
        .collect();
    let device = cyclr_burn::DeviceSpec::default().open().unwrap();
    let fresh =
        Net::Gpt(cyclr_burn::train::init::start_gpt(&shape, &text, seed, None, &device).unwrap());
    let (expected, _) = cyclr_burn::train::evaluate_windows(&fresh, &tail, &windows);
    assert_eq!(by_val.raw.len(), 6);
    for v in &by_val.raw {
        assert!((v - expected).abs() < 1e-6 * expected, "{v} vs {expected}");
    }
    // The same offsets in the training text read another loss.
    let (on_train, _) = cyclr_burn::train::evaluate_windows(&fresh, &text.train, &windows);
    assert!(
        (on_train - expected).abs() > 1e-6 * expected,
        "{on_train} vs {expected}"
    );
    let by_train = test
        .run_observed(
            &text,
            RangeTestConfig {
                metric: Metric::TrainLoss,
                ..range
            },
            &mut NoFindObserver,
        )
        .expect("train-loss test runs");
    // The training loss is each point's own batch: it varies where the held-out loss cannot.
    let first = by_train.raw[0];
    assert!(
        by_train
            .raw
            .iter()
            .any(|v| (v - first).abs() > 1e-6 * first),
        "{:?}",
        by_train.raw
    );
    // Accuracy is refused on text, naming the losses it can record.
    let e = test
        .run_observed(
            &text,
            RangeTestConfig {
                metric: Metric::Accuracy,
                ..RangeTestConfig::default()
            },
            &mut NoFindObserver,
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("train_loss") && e.contains("val_loss"), "{e}");
}
