"""Table-driven tests for moderation.detector (pure Python: no Django needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from moderation import detector
from moderation.detector import CATEGORIES, Evidence, Verdict, detect, normalise
from moderation.evaluation import evaluate, load_examples

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "moderation" / "corpus"
SHARED_DEV = ROOT.parent / "shared" / "moderation" / "crisis-dev.jsonl"

# (text, expected severity, a category that must be present)
CRISIS = [
    # suicide: intent, plan, means, timing, indirect
    ("I'm going to end my life tonight.", "high", "suicide"),
    ("When my wife leaves for her shift tomorrow I'm going to do it.", "high", "suicide"),
    ("I've been saving up my oxy for weeks, I finally have enough now", "high", "suicide"),
    ("got the rope and nobody is home", "high", "suicide"),
    ("I'm standing on the ledge of the parking garage right now", "high", "suicide"),
    ("I wish I could go to sleep and not wake up", "medium", "suicide"),
    ("my kids would be better off without me", "medium", "suicide"),
    ("what's the point of living like this", "medium", "suicide"),
    # self-harm
    ("I cut my arm and it won't stop bleeding", "high", "self_harm"),
    ("been cutting again since the flare started", "medium", "self_harm"),
    # overdose
    ("I swallowed the whole bottle of my tramadol", "high", "overdose"),
    ("I'm going to take all my morphine at once", "high", "overdose"),
    ("my breathing is so slow after my fentanyl patch and I keep nodding off", "high", "overdose"),
    ("I take triple my dose of gabapentin most days", "medium", "overdose"),
    # harm to others
    ("I'm going to hurt him when he gets home", "high", "harm_to_others"),
    ("I want to shoot my boss", "high", "harm_to_others"),
    ("I keep imagining hurting my neighbour", "medium", "harm_to_others"),
    # abuse
    ("he hits me when he drinks", "medium", "abuse"),
    ("he's outside my door with a knife", "high", "abuse"),
    ("my husband hides my pain meds and laughs", "medium", "abuse"),
    # medical emergencies
    ("new numbness in my groin and I can't control my bladder", "high", "medical_emergency"),
    ("her face is drooping on one side and her speech is slurred", "high", "medical_emergency"),
    ("crushing pain in my chest spreading to my jaw", "high", "medical_emergency"),
    ("I can't wake my husband up, he took his oxycodone", "high", "overdose"),
]

# (kind, text): hard negatives that must not be flagged
NEGATIVES = [
    ("idiom", "this flare is killing me"),
    ("idiom", "I'd kill for a night's sleep"),
    ("idiom", "I'm dying for a hot bath"),
    ("idiom", "my legs are dead after physio"),
    ("idiom", "fibro fog is killing my concentration"),
    ("idiom", "my boss is going to kill me if I'm late again lol"),
    ("idiom", "I'm killing myself laughing at this video"),
    ("medication", "took my last oxycodone, need a refill"),
    ("medication", "how many ibuprofen are safe in a day?"),
    ("medication", "is it okay to take all my morning pills at once?"),
    ("medication", "I have enough gabapentin to last the trip"),
    ("medication", "saving up for a new mattress"),
    ("negated", "I'm not going to hurt myself, I just need to rant"),
    ("negated", "I would never kill myself, my kids need me"),
    ("negated", "never had suicidal thoughts, just tired of doctors"),
    ("news", "the news says overdose deaths went up again"),
    ("news", "article says suicide rates are higher with chronic pain"),
    ("education", "the training said warning signs include giving things away"),
    ("education", "what should a mentor do if someone talks about self-harm?"),
    ("education", "how do I respond if a mentee says they want to kill themselves?"),
    ("fiction", "in the novel the main character kills himself"),
    ("past", "five years ago I attempted, today I celebrate"),
    ("past", "I used to cut in high school but I've been clean for years"),
    ("everyday", "Goodbye everyone, see you at the workshop next week"),
    ("everyday", "kill me, my sister is singing again lol"),
    ("everyday", "I gave my old crutches to the charity shop"),
    ("everyday", "this is my last message before vacation"),
    ("everyday", "I can't go on the trip next month, flare is too bad"),
    ("medical", "my feet tingle at night, doctor says it's neuropathy"),
    ("medical", "my chest hurts when I cough"),
]

FRENCH = [
    ("je veux en finir", "medium"),
    ("je veux en finir ce soir", "high"),
    ("j'ai avalé toute ma boîte de comprimés", "high"),
    ("j'ai avale toute ma boite", "high"),  # no accents
    ("je veux mourir", "medium"),
    ("je vais me suicider demain", "high"),
    ("je vais me tuer", "high"),
    ("ils seraient mieux sans moi", "medium"),
    ("je ne veux plus vivre", "medium"),
    ("j'en peux plus de vivre", "medium"),
    ("ce mal de dos me tue", "none"),
    ("je meurs de faim", "none"),
    ("mon dos me tue depuis ce matin", "none"),
    ("je vais en finir avec ce ménage", "none"),
    ("je ne suis pas suicidaire, juste fatiguée", "none"),
    ("mon mari me frappe quand il boit", "medium"),
]

CODED = [
    ("unalive", "im gonna unalive myself after this call", "high"),
    ("kms", "kms for real this time, got the pills", "high"),
    ("kms bare", "honestly kms", "medium"),
    ("sewerslide", "thinking about sewerslide again", "medium"),
    ("ctb", "going to ctb this weekend", "high"),
    ("leetspeak", "gonna k1ll mys3lf tonight", "high"),
    ("leetspeak2", "i want to k!ll mys3lf", "medium"),
    ("farewell", "said goodbye to my sister... thanks for trying", "high"),
    ("giving away", "I've given my cat away and cancelled my appointments", "high"),
    ("last message", "this is my last message. thank you for everything", "high"),
    ("burden", "they'd be better off without me", "medium"),
    ("sh", "sh urges are bad tonight", "medium"),
]

NEGATION = [
    # negation does not hide risk
    ("I don't want to live anymore", "medium"),
    ("I can't go on", "medium"),
    ("I don't think I can keep going", "medium"),
    # explicit protective statements lower, never below medium while other cues remain
    ("I'm not going to hurt myself", "none"),
    ("I'm not suicidal, I just wish I could go to sleep and never wake up", "medium"),
    ("I'm not suicidal but I want to die", "medium"),
    ("I'm not suicidal. I'm going to kill myself tonight", "medium"),
    ("I'm not suicidal but I just swallowed all my pills", "high"),
    ("I keep thinking about killing myself but I won't do anything", "medium"),
]

ABOUT_OTHER = [
    ("my friend in group says she took all her pills", True, "high"),
    ("my brother just texted me that he's going to kill himself", True, "high"),
    ("my dad's face is drooping and he's slurring", True, "high"),
    ("my roommate swallowed a bunch of pills and isn't answering", True, "high"),
    ("I took all my pills", False, "high"),
    ("my friend says she wants to die and I want to die too", False, "medium"),
]


def _check_verdict_shape(v: Verdict, text: str) -> None:
    assert v.flagged == (v.severity != "none")
    assert list(v.categories) == sorted(v.categories)
    assert set(v.categories) <= set(CATEGORIES)
    if not v.flagged:
        assert v.categories == () and v.evidence == () and v.about_other is False
    else:
        assert v.categories and v.evidence
    for ev in v.evidence:
        assert 0 <= ev.start < ev.end <= len(text)
        assert ev.text == text[ev.start : ev.end]
        assert ev.cue


@pytest.mark.parametrize(("text", "severity", "category"), CRISIS)
def test_crisis_by_category(text: str, severity: str, category: str) -> None:
    v = detect(text)
    _check_verdict_shape(v, text)
    assert v.severity == severity, v
    assert category in v.categories, v


@pytest.mark.parametrize(("kind", "text"), NEGATIVES)
def test_hard_negatives(kind: str, text: str) -> None:
    v = detect(text)
    _check_verdict_shape(v, text)
    assert not v.flagged, (kind, v)


@pytest.mark.parametrize(("text", "severity"), FRENCH)
def test_french(text: str, severity: str) -> None:
    v = detect(text)
    _check_verdict_shape(v, text)
    assert v.severity == severity, v


@pytest.mark.parametrize(("name", "text", "severity"), CODED)
def test_coded_and_indirect_language(name: str, text: str, severity: str) -> None:
    v = detect(text)
    assert v.severity == severity, (name, v)
    assert "suicide" in v.categories or "self_harm" in v.categories


@pytest.mark.parametrize(("text", "severity"), NEGATION)
def test_negation_and_protective_statements(text: str, severity: str) -> None:
    assert detect(text).severity == severity


@pytest.mark.parametrize(("text", "other", "severity"), ABOUT_OTHER)
def test_about_other(text: str, other: bool, severity: str) -> None:
    v = detect(text)
    assert v.severity == severity, v
    assert v.about_other is other, v


@pytest.mark.parametrize(
    "text",
    [
        "Ça fait mal\u2026 j\u2019ai avalé TOUTE ma boîte de médicaments 😭",
        "I\u2019m gonna K1LL MYS3LF tonight",
        "İ İ İ ß ﬁ \u2014 my friend in group says she took all her pills",
        "e\u0301e\u0301 combining marks then: je veux mourir ce soir",
        "😂😂😂 anyway\n\nI\u2019ve been saving my Dilaudid \u2014 I have enough now.",
        "tabs\tand\r\nnewlines: I can't wake my dad up",
    ],
)
def test_evidence_offsets_map_to_original_text(text: str) -> None:
    assert len(normalise(text)) == len(text)
    v = detect(text)
    assert v.flagged
    _check_verdict_shape(v, text)


def test_normalise_is_length_preserving_and_folds() -> None:
    assert normalise("J\u2019ÉTAIS là") == "j'etais la"
    assert normalise("k1ll mys3lf") == "kill myself"
    assert normalise("10mg 3x a day") == "10mg 3x a day"
    for ch in ("İ", "ß", "ﬁ", "Σ", "🙂", "\u0301", "\u200b"):
        assert len(normalise(f"a{ch}b")) == 3


def test_to_dict_shape() -> None:
    d = detect("I'm going to end my life tonight").to_dict()
    assert set(d) == {"flagged", "severity", "categories", "evidence", "about_other"}
    assert d["flagged"] is True and d["severity"] == "high" and d["categories"] == ["suicide"]
    assert all(set(e) == {"start", "end", "text", "cue"} for e in d["evidence"])
    assert json.loads(json.dumps(d)) == d
    assert detect("").to_dict() == {
        "flagged": False,
        "severity": "none",
        "categories": [],
        "evidence": [],
        "about_other": False,
    }
    assert isinstance(Evidence(0, 1, "x", "cue").to_dict(), dict)


@pytest.mark.parametrize("text", ["", "   ", "\n", "a" * 20000, "kill " * 2000, "é" * 5000, "\x00\x01"])
def test_odd_inputs_do_not_crash(text: str) -> None:
    _check_verdict_shape(detect(text), text)


def _corpus_texts() -> list[str]:
    paths = sorted(CORPUS.glob("*.jsonl")) + ([SHARED_DEV] if SHARED_DEV.exists() else [])
    return [
        json.loads(line)["text"] for p in paths for line in p.read_text(encoding="utf-8").splitlines() if line
    ]


def test_rule_gates_never_hide_a_match() -> None:
    """Each rule's substring gate must be implied by its regex (gates are a speed-up, not a filter)."""
    misses = []
    for text in _corpus_texts():
        norm = normalise(text)
        for rule in detector._RULES:
            if rule.gate and not any(g in norm for g in rule.gate):
                m = rule.pattern.search(norm)
                if m:
                    misses.append((rule.cue, m.group(), text))
    assert misses == []


