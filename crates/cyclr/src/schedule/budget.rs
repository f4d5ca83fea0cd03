//! A schedule planned for a shorter (or longer) run: [`scale`] turns a schedule built for `iters`
//! iterations into the same schedule planned for `budget` iterations, the way the
//! super-convergence paper and the schedule literature (WSD, linear decay to zero) compare
//! budgets: one separate run per budget, each with its whole schedule, rather than the middle of
//! one long run.
//!
//! With `f = budget / iters`:
//!
//! * **iteration counts** scale and round: `round(x · f)`, at least 1 (a warm-up of 0 stays 0):
//!   cyclical `step_size`/`step_size_down`, one-cycle `total_steps`, SGDR `t0`, `step`'s and
//!   `sigmoid`'s `step_size`, multistep and sequence `milestones`, poly `max_iter`, `warmup`, and
//!   the transformers schedules' `num_warmup_steps`, `num_training_steps`, `num_decay_steps`,
//!   `num_stable_steps` and inverse-sqrt's `timescale`, nanogpt-cosine's `warmup_iters` (0 stays
//!   0) and `lr_decay_iters`. One-cycle without `total_steps` (and any policy whose length
//!   defaults to the run's) follows the run length anyway.
//! * **per-iteration rates** keep what they do over the whole run: `exp` and `exp-range`
//!   multiply by `gamma` each iteration, so `gamma → gamma^(1/f)` (the same total decay);
//!   `inv` and `sigmoid` grow as `gamma · t`, so `gamma → gamma / f`.
//! * everything else (learning rates, momenta, `pct_start`, divisors, `t_mult`, per-drop factors
//!   of `step`/`multistep`, `power`, `num_cycles`) is unchanged: they are not counted in
//!   iterations.
//! * A sequence scales its milestones and every chained schedule (each by the same `f`).
//!
//! The result is validated for the budget's length like any other schedule.
use super::config::ScheduleConfig;
use super::policy::Policy;
use super::spec::{Auto, RunShape, ScheduleSpec, SpecError};

/// `round(x · f)`, at least 1.
fn count(x: u64, f: f64) -> u64 {
    ((x as f64 * f).round() as u64).max(1)
}

/// `spec` (possibly with open keys) planned for `f` times its run length: what [`scale`] does,
/// on the keys that are given. Chained schedules of a sequence scale too.
pub fn scale_spec(spec: &ScheduleSpec, f: f64) -> ScheduleSpec {
    let mut s = spec.clone();
    scale_keys(&mut s, f);
    if let Some(children) = &s.schedules {
        s.schedules = Some(
            children
                .iter()
                .map(|c| {
                    let mut cs = ScheduleSpec::from(c);
                    scale_keys(&mut cs, f);
                    // Every key of a config is still there, so it converts back.
                    let v = serde_json::to_value(&cs).expect("specs serialize");
                    serde_json::from_value(v).unwrap_or_else(|_| c.clone())
                })
                .collect(),
        );
    }
    s
}

fn scale_keys(s: &mut ScheduleSpec, f: f64) {
    let counts = [
        &mut s.step_size,
        &mut s.step_size_down,
        &mut s.total_steps,
        &mut s.t0,
        &mut s.max_iter,
        &mut s.num_warmup_steps,
        &mut s.num_training_steps,
        &mut s.timescale,
        &mut s.num_decay_steps,
        &mut s.num_stable_steps,
        &mut s.lr_decay_iters,
    ];
    for c in counts {
        *c = c.map(|x| count(x, f));
    }
    let warmup = |w: u64| if w == 0 { 0 } else { count(w, f) };
    s.warmup = s.warmup.map(warmup);
    s.warmup_iters = s.warmup_iters.map(warmup);
    if let Some(m) = &mut s.milestones {
        for x in m.iter_mut() {
            *x = count(*x, f);
        }
    }
    s.gamma = s.gamma.map(|g| match s.policy {
        Policy::Exp | Policy::ExpRange => g.powf(1.0 / f),
        Policy::Inv | Policy::Sigmoid => g / f,
        _ => g,
    });
}

/// `config` (planned for `iters` iterations) planned for `budget` iterations instead (see the
/// [module documentation](self) for what scales and how). Errors if `iters` or `budget` is 0 or
/// the scaled schedule is invalid for `budget` iterations.
pub fn scale(
    config: &ScheduleConfig,
    iters: u64,
    budget: u64,
) -> Result<ScheduleConfig, SpecError> {
    if iters == 0 || budget == 0 {
        return Err(SpecError::from(crate::ParamError::new(
            "iters",
            format!("{iters} (budget {budget})"),
            "a schedule is planned for >= 1 iterations and a budget of >= 1",
        )));
    }
    let f = budget as f64 / iters as f64;
    let spec = scale_spec(&ScheduleSpec::from(config), f);
    Ok(spec.resolve(&shape(budget), Auto::Off)?.config)
}

fn shape(iters: u64) -> RunShape {
    RunShape {
        iters,
        iters_per_epoch: None,
        step_epochs: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::Schedule;

    fn lr(c: &ScheduleConfig, iters: u64, t: u64) -> f64 {
        c.build(iters).unwrap().lr(t)
    }

    #[test]
    fn counts_scale_and_rates_keep_the_run_shape() {
        let tri = ScheduleConfig::Triangular2 {
            base_lr: 0.01,
            max_lr: 0.1,
            step_size: 400,
            step_size_down: None,
            base_momentum: None,
            max_momentum: None,
            warmup: Some(100),
        };
        let s = scale(&tri, 2000, 500).unwrap();
        assert!(matches!(
            s,
            ScheduleConfig::Triangular2 {
                step_size: 100,
                warmup: Some(25),
                ..
            }
        ));
        // The scaled schedule at t*f is the full one at t (the peaks line up).
        assert_eq!(lr(&s, 500, 125), lr(&tri, 2000, 500));
        // exp: the same decay over the run.
        let exp = ScheduleConfig::Exp {
            lr: 0.1,
            gamma: 0.999,
            warmup: None,
        };
        let s = scale(&exp, 2000, 500).unwrap();
        let full = lr(&exp, 2000, 2000);
        let short = lr(&s, 500, 500);
        assert!((full - short).abs() < 1e-12 * full, "{full} {short}");
        // multistep milestones.
        let ms = ScheduleConfig::Multistep {
            lr: 0.01,
            gamma: Some(0.1),
            milestones: vec![1500, 1688],
            warmup: None,
        };
        let s = scale(&ms, 1876, 235).unwrap();
        assert!(
            matches!(&s, ScheduleConfig::Multistep { milestones, .. } if milestones == &[188, 211]),
            "{s:?}"
        );
        // Scaling by 1 changes nothing.
        assert_eq!(scale(&ms, 1876, 1876).unwrap(), ms);
        assert!(scale(&ms, 0, 10).is_err());
    }

    #[test]
    fn inv_gamma_divides() {
        let inv = ScheduleConfig::Inv {
            lr: 0.01,
            gamma: 1e-4,
            power: 0.75,
            warmup: None,
        };
        let s = scale(&inv, 10_000, 1000).unwrap();
        assert!((lr(&s, 1000, 1000) - lr(&inv, 10_000, 10_000)).abs() < 1e-15);
    }
}
