//! burn glue