@pytest.mark.parametrize("name", ["tune.jsonl", "holdout.jsonl", "dev"])
def test_corpus_meets_recall_and_fp_targets(name: str) -> None:
    path = SHARED_DEV if name == "dev" else CORPUS / name
    if not path.exists():
        pytest.skip(f"{path} not available")
    report = evaluate(load_examples(str(path)), repeat=1)
    assert report.recall_high is not None and report.recall_high >= 0.98
    assert report.recall_all is not None and report.recall_all >= 0.92
    assert report.fp_rate is not None and report.fp_rate <= 0.03


def test_corpus_files_are_well_formed_and_balanced() -> None:
    for name in ("tune.jsonl", "holdout.jsonl"):
        examples = load_examples(str(CORPUS / name))
        ids = [e.id for e in examples]
        assert len(ids) == len(set(ids))
        crisis = sum(e.crisis for e in examples) / len(examples)
        assert 0.35 <= crisis <= 0.55
        assert sum(e.lang == "fr" for e in examples) / len(examples) >= 0.15


FILLER_BEFORE = (
    "Sorry for the long message. The flare has been rough all week and physio was hard on my hips. "
    "The rheumatologist wants to try a new infusion but the insurance paperwork is endless and slow. "
)
FILLER_AFTER = (
    " Anyway, the weather is nicer and I managed to make soup. Thanks for listening to me ramble about pain."
)


@pytest.mark.parametrize("name", ["tune.jsonl", "holdout.jsonl"])
def test_risk_in_the_middle_of_a_long_message(name: str) -> None:
    """Long messages are scanned sentence by sentence: a crisis line buried in pain talk keeps its verdict."""
    changed = []
    for ex in load_examples(str(CORPUS / name)):
        if not ex.crisis:
            continue
        short = detect(ex.text)
        text = FILLER_BEFORE + ex.text + ("" if ex.text.rstrip()[-1:] in ".!?" else ".") + FILLER_AFTER
        assert len(text) > detector._LONG_MESSAGE
        long = detect(text)
        _check_verdict_shape(long, text)
        if short.flagged and long.severity != short.severity:
            changed.append((ex.id, short.severity, long.severity, ex.text))
    assert changed == []


def test_long_benign_message_is_not_flagged() -> None:
    text = (FILLER_BEFORE + FILLER_AFTER) * 6
    assert not detect(text).flagged
