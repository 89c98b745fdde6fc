"""Pure functions behind the ``classify`` and ``evaluate`` management commands (no Django import)."""

from __future__ import annotations

import json
import re
from typing import Any, TextIO

from moderation.detector import detect
from moderation.evaluation import DatasetError, evaluate, format_report, load_examples

_ID_RE = re.compile(r'"id"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+)')


def _recover_id(raw: str) -> Any:
    """Best-effort id from a line that is not valid JSON (None when it cannot be found)."""
    m = _ID_RE.search(raw)
    if not m:
        return None
    try:
        return json.loads(m.group(1))
    except json.JSONDecodeError:
        return None


def _valid_id(value: Any) -> Any:
    return value if isinstance(value, (str, int)) and not isinstance(value, bool) else None


def classify_line(raw: str) -> dict[str, Any]:
    """One JSONL input line -> the output record (a verdict or an ``error`` record)."""
    raw = raw.rstrip("\r\n")
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        return {"id": _recover_id(raw), "error": f"invalid JSON: {exc.msg} at column {exc.colno}"}
    if not isinstance(obj, dict):
        return {"id": None, "error": f"expected a JSON object, got {type(obj).__name__}"}
    ident = _valid_id(obj.get("id"))
    if "text" not in obj:
        return {"id": ident, "error": "missing field 'text'"}
    text = obj["text"]
    if not isinstance(text, str):
        return {"id": ident, "error": f"field 'text' must be a string, got {type(text).__name__}"}
    return {"id": ident, **detect(text).to_dict()}


def classify_stream(infile: TextIO, outfile: TextIO) -> int:
    """Read ``{"id", "text"}`` JSONL from ``infile``; write one result line per input line to ``outfile``.

    Blank lines are skipped; malformed lines get ``{"id": ..., "error": "..."}`` and the rest still run.
    Returns the number of malformed lines (0 when every line was classified).
    """
    errors = 0
    for raw in infile:
        if not raw.strip():
            continue
        record = classify_line(raw)
        if "error" in record:
            errors += 1
        outfile.write(json.dumps(record, ensure_ascii=False) + "\n")
    outfile.flush()
    return errors


def evaluate_path(path: str) -> tuple[str, bool]:
    """Evaluate the detector on a labelled JSONL file: (report text, whether the targets were met).

    A file that cannot be read gives an error report and ``False``.
    """
    try:
        examples = load_examples(path)
    except (OSError, DatasetError) as exc:
        return f"cannot evaluate {path}: {exc}\ntargets NOT met: no data", False
    report = evaluate(examples)
    return format_report(report, title=path), report.targets_met
