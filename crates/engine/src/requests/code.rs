//! One-time verification codes (Art. 12(6)): 50 random bits from the OS
//! RNG, shown as two groups of five characters from Crockford's base32
//! (no I, L, O or U, so nothing is misread), stored only as a keyed hash.
//! A code expires after [`CODE_TTL`], is used once, and locks after
//! [`MAX_WRONG_CODES`] wrong tries until a new one is sent; new codes are
//! sent at most every [`RESEND_INTERVAL`] and [`MAX_CODES_SENT`] times.

use super::error::RequestError;
use jiff::{SignedDuration, Timestamp};

/// How long a code stays valid: long enough to read a message, short
/// enough that a leaked one is soon useless.
pub const CODE_TTL: SignedDuration = SignedDuration::from_mins(30);
/// Wrong tries before a code locks: 5 guesses at 2^-50 each.
pub const MAX_WRONG_CODES: u32 = 5;
/// The least time between two codes for one request.
pub const RESEND_INTERVAL: SignedDuration = SignedDuration::from_mins(1);
/// The most codes one request may be sent.
pub const MAX_CODES_SENT: u32 = 5;
/// Characters of a code, without the separator.
const CODE_CHARS: usize = 10;
/// Crockford's base32 alphabet.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The code from 8 random bytes: their low 50 bits as `XXXXX-XXXXX`.
pub fn encode(random: [u8; 8]) -> String {
    let mut bits = u64::from_be_bytes(random);
    let mut chars = Vec::with_capacity(CODE_CHARS);
    for _ in 0..CODE_CHARS {
        let index = usize::try_from(bits & 31).unwrap_or_default();
        chars.push(ALPHABET.get(index).copied().unwrap_or(b'0'));
        bits >>= 5;
    }
    let text: String = chars.into_iter().map(char::from).collect();
    let (head, tail) = text.split_at(CODE_CHARS / 2);
    format!("{head}-{tail}")
}

/// A fresh code from the OS RNG.
pub fn generate() -> Result<String, RequestError> {
    tutela_vault::try_random_bytes::<8>()
        .map(encode)
        .map_err(|_| RequestError::NotifyFailed)
}

/// The canonical form of a code as typed: case, spaces and dashes do not
/// matter, and O, I, L read as 0, 1, 1. `None` if it cannot be a code.
pub fn normalize(typed: &str) -> Option<String> {
    let mut chars = Vec::with_capacity(CODE_CHARS);
    for c in typed.chars() {
        let c = match c.to_ascii_uppercase() {
            ' ' | '-' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        };
        if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) || chars.len() == CODE_CHARS {
            return None;
        }
        chars.push(c);
    }
    if chars.len() != CODE_CHARS {
        return None;
    }
    let text: String = chars.into_iter().collect();
    let (head, tail) = text.split_at(CODE_CHARS / 2);
    Some(format!("{head}-{tail}"))
}

/// A request's code, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeState {
    /// The keyed hash of the pending code; `None` when none is pending.
    pub hash: Option<[u8; 32]>,
    /// When the pending code expires.
    pub expires_at: Option<Timestamp>,
    /// Wrong tries against the pending code.
    pub attempts: u32,
    /// Codes sent for this request.
    pub sent: u32,
    /// When the last code was sent.
    pub last_sent_at: Option<Timestamp>,
}

/// What checking a typed code decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Right: the code is consumed (the new state has no code).
    Accepted(CodeState),
    /// Wrong: record the new state (one more try) and answer the error.
    Wrong(CodeState, RequestError),
    /// Refused without counting a try (none pending, expired, locked).
    Refused(RequestError),
}

impl CodeState {
    /// Whether a new code may be sent at `now`.
    pub fn may_send(&self, now: Timestamp) -> Result<(), RequestError> {
        if self.sent >= MAX_CODES_SENT {
            return Err(RequestError::CodeRateLimited(
                "at most 5 codes are sent per request; verify by other means",
            ));
        }
        if let Some(last) = self.last_sent_at
            && now < last.saturating_add(RESEND_INTERVAL).unwrap_or(last)
        {
            return Err(RequestError::CodeRateLimited(
                "at most one code a minute is sent",
            ));
        }
        Ok(())
    }

