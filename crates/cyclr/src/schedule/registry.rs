//! The policy registry: every learning-rate policy is declared once, in its family's file, and
//! [`Policy`], [`ScheduleConfig`], [`ScheduleSpec`], the key lists, the command line's flags (as
//! data: [`flags`]), `cyclr schedule --help` and `cyclr compare --template` follow from that
//! declaration.
//!
//! # How a policy is declared
//!
//! A family file (`cyclical.rs`, `one_cycle.rs`, …) defines a `macro_rules!` named
//! `<family>_policies` that hands its declarations on to `collect!`:
//!
//! ```text
//! /// Doc of the policy (the config variant's and the Policy variant's).
//! OneCycle = "one-cycle", Other {
//!     formula: "one line for `cyclr schedule --help`",
//!     auto: [("max_lr", OneCyclePeak)],          // what `--lr auto` fills, and with what
//!     no_warmup: "why",                          // optional: refuse cyclr's `warmup` (below)
//!     params: {
//!         /// Peak lr.
//!         req max_lr: f64,                       // required: `f64` in the config
//!         /// Cycle length (default: the run length).
//!         opt total_steps: u64,                  // optional: `Option<u64>` in the config
//!     },
//!     build(total_iters): { /* the checks and the Schedule, fields in scope */ },
//!     bounds: { /* (min, max) of the lr, fields in scope */ },
//! }
//! ```
//!
//! and may declare new keys that no other policy has, with their flag (`keys [ cut_frac: f64 =>
//! Float("F", "help"), … ]`; see `one_cycle.rs`). Every policy also takes `warmup`, added here,
//! unless it declares `no_warmup: "why"` (a policy with a warm-up of its own that `warmup` would
//! multiply, `nanogpt.rs`): then `warmup` is not among its keys, and a `warmup` given anyway — a
//! flag, a spec key ([`ScheduleSpec::resolve`]) or a config field ([`ScheduleConfig::build`]) —
//! is an error on `warmup` with that text.
//! The fields are in scope in `build` and `bounds` as values (`f64`, `Option<u64>`, `Vec<…>`);
//! paths in them are written from the crate root (`crate::schedule::…`), as they expand here.
//! The registry (the end of this file) chains the families' macros in order (`Policy::ALL`'s
//! order) and expands `define!` once on all declarations,
//! which writes:
//!
//! * [`Policy`] (a plain `Copy` enum) and its table: name, formula, required and optional keys
//!   in declaration order, the keys `--lr auto` fills, the family, a refusal of `warmup`;
//! * [`ScheduleConfig`]: one struct variant per policy, the fields as declared, serde-tagged by
//!   the name, `deny_unknown_fields`, optional fields skipped when absent — so existing TOML/JSON
//!   keeps its exact form;
//! * [`ScheduleSpec`]: one optional field per key (the shared keys below, in their historical
//!   order, then the keys families add), `to_config` from the declarations, and generic access
//!   by key ([`ScheduleSpec::set_json`]) for the command line;
//! * [`KEYS`]: every key with its flag (kind, value name, help), from which the CLI builds its
//!   `clap` arguments with the builder API (this crate has no clap dependency).
//!
//! # Why a declarative macro
//!
//! * The configs stay plain Rust data with serde derives: `ScheduleConfig::Triangular { base_lr,
//!   … }` is still constructed and matched by name (tests, examples, other crates), and its
//!   serialized form and its parse errors ("unknown field `gama`, expected one of …") are serde's
//!   own, byte for byte, because it is the same derive on the same shape. A runtime registry
//!   (`trait Policy` + a table of parameter maps) would have needed hand-written serde impls
//!   reproducing those messages, and would have turned every typed field into a map lookup.
//! * A new policy touches one file: the family's macro is already in the chain. A declaration
//!   that names a key no spec field has, or leaves a type inconsistent with the key's, does not
//!   compile.
//! * Policies that differ in a few values share one declaration: the five cyclical ones (a
//!   template in `cyclical.rs`: window, scale, exp-range's `gamma`) and transformers' four that
//!   warm up and decay to `num_training_steps` (`transformers.rs`).
//! * The core stays free of clap: the flags are data ([`flags`]: key, kind, value name, help, in
//!   the historical `--help` order), which the CLI turns into `clap::Arg`s; `cyclr schedule
//!   --help` and `compare --template` read [`Policy`]'s table.
//!
//! Adding a policy to a family: a declaration in that family's macro (and tests). Adding a
//! family: its file, its `mod` line, and its macro in the chain below.
use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::Schedule;
use super::baseline::baseline_policies;
use super::compose::compose_policies;
use super::cyclical::cyclical_policies;
use super::nanogpt::nanogpt_policies;
use super::one_cycle::{Anneal, OneCycleStyle, one_cycle_policies};
use super::policy::AutoLr;
use super::restarts::restarts_policies;
use super::spec::SpecError;
use super::transformers::{WsdCurve, transformers_policies};
use crate::ParamError;

