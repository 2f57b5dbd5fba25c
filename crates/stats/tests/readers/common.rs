use chancery_stats::{Header, RawObs, ReadError, Vocabulary, read};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The committed fixtures: real files copied, or cut, from `shared/data` (`tests/data/SOURCES.md`).
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// The project's shared test data, when there is one: `CHANCERY_SHARED_DATA` (which must then
/// exist), else `shared/data` beside the checkout. Only extra comparisons use it.
pub fn shared_data_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("CHANCERY_SHARED_DATA") {
        let d = PathBuf::from(d);
        assert!(
            d.join("SOURCES.md").is_file(),
            "CHANCERY_SHARED_DATA={} holds no SOURCES.md",
            d.display()
        );
        return Some(d);
    }
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    beside.join("SOURCES.md").is_file().then_some(beside)
}

pub fn data(rel: &str) -> PathBuf {
    let p = data_dir().join(rel);
    assert!(p.exists(), "missing test data {}", p.display());
    p
}

/// (path, mapping name, dataset, dimensions, observation count).
pub type Expected = (
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    &'static [&'static str],
    usize,
);

/// Every real file with what it must read as.
pub const FILES: &[Expected] = &[
    (
        "eurostat/crim_pris_ctz_labels.csv",
        None,
        Some("crim_pris_ctz"),
        &["freq", "citizen", "unit", "geo"],
        2188,
    ),
    (
        "eurostat/demo_gind_population_labels.csv",
        None,
        Some("demo_gind"),
        &["freq", "indic_de", "geo"],
        1093,
    ),
    (
        "eurostat/demo_r_gind3_excerpt.tsv",
        None,
        None,
        &["indic_de", "geo"],
        13 * 20,
    ),
    (
        "eurostat/nama_10r_3gdp_sample.tsv",
        None,
        None,
        &["freq", "unit", "geo"],
        9 * 25,
    ),
    (
        "eurostat/migr_pop3ctb_sample.jsonstat.json",
        None,
        None,
        &["freq", "c_birth", "age", "unit", "sex", "geo"],
        33,
    ),
    (
        "eurostat/migr_asyappctza_sdmx_csv2_sample.csv",
        None,
        Some("migr_asyappctza"),
        &["freq", "citizen", "sex", "unit", "age", "asyl_app", "geo"],
        39,
    ),
    (
        "eurostat/migr_pop1ctz_reshaped.csv",
        Some("eurostat/migr_pop1ctz_reshaped"),
        Some("migr_pop1ctz"),
        &["citizen", "geo", "age", "freq", "sex", "unit"],
        // the cut fixture: 2,513 rows of one value each (the whole shared file has 57,328)
        2513,
    ),
    (
        "germany/t62_suspects_2025.csv",
        Some("germany/t62_suspects_2025"),
        Some("pks_t62_suspects"),
        &["citizen", "offence", "freq", "geo", "leg_stat", "unit"],
        194 * 8,
    ),
    (
        "germany/azr_nationality_2025.csv",
        Some("germany/azr_nationality_2025"),
        Some("destatis_12521_0003"),
        &["citizen", "age", "sex", "freq", "geo", "unit"],
        209 * 4,
    ),
    (
        "sweden/bra_2021_9_tabellB6_misstankta_per_fodelseland.csv",
        Some("sweden/bra_2021_9_tabellB6_misstankta_per_fodelseland"),
        Some("bra_2021_9_b6"),
        &["c_birth", "indic", "age", "geo", "sex", "unit"],
        47 * 2,
    ),
];

pub fn mapping(name: &str) -> chancery_stats::Mapping {
    chancery_stats::Mapping::shipped(name)
        .unwrap_or_else(|| panic!("no shipped mapping {name}"))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Reads a file whole, resolving labels; panics on the first error.
pub fn read_all(path: &Path, mapping: Option<&chancery_stats::Mapping>) -> (Header, Vec<RawObs>) {
    try_read_all(path, mapping).unwrap_or_else(|e| panic!("{e}"))
}

pub fn try_read_all(
    path: &Path,
    mapping: Option<&chancery_stats::Mapping>,
) -> Result<(Header, Vec<RawObs>), ReadError> {
    let reader = read::open(path, None, mapping)?;
    let resolved = reader.resolved(Vocabulary::shared())?;
    let header = resolved.header().clone();
    let obs = resolved.collect::<Result<Vec<_>, _>>()?;
    Ok((header, obs))
}

/// Reads a file to its first error (raw, unresolved), which must exist.
pub fn first_error(path: &Path, mapping: Option<&chancery_stats::Mapping>) -> ReadError {
    match read::open(path, None, mapping) {
        Err(e) => e,
        Ok(r) => match r.resolved(Vocabulary::shared()) {
            Err(e) => e,
            Ok(mut r) => loop {
                match r.next() {
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => break e,
                    None => panic!("{} read without error", path.display()),
                }
            },
        },
    }
}

/// (series key, period) -> (value, flags).
pub fn series(
    header: &Header,
    obs: &[RawObs],
) -> BTreeMap<(String, String), (Option<f64>, String)> {
    let mut out = BTreeMap::new();
    for o in obs {
        let k = (
            read::series_key(&header.dimensions, &o.key),
            o.period.clone(),
        );
        let prev = out.insert(k.clone(), (o.value, o.flags.to_string()));
        assert!(prev.is_none(), "duplicate observation {k:?}");
    }
    out
}

/// The value of the one observation whose key has these codes.
pub fn value_of(
    header: &Header,
    obs: &[RawObs],
    want: &[(&str, &str)],
    period: &str,
) -> Option<f64> {
    let idx: Vec<(usize, &str)> = want
        .iter()
        .map(|(d, c)| {
            (
                header
                    .dimensions
                    .iter()
                    .position(|x| x == d)
                    .unwrap_or_else(|| panic!("no dimension {d}")),
                *c,
            )
        })
        .collect();
    let hits: Vec<&RawObs> = obs
        .iter()
        .filter(|o| o.period == period && idx.iter().all(|(i, c)| o.key[*i] == *c))
        .collect();
    assert!(
        hits.len() <= 1,
        "{} observations match {want:?} {period}",
        hits.len()
    );
    hits.first().and_then(|o| o.value)
}
