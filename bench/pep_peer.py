"""Peer run for bench/pep.ts: the same PEP 440 workload on pypa/packaging.

Usage: python3 bench/pep_peer.py INPUT.json
INPUT.json holds {"versions": [...], "specifiers": [...], "min_seconds": float, "repeats": int};
prints one JSON object with rates (operations per second) and checksums to compare with pyvouch.
"""

import json
import sys
import time

import packaging
import packaging.specifiers
import packaging.version


def best_rate(work, operations, min_seconds, repeats):
    """Best of `repeats` timings, each looping `work` until `min_seconds` have passed."""
    best = 0.0
    for _ in range(repeats):
        rounds = 0
        start = time.perf_counter()
        while True:
            work()
            rounds += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds:
                break
        best = max(best, operations * rounds / elapsed)
    return best


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        data = json.load(f)
    texts = data["versions"]
    min_seconds = data["min_seconds"]
    repeats = data["repeats"]
    Version = packaging.version.Version
    SpecifierSet = packaging.specifiers.SpecifierSet
    sets = [SpecifierSet(s) for s in data["specifiers"]]
    parsed = [Version(t) for t in texts]

    def parse_all():
        for t in texts:
            Version(t)

    def count_hits(items):
        # every set against every item: strings (parsed on the way) or Versions
        hits = 0
        for s in sets:
            contains = s.contains
            for item in items:
                if contains(item):
                    hits += 1
        return hits

    def contains_strings():
        return count_hits(texts)

    def contains_parsed():
        return count_hits(parsed)

    def sort_parsed():
        return sorted(parsed)

    checks = {
        "normalized": [str(v) for v in parsed[:50]],
        "contains_hits": contains_strings(),
        "contains_parsed_hits": contains_parsed(),
        "sorted_head": [str(v) for v in sort_parsed()[:20]],
    }
    n = len(texts)
    rates = {
        "parse": best_rate(parse_all, n, min_seconds, repeats),
        "contains_str": best_rate(contains_strings, n * len(sets), min_seconds, repeats),
        "contains_parsed": best_rate(contains_parsed, n * len(sets), min_seconds, repeats),
        "sort": best_rate(sort_parsed, n, min_seconds, repeats),
    }
    json.dump(
        {
            "packaging": packaging.__version__,
            "python": sys.version.split()[0],
            "rates": rates,
            "checks": checks,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
