"""The one search box: exact identifiers in any format, and names and streets with typos
and phonetic variants in Portuguese, Italian and Czech, ranked and highlighted."""

from __future__ import annotations

import pytest
from conftest import SYSTEM
from django.db import connection
from django.test.utils import CaptureQueriesContext

from helpline.customers import selectors, services
from helpline.customers.search import search
from helpline.tenancy.services import create_organization


def _names(org, text):
    return [h.customer.name for h in search(org=org, text=text).customers]


@pytest.fixture
def br(tenant_b):
    org, actor = tenant_b.org, tenant_b.actor
    for name in ["Ana Gonçalves", "José Souza", "Felipe Andrade", "Maria Pereira", "João Silva"]:
        services.create_customer(org=org, actor=actor, name=name)
    c = services.create_customer(org=org, actor=actor, name="Carla Mendes")
    services.add_address(customer=c, actor=actor, street="Rua Tiradentes", house_number="12")
    return tenant_b


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Goncalves", "Ana Gonçalves"),
        ("Gonsalves", "Ana Gonçalves"),
        ("ana gonçalvs", "Ana Gonçalves"),
        ("Sousa", "José Souza"),
        ("Jose Sousa", "José Souza"),
        ("Philippe Andrade", "Felipe Andrade"),
        ("Perreira Maria", "Maria Pereira"),
        ("R. Tiradentis", "Carla Mendes"),
    ],
)
def test_portuguese_variants_find_the_customer_first(br, query, expected):
    assert _names(br.org, query)[0] == expected


def test_italian_and_czech_variants_find_each_other(tenant_a):
    org, actor = tenant_a.org, tenant_a.actor
    services.create_customer(org=org, actor=actor, name="Cicciò Esposito")
    services.create_customer(org=org, actor=actor, name="Mario Rossi")
    assert _names(org, "Cicio Esposito")[0] == "Cicciò Esposito"
    assert _names(org, "ciccio esposto")[0] == "Cicciò Esposito"
    cz = create_organization(
        actor=SYSTEM,
        name="Obec",
        slug="obec",
        country="CZ",
        language="cs",
        time_zone="Europe/Prague",
        protocol_prefix="OB",
    )
    services.create_customer(org=cz, actor=SYSTEM, name="Jan Dvořák")
    services.create_customer(org=cz, actor=SYSTEM, name="Petr Novák")
    assert _names(cz, "Dvorak")[0] == "Jan Dvořák"
    assert _names(cz, "jan dvorka")[0] == "Jan Dvořák"


def test_matched_words_are_highlighted_and_escaped(br):
    services.create_customer(org=br.org, actor=br.actor, name="<b>Rui</b> Souza")
    hits = search(org=br.org, text="Sousa").customers
    html = {h.customer.name: str(h.highlighted) for h in hits}
    assert html["José Souza"] == "José <mark>Souza</mark>"
    assert "&lt;b&gt;" in html["<b>Rui</b> Souza"]


def test_identifiers_in_any_format_find_the_customer(tenant_b):
    org, actor = tenant_b.org, tenant_b.actor
    c = services.create_customer(
        org=org,
        actor=actor,
        name="Ana Lima",
        tax_id="390.533.447-05",
        phone="(11) 98765-4321",
        email="ana@example.com",
    )
    services.create_account(
        customer=c,
        actor=actor,
        identity_check=None,
        checked=False,
        account_number="AC-1001",
        meter_number="MTR-55",
    )
    services.create_asset(
        org=org, actor=actor, code="pole-7", kind="street_light", customer_id=c.pk
    )
    for text, reason in [
        ("39053344705", "tax_id"),
        ("390 533 447 05", "tax_id"),
        ("+55 11 98765 4321", "phone"),
        ("11987654321", "phone"),
        ("ANA@example.com", "email"),
        ("AC-1001", "account"),
        ("mtr-55", "meter"),
        ("POLE-7", "asset"),
    ]:
        hits = search(org=org, text=text).customers
        assert [(h.customer.pk, h.reason) for h in hits][:1] == [(c.pk, reason)], text


