#!/usr/bin/env python3
"""Make a votes file (JSON Lines, {"ratings":{...}} per line) for a Minping definition.

Each subject gets its own standing among residents, so the spread looks like a real
evaluation: most are well regarded, a few are not, some are unknown to part of the
representatives, and now and then a representative leaves a subject blank.

    tools/make-votes.py Ballots/fuyuan-2018.yaml --count 52 --seed 1 > votes.jsonl

With --distinct K, only K different ballots are drawn and then repeated in random order:
fast enough to write a million lines for a benchmark.
"""
import argparse
import json
import random
import sys

import yaml

DEFAULT_OPTIONS = ["satisfied", "basically_satisfied", "dissatisfied", "unknown"]


def subject_ids(definition):
    return [m["id"] for m in definition.get("members") or []] + [
        o["id"] for o in definition.get("organizations") or []
    ]


def make_ballot(rng, subjects, options, standing):
    ratings = {}
    for sid in subjects:
        if rng.random() < 0.02:
            continue  # left blank
        good = standing[sid]
        r = rng.random()
        if len(options) >= 4 and r < 0.06:
            choice = options[3]
        elif r < good:
            choice = options[0]
        elif r < good + (1 - good) * 0.6 and len(options) > 1:
            choice = options[1]
        else:
            choice = options[2 % len(options)]
        ratings[sid] = choice
    return {"ratings": ratings}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("definition")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--distinct", type=int, default=0)
    args = parser.parse_args()

    with open(args.definition, encoding="utf-8") as f:
        definition = yaml.safe_load(f)
    options = [o["id"] for o in definition.get("options") or []] or DEFAULT_OPTIONS
    subjects = subject_ids(definition)
    rng = random.Random(args.seed)
    standing = {sid: rng.choice([0.35, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9]) for sid in subjects}

    out = sys.stdout
    if args.distinct:
        pool = [json.dumps(make_ballot(rng, subjects, options, standing), ensure_ascii=False,
                           separators=(",", ":")) + "\n" for _ in range(args.distinct)]
        for start in range(0, args.count, 10000):
            n = min(10000, args.count - start)
            out.write("".join(pool[rng.randrange(len(pool))] for _ in range(n)))
    else:
        for _ in range(args.count):
            out.write(json.dumps(make_ballot(rng, subjects, options, standing), ensure_ascii=False,
                                 separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
