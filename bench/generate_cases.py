"""Generate N cases (default 1,000,000) for one tenant, fast, straight into the tables.

A benchmark data generator: it bypasses the services (no audit entries; one ``case_opened``
contact event per case unless ``--no-events``) but every row is one the app could have
written: protocol numbers gap-free per tenant and year (the year in the tenant's time
zone, like ``cases.protocol``) with the counters set to match; references within the
tenant; reminders pointing at an earlier case of the same customer; timestamps consistent
with the status (first response, resolution and closing after creation, none in the future).

Distribution over ``--years`` (default 3) up to now, volume growing over time, weekdays and
office hours busier; statuses by age (recent cases open, old ones closed); channels,
urgencies, case types, topics/subjects, assignees and customers skewed the way a utility's
contact center is (a few topics, agents and repeat callers take most of the volume).

PostgreSQL: ``COPY`` through psycopg. SQLite: ``executemany`` in large transactions.
Run on an idle database (ids are assigned here and the id sequence advanced afterwards).

    .venv/bin/python -m bench.generate_cases --db postgresql --n 1000000
    .venv/bin/python -m bench.generate_cases --database-url sqlite:////tmp/x.sqlite3 --n 10000
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import math
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bench._common import Target, create_database, database_exists, setup_django, target_for


def _words(text: str, sep: str | None = None) -> list[str]:
    return text.split(sep)


FIRST_NAMES = _words(
    "Maria Ana Francisca Antônia Adriana Juliana Márcia Fernanda Patrícia Aline José "
    "João Antônio Francisco Carlos Paulo Pedro Lucas Luiz Marcos Luís Gabriel Rafael "
    "Daniel Marcelo Bruno Eduardo Felipe Raimundo Rodrigo Camila Amanda Bruna "
    "Jéssica Letícia"
)
SURNAMES = _words(
    "Silva Santos Oliveira Souza Rodrigues Ferreira Alves Pereira Lima Gomes Costa "
    "Ribeiro Martins Carvalho Almeida Lopes Soares Fernandes Vieira Barbosa Rocha "
    "Dias Nascimento Andrade Moreira Nunes Marques Machado Mendes Freitas Cardoso "
    "Ramos Gonçalves Santana"
)
STREETS = _words(
    "Rua das Flores|Av. Brasil|Rua São João|Rua 7 de Setembro|Av. Getúlio Vargas|"
    "Rua Tiradentes|Rua da Paz|Av. Independência|Rua XV de Novembro|Rua Santa Luzia",
    "|",
)

#: Topic code, name, weight, [(subject code, name, default case type, weight, title)].
CATALOGUE: list[tuple[str, str, float, list[tuple[str, str, str, float, str]]]] = [
    (
        "water",
        "Abastecimento de água",
        30,
        [
            ("no-water", "Falta de água", "fault_report", 50, "Falta de água"),
            ("low-pressure", "Pressão baixa", "fault_report", 25, "Pressão baixa na rede"),
            ("dirty-water", "Água turva", "complaint", 10, "Água com cor ou cheiro"),
            ("schedule", "Rodízio e manobras", "information", 15, "Horário do rodízio"),
        ],
    ),
    (
        "leaks",
        "Vazamentos",
        22,
        [
            ("street-leak", "Vazamento na rua", "intervention_request", 60, "Vazamento na via"),
            (
                "meter-leak",
                "Vazamento no hidrômetro",
                "intervention_request",
                30,
                "Vazamento no cavalete",
            ),
            ("sidewalk", "Reparo de calçada", "intervention_request", 10, "Reparo de calçada"),
        ],
    ),
    (
        "billing",
        "Conta e pagamentos",
        20,
        [
            ("high-bill", "Conta alta", "complaint", 40, "Contestação de consumo"),
            ("duplicate", "Segunda via", "information", 35, "Segunda via da conta"),
            (
                "payment",
                "Pagamento não identificado",
                "status_enquiry",
                15,
                "Pagamento não baixado",
            ),
            ("installments", "Parcelamento", "service_change", 10, "Parcelamento de débito"),
        ],
    ),
    (
        "sewage",
        "Esgoto",
        12,
        [
            ("blocked", "Entupimento", "intervention_request", 55, "Esgoto entupido"),
            ("overflow", "Extravasamento", "fault_report", 30, "Esgoto extravasando"),
            ("smell", "Mau cheiro", "complaint", 15, "Mau cheiro de esgoto"),
        ],
    ),
    (
        "connections",
        "Ligações",
        8,
        [
            ("new", "Nova ligação", "service_activation", 50, "Pedido de nova ligação"),
            ("transfer", "Troca de titularidade", "service_change", 30, "Troca de titularidade"),
            ("cut", "Desligamento", "service_cancellation", 20, "Pedido de desligamento"),
        ],
    ),
    (
        "meter",
        "Hidrômetro",
        5,
        [
            ("reading", "Leitura", "status_enquiry", 50, "Leitura do hidrômetro"),
            ("replace", "Troca de hidrômetro", "intervention_request", 50, "Troca de hidrômetro"),
        ],
    ),
    (
        "other",
        "Outros assuntos",
        3,
        [
            ("info", "Informações gerais", "information", 70, "Pedido de informação"),
            ("praise", "Elogio", "information", 30, "Elogio ao atendimento"),
        ],
    ),
]

CHANNELS = {
    "phone": 38,
    "email": 16,
    "web": 14,
    "chat": 10,
    "counter": 7,
    "api": 5,
    "callback": 4,
    "voicemail": 3,
    "pec": 2,
    "fax": 1,
}
CASE_TYPES = {
    "information": 22,
    "status_enquiry": 16,
    "intervention_request": 20,
    "fault_report": 14,
    "complaint": 12,
    "service_change": 6,
    "service_activation": 4,
    "service_cancellation": 2,
}
URGENCIES = {"low": 18, "normal": 62, "high": 16, "emergency": 4}
SEVERITIES = {"minor": 55, "moderate": 30, "major": 12, "critical": 3}
LEVELS = {"l1": 78, "l2": 14, "bo": 8}
#: Status mix by age of the case (upper bound in days).
STATUS_BY_AGE: list[tuple[float, dict[str, float]]] = [
    (
        2,
        {
            "new": 35,
            "open": 33,
            "waiting_customer": 10,
            "waiting_third_party": 8,
            "resolved": 8,
            "closed": 6,
        },
    ),
    (
        14,
        {
            "new": 5,
            "open": 28,
            "waiting_customer": 12,
            "waiting_third_party": 10,
            "resolved": 18,
            "closed": 24,
            "reopened": 3,
        },
    ),
    (
        60,
        {
            "new": 1,
            "open": 8,
            "waiting_customer": 4,
            "waiting_third_party": 5,
            "resolved": 12,
            "closed": 68,
            "reopened": 2,
        },
    ),
    (
        math.inf,
        {
            "open": 0.5,
            "waiting_customer": 0.3,
            "waiting_third_party": 0.4,
            "resolved": 1.5,
            "closed": 97,
            "reopened": 0.3,
        },
    ),
]
#: Share of cases per hour of the day (local time) and per weekday (Monday first).
HOURS = [0.3, 0.2, 0.1, 0.1, 0.1, 0.3, 1, 3, 7, 10, 10, 9, 6, 7, 9, 9, 8, 6, 4, 3, 2, 1.5, 1, 0.5]
WEEKDAYS = [1.25, 1.1, 1.05, 1.0, 0.95, 0.45, 0.3]
REMINDER_SHARE = 0.04


class Picker:
    """Weighted random choice with precomputed cumulative weights (fast for 1M draws)."""

    def __init__(self, rnd: random.Random, weights: dict[Any, float]) -> None:
        self.rnd = rnd
        self.values = list(weights)
        self.cum = list(itertools.accumulate(weights.values()))

    def __call__(self) -> Any:
        return self.values[bisect.bisect(self.cum, self.rnd.random() * self.cum[-1])]


def zipf_weights(n: int, s: float) -> list[float]:
    return [1 / (rank**s) for rank in range(1, n + 1)]


def _cpf(base: int) -> str:
    d = [int(c) for c in f"{base:09d}"]
    d1 = sum(v * (10 - i) for i, v in enumerate(d)) * 10 % 11 % 10
    d2 = sum(v * (11 - i) for i, v in enumerate([*d, d1])) * 10 % 11 % 10
    return f"{base:09d}{d1}{d2}"


# --------------------------------------------------------------------------- tenant


def ensure_tenant(args: argparse.Namespace, rnd: random.Random) -> dict[str, Any]:
    """The tenant with its catalogue, operators and customers (created if missing)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from bench._fixtures import PASSWORD
    from helpline.cases.models import Subject, Topic
    from helpline.customers.models import Customer
    from helpline.lib.actors import Actor
    from helpline.tenancy.models import Membership, Organization, Role, UserProfile
    from helpline.tenancy.services import add_member, create_api_token, create_organization

    user_model = get_user_model()
    org = Organization.objects.filter(slug=args.org_slug).first()
    if org is None:
        system = Actor.system("bench")
        org = create_organization(
            actor=system,
            name=f"Águas do Benchmark ({args.org_slug})",
            slug=args.org_slug,
            country="BR",
            language="pt-br",
            time_zone="America/Sao_Paulo",
            protocol_prefix=args.prefix,
        )
        with transaction.atomic():
            for code, name, _w, subjects in CATALOGUE:
                topic = Topic.objects.create(organization=org, code=code, name=name)
                for scode, sname, ctype, _sw, _title in subjects:
                    Subject.objects.create(
                        organization=org,
                        topic=topic,
                        code=scode,
                        name=sname,
                        default_case_type=ctype,
                    )
            hashed = make_password(PASSWORD)
            roles = [Role.OPERATOR] * int(args.operators * 0.7)
            roles += [Role.BACK_OFFICE] * int(args.operators * 0.2)
            roles += [Role.SUPERVISOR] * (args.operators - len(roles))
            users = user_model.objects.bulk_create(
                [
                    user_model(
                        username=f"{args.org_slug}-{role}-{i:03d}",
                        password=hashed,
                        first_name=rnd.choice(FIRST_NAMES),
                        last_name=rnd.choice(SURNAMES),
                    )
                    for i, role in enumerate(roles)
                ]
            )
            UserProfile.objects.bulk_create([UserProfile(user=u, language="") for u in users])
            Membership.objects.bulk_create(
                [
                    Membership(organization=org, user=u, role=r)
                    for u, r in zip(users, roles, strict=True)
                ]
            )
            # The login used by the benchmarks, through the services like a real operator.
            login = user_model.objects.create(username=f"{args.org_slug}-operator", password=hashed)
            UserProfile.objects.create(user=login, language="en")
            membership = add_member(actor=system, org=org, user=login, role=Role.OPERATOR)
            create_api_token(actor=system, membership=membership, name="bench")
            customers = []
            for i in range(args.customers):
                first, last = rnd.choice(FIRST_NAMES), rnd.choice(SURNAMES)
                phone = f"+55{rnd.choice(['11', '21', '31', '41', '51', '61', '71', '81'])}9"
                phone += str(rnd.randint(60000000, 99999999))
                customers.append(
                    Customer(
                        organization=org,
                        name=f"{first} {last} {rnd.choice(SURNAMES)}",
                        email=f"{first.lower()}.{last.lower()}{i}@example.com",
                        phone=phone if rnd.random() < 0.9 else "",
                        tax_id=_cpf(100_000_000 + org.pk * 10_000_000 + i)
                        if rnd.random() < 0.7
                        else "",
                        language="pt-br",
                    )
                )
                if customers[-1].tax_id:
                    customers[-1].tax_id_kind = "br.cpf"
            Customer.objects.bulk_create(customers, batch_size=5000)
    topics = {t.code: t.pk for t in Topic.objects.filter(organization=org)}
    subjects = {(s.topic_id, s.code): s.pk for s in Subject.objects.filter(organization=org)}
    members = list(
        Membership.objects.filter(organization=org, is_active=True)
        .exclude(role=Role.CLIENT_REFERENT)
        .values_list("user_id", "role")
    )
    return {
        "org": org,
        "topics": topics,
        "subjects": subjects,
        "front": [u for u, r in members if r in (Role.OPERATOR, Role.SUPERVISOR)],
        "back": [u for u, r in members if r == Role.BACK_OFFICE] or [u for u, _r in members],
        "customers": list(
            Customer.objects.filter(organization=org).order_by("pk").values_list("pk", flat=True)
        ),
    }