/// Whether a policy takes a key as required or optional.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// The config has the value itself.
    Required,
    /// The config has an `Option`, absent when not given.
    Optional,
}

/// The family a policy belongs to (what the range test and the step-size rule do with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Smith's cyclical policies: `base_lr`/`max_lr` bounds and a `step_size`.
    Cyclical,
    /// Hugging Face transformers' schedules.
    Transformers,
    /// Everything else.
    Other,
}

/// How the command line reads a key's flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagKind {
    /// A finite number (`--base-lr 0.01`).
    Float,
    /// A non-negative integer, read as a signed one so that `-3` gets a clear message.
    Count,
    /// `true` or `false`.
    Bool,
    /// A switch without a value, `true` when present.
    Switch,
    /// One of the names in the value name (`pytorch|fastai`).
    Choice,
    /// A number or `auto` (the range test fills the rates).
    LrOrAuto,
    /// Comma-separated increasing non-negative integers.
    List,
}

/// A key's command-line flag: `--` and the key with `-` for `_`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag {
    /// How the value is read.
    pub kind: FlagKind,
    /// The value's name in the help (`X`, `N`, `pytorch|fastai`).
    pub value_name: &'static str,
    /// One line of help.
    pub help: &'static str,
}

/// A key of [`ScheduleSpec`] and its flag, if it has one (`total_steps` is the run length,
/// `--iters`; `schedules` exist only in files).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyInfo {
    /// The snake_case key.
    pub key: &'static str,
    /// The flag.
    pub flag: Option<Flag>,
}

/// What the registry knows about one policy.
#[derive(Debug)]
pub(crate) struct PolicyInfo {
    pub name: &'static str,
    pub formula: &'static str,
    pub family: Family,
    /// The keys, in the config's order, `warmup` last (also for a policy that refuses it:
    /// [`key_lists`] leaves it out then).
    pub params: &'static [(&'static str, Need)],
    pub auto: &'static [(&'static str, AutoLr)],
    /// Why cyclr's `warmup` does not apply (`no_warmup` in the declaration); `None`: it does.
    pub no_warmup: Option<&'static str>,
}

/// Serialization rule shared by every config field: an absent optional is skipped, a required
/// value never is.
pub(crate) trait Absent {
    fn absent(&self) -> bool {
        false
    }
}
impl Absent for f64 {}
impl Absent for u64 {}
impl<T> Absent for Vec<T> {}
impl<T> Absent for Option<T> {
    fn absent(&self) -> bool {
        self.is_none()
    }
}

/// `skip_serializing_if` of every config field.
pub(crate) fn absent<T: Absent>(v: &T) -> bool {
    v.absent()
}

/// The type of a spec key: floats are checked for finiteness and listed first by
/// [`ScheduleSpec::given_keys`]; learning rates are set by key.
pub(crate) trait SpecValue: Sized {
    const FLOAT: bool = false;
    fn float(_v: &Option<Self>) -> Option<f64> {
        None
    }
    fn float_slot(_v: &mut Option<Self>) -> Option<&mut Option<f64>> {
        None
    }
}
impl SpecValue for f64 {
    const FLOAT: bool = true;
    fn float(v: &Option<Self>) -> Option<f64> {
        *v
    }
    fn float_slot(v: &mut Option<Self>) -> Option<&mut Option<f64>> {
        Some(v)
    }
}
impl SpecValue for u64 {}
impl SpecValue for bool {}
impl SpecValue for OneCycleStyle {}
impl SpecValue for Anneal {}
impl SpecValue for WsdCurve {}
impl<T> SpecValue for Vec<T> {}

/// The error of a required key that is still open when the config is made.
fn missing(policy: Policy, key: &'static str) -> SpecError {
    SpecError::Missing {
        policy,
        key,
        auto_fillable: policy.auto_keys().iter().any(|(k, _)| *k == key),
    }
}

