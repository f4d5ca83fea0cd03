//! Fuzzes every typed schedule constructor of `cyclr::schedule` with arbitrary parameters
//! (NaN, ±∞, ±0, subnormals, negatives, values around the 1e300 cap, huge and tiny counts).
//!
//! Contract checked: constructors never panic; when one returns `Ok`, `lr(t)` is finite and
//! within the schedule's own `bounds()` (up to 4 ulp-sized rounding slack, as in the crate's
//! property tests) and `momentum(t)`, when present, is finite and within the configured
//! momentum range, for `t` in {0, 1, 2, the schedule's step/period edges, 2^40, 2^53 ± 1,
//! u64::MAX − 1, u64::MAX} and a few arbitrary `t`.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use cyclr::schedule::{
    Anneal, ConstantWithWarmup, CosineWithHardRestarts, CosineWithWarmup, Cyclical, Exponential,
    FastaiOneCycle, Fixed, InverseSqrt, Inv, LinearWithWarmup, MultiStep, OneCycle, Poly,
    PolynomialWithWarmup, ScaleMode, ScalePolicy, Sequence, Sgdr, Sigmoid, StepDecay, Warmup,
    Window, Wsd, WsdCurve,
};
use cyclr::{ParamError, Schedule};
use libfuzzer_sys::fuzz_target;

/// An f64 parameter biased towards edge cases.
#[derive(Debug, Clone, Copy)]
struct F(f64);

const SPECIAL_F: &[f64] = &[
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    0.0,
    -0.0,
    f64::MIN_POSITIVE,
    5e-324,
    f64::EPSILON,
    1e-300,
    1e-8,
    1e-4,
    0.001,
    0.006,
    0.1,
    0.25,
    0.3,
    0.5,
    0.85,
    0.9,
    0.95,
    0.999,
    1.0 - f64::EPSILON / 2.0,
    1.0,
    1.0 + f64::EPSILON,
    2.0,
    4.0,
    10.0,
    25.0,
    1e4,
    1e5,
    1e100,
    1e300,
    1.0000000000000002e300,
    1e308,
    f64::MAX,
    -1.0,
    -0.5,
    -1e300,
    f64::MIN,
];

impl<'a> Arbitrary<'a> for F {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(F(match u.int_in_range(0u8..=3)? {
            0 => *u.choose(SPECIAL_F)?,
            1 => f64::from_bits(u.arbitrary()?),
            // A "decimal" value m · 10^e, m in ±[0, 65535], e in [−320, 310].
            2 => {
                let m = f64::from(u.arbitrary::<i16>()?);
                let e = u.int_in_range(-320i32..=310)?;
                m * 10f64.powi(e)
            }
            // A fraction of 1 (momenta, pct_start, gamma).
            _ => f64::from(u.arbitrary::<u32>()?) / f64::from(u32::MAX),
        }))
    }
}

/// A u64 parameter biased towards edge cases.
#[derive(Debug, Clone, Copy)]
struct U(u64);

const SPECIAL_U: &[u64] = &[
    0,
    1,
    2,
    3,
    4,
    5,
    7,
    10,
    100,
    1000,
    2000,
    1 << 31,
    (1 << 31) + 1,
    1 << 32,
    1 << 40,
    (1 << 53) - 1,
    1 << 53,
    (1 << 53) + 1,
    (1 << 54) + 1,
    1 << 63,
    (1 << 63) + 1,
    u64::MAX - 1,
    u64::MAX,
];

impl<'a> Arbitrary<'a> for U {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(U(match u.int_in_range(0u8..=2)? {
            0 => *u.choose(SPECIAL_U)?,
            1 => u.int_in_range(0u64..=20_000)?,
            _ => u.arbitrary()?,
        }))
    }
}

#[derive(Debug, Arbitrary)]
enum WindowSel {
    Triangular,
    Welch,
    Hann,
}

