//! Golden tests: every schedule against PyTorch's and fastai's own numbers.
//!
//! `tests/fixtures/golden/schedules/manifest.json` (PyTorch) and `fastai_manifest.json` list the
//! cases; each case's CSV holds `iteration,lr[,momentum]` as read from the optimizer before
//! optimizer step `t`. Every case is built twice — through the typed constructors and through
//! [`ScheduleConfig`] — and EVERY row must match to a relative error of 1e-9.
use std::collections::BTreeMap;
use std::path::PathBuf;

use cyclr::Schedule;
use cyclr::schedule::{
    Anneal, Cyclical, Exponential, FastaiOneCycle, MultiStep, OneCycle, OneCycleStyle, Poly,
    ScalePolicy, ScheduleConfig, Sgdr, StepDecay,
};
use serde_json::Value;

const REL_TOL: f64 = 1e-9;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/golden/schedules")
}

struct Table {
    iterations: Vec<u64>,
    lr: Vec<f64>,
    momentum: Option<Vec<f64>>,
}

fn read_csv(name: &str) -> Table {
    let path = fixtures().join(format!("{name}.csv"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    assert_eq!(
        &header[..2],
        ["iteration", "lr"],
        "{name}: header {header:?}"
    );
    let has_momentum = match header.len() {
        2 => false,
        3 => {
            assert_eq!(header[2], "momentum", "{name}: header {header:?}");
            true
        }
        _ => panic!("{name}: unexpected header {header:?}"),
    };
    let mut table = Table {
        iterations: vec![],
        lr: vec![],
        momentum: has_momentum.then(Vec::new),
    };
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split(',').collect();
        assert_eq!(cols.len(), header.len(), "{name}: row {line:?}");
        table.iterations.push(cols[0].parse().unwrap());
        table.lr.push(cols[1].parse().unwrap());
        if let Some(m) = table.momentum.as_mut() {
            m.push(cols[2].parse().unwrap());
        }
    }
    table
}

fn read_json(name: &str) -> Value {
    let path = fixtures().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// The case's parameters, refusing any key the mapping below does not know (so a new
/// parameter in the manifest cannot be silently ignored).
struct Params<'a> {
    case: &'a str,
    map: &'a serde_json::Map<String, Value>,
}

impl<'a> Params<'a> {
    fn new(case: &'a str, params: &'a Value, known: &[&str]) -> Self {
        let map = params.as_object().expect("params object");
        for key in map.keys() {
            assert!(
                known.contains(&key.as_str()),
                "{case}: unhandled parameter `{key}`"
            );
        }
        Self { case, map }
    }
    fn f64(&self, key: &str) -> Option<f64> {
        self.map
            .get(key)
            .map(|v| v.as_f64().unwrap_or_else(|| panic!("{}: {key}", self.case)))
    }
    fn u64(&self, key: &str) -> Option<u64> {
        self.map
            .get(key)
            .map(|v| v.as_u64().unwrap_or_else(|| panic!("{}: {key}", self.case)))
    }
    fn bool(&self, key: &str) -> Option<bool> {
        self.map.get(key).map(|v| {
            v.as_bool()
                .unwrap_or_else(|| panic!("{}: {key}", self.case))
        })
    }
    fn str(&self, key: &str) -> Option<&'a str> {
        self.map
            .get(key)
            .map(|v| v.as_str().unwrap_or_else(|| panic!("{}: {key}", self.case)))
    }
}

