//! Authenticated principals kept for a few seconds, so that a busy key costs
//! no store read per request. Entries are keyed by the SHA-256 of the
//! token's secret (never the token), hold only keys that authenticated, and
//! live at most [`AUTH_CACHE_TTL`] by the engine's clock.
//!
//! Revocation: the engine that revokes a key drops it from its own cache
//! before answering, so it refuses the key at once. Another engine sharing
//! the database keeps accepting the key until its entry expires: at most
//! [`AUTH_CACHE_TTL`] after the revocation committed. That is the bounded,
//! documented delay.

use crate::ids::TenantId;
use crate::principal::Principal;
use jiff::{SignedDuration, Timestamp};
use std::collections::HashMap;
use std::sync::Mutex;

/// How long an authenticated key is trusted without asking the store again,
/// and so the longest a key revoked on one server stays usable on another.
/// Short enough that a revocation takes effect everywhere before a human
/// could check it; long enough that a key making hundreds of requests a
/// second costs one store read per 5 seconds instead of one per request.
pub const AUTH_CACHE_TTL: SignedDuration = SignedDuration::from_secs(5);

/// At most this many keys are cached (a few hundred bytes each). Only keys
/// that authenticated get in, so random tokens cannot grow it; a deployment
/// with more keys busy within one TTL simply reads the store more often.
pub const AUTH_CACHE_CAPACITY: usize = 4096;

/// The cache. Its `Debug` shows a count, never a hash.
pub(crate) struct AuthCache {
    inner: Mutex<Inner>,
    ttl: SignedDuration,
    capacity: usize,
}

struct Inner {
    entries: HashMap<[u8; 32], Entry>,
    /// Bumped by every [`AuthCache::forget`], so that a lookup that read the
    /// store before a revocation cannot cache the key after it.
    generation: u64,
}

struct Entry {
    principal: Principal,
    cached_at: Timestamp,
}

impl std::fmt::Debug for AuthCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthCache")
            .field("entries", &self.lock().entries.len())
            .finish_non_exhaustive()
    }
}

impl Default for AuthCache {
    fn default() -> Self {
        Self::new(AUTH_CACHE_TTL, AUTH_CACHE_CAPACITY)
    }
}

