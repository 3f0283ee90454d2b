"""Customer search at 1,000,000 customers: latency of exact identifiers and of fuzzy and
phonetic names, and recall@10 on generated misspellings, against two baselines measured in
the same run on the same data: a plain LIKE/ILIKE of every word, and a Metaphone key index
(jellyfish; it ships Metaphone, not Double Metaphone).

    .venv/bin/python -m bench.customer_search --db both             # generate once, measure
    .venv/bin/python -m bench.customer_search --db sqlite --fresh   # regenerate first

Three tenants (Brazil, Italy, Czechia) share the customers equally; each customer has a
name, a street address, a phone and an e-mail contact, an identifier and a service account
with a meter number. Data are written with COPY on PostgreSQL and executemany on SQLite,
with the search index (``name_key``/``street_key``, postings, vocabulary) computed by the
same functions the services use. Databases: ``var/bench/customers.sqlite3`` and
``helpline_bench_customers``.

Labelled queries: for sampled customers, the name as a user types it (``bench.customer_names
.misspell``: a phonetic variant, a typo, or both; accents dropped half of the time). A query
is a hit when a customer with exactly the intended name (folded) is among the first ten
results: several customers may share a common name, and any of them is the right answer.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

from bench._common import (
    PY,
    REPO,
    Target,
    create_database,
    database_exists,
    database_version,
    machine,
    percentile,
    save_result,
    setup_django,
    table,
    target_for,
)
from bench.customer_names import NameMaker, misspell

TENANTS = [
    # slug, country, language, phonetic rules, phone prefix (E.164, + local digits)
    ("bench-br", "BR", "pt-br", "pt", "+55119", 60_000_000),
    ("bench-it", "IT", "it", "it", "+39333", 0),
    ("bench-cz", "CZ", "cs", "cs", "+420603", 0),
]
BATCH = 20_000


def _load() -> float:
    return os.getloadavg()[0]


# --------------------------------------------------------------------------- generation


def generate(target: Target, n: int, seed: int) -> list[dict[str, Any]]:
    """Write ``n`` customers; return a sample of them (every 500th) for the queries."""
    import jellyfish
    from django.db import connection, transaction

    from helpline.customers.models import (
        Address,
        ContactPoint,
        Customer,
        CustomerIdentifier,
        SearchPosting,
        ServiceAccount,
    )
    from helpline.customers.search_index import add_terms, posting_pairs
    from helpline.lib.actors import Actor
    from helpline.lib.phonetic import combined_key, significant_words
    from helpline.tenancy.services import create_organization

    rnd = random.Random(seed)
    now = datetime.now(UTC)
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TABLE bench_metaphone (customer_id bigint NOT NULL, "
            "organization_id bigint NOT NULL, key varchar(200) NOT NULL)"
        )
        cur.execute("CREATE INDEX bench_metaphone_key ON bench_metaphone (organization_id, key)")

    def columns(model: Any) -> list[str]:
        return [f.column for f in model._meta.concrete_fields]

    tables = {
        "customer": (Customer._meta.db_table, columns(Customer)),
        "contact": (ContactPoint._meta.db_table, columns(ContactPoint)),
        "identifier": (CustomerIdentifier._meta.db_table, columns(CustomerIdentifier)),
        "address": (Address._meta.db_table, columns(Address)),
        "account": (ServiceAccount._meta.db_table, columns(ServiceAccount)),
        "posting": (
            SearchPosting._meta.db_table,
            [c for c in columns(SearchPosting) if c != "id"],
        ),
        "metaphone": ("bench_metaphone", ["customer_id", "organization_id", "key"]),
    }

    @functools.cache
    def mkey(word: str) -> str:
        return jellyfish.metaphone(word)

    @functools.cache
    def street_index(street: str, lang: str) -> Any:
        return posting_pairs("", [street], [], lang)

    def index_pairs(name: str, street: str, lang: str) -> Any:
        pairs, keys = posting_pairs(name, [], [], lang)
        street_pairs, street_keys = street_index(street, lang)
        return pairs + street_pairs, keys | street_keys

    @functools.cache
    def words_of(text: str) -> tuple[str, ...]:
        return tuple(significant_words(text))

    sample: list[dict[str, Any]] = []
    per_org = n // len(TENANTS)
    cid = contact_id = 0
    system = Actor.system("bench")
    for slug, country, language, lang, phone_prefix, phone_base in TENANTS:
        org = create_organization(
            actor=system,
            name=slug,
            slug=slug,
            country=country,
            language=language,
            time_zone="UTC",
            protocol_prefix=slug[-2:].upper(),
        )
        maker = NameMaker(lang, rnd)
        terms: dict[str, str] = {}
        done = 0
        while done < per_org:
            rows: dict[str, list[list[Any]]] = {k: [] for k in tables}
            for local in range(done, min(per_org, done + BATCH)):
                cid += 1
                name, street = maker.name(), maker.street()
                house = str(rnd.randint(1, 2000))
                phone = phone_prefix + str(phone_base + local).zfill(
                    {"+55119": 8, "+39333": 7, "+420603": 6}[phone_prefix]
                )
                email = f"c{cid}@mail.example"
                tax = f"{cid:011d}"
                name_words = words_of(name)
                values = {
                    "id": cid,
                    "organization_id": org.pk,
                    "kind": "person",
                    "name": name,
                    "name_key": combined_key(name, lang),
                    "email": email,
                    "phone": phone,
                    "tax_id": tax,
                    "tax_id_kind": "bench",
                    "segment_id": None,
                    "language": "",
                    "security_question": "",
                    "security_answer_hash": "",
                    "erased_at": None,
                    "created_at": now,
                    "updated_at": now,
                }
                rows["customer"].append([values[c] for c in tables["customer"][1]])
                for kind, value in (("phone", phone), ("email", email)):
                    contact_id += 1
                    contact = {
                        "id": contact_id,
                        "organization_id": org.pk,
                        "customer_id": cid,
                        "kind": kind,
                        "value": value,
                        "label": "",
                    }
                    rows["contact"].append([contact[c] for c in tables["contact"][1]])
                ident = {
                    "id": cid,
                    "organization_id": org.pk,
                    "customer_id": cid,
                    "kind": "bench",
                    "value": tax,
                }
                rows["identifier"].append([ident[c] for c in tables["identifier"][1]])
                address = {
                    "id": cid,
                    "organization_id": org.pk,
                    "customer_id": cid,
                    "street_code": f"S{abs(hash(street)) % 10_000:04d}",
                    "street": street,
                    "house_number": house,
                    "district": "",
                    "municipality": slug,
                    "postcode": "",
                    "street_key": combined_key(street, lang),
                    "district_key": "",
                }
                rows["address"].append([address[c] for c in tables["address"][1]])
                account = {
                    "id": cid,
                    "organization_id": org.pk,
                    "customer_id": cid,
                    "account_number": f"AC{cid:08d}",
                    "municipal_registration": "",
                    "meter_number": f"MT{cid:08d}",
                    "description": "",
                    "address_id": cid,
                    "status": "active",
                    "created_at": now,
                }
                rows["account"].append([account[c] for c in tables["account"][1]])
                # What the services index (``search_index.posting_pairs``): word keys and
                # the joined forms of adjacent words.
                pairs, keys = index_pairs(name, street, lang)
                for term, k in pairs:
                    terms.setdefault(term, k)
                for k, field in keys:
                    posting = {
                        "organization_id": org.pk,
                        "customer_id": cid,
                        "key": k,
                        "field": field,
                    }
                    rows["posting"].append([posting[c] for c in tables["posting"][1]])
                metaphone_key = " ".join(sorted(mkey(w) for w in name_words))[:200]
                rows["metaphone"].append([cid, org.pk, metaphone_key])
                if cid % 500 == 0:
                    sample.append(
                        {
                            "org": org.pk,
                            "lang": lang,
                            "id": cid,
                            "name": name,
                            "phone": phone,
                            "email": email,
                            "tax": tax,
                            "account": f"AC{cid:08d}",
                            "meter": f"MT{cid:08d}",
                            "country": country,
                        }
                    )
            _write(target, tables, rows)
            done = min(per_org, done + BATCH)
            print(f"  {slug}: {done:,}/{per_org:,}", end="\r", flush=True)
        with transaction.atomic():
            add_terms(org.pk, terms.items())
        print(f"  {slug}: {per_org:,} customers, {len(terms):,} distinct words")
    _finish(target, tables)
    return sample


def _write(target: Target, tables: dict[str, tuple[str, list[str]]], rows: dict[str, Any]) -> None:
    from django.db import connection, transaction

    connection.ensure_connection()
    raw = connection.connection
    with transaction.atomic():
        if target.vendor == "postgresql":
            with raw.cursor() as cur:
                # Rows reference only rows written before them by construction: skip the
                # per-row foreign-key triggers (the bench database's owner is a superuser).
                cur.execute("SET LOCAL session_replication_role = replica")
                for key, (name, cols) in tables.items():
                    with cur.copy(f"COPY {name} ({', '.join(cols)}) FROM STDIN") as cp:
                        for row in rows[key]:
                            cp.write_row(row)
        else:

            def value(v: Any) -> Any:
                return str(v.replace(tzinfo=None)) if isinstance(v, datetime) else v

            for key, (name, cols) in tables.items():
                sql = (
                    f"INSERT INTO {name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
                )
                raw.executemany(sql, [[value(v) for v in row] for row in rows[key]])


def _finish(target: Target, tables: dict[str, tuple[str, list[str]]]) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        if target.vendor == "postgresql":
            for key, (name, _cols) in tables.items():
                if key in ("posting", "metaphone"):
                    continue
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT MAX(id) FROM {name}))"
                )
            cur.execute("SET maintenance_work_mem = '256MB'")
            for name, _cols in tables.values():
                cur.execute(f"VACUUM (ANALYZE) {name}")
            # The vocabulary and its one-edit variants (written by ``add_terms``): without
            # statistics the planner reads every variant of the tenant (autovacuum may be off).
            cur.execute("VACUUM (ANALYZE) customers_searchterm")
            cur.execute("VACUUM (ANALYZE) customers_searchtermvariant")
        else:
            cur.execute("ANALYZE")


# --------------------------------------------------------------------------- measuring


#: CPU milliseconds of the last ``_timed`` call (this process: for SQLite that includes the
#: database engine, which runs in-process; it hardly depends on a busy neighbour).
_LAST_CPU: list[float] = [0.0]


def _timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    c0 = time.process_time()
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    wall = (time.perf_counter() - t0) * 1000
    _LAST_CPU[0] = (time.process_time() - c0) * 1000
    return wall, out


def measure(
    target: Target, sample: list[dict[str, Any]], queries: int, seed: int
) -> dict[str, Any]:
    import jellyfish
    import phonenumbers
    from django.db import connection

    from helpline.customers.search import search
    from helpline.lib.phonetic import fold, significant_words
    from helpline.tenancy.models import Organization

    rnd = random.Random(seed + 1)
    orgs = {o.pk: o for o in Organization.objects.all()}
    like = "ILIKE" if target.vendor == "postgresql" else "LIKE"

    def names_of(ids: list[int]) -> list[str]:
        if not ids:
            return []
        with connection.cursor() as cur:
            marks = ", ".join(["%s"] * len(ids))
            cur.execute(f"SELECT name FROM customers_customer WHERE id IN ({marks})", ids)
            return [r[0] for r in cur.fetchall()]

    def ours(org: Any, q: str) -> list[str]:
        return [h.customer.name for h in search(org=org, text=q, limit=10).customers]

    def like_baseline(org: Any, q: str) -> list[str]:
        words = q.split()
        where = " AND ".join([f"name {like} %s"] * len(words))
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT name FROM customers_customer WHERE organization_id = %s AND {where} "
                "LIMIT 10",
                [org.pk, *[f"%{w}%" for w in words]],
            )
            return [r[0] for r in cur.fetchall()]

    def metaphone_baseline(org: Any, q: str) -> list[str]:
        key = " ".join(sorted(jellyfish.metaphone(w) for w in significant_words(q)))
        with connection.cursor() as cur:
            cur.execute(
                "SELECT customer_id FROM bench_metaphone WHERE organization_id = %s AND key = %s "
                "LIMIT 10",
                [org.pk, key],
            )
            ids = [r[0] for r in cur.fetchall()]
        return names_of(ids)

    methods = {"ours": ours, "like": like_baseline, "metaphone": metaphone_baseline}
    labelled = []
    while len(labelled) < queries:
        s = rnd.choice(sample)
        q, kind = misspell(s["name"], s["lang"], rnd)
        labelled.append({**s, "query": q, "kind": kind})
    for s in labelled[:20]:  # warm caches and connections
        for fn in methods.values():
            fn(orgs[s["org"]], s["query"])
    results: dict[str, Any] = {}
    for mname, fn in methods.items():
        times, cpu, hits, by_kind = [], [], 0, {}
        misses = []
        for s in labelled:
            ms, names = _timed(fn, orgs[s["org"]], s["query"])
            times.append(ms)
            cpu.append(_LAST_CPU[0])
            ok = fold(s["name"]) in {fold(n) for n in names}
            hits += ok
            k = by_kind.setdefault(s["kind"], [0, 0])
            k[0] += ok
            k[1] += 1
            if not ok and len(misses) < 15:
                misses.append((s["name"], s["query"]))
        results[mname] = {
            "p50_ms": percentile(times, 50),
            "p95_ms": percentile(times, 95),
            "cpu_p50_ms": percentile(cpu, 50),
            "cpu_p95_ms": percentile(cpu, 95),
            "recall_at_10": hits / len(labelled),
            "recall_by_kind": {k: v[0] / v[1] for k, v in by_kind.items()},
            "misses": misses,
        }
    exact_times: dict[str, list[float]] = {}
    exact_cpu: dict[str, list[float]] = {}
    exact_hits: dict[str, list[int]] = {}
    for s in rnd.sample(sample, min(300, len(sample))):
        org = orgs[s["org"]]
        national = phonenumbers.format_number(
            phonenumbers.parse(s["phone"]), phonenumbers.PhoneNumberFormat.NATIONAL
        )
        tax = s["tax"]
        for kind, text in (
            ("phone (national format)", national),
            ("e-mail (upper case)", s["email"].upper()),
            ("tax id (punctuated)", f"{tax[:3]}.{tax[3:6]}.{tax[6:9]}-{tax[9:]}"),
            ("account number", s["account"]),
            ("meter number", s["meter"].lower()),
        ):
            ms, result = _timed(search, org=org, text=text, limit=10)
            exact_times.setdefault(kind, []).append(ms)
            exact_cpu.setdefault(kind, []).append(_LAST_CPU[0])
            top = result.customers[0].customer.pk if result.customers else None
            exact_hits.setdefault(kind, []).append(int(top == s["id"]))
    results["exact"] = {
        kind: {
            "p50_ms": percentile(t, 50),
            "p95_ms": percentile(t, 95),
            "cpu_p50_ms": percentile(exact_cpu[kind], 50),
            "cpu_p95_ms": percentile(exact_cpu[kind], 95),
            "found_first": sum(exact_hits[kind]) / len(exact_hits[kind]),
        }
        for kind, t in exact_times.items()
    }
    return results


def run_one(vendor: str, args: argparse.Namespace) -> dict[str, Any]:
    target = target_for(vendor, "customers")
    sample_path = REPO / "var" / "bench" / f"customers-{vendor}-sample.json"
    fresh = args.fresh or not database_exists(target) or not sample_path.exists()
    load_before = _load()
    gen_seconds = None
    if fresh:
        print(f"{target.label}: generating {args.n:,} customers…")
        create_database(target)
        setup_django(target)
        t0 = time.perf_counter()
        sample = generate(target, args.n, args.seed)
        gen_seconds = time.perf_counter() - t0
        sample_path.parent.mkdir(parents=True, exist_ok=True)
        sample_path.write_text(json.dumps(sample))
        print(f"  generated in {gen_seconds:.0f} s")
    else:
        setup_django(target)
        sample = json.loads(sample_path.read_text())
    results = measure(target, sample, args.queries, args.seed)
    from helpline.customers.models import Customer

    return {
        "database": database_version(target),
        "customers": Customer.objects.count(),
        "generation_seconds": gen_seconds,
        "load_before": load_before,
        "load_after": _load(),
        "queries": args.queries,
        "results": results,
    }


def report(vendor: str, data: dict[str, Any]) -> None:
    r = data["results"]
    print(f"\n## {data['database']}: {data['customers']:,} customers, {data['queries']} queries")
    print(f"load average before {data['load_before']:.2f}, after {data['load_after']:.2f}")
    if data["generation_seconds"]:
        print(f"generated in {data['generation_seconds']:.0f} s")
    rows = []
    for name, label in (
        ("ours", "phonetic keys + trigram + rapidfuzz (search())"),
        ("like", "baseline: LIKE/ILIKE every word"),
        ("metaphone", "baseline: Metaphone key (jellyfish)"),
    ):
        m = r[name]
        kinds = ", ".join(f"{k} {v:.2f}" for k, v in sorted(m["recall_by_kind"].items()))
        rows.append(
            [
                label,
                m["p50_ms"],
                m["p95_ms"],
                m["cpu_p50_ms"],
                m["cpu_p95_ms"],
                f"{m['recall_at_10']:.3f}",
                kinds,
            ]
        )
    headers = ["names", "p50 ms", "p95 ms", "CPU p50 ms", "CPU p95 ms", "recall@10", "by kind"]
    print(table(headers, rows))
    print()
    print(
        table(
            [
                "exact identifier (search())",
                "p50 ms",
                "p95 ms",
                "CPU p50 ms",
                "CPU p95 ms",
                "found first",
            ],
            [
                [
                    k,
                    v["p50_ms"],
                    v["p95_ms"],
                    v["cpu_p50_ms"],
                    v["cpu_p95_ms"],
                    f"{v['found_first']:.2f}",
                ]
                for k, v in r["exact"].items()
            ],
        )
    )
    print("\nsome misses of ours:", r["ours"]["misses"][:8])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    p.add_argument("--n", type=int, default=1_000_000, help="customers to generate")
    p.add_argument("--queries", type=int, default=600, help="labelled misspelled queries")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--fresh", action="store_true", help="regenerate the data")
    args = p.parse_args()
    if args.db == "both":
        print(
            f"{machine()}\ncommand: {' '.join([PY, '-m', 'bench.customer_search', *sys.argv[1:]])}"
        )
        for vendor in ("sqlite", "postgresql"):
            argv = [a for a in sys.argv[1:]]
            i = argv.index("--db") if "--db" in argv else -1
            if i >= 0:
                argv[i + 1] = vendor
            else:
                argv += ["--db", vendor]
            subprocess.run([PY, "-m", "bench.customer_search", *argv], check=True, cwd=REPO)
        return
    data = run_one(args.db, args)
    report(args.db, data)
    path = save_result(f"customer_search-{args.db}", data)
    print(f"raw results: {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
