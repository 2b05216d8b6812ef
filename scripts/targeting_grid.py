#!/usr/bin/env python3
"""The targeting model's speed/quality grid on the KCS data (docs/targeting.md,
"Speed and quality").

For every max_depth x learning_rate (early stopping on the second file, as
targeting_bench trains), runs targeting_bench once, keeps the trained model,
and records: trees kept, tree steps per row (the sum of the trees' depths:
Cordon's evaluator walks every tree to its depth), model file size, training
CPU seconds, scoring and path-attribution CPU time per row, AUC and
precision at 1, 2, 5 and 10 %.

    scripts/targeting_grid.py --bench build/bench/targeting_bench \\
        --check valid=DATA_DIR --check q4=/tmp/kcs-q4 --results /tmp/grid.jsonl

DATA_DIR holds df_syn_train_eng.csv and df_syn_valid_eng.csv (the bench's
CORDON_KCS_DATA); scripts/kcs_split_quarter.py writes the 2020 Q1-Q3 -> Q4
pair. Results are appended to --results one JSON object per run, and runs
already there are skipped, so an interrupted grid resumes. Runs go one at a
time: the machine is shared.
"""
import argparse
import json
import os
import re
import struct
import subprocess
import sys
import zlib


def tree_depths(model_path):
    """Depth of every tree of a Cordon model file (docs/targeting.md, "Model file")."""
    with open(model_path, "rb") as file:
        data = file.read()
    if data[:8] != b"CORDONTM":
        raise ValueError(f"{model_path}: not a Cordon model file")
    payload_length, compressed_length = struct.unpack_from("<QQ", data, 12)
    payload = zlib.decompress(data[28:28 + compressed_length])
    if len(payload) != payload_length:
        raise ValueError(f"{model_path}: payload length does not match")
    (header_length,) = struct.unpack_from("<Q", payload, 0)
    (booster_length,) = struct.unpack_from("<Q", payload, 8 + header_length)
    start = 16 + header_length
    booster = json.loads(payload[start:start + booster_length])
    depths = []
    for tree in booster["learner"]["gradient_booster"]["model"]["trees"]:
        left, right = tree["left_children"], tree["right_children"]
        deepest, stack = 0, [(0, 0)]
        while stack:
            node, depth = stack.pop()
            if left[node] == -1:
                deepest = max(deepest, depth)
            else:
                stack.append((left[node], depth + 1))
                stack.append((right[node], depth + 1))
        depths.append(deepest)
    return depths


def parse_bench(output):
    """The figures targeting_bench prints."""
    def find(pattern):
        match = re.search(pattern, output)
        if not match:
            raise ValueError(f"targeting_bench output lacks /{pattern}/:\n{output}")
        return match.group(1)

    metrics = json.loads(find(r"(\{\"rows\".*\})"))
    return {
        "trees": int(find(r"trees kept: (\d+)")),
        "train_cpu_s": float(find(r"training: [\d.]+ s wall, ([\d.]+) s CPU")),
        "score_us": 1e6 / float(find(r"scoring: ([\d.]+) declarations/s")),
        "explain_us": 1e6 / float(find(r"explaining: ([\d.]+) declarations/s on one core \(approx")),
        "bytes": int(find(r"model file: (\d+) bytes")),
        "metrics": metrics,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench", required=True, help="targeting_bench binary")
    parser.add_argument("--check", action="append", required=True,
                        help="NAME=DATA_DIR; repeatable")
    parser.add_argument("--results", required=True, help="JSON Lines file to append to")
    parser.add_argument("--depths", default="4,5,6,8")
    parser.add_argument("--rates", default="0.1,0.2,0.3", help="learning rates")
    parser.add_argument("--option", action="append", default=[],
                        help="NAME=VALUE passed to every run (e.g. min_child_weight=5)")
    parser.add_argument("--models", default=None,
                        help="folder for the trained models (default: beside --results)")
    args = parser.parse_args()

    models = args.models or os.path.dirname(os.path.abspath(args.results))
    done = set()
    if os.path.exists(args.results):
        with open(args.results) as file:
            for line in file:
                row = json.loads(line)
                done.add((row["check"], row["max_depth"], row["learning_rate"],
                          tuple(row["options"])))
    env = dict(os.environ, OMP_WAIT_POLICY="passive")
    for check in args.check:
        name, _, data_dir = check.partition("=")
        for depth in [int(d) for d in args.depths.split(",")]:
            for rate in [float(r) for r in args.rates.split(",")]:
                key = (name, depth, rate, tuple(args.option))
                if key in done:
                    continue
                tag = f"{name}_d{depth}_lr{rate}" + "".join("_" + o for o in args.option)
                model_path = os.path.join(models, tag.replace("=", "") + ".model")
                command = [args.bench, "--option", f"max_depth={depth}",
                           "--option", f"learning_rate={rate}", "--save", model_path]
                for option in args.option:
                    command += ["--option", option]
                run = subprocess.run(command, env=dict(env, CORDON_KCS_DATA=data_dir),
                                     capture_output=True, text=True)
                if run.returncode != 0:
                    sys.exit(f"{' '.join(command)} failed:\n{run.stdout}{run.stderr}")
                row = {"check": name, "max_depth": depth, "learning_rate": rate,
                       "options": args.option}
                row.update(parse_bench(run.stdout))
                depths = tree_depths(model_path)
                if len(depths) != row["trees"]:
                    sys.exit(f"{model_path}: {len(depths)} trees, the bench said {row['trees']}")
                row["steps"] = sum(depths)
                with open(args.results, "a") as file:
                    file.write(json.dumps(row) + "\n")
                m = row["metrics"]
                print(f"{tag}: trees {row['trees']} steps {row['steps']} "
                      f"auc {m['auc']:.4f} p@1 {m['precision@1']:.3f} p@2 {m['precision@2']:.3f} "
                      f"p@5 {m['precision@5']:.3f} p@10 {m['precision@10']:.3f} "
                      f"train {row['train_cpu_s']:.1f} s CPU score {row['score_us']:.2f} us",
                      flush=True)

    print_table(args.results)


def print_table(results):
    """One Markdown table per check, as docs/targeting.md shows them."""
    with open(results) as file:
        rows = [json.loads(line) for line in file]
    for check in dict.fromkeys(row["check"] for row in rows):
        print(f"\n{check}:\n")
        print("| max_depth | learning_rate | other | trees | steps/row | file KB | train CPU s "
              "| score µs/row | attribution µs/row | AUC | P@1 | P@2 | P@5 | P@10 |")
        print("| ---: " * 2 + "| --- " + "| ---: " * 11 + "|")
        ordered = sorted((row for row in rows if row["check"] == check),
                         key=lambda row: (-row["max_depth"], row["learning_rate"], row["options"]))
        for row in ordered:
            m = row["metrics"]
            print(f"| {row['max_depth']} | {row['learning_rate']:g} "
                  f"| {', '.join(row['options'])} | {row['trees']} | {row['steps']:,} "
                  f"| {row['bytes'] / 1000:,.0f} | {row['train_cpu_s']:.1f} "
                  f"| {row['score_us']:.1f} | {row['explain_us']:.1f} | {m['auc']:.4f} "
                  f"| {m['precision@1']:.3f} | {m['precision@2']:.3f} | {m['precision@5']:.3f} "
                  f"| {m['precision@10']:.3f} |")


if __name__ == "__main__":
    main()
