//! Weight averaging on any burn model: [`WeightAverage`] folds the trained weights into an
//! average by one of the rules of [`cyclr::average`] (SWA, PyTorch's EMA, timm's `ModelEmaV3`
//! warm-up; their formulas and order of operations are stated there), and [`update_bn`]
//! recomputes an averaged model's batch-norm statistics as PyTorch's
//! `torch.optim.swa_utils.update_bn` does.
//!
//! # What is averaged
//!
//! The tensors that require a gradient (PyTorch's `parameters()`: every weight the optimizer
//! trains; a frozen weight is copied, which averaging would leave unchanged anyway). Batch norm's
//! running statistics are buffers: they are not averaged (PyTorch's `use_buffers=False`); an
//! averaged model takes them from the live model and [`update_bn`] recomputes them for it. The
//! average is kept on the host as `f32` (each update reads the live weights once), so the
//! arithmetic is [`cyclr::average::Update::apply`]'s, bit for bit PyTorch's; [`WeightAverage::model`]
//! builds the averaged model on the live model's device and structure when it is needed
//! (evaluation, checkpoints, the end of the run).
//!
//! # `update_bn`
//!
//! As PyTorch: every batch-norm layer's running mean is reset to 0 and variance to 1, its
//! momentum set to "None" — a cumulative average: the `k`-th batch (1-based) is folded in with
//! weight `1/k` — one pass over the given batches runs forward in training mode (no gradients
//! are taken), and the momenta are restored. burn's batch norm keeps the *biased* batch variance
//! in its running statistics where PyTorch keeps the unbiased one (`n/(n − 1)` larger for batches
//! of `n`): the same difference as during training, so the recomputed statistics are those the
//! model would have had from training on them. The golden test checks the mean against PyTorch's
//! and the variance against PyTorch's × `(n − 1)/n`.
//!
//! burn has no reflection over a module's layers, so a model names its batch-norm layers by
//! implementing [`BatchNorms`] (implemented for [`Net`](crate::model::Net), `BatchNorm`,
//! `Option` and `Vec` of such).
//!
//! # In your own loop
//!
//! ```text
//! let when = AverageWhen::from_fraction(0.75, iters, Every::Steps(1))?;   // SWA's last quarter
//! let mut avg = WeightAverage::new(AveragingRule::Swa, when)?;
//! for step in 1..=iters {
//!     model = optim.step(lr, None, model, grads);      // any optimizer, burn's or cyclr's
//!     avg.observe(step, &model);                       // folds the model in when `when` says so
//! }
//! let mut averaged = avg.model(&model).expect("updated at least once");
//! update_bn(&mut averaged, train_batches, |m, b| drop(m.forward(b)));  // models with batch norm
//! ```
//!
//! `to_bytes`/`load_bytes` carry the average through a checkpoint of your own.
use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::nn::BatchNorm;
use burn::tensor::{Tensor, TensorData};
use cyclr::ParamError;
use cyclr::average::{AverageWhen, AveragingRule};

/// An average of a model's weights over training (see the [module documentation](self)).
#[derive(Debug, Clone, PartialEq)]
pub struct WeightAverage {
    rule: AveragingRule,
    when: AverageWhen,
    n_averaged: u64,
    /// The averaged tensors, flattened, in the model's visiting order.
    weights: Vec<Vec<f32>>,
}

impl WeightAverage {
    /// An empty average by `rule`, updated at the steps `when` names.
    pub fn new(rule: AveragingRule, when: AverageWhen) -> Result<Self, ParamError> {
        rule.check()?;
        Ok(Self {
            rule,
            when,
            n_averaged: 0,
            weights: Vec::new(),
        })
    }

    /// The rule.
    pub fn rule(&self) -> &AveragingRule {
        &self.rule
    }

    /// When it is updated.
    pub fn when(&self) -> &AverageWhen {
        &self.when
    }

    /// Models folded in so far (PyTorch's `n_averaged`).
    pub fn n_averaged(&self) -> u64 {
        self.n_averaged
    }

    /// After optimizer step `step` (1-based) of the run: folds `model` into the average if `when`
    /// says so; returns whether it did.
    pub fn observe<M: Module>(&mut self, step: u64, model: &M) -> bool {
        if !self.when.updates_after(step) {
            return false;
        }
        let mut current = Collect::default();
        model.visit(&mut current);
        let update = self
            .rule
            .update(self.n_averaged, step - self.when.first + 1);
        if self.weights.is_empty() {
            self.weights = current.weights;
        } else {
            assert_eq!(
                self.weights.len(),
                current.weights.len(),
                "the model averaged has the shape of the first one"
            );
            for (a, p) in self.weights.iter_mut().zip(&current.weights) {
                update.apply(a, p);
            }
        }
        self.n_averaged += 1;
        true
    }

    /// The averaged model: a copy of `live` (its structure, device, ids and buffers) holding the
    /// averaged weights; `None` before the first update. Its batch-norm statistics are the live
    /// model's: recompute them with [`update_bn`].
    pub fn model<M: Module>(&self, live: &M) -> Option<M> {
        if self.n_averaged == 0 {
            return None;
        }
        // valid().train(): a deep copy (fresh running-state cells, not shared with `live`).
        let copy = live.valid().train();
        let mut put = Put {
            weights: &self.weights,
            next: 0,
        };
        let out = copy.map(&mut put);
        assert_eq!(put.next, self.weights.len(), "every averaged tensor placed");
        Some(out)
    }