# --------------------------------------------------------------------------- rows


def timestamps(
    rnd: random.Random, n: int, start: datetime, end: datetime, tz: ZoneInfo
) -> list[datetime]:
    """``n`` sorted creation times, busier over time, on weekdays and in office hours."""
    days = (end - start).days
    local_start = start.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    day_weights = {
        d: (1 + 0.8 * d / days) * WEEKDAYS[(local_start + timedelta(days=d)).weekday()]
        for d in range(days + 1)
    }
    pick_day, pick_hour = Picker(rnd, day_weights), Picker(rnd, dict(enumerate(HOURS)))
    out: list[datetime] = []
    while len(out) < n:
        day = local_start + timedelta(days=pick_day())
        local = datetime(day.year, day.month, day.day, pick_hour(), tzinfo=tz)
        at = local.astimezone(UTC) + timedelta(seconds=rnd.random() * 3600)
        if start <= at < end:
            out.append(at)
    out.sort()
    return out


def case_rows(
    args: argparse.Namespace,
    rnd: random.Random,
    tenant: dict[str, Any],
    first_id: int,
    now: datetime,
) -> Iterator[tuple[dict[str, Any], dict[str, Any] | None]]:
    """Yield (case row, case_opened event row) in creation order."""
    from helpline.cases.protocol import format_protocol

    org = tenant["org"]
    tz = ZoneInfo(org.time_zone)
    start = now - timedelta(days=round(365.25 * args.years))
    created = timestamps(rnd, args.n, start, now, tz)
    # Local new-year boundaries in UTC: the protocol year is the tenant's local year.
    year_starts = {
        y: datetime(y, 1, 1, tzinfo=tz).astimezone(UTC) for y in range(start.year - 1, now.year + 2)
    }
    topic_pick = Picker(rnd, {code: w for code, _n, w, _s in CATALOGUE})
    subject_pick = {code: Picker(rnd, {s: s[3] for s in subs}) for code, _n, _w, subs in CATALOGUE}
    channel, ctype = Picker(rnd, CHANNELS), Picker(rnd, CASE_TYPES)
    urgency, severity, level = Picker(rnd, URGENCIES), Picker(rnd, SEVERITIES), Picker(rnd, LEVELS)
    status_by_age = [(limit, Picker(rnd, mix)) for limit, mix in STATUS_BY_AGE]
    front = Picker(
        rnd, dict(zip(tenant["front"], zipf_weights(len(tenant["front"]), 0.6), strict=True))
    )
    back = Picker(
        rnd, dict(zip(tenant["back"], zipf_weights(len(tenant["back"]), 0.6), strict=True))
    )
    customers = tenant["customers"]
    cust_cum = list(itertools.accumulate(zipf_weights(len(customers), 0.75))) if customers else []
    shuffled = customers[:]
    rnd.shuffle(shuffled)  # repeat callers are not the oldest customers
    last_case_of: dict[int, int] = {}
    seq: dict[int, int] = {}
    year, next_year_start = None, None
    label = "bench"

    for i, at in enumerate(created):
        case_id = first_id + i
        if year is None or at >= next_year_start:  # type: ignore[operator]
            year = max(y for y, s in year_starts.items() if s <= at)
            next_year_start = year_starts[year + 1]
        seq[year] = seq.get(year, 0) + 1
        age_days = (now - at).total_seconds() / 86400
        status = next(p for limit, p in status_by_age if age_days < limit)()
        topic_code = topic_pick()
        scode, _sname, default_type, _sw, title = subject_pick[topic_code]()
        topic_id = tenant["topics"][topic_code]
        subject_id = tenant["subjects"][(topic_id, scode)]
        if rnd.random() < 0.02:
            topic_id = subject_id = None
            title = "Contato sem assunto definido"
        requester = None
        if customers and rnd.random() < 0.88:
            requester = shuffled[bisect.bisect(cust_cum, rnd.random() * cust_cum[-1])]
        related = None
        case_type = default_type if rnd.random() < 0.6 else ctype()
        if rnd.random() < REMINDER_SHARE and requester in last_case_of:
            case_type, related = "reminder", last_case_of[requester]
            title = f"Reiteração: {title.lower()}"
        lvl = level()
        assignee = None
        if status != "new" or rnd.random() < 0.3:
            assignee = back() if lvl != "l1" else front()
        ch = channel()
        created_by = assignee if ch in ("phone", "counter", "callback") else None
        first_response = resolved = closed = None
        if status != "new":
            first_response = at + timedelta(minutes=rnd.expovariate(1 / 240) + 1)
        if status in ("resolved", "closed"):
            resolved = first_response + timedelta(hours=rnd.expovariate(1 / 60))  # type: ignore[operator]
        if status == "closed":
            closed = resolved + timedelta(hours=rnd.expovariate(1 / 48))  # type: ignore[operator]
        stamps = [s for s in (first_response, resolved, closed) if s is not None]
        if any(s > now for s in stamps):  # squeeze into the time since creation
            span = max(stamps) - at
            room = (now - at) * 0.99
            first_response, resolved, closed = (
                None if s is None else at + (s - at) * (room / span)
                for s in (first_response, resolved, closed)
            )
        updated = max([at, *(s for s in (first_response, resolved, closed) if s)])
        street = STREETS[i % len(STREETS)]
        urg = urgency()
        number = format_protocol(org, year, seq[year])
        row = {
            "id": case_id,
            "organization_id": org.pk,
            "protocol_number": number,
            "protocol_year": year,
            "protocol_seq": seq[year],
            "channel": ch,
            "case_type": case_type,
            "topic_id": topic_id,
            "subject_id": subject_id,
            "urgency": urg,
            "severity": severity(),
            "status": status,
            "level": lvl,
            "title": f"{title} - {street}, {rnd.randint(1, 2999)}",
            "description": f"Cliente relata: {title.lower()} ({street}). Protocolo {number}.",
            "requester_id": requester,
            "assignee_id": assignee,
            "queue_id": None,
            "related_case_id": related,
            "created_by_id": created_by,
            "created_at": at,
            "updated_at": updated,
            "first_response_at": first_response,
            "resolved_at": resolved,
            "closed_at": closed,
            "status_link_version": 0,
        }
        if requester is not None:
            last_case_of[requester] = case_id
        event = None
        if args.events:
            event = {
                "organization_id": org.pk,
                "at": at,
                "kind": "case_opened",
                "channel": ch,
                "case_id": case_id,
                "customer_id": requester,
                "actor_kind": "user" if created_by else "system",
                "actor_user_id": created_by,
                "actor_label": f"user {created_by}" if created_by else label,
                "data": json.dumps({"protocol": number, "type": case_type, "urgency": urg}),
            }
        yield row, event
    tenant["seq"] = seq


