#!/usr/bin/env python3
"""Splits the KCS training year for the targeting model's second check.

docs/targeting.md selects training options on KCS train (2020) -> valid
(2021 Q1) and checks them on train 2020 Q1-Q3 -> 2020 Q4, so that they are not
tuned to one quarter. This writes that second split into OUT_DIR under the
file names targeting_bench reads, so that

    scripts/kcs_split_quarter.py DATA_DIR /tmp/kcs-q4
    CORDON_KCS_DATA=/tmp/kcs-q4 build/bench/targeting_bench

runs the bench on it:

    OUT_DIR/df_syn_train_eng.csv   rows of DATA_DIR/df_syn_train_eng.csv dated
                                   before 2020-10-01 (Q1-Q3)
    OUT_DIR/df_syn_valid_eng.csv   the rows dated 2020-10-01 or later (Q4)

Only df_syn_train_eng.csv is read. Rows keep their order and their bytes; the
header is copied to both files. Keep OUT_DIR outside the repository: the data
is not committed.
"""
import argparse
import csv
import io
import os
import sys

SPLIT_DATE = "2020-10-01"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", help="folder with df_syn_train_eng.csv")
    parser.add_argument("out_dir", help="folder to write the two files into (created)")
    args = parser.parse_args()

    source = os.path.join(args.data_dir, "df_syn_train_eng.csv")
    with open(source, newline="", encoding="utf-8") as file:
        text = file.read()
    lines = text.splitlines(keepends=True)
    if not lines:
        print(f"{source}: empty", file=sys.stderr)
        return 1
    header = next(csv.reader(io.StringIO(lines[0])))
    if "Date" not in header:
        print(f'{source}: no "Date" column in the header', file=sys.stderr)
        return 1
    date_index = header.index("Date")

    before, after = [], []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = next(csv.reader(io.StringIO(line)))
        if len(fields) != len(header):
            print(f"{source} line {number}: {len(fields)} fields, header has {len(header)}",
                  file=sys.stderr)
            return 1
        date = fields[date_index][:10]
        if len(date) != 10 or date[4] != "-" or date[7] != "-":
            print(f'{source} line {number}: "{fields[date_index]}" is not a date',
                  file=sys.stderr)
            return 1
        (before if date < SPLIT_DATE else after).append(line)

    os.makedirs(args.out_dir, exist_ok=True)
    for name, rows in (("df_syn_train_eng.csv", before), ("df_syn_valid_eng.csv", after)):
        with open(os.path.join(args.out_dir, name), "w", newline="", encoding="utf-8") as out:
            out.write(lines[0])
            out.writelines(rows)
    print(f"train (before {SPLIT_DATE}): {len(before)} rows; "
          f"valid (from {SPLIT_DATE}): {len(after)} rows; in {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
