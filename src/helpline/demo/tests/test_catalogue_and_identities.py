"""The demo's data modules are consistent, and its generated people carry identifiers that
the validators used by the services accept. No database needed."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from random import Random

import phonenumbers
from stdnum.br import cnpj, cpf
from stdnum.it import codicefiscale, iva

from helpline.cases.choices import CaseType, Channel
from helpline.demo import people
from helpline.demo.loader import TENANTS
from helpline.demo.spec import PATHS, Texts

#: Filled only once the case exists (see demo.spec).
LATE = re.compile(r"\{(protocol|ref|reminder)\}")


def _templates(texts: Texts) -> list[str]:
    return [t for field in texts.__dataclass_fields__ for t in getattr(texts, field) if t]


def test_catalogues_are_consistent() -> None:
    for spec in TENANTS:
        topics = {t.code for t in spec.topics}
        segments = {s.code for s in spec.segments}
        assert set(spec.channels) <= set(Channel.values)
        assert ("pec" in spec.channels) == (spec.country == "IT")
        for q in spec.queues:
            assert set(q.topics) <= topics and (not q.segment or q.segment in segments)
        subjects = [s for _t, s in spec.subjects()]
        assert len({s.code for s in subjects}) == len(subjects)
        assert {s.case_type for s in subjects} == set(CaseType.values) - {CaseType.REMINDER}
        for s in subjects:
            assert s.path in PATHS and s.titles and s.descriptions
            assert s.path != "l1" or s.answers, s.code
        for inc in spec.bursts:
            assert inc.subject in {s.code for s in subjects}


def test_every_text_fills_all_its_placeholders() -> None:
    rng = Random(1)
    for spec in TENANTS:
        values = spec.placeholders(rng, datetime(2025, 3, 3, 10, tzinfo=UTC))
        values |= {"greeting": "Gentile", "ref_title": "x"}
        texts = _templates(spec.texts)
        for _t, s in spec.subjects():
            texts += [*s.titles, *s.descriptions, *s.answers, *s.resolutions, *s.notes]
            texts += [*s.tasks, *s.asks]
        texts += [inc.resolution for inc in spec.bursts]
        for text in texts:
            filled = LATE.sub("", text).format(**values)
            assert "{" not in filled and "}" not in filled, text


def test_generated_tax_ids_and_phones_are_valid() -> None:
    rng = Random(2)
    for _i in range(300):
        assert cpf.is_valid(people.make_cpf(rng))
        assert cnpj.is_valid(people.make_cnpj(rng))
        assert iva.is_valid(people.partita_iva(rng))
        for number, country in ((people.it_phone(rng), "IT"), (people.br_phone(rng), "BR")):
            assert phonenumbers.is_valid_number(phonenumbers.parse(number, country))
    tax_ids: set[str] = set()
    for _i in range(300):
        person = people.italian_person(rng, tax_ids, with_tax_id=True)
        assert codicefiscale.is_valid(person.tax_id), person
        tax_ids.add(person.tax_id)


def test_codice_fiscale_follows_the_official_rules() -> None:
    # Worked example of the rules: surname consonants, 1st/3rd/4th name consonant when the
    # name has four or more, year, month letter, day + 40 for women, place, check letter.
    assert (
        people.codice_fiscale(
            surname="Rossi", name="Mario", birth=date(1980, 1, 1), female=False, place="H501"
        )
        == "RSSMRA80A01H501U"
    )
    cf = people.codice_fiscale(
        surname="De Luca", name="Francesca", birth=date(1975, 12, 24), female=True, place="D548"
    )
    assert cf.startswith("DLCFNC75T64D548") and codicefiscale.is_valid(cf)
    assert codicefiscale.get_gender(cf) == "F"
    assert codicefiscale.get_birth_date(cf) == date(1975, 12, 24)
