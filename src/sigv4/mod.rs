//! AWS Signature Version 4, pure: no I/O, no clock, no environment.
pub mod encode;
