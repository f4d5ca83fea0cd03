//! The head-to-head: every way of choosing a learning rate in an experiment — a grid search, a
//! range test, a learning-rate-free optimizer at its default — with its cost counted in training
//! steps **including its search**, and its test figure — accuracy, or loss (nats per character)
//! for text, the experiment's [`Metric`] — for the model it would hand a user.
//!
//! A *contestant* is a run of the experiment, except that the points of a grid count as one
//! contestant, the grid ([`Experiment::grids`]). Per seed (and budget):
//!
//! * **search steps**: a grid's — the training steps of every point but the one it picks (the pick
//!   is its training run); a range-tested run's — the steps of the range tests its rates came
//!   from (every seed of `[range_test] seeds`; a test that diverged early counts the steps it
//!   ran); otherwise 0;
//! * **train steps**: the run's own training steps (fewer when it diverged);
//! * **total** = search + train.
//!
//! A grid's pick is the point with the best mean **validation** figure over seeds
//! ([`Experiment::grid_pick`]); its reported figure is that point's test figure. The other
//! contestants never look at any held-out data to choose anything, so every contestant's test
//! figure is an unbiased estimate. Mean and standard deviation are over seeds.

use cyclr::compare::Metric;
use serde::Serialize;

use crate::experiment::{Experiment, RunOutcome};

/// How a contestant chose its learning rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Choice {
    /// A grid search over `key`, picked on the validation split.
    Grid {
        /// The schedule key searched.
        key: String,
        /// Number of points.
        points: usize,
        /// The picked value.
        value: f64,
        /// The picked point's run name.
        run: String,
    },
    /// cyclr's range test (`auto_lr`).
    RangeTest,
    /// The optimizer's default learning rate (the learning-rate-free optimizers).
    OptimizerDefault,
    /// Given in the experiment file.
    Given,
}

impl std::fmt::Display for Choice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Choice::Grid {
                key, points, value, ..
            } => write!(
                f,
                "grid over {key} ({points} points): {value} on validation"
            ),
            Choice::RangeTest => write!(f, "range test"),
            Choice::OptimizerDefault => write!(f, "optimizer's default"),
            Choice::Given => write!(f, "given"),
        }
    }
}

/// One contestant at one budget.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contestant {
    /// The run's name, or the grid's.
    pub name: String,
    /// How its learning rate was chosen.
    pub choice: Choice,
    /// The budget (fraction of the run's iterations), with `budgets`.
    pub budget: Option<f64>,
    /// Seeds that finished.
    pub seeds: usize,
    /// Final test figure per seed (of the pick, for a grid).
    pub test_values: Vec<f64>,
    /// Their mean.
    pub test_mean: f64,
    /// Their standard deviation (`None` for one seed).
    pub test_std: Option<f64>,
    /// Mean validation figure (of the pick, for a grid).
    pub val_mean: Option<f64>,
    /// Mean search steps per seed.
    pub search_steps: f64,
    /// Mean training steps per seed.
    pub train_steps: f64,
    /// `search_steps + train_steps`.
    pub total_steps: f64,
    /// Seeds whose (picked) run diverged or did not learn.
    pub failed: usize,
}

/// The head-to-head of an experiment at one budget.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeadToHead {
    /// What the figures are (which way is better).
    pub metric: Metric,
    /// The budget (`None` without budgets).
    pub budget: Option<f64>,
    /// The reference grid: the grid whose pick has the best validation figure (`None`
    /// without grids).
    pub reference: Option<String>,
    /// Every contestant, in the experiment's order.
    pub rows: Vec<Contestant>,
}

impl HeadToHead {
    /// The reference grid's row.
    pub fn reference_row(&self) -> Option<&Contestant> {
        let r = self.reference.as_ref()?;
        self.rows.iter().find(|c| &c.name == r)
    }

    /// A row's shortfall to the reference ([`Metric::shortfall`]: accuracy points below it, or
    /// nats above its loss; positive is worse) and the reference's total steps divided by its
    /// (how many times less compute it used).
    pub fn versus_reference(&self, c: &Contestant) -> Option<(f64, f64)> {
        let r = self.reference_row()?;
        Some((
            self.metric.shortfall(r.test_mean, c.test_mean),
            r.total_steps / c.total_steps,
        ))
    }
}

