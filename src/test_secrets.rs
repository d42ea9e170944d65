//! The unit tests' leak check: the same list of test secrets and the same checks as the
//! integration tests' harness (`tests/support/secret_check.rs`, included here), so every error
//! a unit test looks at through [`CleanErr`] is checked for them.
#![allow(dead_code)]

include!("../tests/support/secret_check.rs");
