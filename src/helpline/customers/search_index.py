"""Keeping the search index in step with customers and addresses (called by services,
inside their transaction).

For every significant word of a customer's name, streets and districts: a ``SearchTerm``
(the folded word and its phonetic key, once per tenant: the vocabulary trigram matching runs
over) and a ``SearchPosting`` (customer, key, field). Two adjacent words of a name or street
also get a posting for their joined form (``compound_words``), so that *Gian Piero* is found
as *Giampiero* and *De Souza* as *Desouza*; joined forms are not added to the vocabulary
(every two-word name would be a new word). ``Customer.name_key``, ``Address.street_key`` and
``Address.district_key`` hold the sorted keys of the whole name, street or district, the
exact-key lookups of the search.
"""

from __future__ import annotations

from collections.abc import Iterable

from helpline.customers.models import (
    Customer,
    SearchField,
    SearchPosting,
    SearchTerm,
    SearchTermVariant,
)
from helpline.lib import deferred
from helpline.lib.phonetic import (
    compound_words,
    fold,
    language_for_country,
    phonetic_key,
    significant_words,
)
from helpline.tenancy.models import Organization


def language_of(org: Organization) -> str:
    return language_for_country(org.country)


def word_keys(text: str, lang: str) -> list[tuple[str, str]]:
    """``(folded word, key)`` for each significant word of ``text``."""
    out = []
    for word in significant_words(text):
        key = phonetic_key(word, lang)
        if key:
            out.append((fold(word)[:60], key[:60]))
    return out


def posting_pairs(
    name: str, streets: Iterable[str], districts: Iterable[str], lang: str
) -> tuple[list[tuple[str, str]], set[tuple[str, str]]]:
    """What a customer's name, streets and districts put in the index: the vocabulary
    ``(term, key)`` pairs and the ``(key, field)`` postings (joined forms included)."""
    terms: list[tuple[str, str]] = []
    postings: set[tuple[str, str]] = set()
    for field, texts in (
        (SearchField.NAME, [name]),
        (SearchField.STREET, streets),
        (SearchField.DISTRICT, districts),
    ):
        for text in texts:
            pairs = word_keys(text, lang)
            terms += pairs
            postings |= {(k, str(field)) for _t, k in pairs}
            if field != SearchField.DISTRICT:
                postings |= {
                    (k[:60], str(field))
                    for k in (phonetic_key(w, lang) for w in compound_words(text))
                    if k
                }
    return terms, postings


def deletion_variants(word: str) -> set[str]:
    """``word`` and, for words of four letters or more, each one-letter deletion of it."""
    out = {word}
    if len(word) >= 4:
        out |= {word[:i] + word[i + 1 :] for i in range(len(word))}
    return out


def add_terms(org_id: int, pairs: Iterable[tuple[str, str]]) -> None:
    """Add words to the tenant's vocabulary (existing ones are left as they are), with
    their deletion variants."""
    rows = {term: key for term, key in pairs}
    # At once, or with the rest of the intake's batch (``lib.deferred``).
    deferred.insert_many(
        [SearchTerm(organization_id=org_id, term=t, key=k) for t, k in rows.items()],
        ignore_conflicts=True,
        key=lambda row: (row.organization_id, row.term),
    )
    deferred.insert_many(
        [
            SearchTermVariant(organization_id=org_id, variant=v, term=t)
            for t in rows
            for v in deletion_variants(t)
        ],
        ignore_conflicts=True,
        key=lambda row: (row.organization_id, row.variant, row.term),
    )


def reindex_customer(customer: Customer, *, lang: str, new: bool = False) -> None:
    """Rewrite the postings of ``customer`` from its name and addresses (``new``: a customer
    created just now, with neither postings nor addresses yet)."""
    if not new:
        SearchPosting.objects.filter(customer=customer).delete()
    if customer.erased_at is not None:
        return
    addresses = [] if new else list(customer.addresses.values_list("street", "district"))
    terms, keys = posting_pairs(
        customer.name, [s for s, _d in addresses], [d for _s, d in addresses if d], lang
    )
    add_terms(customer.organization_id, terms)
    postings = [
        SearchPosting(organization_id=customer.organization_id, customer=customer, key=k, field=f)
        for k, f in sorted(keys)
    ]
    if new:  # nothing reads a new customer's postings before the batch ends
        deferred.insert_many(postings)
    else:
        SearchPosting.objects.bulk_create(postings)
