"""Diacritic folding and phonetic keys for Portuguese, Italian and Czech names and streets.

Soundex and (Double) Metaphone encode English spelling: they keep ``ç``/``ss``/``z`` apart
in *Gonçalves*/*Gonsalves*, know nothing of Italian ``cci`` or Czech ``ř``. These keys are
written for the three languages the product serves. A key is deliberately coarse: it only
has to bring the right names into the candidate set, and rapidfuzz ranks them afterwards.

The pipeline of ``phonetic_key(word, lang)``:

1. Letters that carry sound in their diacritic are rewritten before folding (``ç`` -> ``s``,
   Czech ``ch`` stays a velar ``x``), then the word is folded to ASCII lower case.
2. Language rules rewrite spellings that sound alike (``ph`` -> ``f``, ``z`` -> ``s`` between
   vowels in Portuguese, ``gn``/``nh`` -> ``n``, ``qu`` -> ``k``, ``w`` -> ``v``...).
3. Letters are mapped to classes (``c``/``k``/``q`` hard, ``s``/``z``, ``i``/``y``/``e``,
   ``o``/``u``), silent ``h`` is dropped and doubled letters collapse (``Cicciò`` =
   ``Cicio``, ``Philippe`` = ``Felipe``).

Unstressed final vowels in Portuguese sound alike (*Tiradentes*/*Tiradentis*, *Souza*
/*Sousa* via ``z``), so vowels are mapped to three classes everywhere.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata

#: Languages with their own rules; anything else uses the union of the three.
LANGUAGES = ("pt", "it", "cs")

#: Words that carry no identity in names and streets ("Rua da Silva", "Via dei Mille").
STOPWORDS = frozenset(
    {
        # pt
        "a", "da", "das", "de", "do", "dos", "e", "rua", "r", "av", "avenida", "travessa",
        "tv", "praca", "pca", "alameda", "al", "estrada", "rod", "rodovia", "largo",
        # it
        "di", "del", "dei", "della", "delle", "dello", "degli", "via", "v", "viale", "vle",
        "piazza", "p", "pza", "corso", "c", "so", "vicolo", "vico", "strada",
        # cs
        "ulice", "ul", "nam", "namesti", "trida", "tr", "nabrezi", "nabr",
    }
)  # fmt: skip

#: Street-type abbreviations expanded before matching, so "R. Tiradentes" is "Rua Tiradentes".
ABBREVIATIONS = {
    "r": "rua",
    "av": "avenida",
    "tv": "travessa",
    "pca": "praca",
    "v": "via",
    "vle": "viale",
    "pza": "piazza",
    "ul": "ulice",
    "nam": "namesti",
    "tr": "trida",
}

_WORD = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lower case ASCII without diacritics: ``Dvořák`` -> ``dvorak``, ``Cicciò`` -> ``ciccio``.

    ``ß``/``æ``/``ø``/``đ``/``ł`` have no combining decomposition and are spelled out.
    """
    text = text.casefold()
    text = text.translate(_SPECIAL)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_SPECIAL = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "đ": "d", "ł": "l", "œ": "oe"})


def words(text: str) -> list[str]:
    """The folded words of ``text`` (letters and digits), abbreviations expanded."""
    return list(_words(text))


@functools.lru_cache(maxsize=65536)
def _words(text: str) -> tuple[str, ...]:
    # Cached: ranking and highlighting fold the same names and streets over and over.
    return tuple(ABBREVIATIONS.get(w, w) for w in _WORD.findall(fold(text)))


def significant_words(text: str) -> list[str]:
    """``words`` without stopwords and single letters (unless nothing else is left)."""
    return list(_significant(text))


#: Words that are written joined to the next one as often as apart: *De Souza*/*Desouza*,
#: *Dell'Acqua*/*Dellacqua*, *D'Angelo*/*Dangelo*, *San Marco*/*Sanmarco*.
PARTICLES = frozenset(
    {
        "d", "l", "de", "da", "das", "do", "dos", "di", "del", "dei", "della", "delle", "dello",
        "degli", "dell", "dal", "dall", "dalla", "lo", "la", "le", "san", "sant", "santa",
        "santo", "van", "von",
    }
)  # fmt: skip


def joinable(first: str, second: str) -> bool:
    """May ``first`` and ``second`` (folded words, next to each other) also be written as
    one word? Two name words (*Gian Piero*), or a particle and a word (*De Souza*); not a
    street type and its name (*Rua Augusta*), nor a word and a particle after it."""
    if second in STOPWORDS or len(second) < 2 or first.isdigit() or second.isdigit():
        return False
    return first in PARTICLES or (first not in STOPWORDS and len(first) > 1)


def compound_words(text: str) -> list[str]:
    """The joined forms of the adjacent words of ``text`` that may be written as one word:
    ``Gian Piero Rossi`` -> ``gianpiero``, ``pierorossi``; ``Dell'Acqua`` -> ``dellacqua``."""
    all_words = words(text)
    return [a + b for a, b in itertools.pairwise(all_words) if joinable(a, b)]


