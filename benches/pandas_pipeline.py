#!/usr/bin/env python3
"""The pipeline analysts use today, as the benchmark's comparison: read an SDMX-TSV with
pandas, melt the periods into rows, split values from flags, and write to SQLite with to_sql.

Usage: pandas_pipeline.py IN.tsv OUT.db
"""
import sqlite3
import sys

import pandas as pd


def main():
    src, db = sys.argv[1], sys.argv[2]
    df = pd.read_csv(src, sep="\t", dtype=str)
    key = df.columns[0]
    dims = key.split("\\")[0].split(",")
    df[dims] = df[key].str.split(",", expand=True)
    df = df.drop(columns=[key])
    long = df.melt(id_vars=dims, var_name="time_period", value_name="cell")
    long["time_period"] = long["time_period"].str.strip()
    parts = long["cell"].str.split(" ", n=1, expand=True)
    long["obs_value"] = pd.to_numeric(parts[0].where(parts[0] != ":"), errors="coerce")
    long["obs_flag"] = parts[1].fillna("").str.strip()
    long = long.drop(columns=["cell"])
    with sqlite3.connect(db) as con:
        long.to_sql("obs", con, if_exists="replace", index=False, chunksize=100_000)


if __name__ == "__main__":
    main()
