//! The engine of the learning-rate-free optimizers: a whole parameter group at once, as PyTorch
//! optimizers see it.
//!
//! burn's [`ModuleOptimizer`](burn::optim::ModuleOptimizer) updates one parameter at a time, and
//! its per-parameter state is private to it. Prodigy and D-Adaptation cannot be written that
//! way: their step-size estimate `d` is a sum over *every* parameter (`Σ ⟨g, s⟩`, `Σ |s|₁`) that
//! must be complete before *any* parameter moves; schedule-free needs the state `z` of every
//! parameter to switch the model between its training point `y` and its evaluation point `x`.
//! So these optimizers implement [`GroupOptimizer`]: one call per step receives every parameter
//! that has a gradient — flattened to one dimension, in the module's visiting order, with its
//! gradient and state ([`Slot`]) — exactly the loop `for p in group['params']` of the reference
//! packages, and [`GroupEngine`] does the module plumbing around it (collecting parameters and
//! gradients, writing the results back with their autodiff settings, keeping the states keyed by
//! [`ParamId`], moving them to the parameters' device, and serialising them).
//!
//! Parameters without a gradient are skipped, as `if p.grad is None: continue` does; their state
//! is kept.

use std::collections::{BTreeMap, HashMap};

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor, TensorData};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// One parameter during a step: its value and gradient flattened to one dimension (on the inner,
/// non-autodiff backend), and its state (`None` before its first step).
pub struct Slot<S> {
    /// The parameter (PyTorch's `p.data`); the optimizer replaces it with the updated value.
    pub param: Tensor<1>,
    /// Its gradient (`p.grad`).
    pub grad: Tensor<1>,
    /// Its state (`optimizer.state[p]`); the optimizer sets it.
    pub state: Option<S>,
}

/// A per-parameter state made of named one-dimensional tensors.
pub trait FlatState: Clone + Send + Sync + Sized + 'static {
    /// The named tensors (an absent optional tensor is left out).
    fn tensors(&self) -> Vec<(&'static str, &Tensor<1>)>;
    /// The state from the tensors [`tensors`](Self::tensors) gave (`None`: one is missing).
    fn from_tensors(tensors: &mut HashMap<String, Tensor<1>>) -> Option<Self>;
}

/// An optimizer that updates a whole parameter group in one call (see the
/// [module documentation](self)).
pub trait GroupOptimizer: Clone + Send + Sync + 'static {
    /// The state of one parameter.
    type State: FlatState;
    /// The scalars the group carries between steps (PyTorch's `param_groups[0]` entries).
    type Group: Clone + Send + Sync + std::fmt::Debug + Serialize + DeserializeOwned;
    /// The name written into the serialised state (a state is only loaded by its own kind).
    fn kind(&self) -> &'static str;
    /// The group scalars before the first step.
    fn new_group(&self) -> Self::Group;
    /// One step at learning rate `lr` over every parameter with a gradient.
    fn step(&self, lr: f64, group: &mut Self::Group, params: &mut [Slot<Self::State>]);
}

/// A [`GroupOptimizer`] with its group scalars and per-parameter states.
#[derive(Clone)]
pub struct GroupEngine<O: GroupOptimizer> {
    /// The optimizer (its hyper-parameters).
    pub optim: O,
    /// The group's scalars.
    pub group: O::Group,
    states: BTreeMap<u64, O::State>,
}

impl<O: GroupOptimizer> GroupEngine<O> {
    /// No state yet.
    pub fn new(optim: O) -> Self {
        GroupEngine {
            group: optim.new_group(),
            optim,
            states: BTreeMap::new(),
        }
    }

    /// The state of the parameter `id`, if it has taken a step.
    pub fn state(&self, id: ParamId) -> Option<&O::State> {
        self.states.get(&id.val())
    }

    /// Number of parameters with a state.
    pub fn len(&self) -> usize {
        self.states.len()
    }

    /// Whether no parameter has a state yet.
    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    /// Total number of `f32` values held in the per-parameter states.
    pub fn state_numel(&self) -> usize {
        self.states
            .values()
            .flat_map(|s| s.tensors())
            .map(|(_, t)| t.shape().num_elements())
            .sum()
    }

