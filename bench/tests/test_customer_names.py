"""The customer search benchmark's names and misspellings are realistic and reproducible."""

from __future__ import annotations

import random

from bench.customer_names import NameMaker, misspell, phonetic_variant, strip_accents, typo


def test_names_are_reproducible_and_czech_women_get_female_surnames() -> None:
    a = [NameMaker("cs", random.Random(7)).name() for _ in range(50)]
    b = [NameMaker("cs", random.Random(7)).name() for _ in range(50)]
    assert a == b
    maker = NameMaker("cs", random.Random(1))
    names = [maker.name() for _ in range(300)]
    assert any(n.split()[-1].endswith(("ová", "á")) for n in names)


def test_misspellings_change_the_name_in_the_ways_people_do() -> None:
    rnd = random.Random(3)
    assert phonetic_variant("Gonçalves", "pt", random.Random(0)) != "Gonçalves"
    assert strip_accents("Dvořák") == "Dvorak"
    assert typo("Rossi", random.Random(1)) != "Rossi"
    changed = sum(
        misspell("Maria Gonçalves Souza", "pt", rnd)[0] != "Maria Gonçalves Souza"
        for _ in range(100)
    )
    assert changed >= 95
