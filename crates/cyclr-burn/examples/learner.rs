//! A `cyclr` schedule inside burn's own `Learner` / `SupervisedTraining`: a triangular cyclical
//! learning rate with cycled momentum, an MLP, the embedded 8×8 digits.
//!
//! ```text
//! cargo run --release -p cyclr-burn --example learner
//! ```
//!
//! burn's `Learner` hands the optimizer only a learning rate; the momentum reaches the
//! optimizer through the [`MomentumCell`](cyclr_burn::MomentumCell) shared by the scheduler and
//! the [`CyclrOptimizer`].

use std::sync::Arc;

use burn::data::dataloader::DataLoaderBuilder;
use burn::data::dataloader::batcher::Batcher;
use burn::data::dataset::InMemDataset;
use burn::tensor::Device;
use burn::train::logger::{EvaluationProgressLogger, TrainingProgressLogger};
use burn::train::metric::{AccuracyMetric, LossMetric, MetricDefinition};
use burn::train::renderer::{
    EvaluationName, MetricState, MetricsRenderer, MetricsRendererEvaluation,
    MetricsRendererTraining,
};
use burn::train::{Learner, SupervisedTraining};
use cyclr::schedule::ScheduleConfig;
use cyclr_burn::optim::SgdConfig;
use cyclr_burn::train::evaluate;
use cyclr_burn::{
    Activation, CyclrLrScheduler, CyclrOptimizer, ImageBatch, ModelKind, Net, NetConfig,
    OptimizerConfig, data,
};
use cyclr_data::{Dataset, DatasetSpec};

/// Batches sample indices of a dataset into tensors.
struct IndexBatcher(Arc<Dataset>);

impl Batcher<usize, ImageBatch> for IndexBatcher {
    fn batch(&self, items: Vec<usize>, device: &Device) -> ImageBatch {
        data::batch(&self.0, &items, device)
    }
}

/// A quiet renderer: one line per epoch (burn's default CLI renderer prints every batch).
struct EpochLines;

impl MetricsRendererTraining for EpochLines {
    fn update_train(&mut self, _state: MetricState) {}
    fn update_valid(&mut self, _state: MetricState) {}
}

impl TrainingProgressLogger for EpochLines {
    fn start(&mut self, total: usize, _start: usize, _items: Option<usize>, _label: Option<&str>) {
        println!("training {total} epochs");
    }
    fn update_epoch(&mut self, epoch: usize) {
        println!("epoch {epoch}");
    }
    fn start_split(&mut self, _split: &str, _total_items: usize) {}
    fn update_split(&mut self, _items_processed: usize) {}
    fn end_split(&mut self) {}
    fn end(&mut self) {}
    fn log_event_training(&mut self, _event: String) {}
}

impl EvaluationProgressLogger for EpochLines {
    fn start_global_progress(&mut self, _total_tests: usize) {}
    fn start_test(&mut self, _name: &str, _total_items: usize) {}
    fn update_test_progress(&mut self, _items_processed: usize) {}
    fn end_test(&mut self) {}
    fn end_global_progress(&mut self) {}
    fn log_event_evaluation(&mut self, _event: String) {}
}

impl MetricsRendererEvaluation for EpochLines {
    fn update_test(&mut self, _name: EvaluationName, _state: MetricState) {}
}

impl MetricsRenderer for EpochLines {
    fn manual_close(&mut self) {}
    fn register_metric(&mut self, _definition: MetricDefinition) {}
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let split = DatasetSpec::Digits.load()?;
    let (train, test) = (Arc::new(split.train), Arc::new(split.test));
    let batch_size = 32;
    let epochs = 6;
    let iters_per_epoch = (train.len() as u64).div_ceil(batch_size as u64);
    let total = epochs * iters_per_epoch;

    // Two full cycles of Smith's triangular policy, momentum cycled inversely (0.95 → 0.85).
    let schedule: ScheduleConfig = serde_json::from_str(&format!(
        r#"{{"policy":"triangular","base_lr":0.005,"max_lr":0.05,"step_size":{},
            "base_momentum":0.85,"max_momentum":0.95}}"#,
        total / 4
    ))?;
    let optim = CyclrOptimizer::new(&OptimizerConfig::Sgd(SgdConfig {
        momentum: 0.9,
        nesterov: false,
        weight_decay: 0.0,
    }))?;
    let momentum = optim.momentum_cell();
    let scheduler =
        CyclrLrScheduler::from_config(&schedule, total)?.with_momentum_cell(momentum.clone());
    let expected_last_momentum = schedule.build(total)?.momentum(total - 1);

    let device = cyclr_burn::device();
    let model = Net::new(
        &NetConfig {
            kind: ModelKind::Mlp,
            activation: Activation::Relu,
            batch_norm: false,
            input: data::input_shape(&train),
            num_classes: train.num_classes,
            kernels: cyclr_burn::Kernels::default(),
        },
        42,
        &device,
    )?;

    let loader = |ds: &Arc<Dataset>, shuffle: bool| {
        let b = DataLoaderBuilder::new(IndexBatcher(ds.clone())).batch_size(batch_size);
        let b = if shuffle { b.shuffle(42) } else { b };
        b.build(InMemDataset::new((0..ds.len()).collect::<Vec<_>>()))
    };
    let dir = std::env::temp_dir().join(format!("cyclr-learner-example-{}", std::process::id()));
    let start = std::time::Instant::now();
    let result = SupervisedTraining::new(&dir, loader(&train, true), loader(&test, false))
        .num_epochs(epochs as usize)
        .metric_train_numeric(LossMetric::new())
        .metric_valid_numeric(AccuracyMetric::new())
        .metric_valid_numeric(LossMetric::new())
        .with_application_logger(None)
        .renderer(Box::new(EpochLines))
        .launch(Learner::new(
            model,
            optim.into_module_optimizer()?,
            scheduler,
        ));
    if let Some(e) = result.error {
        return Err(format!("training failed: {e}").into());
    }
    let (loss, acc) = evaluate(&result.model, &test);
    println!(
        "burn Learner, {total} iterations ({epochs} epochs of {iters_per_epoch}) with a cyclr \
         triangular schedule in {:.1}s: test loss {loss:.4}, test accuracy {:.2}%",
        start.elapsed().as_secs_f64(),
        acc * 100.0
    );
    println!(
        "momentum of the last step: {:.4} (schedule: {:.4?})",
        momentum.get(),
        expected_last_momentum
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
