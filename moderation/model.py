"""Small learned layer for the crisis detector: hashed-feature logistic regression. Pure Python, stdlib only.

Features (computed on the detector's length-preserving normalised text, so spans are offsets into the
original message): word tokens (apostrophes dropped, digits folded to ``0``), word bigrams, character
3-5-grams inside each space-padded token and (format 2) character 6- and 7-grams across word boundaries of
the space-joined token forms (``"x: end it "``), which carry short phrases and spelling variants that word
bigrams miss. Every feature string is hashed with ``zlib.crc32`` (stable across
runs and machines, unlike ``hash()``) into ``2**BITS`` buckets. The score is
``bias + sum(weights of all feature occurrences) / sqrt(number of occurrences)`` and the probability is its
logistic. Weights come from ``moderation/model_weights.json``, written by ``scripts/train_detector_model.py``
(a dev tool; see docs/moderation-detector.md, "Learned layer").

The detector uses this only to ADD a flag when its rules found nothing (see
``moderation.detector.detect``); it never lowers a rule verdict. Optional heads, scored only on text the
model flags, give the flag its severity (``high``: P(high | crisis)) and category (``cat:<name>``).
"""

from __future__ import annotations

import gzip
import json
import math
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Head",
    "Model",
    "Token",
    "bigram_feature",
    "load_model",
    "message_features",
    "region_grams",
    "span_grams",
    "span_regions",
    "token_features",
    "tokenize",
]

WEIGHTS_PATH = Path(__file__).with_name("model_weights.json.gz")

_TOKEN_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_DIGIT_RE = re.compile(r"\d")
_CACHE_MAX = 50_000
# function words never chosen as evidence (they can carry weight, but highlighting them helps nobody)
_STOP = frozenset(
    "a an and the to of in on at it is i im me my so just that this for with be was but or if as "
    "je j me m le la les de du des et a en au un une pis ca c est".split()
)


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    form: str


def tokenize(norm: str) -> list[Token]:
    """Word tokens of normalised text; ``start``/``end`` index the (length-preserving) text."""
    out: list[Token] = []
    for m in _TOKEN_RE.finditer(norm):
        form = m.group().replace("'", "")
        if any(c.isdigit() for c in form):
            form = _DIGIT_RE.sub("0", form)
        out.append(Token(m.start(), m.end(), form))
    return out


def token_features(form: str) -> list[str]:
    """Feature strings owned by one token: the word itself and its character 3-5-grams (padded)."""
    feats = ["w:" + form]
    padded = f" {form} "
    n_chars = len(padded)
    for n in (3, 4, 5):
        for i in range(n_chars - n + 1):
            feats.append("c:" + padded[i : i + n])
    return feats


def bigram_feature(left: str, right: str) -> str:
    return f"b:{left} {right}"


def span_grams(forms: list[str], sizes: tuple[int, ...]) -> list[tuple[str, int]]:
    """Character n-grams across word boundaries of the space-joined forms, each with the index of the token
    it starts in (for attribution)."""
    if not sizes or not forms:
        return []
    joined = " " + " ".join(forms) + " "
    owner: list[int] = []
    for i, form in enumerate(forms):
        owner.append(i)  # the space before a token belongs to it
        owner.extend([i] * len(form))
    owner.append(len(forms) - 1)
    out: list[tuple[str, int]] = []
    n_chars = len(joined)
    for n in sizes:
        for i in range(n_chars - n + 1):
            out.append(("x:" + joined[i : i + n], owner[i]))
    return out


def span_regions(forms: list[str], sizes: tuple[int, ...]) -> list[str]:
    """Per token, the text that decides the cross-word n-grams starting in it (its leading space and word,
    plus the next ``max(sizes) - 1`` characters), so their weights can be cached like a word's."""
    if not sizes or not forms:
        return []
    joined = " " + " ".join(forms) + " "
    reach = max(sizes) - 1
    keys: list[str] = []
    pos = 0
    for form in forms:
        end = pos + 1 + len(form)
        keys.append(joined[pos : end + reach])
        pos = end
    return keys


