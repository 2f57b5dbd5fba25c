//! Full-text search on both engines: words, phrases, prefixes, operators, facets, cursors,
//! and access inside the query (markings and post scope), kept current by every write.

use super::{actor, case, seed_posts, source};
use chancery_domain::search::Query;
use chancery_domain::{Marking, NonEmptyText, Source};
use chancery_store::testing::TestDb;
use chancery_store::{Backend, SearchFilter, SearchResults, SearchScope, SearchSort};
use serde_json::json;

fn everyone() -> SearchScope {
    SearchScope {
        sbu: false,
        post: None,
    }
}

fn cleared() -> SearchScope {
    SearchScope {
        sbu: true,
        post: None,
    }
}

fn post(p: &str, sbu: bool) -> SearchScope {
    SearchScope {
        sbu,
        post: Some(p.into()),
    }
}

async fn find(db: &TestDb, q: &str, scope: &SearchScope) -> SearchResults {
    find_with(db, q, scope, &SearchFilter::default()).await
}

async fn find_with(
    db: &TestDb,
    q: &str,
    scope: &SearchScope,
    filter: &SearchFilter,
) -> SearchResults {
    db.store
        .search(
            &Query::parse(q).unwrap(),
            scope,
            filter,
            SearchSort::Relevance,
            None,
            50,
        )
        .await
        .unwrap()
}

fn ids(r: &SearchResults) -> Vec<(String, i64)> {
    let mut v: Vec<(String, i64)> = r
        .hits
        .iter()
        .map(|h| (h.record_type.clone(), h.record_id))
        .collect();
    v.sort();
    v
}

/// A case marked U throughout (cases default to SBU).
fn ucase(post: &str, country: &str, title: &str, source_id: i64) -> chancery_domain::Case {
    let mut c = case(post, country, title, source_id);
    c.marking = Marking::U;
    c.summary_marking = Marking::U;
    c
}

fn text(s: &str) -> NonEmptyText {
    NonEmptyText::parse(s, 5000).unwrap()
}

pub async fn search_matches_words_phrases_prefixes_and_operators(db: &TestDb) {
    seed_posts(db).await;
    let s = &db.store;
    let ctx = actor(db, "editor").await;
    let src = s
        .create(&source("Report on the Stadtpark assault"), &ctx)
        .await
        .unwrap();
    let mut c = ucase("berlin", "DE", "Assault in the Stadtpark", src.id.get());
    c.summary =
        text("Two men attacked a visitor near the fountain; the district court convicted them.");
    let berlin = s.create(&c, &ctx).await.unwrap();
    let mut c2 = ucase(
        "stockholm",
        "SE",
        "Threats against a reporter",
        src.id.get(),
    );
    c2.summary = text("Messages threatened the reporter; the court acquitted.");
    let stockholm = s.create(&c2, &ctx).await.unwrap();

    let r = find(db, "stadtpark", &everyone()).await;
    assert_eq!(
        ids(&r),
        vec![
            ("case".to_string(), berlin.id.get()),
            ("source".to_string(), src.id.get())
        ]
    );
    assert_eq!(r.total, 2);
    // The title weighs more than the body: the case (title) ranks before... both have it in
    // the title, so just check every hit carries a highlighted snippet or title.
    assert!(r.hits.iter().all(|h| !h.title.is_empty()));
    let facet = |r: &SearchResults, f: &str, v: &str| {
        r.facets
            .iter()
            .find(|x| x.facet == f && x.value == v)
            .map(|x| x.count)
    };
    assert_eq!(facet(&r, "type", "case"), Some(1));
    assert_eq!(facet(&r, "type", "source"), Some(1));
    assert_eq!(facet(&r, "country", "DE"), Some(1));
    assert_eq!(facet(&r, "post", "berlin"), Some(1));

    // prefix, phrase, OR, NOT, field
    assert_eq!(find(db, "stadtp*", &everyone()).await.total, 2);
    assert_eq!(find(db, "\"district court\"", &everyone()).await.total, 1);
    assert_eq!(find(db, "\"court district\"", &everyone()).await.total, 0);
    assert_eq!(
        find(db, "fountain OR acquitted", &everyone()).await.total,
        2
    );
    assert_eq!(find(db, "court NOT acquitted", &everyone()).await.total, 1);
    assert_eq!(
        find(db, "court -convicted", &everyone()).await.hits[0].record_id,
        stockholm.id.get()
    );
    assert_eq!(find(db, "title:reporter", &everyone()).await.total, 1);
    assert_eq!(find(db, "title:acquitted", &everyone()).await.total, 0);
    assert_eq!(
        find(db, "(fountain OR acquitted) AND visitor", &everyone())
            .await
            .total,
        1
    );
    // On PostgreSQL a stop word of a row's language is dropped for that row (`men` is one in
    // Swedish), as its text search does; it still counts under `simple` elsewhere.
    // case and diacritics do not matter
    assert_eq!(find(db, "STADTPARK", &everyone()).await.total, 2);

    // snippets mark the matched word
    let r = find(db, "fountain", &everyone()).await;
    let snip = &r.hits[0].snippet;
    assert!(
        snip.contains(&format!(
            "{}fountain{}",
            chancery_store::search::HIT_START,
            chancery_store::search::HIT_END
        )),
        "{snip:?}"
    );

    // filters
    let only_sources = SearchFilter {
        types: vec!["source".into()],
        ..Default::default()
    };
    assert_eq!(
        ids(&find_with(db, "stadtpark", &everyone(), &only_sources).await),
        vec![("source".to_string(), src.id.get())]
    );
    let se = SearchFilter {
        countries: vec!["SE".into()],
        ..Default::default()
    };
    assert_eq!(find_with(db, "court", &everyone(), &se).await.total, 1);
}

