//! Property tests: for any valid parameters and any `t` up to 2^40, every policy's lr is finite
//! and within its bounds; cyclical policies are periodic; 1cycle phases, the transformers
//! schedules' and nanoGPT's phases are monotone; invalid parameters are errors, never panics.
use cyclr::Schedule;
use cyclr::schedule::{
    Anneal, ConstantWithWarmup, CosineWithHardRestarts, CosineWithWarmup, Cyclical, Exponential,
    FastaiOneCycle, Fixed, Inv, InverseSqrt, LinearWithWarmup, MultiStep, NanogptCosine, OneCycle,
    Poly, PolynomialWithWarmup, ScalePolicy, ScheduleConfig, Sequence, Sgdr, Sigmoid, StepDecay,
    Warmup, Window, Wsd, WsdCurve,
};
use proptest::prelude::*;

const T_MAX: u64 = 1 << 40;

/// Log-uniform learning rate in [1e-8, 1e3].
fn lr() -> impl Strategy<Value = f64> {
    (-8.0f64..3.0).prop_map(|e| 10f64.powf(e))
}

/// `(base, max)` with `base < max`.
fn lr_pair() -> impl Strategy<Value = (f64, f64)> {
    (lr(), -3.0f64..3.0).prop_map(|(base, e)| (base, base * (1.0 + 10f64.powf(e))))
}

fn step() -> impl Strategy<Value = u64> {
    prop_oneof![1u64..10, 1u64..5_000, 1u64..1_000_000]
}

fn t() -> impl Strategy<Value = u64> {
    prop_oneof![0u64..10_000, 0u64..=T_MAX]
}

fn window() -> impl Strategy<Value = Window> {
    prop_oneof![
        Just(Window::Triangular),
        Just(Window::Welch),
        Just(Window::Hann)
    ]
}

fn scale() -> impl Strategy<Value = ScalePolicy> {
    prop_oneof![
        Just(ScalePolicy::Constant),
        Just(ScalePolicy::Halving),
        (0.9f64..=1.0).prop_map(|gamma| ScalePolicy::ExpRange { gamma }),
    ]
}

fn momentum_pair() -> impl Strategy<Value = (f64, f64)> {
    (0.0f64..0.99, 0.0f64..0.99).prop_map(|(a, b)| (a.min(b), a.max(b)))
}

/// `lo ≤ x ≤ hi` up to a few ulps.
fn within(x: f64, (lo, hi): (f64, f64)) -> bool {
    let slack = 4.0 * f64::EPSILON * lo.abs().max(hi.abs());
    x.is_finite() && x >= lo - slack && x <= hi + slack
}

#[derive(Debug, Clone)]
struct CyclicalCase {
    lrs: (f64, f64),
    up: u64,
    down: Option<u64>,
    window: Window,
    scale: ScalePolicy,
    momentum: Option<(f64, f64)>,
}

impl CyclicalCase {
    fn build(&self) -> Cyclical {
        let mut b = Cyclical::builder(self.lrs.0, self.lrs.1, self.up)
            .window(self.window)
            .scale(self.scale.clone());
        if let Some(d) = self.down {
            b = b.step_size_down(d);
        }
        if let Some((bm, mm)) = self.momentum {
            b = b.momentum(bm, mm);
        }
        b.build().unwrap()
    }
}

fn cyclical_case() -> impl Strategy<Value = CyclicalCase> {
    (
        lr_pair(),
        step(),
        proptest::option::of(step()),
        window(),
        scale(),
        proptest::option::of(momentum_pair()),
    )
        .prop_map(|(lrs, up, down, window, scale, momentum)| CyclicalCase {
            lrs,
            up,
            down,
            window,
            scale,
            momentum,
        })
}

#[derive(Debug, Clone)]
struct OneCycleCase {
    max_lr: f64,
    total: u64,
    pct: f64,
    anneal: Anneal,
    div: f64,
    final_div: f64,
    three_phase: bool,
}

fn one_cycle_case() -> impl Strategy<Value = OneCycleCase> {
    (
        lr(),
        prop_oneof![10u64..100, 100u64..2_000_000],
        0.05f64..0.95,
        prop_oneof![Just(Anneal::Cos), Just(Anneal::Linear)],
        1.0f64..1000.0,
        1.0f64..1e5,
        any::<bool>(),
    )
        .prop_map(
            |(max_lr, total, pct, anneal, div, final_div, three_phase)| OneCycleCase {
                max_lr,
                total,
                pct: if three_phase { pct / 2.0 } else { pct },
                anneal,
                div,
                final_div,
                three_phase,
            },
        )
}

