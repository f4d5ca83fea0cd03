//! Dataset, model and optimizer flags -> library values (shared by find, train, demo, compare).
use cyclr_burn::{Activation, ModelKind, OptimizerConfig};
use cyclr_data::{DatasetSpec, Split};
use serde_json::{Map, Value, json};

use crate::args::SetupFlags;
use crate::cmd::policy::param_error;
use crate::error::{CliError, Result};

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
    let name = f.optimizer.trim().to_ascii_lowercase();
    let mut m = Map::new();
    let (kind, momentum_key) = match name.as_str() {
        "sgd" => ("sgd", Some("momentum")),
        "nesterov" => {
            m.insert("nesterov".into(), json!(true));
            ("sgd", Some("momentum"))
        }
        "adam" => ("adam", Some("beta1")),
        "adamw" => {
            m.insert("decoupled_weight_decay".into(), json!(true));
            ("adam", Some("beta1"))
        }
        "rmsprop" => ("rmsprop", Some("momentum")),
        "adagrad" => ("adagrad", None),
        "adadelta" => ("adadelta", None),
        other => {
            return Err(CliError::usage(format!(
                "--optimizer {other:?}: unknown; valid: sgd, nesterov, adam, adamw, rmsprop, adagrad, adadelta"
            )));
        }
    };
    m.insert("kind".into(), json!(kind));
    if let Some(mo) = f.momentum {
        match momentum_key {
            Some(k) => {
                m.insert(k.into(), json!(mo));
            }
            None => {
                return Err(CliError::usage(format!(
                    "--momentum {mo}: {name} has no momentum (it applies to sgd, nesterov, adam, adamw, rmsprop)"
                )));
            }
        }
    }
    if f.weight_decay != 0.0 || !f.weight_decay.is_finite() {
        m.insert("weight_decay".into(), json!(f.weight_decay));
        if !f.weight_decay.is_finite() {
            return Err(CliError::usage(format!(
                "--weight-decay {}: must be a finite number >= 0",
                f.weight_decay
            )));
        }
    }
    let cfg: OptimizerConfig = serde_json::from_value(Value::Object(m))
        .map_err(|e| CliError::usage(format!("--optimizer {name}: {e}")))?;
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
