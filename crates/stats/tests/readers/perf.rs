//! Reading rate on a generated SDMX-TSV: measured and printed, not asserted. Run in release
//! for the real figure: `cargo test --release -p chancery-stats --test readers -- perf --nocapture`.

use std::io::Write;
use std::time::Instant;

#[test]
fn tsv_reading_rate() {
    let n_obs: usize = if cfg!(debug_assertions) {
        100_000
    } else {
        1_000_000
    };
    let periods = 25;
    let lines = n_obs / periods;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.tsv");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        write!(f, "freq,unit,sex,age,geo\\TIME_PERIOD").unwrap();
        for y in 2000..2000 + periods {
            write!(f, "\t{y} ").unwrap();
        }
        writeln!(f).unwrap();
        for i in 0..lines {
            write!(f, "A,NR,T,Y{},R{:06}", i % 90, i).unwrap();
            for y in 0..periods {
                match (i + y) % 10 {
                    0 => write!(f, "\t: ").unwrap(),
                    1 => write!(f, "\t{} e", i * 7 + y).unwrap(),
                    2 => write!(f, "\t{}.5 p", i + y).unwrap(),
                    _ => write!(f, "\t{} ", i * 3 + y).unwrap(),
                }
            }
            writeln!(f).unwrap();
        }
    }
    let start = Instant::now();
    let reader = chancery_stats::read::open(&path, None, None).unwrap();
    let mut count = 0usize;
    let mut sum = 0.0;
    for o in reader {
        let o = o.unwrap();
        count += 1;
        sum += o.value.unwrap_or(0.0);
    }
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(count, lines * periods);
    assert!(sum > 0.0);
    println!(
        "SDMX-TSV: {count} observations in {secs:.3} s = {:.2} million observations/s ({})",
        count as f64 / secs / 1e6,
        if cfg!(debug_assertions) {
            "debug build"
        } else {
            "release build"
        }
    );
}
