//! Dataset, model and optimizer flags -> library values (shared by find, train, demo, compare).
//! The defaults of flags left out are the library's.
use cyclr_burn::{
    Activation, DeviceError, DeviceSpec, GptShape, Kernels, ModelKind, OptimizerConfig,
};
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
    pub device: DeviceSpec,
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
        device: device_name(f.device.as_deref())?,
    })
}

/// Parse `--device` (default cpu); see [`open_device`] for the check.
pub fn device_name(s: Option<&str>) -> Result<DeviceSpec> {
    s.map_or(Ok(DeviceSpec::Cpu), |d| {
        d.parse::<DeviceSpec>()
            .map_err(|e| CliError::usage(format!("--device: {e}")))
    })
}

/// Check that `device` works before anything is trained: a backend this build lacks is a usage
/// error (exit 2, saying how to build it), one that fails to start (no driver, no GPU) a runtime
/// error (exit 1) with the backend's message.
pub fn open_device(device: DeviceSpec) -> Result<()> {
    if device == DeviceSpec::Cpu {
        return Ok(());
    }
    match device.open() {
        Ok(_) => {
            errln!("device: {device} (checked: a matmul and its gradient agree)");
            Ok(())
        }
        Err(e @ (DeviceError::NotBuilt { .. } | DeviceError::Unknown(_))) => {
            Err(CliError::usage(format!("--device: {e}")))
        }
        Err(e) => Err(CliError::runtime(format!("--device: {e}"))),
    }
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

/// Load a text dataset (`text:FILE`, `shakespeare`); bad files are the user's to fix (exit 2).
pub fn load_text(spec: &DatasetSpec) -> Result<cyclr_data::TextSplit> {
    spec.load_text()
        .map_err(|e| CliError::usage(format!("--dataset {spec}: {e}")))
}

pub fn model(s: &str) -> Result<ModelKind> {
    s.parse::<ModelKind>()
        .map_err(|e| CliError::usage(format!("--model {s:?}: {e}")))
}

pub fn activation(s: &str) -> Result<Activation> {
    s.parse::<Activation>()
        .map_err(|e| CliError::usage(format!("--activation {s:?}: {e}")))
}

/// The hyper-parameter flags given (`--betas`, `--eps`, ...) as `(flag, key, value)`, with the
/// keys of the optimizer's configuration.
fn hyper_flags(f: &SetupFlags) -> Result<Vec<(&'static str, &'static str, serde_json::Value)>> {
    use serde_json::Value;
    let mut v: Vec<(&'static str, &'static str, Value)> = Vec::new();
    let num = |flag: &str, x: f64| -> Result<Value> {
        if x.is_nan() {
            return Err(CliError::usage(format!("--{flag} NaN: must be a number")));
        }
        // ±∞ travels as serde_float writes it.
        Ok(if x.is_infinite() {
            Value::from(if x > 0.0 { "inf" } else { "-inf" })
        } else {
            Value::from(x)
        })
    };
    if let Some(b) = &f.betas {
        let parts: Vec<&str> = b.split(',').map(str::trim).collect();
        let vals: Option<Vec<f64>> = parts.iter().map(|p| p.parse::<f64>().ok()).collect();
        match vals.as_deref() {
            Some([b1, b2]) if b1.is_finite() && b2.is_finite() => {
                v.push(("betas", "betas", Value::from(vec![*b1, *b2])))
            }
            _ => {
                return Err(CliError::usage(format!(
                    "--betas {b:?}: give two numbers B1,B2, e.g. --betas 0.9,0.999"
                )));
            }
        }
    }
    for (flag, key, x) in [
        ("eps", "eps", f.eps),
        ("sf-r", "r", f.r),
        ("weight-lr-power", "weight_lr_power", f.weight_lr_power),
        ("d0", "d0", f.d0),
        ("d-coef", "d_coef", f.d_coef),
        ("growth-rate", "growth_rate", f.growth_rate),
        ("beta3", "beta3", f.beta3),
    ] {
        if let Some(x) = x {
            v.push((flag, key, num(flag, x)?));
        }
    }
    if let Some(w) = f.warmup_steps {
        let w = u64::try_from(w)
            .map_err(|_| CliError::usage(format!("--warmup-steps {w}: must be an integer >= 0")))?;
        v.push(("warmup-steps", "warmup_steps", Value::from(w)));
    }
    for (flag, key, x) in [
        ("decouple", "decouple", f.decouple),
        (
            "use-bias-correction",
            "use_bias_correction",
            f.use_bias_correction,
        ),
        ("safeguard-warmup", "safeguard_warmup", f.safeguard_warmup),
    ] {
        if let Some(x) = x {
            v.push((flag, key, Value::from(x)));
        }
    }
    Ok(v)
}

/// `cfg` with the hyper-parameter flags applied (a flag the optimizer has no key for is a usage
/// error naming the flag and the optimizer's keys).
pub fn apply_hyper_flags(cfg: OptimizerConfig, f: &SetupFlags) -> Result<OptimizerConfig> {
    let flags = hyper_flags(f)?;
    if flags.is_empty() {
        return Ok(cfg);
    }
    let mut map = match serde_json::to_value(&cfg) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => return Err(CliError::runtime("an optimizer config is a map")),
    };
    for (flag, key, value) in flags {
        // Adam / AdamW name their betas beta1, beta2.
        if key == "betas" && map.contains_key("beta1") {
            map.insert("beta1".into(), value[0].clone());
            map.insert("beta2".into(), value[1].clone());
            continue;
        }
        if !(map.contains_key(key) || key == "beta3" && cfg.name() == "prodigy") {
            return Err(CliError::usage(format!(
                "--{flag}: {} has no {key} (its hyper-parameters: {})",
                cfg.name(),
                cfg.keys().join(", ")
            )));
        }
        map.insert(key.into(), value);
    }
    serde_json::from_value(serde_json::Value::Object(map))
        .map_err(|e| CliError::usage(format!("--optimizer {}: {e}", cfg.name())))
}