/// The schedule built through the typed API and through `ScheduleConfig`, for one PyTorch case.
fn torch_case(
    case: &str,
    class: &str,
    params: &Value,
    iterations: u64,
    row0_lr: f64,
) -> (Box<dyn Schedule>, ScheduleConfig) {
    match class {
        "CyclicLR" => {
            let p = Params::new(
                case,
                params,
                &[
                    "base_lr",
                    "max_lr",
                    "step_size_up",
                    "step_size_down",
                    "mode",
                    "gamma",
                    "cycle_momentum",
                    "base_momentum",
                    "max_momentum",
                ],
            );
            let base_lr = p.f64("base_lr").unwrap();
            let max_lr = p.f64("max_lr").unwrap();
            let up = p.u64("step_size_up").unwrap_or(2000);
            let down = p.u64("step_size_down");
            let gamma = p.f64("gamma").unwrap_or(1.0);
            // PyTorch defaults: cycle_momentum=True, base_momentum=0.8, max_momentum=0.9.
            let momentum = p.bool("cycle_momentum").unwrap_or(true).then(|| {
                (
                    p.f64("base_momentum").unwrap_or(0.8),
                    p.f64("max_momentum").unwrap_or(0.9),
                )
            });
            let mode = p.str("mode").unwrap_or("triangular");
            let scale = match mode {
                "triangular" => ScalePolicy::Constant,
                "triangular2" => ScalePolicy::Halving,
                "exp_range" => ScalePolicy::ExpRange { gamma },
                other => panic!("{case}: mode {other}"),
            };
            let mut b = Cyclical::builder(base_lr, max_lr, up).scale(scale);
            if let Some(d) = down {
                b = b.step_size_down(d);
            }
            if let Some((bm, mm)) = momentum {
                b = b.momentum(bm, mm);
            }
            let (base_momentum, max_momentum) = momentum.unzip();
            let cfg = match mode {
                "triangular" => ScheduleConfig::Triangular {
                    base_lr,
                    max_lr,
                    step_size: up,
                    step_size_down: down,
                    base_momentum,
                    max_momentum,
                    warmup: None,
                },
                "triangular2" => ScheduleConfig::Triangular2 {
                    base_lr,
                    max_lr,
                    step_size: up,
                    step_size_down: down,
                    base_momentum,
                    max_momentum,
                    warmup: None,
                },
                _ => ScheduleConfig::ExpRange {
                    base_lr,
                    max_lr,
                    step_size: up,
                    step_size_down: down,
                    gamma: Some(gamma),
                    base_momentum,
                    max_momentum,
                    warmup: None,
                },
            };
            (Box::new(b.build().unwrap()), cfg)
        }
        "OneCycleLR" => {
            let p = Params::new(
                case,
                params,
                &[
                    "max_lr",
                    "total_steps",
                    "pct_start",
                    "anneal_strategy",
                    "cycle_momentum",
                    "base_momentum",
                    "max_momentum",
                    "div_factor",
                    "final_div_factor",
                    "three_phase",
                ],
            );
            let max_lr = p.f64("max_lr").unwrap();
            let total_steps = p.u64("total_steps").unwrap();
            let pct_start = p.f64("pct_start").unwrap_or(0.3);
            let anneal = match p.str("anneal_strategy").unwrap_or("cos") {
                "cos" => Anneal::Cos,
                "linear" => Anneal::Linear,
                other => panic!("{case}: anneal_strategy {other}"),
            };
            let div = p.f64("div_factor").unwrap_or(25.0);
            let final_div = p.f64("final_div_factor").unwrap_or(1e4);
            let three_phase = p.bool("three_phase").unwrap_or(false);
            let cycle_momentum = p.bool("cycle_momentum").unwrap_or(true);
            let base_m = p.f64("base_momentum").unwrap_or(0.85);
            let max_m = p.f64("max_momentum").unwrap_or(0.95);
            let mut b = OneCycle::builder(max_lr, total_steps)
                .pct_start(pct_start)
                .anneal(anneal)
                .div_factor(div)
                .final_div_factor(final_div)
                .three_phase(three_phase)
                .momentum(base_m, max_m);
            if !cycle_momentum {
                b = b.no_momentum();
            }
            let cfg = ScheduleConfig::OneCycle {
                max_lr,
                // Left to the run length when it equals it, to exercise that default.
                total_steps: (total_steps != iterations).then_some(total_steps),
                style: Some(OneCycleStyle::Pytorch),
                pct_start: Some(pct_start),
                anneal: Some(anneal),
                div: Some(div),
                final_div: Some(final_div),
                three_phase: Some(three_phase),
                base_momentum: cycle_momentum.then_some(base_m),
                max_momentum: cycle_momentum.then_some(max_m),
                cycle_momentum: Some(cycle_momentum),
                warmup: None,
            };
            (Box::new(b.build().unwrap()), cfg)
        }
        "CosineAnnealingWarmRestarts" => {
            let p = Params::new(case, params, &["T_0", "T_mult", "eta_min"]);
            let t0 = p.u64("T_0").unwrap();
            let t_mult = p.u64("T_mult").unwrap_or(1);
            let eta_min = p.f64("eta_min").unwrap_or(0.0);
            let cfg = ScheduleConfig::Sgdr {
                max_lr: row0_lr,
                min_lr: Some(eta_min),
                t0,
                t_mult: Some(t_mult),
                warmup: None,
            };
            (
                Box::new(Sgdr::new(row0_lr, eta_min, t0, t_mult).unwrap()),
                cfg,
            )
        }
        "StepLR" => {
            let p = Params::new(case, params, &["step_size", "gamma"]);
            let step_size = p.u64("step_size").unwrap();
            let gamma = p.f64("gamma").unwrap_or(0.1);
            let cfg = ScheduleConfig::Step {
                lr: row0_lr,
                step_size,
                gamma: Some(gamma),
                warmup: None,
            };
            (
                Box::new(StepDecay::new(row0_lr, step_size, gamma).unwrap()),
                cfg,
            )
        }
        "MultiStepLR" => {
            let p = Params::new(case, params, &["milestones", "gamma"]);
            let milestones: Vec<u64> = p.map["milestones"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap())
                .collect();
            let gamma = p.f64("gamma").unwrap_or(0.1);
            let cfg = ScheduleConfig::Multistep {
                lr: row0_lr,
                milestones: milestones.clone(),
                gamma: Some(gamma),
                warmup: None,
            };
            (
                Box::new(MultiStep::new(row0_lr, milestones, gamma).unwrap()),
                cfg,
            )
        }
        "ExponentialLR" => {
            let p = Params::new(case, params, &["gamma"]);
            let gamma = p.f64("gamma").unwrap();
            let cfg = ScheduleConfig::Exp {
                lr: row0_lr,
                gamma,
                warmup: None,
            };
            (Box::new(Exponential::new(row0_lr, gamma).unwrap()), cfg)
        }
        "PolynomialLR" => {
            let p = Params::new(case, params, &["total_iters", "power"]);
            // PyTorch defaults: total_iters=5, power=1.0.
            let total_iters = p.u64("total_iters").unwrap_or(5);
            let power = p.f64("power").unwrap_or(1.0);
            let cfg = ScheduleConfig::Poly {
                lr: row0_lr,
                power: Some(power),
                max_iter: Some(total_iters),
                warmup: None,
            };
            (
                Box::new(Poly::new(row0_lr, total_iters, power).unwrap()),
                cfg,
            )
        }
        other => panic!("{case}: no mapping for torch class {other}"),
    }
}

