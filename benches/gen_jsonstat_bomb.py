#!/usr/bin/env python3
"""Deterministic generator of a hostile gzip JSON-stat file for the bounded-read benchmark.

Usage: gen_jsonstat_bomb.py OUT.json.gz [MIB] [--dense]

Writes a valid JSON-stat 2.0 dataset (geo 3 x time 2, six values) whose "label" is MIB MiB
(default 300) of the letter x, gzip-compressed at level 9 as it is written: about 300 KB on
disk that inflates to about 300 MiB. A reader that reads the document whole holds the text and
then the parsed label, each as large as the document.

With --dense: a dataset of just under MIB MiB whose cells are all written, as a dense "value"
array of 1s (geo 4096 codes x unit as many as fit x time 2022): the most observations a
document of that size can hold, for the cost of parsing within the cap.
"""
import gzip
import json
import sys

CHUNK = b"x" * (1 << 20)


def dense(out, mib):
    geos = [f"G{g:04d}" for g in range(4096)]
    units = [f"U{u:05d}" for u in range(((mib << 20) - (1 << 20)) // 2 // len(geos))]
    cells = len(geos) * len(units)
    with open(out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as f:
        f.write(b'{"version":"2.0","class":"dataset","id":["geo","unit","time"],')
        f.write(f'"size":[{len(geos)},{len(units)},1],"dimension":{{'.encode())
        f.write(b'"geo":{"category":{"index":' + json.dumps(geos).encode() + b"}},")
        f.write(b'"unit":{"category":{"index":' + json.dumps(units).encode() + b"}},")
        f.write(b'"time":{"category":{"index":["2022"]}}},"value":[')
        row = b"1," * len(units)
        for g in range(len(geos)):
            f.write(row if g < len(geos) - 1 else row[:-1])
        f.write(b"]}\n")
    return cells


def main():
    out = sys.argv[1]
    mib = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2] != "--dense" else 300
    if "--dense" in sys.argv:
        dense(out, mib)
        return
    with open(out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as f:
        f.write(b'{"version":"2.0","class":"dataset","label":"')
        for _ in range(mib):
            f.write(CHUNK)
        f.write(
            b'","id":["geo","time"],"size":[3,2],'
            b'"dimension":{"geo":{"category":{"index":["DE","FR","SE"]}},'
            b'"time":{"category":{"index":["2022","2023"]}}},'
            b'"value":[1,2,3,4,5,6]}\n'
        )


if __name__ == "__main__":
    main()