    /// The average's state (`n_averaged` and the weights as bits), for checkpoints.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&self.n_averaged.to_le_bytes());
        out.extend_from_slice(&(self.weights.len() as u64).to_le_bytes());
        for w in &self.weights {
            out.extend_from_slice(&(w.len() as u64).to_le_bytes());
            for x in w {
                out.extend_from_slice(&x.to_bits().to_le_bytes());
            }
        }
        out
    }

    /// Restores the state [`to_bytes`](Self::to_bytes) wrote.
    pub fn load_bytes(&mut self, bytes: &[u8]) -> Result<(), String> {
        let mut r = Reader(bytes);
        let n_averaged = r.u64()?;
        let count = r.u64()?;
        let mut weights = Vec::new();
        for _ in 0..count {
            let len = usize::try_from(r.u64()?).map_err(|_| "a corrupt length".to_string())?;
            let raw = r.take(len.checked_mul(4).ok_or("a corrupt length")?)?;
            weights.push(
                raw.chunks_exact(4)
                    .map(|c| f32::from_bits(u32::from_le_bytes(c.try_into().expect("4 bytes"))))
                    .collect(),
            );
        }
        if !r.0.is_empty() {
            return Err("the average's state has trailing bytes".into());
        }
        self.n_averaged = n_averaged;
        self.weights = weights;
        Ok(())
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.0.len() < n {
            return Err("the average's state is cut short".into());
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }
    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
}

/// Whether a visited tensor is a trained weight (averaged) rather than a buffer (copied).
fn is_weight<const D: usize>(param: &Param<Tensor<D>>) -> bool {
    param.val().is_require_grad()
}

#[derive(Default)]
struct Collect {
    weights: Vec<Vec<f32>>,
}

impl ModuleVisitor for Collect {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if is_weight(param) {
            let v = param
                .val()
                .into_data()
                .convert::<f32>()
                .try_to_vec::<f32>()
                .expect("f32 data");
            self.weights.push(v);
        }
    }
}

struct Put<'a> {
    weights: &'a [Vec<f32>],
    next: usize,
}

impl ModuleMapper for Put<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        if !is_weight(&param) {
            return param;
        }
        let w = &self.weights[self.next];
        self.next += 1;
        let (id, tensor, mapper) = param.consume();
        let dims: [usize; D] = tensor.dims();
        let value = Tensor::<D>::from_data(TensorData::new(w.clone(), dims), &tensor.device())
            .require_grad();
        Param::from_mapped_value(id, value, mapper)
    }
}

/// A model's batch-norm layers (PyTorch's `model.modules()` filtered to `_BatchNorm`), for
/// [`update_bn`].
pub trait BatchNorms {
    /// Every batch-norm layer, in any order.
    fn batch_norms(&mut self) -> Vec<&mut BatchNorm>;
}

impl BatchNorms for BatchNorm {
    fn batch_norms(&mut self) -> Vec<&mut BatchNorm> {
        vec![self]
    }
}

impl<T: BatchNorms> BatchNorms for Option<T> {
    fn batch_norms(&mut self) -> Vec<&mut BatchNorm> {
        self.iter_mut().flat_map(BatchNorms::batch_norms).collect()
    }
}

impl<T: BatchNorms> BatchNorms for Vec<T> {
    fn batch_norms(&mut self) -> Vec<&mut BatchNorm> {
        self.iter_mut().flat_map(BatchNorms::batch_norms).collect()
    }
}

/// PyTorch's `update_bn(loader, model)` (see the [module documentation](self#update_bn)):
/// `forward(model, batch)` runs the model forward in training mode on the training device (an
/// autodiff device: burn's batch norm updates its statistics only there) for each of `batches`.
/// Returns the number of batches run; a model without batch norm runs none.
pub fn update_bn<M: BatchNorms, X>(
    model: &mut M,
    batches: impl IntoIterator<Item = X>,
    mut forward: impl FnMut(&M, X),
) -> u64 {
    let momenta: Vec<f64> = {
        let layers = model.batch_norms();
        if layers.is_empty() {
            return 0;
        }
        layers
            .into_iter()
            .map(|bn| {
                // reset_running_stats(): mean 0, variance 1.
                let mean = bn.running_mean.value_sync();
                let var = bn.running_var.value_sync();
                bn.running_mean.update(mean.zeros_like());
                bn.running_var.update(var.ones_like());
                bn.momentum
            })
            .collect()
    };
    let mut k = 0u64;
    for batch in batches {
        k += 1;
        // momentum = None: exponential_average_factor = 1 / num_batches_tracked.
        for bn in model.batch_norms() {
            bn.momentum = 1.0 / k as f64;
        }
        forward(model, batch);
    }
    for (bn, m) in model.batch_norms().into_iter().zip(momenta) {
        bn.momentum = m;
    }
    k
}
