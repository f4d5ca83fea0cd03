//! Errors shared by the schedule constructors and the range-test engine.
use std::fmt;

/// A parameter that failed validation: names the parameter, the bad value and what is valid.
///
/// Displayed as: `` invalid `base_lr` = 0.2: must be < `max_lr` (0.1) ``.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamError {
    /// The parameter's name as the user wrote it (snake_case, as in the config/TOML keys).
    pub param: String,
    /// The offending value, rendered for humans.
    pub value: String,
    /// What would have been valid.
    pub valid: String,
}

impl ParamError {
    /// Build an error for parameter `param` with bad `value` and a description of the valid range.
    pub fn new(
        param: impl Into<String>,
        value: impl fmt::Display,
        valid: impl Into<String>,
    ) -> Self {
        Self {
            param: param.into(),
            value: value.to_string(),
            valid: valid.into(),
        }
    }
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid `{}` = {}: {}",
            self.param, self.value, self.valid
        )
    }
}

impl std::error::Error for ParamError {}