    /// The state once a code hashing to `hash` was sent at `now`: the old
    /// code and its wrong tries are gone.
    pub fn issued(&self, now: Timestamp, hash: [u8; 32]) -> Self {
        Self {
            hash: Some(hash),
            expires_at: now.saturating_add(CODE_TTL).ok(),
            attempts: 0,
            sent: self.sent.saturating_add(1),
            last_sent_at: Some(now),
        }
    }

    /// Checks a typed code at `now`; `matches` compares it with the stored
    /// hash (in constant time) and is called only if a code is pending.
    pub fn check(&self, now: Timestamp, matches: impl FnOnce(&[u8; 32]) -> bool) -> Verdict {
        let Some(hash) = &self.hash else {
            return Verdict::Refused(RequestError::NoCode);
        };
        if self.attempts >= MAX_WRONG_CODES {
            return Verdict::Refused(RequestError::CodeLocked);
        }
        if self.expires_at.is_none_or(|end| now >= end) {
            return Verdict::Refused(RequestError::CodeExpired);
        }
        if matches(hash) {
            let consumed = Self {
                hash: None,
                expires_at: None,
                ..self.clone()
            };
            return Verdict::Accepted(consumed);
        }
        let attempts = self.attempts.saturating_add(1);
        let left = MAX_WRONG_CODES.saturating_sub(attempts);
        let state = Self {
            attempts,
            ..self.clone()
        };
        Verdict::Wrong(state, RequestError::WrongCode { left })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn codes_carry_fifty_bits_in_two_groups() {
        assert_eq!(encode([0; 8]), "00000-00000");
        let all = encode([0xff; 8]);
        assert_eq!(all, "ZZZZZ-ZZZZZ");
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 11);
        assert_eq!(normalize(&a).as_deref(), Some(a.as_str()));
    }

    #[test]
    fn typing_is_forgiving_but_not_loose() {
        assert_eq!(normalize("abcde 0o1il").as_deref(), Some("ABCDE-00111"));
        assert_eq!(normalize("ABCDE-FGHJK").as_deref(), Some("ABCDE-FGHJK"));
        for bad in ["", "ABCDE", "ABCDE-FGHJKM", "ABCDE-FGHJU", "ÄBCDE-FGHJK"] {
            assert_eq!(normalize(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_code_is_used_once_and_expires() {
        let now = at("2027-01-01T10:00:00Z");
        let state = CodeState::default().issued(now, [1; 32]);
        let Verdict::Accepted(used) = state.check(now, |h| *h == [1; 32]) else {
            panic!("accepted");
        };
        assert_eq!(
            used.check(now, |_| true),
            Verdict::Refused(RequestError::NoCode)
        );
        let late = now.saturating_add(CODE_TTL).unwrap();
        assert_eq!(
            state.check(late, |_| true),
            Verdict::Refused(RequestError::CodeExpired)
        );
    }

    #[test]
    fn five_wrong_tries_lock_until_a_new_code() {
        let now = at("2027-01-01T10:00:00Z");
        let mut state = CodeState::default().issued(now, [1; 32]);
        for left in (0..MAX_WRONG_CODES).rev() {
            match state.check(now, |_| false) {
                Verdict::Wrong(next, err) => {
                    assert_eq!(err, RequestError::WrongCode { left });
                    state = next;
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(
            state.check(now, |_| true),
            Verdict::Refused(RequestError::CodeLocked)
        );
        let later = now.saturating_add(RESEND_INTERVAL).unwrap();
        let fresh = state.issued(later, [2; 32]);
        assert!(matches!(fresh.check(later, |_| true), Verdict::Accepted(_)));
    }

    #[test]
    fn sending_is_rate_limited() {
        let now = at("2027-01-01T10:00:00Z");
        let mut state = CodeState::default();
        assert!(state.may_send(now).is_ok());
        state = state.issued(now, [1; 32]);
        let soon = now.saturating_add(SignedDuration::from_secs(59)).unwrap();
        assert_eq!(
            state.may_send(soon).unwrap_err().code(),
            "E_CODE_RATE_LIMITED"
        );
        let mut t = now;
        for _ in 1..MAX_CODES_SENT {
            t = t.saturating_add(RESEND_INTERVAL).unwrap();
            assert!(state.may_send(t).is_ok());
            state = state.issued(t, [1; 32]);
        }
        let much_later = t.saturating_add(SignedDuration::from_hours(5)).unwrap();
        assert_eq!(
            state.may_send(much_later).unwrap_err().code(),
            "E_CODE_RATE_LIMITED"
        );
    }
}
