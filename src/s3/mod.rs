//! The S3 client and its operations.

pub mod xml;