def test_search_never_returns_another_tenants_customers(br, tenant_a):
    services.create_customer(org=tenant_a.org, actor=tenant_a.actor, name="Ana Gonçalves")
    hits = search(org=tenant_a.org, text="Goncalves").customers
    assert [h.customer.organization_id for h in hits] == [tenant_a.org.pk]


def test_phone_lookup_matches_any_contact_in_one_query(tenant_b):
    org, actor = tenant_b.org, tenant_b.actor
    c = services.create_customer(org=org, actor=actor, name="Ana Lima", phone="11987654321")
    services.add_contact(customer=c, actor=actor, kind="phone", value="(11) 3333-4444")
    services.add_contact(customer=c, actor=actor, kind="email", value="Ana@Work.example")
    with CaptureQueriesContext(connection) as ctx:
        found = list(selectors.find_customers_by_identifier(org=org, phone="+55 11 3333 4444"))
    assert found == [c] and len(ctx.captured_queries) == 1
    assert list(selectors.find_customers_by_identifier(org=org, email="ana@work.EXAMPLE")) == [c]
    assert list(selectors.find_customers_by_identifier(org=org, phone="11987654321")) == [c]


def test_changing_the_primary_phone_moves_the_lookup(tenant_b):
    org, actor = tenant_b.org, tenant_b.actor
    c = services.create_customer(org=org, actor=actor, name="Ana Lima", phone="11987654321")
    services.update_customer(customer=c, actor=actor, phone="11912345678")
    assert not selectors.find_customers_by_identifier(org=org, phone="11987654321").exists()
    assert list(selectors.find_customers_by_identifier(org=org, phone="11912345678")) == [c]


def test_asset_by_code_is_tenant_scoped_and_case_insensitive(tenant_a, tenant_b):
    asset = services.create_asset(
        org=tenant_a.org,
        actor=tenant_a.actor,
        code="LP-0042",
        kind="street_light",
        location="Via Roma 1",
    )
    assert selectors.asset_by_code(org=tenant_a.org, code=" lp-0042 ") == asset
    assert selectors.asset_by_code(org=tenant_b.org, code="LP-0042") is None
    assert selectors.asset_by_code(org=tenant_a.org, code="") is None


def test_a_typo_in_a_short_word_sharing_no_trigram_is_found(tenant_a):
    org, actor = tenant_a.org, tenant_a.actor
    services.create_customer(org=org, actor=actor, name="Jakub Rossi")
    services.create_customer(org=org, actor=actor, name="Jacopo Rossi")
    assert _names(org, "Jarub Rossi")[0] == "Jakub Rossi"


def test_every_hit_shows_an_address_to_tell_namesakes_apart(br):
    hits = search(org=br.org, text="Carla Mendes").customers
    assert hits[0].street.startswith("Rua Tiradentes 12")


def _czech(slug: str = "obec"):
    return create_organization(
        actor=SYSTEM,
        name="Obec",
        slug=slug,
        country="CZ",
        language="cs",
        time_zone="Europe/Prague",
        protocol_prefix="OB",
    )


def test_a_street_named_like_the_person_does_not_hide_the_person(db):
    # Issue 14 point 15: "Novák" matched the whole street "Novákovo náměstí", so the
    # customers having the word were never looked up.
    cz = _czech()
    for i in range(5):
        resident = services.create_customer(org=cz, actor=SYSTEM, name=f"Jana Černá {i}")
        services.add_address(customer=resident, actor=SYSTEM, street="Novákovo náměstí")
    services.create_customer(org=cz, actor=SYSTEM, name="Žaneta Novák")
    hits = search(org=cz, text="Novák").customers
    assert hits[0].customer.name == "Žaneta Novák"
    assert hits[0].reason == "name"
    assert {h.reason for h in hits[1:]} == {"street"}


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("Gian Piero Rossi", "Giampiero Rossi"),
        ("Giampiero Rossi", "Gian Piero Rossi"),
        ("Marco Dell'Acqua", "Marco Dellacqua"),
        ("Marco Dellacqua", "Marco Dell'Acqua"),
        ("Rita D'Angelo", "Rita Dangelo"),
        ("Pier Paolo Conti", "Pierpaolo Conti"),
    ],
)
def test_split_and_joined_words_find_each_other_in_italian(tenant_a, stored, typed):
    org, actor = tenant_a.org, tenant_a.actor
    for name in ("Mario Rossi", "Piero Rossi", "Marco Acqua", "Paolo Conti", stored):
        services.create_customer(org=org, actor=actor, name=name)
    assert _names(org, typed)[0] == stored


