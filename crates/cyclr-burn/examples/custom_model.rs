//! Bring your own burn model: the whole cyclr loop on a model defined here (not cyclr's `Net`),
//! with burn's own dataset and data loader.
//!
//! 1. `lr_find_model` runs the LR range test (cyclr's calibrated sweep, 1e-6 → 10 in 280 steps)
//!    on the model through a burn `DataLoader`, and restores the model and the optimizer after.
//! 2. The range test's picks fill a one-cycle schedule (`cyclr_burn::fill`: the step
//!    `cyclr train --lr auto` and every `compare` job take).
//! 3. burn's `Learner` trains with `CyclrLrScheduler`, the momentum cycled 0.95 → 0.85 → 0.95
//!    through the optimizer's `MomentumCell`.
//!
//! ```text
//! cargo run --release -p cyclr-burn --example custom_model
//! ```
//!
//! The last line printed is `bounds: ... final test accuracy: ...%`.

use burn::data::dataloader::DataLoaderBuilder;
use burn::data::dataloader::batcher::Batcher;
use burn::data::dataset::InMemDataset;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::{log_softmax, relu};
use burn::tensor::{Device, Int, Tensor, TensorData};
use burn::train::metric::{AccuracyMetric, LossMetric};
use burn::train::{
    ClassificationOutput, InferenceStep, Learner, SupervisedTraining, TrainOutput, TrainStep,
};
use cyclr::finder::RangeTestConfig;
use cyclr::schedule::{Policy, RunShape, ScheduleSpec};
use cyclr_burn::optim::SgdConfig;
use cyclr_burn::{
    CyclrLrScheduler, CyclrOptimizer, LoaderLoop, OptimizerConfig, RangeTests, lr_find_model,
};
use cyclr_data::DatasetSpec;

// ----------------------------------------------------------------------------------------------
// The user's model: any burn `Module` with a forward pass and a loss.
// ----------------------------------------------------------------------------------------------

#[derive(Module, Debug)]
struct Classifier {
    hidden: Linear,
    out: Linear,
}

impl Classifier {
    fn new(inputs: usize, classes: usize, device: &Device) -> Self {
        Classifier {
            hidden: LinearConfig::new(inputs, 128).init(device),
            out: LinearConfig::new(128, classes).init(device),
        }
    }

    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        self.out.forward(relu(self.hidden.forward(x)))
    }

    /// Mean cross-entropy of a batch, and its logits.
    fn loss(&self, batch: &Batch) -> (Tensor<1>, Tensor<2>) {
        let logits = self.forward(batch.x.clone());
        let [n, _] = logits.dims();
        let loss = log_softmax(logits.clone(), 1)
            .gather(1, batch.y.clone().reshape([n, 1]))
            .mean()
            .neg();
        (loss, logits)
    }
}

impl TrainStep for Classifier {
    type Input = Batch;
    type Output = ClassificationOutput;
    fn step(&self, batch: Batch) -> TrainOutput<ClassificationOutput> {
        let (loss, logits) = self.loss(&batch);
        let grads = loss.backward();
        TrainOutput::new(
            self,
            grads,
            ClassificationOutput::new(loss, logits, batch.y),
        )
    }
}

impl InferenceStep for Classifier {
    type Input = Batch;
    type Output = ClassificationOutput;
    fn step(&self, batch: Batch) -> ClassificationOutput {
        let (loss, logits) = self.loss(&batch);
        ClassificationOutput::new(loss, logits, batch.y)
    }
}

// ----------------------------------------------------------------------------------------------
// The user's data: burn's `InMemDataset` and a `Batcher`.
// ----------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Item {
    pixels: Vec<f32>,
    label: u8,
}

#[derive(Clone, Debug)]
struct Batch {
    x: Tensor<2>,
    y: Tensor<1, Int>,
}

#[derive(Clone)]
struct ItemBatcher;

impl Batcher<Item, Batch> for ItemBatcher {
    fn batch(&self, items: Vec<Item>, device: &Device) -> Batch {
        let d = items[0].pixels.len();
        let x: Vec<f32> = items
            .iter()
            .flat_map(|i| i.pixels.iter().copied())
            .collect();
        let y: Vec<i32> = items.iter().map(|i| i32::from(i.label)).collect();
        Batch {
            x: Tensor::from_data(TensorData::new(x, [items.len(), d]), device),
            y: Tensor::from_data(TensorData::new(y, [items.len()]), device),
        }
    }
}

