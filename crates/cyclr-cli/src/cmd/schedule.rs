//! `cyclr schedule`: print a policy's LR (and momentum) per iteration, optionally plot it.
use std::io::Write;

use crate::args::{ScheduleArgs, ScheduleFormat};
use crate::cmd::policy;
use crate::error::{CliError, Result};
use crate::{output, plot};

pub fn run(a: ScheduleArgs) -> Result<()> {
    let iters = u64::try_from(a.iters)
        .ok()
        .filter(|&n| n >= 1)
        .ok_or_else(|| CliError::usage(format!("--iters {}: must be an integer >= 1", a.iters)))?;
    if let Some(p) = &a.plot {
        output::check_plot_path("--plot", p)?;
    }
    let (cfg, s) = policy::build(a.policy, &a.flags, iters)?;
    let lrs: Vec<f64> = (0..iters).map(|t| s.lr(t)).collect();
    let moms: Option<Vec<f64>> = s.cycles_momentum().then(|| {
        (0..iters)
            .map(|t| s.momentum(t).unwrap_or(f64::NAN))
            .collect()
    });

    // Draw first: a failing plot must not leave a half-printed table behind.
    if let Some(p) = &a.plot {
        let title = format!("{} ({})", a.policy.as_str(), params_text(&cfg));
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
