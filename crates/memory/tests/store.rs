//! The memory store on real SQLite files: events, sessions, branches, turns, records,
//! retrieval and the lifecycle operations.

use agentdesk_memory::{
    BranchFilter, BranchRef, Error, ListEvents, ListRecords, MemoryStore, NewEvent, NewRecord,
    RetrieveRecords, Role,
};
use time::OffsetDateTime;

struct Fixture {
    _folder: tempfile::TempDir,
    store: MemoryStore,
    memory: String,
}

async fn fixture() -> Fixture {
    let folder = tempfile::tempdir().expect("temp folder");
    let store = MemoryStore::open_in(folder.path()).await.expect("open the store");
    let memory = store.default_memory().await.expect("default memory").memory_id;
    Fixture { _folder: folder, store, memory }
}

async fn say(f: &Fixture, session: &str, role: Role, text: &str) -> String {
    f.store
        .create_event(&f.memory, NewEvent::message("alice", session, role, text))
        .await
        .expect("create event")
        .event_id
}

fn at(seconds: i64) -> Option<OffsetDateTime> {
    Some(OffsetDateTime::from_unix_timestamp(1_790_000_000 + seconds).expect("timestamp"))
}

#[tokio::test]
async fn events_list_newest_first_and_tied_timestamps_keep_their_order() {
    let f = fixture().await;
    let mut ids = Vec::new();
    for text in ["one", "two", "three", "four", "five"] {
        let mut event = NewEvent::message("alice", "s1", Role::User, text);
        event.event_timestamp = at(0); // every timestamp ties
        ids.push(f.store.create_event(&f.memory, event).await.expect("create").event_id);
    }
    let page = f
        .store
        .list_events(
            &f.memory,
            "alice",
            "s1",
            &ListEvents { max_results: Some(2), ..ListEvents::default() },
        )
        .await
        .expect("list");
    let listed: Vec<&str> = page.items.iter().map(|event| event.event_id.as_str()).collect();
    assert_eq!(listed, [ids[4].as_str(), ids[3].as_str()]);
    let next =
        ListEvents { max_results: Some(10), next_token: page.next_token, ..ListEvents::default() };
    let rest = f.store.list_events(&f.memory, "alice", "s1", &next).await.expect("page 2");
    assert_eq!(rest.items.len(), 3);
    assert_eq!(rest.items[2].event_id, ids[0]);
    assert!(rest.next_token.is_none());
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(sorted, ids, "event ids sort in the order events were stored");

    let got = f.store.get_event(&f.memory, &ids[1]).await.expect("get");
    assert_eq!(got.messages().next().map(|m| m.content.text.as_str()), Some("two"));
    f.store.delete_event(&f.memory, &ids[1]).await.expect("delete");
    assert!(matches!(f.store.get_event(&f.memory, &ids[1]).await, Err(Error::NotFound { .. })));
}

#[tokio::test]
async fn last_k_turns_come_oldest_first_even_when_timestamps_tie() {
    let f = fixture().await;
    for turn in 1..=4 {
        for (role, text) in
            [(Role::User, format!("question {turn}")), (Role::Assistant, format!("answer {turn}"))]
        {
            let mut event = NewEvent::message("alice", "s1", role, &text);
            event.event_timestamp = at(0);
            f.store.create_event(&f.memory, event).await.expect("create");
        }
    }
    let turns = f.store.last_k_turns(&f.memory, "alice", "s1", None, 2).await.expect("turns");
    let texts: Vec<Vec<&str>> =
        turns.iter().map(|turn| turn.iter().map(|m| m.text.as_str()).collect()).collect();
    assert_eq!(texts, [["question 3", "answer 3"], ["question 4", "answer 4"]]);
    let all = f.store.last_k_turns(&f.memory, "alice", "s1", None, 10).await.expect("all turns");
    assert_eq!(all.len(), 4);
    assert_eq!(all[0][0].text, "question 1");
}

