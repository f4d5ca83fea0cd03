//! Policy flags -> the library's [`ScheduleSpec`] (one key per flag: `--base-lr` is `base_lr`,
//! from the library's flag table, so a policy's new keys need nothing here); the library
//! resolves and checks it, and its structured errors are rendered here with flag names.
use cyclr::schedule::registry::{FlagKind, flags};
use cyclr::schedule::{Policy, ScheduleSpec, SpecError};

use crate::args::{FlagValue, PolicyFlags, key_flag};
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

/// `a or b`, `a, b or c`: the names of a choice flag's value name (`pytorch|fastai`).
fn one_of(value_name: &str) -> String {
    let names: Vec<&str> = value_name.split('|').collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => value_name.to_string(),
    }
}

/// `--milestones a,b,c`: strictly increasing non-negative integers, at least one.
fn milestones(flag: &str, ms: &str) -> Result<Vec<u64>> {
    let mut v = Vec::new();
    for part in ms.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let x: u64 = part.parse().map_err(|_| {
            CliError::usage(format!(
                "--{flag} {ms:?}: {part:?} is not a non-negative integer (expected e.g. 600,650)"
            ))
        })?;
        v.push(x);
    }
    if v.is_empty() {
        return Err(CliError::usage(format!(
            "--{flag} {ms:?}: give at least one iteration (e.g. 600,650)"
        )));
    }
    if let Some(w) = v.windows(2).find(|w| w[1] <= w[0]) {
        return Err(CliError::usage(format!(
            "--{flag} {ms:?}: must be strictly increasing ({} then {})",
            w[0], w[1]
        )));
    }
    Ok(v)
}

/// The flags as a spec on top of `base` (a `--config` file's spec, or an empty one), and
/// whether `--lr auto` was given. Flags override the file's values.
///
/// Every flag is a key of the spec (the library's flag table); they are read kind by kind —
/// numbers (NaN/inf rejected here so that the message names the flag), counts, choices,
/// switches, the learning rate (`auto`), lists — each in the table's order, so the first error
/// is the same whatever order the flags were given in.
pub fn spec_from_flags(base: ScheduleSpec, f: &PolicyFlags) -> Result<(ScheduleSpec, bool)> {
    let mut s = base;
    let set = |s: &mut ScheduleSpec, key: &str, v: serde_json::Value| {
        s.set_json(key, v)
            .map_err(|e| CliError::usage(format!("{}: {e}", key_flag(key))))
            .map(|known| debug_assert!(known, "{key} is a spec key"))
    };
    let of_kind = |kinds: &'static [FlagKind]| {
        flags()
            .iter()
            .filter(move |(_, fl)| kinds.contains(&fl.kind))
            .filter_map(|(k, fl)| f.get(k).map(|v| (*k, fl, v)))
    };
    for (k, _, v) in of_kind(&[FlagKind::Float]) {
        if let FlagValue::Float(v) = *v {
            if !v.is_finite() {
                return Err(CliError::usage(format!(
                    "--{} {v}: must be a finite number",
                    k.replace('_', "-")
                )));
            }
            set(&mut s, k, serde_json::Value::from(v))?;
        }
    }
    for (k, _, v) in of_kind(&[FlagKind::Count]) {
        if let FlagValue::Count(v) = *v {
            let n = non_negative(&k.replace('_', "-"), v)?;
            set(&mut s, k, serde_json::Value::from(n))?;
        }
    }
    for (k, fl, v) in of_kind(&[FlagKind::Choice]) {
        if let FlagValue::Text(t) = v {
            s.set_json(k, serde_json::Value::String(t.clone()))
                .map_err(|_| {
                    CliError::usage(format!(
                        "--{} {t:?}: expected {}",
                        k.replace('_', "-"),
                        one_of(fl.value_name)
                    ))
                })?;
        }
    }
    for (k, _, v) in of_kind(&[FlagKind::Bool, FlagKind::Switch]) {
        if let FlagValue::Bool(b) = *v {
            set(&mut s, k, serde_json::Value::Bool(b))?;
        }
    }
    let mut auto = false;
    for (k, _, v) in of_kind(&[FlagKind::LrOrAuto]) {
        if let FlagValue::Text(t) = v {
            match parse_lr(t)? {
                Some(v) => set(&mut s, k, serde_json::Value::from(v))?,
                None => auto = true,
            }
        }
    }
    for (k, _, v) in of_kind(&[FlagKind::List]) {
        if let FlagValue::Text(t) = v {
            let v = milestones(&k.replace('_', "-"), t)?;
            set(&mut s, k, serde_json::Value::from(v))?;
        }
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
            given: vec![
                ("max_lr", FlagValue::Float(0.1)),
                ("step_size", FlagValue::Count(5)),
                ("lr", FlagValue::Text("Auto".into())),
            ],
        };
        let (s, auto) = spec_from_flags(ScheduleSpec::new(Policy::Triangular), &f).unwrap();
        assert!(auto);
        assert_eq!((s.max_lr, s.step_size, s.lr), (Some(0.1), Some(5), None));
        let bad = PolicyFlags {
            given: vec![("step_size", FlagValue::Count(-3))],
        };
        let e = spec_from_flags(ScheduleSpec::new(Policy::Step), &bad).unwrap_err();
        assert!(e.to_string().contains("--step-size -3"), "{e}");
    }
}