#[derive(Debug, Arbitrary)]
enum ScaleSel {
    Constant,
    Halving,
    ExpRange(F),
    /// Custom scale functions that stay in [0, 1] (the documented assumption of `bounds`).
    CustomHalvingCycle,
    CustomExpIterations(F),
    CustomInvCycle,
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum CurveSel {
    Linear,
    Cosine,
    OneMinusSqrt,
}

impl CurveSel {
    fn curve(self) -> WsdCurve {
        match self {
            Self::Linear => WsdCurve::Linear,
            Self::Cosine => WsdCurve::Cosine,
            Self::OneMinusSqrt => WsdCurve::OneMinusSqrt,
        }
    }
}

#[derive(Debug, Arbitrary)]
enum Leaf {
    Triangular(F, F, U),
    Triangular2(F, F, U),
    ExpRange(F, F, U, F),
    Welch(F, F, U),
    Hann(F, F, U),
    Cyclical {
        base: F,
        max: F,
        up: U,
        down: Option<U>,
        window: WindowSel,
        scale: ScaleSel,
        momentum: Option<(F, F)>,
    },
    OneCycleNew(F, U),
    OneCycle {
        max_lr: F,
        total: U,
        pct_start: Option<F>,
        linear: bool,
        div: Option<F>,
        final_div: Option<F>,
        three_phase: bool,
        /// None: default momentum; Some(None): no momentum; Some(Some(..)): explicit.
        momentum: Option<Option<(F, F)>>,
    },
    FastaiNew(F, U),
    Fastai {
        lr_max: F,
        total: U,
        div: Option<F>,
        div_final: Option<F>,
        pct_start: Option<F>,
        moms: Option<Option<(F, F, F)>>,
    },
    Sgdr(F, F, U, U),
    Fixed(F),
    Step(F, U, F),
    MultiStep(F, Vec<U>, F),
    Exp(F, F),
    Inv(F, F, F),
    Poly(F, U, F),
    Sigmoid(F, F, U),
    // transformers' schedules: lr, num_warmup_steps, num_training_steps, …
    ConstantWithWarmup(F, U),
    LinearWithWarmup(F, U, U),
    CosineWithWarmup(F, U, U, F, F),
    CosineWithHardRestarts(F, U, U, F),
    PolynomialWithWarmup(F, U, U, F, F),
    InverseSqrt(F, U, Option<U>),
    Wsd {
        lr: F,
        warmup: U,
        decay: U,
        training: Option<U>,
        stable: Option<U>,
        warmup_type: CurveSel,
        decay_type: CurveSel,
        min_lr_ratio: Option<F>,
        num_cycles: Option<F>,
    },
}

#[derive(Debug, Arbitrary)]
enum Top {
    Leaf(Leaf),
    Warmup(Leaf, U),
    Sequence(Vec<Leaf>, Vec<U>),
    WarmupSequence(Vec<Leaf>, Vec<U>, U),
}

#[derive(Debug, Arbitrary)]
struct Input {
    top: Top,
    extra_ts: [U; 3],
}

/// A built schedule with what it promises: lr bounds, momentum range, interesting iterations.
struct Built {
    s: Box<dyn Schedule>,
    lr_bounds: (f64, f64),
    momentum: Option<(f64, f64)>,
    edges: Vec<u64>,
}

fn built<S: Schedule + 'static>(
    s: S,
    lr_bounds: (f64, f64),
    momentum: Option<(f64, f64)>,
    edges: &[u64],
) -> Built {
    Built {
        s: Box::new(s),
        lr_bounds,
        momentum,
        edges: edges.to_vec(),
    }
}

fn neighbours(x: u64) -> [u64; 3] {
    [x.saturating_sub(1), x, x.saturating_add(1)]
}

/// The value of a constructor's result; on `Err`, checks that the error names a parameter
/// and renders, and returns `None`.
fn ok<T>(r: Result<T, ParamError>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            assert!(!e.param.is_empty() && !e.valid.is_empty(), "{e:?}");
            let _ = e.to_string();
            None
        }
    }
}

fn cyc(r: Result<Cyclical, ParamError>) -> Option<Built> {
    let c = ok(r)?;
    let p = c.period();
    let mut edges = neighbours(c.step_size_up()).to_vec();
    edges.extend(neighbours(p));
    edges.extend(neighbours(p.saturating_mul(1100)));
    Some(built(c.clone(), c.bounds(), c.momentum_range(), &edges))
}

fn one_cycle(s: OneCycle, momentum: Option<(f64, f64)>) -> Built {
    let total = s.total_steps();
    let mut edges = neighbours(total).to_vec();
    edges.extend(neighbours(s.warmup_end()));
    edges.extend(neighbours(total / 2));
    if s.three_phase() {
        edges.extend(neighbours(
            s.warmup_end().saturating_mul(2).saturating_add(1),
        ));
    }
    built(s.clone(), s.bounds(), momentum, &edges)
}

fn fastai(s: FastaiOneCycle, moms: Option<(f64, f64, f64)>) -> Built {
    let total = s.total_steps();
    let mut edges = neighbours(total).to_vec();
    edges.extend(neighbours(s.warmup_end()));
    let m = moms.map(|(a, b, c)| (a.min(b).min(c), a.max(b).max(c)));
    built(s.clone(), s.bounds(), m, &edges)
}