#[tokio::test]
async fn sessions_are_titled_from_the_first_user_message_and_listed_by_activity() {
    let f = fixture().await;
    say(&f, "older", Role::Assistant, "Hello! What shall we estimate?").await;
    say(&f, "older", Role::User, "パン屋のWebサイトをHTMLでなるべく安く作りたい").await;
    say(&f, "newer", Role::User, "A web app with an ALB and two EC2 instances").await;
    let sessions = f.store.list_sessions(&f.memory, None).await.expect("sessions");
    let ids: Vec<&str> = sessions.iter().map(|s| s.session_id.as_str()).collect();
    assert_eq!(ids, ["newer", "older"]);
    assert_eq!(sessions[1].title.as_deref(), Some("パン屋のWebサイトをHTMLでなるべく安く作りたい"));
    assert_eq!(sessions[1].event_count, 2);
    f.store.set_session_title(&f.memory, "alice", "older", "Bakery site").await.expect("title");
    let actors = f.store.list_actors(&f.memory).await.expect("actors");
    assert_eq!(actors.len(), 1);
    assert_eq!(actors[0].session_count, 2);
    f.store.delete_session(&f.memory, "alice", "newer").await.expect("delete session");
    let sessions = f.store.list_sessions(&f.memory, Some("alice")).await.expect("sessions");
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].title.as_deref(), Some("Bakery site"));
}

#[tokio::test]
async fn conversations_are_found_by_their_title_or_their_text_in_english_and_japanese() {
    let f = fixture().await;
    say(&f, "bakery", Role::User, "パン屋のWebサイトをHTMLでなるべく安く作りたい").await;
    say(&f, "bakery", Role::Assistant, "S3 と CloudFront で月 $1.87 です").await;
    say(&f, "web", Role::User, "A web app with an ALB and two EC2 t3.medium").await;
    say(&f, "web", Role::Assistant, "About $75 a month with RDS_MySQL 100%").await;
    let found = |query: &'static str| {
        let f = &f;
        async move {
            let sessions = f.store.search_sessions(&f.memory, Some("alice"), query).await;
            let sessions = sessions.expect("search");
            sessions.into_iter().map(|session| session.session_id).collect::<Vec<_>>()
        }
    };
    assert_eq!(found("パン屋").await, ["bakery"], "a word of the title, with no spaces");
    assert_eq!(found("cloudfront").await, ["bakery"], "the answer's text, any case");
    assert_eq!(found("ALB t3.MEDIUM").await, ["web"], "every word, anywhere");
    assert_eq!(found("alb パン屋").await, Vec::<String>::new(), "every word must match");
    assert_eq!(found("100%").await, ["web"], "% is a character, not a wildcard");
    assert_eq!(found("S_3").await, Vec::<String>::new(), "_ is a character, not a wildcard");
    assert_eq!(found("  ").await, ["web", "bakery"], "no words: every conversation");
    f.store.set_session_title(&f.memory, "alice", "web", "Shop on EC2").await.expect("rename");
    assert_eq!(found("shop").await, ["web"], "the new title");
    assert!(
        f.store.search_sessions(&f.memory, Some("bob"), "").await.expect("search").is_empty(),
        "only the actor's own"
    );
}