fn mean(v: &[f64]) -> f64 {
    cyclr::compare::mean_std(v).0
}

/// The head-to-head at every budget of the experiment (one, without budgets), from the
/// outcomes found (see the [module documentation](self)). Contestants without a finished run
/// at a budget are left out of it.
pub fn head_to_head(exp: &Experiment, outcomes: &[RunOutcome]) -> Vec<HeadToHead> {
    let budgets: Vec<Option<f64>> = match &exp.budgets {
        Some(b) => b.iter().map(|&x| Some(x)).collect(),
        None => vec![None],
    };
    let grids = exp.grids();
    let metric = exp.metric();
    budgets
        .into_iter()
        .map(|budget| {
            let mut rows = Vec::new();
            let mut seen_grids: Vec<&str> = Vec::new();
            for r in &exp.runs {
                let at = |name: &str| -> Vec<&RunOutcome> {
                    outcomes
                        .iter()
                        .filter(|o| o.name == name && o.budget == budget)
                        .collect()
                };
                let row = match &r.grid_point {
                    Some(g) => {
                        if seen_grids.contains(&g.grid.as_str()) {
                            continue;
                        }
                        seen_grids.push(&g.grid);
                        let Some(pick) = exp.grid_pick(&g.grid, outcomes, budget) else {
                            continue;
                        };
                        let (_, points) = grids
                            .iter()
                            .find(|(n, _)| *n == g.grid)
                            .expect("the grid of a point");
                        let value = exp
                            .runs
                            .iter()
                            .find(|x| x.name == pick)
                            .and_then(|x| x.grid_point.as_ref())
                            .map_or(f64::NAN, |p| p.value);
                        let picked = at(&pick);
                        let search: Vec<f64> = picked
                            .iter()
                            .map(|o| {
                                points
                                    .iter()
                                    .filter(|p| **p != pick)
                                    .flat_map(|p| at(p))
                                    .filter(|x| x.seed == o.seed)
                                    .map(|x| x.summary.iterations as f64)
                                    .sum()
                            })
                            .collect();
                        summarize(
                            &g.grid,
                            Choice::Grid {
                                key: g.key.clone(),
                                points: points.len(),
                                value,
                                run: pick.clone(),
                            },
                            budget,
                            &picked,
                            &search,
                            metric,
                        )
                    }
                    None => {
                        let runs = at(&r.name);
                        let search: Vec<f64> = runs
                            .iter()
                            .map(|o| o.range_test_steps.unwrap_or(0) as f64)
                            .collect();
                        let choice = match runs.first() {
                            Some(o) if o.from_range_test => Choice::RangeTest,
                            Some(o) if o.bounds.contains("the optimizer's default") => {
                                Choice::OptimizerDefault
                            }
                            _ => Choice::Given,
                        };
                        summarize(&r.name, choice, budget, &runs, &search, metric)
                    }
                };
                rows.extend(row);
            }
            // The grid with the best validation figure (ties: the last, as before).
            let mut reference: Option<&Contestant> = None;
            for c in rows
                .iter()
                .filter(|c| matches!(c.choice, Choice::Grid { .. }))
            {
                let v = c.val_mean.unwrap_or(f64::NAN);
                let keep = reference.is_some_and(|r| {
                    let b = r.val_mean.unwrap_or(f64::NAN);
                    metric.better(b, v) || (v.is_nan() && !b.is_nan())
                });
                if !keep {
                    reference = Some(c);
                }
            }
            let reference = reference.map(|c| c.name.clone());
            HeadToHead {
                metric,
                budget,
                reference,
                rows,
            }
        })
        .collect()
}

