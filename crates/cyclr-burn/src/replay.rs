//! Replaying the learning-rate-free optimizers' golden trajectories (`shared/golden/lrfree/`,
//! made by the reference packages themselves) through cyclr's implementation.
//!
//! A golden file holds one optimizer (`kind`, `hyperparameters` under the package's names, `lr`
//! among them) on one problem, step by step:
//!
//! * `quadratic`: parameter tensors of `shapes` starting at `init`; the gradient of step t is
//!   `a·(p − b) + noise[t]` at the parameters the optimizer holds (no autodiff: the update
//!   arithmetic alone);
//! * `mlp`: `[W1, b1, W2, b2]` of a tanh MLP in PyTorch's `Linear` layout (`y = x Wᵀ + b`), the
//!   loss the mean softmax cross-entropy of `tanh(x W1ᵀ + b1) W2ᵀ + b2` on each step's batch
//!   (`x` row-major, `y` labels), gradients by burn's autodiff.
//!
//! After every step the parameters (`params`: the training point), schedule-free's evaluation
//! point (`eval_params`, read from a copy switched to evaluation mode, as the golden's generator
//! did) and Prodigy's / D-Adaptation's `d` are compared with the file. The error of a field at a
//! step is, over the parameter tensors, the largest `max|p − p_golden| / max|p_golden|` (`d`:
//! `|d − d_golden| / |d_golden|`); [`Replay`] reports, per field, the worst ratio over all steps
//! of that error to the step's `tolerance` (≤ 1 is right).

use std::path::Path;

use burn::module::{Module, Param};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Int, Tensor, TensorData};
use serde::Deserialize;

use crate::model::Net;
use crate::optim::{CyclrOptimizer, OptimizerConfig};

/// A golden trajectory file.
#[derive(Debug, Clone, Deserialize)]
pub struct Golden {
    /// The optimizer (`OptimizerConfig` name).
    pub kind: String,
    /// Its hyper-parameters under the package's names, `lr` included.
    pub hyperparameters: serde_json::Map<String, serde_json::Value>,
    /// `quadratic` or `mlp`.
    pub problem: String,
    /// Parameter shapes.
    pub shapes: Vec<Vec<usize>>,
    /// Initial parameters (flattened row-major).
    pub init: Vec<Vec<f32>>,
    /// Quadratic: curvature per element.
    #[serde(default)]
    pub a: Option<Vec<Vec<f32>>>,
    /// Quadratic: minimiser.
    #[serde(default)]
    pub b: Option<Vec<Vec<f32>>>,
    /// The steps.
    pub steps: Vec<GoldenStep>,
}

/// One step of a golden trajectory.
#[derive(Debug, Clone, Deserialize)]
pub struct GoldenStep {
    /// Quadratic: the gradient noise per tensor.
    #[serde(default)]
    pub noise: Option<Vec<Vec<f32>>>,
    /// MLP: the batch's inputs (16×4 row-major).
    #[serde(default)]
    pub x: Option<Vec<f32>>,
    /// MLP: the batch's labels.
    #[serde(default)]
    pub y: Option<Vec<i64>>,
    /// The loss before the step.
    pub loss: f64,
    /// The parameters after the step.
    pub params: Vec<Vec<f32>>,
    /// Schedule-free: the evaluation point after the step.
    #[serde(default)]
    pub eval_params: Option<Vec<Vec<f32>>>,
    /// Prodigy / D-Adaptation: the step-size estimate after the step.
    #[serde(default)]
    pub d: Option<f64>,
    /// Tolerance per field.
    pub tolerance: Tolerance,
}

/// A step's tolerance per field.
#[derive(Debug, Clone, Deserialize)]
pub struct Tolerance {
    /// For `params`.
    pub params: f64,
    /// For `eval_params`.
    #[serde(default)]
    pub eval_params: Option<f64>,
    /// For `d`.
    #[serde(default)]
    pub d: Option<f64>,
}

/// The worst error-to-tolerance ratio of each field over all steps (`None`: the file has no
/// such field).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Replay {
    /// `params`.
    pub params: f64,
    /// `eval_params`.
    pub eval_params: Option<f64>,
    /// `d`.
    pub d: Option<f64>,
    /// The step (0-based) where the worst `params` ratio occurred.
    pub worst_step: usize,
}

impl Replay {
    /// Whether every field at every step was within its tolerance.
    pub fn passed(&self) -> bool {
        [Some(self.params), self.eval_params, self.d]
            .into_iter()
            .flatten()
            .all(|r| r <= 1.0)
    }
}

