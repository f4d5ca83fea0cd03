//! `cyclr_data` datasets to burn tensors.
//!
//! A batch is one copy: the selected samples' `f32` CHW values are gathered into a single
//! contiguous buffer that becomes the tensor's storage (`TensorData::new`, no per-element
//! conversion); labels become an `i32` tensor (the Flex backend's integer type).

use burn::tensor::{Device, Int, Tensor, TensorData};
use cyclr_data::Dataset;

use crate::model::ImageBatch;

/// The images of samples `idx` as `[idx.len(), C, H, W]`.
pub fn images(ds: &Dataset, idx: &[usize], device: &Device) -> Tensor<4> {
    let d = ds.sample_dim();
    let mut buf = Vec::with_capacity(idx.len() * d);
    for &i in idx {
        buf.extend_from_slice(ds.image(i));
    }
    Tensor::from_data(
        TensorData::new(buf, [idx.len(), ds.channels, ds.height, ds.width]),
        device,
    )
}

/// The labels of samples `idx` as `[idx.len()]` class indices.
pub fn labels(ds: &Dataset, idx: &[usize], device: &Device) -> Tensor<1, Int> {
    let v: Vec<i32> = idx.iter().map(|&i| i32::from(ds.labels[i])).collect();
    Tensor::from_data(TensorData::new(v, [idx.len()]), device)
}

/// Images and labels of samples `idx`.
pub fn batch(ds: &Dataset, idx: &[usize], device: &Device) -> ImageBatch {
    ImageBatch {
        images: images(ds, idx, device),
        targets: labels(ds, idx, device),
    }
}

/// `[C, H, W]` of the dataset's samples.
pub fn input_shape(ds: &Dataset) -> [usize; 3] {
    [ds.channels, ds.height, ds.width]
}

/// Token ids as a `[rows, cols]` integer tensor (a text batch).
pub fn token_ids(v: &[u16], rows: usize, cols: usize, device: &Device) -> Tensor<2, Int> {
    let data: Vec<i32> = v.iter().map(|&x| i32::from(x)).collect();
    Tensor::from_data(TensorData::new(data, [rows, cols]), device)
}

/// The mini-batch of iteration `t`: batch `t mod B` of epoch `t div B` in the order
/// `cyclr_data::batches(n, batch_size, seed, epoch, drop_last = true)` (`B` =
/// [`steps_per_epoch`]) — the one place a training iteration's images are chosen (the training
/// loop, the range test, batch-norm recalibration). The current epoch's order is kept between
/// calls.
#[derive(Debug, Default)]
pub struct EpochOrder {
    order: Option<(u64, Vec<Vec<usize>>)>,
}

impl EpochOrder {
    /// The sample indices of iteration `t` over `n` samples.
    pub fn batch(&mut self, n: usize, batch_size: usize, seed: u64, t: u64) -> &[usize] {
        let per_epoch = steps_per_epoch(n, batch_size);
        let epoch = t / per_epoch;
        if self.order.as_ref().is_none_or(|(e, _)| *e != epoch) {
            self.order = Some((epoch, cyclr_data::batches(n, batch_size, seed, epoch, true)));
        }
        &self.order.as_ref().expect("set above").1[(t % per_epoch) as usize]
    }
}

/// Iterations in an epoch of `samples` training samples at `batch_size` (the last partial batch
/// is dropped; at least 1). The one place the epoch's length is computed.
pub fn steps_per_epoch(samples: usize, batch_size: usize) -> u64 {
    (samples / batch_size.min(samples).max(1)).max(1) as u64
}

/// Iterations in an "epoch" of a text of `chars` training characters at `batch_size` windows of
/// `context` (`chars / (batch_size · context)`, at least 1): what `step_size` in epochs and the
/// like count on text, where batches are random windows and an epoch is only a length.
pub fn text_steps_per_epoch(chars: usize, batch_size: usize, context: usize) -> u64 {
    (chars / (batch_size * context).max(1)).max(1) as u64
}