fn build_leaf(l: &Leaf) -> Option<Built> {
    Some(match *l {
        Leaf::Triangular(F(b), F(m), U(s)) => return cyc(Cyclical::triangular(b, m, s)),
        Leaf::Triangular2(F(b), F(m), U(s)) => return cyc(Cyclical::triangular2(b, m, s)),
        Leaf::ExpRange(F(b), F(m), U(s), F(g)) => return cyc(Cyclical::exp_range(b, m, s, g)),
        Leaf::Welch(F(b), F(m), U(s)) => return cyc(Cyclical::welch(b, m, s)),
        Leaf::Hann(F(b), F(m), U(s)) => return cyc(Cyclical::hann(b, m, s)),
        Leaf::Cyclical {
            base: F(base),
            max: F(max),
            up: U(up),
            down,
            ref window,
            ref scale,
            momentum,
        } => {
            let mut b = Cyclical::builder(base, max, up).window(match window {
                WindowSel::Triangular => Window::Triangular,
                WindowSel::Welch => Window::Welch,
                WindowSel::Hann => Window::Hann,
            });
            if let Some(U(d)) = down {
                b = b.step_size_down(d);
            }
            b = match *scale {
                ScaleSel::Constant => b.scale(ScalePolicy::Constant),
                ScaleSel::Halving => b.scale(ScalePolicy::Halving),
                ScaleSel::ExpRange(F(g)) => b.scale(ScalePolicy::ExpRange { gamma: g }),
                ScaleSel::CustomHalvingCycle => {
                    b.scale_fn(|c| 1.0 / 2f64.powf(c - 1.0), ScaleMode::Cycle)
                }
                ScaleSel::CustomExpIterations(F(g)) => {
                    // Only a gamma in [0, 1] keeps the scale in [0, 1].
                    let g = if (0.0..=1.0).contains(&g) { g } else { 0.5 };
                    b.scale_fn(move |t| g.powf(t), ScaleMode::Iterations)
                }
                ScaleSel::CustomInvCycle => b.scale_fn(|c| 1.0 / c, ScaleMode::Cycle),
            };
            if let Some((F(bm), F(mm))) = momentum {
                b = b.momentum(bm, mm);
            }
            return cyc(b.build());
        }
        Leaf::OneCycleNew(F(m), U(t)) => one_cycle(ok(OneCycle::new(m, t))?, Some((0.85, 0.95))),
        Leaf::OneCycle {
            max_lr: F(m),
            total: U(t),
            pct_start,
            linear,
            div,
            final_div,
            three_phase,
            momentum,
        } => {
            let mut b = OneCycle::builder(m, t)
                .three_phase(three_phase)
                .anneal(if linear { Anneal::Linear } else { Anneal::Cos });
            if let Some(F(p)) = pct_start {
                b = b.pct_start(p);
            }
            if let Some(F(d)) = div {
                b = b.div_factor(d);
            }
            if let Some(F(d)) = final_div {
                b = b.final_div_factor(d);
            }
            let mo = match momentum {
                None => Some((0.85, 0.95)),
                Some(None) => {
                    b = b.no_momentum();
                    None
                }
                Some(Some((F(bm), F(mm)))) => {
                    b = b.momentum(bm, mm);
                    Some((bm, mm))
                }
            };
            one_cycle(ok(b.build())?, mo)
        }
        Leaf::FastaiNew(F(m), U(t)) => {
            fastai(ok(FastaiOneCycle::new(m, t))?, Some((0.95, 0.85, 0.95)))
        }
        Leaf::Fastai {
            lr_max: F(m),
            total: U(t),
            div,
            div_final,
            pct_start,
            moms,
        } => {
            let mut b = FastaiOneCycle::builder(m, t);
            if let Some(F(d)) = div {
                b = b.div_factor(d);
            }
            if let Some(F(d)) = div_final {
                b = b.div_final(d);
            }
            if let Some(F(p)) = pct_start {
                b = b.pct_start(p);
            }
            let mo = match moms {
                None => Some((0.95, 0.85, 0.95)),
                Some(None) => {
                    b = b.no_momentum();
                    None
                }
                Some(Some((F(a), F(bb), F(c)))) => {
                    b = b.moms(a, bb, c);
                    Some((a, bb, c))
                }
            };
            fastai(ok(b.build())?, mo)
        }
        Leaf::Sgdr(F(max), F(min), U(t0), U(m)) => {
            let s = ok(Sgdr::new(max, min, t0, m))?;
            let mut edges = Vec::new();
            for k in [1, 2, 3, 10, 40, 63, 64] {
                if let Some(x) = s.restart(k) {
                    edges.extend(neighbours(x));
                }
            }
            built(s.clone(), s.bounds(), None, &edges)
        }
        Leaf::Fixed(F(lr)) => {
            let s = ok(Fixed::new(lr))?;
            built(s.clone(), s.bounds(), None, &[])
        }
        Leaf::Step(F(lr), U(step), F(g)) => {
            let s = ok(StepDecay::new(lr, step, g))?;
            let mut edges = neighbours(step).to_vec();
            edges.extend(neighbours(step.saturating_mul(1 << 31)));
            built(s.clone(), s.bounds(), None, &edges)
        }
        Leaf::MultiStep(F(lr), ref ms, F(g)) => {
            let ms: Vec<u64> = ms.iter().take(64).map(|m| m.0).collect();
            let s = ok(MultiStep::new(lr, ms.clone(), g))?;
            assert!(s.milestones().windows(2).all(|w| w[0] <= w[1]));
            let edges: Vec<u64> = ms.iter().flat_map(|&m| neighbours(m)).collect();
            built(s.clone(), s.bounds(), None, &edges)
        }
        Leaf::Exp(F(lr), F(g)) => {
            let s = ok(Exponential::new(lr, g))?;
            built(s.clone(), s.bounds(), None, &[])
        }
        Leaf::Inv(F(lr), F(g), F(p)) => {
            let s = ok(Inv::new(lr, g, p))?;
            built(s.clone(), s.bounds(), None, &[])
        }
        Leaf::Poly(F(lr), U(mi), F(p)) => {
            let s = ok(Poly::new(lr, mi, p))?;
            built(s.clone(), s.bounds(), None, &neighbours(mi))
        }
        Leaf::Sigmoid(F(lr), F(g), U(step)) => {
            let s = ok(Sigmoid::new(lr, g, step))?;
            built(s.clone(), s.bounds(), None, &neighbours(step))
        }
        Leaf::ConstantWithWarmup(F(lr), U(n)) => {
            let s = ok(ConstantWithWarmup::new(lr, n))?;
            built(s.clone(), s.bounds(), None, &neighbours(n))
        }
        Leaf::LinearWithWarmup(F(lr), U(n), U(total)) => {
            let s = ok(LinearWithWarmup::new(lr, n, total))?;
            built(s.clone(), s.bounds(), None, &hf_edges(n, total))
        }
        Leaf::CosineWithWarmup(F(lr), U(n), U(total), F(c), F(r)) => {
            let s = ok(CosineWithWarmup::new(lr, n, total, c, r))?;
            built(s.clone(), s.bounds(), None, &hf_edges(n, total))
        }
        Leaf::CosineWithHardRestarts(F(lr), U(n), U(total), F(c)) => {
            let s = ok(CosineWithHardRestarts::new(lr, n, total, c))?;
            built(s.clone(), s.bounds(), None, &hf_edges(n, total))
        }
        Leaf::PolynomialWithWarmup(F(lr), U(n), U(total), F(end), F(p)) => {
            let s = ok(PolynomialWithWarmup::new(lr, n, total, end, p))?;
            built(s.clone(), s.bounds(), None, &hf_edges(n, total))
        }
        Leaf::InverseSqrt(F(lr), U(n), ts) => {
            let s = ok(InverseSqrt::new(lr, n, ts.map(|U(x)| x)))?;
            built(s.clone(), s.bounds(), None, &neighbours(n))
        }
        Leaf::Wsd {
            lr: F(lr),
            warmup: U(n),
            decay: U(d),
            training,
            stable,
            warmup_type,
            decay_type,
            min_lr_ratio,
            num_cycles,
        } => {
            let mut b = Wsd::builder(lr, n, d)
                .warmup_type(warmup_type.curve())
                .decay_type(decay_type.curve());
            if let Some(U(total)) = training {
                b = b.num_training_steps(total);
            }
            if let Some(U(s)) = stable {
                b = b.num_stable_steps(s);
            }
            if let Some(F(r)) = min_lr_ratio {
                b = b.min_lr_ratio(r);
            }
            if let Some(F(c)) = num_cycles {
                b = b.num_cycles(c);
            }
            let s = ok(b.build())?;
            let stable_end = n.saturating_add(s.num_stable_steps());
            let mut edges = neighbours(n).to_vec();
            edges.extend(neighbours(stable_end));
            edges.extend(neighbours(stable_end.saturating_add(d)));
            built(s.clone(), s.bounds(), None, &edges)
        }
    })
}