# --------------------------------------------------------------------------- writing


def _columns(model: Any) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


def write(
    args: argparse.Namespace, target: Target, tenant: dict[str, Any], rnd: random.Random
) -> int:
    from django.db import connection, transaction

    from helpline.cases.models import Case, ProtocolCounter
    from helpline.events.models import ContactEvent

    case_cols = _columns(Case)
    event_cols = [c for c in _columns(ContactEvent) if c != "id"]
    with connection.cursor() as cur:
        cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {Case._meta.db_table}")
        first_id = int(cur.fetchone()[0]) + 1
    now = datetime.now(UTC) - timedelta(minutes=1)
    rows = case_rows(args, rnd, tenant, first_id, now)
    written = 0
    if target.vendor == "postgresql":
        raw = connection.connection if connection.connection else None
        if raw is None:
            connection.ensure_connection()
            raw = connection.connection
        events: list[list[Any]] = []
        with transaction.atomic(), raw.cursor() as cur:
            if args.skip_fk_checks:
                # Rows reference only this tenant's rows by construction, so skip the
                # per-row deferred foreign-key triggers (8 per case) that otherwise take
                # most of the load time. Needs a superuser, like the bench databases' owner.
                cur.execute("SET LOCAL session_replication_role = replica")
            with cur.copy(f"COPY {Case._meta.db_table} ({', '.join(case_cols)}) FROM STDIN") as cp:
                for row, event in rows:
                    cp.write_row([row[c] for c in case_cols])
                    if event is not None:
                        events.append([event[c] for c in event_cols])
                    written += 1
            if events:
                sql = f"COPY {ContactEvent._meta.db_table} ({', '.join(event_cols)}) FROM STDIN"
                with cur.copy(sql) as cp:
                    for values in events:
                        cp.write_row(values)
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{Case._meta.db_table}', 'id'), "
                f"(SELECT MAX(id) FROM {Case._meta.db_table}))"
            )
            _set_counters(ProtocolCounter, tenant)
    else:

        def sqlite_value(v: Any) -> Any:
            return str(v.astimezone(UTC).replace(tzinfo=None)) if isinstance(v, datetime) else v

        case_sql = (
            f"INSERT INTO {Case._meta.db_table} ({', '.join(case_cols)}) "
            f"VALUES ({', '.join('?' * len(case_cols))})"
        )
        event_sql = (
            f"INSERT INTO {ContactEvent._meta.db_table} ({', '.join(event_cols)}) "
            f"VALUES ({', '.join('?' * len(event_cols))})"
        )
        connection.ensure_connection()
        raw = connection.connection
        batch = 50_000
        while True:
            chunk = list(itertools.islice(rows, batch))
            if not chunk:
                break
            with transaction.atomic():
                raw.executemany(
                    case_sql, [[sqlite_value(r[c]) for c in case_cols] for r, _e in chunk]
                )
                raw.executemany(
                    event_sql,
                    [[sqlite_value(e[c]) for c in event_cols] for _r, e in chunk if e is not None],
                )
            written += len(chunk)
        with transaction.atomic():
            _set_counters(ProtocolCounter, tenant)
    return written


