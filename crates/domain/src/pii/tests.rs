use proptest::prelude::*;

use super::{PiiHit, PiiKind, check};

fn hits_of(text: &str, kind: PiiKind) -> Vec<String> {
    check(text)
        .into_iter()
        .filter(|h| h.kind == kind)
        .map(|h| h.text)
        .collect()
}

#[test]
fn finds_emails() {
    assert_eq!(
        hits_of("Write to anna.k@example.org today.", PiiKind::Email),
        ["anna.k@example.org"]
    );
    assert_eq!(
        hits_of(
            "Mail: j.bancroft1998@example.co.uk, or press@example-ministry.eu.",
            PiiKind::Email
        ),
        ["j.bancroft1998@example.co.uk", "press@example-ministry.eu"]
    );
    assert_eq!(
        hits_of("Kontakt: jörg.müller@beispiel.de", PiiKind::Email),
        ["jörg.müller@beispiel.de"]
    );
    assert!(hits_of("Follow @chancery on X; a@b is no address.", PiiKind::Email).is_empty());
    assert!(hits_of("The ratio was 3 @ 5 percent.", PiiKind::Email).is_empty());
}

#[test]
fn finds_phone_numbers() {
    for (text, number) in [
        ("Ring 070-123 45 67 i dag.", "070-123 45 67"),
        ("Tel. +46 8 123 456 78.", "+46 8 123 456 78"),
        ("Call 07700 900461 now.", "07700 900461"),
        ("Call +44 20 7946 0321.", "+44 20 7946 0321"),
        ("Telefon 040 / 4286-56789 (Wache).", "040 / 4286-56789"),
        ("Handy: 0176 12345678", "0176 12345678"),
        ("Tel. (040) 123 45 67", "(040) 123 45 67"),
        ("Telefon +49 (0)40 1234567", "+49 (0)40 1234567"),
    ] {
        assert_eq!(hits_of(text, PiiKind::Phone), [number], "{text}");
    }
}

#[test]
fn leaves_other_numbers_alone() {
    for text in [
        "Am 01.05.2025 um 23:40 Uhr.",
        "Im Jahr 2024 wurden 5.837.445 Straftaten registriert.",
        "About 1,400 children between 1997 and 2013.",
        "Aktenzeichen 5 StR 123/24 vom 14.05.2025.",
        "Målet B 1234-25 avgjordes den 3 oktober; skadestånd 240 000 kronor.",
        "Section 127 of the Communications Act 2003; § 185 StGB.",
        "Personnummer-like 19900101-1234 is not a phone number here.",
    ] {
        assert!(
            hits_of(text, PiiKind::Phone).is_empty(),
            "{text}: {:?}",
            check(text)
        );
    }
}

#[test]
fn finds_street_addresses() {
    for (text, address) in [
        (
            "Sie wohnte in der Musterstraße 12 in Hamburg.",
            "Musterstraße 12",
        ),
        (
            "Er wohnte in der Bahnhofstr. 7 in Neumünster.",
            "Bahnhofstr. 7",
        ),
        (
            "Vor dem Haus Hauptstraße 5a in 22041 Hamburg.",
            "Hauptstraße 5a",
        ),
        (
            "Die Wohnung Am Lindenhof 14 wurde durchsucht.",
            "Am Lindenhof 14",
        ),
        (
            "Händelsen inträffade utanför Storgatan 5 i Skellefteå.",
            "Storgatan 5",
        ),
        (
            "Lägenheten på Kungsvägen 4 B genomsöktes.",
            "Kungsvägen 4 B",
        ),
        (
            "Hon bor på Drottninggatan 12B i Stockholm.",
            "Drottninggatan 12B",
        ),
        (
            "The flat at 12 Example Road, Leeds, was searched.",
            "12 Example Road",
        ),
        ("She lived at 3 Cranbrook Avenue.", "3 Cranbrook Avenue"),
        ("They met at 17 Mill Lane on Friday.", "17 Mill Lane"),
    ] {
        assert_eq!(hits_of(text, PiiKind::StreetAddress), [address], "{text}");
    }
}

#[test]
fn leaves_statutes_and_years_alone() {
    for text in [
        "He was also convicted under section 3 Road Traffic Act 1988.",
        "Im Jahr 2024 stieg die Zahl.",
        "Im Mai 2025 verwarf der BGH die Revisionen.",
        "Demonstrationen gick längs Drottninggatan till Sergels torg.",
        "Die Tat geschah nahe der Jarrestraße.",
        "Article 8 ECHR and Art. 3 GG.",
    ] {
        assert!(
            hits_of(text, PiiKind::StreetAddress).is_empty(),
            "{text}: {:?}",
            check(text)
        );
    }
}