    /// One step of `module` at learning rate `lr`.
    pub fn step<M: Module>(&mut self, lr: f64, module: M, mut grads: GradientsParams) -> M {
        let mut collect = Collect {
            grads: Some(&mut grads),
            with_state: None,
            out: Vec::new(),
        };
        module.visit(&mut collect);
        let found = collect.out;
        let mut slots: Vec<Slot<O::State>> = found
            .iter()
            .map(|(id, param, grad)| {
                let device = param.device();
                Slot {
                    param: param.clone(),
                    grad: grad.clone().expect("collected with its gradient"),
                    state: self.states.remove(id).map(|s| state_to_device(s, &device)),
                }
            })
            .collect();
        self.optim.step(lr, &mut self.group, &mut slots);
        let mut updates = HashMap::with_capacity(slots.len());
        for ((id, _, _), slot) in found.iter().zip(slots) {
            if let Some(state) = slot.state {
                self.states.insert(*id, state);
            }
            updates.insert(*id, slot.param);
        }
        module.map(&mut Replace { updates })
    }

    /// `module` with every parameter that has a state replaced by `f(parameter, state)` (both
    /// flattened; e.g. schedule-free's switch between `y` and `x`).
    pub fn map_params<M: Module>(
        &self,
        module: M,
        mut f: impl FnMut(Tensor<1>, &O::State) -> Tensor<1>,
    ) -> M {
        let mut collect = Collect {
            grads: None,
            with_state: Some(&|id| self.states.contains_key(&id)),
            out: Vec::new(),
        };
        module.visit(&mut collect);
        let updates = collect
            .out
            .into_iter()
            .map(|(id, param, _)| {
                let state = state_to_device(self.states[&id].clone(), &param.device());
                (id, f(param, &state))
            })
            .collect();
        module.map(&mut Replace { updates })
    }

    /// The group scalars and every state, serialised (CBOR; each state tensor as the
    /// little-endian bytes of its f32 values).
    pub fn to_bytes(&self) -> Result<Vec<u8>, String> {
        let mut params = Vec::with_capacity(self.states.len());
        for (&id, state) in &self.states {
            let mut tensors = Vec::new();
            for (name, t) in state.tensors() {
                let values = t
                    .to_data()
                    .convert::<f32>()
                    .try_into_vec::<f32>()
                    .map_err(|e| format!("state tensor {name} of parameter {id}: {e:?}"))?;
                let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
                tensors.push((name.to_owned(), serde_bytes::ByteBuf::from(bytes)));
            }
            params.push(ParamRecord { id, tensors });
        }
        let record = EngineRecord {
            kind: self.optim.kind().to_owned(),
            group: self.group.clone(),
            params,
        };
        let mut out = Vec::new();
        ciborium::into_writer(&record, &mut out).map_err(|e| e.to_string())?;
        Ok(out)
    }

    /// Replaces the group scalars and states with those of [`to_bytes`](Self::to_bytes)' output.
    pub fn load_bytes(&mut self, bytes: &[u8]) -> Result<(), String> {
        #[derive(Deserialize)]
        struct Kind {
            kind: String,
        }
        let kind: Kind =
            ciborium::from_reader(bytes).map_err(|e| format!("not an optimizer state: {e}"))?;
        if kind.kind != self.optim.kind() {
            return Err(format!(
                "the state belongs to the optimizer {:?}, not {:?}",
                kind.kind,
                self.optim.kind()
            ));
        }
        let record: EngineRecord<O::Group> =
            ciborium::from_reader(bytes).map_err(|e| format!("not an optimizer state: {e}"))?;
        let device = Device::default();
        let mut states = BTreeMap::new();
        for p in record.params {
            let mut tensors: HashMap<String, Tensor<1>> = p
                .tensors
                .into_iter()
                .map(|(name, bytes)| {
                    let v: Vec<f32> = bytes
                        .chunks_exact(4)
                        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                        .collect();
                    let n = v.len();
                    (name, Tensor::from_data(TensorData::new(v, [n]), &device))
                })
                .collect();
            let state = O::State::from_tensors(&mut tensors)
                .ok_or_else(|| format!("incomplete state of parameter {}", p.id))?;
            states.insert(p.id, state);
        }
        self.group = record.group;
        self.states = states;
        Ok(())
    }
}

#[derive(Serialize, Deserialize)]
struct EngineRecord<G> {
    kind: String,
    group: G,
    params: Vec<ParamRecord>,
}

#[derive(Serialize, Deserialize)]
struct ParamRecord {
    id: u64,
    tensors: Vec<(String, serde_bytes::ByteBuf)>,
}

fn state_to_device<S: FlatState>(state: S, device: &Device) -> S {
    let tensors = state.tensors();
    if tensors.iter().all(|(_, t)| t.device() == *device) {
        return state;
    }
    let mut moved: HashMap<String, Tensor<1>> = tensors
        .into_iter()
        .map(|(n, t)| (n.to_owned(), t.clone().to_device(device)))
        .collect();
    S::from_tensors(&mut moved).expect("the same tensors")
}

