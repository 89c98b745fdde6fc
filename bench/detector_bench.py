"""Benchmark the crisis detector on one core (not a test).

Runs moderation.detector.detect over every message of the labelled corpora many times, then prints
throughput (messages/s), per-message latency p50 / p99 / max in microseconds, and the evaluation summary of
the holdout set.

    .venv/bin/python bench/detector_bench.py [--rounds 30] [--cpu 0]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from moderation.detector import detect  # noqa: E402
from moderation.evaluation import evaluate, format_summary, load_examples  # noqa: E402

CORPORA = [
    ROOT / "moderation" / "corpus" / "tune.jsonl",
    ROOT / "moderation" / "corpus" / "holdout.jsonl",
    ROOT.parent / "shared" / "moderation" / "crisis-dev.jsonl",
]


def _texts() -> list[str]:
    texts: list[str] = []
    for path in CORPORA:
        if path.exists():
            texts += [
                json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line
            ]
    return texts


def _pin(cpu: int) -> str:
    if hasattr(os, "sched_setaffinity"):
        try:
            os.sched_setaffinity(0, {cpu})
            return f"pinned to CPU {cpu}"
        except OSError as exc:
            return f"not pinned ({exc})"
    return "not pinned (no sched_setaffinity)"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=30, help="passes over the corpus (default 30)")
    parser.add_argument("--cpu", type=int, default=0, help="CPU to pin to (default 0)")
    args = parser.parse_args()

    pinned = _pin(args.cpu)
    texts = _texts()
    if not texts:
        sys.exit("no corpus found")
    lengths = [len(t) for t in texts]
    print(f"python {sys.version.split()[0]}, {pinned}")
    print(
        f"corpus: {len(texts)} messages, {args.rounds} rounds; length mean {statistics.mean(lengths):.0f} "
        f"chars, max {max(lengths)}"
    )

    for t in texts:  # warm up caches (char folding cache, regex internals)
        detect(t)

    # throughput: a tight loop without per-call timing
    t0 = time.perf_counter()
    for _ in range(args.rounds):
        for t in texts:
            detect(t)
    elapsed = time.perf_counter() - t0
    total = len(texts) * args.rounds
    print(f"throughput: {total / elapsed:,.0f} messages/s ({total} messages in {elapsed:.2f} s)")

    # latency: every call timed individually (GC left on, as in production)
    clock = time.perf_counter_ns
    samples: list[float] = []
    for _ in range(args.rounds):
        for t in texts:
            start = clock()
            detect(t)
            samples.append((clock() - start) / 1000.0)
    print(
        f"latency per message: p50 {_percentile(samples, 0.50):.1f} us, p90 {_percentile(samples, 0.90):.1f} us, "
        f"p99 {_percentile(samples, 0.99):.1f} us, max {max(samples):.1f} us"
    )
    gc.collect()

    long_text = " ".join(texts[:40])
    t0 = time.perf_counter()
    for _ in range(20):
        detect(long_text)
    print(f"one long message ({len(long_text)} chars): {(time.perf_counter() - t0) / 20 * 1e6:.0f} us")

    holdout = CORPORA[1]
    report = evaluate(load_examples(str(holdout)))
    print(f"holdout ({holdout.name}): {format_summary(report)}")
    print(
        "holdout targets met"
        if report.targets_met
        else "holdout targets NOT met: " + "; ".join(report.failed_targets())
    )


if __name__ == "__main__":
    main()
