//! Vector similarity for retrieval: the interface an embedding provider implements, and how
//! vectors are stored.

use std::future::Future;
use std::pin::Pin;

/// A boxed future, so the traits of this crate stay object-safe without extra crates.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Turns texts into vectors. The agent implements it with its model provider; with one
/// configured, retrieval fuses vector similarity with full-text ranking.
pub trait Embedder: Send + Sync + std::fmt::Debug {
    /// Names the model, so vectors from different models are never compared.
    fn model(&self) -> &str;

    /// One vector per text, in order.
    fn embed<'a>(&'a self, texts: &'a [String]) -> BoxFuture<'a, Result<Vec<Vec<f32>>, String>>;
}

/// Little-endian `f32`s, normalised to unit length so a dot product is the cosine.
pub(crate) fn encode(vector: &[f32]) -> Vec<u8> {
    let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
    let scale = if norm > 0.0 { 1.0 / norm } else { 0.0 };
    vector.iter().flat_map(|x| (x * scale).to_le_bytes()).collect()
}

/// The cosine similarity of a stored vector with a unit-length query.
pub(crate) fn cosine(stored: &[u8], query: &[f32]) -> f32 {
    stored
        .chunks_exact(4)
        .zip(query)
        .map(|(bytes, q)| f32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) * q)
        .sum()
}

/// Scales a vector to unit length.
pub(crate) fn normalise(vector: &mut [f32]) {
    let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        vector.iter_mut().for_each(|x| *x /= norm);
    }
}
