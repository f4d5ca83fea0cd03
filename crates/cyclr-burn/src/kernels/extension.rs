//! The kernels as a burn backend extension: a trait with one method per operation, implemented
//! for burn-flex's `Flex` (the kernels of [`conv2d`](mod@super::conv2d) and
//! [`super::max_pool`] on `FlexTensor` data) and for `Autodiff<Flex>` (a hand-written
//! backward pass registered with burn's autodiff graph), and routed from `Tensor`s by the
//! `Dispatch` implementation that `#[backend_extension]` generates.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::ops::ModuleOps;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Backend, Flex, backend_extension};

use super::conv2d::{self, ConvGeom, Need};
use super::max_pool::{self, PoolGeom};

/// cyclr's kernels as backend operations. Callers (the functions of [`kernels`](super)) check
/// that the operands are `f32` tensors of the Flex backend with shapes the kernels support.
#[backend_extension(Flex, Autodiff)]
pub trait CyclrKernels: Backend {
    /// `conv2d(x, weight) + bias` (groups 1, dilation 1).
    fn cyclr_conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        geom: ConvGeom,
    ) -> FloatTensor<Self>;

    /// `conv2d(x, weight)` (groups 1, dilation 1).
    fn cyclr_conv2d_no_bias(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        geom: ConvGeom,
    ) -> FloatTensor<Self>;

    /// Max pooling without padding or dilation.
    fn cyclr_max_pool2d(x: FloatTensor<Self>, geom: PoolGeom) -> FloatTensor<Self>;
}

impl CyclrKernels for Flex {
    fn cyclr_conv2d(
        x: FlexTensor,
        weight: FlexTensor,
        bias: FlexTensor,
        geom: ConvGeom,
    ) -> FlexTensor {
        conv2d::forward(&x, &weight, Some(&bias), geom)
    }

    fn cyclr_conv2d_no_bias(x: FlexTensor, weight: FlexTensor, geom: ConvGeom) -> FlexTensor {
        conv2d::forward(&x, &weight, None, geom)
    }

    fn cyclr_max_pool2d(x: FlexTensor, geom: PoolGeom) -> FlexTensor {
        max_pool::forward(&x, geom, false).0
    }
}

/// What the convolution's backward pass needs: its inputs and geometry.
#[derive(Debug, Clone)]
struct ConvState {
    x: FlexTensor,
    weight: FlexTensor,
    geom: ConvGeom,
}

/// The convolution's backward step; `N` = 3 with a bias, 2 without.
#[derive(Debug)]
struct ConvBackward<const N: usize>;

fn conv_backward(
    state: ConvState,
    [x, w, b]: [Option<burn::backend::autodiff::NodeId>; 3],
    dy: FlexTensor,
    grads: &mut Gradients,
) {
    let need = Need {
        x: x.is_some(),
        w: w.is_some(),
        b: b.is_some(),
    };
    let g = conv2d::backward(&state.x, &state.weight, &dy, state.geom, need);
    for (node, grad) in [(x, g.x), (w, g.w), (b, g.b)] {
        if let (Some(node), Some(grad)) = (node, grad) {
            grads.register::<Flex>(node, grad);
        }
    }
}

impl Backward<Flex, 3> for ConvBackward<3> {
    type State = ConvState;

    fn backward(self, ops: Ops<ConvState, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let dy = grads.consume::<Flex>(&ops.node);
        let ids = ops.parents.map(|p| p.map(|node| node.id));
        conv_backward(ops.state, ids, dy, grads);
    }
}

impl Backward<Flex, 2> for ConvBackward<2> {
    type State = ConvState;

    fn backward(self, ops: Ops<ConvState, 2>, grads: &mut Gradients, _: &mut Checkpointer) {
        let dy = grads.consume::<Flex>(&ops.node);
        let [x, w] = ops.parents.map(|p| p.map(|node| node.id));
        conv_backward(ops.state, [x, w, None], dy, grads);
    }
}

/// What the max pool's backward pass needs.
#[derive(Debug, Clone)]
struct PoolState {
    x: FlexTensor,
    indices: FlexTensor,
    geom: PoolGeom,
}

#[derive(Debug)]
struct PoolBackward;

impl Backward<Flex, 1> for PoolBackward {
    type State = PoolState;

    fn backward(self, ops: Ops<PoolState, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node] = ops.parents;
        let dy = grads.consume::<Flex>(&ops.node);
        if let Some(node) = node {
            let s = ops.state;
            let dx = <Flex as ModuleOps<Flex>>::max_pool2d_with_indices_backward(
                s.x,
                s.geom.kernel,
                s.geom.stride,
                [0, 0],
                [1, 1],
                s.geom.ceil_mode,
                dy,
                s.indices,
            )
            .x_grad;
            grads.register::<Flex>(node.id, dx);
        }
    }
}

impl<C: CheckpointStrategy> CyclrKernels for Autodiff<Flex, C> {
    fn cyclr_conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        geom: ConvGeom,
    ) -> FloatTensor<Self> {
        match ConvBackward::<3>
            .prepare::<C>([x.node(), weight.node(), bias.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let (x, weight) = (x.into_primitive(), weight.into_primitive());
                let out = conv2d::forward(&x, &weight, Some(bias.primitive()), geom);
                prep.finish(ConvState { x, weight, geom }, out)
            }
            OpsKind::UnTracked(prep) => prep.finish(conv2d::forward(
                x.primitive(),
                weight.primitive(),
                Some(bias.primitive()),
                geom,
            )),
        }
    }

    fn cyclr_conv2d_no_bias(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        geom: ConvGeom,
    ) -> FloatTensor<Self> {
        match ConvBackward::<2>
            .prepare::<C>([x.node(), weight.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let (x, weight) = (x.into_primitive(), weight.into_primitive());
                let out = conv2d::forward(&x, &weight, None, geom);
                prep.finish(ConvState { x, weight, geom }, out)
            }
            OpsKind::UnTracked(prep) => prep.finish(conv2d::forward(
                x.primitive(),
                weight.primitive(),
                None,
                geom,
            )),
        }
    }

    fn cyclr_max_pool2d(x: FloatTensor<Self>, geom: PoolGeom) -> FloatTensor<Self> {
        match PoolBackward
            .prepare::<C>([x.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let x = x.into_primitive();
                let (out, indices) = max_pool::forward(&x, geom, true);
                let indices = indices.expect("asked for indices");
                prep.finish(PoolState { x, indices, geom }, out)
            }
            OpsKind::UnTracked(prep) => {
                prep.finish(max_pool::forward(x.primitive(), geom, false).0)
            }
        }
    }
}