/// Edges of a transformers schedule with a warm-up of `n` and `total` training steps.
fn hf_edges(n: u64, total: u64) -> Vec<u64> {
    let mut edges = neighbours(n).to_vec();
    edges.extend(neighbours(total));
    edges.extend(neighbours(n / 2 + total / 2));
    edges
}

fn union(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    (a.0.min(b.0), a.1.max(b.1))
}

fn build_top(top: &Top) -> Option<Built> {
    match top {
        Top::Leaf(l) => build_leaf(l),
        Top::Warmup(l, U(n)) => {
            let b = build_leaf(l)?;
            let w = Warmup::new(b.s, *n);
            assert_eq!(w.iters(), *n);
            let bounds = w.bounds_from(b.lr_bounds);
            let mut edges = b.edges;
            edges.extend(neighbours(*n));
            Some(Built {
                s: Box::new(w),
                lr_bounds: bounds,
                momentum: b.momentum,
                edges,
            })
        }
        Top::Sequence(ls, ms) => sequence(ls, ms),
        Top::WarmupSequence(ls, ms, U(n)) => {
            let b = sequence(ls, ms)?;
            let w = Warmup::new(b.s, *n);
            let bounds = w.bounds_from(b.lr_bounds);
            let mut edges = b.edges;
            edges.extend(neighbours(*n));
            Some(Built {
                s: Box::new(w),
                lr_bounds: bounds,
                momentum: b.momentum,
                edges,
            })
        }
    }
}