impl OneCycleCase {
    fn build(&self) -> Result<OneCycle, cyclr::ParamError> {
        OneCycle::builder(self.max_lr, self.total)
            .pct_start(self.pct)
            .anneal(self.anneal)
            .div_factor(self.div)
            .final_div_factor(self.final_div)
            .three_phase(self.three_phase)
            .build()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn cyclical_finite_and_bounded(case in cyclical_case(), t in t()) {
        let s = case.build();
        let lr = s.lr(t);
        prop_assert!(within(lr, s.bounds()), "lr({t}) = {lr}, bounds {:?}", s.bounds());
        if let Some((bm, mm)) = case.momentum {
            let m = s.momentum(t).unwrap();
            prop_assert!(within(m, (bm, mm)), "momentum({t}) = {m}");
        } else {
            prop_assert!(s.momentum(t).is_none());
        }
    }

    /// Constant-amplitude cyclical policies repeat every `period` iterations, up to the rounding
    /// of `t / period` that PyTorch's arithmetic carries (≈ 2^−52 · t / period).
    #[test]
    fn cyclical_periodic(
        lrs in lr_pair(), up in step(), down in proptest::option::of(step()),
        window in window(), t in t(), k in 1u64..4,
    ) {
        let mut b = Cyclical::builder(lrs.0, lrs.1, up).window(window);
        if let Some(d) = down {
            b = b.step_size_down(d);
        }
        let s = b.build().unwrap();
        let p = s.period();
        let (a, c) = (s.lr(t), s.lr(t + k * p));
        let ratio = s.step_size_up() as f64 / p as f64;
        let edge = ratio.min(1.0 - ratio);
        let r = (t + k * p) as f64 / p as f64;
        let tol = (lrs.1 - lrs.0) * 16.0 * (2.0 + r) * f64::EPSILON / edge
            + 8.0 * f64::EPSILON * lrs.1;
        prop_assert!((a - c).abs() <= tol, "lr({t}) = {a} vs lr({t} + {k}·{p}) = {c}, tol {tol}");
    }

    /// triangular2 and exp_range: every cycle's peak is no higher than the previous one's.
    #[test]
    fn decaying_amplitude(lrs in lr_pair(), up in 1u64..1000, scale in scale(), n in 0u64..1_000_000) {
        let s = Cyclical::builder(lrs.0, lrs.1, up).scale(scale).build().unwrap();
        let p = s.period();
        let peak = |c: u64| s.lr(c * p + up);
        prop_assert!(peak(n + 1) <= peak(n) * (1.0 + 1e-12));
    }

    #[test]
    fn sgdr_bounded_and_restarts(
        max_lr in lr(), frac in 0.0f64..0.99, t0 in step(), t_mult in prop_oneof![Just(1u64), 1u64..5],
        t in t(),
    ) {
        let s = Sgdr::new(max_lr, max_lr * frac, t0, t_mult).unwrap();
        prop_assert!(within(s.lr(t), s.bounds()));
        let (t_cur, t_i) = s.position(t);
        prop_assert!((t_cur as u128) < t_i);
        // Consistent with PyTorch's per-step counter: T_cur += 1, restart when it reaches T_i.
        prop_assert_eq!(s.position(t - t_cur), (0, t_i));
        let next = if (t_cur as u128) + 1 < t_i { (t_cur + 1, t_i) } else { (0, t_i * t_mult as u128) };
        prop_assert_eq!(s.position(t + 1), next);
        if t_mult == 1 {
            prop_assert_eq!(s.lr(t), s.lr(t + t0));
        }
        // Cosine within a period: non-increasing.
        if t_cur > 0 {
            prop_assert!(s.lr(t) <= s.lr(t - 1) * (1.0 + 1e-15));
        }
    }

    #[test]
    fn one_cycle_pytorch_monotone_phases(case in one_cycle_case(), a in any::<u64>(), b in any::<u64>(), t in t()) {
        // Tiny totals with a small pct_start leave a phase without an iteration: rejected.
        let built = case.build();
        prop_assume!(built.is_ok());
        let s = built.unwrap();
        prop_assert!(within(s.lr(t), s.bounds()));
        prop_assert!(within(s.momentum(t).unwrap(), (0.85, 0.95)));
        let w = s.warmup_end();
        let last = case.total - 1;
        let slack = |x: f64| x * 8.0 * f64::EPSILON;
        // Warm-up [0, w]: non-decreasing.
        let (x, y) = ordered(a % (w + 1), b % (w + 1));
        prop_assert!(s.lr(x) <= s.lr(y) + slack(s.lr(y)), "warm-up: lr({x}) > lr({y})");
        // Anneal [w + 1, last]: non-increasing.
        if w < last {
            let span = last - w;
            let (x, y) = ordered(w + 1 + a % span, w + 1 + b % span);
            prop_assert!(s.lr(x) + slack(s.lr(x)) >= s.lr(y), "anneal: lr({x}) < lr({y})");
        }
        // Past the end: the last value.
        prop_assert_eq!(s.lr(last + 1 + (t % 1000)), s.lr(last));
    }

    #[test]
    fn one_cycle_fastai_monotone_phases(
        max_lr in lr(), total in prop_oneof![2u64..100, 100u64..2_000_000], pct in 0.01f64..0.99,
        div in 1.0f64..1000.0, div_final in 1.0f64..1e6, a in any::<u64>(), b in any::<u64>(), t in t(),
    ) {
        let s = FastaiOneCycle::builder(max_lr, total)
            .pct_start(pct)
            .div_factor(div)
            .div_final(div_final)
            .build()
            .unwrap();
        prop_assert!(within(s.lr(t), s.bounds()));
        prop_assert!(within(s.momentum(t).unwrap(), (0.85, 0.95)));
        let w = s.warmup_end();
        let last = total - 1;
        let slack = |x: f64| x * 8.0 * f64::EPSILON;
        let (x, y) = ordered(a % (w + 1), b % (w + 1));
        prop_assert!(s.lr(x) <= s.lr(y) + slack(s.lr(y)), "warm-up: lr({x}) > lr({y})");
        if w < last {
            let span = last - w;
            let (x, y) = ordered(w + 1 + a % span, w + 1 + b % span);
            prop_assert!(s.lr(x) + slack(s.lr(x)) >= s.lr(y), "anneal: lr({x}) < lr({y})");
        }
        prop_assert_eq!(s.lr(last + 1 + (t % 1000)), s.lr(last));
    }

    #[test]
    fn baselines_finite_bounded_monotone(
        lr in lr(), gamma in 0.5f64..=1.0, step in step(), power in 0.0f64..4.0,
        inv_gamma in 0.0f64..1.0, sig_gamma in -1.0f64..1.0,
        milestones in proptest::collection::vec(0u64..T_MAX, 0..6), t in t(), dt in 1u64..1_000_000,
    ) {
        let decays: Vec<(Box<dyn Schedule>, (f64, f64))> = vec![
            (Box::new(Fixed::new(lr).unwrap()), (lr, lr)),
            (Box::new(StepDecay::new(lr, step, gamma).unwrap()), (0.0, lr)),
            (Box::new(MultiStep::new(lr, milestones.clone(), gamma).unwrap()), (0.0, lr)),
            (Box::new(Exponential::new(lr, gamma).unwrap()), (0.0, lr)),
            (Box::new(Inv::new(lr, inv_gamma, power).unwrap()), (0.0, lr)),
            (Box::new(Poly::new(lr, step, power).unwrap()), (0.0, lr)),
        ];
        for (s, bounds) in &decays {
            let (a, b) = (s.lr(t), s.lr(t + dt));
            prop_assert!(within(a, *bounds) && within(b, *bounds), "{s:?}: {a}, {b}");
            prop_assert!(b <= a, "{s:?} not non-increasing: lr({t}) = {a} < lr({}) = {b}", t + dt);
        }
        let sig = Sigmoid::new(lr, sig_gamma, step).unwrap();
        prop_assert!(within(sig.lr(t), (0.0, lr)));
    }

    #[test]
    fn warmup_and_sequence_bounded(case in cyclical_case(), n in 0u64..10_000, m in 1u64..100_000, t in t()) {
        let inner = case.build();
        let bounds = inner.bounds();
        let w = Warmup::new(inner.clone(), n);
        let (lo, hi) = w.bounds_from(bounds);
        prop_assert!(within(w.lr(t), (lo, hi)));
        prop_assert_eq!(w.momentum(t), inner.momentum(t));
        if t >= n {
            prop_assert_eq!(w.lr(t), inner.lr(t));
        }
        let seq = Sequence::new(
            vec![Box::new(Fixed::new(bounds.0).unwrap()), Box::new(inner.clone())],
            vec![m],
        )
        .unwrap();
        prop_assert!(within(seq.lr(t), bounds));
        if t >= m {
            prop_assert_eq!(seq.lr(t), inner.lr(t - m));
        }
    }
}

fn ordered(a: u64, b: u64) -> (u64, u64) {
    (a.min(b), a.max(b))
}

/// A schedule with its name and bounds.
type Named = (&'static str, Box<dyn Schedule>, (f64, f64));

/// transformers' `(num_warmup_steps, num_training_steps)` with `N < T`.
fn hf_steps() -> impl Strategy<Value = (u64, u64)> {
    (
        prop_oneof![Just(0u64), 0u64..10, 0u64..5_000, 0u64..1_000_000],
        prop_oneof![1u64..10, 1u64..5_000, 1u64..1_000_000],
    )
        .prop_map(|(n, d)| (n, n + d))
}

fn wsd_curve() -> impl Strategy<Value = WsdCurve> {
    prop_oneof![
        Just(WsdCurve::Linear),
        Just(WsdCurve::Cosine),
        Just(WsdCurve::OneMinusSqrt)
    ]
}

/// `x` and `y` (x ≤ y) drawn from `[lo, hi)`, from the raw `a`, `b`.
fn pair_in(a: u64, b: u64, lo: u64, hi: u64) -> (u64, u64) {
    let span = hi - lo;
    ordered(lo + a % span, lo + b % span)
}

/// `lr(x) ≥ lr(y)` up to `ulps` roundings of the larger.
fn non_increasing(s: &dyn Schedule, x: u64, y: u64, ulps: f64) -> bool {
    s.lr(x) + ulps * f64::EPSILON * s.lr(x).max(s.lr(y)) >= s.lr(y)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// The transformers schedules with a warm-up and a decay: finite and within bounds for any
    /// `t`; the warm-up `[0, N)` is non-decreasing and never above `lr`; the decay is
    /// non-increasing where it is monotone (`[N, T]`, or `[N, ∞)` for linear, polynomial and
    /// inverse sqrt; within one restart cycle for hard restarts).
    #[test]
    fn transformers_bounded_and_monotone(
        lr in lr(), (n, total) in hf_steps(), half_cycles in 0.01f64..=0.5, restarts in 1u64..6,
        rate in 0.0f64..=1.0, power in 0.0f64..4.0, timescale in proptest::option::of(1u64..100_000),
        a in any::<u64>(), b in any::<u64>(), t in t(),
    ) {
        let lr_end = lr * rate * 0.99;
        let all: Vec<Named> = {
            let c = ConstantWithWarmup::new(lr, n).unwrap();
            let l = LinearWithWarmup::new(lr, n, total).unwrap();
            let cos = CosineWithWarmup::new(lr, n, total, half_cycles, rate).unwrap();
            let hr = CosineWithHardRestarts::new(lr, n, total, restarts as f64).unwrap();
            let p = PolynomialWithWarmup::new(lr, n, total, lr_end, power).unwrap();
            let inv = InverseSqrt::new(lr, n, timescale).unwrap();
            vec![
                ("constant", Box::new(c.clone()), c.bounds()),
                ("linear", Box::new(l.clone()), l.bounds()),
                ("cosine", Box::new(cos.clone()), cos.bounds()),
                ("hard restarts", Box::new(hr.clone()), hr.bounds()),
                ("polynomial", Box::new(p.clone()), p.bounds()),
                ("inverse sqrt", Box::new(inv.clone()), inv.bounds()),
            ]
        };
        for (name, s, bounds) in &all {
            for t in [t, n, total, T_MAX, u64::MAX] {
                prop_assert!(within(s.lr(t), *bounds), "{name}: lr({t}) = {} vs {bounds:?}", s.lr(t));
            }
            prop_assert!(within(s.lr(t), (0.0, lr)));
            if n > 0 {
                // transformers' warm-up: lr · t/N, exactly 0 at t = 0.
                prop_assert_eq!(s.lr(0), 0.0, "{}", name);
                let (x, y) = pair_in(a, b, 0, n);
                prop_assert!(s.lr(x) <= s.lr(y), "{name} warm-up: lr({x}) > lr({y})");
                prop_assert_eq!(s.lr(y), lr * (y as f64 / n as f64), "{}", name);
            }
        }
        let [_, l, cos, hr, p, inv] = &all[..] else { unreachable!() };
        // Decays: linear, polynomial, inverse sqrt on [N, ∞); cosine (≤ half a wave) on [N, T].
        let far = total.saturating_add(1 + t);
        let (x, y) = pair_in(a, b, n, far);
        prop_assert!(non_increasing(l.1.as_ref(), x, y, 0.0), "linear: lr({x}) < lr({y})");
        prop_assert!(non_increasing(p.1.as_ref(), x, y, 4.0), "polynomial: lr({x}) < lr({y})");
        prop_assert!(non_increasing(inv.1.as_ref(), x, y, 0.0), "inverse sqrt: lr({x}) < lr({y})");
        let (x, y) = pair_in(a, b, n, total + 1);
        prop_assert!(non_increasing(cos.1.as_ref(), x, y, 8.0), "cosine: lr({x}) < lr({y})");
        prop_assert_eq!(l.1.lr(total), 0.0);
        if power > 0.0 {
            // (power 0: 0 ** 0 = 1 keeps lr until T, then lr_end.)
            prop_assert!(within(p.1.lr(total), (lr_end, lr_end)), "polynomial at T: {}", p.1.lr(total));
        }
        prop_assert_eq!(p.1.lr(total + 1 + t % 1000), p.1.lr(total + 1));
        prop_assert_eq!(hr.1.lr(total + t % 1000), 0.0);
        // Hard restarts: non-increasing inside a cycle, back to lr at each restart.
        let cycle = |t: u64| {
            let progress = (t - n) as f64 / (total - n) as f64;
            (restarts as f64 * progress).floor()
        };
        let (x, y) = pair_in(a, b, n, total);
        if cycle(x) == cycle(y) {
            prop_assert!(non_increasing(hr.1.as_ref(), x, y, 8.0), "hard restarts: lr({x}) < lr({y})");
        }
        prop_assert_eq!(hr.1.lr(n), lr);
    }

    /// WSD: within `[min_lr_ratio · lr, lr]` for any `t`; warm-up non-decreasing from
    /// `min_lr_ratio · lr`; stable exactly `lr`; decay non-increasing (half a cosine wave, or
    /// linear, or 1-sqrt); exactly `min_lr_ratio · lr` after.
    #[test]
    fn wsd_bounded_and_monotone(
        lr in lr(), n in prop_oneof![Just(0u64), 0u64..5_000], stable in 0u64..100_000,
        d in prop_oneof![Just(0u64), 1u64..100_000], warmup_type in wsd_curve(), decay_type in wsd_curve(),
        ratio in prop_oneof![Just(0.0f64), 0.0f64..=1.0], by_total in any::<bool>(),
        a in any::<u64>(), b in any::<u64>(), t in t(),
    ) {
        prop_assume!(n + stable + d > 0);
        let mut builder = Wsd::builder(lr, n, d)
            .warmup_type(warmup_type)
            .decay_type(decay_type)
            .min_lr_ratio(ratio);
        builder = if by_total {
            builder.num_training_steps(n + stable + d)
        } else {
            builder.num_stable_steps(stable)
        };
        let s = builder.build().unwrap();
        prop_assert_eq!(s.num_stable_steps(), stable);
        let bounds = s.bounds();
        prop_assert_eq!(bounds, (lr * ratio, lr));
        for t in [t, n, n + stable, n + stable + d, T_MAX, u64::MAX] {
            prop_assert!(within(s.lr(t), bounds), "lr({t}) = {} vs {bounds:?}", s.lr(t));
        }
        let slack = |x: f64| x * 8.0 * f64::EPSILON;
        if n > 0 {
            prop_assert_eq!(s.lr(0), lr * ratio);
            let (x, y) = pair_in(a, b, 0, n);
            prop_assert!(s.lr(x) <= s.lr(y) + slack(s.lr(y)), "warm-up: lr({x}) > lr({y})");
        }
        if stable > 0 {
            let (x, y) = pair_in(a, b, n, n + stable);
            prop_assert_eq!(s.lr(x), lr);
            prop_assert_eq!(s.lr(y), lr);
        }
        if d > 0 {
            let start = n + stable;
            let (x, y) = pair_in(a, b, start, start + d);
            prop_assert!(non_increasing(&s, x, y, 8.0), "decay: lr({x}) < lr({y})");
            prop_assert!(within(s.lr(start), (lr, lr)));
        }
        let end = n + stable + d;
        prop_assert_eq!(s.lr(end + t % 1_000_000), lr * ratio);
    }

    /// nanoGPT's `get_lr`: within its bounds for any `t`; the warm-up `[0, W)` rises from
    /// `lr / (W + 1)` and stays below `lr`; the cosine `[W, D]` is non-increasing from `lr` to
    /// `min_lr`; exactly `min_lr` after `D`.
    #[test]
    fn nanogpt_bounded_and_monotone(
        lr in lr(), (w, d) in hf_steps(), floor in prop_oneof![Just(0.0f64), Just(0.1), 0.0f64..=1.0],
        a in any::<u64>(), b in any::<u64>(), t in t(),
    ) {
        let min_lr = lr * floor;
        let s = NanogptCosine::new(lr, w, d, min_lr).unwrap();
        let bounds = s.bounds();
        prop_assert_eq!(bounds.1, lr);
        prop_assert!(bounds.0 <= min_lr);
        for t in [t, 0, w, d, d + 1, T_MAX, u64::MAX] {
            prop_assert!(within(s.lr(t), bounds), "lr({t}) = {} vs {bounds:?}", s.lr(t));
        }
        let slack = |x: f64| x * 4.0 * f64::EPSILON;
        if w > 0 {
            prop_assert_eq!(s.lr(0), lr / (w + 1) as f64);
            let (x, y) = pair_in(a, b, 0, w);
            prop_assert!(s.lr(x) <= s.lr(y), "warm-up: lr({x}) > lr({y})");
            prop_assert!(s.lr(y) < lr);
        }
        let (x, y) = pair_in(a, b, w, d + 1);
        prop_assert!(non_increasing(&s, x, y, 8.0), "cosine: lr({x}) < lr({y})");
        prop_assert!((s.lr(w) - lr).abs() <= slack(lr), "lr({w}) = {}", s.lr(w));
        prop_assert!(s.lr(d) >= min_lr && s.lr(d) - min_lr <= slack(lr), "lr({d}) = {}", s.lr(d));
        prop_assert_eq!(s.lr(d + 1 + t % 1_000_000), min_lr);
    }
}

/// Values chosen to break things: NaN, infinities, signed zero, extremes, and ordinary values.
fn nasty_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(0.0),
        Just(-0.0),
        Just(-1.0),
        Just(f64::MAX),
        Just(f64::MIN_POSITIVE),
        Just(5e-324),
        Just(1e300),
        Just(1e-300),
        Just(0.5),
        Just(1.0),
        Just(2.0),
        Just(25.0),
        -10.0f64..10.0,
        any::<f64>(),
    ]
}

