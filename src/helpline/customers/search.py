"""The desk's one search box: protocol numbers, account/meter numbers, tax ids, phones,
e-mails, asset and street codes, and names, streets or districts with typos, phonetic
variants and split or joined words.

Exact identifiers are answered from their unique or plain indexes. Words go through four
stages:

1. **Query variants**: the words as typed, and with two adjacent words joined (*Gian
   Piero* -> *gianpiero*, *De Souza* -> *desouza*).
2. **Candidate keys per word**: the word's own phonetic key (``lib.phonetic``) plus the keys
   of vocabulary words that look alike: trigram similarity over ``SearchTerm`` (``pg_trgm``
   GIN index on PostgreSQL, the FTS5 trigram table on SQLite, the look-alikes chosen the
   same way for both) and one-edit neighbours, kept when rapidfuzz's ratio agrees. This
   catches typos the phonetic rules cannot (``Dvorka``, ``Gonaclves``).
3. **Candidate customers** from indexes only, the union of: the whole name, street or
   district matching one of the combinations of word keys (``Customer.name_key``,
   ``Address.street_key``/``district_key``, an equality lookup), and the customers whose
   postings hold a key for every word (joined forms of adjacent words are postings too).
   Every LIMIT has an ORDER BY, so both databases take the same rows.
4. **Ranking** of the candidates with rapidfuzz on the folded texts (ties by name, then
   id: the same order on both databases), and highlighting of the words that matched.
"""

from __future__ import annotations

import functools
import itertools
import re
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
from helpline.lib.phonetic import (
    PARTICLES,
    compound_words,
    fold,
    joinable,
    phonetic_key,
    significant_words,
    words,
)
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
#: Combinations looked up per joined variant of the query, and for streets and districts.
ALTERNATIVE_COMBINATIONS = 4
PLACE_COMBINATIONS = 6
#: Postings of each driving key read at most by the every-word lookup (a look-alike key:
#: a quarter), and the driving word's keys walked.
POSTINGS_WALKED = 2000
DRIVING_KEYS = 2
#: The look-alikes by trigram have at least this pg_trgm similarity (lower than pg_trgm's
#: default 0.3: *Genrao*/*Gennaro* is 0.25, *Calroz*/*Carlos* 0.17).
TRIGRAM_SIMILARITY = 0.16
#: Look-alikes by trigram kept per word, and read from the index per word.
TRIGRAM_NEIGHBOURS = 40
TRIGRAM_READ = 200
#: Query variants with two adjacent words joined, at most.
JOINED_ALTERNATIVES = 3
#: Rows read at most by the exact identifier lookups (a street code has many customers).
EXACT_ROWS = 50


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


def _by_id() -> str:
    """``ORDER BY`` the id of the rows an index lookup found. On PostgreSQL ``id + 0``:
    with a plain ``id`` and a LIMIT its planner may walk the primary key and filter every
    row (a rare street: the whole table) instead of sorting the few rows the index finds.
    SQLite keeps equal index entries in id order: ``id`` costs nothing there."""
    return "id + 0" if connection.vendor == "postgresql" else "id"


