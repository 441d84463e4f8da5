//! Long-term extraction on real SQLite files: the offline extractor, consolidation, status,
//! the background worker, custom strategies, failures, and hybrid retrieval with an embedder.

use std::sync::Arc;
use std::time::Duration;

use agentdesk_memory::{
    BoxFuture, Embedder, Extracted, ExtractionPolicy, ExtractionRequest, ExtractionWorker,
    Extractor, ListRecords, MemoryStore, NewEvent, NewMemory, RetrieveRecords, Role, RuleExtractor,
    Strategy, StrategyKind,
};

async fn open() -> (tempfile::TempDir, MemoryStore, String) {
    let folder = tempfile::tempdir().expect("temp folder");
    let store = MemoryStore::open_in(folder.path()).await.expect("open");
    let memory = store.default_memory().await.expect("default memory").memory_id;
    (folder, store, memory)
}

async fn say(store: &MemoryStore, memory: &str, session: &str, role: Role, text: &str) {
    store
        .create_event(memory, NewEvent::message("alice", session, role, text))
        .await
        .expect("event");
}

async fn active_texts(store: &MemoryStore, memory: &str, strategy: &str) -> Vec<String> {
    let request =
        ListRecords { memory_strategy_id: Some(strategy.into()), ..ListRecords::default() };
    let page = store.list_records(memory, &request).await.expect("list records");
    page.items.into_iter().map(|record| record.content.text).collect()
}

#[tokio::test]
async fn offline_extraction_remembers_explicit_statements_with_their_sources() {
    let (_folder, store, memory) = open().await;
    say(
        &store,
        &memory,
        "s1",
        Role::User,
        "パン屋のWebサイトをHTMLでなるべく安く作りたい。予算は月5000円までです。",
    )
    .await;
    say(&store, &memory, "s1", Role::Assistant, "S3 の静的ホスティングなら月数百円です。").await;
    say(
        &store,
        &memory,
        "s1",
        Role::User,
        "We run a small bakery in Kyoto. Please deploy in ap-northeast-1.",
    )
    .await;

    let status = store.extraction_status(&memory, &RuleExtractor).await.expect("status");
    assert_eq!((status.pending_events, status.pending_sessions), (3, 1));
    assert!(status.last_run_at.is_none());

    let report = store.extract_pending(&memory, &RuleExtractor).await.expect("extract");
    assert_eq!(report.events, 3);
    let preferences = active_texts(&store, &memory, "preferences").await;
    assert!(
        preferences
            .iter()
            .any(|text| text.starts_with("コスト重視: ") && text.contains("なるべく安く")),
        "{preferences:?}"
    );
    assert!(
        preferences.iter().any(|text| text.starts_with("予算: ") && text.contains("5000円")),
        "{preferences:?}"
    );
    assert!(preferences.iter().any(|text| text.contains("ap-northeast-1")), "{preferences:?}");
    let facts = active_texts(&store, &memory, "facts").await;
    assert_eq!(facts, ["Fact: We run a small bakery in Kyoto"]);
    let summaries = active_texts(&store, &memory, "summaries").await;
    assert_eq!(summaries.len(), 1);
    assert!(summaries[0].starts_with("話題: パン屋のWebサイト"), "{summaries:?}");

    let records = store.list_records(&memory, &ListRecords::default()).await.expect("records");
    let first_event = store
        .list_events(
            &memory,
            "alice",
            "s1",
            &agentdesk_memory::ListEvents { oldest_first: true, ..Default::default() },
        )
        .await
        .expect("events")
        .items[0]
        .event_id
        .clone();
    let budget =
        records.items.iter().find(|r| r.topic.as_deref() == Some("budget")).expect("budget record");
    assert_eq!(budget.source_event_ids, [first_event]);

    let status = store.extraction_status(&memory, &RuleExtractor).await.expect("status");
    assert_eq!(status.pending_events, 0);
    assert!(status.last_run_at.is_some());
    assert!(status.records_written >= 5);
}