impl std::fmt::Display for Replay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |v: Option<f64>| v.map_or("-".to_string(), |r| format!("{r:.3}"));
        write!(
            f,
            "params {}, eval_params {}, d {}",
            show(Some(self.params)),
            show(self.eval_params),
            show(self.d)
        )
    }
}

/// The parameters of a replay: a list of tensors of any rank, flattened.
#[derive(Module, Debug)]
struct Params {
    p: Vec<Param<Tensor<1>>>,
}

/// The golden MLP, in PyTorch's layout.
#[derive(Module, Debug)]
struct Mlp {
    w1: Param<Tensor<2>>,
    b1: Param<Tensor<1>>,
    w2: Param<Tensor<2>>,
    b2: Param<Tensor<1>>,
}

impl Mlp {
    fn loss(&self, x: Tensor<2>, y: Tensor<1, Int>) -> Tensor<1> {
        let h = x
            .matmul(self.w1.val().transpose())
            .add(self.b1.val().unsqueeze_dim(0))
            .tanh();
        let logits = h
            .matmul(self.w2.val().transpose())
            .add(self.b2.val().unsqueeze_dim(0));
        Net::cross_entropy(logits, y)
    }

    fn flat(&self) -> Vec<Vec<f32>> {
        vec![
            values(self.w1.val().reshape([-1])),
            values(self.b1.val()),
            values(self.w2.val().reshape([-1])),
            values(self.b2.val()),
        ]
    }
}

fn values(t: Tensor<1>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .expect("f32 data")
}

fn tensor1(v: &[f32], device: &Device) -> Tensor<1> {
    Tensor::from_data(TensorData::new(v.to_vec(), [v.len()]), device)
}

fn tensor2(v: &[f32], shape: &[usize], device: &Device) -> Result<Tensor<2>, String> {
    match shape {
        [r, c] if r * c == v.len() => Ok(Tensor::from_data(
            TensorData::new(v.to_vec(), [*r, *c]),
            device,
        )),
        _ => Err(format!("shape {shape:?} does not fit {} values", v.len())),
    }
}

/// `max over tensors of max|got − want| / max|want|`.
fn rel_error(got: &[Vec<f32>], want: &[Vec<f32>]) -> Result<f64, String> {
    if got.len() != want.len() {
        return Err(format!(
            "{} parameter tensors, the file has {}",
            got.len(),
            want.len()
        ));
    }
    let mut worst = 0.0f64;
    for (g, w) in got.iter().zip(want) {
        if g.len() != w.len() {
            return Err(format!(
                "a tensor of {} values, the file's has {}",
                g.len(),
                w.len()
            ));
        }
        let scale = w.iter().fold(0.0f64, |m, v| m.max(f64::from(v.abs())));
        let diff = g.iter().zip(w).fold(0.0f64, |m, (a, b)| {
            m.max((f64::from(*a) - f64::from(*b)).abs())
        });
        let e = if scale > 0.0 { diff / scale } else { diff };
        worst = worst.max(if e.is_nan() { f64::INFINITY } else { e });
    }
    Ok(worst)
}

impl Golden {
    /// Reads a golden file.
    pub fn read(path: &Path) -> Result<Golden, String> {
        let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        serde_json::from_str(&text).map_err(|e| format!("not a golden trajectory: {e}"))
    }

    /// The optimizer and the learning rate the file was made with.
    pub fn optimizer(&self) -> Result<(OptimizerConfig, f64), String> {
        let mut keys = self.hyperparameters.clone();
        let lr = match keys.remove("lr") {
            Some(v) => v
                .as_f64()
                .ok_or_else(|| format!("hyperparameter lr = {v}: not a number"))?,
            None => OptimizerConfig::from_name(&self.kind)?
                .default_lr()
                .ok_or_else(|| format!("{}: the file gives no lr", self.kind))?,
        };
        let config = OptimizerConfig::from_name_with(&self.kind, &keys)?;
        config.validate().map_err(|e| e.to_string())?;
        Ok((config, lr))
    }