/// Per-case comparison summary.
#[derive(Default, Debug)]
struct Summary {
    rows: usize,
    bit_exact: usize,
    max_rel: f64,
}

fn rel_err(got: f64, want: f64) -> f64 {
    (got - want).abs() / want.abs().max(f64::MIN_POSITIVE)
}

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= REL_TOL * want.abs().max(f64::MIN_POSITIVE)
}

/// Check every row of `table` against `sched`; returns the lr summary.
fn check_rows(
    case: &str,
    via: &str,
    sched: &dyn Schedule,
    table: &Table,
    iterations: u64,
) -> Summary {
    assert_eq!(
        table.lr.len() as u64,
        iterations,
        "{case}: row count vs manifest iterations"
    );
    let mut s = Summary::default();
    let mut failures = Vec::new();
    for (i, (&t, &want)) in table.iterations.iter().zip(&table.lr).enumerate() {
        assert_eq!(t, i as u64, "{case}: iterations must be 0, 1, 2, …");
        let got = sched.lr(t);
        s.rows += 1;
        s.bit_exact += usize::from(got.to_bits() == want.to_bits());
        s.max_rel = s.max_rel.max(rel_err(got, want));
        if !close(got, want) && failures.len() < 10 {
            failures.push(format!(
                "t={t}: lr {got:e} != {want:e} (rel {:e})",
                rel_err(got, want)
            ));
        }
    }
    match &table.momentum {
        Some(moms) => {
            assert!(
                sched.cycles_momentum(),
                "{case} ({via}): the CSV has momentum, schedule none"
            );
            for (&t, &want) in table.iterations.iter().zip(moms) {
                let got = sched.momentum(t).expect("momentum");
                if !close(got, want) && failures.len() < 20 {
                    failures.push(format!("t={t}: momentum {got:e} != {want:e}"));
                }
            }
        }
        None => assert!(
            !sched.cycles_momentum(),
            "{case} ({via}): unexpected momentum"
        ),
    }
    assert!(
        failures.is_empty(),
        "{case} ({via}):\n{}",
        failures.join("\n")
    );
    s
}

fn run_manifest(
    manifest: &str,
    build: impl Fn(&str, &Value, u64, f64) -> (Box<dyn Schedule>, ScheduleConfig),
) -> BTreeMap<String, Summary> {
    let manifest = read_json(manifest);
    let cases = manifest["cases"].as_array().expect("cases");
    assert!(!cases.is_empty());
    let mut out = BTreeMap::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let iterations = case["iterations"].as_u64().unwrap();
        let table = read_csv(name);
        assert_eq!(
            table.momentum.is_some(),
            case["momentum_column"].as_bool().unwrap(),
            "{name}: momentum_column vs CSV header"
        );
        let (typed, cfg) = build(name, case, iterations, table.lr[0]);
        let summary = check_rows(name, "typed API", typed.as_ref(), &table, iterations);
        // The same schedule through the config, after a JSON and a TOML round trip.
        let json: ScheduleConfig =
            serde_json::from_str(&serde_json::to_string(&cfg).unwrap()).unwrap();
        let toml: ScheduleConfig = toml::from_str(&toml::to_string(&cfg).unwrap()).unwrap();
        assert_eq!(json, cfg);
        assert_eq!(toml, cfg);
        let from_cfg = cfg
            .build(iterations)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        check_rows(
            name,
            "ScheduleConfig",
            from_cfg.as_ref(),
            &table,
            iterations,
        );
        out.insert(name.to_owned(), summary);
    }
    out
}