/// Collects `(id, flat value, flat gradient)` of the parameters with a gradient (or, without
/// gradients, of those `with_state` accepts), on the inner backend.
struct Collect<'a> {
    grads: Option<&'a mut GradientsParams>,
    with_state: Option<&'a dyn Fn(u64) -> bool>,
    out: Vec<(u64, Tensor<1>, Option<Tensor<1>>)>,
}

impl ModuleVisitor for Collect<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let id = param.id;
        let grad = match self.grads.as_deref_mut() {
            Some(grads) => match grads.remove::<D>(id) {
                Some(g) => Some(g),
                None => return,
            },
            None => None,
        };
        if let Some(accept) = self.with_state
            && !accept(id.val())
        {
            return;
        }
        let value = param.val().inner();
        let n = value.shape().num_elements();
        let device = value.device();
        let grad = grad.map(|g| g.inner().to_device(&device).reshape([n]));
        self.out.push((id.val(), value.reshape([n]), grad));
    }
}

/// Writes the flat values back into the module, in each parameter's shape and with its autodiff
/// settings (what burn's own `ModuleOptimizer` restores after an update).
struct Replace {
    updates: HashMap<u64, Tensor<1>>,
}

impl ModuleMapper for Replace {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let Some(new) = self.updates.remove(&param.id.val()) else {
            return param;
        };
        let (id, tensor, mapper) = param.consume();
        let dims: [usize; D] = tensor.dims();
        let new: Tensor<D> = new.reshape(dims);
        let value = if tensor.is_autodiff() {
            let strategy = tensor.gradient_checkpointing_strategy();
            let mut t = Tensor::from_inner(new);
            if let Some(s) = strategy {
                t = t.with_gradient_checkpointing_strategy(s);
            }
            if tensor.is_require_grad() {
                t = t.require_grad();
            }
            t
        } else {
            new
        };
        Param::from_mapped_value(id, value, mapper)
    }
}

// ---------------------------------------------------------------------------------------------
// PyTorch's tensor arithmetic, in its order of operations (f32 tensors, Python-float scalars
// rounded to f32 as ATen does).
// ---------------------------------------------------------------------------------------------

/// `torch.lerp(start, end, weight)` with a scalar weight: `start + w·(end − start)` when
/// `|w| < 0.5`, else `end − (end − start)·(1 − w)` (ATen's `lerp`, `1 − w` in f32).
pub fn lerp<const D: usize>(start: Tensor<D>, end: Tensor<D>, weight: f64) -> Tensor<D> {
    let w = weight as f32;
    let diff = end.clone().sub(start.clone());
    if w.abs() < 0.5 {
        start.add(diff.mul_scalar(w))
    } else {
        end.sub(diff.mul_scalar(1.0f32 - w))
    }
}

/// `t.add_(other, alpha=a)`: `t + a·other`.
pub fn add_scaled<const D: usize>(t: Tensor<D>, other: Tensor<D>, alpha: f64) -> Tensor<D> {
    t.add(other.mul_scalar(alpha as f32))
}

/// `t.addcmul_(a, b, value=v)`: `t + v·a·b` (left to right, as ATen's kernel).
pub fn addcmul<const D: usize>(t: Tensor<D>, a: Tensor<D>, b: Tensor<D>, value: f64) -> Tensor<D> {
    t.add(a.mul_scalar(value as f32).mul(b))
}

/// `t.addcdiv_(a, b, value=v)`: `t + v·a / b` (left to right, as ATen's kernel).
pub fn addcdiv<const D: usize>(t: Tensor<D>, a: Tensor<D>, b: Tensor<D>, value: f64) -> Tensor<D> {
    t.add(a.mul_scalar(value as f32).div(b))
}

/// `torch.dot(a, b).item()` (an f32 sum, returned as a Python float).
pub fn dot(a: &Tensor<1>, b: &Tensor<1>) -> f64 {
    f64::from(a.clone().mul(b.clone()).sum().into_scalar::<f32>())
}

/// `t.abs().sum().item()`.
pub fn abs_sum(t: &Tensor<1>) -> f64 {
    f64::from(t.clone().abs().sum().into_scalar::<f32>())
}

/// `(t * t).sum().item()`.
pub fn sq_sum(t: &Tensor<1>) -> f64 {
    f64::from(t.clone().square().sum().into_scalar::<f32>())
}