fn nasty_u64() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        Just(1),
        Just(2),
        Just(u64::MAX),
        Just(u64::MAX / 2),
        0u64..1000,
        any::<u64>()
    ]
}

fn nasty_config() -> impl Strategy<Value = ScheduleConfig> {
    use ScheduleConfig as C;
    let f = nasty_f64;
    let u = nasty_u64;
    let of = || proptest::option::of(nasty_f64());
    let ou = || proptest::option::of(nasty_u64());
    let leaf = prop_oneof![
        (f(), f(), u(), ou(), of(), of(), ou(), 0u8..5).prop_map(
            |(
                base_lr,
                max_lr,
                step_size,
                step_size_down,
                base_momentum,
                max_momentum,
                warmup,
                kind,
            )| {
                match kind {
                    0 => C::Triangular {
                        base_lr,
                        max_lr,
                        step_size,
                        step_size_down,
                        base_momentum,
                        max_momentum,
                        warmup,
                    },
                    1 => C::Triangular2 {
                        base_lr,
                        max_lr,
                        step_size,
                        step_size_down,
                        base_momentum,
                        max_momentum,
                        warmup,
                    },
                    2 => C::Welch {
                        base_lr,
                        max_lr,
                        step_size,
                        step_size_down,
                        base_momentum,
                        max_momentum,
                        warmup,
                    },
                    3 => C::Hann {
                        base_lr,
                        max_lr,
                        step_size,
                        step_size_down,
                        base_momentum,
                        max_momentum,
                        warmup,
                    },
                    _ => C::ExpRange {
                        base_lr,
                        max_lr,
                        step_size,
                        step_size_down,
                        gamma: base_momentum,
                        base_momentum: None,
                        max_momentum: None,
                        warmup,
                    },
                }
            }
        ),
        (
            f(),
            ou(),
            any::<bool>(),
            of(),
            any::<bool>(),
            of(),
            of(),
            proptest::option::of(any::<bool>()),
            of(),
            of(),
            proptest::option::of(any::<bool>())
        )
            .prop_map(
                |(
                    max_lr,
                    total_steps,
                    fastai,
                    pct_start,
                    linear,
                    div,
                    final_div,
                    three_phase,
                    base_momentum,
                    max_momentum,
                    cycle_momentum,
                )| C::OneCycle {
                    max_lr,
                    total_steps,
                    style: Some(if fastai {
                        cyclr::schedule::OneCycleStyle::Fastai
                    } else {
                        cyclr::schedule::OneCycleStyle::Pytorch
                    }),
                    pct_start,
                    anneal: Some(if linear { Anneal::Linear } else { Anneal::Cos }),
                    div,
                    final_div,
                    three_phase,
                    base_momentum,
                    max_momentum,
                    cycle_momentum,
                    warmup: None,
                }
            ),
        (f(), of(), u(), ou()).prop_map(|(max_lr, min_lr, t0, t_mult)| C::Sgdr {
            max_lr,
            min_lr,
            t0,
            t_mult,
            warmup: None
        }),
        (
            f(),
            f(),
            f(),
            u(),
            proptest::collection::vec(u(), 0..4),
            0u8..7
        )
            .prop_map(
                |(lr, gamma, power, step_size, milestones, kind)| match kind {
                    0 => C::Fixed {
                        lr,
                        warmup: Some(step_size)
                    },
                    1 => C::Step {
                        lr,
                        step_size,
                        gamma: Some(gamma),
                        warmup: None
                    },
                    2 => C::Multistep {
                        lr,
                        milestones,
                        gamma: Some(gamma),
                        warmup: None
                    },
                    3 => C::Exp {
                        lr,
                        gamma,
                        warmup: None
                    },
                    4 => C::Inv {
                        lr,
                        gamma,
                        power,
                        warmup: None
                    },
                    5 => C::Poly {
                        lr,
                        power: Some(power),
                        max_iter: Some(step_size),
                        warmup: None
                    },
                    _ => C::Sigmoid {
                        lr,
                        gamma,
                        step_size,
                        warmup: None
                    },
                }
            ),
        (f(), u(), ou(), of(), of(), ou(), 0u8..6).prop_map(
            |(lr, num_warmup_steps, steps, x, y, warmup, kind)| match kind {
                0 => C::ConstantWithWarmup {
                    lr,
                    num_warmup_steps,
                    warmup,
                },
                1 => C::LinearWithWarmup {
                    lr,
                    num_warmup_steps,
                    num_training_steps: steps,
                    warmup,
                },
                2 => C::CosineWithWarmup {
                    lr,
                    num_warmup_steps,
                    num_training_steps: steps,
                    num_cycles: x,
                    min_lr_rate: y,
                    warmup,
                },
                3 => C::CosineWithHardRestarts {
                    lr,
                    num_warmup_steps,
                    num_training_steps: steps,
                    num_cycles: x,
                    warmup,
                },
                4 => C::PolynomialWithWarmup {
                    lr,
                    num_warmup_steps,
                    num_training_steps: steps,
                    lr_end: x,
                    power: y,
                    warmup,
                },
                _ => C::InverseSqrt {
                    lr,
                    num_warmup_steps,
                    timescale: steps,
                    warmup,
                },
            }
        ),
        (
            f(),
            u(),
            u(),
            ou(),
            ou(),
            proptest::option::of(wsd_curve()),
            proptest::option::of(wsd_curve()),
            of(),
            of(),
            ou()
        )
            .prop_map(
                |(
                    lr,
                    num_warmup_steps,
                    num_decay_steps,
                    num_training_steps,
                    num_stable_steps,
                    warmup_type,
                    decay_type,
                    min_lr_ratio,
                    num_cycles,
                    warmup,
                )| C::Wsd {
                    lr,
                    num_warmup_steps,
                    num_decay_steps,
                    num_training_steps,
                    num_stable_steps,
                    warmup_type,
                    decay_type,
                    min_lr_ratio,
                    num_cycles,
                    warmup,
                }
            ),
    ];
    let leaf = prop_oneof![
        9 => leaf,
        1 => (f(), ou(), ou(), of(), ou()).prop_map(
            |(lr, warmup_iters, lr_decay_iters, min_lr, warmup)| C::NanogptCosine {
                lr,
                warmup_iters,
                lr_decay_iters,
                min_lr,
                warmup,
            }
        ),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        (
            proptest::collection::vec(inner, 0..4),
            proptest::collection::vec(nasty_u64(), 0..4),
            proptest::option::of(nasty_u64()),
        )
            .prop_map(|(schedules, milestones, warmup)| ScheduleConfig::Sequence {
                milestones,
                schedules,
                warmup,
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    /// Arbitrary (mostly invalid) parameters: `build` returns `Err` or a schedule whose values
    /// are finite and within the configuration's bounds — it never panics.
    #[test]
    fn any_config_errs_or_behaves(cfg in nasty_config(), total in nasty_u64(), t in prop_oneof![0u64..1000, any::<u64>()]) {
        match cfg.build(total) {
            Err(e) => prop_assert!(!e.param.is_empty() && !e.valid.is_empty()),
            Ok(s) => {
                for t in [0, 1, t, t / 2, T_MAX, u64::MAX] {
                    let lr = s.lr(t);
                    prop_assert!(lr.is_finite() && lr >= 0.0, "{cfg:?}: lr({t}) = {lr}");
                    prop_assert!(within(lr, cfg.bounds()), "{cfg:?}: lr({t}) = {lr} vs {:?}", cfg.bounds());
                    if let Some(m) = s.momentum(t) {
                        prop_assert!(m.is_finite() && (0.0..1.0).contains(&m), "{cfg:?}: momentum({t}) = {m}");
                    }
                }
            }
        }
    }

    #[test]
    fn invalid_lr_pairs_are_errors(base in lr(), shrink in 0.0f64..=1.0) {
        let max = base * shrink; // max ≤ base
        let e = Cyclical::triangular(base, max, 10).unwrap_err();
        prop_assert!(e.param == "base_lr" || e.param == "max_lr");
        prop_assert_eq!(Sgdr::new(max.max(1e-300), base.max(1e-300) * 2.0, 1, 1).unwrap_err().param, "min_lr");
    }

    #[test]
    fn invalid_gamma_and_fractions_are_errors(gamma in prop_oneof![-10.0f64..=0.0, 1.0000001f64..10.0], pct in prop_oneof![-1.0f64..=0.0, 1.0f64..2.0]) {
        prop_assert_eq!(Cyclical::exp_range(0.1, 0.2, 5, gamma).unwrap_err().param, "gamma");
        prop_assert_eq!(StepDecay::new(0.1, 5, gamma).unwrap_err().param, "gamma");
        prop_assert_eq!(Exponential::new(0.1, gamma).unwrap_err().param, "gamma");
        prop_assert_eq!(MultiStep::new(0.1, vec![1], gamma).unwrap_err().param, "gamma");
        prop_assert_eq!(OneCycle::builder(0.1, 100).pct_start(pct).build().unwrap_err().param, "pct_start");
        prop_assert_eq!(FastaiOneCycle::builder(0.1, 100).pct_start(pct).build().unwrap_err().param, "pct_start");
    }

    /// OneCycle: every phase holds at least one iteration, or the build fails naming
    /// `total_steps` / `pct_start`.
    #[test]
    fn one_cycle_small_totals(total in 0u64..40, pct in 0.001f64..0.999, three_phase in any::<bool>()) {
        match OneCycle::builder(0.1, total).pct_start(pct).three_phase(three_phase).build() {
            Ok(s) => {
                prop_assert!(total >= 2);
                for t in 0..total + 2 {
                    prop_assert!(within(s.lr(t), s.bounds()));
                }
            }
            Err(e) => prop_assert!(e.param == "total_steps" || e.param == "pct_start", "{e}"),
        }
    }
}

/// The triangular2 overflow regression (PyTorch #52989), deterministic: a million cycles and
/// beyond, up to t = 2^40.
#[test]
fn triangular2_million_cycles() {
    for s in [1u64, 7, 2000] {
        let sched = Cyclical::triangular2(0.001, 0.006, s).unwrap();
        let start = 2 * s * 1_000_000;
        for t in (start..start + 4 * s).chain([T_MAX - 1, T_MAX, T_MAX + 1]) {
            let lr = sched.lr(t);
            assert!(
                lr.is_finite() && (0.001..=0.006).contains(&lr),
                "s={s} t={t}: {lr}"
            );
        }
    }
}
