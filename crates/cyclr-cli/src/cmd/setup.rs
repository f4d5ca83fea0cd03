//! Dataset, model and optimizer flags -> library values (shared by find, train, demo, compare).
//! The defaults of flags left out are the library's.
use cyclr_burn::{Activation, Kernels, ModelKind, OptimizerConfig};
use cyclr_data::{DatasetSpec, Split};

use crate::args::SetupFlags;
use crate::cmd::policy::param_error;
use crate::error::{CliError, Result};

/// The dataset when `--dataset` is not given.
pub const DEFAULT_DATASET: &str = "digits";

/// The setup flags resolved to library values.
#[derive(Debug, Clone, PartialEq)]
pub struct Setup {
    pub dataset: DatasetSpec,
    pub model: ModelKind,
    pub activation: Activation,
    pub batch_norm: bool,
    pub optimizer: OptimizerConfig,
    pub batch_size: usize,
    pub seed: u64,
    pub kernels: Kernels,
}

/// Resolve every flag (usage errors name the flag and the valid values).
pub fn resolve(f: &SetupFlags) -> Result<Setup> {
    Ok(Setup {
        dataset: dataset_spec(f.dataset.as_deref().unwrap_or(DEFAULT_DATASET))?,
        model: model(f.model.as_deref().unwrap_or(ModelKind::Mlp.name()))?,
        activation: activation(f.activation.as_deref().unwrap_or("relu"))?,
        batch_norm: f.batch_norm,
        optimizer: optimizer(f)?,
        batch_size: batch_size(
            f.batch_size
                .unwrap_or(cyclr_burn::train::DEFAULT_BATCH_SIZE as i64),
        )?,
        seed: f.seed.unwrap_or(0),
        kernels: kernels(f.kernels.as_deref())?,
    })
}

/// `--kernels` (default cyclr's).
pub fn kernels(s: Option<&str>) -> Result<Kernels> {
    s.map_or(Ok(Kernels::default()), |k| {
        k.parse::<Kernels>()
            .map_err(|e| CliError::usage(format!("--kernels {k:?}: {e}")))
    })
}

/// Parse `--dataset` (usage error listing the valid forms).
pub fn dataset_spec(s: &str) -> Result<DatasetSpec> {
    s.parse::<DatasetSpec>()
        .map_err(|e| CliError::usage(format!("--dataset {s:?}: {e}")))
}

/// Load a dataset; a missing or corrupt file is the user's to fix (exit 2), the message names it.
pub fn load(spec: &DatasetSpec) -> Result<Split> {
    spec.load()
        .map_err(|e| CliError::usage(format!("dataset {}: {e}", spec.name())))
}

pub fn model(s: &str) -> Result<ModelKind> {
    s.parse::<ModelKind>()
        .map_err(|e| CliError::usage(format!("--model {s:?}: {e}")))
}

pub fn activation(s: &str) -> Result<Activation> {
    s.parse::<Activation>()
        .map_err(|e| CliError::usage(format!("--activation {s:?}: {e}")))
}

/// `--optimizer`, `--momentum`, `--weight-decay` -> the library's optimizer config (validated).
pub fn optimizer(f: &SetupFlags) -> Result<OptimizerConfig> {
    let name = f.optimizer.as_deref().unwrap_or("sgd");
    let mut cfg = OptimizerConfig::from_name(name)
        .map_err(|e| CliError::usage(format!("--optimizer {name:?}: {e}")))?;
    if let Some(m) = f.momentum {
        cfg = cfg
            .with_momentum(m)
            .map_err(|e| CliError::usage(format!("--momentum {m}: {}", e.valid)))?;
    }
    if let Some(wd) = f.weight_decay {
        if !wd.is_finite() {
            return Err(CliError::usage(format!(
                "--weight-decay {wd}: must be a finite number >= 0"
            )));
        }
        cfg = cfg.with_weight_decay(wd);
    }
    cfg.validate()
        .map_err(|e| CliError::usage(format!("--optimizer {name}: {}", param_error(&e))))?;
    Ok(cfg)
}

pub fn batch_size(v: i64) -> Result<usize> {
    usize::try_from(v)
        .ok()
        .filter(|&b| b >= 1)
        .ok_or_else(|| CliError::usage(format!("--batch-size {v}: must be an integer >= 1")))
}

/// A positive iteration count flag.
pub fn positive(flag: &str, v: i64) -> Result<u64> {
    u64::try_from(v)
        .ok()
        .filter(|&n| n >= 1)
        .ok_or_else(|| CliError::usage(format!("--{flag} {v}: must be an integer >= 1")))
}