pub async fn search_filters_markings_and_posts_inside_the_query(db: &TestDb) {
    seed_posts(db).await;
    let s = &db.store;
    let ctx = actor(db, "editor").await;
    let src = s.create(&source("A public source"), &ctx).await.unwrap();
    // A U case whose SBU summary holds a word found nowhere else.
    let mut c = ucase("berlin", "DE", "Visible title Lindenweg", src.id.get());
    c.summary = text("The informant Quellwort described the Lindenweg events.");
    c.summary_marking = Marking::SBU;
    let portion = s.create(&c, &ctx).await.unwrap();
    // An SBU case of Stockholm.
    let mut c2 = ucase("stockholm", "SE", "Hidden matter Lindenweg", src.id.get());
    c2.marking = Marking::SBU;
    c2.summary_marking = Marking::SBU;
    let sbu_case = s.create(&c2, &ctx).await.unwrap();
    // An SBU source.
    let mut hidden_src = source("Secret source Lindenweg");
    hidden_src.marking = Marking::SBU;
    let hidden_src = s.create(&hidden_src, &ctx).await.unwrap();

    // Without SBU access: the SBU-only word finds nothing, and no count says otherwise.
    let r = find(db, "quellwort", &everyone()).await;
    assert_eq!(r.total, 0);
    assert!(r.hits.is_empty() && r.facets.is_empty());
    let r = find(db, "lindenweg", &everyone()).await;
    assert_eq!(ids(&r), vec![("case".to_string(), portion.id.get())]);
    assert_eq!(r.total, 1);
    assert!(r.facets.iter().all(|f| f.count == 1), "{:?}", r.facets);
    assert!(
        !r.facets
            .iter()
            .any(|f| f.value == "SBU" || f.value == "stockholm")
    );
    assert!(!r.hits[0].snippet.contains("Quellwort") && !r.hits[0].snippet.contains("informant"));
    assert!(!r.hits[0].shows_sbu);

    // With SBU access: every record, each once.
    let r = find(db, "lindenweg", &cleared()).await;
    assert_eq!(
        ids(&r),
        vec![
            ("case".to_string(), portion.id.get()),
            ("case".to_string(), sbu_case.id.get()),
            ("source".to_string(), hidden_src.id.get()),
        ]
    );
    assert_eq!(r.total, 3);
    assert!(r.hits.iter().all(|h| h.shows_sbu));
    assert_eq!(find(db, "quellwort", &cleared()).await.total, 1);

    // A post sees its own records and the sources no post owns, nothing of other posts.
    let r = find(db, "lindenweg", &post("berlin", true)).await;
    assert_eq!(
        ids(&r),
        vec![
            ("case".to_string(), portion.id.get()),
            ("source".to_string(), hidden_src.id.get()),
        ]
    );
    let r = find(db, "lindenweg", &post("stockholm", false)).await;
    assert!(r.hits.is_empty() && r.total == 0);
    assert_eq!(
        find(db, "quellwort", &post("stockholm", true)).await.total,
        0
    );
}