    /// Replays every step (see the [module documentation](self)).
    pub fn replay(&self) -> Result<Replay, String> {
        let (config, lr) = self.optimizer()?;
        let mut optim = CyclrOptimizer::new(&config).map_err(|e| e.to_string())?;
        if self.init.len() != self.shapes.len() {
            return Err(format!(
                "{} shapes but {} initial tensors",
                self.shapes.len(),
                self.init.len()
            ));
        }
        let device = crate::device();
        let mut out = Replay {
            params: 0.0,
            eval_params: None,
            d: None,
            worst_step: 0,
        };
        let mut record = |t: usize,
                          step: &GoldenStep,
                          params: Vec<Vec<f32>>,
                          eval: Option<Vec<Vec<f32>>>,
                          d: Option<f64>|
         -> Result<(), String> {
            let at = |e: String| format!("step {t}: {e}");
            let r = rel_error(&params, &step.params).map_err(at)? / step.tolerance.params;
            if r > out.params {
                out.params = r;
                out.worst_step = t;
            }
            if let Some(want) = &step.eval_params {
                let got = eval.ok_or_else(|| at("the optimizer has no evaluation point".into()))?;
                let tol = step.tolerance.eval_params.unwrap_or(step.tolerance.params);
                let r = rel_error(&got, want).map_err(at)? / tol;
                out.eval_params = Some(out.eval_params.map_or(r, |w| w.max(r)));
            }
            if let Some(want) = step.d {
                let got = d.ok_or_else(|| at("the optimizer has no d".into()))?;
                let tol = step.tolerance.d.unwrap_or(step.tolerance.params);
                let e = ((got - want) / want).abs();
                let r = if e.is_nan() { f64::INFINITY } else { e / tol };
                out.d = Some(out.d.map_or(r, |w| w.max(r)));
            }
            Ok(())
        };
        let schedule_free = config.is_schedule_free();
        let eval_of = |flat: Vec<Vec<f32>>| schedule_free.then_some(flat);
        match self.problem.as_str() {
            "quadratic" => {
                let (a, b) = match (&self.a, &self.b) {
                    (Some(a), Some(b)) => (a, b),
                    _ => return Err("a quadratic needs `a` and `b`".into()),
                };
                let mut model = Params {
                    p: self
                        .init
                        .iter()
                        .map(|v| Param::from_tensor(tensor1(v, &device)))
                        .collect(),
                };
                let a: Vec<Tensor<1>> = a.iter().map(|v| tensor1(v, &device)).collect();
                let b: Vec<Tensor<1>> = b.iter().map(|v| tensor1(v, &device)).collect();
                for (t, step) in self.steps.iter().enumerate() {
                    let noise = step
                        .noise
                        .as_ref()
                        .ok_or_else(|| format!("step {t}: no noise"))?;
                    let mut grads = GradientsParams::new();
                    for (i, p) in model.p.iter().enumerate() {
                        let g = a[i]
                            .clone()
                            .mul(p.val().inner().sub(b[i].clone()))
                            .add(tensor1(&noise[i], &device));
                        grads.register(p.id, g);
                    }
                    model = optim.step(lr, None, model, grads);
                    let flat = |m: &Params| m.p.iter().map(|p| values(p.val())).collect();
                    let params: Vec<Vec<f32>> = flat(&model);
                    let eval = eval_of({
                        let mut copy = optim.clone();
                        flat(&copy.eval_mode(model.clone()))
                    });
                    record(t, step, params, eval, optim.d())?;
                }
            }
            "mlp" => {
                if self.shapes.len() != 4 {
                    return Err("an mlp has 4 parameter tensors [W1, b1, W2, b2]".into());
                }
                let mut model = Mlp {
                    w1: Param::from_tensor(tensor2(&self.init[0], &self.shapes[0], &device)?),
                    b1: Param::from_tensor(tensor1(&self.init[1], &device)),
                    w2: Param::from_tensor(tensor2(&self.init[2], &self.shapes[2], &device)?),
                    b2: Param::from_tensor(tensor1(&self.init[3], &device)),
                };
                let inputs = self.shapes[0].get(1).copied().unwrap_or(0);
                for (t, step) in self.steps.iter().enumerate() {
                    let (x, y) = match (&step.x, &step.y) {
                        (Some(x), Some(y)) => (x, y),
                        _ => return Err(format!("step {t}: an mlp step needs x and y")),
                    };
                    let x = tensor2(x, &[y.len(), inputs], &device)?;
                    let y =
                        Tensor::<1, Int>::from_data(TensorData::new(y.clone(), [y.len()]), &device);
                    let loss = model.loss(x, y);
                    let grads = GradientsParams::from_grads(loss.backward(), &model);
                    model = optim.step(lr, None, model, grads);
                    let eval = eval_of({
                        let mut copy = optim.clone();
                        copy.eval_mode(model.clone()).flat()
                    });
                    record(t, step, model.flat(), eval, optim.d())?;
                }
            }
            other => return Err(format!("unknown problem {other:?} (quadratic or mlp)")),
        }
        Ok(out)
    }
}
