//! Parameter validation shared by the schedule constructors. Every check returns a
//! [`ParamError`] naming the parameter (snake_case, as in the config keys), its value and the
//! valid range.
use crate::ParamError;

/// `value` must be finite and `> 0`.
pub(crate) fn positive(param: &str, value: f64) -> Result<(), ParamError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(ParamError::new(param, value, "must be finite and > 0"))
    }
}

/// Largest learning rate accepted anywhere (so that no intermediate such as `2·(max − min)`
/// can overflow).
pub(crate) const MAX_LR: f64 = 1e300;

/// A learning rate: finite, `> 0` and `≤ 1e300`.
pub(crate) fn lr(param: &str, value: f64) -> Result<(), ParamError> {
    if value.is_finite() && value > 0.0 && value <= MAX_LR {
        Ok(())
    } else {
        Err(ParamError::new(param, value, "must be > 0 and ≤ 1e300"))
    }
}

/// A learning rate derived as `num / den` (e.g. `max_lr / div`): blames `param` (the divisor)
/// when the quotient is not a valid learning rate.
pub(crate) fn derived_lr(
    param: &str,
    den: f64,
    quotient: f64,
    what: &str,
) -> Result<(), ParamError> {
    if quotient.is_finite() && quotient > 0.0 && quotient <= MAX_LR {
        Ok(())
    } else {
        Err(ParamError::new(
            param,
            den,
            format!("`{what}` = {quotient} must be > 0 and ≤ 1e300"),
        ))
    }
}

/// `value` must be finite and `≥ 0`.
pub(crate) fn non_negative(param: &str, value: f64) -> Result<(), ParamError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(ParamError::new(param, value, "must be finite and ≥ 0"))
    }
}

/// `value` must be finite (any sign).
pub(crate) fn finite(param: &str, value: f64) -> Result<(), ParamError> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(ParamError::new(param, value, "must be finite"))
    }
}

/// Two learning rates with `lo < hi`.
pub(crate) fn lr_pair(lo_name: &str, lo: f64, hi_name: &str, hi: f64) -> Result<(), ParamError> {
    lr(lo_name, lo)?;
    lr(hi_name, hi)?;
    if lo >= hi {
        return Err(ParamError::new(
            lo_name,
            lo,
            format!("must be < `{hi_name}` ({hi})"),
        ));
    }
    Ok(())
}

/// An iteration count that must be `≥ 1`.
pub(crate) fn at_least_one(param: &str, value: u64) -> Result<(), ParamError> {
    if value >= 1 {
        Ok(())
    } else {
        Err(ParamError::new(param, value, "must be ≥ 1"))
    }
}

/// A decay factor in `(0, 1]`.
pub(crate) fn gamma(param: &str, value: f64) -> Result<(), ParamError> {
    if value.is_finite() && value > 0.0 && value <= 1.0 {
        Ok(())
    } else {
        Err(ParamError::new(param, value, "must be in (0, 1]"))
    }
}

/// A fraction in the open interval `(0, 1)`.
pub(crate) fn open_unit(param: &str, value: f64) -> Result<(), ParamError> {
    if value.is_finite() && value > 0.0 && value < 1.0 {
        Ok(())
    } else {
        Err(ParamError::new(param, value, "must be in (0, 1)"))
    }
}

/// A momentum (SGD momentum or Adam β1) in `[0, 1)`.
pub(crate) fn momentum(param: &str, value: f64) -> Result<(), ParamError> {
    if value.is_finite() && (0.0..1.0).contains(&value) {
        Ok(())
    } else {
        Err(ParamError::new(param, value, "must be in [0, 1)"))
    }
}

/// `base_momentum ≤ max_momentum`, both in `[0, 1)`.
pub(crate) fn momentum_pair(base_m: f64, max_m: f64) -> Result<(), ParamError> {
    momentum("base_momentum", base_m)?;
    momentum("max_momentum", max_m)?;
    if base_m > max_m {
        return Err(ParamError::new(
            "base_momentum",
            base_m,
            format!("must be ≤ `max_momentum` ({max_m})"),
        ));
    }
    Ok(())
}

/// An error about `key`, which was not given (`given` false) and stood for the run length: say
/// so (`total_steps`, `num_training_steps` default to the run length).
pub(crate) fn run_length_note(mut e: ParamError, key: &str, given: bool) -> ParamError {
    if !given && (e.param == key || e.valid.contains(&format!("`{key}`"))) {
        e.valid
            .push_str(&format!(" (`{key}` was not given: it is the run length)"));
    }
    e
}