/// The order of the flags in `--help` (kept from before the registry); keys families add follow,
/// in declaration order.
const FLAG_ORDER: &[&str] = &[
    "base_lr",
    "max_lr",
    "step_size",
    "step_size_down",
    "gamma",
    "base_momentum",
    "max_momentum",
    "style",
    "pct_start",
    "anneal",
    "div",
    "final_div",
    "three_phase",
    "cycle_momentum",
    "min_lr",
    "t0",
    "t_mult",
    "lr",
];

/// Every key that has a flag, in the order of `--help`.
pub fn flags() -> &'static [(&'static str, Flag)] {
    static FLAGS: OnceLock<Vec<(&'static str, Flag)>> = OnceLock::new();
    FLAGS.get_or_init(|| {
        let with_flag = || KEYS.iter().filter_map(|k| k.flag.map(|f| (k.key, f)));
        let mut v: Vec<_> = FLAG_ORDER
            .iter()
            .filter_map(|o| with_flag().find(|(k, _)| k == o))
            .collect();
        v.extend(with_flag().filter(|(k, _)| !FLAG_ORDER.contains(k)));
        v
    })
}

/// The required and the optional keys of every policy, by `Policy as usize` (`warmup` only where
/// the policy takes it).
pub(crate) fn key_lists() -> &'static [(Vec<&'static str>, Vec<&'static str>)] {
    static LISTS: OnceLock<Vec<(Vec<&'static str>, Vec<&'static str>)>> = OnceLock::new();
    LISTS.get_or_init(|| {
        POLICIES
            .iter()
            .map(|p| {
                let of = |n: Need| {
                    p.params
                        .iter()
                        .filter(move |(k, m)| *m == n && !(*k == "warmup" && p.no_warmup.is_some()))
                        .map(|(k, _)| *k)
                };
                (of(Need::Required).collect(), of(Need::Optional).collect())
            })
            .collect()
    })
}

macro_rules! need {
    (req) => {
        Need::Required
    };
    (opt) => {
        Need::Optional
    };
}

macro_rules! field_ty {
    (req $t:ty) => { $t };
    (opt $t:ty) => { Option<$t> };
}

macro_rules! take {
    (req $v:expr, $key:expr, $p:expr) => {
        $v.clone().ok_or_else(|| missing($p, $key))?
    };
    (opt $v:expr, $key:expr, $p:expr) => {
        $v.clone()
    };
}

macro_rules! no_warmup {
    () => {
        None
    };
    ($why:literal) => {
        Some($why)
    };
}

macro_rules! flag {
    () => {
        None
    };
    ($kind:ident $value:literal $help:literal) => {
        Some(Flag {
            kind: FlagKind::$kind,
            value_name: $value,
            help: $help,
        })
    };
}

/// Chains the families' macros: each appends its declarations and calls the next; the last
/// hands them all to [`define!`].
macro_rules! collect {
    ([] $($decls:tt)*) => {
        crate::schedule::registry::define! { $($decls)* }
    };
    ([$next:ident $($rest:ident)*] $($decls:tt)*) => {
        $next! { [$($rest)*] $($decls)* }
    };
}
pub(crate) use collect;

