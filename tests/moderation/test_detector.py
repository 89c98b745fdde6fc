"""Table-driven tests for moderation.detector (pure Python: no Django needed)."""

from __future__ import annotations

import json
import os
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
    ("overdosed on sleeping pills", "high", "overdose"),
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
    # third round: slang questions, non-drug "overdoses", ordinary letters, recovered past with a goodbye note
    ("education", "c'est quoi ça veut dire ctb? mon cousin l'a écrit sous ma photo de hockey"),
    ("education", "why do people write unalive on tiktok"),
    ("idiom", "overdosed on coffee before my exam, so jittery"),
    ("everyday", "writing letters to my grandma in Gaspé this weekend"),
    # fourth round: hyperbole at a trivial thing marked as a joke, goodbyes with a return, waking *with* pain
    ("humour", "kms this bio quiz lol 💀 who wrote question 4"),
    ("humour", "j'vais m'unalive si le prof donne encore des devoirs 😂"),
    ("everyday", "last message here for a while, no wifi at the chalet, see you on the 12th!"),
    ("everyday", "won't be around after tonight, I'll be back on Monday after the nerve block"),
    ("medical", "I hope I don't wake up with that burning in my feet again"),
    ("past", "quand j'avais 16 ans j'avais des idées noires, aujourd'hui chu mentor pis ça va mieux"),
    ("past", "in 2017 I was mixing my pills with vodka most nights. got help, sober 7 years now"),
    ("past", "I wrote goodbye notes to my family in 2015. Therapy changed everything and I volunteer now"),
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
    ("farewell", "i wrote a goodbye letter when i was 14 and i wrote another one tonight", "high"),
    ("unalive", "im gonna unalive myself after this call", "high"),
    ("kms", "kms for real this time, got the pills", "high"),
    ("kms bare", "honestly kms", "medium"),
    ("kms joke with a time", "kms after the exam tmrw lol nothing matters", "high"),
    ("kms joke, no trivial target", "lol kms", "medium"),
    ("goodbye, no return", "this is my last message here. thank you for trying", "high"),
    ("waking, no object", "I hope I don't wake up tomorrow", "high"),
    (
        "past, and again now",
        "quand j'avais 16 ans j'avais des idées noires, pis ces temps-ci ça recommence",
        "medium",
    ),
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
    # a screening question answered "no" is not a disclosure; "yes", "no but…" or a "no" to "are you safe?" is
    ("my mentor asked if I'm thinking of hurting myself. honestly no, just exhausted", "none"),
    ("ma psy m'a demandé si j'avais envie de me faire du mal, j'ai dit non pis c'est vrai", "none"),
    ("the nurse asked if I had thoughts of killing myself and I said yes", "medium"),
    ("she asked if i want to die. i said no but honestly i do", "medium"),
    ("my nurse asked if i was safe at home and i said no, he hits me", "medium"),
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


@pytest.mark.parametrize(
    "name",
    [
        "tune.jsonl",
        "holdout.jsonl",
        "dev",
        "redteam.jsonl",
        "redteam2.jsonl",
        "redteam3.jsonl",
        "redteam4.jsonl",
    ],
)
def test_corpus_meets_recall_and_fp_targets(name: str) -> None:
    path = SHARED_DEV if name == "dev" else CORPUS / name
    if not path.exists():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{path} not available (CI must evaluate on it)")
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


@pytest.mark.parametrize(
    "name",
    ["tune.jsonl", "holdout.jsonl", "redteam.jsonl", "redteam2.jsonl", "redteam3.jsonl", "redteam4.jsonl"],
)
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


