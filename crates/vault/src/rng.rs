//! The single door to OS randomness, and the single place where the
//! infallible convenience functions give up.
//!
//! Every key and nonce comes from [`getrandom::fill`] (the kernel CSPRNG).
//! There is no user-space generator to seed, fork or get wrong.

use crate::error::VaultError;

/// `N` bytes from the operating system's CSPRNG (re-exported as
/// `try_random_bytes`, for one-time codes built outside the vault).
pub fn random_array<const N: usize>() -> Result<[u8; N], VaultError> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|_| VaultError::RandomnessUnavailable)?;
    Ok(out)
}

/// Unwraps the result of a `try_*` function for its infallible twin.
///
/// The only errors that reach here are "the OS has no randomness" (which on
/// supported platforms does not happen once the system has booted) and "the
/// plaintext is over 256 GiB". Carrying on after either would mean a zero
/// nonce or a silently dropped value, so stopping is the only safe answer.
/// The message is a fixed string from [`VaultError`]: it holds no secret.
pub(crate) fn or_fail<T>(result: Result<T, VaultError>) -> T {
    match result {
        Ok(value) => value,
        Err(err) => fail(err),
    }
}

#[cold]
#[inline(never)]
#[expect(
    clippy::panic,
    reason = "the one documented stop: no randomness or an impossible plaintext size; see or_fail"
)]
fn fail(err: VaultError) -> ! {
    panic!("tutela-vault: {err} ({})", err.code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_arrays_differ() {
        let a: [u8; 32] = or_fail(random_array());
        let b: [u8; 32] = or_fail(random_array());
        assert_ne!(a, b);
    }

    #[test]
    #[should_panic(expected = "E_RANDOMNESS_UNAVAILABLE")]
    fn failure_names_the_code_only() {
        let _: u8 = or_fail(Err(VaultError::RandomnessUnavailable));
    }
}
