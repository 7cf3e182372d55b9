//! Where the wizard's randomness (the OAuth `state`, the PKCE verifier) comes from. The runner
//! gives the OS generator; tests give a seeded one, so a screen capture shows the real link.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub trait Random: Send {
    fn fill(&mut self, buf: &mut [u8]);
}

impl fmt::Debug for dyn Random {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Random")
    }
}

/// `bytes` random bytes, base64url-encoded (`bytes` ≥ 16 gives ≥ 128 bits).
pub fn token(random: &mut dyn Random, bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    random.fill(&mut buf);
    URL_SAFE_NO_PAD.encode(&buf)
}

/// The operating system's generator.
pub struct OsRandom;

impl Random for OsRandom {
    fn fill(&mut self, buf: &mut [u8]) {
        // getrandom fails only where the OS offers no randomness source at all; then no state or
        // verifier can be made safely, and stopping is the only honest answer.
        #[allow(clippy::expect_used)]
        getrandom::fill(buf).expect("the operating system's random number generator failed");
    }
}

/// A predictable generator (`SplitMix64`) for tests: the same seed gives the same links.
#[cfg(test)]
pub struct SeededRandom(pub u64);

#[cfg(test)]
impl Random for SeededRandom {
    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{SeededRandom, token};

    #[test]
    fn a_seed_gives_the_same_tokens_and_another_seed_others() {
        let a = token(&mut SeededRandom(1), 24);
        assert_eq!(a, token(&mut SeededRandom(1), 24));
        assert_ne!(a, token(&mut SeededRandom(2), 24));
        assert_eq!(a.len(), 32);
    }
}
