"""Tests for the learned layer (moderation/model.py) and how detect() combines it with the rules."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest

from moderation import detector, model
from moderation.detector import MODEL_CUE, _rules_only_detect, detect, normalise
from moderation.evaluation import load_examples

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "moderation" / "corpus"

# Fresh wordings (not in any corpus) that the rules miss and the model flags, with the severity and
# category its heads give them.
GRADED = {
    "i have the pills counted out and i am not scared anymore": ("high", "suicide"),
    "pretty sure nobody would notice if I just stopped showing up to life": ("medium", "suicide"),
    "demain matin je serai plus là, j ai tout préparé": ("high", "suicide"),
    "my back went numb down there and i cant tell if i need to pee": ("high", "medical_emergency"),
    "one side of my face feels heavy and my words are coming out wrong": ("high", "medical_emergency"),
    "sometimes i picture taking my dads hammer to my brothers head when he mocks my limp": (
        "medium",
        "harm_to_others",
    ),
}
MODEL_CATCHES = list(GRADED)

# Plain everyday chat, which is most of the real traffic: the combined detector must leave it alone. (The first
# three are messages the browser tests send; an earlier layer flagged them.)
PLAIN_CHAT = [
    "Typed and sent with the keyboard alone.",
    "Thanks, I'll read it tonight when I have some energy.",
    "Staff have been alerted",
    "can we move thursday's call to 4? I have physio at 2",
    "I'll call you tonight after supper",
    "ok see you tomorrow! 👋",
    "bye everyone, talk soon",
    "took my meds, heading to bed. night!",
    "That's my last exam before the break, wish me luck",
    "Good morning! How did you sleep?",
    "My dog stole my heating pad again lol",
    "I tried the breathing thing you sent, it kind of helped",
    "Sorry I missed the call, the bus was late",
    "On se parle jeudi? J'ai mon rendez-vous à l'hôpital le matin.",
    "merci pour hier, ça m'a fait du bien de jaser",
    "bonne nuit tout le monde, à demain",
    "I'm done with homework finally, gonna watch a movie",
    "The appointment got pushed to next month, kind of annoying",
    "Same here, the weather change always makes my knees ache",
    "I'll take it easy this weekend and see how it goes",
]


def test_weights_load_and_are_small() -> None:
    assert model.WEIGHTS_PATH.exists()
    assert model.WEIGHTS_PATH.stat().st_size <= 2 * 1024 * 1024
    m = model.load_model()
    assert m.bits == 18 and 0.5 < m.threshold < 1.0 and len(m.weights) > 1000
    assert all(0 <= i < (1 << m.bits) for i in m.weights)
    assert detector._MODEL is not None


def test_hash_is_stable_crc32() -> None:
    # fixed values: zlib.crc32 does not depend on PYTHONHASHSEED, the process or the machine
    assert model.bucket("w:die", 18) == zlib.crc32(b"w:die") & 0x3FFFF == 259522
    assert model.bucket("c:die", 18) == 246912


def test_inference_is_deterministic() -> None:
    text = normalise("I have the cord tied already and I'm just sitting with it")
    first = model.load_model()
    p1 = first.probability(text)
    assert first.probability(text) == p1  # cached path
    assert model.load_model().probability(text) == p1  # fresh load, empty cache
    assert first.explain(text)[0] == p1
    assert 0.0 <= p1 <= 1.0


def test_features_are_whole_tokens_and_char_grams() -> None:
    toks = model.tokenize(normalise("J'ai pris 40 Pilules"))
    assert [t.form for t in toks] == ["jai", "pris", "00", "pilules"]
    assert toks[0].start == 0 and toks[-1].end == 20
    feats = model.token_features("kms")
    assert feats[0] == "w:kms" and "c: km" in feats and "c: kms " in feats


def test_inference_sums_exactly_the_training_features() -> None:
    # the trainer builds its matrix from message_features(); inference must add up the same features, cross-word
    # character n-grams included, with the same 1/sqrt(count) scaling, for the main score and for every head
    import math

    text = normalise("won't be needing the refill after friday, gave my guitar to Sam")
    forms = [t.form for t in model.tokenize(text)]
    feats = model.message_features(forms, (6, 7))
    assert "x:refill " in feats and "x: after " in feats and any(f.startswith("b:") for f in feats)
    weights = {model.bucket(f, 18): (i % 7 - 3) / 10 for i, f in enumerate(feats)}
    head = model.Head(0.2, {b: -w for b, w in weights.items()})
    m = model.Model(18, -0.5, weights, 0.9, {"high": head}, span=(6, 7))
    total = sum(weights[model.bucket(f, 18)] for f in feats)
    expected = 1 / (1 + math.exp(-(-0.5 + total / math.sqrt(len(feats)))))
    assert m.probability(text) == pytest.approx(expected, rel=1e-12)
    assert m.explain(text)[0] == pytest.approx(expected, rel=1e-12)
    expected_head = 1 / (1 + math.exp(-(0.2 - total / math.sqrt(len(feats)))))
    assert m.head_probabilities(text)["high"] == pytest.approx(expected_head, rel=1e-12)
    for some in (forms, ["jai", "écrit", "mes", "lettres", "ce", "soir"], ["i", "a", "x"]):
        # inference reads the cross-word grams region by region (cached per region); same multiset
        by_region = [g for key in model.span_regions(some, (6, 7)) for g in model.region_grams(key, (6, 7))]
        assert sorted(by_region) == sorted(f for f, _ in model.span_grams(some, (6, 7)))
    # without the span sizes the cross-word grams are neither computed nor counted
    plain = model.Model(18, -0.5, weights, 0.9, span=())
    assert plain.probability(text) != pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("text", PLAIN_CHAT)
def test_plain_chat_is_not_flagged(text: str) -> None:
    assert not detect(text).flagged, detect(text)


@pytest.mark.parametrize("text", MODEL_CATCHES)
def test_model_flags_what_the_rules_miss(text: str) -> None:
    assert not _rules_only_detect(text).flagged
    v = detect(text)
    assert v.flagged and (v.severity, v.categories) == (GRADED[text][0], (GRADED[text][1],))
    assert v.evidence and all(e.cue == MODEL_CUE for e in v.evidence)
    for e in v.evidence:
        assert text[e.start : e.end] == e.text


@pytest.mark.parametrize(
    "text",
    [
        "you should just stop taking everything",  # addressed to the reader, no first person
        "my knees are killing me after that hike",
        "took my evening meds with dinner, as usual",
        "hello",
        "",
    ],
)
def test_model_does_not_flag_plain_negatives(text: str) -> None:
    assert not detect(text).flagged


@pytest.mark.parametrize(
    "name",
    [
        "tune.jsonl",
        "holdout.jsonl",
        "blind5.jsonl",
        "redteam.jsonl",
        "redteam2.jsonl",
        "redteam3.jsonl",
        "redteam4.jsonl",
    ],
)
def test_model_never_lowers_or_changes_a_rule_verdict(name: str) -> None:
    for ex in load_examples(str(CORPUS / name)):
        rules = _rules_only_detect(ex.text)
        combined = detect(ex.text)
        if rules.flagged:
            assert combined == rules, ex.id
        elif combined.flagged:
            assert combined.severity in ("high", "medium") and len(combined.categories) == 1
            assert {e.cue for e in combined.evidence} == {MODEL_CUE}


def test_without_heads_a_model_flag_is_a_medium_suicide_review(monkeypatch: pytest.MonkeyPatch) -> None:
    assert detector._MODEL is not None
    monkeypatch.setattr(detector._MODEL, "heads", {})
    v = detect("my back went numb down there and i cant tell if i need to pee")
    assert v.flagged and (v.severity, v.categories) == ("medium", ("suicide",))


def test_without_weights_detect_is_the_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detector, "_MODEL", None)
    for text in MODEL_CATCHES:
        assert detect(text) == _rules_only_detect(text)


def test_long_message_is_scored_sentence_by_sentence() -> None:
    filler = "The physio was fine today and the weather is nicer. I made soup and watched a show. " * 4
    text = filler + MODEL_CATCHES[0] + ". " + filler
    v = detect(text)
    assert v.flagged and (v.severity, v.categories) == (
        GRADED[MODEL_CATCHES[0]][0],
        (GRADED[MODEL_CATCHES[0]][1],),
    )
    for e in v.evidence:
        assert text[e.start : e.end] == e.text and len(filler) <= e.start
    assert not detect(filler * 3).flagged
