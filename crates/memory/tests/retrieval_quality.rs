//! Retrieval quality on a small labelled set in English and Japanese: recall@3 is printed
//! (BENCHMARKS.md records it) and must stay at or above the floor.

use agentdesk_memory::{MemoryStore, NewRecord, RetrieveRecords};

/// Records: (label, strategy, text).
const RECORDS: &[(&str, &str, &str)] = &[
    ("cost", "preferences", "Cost priority: keep it as cheap as possible"),
    ("budget", "preferences", "Budget: no more than $500 per month"),
    ("region", "preferences", "Region us-west-2: deploy everything in Oregon"),
    ("postgres", "preferences", "Preference: I prefer PostgreSQL over MySQL for databases"),
    ("serverless", "preferences", "Preference: we want serverless, no servers to patch"),
    ("english", "preferences", "Answer language: reply in English with tables"),
    ("bakery", "facts", "Fact: we run a small bakery with two shops"),
    ("traffic", "facts", "Fact: the website gets about 3,000 visitors a month"),
    ("static", "facts", "Fact: our site is static HTML and a few images"),
    ("team", "facts", "Fact: I am the only developer on the team"),
    ("backup", "facts", "Fact: we need daily backups kept for 30 days"),
    ("ja-cost", "preferences", "コスト重視: パン屋のWebサイトをなるべく安く作りたい"),
    ("ja-budget", "preferences", "予算: 予算は月5万円以内です"),
    ("ja-region", "preferences", "リージョン ap-northeast-1: 東京リージョンで動かしたい"),
    ("ja-avail", "preferences", "可用性重視: 冗長構成で止まらないようにしたい"),
    ("ja-lang", "preferences", "回答の言語: 日本語で答えてください"),
    ("ja-shop", "facts", "事実: 弊社は京都で和菓子店を経営しています"),
    ("ja-users", "facts", "事実: 会員は約二千人で、週末にアクセスが集中します"),
    ("ja-wordpress", "facts", "事実: 今はレンタルサーバーでWordPressを使っています"),
    ("ja-images", "facts", "事実: 商品写真を毎月百枚ほどアップロードします"),
    ("ja-email", "facts", "事実: 問い合わせフォームからメールを送りたい"),
    (
        "summary-en",
        "summaries",
        "Topic: estimate an ALB with two EC2 t3.medium and RDS MySQL (3 questions)",
    ),
    ("summary-ja", "summaries", "話題: パン屋のWebサイトの費用見積もり（2 回の質問）"),
];

/// Queries: (language, query, relevant labels).
const QUERIES: &[(&str, &str, &[&str])] = &[
    ("en", "What is the user's monthly budget?", &["budget", "ja-budget"]),
    ("en", "cheapest option", &["cost"]),
    ("en", "which region to deploy", &["region"]),
    ("en", "database preference postgres or mysql", &["postgres"]),
    ("en", "how many visitors does the website get", &["traffic"]),
    ("en", "what business does the user run", &["bakery"]),
    ("en", "backups retention", &["backup"]),
    ("en", "static site hosting", &["static"]),
    ("en", "previous estimate with EC2 and RDS", &["summary-en"]),
    ("ja", "予算はいくら?", &["ja-budget"]),
    ("ja", "なるべく安く", &["ja-cost"]),
    ("ja", "東京リージョン", &["ja-region"]),
    ("ja", "冗長構成", &["ja-avail"]),
    ("ja", "どんなお店を経営している?", &["ja-shop"]),
    ("ja", "今のサーバーはWordPress?", &["ja-wordpress"]),
    ("ja", "アクセスが集中する時間", &["ja-users"]),
    ("ja", "パン屋のWebサイトの見積もり", &["summary-ja", "ja-cost"]),
    ("ja", "写真のアップロード", &["ja-images"]),
];

const FLOOR: f64 = 0.8;

#[tokio::test]
async fn recall_at_3_in_english_and_japanese() {
    let folder = tempfile::tempdir().expect("temp");
    let store = MemoryStore::open_in(folder.path()).await.expect("open");
    let memory = store.default_memory().await.expect("memory").memory_id;
    let mut labels = std::collections::HashMap::new();
    for (label, strategy, text) in RECORDS {
        let record = store
            .create_record(
                &memory,
                NewRecord {
                    memory_strategy_id: (*strategy).into(),
                    actor_id: "user".into(),
                    session_id: Some("s1".into()),
                    text: (*text).into(),
                    topic: None,
                    source_event_ids: vec![],
                },
            )
            .await
            .expect("record");
        labels.insert(record.memory_record_id, *label);
    }

    let mut recall = std::collections::BTreeMap::<&str, Vec<f64>>::new();
    for (language, query, relevant) in QUERIES {
        let request = RetrieveRecords {
            search_query: (*query).into(),
            top_k: Some(3),
            ..RetrieveRecords::default()
        };
        let hits = store.retrieve_records(&memory, &request).await.expect("retrieve");
        let top: Vec<&str> = hits
            .iter()
            .filter_map(|hit| labels.get(&hit.record.memory_record_id).copied())
            .collect();
        let found = relevant.iter().filter(|label| top.contains(label)).count();
        let score = found as f64 / relevant.len() as f64;
        if score < 1.0 {
            println!("  {language} {query:?}: top 3 {top:?}, wanted {relevant:?}");
        }
        recall.entry(language).or_default().push(score);
    }
    for (language, scores) in &recall {
        let mean = scores.iter().sum::<f64>() / scores.len() as f64;
        println!("recall@3 {language}: {mean:.2} over {} queries", scores.len());
        assert!(mean >= FLOOR, "recall@3 for {language} is {mean:.2}, below {FLOOR}");
    }
}