def _has_digit(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


def _plain(text: str) -> SafeString:
    return mark_safe(escape(text))


def _exact_customers(org: Organization, text: str) -> list[tuple[Customer, str]]:
    """Customers whose account, meter, registration, asset code, street code, tax id, phone
    or e-mail is exactly ``text`` (in any format): every kind that can apply in one
    statement (a UNION ALL of lookups, each on its own index), then the customers in one
    query."""
    token = text.strip()
    # (reason, table, condition, params after the organisation)
    branches: list[tuple[str, str, str, list[str]]] = []
    if "@" in token:
        branches.append(("email", "customers_contactpoint", "value = %s", [token.lower()]))
    else:
        upper = token.upper()
        for reason, column in (
            ("account", "account_number"),
            ("meter", "meter_number"),
            ("registration", "municipal_registration"),
        ):
            branches.append(
                (reason, "customers_serviceaccount", f"{column} IN (%s, %s)", [token, upper])
            )
        branches.append(("asset", "customers_asset", "code = %s", [upper]))
        compact = compact_tax_id(token)
        if len(compact) >= 5 and _has_digit(compact):
            branches.append(("tax_id", "customers_customeridentifier", "value = %s", [compact]))
        digits = sum(ch.isdigit() for ch in token)
        if digits >= 6 and digits * 2 > len(token):
            try:
                phone = normalise_phone(token, org.country)
            except ValueError:
                phone = ""
            if phone:
                branches.append(("phone", "customers_contactpoint", "value = %s", [phone]))
        # Every customer of a street by its code, the first ones by address (an order both
        # databases share).
        branches.append(
            (
                "street_code",
                "customers_address",
                f"street_code IN (%s, %s) ORDER BY {_by_id()} LIMIT {EXACT_ROWS}",
                [token, upper],
            )
        )
    sql = " UNION ALL ".join(
        f"SELECT customer_id, {i} FROM (SELECT customer_id FROM {table} "
        f"WHERE organization_id = %s AND customer_id IS NOT NULL AND {condition}) AS b{i}"
        for i, (_reason, table, condition, _params) in enumerate(branches)
    )
    params: list[int | str] = []
    for _r, _t, _c, branch_params in branches:
        params += [org.pk, *branch_params]
    with connection.cursor() as cur:
        cur.execute(sql + f" LIMIT {EXACT_ROWS}", params)
        rows = cur.fetchall()
    why: dict[int, str] = {}
    for customer_id, branch in sorted(rows, key=lambda row: (row[1], row[0])):
        why.setdefault(customer_id, branches[branch][0])
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
    own key (100), its joined-form spelling with ``n`` for ``m`` before ``p``/``b`` (95:
    *Giampiero* is *Gian Piero* joined), and its look-alikes' (their rapidfuzz ratio).
    ``neighbours``: the vocabulary words found for it already (``_neighbours``), else looked
    up here."""
    own = phonetic_key(word, lang)
    keys: dict[str, float] = {own: 100.0} if own else {}
    if len(word) < 3 or word.isdigit():
        return list(keys.items())
    unassimilated = phonetic_key(_NASAL_BEFORE_LABIAL.sub("n", word), lang)
    if unassimilated:
        keys.setdefault(unassimilated, 95.0)
    if neighbours is None:
        neighbours = _neighbours(org.pk, [word])[0]
    scored: list[tuple[float, str]] = []
    for term, key in neighbours:
        # Spelling close, or sound close (two edits that are one phonetic change and a typo).
        ratio = max(fuzz.ratio(word, term), fuzz.ratio(own, key) - 8 if own else 0)
        if ratio >= LOOKALIKE_RATIO and key not in keys:
            scored.append((ratio, key))
    scored.sort(key=lambda rk: (-rk[0], rk[1]))
    for ratio, key in scored:
        if len(keys) >= KEYS_PER_WORD:
            break
        keys.setdefault(key, ratio)
    return list(keys.items())


_NASAL_BEFORE_LABIAL = re.compile(r"m(?=[pb])")


@functools.lru_cache(maxsize=65536)
def _trigrams(word: str) -> frozenset[str]:
    padded = f"  {word} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


@functools.lru_cache(maxsize=65536)
def _inner_trigrams(word: str) -> frozenset[str]:
    """The trigrams inside ``word`` (no padding): what SQLite's FTS5 trigram index sees."""
    return frozenset(word[i : i + 3] for i in range(len(word) - 2))


def _shares_inner(a: str, b: str) -> bool:
    return bool(_inner_trigrams(a) & _inner_trigrams(b))


def trigram_similarity(a: str, b: str) -> float:
    """pg_trgm's ``similarity`` of two folded words (shared trigrams of the words padded with
    two spaces before and one after, over all their trigrams), computed here so that both
    databases keep the same look-alikes."""
    ta, tb = _trigrams(a), _trigrams(b)
    return len(ta & tb) / len(ta | tb) if ta or tb else 0.0


def _neighbours(org_id: int, words_: list[str]) -> list[set[tuple[str, str]]]:
    """For each word, the vocabulary words that look like it: sharing trigrams (the trigram
    index) or one edit away (sharing a deletion variant). One statement for all the words:
    a round trip costs more than these lookups on a busy machine.

    The trigram indexes differ (pg_trgm on PostgreSQL, FTS5 on SQLite), so each reads more
    than it keeps, and the words kept are chosen here the same way for both: pg_trgm
    similarity at least ``TRIGRAM_SIMILARITY``, the ``TRIGRAM_NEIGHBOURS`` most similar,
    ties by spelling, among the words sharing a trigram inside the word with it (SQLite's
    FTS5 sees no other: pg_trgm also pads the ends, so that *Calroz* and *Carlos* share
    two trigrams there and none here). ``%`` on PostgreSQL reads the words above the
    session's threshold, set to ours on every connection (``apps.CustomersConfig``). The
    test on a generated population checks that both databases give the same results."""
    parts: list[str] = []
    params: list[int | str] = []
    for i, word in enumerate(words_):
        if len(word) < 3 or word.isdigit():
            continue
        if connection.vendor == "postgresql":
            parts.append(
                f"SELECT {i} AS w, 't' AS how, term, key FROM (SELECT term, key "
                "FROM customers_searchterm WHERE organization_id = %s AND term % %s "
                f"ORDER BY similarity(term, %s) DESC, term LIMIT {TRIGRAM_READ}) AS g{i}"
            )
            params += [org_id, word, word]
        else:
            grams = sorted({word[j : j + 3] for j in range(len(word) - 2)})
            parts.append(
                f"SELECT {i} AS w, 't' AS how, term, key FROM (SELECT t.term, t.key "
                "FROM customers_searchterm_fts f JOIN customers_searchterm t ON t.id = f.rowid "
                "WHERE customers_searchterm_fts MATCH %s AND t.organization_id = %s "
                f"ORDER BY f.rank, t.term LIMIT {TRIGRAM_READ}) AS g{i}"
            )
            params += [" OR ".join(f'"{g}"' for g in grams), org_id]
        variants = sorted(deletion_variants(word[:60]))
        marks = ", ".join(["%s"] * len(variants))
        parts.append(
            f"SELECT {i} AS w, 'v' AS how, term, key FROM (SELECT DISTINCT t.term, t.key "
            "FROM customers_searchtermvariant v JOIN customers_searchterm t "
            "ON t.organization_id = v.organization_id AND t.term = v.term "
            f"WHERE v.organization_id = %s AND v.variant IN ({marks}) "
            f"ORDER BY t.term LIMIT 60) AS v{i}"
        )
        params += [org_id, *variants]
    out: list[set[tuple[str, str]]] = [set() for _w in words_]
    if not parts:
        return out
    sql = " UNION ALL ".join(parts)
    if connection.vendor == "postgresql":
        sql = sql.replace("term % %s", "term %% %s")
    by_trigram: list[dict[str, str]] = [{} for _w in words_]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        for i, how, term, key in cur.fetchall():
            if how == "v":
                out[i].add((term, key))
            elif trigram_similarity(words_[i], term) >= TRIGRAM_SIMILARITY and _shares_inner(
                words_[i], term
            ):
                by_trigram[i][term] = key
    for i, found in enumerate(by_trigram):
        word = words_[i]
        best = sorted(found, key=lambda t: (-trigram_similarity(word, t), t))
        out[i] |= {(t, found[t]) for t in best[:TRIGRAM_NEIGHBOURS]}
    return out


def _combinations(per_word: list[list[tuple[str, float]]]) -> list[str]:
    """Whole-name keys from one key per word, likeliest first (sum of the word scores)."""
    scored: dict[str, float] = {}
    for combo in itertools.islice(itertools.product(*per_word), 512):
        key = " ".join(sorted(k for k, _s in combo))
        score = sum(s for _k, s in combo)
        if score > scored.get(key, -1):
            scored[key] = score
    return sorted(scored, key=lambda k: (-scored[k], k))[:MAX_COMBINATIONS]


#: The whole-key lookups: (table, key column, customer column).
_WHOLE_KEYS = {
    "name": ("customers_customer", "name_key", "id"),
    "street": ("customers_address", "street_key", "customer_id"),
    "district": ("customers_address", "district_key", "customer_id"),
}


def _whole_key_branches(
    org: Organization, combos: dict[str, list[str]]
) -> tuple[list[str], list[int | str]]:
    """The whole-key lookups as ``UNION ALL`` branches of ``(source, first, customer id)``:
    customer ids whose whole name, street or district key is one of ``combos[...]``, one
    index lookup per combination, each with its own LIMIT so that a look-alike shared by
    thousands (a common name) cannot crowd out the likelier combinations, and its own
    ORDER BY so that both databases take the same rows. ``first`` is 1 for the first
    (likeliest) combination."""
    parts: list[str] = []
    params: list[int | str] = []
    for source, keys in combos.items():
        table, column, id_column = _WHOLE_KEYS[source]
        for i, combo in enumerate(keys):
            limit = CANDIDATES // 2 if i == 0 else PER_COMBINATION
            parts.append(
                f"SELECT '{source}', {int(i == 0)}, {id_column} "
                f"FROM (SELECT {id_column} FROM {table} WHERE organization_id = %s "
                f"AND {column} = %s ORDER BY {_by_id()} LIMIT {limit}) AS {source}{i}"
            )
            params += [org.pk, combo]
    return parts, params


def _candidates(
    org: Organization,
    combos: dict[str, list[str]],
    plans: list[list[list[str]]],
    limit: int,
) -> set[int]:
    """The candidate customers: the whole-key matches (``_whole_key_branches``) and the
    customers having every word (``_posting_branches``) of each plan, in one statement (a
    round trip costs more than these index lookups on a busy machine). When at least
    ``limit`` customers have exactly the likeliest whole name, the words as typed (the
    first plan) add only customers with more words, ranked after them: their postings are
    left out (the joined forms still count)."""
    parts, params = _whole_key_branches(org, combos)
    posting_parts, posting_params = _posting_branches(org, plans)
    parts += posting_parts
    params += posting_params
    if not parts:
        return set()
    with connection.cursor() as cur:
        cur.execute(" UNION ALL ".join(parts), params)
        rows = cur.fetchall()
    enough = sum(1 for source, first, _pk in rows if source == "name" and first) >= limit
    return {pk for source, tag, pk in rows if not (enough and source == "posting" and tag == 0)}


def _segmentations(text: str) -> list[list[str]]:
    """The query's words as typed, then with two adjacent words joined (*Gian Piero* ->
    *gianpiero*, *De Souza* -> *desouza*), at most ``JOINED_ALTERNATIVES`` of those."""
    raw = [w for w in words(text) if not w.isdigit()]
    out = [[w for w in significant_words(text) if not w.isdigit()][:6]]
    for i in range(len(raw) - 1):
        if len(out) > JOINED_ALTERNATIVES:
            break
        if joinable(raw[i], raw[i + 1]):
            merged = " ".join([*raw[:i], raw[i] + raw[i + 1], *raw[i + 2 :]])
            alternative = [w for w in significant_words(merged) if not w.isdigit()][:6]
            if alternative and alternative not in out:
                out.append(alternative)
    return out


def fuzzy_customers(*, org: Organization, text: str, limit: int = 20) -> list[Hit]:
    """Customers whose name, street or district sounds or looks like ``text``, ranked.

    The candidates are the union of the whole-key matches (name, street, district) and of
    the customers having every word (postings), for the words as typed and for each
    joined alternative: a street named after a surname must not hide the people with that
    surname (*Novák* / *Novákovo náměstí*)."""
    lang = language_of(org)
    plans_words = [ws for ws in _segmentations(text) if ws]
    if not plans_words:
        return []
    distinct = sorted({w for ws in plans_words for w in ws})
    found = dict(zip(distinct, _neighbours(org.pk, distinct), strict=True))
    keys_of = {w: lookalike_keys(org, w, lang, found[w]) for w in distinct}
    plans = [[keys_of[w] for w in ws if keys_of[w]] for ws in plans_words]
    plans = [p for p in plans if p]
    if not plans:
        return []
    # The joined variants' likeliest combinations only; streets and districts are fewer
    # and typed with fewer typos than names: their likeliest combinations only.
    combos = _combinations(plans[0])
    for per_word in plans[1:]:
        combos += [c for c in _combinations(per_word)[:ALTERNATIVE_COMBINATIONS] if c not in combos]
    digits = [w for w in significant_words(text) if w.isdigit()]
    district_combos = [" ".join(sorted([*c.split(" "), *digits])) for c in combos]
    key_lists = [[[k for k, _s in keys] for keys in per_word] for per_word in plans]
    ids = _candidates(
        org,
        {
            "name": combos,
            "street": combos[:PLACE_COMBINATIONS],
            "district": district_combos[:PLACE_COMBINATIONS],
        },
        key_lists,
        limit,
    )
    if not ids:
        # One word may be beyond repair (two typos): the others still pin the customer down.
        ids = _posting_candidates(
            org,
            [
                kl[:skip] + kl[skip + 1 :]
                for kl in key_lists
                if len(kl) >= 3
                for skip in range(len(kl))
            ],
        )
    if not ids:
        return []
    # Rank plain rows; build model instances for the few shown only.
    names, places = _names_and_places(org, ids)
    top = _rank(names, places, text, plans, lang)[:limit]
    customers = Customer.objects.in_bulk([pk for pk, *_rest in top])
    keys = {k for kl in key_lists for ks in kl for k in ks}
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


def _posting_branches(
    org: Organization, plans: list[list[list[str]]]
) -> tuple[list[str], list[int | str]]:
    """The every-word lookups as ``UNION ALL`` branches of ``('posting', plan index,
    customer id)``: the customers with a posting for every word of a plan (any of the
    word's keys), for each plan. Per plan, the postings of the word with the longest key
    (likely the rarest) drive, key by key (its likeliest key gets the larger share), via
    the ``(organization, key, customer)`` index, at most ``POSTINGS_WALKED`` each, in
    customer order (the same rows on both databases); the other words are probed through
    the ``(customer, key)`` index or, their organisation named too, read through the
    ``(organization, key, customer)`` index: for a rare word PostgreSQL then joins its few
    postings (hash or merge) instead of probing each of the driving word's ~2,000 (the
    bench's every-word lookup: 3.2 -> 1.1 ms of execution, the same rows)."""
    parts: list[str] = []
    params: list[int | str] = []
    for p, per_word in enumerate(plans):
        if not per_word:
            continue
        ordered = sorted(per_word, key=lambda keys: -max(len(k) for k in keys))
        probes = []
        probe_params: list[int | str] = []
        for i, keys in enumerate(ordered[1:], start=1):
            marks = ", ".join(["%s"] * len(keys))
            probes.append(
                f"EXISTS (SELECT 1 FROM customers_searchposting p{i} "
                f"WHERE p{i}.organization_id = %s AND p{i}.customer_id = p0.customer_id "
                f"AND p{i}.key IN ({marks}))"
            )
            probe_params += [org.pk, *keys]
        where = " AND ".join(probes) or "1 = 1"
        for d, driving in enumerate(ordered[0][:DRIVING_KEYS]):
            limit = CANDIDATES // 2 if d == 0 else CANDIDATES // 8
            walk = POSTINGS_WALKED if d == 0 else POSTINGS_WALKED // 4
            parts.append(
                f"SELECT 'posting', {p}, customer_id FROM (SELECT DISTINCT p0.customer_id FROM ("
                "SELECT customer_id FROM customers_searchposting "
                "WHERE organization_id = %s AND key = %s "
                f"ORDER BY customer_id LIMIT {walk}) AS p0 WHERE {where} "
                f"ORDER BY p0.customer_id LIMIT {limit}) AS d{p}_{d}"
            )
            params += [org.pk, driving, *probe_params]
    return parts, params


def _posting_candidates(org: Organization, plans: list[list[list[str]]]) -> set[int]:
    """The customers of ``_posting_branches``, in one statement."""
    parts, params = _posting_branches(org, plans)
    if not parts:
        return set()
    with connection.cursor() as cur:
        cur.execute(" UNION ALL ".join(parts), params)
        return {row[2] for row in cur.fetchall()}


def _names_and_places(
    org: Organization, ids: set[int]
) -> tuple[list[tuple[int, str]], dict[int, list[tuple[str, str, str]]]]:
    """The names of the customers ``ids`` not erased, and their addresses in address order
    (street, district, the address shown), in one statement."""
    marks = ", ".join(["%s"] * len(ids))
    sql = (
        "SELECT c.id, c.name, a.id, a.street, a.house_number, a.district, a.postcode, "
        "a.municipality FROM customers_customer c LEFT JOIN customers_address a "
        "ON a.customer_id = c.id AND a.organization_id = %s "
        f"WHERE c.organization_id = %s AND c.erased_at IS NULL AND c.id IN ({marks}) "
        "ORDER BY c.id, a.id"
    )
    names: dict[int, str] = {}
    places: dict[int, list[tuple[str, str, str]]] = {}
    with connection.cursor() as cur:
        cur.execute(sql, [org.pk, org.pk, *sorted(ids)])
        rows = cur.fetchall()
    for pk, name, address, street, house, district, postcode, municipality in rows:
        names[pk] = name
        if address is None:
            continue
        shown = ", ".join(
            p for p in (f"{street} {house}".strip(), district, postcode, municipality) if p
        )
        places.setdefault(pk, []).append((street, district, shown))
    return list(names.items()), places


def _rank(
    names: list[tuple[int, str]],
    places: dict[int, list[tuple[str, str, str]]],
    text: str,
    plans: list[list[list[tuple[str, float]]]],
    lang: str,
) -> list[tuple[int, float, str, str]]:
    """``(customer id, score shown, reason, address shown)``, best first."""
    query = " ".join(significant_words(text))
    joined_query = "".join(w for w in words(text) if not w.isdigit())
    ranked: list[tuple[float, float, str, int, float, str, str]] = []
    for pk, name in names:
        name_words = significant_words(name)
        folded_name = " ".join(name_words)
        # token_set forgives missing words, token_sort extra ones; plain ratio (word order)
        # breaks the ties between namesakes with the same words in another order. Without
        # the spaces, split and joined words meet (Gian Piero / Giampiero, De Souza /
        # Desouza).
        by_words = (
            fuzz.token_set_ratio(query, folded_name) + fuzz.token_sort_ratio(query, folded_name)
        ) / 2
        joined_score = fuzz.ratio(joined_query, "".join(words(name)))
        name_score = max(by_words, joined_score)
        best: dict[str, tuple[float, str]] = {"street": (0.0, ""), "district": (0.0, "")}
        for street, district, shown in places.get(pk, ()):
            for reason, place in (("street", street), ("district", district)):
                if place:
                    # As for names: a word of a longer street is not the whole street.
                    folded = " ".join(significant_words(place))
                    score = (
                        fuzz.token_set_ratio(query, folded) + fuzz.token_sort_ratio(query, folded)
                    ) / 2
                    if score > best[reason][0]:
                        best[reason] = (score, shown)
        # A customer whose whole name matches outranks one matching only by street; the
        # phonetic agreement of every word breaks ties between equal edit distances.
        # Weighted by how sure each word's key is: its own key counts fully, a look-alike's
        # by its similarity ("Danna" is Dana before it is Anna). The joined forms of the
        # name's words count when the name matched better without its spaces.
        name_keys = {phonetic_key(w, lang) for w in name_words}
        phonetic_bonus = _bonus(plans, name_keys)
        if phonetic_bonus < 5.0 and joined_score > by_words:
            name_keys |= {phonetic_key(w, lang) for w in compound_words(name)}
            phonetic_bonus = _bonus(plans, name_keys)
        (street_score, street_shown), (district_score, district_shown) = (
            best["street"],
            best["district"],
        )
        shown = street_shown or district_shown
        if street_score > name_score and street_score >= district_score:
            score, reason = street_score, "street"
        elif district_score > name_score:
            score, reason, shown = district_score, "district", district_shown
        else:
            score, reason = name_score + phonetic_bonus, "name"
        # Sorted on the uncapped score: an exact name with its phonetic bonus stays ahead.
        order = -fuzz.ratio(query, folded_name)
        ranked.append((-score, order, name, pk, round(min(score, 100.0), 1), reason, shown))
    ranked.sort(key=lambda r: r[:4])
    return [(pk, shown, reason, place) for _s, _o, _n, pk, shown, reason, place in ranked]


def _bonus(plans: list[list[list[tuple[str, float]]]], name_keys: set[str]) -> float:
    """Up to 5 points: how surely every query word's key is among the name's keys (the best
    of the plans)."""
    return max(
        5.0
        * sum(max((sc for k, sc in ks if k in name_keys), default=0) / 100 for ks in per_word)
        / len(per_word)
        for per_word in plans
    )


def highlight(text: str, keys: set[str], lang: str) -> SafeString:
    """``text`` escaped, with the words whose phonetic key is among ``keys`` in ``<mark>``
    (two adjacent words also when their joined form's key is: *De Souza* for *Desouza*)."""
    tokens = text.split(" ")
    folded = [words(token) for token in tokens]
    hit = [any(phonetic_key(w, lang) in keys for w in ws if w) for ws in folded]
    for i in range(len(tokens) - 1):
        first, second = "".join(folded[i]), "".join(folded[i + 1])
        # Joined forms start with a particle or a short given name (Gian, Pier, Anna).
        if hit[i] or hit[i + 1] or not second or not (first in PARTICLES or 1 < len(first) <= 5):
            continue
        if phonetic_key(first + second, lang) in keys:
            hit[i] = hit[i + 1] = True
    return mark_safe(
        " ".join(
            f"<mark>{escape(token)}</mark>" if marked else str(escape(token))
            for token, marked in zip(tokens, hit, strict=True)
        )
    )


__all__ = ["Hit", "SearchResult", "fold", "highlight", "search", "trigram_similarity"]