def region_grams(key: str, sizes: tuple[int, ...]) -> list[str]:
    """The :func:`span_grams` features that start in one :func:`span_regions` region."""
    region = key.find(" ", 1)  # a region is " word"; the key always goes on with a space
    return ["x:" + key[j : j + n] for n in sizes for j in range(region) if j + n <= len(key)]


def message_features(forms: list[str], sizes: tuple[int, ...] = ()) -> list[str]:
    """Every feature string of a message, as the trainer sees them (inference computes the same sums)."""
    feats: list[str] = []
    for i, form in enumerate(forms):
        feats += token_features(form)
        if i:
            feats.append(bigram_feature(forms[i - 1], form))
    feats += [f for f, _ in span_grams(forms, sizes)]
    return feats


def bucket(feature: str, bits: int) -> int:
    return zlib.crc32(feature.encode("utf-8")) & ((1 << bits) - 1)


@dataclass(frozen=True)
class Head:
    """A second logistic regression on the same features (e.g. P(high | crisis)), scored only on flagged text."""

    bias: float
    weights: dict[int, float]


class Model:
    """Loaded weights plus a per-token cache (the cache never changes results, only speed)."""

    def __init__(
        self,
        bits: int,
        bias: float,
        weights: dict[int, float],
        threshold: float,
        heads: dict[str, Head] | None = None,
        span: tuple[int, ...] = (),
    ) -> None:
        self.bits = bits
        self.span = span
        self.bias = bias
        self.weights = weights
        self.threshold = threshold
        self.heads = heads or {}
        self._tok_cache: dict[str, tuple[float, int]] = {}
        self._head_cache: dict[str, tuple[tuple[float, ...], int]] = {}
        self._span_cache: dict[str, tuple[float, int]] = {}
        self._span_head_cache: dict[str, tuple[tuple[float, ...], int]] = {}

    def head_probabilities(self, norm: str) -> dict[str, float]:
        """Each head's probability for normalised text (same features and scaling as the main score)."""
        heads = list(self.heads.values())
        totals = [0.0] * len(heads)
        count = 0
        tokens = tokenize(norm)
        for i, tok in enumerate(tokens):
            sums, n = self._token_heads(tok.form)
            totals = [t + x for t, x in zip(totals, sums, strict=True)]
            count += n
            if i:
                b = bucket(bigram_feature(tokens[i - 1].form, tok.form), self.bits)
                totals = [t + h.weights.get(b, 0.0) for t, h in zip(totals, heads, strict=True)]
                count += 1
        for key in span_regions([t.form for t in tokens], self.span):
            sums, n = self._span_heads(key)
            totals = [t + x for t, x in zip(totals, sums, strict=True)]
            count += n
        scale = 1.0 / math.sqrt(count) if count else 0.0
        return {
            name: _sigmoid(h.bias + scale * t) for name, h, t in zip(self.heads, heads, totals, strict=True)
        }

    def _token_heads(self, form: str) -> tuple[tuple[float, ...], int]:
        return self._heads_of(self._head_cache, form, token_features)

    def _span_heads(self, key: str) -> tuple[tuple[float, ...], int]:
        return self._heads_of(self._span_head_cache, key, self._region_features)

    def _token_score(self, form: str) -> tuple[float, int]:
        return self._score_of(self._tok_cache, form, token_features)

    def _span_score(self, key: str) -> tuple[float, int]:
        return self._score_of(self._span_cache, key, self._region_features)

    def _region_features(self, key: str) -> list[str]:
        return region_grams(key, self.span)

    def _score_of(
        self, cache: dict[str, tuple[float, int]], key: str, features: Callable[[str], list[str]]
    ) -> tuple[float, int]:
        """Summed main weight and feature count of one word or region, cached (the cache never changes results)."""
        hit = cache.get(key)
        if hit is None:
            feats = features(key)
            w = self.weights
            hit = (sum(w.get(bucket(f, self.bits), 0.0) for f in feats), len(feats))
            if len(cache) >= _CACHE_MAX:
                cache.clear()
            cache[key] = hit
        return hit

    def _heads_of(
        self,
        cache: dict[str, tuple[tuple[float, ...], int]],
        key: str,
        features: Callable[[str], list[str]],
    ) -> tuple[tuple[float, ...], int]:
        """The same for every head at once."""
        hit = cache.get(key)
        if hit is None:
            buckets = [bucket(f, self.bits) for f in features(key)]
            sums = tuple(sum(h.weights.get(b, 0.0) for b in buckets) for h in self.heads.values())
            hit = (sums, len(buckets))
            if len(cache) >= _CACHE_MAX:
                cache.clear()
            cache[key] = hit
        return hit

    def _contributions(self, tokens: list[Token]) -> tuple[float, int, list[float]]:
        """Total weight, number of feature occurrences, and a per-token share of the weight."""
        per_tok = [0.0] * len(tokens)
        total = 0.0
        count = 0
        w = self.weights
        for i, tok in enumerate(tokens):
            s, n = self._token_score(tok.form)
            per_tok[i] += s
            total += s
            count += n
            if i:
                b = w.get(bucket(bigram_feature(tokens[i - 1].form, tok.form), self.bits), 0.0)
                total += b
                count += 1
                per_tok[i - 1] += b / 2
                per_tok[i] += b / 2
        if self.span:
            for i, key in enumerate(span_regions([t.form for t in tokens], self.span)):
                v, n = self._span_score(key)
                total += v
                per_tok[i] += v
                count += n
        return total, count, per_tok

    def probability(self, norm: str) -> float:
        """Probability that normalised text ``norm`` is a crisis message (deterministic)."""
        tokens = tokenize(norm)
        if not tokens:
            return _sigmoid(self.bias)
        total, count, _ = self._contributions(tokens)
        return _sigmoid(self.bias + total / math.sqrt(count))

    def explain(self, norm: str, top: int = 3) -> tuple[float, list[tuple[int, int]]]:
        """Probability plus up to ``top`` spans (merged adjacent tokens) that pushed the score up most."""
        tokens = tokenize(norm)
        if not tokens:
            return _sigmoid(self.bias), []
        total, count, per_tok = self._contributions(tokens)
        prob = _sigmoid(self.bias + total / math.sqrt(count))
        candidates = (i for i, v in enumerate(per_tok) if v > 0 and tokens[i].form not in _STOP)
        ranked = sorted(candidates, key=lambda i: (-per_tok[i], i))[:top]
        spans: list[tuple[int, int]] = []
        for i in sorted(ranked):
            start, end = tokens[i].start, tokens[i].end
            if spans and i - 1 in ranked and tokens[i - 1].end == spans[-1][1]:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
        return prob, spans


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def load_model(path: Path | None = None) -> Model:
    """Read the JSON (optionally gzipped) weights file written by scripts/train_detector_model.py."""
    p = path or WEIGHTS_PATH
    raw = p.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    data = json.loads(raw.decode("utf-8"))
    if data.get("format") not in ("peerchat-hashed-lr-1", "peerchat-hashed-lr-2"):
        raise ValueError(f"{p}: unknown model format {data.get('format')!r}")
    weights = {int(i): float(v) for i, v in zip(data["index"], data["weight"], strict=True)}
    heads = {
        name: Head(float(h["bias"]), {int(i): float(v) for i, v in zip(h["index"], h["weight"], strict=True)})
        for name, h in (data.get("heads") or {}).items()
    }
    span = tuple(int(n) for n in data.get("span") or ())
    return Model(int(data["bits"]), float(data["bias"]), weights, float(data["threshold"]), heads, span)
