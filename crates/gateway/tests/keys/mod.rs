//! Signing keys for the authorizer tests' own issuer, generated when the tests run (never
//! stored), and the JWTs signed with them.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

/// An RSA key pair and its public modulus as a JWK publishes it.
pub(crate) struct TestKey {
    pair: KeyPair,
    /// The modulus, base64url (the JWK's `n`).
    pub(crate) n: String,
}

impl TestKey {
    pub(crate) fn generate() -> TestKey {
        let pair = KeyPair::generate(KeySize::Rsa2048).expect("an RSA key");
        let n =
            URL_SAFE_NO_PAD.encode(pair.public_key().modulus().big_endian_without_leading_zero());
        TestKey { pair, n }
    }

    /// The public key's bytes (what an attacker could use as an HMAC secret).
    pub(crate) fn public_bytes(&self) -> &[u8] {
        self.pair.public_key().as_ref()
    }

    /// An RS256 JWT of `claims` under `kid`.
    pub(crate) fn sign(&self, kid: &str, claims: &Value) -> String {
        let header = json!({"alg": "RS256", "typ": "JWT", "kid": kid});
        let signed = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), signed.as_bytes(), &mut signature)
            .expect("sign");
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature))
    }
}