/// `--optimizer`, `--momentum`, `--weight-decay` and the hyper-parameter flags -> the library's
/// optimizer config (validated).
pub fn optimizer(f: &SetupFlags) -> Result<OptimizerConfig> {
    let name = f.optimizer.as_deref().unwrap_or("sgd");
    let mut cfg = OptimizerConfig::from_name(name)
        .map_err(|e| CliError::usage(format!("--optimizer {name:?}: {e}")))?;
    cfg = apply_hyper_flags(cfg, f)?;
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

/// After loading: fits a default batch size to a small training set (a `--batch-size` given is
/// kept, and checked against it: a usage error), then says what the data is (how it was read,
/// its classes when they are your own labels) and warns about classes too small to learn from.
pub fn fit_data(s: &mut Setup, batch_given: bool, split: &Split) -> Result<()> {
    let n = split.train.len();
    let mut note = None;
    if s.batch_size > n {
        if batch_given {
            return Err(CliError::usage(format!(
                "--batch-size {}: more than the {n} training samples of {}; give at most {n}",
                s.batch_size, split.name
            )));
        }
        // The largest power of two giving at least two batches per epoch.
        let fitted = (1..=n / 2).rev().find(|b| b.is_power_of_two()).unwrap_or(1);
        note = Some(format!(
            "--batch-size {fitted} (the default {} is more than the {n} training samples of {})",
            s.batch_size, split.name
        ));
        s.batch_size = fitted;
    }
    errln!("data: {}", split.source);
    if matches!(s.dataset, DatasetSpec::Csv { .. } | DatasetSpec::Folder(_)) {
        let classes: Vec<String> = split
            .train
            .class_names
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{i} = {c}"))
            .collect();
        errln!("classes (label = name): {}", classes.join(", "));
    }
    for (c, name) in split.train.class_names.iter().enumerate() {
        let count = split
            .train
            .labels
            .iter()
            .chain(&split.test.labels)
            .filter(|&&l| usize::from(l) == c)
            .count();
        if count < 2 {
            errln!(
                "warning: class {c} ({name}) has {count} sample{} in {}: too few to learn or to \
                 test it",
                if count == 1 { "" } else { "s" },
                split.name
            );
        }
    }
    if let Some(n) = note {
        errln!("{n}");
    }
    Ok(())
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

/// The GPT flags: the shape for `--model gpt` (nanoGPT's CPU config where not given); refused
/// with another model.
pub fn gpt_shape(f: &crate::args::GptFlags, model: ModelKind) -> Result<Option<GptShape>> {
    let given = [
        ("--layers", f.layers.is_some()),
        ("--heads", f.heads.is_some()),
        ("--width", f.width.is_some()),
        ("--context", f.context.is_some()),
        ("--dropout", f.dropout.is_some()),
        ("--bias", f.bias.is_some()),
    ];
    if model != ModelKind::Gpt {
        if let Some((flag, _)) = given.iter().find(|(_, g)| *g) {
            return Err(CliError::usage(format!(
                "{flag} sets the shape of --model gpt, not of {model}"
            )));
        }
        return Ok(None);
    }
    let d = GptShape::default();
    let count = |flag: &str, v: Option<i64>, default: usize| -> Result<usize> {
        v.map_or(Ok(default), |v| positive(flag, v).map(|v| v as usize))
    };
    let shape = GptShape {
        layers: count("layers", f.layers, d.layers)?,
        heads: count("heads", f.heads, d.heads)?,
        width: count("width", f.width, d.width)?,
        context: count("context", f.context, d.context)?,
        dropout: f.dropout.unwrap_or(d.dropout),
        bias: f.bias.unwrap_or(d.bias),
    };
    if let Some(why) = shape.config(1).problem() {
        return Err(CliError::usage(why));
    }
    Ok(Some(shape))
}

/// `--grad-clip N`: a positive global norm.
pub fn grad_clip(v: Option<f64>) -> Result<Option<f64>> {
    match v {
        Some(c) if !(c.is_finite() && c > 0.0) => Err(CliError::usage(format!(
            "--grad-clip {c}: the largest global gradient norm must be a positive number (nanoGPT \
             uses 1)"
        ))),
        v => Ok(v),
    }
}

/// `--layer-lr-decay F [--layer-lr-tied top|bottom]`: only for `--model gpt`, F in (0, 1].
pub fn layer_lr_decay(
    f: &crate::args::GptFlags,
    model: ModelKind,
) -> Result<Option<cyclr_burn::model::LayerLrDecay>> {
    use cyclr_burn::model::LayerLrDecay;
    let tied = f.layer_lr_tied.map(Into::into).unwrap_or_default();
    let Some(factor) = f.layer_lr_decay else {
        if f.layer_lr_tied.is_some() {
            return Err(CliError::usage(
                "--layer-lr-tied applies with --layer-lr-decay F (the decay it places the tied \
                 embedding in)",
            ));
        }
        return Ok(None);
    };
    if model != ModelKind::Gpt {
        return Err(CliError::usage(format!(
            "--layer-lr-decay {factor}: discriminative rates are set for --model gpt's blocks, not {model}"
        )));
    }
    let d = LayerLrDecay { factor, tied };
    if let Some(why) = d.problem() {
        return Err(CliError::usage(why));
    }
    Ok(Some(d))
}

/// `--init DIR`: only for `--model gpt`, the folder made absolute (a resumed run finds it
/// from anywhere).
pub fn init_dir(f: &crate::args::GptFlags, model: ModelKind) -> Result<Option<std::path::PathBuf>> {
    let Some(dir) = &f.init else {
        return Ok(None);
    };
    if model != ModelKind::Gpt {
        return Err(CliError::usage(format!(
            "--init {}: fine-tuning starts --model gpt from a pretrained gpt run, not {model}",
            dir.display()
        )));
    }
    std::path::absolute(dir)
        .map(Some)
        .map_err(|e| CliError::usage(format!("--init {}: {e}", dir.display())))
}

/// `--init DIR` checked against the run's shape and text, said on stderr: where the weights
/// come from and how the vocabularies map.
pub fn announce_init(
    init: Option<&std::path::Path>,
    shape: &GptShape,
    text: &cyclr_data::TextSplit,
) -> Result<()> {
    if let Some(dir) = init {
        let pre = cyclr_burn::train::init::Pretrained::read(dir, shape, text)
            .map_err(|e| CliError::usage(e.to_string()))?;
        errln!("{}", pre.describe(dir, &text.vocab));
    }
    Ok(())
}

/// nanoGPT's batch size for its CPU config: `--batch-size` when not given with `--model gpt`.
pub const GPT_DEFAULT_BATCH_SIZE: usize = 12;

/// `--average swa|ema:DECAY|ema-warmup:DECAY` and its flags as the library's
/// [`AverageConfig`](cyclr::average::AverageConfig), checked; the other averaging flags without
/// `--average` are refused, naming them.
pub fn average(f: &crate::args::AverageFlags) -> Result<Option<cyclr::average::AverageConfig>> {
    use cyclr::average::{AverageConfig, AverageKind, SwaAnneal};
    let Some(text) = f.average.as_deref() else {
        if let Some(flag) = f.given().first() {
            return Err(CliError::usage(format!(
                "{flag} applies with --average swa|ema:DECAY|ema-warmup:DECAY (the weight \
                 average it shapes); give --average, or leave {flag} out"
            )));
        }
        return Ok(None);
    };
    const VALID: &str = "swa, ema:DECAY or ema-warmup:DECAY with DECAY in (0, 1), e.g. ema:0.999";
    let (kind, decay) = match text.split_once(':') {
        None if text == "swa" => (AverageKind::Swa, None),
        Some((k, d)) if k == "ema" || k == "ema-warmup" => {
            let decay: f64 = d.parse().map_err(|_| {
                CliError::usage(format!("--average {text}: {d:?} is not a number; {VALID}"))
            })?;
            let kind = if k == "ema" {
                AverageKind::Ema
            } else {
                AverageKind::EmaWarmup
            };
            (kind, Some(decay))
        }
        None if text == "ema" || text == "ema-warmup" => {
            return Err(CliError::usage(format!(
                "--average {text} needs its decay: {text}:DECAY with DECAY in (0, 1), e.g. \
                 {text}:0.999"
            )));
        }
        _ => return Err(CliError::usage(format!("--average {text:?}: {VALID}"))),
    };
    let every = match &f.average_every {
        Some(e) => Some(
            e.parse()
                .map_err(|why| CliError::usage(format!("--average-every {why}")))?,
        ),
        None => None,
    };
    let swa_anneal_iters = match f.swa_anneal_iters {
        Some(n) if n < 0 => {
            return Err(CliError::usage(format!(
                "--swa-anneal-iters {n}: give the anneal's length in iterations, >= 0 (0: jump \
                 to --swa-lr at once)"
            )));
        }
        n => n.map(|n| n as u64),
    };
    let swa_anneal_strategy = match f.swa_anneal_strategy.as_deref() {
        None => None,
        Some("cos") => Some(SwaAnneal::Cos),
        Some("linear") => Some(SwaAnneal::Linear),
        Some(o) => {
            return Err(CliError::usage(format!(
                "--swa-anneal-strategy {o:?}: cos or linear (SWALR's anneal_strategy)"
            )));
        }
    };
    let cfg = AverageConfig {
        kind,
        decay,
        start: f.average_start,
        every,
        swa_lr: f.swa_lr,
        swa_anneal_iters,
        swa_anneal_strategy,
        ema_warmup_gamma: f.ema_warmup_gamma,
        ema_warmup_power: f.ema_warmup_power,
    };
    // The start and the steps between updates are checked with the run's length and schedule
    // (`RunPlan::check`, `AverageConfig::when`).
    cfg.rule().map_err(|e| average_error(&e))?;
    Ok(Some(cfg))
}

/// An averaging parameter's error with its flag: the decay is `--average`'s.
pub fn average_error(e: &cyclr::ParamError) -> CliError {
    match e.param.as_str() {
        "decay" => CliError::usage(format!(
            "invalid --average decay = {}: {}",
            e.value, e.valid
        )),
        _ => param_error(e),
    }
}
