"""The desk's one search box: protocol numbers, account/meter numbers, tax ids, phones,
e-mails, asset codes, and names or streets with typos and phonetic variants.

Exact identifiers are answered from their unique or plain indexes. Words go through three
stages:

1. **Candidate keys per word**: the word's own phonetic key (``lib.phonetic``) plus the keys
   of vocabulary words that look alike: trigram similarity over ``SearchTerm`` (``pg_trgm``
   GIN index on PostgreSQL, the FTS5 trigram table on SQLite), kept when rapidfuzz's ratio
   agrees. This catches typos the phonetic rules cannot (``Dvorka``, ``Gonaclves``).
2. **Candidate customers** from indexes only: the whole name or street matching one of the
   combinations of word keys (``Customer.name_key``/``Address.street_key``, an equality
   lookup), else the customers whose postings hold a key for every word.
3. **Ranking** of at most ``CANDIDATES`` customers with rapidfuzz on the folded texts, and
   highlighting of the words that matched.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from django.db import connection
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from rapidfuzz import fuzz

from helpline.cases.models import Case
from helpline.customers.models import (
    Address,
    Customer,
)
from helpline.customers.search_index import deletion_variants, language_of
from helpline.lib.identifiers import compact_tax_id, normalise_phone
from helpline.lib.phonetic import fold, phonetic_key, significant_words, words
from helpline.tenancy.models import Organization

#: Customers ranked per query at most (the candidate set the indexes return).
CANDIDATES = 200
#: Look-alike vocabulary words kept per query word.
KEYS_PER_WORD = 5
#: rapidfuzz ratio (0-100) a vocabulary word needs to count as a look-alike.
LOOKALIKE_RATIO = 72
#: Whole-name key combinations looked up per query, and customers taken per combination
#: (the likeliest combination gets ``CANDIDATES // 2``).
MAX_COMBINATIONS = 12
PER_COMBINATION = 20
#: Postings of the driving word read at most by the every-word fallback.
POSTINGS_WALKED = 4000


@dataclass
class Hit:
    customer: Customer
    score: float
    reason: str
    highlighted: SafeString
    street: str = ""
    street_highlighted: SafeString = field(default_factory=lambda: mark_safe(""))


@dataclass
class SearchResult:
    cases: list[Case] = field(default_factory=list)
    customers: list[Hit] = field(default_factory=list)


def search(*, org: Organization, text: str, limit: int = 20) -> SearchResult:
    """Everything in ``org`` that ``text`` may mean, best first."""
    text = text.strip()[:200]
    result = SearchResult()
    if not text:
        return result
    if _has_digit(text):  # protocol numbers always have digits
        result.cases = list(
            Case.objects.filter(
                organization=org, protocol_number__in={text, text.upper()}
            ).order_by()[:5]
        )
    # A text with spaces and no digit is a name or a street, never an identifier.
    exact = _exact_customers(org, text) if " " not in text or _has_digit(text) else []
    hits = [
        Hit(customer=c, score=100.0, reason=reason, highlighted=_plain(c.name))
        for c, reason in exact
    ]
    # An identifier that matched is what was meant; otherwise try names and streets.
    if not exact and any(ch.isalpha() for ch in text) and "@" not in text:
        seen = {h.customer.pk for h in hits}
        hits += [
            h for h in fuzzy_customers(org=org, text=text, limit=limit) if h.customer.pk not in seen
        ]
    result.customers = hits[:limit]
    _add_addresses(org, result.customers)
    return result


def _add_addresses(org: Organization, hits: list[Hit]) -> None:
    """Show an address beside every customer (one query), so the operator can tell
    namesakes apart."""
    missing = {h.customer.pk: h for h in hits if not h.street}
    if not missing:
        return
    for address in Address.objects.filter(organization=org, customer_id__in=missing).order_by(
        "-pk"
    ):
        hit = missing[address.customer_id]
        hit.street = str(address)
        hit.street_highlighted = _plain(hit.street)


def _has_digit(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


def _plain(text: str) -> SafeString:
    return mark_safe(escape(text))


def _exact_customers(org: Organization, text: str) -> list[tuple[Customer, str]]:
    """Customers whose account, meter, registration, asset code, tax id, phone or e-mail is
    exactly ``text`` (in any format): every kind that can apply in one statement (a UNION
    ALL of lookups, each on its own index), then the customers in one query."""
    token = text.strip()
    branches: list[tuple[str, list[int | str], str]] = []
    if "@" in token:
        branches.append(
            ("customers_contactpoint", [org.pk, token.lower()], "value = %s"),
        )
        reasons = ["email"]
    else:
        upper = token.upper()
        reasons = ["account", "meter", "registration", "asset"]
        for column in ("account_number", "meter_number", "municipal_registration"):
            branches.append(
                ("customers_serviceaccount", [org.pk, token, upper], f"{column} IN (%s, %s)")
            )
        branches.append(("customers_asset", [org.pk, upper], "code = %s"))
        compact = compact_tax_id(token)
        if len(compact) >= 5 and _has_digit(compact):
            branches.append(("customers_customeridentifier", [org.pk, compact], "value = %s"))
            reasons.append("tax_id")
        digits = sum(ch.isdigit() for ch in token)
        if digits >= 6 and digits * 2 > len(token):
            try:
                phone = normalise_phone(token, org.country)
            except ValueError:
                phone = ""
            if phone:
                branches.append(("customers_contactpoint", [org.pk, phone], "value = %s"))
                reasons.append("phone")
    sql = " UNION ALL ".join(
        f"SELECT customer_id, {i} FROM {table} "
        f"WHERE organization_id = %s AND {condition} AND customer_id IS NOT NULL"
        for i, (table, _params, condition) in enumerate(branches)
    )
    with connection.cursor() as cur:
        cur.execute(sql + " LIMIT 50", [p for _t, params, _c in branches for p in params])
        rows = cur.fetchall()
    why: dict[int, str] = {}
    for customer_id, branch in rows:
        why.setdefault(customer_id, reasons[branch])
    if not why:
        return []
    customers = Customer.objects.filter(
        organization=org, erased_at__isnull=True, pk__in=why
    ).in_bulk()
    return [(customers[pk], reason) for pk, reason in why.items() if pk in customers]


def lookalike_keys(
    org: Organization,
    word: str,
    lang: str,
    neighbours: set[tuple[str, str]] | None = None,
) -> list[tuple[str, float]]:
    """The phonetic keys a query word may stand for, best first, with a score (0-100): its
    own key (100) and its look-alikes' (their rapidfuzz ratio). ``neighbours``: the
    vocabulary words found for it already (``_neighbours``), else looked up here."""
    own = phonetic_key(word, lang)
    keys: dict[str, float] = {own: 100.0} if own else {}
    if len(word) < 3 or word.isdigit():
        return list(keys.items())
    if neighbours is None:
        neighbours = _neighbours(org.pk, [word])[0]
    scored: list[tuple[float, str]] = []
    for term, key in neighbours:
        # Spelling close, or sound close (two edits that are one phonetic change and a typo).
        ratio = max(fuzz.ratio(word, term), fuzz.ratio(own, key) - 8 if own else 0)
        if ratio >= LOOKALIKE_RATIO and key not in keys:
            scored.append((ratio, key))
    scored.sort(reverse=True)
    for ratio, key in scored:
        if len(keys) >= KEYS_PER_WORD:
            break
        keys.setdefault(key, ratio)
    return list(keys.items())


def _neighbours(org_id: int, words_: list[str]) -> list[set[tuple[str, str]]]:
    """For each word, the vocabulary words that look like it: sharing trigrams (the trigram
    index) or one edit away (sharing a deletion variant). One statement for all the words:
    a round trip costs more than these lookups on a busy machine."""
    parts: list[str] = []
    params: list[int | str] = []
    for i, word in enumerate(words_):
        if len(word) < 3 or word.isdigit():
            continue
        if connection.vendor == "postgresql":
            parts.append(
                f"SELECT {i} AS w, term, key FROM (SELECT term, key FROM customers_searchterm "
                "WHERE organization_id = %s AND term % %s "
                f"ORDER BY similarity(term, %s) DESC LIMIT 40) AS g{i}"
            )
            params += [org_id, word, word]
        else:
            grams = sorted({word[j : j + 3] for j in range(len(word) - 2)})
            parts.append(
                f"SELECT {i} AS w, term, key FROM (SELECT t.term, t.key "
                "FROM customers_searchterm_fts f JOIN customers_searchterm t ON t.id = f.rowid "
                "WHERE customers_searchterm_fts MATCH %s AND t.organization_id = %s "
                f"ORDER BY f.rank LIMIT 40) AS g{i}"
            )
            params += [" OR ".join(f'"{g}"' for g in grams), org_id]
        variants = sorted(deletion_variants(word[:60]))
        marks = ", ".join(["%s"] * len(variants))
        parts.append(
            f"SELECT {i} AS w, term, key FROM (SELECT DISTINCT t.term, t.key "
            "FROM customers_searchtermvariant v JOIN customers_searchterm t "
            "ON t.organization_id = v.organization_id AND t.term = v.term "
            f"WHERE v.organization_id = %s AND v.variant IN ({marks}) LIMIT 60) AS v{i}"
        )
        params += [org_id, *variants]
    out: list[set[tuple[str, str]]] = [set() for _w in words_]
    if not parts:
        return out
    sql = " UNION ALL ".join(parts)
    if connection.vendor == "postgresql":
        sql = sql.replace("term % %s", "term %% %s")
    with connection.cursor() as cur:
        cur.execute(sql, params)
        for i, term, key in cur.fetchall():
            out[i].add((term, key))
    return out


def _combinations(per_word: list[list[tuple[str, float]]]) -> list[str]:
    """Whole-name keys from one key per word, likeliest first (sum of the word scores)."""
    scored: dict[str, float] = {}
    for combo in itertools.islice(itertools.product(*per_word), 512):
        key = " ".join(sorted(k for k, _s in combo))
        score = sum(s for _k, s in combo)
        if score > scored.get(key, -1):
            scored[key] = score
    return sorted(scored, key=lambda k: -scored[k])[:MAX_COMBINATIONS]


def _by_whole_key(
    org: Organization, table: str, column: str, id_column: str, combos: list[str]
) -> list[int]:
    """Ids whose whole-name (or street) key is one of ``combos``: one statement, one index
    lookup per combination, each with its own LIMIT so that a look-alike shared by
    thousands (a common name) cannot crowd out the likelier combinations."""
    parts: list[str] = []
    params: list[int | str] = []
    for i, combo in enumerate(combos):
        limit = CANDIDATES // 2 if i == 0 else PER_COMBINATION
        parts.append(
            f"SELECT {id_column} FROM (SELECT {id_column} FROM {table} "
            f"WHERE organization_id = %s AND {column} = %s LIMIT {limit}) AS c{i}"
        )
        params += [org.pk, combo]
    with connection.cursor() as cur:
        cur.execute(" UNION ALL ".join(parts), params)
        return [row[0] for row in cur.fetchall()]


def fuzzy_customers(*, org: Organization, text: str, limit: int = 20) -> list[Hit]:
    """Customers whose name or street sounds or looks like ``text``, ranked."""
    lang = language_of(org)
    query_words = [w for w in significant_words(text) if not w.isdigit()][:6]
    if not query_words:
        return []
    found = _neighbours(org.pk, query_words)
    per_word = [lookalike_keys(org, w, lang, found[i]) for i, w in enumerate(query_words)]
    per_word = [keys for keys in per_word if keys]
    if not per_word:
        return []
    combos = _combinations(per_word)
    by_name = _by_whole_key(org, Customer._meta.db_table, "name_key", "id", combos)
    by_street = _by_whole_key(org, Address._meta.db_table, "street_key", "customer_id", combos)
    ids = set(by_name) | set(by_street)
    key_lists = [[k for k, _s in keys] for keys in per_word]
    # The whole-key lookups found nothing: a partial name ("Dvorak", two words of three)
    # or a word beyond repair. Fall back to the customers having every word.
    if not ids:
        ids |= _posting_candidates(org, key_lists)
    if not ids and len(key_lists) >= 3:
        # One word may be beyond repair (two typos): the others still pin the customer down.
        for skip in range(len(key_lists)):
            ids |= _posting_candidates(org, key_lists[:skip] + key_lists[skip + 1 :])
            if len(ids) >= limit:
                break
    if not ids:
        return []
    # Rank plain rows; build model instances for the few shown only.
    names = list(
        Customer.objects.filter(organization=org, erased_at__isnull=True, pk__in=ids)
        .order_by()
        .values_list("pk", "name")
    )
    streets: dict[int, list[str]] = {}
    rows = (
        Address.objects.filter(organization=org, customer_id__in=set(by_street))
        .order_by()
        .values_list("customer_id", "street", "house_number", "postcode", "municipality")
    )
    for customer_id, street, house, postcode, municipality in rows if by_street else ():
        text_ = ", ".join(p for p in (f"{street} {house}".strip(), postcode, municipality) if p)
        streets.setdefault(customer_id, []).append(text_)
    top = _rank(names, streets, text, per_word, lang)[:limit]
    customers = Customer.objects.in_bulk([pk for pk, *_rest in top])
    keys = {k for ks in key_lists for k in ks}
    return [
        Hit(
            customer=customers[pk],
            score=score,
            reason=reason,
            highlighted=highlight(customers[pk].name, keys, lang),
            street=street,
            street_highlighted=highlight(street, keys, lang) if street else _plain(""),
        )
        for pk, score, reason, street in top
        if pk in customers
    ]


def _posting_candidates(org: Organization, per_word: list[list[str]]) -> set[int]:
    """Customers with a posting for every query word (any of its keys), at most
    ``CANDIDATES``: the postings of the word with the longest key (likely the rarest) via
    the ``(organization, key, customer)`` index, each probed for the other words through
    the ``(customer)`` index, so the LIMIT stops the walk early."""
    if not per_word:
        return set()
    ordered = sorted(per_word, key=lambda keys: -max(len(k) for k in keys))
    params: list[int | str] = []
    joins = []
    for i, keys in enumerate(ordered[1:], start=1):
        marks = ", ".join(["%s"] * len(keys))
        joins.append(
            f"JOIN customers_searchposting p{i} ON p{i}.customer_id = p0.customer_id "
            f"AND p{i}.key IN ({marks})"
        )
        params += keys
    marks = ", ".join(["%s"] * len(ordered[0]))
    sql = (
        "SELECT DISTINCT p0.customer_id FROM customers_searchposting p0 "
        + " ".join(joins)
        + f" WHERE p0.organization_id = %s AND p0.key IN ({marks}) LIMIT {CANDIDATES}"
    )
    # Bound the walk: when few customers have every word, read at most POSTINGS_WALKED
    # postings of the driving word instead of all of them (a common surname has 100,000).
    sql = sql.replace(
        "FROM customers_searchposting p0 ",
        "FROM (SELECT customer_id, organization_id, key FROM customers_searchposting "
        f"WHERE organization_id = %s AND key IN ({marks}) LIMIT {POSTINGS_WALKED}) p0 ",
        1,
    )
    with connection.cursor() as cur:
        cur.execute(sql, [org.pk, *ordered[0], *params, org.pk, *ordered[0]])
        return {row[0] for row in cur.fetchall()}


def _rank(
    names: list[tuple[int, str]],
    streets: dict[int, list[str]],
    text: str,
    per_word: list[list[tuple[str, float]]],
    lang: str,
) -> list[tuple[int, float, str, str]]:
    """``(customer id, score shown, reason, street)``, best first."""
    query = " ".join(significant_words(text))
    ranked: list[tuple[float, float, str, int, float, str, str]] = []
    for pk, name in names:
        name_words = significant_words(name)
        folded_name = " ".join(name_words)
        # token_set forgives missing words, token_sort extra ones; plain ratio (word order)
        # breaks the ties between namesakes with the same words in another order.
        name_score = (
            fuzz.token_set_ratio(query, folded_name) + fuzz.token_sort_ratio(query, folded_name)
        ) / 2
        best_street, street_score = "", 0.0
        for street in streets.get(pk, ()):
            score = fuzz.token_set_ratio(query, " ".join(significant_words(street)))
            if score > street_score:
                best_street, street_score = street, score
        # A customer whose whole name matches outranks one matching only by street; the
        # phonetic agreement of every word breaks ties between equal edit distances.
        name_keys = {phonetic_key(w, lang) for w in name_words}
        # Weighted by how sure each word's key is: its own key counts fully, a look-alike's
        # by its similarity ("Danna" is Dana before it is Anna).
        phonetic_bonus = (
            5.0
            * sum(max((sc for k, sc in ks if k in name_keys), default=0) / 100 for ks in per_word)
            / len(per_word)
        )
        if street_score > name_score:
            score, reason = street_score, "street"
        else:
            score, reason = name_score + phonetic_bonus, "name"
        # Sorted on the uncapped score: an exact name with its phonetic bonus stays ahead.
        order = -fuzz.ratio(query, folded_name)
        ranked.append((-score, order, name, pk, round(min(score, 100.0), 1), reason, best_street))
    ranked.sort(key=lambda r: r[:4])
    return [(pk, shown, reason, street) for _s, _o, _n, pk, shown, reason, street in ranked]


def highlight(text: str, keys: set[str], lang: str) -> SafeString:
    """``text`` escaped, with the words whose phonetic key is among ``keys`` in ``<mark>``."""
    out = []
    for token in text.split(" "):
        folded = [w for w in words(token)]
        hit = any(phonetic_key(w, lang) in keys for w in folded if w)
        out.append(f"<mark>{escape(token)}</mark>" if hit else str(escape(token)))
    return mark_safe(" ".join(out))


__all__ = ["Hit", "SearchResult", "fold", "highlight", "search"]