#[tokio::test]
async fn a_newer_statement_updates_the_old_record_instead_of_piling_up() {
    let (_folder, store, memory) = open().await;
    say(&store, &memory, "s1", Role::User, "My budget is $500 a month").await;
    store.extract_pending(&memory, &RuleExtractor).await.expect("extract");
    say(&store, &memory, "s2", Role::User, "Actually my budget is $800 a month").await;
    say(&store, &memory, "s2", Role::User, "My budget is $800 a month").await;
    let report = store.extract_pending(&memory, &RuleExtractor).await.expect("extract");
    assert!(report.updated >= 1, "{report:?}");
    let budgets: Vec<_> = store
        .list_records(&memory, &ListRecords::default())
        .await
        .expect("records")
        .items
        .into_iter()
        .filter(|record| record.topic.as_deref() == Some("budget"))
        .collect();
    assert_eq!(budgets.len(), 1, "one budget, updated: {budgets:?}");
    assert_eq!(budgets[0].content.text, "Budget: My budget is $800 a month");
    assert_eq!(budgets[0].source_event_ids.len(), 2, "sources of both statements are kept");
}

#[tokio::test]
async fn the_worker_extracts_after_the_configured_number_of_turns() {
    let (_folder, store, memory) = open().await;
    let policy = ExtractionPolicy { after_turns: 2, idle: Duration::from_secs(3600) };
    let worker = ExtractionWorker::spawn(store.clone(), &memory, Arc::new(RuleExtractor), policy);
    let mut extractions = worker.extractions();

    say(&store, &memory, "s1", Role::User, "I prefer PostgreSQL over MySQL").await;
    let status = worker.status().await.expect("status");
    assert_eq!(status.pending_events, 1, "one turn is below the threshold");
    assert_eq!(status.extractor.as_deref(), Some("rules"));

    say(&store, &memory, "s1", Role::User, "Keep it as cheap as possible").await;
    extractions.wait_for(|done| *done >= 1).await.expect("the worker ran");
    let status = worker.status().await.expect("status");
    assert_eq!(status.pending_events, 0);
    let preferences = active_texts(&store, &memory, "preferences").await;
    assert_eq!(preferences.len(), 2, "{preferences:?}");
}

#[derive(Debug)]
struct FailingModel;

impl Extractor for FailingModel {
    fn name(&self) -> &str {
        "failing-model"
    }
    fn supports(&self, _: &Strategy) -> bool {
        true
    }
    fn extract<'a>(
        &'a self,
        _: ExtractionRequest<'a>,
    ) -> BoxFuture<'a, Result<Vec<Extracted>, String>> {
        Box::pin(async { Err("model returned HTTP 529 overloaded".to_owned()) })
    }
}

#[tokio::test]
async fn a_failed_extraction_is_reported_and_its_events_stay_pending() {
    let (_folder, store, memory) = open().await;
    say(&store, &memory, "s1", Role::User, "Keep it cheap").await;
    let error = store.extract_pending(&memory, &FailingModel).await.expect_err("fails");
    assert!(error.to_string().contains("529"), "{error}");
    let status = store.extraction_status(&memory, &RuleExtractor).await.expect("status");
    assert_eq!(status.pending_events, 1);
    assert!(status.last_error.as_deref().is_some_and(|e| e.contains("529")), "{status:?}");
    store.extract_pending(&memory, &RuleExtractor).await.expect("then rules");
    let status = store.extraction_status(&memory, &RuleExtractor).await.expect("status");
    assert_eq!((status.pending_events, status.last_error), (0, None));
}

/// A model stand-in that follows the custom strategy's prompt by echoing it with the text.
#[derive(Debug)]
struct PromptFollower;

impl Extractor for PromptFollower {
    fn name(&self) -> &str {
        "prompt-follower"
    }
    fn supports(&self, strategy: &Strategy) -> bool {
        strategy.kind == StrategyKind::Custom
    }
    fn extract<'a>(
        &'a self,
        request: ExtractionRequest<'a>,
    ) -> BoxFuture<'a, Result<Vec<Extracted>, String>> {
        let prompt = request.strategy.extraction_prompt.clone().unwrap_or_default();
        let found = request
            .events
            .iter()
            .map(|event| Extracted::Remember {
                text: format!(
                    "{prompt} {}",
                    event.messages().map(|m| m.content.text.as_str()).collect::<String>()
                ),
                topic: None,
                source_event_ids: vec![event.event_id.clone()],
            })
            .collect();
        Box::pin(async move { Ok(found) })
    }
}

