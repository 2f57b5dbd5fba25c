#!/usr/bin/env python3
"""Deterministic generator of an SDMX-TSV file for the import benchmark (synthetic data).

Usage: gen_sdmx_tsv.py OBSERVATIONS OUT.tsv [--csv OUT.csv]

Writes a new-layout SDMX-TSV (`freq,unit,citizen,geo\\TIME_PERIOD`) with 25 periods per line
(2000-2024), so OBSERVATIONS / 25 series. Values are a fixed function of the line and column;
about 3% of cells are missing (`:`) and about 5% carry a flag (e, p or b). With --csv it also
writes the same observations flattened to CSV (one row per observation) for the sqlite3 and
pandas baselines.
"""
import sys

PERIODS = list(range(2000, 2025))
FLAGS = ["e", "p", "b"]


def main():
    n = int(sys.argv[1])
    out = sys.argv[2]
    csv_out = sys.argv[sys.argv.index("--csv") + 1] if "--csv" in sys.argv else None
    lines = n // len(PERIODS)
    geos = [f"G{g:04d}" for g in range(1000)]
    citizens = [f"C{c:03d}" for c in range(max(1, lines // len(geos) + 1))]
    with open(out, "w", encoding="utf-8") as f, (open(csv_out, "w", encoding="utf-8") if csv_out else open("/dev/null", "w")) as c:
        f.write("freq,unit,citizen,geo\\TIME_PERIOD\t" + "\t".join(f"{p} " for p in PERIODS) + "\n")
        if csv_out:
            c.write("freq,unit,citizen,geo,time_period,obs_value,obs_flag\n")
        for i in range(lines):
            citizen = citizens[i // len(geos)]
            geo = geos[i % len(geos)]
            cells = []
            for j, p in enumerate(PERIODS):
                h = (i * 2654435761 + j * 40503) % 1000003
                if h % 33 == 0:
                    value, flag = None, ""
                    cells.append(": ")
                else:
                    value = h % 100000
                    flag = FLAGS[h % 3] if h % 20 == 1 else ""
                    cells.append(f"{value} {flag}")
                if csv_out:
                    c.write(f"A,NR,{citizen},{geo},{p},{'' if value is None else value},{flag}\n")
            f.write(f"A,NR,{citizen},{geo}\t" + "\t".join(cells) + "\n")


if __name__ == "__main__":
    main()
