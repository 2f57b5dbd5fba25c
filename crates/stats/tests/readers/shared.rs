//! The fixtures against the shared test data they were taken from, when it is present: each
//! copy equals its original byte for byte, and the cut `migr_pop1ctz_reshaped.csv` keeps its
//! original's header and a subset of its rows, in order. Without shared data this says so and
//! checks nothing.

use crate::common::*;

/// Fixtures cut from a larger shared file (`tests/data/SOURCES.md`), with the observation
/// count of the whole shared file.
const CUT: &[(&str, usize)] = &[("eurostat/migr_pop1ctz_reshaped.csv", 57328)];

#[test]
fn fixtures_are_copies_or_cuts_of_the_shared_data() {
    let Some(shared) = shared_data_dir() else {
        eprintln!(
            "skipped: no shared/data (set CHANCERY_SHARED_DATA or put shared/ beside the \
             checkout) to compare the fixtures with"
        );
        return;
    };
    eprintln!("comparing the fixtures with {}", shared.display());
    for (rel, map, ..) in FILES {
        let fixture = std::fs::read_to_string(data(rel)).unwrap();
        let original_path = shared.join(rel);
        let original = std::fs::read_to_string(&original_path)
            .unwrap_or_else(|e| panic!("{}: {e}", original_path.display()));
        match CUT.iter().find(|(c, _)| c == rel) {
            None => assert!(
                fixture == original,
                "{rel} differs from its shared original"
            ),
            Some((_, whole_count)) => {
                let mut rows = original.lines();
                let mut fixture_lines = fixture.lines();
                assert_eq!(fixture_lines.next(), rows.next(), "{rel}: header");
                for line in fixture_lines {
                    assert!(
                        rows.any(|r| r == line),
                        "{rel}: {line:?} is not a row of the shared file (in order)"
                    );
                }
                // the whole shared file still reads with its original count
                let m = map.map(mapping);
                let (_, obs) = read_all(&original_path, m.as_ref());
                assert_eq!(obs.len(), *whole_count, "{rel} in shared/data");
            }
        }
    }
}
