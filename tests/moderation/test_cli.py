"""Tests for moderation.cli (classify_stream, evaluate_path) and the evaluation report. No Django needed."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from moderation.cli import classify_line, classify_stream, evaluate_path
from moderation.evaluation import DatasetError, evaluate, format_report, parse_examples


def _run(lines: list[str]) -> tuple[list[dict[str, object]], int]:
    out = io.StringIO()
    errors = classify_stream(io.StringIO("".join(lines)), out)
    return [json.loads(line) for line in out.getvalue().splitlines()], errors


def test_classify_stream_good_lines() -> None:
    records, errors = _run(
        [
            json.dumps({"id": "a", "text": "I'm going to end my life tonight"}) + "\n",
            "\n",
            json.dumps({"id": 7, "text": "my neck is killing me"}) + "\n",
        ]
    )
    assert errors == 0
    assert [r["id"] for r in records] == ["a", 7]
    assert set(records[0]) == {"id", "flagged", "severity", "categories", "evidence", "about_other"}
    assert records[0]["flagged"] is True and records[0]["severity"] == "high"
    assert records[1]["flagged"] is False and records[1]["categories"] == []


@pytest.mark.parametrize(
    ("line", "expected_id", "message"),
    [
        ("not json at all", None, "invalid JSON"),
        ('{"id": "x9", "text": "unterminated', "x9", "invalid JSON"),
        ('{"id": 12, "text": 1', 12, "invalid JSON"),
        ("[1, 2, 3]", None, "expected a JSON object"),
        ('"just a string"', None, "expected a JSON object"),
        ('{"id": "m1"}', "m1", "missing field 'text'"),
        ('{"id": "m2", "text": null}', "m2", "must be a string"),
        ('{"id": "m3", "text": ["a"]}', "m3", "must be a string"),
        ('{"id": {"nested": 1}, "text": 5}', None, "must be a string"),
    ],
)
def test_classify_malformed_line(line: str, expected_id: object, message: str) -> None:
    record = classify_line(line)
    assert set(record) == {"id", "error"}
    assert record["id"] == expected_id
    assert message in str(record["error"])


def test_classify_stream_keeps_going_after_errors() -> None:
    lines = [
        "garbage\n",
        json.dumps({"id": "ok1", "text": "kms for real this time, got the pills"}) + "\n",
        "   \n",
        '{"id": "bad", "text": 3}\n',
        json.dumps({"id": "ok2", "text": "Had a good day, managed to cook dinner"}) + "\n",
    ]
    records, errors = _run(lines)
    assert errors == 2
    assert [r.get("id") for r in records] == [None, "ok1", "bad", "ok2"]
    assert "error" in records[0] and "error" in records[2]
    assert records[1]["severity"] == "high" and records[3]["severity"] == "none"


def _write(tmp_path: Path, rows: list[dict[str, str]]) -> str:
    path = tmp_path / "tiny.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return str(path)


def _row(i: str, text: str, severity: str, category: str = "none", kind: str = "explicit") -> dict[str, str]:
    label = "none" if severity == "none" else "crisis"
    return {
        "id": i,
        "text": text,
        "label": label,
        "severity": severity,
        "category": category,
        "lang": "en",
        "kind": kind,
    }


def test_evaluate_path_tiny_file_targets_met(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        [
            _row("c1", "I'm going to end my life tonight", "high", "suicide"),
            _row("c2", "I wish I could go to sleep and not wake up", "medium", "suicide"),
            _row("n1", "this flare is killing me", "none", kind="idiom"),
            _row("n2", "took my last oxycodone, need a refill", "none", kind="medication"),
        ],
    )
    report, met = evaluate_path(path)
    assert met is True
    for needle in (
        "examples: 4",
        "recall by expected severity",
        "severity agreement",
        "recall by expected category",
        "false-positive rate: 0.0% (0/2)",
        "idiom",
        "misses (0)",
        "false positives (0)",
    ):
        assert needle in report, needle
    assert re.search(r"high\s+100\.0%\s+\(1/1\)", report)
    assert re.search(r"medium\s+100\.0%\s+\(1/1\)", report)
    assert report.splitlines()[-1] == "targets met"


def test_evaluate_path_lists_misses_and_false_positives(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        [
            _row("c1", "the weather is nice today", "high", "suicide"),  # a deliberate miss
            _row("n1", "I'm going to kill myself tonight", "none", kind="everyday"),  # a deliberate FP
            _row("n2", "had soup", "none", kind="everyday"),
        ],
    )
    report, met = evaluate_path(path)
    assert met is False
    assert "c1 [high/suicide] the weather is nice today" in report
    assert "n1 [everyday] I'm going to kill myself tonight  -> high cues: intent" in report
    last = report.splitlines()[-1]
    assert last.startswith("targets NOT met: ") and "recall high" in last and "false-positive rate" in last


def test_evaluate_path_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "text": "x", "label": "maybe"}\n', encoding="utf-8")
    report, met = evaluate_path(str(bad))
    assert met is False and "label" in report
    report, met = evaluate_path(str(tmp_path / "missing.jsonl"))
    assert met is False and report.endswith("targets NOT met: no data")


def test_parse_examples_validation() -> None:
    with pytest.raises(DatasetError, match=r"line 2|:2:"):
        parse_examples(['{"id":"a","text":"x","label":"none","severity":"none"}', "{oops"])
    with pytest.raises(DatasetError, match="severity"):
        parse_examples(['{"id":"a","text":"x","label":"none","severity":"high"}'])
    examples = parse_examples(["", '{"id":"a","text":"x","label":"crisis","severity":"medium"}'])
    assert len(examples) == 1 and examples[0].crisis


def test_format_report_summary_counts() -> None:
    examples = parse_examples(
        [
            json.dumps(_row("a", "he hits me when he drinks", "medium", "abuse")),
            json.dumps(_row("b", "hi", "none")),
        ]
    )
    text = format_report(evaluate(examples, repeat=1), title="unit")
    assert text.startswith("== crisis detector evaluation: unit")
    assert re.search(r"medium\s+100\.0%\s+\(1/1\)", text)
    assert "abuse" in text