pub async fn search_is_kept_current_by_updates_archives_and_redactions(db: &TestDb) {
    seed_posts(db).await;
    let s = &db.store;
    let ctx = actor(db, "editor").await;
    let src = s.create(&source("Ordinary source"), &ctx).await.unwrap();
    let mut c = ucase("berlin", "DE", "Altertitel case", src.id.get());
    c.summary = text("Witness Fictitia Exampleperson testified about Brunnenplatz.");
    let rec = s.create(&c, &ctx).await.unwrap();
    assert_eq!(find(db, "altertitel", &everyone()).await.total, 1);

    c.title = text("Neutitel case");
    s.update(rec.id, 1, &c, &ctx).await.unwrap();
    assert_eq!(find(db, "altertitel", &everyone()).await.total, 0);
    assert_eq!(find(db, "neutitel", &everyone()).await.total, 1);

    // Making the summary SBU takes it out of what users without SBU access search.
    c.summary_marking = Marking::SBU;
    s.update(rec.id, 2, &c, &ctx).await.unwrap();
    assert_eq!(find(db, "brunnenplatz", &everyone()).await.total, 0);
    assert_eq!(find(db, "brunnenplatz", &cleared()).await.total, 1);

    // An archived text is searchable at once, as part of its source.
    let archive = chancery_store::NewArchive {
        sha256: "a".repeat(64),
        media_type: "text/plain".into(),
        size_bytes: 10,
        text: Some("Das Urteil des Landgerichts wurde verkündet.".into()),
        extraction: chancery_store::Extraction::Ok,
        ..Default::default()
    };
    let mut german = source("Gerichtsbericht");
    german.language = Some(chancery_domain::Language::parse("de").unwrap());
    let german = s.create(&german, &ctx).await.unwrap();
    s.add_archive(german.id, &archive, &ctx).await.unwrap();
    let r = find(db, "landgerichts", &everyone()).await;
    assert_eq!(ids(&r), vec![("source".to_string(), german.id.get())]);
    assert_eq!(
        find(db, "verkundet", &everyone()).await.total,
        1,
        "diacritics folded or stemmed"
    );
    if db.store.backend() == Backend::Postgres {
        // German stemming: an inflected form finds the word.
        assert_eq!(find(db, "urteils", &everyone()).await.total, 1);
    }

    // A redacted word is gone from the index in the redaction's transaction.
    let request = chancery_domain::RedactionRequest::from_json(&json!({"record_type": "case",
        "record_id": rec.id.get(), "field": "summary", "reason": "A private name saved by mistake"}))
    .unwrap();
    let req = s.create(&request, &actor(db, "admin").await).await.unwrap();
    s.decide_redaction(req.id, 1, true, &ctx).await.unwrap();
    for scope in [everyone(), cleared()] {
        assert_eq!(find(db, "exampleperson", &scope).await.total, 0);
        assert_eq!(find(db, "brunnenplatz", &scope).await.total, 0);
    }
    assert_eq!(
        find(db, "neutitel", &everyone()).await.total,
        1,
        "the rest stays"
    );
    if db.store.backend() == Backend::Sqlite {
        // Not only unmatched: the term is gone from the FTS5 index itself (its vocabulary).
        let file = db.dir.as_ref().unwrap().path().join("chancery.db");
        let conn = rusqlite::Connection::open(file).unwrap();
        conn.execute_batch(
            "CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, 'search_fts', 'row')",
        )
        .unwrap();
        let count = |term: &str| -> i64 {
            conn.query_row(
                "SELECT count(*) FROM temp.vocab WHERE term = ?1",
                [term],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert_eq!(count("neutitel"), 1, "the check reads the index");
        assert_eq!(
            count("exampleperson"),
            0,
            "no vocabulary entry for the redacted word"
        );
        assert_eq!(count("brunnenplatz"), 0);
    }
}

pub async fn search_pages_with_cursors_in_both_orders(db: &TestDb) {
    seed_posts(db).await;
    let s = &db.store;
    let ctx = actor(db, "editor").await;
    let mut made = Vec::new();
    for i in 0..7 {
        let mut src: Source = source(&format!("Pagination word{i} Seitenwort"));
        src.published =
            Some(chancery_domain::PartialDate::parse(&format!("202{}", i % 3)).unwrap());
        made.push(s.create(&src, &ctx).await.unwrap().id.get());
    }
    for sort in [SearchSort::Relevance, SearchSort::Date] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let r = s
                .search(
                    &Query::parse("seitenwort").unwrap(),
                    &everyone(),
                    &SearchFilter::default(),
                    sort,
                    cursor.as_deref(),
                    3,
                )
                .await
                .unwrap();
            assert_eq!(r.total, 7);
            pages += 1;
            if sort == SearchSort::Date {
                let dates: Vec<_> = r.hits.iter().map(|h| h.date.clone()).collect();
                let mut sorted = dates.clone();
                sorted.sort_by(|a, b| b.cmp(a));
                assert_eq!(dates, sorted, "newest first");
            }
            seen.extend(r.hits.iter().map(|h| h.record_id));
            match r.next {
                Some(n) => cursor = Some(n),
                None => break,
            }
        }
        assert_eq!(pages, 3);
        seen.sort();
        let mut want = made.clone();
        want.sort();
        assert_eq!(seen, want, "every hit once ({sort:?})");
    }
    // Year and date range filters.
    let y = SearchFilter {
        years: vec![2021],
        ..Default::default()
    };
    assert_eq!(find_with(db, "seitenwort", &everyone(), &y).await.total, 2);
    let range = SearchFilter {
        from: chrono::NaiveDate::from_ymd_opt(2021, 1, 1),
        to: chrono::NaiveDate::from_ymd_opt(2022, 12, 31),
        ..Default::default()
    };
    assert_eq!(
        find_with(db, "seitenwort", &everyone(), &range).await.total,
        4
    );
    // A cursor that was not given out is refused, named.
    let bad = s
        .search(
            &Query::parse("seitenwort").unwrap(),
            &everyone(),
            &SearchFilter::default(),
            SearchSort::Relevance,
            Some("not-a-cursor"),
            3,
        )
        .await;
    assert!(matches!(bad, Err(chancery_store::StoreError::Invalid(_))));
}

pub async fn search_index_is_rebuilt_for_existing_records(db: &TestDb) {
    seed_posts(db).await;
    let s = &db.store;
    let ctx = actor(db, "editor").await;
    let src = s
        .create(&source("Rebuildable Wiederwort"), &ctx)
        .await
        .unwrap();
    s.create(
        &ucase("berlin", "DE", "Another Wiederwort", src.id.get()),
        &ctx,
    )
    .await
    .unwrap();
    // As a database migrated before the index existed: rows missing.
    s.execute_raw("DELETE FROM search_docs").await.unwrap();
    assert_eq!(find(db, "wiederwort", &everyone()).await.total, 0);
    s.migrate().await.unwrap();
    assert_eq!(find(db, "wiederwort", &everyone()).await.total, 2);
    assert_eq!(s.rebuild_search_index().await.unwrap(), 2);
    assert_eq!(find(db, "wiederwort", &everyone()).await.total, 2);
}