fn items(ds: &cyclr_data::Dataset) -> Vec<Item> {
    (0..ds.len())
        .map(|i| Item {
            pixels: ds.image(i).to_vec(),
            label: ds.labels[i],
        })
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The embedded sklearn digits (8x8), as plain items.
    let split = DatasetSpec::Digits.load()?;
    let (train, test) = (items(&split.train), items(&split.test));
    let (inputs, classes) = (split.train.sample_dim(), split.train.num_classes);
    let batch_size = 32;
    let epochs = 8u64;
    let iters_per_epoch = (train.len() as u64).div_ceil(batch_size as u64);
    let total = epochs * iters_per_epoch;

    let device = cyclr_burn::device();
    // burn's `LinearConfig::init` draws from the backend's generator: seed it, so that every
    // run prints the same numbers.
    device.seed(42);
    let model = Classifier::new(inputs, classes, &device);
    let mut optim = CyclrOptimizer::new(&OptimizerConfig::Sgd(SgdConfig {
        momentum: 0.9,
        nesterov: false,
        weight_decay: 0.0,
    }))?;

    // 1. The range test through a burn DataLoader; model and optimizer come back unchanged.
    let find_loader = DataLoaderBuilder::new(ItemBatcher)
        .batch_size(batch_size)
        .shuffle(7)
        .set_device(device.clone())
        .build(InMemDataset::new(train.clone()));
    let mut data = LoaderLoop::new(&*find_loader, |m: &Classifier, b: Batch| m.loss(&b).0);
    let (result, model) = lr_find_model(
        model,
        &mut optim,
        &mut data,
        &RangeTestConfig::calibrated(),
        1,
    )?;
    // 2. `--lr auto`'s own step (`cyclr_burn::fill`, what `cyclr train` and every `compare` job
    //    call): the picks fill a one-cycle schedule planned for the run; no picks is an error
    //    saying why.
    let tests = RangeTests::one(0, result, RangeTestConfig::calibrated());
    let shape = RunShape {
        iters: total,
        iters_per_epoch: Some(iters_per_epoch),
        step_epochs: None,
    };
    let filled = cyclr_burn::fill(&ScheduleSpec::new(Policy::OneCycle), &shape, &tests)?;
    let resolved = filled.resolved;
    let rt = &tests.repeated.results[0];
    println!(
        "range test: {} points, stopped by {:?}; {}",
        rt.recorded_points(),
        rt.stop_reason,
        resolved.describe(|k| k.to_string())
    );

    // 3. burn's Learner with cyclr's scheduler; the momentum reaches the optimizer through its
    //    MomentumCell.
    let scheduler = CyclrLrScheduler::from_config(&resolved.config, total)?
        .with_momentum_cell(optim.momentum_cell());
    let loader = |items: &Vec<Item>, shuffle: bool| {
        let b = DataLoaderBuilder::new(ItemBatcher).batch_size(batch_size);
        let b = if shuffle { b.shuffle(42) } else { b };
        b.build(InMemDataset::new(items.clone()))
    };
    let dir = std::env::temp_dir().join(format!("cyclr-custom-model-{}", std::process::id()));
    let result = SupervisedTraining::new(&dir, loader(&train, true), loader(&test, false))
        .num_epochs(epochs as usize)
        .metric_train_numeric(LossMetric::new())
        .metric_valid_numeric(AccuracyMetric::new())
        .with_application_logger(None)
        .renderer(Box::new(Quiet))
        .launch(Learner::new(
            model,
            optim.into_module_optimizer()?,
            scheduler,
        ));
    let _ = std::fs::remove_dir_all(&dir);
    if let Some(e) = result.error {
        return Err(format!("training failed: {e}").into());
    }

    // Test accuracy of the trained model.
    let model = result.model.valid();
    let test_batch = ItemBatcher.batch(test.clone(), &Device::flex());
    let predicted = model.forward(test_batch.x).argmax(1).reshape([test.len()]);
    let correct: i64 = predicted
        .equal(test_batch.y)
        .int()
        .sum()
        .into_scalar::<i64>();
    let accuracy = correct as f64 / test.len() as f64;
    println!(
        "bounds: {} ({} iterations, {epochs} epochs); final test accuracy: {:.2}%",
        resolved.describe(|k| k.to_string()),
        total,
        accuracy * 100.0
    );
    if accuracy < 0.9 {
        return Err(format!("accuracy {accuracy:.4} is below 0.90: something is broken").into());
    }
    Ok(())
}

/// A silent renderer (burn's default one draws a terminal UI).
struct Quiet;

mod quiet {
    use burn::train::logger::{EvaluationProgressLogger, TrainingProgressLogger};
    use burn::train::metric::MetricDefinition;
    use burn::train::renderer::{
        EvaluationName, MetricState, MetricsRenderer, MetricsRendererEvaluation,
        MetricsRendererTraining,
    };

    impl MetricsRendererTraining for super::Quiet {
        fn update_train(&mut self, _state: MetricState) {}
        fn update_valid(&mut self, _state: MetricState) {}
    }
    impl TrainingProgressLogger for super::Quiet {
        fn start(&mut self, _t: usize, _s: usize, _i: Option<usize>, _l: Option<&str>) {}
        fn update_epoch(&mut self, _epoch: usize) {}
        fn start_split(&mut self, _split: &str, _total_items: usize) {}
        fn update_split(&mut self, _items_processed: usize) {}
        fn end_split(&mut self) {}
        fn end(&mut self) {}
        fn log_event_training(&mut self, _event: String) {}
    }
    impl EvaluationProgressLogger for super::Quiet {
        fn start_global_progress(&mut self, _total_tests: usize) {}
        fn start_test(&mut self, _name: &str, _total_items: usize) {}
        fn update_test_progress(&mut self, _items_processed: usize) {}
        fn end_test(&mut self) {}
        fn end_global_progress(&mut self) {}
        fn log_event_evaluation(&mut self, _event: String) {}
    }
    impl MetricsRendererEvaluation for super::Quiet {
        fn update_test(&mut self, _name: EvaluationName, _state: MetricState) {}
    }
    impl MetricsRenderer for super::Quiet {
        fn manual_close(&mut self) {}
        fn register_metric(&mut self, _definition: MetricDefinition) {}
    }
}
