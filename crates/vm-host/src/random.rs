//! The randomness adapter.

/// The source of randomness could not deliver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the random source failed")]
pub struct RandomError;

/// Cryptographically secure random bytes (what WASI `random_get` promises).
pub trait Random: Send + Sync {
    /// Fills `buffer` completely.
    fn fill(&self, buffer: &mut [u8]) -> Result<(), RandomError>;
}