fn sequence(ls: &[Leaf], ms: &[U]) -> Option<Built> {
    let mut parts = Vec::new();
    let mut bounds = (f64::INFINITY, f64::NEG_INFINITY);
    let mut mom: Option<(f64, f64)> = None;
    let mut edges = Vec::new();
    for l in ls.iter().take(6) {
        let b = build_leaf(l)?;
        bounds = union(bounds, b.lr_bounds);
        if let Some(m) = b.momentum {
            mom = Some(mom.map_or(m, |x| union(x, m)));
        }
        edges.extend(b.edges);
        parts.push(b.s);
    }
    let ms: Vec<u64> = ms.iter().map(|m| m.0).collect();
    for &m in &ms {
        edges.extend(neighbours(m));
    }
    match Sequence::new(parts, ms.clone()) {
        Ok(s) => {
            assert_eq!(s.milestones(), &ms[..]);
            for t in edges.iter().copied() {
                let (i, local) = s.locate(t);
                assert!(i < s.schedules().len() && local <= t);
            }
            Some(Built {
                s: Box::new(s),
                lr_bounds: bounds,
                momentum: mom,
                edges,
            })
        }
        Err(e) => {
            assert!(!e.param.is_empty());
            let _ = e.to_string();
            None
        }
    }
}

fn within(x: f64, (lo, hi): (f64, f64)) -> bool {
    // Relative slack of a few roundings, as in the crate's property tests, but at least a few
    // units of the smallest subnormal: below 2^-1022 rounding errors are absolute (5e-324 each)
    // and a relative slack would be 0.
    let slack = (4.0 * f64::EPSILON * lo.abs().max(hi.abs())).max(4.0 * f64::from_bits(1));
    x.is_finite() && x >= lo - slack && x <= hi + slack
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(input) = Input::arbitrary(&mut u) else {
        return;
    };
    let Some(b) = build_top(&input.top) else {
        return;
    };
    let _ = format!("{:?}", b.s);
    let (lo, hi) = b.lr_bounds;
    assert!(
        lo <= hi && lo.is_finite() && hi.is_finite(),
        "bounds {:?}",
        b.lr_bounds
    );
    let mut ts = vec![
        0,
        1,
        2,
        3,
        1 << 40,
        (1 << 53) - 1,
        1 << 53,
        (1 << 53) + 1,
        u64::MAX / 2,
        u64::MAX - 1,
        u64::MAX,
    ];
    ts.extend(b.edges.iter().copied().take(64));
    ts.extend(input.extra_ts.iter().map(|t| t.0));
    let cycles = b.s.cycles_momentum();
    for t in ts {
        let lr = b.s.lr(t);
        assert!(lr.is_finite(), "{:?}: lr({t}) = {lr}", input.top);
        assert!(
            within(lr, b.lr_bounds),
            "{:?}: lr({t}) = {lr} outside bounds {:?}",
            input.top,
            b.lr_bounds
        );
        match (b.s.momentum(t), b.momentum) {
            (Some(m), Some(range)) => {
                assert!(
                    m.is_finite() && within(m, range),
                    "{:?}: momentum({t}) = {m} outside {range:?}",
                    input.top
                );
                assert!(cycles);
            }
            (Some(m), None) => panic!("{:?}: unexpected momentum({t}) = {m}", input.top),
            (None, _) => {}
        }
    }
});
