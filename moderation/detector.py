"""Crisis-language detector for peer-mentorship chat (English and French). Pure Python, stdlib only.

Contract (other code is written against these names; keep them stable)::

    Severity = Literal["high", "medium", "none"]
    CATEGORIES = ("suicide", "self_harm", "overdose", "harm_to_others", "abuse", "medical_emergency")
    Evidence(start, end, text, cue)      # offsets into the ORIGINAL text; text == original[start:end]
    Verdict(flagged, severity, categories, evidence, about_other)
    Verdict.to_dict() -> {"flagged", "severity", "categories": [...], "evidence": [{...}], "about_other"}
    detect(text: str) -> Verdict

Severity: ``high`` = imminent (intent, plan, means, timing, act in progress, medical emergency, abuse with
immediate danger); ``medium`` = needs a human review (passive ideation, self-harm, misuse, hopelessness with a
wish to die, abuse without immediate danger); ``none``. ``flagged`` is True iff severity != "none";
``categories`` is sorted and empty when not flagged. ``about_other`` is True when every cue that raised the
verdict is about someone else ("my friend took all her pills").

How it works: the text is normalised with length-preserving, per-character substitutions (lowercase, accents
stripped, curly quotes and dashes folded, leetspeak digits between letters folded), so every regex offset is
also an offset into the original text. Precompiled rules, each gated by cheap substring checks, produce cues;
cues are then dropped when negated ("I'm not going to hurt myself"), framed as news/fiction/training
material, about a recovered past ("five years ago I attempted, today I celebrate"), or joking threats ("lol").
The remaining cues are combined: weak signals (goodbyes, means, timing, plans) only raise a verdict together.
Explicit protective statements ("I'm not suicidal") can lower a suicidal-intent ``high`` to ``medium`` but
never below ``medium`` while other cues remain. When the rules find nothing, a small learned layer
(``moderation/model.py``) may still flag the message ``medium`` (cue ``"model"``); it never lowers or edits
a rule verdict. See docs/moderation-detector.md.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal

from moderation import model as _model

__all__ = ["CATEGORIES", "Evidence", "Severity", "Verdict", "detect"]

Severity = Literal["high", "medium", "none"]
CATEGORIES = ("suicide", "self_harm", "overdose", "harm_to_others", "abuse", "medical_emergency")


@dataclass(frozen=True)
class Evidence:
    start: int
    end: int
    text: str
    cue: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text, "cue": self.cue}


@dataclass(frozen=True)
class Verdict:
    flagged: bool
    severity: Severity
    categories: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    about_other: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "flagged": self.flagged,
            "severity": self.severity,
            "categories": list(self.categories),
            "evidence": [e.to_dict() for e in self.evidence],
            "about_other": self.about_other,
        }


NONE_VERDICT = Verdict(False, "none", (), (), False)

# --------------------------------------------------------------------------------------------------------
# Normalisation (length-preserving: normalised[i] corresponds to original[i])
# --------------------------------------------------------------------------------------------------------

_SPECIAL_CHARS = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u00b4": "'",
    "`": "'",
    "\u02bc": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u200b": " ",
    "\t": " ",
    "\r": "\n",
}
_char_cache: dict[str, str] = {}


def _fold_char(ch: str) -> str:
    out = _char_cache.get(ch)
    if out is None:
        out = _SPECIAL_CHARS.get(ch)
        if out is None:
            low = ch.lower()
            if len(low) != 1:
                low = ch
            decomposed = unicodedata.normalize("NFD", low)
            base = decomposed[0]
            out = base if len(decomposed) > 1 and base.isascii() else low
        _char_cache[ch] = out
    return out


_LEET_MAP = {
    "0": "o",
    "1": "i",
    "3": "e",
    "4": "a",
    "5": "s",
    "7": "t",
    "@": "a",
    "$": "s",
    "!": "i",
    "|": "l",
}
_LEET_RE = re.compile(r"(?<=[a-z])[013457@$!|](?=[a-z])|(?<=[a-z][a-z])3(?![a-z0-9])")


def _leet(m: re.Match[str]) -> str:
    return _LEET_MAP[m.group()]


def normalise(text: str) -> str:
    """Lowercase, strip accents, fold quotes/dashes and leetspeak; ``len(normalise(t)) == len(t)``."""
    if text.isascii():
        s = text.lower().replace("\t", " ").replace("\r", "\n").replace("`", "'")
    else:
        s = "".join([_fold_char(c) for c in text])
    if _LEET_TRIGGER.search(s):
        s = _LEET_RE.sub(_leet, s)
    return s


_LEET_TRIGGER = re.compile(r"[a-z][0134557@$!|]")

# --------------------------------------------------------------------------------------------------------
# Vocabulary (written for normalised text: lowercase, no accents, straight apostrophes)
# --------------------------------------------------------------------------------------------------------

MEDS = (
    r"(?:pills?|tablets?|tabs|capsules?|caps|meds|medications?|medicines?|pain\s?killers?|"
    r"pain (?:pills|meds|medication|tablets)|sleeping (?:pills|tablets)|sleep meds|opioids?|opiates?|narcotics|"
    r"oxys?|oxycodone|oxycontin|percocets?|percs|endocets?|hydromorphone|dilaudid|hydrocodone|vicodin|norco|"
    r"morphine|fentanyl|fent|codeine|tylenols?|t3s?|tramadol|tapentadol|nucynta|methadone|suboxone|"
    r"buprenorphine|acetaminophen|paracetamol|ibuprofen|advil|motrin|naproxen|aleve|aspirin|gabapentin|"
    r"neurontin|pregabalin|lyrica|amitriptyline|nortriptyline|duloxetine|cymbalta|venlafaxine|effexor|"
    r"antidepressants?|benzos?|xanax|ativan|lorazepam|clonazepam|klonopin|valium|diazepam|zopiclone|"
    r"zolpidem|ambien|seroquel|quetiapine|cyclobenzaprine|flexeril|baclofen|muscle relaxants?|insulin|lithium|"
    r"nyquil|benadryl|gravol|melatonin|zzzquil|robaxacet|sleep aids?|cachets?|comprimes?|pilules?|medicaments?|medocs?|"
    r"somniferes?|antidouleurs?)"
)
CONTAINERS = (
    r"(?:bottles?|box(?:es)?|packs?|packets?|strips?|blister packs?|supply|boite|bouteille|plaquette|flacon)"
)
ALCOHOL = (
    r"(?:alcohol|booze|beers?|wine|vodka|whiske?y|rum|gin|tequila|liquor|drinks|drinking|alcool|vin|biere|"
    r"fort)"
)
PERSON = (
    r"(?:friend|bff|bestie|buddy|husband|hubby|wife|partner|spouse|boyfriend|girlfriend|bf|gf|fiancee?|son|"
    r"daughter|kids?|child|children|mom|mum|mother|mommy|dad|father|daddy|brother|sister|bro|sis|roommate|"
    r"roomie|flatmate|housemate|neighbou?r|mentee|mentor|uncle|aunt|auntie|cousin|grandma|grandpa|"
    r"grandmother|grandfather|nan|nana|coworker|co-worker|colleague|ex|niece|nephew|teen|teenager|client|"
    r"patient|caregiver|carer|stepdad|stepmom|stepfather|stepmother|[\w']+-in-law)"
)
PERSON_FR = (
    r"(?:ami|amie|mari|conjointe?|copain|copine|chum|blonde|frere|soeur|pere|mere|fils|fille|colocs?|"
    r"colocataire|voisine?|femme|enfant|oncle|tante|cousine?|grand-mere|grand-pere|mentoree?|mentore?)"
)
KILL = r"k[il]{3}"
KMS = r"k[.*]?m[.*]?s\b"
NOT_IDIOM_SELF = r"(?! (?:laughing|with laughter|trying|to get|to finish|to make|working|at work|over (?:this|here|there)))"
MYSELF = r"my\s?s(?:elf|lef|lf|ef)"
SUICIDE = r"s[u*]i?c[i*1]d[e3]"
INTENT = (
    r"(?:going to|goin'? to|gonna|gona|gunna|finna|ima|imma|about to|abt to|bouta|boutta|abouta|decided to|ready to|planning to|"
    r"planning on|plan to|intend to|i'?ll|ill|i will|will|i'?m going to|(?<!you\s)have to|(?<!you\s)gotta|tryna|trying to)"
)
FILL = r"(?:(?!not\b|never\b|pas\b)[\w']+ ){0,2}"
SK_BASE = (
    rf"(?:{KILL} {MYSELF}{NOT_IDIOM_SELF}|{KMS}|end (?:my (?:own )?life|it all|it(?! with| off| up| there| early)|things(?! with)|"
    rf"myself|my suffering|everything)|take my (?:own )?life|commit {SUICIDE}|{SUICIDE}|unalive(?: {MYSELF})?|"
    rf"off {MYSELF}|hang {MYSELF}|shoot {MYSELF}|slit my (?:wrists?|throat)|overdose|od\b|ctb|sewer\s?slide|"
    rf"(?:jump|throw {MYSELF}) (?:off|from|in front of|under)|jump(?=\s*[.!]|\s*$)|step in front of|"
    rf"drive (?:my car |myself )?(?:into|off)|do {MYSELF} in|die(?= tonight| today| tomorrow| now)|"
    rf"check out(?= for good| tonight| early)|(?:drink|drug) (?:{MYSELF} )?(?:to death|until i (?:die|stop breathing|"
    rf"don'?t wake up)))"
)
SK_ING = (
    rf"(?:{KILL}ing {MYSELF}{NOT_IDIOM_SELF}|{KMS}|ending (?:my (?:own )?life|it all|it(?! with)|things(?! with)|everything)|"
    rf"taking my (?:own )?life|{SUICIDE}|unaliving(?: {MYSELF})?|offing {MYSELF}|hanging {MYSELF}|"
    rf"shooting {MYSELF}|overdosing|ctb|sewer\s?slide|jumping (?:off|from|in front)|driving (?:my car |myself )?(?:into|"
    rf"off)|stepping in front of|throwing {MYSELF}|dying|not (?:being|existing) "
    rf"anymore|not waking up|using (?:it|them|the [\w']+) on (?:{MYSELF}|my (?:wrists?|arms?|skin|throat|legs?)))"
)
SK_FR = (
    r"(?:me (?:suicider|tuer|pendre|jeter|noyer|foutre en l'air|tirer une balle)|m'enlever la vie|"
    r"mettre fin a (?:mes jours|ma vie|tout)|en finir(?! avec (?:ce|cette|cet|le|la|les|mon|ma|mes|un|une|ca|ses)\b)|"
    r"sauter (?:du|d'un|de la|par la|sous)|sauter(?=\s*[.!]|\s*$)|me laisser mourir)"
)
IDEATION = (
    r"(?:want(?:s)? to|wanna|wish i could|thinking (?:about|of)|think(?:s)? (?:about|of)|thoughts (?:of|about)|"
    r"urges? to|tempted to|feel like|considering|contemplating|fantasi[sz](?:e|ing) about|dream(?:ing)? (?:about|of)|"
    r"imagin(?:e|ing)|keep thinking about|obsessing over|close to|part of me wants to|could (?:just|easily)|"
    r"can'?t stop thinking about|want to just)"
)
TIMING = (
    r"\b(?:tonight|tonite|tnight|2nite|tomorrow|tmrw|tmr|tomoz|this (?:weekend|evening|afternoon|monday|tuesday|"
    r"wednesday|thursday|friday|saturday|sunday)|right now|rn|after (?:this|the|my|work|dinner|lunch|everyone|"
    r"they|he|she|school|our)\b|when (?:my|he|she|they|everyone|everybody|the kids)\b[^.!?\n]{0,40}?\b(?:leaves?|"
    r"goes|go|gone|asleep|sleeps?|out|away|falls|left|work)\b|before (?:morning|sunrise|dawn|the weekend)|"
    r"(?:on|by|for|next) (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|by (?:morning|tomorrow)|"
    r"[1-5]\s*(?:am|a\.m)|waiting (?:for|until|till) (?:everyone|everybody|them|he|she|my [\w']+) (?:to )?(?:go(?:es)? to bed|"
    r"(?:is |are )?asleep|fall(?:s)? asleep|leave|leaves|go(?:es)? out)|for real this time|fr this time|(?:listen|do it|mean it|go through with it) this time|i mean it|for good|in (?:an|a few|\d+) (?:hours?|minutes|mins)|ce soir|"
    r"cette nuit|demain|cette fin de semaine|ce week-?end|tout a l'heure|apres (?:l'appel|le rendez-vous)|a soir|"
    r"a nuit|monday|tuesday|wednesday|thursday|friday|saturday|sunday|lundi|mardi|mercredi|jeudi|vendredi|samedi|"
    r"dimanche)\b"
)
OTHER_SUBJ = (
    rf"\b(?:she|he|they|she's|he's|they're|shes|hes|theyre|she'll|he'll|they'll|her|his|him|them|their|"
    rf"(?:my|our|a|one of the|one of my|another|this|that|the|his|her) (?:{PERSON}|girl|guy|woman|man|lady|dude|"
    rf"member|person|participant|people|folks)s?|someone|somebody|il|elle|ils|elles|(?:mon|ma|mes|une|un|son|sa) "
    rf"{PERSON_FR})\b"
)
SELF_SUBJ = r"\b(?:i|i'm|im|i've|ive|i'd|i'll|me|myself|je|j'|moi)(?![\w-])"
_POSSESSIVE_OTHER_RE = re.compile(r"\b(?:her|his|their|him|them|ses|sa|son|leur)\b")
_SUBJ_RE = re.compile(rf"(?P<o>{OTHER_SUBJ})|(?P<s>{SELF_SUBJ})")

# --------------------------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------------------------

# kinds: "direct" (severity as given), "sui" (suicidal, medium; raised to high by timing/means/plan/farewell),
# "weak" (weighted signal, only counts in combination), "doit" (ambiguous intent, needs timing or support),
# "place" (at a height), "timing", "stock" (stockpiling meds), "enough", "sh" / "sh_hi" (self-harm and its
# danger signs), "abuse" / "threat" / "danger", "resp" (breathing signs, need drug context), "drug" (drug
# context), "stroke1/2/3", "saddle", "legs", "bladder", "sudden", "breathe", "odprog", "weapon", "revenge",
# "protect".


@dataclass(frozen=True)
class _Rule:
    cue: str
    kind: str
    level: int  # 2 = high, 1 = medium, 0 = modifier; for "weak" rules: the weight
    categories: tuple[str, ...]
    pattern: re.Pattern[str]
    gate: tuple[str, ...]
    negatable: bool
    framable: bool
    pastable: bool
    joke: bool
    subject: str  # "self", "other", "detect", "needs_other"
    lowerable: bool


def _compile(pattern: str) -> re.Pattern[str]:
    """A literal space in a rule pattern means "one or more whitespace characters"."""
    return re.compile(pattern.replace(" ", r"\s+"))


_RULES: list[_Rule] = []


def _r(
    cue: str,
    kind: str,
    level: int,
    cats: str,
    pattern: str,
    gate: str = "",
    *,
    neg: bool = False,
    frame: bool = True,
    past: bool = False,
    joke: bool = False,
    subject: str = "detect",
    lower: bool = False,
) -> None:
    _RULES.append(
        _Rule(
            cue=cue,
            kind=kind,
            level=level,
            categories=tuple(c for c in cats.split() if c),
            pattern=_compile(pattern),
            gate=tuple(g for g in gate.split("|") if g),
            negatable=neg,
            framable=frame,
            pastable=past,
            joke=joke,
            subject=subject,
            lowerable=lower,
        )
    )


_G_SK = (
    "myself|my self|myslef|myslf|mysef|kms|k.m|k*m|end it|end my|end th|end ev|ending|take my|suic|s*ic|unaliv|ctb|"
    "sewer|overdos| od|od'|oded|jump|step in|drive|"
    "die|check out|drink|drug"
)

# --- suicide: explicit intent (high) ---
_r("intent", "direct", 2, "suicide", rf"\b{INTENT} {FILL}{SK_BASE}", _G_SK, neg=True, frame=False, lower=True)
_r(
    "intent.decided",
    "direct",
    2,
    "suicide",
    rf"\b(?:planning (?:my|the) (?:{SUICIDE}|sewer\s?slide|death|exit)|(?:i'?ve|i have) decided to die|ready to die|"
    rf"(?:i'?m|im|i am) (?:going to|gonna) (?:die|be dead) (?:tonight|today|tomorrow))\b",
    "planning|decided|ready|gonna|going",
    neg=True,
    frame=False,
    lower=True,
)
_r(
    "intent.fr",
    "direct",
    2,
    "suicide",
    rf"\b(?:(?:je|j')\s?(?:vais|v|m'en vais|compte)|j'ai decide de|c'est decide,? je vais|je suis pret(?:e)? a) "
    rf"(?:juste |enfin |bientot |finalement )?{SK_FR}",
    "vais|decide|pret|compte|j'v|jv",
    neg=True,
    frame=False,
    lower=True,
)
_r(
    "intent.plan_od",
    "direct",
    2,
    "overdose suicide",
    rf"\b{INTENT} {FILL}(?:take|swallow|down|pop|eat|chug|od on|overdose on) (?:[\w']+ )?(?:all|every|everything|"
    rf"the whole|a whole|my whole|the entire|my entire|the rest|a handful|handfuls|a bunch|too many|\d{{2,}}|"
    rf"like \d+|all of)(?: of)?(?: (?:my|the|her|his|their|those))?(?: [\w']+){{0,2}} (?:{MEDS}|{CONTAINERS}|it|them)\b",
    "take|swallow|down|pop|eat|chug|od on|overdose",
    neg=True,
    frame=False,
    lower=True,
)

# --- suicide: ideation, passive wish to die, burden, hopelessness (medium, "sui") ---
_r(
    "ideation",
    "sui",
    1,
    "suicide",
    rf"\b{IDEATION} {FILL}(?:{SK_ING}|{SK_BASE})",
    _G_SK + "|dying|not |using|driv|stepping|throwing",
    neg=True,
)
_r(
    "ideation.mention",
    "sui",
    1,
    "suicide",
    rf"\b(?:{KILL}(?:ing|ed)? {MYSELF}{NOT_IDIOM_SELF}|{KMS}|unaliv\w*|sewer\s?slide|ctb|end(?:ing)? my (?:own )?life|"
    rf"take my (?:own )?life|commit(?:ting)? {SUICIDE}|hang(?:ing)? {MYSELF}|slit(?:ting)? my wrists?|"
    rf"shoot(?:ing)? {MYSELF}|off(?:ing)? {MYSELF}|end(?:ing)? it all|(?:i'?m|im|i am|feel(?:ing)?|been|getting) "
    rf"(?:so |very |really |pretty |kinda |a bit |quite )?suicidal|suicidal (?:thoughts?|ideation|feelings?|urges?|"
    rf"again|today|tonight|lately)|thoughts of {SUICIDE}|{SUICIDE} (?:crossed|crosses) my mind|(?:{SUICIDE}|the s[- ]?word|{KILL}ing {MYSELF}|dying|ending it(?: all)?|death) "
    rf"(?:has been|is|keeps|was|'s been) (?:\w+ )?(?:on|in|crossing) my mind|"
    rf"(?:attempted|tried) {SUICIDE}|(?:tried|attempted|wanted) to (?:{KILL} {MYSELF}|end (?:my life|it all)|die(?! of| laughing| from| for))|"
    rf"i (?:have |'ve )?attempted\b|my {SUICIDE} attempt|(?:was|were) suicidal)",
    "myself|my self|myslef|myslf|kms|k.m|k*m|unaliv|sewer|ctb|my life|my own|suic|s*ic|end|attempt|wanted to|"
    "tried|suicid|bless|word",
    neg=True,
    past=True,
)
# "I hope I don't wake up with that stiffness again", "...never wake up at 3am with hip pain": waking *to*
# something, not staying asleep
_WAKE_TO = r"(?!(?: up)?(?: (?:in the morning|tomorrow|tonight|again|at (?:\d+|night)\S*(?: ?[ap]m)?))* (?:with|feeling|sore|stiff|in (?:pain|agony)|at \d|early|before)\b)"
_r(
    "passive",
    "sui",
    1,
    "suicide",
    r"\b(?:wants? to die(?! of| laughing| from| for)|wanna die|want to be dead|wish(?:ing)? (?:i )?"
    r"(?:was|were|could) (?:dead|die)|wish i (?:was|were)n'?t (?:alive|here|born)|wish i'?d never (?:been born|"
    r"woken up|woke up)|(?:go to sleep|fall asleep|sleep) and (?:not|never) wake(?: up)?"
    rf"{_WAKE_TO}|(?:hope|hoping|wish|"
    r"wishing|pray|praying) i (?:don'?t|dont|won'?t|wont|wouldn'?t|wouldnt|didn'?t|didnt|never|do not) (?:ever )?"
    rf"wake(?: up)?{_WAKE_TO}|rather be dead|better off dead|(?:don'?t|do not|dont|no longer) (?:want|wanna|wish) (?:to )?"
    r"(?:live|be alive|be here|exist|wake up|go on|keep living)|(?:tired|sick) of (?:living|being alive|life|"
    r"existing|being here)|done (?:with life|living)|want (?:it all|everything|all of (?:it|this)) to (?:end|stop)|"
    r"(?:want|wanna|wish i could|wants) (?:to )?(?:just )?(?:disappear|vanish|stop existing|not exist|not be here|"
    r"cease to exist)(?=\s*[.!,?]|\s*$| for good| forever| permanently| and never| from (?:this|the) (?:world|earth|planet))|part of me wants to (?:just )?(?:die|not exist|disappear)|"
    r"wish (?:it|this|everything) (?:would|could) (?:all )?end|hope i die|wish i would die|pray(?:ing)? (?:for "
    r"death|to die)|wish the pain would (?:kill|take) me|no (?:will|desire) to live|"
    r"don'?t (?:think|know if|know how) i can (?:go on|keep going|carry on|keep living)|(?:wouldn'?t|would not|"
    r"won'?t) mind (?:if i )?(?:just )?(?:didn'?t wake up|not waking up|dying|never waking up|being dead)|"
    r"(?:be|i'?d be|id be) (?:ok|okay|fine|happy) (?:with )?(?:dying|not waking up|being dead|if i died)|"
    r"(?:hope|hoping|wish|wishing|pray(?:ing)?) (?:that )?(?:a|the|some) (?:car|bus|truck|train) (?:hits|kills|"
    r"would hit|will hit) me|(?:hope|hoping|wish) (?:i )?(?:get|got) hit by (?:a )?(?:car|bus|truck|train)|"
    r"hop(?:e|ing) (?:this|the pain|it) (?:kills|finishes) me|(?:want|wish|wanna|like|long) to (?:go to )?sleep "
    r"(?:forever|and never wake|for good|permanently)|never wake up again|eternal sleep|(?:stay )?asleep (?:forever|for good)|(?<!could\s)(?<!would\s)sleep forever|deserve to die|"
    r"should (?:just )?(?:die|be dead)|better dead)",
    "die|dead|wish|wake|waking|alive|live|exist|living|life|end|disappear|vanish|be here|go on|keep going|carry on|"
    "dying|hits me|hit by|kills me|finishes me|sleep|deserve|should|better dead",
    neg=True,
)
_r(
    "ideation.vehicle",
    "sui",
    1,
    "suicide",
    r"\b(?:driv(?:e|ing)|drove|crash(?:ing)?|steer(?:ing)?) (?:my car |the car |myself )?(?:off|into) (?:a |the )?"
    r"(?:cliff|bridge|river|lake|wall|tree|oncoming traffic|traffic|overpass|ravine)",
    "driv|drove|crash|steer",
    neg=True,
)
_r(
    "burden",
    "sui",
    1,
    "suicide",
    r"\b(?:(?:i feel like|feel like|i'?ve become|i'?m just) (?:a |such a )?(?:burden|waste of (?:space|air|oxygen)|dead weight)|"
    r"(?:happier|better off|relieved|celebrating) at my funeral|(?:would|'d|will|might) be (?:[\w']+ ){0,2}?(?:better|happier|"
    r"easier|quieter|calmer|lighter|simpler|richer|freer|more peaceful) without me|stop being (?:a|everyone'?s|your|their|the) "
    r"(?:problem|burden)|(?:better off|happier|easier|better) (?:without me|if i (?:was|were|wasn'?t|weren'?t) (?:gone|here|"
    r"dead|around|alive)|if i (?:died|disappeared|was gone|were gone)|when i'?m gone)|(?:i'?m|im|i am) (?:just |"
    r"such |only |nothing but )?(?:a )?(?:burden|waste of (?:space|air|oxygen)|weight on [\w' ]{0,20}?(?:family|everyone|them|you|people)|dead weight|"
    r"drain on [\w' ]{0,20}?(?:family|everyone|them|you|people))(?: (?:to|on) (?:everyone|everybody|my "
    r"family|them|you all|people|the world))?(?=\s*[.!,]|\s*$| to| on)|world (?:would be|is) better without me|"
    r"(?:nobody|no one|no-one) would (?:even )?(?:miss|notice|care)(?: [\w']+)? if i (?:was|were|died|disappeared|stopped|vanished|"
    r"was gone|left|wasn'?t here)|(?:nobody|no one) will (?:even )?(?:miss|notice) (?:me|if i)|(?:no one|nobody|"
    r"they|you) (?:will|won'?t) (?:have|need) to (?:deal with|worry about|take care of|put up with|look after) me|"
    r"out of (?:everyone'?s|everybody'?s|your|their|the) way (?:soon|for good|forever|permanently))",
    "better|happier|easier|burden|waste|miss|notice|care|deal with|worry|put up|look after|way|weight|drain|without me|"
    "funeral|relieved|celebrating|problem",
)
_r(
    "hopeless",
    "sui",
    1,
    "suicide",
    r"\b(?:(?:can'?t|cannot|can not) (?:go on|keep going|carry on|keep living|live like this)(?=\s*(?:like this|"
    r"anymore|any more|any longer|living|with (?:this|life|my life|the pain)|[.!,]|$))|"
    r"(?:what'?s|whats|what is) (?:even )?the (?:point|use) (?:of|in) (?:living|life|going on|being alive|anything|it all|"
    r"waking up|carrying on|continuing|being here)|no point (?:in )?(?:living|going on|being alive|carrying on|"
    r"life|continuing|waking up|being here)|(?:no|any|zero|not a single) reason (?:left )?to (?:keep going|"
    r"go on|keep living|live|be alive|continue|carry on|wake up|stay)(?! to)|give up on (?:life|living)|"
    r"(?:no|don'?t see (?:a|any)|only one) way out(?: [\w']+){0,4} (?:except|but|other than) (?:dying|death|"
    r"{s}|ending it|to die|one|the one|the obvious one|the permanent one)\b|(?:death|dying|{s}|ending it|ending "
    r"things|killing myself)[^.!?\n]{0,30}?\bonly (?:way|option|answer|choice|solution|way out)|(?:don'?t|do not|doesn'?t|does not|can'?t|cannot) see (?:the|any) point (?:in|of) (?:going on|living|carrying on|being "
    r"alive|life|waking up|anything|trying)|see no point (?:in|of) (?:going on|living|life|being alive)|why (?:bother|"
    r"even bother|keep) (?:living|going on|waking up|trying to "
    r"live)|life (?:isn'?t|is not|isnt|ain'?t|is no longer) worth (?:living|it anymore)|not worth living|"
    r"(?:don'?t|doesn'?t|do not|does not|can'?t|cannot|no longer) (?:see|know|understand|find|have)(?: [\w']+){0,2}? "
    r"(?:why|how|a reason|one reason|any reason|the point|a point|the strength|the energy|the will|any strength)"
    r"(?: [\w']+){0,4}? (?:keep living|keep going|"
    r"go on|going on|stay alive|be alive|live|carry on|continue living|wake up))".replace("{s}", SUICIDE),
    "go on|keep going|carry on|keep living|live like|point|reason|give up|way out|only|bother|worth|why|how|"
    "strength|energy|will|use",
)
_r(
    "fr.present_intent",
    "sui",
    1,
    "suicide",
    r"\bje (?:saute (?:du|d'un|de la|par)|me jette (?:du|d'un|de la|sous|par)|me tue\b(?! (?:a|au|de|pour))|me suicide|"
    r"me pends|me tire une balle)",
    "je saute|je me",
    neg=True,
)
_r(
    "fr.passive",
    "sui",
    1,
    "suicide",
    r"\b(?:j'?|je )?(?:veux mourir(?! de)|envie de mourir(?! de)|envie d'en finir|hate de mourir|voudrais (?:mourir|etre morte?|"
    r"disparaitre)|aimerais (?:mourir|etre morte?|disparaitre)|(?:(?:ne|n')\s?)?(?:veux )?(?:plus|jamais) me reveiller|(?:ne|n')\s?pas me reveiller|"
    r"veux plus (?:vivre|etre la|exister)|plus envie de vivre|(?:j'?en|je n'en) peux plus de vivre|"
    r"(?:plus de|plus aucune|aucune|pas de) raisons? de (?:vivre|continuer)|(?:mieux|plus heureux|plus heureuses?|mieux lotis?) sans moi|un fardeau|comme un poids|un poids "
    r"(?:pour|sur)|personne ne (?:remarquerait|s'en rendrait compte|me regretterait|"
    r"s'en soucierait|me manquerait)|(?:mieux|plus heureux|plus heureuse)s? si je (?:disparaissais|mourais|n'etais "
    r"plus la)|veux disparaitre|"
    r"veux que tout s'arrete|ne plus exister|(?:vois|sais) (?:pas|plus) comment (?:continuer|vivre|tenir)|(?:arreter|cesser) d'exister|(?:envie de|veux|voudrais|aimerais) (?:juste )?disparaitre (?:pour toujours|a jamais|"
    r"pour de bon|definitivement)|a quoi bon (?:vivre|continuer|me reveiller)|(?:ca )?sert (?:a )?rien de (?:continuer|vivre|me battre|me lever le matin)|marre de vivre|fatiguee? de vivre|pense (?:souvent |tous les jours |parfois )?"
    r"(?:au suicide|a me (?:suicider|tuer|pendre|jeter|noyer)|a en finir|a mourir|a la mort)|(?:idees|pensees) (?:suicidaires|noires)|suis suicidaire|"
    r"veux (?:juste )?(?:me suicider|me tuer|en finir)|(?:pu|plus) (?:le )?(?:gout|envie) de (?:rien|vivre)|meme pas de vivre|"
    r"si je (?:mourais|disparaissais|partais|n'etais plus la|etais plus la)[^.!?\n]{0,50}?(?:changerait rien|personne|mieux|"
    r"soulag\w*|plus simple|plus facile)|(?:plus simple|plus facile|mieux) de (?:ne )?(?:plus|pas) (?:etre la|exister|vivre|"
    r"me reveiller))",
    "mourir|morte|mort|reveiller|vivre|raison|sans moi|fardeau|disparaitre|arrete|suicid|tuer|finir|noires|si je|"
    "gout|envie|exister|etre la|"
    "pendre|jeter|noyer|personne|si je|poids|exist|comment|sert|quoi bon|continuer|tenir",
    neg=True,
    past=True,
)

# --- suicide: weak signals, combined (weights) ---
_r(
    "farewell.last_message",
    "weak",
    2,
    "suicide",
    r"\b(?:see you (?:on the other side(?! of (?:this|the|my|your) (?:surgery|op|operation|procedure|trip|flight|"
    r"weekend|week|exam|move))|in (?:heaven|the next life|another life))|(?:it'?s|tonight is|tonight'?s|today is|"
    r"today'?s) my last (?:night|day)\b(?! (?:at|of|in|on|before|with)\b)|on se (?:reverra|revoit) de l'autre cote|"
    r"(?:this|that|it) (?:is|will be|'s|was) (?:my|the) (?:very )?last (?:message|post|text|night|goodbye)"
    r"(?! (?:(?:here|in (?:the|this) (?:group|chat)) )?(?:for (?:today|tonight|now|the (?:day|night|week)|a while)|before|until|till|of the (?:day|night|week)|"
    r"today|tonight|this (?:week|weekend|month)|on this|in this))|(?:c'est|ce sera|voici) (?:mon|le) dernier "
    r"message(?! (?:avant|pour (?:aujourd'hui|ce soir|la journee|la semaine|le moment)|de la journee|de la "
    r"semaine)))",
    "last|dernier|other side|heaven|next life|another life|autre cote",
)
_r(
    "farewell.note",
    "weak",
    2,
    "suicide",
    rf"\b(?:{SUICIDE} note|goodbye (?:letters?|notes?)|(?:letters?|notes?) (?:to|for) (?:my|the) (?:kids|children|"
    rf"family|wife|husband|mom|mum|dad|parents|daughter|son|loved ones|everyone)|(?:wrote|written|writing|left) (?:goodbye |farewell )(?:letters|notes) (?:to|for) "
    rf"(?:everyone|everybody|each of|all of|my|the)|(?:wrote|written|writing|left) (?:letters|notes) (?:to|for) (?:everyone|everybody|each of|"
    rf"all of|my (?:kids|children|family|wife|husband|mom|mum|dad|parents|daughters?|sons?|loved ones|friends|sisters?|brothers?|"
    rf"girlfriend|boyfriend|partner))|lettres? d'adieu|by the time "
    rf"(?:you|anyone|someone) (?:read|reads|see|sees|find|finds) this)",
    "note|letter|lettre|by the time",
    past=True,
)
_r(
    "farewell.gone",
    "weak",
    2,
    "suicide",
    r"\b(?:(?:won'?t|will not|wont) be (?:here|around|alive)(?: [\w']+)? (?:tomorrow|much longer|for (?:much|very) "
    r"longer|anymore|any more|by (?:morning|tomorrow|then)|after tonight)|(?:won'?t|will not|wont) be (?:here|"
    r"around)(?=\s*[.!]|\s*$)|won'?t be needing (?:them|it|those|these|my [\w']+)(?! (?:for|until|till|this|next))|"
    r"(?:i'?ll|i will) be gone (?:by|soon|tomorrow|tonight)|je ne serai plus (?:la|ici)|"
    r"(?:not|never) (?:going to|gonna) be (?:here|around|alive) (?:after|by|tomorrow|much longer|for long|"
    r"anymore|any more)|(?:not|never|won'?t) (?:going to |gonna )?wake up (?:tomorrow|again|in the morning|ever)|"
    r"no more tomorrows|(?:my )?last (?:sunrise|sunset|day on earth|night on earth|day alive)|won'?t be (?:at|in|coming "
    r"to) [^.!?\n]{0,40}?\bor any (?:other )?(?:session|meeting|group|call)s?|won'?t be (?:coming )?back (?:ever|again)|"
    r"(?:never|won'?t) (?:see|talk to) (?:you|any of you) (?:all )?again)",
    "be here|be around|be alive|needing|be gone|serai|or any|back|again|wake up|tomorrows|last",
)
_r(
    "farewell.giving_away",
    "weak",
    1,
    "suicide",
    r"\b(?:(?:gave|give|giving|given) (?:away )?(?:all )?(?:of )?my (?:things|stuff|belongings|possessions|"
    r"everything)|gave (?:away )?everything away|(?:gave|given|giving|rehomed|rehoming|found a (?:new )?home for) "
    r"(?:away )?my (?:cats?|dogs?|pets?|kitten|puppy|bird|rabbit|hamster)(?! (?:a |his |her |some |the |food|"
    r"treats|medicine|meds|pills|bath|walk))|donne (?:mon|ma|mes) (?:chat|chien|animaux|affaires|choses))",
    "gave|give|given|giving|rehom|home for|donne",
)
_r(
    "farewell.affairs",
    "weak",
    1,
    "suicide",
    r"\b(?:(?:updated|wrote|made|finished|sorted|redid|changed) (?:out )?my will\b|(?:put|putting|got|getting|"
    r"have) (?:all )?(?:my affairs|everything|my things|things) in order|made (?:my )?peace|fait mon testament|"
    r"mis (?:de l'ordre dans|en ordre) mes affaires|(?:cancel+ed|cancel+ing|cancel+) (?:all )?(?:of )?my "
    r"(?:appointments|plans|subscriptions|therapy|sessions)(?! (?:this|because|for|due|since|until|till|next))|"
    r"annule (?:tous )?mes rendez-vous(?! (?:a cause|cette|pour)))",
    "will|order|peace|testament|affaires|cancel|annule",
)
_r(
    "farewell.goodbye",
    "weak",
    1,
    "suicide",
    r"(?:\b(?:said|say|saying) (?:my )?goodbyes?(?: to (?:my [\w']+|everyone|everybody|them|you all|the [\w']+))?"
    r"(?! (?:at|before|for|to (?:the group )?for|until))|\bgoodbye (?:everyone|all|forever|world|friends)"
    r"(?=\s*[.!]|\s*$)|goodbye forever|^\s*goodbye\s*[.!]|\bgoodbye\s*[.!]?\s*$|\b(?:dit )?adieu (?:a tous|a tout "
    r"le monde|pour toujours|a (?:ma|mon|mes) [\w']+)|adieu,? (?:a )?(?:tous|tout le monde)|adieu et merci|\badieu\s*[.!]?\s*$)",
    "goodbye|adieu",
)
_r(
    "farewell.thanks",
    "weak",
    1,
    "suicide",
    r"\b(?:thank(?:s| you)(?: all| guys| everyone| so much)? for (?:trying(?! to)|everything you(?:'ve| have)? "
    r"(?:ever )?done|being (?:there|kind|my friend)|all you(?:'ve| have)? done)|thank(?:s| you)(?: all| guys| "
    r"everyone)? for everything(?! (?:this|today|tonight|you do|at|in|on))|(?:it'?s|this is|it was) not your "
    r"fault|none of this (?:is|was) your fault|merci (?:d'avoir essaye|pour tout)|ce n'est pas (?:de )?ta faute)",
    "thank|fault|merci",
)
_r(
    "farewell.final",
    "weak",
    1,
    "suicide",
    r"\b(?:(?:it'?s|its) time(?=\s*[.!]|\s*$)|(?:i'?m|im|i am) ready(?=\s*[.!]|\s*$)|tonight'?s the night|"
    r"this is it(?=\s*[.!]|\s*$)|(?:i'?ve|i have) made (?:up )?my (?:mind|decision)|my mind is made up|"
    r"(?:tell|let) (?:my [\w']+|them|everyone|her|him) (?:know )?(?:that )?i (?:love|loved) (?:her|him|them|you)|"
    r"love you all(?=\s*[.!]|\s*$)|take care of (?:my (?:cats?|dogs?|kids|children)|(?:him|her|them) for me)|"
    r"sorry for everything|(?:tell|let) (?:the group|everyone|them|my [\w']+) (?:that )?i'?m sorry|forgive me(?=\s*[.!]|\s*$)|c'est (?:l'heure|le moment)(?=\s*[.!]|\s*$)|"
    r"je suis prete?(?=\s*[.!]|\s*$)|pardonne(?:z)?-moi|c'est fini pour moi|this is the end(?: for me)?(?=\s*[.!,]|"
    r"\s*$| for me)|it'?s over for me|i'?m finished(?=\s*[.!]|\s*$))",
    "time|ready|night|this is it|made|mind|love|take care|sorry|forgive|l'heure|moment|pret|pardonne|fini|"
    "the end|over for me|finished",
)
_r(
    "wish_over",
    "weak",
    1,
    "suicide",
    r"\b(?:want|wish|need) (?:it|it all|everything|this|all of this) to (?:be over|end|stop)(?: forever| for good)?\b",
    "over|end|stop",
    neg=True,
)
_r(
    "plan",
    "weak",
    1,
    "suicide",
    r"\b(?:(?:i'?ve|i have|i'?ve got|ive got|i got) (?:a|my) plan\b(?! (?:for (?:the|my|our|this|next|dinner|"
    r"lunch|today|tomorrow)|to (?:get|go|fix|call|see|visit|ask|talk|try|buy|start|make|deal|manage|cope|pace|"
    r"handle|rest)|with|b\b))|(?:picked|chosen|chose|set|decided on) (?:the|a) (?:date|day|spot|place|method|"
    r"time)(?! (?:for|to))|(?:the )?(?:date|day|spot) (?:is )?(?:picked|chosen|set)\b(?! for)|j'ai (?:tout )?"
    r"(?:prevu|prepare|planifie)|j'ai un plan|tout est (?:pret|prevu))",
    "plan|picked|chos|set|decided|prevu|prepare|planifie|pret",
)
_r(
    "plan.method",
    "weak",
    2,
    "suicide",
    rf"\b(?:(?:know|decided|worked out|figured out|i know) (?:exactly )?(?:how|when|where) (?:i'?m|i am|im|i'?ll|"
    rf"i will|to) (?:going to |gonna )?(?:do it|end it|die|{KILL} {MYSELF})|plan and a date|know what i'?m "
    rf"(?:going to|gonna) do with (?:it|them))",
    "how|when|where|date|what",
)
_r(
    "plan.research",
    "weak",
    2,
    "suicide",
    rf"\b(?:research(?:ed|ing)?|look(?:ed|ing)? up|googl(?:e|ed|ing)|search(?:ed|ing)?(?: for| up)?|read(?:ing)? "
    rf"(?:up )?(?:about|on)|watch(?:ed|ing)? videos? (?:on|about)) (?:how (?:many|much|to)|ways to|the best way to|"
    rf"painless|lethal|fatal|what dose|how long it takes)[^.!?\n]{{0,40}}?\b(?:{MEDS}|dose|lethal|fatal|noose|"
    rf"die|dying|{KILL}|overdose|od|hang|end it|painless|tie a)",
    "research|look|googl|search|read|watch",
)
_r(
    "means.strong",
    "weak",
    2,
    "suicide",
    rf"\b(?:(?:got|have|has|bought|tied|made|ready|found|'ve got) (?:the|a|my) (?:rope(?! (?:lights?|course|swing|toy|ladder))|noose)|(?:the )?(?:rope|"
    rf"noose)(?: is|'s) (?:ready|tied|up)|(?:put|poured|dumped|emptied|laid|tipped) (?:out )?(?:all )?(?:of )?(?:the|my) "
    rf"(?:{MEDS}) (?:in|into|on|out on) (?:a|the) (?:bowl|pile|cup|jar|plate|table|bed|counter|floor)|(?:gun|pistol|rifle|shotgun)(?: [\w']+){{0,5}} (?:loaded|out of the (?:safe|case|"
    rf"closet)|in my (?:hand|lap|mouth)|to my head|cocked)|loaded (?:the |my |his |a )?(?:gun|pistol|rifle|"
    rf"shotgun)|(?:{MEDS}|everything)(?: [\w']+){{0,2}} (?:lined up|counted out|laid out|all out) (?:on (?:the|my) "
    rf"(?:table|bed|counter|desk|floor|nightstand)|in front of me)|(?:{MEDS}|everything)(?: [\w']+){{0,2}} "
    rf"(?:ready(?! (?:for|at|to pick))|in front of me|in my hand)|{CONTAINERS}(?: of "
    rf"[\w']+)?(?: [\w']+){{0,2}} (?:in front of me|in my hand)|(?:blade|razor|knife)(?: [\w']+){{0,3}} (?:in my hand|to "
    rf"my (?:wrist|throat|skin))|engine running|hose (?:from|to|on|in) the exhaust|exhaust (?:hose|pipe)|tie a noose|j'ai (?:trouve |achete |prepare |attache )?(?:la|une) corde|j'ai (?:les|mes) "
    rf"(?:medicaments|pilules|comprimes|cachets) (?:devant moi|prets))",
    "rope|noose|gun|pistol|rifle|shotgun|lined|counted|laid|ready|front of me|in my hand|to my|engine|corde|exhaust|"
    "put|poured|dumped|emptied|tipped|"
    "devant|prets",
)
_r(
    "means",
    "weak",
    1,
    "suicide",
    rf"\b(?:(?:got|have|has|'ve got|bought|holding|grabbed) (?:the|a|my|some|his|her|my [\w']+'s) (?:pills|gun|"
    rf"pistol|rifle|knife|razor|blade|rope)\b(?! (?:set|from|refill|lights?|course|swing|toy|sharpener|for (?:the|my) (?:kitchen|trip|hunting)))|"
    rf"(?:got|have|'ve got|bought) (?:a|the|my) (?:bottle|box|pack|stash) of (?:{MEDS})|"
    rf"(?:got|have|'ve got)(?: [\w']+){{0,4}} (?:and )?all (?:of )?my {MEDS}|"
    rf"(?:got|have|'ve got|brought|packed) all (?:\d+|the|of the|of my|my) {CONTAINERS} of (?:my )?(?:[\w']+ )?{MEDS}|"
    rf"(?:have|got) everything (?:ready|i need|planned|prepared)|(?:gun|rifle|pistol|shotgun|firearm)s? (?:is|are) "
    rf"(?:in|under|at|right) |(?:keep|can'?t stop) thinking about (?:it|using it|doing it)\b|have (?:access to )?(?:a gun|guns)|"
    rf"j'ai (?:les|mes) (?:medicaments|pilules|comprimes|cachets)\b)",
    "pills|gun|pistol|rifle|knife|razor|blade|rope|everything|medicaments|pilules|comprimes|cachets|all my|"
    "all of my|firearm|shotgun|thinking about|all |bottle|box|pack|stash",
)
_r(
    "place",
    "place",
    1,
    "suicide",
    r"\b(?:(?:i'?m|im|i am|she'?s|he'?s|they'?re|standing|sitting|climbed|up) (?:[\w']+ )?(?:on|at|onto|up on) (?:the |my |a |this )?(?:window\s*sill|window ledge|edge|"
    r"ledge|roof|rooftop|railing|overpass|bridge|tracks|train tracks|cliff|balcony|top of (?:the|a|my) [\w']+)"
    r"(?! (?:deck|garden|terrace|patio|bar|pool|party|club|restaurant|door|tournament|game|night|group|match|"
    r"lesson|table))|(?:\d+|many|several|\w+) (?:floors|"
    r"stories|storeys) up|"
    r"je suis (?:sur|au bord) (?:le|du|de la|la) (?:pont|toit|bord|rebord|voie|balcon))",
    "edge|ledge|roof|railing|overpass|bridge|tracks|cliff|balcony|top of|pont|toit|bord|voie|balcon|sill",
)
_r(
    "doit",
    "doit",
    1,
    "suicide",
    r"\b(?:(?:going to|gonna|gona|will|i'?ll|ready to) (?:finally |actually |just )?do it\b(?!\s*[-:!(])|"
    rf"(?:i'?m|im|i am) (?:finally |really )?(?:doing it|ending (?:it|everything|things|my life)|{KILL}ing {MYSELF}|going through with it)"
    r"|go through with it|le faire (?:ce soir|demain|cette nuit)|(?:tonight|today) i'?m done\b|i'?m done "
    r"(?:tonight|for good)\b)",
    "do it|doing it|ending|myself|go through|le faire|done",
    neg=True,
)
# --- compositional layer: (subject / modality) x (ending predicate), with a short filler window ---
# The predicate lexicon lists ways of saying "stop living" in bare (after "to"/a modal) and -ing forms; the
# modality decides the level: intent / decision -> high (lowerable by a protective statement), wish /
# rumination -> medium ("sui", raised by timing, means, plans or farewells). Ambiguous endings ("finish
# it", "do it") only count as weak signals. Pain-as-subject idioms never match (the subject must be a
# person: the modality words require one), and negation before the modality drops the cue.
_KIN = r"(?:dad|mom|mum|mother|father|husband|wife|son|daughter|brother|sister|grandma|grandpa|nana|papa|maman|baby)"
_PRED_END = (
    rf"(?:(?:die|be dead)\b(?! (?:of|laughing|from|for|down|off|out|hard|if|when|unless|without|someday|eventually|"
    rf"one day|happy|alone|old|trying|waiting|in this|in here)\b)(?! than (?!live|living|go on|keep|spend|suffer|"
    rf"face|another|be |have|wake|continue|carry|feel|deal))|not (?:be|stay) (?:alive|here|around)|"
    rf"not (?:wake|come back|come out of it|make it|survive)|never (?:wake|come back)|"
    rf"(?:go to |fall )?sleep (?:forever|for good|permanently)|be gone (?:for good|forever|soon|tonight|by)|"
    rf"(?:disappear|vanish|go away|leave) (?:for good|forever|permanently)|stop (?:existing|living|breathing)|"
    rf"(?:not|never) exist|cease to exist|end (?:it(?! with| off| up)|it all|things(?! with)|everything|my life|"
    rf"(?:the|this|my) (?:pain|suffering|misery)(?: for good| forever| permanently| once and for all)|this for good)|make (?:it|everything|the pain|this) (?:all )?stop (?:for good|forever|"
    rf"permanently)|check out (?:for good|early|permanently|of life)|join my {_KIN}(?! (?:for|at|in|on|and))|"
    rf"be with my {_KIN} again|(?:find|drive into|crash into|plow into|steer into|wrap my car around) (?:a|the) "
    rf"(?:tree|wall|pole|pillar|bridge pillar|semi|median|abutment|overpass)\b|{KILL} {MYSELF}|unaliv\w*|use (?:it|them|the [\w']+) on {MYSELF}|take my (?:own )?life|take (?:them|it) all|"
    rf"(?:take|swallow|down) (?:all|every(?: last| single)?|the whole|the rest)(?: of)?(?: (?:my|the|these|those))?"
    rf"(?: [\w']+)? {MEDS}|swallow (?:them|it) all|overdose|hang {MYSELF}|leave this (?:world|earth|life)|"
    rf"be done with (?:it all|everything|life|living|this life)|not (?:have to )?(?:wake up|live|exist) "
    rf"(?:anymore|any more|again|tomorrow))"
)
_PRED_ING = (
    rf"(?:dying\b(?! (?:of|laughing|for|to))|being dead|not (?:being|staying) (?:alive|here|around)|"
    rf"not waking(?: up)?|never waking(?: up)?|(?:going to |falling )?sleep(?:ing)? forever|"
    rf"(?:disappearing|vanishing|going away|leaving) (?:for good|forever|permanently)|not existing|"
    rf"ending (?:it(?! with)|it all|things(?! with)|everything|my life)|checking out (?:for good|early)|"
    rf"joining my {_KIN}(?! (?:for|at|in|on|and))|{KILL}ing {MYSELF}|unaliv\w*|using (?:it|them|the [\w']+) on {MYSELF}|"
    rf"taking my (?:own )?life|"
    rf"taking (?:them|it) all|(?:taking|swallowing) (?:all|every|the whole|the rest)(?: of)?(?: (?:my|the|these|"
    rf"those))?(?: [\w']+)? {MEDS}|overdosing|hanging {MYSELF}|stepping in front of|jumping (?:off|from|in front))"
)
_AMB_END = (
    r"(?:finish(?:ing)? (?:it|things|this)(?: all)?|go(?:ing)? through with (?:it|this)|end(?:ing)? it here)"
)
_W3 = r"(?:(?!not\b|never\b|but\b|pas\b)[\w']+ ){0,3}"
_MOD_INTENT = (
    r"(?:going to|gonna|gona|about to|bouta|boutta|ready to|decided to|planning to|planning on|plan to|intend to|"
    r"i'?ll|i will|i'?m finally going to|(?:tonight|tomorrow|today) (?:i'?m|im|i am|i)|tonight i|tomorrow i)"
)
_MOD_WISH = (
    r"(?:want(?:s|ed)? to|wanna|wish(?:es)? (?:i|she|he|they) could|wish(?:es)? (?:i|she|he|they) would|"
    r"(?:i'?d|would) rather|hop(?:e|es|ing) (?:to|i)|long(?:ing)? to|pray(?:ing)? (?:to|i)|"
    r"(?:i'?d|would) (?:love|like) to|tempted to|urges? to|part of me wants to|(?:all|only thing) i want is to|"
    r"(?:day)?dream(?:s|ing)? (?:about|of)|fantasi[sz](?:e|es|ing) about|think(?:s|ing)? (?:about|of)|"
    r"(?:thoughts|ones|ideas) (?:about|of)|can'?t stop thinking about|keep thinking about|obsess(?:ing)? (?:about|over)|"
    r"how easy it (?:would|'d|will) be to|considering|contemplating|wonder(?:ing)?(?: [\w']+)? (?:if|what|how)[^.!?\n]{0,25}? to)"
)
_r(
    "intent.compose",
    "direct",
    2,
    "suicide",
    rf"\b{_MOD_INTENT} {_W3}(?:{_PRED_END}|{_PRED_ING})",
    "going|gonna|gona|about|bout|ready|decided|plan|intend|ll|will|tonight|tomorrow|today",
    neg=True,
    frame=False,
    past=True,
    lower=True,
)
_r(
    "passive.compose",
    "sui",
    1,
    "suicide",
    rf"\b{_MOD_WISH} {_W3}(?:{_PRED_END}|{_PRED_ING})",
    "want|wanna|wish|rather|hop|long|pray|love|like|tempted|urge|dream|fantas|think|thought|obsess|easy|ones|ideas|"
    "consider|contemplat|wonder",
    neg=True,
    past=True,
)
_r(
    "passive.nonexistence",
    "sui",
    1,
    "suicide",
    r"\b(?:(?:don'?t|do not|dont|doesn'?t|no longer) (?:want|plan|intend|expect|care|wish|wanna)(?: to)? "
    r"(?:be (?:alive|here|around)|live|exist|wake up|see (?:tomorrow|another|next|the morning))|"
    r"wish(?:es|ed|ing)? (?:i|she|he|they) (?:was|were|could be|had never been|'d never been) (?:dead|gone|"
    r"never born|not (?:here|alive|around))|(?:hope|hoping|pray|praying|wish) (?:that )?[^.!?\n]{0,40}?\b"
    r"(?:i|i'?ll) (?:just |simply )?(?:don'?t|won'?t|wouldn'?t|didn'?t|never|do not|will not) (?:ever )?"
    rf"(?:come out of it|make it|survive|wake(?: up)?{_WAKE_TO}|come back)|"
    r"(?:wouldn'?t|would not|won'?t) mind if (?:a|the|some) (?:bus|car|truck|train|drunk driver)[\w' ]{0,15}? "
    r"(?:hits?|ran|runs|kills?|killed|took|takes) me|(?:only (?:thing|reason|one)|if it (?:wasn'?t|weren'?t) for|if "
    r"i didn'?t have)[^.!?\n]{0,40}?\b(?:(?:i'?m|im|i am) still (?:here|alive|around)|wouldn'?t (?:still )?be "
    r"(?:here|alive|around)|keep(?:s|ing)? me (?:here|alive|going))|"
    r"(?:tired|sick|exhausted) of (?:being alive|existing|living)|"
    r"(?:pray|hope|wish|want)[^.!?\n]{0,20}?\b(?:god|death|jesus|the lord|someone|something|cancer|it) (?:would |will |to )?"
    r"(?:just )?takes? me(?! (?:to|out|home from|back|shopping|for))|(?:i'?d|i would|i'?ll|i will) (?:just )?let it "
    r"(?:take|kill|win)|(?:if|when)[^.!?\n]{0,30}?(?:came back|comes back|returns?)[^.!?\n]{0,15}?(?:i'?d|i would) "
    r"(?:just )?let it|(?:stopped|stop|don'?t|do not|no longer) car(?:e|ing) (?:if|whether) i (?:live|die|wake)|"
    r"heaven (?:has to|must|would|will|could) be better than (?:this|here)|(?:dying|death|the end)[^.!?\n]{0,40}?"
    r"look(?:ing)? forward to it|look(?:ing)? forward to (?:dying|death|not waking)|(?:look|looking|stare|staring|"
    r"stared) at (?:the|my|all (?:the|my)) (?:pills|bottles|pill bottles|meds|rope|gun|razor|blade|knife)"
    r"[^.!?\n]{0,40}?\b(?:thinking|wondering|tempted|considering)|(?:got |have |with )?nothing (?:left )?to live for|"
    r"(?:easier|simpler|better) (?:to (?:just )?)?(?:not (?:be here|exist|wake up)|be dead)|"
    r"(?:hope|hoping|wish|pray)[^.!?\n]{0,20}?\b(?:my )?(?:heart|body|lungs) (?:just )?(?:gives? out|stops?|gives? up|quits?)|"
    r"(?:only|just) (?:sticking|staying|hanging) around (?:for|because of)|if (?:something|anything) (?:happened|happens|"
    r"were to happen) to me[^.!?\n]{0,30}?\b(?:wouldn'?t (?:be sad|mind|care)|(?:be )?(?:a )?relie\w*|be fine|be ok)|"
    r"(?:waking|wake|woke) up disappointed|(?:disappointed|sad|upset|angry) (?:to|that i|when i) (?:wake|woke) up|"
    r"(?:wish|wished|if only)[^.!?\n]{0,40}?\b(?:had|would have|could have|'d have) (?:finished|killed|taken) "
    r"(?:me|the job)|(?:scared|afraid|worried|terrified) (?:i'?m|i am|im|i) (?:going to|gonna|will|might|could) "
    r"(?:do something (?:to myself|stupid|drastic)|hurt myself|not stop myself))",
    "want|plan|intend|expect|care|wish|wanna|hop|pray|mind if|only|if it|if i|tired|sick|exhausted|scared|afraid|"
    "worried|terrified|let it|heaven|forward|look|star|live for|easier|simpler|better|caring|if only|around|"
    "happened|happens|happen|disappointed",
)
_r(
    "burden.conditional",
    "sui",
    1,
    "suicide",
    r"\b(?:(?:better off|easier|happier|relieved|a relief|lighter|free|save|fine|better)[^.!?\n]{0,60}?\bif i "
    r"(?:just )?(?:was|were|wasn'?t|weren'?t|died|disappeared|was gone|were gone|was dead|were dead)\b(?! (?:late|"
    r"there|home|sick|able|in|at|on))|if i (?:just )?(?:died|was dead|were dead|was gone|were gone|wasn'?t "
    r"(?:around|here|alive)|weren'?t (?:around|here|alive))[^.!?\n]{0,50}?\b(?:better off|easier|happier|relieved|"
    r"a relief|be fine|save|free|lighter|wouldn'?t mind|ok|okay|peace))",
    "if i",
)
_r(
    "ending.ambiguous",
    "weak",
    1,
    "suicide",
    rf"\b(?:(?:i'?m|im|i am|i'?ll|i will|going to|gonna|ready to|decided to) (?:finally |just |really )?"
    rf"{_AMB_END}(?! (?:off|up|by|before|for (?:work|school|class))))",
    "finish|through|here",
    neg=True,
)
_r(
    "hopeless.weak",
    "weak",
    1,
    "suicide",
    r"\b(?:can'?t (?:do|keep doing|take) (?:this|it|another (?:day|flare|year|night|week)|any of this)"
    r"(?: anymore| any more| any longer)?(?=\s*[.!,]|\s*$)|(?:i'?ve|i have|already) decided(?=\s*[.!]|\s*$)|"
    r"(?:i'?m|im|i am) (?:so )?(?:fucking |fkn |effing |just )?done(?=\s*[.!,]|\s*$)|(?:done|tired of|sick of) fighting\b|"
    r"can'?t fight (?:this|it|anymore)|(?:wrote|typed|left|written) (?:out |down )?(?:all )?my passwords|(?:put|left|took off) "
    r"my (?:wedding )?ring on|(?:it'?s|tonight is|tonight'?s|today is|today'?s) (?:my|the) last (?:night|day)\b|"
    r"(?:j'ai )?(?:pu|plus) (?:la |de )?force\b|(?:see|there'?s|have) no future "
    r"(?:for me|left|ahead)|(?:i'?d|i would) rather (?:just )?go now|j'?en peux (?:pu|plus)(?=\s*[.!,]|\s*$| pis| et)|"
    r"(?:my mind is|it'?s|it is) decided|this is goodbye|(?:the )?pain wins|c'est decide|ma decision est prise|"
    r"took care of it(?=\s*[.!]|\s*$)|(?:so|for) (?:they|someone|somebody|the police|paramedics|my [\w']+) (?:can|will|could|"
    r"would) find me|left (?:the|my) (?:front |back )?door unlocked|made arrangements for (?:my )?(?:cats?|dogs?|pets?|kids|"
    r"children|funeral)|(?:emptied|transferred|closed) (?:out )?my (?:bank account|savings|accounts?)|last time (?:i'?ll|ill|i "
    r"will) (?:log in|post|be here|talk to (?:you|anyone)|see you|message|write)|made sure of (?:it|that)|(?:by then|soon) it'?(?:ll| will) (?:all )?be over|"
    r"it'?(?:ll| will) all be over (?:soon|tonight|by)|(?:scheduled|timed|set) (?:an? |the |my )?(?:emails?|messages?|"
    r"posts?|texts?|letters?)[^.!?\n]{0,25}?\b(?:to (?:send|go out|be sent)|for (?:midnight|tomorrow|after))|"
    r"(?:emails?|messages?|posts?|texts?|letters?) (?:scheduled|timed|set) to (?:send|go out|post|be sent)|"
    r"(?:she|he|they|everyone|my [\w']+) thinks? (?:i'?m|im|i am) (?:going (?:on a trip|away)|fine|okay|ok)\b|"
    r"(?:legs|feet) (?:hanging|dangling) (?:out|over|off)|where (?:nobody|no one|no-one) (?:goes|will find me|can find me|"
    r"will see)|(?:found|picked|scouted|chose) (?:a|the) (?:spot|place)(?! (?:for|to (?:eat|park|sit)))|"
    r"(?:driving|heading|going|walking|on my way) (?:to|down to) (?:the )?(?:lake|river|bridge|cliff|tracks|"
    r"escarpment|quarry|woods|falls|overpass)s?\b|"
    r"(?:(?:my|the) )?plan is (?:set|ready|in place|final|made)|"
    r"(?:then|and then|after (?:that|this)|by (?:tonight|morning|then|monday|tomorrow)) (?:i'?m|im|i am|i'?ll be) "
    r"gone\b)",
    "can't|cant|decided|decide|goodbye|wins|plan|gone|prise|took care|made sure|over|scheduled|timed|set|thinks|done|"
    "future|go now|peux|fighting|fight|passwords|ring on|last night|last day|force|find me|unlocked|arrangements|emptied|transferred|closed|last time|"
    "hanging|dangling|nobody|no one|no-one|found|picked|scouted|chose|lake|river|bridge|cliff|tracks|escarpment|"
    "quarry|woods|falls|overpass",
)
_r(
    "means.taken",
    "weak",
    1,
    "overdose suicide",
    rf"\b(?:(?:i'?ve|i have|just|already) (?:taken|took|swallowed) (?:the|those|these) (?:{MEDS})|"
    rf"(?:i'?ve|i have|just|already) (?:taken|took|swallowed) them all)",
    "taken|took|swallowed",
    neg=True,
)
_r(
    "means.exhaust",
    "weak",
    2,
    "suicide",
    r"\b(?:hose (?:is )?(?:hooked up|attached|taped|connected|running|in the (?:window|car))|"
    r"(?:in|inside) (?:the|my|her|his|their) (?:car|truck) in (?:the|my|her|his|their) garage[^.!?\n]{0,30}?"
    r"(?:engine|motor|car) (?:on|running)|garage[^.!?\n]{0,30}?\b(?:engine|motor) (?:on|running)|"
    r"(?:car|engine|motor) (?:is )?running[^.!?\n]{0,30}?\bgarage|garage[^.!?\n]{0,30}?\bcar (?:on|running)\b|charcoal[^.!?\n]{0,50}?\b(?:tap\w*|seal\w*|clos\w*)"
    r"(?: up)? (?:the |all the |my )?(?:[\w']+ )?(?:windows?|doors?|vents?)|(?:tap\w*|seal\w*)(?: up)? (?:the |all the |my )?"
    r"(?:[\w']+ )?(?:windows?|doors?|vents?)[^.!?\n]{0,40}?\bcharcoal|(?:bath|bathtub|tub)\b[^.!?\n]{0,25}?\b(?:razor|blade)|"
    r"(?:lame|rasoir|couteau|gillette)(?: [\w']+){0,2} (?:sur|contre) (?:mon|ma|mes) (?:poignets?|bras|gorge|cou|veines))",
    "hose|garage|charcoal|bath|tub|lame|rasoir|couteau|gillette",
)

_LETHAL = (
    r"(?:gun|pistol|handgun|revolver|rifle|shotgun|firearm|noose|rope(?! (?:lights?|course|swing|toy|ladder|bridge))|"
    r"blade|razor|razor blade|box\s*cutter|fusil|carabine|pistolet|arme|corde|lame|rasoir)"
)
_r(
    "means.position",
    "weak",
    2,
    "suicide",
    rf"\b(?:{_LETHAL}s?\b(?: [\w']+){{0,2}} (?:is |are )?(?:hanging from|tied to|loaded|cocked|in (?:my|his|her|their) "
    rf"(?:lap|hand|hands|mouth)|to (?:my|his|her) (?:head|temple|wrist|throat)|on the (?:bed|table|counter|desk) next to "
    rf"(?:me|him|her)|next to (?:me|him|her) on)|(?:fusil|carabine|pistolet|arme)[^.!?\n]{{0,30}}?\b(?:des balles|"
    rf"chargee?|les balles|des cartouches)|(?:using|use) (?:it|them|the [\w']+) on (?:{MYSELF}|me)\b)",
    "gun|pistol|revolver|rifle|shotgun|firearm|noose|rope|blade|razor|cutter|fusil|carabine|arme|corde|lame|rasoir|"
    "using|use",
)
_r(
    "means.have",
    "weak",
    1,
    "suicide",
    rf"\b(?:(?:i |i'?ve |just |already |finally )?(?:got|have|has|keep|kept|bought|grabbed|holding|found|"
    rf"j'ai|il a|elle a)(?: (?:a|the|my|his|her|some|le|la|un|une|mon|ma|des)(?: [\w']+'s)?|(?: my)? [\w']+'s) "
    rf"{_LETHAL}\b(?! (?:sharpener|set|block|case|license|licence|safety|course|class)))",
    "gun|pistol|revolver|rifle|shotgun|firearm|noose|rope|blade|razor|cutter|fusil|carabine|arme|corde|lame|rasoir",
)
_r(
    "overdose.inside",
    "direct",
    2,
    "overdose suicide",
    rf"\b(?:(?:the |all (?:the |my )?|my )?(?:{MEDS}|them all|everything) (?:are|r|is|'re) (?:all )?already (?:in me|in my "
    rf"(?:system|stomach|belly))|already (?:in me|down my throat))",
    "already",
    neg=True,
)
_r(
    "elliptic.method_time",
    "sui",
    1,
    "suicide",
    rf"(?:^|(?<=[.!?,])|(?<=[.!?,]\s)|(?<=[.!?,]\s\s)|\b(?:so|then|and|just)\s)(?:overdose|od|kms|ctb|unalive|{SUICIDE}|the end|the bridge|the rope) "
    rf"(?:tonight|tomorrow|tmrw|today|this weekend|at midnight|after (?:work|this))\b",
    "overdose|od|kms|ctb|unalive|suic|s*ic|the end|bridge|rope",
)
_r(
    "algospeak.sleep",
    "sui",
    1,
    "suicide",
    r"\b(?:(?:thinking|dreaming|fantasi[sz]ing) (?:about|of)|want|wanna|wish for|craving|ready for|longing for) "
    r"(?:the|a|my) (?:forever|permanent|eternal|big|dirt|endless|long) (?:nap|sleep|rest)\b|"
    r"\bsui (?:ideation|thoughts?|urges?|attempt|idea)|make (?:it|my death|this) look like an accident|"
    r"(?:so|that) it looks like an accident|(?:picturing|imagining|planning|visuali[sz]ing) my (?:own )?funeral|"
    r"worth more (?:to [\w']+ )?dead|life insurance (?:would|will|could) (?:do more|help|pay|be worth|take care)",
    "nap|sleep|rest|sui |accident|funeral|dead|insurance",
)
_r(
    "vehicle.crash",
    "sui",
    1,
    "suicide",
    r"\b(?:find|hit|aim for|drive into|crash into|plow into|steer into|go into) (?:a|the) (?:tree|wall|pole|pillar|"
    r"bridge pillar|semi|truck|median|abutment)[^.!?\n]{0,20}?(?:at \d+|full speed|flat out|without (?:braking|a "
    r"seatbelt))|(?:drive|driving|floor it|flooring it) (?:[\w']+ ){0,3}(?:at|to) \d{3}\s*(?:km|kmh|km/h|mph)",
    "tree|wall|pole|pillar|semi|truck|median|abutment|km|mph",
    neg=True,
)

# --- French compositional: (je vais / j'ai envie de / je veux ...) x (mourir / en finir / disparaitre ...) ---
_FR_PRED = (
    r"(?:mourir(?! de\b| d')|en finir(?! avec (?:ce|cette|cet|le|la|les|mon|ma|mes|un|une|ca|ses)\b)|"
    r"disparaitre (?:pour de bon|pour toujours|a jamais|definitivement)|me (?:tuer|suicider|pendre|noyer|jeter|"
    r"foutre en l'air|tirer)|m'enlever la vie|(?:m'endormir|dormir)(?: [\w']+){0,3} (?:pour toujours|(?:et |pis |"
    r"puis )?(?:ne )?(?:pas|plus|jamais) me reveiller)|(?:ne )?(?:plus|pas|jamais) me reveiller|plus (?:exister|"
    r"vivre)|ne plus (?:exister|vivre|etre la)|partir pour (?:de bon|toujours)|tout (?:avaler|prendre)(?! (?:au|a(?! soir| nuit)|en|"
    r"le|la|ca))|avaler (?:toute? (?:ma|la|mes|les)|tous mes|toutes mes)|rejoindre (?:mon|ma) (?:pere|mere|mari|"
    r"fils|fille|frere|soeur|papa|maman|chum|blonde)|sauter (?:du|d'un|de la|en bas|devant|sous)|partir (?:et |pis |puis )?"
    r"(?:ne )?plus jamais revenir|me jeter (?:devant|en bas|du|sous))"
)
_FR_PRED_3 = (
    r"(?:mourir(?! de\b| d')|en finir(?! avec)|se (?:tuer|suicider|pendre|noyer|jeter|foutre en l'air)|s'enlever la vie|"
    r"mettre fin a ses jours|tout avaler|sauter (?:du|d'un|de la|en bas|devant|sous)|disparaitre pour (?:de bon|"
    r"toujours))"
)
_FR_W = r"(?:(?!pas\b|jamais\b|plus\b)[\w']+ ){0,2}"
_r(
    "intent.fr_compose",
    "direct",
    2,
    "suicide",
    rf"\b(?:(?:je|j')\s?(?:vais|m'en vais|compte|suis pret(?:e)? a|suis decidee? a)|j'?vais|jvais|chu (?:pour|pret(?:e)? a)|"
    rf"c'est decide,? je vais|j'ai decide d'?e?) {_FR_W}{_FR_PRED}",
    "vais|compte|pret|decide|chu",
    neg=True,
    frame=False,
    lower=True,
)
_r(
    "passive.fr_compose",
    "sui",
    1,
    "suicide",
    rf"\b(?:(?:je |j')?(?:veux|voudrais|souhaite(?:rais)?|aimerais(?: ca)?|reve de|pense (?:souvent |parfois |juste )?a)|j'?veux|jveux|"
    rf"(?:j'ai|j'avais) (?:juste )?(?:envie|le gout|hate) d'?e?) {_FR_W}{_FR_PRED}|"
    rf"\b(?:tannee?|ecoeuree?|fatiguee?|brulee?|a boutte) de (?:vivre|la vie|exister)",
    "veux|voudrais|souhaite|aimerais|reve|pense|envie|gout|hate|vivre|la vie|exister",
    neg=True,
)
_r(
    "third.fr_compose",
    "direct",
    2,
    "suicide",
    rf"\b(?:qu'?(?:il|elle)s?|(?:il|elle)s?) (?:va|vont|allait|est pret(?:e)? a) {_FR_W}{_FR_PRED_3}",
    "va|vont|allait|pret",
    neg=True,
    subject="other",
)
_r(
    "third.fr_wish",
    "sui",
    1,
    "suicide",
    rf"\b(?:qu'?(?:il|elle)s?|(?:il|elle)s?) (?:veut|veulent|voudrait|aimerait|pense a|a envie de) {_FR_W}{_FR_PRED_3}",
    "veut|veulent|voudrait|aimerait|pense|envie",
    neg=True,
    subject="other",
)
_r(
    "farewell.fr_last",
    "weak",
    2,
    "suicide",
    r"\b(?:c'est|ce sera|ce soir c'est) (?:ma|mon) (?:derniere? (?:soiree|nuit|journee|jour)|dernier jour)(?! (?:de|du|avant|au|a la|en|de la))",
    "derniere|dernier",
)

_r("timing", "timing", 0, "", TIMING, "", frame=False)

# --- third party suicide ---
THIRD_SK = (
    rf"(?:{KILL}(?:s|ing|ed)?|hurt(?:s|ing)?|hang(?:s|ing)?|shoot(?:s|ing)?|unalive|unaliving|off|offing) "
    rf"(?:herself|himself|themselves|themself)|end(?:s|ing)? (?:her|his|their) (?:own )?life|"
    rf"take (?:her|his|their) (?:own )?life|se (?:suicider|suicide|tuer|tue)|mettre fin a ses jours|"
    rf"s'enlever la vie"
)
_r(
    "third.intent",
    "direct",
    2,
    "suicide",
    rf"\b(?:going to|gonna|will|'ll|about to|planning to|plan to|decided to|ready to|va|vont|veut|veulent|"
    rf"allait) (?:[\w']+ )?(?:{THIRD_SK})",
    "herself|himself|themselves|themself|her life|his life|their life|their own|her own|his own|se |ses jours|"
    "s'enlever",
    neg=True,
    subject="other",
)
_r(
    "third.mention",
    "sui",
    1,
    "suicide",
    rf"\b(?:{THIRD_SK})",
    "herself|himself|themselves|themself|her life|his life|their life|their own|her own|his own|se |ses jours|"
    "s'enlever",
    neg=True,
    subject="other",
)

# --- overdose ---
_Q = (
    r"(?:all|all of|every|every single|everything|the whole|a whole|my whole|the entire|my entire|an entire|"
    r"a handful|handfuls|handful|a bunch|bunch|a fistful|too many|way too many|so many|a lot|lots|loads|tons|"
    r"a full|the full|every last|a (?:bottle|box|pack|packet|strip|sheet|blister pack)s?|"
    r"like \d+|about \d+|over \d+|\d{2,}|(?:[\w']+|\d+) (?:days?|weeks?|months?)'?s? (?:worth|supply)|"
    r"(?:a|my|the) (?:week|month)'?s? (?:worth|supply)|double|triple|twice|the rest)"
)
_r(
    "overdose.plan_fr",
    "direct",
    2,
    "overdose suicide",
    rf"\b(?:vais|veux|va|vont|compte) (?:\w+ )?(?:tout (?:avaler|prendre)(?! (?:au|a(?! soir| nuit)|en|le|la|ca|mon|ma|mes|"
    rf"ce|son|sa))|(?:avaler|prendre) (?:toute? (?:ma|la|sa|leur) (?:boite|bouteille|plaquette|"
    rf"reserve)|tou(?:s|tes) (?:mes|ses|les|leurs)(?: [\w']+)? {MEDS}|une poignee))",
    "avaler|prendre",
    neg=True,
)
_r(
    "overdose.act",
    "direct",
    2,
    "overdose suicide",
    rf"\b(?:took|taken|swallowed|downed|popped|necked|chugged|ate|mixed|have taken|just took|took like)(?: [\w']+){{0,6}}? {_Q}"
    rf"(?: of)?(?: (?:my|her|his|their|the|those|these|our))?(?: [\w']+){{0,4}} (?:{MEDS}|{CONTAINERS}"
    rf"(?! of (?:water|wine|juice|soda|milk|pop|beer|coke)))\b",
    "took|taken|swallowed|downed|popped|necked|chugged|ate |mixed",
    frame=True,
    neg=True,
)
_r(
    "overdose.act_fr",
    "direct",
    2,
    "overdose",
    rf"\b(?:(?:j'ai|il a|elle a|je viens d'|on a|ils ont|elles ont|a) (?:pris|avale|gobe)|(?:je|il|elle) vien[st] d'(?:avaler|prendre|gober))(?: [\w']+)? (?:toute? "
    rf"(?:ma|sa|la|une|leur) (?:boite|bouteille|plaquette|prescription|reserve)|tou(?:s|tes) (?:mes|ses|les|leurs)"
    rf"(?: [\w']+)? {MEDS}|une poignee|plein de {MEDS}|\d{{2,}}|le double|(?:\d+|deux|trois|quatre|cinq) (?:plaquettes|"
    rf"boites|bouteilles|flacons))",
    "pris|avale|gobe|prendre|gober",
    neg=True,
)
_r(
    "overdose.self",
    "direct",
    2,
    "overdose",
    r"\b(?:overdosed|od'?d|oded|"
    r"(?:i'?m|im|i am|she'?s|he'?s) (?:overdosing|od'?ing)|(?:j'ai|il a|elle a) fait une (?:surdose|overdose))"
    r"(?! on (?:netflix|caffeine|coffee|sugar|candy|chocolate|tv|anime|tiktok|youtube|memes|content|music|sunshine|"
    r"cuteness|drama|carbs|pizza|sleep|vitamin \w+|the (?:\w+ )?(?:season|series|show))\b)",
    "overdos|od|surdose",
    neg=True,
    past=True,
)
_r(
    "overdose.taking",
    "odprog",
    1,
    "overdose suicide",
    rf"\b(?:taking|going to take|gonna take|to take) {_Q}(?: of)?(?: (?:my|her|his|their|the))?(?: [\w']+){{0,2}} "
    rf"(?:{MEDS}|{CONTAINERS})\b",
    "taking|take",
    neg=True,
)
_r(
    "means.stockpile",
    "stock",
    1,
    "overdose suicide",
    rf"\b(?:sav(?:e|ed|ing)|collect(?:ed|ing)?|hoard(?:ed|ing)?|stockpil(?:e|ed|ing)|stash(?:ed|ing)?|"
    rf"gather(?:ed|ing)|build(?:ing)? up|built up|put(?:ting)? aside|squirrel(?:l?ed|l?ing)?|accumulat(?:e|ed|"
    rf"ing)|set(?:ting)? aside|garde|gardee|accumule|ramasse|stocke|mis de cote|economise|amasse)(?:s)?"
    rf"(?: up| away| aside)?(?: all)?(?: of)?(?: (?:my|the|her|his|their|some|extra|spare|leftover|old|toutes?|"
    rf"tous|mes|les|des))?(?: [\w']+)? {MEDS}\b(?! (?:bottles?|boxes|containers?|organi[sz]ers?|cases?|costs?|"
    rf"receipts|cutters?|packs?))|{MEDS} (?:saved|stashed|hoarded|stockpiled|put aside|set aside|hidden|squirrell?ed) "
    rf"(?:up |away )?(?:in|under|behind|for)\b",
    "sav|collect|hoard|stockpil|stash|gather|build|built|aside|squirrel|accumul|garde|ramasse|stocke|cote|"
    "economise|amasse",
    past=True,
)
_r(
    "means.counted",
    "stock",
    1,
    "overdose suicide",
    r"(?:^|(?<=[.!?])|(?<=[.!?]\s)|(?<=[.!?]\s\s)|\bi (?:have |'ve )?|\bive |\bjust |\balready )(?:counted|recounted) (?:them|out|my|the|all)\b"
    r"(?! (?:[\w']+ )?(?:wrong|for (?:the|my) (?:week|trip|pill\s*box|organi[sz]er|dosette)|into))"
    r"(?![^.!?\n]{0,40}?\b(?:short|missing|wrong|error|mistake|refill|count is off))",
    "counted",
)
_r(
    "means.enough",
    "weak",
    2,
    "suicide overdose",
    rf"\b(?:enough|plenty)(?: [\w']+){{0,5}} to (?:die|{KILL}|end (?:it|my life|things)|not wake|never wake|do it|od\b|"
    rf"overdose|finish (?:it|myself)|be done|put me down|make sure)|assez (?:[\w']+ )?pour (?:en finir|mourir|me tuer|"
    rf"ne (?:plus|pas) me reveiller)",
    "enough|plenty|assez",
    neg=True,
)
_r(
    "enough",
    "enough",
    0,
    "",
    r"\b(?:enough (?:now|finally|saved)\b|have enough\b|plenty now|more than enough|(?:that|this|it) (?:should|will|"
    r"would|'ll) (?:do it|do the job|be enough|be plenty)|(?:j'en ai|j'ai) (?:assez|suffisamment)(?! de\b))",
    "enough|plenty|assez|suffisamment|do it|do the job",
    frame=False,
)
_r(
    "misuse",
    "direct",
    1,
    "overdose",
    rf"\b(?:(?:double|triple|twice|2x|3x|4x|5x|(?:\d|two|three|four|five)(?: or (?:\d|three|four|five|six))? times|more than) (?:my|the) (?:prescribed |usual "
    rf"|normal |daily |regular )?(?:[\w']+ )?(?:dose|dosage|amount|prescription|{MEDS})|"
    rf"(?:buy|buying|bought|get|getting|got|score|scoring)(?: (?:some|my|extra))? {MEDS} (?:off|from) (?:a|some|this|"
    rf"that|my) (?:guy|dude|friend|dealer|coworker|co-worker|neighbou?r|someone|girl|kid|buddy|{PERSON})|"
    rf"up to (?:\d+|a dozen|a handful of) {MEDS}(?: [\w']+)? (?:a|per|every) day|(?:double|triple)[- ]?dos(?:ing|ed)\b|"
    rf"(?:taking|take|took|using|stealing|stole|borrowing|borrowed) (?:my |some of my )?(?:{PERSON})'s {MEDS}|"
    rf"(?:{MEDS}|dose|dosage)[^.!?\n]{{0,60}}?\b(?:doc|doctor|gp|pharmacist|prescriber)(?: [\w']+)? "
    rf"(?:doesn'?t|does not|don'?t|won'?t) (?:know|find out)|"
    rf"(?:chew|chewing|chewed|sucking on|smoking|cutting open|eating) (?:the|my|a|his|her) (?:fentanyl |[\w']+ )?patch(?:es)?|"
    rf"more(?: [\w']+){{0,2}} than "
    rf"(?:prescribed|i'?m (?:supposed|meant) to|i should|the doctor (?:said|says|prescribed)|my (?:doctor|doc) "
    rf"(?:said|says|prescribed))|(?:buy|buying|bought|get|getting|got|score|scoring)(?: [\w']+){{0,3}} (?:off|on|"
    rf"from) the street|(?:snort|snorting|snorted|inject(?:ing|ed)?|shooting up|plugging|smoking|crushing)(?: "
    rf"and snorting)? (?:[\w']+ )?(?:my )?{MEDS}|(?:{MEDS})[^.!?\n]{{0,50}}\b(?:with|and|down with|plus|&) (?:a lot of "
    rf"|lots of |some |a bottle of |a few |the |a couple (?:of )?(?:glasses|cans|bottles|shots) of |a few (?:glasses|cans|"
    rf"bottles|shots) of )?{ALCOHOL}\b|(?:even though|although|when|but) (?:the (?:bottle|label|box|pharmacist)|my "
    rf"(?:doctor|doc|pharmacist|prescription)) (?:says|said)|(?:{MEDS})[^.!?\n]{{0,50}}\b(?:avec|et|pis) (?:du |de la |de l'|mon |ma |"
    rf"des )?{ALCOHOL}\b|{ALCOHOL}[^.!?\n]{{0,30}}\b(?:with|and) (?:my )?"
    rf"(?:{MEDS})|le double de (?:ma|la) dose|plus (?:de [\w']+ )?que (?:prescrit|prevu|ce qu'on m'a prescrit))",
    "double|triple|twice|2x|3x|4x|5x|times|more|street|snort|inject|shooting up|plugging|off|from|patch|up to|know|'s|says|said|"
    "smoking|crushing|prescrit|prevu|alcohol|booze|beer|wine|vodka|whisk|rum|gin|tequila|liquor|drink|alcool|"
    "vin|biere|fort",
    neg=True,
    past=True,
    subject="detect",
)

# --- self-harm ---
_r(
    "self_harm",
    "sh",
    1,
    "self_harm",
    rf"\b(?:cut(?:ting|s)? (?:deep(?:ly)? |deeper )?(?:into )?(?:{MYSELF}|my (?:wrists?|arms?|legs?|thighs?|skin|stomach|hips?|body|ankles?|calf|calves|belly))(?! (?:shaving|"
    rf"cooking|chopping|slicing|on (?:a|the)|by accident|accidentally|while|opening|in the kitchen))|"
    rf"slash(?:ed|ing)? (?:{MYSELF}|(?:my|both|both my) (?:wrists?|arms?|thighs?|legs?))|(?:burn|burned|burnt|cut|hit|hurt|"
    rf"scratch|bruis|punch|bit|smash)\w* (?:{MYSELF}|my [\w']+)[^.!?\n]{{0,30}}?\bon purpose|my (?:arms?|legs?|skin|thighs?|"
    rf"wrists?|hands?)(?: [\w']+){{0,3}} (?:until|till|til) (?:they|it|i|the skin) (?:bleed|bled|bleeds|breaks?|broke)|"
    rf"(?:ouvert|ouvre|ouvrir|taillade|tailladee) (?:les|mes) (?:veines|poignets)|(?:went|cut|go|gone) (?:way |much )?deeper "
    rf"than (?:i )?(?:meant|intended|planned|wanted)|(?:scrap|scratch|carv|burn|cut|gouge|pinch|bit)\w* (?:{MYSELF}|my (?:arms?|"
    rf"legs?|wrists?|skin|thighs?|hands?|stomach)) with (?:a |my |the |some )?(?:keys?|razor|blade|knife|scissors|lighter|compass|"
    rf"glass|nails|pen|paperclip)|(?:me )?(?:frappe|cogne) (?:la tete|mes (?:jambes|bras|cuisses)) (?:contre|sur) (?:le |les )?murs?|"
    rf"burn(?:ed|t|ing)? {MYSELF}(?! (?:cooking|on (?:the|a)|"
    rf"with (?:the|a) (?:kettle|iron|stove|pan|oven|tea|coffee)|while|by accident|accidentally|in the kitchen|"
    rf"baking|making))|burn(?:ed|t|ing)? (?:{MYSELF}|my (?:arms?|legs?|skin|wrists?|thighs?|hands?)) with (?:a |my )?"
    rf"(?:cigarettes?|lighters?|matches|smokes?)|(?:about to|going to|gonna) cut(?: {MYSELF}| again)?\b|"
    rf"(?:recommence a|envie de|besoin de|continue a|arrete pas de) me (?:couper|bruler|scarifier|frapper|"
    rf"faire du mal)|(?:i|i'?ve been|i'?m|im|been|started|keep|kept|urges? to|urge to|relapsed?(?: on)?|"
    rf"want to|wanna|thoughts of|thinking (?:about|of)|need to) self[- ]?harm\w*|self[- ]?harm(?:ing|ed)? "
    rf"(?:again|last night|tonight|yesterday|today|urges?|relapse)|self[- ]?injur\w*|hurt(?:ing)? {MYSELF}(?! "
    rf"(?:lifting|carrying|at|in the|playing|doing|falling|on the|while|by accident|accidentally|moving|"
    rf"gardening|cleaning|exercising|working))|hit(?:ting)? {MYSELF}\b(?! (?:with the door|on the))|"
    rf"punch(?:ing|ed)? (?:{MYSELF}|my (?:legs?|thighs?|arms?|head|face|stomach))|scratch(?:ing|ed)? "
    rf"(?:{MYSELF}|my (?:arms?|legs?|skin|face))(?: [\w']+){{0,2}} (?:till|until|til) (?:they|it|i) (?:bleed|bled)|"
    rf"(?:starv|punish)(?:ing|ed|e) {MYSELF}(?! (?:with (?:work|exercise)|at the gym))|carv(?:e|ed|ing) (?:[\w']+ )?(?:in|into) my "
    rf"(?:skin|arms?|legs?|thighs?|ankles?|wrists?|stomach|hips?|belly)|me (?:gratte|griffe|mords|frappe)(?: [\w']+){{0,2}} jusqu'au sang|"
    rf"(?:bang(?:ing|ed)?|hit(?:ting)?) my head (?:against|on) (?:the )?wall|scratch(?:ing|ed)? (?:{MYSELF}|my "
    rf"(?:skin|arms?|legs?|face)) (?:raw|bloody|open)|pick(?:ing|ed)? (?:at )?my skin (?:until|till|raw)|punch(?:ing|ed)? (?:the )?walls? (?:until|"
    rf"till|til) (?:my )?(?:knuckles|hands?|fists?) (?:bleed|break|crack)|(?:bang(?:ing|ed)?|hit(?:ting)?) my "
    rf"head[^.!?\n]{{0,30}}on purpose|(?:started|been|keep) cutting(?! (?:back|down|out|off|up|onions|carbs|sugar|caffeine|"
    rf"coffee|(?:my|her|his|their|our|your)(?: own)? (?:hair|bangs|nails|lawn|grass)))|cutting again|(?:i'?m|im|i am) "
    rf"cutting\b(?! (?:back|down|out|onions|the|my hair|up|off))|i cut (?:again|last night|tonight|yesterday|today|"
    rf"this morning)|relapsed? (?:and cut|on (?:sh|self[- ]?harm))|cut (?:way |much |far |so |really )?too deep|(?:urges?|relapse|relapsed) "
    rf"(?:to |on )?(?:sh|cut)\b|\bsh (?:urges?|relapse|again|scars?|tonight)\b|\bsh'?d\b|\bi sh\b|\bs/h\b|"
    rf"je me (?:suis )?(?:coupee?s?|scarifiee?s?|scarifie|brulee?s?|mutilee?s?)\b(?! (?:(?:[\w]+ )?en (?:faisant|cuisinant|coupant|preparant|epluchant|ouvrant|tranchant)|avec (?:le|un|mon) (?:couteau|papier|rasoir)|le doigt|au doigt|par accident|en me rasant))|je me coupe(?! (?:les|le|la|du|un|"
    rf"une|des|encore les))|me (?:fais|faire|fait|suis fait|suis faite) (?:du|de) mal|scarifi\w*|automutil\w*|"
    rf"(?:cut(?:ting|s)?|burn(?:ing|s)?|hurt(?:ing|s)?) (?:herself|himself|themselves))",
    "cut|slash|burn|harm|injur|hurt|hit|punch|scratch|bang|sh|s/h|coupe|scarif|brule|mutil|mal|frapper|starv|punish|carv|sang|"
    "deeper|with|mur|"
    "purpose|until|till|til|veines|poignets|deeper|with|murs",
    neg=True,
    past=True,
)
_r(
    "self_harm.intent",
    "shint",
    1,
    "self_harm",
    rf"\b{INTENT} {FILL}(?:hurt|cut|burn|harm|punish) {MYSELF}|\b(?:je vais|j'vais|jvais) me (?:faire du mal|couper|"
    rf"bruler|scarifier)",
    "myself|my self|myslef|myslf|mysef|je vais|j'vais|jvais",
    neg=True,
    past=True,
)
_r(
    "self_harm.severe",
    "sh_hi",
    0,
    "",
    r"\b(?:blood|bleeding|pouring|gushing|won'?t stop|too deep|ca arrete pas de saigner|just (?:cut|slashed|slit|burned|burnt)|stitches|right now|rn|about to|skin (?:is )?(?:coming|peeling) "
    r"off|(?:blade|razor) in my hand|saigne\w*|sang)\b",
    "blood|bleeding|pouring|gushing|stop|deep|just|stitches|now|rn|about to|skin|in my hand|saign|sang",
    frame=False,
)

# --- harm to others ---
_HV = (
    rf"(?:{KILL}|murder|stab|shoot(?: up)?|hurt|beat(?: up)?|beat the (?:crap|shit|hell) out of|strangle|choke|attack|"
    rf"run (?:[\w']+ )?over|poison|punch|smash|slit|get back at|make (?:[\w']+ ){{0,2}}pay|go after)"
)
_HV_ING = (
    rf"(?:{KILL}ing|murdering|stabbing|shooting|hurting|hitting|slapping|kicking|beating(?: up)?|strangling|"
    rf"choking|attacking|running "
    rf"(?:[\w']+ )?over|poisoning|punching|smashing)"
)
_TARGET = (
    rf"(?:him|her|them|everyone|everybody|someone|somebody|people|(?:my|his|her) (?:{PERSON}|boss|manager|"
    rf"supervisor|landlord|doctor|doc|surgeon|pharmacist|physio|therapist|nurse|insurer|adjuster|lawyer)s?|"
    rf"(?:the|that|this|those) (?:[\w']+ )?(?:doctor|doc|surgeon|pharmacist|nurse|receptionist|guy|man|woman|"
    rf"bastard|bitch|driver|neighbou?r|insurer|adjuster|people|staff|asshole|idiot|jerk|physio|therapist|boss|"
    rf"manager|cop|officer|kids?|family|clinic)s?|(?:all|each) of them)"
)
_r(
    "harm.intent",
    "direct",
    2,
    "harm_to_others",
    rf"\b(?:going to|gonna|gona|gunna|finna|ima|imma|about to|i'?ll|i will|plan to|planning to|decided to|"
    rf"ready to|gotta) {FILL}(?:{_HV} {_TARGET}|run {_TARGET} over|make {_TARGET} (?:pay|suffer|bleed)|burn (?:down )?"
    rf"(?:the|his|her|their|that) (?:[\w']+ ){{0,2}}(?:down )?with (?:everyone|everybody|them|him|her|people|all of them) "
    rf"(?:in|inside))\b",
    "kill|kiil|kiii|murder|stab|shoot|hurt|beat|strangle|choke|attack|run|poison|punch|smash|slit|get back|pay|"
    "go after|suffer|bleed|burn",
    neg=True,
    joke=True,
)
_r(
    "harm.wish_lethal",
    "direct",
    2,
    "harm_to_others",
    rf"\b(?:want to|wanna|going to|gonna) (?:shoot|stab) {_TARGET}\b",
    "shoot|stab",
    neg=True,
    joke=True,
)
_r(
    "harm.ideation",
    "direct",
    1,
    "harm_to_others",
    rf"\b(?:(?:want(?:s)? to|wanna|feel like i could|urge to|urges to|tempted to) (?:{_HV} {_TARGET}|make "
    rf"{_TARGET} (?:pay|suffer))|"
    rf"(?:fantasi[sz](?:e|ing) about|imagin(?:e|ing)|pictur(?:e|ing)|visuali[sz](?:e|ing)|dream(?:ing)? (?:about|of)|thinking (?:about|of)|think "
    rf"about|keep thinking about|thoughts (?:of|about)|can'?t stop thinking about) {_HV_ING} {_TARGET})\b",
    "kill|kiil|kiii|murder|stab|shoot|hurt|beat|strangl|chok|attack|run|poison|punch|smash|slit|get back|pay|"
    "go after|hitting|slapping|kicking|suffer|running",
    neg=True,
    joke=True,
)
_r(
    "harm.weapon",
    "direct",
    2,
    "harm_to_others",
    r"\b(?:bring|bringing|brought|take|taking|carry|carrying) (?:a|my|the|his|dad's|my [\w']+'s) (?:gun|pistol|"
    r"rifle|shotgun|knife|machete|axe|bat|weapon)s? (?:to (?:work|the (?:clinic|office|hospital|pharmacy|school|"
    r"meeting|appointment)|school|his|her|their|church)|tomorrow|tonight|with me)",
    "bring|brought|take|taking|carry",
    neg=True,
    joke=True,
)
_r(
    "harm.armed_visit",
    "direct",
    2,
    "harm_to_others",
    r"\b(?:go(?:ing)?|gonna go|head(?:ing)?|show(?:ing)? up|turn(?:ing)? up|drive|driving) (?:over )?(?:to )?(?:his|her|"
    r"their|my [\w']+'?s?|the [\w']+'?s?|the) (?:place|house|home|work|office|apartment|door|clinic|pharmacy|"
    r"hospital|school|meeting|appointment)[^.!?\n]{0,30}?\bwith "
    r"(?:a|my|the) (?:knife|gun|pistol|rifle|bat|weapon|machete|axe)",
    "knife|gun|pistol|rifle|bat|weapon|machete|axe",
    neg=True,
    joke=True,
)
_r(
    "harm.weapon_have",
    "weapon",
    0,
    "harm_to_others",
    r"\b(?:bought|got|have|'ve got|grabbed|bring|bringing|brought|taking|loaded) (?:a|my|the|his|my [\w']+'s) (?:hunting |old |new |"
    r"loaded |kitchen |big )?(?:gun|pistol|rifle|shotgun|knife|machete|"
    r"axe|bat|weapon)\b(?! set)",
    "gun|pistol|rifle|shotgun|knife|machete|axe|bat|weapon",
    joke=True,
)
_r(
    "harm.revenge",
    "revenge",
    0,
    "harm_to_others",
    r"\b(?:(?:they'?ll|they will|he'?ll|she'?ll) (?:all )?(?:pay|regret)|make (?:[\w']+ ){0,2}pay|get back at|"
    r"know where (?:he|she|they|my [\w']+|the [\w']+) (?:lives|parks|works|sleeps)|settle (?:this|it|the score)|"
    r"teach (?:him|her|them|that [\w']+) a lesson|waiting (?:outside|for (?:him|her|them)|near|by) (?:[\w']+ )?"
    r"(?:his|her|their|my [\w']+'s|the) (?:work|house|place|car|office|door|building)|(?:driving|heading|going|on my way) (?:over )?to (?:the |his |her |their )?"
    r"(?:[\w']+ )?(?:office|clinic|pharmacy|hospital|school|workplace|house|place))",
    "pay|regret|get back|know where|settle|lesson|driving|heading|going|on my way|waiting",
    joke=True,
)
_r(
    "harm.fr",
    "direct",
    2,
    "harm_to_others",
    r"\bje vais (?:le |la |les |lui )?(?:tuer|buter|frapper|poignarder|descendre|massacrer|etrangler|faire du "
    r"mal a)\b(?! (?:de|avec|le temps|l'ennui))",
    "je vais",
    neg=True,
    joke=True,
)
_r(
    "harm.fr_ideation",
    "direct",
    1,
    "harm_to_others",
    r"\benvie de (?:le |la |les |lui )?(?:tuer|buter|frapper|poignarder|blesser|etrangler)\b",
    "envie de",
    neg=True,
    joke=True,
)

# --- abuse ---
_AGENT = (
    rf"(?:he|she|they|he's|she's|they're|(?:my|our|her|his) (?:{PERSON}|boss|landlord)(?!'s)|dad|mom|mum|father|"
    rf"mother)"
)
_r(
    "abuse.physical",
    "abuse",
    1,
    "abuse",
    rf"\b{_AGENT}\b[^.!?\n]{{0,45}}?\b(?:hits?|hitting|beats?|beating|beat|slaps?|slapped|slapping|punch(?:es|ed|"
    rf"ing)?|kick(?:s|ed|ing)?|chok(?:es|ed|ing)|strangl(?:es|ed|ing)|shov(?:es|ed|ing)|push(?:es|ed|ing)|"
    rf"threw|throws?|throwing|grab(?:s|bed)|drag(?:s|ged)|bit|bites|pinch(?:es|ed)|hurts?|hurting|attack(?:s|ed)|"
    rf"smack(?:s|ed)|knock(?:s|ed)|shak(?:es|ing)|shook) me\b(?! up\b)|{_AGENT}\b[^.!?\n]{{0,25}}?\b(?:puts?|putting|"
    rf"had|has|wraps?|wrapped|squeez\w*) (?:his|her|their|both) hands? (?:around|on|over) my (?:neck|throat|mouth)|{_AGENT}\b[^.!?\n]{{0,25}}?\b(?:throws?|threw|"
    rf"throwing) (?:things|stuff|plates|[\w']+(?: [\w']+)?) at me",
    "hit|beat|slap|punch|kick|chok|strangl|shov|push|threw|throw|grab|drag|bit|pinch|hurt|attack|smack|knock|shak|"
    "shook|hands",
    past=True,
    joke=True,
    subject="self",
)
_r(
    "abuse.threat",
    "abuse",
    1,
    "abuse",
    rf"\b(?:(?:he|she|they)(?:'s| is|'re| are| will|'ll)? (?:going to |gonna )?finish what (?:he|she|they) started|"
    rf"(?:said|says|told me|threaten(?:s|ed|ing)?|screaming|yelling|shouting|swore|promised|keeps saying|"
    rf"texted)[^.!?\n]{{0,30}}?(?:he'?ll|she'?ll|they'?ll|he will|she will|they will|he'?s going to|she'?s going "
    rf"to|he is going to|she is going to|to|he would|she would|he'?d|she'?d|gonna) (?:{KILL}|hurt|hit|beat|"
    rf"finish|murder|stab|shoot|destroy) me\b|(?:said|says|told me|threaten\w*|screaming|yelling)[^.!?\n]{{0,30}}?"
    rf"(?:i'?ll|you'?ll|i will|you will|i'?d|you'?d) (?:regret it|regret this|pay for (?:it|this)|be sorry)|"
    rf"threaten(?:s|ed|ing)? me\b|menac(?:e|ent|ait|ee)? (?:de )?me "
    rf"(?:tuer|frapper|faire du mal|battre)|(?:il|elle) (?:va|veut) me (?:tuer|frapper|battre))",
    "said|says|told|threaten|scream|yell|shout|swore|promised|texted|menac|va me|veut me|finish what",
    joke=True,
    subject="self",
)
_r(
    "abuse.threat_weak",
    "threat",
    0,
    "abuse",
    rf"\b(?:he|she|they)(?:'ll| will|'s going to| is going to|'s gonna| is gonna| said he'?d| said she'?d)"
    rf"(?: [\w']+)? (?:{KILL}|hurt|finish|murder|stab|shoot) me\b",
    "kill|kiil|kiii|hurt|finish|murder|stab|shoot",
    joke=True,
    subject="self",
)
_r(
    "abuse.armed",
    "direct",
    2,
    "abuse",
    rf"\b(?:he|she|they|he's|she's|they're|il|elle|il est|elle est|(?:my|mon|ma) (?:{PERSON}|{PERSON_FR}))\b"
    r"[^.!?\n]{0,40}?\b(?:with|has|holding|got|"
    r"avec) (?:a |un |une |his |her |my )?(?:knife|gun|weapon|bat|machete|couteau|arme|fusil)\b",
    "knife|gun|weapon|bat|machete|couteau|arme|fusil",
    joke=True,
    subject="self",
)
_r(
    "abuse.control",
    "abuse",
    1,
    "abuse",
    r"\b(?:(?:hides?|hid|hiding|takes?|took|taking|steals?|stole|stealing|withholds?|withheld|locks? up|locked "
    r"up|flush(?:es|ed)?|throws?|threw|throwing) (?:away |out )?(?:my|all my) (?:pain )?(?:meds|medications?|medicine|pills|"
    r"prescriptions?|painkillers|cane|walker|wheelchair|crutches|money|cheques?|checks?|wallet|purse|bank cards?|"
    r"cards|disability[\w' ]{0,10}|"
    r"pension|car keys|keys)(?! (?:to the|for me|from the pharmacy|to my))|"
    r"won'?t let me (?:see|go|leave|call|eat|sleep|have|take|use|talk|get)|controls? (?:all )?(?:of )?(?:my|the) "
    r"(?:money|finances|meds|medication)|leaves? me without (?:food|water|my meds|help|heat|my medication)|"
    r"locks? me (?:in|out)|(?:has|took|taken|takes|grabbed) my phone(?! (?:to (?:fix|set|update|charge|help|show|look)|for (?:a|the)))|block(?:s|ed|ing)? the door|won'?t let me "
    r"leave|(?:afraid|scared|terrified) of (?:him|her|them)\b|unless i do what (?:he|she|they) (?:says?|wants?)|"
    r"(?:cache|vole|prend|garde|jette|confisque) (?:tous |toutes )?mes (?:medicaments|pilules|medocs|cachets|"
    r"comprimes|antidouleurs|cartes|cheques|argent)|(?:prend|vole|garde|cache) (?:mon|ma) (?:argent|cheque|carte|pension|paye)|"
    r"me laisse sans (?:manger|nourriture|medicaments|soins|chauffage)|(?:leave|kick|throw|put) me (?:out|in the street|on the street)|if i don'?t do what "
    r"(?:he|she|they) (?:says?|wants?)|calls? me (?:lazy|useless|worthless|stupid|fat|a burden|pathetic|a faker|fake)|"
    r"me (?:frappe|bat|gifle|bouscule|pousse|etrangle|menace|crie dessus|insulte|traite de)|m'a (?:frappee?|battue?|"
    r"giflee?|poussee?|etranglee?|bousculee?|menacee?|cognee?))",
    "hide|hid|take|taking|took|steal|stole|withh|lock|flush|throw|threw|let me|control|without|calls me|call me|leave me|"
    "kick me|throw me|put me|do what|phone|block|leave|afraid of|scared of|terrified of|wallet|purse|card|frapp|bat|gifl|bouscul|pouss|etrangl|menac|crie|insult|traite|cogn|"
    "cache|vole|prend|garde|jette|confisque|laisse sans",
    past=True,
    joke=True,
    subject="needs_other",
)
_r(
    "abuse.danger",
    "danger",
    0,
    "abuse",
    r"\b(?:just (?:hit|beat|threw|choked|slapped|punched|kicked|pushed|attacked|strangled|stabbed|shoved)|"
    r"right now|still (?:here|in the house|home|outside|there)|(?:he|she|they)'?s? (?:is |are )?(?:here|home|back|"
    r"outside|coming)|locked (?:in|myself)|hiding|scared|terrified|afraid|help me|please help|knife|gun|weapon|"
    r"tonight|come back|coming back|door|bleeding|closet|strangl\w*|chok(?:ed|ing|es)|next time|broken|concussion|"
    r"knocked (?:me )?out|etrangl\w*|recommencer|smashing|breaking things|can'?t get out|toujours (?:la|ici|dans la maison|a la maison)|"
    r"j'ai peur|porte|couteau|arme|ce soir|cachee?|enfermee?|au secours|aidez-moi)\b",
    "",
    frame=False,
)

# --- medical emergencies ---
_r(
    "medical.breathing_stopped",
    "direct",
    2,
    "medical_emergency",
    r"\b(?:(?:not|isn'?t|isnt|stopped|barely|hardly|wasn'?t|aren'?t) breath(?:ing|es)|(?:lips|face|fingers?|"
    r"fingertips) (?:is |are |have |has )?(?:turning |turned |gone |going |look |looks )?(?:blue|grey|gray|"
    r"purple)|blue lips|turning blue|(?:ne )?respire (?:presque|quasiment|a peine) plus|unresponsive|unconscious|won'?t wake up|won'?t respond|not responding|"
    r"can'?t get (?:him|her|them|my [\w']+) to (?:respond|wake(?: up)?)|passed out and (?:won'?t|can'?t|isn'?t|"
    r"not)|ne respire plus|levres bleues|"
    r"ne se reveille pas)",
    "breath|blue|grey|gray|purple|unresponsive|unconscious|wake|respond|passed out|respire|levres|reveille",
)
_r(
    "medical.cant_wake",
    "direct",
    2,
    "medical_emergency",
    r"\b(?:(?:can'?t|cannot|couldn'?t) (?:wake|rouse) (?:him|her|them|my [\w']+|[\w']+ up|[\w']+ [\w']+ up)|(?:n'arrive|"
    r"arrive) pas a (?:le |la |les )?reveiller|impossible de (?:le |la )?reveiller)",
    "wake|rouse|reveiller",
    subject="other",
)
_r(
    "medical.breathing_slow",
    "resp",
    0,
    "medical_emergency overdose",
    r"\b(?:(?:breathing|breath|breaths|respiration)(?: [\w']+){0,2} (?:slow|slowed|shallow|weird|strange|funny|"
    r"labou?red|rattling|raspy)|slow(?:ed)? (?:and shallow )?breathing|shallow breath(?:ing|s)?|nodding off|"
    r"nod(?:ding)? out|can'?t (?:stay awake|keep my eyes open|stay conscious)|keep passing out|passing out|"
    r"pinpoint pupils|(?:so|really|super|very) (?:sleepy|drowsy)|je me sens partir|feel(?:ing)? (?:myself )?(?:fading|slipping away)|gurgling|snoring noises|respire (?:mal|"
    r"lentement|a peine|difficilement)|je m'endors|somnolent\w*)",
    "breath|respiration|nod|awake|eyes open|conscious|passing out|pupils|sleepy|drowsy|gurgl|snoring|respire|"
    "endors|somnolent|partir|fading|slipping",
)
_r(
    "drug_context",
    "drug",
    0,
    "",
    rf"\b(?:{MEDS}|dose|dosage|patch(?:es)?|overdose|{ALCOHOL}|drunk|high|naloxone|narcan)\b",
    "",
    frame=False,
)
_r(
    "medical.chest",
    "direct",
    2,
    "medical_emergency",
    r"\b(?:clutching (?:his|her|my) chest|(?:grey|gray|pale|clammy|ashen)[^.!?\n]{0,30}?\b(?:sweat\w*|chest)|"
    r"crush(?:ing|ed)?(?: [\w']+){0,3} (?:chest|pain in my chest|pressure)|crushing (?:pain|pressure)|chest(?: "
    r"[\w']+){0,4} (?:crush\w*|being crushed|elephant|vice|vise)|elephant(?: [\w']+){0,3} (?:on|sitting on) (?:my|his|"
    r"her) chest|chest (?:pain|feels|is|hurts|tight|heavy|pressure)[^.!?\n]{0,60}?\b(?:arm|jaw)\b|(?:pain|pressure|"
    r"tightness|weight|heaviness|squeezing) in (?:my|his|her) chest[^.!?\n]{0,60}?\b(?:arm|jaw)\b|douleur (?:[\w']+ )?ecrasante|(?:m'|me )?ecrase la poitrine|"
    r"poitrine (?:[\w']+ )?ecrasee|(?:poitrine|thorax)[^.!?\n]{0,40}?\bbras gauche)",
    "crush|chest|elephant|ecras|poitrine|thorax|clutch|grey|gray|pale|clammy|ashen",
)
_r(
    "medical.acute",
    "direct",
    2,
    "medical_emergency",
    r"\b(?:throat (?:is )?(?:closing|swelling|swollen shut)|tongue (?:is )?swell\w*|anaphyla\w*|worst headache "
    r"(?:i'?ve|i have) ever (?:had|felt)|headache[^.!?\n]{0,30}?\bthunderclap|pire mal de tete de ma vie|worst headache "
    r"(?:of|in) my life|thunderclap headache|(?:having|had) a seizure|(?:he'?s|she'?s|is) seizing|won'?t stop "
    r"(?:seizing|convulsing)|convulsing|(?:coughing|throwing|vomiting) up blood|vomiting blood|"
    r"gorge (?:qui )?(?:se )?(?:ferme|gonfle))",
    "throat|tongue|anaphyla|headache|mal de tete|seiz|convuls|blood|gorge",
)
_r(
    "medical.cant_breathe",
    "breathe",
    1,
    "medical_emergency",
    r"\b(?:can'?t|cannot|can not) (?:breathe|catch my breath)(?! (?:through|out of|with) (?:my|the|this) (?:nose|"
    r"mask|cold|congestion))|struggling to breathe|n'arrive pas a respirer|"
    r"j'etouffe",
    "breathe|breath|respirer|etouffe",
    joke=True,
)
_r(
    "medical.stroke_face",
    "stroke1",
    0,
    "medical_emergency",
    r"\b(?:(?:face|mouth|smile|lip)(?: [\w']+){0,3} (?:droop\w*|sagg\w*|drop(?:ped|ping)|fallen|lopsided|crooked|"
    r"uneven)|(?:droop\w*|lopsided|crooked) (?:face|mouth|smile)|one side of (?:my|his|her|the) (?:face|mouth)"
    r"(?: [\w']+){0,3} (?:droop\w*|numb|fallen|dropped|won'?t move|not moving|paralys\w*)|half (?:of )?(?:my|his|her) "
    r"face (?:is |went |has gone |feels )?(?:numb|droop\w*|paralys\w*|frozen|dead)|visage(?: [\w']+){0,3} "
    r"(?:paralyse|tombe|affaisse|de travers|fige)|bouche(?: [\w']+){0,2} (?:tombee|de travers|tordue))",
    "droop|sagg|drop|fallen|lopsided|crooked|uneven|one side|half|visage|bouche",
)
_r(
    "medical.stroke_speech",
    "stroke2",
    0,
    "medical_emergency",
    r"\b(?:slurr\w*|speech(?: [\w']+){0,2} (?:slurred|garbled|weird|strange|jumbled|gone)|can'?t get (?:my |the |any )?words out|(?:suddenly )?can'?t "
    r"(?:speak|talk|get (?:my |the )?words out)(?: properly| clearly| right)|suddenly can'?t (?:speak|talk)|"
    r"(?:trouble|difficulty) (?:speaking|talking)|words (?:are )?(?:coming out )?(?:wrong|jumbled|garbled)|"
    r"parle (?:bizarrement|mal|difficilement|bizarre)|n'arrive (?:plus|pas) a parler|ne peut plus parler|"
    r"bafouill\w*)",
    "slur|speech|speak|talk|words|parle|bafouill",
)
_r(
    "medical.stroke_arm",
    "stroke3",
    0,
    "medical_emergency",
    r"\b(?:(?:arm|hand|side)(?: [\w']+){0,3} (?:weak|numb|limp|heavy|dead|paralys\w*|won'?t move|gave out)|can'?t "
    r"(?:lift|move|raise|feel) (?:my|his|her|one|the) (?:left |right )?(?:arm|hand)|(?:arm|bras)(?: [\w']+){0,2} "
    r"(?:faible|engourdi|paralyse)|(?:lever|bouger) (?:son|le|mon) bras)",
    "arm|hand|side|bras",
)
_SADDLE = (
    r"(?:saddle|groin|crotch|genitals?|private parts?|privates|perineum|between (?:my|the) legs|inner thighs?|"
    r"bum|butt|buttocks|bottom|down there)"
)
_r(
    "medical.saddle_numbness",
    "saddle",
    0,
    "medical_emergency",
    rf"\b(?:{_SADDLE}(?: [\w']+){{0,4}} (?:numb\w*|tingl\w*|no feeling)|(?:plus|pas|aucune|perdu la) (?:de )?sensations? (?:entre les jambes|aux fesses|dans l'aine|au perinee)|(?:numb\w*|no feeling|can'?t feel(?: "
    rf"anything)?|lost (?:all )?feeling|no sensation)(?: [\w']+){{0,3}} (?:in |around |between )?(?:my |the )?"
    rf"{_SADDLE}|ne sens (?:plus|rien)(?: [\w']+){{0,2}} (?:entre les jambes|fesses|parties)|anesthesie en selle|"
    rf"engourdi\w*(?: [\w']+){{0,3}} (?:entre les jambes|l'aine|fesses|parties))",
    "saddle|groin|crotch|genital|private|perineum|between|thigh|bum|butt|bottom|down there|sens|selle|engourdi",
)
_r(
    "medical.legs",
    "legs",
    0,
    "medical_emergency",
    r"\b(?:can'?t (?:feel|move)(?: or (?:feel|move))? (?:my|both|either|his|her) (?:legs|feet)|(?:lost|losing|"
    r"no) (?:all )?(?:feeling|sensation|movement|strength) in (?:both |my |his |her )?legs|both (?:my |his |her )?legs (?:went|are|"
    r"have gone|suddenly went) (?:numb|weak|dead)|legs (?:suddenly )?(?:gave out|collapsed)|ne (?:sens|peux) "
    r"(?:plus|pas) (?:bouger )?mes jambes)",
    "legs|feet|jambes",
)
_r(
    "medical.bladder",
    "bladder",
    0,
    "medical_emergency",
    r"\b(?:can'?t (?:pee|urinate|wee|piss|control my (?:bladder|bowels?)|hold (?:my )?(?:pee|urine|bladder|bowels?|it "
    r"in))|(?:lost|losing|lose|no) control (?:of|over) (?:my )?(?:bladder|bowels?|pee)|(?:wet|peed|soiled|pooped|"
    r"pissed) myself|incontinen\w*|bladder(?: [\w']+){0,2} (?:not working|stopped working|won'?t empty|isn'?t "
    r"emptying)|(?:can'?t|unable to) empty my bladder|(?:fait|pipi|uriner?) dans mes (?:culottes|pantalons|"
    r"bobettes)|(?:je )?(?:ne )?(?:controle|retiens) (?:plus|pas) (?:ma |mes )?(?:vessie|urine|selles)|(?:peux|arrive|pu) (?:plus|pas) (?:a )?(?:uriner|faire "
    r"pipi)|(?:perte|perdu) (?:de |le )?controle (?:de )?(?:ma |la )?vessie|retention urinaire)",
    "pee|urin|wee|piss|bladder|bowel|myself|incontinen|pipi|vessie|culottes|pantalons|bobettes|"
    "controle|retiens",
)
_r(
    "medical.sudden",
    "sudden",
    0,
    "",
    r"\b(?:suddenly|sudden|all of a sudden|out of nowhere|just started|came on|since (?:this morning|today|last "
    r"night|yesterday|an hour ago|(?:my|the) [\w']+ (?:gave out|went))|new\b|started (?:\d+|a few|ten|twenty) "
    r"(?:minutes|mins?|hours?) ago|this (?:afternoon|morning|evening)|soudain\w*|tout a coup|depuis ce matin|"
    r"depuis hier)",
    "sudden|nowhere|just started|came on|since|new|soudain|tout a coup|depuis|started|this",
    frame=False,
)

_r(
    "medical.back_context",
    "backctx",
    0,
    "",
    r"\b(?:back|spine|spinal|sciatica|discs?|disks?|lumbar|cauda equina|dos|colonne|hernie)\b",
    "back|spin|sciatica|disc|disk|lumbar|cauda|dos|colonne|hernie",
    frame=False,
)

_r(
    "medical.explained",
    "resolved",
    0,
    "",
    r"\b(?:back to normal|went away|gone now|resolved|dentist'?s?|anaesthe\w*|anesthe\w*|novocaine|freezing|"
    r"numbing|botox|bell'?s palsy|(?:doctor|doc|neurologist|physio) (?:says|said|knows|thinks))\b",
    "normal|went away|gone now|resolved|dentist|anaesthe|anesthe|novocaine|freezing|numbing|botox|palsy|doc|"
    "neurologist|physio",
    frame=False,
)

# --- protective statements ---
_r(
    "protective",
    "protect",
    0,
    "",
    r"\b(?:(?:i'?m|im|i am) (?:not|no longer|never) (?:[\w']+ )?(?:suicidal|in danger|going to (?:hurt|kill|do "
    r"anything to) myself)|(?:i|i'?d|i would|i will|i'?ll) never (?:[\w']+ )?(?:hurt|kill|harm) myself|(?:i'?m|im|"
    r"i am) safe\b|no (?:thoughts|plans?|intention|desire) (?:of|to) (?:suicide|hurt|kill|end|self[- ]?harm|harm)|"
    r"not (?:going to|gonna) do anything (?:stupid|to myself)|(?:i'?m|im|i am) not planning anything|"
    r"je ne (?:suis pas suicidaire|vais pas me (?:faire de mal|tuer|suicider))|je suis en securite)",
    "not|never|safe|no |ne |securite",
    frame=False,
)

# --------------------------------------------------------------------------------------------------------
# Context: negation, frames, past/recovery, jokes
# --------------------------------------------------------------------------------------------------------

_NEG_WORDS = (
    r"(?:not|never|no|nothing|nor|without|nearly|almost|don'?t|dont|do not|didn'?t|didnt|doesn'?t|doesnt|won'?t|"
    r"wont|will not|wouldn'?t|wouldnt|would not|isn'?t|isnt|ain'?t|aint|shouldn'?t|zero|pas|jamais|aucune?|ni)"
)
_NEG_FILL = (
    r"(?:i|i'm|im|am|i've|ive|have|has|had|going|gonna|to|want|wanna|ever|even|really|actually|plan|plans|planning|"
    r"on|thinking|think|thought|thoughts|about|of|having|any|be|being|do|doing|feel|feeling|like|intention|"
    r"intend|anything|would|will|ll|the|urge|urges|try|trying|a|some|way|that|so|get|got|currently|at|all|desire|"
    r"wish|need|once|tried|attempted|je|j|ai|vais|veux|suis|me|m|de|d|idees|envie|pense|penser|a|va|vas|compte|n|ne|l|en)"
)
_NEG_TAIL_RE = re.compile(rf"\b{_NEG_WORDS}(?:[\s']+{_NEG_FILL})*[\s']*$")
_CLAUSE_BOUNDARY_RE = re.compile(r"[.!?;,\n]|\bbut\b|\bmais\b|\bthough\b|\bexcept\b")
_SENT_RE = re.compile(r"[.!?;]+(?=\s|$)|\n+")
_FRAME_RE = re.compile(
    r"\b(?:training|trainings|workshop|module|course|class|handout|slides|webinar|guide|guidelines?|protocol|"
    r"curriculum|lesson|we learned|we learnt|we practi[sc]ed|learned that|warning signs?|red flags?|signs? of|"
    r"symptoms? (?:of|include|are|like)|what (?:should|do|can|would) (?:we|a mentor|mentors) (?:do|say)|"
    r"how (?:do|should|can|would) (?:i|we|you) (?:respond|react|ask|help|talk|support|handle)|if (?:a |my |the |"
    r"our )?(?:mentee|someone|somebody|person|member|participant|client|peer|they)\b|what(?:'s| is) the "
    r"(?:difference|protocol|best way)|crisis line|hotline|formation|atelier|signes? d'alerte|comment (?:reagir|"
    r"repondre|aider|parler)|si (?:un|une|quelqu'un|la personne)|news|article|headlines?|report(?:ed|s)?|"
    r"newspaper|the paper|study|studies|research|statistics|stats|rates?|documentary|on tv|on the radio|"
    r"podcast|celebrity|nouvelles|journal|reportage|selon|etude|statistiques|taux|book|novel|story|stories|movie|"
    r"film|show|series|episode|character|poem|play|song|lyrics|video game|game|villain|hero|fiction|chapter|"
    r"thriller|mystery|roman|personnage|serie|chanson|livre)\b|\bwhat does [\w' ]{1,20} mean\b|\bexplain what\b|"
    r"\b(?:ca|ce mot) veut dire quoi\b|\bc'est quoi\b|\bwhy do (?:people|ppl|u|you|kids|teens|they) (?:say|write|use|type)\b|"
    r"\bpourquoi (?:le monde|les gens|tout le monde|on) (?:dit|disent|ecrit|ecrivent|utilise\w*)\b|"
    r"\bis [\w']+ always serious\b|\b(?:signs?|symptoms?|signes?|symptomes?)\s*(?::|"
    r"d'un|d'une|de l')"
)
_PAST_RE = re.compile(
    r"\b(?:(?:\d+|a few|few|many|several|two|three|four|five|six|seven|eight|nine|ten|twenty|fifteen) years? "
    r"(?:ago|back)|years ago|a long time ago|long ago|last year|(?:in|back in|since) (?:19|20)\d\d|when i was "
    r"(?:a |younger|young|first|in|\d+)|as a (?:teen|teenager|kid|child)|in (?:high )?school|in my (?:teens|"
    r"twenties|thirties|20s|30s|youth)|used to|back then|in the past|il y a (?:\d+|longtemps|des annees|[\w']+ ans)|"
    r"autrefois|quand j'etais|dans le passe|en (?:19|20)\d\d|there was a time|at (?:one|that) point|at my lowest|"
    r"(?:\d+|a few|few|many|several|two|three|four|five|six|seven|eight|nine|ten) years since i|back when|"
    r"the year (?:i|we) (?:got|was) diagnosed|a \d+ ans|that was (?:in )?(?:19|20)\d\d|last yr|quand j'avais|"
    r"au (?:secondaire|cegep|primaire)|l'an passe|l'annee passee)\b"
)
_RECOVERY_RE = re.compile(
    r"\b(?:better now|doing (?:so |much |a lot |way )?better|(?:good|better|great|safe) place|clean for|sober for|"
    r"free for|haven'?t (?:since|done it)|recovered|in recovery|saved me|(?:therapy|it) helped|grateful|"
    r"celebrate|come a long way|volunteer|(?:now|today) i (?:help|mentor|volunteer|am a mentor)|"
    r"became a mentor|safe now|(?:therapy|treatment|it|that|group|meds?) (?:changed|turned) (?:that|things|my life|everything)|"
    r"got help|(?:haven'?t|never) looked back|now i (?:teach|run|lead|work|coach)|je vais (?:bien|mieux)|je suis mentor|"
    r"je suis (?:benevole|pair-aidante?|mentore?)|ca va (?:bien|mieux)|(?:so |really )?glad i stayed|(?:it'?s|things are) "
    r"different now|j'ai arrete depuis|(?:now|today) (?:i'?m|im|i am) a (?:peer )?(?:mentor|volunteer)|been sober|"
    r"(?:so )?glad i (?:never|didn'?t)|burned (?:them|it)|(?:chu|je suis|j'suis) (?:rendue? )?(?:mentor|mentore|fiere?|"
    r"benevole)|ca va (?:beaucoup |vraiment |ben |bien )?mieux|(?:j'ai )?(?:pu|plus jamais) touche)\b"
)
_STILL_RE = re.compile(
    r"\b(?:still (?:does|do|is|happens|hits|hurts|going on|are)|again|relapsed?|lately|recently|these days|"
    r"last night|this week|tonight|encore (?:envie|des idees|le gout|ces pensees|pense)|revien\w*|recommence\w*|de nouveau|a nouveau|ces temps-ci|dernierement|"
    r"cette semaine|ce soir|hier soir)\b"
)
_JOKE_RE = re.compile(
    r"\b(?:lol|lmao|lmfao|haha\w*|hehe\w*|jk|jokes?|joking|kidding|rofl|xd)\b|😂|🤣|😆|😅|😜|🙃"
)
# scratching an itch, and figures of speech ("I bang my head against the wall (figuratively)")
_SH_SKIP_RE = re.compile(r"\b(?:eczema|itch\w*|rash|hives|psoriasis|bug bites?|figurative\w*|au figure)\b")
_MISUSE_SKIP_RE = re.compile(
    r"\b(?:doctor|doc|dr|gp|pharmacist|prescriber|nurse|medecin|docteur|pharmacien\w*)\b[^.!?\n]{0,30}\b(?:approved|"
    r"increased|okayed|ok'?d|prescribed (?:it|that|this|double|twice)|qui l'a prescrit)|c'est (?:mon|ma) (?:medecin|doc|"
    r"docteur|pharmacien\w*) qui|(?:not going to|not gonna|won'?t|will not|never) take more than|"
    r"\b(?:can i|is it|safe|okay to|ok to|should i|how (?:many|much)|est-ce|ok|okay|alright|fine)\b[^?]*\?|"
    r"\b(?:by mistake|by accident|accidentally|mistakenly)\b|\b(?:can'?t|cannot|not to|said not|says not|avoid|careful|"
    r"shouldn'?t|should not|not supposed to|never|not allowed|warned|told me not|don'?t|do not)\b[^.!?\n]{0,25}"
    r"\b(?:mix|combine|take|drink|have)\b"
)
# a screening question someone asked, answered "no" ("my mentor asked if I'm thinking of hurting myself. no.
# just tired"): the risk words are the question's, not a disclosure. A "yes"/"maybe"/"sometimes" anywhere in
# the message, or any other cue outside the question, keeps the flag.
_ASKED_RE = re.compile(
    r"\b(?:asked|asks|asking|ask|wanted to know|checked|checks|checking|demande|demandait|demandent|demander)"
    r"(?: me| moi| m)?(?: straight out| again| point blank| directly)? (?:if|whether|si)\b"
    r"|\b(?:m'a|m'ont|me) (?:demande|demandait|demandent) (?:si|s')"
)
_ANSWER_NO_RE = re.compile(
    r"(?:^|[.!?,:;\n]\s*|\b(?:said|say|told (?:her|him|them)|answered|replied|honestly|and|truth:?|dit|repondu|"
    r"j'ai dit|c'est)\s+)(?:no|nope|non|not at all|pas du tout)\b"
)
_ANSWER_YES_RE = re.compile(
    r"\b(?:yes|yeah|yep|maybe|sometimes|kind of|kinda|sort of|a little|i lied|lied|oui|parfois|un peu|peut-etre|"
    r"j'ai menti)\b|\b(?:no|non)\b[^.!?\n]{0,20}\b(?:but|though|mais|sauf que)\b"
)
# a "no" to "are you safe / ok?" means the opposite of a no to "do you want to hurt yourself?"
_ASKED_SAFE_RE = re.compile(r"\b(?:safe|ok|okay|alright|all right|fine|en securite|correct|ca va)\b")
# routine intake ("took all my meds this morning as prescribed") is not an overdose unless the amount is unusual
_ROUTINE_RE = re.compile(
    r"\b(?:as (?:prescribed|planned|usual|directed|always)|like (?:usual|always|normal|every day)|like a good \w+|on time|on schedule|(?:morning|evening|night|"
    r"nighttime|bedtime|daily|usual|regular|lunchtime|noon|am|pm) (?:meds|pills|medications?|dose|tablets)|"
    r"time for bed|(?:medicaments|pilules|comprimes|medocs) du (?:soir|matin|midi)|bonne nuit|with (?:breakfast|dinner|"
    r"lunch|food)|comme prevu|comme d'habitude|comme prescrit|avec (?:le|mon) (?:dejeuner|souper|diner))\b"
)
_UNUSUAL_AMOUNT_RE = re.compile(
    r"\b(?:whole|entire|handful|bunch|too many|every|rest|double|triple|\d{2,}|boite|bouteille)"
)
_DISPOSAL_RE = re.compile(
    r"\b(?:dispos\w*|return (?:them |it )?to the pharmacy|take-?back|hand(?:ed)? (?:them |it )?in|turn(?:ed)? (?:them |it )?in|drop (?:them |it )?off|get rid of|throw (?:them "
    r"|it )?out|destroy)"
)
# "my phone's about to die", "this flare is going to be the end of me": a thing, not a person, is the subject
_THING_SUBJ_RE = re.compile(
    r"\b(?:phone|battery|laptop|computer|tablet|ipad|car|truck|plants?|flowers?|tv|wifi|internet|pain|flare|back|"
    r"neck|knees?|hips?|legs?|feet|joints?|body|brain|heat|charger|party|show|meeting|printer|fridge|mattress|"
    r"heating pad|tens unit|it|this|that)(?:'s|s)?(?: (?:is|are|was|finally|just|really|totally|literally|"
    r"probably|definitely))*\s*$"
)
# a goodbye with a return in it ("last message for a while, see you in August", "won't be around after
# tonight, two weeks offline after the surgery"): an absence, not a farewell
_RETURN_RE = re.compile(
    r"\b(?:see (?:you|u|y'?all|everyone) (?:all |guys )?(?:in|on|next|after|when|soon|at|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday|tomorrow|later)\b(?! the other side\b(?! of))|(?:i'?ll|i will|ill) be back\b|back (?:on|in|next|after|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|soon)\b|(?:\d+|one|two|three|a couple of|a few) "
    r"(?:days?|weeks?|months?) (?:offline|off|away)|offline (?:for|until|till)|no (?:wifi|wi-fi|internet|signal|"
    r"reception)|a (?:bientot|la semaine prochaine|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)|de retour|je reviens|"
    r"on se (?:revoit|reparle) (?:la semaine|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|bientot|apres|dans))"
)
# teen hyperbole aimed at a trivial thing AND marked as a joke in the same message ("kms this chem test lol 💀",
# "gonna unalive my sister lol jk ily", "j'vais m'unalive si y'a un autre exam surprise 😂"): both are needed; a
# joke marker alone never clears "kms", a time ("unaliving after my last exam tmrw lol") keeps it, and any
# other cue in the message still counts
_TRIVIAL_RE = re.compile(
    r"\b(?:tests?|exams?|quiz\w*|hw|homework|assignments?|essays?|projects?|reply-all|group chat|class(?:es)?|"
    r"chem|math|bio|physics|teachers?|prof|shows?|episodes?|finale|season|boss|levels?|games?|minecraft|fortnite|"
    r"roblox|tiktok|memes?|songs?|cringe|embarrass\w*|awkward|sister|brother|sis|bro|mom|dad|hoodies?|retainer|"
    r"spicy|ramen|respawn|crawl to bed|examen|devoirs?|cours|profe?|chum|blonde|soeur|frere|spoil\w*|wifi|"
    r"sent [^.!?\n]{1,30} to)\b"
)
_WHEN_RE = re.compile(
    r"\b(?:tonight|tomorrow|tmrw|tmr|tmrow|after|once|when|before|demain|ce soir|apres|avant)\b"
)
_HYPERBOLE_CUES = frozenset({"ideation.mention", "intent", "intent.compose", "ideation"})
_RETURN_CUES = frozenset({"farewell.last_message", "farewell.gone", "farewell.goodbye"})
_COMPOSE_CUES = frozenset({"intent.compose", "passive.compose"})
_WAS_RE = re.compile(r"\b(?:i was|i had been|i'd been|was)\s+(?:[\w']+\s+)?$")
_LOCAL_PAST_RE = re.compile(r"\b(?:used to|would often)\s+(?:[\w']+\s+){0,2}$")


_MODIFIER_KINDS = frozenset(
    {"timing", "drug", "danger", "sudden", "sh_hi", "enough", "backctx", "resolved", "protect"}
)
_ORDERED: list[_Rule] = []


def _ordered_rules() -> list[_Rule]:
    """Primary rules first, then modifiers (so a message without any primary cue stops early)."""
    if len(_ORDERED) != len(_RULES):
        _ORDERED[:] = [r for r in _RULES if r.kind not in _MODIFIER_KINDS] + [
            r for r in _RULES if r.kind in _MODIFIER_KINDS
        ]
    return _ORDERED


@dataclass
class _Hit:
    rule: _Rule
    start: int
    end: int
    other: bool


def _last_subject_is_other(norm: str, start: int, end: int) -> bool | None:
    last: bool | None = None
    for m in _SUBJ_RE.finditer(norm, start, end):
        last = m.group("o") is not None
    return last


def _sentence_span(bounds: list[tuple[int, int]], pos: int) -> tuple[int, int]:
    for s, e in bounds:
        if s <= pos < e:
            return s, e
    return bounds[-1] if bounds else (0, 0)


def _negated(norm: str, start: int) -> bool:
    lo = max(0, start - 60)
    window = norm[lo:start]
    cut = 0
    for m in _CLAUSE_BOUNDARY_RE.finditer(window):
        cut = m.end()
    return _NEG_TAIL_RE.search(window[cut:]) is not None


def _subject_other(rule: _Rule, norm: str, start: int, end: int, sent_start: int) -> bool | None:
    """True = about someone else, False = about the writer, None = drop the hit (needs another agent)."""
    if rule.subject == "self":
        return False
    if rule.subject == "other":
        return True
    if rule.subject == "needs_other":  # abuse by someone else: the last agent before the verb must not be "I"
        agent: bool | None = None
        for m in _SUBJ_RE.finditer(norm, sent_start, start):
            if m.group() not in ("me", "moi", "myself"):
                agent = m.group("o") is not None
        return False if agent else None
    who = _last_subject_is_other(norm, sent_start, start)
    if who is None:
        return _POSSESSIVE_OTHER_RE.search(norm, start, end) is not None
    return who


_LONG_MESSAGE = 300


class _State:
    __slots__ = ("frame_cache", "joke", "past", "protective")

    def __init__(self) -> None:
        self.past: bool | None = None
        self.joke: bool | None = None
        self.protective = False
        self.frame_cache: dict[int, bool] = {}


def _collect(norm: str) -> tuple[list[_Hit], bool]:
    bounds: list[tuple[int, int]] = []
    pos = 0
    for m in _SENT_RE.finditer(norm):
        bounds.append((pos, m.end()))
        pos = m.end()
    if pos < len(norm) or not bounds:
        bounds.append((pos, len(norm)))

    state = _State()
    hits: list[_Hit] = []
    # Short messages are scanned whole; long ones sentence by sentence, so each rule only scans the
    # sentences that contain one of its gate strings (keeps long pain-talk messages fast).
    if len(norm) <= _LONG_MESSAGE:
        segments = [(0, len(norm), norm)]
    else:
        segments = [(s, e, norm[s:e]) for s, e in bounds]
    for rule in _ordered_rules():
        if rule.kind in _MODIFIER_KINDS and not hits:
            break  # modifiers only matter once a primary cue was found
        for seg_start, seg_end, seg in segments:
            if rule.gate:
                for g in rule.gate:
                    if g in seg:
                        break
                else:
                    continue
            _scan(rule, norm, seg_start, seg_end, bounds, hits, state)
    return hits, state.protective


def _scan(
    rule: _Rule, norm: str, lo: int, hi: int, bounds: list[tuple[int, int]], hits: list[_Hit], state: _State
) -> None:
    """Run one rule over norm[lo:hi] and keep the hits that survive negation, framing, past and jokes."""
    for m in rule.pattern.finditer(norm, lo, hi):
        start, end = m.start(), m.end()
        if start == end:
            continue
        if rule.negatable and _negated(norm, start):
            state.protective = True
            continue
        s_start, s_end = _sentence_span(bounds, start)
        if rule.framable:
            framed = state.frame_cache.get(s_start)
            if framed is None:
                framed = _FRAME_RE.search(norm, s_start, s_end) is not None
                state.frame_cache[s_start] = framed
            if framed:
                continue
        if rule.pastable:
            if state.past is None:
                state.past = bool(
                    (_PAST_RE.search(norm) or _RECOVERY_RE.search(norm)) and not _STILL_RE.search(norm)
                )
            if state.past:
                continue
        if rule.joke:
            if state.joke is None:
                state.joke = _JOKE_RE.search(norm) is not None
            if state.joke:
                continue
        if rule.cue == "self_harm" and _SH_SKIP_RE.search(norm, s_start, s_end):
            continue
        if rule.level and _answered_no(norm, s_start, start):
            continue
        if rule.cue == "misuse" and _MISUSE_SKIP_RE.search(norm, s_start, s_end):
            continue
        if rule.cue == "means.stockpile" and _DISPOSAL_RE.search(norm, s_start, s_end):
            continue
        if (
            rule.cue.startswith("overdose.act")
            and _ROUTINE_RE.search(norm, s_start, s_end)
            and not _UNUSUAL_AMOUNT_RE.search(norm, start, end)
        ):
            continue
        if rule.level and _LOCAL_PAST_RE.search(norm, max(s_start, start - 40), start):
            continue
        if rule.level and _WAS_RE.search(norm, max(s_start, start - 20), start):
            # "years ago I was ready to end it all, now I teach": a past-tense modality in a recovered-past message
            if state.past is None:
                state.past = bool(
                    (_PAST_RE.search(norm) or _RECOVERY_RE.search(norm)) and not _STILL_RE.search(norm)
                )
            if state.past:
                continue
        if (
            rule.cue in _HYPERBOLE_CUES
            and _TRIVIAL_RE.search(norm, s_start, s_end)
            and (_JOKE_RE.search(norm) or "💀" in norm or "😭" in norm)
            and not _WHEN_RE.search(norm, s_start, s_end)
        ):
            continue
        if rule.cue in _RETURN_CUES and _RETURN_RE.search(norm):
            continue
        if rule.cue in _COMPOSE_CUES and _THING_SUBJ_RE.search(norm, max(s_start, start - 30), start):
            continue
        other = _subject_other(rule, norm, start, end, s_start)
        if other is None:
            continue
        if rule.kind == "protect":
            state.protective = True
            continue
        hits.append(_Hit(rule, start, end, other))


# --------------------------------------------------------------------------------------------------------
# Combination
# --------------------------------------------------------------------------------------------------------


def _answered_no(norm: str, s_start: int, start: int) -> bool:
    """The cue sits in a reported screening question (within the 80 characters before it, same sentence or
    the one before) and the message answers it with a plain no, and nothing says yes."""
    asked = _ASKED_RE.search(norm, max(0, start - 80), start)
    if asked is None or _ASKED_SAFE_RE.search(norm, asked.start(), start):
        return False
    return bool(_ANSWER_NO_RE.search(norm, asked.end())) and not _ANSWER_YES_RE.search(norm)


def _rules_only_detect(text: str) -> Verdict:
    """The rule layer alone (used by :func:`detect` and by the model training script)."""
    if not text or not text.strip():
        return NONE_VERDICT
    norm = normalise(text)
    hits, protective = _collect(norm)
    if not hits:
        return NONE_VERDICT

    by_kind: dict[str, list[_Hit]] = {}
    for h in hits:
        by_kind.setdefault(h.rule.kind, []).append(h)

    def k(name: str) -> list[_Hit]:
        return by_kind.get(name, [])

    # (hit, severity level 2/1, categories) that make up the verdict
    used: list[tuple[_Hit, int, tuple[str, ...]]] = []

    def use(hs: list[_Hit], level: int, cats: tuple[str, ...] | None = None) -> None:
        for h in hs:
            used.append((h, level, cats if cats is not None else h.rule.categories))

    timing, drug = k("timing"), k("drug")
    for h in k("direct"):
        direct_cats = h.rule.categories
        if drug and h.rule.cue in ("medical.breathing_stopped", "medical.cant_wake"):
            direct_cats = (*direct_cats, "overdose")
        used.append((h, h.rule.level, direct_cats))

    # suicide: weak signals add up; any suicidal statement plus timing / means / plan / farewell is high
    weak = k("weak")
    score = sum(h.rule.level for h in weak)
    sui, doit, place, stock = k("sui"), k("doit"), k("place"), k("stock")
    odprog = k("odprog")
    if stock:
        if k("enough") or sui or timing or score >= 1 or doit:
            use(stock + k("enough"), 2)
            use(weak + sui + doit, 2, ("suicide",))
        else:
            use(stock, 1)
    if odprog and (timing or sui or score >= 1):
        use(odprog + timing, 2)
    if score >= 2 or (score >= 1 and (sui or doit or place)):
        use(weak + sui + doit + place, 2)
        use(timing, 2, ("suicide",))
    elif sui and (timing or place):
        use(sui + timing + place, 2)
    elif doit and timing:
        use(doit + timing, 2)
    elif place and timing:
        use(place + timing, 2)
    elif sui:
        use(sui, 1)

    # self-harm
    sh, shint, sh_hi = k("sh"), k("shint"), k("sh_hi")
    sh_means = [h for h in weak if h.rule.cue.startswith("means")]
    if shint and (timing or sh_means or sh_hi):
        use(shint + sh + sh_hi, 2)
        use(timing + sh_means, 2, ("self_harm",))
    elif sh or shint:
        use(sh + shint + sh_hi, 2) if sh_hi else use(sh + shint, 1)

    # abuse
    abuse, danger = k("abuse"), k("danger")
    if abuse:
        use(abuse + danger, 2) if danger else use(abuse, 1)
    elif k("threat") and danger:
        use(k("threat") + danger, 2)

    # harm to others: a weapon plus revenge / a known target location
    if k("weapon") and k("revenge"):
        use(k("weapon") + k("revenge"), 2)

    # medical: breathing signs after drugs, stroke signs, cauda equina, can't breathe
    resp = k("resp")
    if resp and drug:
        use(resp + drug[:1], 2, ("medical_emergency", "overdose"))
    s1, s2, s3, sudden = k("stroke1"), k("stroke2"), k("stroke3"), k("sudden")
    explained = bool(k("resolved"))
    if not explained and (s1 or (s2 and (s3 or sudden))):
        use(s1 + s2 + s3 + (sudden if not s1 else []), 2)
    saddle, legs, bladder = k("saddle"), k("legs"), k("bladder")
    if explained:
        pass
    elif (saddle or legs) and (bladder or sudden):
        use(saddle + legs + bladder + sudden, 2)
    elif bladder and k("backctx"):
        use(bladder + k("backctx"), 2)
    if k("breathe"):
        use(k("breathe"), 1)

    if not used:
        return NONE_VERDICT

    top = max(level for _, level, _ in used)
    if top == 2 and protective:
        # an explicit protective statement may lower suicidal-intent-only "high" to a review, never below medium
        if all(
            h.rule.lowerable or h.rule.kind in ("weak", "sui", "doit", "timing", "place")
            for h, lv, _ in used
            if lv == 2
        ):
            top = 1
    severity: Severity = "high" if top == 2 else "medium"

    cats: set[str] = set()
    evidence: dict[tuple[int, int, str], Evidence] = {}
    about_other = True
    for h, _level, hcats in used:
        cats.update(hcats)
        if h.rule.kind not in ("timing", "drug", "danger", "sudden", "sh_hi", "enough") and not h.other:
            about_other = False
        key = (h.start, h.end, h.rule.cue)
        if key not in evidence:
            evidence[key] = Evidence(h.start, h.end, text[h.start : h.end], h.rule.cue)
    if not cats:
        cats.add("suicide")
    spans = sorted(evidence.values(), key=lambda e: (e.start, -e.end, e.cue))
    kept: list[Evidence] = []
    for ev in spans:  # drop a span nested inside a longer one ("kms" inside "gonna kms")
        if any(
            o.start <= ev.start and ev.end <= o.end and (o.end - o.start) > (ev.end - ev.start) for o in kept
        ):
            continue
        kept.append(ev)
    return Verdict(
        flagged=True,
        severity=severity,
        categories=tuple(sorted(cats)),
        evidence=tuple(sorted(kept, key=lambda e: (e.start, e.end, e.cue))),
        about_other=about_other,
    )


# --------------------------------------------------------------------------------------------------------
# Learned layer (moderation/model.py): may only ADD a review-level flag when the rules found nothing
# --------------------------------------------------------------------------------------------------------

MODEL_CUE = "model"

try:
    _MODEL: _model.Model | None = _model.load_model()
except (OSError, ValueError, KeyError, TypeError):  # weights missing or unreadable: rules only
    _MODEL = None


_SECOND_PERSON_RE = re.compile(r"\b(?:you|your|youre|u|ur|tu|vous|ton|ta|tes|votre|vos)\b")
_FIRST_PERSON_RE = re.compile(
    r"\b(?:i|im|ive|id|ill|me|my|myself|mine|je|j|moi|mon|ma|mes|m|chu|jsuis)\b|\b(?:i|j|m)'"
)


def _model_segment(norm: str) -> tuple[float, list[tuple[int, int]]]:
    assert _MODEL is not None
    # addressed to someone else with no first person ("you should just stop taking everything"): advice or
    # talk about the reader, not a disclosure; the learned layer has no notion of who is at risk, so skip
    if _SECOND_PERSON_RE.search(norm) and not _FIRST_PERSON_RE.search(norm):
        return 0.0, []
    return _MODEL.explain(norm)


def _model_verdict(text: str, norm: str) -> Verdict:
    if _MODEL is None:
        return NONE_VERDICT
    segment = norm
    if len(norm) <= _LONG_MESSAGE:
        prob, spans = _model_segment(norm)
    else:  # like the rules, read long messages sentence by sentence so a crisis line is not diluted
        prob, spans = 0.0, []
        pos = 0
        for m in [*_SENT_RE.finditer(norm), None]:
            stop = m.end() if m else len(norm)
            if norm[pos:stop].strip():
                p, sp = _model_segment(norm[pos:stop])
                if p > prob:
                    prob, spans, segment = p, [(pos + a, pos + b) for a, b in sp], norm[pos:stop]
            pos = stop
    if prob < _MODEL.threshold or not spans:
        return NONE_VERDICT
    evidence = tuple(Evidence(a, b, text[a:b], MODEL_CUE) for a, b in spans)
    severity, category = _model_grade(segment)
    return Verdict(True, severity, (category,), evidence, False)


# P(high | crisis) at or above which a model flag is rated high (chosen on cross-validated training rows,
# scripts/train_detector_model.py prints them): a missed "high" gets no crisis resources and no escalation,
# so the bar leans towards high.
MODEL_HIGH_AT = 0.4


def _model_grade(segment: str) -> tuple[Severity, str]:
    """Severity and category of a model flag, from the model's heads (medium / suicide without them)."""
    assert _MODEL is not None
    if not _MODEL.heads:
        return "medium", "suicide"
    probs = _MODEL.head_probabilities(segment)
    severity: Severity = "high" if probs.get("high", 0.0) >= MODEL_HIGH_AT else "medium"
    cats = [(p, name[4:]) for name, p in probs.items() if name.startswith("cat:")]
    return severity, max(cats)[1] if cats else "suicide"


def detect(text: str) -> Verdict:
    """Classify one chat message. Never raises for str input.

    The rules decide; when they find nothing, the learned layer may still flag the message (cue
    ``"model"``, evidence = the words that pushed the model's score up most; severity and category from
    its heads, see ``_model_grade``).
    The model never lowers or removes a rule verdict.
    """
    verdict = _rules_only_detect(text)
    if verdict.flagged or not text or not text.strip():
        return verdict
    return _model_verdict(text, normalise(text))