#[test]
fn finds_names_with_cues() {
    for (text, name) in [
        (
            "Der Angeklagte Jörg Petersen (46) schwieg.",
            "Jörg Petersen",
        ),
        ("Herr Brandtner bestreitet alles.", "Brandtner"),
        ("Anna K. (19) wurde verurteilt.", "Anna K."),
        ("Karl Svensson, 34, dömdes.", "Karl Svensson"),
        (
            "A man named Yonas Tesfamariam was detained.",
            "Yonas Tesfamariam",
        ),
        ("Mannen, som heter Yonas Habte, greps.", "Yonas Habte"),
        ("Johansson, Lina Maria, dömdes.", "Johansson, Lina Maria"),
        (
            "The victim's mother, Sarah Whitcombe, spoke.",
            "Sarah Whitcombe",
        ),
        (
            "Serkan Doğan's lawyer said he would appeal.",
            "Serkan Doğan",
        ),
    ] {
        assert_eq!(hits_of(text, PiiKind::PersonName), [name], "{text}");
    }
}

#[test]
fn leaves_courts_places_and_capitalised_nouns_alone() {
    for text in [
        "Das Landgericht Hamburg verurteilte am 28. November 2023 neun von zehn Angeklagten.",
        "Hovrätten för Övre Norrland dömde den 18-årige mannen.",
        "The Home Office and Eurostat published figures on Thursday.",
        "Im August 2024 legte das Bundeskriminalamt das Lagebild vor.",
        "Frau Ministerin, wie bewerten Sie das Urteil?",
        "Per capita rates differ.",
        "Sankt Georg und St. Pauli gelten als Brennpunkte.",
    ] {
        assert!(check(text).is_empty(), "{text}: {:?}", check(text));
    }
}

#[test]
fn offsets_are_in_chars_not_bytes() {
    let text = "Zeugin Ayşe Öztürk-Çelik (23) aus Malmö: ayşe@example.se";
    let hits = check(text);
    let chars: Vec<char> = text.chars().collect();
    assert!(!hits.is_empty());
    for h in &hits {
        let slice: String = chars[h.start..h.end].iter().collect();
        assert_eq!(slice, h.text);
    }
    let name = hits
        .iter()
        .find(|h| h.kind == PiiKind::PersonName)
        .expect("a name");
    assert_eq!((name.start, name.end), (7, 24));
    assert_eq!(name.text, "Ayşe Öztürk-Çelik");
    let email = hits
        .iter()
        .find(|h| h.kind == PiiKind::Email)
        .expect("an e-mail");
    assert_eq!((email.start, email.end), (41, 56));
}

#[test]
fn hits_are_sorted_and_disjoint() {
    let text = "Mrs Pickering (52), 14 Ashgrove Road, Bradford, 07700 900461, \
                k.pickering@example.org; her neighbour Ayaan Nur and Mr Okonkwo-Baptiste.";
    let hits = check(text);
    assert!(hits.len() >= 5, "{hits:?}");
    for pair in hits.windows(2) {
        assert!(pair[0].end <= pair[1].start, "{pair:?}");
    }
    let kinds: Vec<PiiKind> = hits.iter().map(|h| h.kind).collect();
    for kind in [
        PiiKind::PersonName,
        PiiKind::StreetAddress,
        PiiKind::Phone,
        PiiKind::Email,
    ] {
        assert!(kinds.contains(&kind), "{kind:?} missing in {hits:?}");
    }
}

#[test]
fn kind_serializes_as_snake_case() {
    let hit = PiiHit {
        kind: PiiKind::StreetAddress,
        start: 0,
        end: 1,
        text: "x".into(),
    };
    let json = serde_json::to_value(&hit).expect("serializes");
    assert_eq!(json["kind"], "street_address");
    assert_eq!(
        serde_json::to_value(PiiKind::PersonName).expect("serializes"),
        "person_name"
    );
    for k in [
        PiiKind::PersonName,
        PiiKind::Email,
        PiiKind::Phone,
        PiiKind::StreetAddress,
    ] {
        assert_eq!(serde_json::to_value(k).expect("serializes"), k.as_str());
    }
}

#[test]
fn empty_and_odd_inputs() {
    for text in [
        "",
        " ",
        "\n\n",
        "@",
        "+",
        "(0",
        "A.",
        "Mr",
        "Herr ",
        "x@y.",
        "0".repeat(40).as_str(),
        "\u{301}Ä\u{301}",
    ] {
        for h in check(text) {
            assert!(h.start < h.end && h.end <= text.chars().count());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_and_offsets_fit(text in any::<String>()) {
        let n = text.chars().count();
        let hits = check(&text);
        let mut last = 0;
        for h in &hits {
            prop_assert!(h.start < h.end && h.end <= n);
            prop_assert!(h.start >= last);
            last = h.end;
        }
    }

    #[test]
    fn never_panics_on_name_like_text(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("Herr".to_string()), Just("Anna".to_string()), Just("K.".to_string()),
                Just("(19)".to_string()), Just(",".to_string()), Just("12".to_string()),
                Just("Storgatan".to_string()), Just("+46".to_string()), Just("@".to_string()),
                Just("und".to_string()), Just("van".to_string()), "[A-ZÅÄÖ][a-zåäöış]{0,8}",
                "[0-9 ./-]{1,6}",
            ],
            0..24,
        )
    ) {
        let text = parts.join(" ");
        let n = text.chars().count();
        for h in check(&text) {
            prop_assert!(h.start < h.end && h.end <= n);
        }
    }
}