@functools.lru_cache(maxsize=65536)
def _significant(text: str) -> tuple[str, ...]:
    # Cached: ranking folds the same common names and streets over and over.
    all_words = _words(text)
    kept = [w for w in all_words if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    return tuple(kept or all_words)


# Rules per language: (pattern, replacement), applied in order to the folded word. Upper-case
# letters in replacements are classes no later rule touches.
_PT_BEFORE_FOLD = [("ç", "s"), ("Ç", "s")]
_CS_BEFORE_FOLD = [("ř", "rz"), ("Ř", "rz")]

_RULES: dict[str, list[tuple[re.Pattern[str], str]]] = {
    "pt": [
        (re.compile(p), r)
        for p, r in [
            (r"ph", "f"),
            (r"th", "t"),
            (r"lh|li(?=[aeou])", "L"),  # Coelho / Coelio
            (r"nh", "N"),  # Minho / Minio; gn below for Italian spellings in Brazil
            (r"gn", "N"),
            (r"ch", "X"),  # /ʃ/ like x
            (r"sh", "X"),
            (r"x", "X"),
            (r"qu(?=[ei])", "K"),
            (r"qu", "KV"),
            (r"gu(?=[ei])", "G"),
            (r"g(?=[ei])", "J"),
            (r"j", "J"),
            (r"sc(?=[ei])", "S"),
            (r"ss", "S"),
            (r"c(?=[eiy])", "S"),
            (r"(?<=n)c(?=[aou])", "S"),  # Goncalves typed without the cedilla
            (r"(?<=[aeiouy])s(?=[aeiouy])", "S"),  # Sousa: s between vowels sounds /z/
            (r"z", "S"),
            (r"s", "S"),
            (r"w", "V"),
            (r"y", "i"),
            (r"k|c|q", "K"),
        ]
    ],
    "it": [
        (re.compile(p), r)
        for p, r in [
            (r"ph", "f"),
            (r"th", "t"),
            (r"gli", "L"),
            (r"gn", "N"),
            (r"sch", "SK"),
            (r"sc(?=[ei])", "X"),
            (r"cch|ch", "K"),
            (r"ggh|gh", "G"),
            (r"cc(?=[ei])|c(?=[ei])", "C"),  # /tʃ/: Cicciò, Ciccio
            (r"Ci(?=[aou])", "C"),  # "cia/cio/ciu": the i is silent
            (r"gg(?=[ei])|g(?=[ei])", "J"),
            (r"Ji(?=[aou])", "J"),
            (r"j", "J"),
            (r"qu|cq", "KV"),
            (r"zz|z", "Z"),
            (r"ss|s", "S"),
            (r"x", "KS"),
            (r"w", "V"),
            (r"y", "i"),
            (r"k|c|q", "K"),
        ]
    ],
    "cs": [
        (re.compile(p), r)
        for p, r in [
            (r"ph", "f"),
            (r"th", "t"),
            (r"ch", "X"),  # a velar /x/, not /tʃ/
            (r"rz", "R"),  # ř folded to rz above; Rzeznik and Řezník meet
            (r"qu", "KV"),
            (r"ck", "K"),
            (r"x", "KS"),
            (r"w", "V"),
            (r"y", "i"),
            (r"c", "C"),  # /ts/
            (r"tz|ts", "C"),
            (r"z", "S"),  # Czech z/s do differ, but users type one for the other
            (r"s", "S"),
            (r"k|q|g(?=$)", "K"),
        ]
    ],
}

#: Vowel classes: e/i/y alike (Tiradentes/Tiradentis), o/u alike (Souza/Souza, -o/-u), a.
_VOWELS = str.maketrans({"e": "I", "i": "I", "y": "I", "o": "U", "u": "U", "a": "A"})


@functools.lru_cache(maxsize=65536)
def phonetic_key(word: str, lang: str = "") -> str:
    """The phonetic key of one word for ``lang`` (``pt``, ``it``, ``cs``; others: ``pt``).

    Words that are mostly digits (house numbers, codes) are returned folded, unchanged.
    """
    lang = (lang or "pt").split("-")[0].lower()
    if lang not in _RULES:
        lang = "pt"
    raw = word.strip()
    for src, dst in _PT_BEFORE_FOLD if lang == "pt" else _CS_BEFORE_FOLD if lang == "cs" else []:
        raw = raw.replace(src, dst)
    if lang != "pt":  # ç in an Italian or Czech register is still /s/
        raw = raw.replace("ç", "s").replace("Ç", "s")
    text = "".join(ch for ch in fold(raw) if ch.isalnum())
    if not text:
        return ""
    if sum(ch.isdigit() for ch in text) * 2 >= len(text):
        return text
    text = re.sub(r"(.)\1+", r"\1", text)  # doubled letters sound single: Cicciò, Philippe
    for pattern, replacement in _RULES[lang]:
        text = pattern.sub(replacement, text)
    text = text.replace("h", "")  # silent in all three once digraphs are done
    text = text.translate(_VOWELS)
    # Letters not covered by a rule keep their (upper-cased) form; collapse repeats again,
    # because rules can bring equal classes together (s + S).
    text = re.sub(r"(.)\1+", r"\1", text.upper())
    return text


def phonetic_keys(text: str, lang: str = "") -> list[str]:
    """The keys of the significant words of ``text``, in order."""
    return [k for k in (phonetic_key(w, lang) for w in significant_words(text)) if k]


def combined_key(text: str, lang: str = "") -> str:
    """One key for a whole name or street: the sorted word keys, so word order does not
    matter (``Souza Maria`` meets ``Maria Souza``)."""
    return " ".join(sorted(phonetic_keys(text, lang)))[:200]


def language_for_country(country: str) -> str:
    """The phonetic rule set for a tenant's country."""
    return {"BR": "pt", "PT": "pt", "IT": "it", "CZ": "cs", "SK": "cs"}.get(country.upper(), "pt")
