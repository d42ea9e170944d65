//! Credential providers and the AWS default chain.
