"""Evaluate the crisis detector on a labelled JSONL file. Pure Python (no Django).

Each line: {"id", "text", "label": "crisis"|"none", "severity": "high"|"medium"|"none", "category", "lang",
"kind"}. ``load_examples`` reads a file, ``evaluate`` runs :func:`moderation.detector.detect` over it and
computes the metrics, ``format_report`` renders the text report whose last line is "targets met" or
"targets NOT met: ...".

Targets: recall on ``high`` >= 0.98, recall on all crisis >= 0.92, at most 3% of non-crisis flagged, p99
per-message latency <= 1 ms (best of three runs per message, so one GC pause does not count).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from moderation.detector import Verdict, detect

TARGET_RECALL_HIGH = 0.98
TARGET_RECALL_ALL = 0.92
TARGET_FP_RATE = 0.03
TARGET_P99_US = 1000.0

_SEVERITIES = ("high", "medium", "none")


class DatasetError(ValueError):
    """A labelled file that cannot be read (bad JSON or missing fields); the message names the line."""


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    label: str
    severity: str
    category: str
    lang: str
    kind: str

    @property
    def crisis(self) -> bool:
        return self.label == "crisis"


@dataclass
class Outcome:
    example: Example
    verdict: Verdict
    latency_us: float


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    # --- selections ---------------------------------------------------------------------------------
    @property
    def crisis(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.example.crisis]

    @property
    def negatives(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.example.crisis]

    def of_severity(self, severity: str) -> list[Outcome]:
        return [o for o in self.crisis if o.example.severity == severity]

    @property
    def misses(self) -> list[Outcome]:
        return [o for o in self.crisis if not o.verdict.flagged]

    @property
    def false_positives(self) -> list[Outcome]:
        return [o for o in self.negatives if o.verdict.flagged]

    @property
    def underrated(self) -> list[Outcome]:
        return [o for o in self.of_severity("high") if o.verdict.severity == "medium"]

    # --- metrics ------------------------------------------------------------------------------------
    @staticmethod
    def _recall(items: Sequence[Outcome]) -> float | None:
        if not items:
            return None
        return sum(1 for o in items if o.verdict.flagged) / len(items)

    @property
    def recall_high(self) -> float | None:
        return self._recall(self.of_severity("high"))

    @property
    def recall_medium(self) -> float | None:
        return self._recall(self.of_severity("medium"))

    @property
    def recall_all(self) -> float | None:
        return self._recall(self.crisis)

    @property
    def fp_rate(self) -> float | None:
        neg = self.negatives
        if not neg:
            return None
        return len(self.false_positives) / len(neg)

    def latency_percentile(self, q: float) -> float:
        values = sorted(o.latency_us for o in self.outcomes)
        if not values:
            return 0.0
        idx = min(len(values) - 1, max(0, round(q * (len(values) - 1))))
        return values[idx]

    def failed_targets(self) -> list[str]:
        failed: list[str] = []
        rh, ra, fp = self.recall_high, self.recall_all, self.fp_rate
        if rh is not None and rh < TARGET_RECALL_HIGH:
            failed.append(f"recall high {rh:.3f} < {TARGET_RECALL_HIGH}")
        if ra is not None and ra < TARGET_RECALL_ALL:
            failed.append(f"recall all crisis {ra:.3f} < {TARGET_RECALL_ALL}")
        if fp is not None and fp > TARGET_FP_RATE:
            failed.append(f"false-positive rate {fp:.3f} > {TARGET_FP_RATE}")
        p99 = self.latency_percentile(0.99)
        if p99 > TARGET_P99_US:
            failed.append(f"p99 latency {p99:.0f} us > {TARGET_P99_US:.0f} us")
        return failed

    @property
    def targets_met(self) -> bool:
        return not self.failed_targets()


# --------------------------------------------------------------------------------------------------------


def parse_examples(lines: Iterable[str], source: str = "<input>") -> list[Example]:
    """Parse labelled JSONL lines; blank lines are skipped; raises DatasetError naming the bad line."""
    out: list[Example] = []
    for lineno, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{source}:{lineno}: bad JSON ({exc.msg})") from None
        if not isinstance(obj, dict):
            raise DatasetError(f"{source}:{lineno}: expected a JSON object")
        text = obj.get("text")
        if not isinstance(text, str):
            raise DatasetError(f"{source}:{lineno}: missing or non-string 'text'")
        label = obj.get("label")
        severity = obj.get("severity")
        if label not in ("crisis", "none"):
            raise DatasetError(f"{source}:{lineno}: 'label' must be 'crisis' or 'none'")
        if severity is None:
            severity = "none" if label == "none" else "medium"
        if severity not in _SEVERITIES or (label == "none") != (severity == "none"):
            raise DatasetError(f"{source}:{lineno}: 'severity' {severity!r} does not fit label {label!r}")
        out.append(
            Example(
                id=str(obj.get("id", f"line{lineno}")),
                text=text,
                label=label,
                severity=severity,
                category=str(obj.get("category", "none")),
                lang=str(obj.get("lang", "?")),
                kind=str(obj.get("kind", "?")),
            )
        )
    return out


def load_examples(path: str) -> list[Example]:
    with open(path, encoding="utf-8") as fh:
        return parse_examples(fh, source=path)


def evaluate(
    examples: Iterable[Example], detector: Callable[[str], Verdict] = detect, repeat: int = 3
) -> Report:
    """Run the detector over every example (``repeat`` times, keeping the fastest timing)."""
    report = Report()
    clock = time.perf_counter_ns
    for ex in examples:
        best = None
        verdict = None
        for _ in range(max(1, repeat)):
            t0 = clock()
            verdict = detector(ex.text)
            dt = clock() - t0
            best = dt if best is None or dt < best else best
        assert verdict is not None and best is not None
        report.outcomes.append(Outcome(ex, verdict, best / 1000.0))
    return report


# --------------------------------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _frac(items: Sequence[Outcome], pred: Callable[[Outcome], bool]) -> str:
    hit = sum(1 for o in items if pred(o))
    return f"{hit}/{len(items)}"


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_summary(report: Report) -> str:
    """One line: recall high / all, FP rate, p99 latency."""
    return (
        f"recall high {_pct(report.recall_high)} ({_frac(report.of_severity('high'), lambda o: o.verdict.flagged)}), "
        f"recall all {_pct(report.recall_all)} ({_frac(report.crisis, lambda o: o.verdict.flagged)}), "
        f"FP rate {_pct(report.fp_rate)} ({len(report.false_positives)}/{len(report.negatives)}), "
        f"p99 {report.latency_percentile(0.99):.0f} us"
    )


def format_report(report: Report, title: str = "") -> str:
    lines: list[str] = []
    add = lines.append
    if title:
        add(f"== crisis detector evaluation: {title}")
    total = len(report.outcomes)
    sev_counts = Counter(o.example.severity for o in report.outcomes)
    langs = Counter(o.example.lang for o in report.outcomes)
    add(
        f"examples: {total}  crisis: {len(report.crisis)} (high {sev_counts['high']}, medium {sev_counts['medium']})"
        f"  non-crisis: {len(report.negatives)}  languages: "
        + ", ".join(f"{k} {v}" for k, v in sorted(langs.items()))
    )
    add("")
    add("recall by expected severity (flagged at any severity):")
    for sev in ("high", "medium"):
        items = report.of_severity(sev)
        add(f"  {sev:<8} {_pct(report._recall(items)):>7}  ({_frac(items, lambda o: o.verdict.flagged)})")
    add(f"  {'all':<8} {_pct(report.recall_all):>7}  ({_frac(report.crisis, lambda o: o.verdict.flagged)})")
    high = report.of_severity("high")
    med = report.of_severity("medium")
    add("severity agreement:")
    add(f"  high rated high:     {_frac(high, lambda o: o.verdict.severity == 'high')}")
    add(f"  medium rated medium: {_frac(med, lambda o: o.verdict.severity == 'medium')}")
    add(f"  medium rated high:   {_frac(med, lambda o: o.verdict.severity == 'high')}")
    add("recall by expected category (flagged / flagged with that category):")
    for cat in sorted({o.example.category for o in report.crisis}):
        items = [o for o in report.crisis if o.example.category == cat]
        add(
            f"  {cat:<18} {_frac(items, lambda o: o.verdict.flagged):>7}  "
            f"{_frac(items, lambda o, c=cat: c in o.verdict.categories):>7}"  # type: ignore[misc]
        )
    add("recall by language:")
    for lang in sorted(langs):
        items = [o for o in report.crisis if o.example.lang == lang]
        if items:
            add(f"  {lang:<4} {_frac(items, lambda o: o.verdict.flagged)}")
    add("")
    add(
        f"false-positive rate: {_pct(report.fp_rate)} ({len(report.false_positives)}/{len(report.negatives)})"
    )
    for kind in sorted({o.example.kind for o in report.negatives}):
        items = [o for o in report.negatives if o.example.kind == kind]
        add(f"  {kind:<12} {_frac(items, lambda o: o.verdict.flagged):>7}")
    add("")
    add(
        f"latency per message (best of runs): p50 {report.latency_percentile(0.5):.1f} us, "
        f"p99 {report.latency_percentile(0.99):.1f} us, max {report.latency_percentile(1.0):.1f} us"
    )
    add("")
    add(f"misses ({len(report.misses)}):")
    for o in report.misses:
        ex = o.example
        add(f"  {ex.id} [{ex.severity}/{ex.category}] {_short(ex.text)}")
    add(f"high rated medium ({len(report.underrated)}):")
    for o in report.underrated:
        ex = o.example
        cues = ",".join(e.cue for e in o.verdict.evidence)
        add(f"  {ex.id} [{ex.category}] {_short(ex.text)}  cues: {cues}")
    add(f"false positives ({len(report.false_positives)}):")
    for o in report.false_positives:
        ex = o.example
        cues = ",".join(e.cue for e in o.verdict.evidence)
        add(f"  {ex.id} [{ex.kind}] {_short(ex.text)}  -> {o.verdict.severity} cues: {cues}")
    add("")
    failed = report.failed_targets()
    add("targets met" if not failed else "targets NOT met: " + "; ".join(failed))
    return "\n".join(lines)
