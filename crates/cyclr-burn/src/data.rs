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

/// A small synthetic, linearly separable dataset for tests and examples: `n` samples of
/// `channels×side×side`, `classes` classes, each class a fixed random pattern plus noise.
pub fn synthetic(n: usize, channels: usize, side: usize, classes: usize, seed: u64) -> Dataset {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    let mut rng = StdRng::seed_from_u64(seed);
    let d = channels * side * side;
    let prototypes: Vec<Vec<f32>> = (0..classes)
        .map(|_| (0..d).map(|_| rng.random_range(-1.0f32..1.0)).collect())
        .collect();
    let mut images = Vec::with_capacity(n * d);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let c = i % classes;
        labels.push(c as u8);
        images.extend(
            prototypes[c]
                .iter()
                .map(|&p| p + rng.random_range(-0.5f32..0.5)),
        );
    }
    Dataset {
        images,
        labels,
        channels,
        height: side,
        width: side,
        num_classes: classes,
        class_names: (0..classes).map(|c| c.to_string()).collect(),
    }
}
