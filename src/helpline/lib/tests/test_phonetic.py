"""The phonetic keys bring together the spellings the issue names, per language, and keep
clearly different names apart."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpline.lib.phonetic import combined_key, fold, phonetic_key, significant_words


@pytest.mark.parametrize(
    ("lang", "a", "b"),
    [
        ("pt", "Gonçalves", "Goncalves"),
        ("pt", "Gonçalves", "Gonsalves"),
        ("pt", "Goncalves", "Gonsalves"),
        ("pt", "Sousa", "Souza"),
        ("pt", "Philippe", "Felipe"),
        ("pt", "Tiradentes", "Tiradentis"),
        ("pt", "Coelho", "Coelio"),
        ("pt", "Thiago", "Tiago"),
        ("pt", "Luiz", "Luis"),
        ("it", "Cicciò", "Cicio"),
        ("it", "Cicciò", "Ciccio"),
        ("it", "Philippe", "Filipe"),
        ("it", "Mazza", "Maza"),
        ("cs", "Dvořák", "Dvorak"),
        ("cs", "Novák", "Novak"),
        ("cs", "Wágner", "Vagner"),
        ("cs", "Procházka", "Prochazka"),
    ],
)
def test_example_spellings_share_a_key(lang: str, a: str, b: str) -> None:
    assert phonetic_key(a, lang) == phonetic_key(b, lang)


@pytest.mark.parametrize(
    ("lang", "a", "b"),
    [
        ("pt", "Silva", "Souza"),
        ("pt", "Pereira", "Ferreira"),
        ("it", "Rossi", "Bianchi"),
        ("cs", "Novák", "Dvořák"),
    ],
)
def test_different_names_keep_different_keys(lang: str, a: str, b: str) -> None:
    assert phonetic_key(a, lang) != phonetic_key(b, lang)


def test_street_abbreviation_and_vowel_variant_meet() -> None:
    assert combined_key("Rua Tiradentes", "pt") == combined_key("R. Tiradentis", "pt")
    assert combined_key("Via Garibaldi", "it") == combined_key("V. Garibaldi", "it")


def test_word_order_does_not_change_the_combined_key() -> None:
    assert combined_key("Maria Souza", "pt") == combined_key("Souza, Maria", "pt")


def test_folding_removes_diacritics_of_all_three_languages() -> None:
    assert fold("Dvořák Gonçalves Cicciò Šťastný Žluťoučký") == (
        "dvorak goncalves ciccio stastny zlutoucky"
    )


def test_stopwords_are_ignored_unless_nothing_else_is_left() -> None:
    assert significant_words("Maria da Silva") == ["maria", "silva"]
    assert significant_words("da") == ["da"]


@given(st.text(max_size=40), st.sampled_from(["pt", "it", "cs", ""]))
def test_any_text_gets_an_upper_case_ascii_key_without_raising(text: str, lang: str) -> None:
    for word in significant_words(text):
        key = phonetic_key(word, lang)
        assert key == "" or key.isascii()