fn summarize(
    name: &str,
    choice: Choice,
    budget: Option<f64>,
    runs: &[&RunOutcome],
    search: &[f64],
    metric: Metric,
) -> Option<Contestant> {
    if runs.is_empty() {
        return None;
    }
    let test: Vec<f64> = runs.iter().map(|o| o.summary.final_value(metric)).collect();
    let (m, sd) = cyclr::compare::mean_std(&test);
    let vals: Vec<f64> = runs.iter().filter_map(|o| o.val_value()).collect();
    let train: Vec<f64> = runs.iter().map(|o| o.summary.iterations as f64).collect();
    let (search, train) = (mean(search), mean(&train));
    Some(Contestant {
        name: name.to_string(),
        choice,
        budget,
        seeds: runs.len(),
        test_values: test,
        test_mean: m,
        test_std: (runs.len() > 1).then_some(sd),
        val_mean: (!vals.is_empty()).then(|| mean(&vals)),
        search_steps: search,
        train_steps: train,
        total_steps: search + train,
        failed: runs.iter().filter(|o| o.failed().is_some()).count(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::{TrainConfig, TrainSummary};

    const TOML: &str = r#"
name = "t"
dataset = "digits"
model = "mlp"
iters = 100
seeds = [0, 1]
baseline = "grid"
[[run]]
name = "auto"
auto_lr = true
schedule = { policy = "one-cycle" }
[[run]]
name = "grid"
schedule = { policy = "fixed" }
grid = { lr = [0.01, 0.1, 1.0] }
[[run]]
name = "free"
optimizer = { kind = "prodigy" }
schedule = { policy = "fixed" }
"#;

    /// An outcome with the given accuracies and steps (the rest as a real run would have it).
    fn outcome(
        exp: &Experiment,
        name: &str,
        seed: u64,
        test: f64,
        val: f64,
        iters: u64,
        range_test_steps: Option<u64>,
    ) -> RunOutcome {
        let run = exp.runs.iter().find(|r| r.name == name).unwrap();
        let schedule = run
            .schedule
            .resolve_defaulted(
                &cyclr::schedule::RunShape {
                    iters: 100,
                    iters_per_epoch: Some(10),
                    step_epochs: None,
                },
                cyclr::schedule::Auto::Pending,
                exp.optimizer_of(run).default_lr(),
            )
            .unwrap()
            .config;
        let summary = TrainSummary {
            final_test_accuracy: test,
            final_test_loss: 0.1,
            best_test_accuracy: test,
            iterations: iters,
            resumed_from: None,
            wall_time_s: 1.0,
            images_per_s: 1.0,
            metrics: Vec::new(),
            diverged: None,
            interrupted: false,
            did_not_learn: None,
            schedule: None,
            lr_origin: None,
            final_test_bits_per_char: None,
            best_test_loss: None,
            chars_per_s: None,
            final_live_test_accuracy: None,
            final_live_test_loss: None,
            averaged_models: None,
        };
        RunOutcome {
            name: name.into(),
            seed,
            budget: None,
            schedule: schedule.clone(),
            bounds: if name == "free" {
                "lr = 1 (the optimizer's default)".into()
            } else {
                String::new()
            },
            from_range_test: run.auto_lr,
            config: TrainConfig {
                model: exp.model,
                activation: exp.activation,
                batch_norm: false,
                optimizer: exp.optimizer_of(run),
                schedule,
                iters,
                batch_size: 128,
                eval_every: 100,
                seed,
                checkpoint_every: None,
                out_dir: None,
                lr_origin: None,
                kernels: Default::default(),
                bn_recalibration: None,
                device: Default::default(),
                gpt: None,
                grad_clip: None,
                init: None,
                layer_lr_decay: None,
                average: None,
            },
            summary,
            validation: exp.validation,
            val_loss: Some(0.1),
            val_accuracy: Some(val),
            range_test_steps,
            test_images: Some(1000),
            val_images: Some(100),
        }
    }

    /// The grid's pick is the best point on validation, even when another point is better on
    /// the test set; its search is its other points' steps; every cost adds up.
    #[test]
    fn the_pick_is_made_on_validation_and_the_steps_add_up() {
        let exp = Experiment::from_toml(TOML).unwrap();
        assert_eq!(exp.validation, Some(0.1), "a grid holds out 10% by default");
        assert_eq!(
            exp.grids(),
            vec![(
                "grid".to_string(),
                vec![
                    "grid_at_0.01".to_string(),
                    "grid_at_0.1".to_string(),
                    "grid_at_1".to_string()
                ]
            )]
        );
        let mut o = Vec::new();
        for seed in [0, 1] {
            o.push(outcome(&exp, "auto", seed, 0.90, 0.91, 100, Some(280)));
            // 0.01: best on the test set, worst on validation.
            o.push(outcome(&exp, "grid_at_0.01", seed, 0.99, 0.80, 100, None));
            // 0.1: best on validation.
            o.push(outcome(&exp, "grid_at_0.1", seed, 0.95, 0.96, 100, None));
            // 1.0: diverged after 30 steps.
            o.push(outcome(&exp, "grid_at_1", seed, 0.10, 0.10, 30, None));
            o.push(outcome(&exp, "free", seed, 0.93, 0.94, 100, None));
        }
        assert_eq!(
            exp.grid_pick("grid", &o, None).as_deref(),
            Some("grid_at_0.1")
        );
        let h = &head_to_head(&exp, &o)[0];
        assert_eq!(h.reference.as_deref(), Some("grid"));
        let names: Vec<&str> = h.rows.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["auto", "grid", "free"]);
        let grid = &h.rows[1];
        assert_eq!(grid.test_mean, 0.95, "the pick's test accuracy");
        assert!(matches!(grid.choice, Choice::Grid { value, points: 3, .. } if value == 0.1));
        assert_eq!(
            (grid.search_steps, grid.train_steps, grid.total_steps),
            (130.0, 100.0, 230.0)
        );
        let auto = &h.rows[0];
        assert_eq!(auto.choice, Choice::RangeTest);
        assert_eq!((auto.search_steps, auto.total_steps), (280.0, 380.0));
        let free = &h.rows[2];
        assert_eq!(free.choice, Choice::OptimizerDefault);
        assert_eq!((free.search_steps, free.total_steps), (0.0, 100.0));
        let (gap, ratio) = h.versus_reference(free).unwrap();
        assert!(
            (gap - 2.0).abs() < 1e-9 && (ratio - 2.3).abs() < 1e-12,
            "{gap} {ratio}"
        );
        // The baseline named by its grid is its pick.
        assert_eq!(exp.strongest_baseline(&o).unwrap().0, "grid_at_0.1");
    }

    /// Bad grids are configuration errors naming the run and the key.
    #[test]
    fn bad_grids_are_refused() {
        let with = |grid: &str, extra: &str| {
            let t = format!(
                "name = \"t\"\ndataset = \"digits\"\nmodel = \"mlp\"\niters = 10\nbaseline = \"g\"\n[[run]]\nname = \"g\"\n{extra}schedule = {{ policy = \"fixed\" }}\ngrid = {grid}\n"
            );
            Experiment::from_toml(&t).unwrap_err().to_string()
        };
        for (grid, extra, want) in [
            (
                "{ momentum = [0.8, 0.9] }",
                "",
                "\"momentum\" is not a learning-rate key",
            ),
            ("{ lr = [0.1] }", "", "at least 2 values"),
            ("{ lr = [0.1, 0.1] }", "", "0.1 is given twice"),
            ("{ lr = [0.1, -1.0] }", "", "-1 is not a learning rate"),
            (
                "{ lr = [0.1, 0.2], max_lr = [1.0, 2.0] }",
                "",
                "exactly one key",
            ),
            (
                "{ lr = [0.1, 0.2] }",
                "auto_lr = true\n",
                "auto_lr = true and a grid",
            ),
        ] {
            let e = with(grid, extra);
            assert!(
                e.contains("run \"g\": grid") && e.contains(want),
                "{grid}: {e}"
            );
        }
        let t = "name = \"t\"\ndataset = \"digits\"\nmodel = \"mlp\"\niters = 10\nbaseline = \"g\"\nvalidation = 1.5\n[[run]]\nname = \"g\"\nschedule = { policy = \"fixed\", lr = 0.1 }\n";
        let e = Experiment::from_toml(t).unwrap_err().to_string();
        assert!(e.contains("validation = 1.5"), "{e}");
        let t = "name = \"t\"\ndataset = \"digits\"\nmodel = \"mlp\"\niters = 10\nbaseline = \"g\"\n[[run]]\nname = \"g\"\nschedule = { policy = \"fixed\", lr = 0.1 }\ngrid = { lr = [0.1, 0.2] }\n";
        let e = Experiment::from_toml(t).unwrap_err().to_string();
        assert!(e.contains("lr is also given"), "{e}");
    }
}