/// Regression: search folded ASCII case only, so "ＥＣ２" (full width) or "ｔ３" found nothing.
#[tokio::test]
async fn search_matches_regardless_of_case_and_unicode_width() {
    let f = fixture().await;
    say(&f, "ec2", Role::User, "EC2 の見積もり").await;
    say(&f, "ec2", Role::Assistant, "Two t3.medium instances, about $60 a month").await;
    say(&f, "kana", Role::User, "ｶﾞｿﾘﾝ代の計算").await;
    say(&f, "greek", Role::User, "ΣΟΦΙΑ bakery").await;
    let found = |query: &'static str| {
        let f = &f;
        async move {
            let sessions = f.store.search_sessions(&f.memory, Some("alice"), query).await;
            let sessions = sessions.expect("search");
            sessions.into_iter().map(|session| session.session_id).collect::<Vec<_>>()
        }
    };
    assert_eq!(found("ＥＣ２").await, ["ec2"], "full-width query, ASCII title");
    assert_eq!(found("ec2").await, ["ec2"], "lowercase query, uppercase title");
    assert_eq!(found("ｔ３").await, ["ec2"], "full-width query, ASCII answer text");
    assert_eq!(found("Ｔ３.ＭＥＤＩＵＭ").await, ["ec2"], "full-width upper case");
    assert_eq!(found("ガソリン").await, ["kana"], "half-width kana stored, full-width asked");
    assert_eq!(found("σοφια").await, ["greek"], "non-Latin case");
    f.store.set_session_title(&f.memory, "alice", "greek", "Ｓｈｏｐ").await.expect("rename");
    assert_eq!(found("shop").await, ["greek"], "a renamed title is folded too");
}

/// A database written before the folded columns existed is folded when it opens.
#[tokio::test]
async fn conversations_from_before_folding_are_found_after_reopening() {
    let folder = tempfile::tempdir().expect("temp folder");
    let store = MemoryStore::open_in(folder.path()).await.expect("open the store");
    let memory = store.default_memory().await.expect("default memory").memory_id;
    store
        .create_event(&memory, NewEvent::message("alice", "old", Role::User, "ＲＤＳ for a shop"))
        .await
        .expect("event");
    let path = store.path().to_owned();
    store.close().await;
    {
        use sqlx::Connection;
        let url = format!("sqlite://{}", path.display());
        let mut db = sqlx::SqliteConnection::connect(&url).await.expect("connect");
        sqlx::query("UPDATE sessions SET title_folded = NULL").execute(&mut db).await.expect("u");
        sqlx::query("UPDATE events SET text_folded = NULL").execute(&mut db).await.expect("u");
        db.close().await.expect("close");
    }
    let store = MemoryStore::open(&path).await.expect("reopen");
    let found = store.search_sessions(&memory, None, "rds").await.expect("search");
    assert_eq!(found.len(), 1);
    let found = store.search_sessions(&memory, None, "SHOP").await.expect("search");
    assert_eq!(found.len(), 1);
}

#[tokio::test]
async fn deleting_a_conversation_keeps_what_was_remembered_about_the_user() {
    let f = fixture().await;
    let said = say(&f, "s1", Role::User, "My budget is $50 a month").await;
    let record = |strategy: &str, session: Option<&str>, text: &str| NewRecord {
        memory_strategy_id: strategy.into(),
        actor_id: "alice".into(),
        session_id: session.map(str::to_owned),
        text: text.into(),
        topic: None,
        source_event_ids: vec![said.clone()],
    };
    let kept = f
        .store
        .create_record(&f.memory, record("preferences", None, "Budget: $50 a month"))
        .await
        .expect("preference");
    f.store
        .create_record(&f.memory, record("summaries", Some("s1"), "Asked about a budget"))
        .await
        .expect("summary");
    f.store.delete_session(&f.memory, "alice", "s1").await.expect("delete");
    assert!(f.store.find_session(&f.memory, "s1").await.expect("find").is_empty());
    let error = f.store.get_event(&f.memory, &said).await.expect_err("its events went");
    assert!(matches!(error, Error::NotFound { .. }), "{error}");
    let records = f.store.list_records(&f.memory, &ListRecords::default()).await.expect("records");
    let ids: Vec<&str> = records.items.iter().map(|r| r.memory_record_id.as_str()).collect();
    assert_eq!(
        ids,
        [kept.memory_record_id.as_str()],
        "the summary of it went; the preference stays"
    );
    let error = f.store.delete_session(&f.memory, "alice", "s1").await.expect_err("gone");
    assert!(matches!(error, Error::NotFound { .. }), "{error}");
}

