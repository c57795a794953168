//! Optional noise on published survey figures: the discrete Laplace
//! (two-sided geometric) mechanism, sampled exactly with integer
//! arithmetic as Canonne, Kamath and Steinke describe ("The Discrete
//! Gaussian for Differential Privacy", 2020, algorithms 1 and 2), so no
//! floating-point rounding leaks through the low bits of a sample.
//!
//! A sample `Z` has `P(Z = z) ∝ exp(-|z| · s / t)` for positive integers
//! `s` and `t`; with `s / t = ε / Δ` it makes a count of sensitivity `Δ`
//! ε-differentially private. Its variance is `2e^-a / (1 - e^-a)^2` with
//! `a = s / t`. Randomness comes from the operating system; tests use a
//! seeded source.

use crate::error::EngineError;

/// Uniform integers, the only randomness the sampler needs.
pub trait RandomSource {
    /// A uniform integer in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> Result<u64, EngineError>;
}

/// The operating system's CSPRNG, by rejection sampling (no modulo bias).
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

impl RandomSource for OsRandom {
    fn below(&mut self, n: u64) -> Result<u64, EngineError> {
        let n = n.max(1);
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let bytes = tutela_vault::try_random_bytes::<8>()
                .map_err(|_| EngineError::RandomnessUnavailable)?;
            let x = u64::from_le_bytes(bytes);
            if x < zone {
                return Ok(x % n);
            }
        }
    }
}

/// A reproducible source (SplitMix64) for tests and benchmarks; never for
/// noise that is published.
#[derive(Debug, Clone)]
pub struct SeededRandom(u64);

impl SeededRandom {
    /// A source starting at `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl RandomSource for SeededRandom {
    fn below(&mut self, n: u64) -> Result<u64, EngineError> {
        let n = n.max(1);
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let x = self.next();
            if x < zone {
                return Ok(x % n);
            }
        }
    }
}

/// Bernoulli(num / den), `num <= den`, `den > 0`.
fn bernoulli(rng: &mut dyn RandomSource, num: u64, den: u64) -> Result<bool, EngineError> {
    Ok(rng.below(den)? < num)
}

/// Bernoulli(exp(-num / den)) for `0 <= num / den <= 1` (algorithm 1).
fn bernoulli_exp_small(
    rng: &mut dyn RandomSource,
    num: u64,
    den: u64,
) -> Result<bool, EngineError> {
    let mut k: u64 = 1;
    loop {
        let Some(scaled) = den.checked_mul(k) else {
            // exp(-x) terms this deep are below any u64 resolution.
            return Ok(k % 2 == 1);
        };
        if !bernoulli(rng, num, scaled)? {
            return Ok(k % 2 == 1);
        }
        k += 1;
    }
}

/// Bernoulli(exp(-num / den)) for any `num / den >= 0`.
fn bernoulli_exp(rng: &mut dyn RandomSource, num: u64, den: u64) -> Result<bool, EngineError> {
    let whole = num / den;
    for _ in 0..whole {
        if !bernoulli_exp_small(rng, 1, 1)? {
            return Ok(false);
        }
    }
    bernoulli_exp_small(rng, num % den, den)
}

/// One sample with `P(Z = z) ∝ exp(-|z| · s / t)` (algorithm 2).
pub fn discrete_laplace(rng: &mut dyn RandomSource, s: u64, t: u64) -> Result<i64, EngineError> {
    let (s, t) = (s.max(1), t.max(1));
    loop {
        let u = rng.below(t)?;
        if !bernoulli_exp(rng, u, t)? {
            continue;
        }
        let mut v: u64 = 0;
        while bernoulli_exp_small(rng, 1, 1)? {
            v = v.saturating_add(1);
        }
        let x = u.saturating_add(t.saturating_mul(v));
        let y = i64::try_from(x / s).unwrap_or(i64::MAX);
        let negative = bernoulli(rng, 1, 2)?;
        if negative && y == 0 {
            continue;
        }
        return Ok(if negative { -y } else { y });
    }
}

/// A count with noise added, never below zero (clamping is
/// post-processing, which costs no privacy).
pub fn noisy_count(
    rng: &mut dyn RandomSource,
    count: u64,
    s: u64,
    t: u64,
) -> Result<u64, EngineError> {
    let z = discrete_laplace(rng, s, t)?;
    let base = i64::try_from(count).unwrap_or(i64::MAX);
    Ok(u64::try_from(base.saturating_add(z)).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moments(s: u64, t: u64, n: usize, seed: u64) -> (f64, f64) {
        let mut rng = SeededRandom::new(seed);
        let samples: Vec<f64> = (0..n)
            .map(|_| discrete_laplace(&mut rng, s, t).unwrap() as f64)
            .collect();
        let mean = samples.iter().sum::<f64>() / n as f64;
        let var = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0);
        (mean, var)
    }

    fn expected_variance(a: f64) -> f64 {
        2.0 * (-a).exp() / (1.0 - (-a).exp()).powi(2)
    }

    #[test]
    fn samples_have_mean_zero_and_the_discrete_laplace_variance() {
        for (s, t, seed) in [(1, 1, 1), (1, 2, 2), (3, 2, 3), (1, 10, 4)] {
            let (mean, var) = moments(s, t, 100_000, seed);
            let want = expected_variance(s as f64 / t as f64);
            // Standard error of the mean is sqrt(var / n): 5 of them.
            assert!(
                mean.abs() < 5.0 * (want / 100_000.0).sqrt(),
                "{s}/{t}: mean {mean}"
            );
            assert!(
                (var / want - 1.0).abs() < 0.04,
                "{s}/{t}: var {var} want {want}"
            );
        }
    }

    #[test]
    fn the_probability_of_zero_matches_the_distribution() {
        // P(0) = (1 - e^-a) / (1 + e^-a).
        let mut rng = SeededRandom::new(9);
        let n = 100_000;
        let zeros = (0..n)
            .filter(|_| discrete_laplace(&mut rng, 1, 1).unwrap() == 0)
            .count();
        let want = (1.0 - (-1f64).exp()) / (1.0 + (-1f64).exp());
        assert!((zeros as f64 / n as f64 - want).abs() < 0.01);
    }

    #[test]
    fn exp_bernoulli_has_its_probability() {
        let mut rng = SeededRandom::new(5);
        let n = 100_000;
        for (num, den) in [(1u64, 1u64), (1, 3), (5, 2)] {
            let hits = (0..n)
                .filter(|_| bernoulli_exp(&mut rng, num, den).unwrap())
                .count();
            let want = (-(num as f64) / den as f64).exp();
            assert!((hits as f64 / n as f64 - want).abs() < 0.01, "{num}/{den}");
        }
    }

    #[test]
    fn noisy_counts_centre_on_the_count_and_clamp_at_zero() {
        let mut rng = SeededRandom::new(3);
        let n = 20_000u64;
        let sum: u64 = (0..n)
            .map(|_| noisy_count(&mut rng, 1000, 1, 1).unwrap())
            .sum();
        assert!((sum as f64 / n as f64 - 1000.0).abs() < 0.1);
        let zeros = (0..n)
            .filter(|_| noisy_count(&mut rng, 0, 1, 1).unwrap() == 0)
            .count();
        // P(Z <= 0) = (1 + P(0)) / 2, about 0.73 for a = 1.
        assert!((zeros as f64 / n as f64 - 0.731).abs() < 0.02);
    }

    #[test]
    fn the_os_source_stays_in_range() {
        let mut rng = OsRandom;
        assert!((0..1000).all(|_| rng.below(7).unwrap() < 7));
    }
}