#[tokio::test]
async fn custom_strategies_wait_for_a_model_and_get_every_event_when_it_comes() {
    let (_folder, store, _) = open().await;
    let custom = store
        .create_memory(NewMemory {
            memory_id: None,
            name: "architectures".into(),
            description: String::new(),
            event_expiry_days: 30,
            strategies: vec![Strategy {
                strategy_id: "services".into(),
                kind: StrategyKind::Custom,
                name: "AWS services used".into(),
                namespace_template: "/services/{actorId}/".into(),
                extraction_prompt: Some("List AWS services:".into()),
                consolidation_prompt: None,
            }],
        })
        .await
        .expect("custom memory");
    let id = custom.memory_id;
    say(&store, &id, "s1", Role::User, "ALB and EC2").await;
    let report = store.extract_pending(&id, &RuleExtractor).await.expect("rules");
    assert_eq!(report.skipped_strategies, ["services"]);
    let status = store.extraction_status(&id, &RuleExtractor).await.expect("status");
    assert_eq!(status.pending_events, 0, "nothing rules can do is pending");
    assert_eq!(status.skipped_strategies, ["services"]);
    let status = store.extraction_status(&id, &PromptFollower).await.expect("status");
    assert_eq!(status.pending_events, 1, "the model still has the event to read");

    // A model configured later reads what rules could not.
    let report = store.extract_pending(&id, &PromptFollower).await.expect("model");
    assert_eq!(report.added, 1, "{report:?}");
    say(&store, &id, "s2", Role::User, "S3 and CloudFront").await;
    store.extract_pending(&id, &PromptFollower).await.expect("model");
    let mut texts = active_texts(&store, &id, "services").await;
    texts.sort();
    assert_eq!(texts, ["List AWS services: ALB and EC2", "List AWS services: S3 and CloudFront"]);

    let bad = store
        .create_memory(NewMemory {
            memory_id: None,
            name: "bad".into(),
            description: String::new(),
            event_expiry_days: 400,
            strategies: vec![],
        })
        .await
        .expect_err("expiry out of range");
    assert!(bad.to_string().contains("between 3 and 365"), "{bad}");
}

/// An embedder that knows a few synonyms: enough to show vector similarity finding what
/// shares no characters with the query.
#[derive(Debug)]
struct ConceptEmbedder;

const CONCEPTS: &[&[&str]] = &[
    &["cheap", "inexpensive", "affordable", "安い"],
    &["database", "rds", "postgres"],
    &["tokyo", "東京"],
];

impl Embedder for ConceptEmbedder {
    fn model(&self) -> &str {
        "concepts-v1"
    }
    fn embed<'a>(&'a self, texts: &'a [String]) -> BoxFuture<'a, Result<Vec<Vec<f32>>, String>> {
        let vectors = texts
            .iter()
            .map(|text| {
                let lower = text.to_lowercase();
                CONCEPTS
                    .iter()
                    .map(
                        |words| {
                            if words.iter().any(|word| lower.contains(word)) { 1.0 } else { 0.0 }
                        },
                    )
                    .collect()
            })
            .collect();
        Box::pin(async move { Ok(vectors) })
    }
}

#[tokio::test]
async fn an_embedder_fuses_vector_similarity_into_retrieval() {
    let folder = tempfile::tempdir().expect("temp folder");
    let store = MemoryStore::open_in(folder.path())
        .await
        .expect("open")
        .with_embedder(Arc::new(ConceptEmbedder));
    let memory = store.default_memory().await.expect("memory").memory_id;
    say(&store, &memory, "s1", Role::User, "Keep it as cheap as possible").await;
    store.extract_pending(&memory, &RuleExtractor).await.expect("extract");

    let search = RetrieveRecords {
        search_query: "affordable".into(),
        top_k: Some(3),
        ..RetrieveRecords::default()
    };
    let hits = store.retrieve_records(&memory, &search).await.expect("retrieve");
    assert!(
        hits.iter().any(|hit| hit.record.content.text.contains("cheap as possible")),
        "found by meaning, not characters: {hits:?}"
    );

    let plain = MemoryStore::open_in(folder.path()).await.expect("open without embedder");
    let hits = plain.retrieve_records(&memory, &search).await.expect("retrieve");
    assert!(hits.is_empty(), "full text alone cannot know the synonym: {hits:?}");
}