#[tokio::test]
async fn a_branch_reads_with_the_conversation_it_forked_from() {
    let f = fixture().await;
    say(&f, "s", Role::User, "estimate two EC2 instances").await;
    let fork_at = say(&f, "s", Role::Assistant, "about $60 a month").await;
    say(&f, "s", Role::User, "main: add RDS").await;

    let mut alternative =
        NewEvent::message("alice", "s", Role::User, "what if we used Lambda instead?");
    alternative.branch =
        Some(BranchRef { name: "serverless".into(), root_event_id: Some(fork_at.clone()) });
    f.store.create_event(&f.memory, alternative).await.expect("first branch event");
    let mut follow_up = NewEvent::message("alice", "s", Role::Assistant, "about $5 a month");
    follow_up.branch = Some(BranchRef { name: "serverless".into(), root_event_id: None });
    f.store.create_event(&f.memory, follow_up).await.expect("second branch event");

    let branches = f.store.list_branches(&f.memory, "alice", "s").await.expect("branches");
    assert_eq!(branches.len(), 1);
    assert_eq!((branches[0].name.as_str(), branches[0].event_count), ("serverless", 2));
    assert_eq!(branches[0].root_event_id, fork_at);
    assert_eq!(branches[0].parent, None);

    let read = |include_parent_branches| ListEvents {
        branch: Some(BranchFilter { name: "serverless".into(), include_parent_branches }),
        oldest_first: true,
        ..ListEvents::default()
    };
    let texts = |events: &[agentdesk_memory::Event]| -> Vec<String> {
        events.iter().flat_map(|e| e.messages().map(|m| m.content.text.clone())).collect()
    };
    let with_parents =
        f.store.list_events(&f.memory, "alice", "s", &read(true)).await.expect("read");
    assert_eq!(
        texts(&with_parents.items),
        [
            "estimate two EC2 instances",
            "about $60 a month",
            "what if we used Lambda instead?",
            "about $5 a month"
        ]
    );
    let alone = f.store.list_events(&f.memory, "alice", "s", &read(false)).await.expect("read");
    assert_eq!(alone.items.len(), 2);

    let turns =
        f.store.last_k_turns(&f.memory, "alice", "s", Some("serverless"), 5).await.expect("turns");
    assert_eq!(turns.len(), 2);
    assert_eq!(turns[1][0].text, "what if we used Lambda instead?");

    let nested = f
        .store
        .fork_branch(&f.memory, "alice", "s", "lambda-arm", &with_parents.items[3].event_id)
        .await;
    assert_eq!(nested.expect("nested fork").parent.as_deref(), Some("serverless"));

    let mut wrong = NewEvent::message("alice", "s", Role::User, "x");
    wrong.branch = Some(BranchRef { name: "nowhere".into(), root_event_id: None });
    let error = f.store.create_event(&f.memory, wrong).await.expect_err("unknown branch");
    assert!(error.to_string().contains("give its rootEventId"), "{error}");
    let refused = f.store.delete_event(&f.memory, &fork_at).await.expect_err("root of a branch");
    assert!(refused.to_string().contains("serverless"), "{refused}");
}

#[tokio::test]
async fn bad_events_are_refused_with_the_field_named() {
    let f = fixture().await;
    let mut empty = NewEvent::message("alice", "s", Role::User, "x");
    empty.payload.clear();
    let error = f.store.create_event(&f.memory, empty).await.expect_err("empty payload");
    assert!(error.to_string().contains("payload"), "{error}");
    let error = f
        .store
        .create_event(&f.memory, NewEvent::message(" ", "s", Role::User, "x"))
        .await
        .expect_err("blank actor");
    assert!(error.to_string().contains("actorId"), "{error}");
    let error = f
        .store
        .create_event("mem-missing", NewEvent::message("a", "s", Role::User, "x"))
        .await
        .expect_err("unknown memory");
    assert!(matches!(error, Error::NotFound { kind: "memory", .. }), "{error}");
}

