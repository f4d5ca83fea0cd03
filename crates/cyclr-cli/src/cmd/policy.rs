//! Policy flags -> `cyclr::schedule::ScheduleConfig`.
//!
//! The flags are turned into the same key/value object an experiment TOML file holds
//! (`--base-lr` -> `base_lr`), and the library's serde config does all checking, so the CLI and
//! the config files can never disagree about names or rules.
use cyclr::schedule::ScheduleConfig;
use serde_json::{Map, Value, json};

use crate::args::{PolicyFlags, PolicyName};
use crate::error::{CliError, Result};

/// Rewrite the library's parameter names (`` `base_lr` ``) as the flags the user typed
/// (`--base-lr`).
pub fn flagify(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len() + 16);
    let mut rest = msg;
    while let Some(start) = rest.find('`') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('`') {
            Some(end) if is_ident(&after[..end]) => {
                let name = &after[..end];
                let name = if name == "total_steps" { "iters" } else { name };
                out.push_str("--");
                out.push_str(&name.replace('_', "-"));
                rest = &after[end + 1..];
            }
            _ => {
                out.push('`');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn non_negative(flag: &str, v: i64) -> Result<u64> {
    u64::try_from(v)
        .map_err(|_| CliError::usage(format!("--{flag} {v}: must be a non-negative integer")))
}

/// Parse `--lr` as a number (`auto` is handled by `cyclr train` before this).
pub fn parse_lr(s: &str) -> Result<f64> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(CliError::usage(format!(
            "--lr {s}: must be a finite number"
        ))),
        Err(_) => Err(CliError::usage(format!(
            "--lr {s:?}: expected a number (e.g. 0.01)"
        ))),
    }
}

/// The flags as a config object (keys as in experiment TOML files).
pub fn policy_object(policy: PolicyName, f: &PolicyFlags) -> Result<Map<String, Value>> {
    let mut m = Map::new();
    m.insert("policy".into(), json!(policy.as_str()));
    // NaN/inf would become JSON null (= "not given"): reject them here, naming the flag.
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
    ] {
        if let Some(v) = v.filter(|v| !v.is_finite()) {
            return Err(CliError::usage(format!(
                "--{k} {v}: must be a finite number"
            )));
        }
    }
    let mut put_f = |k: &str, v: Option<f64>| {
        if let Some(v) = v {
            m.insert(k.into(), json!(v));
        }
    };
    put_f("base_lr", f.base_lr);
    put_f("max_lr", f.max_lr);
    put_f("gamma", f.gamma);
    put_f("base_momentum", f.base_momentum);
    put_f("max_momentum", f.max_momentum);
    put_f("pct_start", f.pct_start);
    put_f("div", f.div);
    put_f("final_div", f.final_div);
    put_f("min_lr", f.min_lr);
    put_f("power", f.power);
    for (k, v) in [
        ("step_size", f.step_size),
        ("step_size_down", f.step_size_down),
        ("t0", f.t0),
        ("t_mult", f.t_mult),
        ("max_iter", f.max_iter),
        ("warmup", f.warmup),
    ] {
        if let Some(v) = v {
            m.insert(k.into(), json!(non_negative(&k.replace('_', "-"), v)?));
        }
    }
    if let Some(s) = &f.style {
        if !matches!(s.as_str(), "pytorch" | "fastai") {
            return Err(CliError::usage(format!(
                "--style {s:?}: expected pytorch or fastai"
            )));
        }
        m.insert("style".into(), json!(s));
    }
    if let Some(s) = &f.anneal {
        if !matches!(s.as_str(), "cos" | "linear") {
            return Err(CliError::usage(format!(
                "--anneal {s:?}: expected cos or linear"
            )));
        }
        m.insert("anneal".into(), json!(s));
    }
    if f.three_phase {
        m.insert("three_phase".into(), json!(true));
    }
    if let Some(lr) = &f.lr {
        m.insert("lr".into(), json!(parse_lr(lr)?));
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
        m.insert("milestones".into(), json!(v));
    }
    Ok(m)
}

/// Build the library config from an object, mapping serde's messages to flag names.
pub fn config_from_object(obj: Map<String, Value>) -> Result<ScheduleConfig> {
    let policy = obj
        .get("policy")
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_string();
    serde_json::from_value::<ScheduleConfig>(Value::Object(obj)).map_err(|e| {
        let msg = e.to_string();
        let msg = msg
            .replace("missing field", "missing required flag")
            .replace("unknown field", "flag does not apply to this policy:");
        CliError::usage(format!("{policy}: {}", flagify(&msg)))
    })
}

/// Flags -> validated config and schedule for `iters` iterations.
pub fn build(
    policy: PolicyName,
    flags: &PolicyFlags,
    iters: u64,
) -> Result<(ScheduleConfig, Box<dyn cyclr::Schedule>)> {
    let cfg = config_from_object(policy_object(policy, flags)?)?;
    let schedule = cfg.build(iters).map_err(|e| {
        CliError::usage(format!("{}: {}", policy.as_str(), flagify(&e.to_string())))
    })?;
    Ok((cfg, schedule))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flagify_rewrites_parameter_names() {
        assert_eq!(
            flagify("invalid `base_lr` = 0.2: must be < `max_lr` (0.1)"),
            "invalid --base-lr = 0.2: must be < --max-lr (0.1)"
        );
        assert_eq!(
            flagify("unknown field `t0`, expected `lr`"),
            "unknown field --t0, expected --lr"
        );
        assert_eq!(flagify("`total_steps` too small"), "--iters too small");
        assert_eq!(flagify("a `Weird Thing` stays"), "a `Weird Thing` stays");
    }
}
