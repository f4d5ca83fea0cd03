//! Policy flags -> the library's [`ScheduleSpec`] (one field per flag: `--base-lr` is
//! `base_lr`); the library resolves and checks it, and its structured errors are rendered here
//! with flag names.
use cyclr::schedule::{Anneal, OneCycleStyle, Policy, ScheduleSpec, SpecError, WsdCurve};

use crate::args::{PolicyFlags, key_flag};
use crate::error::{CliError, Result};

fn non_negative(flag: &str, v: i64) -> Result<u64> {
    u64::try_from(v)
        .map_err(|_| CliError::usage(format!("--{flag} {v}: must be a non-negative integer")))
}

/// Parse `--lr`: a finite number, or `auto` (`Ok(None)`).
pub fn parse_lr(s: &str) -> Result<Option<f64>> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("auto") {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        Ok(_) => Err(CliError::usage(format!(
            "--lr {s}: must be a finite number (or auto)"
        ))),
        Err(_) => Err(CliError::usage(format!(
            "--lr {s:?}: expected a number (e.g. 0.01) or auto"
        ))),
    }
}

fn curve(flag: &str, v: &Option<String>) -> Result<Option<WsdCurve>> {
    v.as_deref()
        .map(|s| {
            serde_json::from_value::<WsdCurve>(serde_json::Value::String(s.to_string())).map_err(
                |_| CliError::usage(format!("--{flag} {s:?}: expected linear, cosine or 1-sqrt")),
            )
        })
        .transpose()
}

/// The flags as a spec on top of `base` (a `--config` file's spec, or an empty one), and
/// whether `--lr auto` was given. Flags override the file's values.
pub fn spec_from_flags(base: ScheduleSpec, f: &PolicyFlags) -> Result<(ScheduleSpec, bool)> {
    let mut s = base;
    // NaN/inf are rejected by the library too; here the message can name the flag's spelling.
    for (k, v) in [
        ("base-lr", f.base_lr),
        ("max-lr", f.max_lr),
        ("gamma", f.gamma),
        ("base-momentum", f.base_momentum),
        ("max-momentum", f.max_momentum),
        ("pct-start", f.pct_start),
        ("div", f.div),
        ("final-div", f.final_div),
        ("min-lr", f.min_lr),
        ("power", f.power),
        ("num-cycles", f.num_cycles),
        ("min-lr-rate", f.min_lr_rate),
        ("lr-end", f.lr_end),
        ("min-lr-ratio", f.min_lr_ratio),
    ] {
        if let Some(v) = v.filter(|v| !v.is_finite()) {
            return Err(CliError::usage(format!(
                "--{k} {v}: must be a finite number"
            )));
        }
    }
    macro_rules! set {
        ($($field:ident),*) => {$(
            if let Some(v) = f.$field {
                s.$field = Some(v);
            }
        )*};
    }
    set!(
        base_lr,
        max_lr,
        gamma,
        base_momentum,
        max_momentum,
        pct_start,
        div,
        final_div,
        min_lr,
        power,
        num_cycles,
        min_lr_rate,
        lr_end,
        min_lr_ratio
    );
    macro_rules! set_n {
        ($($field:ident),*) => {$(
            if let Some(v) = f.$field {
                s.$field = Some(non_negative(&stringify!($field).replace('_', "-"), v)?);
            }
        )*};
    }
    set_n!(
        step_size,
        step_size_down,
        t0,
        t_mult,
        max_iter,
        warmup,
        num_warmup_steps,
        num_training_steps,
        timescale,
        num_decay_steps,
        num_stable_steps
    );
    if let Some(st) = &f.style {
        s.style = Some(match st.as_str() {
            "pytorch" => OneCycleStyle::Pytorch,
            "fastai" => OneCycleStyle::Fastai,
            _ => {
                return Err(CliError::usage(format!(
                    "--style {st:?}: expected pytorch or fastai"
                )));
            }
        });
    }
    if let Some(a) = &f.anneal {
        s.anneal = Some(match a.as_str() {
            "cos" => Anneal::Cos,
            "linear" => Anneal::Linear,
            _ => {
                return Err(CliError::usage(format!(
                    "--anneal {a:?}: expected cos or linear"
                )));
            }
        });
    }
    if let Some(c) = f.cycle_momentum {
        s.cycle_momentum = Some(c);
    }
    if f.three_phase {
        s.three_phase = Some(true);
    }
    if let Some(t) = curve("warmup-type", &f.warmup_type)? {
        s.warmup_type = Some(t);
    }
    if let Some(t) = curve("decay-type", &f.decay_type)? {
        s.decay_type = Some(t);
    }
    let mut auto = false;
    if let Some(lr) = &f.lr {
        match parse_lr(lr)? {
            Some(v) => s.lr = Some(v),
            None => auto = true,
        }
    }
    if let Some(ms) = &f.milestones {
        let mut v = Vec::new();
        for part in ms.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let x: u64 = part.parse().map_err(|_| {
                CliError::usage(format!(
                    "--milestones {ms:?}: {part:?} is not a non-negative integer (expected e.g. 600,650)"
                ))
            })?;
            v.push(x);
        }
        if v.is_empty() {
            return Err(CliError::usage(format!(
                "--milestones {ms:?}: give at least one iteration (e.g. 600,650)"
            )));
        }
        if let Some(w) = v.windows(2).find(|w| w[1] <= w[0]) {
            return Err(CliError::usage(format!(
                "--milestones {ms:?}: must be strictly increasing ({} then {})",
                w[0], w[1]
            )));
        }
        s.milestones = Some(v);
    }
    Ok((s, auto))
}

/// A library parameter error as a usage error naming flags: `invalid --x = v: valid`.
pub fn param_error(e: &cyclr::ParamError) -> CliError {
    CliError::usage(format!(
        "invalid {} = {}: {}",
        key_flag(&e.param),
        e.value,
        cyclr::schedule::spec::render_ticks(&e.valid, &key_flag)
    ))
}

/// A library spec error as a usage error, keys spelled as flags: `policy: message`.
pub fn spec_error(policy: Policy, e: &SpecError) -> CliError {
    spec_error_with(policy, e, &key_flag)
}

/// [`spec_error`] with another key renderer (e.g. one without `--lr auto`, for `schedule`).
pub fn spec_error_with(policy: Policy, e: &SpecError, key: &dyn Fn(&str) -> String) -> CliError {
    let text = e.render(key);
    // Some messages name the policy themselves.
    if text.starts_with(&format!("{policy}: ")) {
        CliError::usage(text)
    } else {
        CliError::usage(format!("{policy}: {text}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_fill_the_spec_and_auto_is_recognised() {
        let f = PolicyFlags {
            max_lr: Some(0.1),
            step_size: Some(5),
            lr: Some("Auto".into()),
            ..PolicyFlags::default()
        };
        let (s, auto) = spec_from_flags(ScheduleSpec::new(Policy::Triangular), &f).unwrap();
        assert!(auto);
        assert_eq!((s.max_lr, s.step_size, s.lr), (Some(0.1), Some(5), None));
        let bad = PolicyFlags {
            step_size: Some(-3),
            ..PolicyFlags::default()
        };
        let e = spec_from_flags(ScheduleSpec::new(Policy::Step), &bad).unwrap_err();
        assert!(e.to_string().contains("--step-size -3"), "{e}");
    }
}