async fn remember(f: &Fixture, strategy: &str, actor: &str, text: &str) -> String {
    let session_id = (strategy == "summaries").then(|| "s1".to_owned());
    f.store
        .create_record(
            &f.memory,
            NewRecord {
                memory_strategy_id: strategy.into(),
                actor_id: actor.into(),
                session_id,
                text: text.into(),
                topic: None,
                source_event_ids: vec![],
            },
        )
        .await
        .expect("create record")
        .memory_record_id
}

#[tokio::test]
async fn records_are_found_right_after_writing_in_english_and_japanese() {
    let f = fixture().await;
    let cheap =
        remember(&f, "preferences", "alice", "Prefers the cheapest option that works").await;
    let region =
        remember(&f, "preferences", "alice", "Deploys in the Tokyo region (ap-northeast-1)").await;
    let japanese = remember(&f, "facts", "alice", "京都でパン屋を営んでいる").await;
    remember(&f, "preferences", "bob", "Prefers the cheapest option too").await;

    let search = |query: &str, namespace: &str| RetrieveRecords {
        namespace: namespace.into(),
        search_query: query.into(),
        top_k: Some(3),
        ..RetrieveRecords::default()
    };
    let found = f
        .store
        .retrieve_records(&f.memory, &search("cheap", "/strategies/preferences/actors/alice/"))
        .await
        .expect("retrieve");
    assert_eq!(found.len(), 1, "bob's record is outside the namespace");
    assert_eq!(found[0].record.memory_record_id, cheap);
    assert_eq!(found[0].score, 1.0);

    let found = f
        .store
        .retrieve_records(&f.memory, &search("パン屋のサイト", "/"))
        .await
        .expect("retrieve");
    assert_eq!(found[0].record.memory_record_id, japanese);

    let found = f.store.retrieve_records(&f.memory, &search("京都", "")).await.expect("retrieve");
    assert_eq!(
        found[0].record.memory_record_id, japanese,
        "a two-character word is found through its own index"
    );

    let found =
        f.store.retrieve_records(&f.memory, &search("東京 tokyo", "/")).await.expect("retrieve");
    assert_eq!(found[0].record.memory_record_id, region);

    let by_strategy =
        RetrieveRecords { memory_strategy_id: Some("facts".into()), ..search("パン屋", "/") };
    let found = f.store.retrieve_records(&f.memory, &by_strategy).await.expect("retrieve");
    assert_eq!(found.len(), 1, "two-character queries still match by substring");

    f.store
        .update_record(&f.memory, &region, "Deploys in Osaka (ap-northeast-3)")
        .await
        .expect("update");
    let found = f.store.retrieve_records(&f.memory, &search("tokyo", "/")).await.expect("retrieve");
    assert!(
        found.iter().all(|hit| hit.record.memory_record_id != region),
        "the old text is no longer indexed"
    );
    let found = f.store.retrieve_records(&f.memory, &search("osaka", "/")).await.expect("retrieve");
    assert_eq!(found[0].record.memory_record_id, region);

    f.store.delete_record(&f.memory, &cheap).await.expect("delete");
    let listed = f.store.list_records(&f.memory, &ListRecords::default()).await.expect("list");
    assert_eq!(listed.items.len(), 3);
    assert!(matches!(f.store.get_record(&f.memory, &cheap).await, Err(Error::NotFound { .. })));
}

#[tokio::test]
async fn per_session_strategies_need_a_session() {
    let f = fixture().await;
    let error = f
        .store
        .create_record(
            &f.memory,
            NewRecord {
                memory_strategy_id: "summaries".into(),
                actor_id: "alice".into(),
                session_id: None,
                text: "x".into(),
                topic: None,
                source_event_ids: vec![],
            },
        )
        .await
        .expect_err("summary without session");
    assert!(error.to_string().contains("sessionId"), "{error}");
}