@pytest.mark.parametrize(
    ("stored", "typed"),
    [("José de Souza", "José Desouza"), ("José Desouza", "José de Souza")],
)
def test_split_and_joined_words_find_each_other_in_portuguese(tenant_b, stored, typed):
    org, actor = tenant_b.org, tenant_b.actor
    for name in ("José Souza Lima", "João Sousa", stored):
        services.create_customer(org=org, actor=actor, name=name)
    assert _names(org, typed)[0] == stored
    marked = str(search(org=org, text=typed).customers[0].highlighted)
    assert "<mark>Souza</mark>" in marked or "<mark>Desouza</mark>" in marked


def test_a_district_finds_the_customers_living_there(tenant_b):
    # Issue 24 (MISSION E1): addresses have a district; searching it finds the people.
    org, actor = tenant_b.org, tenant_b.actor
    there = []
    for name, district in [
        ("Ana Lima", "Vila Mariana"),
        ("Rui Costa", "Vila Mariana"),
        ("Eva Reis", "Pinheiros"),
    ]:
        c = services.create_customer(org=org, actor=actor, name=name)
        services.add_address(customer=c, actor=actor, street="Rua Augusta", district=district)
        if district == "Vila Mariana":
            there.append(c.pk)
    hits = search(org=org, text="vila mariana").customers
    assert sorted(h.customer.pk for h in hits) == sorted(there)
    assert {h.reason for h in hits} == {"district"}
    assert "Vila Mariana" in hits[0].street
    # With a typo, and with a number in the name of the district.
    assert {h.customer.pk for h in search(org=org, text="Vila Mariama").customers} == set(there)
    cz = _czech()
    c = services.create_customer(org=cz, actor=SYSTEM, name="Petr Novák")
    services.add_address(customer=c, actor=SYSTEM, street="Nádražní", district="Praha 4")
    other = services.create_customer(org=cz, actor=SYSTEM, name="Jan Dvořák")
    services.add_address(customer=other, actor=SYSTEM, street="Nádražní", district="Praha 10")
    assert [h.customer.pk for h in search(org=cz, text="Praha 4").customers][:1] == [c.pk]


def test_a_street_code_finds_every_customer_of_the_street(tenant_b):
    org, actor = tenant_b.org, tenant_b.actor
    on_street = []
    for name, code in [("Ana Lima", "SP-0042"), ("Rui Costa", "SP-0042"), ("Eva Reis", "SP-7")]:
        c = services.create_customer(org=org, actor=actor, name=name)
        services.add_address(customer=c, actor=actor, street="Rua Augusta", street_code=code)
        if code == "SP-0042":
            on_street.append(c.pk)
    hits = search(org=org, text="sp-0042").customers
    assert [(h.customer.pk, h.reason) for h in hits] == [(pk, "street_code") for pk in on_street]


def test_an_erased_customer_is_not_found_by_district(tenant_b):
    from helpline.customers import gdpr

    org, actor = tenant_b.org, tenant_b.actor
    c = services.create_customer(org=org, actor=actor, name="Ana Lima")
    services.add_address(customer=c, actor=actor, street="Rua Augusta", district="Moema")
    gdpr.erase_customer(customer=c, actor=actor, reason="asked")
    assert search(org=org, text="Moema").customers == []