# Compositional families added after the blind red-team batches (moderation/corpus/redteam*.jsonl): each row is
# a fresh wording of a *type* that the phrase lists used to miss, not a copy of a red-team line.
COMPOSITIONAL = [
    # (type, text, expected severity)
    ("intent x ending predicate", "tonight I'm finally going to make it all stop for good", "high"),
    ("intent x join the dead", "i'm going to join my mom this weekend", "high"),
    ("intent x vehicle", "gonna drive into a wall on the highway after work", "high"),
    ("progressive intent", "tomorrow I'm using it on myself, the gun is in the closet", "high"),
    ("wish x ending predicate", "part of me just wants to go to sleep forever", "medium"),
    ("rumination x ending", "been daydreaming about not waking up", "medium"),
    ("wonder-if modality", "i wonder what it would feel like to just stop existing", "medium"),
    ("negated existence", "I don't expect to be alive next month", "medium"),
    ("hope I don't survive", "hoping I just don't wake up one of these nights", "medium"),
    ("conditional burden", "honestly everyone would be relieved if i was gone", "medium"),
    ("comparative without me", "the house would be calmer without me", "medium"),
    ("only reason still here", "my dog is the only reason i'm still here", "medium"),
    ("let the illness win", "if it spreads again I'd just let it take me", "medium"),
    ("afterlife comparison", "heaven must be better than this", "medium"),
    ("method concealment", "trying to figure out how to make it look like an accident", "medium"),
    ("algospeak sleep", "craving the forever sleep tbh", "medium"),
    ("elliptic method + time", "so done. od tonight.", "high"),
    ("lethal means position", "the rifle is loaded and on the bed next to me", "high"),
    ("means + farewell", "got my dad's gun. love you all.", "high"),
    ("exhaust / CO", "sealed the vents and lit the charcoal", "high"),
    ("finality cluster", "left the door unlocked so my sister can find me. took care of it", "high"),
    ("ending ambiguous + plan", "I'm finishing it tonight, the spot is picked", "high"),
    ("counted pills + enough", "i counted out my oxy, that should be enough", "high"),
    ("pills already in me", "all my meds are already in me, sorry", "high"),
    ("self-harm until bleed", "scraped my legs till they bled again", "medium"),
    ("self-harm on purpose", "hit my knee with a hammer on purpose so I'd feel something else", "medium"),
    ("self-harm severe", "slashed both arms and it's gushing", "high"),
    ("misuse someone else's meds", "been taking my mom's percocets when mine run out", "medium"),
    ("misuse buying off a person", "bought some oxys off a neighbour", "medium"),
    ("misuse secrecy", "up to 15 tylenol 3s a day and my doctor doesn't know", "medium"),
    (
        "abuse strangulation",
        "he had his hands around my throat last night and he's home now, i'm scared",
        "high",
    ),
    ("abuse armed relative", "my brother is in the hallway with a knife yelling", "high"),
    ("abuse threat to finish", "she says she'll finish what she started tonight", "high"),
    ("harm arson", "i'm going to burn his house down with him inside", "high"),
    ("harm weapon + stalking", "got a knife and i'm waiting by his car", "high"),
    ("medical bowel + legs", "both my legs went weak and i can't hold my bowels", "high"),
    ("medical thunderclap", "the worst headache I've ever had just hit me", "high"),
    ("third-party place", "my mentee says he's on the bridge right now", "high"),
    ("third-party wish", "my sister keeps saying she wishes she was dead", "medium"),
    # fourth batch types
    ("heart gives out", "every night I pray my heart just stops", "medium"),
    ("only sticking around", "I'm just hanging around because of my kids", "medium"),
    ("waking up disappointed", "woke up disappointed again this morning", "medium"),
    ("what's the use", "what is the use of living with this", "medium"),
    ("lacking strength to live", "I don't have the energy to keep going anymore", "medium"),
    ("other-side farewell", "see you on the other side everyone", "high"),
    ("last night + means", "today's my last day, the pills are ready", "high"),
    ("pills laid out + waiting", "dumped all my pills on the bed, waiting till he falls asleep", "high"),
    ("deeper than meant", "cut deeper than I wanted and it's bleeding through the towel", "high"),
    ("implement on skin", "scratching my wrists with scissors again", "medium"),
    ("against the label", "taking 6 at once even though the label says 1", "medium"),
]

COMPOSITIONAL_FR = [
    ("je vais + prédicat", "j'vais en finir demain, c'est décidé", "high"),
    ("envie de + disparaître pour de bon", "j'ai juste envie de disparaître pour toujours", "medium"),
    ("tout avaler", "je vais tout avaler à soir", "high"),
    ("dernière soirée + merci", "c'est ma dernière nuit, merci pour tout", "high"),
    ("tanné de vivre", "chu écoeurée de vivre", "medium"),
    ("plus le goût", "j'ai pu le goût de vivre", "medium"),
    ("si je mourais", "si je mourais, personne le remarquerait", "medium"),
    ("tiers + va sauter", "mon frère dit qu'il va se jeter en bas du pont", "high"),
    ("abus: argent", "ma fille garde mon argent pis me laisse sans manger", "medium"),
    ("lame sur le poignet", "j'ai la lame contre mon poignet", "high"),
]

COMPOSITIONAL_NEGATIVES = [
    # thing as subject, hyperbole, generic "you", locative "disappear", routine intake, accidents, idioms
    ("thing subject", "my tablet is about to die, charging it"),
    ("hyperbole conditional", "I'm going to die if this waiting room gets any colder lol"),
    ("rather ... than chore", "I'd rather die than fold another load of laundry"),
    ("generic you", "in that level you have to jump off the roof to win"),
    ("locative disappear", "I want to disappear into a hot bath for an hour"),
    ("could sleep forever", "I could sleep forever after physio"),
    ("routine intake", "took all my bedtime meds, night all"),
    ("routine intake fr", "j'ai pris toutes mes pilules du matin"),
    ("accidental cut fr", "je me suis coupée en épluchant des patates"),
    ("recovered past", "there was a time I wanted to die, therapy changed that"),
    ("past stockpile handed in", "years ago I stockpiled pills, my pharmacist helped me hand them in"),
    ("advice question", "my doctor said not to mix pregabalin with beer, is one ok?"),
    ("rope lights", "got the rope lights on the porch finally"),
    ("kill time fr", "je vais tuer le temps au café"),
    ("phone for help", "my son took my phone to fix the wifi settings"),
    ("accidental double dose", "took a double dose by accident this morning, pharmacist said I'm fine"),
    ("can't take this pain + plan", "I can't take this pain anymore, need a new plan with my doctor"),
    ("finish a project", "going to finish it tonight, the scarf is almost done"),
]


@pytest.mark.parametrize(("kind", "text", "severity"), COMPOSITIONAL + COMPOSITIONAL_FR)
def test_compositional_families(kind: str, text: str, severity: str) -> None:
    v = detect(text)
    _check_verdict_shape(v, text)
    assert v.severity == severity, (kind, text, v.to_dict())


@pytest.mark.parametrize(("kind", "text"), COMPOSITIONAL_NEGATIVES)
def test_compositional_hard_negatives(kind: str, text: str) -> None:
    v = detect(text)
    assert not v.flagged, (kind, text, v.to_dict())
