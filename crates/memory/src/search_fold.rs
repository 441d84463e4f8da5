//! The folded text conversation search matches against: Unicode NFKC (full-width letters and
//! digits become ASCII, half-width kana become full-width) and then lowercase, applied to the
//! stored titles and message texts and to every query word alike.
//!
//! Kept in columns (`sessions.title_folded`, `events.text_folded`) written with the rows, so
//! a search is a plain `LIKE` over already-folded text; rows from before the columns existed
//! are folded once when the store opens.

use sqlx::{Row, SqlitePool};
use unicode_normalization::UnicodeNormalization;

use crate::model::PayloadItem;

/// Rows folded per transaction when filling in rows from an older database.
const BACKFILL_BATCH: i64 = 500;

/// `text` in the form search compares: NFKC, then lowercase.
pub(crate) fn fold(text: &str) -> String {
    text.nfkc().flat_map(char::to_lowercase).collect()
}

/// The folded text of an event's messages, one per line (a query word has no line breaks,
/// so it never matches across two messages).
pub(crate) fn event_text(payload: &[PayloadItem]) -> String {
    let texts: Vec<String> = payload
        .iter()
        .filter_map(PayloadItem::as_message)
        .map(|message| fold(&message.content.text))
        .collect();
    texts.join("\n")
}

/// Folds the titles and events written before the folded columns existed.
pub(crate) async fn backfill(pool: &SqlitePool) -> sqlx::Result<()> {
    loop {
        let rows = sqlx::query(
            "SELECT rowid, title FROM sessions WHERE title IS NOT NULL AND title_folded IS NULL
             LIMIT ?",
        )
        .bind(BACKFILL_BATCH)
        .fetch_all(pool)
        .await?;
        if rows.is_empty() {
            break;
        }
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        for row in &rows {
            let title: String = row.get("title");
            sqlx::query("UPDATE sessions SET title_folded = ? WHERE rowid = ?")
                .bind(fold(&title))
                .bind(row.get::<i64, _>("rowid"))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    }
    loop {
        let rows = sqlx::query("SELECT seq, payload FROM events WHERE text_folded IS NULL LIMIT ?")
            .bind(BACKFILL_BATCH)
            .fetch_all(pool)
            .await?;
        if rows.is_empty() {
            break;
        }
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        for row in &rows {
            let payload: String = row.get("payload");
            // A payload this version cannot read holds no text it could show either.
            let text = serde_json::from_str::<Vec<PayloadItem>>(&payload)
                .map(|payload| event_text(&payload))
                .unwrap_or_default();
            sqlx::query("UPDATE events SET text_folded = ? WHERE seq = ?")
                .bind(text)
                .bind(row.get::<i64, _>("seq"))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folding_unifies_case_and_width() {
        assert_eq!(fold("ＥＣ２ の見積もり"), "ec2 の見積もり");
        assert_eq!(fold("ｔ３.ＭＥＤＩＵＭ"), "t3.medium");
        assert_eq!(fold("ｶﾞｿﾘﾝ"), "ガソリン");
        assert_eq!(fold("Straße ÉTÉ"), "straße été");
    }
}