/// Writes [`Policy`], [`ScheduleConfig`], [`ScheduleSpec`] and their tables from every
/// declaration (see the [module documentation](self)).
macro_rules! define {
    (
        shared [ $(
            $(#[doc = $skdoc:literal])*
            $skey:ident : $skty:ty $(=> $sfkind:ident($sfvalue:literal, $sfhelp:literal))?
        ),* $(,)? ]
        $( {
            keys [ $(
                $(#[doc = $kdoc:literal])*
                $key:ident : $kty:ty $(=> $fkind:ident($fvalue:literal, $fhelp:literal))?
            ),* $(,)? ]
            policies [ $(
                $(#[doc = $pdoc:literal])*
                $V:ident = $pname:literal, $fam:ident {
                    formula: $formula:literal,
                    auto: [ $( ($akey:literal, $auto:ident) ),* $(,)? ],
                    $( no_warmup: $no_warmup:literal, )?
                    params: { $(
                        $(#[doc = $fdoc:literal])*
                        $mode:ident $field:ident : $fty:ty
                    ),* $(,)? },
                    build($total:ident): $build:block,
                    bounds: $bounds:block $(,)?
                }
            )* ]
        } )*
    ) => {
        /// Every learning-rate policy, by its config/CLI name (kebab-case).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Policy {
            $($( $(#[doc = $pdoc])* $V, )*)*
        }

        impl Policy {
            /// Every policy, in the order of the help text.
            pub const ALL: [Policy; [$($(stringify!($V),)*)*].len()] = [$($(Policy::$V,)*)*];
        }

        pub(crate) static POLICIES: &[PolicyInfo] = &[$($(
            PolicyInfo {
                name: $pname,
                formula: $formula,
                family: Family::$fam,
                params: &[$((stringify!($field), need!($mode)),)* ("warmup", Need::Optional)],
                auto: &[$(($akey, AutoLr::$auto),)*],
                no_warmup: no_warmup!($($no_warmup)?),
            },
        )*)*];

        /// A learning-rate policy as data. See the [module docs](super::config) for keys and
        /// defaults.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "policy", deny_unknown_fields)]
        pub enum ScheduleConfig {
            $($(
                $(#[doc = $pdoc])*
                #[serde(rename = $pname)]
                $V {
                    $(
                        $(#[doc = $fdoc])*
                        #[serde(skip_serializing_if = "crate::schedule::registry::absent")]
                        $field: field_ty!($mode $fty),
                    )*
                    /// Linear warm-up iterations (cyclr's, on top of the policy).
                    #[serde(default, skip_serializing_if = "Option::is_none")]
                    warmup: Option<u64>,
                },
            )*)*
        }

        impl ScheduleConfig {
            /// The policy.
            pub fn policy(&self) -> Policy {
                match self {
                    $($( Self::$V { .. } => Policy::$V, )*)*
                }
            }

            /// The `warmup` iterations, if any.
            pub fn warmup(&self) -> Option<u64> {
                match self {
                    $($( Self::$V { warmup, .. } => *warmup, )*)*
                }
            }

            /// The schedule without `warmup`, as its declaration builds it.
            #[allow(unused_variables, clippy::clone_on_copy, clippy::redundant_clone)]
            pub(super) fn build_declared(
                &self,
                total_iters: u64,
            ) -> Result<Box<dyn Schedule>, ParamError> {
                match self {
                    $($( Self::$V { $($field,)* .. } => {
                        $(let $field = $field.clone();)*
                        let $total = total_iters;
                        $build
                    } )*)*
                }
            }

            /// `(min, max)` of the lr without `warmup`, as its declaration computes it.
            #[allow(unused_variables, clippy::clone_on_copy, clippy::redundant_clone)]
            pub(super) fn bounds_declared(&self) -> (f64, f64) {
                match self {
                    $($( Self::$V { $($field,)* .. } => {
                        $(let $field = $field.clone();)*
                        $bounds
                    } )*)*
                }
            }
        }

        /// A policy with every parameter optional (see the [module documentation](super::spec)).
        ///
        /// Built from flags (`ScheduleSpec { base_lr: Some(1e-3), ..ScheduleSpec::new(Policy::Triangular) }`)
        /// or deserialized from TOML/JSON (`{ policy = "one-cycle", pct_start = 0.25 }`).
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct ScheduleSpec {
            /// The policy.
            pub policy: Policy,
            $(
                $(#[doc = $skdoc])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $skey: Option<$skty>,
            )*
            $($(
                $(#[doc = $kdoc])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $key: Option<$kty>,
            )*)*
            /// Keys that are no parameter of any policy, collected when deserializing so that
            /// [`resolve`](Self::resolve) can name them (with the closest known key). Empty when
            /// built in code.
            #[serde(flatten, skip_serializing)]
            pub unknown: BTreeMap<String, serde::de::IgnoredAny>,
        }

        /// Every key of [`ScheduleSpec`], in its order, with its flag.
        pub static KEYS: &[KeyInfo] = &[
            $( KeyInfo { key: stringify!($skey), flag: flag!($($sfkind $sfvalue $sfhelp)?) }, )*
            $($( KeyInfo { key: stringify!($key), flag: flag!($($fkind $fvalue $fhelp)?) }, )*)*
        ];

        impl ScheduleSpec {
            /// A spec of `policy` with no parameter given.
            pub fn new(policy: Policy) -> Self {
                ScheduleSpec {
                    policy,
                    $( $skey: None, )*
                    $($( $key: None, )*)*
                    unknown: BTreeMap::new(),
                }
            }

            /// Every key: `(key, is a float, the float's value, is given)`, in the spec's order.
            fn key_states(&self) -> Vec<(&'static str, bool, Option<f64>, bool)> {
                vec![
                    $( (
                        stringify!($skey),
                        <$skty as SpecValue>::FLOAT,
                        <$skty as SpecValue>::float(&self.$skey),
                        self.$skey.is_some(),
                    ), )*
                    $($( (
                        stringify!($key),
                        <$kty as SpecValue>::FLOAT,
                        <$kty as SpecValue>::float(&self.$key),
                        self.$key.is_some(),
                    ), )*)*
                ]
            }

            /// The float keys and their values (given or not), in the spec's order.
            pub(crate) fn floats(&self) -> Vec<(&'static str, Option<f64>)> {
                self.key_states()
                    .into_iter()
                    .filter(|s| s.1)
                    .map(|s| (s.0, s.2))
                    .collect()
            }

            /// Every key that is given (besides `policy`): the floats, then the others, each in
            /// the spec's order.
            pub fn given_keys(&self) -> Vec<&'static str> {
                let states = self.key_states();
                let given = |float: bool| {
                    states
                        .iter()
                        .filter(move |s| s.1 == float && s.3)
                        .map(|s| s.0)
                };
                given(true).chain(given(false)).collect()
            }

            /// The slot of a float key (`None` for other keys).
            pub(crate) fn float_slot(&mut self, key: &str) -> Option<&mut Option<f64>> {
                match key {
                    $( stringify!($skey) => <$skty as SpecValue>::float_slot(&mut self.$skey), )*
                    $($( stringify!($key) => <$kty as SpecValue>::float_slot(&mut self.$key), )*)*
                    _ => None,
                }
            }

            /// Set `key` from a JSON value, as a config file would give it. `Ok(false)`: no such
            /// key.
            pub fn set_json(
                &mut self,
                key: &str,
                value: serde_json::Value,
            ) -> Result<bool, serde_json::Error> {
                match key {
                    $( stringify!($skey) => self.$skey = Some(serde_json::from_value(value)?), )*
                    $($( stringify!($key) => self.$key = Some(serde_json::from_value(value)?), )*)*
                    _ => return Ok(false),
                }
                Ok(true)
            }

            /// The config, once every required key is present (checked by
            /// [`resolve`](Self::resolve)).
            pub(super) fn to_config(&self) -> Result<ScheduleConfig, SpecError> {
                let p = self.policy;
                Ok(match p {
                    $($( Policy::$V => ScheduleConfig::$V {
                        $( $field: take!($mode self.$field, stringify!($field), p), )*
                        warmup: self.warmup,
                    }, )*)*
                })
            }
        }
    };
}
pub(crate) use define;

collect! {
    [cyclical_policies one_cycle_policies restarts_policies baseline_policies
     transformers_policies nanogpt_policies compose_policies]
    shared [
        /// Lower bound of a cyclical policy.
        base_lr: f64 => Float("X", "Lower LR bound of a cyclical policy"),
        /// Upper bound (cyclical, one-cycle peak, SGDR peak).
        max_lr: f64 => Float("Y", "Upper LR bound (cyclical, one-cycle, sgdr)"),
        /// The learning rate of `fixed` and the starting rate of the decaying policies.
        lr: f64 => LrOrAuto(
            "X|auto",
            "Base LR of fixed/step/multistep/exp/inv/poly/sigmoid, transformers' policies and nanogpt-cosine; `auto` (train): take every learning rate not given from an LR range test"
        ),
        /// SGDR floor; nanogpt-cosine's floor.
        min_lr: f64 => Float(
            "Y",
            "SGDR: minimum LR (eta_min); nanogpt-cosine: the floor (nanoGPT min_lr; default --lr / 10)"
        ),
        /// Half cycle (cyclical), decay period (`step`), centre (`sigmoid`), in iterations.
        step_size: u64 => Count(
            "N",
            "Half-cycle length in iterations (cyclical: up phase; step/sigmoid: step length)"
        ),
        /// Falling edge of an asymmetric cycle.
        step_size_down: u64 => Count(
            "M",
            "Down-phase length of an asymmetric cycle (PyTorch step_size_down)"
        ),
        /// Decay factor.
        gamma: f64 => Float("G", "Decay factor (exp-range, step, multistep, exp, inv, sigmoid)"),
        /// Momentum at the learning-rate peak.
        base_momentum: f64 => Float("A", "Lowest momentum (reached at the LR peak)"),
        /// Momentum at the trough.
        max_momentum: f64 => Float("B", "Highest momentum (at the LR trough)"),
        /// One-cycle length (default: the run length).
        total_steps: u64,
        /// One-cycle implementation.
        style: OneCycleStyle => Choice(
            "pytorch|fastai",
            "One-cycle style: PyTorch OneCycleLR or fastai fit_one_cycle semantics"
        ),
        /// One-cycle warm-up fraction.
        pct_start: f64 => Float("P", "One-cycle: fraction of the cycle spent increasing the LR"),
        /// One-cycle annealing.
        anneal: Anneal => Choice("cos|linear", "One-cycle annealing: cos or linear"),
        /// One-cycle initial divisor.
        div: f64 => Float("D", "One-cycle: initial LR = max-lr / div"),
        /// One-cycle final divisor.
        final_div: f64 => Float(
            "F",
            "One-cycle: final LR divisor (pytorch: of the initial LR; fastai: of max-lr)"
        ),
        /// PyTorch's three-phase one-cycle.
        three_phase: bool => Switch("", "One-cycle: PyTorch three-phase variant"),
        /// Whether one-cycle cycles momentum.
        cycle_momentum: bool => Bool(
            "true|false",
            "One-cycle: cycle momentum inversely to the LR between --max-momentum and --base-momentum (PyTorch `cycle_momentum`; default true)"
        ),
        /// SGDR first period.
        t0: u64 => Count("N", "SGDR: first cycle length (T_0)"),
        /// SGDR period growth.
        t_mult: u64 => Count("M", "SGDR: cycle length multiplier (T_mult)"),
        /// Multistep decay points / sequence switch points.
        milestones: Vec<u64> => List("a,b,c", "Multistep milestones, comma-separated, increasing"),
        /// Exponent of `inv` / `poly`.
        power: f64 => Float("P", "Exponent of inv/poly"),
        /// `poly`: iterations to reach 0.
        max_iter: u64 => Count("N", "Poly: iteration at which the LR reaches 0"),
        /// Linear warm-up iterations (any policy but nanogpt-cosine, which has `warmup_iters`).
        warmup: u64 => Count(
            "N",
            "Linear warm-up over the first N iterations (any policy but nanogpt-cosine, which has --warmup-iters)"
        ),
        /// The parts of a `sequence`.
        schedules: Vec<ScheduleConfig>,
        /// transformers: warm-up steps (`t/N` from 0).
        num_warmup_steps: u64 => Count("N", "transformers policies: warm-up steps (lr x t/N from 0)"),
        /// transformers: training steps (default: the run length).
        num_training_steps: u64 => Count(
            "N",
            "transformers policies: training steps (default: --iters)"
        ),
        /// transformers: cosine waves (cosine, hard restarts, WSD's cosine decay).
        num_cycles: f64 => Float(
            "C",
            "cosine-with-warmup, cosine-with-hard-restarts, wsd: number of cosine waves"
        ),
        /// transformers `cosine`: the floor as a fraction of `lr`.
        min_lr_rate: f64 => Float("R", "cosine-with-warmup: floor as a fraction of --lr"),
        /// transformers `polynomial`: the final learning rate.
        lr_end: f64 => Float("X", "polynomial-with-warmup: final learning rate"),
        /// transformers `inverse_sqrt`: the time scale.
        timescale: u64 => Count(
            "N",
            "inverse-sqrt: time scale (default --num-warmup-steps, or 10000 if 0)"
        ),
        /// WSD: decay steps.
        num_decay_steps: u64 => Count("N", "wsd: decay steps"),
        /// WSD: stable steps (instead of `num_training_steps`).
        num_stable_steps: u64 => Count(
            "N",
            "wsd: stable steps (instead of --num-training-steps)"
        ),
        /// WSD: warm-up shape.
        warmup_type: WsdCurve => Choice("linear|cosine|1-sqrt", "wsd: warm-up shape"),
        /// WSD: decay shape.
        decay_type: WsdCurve => Choice("linear|cosine|1-sqrt", "wsd: decay shape"),
        /// WSD: the floor as a fraction of `lr`.
        min_lr_ratio: f64 => Float("R", "wsd: floor as a fraction of --lr"),
    ]
}
