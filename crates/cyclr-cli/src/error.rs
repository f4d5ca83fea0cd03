//! Errors of the command line: usage errors exit 2, failures while running exit 1.
use std::fmt;

/// An error the binary reports and exits on.
#[derive(Debug)]
pub enum CliError {
    /// Bad flag, value, config or input file: the user must change what they asked for (exit 2).
    Usage(String),
    /// Something failed while running (I/O, divergence, …) (exit 1).
    Runtime(String),
    /// Stopped by Ctrl-C after saving what could be saved (exit 130, as a shell reports SIGINT).
    Interrupted(String),
}

impl CliError {
    pub fn usage(msg: impl fmt::Display) -> Self {
        Self::Usage(msg.to_string())
    }
    pub fn runtime(msg: impl fmt::Display) -> Self {
        Self::Runtime(msg.to_string())
    }
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => 2,
            Self::Runtime(_) => 1,
            Self::Interrupted(_) => 130,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usage(m) | Self::Runtime(m) | Self::Interrupted(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for CliError {}

impl From<cyclr::ParamError> for CliError {
    fn from(e: cyclr::ParamError) -> Self {
        Self::Usage(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, CliError>;