#[test]
fn pytorch_golden() {
    let summaries = run_manifest("manifest.json", |name, case, iterations, row0| {
        let class = case["torch_class"].as_str().unwrap();
        torch_case(name, class, &case["params"], iterations, row0)
    });
    assert_eq!(summaries.len(), 11);
    for (name, s) in &summaries {
        println!(
            "{name:32} rows {:5}  bit-exact {:5}  max rel err {:.2e}",
            s.rows, s.bit_exact, s.max_rel
        );
    }
}

#[test]
fn fastai_golden() {
    let summaries = run_manifest("fastai_manifest.json", |name, case, iterations, _| {
        assert_eq!(case["fastai"], "fit_one_cycle", "{name}");
        let p = Params::new(
            name,
            &case["params"],
            &["lr_max", "div", "div_final", "pct_start"],
        );
        let lr_max = p.f64("lr_max").unwrap();
        let div = p.f64("div").unwrap_or(25.0);
        let div_final = p.f64("div_final").unwrap_or(1e5);
        let pct_start = p.f64("pct_start").unwrap_or(0.25);
        let typed = FastaiOneCycle::builder(lr_max, iterations)
            .div_factor(div)
            .div_final(div_final)
            .pct_start(pct_start)
            .build()
            .unwrap();
        let cfg = ScheduleConfig::OneCycle {
            max_lr: lr_max,
            total_steps: None,
            style: Some(OneCycleStyle::Fastai),
            pct_start: p.f64("pct_start"),
            anneal: None,
            div: p.f64("div"),
            final_div: p.f64("div_final"),
            three_phase: None,
            base_momentum: None,
            max_momentum: None,
            cycle_momentum: None,
            warmup: None,
        };
        (Box::new(typed) as Box<dyn Schedule>, cfg)
    });
    assert_eq!(summaries.len(), 1);
    for (name, s) in &summaries {
        println!(
            "{name:32} rows {:5}  bit-exact {:5}  max rel err {:.2e}",
            s.rows, s.bit_exact, s.max_rel
        );
    }
}

/// PyTorch computes ExponentialLR, StepLR and PolynomialLR recursively; the closed forms used
/// here agree with the recursive products far inside the 1e-9 bar.
#[test]
fn closed_forms_match_torch_recursion() {
    let exp = Exponential::new(0.1, 0.999).unwrap();
    let mut lr = 0.1f64;
    let mut worst = 0.0f64;
    for t in 0..1000u64 {
        worst = worst.max(rel_err(exp.lr(t), lr));
        lr *= 0.999;
    }
    assert!(worst < 1e-12, "exp: {worst:e}");

    // PolynomialLR.get_lr: lr *= ((1 − t/T) / (1 − (t−1)/T))^power for 0 < t ≤ T.
    let poly = Poly::new(0.1, 900, 2.0).unwrap();
    let mut lr = 0.1f64;
    for t in 0..1000u64 {
        if t > 0 && t <= 900 {
            let (tf, n) = (t as f64, 900.0);
            lr *= ((1.0 - tf / n) / (1.0 - (tf - 1.0) / n)).powf(2.0);
        }
        assert!(
            close(poly.lr(t), lr) || (lr == 0.0 && poly.lr(t) == 0.0),
            "poly t={t}"
        );
    }
}

/// triangular2 must neither overflow nor produce NaN after a million cycles (PyTorch #52989).
#[test]
fn triangular2_deep_into_training() {
    let s = 2000u64;
    let sched = Cyclical::triangular2(0.001, 0.006, s).unwrap();
    let mut t = 2 * s * 1_000_000;
    while t <= 1 << 40 {
        for dt in [0, 1, s / 2, s, s + 1, 2 * s - 1] {
            let lr = sched.lr(t + dt);
            assert!(lr.is_finite(), "t={}", t + dt);
            assert!((0.001..=0.006).contains(&lr), "t={}: {lr}", t + dt);
        }
        t *= 2;
    }
    assert!(sched.lr(1 << 40).is_finite());
    assert_eq!(sched.lr(u64::MAX), 0.001);
}
