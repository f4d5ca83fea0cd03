//! `cyclr schedule`: print a policy's LR (and momentum) per iteration, optionally plot it.
use std::io::Write;

use cyclr::schedule::{Auto, RunShape, ScheduleSpec};

use crate::args::{ScheduleArgs, ScheduleFormat};
use crate::cmd::policy;
use crate::error::{CliError, Result};
use crate::{output, plot};

/// Read a `--config` file: TOML, or JSON when it ends in `.json` (or starts with `{`).
pub fn read_spec_file(path: &std::path::Path) -> Result<ScheduleSpec> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::usage(format!("--config {}: cannot read: {e}", path.display())))?;
    let json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        || text.trim_start().starts_with('{');
    let spec: std::result::Result<ScheduleSpec, String> = if json {
        serde_json::from_str(&text).map_err(|e| e.to_string())
    } else {
        toml::from_str(&text).map_err(|e| e.to_string())
    };
    spec.map_err(|e| CliError::usage(format!("--config {}: {e}", path.display())))
}

pub fn run(a: ScheduleArgs) -> Result<()> {
    let iters = u64::try_from(a.iters)
        .ok()
        .filter(|&n| n >= 1)
        .ok_or_else(|| CliError::usage(format!("--iters {}: must be an integer >= 1", a.iters)))?;
    if let Some(p) = &a.plot {
        output::check_plot_path("--plot", p)?;
    }
    let base = match (&a.config, a.policy) {
        (Some(path), p) => {
            let spec = read_spec_file(path)?;
            if let Some(p) = p.filter(|p| *p != spec.policy) {
                return Err(CliError::usage(format!(
                    "policy {p} given, but --config {} is a {} schedule",
                    path.display(),
                    spec.policy
                )));
            }
            // The file's own keys, named as the file spells them.
            spec.check_keys(&RunShape::default()).map_err(|e| {
                CliError::usage(format!(
                    "--config {}: {}: {}",
                    path.display(),
                    spec.policy,
                    e.render(|k| k.to_string())
                ))
            })?;
            spec
        }
        (None, Some(p)) => ScheduleSpec::new(p),
        (None, None) => unreachable!("clap requires a policy or --config"),
    };
    let (spec, auto) = policy::spec_from_flags(base, &a.flags)?;
    if auto {
        return Err(CliError::usage(
            "--lr auto: `schedule` runs no range test; give the learning rate (or use `cyclr train --lr auto`)",
        ));
    }
    let shape = RunShape {
        iters,
        ..RunShape::default()
    };
    // `schedule` runs no range test: its errors do not suggest `--lr auto`.
    let no_auto = |k: &str| match k {
        "auto_lr" => String::new(),
        k => crate::args::key_flag(k),
    };
    let cfg = spec
        .resolve(&shape, Auto::Off)
        .map_err(|e| policy::spec_error_with(spec.policy, &e, &no_auto))?
        .config;
    let s = cfg
        .build(iters)
        .map_err(|e| CliError::usage(format!("{}: {e}", spec.policy)))?;
    let lrs: Vec<f64> = (0..iters).map(|t| s.lr(t)).collect();
    let moms: Option<Vec<f64>> = s.cycles_momentum().then(|| {
        (0..iters)
            .map(|t| s.momentum(t).unwrap_or(f64::NAN))
            .collect()
    });

    // Draw first: a failing plot must not leave a half-printed table behind.
    if let Some(p) = &a.plot {
        let title = format!("{} ({})", cfg.name(), params_text(&cfg));
        output::plot_atomic(p, |tmp| plot::schedule(tmp, &title, &lrs, moms.as_deref()))?;
    }

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let res = match a.format {
        ScheduleFormat::Csv => write_csv(&mut out, &lrs, moms.as_deref()),
        ScheduleFormat::Json => write_json(&mut out, &lrs, moms.as_deref()),
    };
    res.and_then(|_| out.flush()).or_else(ignore_broken_pipe)
}

/// A JSON array of `{"iteration", "lr"[, "momentum"]}` objects, one per line.
fn write_json(out: &mut impl Write, lrs: &[f64], moms: Option<&[f64]>) -> std::io::Result<()> {
    let num = |v: f64| serde_json::Value::from(v).to_string();
    writeln!(out, "[")?;
    for (t, lr) in lrs.iter().enumerate() {
        let sep = if t + 1 == lrs.len() { "" } else { "," };
        match moms {
            Some(m) => writeln!(
                out,
                "{{\"iteration\":{t},\"lr\":{},\"momentum\":{}}}{sep}",
                num(*lr),
                num(m[t])
            )?,
            None => writeln!(out, "{{\"iteration\":{t},\"lr\":{}}}{sep}", num(*lr))?,
        }
    }
    writeln!(out, "]")
}

/// `iteration,lr[,momentum]`, full f64 precision (shortest round-trip representation).
fn write_csv(out: &mut impl Write, lrs: &[f64], moms: Option<&[f64]>) -> std::io::Result<()> {
    match moms {
        Some(m) => {
            writeln!(out, "iteration,lr,momentum")?;
            for (t, (lr, mo)) in lrs.iter().zip(m).enumerate() {
                writeln!(out, "{t},{lr:?},{mo:?}")?;
            }
        }
        None => {
            writeln!(out, "iteration,lr")?;
            for (t, lr) in lrs.iter().enumerate() {
                writeln!(out, "{t},{lr:?}")?;
            }
        }
    }
    Ok(())
}

/// `cyclr schedule ... | head` must not fail.
pub fn ignore_broken_pipe(e: std::io::Error) -> Result<()> {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(CliError::runtime(format!("cannot write to stdout: {e}")))
    }
}

/// `base_lr=0.001, max_lr=0.006, step_size=2000` for plot titles.
pub fn params_text(cfg: &cyclr::schedule::ScheduleConfig) -> String {
    match serde_json::to_value(cfg) {
        Ok(serde_json::Value::Object(m)) => m
            .iter()
            .filter(|(k, _)| k.as_str() != "policy")
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", "),
        _ => String::new(),
    }
}