def _set_counters(counter_model: Any, tenant: dict[str, Any]) -> None:
    for year, last in tenant["seq"].items():
        counter_model.objects.update_or_create(
            organization=tenant["org"], year=year, defaults={"last_seq": last}
        )


def analyze(target: Target) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        if target.vendor == "postgresql":
            cur.execute("VACUUM (ANALYZE) cases_case")
            cur.execute("VACUUM (ANALYZE) events_contactevent")
            cur.execute("VACUUM (ANALYZE) customers_customer")
        else:
            cur.execute("ANALYZE")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db", choices=["sqlite", "postgresql"], help="the bench 'list' database")
    p.add_argument("--database-url", help="any other database (migrated; must be idle)")
    p.add_argument("--fresh", action="store_true", help="drop and re-create the bench database")
    p.add_argument("--n", type=int, default=1_000_000, help="cases to generate")
    p.add_argument("--org-slug", default="bench")
    p.add_argument("--prefix", default="BEN", help="protocol prefix for a new tenant")
    p.add_argument("--years", type=float, default=3)
    p.add_argument("--customers", type=int, default=100_000)
    p.add_argument("--operators", type=int, default=60)
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--no-events", dest="events", action="store_false")
    p.add_argument(
        "--check-fks",
        dest="skip_fk_checks",
        action="store_false",
        help="PostgreSQL: keep foreign-key triggers on during COPY (slower; no superuser)",
    )
    args = p.parse_args()
    if args.database_url:
        vendor = "sqlite" if args.database_url.startswith("sqlite") else "postgresql"
        target = Target(vendor, args.database_url, args.database_url)
    elif args.db:
        target = target_for(args.db, "list")
        if args.fresh or not database_exists(target):
            create_database(target)
    else:
        raise SystemExit("give --db or --database-url")
    setup_django(target)
    from helpline.cases.models import Case

    rnd = random.Random(args.seed)
    t0 = time.perf_counter()
    tenant = ensure_tenant(args, rnd)
    if Case.objects.filter(organization=tenant["org"]).exists():
        raise SystemExit(f"tenant {args.org_slug!r} already has cases: use --fresh or another slug")
    t1 = time.perf_counter()
    n = write(args, target, tenant, rnd)
    t2 = time.perf_counter()
    analyze(target)
    t3 = time.perf_counter()
    years = ", ".join(f"{y}: {s:,}" for y, s in sorted(tenant["seq"].items()))
    print(
        f"{target.vendor}: {n:,} cases for {args.org_slug!r} in {t2 - t1:.1f} s "
        f"({n / (t2 - t1):,.0f}/s); tenant setup {t1 - t0:.1f} s, analyze {t3 - t2:.1f} s; "
        f"protocols per year: {years}"
    )


if __name__ == "__main__":
    main()