impl AuthCache {
    /// An empty cache keeping entries `ttl`, at most `capacity` of them.
    pub(crate) fn new(ttl: SignedDuration, capacity: usize) -> Self {
        Self {
            inner: Mutex::new(Inner {
                entries: HashMap::new(),
                generation: 0,
            }),
            ttl,
            capacity,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn fresh(&self, entry: &Entry, now: Timestamp) -> bool {
        // A clock set back makes an entry stale rather than longer-lived.
        entry.cached_at <= now && now.duration_since(entry.cached_at) < self.ttl
    }

    /// The principal cached for this secret hash in `tenant`, if still
    /// fresh. A hash cached for another tenant is a miss: the store, which
    /// looks keys up by (tenant, hash), decides.
    pub(crate) fn get(
        &self,
        tenant: &TenantId,
        hash: &[u8; 32],
        now: Timestamp,
    ) -> Option<Principal> {
        let mut inner = self.lock();
        let entry = inner.entries.get(hash)?;
        if !self.fresh(entry, now) {
            inner.entries.remove(hash);
            return None;
        }
        (&entry.principal.tenant == tenant).then(|| entry.principal.clone())
    }

    /// The current generation; pass it to [`AuthCache::put`] after reading
    /// the store.
    pub(crate) fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// Caches a principal that just authenticated, unless a key was
    /// forgotten since `generation` was taken (its store read may predate
    /// that revocation). When full, expired entries go first, then the
    /// oldest one.
    pub(crate) fn put(
        &self,
        hash: [u8; 32],
        principal: Principal,
        now: Timestamp,
        generation: u64,
    ) {
        if self.capacity == 0 {
            return;
        }
        let mut inner = self.lock();
        if inner.generation != generation {
            return;
        }
        if inner.entries.len() >= self.capacity && !inner.entries.contains_key(&hash) {
            inner.entries.retain(|_, e| self.fresh(e, now));
            if inner.entries.len() >= self.capacity {
                let oldest = inner
                    .entries
                    .iter()
                    .min_by_key(|(_, e)| e.cached_at)
                    .map(|(h, _)| *h);
                if let Some(oldest) = oldest {
                    inner.entries.remove(&oldest);
                }
            }
        }
        inner.entries.insert(
            hash,
            Entry {
                principal,
                cached_at: now,
            },
        );
    }

    /// Drops the key with this secret hash, at once, and keeps any lookup
    /// already in flight from caching it again.
    pub(crate) fn forget(&self, hash: &[u8; 32]) {
        let mut inner = self.lock();
        inner.generation = inner.generation.wrapping_add(1);
        inner.entries.remove(hash);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ApiKeyId;
    use crate::principal::Role;

    fn t0() -> Timestamp {
        "2026-03-01T09:00:00Z".parse().unwrap()
    }

    fn later(secs: i64) -> Timestamp {
        t0() + SignedDuration::from_secs(secs)
    }

    fn acme() -> TenantId {
        TenantId::parse("acme").unwrap()
    }

    fn principal(tenant: &TenantId) -> Principal {
        Principal::for_key(
            tenant.clone(),
            ApiKeyId::new(),
            Role::Service,
            vec![],
            false,
        )
    }

    #[test]
    fn an_entry_lives_exactly_the_ttl() {
        let cache = AuthCache::default();
        let p = principal(&acme());
        cache.put([1; 32], p.clone(), t0(), cache.generation());
        assert_eq!(cache.get(&acme(), &[1; 32], t0()), Some(p.clone()));
        let just_before = t0() + AUTH_CACHE_TTL - SignedDuration::from_millis(1);
        assert_eq!(cache.get(&acme(), &[1; 32], just_before), Some(p));
        assert_eq!(cache.get(&acme(), &[1; 32], t0() + AUTH_CACHE_TTL), None);
        assert_eq!(cache.len(), 0, "an expired entry is dropped when found");
    }

    #[test]
    fn a_clock_set_back_makes_entries_stale() {
        let cache = AuthCache::default();
        cache.put([1; 32], principal(&acme()), later(10), cache.generation());
        assert_eq!(cache.get(&acme(), &[1; 32], later(9)), None);
    }

    #[test]
    fn a_hash_is_found_only_in_its_own_tenant() {
        let cache = AuthCache::default();
        cache.put([1; 32], principal(&acme()), t0(), cache.generation());
        let other = TenantId::parse("globex").unwrap();
        assert_eq!(cache.get(&other, &[1; 32], t0()), None);
        assert_eq!(cache.get(&acme(), &[2; 32], t0()), None);
    }

    #[test]
    fn forgetting_a_key_is_immediate_and_beats_a_lookup_in_flight() {
        let cache = AuthCache::default();
        cache.put([1; 32], principal(&acme()), t0(), cache.generation());
        cache.put([2; 32], principal(&acme()), t0(), cache.generation());
        // A lookup for key 1 reads the store before the revocation...
        let before = cache.generation();
        cache.forget(&[1; 32]);
        assert_eq!(cache.get(&acme(), &[1; 32], t0()), None);
        // ...and may not cache what it read afterwards.
        cache.put([1; 32], principal(&acme()), t0(), before);
        assert_eq!(cache.get(&acme(), &[1; 32], t0()), None);
        // Other keys stay cached; a lookup started now may cache again.
        assert!(cache.get(&acme(), &[2; 32], t0()).is_some());
        cache.put([1; 32], principal(&acme()), t0(), cache.generation());
        assert!(cache.get(&acme(), &[1; 32], t0()).is_some());
    }

    #[test]
    fn a_full_cache_drops_expired_entries_then_the_oldest() {
        let cache = AuthCache::new(AUTH_CACHE_TTL, 3);
        let g = cache.generation();
        cache.put([1; 32], principal(&acme()), later(0), g);
        cache.put([2; 32], principal(&acme()), later(3), g);
        cache.put([3; 32], principal(&acme()), later(4), g);
        // At 6 s the first has expired: it makes room.
        cache.put([4; 32], principal(&acme()), later(6), g);
        assert_eq!(cache.len(), 3);
        assert!(cache.get(&acme(), &[2; 32], later(6)).is_some());
        // Nothing expired: the oldest (2, cached at 3 s) goes.
        cache.put([5; 32], principal(&acme()), later(7), g);
        assert_eq!(cache.len(), 3);
        assert_eq!(cache.get(&acme(), &[2; 32], later(7)), None);
        for kept in [[3; 32], [4; 32], [5; 32]] {
            assert!(cache.get(&acme(), &kept, later(7)).is_some());
        }
        // Refreshing a cached key does not evict another.
        cache.put([5; 32], principal(&acme()), later(8), g);
        assert_eq!(cache.len(), 3);
    }

    #[test]
    fn debug_shows_no_hash() {
        let cache = AuthCache::default();
        cache.put([0xab; 32], principal(&acme()), t0(), cache.generation());
        let shown = format!("{cache:?}");
        assert!(shown.contains("entries: 1"), "{shown}");
        assert!(!shown.contains("171") && !shown.contains("ab"), "{shown}");
    }
}
