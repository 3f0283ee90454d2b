"""The demo tenants' SLA contracts: calendars, policies with the clauses of the seeds
(phone requests the same day, written requests in 5 working days, complaints in 30-60 days,
emergencies on site in 2 hours, technical visits in 48 business hours) and penalty rules.

Written through ``sla.configuration`` (audited as the system actor ``demo``) before the
case history is replayed, so every demo case carries its clocks and badges.
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Any

from helpline.audit import services as audit
from helpline.lib.actors import Actor
from helpline.sla import configuration as conf
from helpline.sla.models import PenaltyKind, PenaltyRule, TargetKind
from helpline.tenancy.models import Membership, Organization, Role

SYSTEM = Actor.system("demo")


def _week(days: range, *pairs: tuple[time, time]) -> list[conf.SlotData]:
    return [conf.SlotData(d, a, b) for d in days for a, b in pairs]


def _t(
    kind: str, amount: int, unit: str, *, business: bool = True, warn: int = 80
) -> conf.TargetData:
    return conf.TargetData(kind, amount, unit, business, warn)


def _on_call(org: Organization) -> int | None:
    m = Membership.objects.filter(organization=org, role=Role.SUPERVISOR, is_active=True).first()
    return m.user_id if m else None


def _penalties(rules: list[PenaltyRule]) -> None:
    """Penalty rules have no service (the admin edits them, audited): created and audited."""
    for rule in rules:
        rule.save()
        audit.record_create(
            org_id=rule.organization_id,
            actor=SYSTEM,
            instance=rule,
            fields=[
                "name",
                "kind",
                "target_kind",
                "case_type",
                "amount",
                "currency",
                "monthly_cap",
            ],
        )


def configure_demo_sla(org: Organization, *, queues: dict[str, Any]) -> None:
    if org.country == "IT":
        _valdoria(org, queues)
    elif org.country == "BR":
        _aguas(org, queues)


def _valdoria(org: Organization, queues: dict[str, Any]) -> None:
    conf.create_calendar(
        org=org,
        actor=SYSTEM,
        data=conf.CalendarData(
            name="Uffici comunali",
            time_zone=org.time_zone,
            holiday_country="IT",
            holiday_subdivision="TO",
            is_default=True,
            slots=_week(range(5), (time(8, 30), time(12, 30)), (time(14), time(17))),
        ),
    )
    always = conf.create_calendar(
        org=org,
        actor=SYSTEM,
        data=conf.CalendarData(
            name="Reperibilità 24/7",
            time_zone=org.time_zone,
            slots=_week(range(7), (time(0), time(0))),
        ),
    )
    on_call = _on_call(org)
    policies = [
        conf.PolicyData(
            name="Emergenze (pronto intervento)",
            position=10,
            calendar_id=always.pk,
            urgency="emergency",
            targets=[
                _t(TargetKind.FIRST_RESPONSE, 15, "minutes", business=False),
                _t(TargetKind.ON_SITE, 2, "hours", business=False, warn=50),
                _t(TargetKind.RESOLUTION, 24, "hours", business=False),
            ],
            escalations=[
                conf.EscalationData("warning", "notify_supervisor"),
                conf.EscalationData("breach", "page_on_call", on_call_id=on_call),
            ],
        ),
        conf.PolicyData(
            name="Reclami complessi",
            position=20,
            case_type="complaint",
            severity="major",
            targets=[_t(TargetKind.RESOLUTION, 60, "calendar_days")],
        ),
        conf.PolicyData(
            name="Reclami",
            position=30,
            case_type="complaint",
            targets=[
                _t(TargetKind.FIRST_RESPONSE, 2, "working_days"),
                _t(TargetKind.RESOLUTION, 30, "calendar_days"),
            ],
            escalations=[conf.EscalationData("warning", "notify_supervisor")],
        ),
        conf.PolicyData(
            name="Richieste telefoniche (in giornata)",
            position=40,
            channel="phone",
            targets=[_t(TargetKind.RESOLUTION, 0, "working_days")],
            escalations=[conf.EscalationData("breach", "raise_urgency")],
        ),
        conf.PolicyData(
            name="Richieste scritte (5 giorni lavorativi)",
            position=50,
            targets=[
                _t(TargetKind.FIRST_RESPONSE, 8, "hours"),
                _t(TargetKind.NEXT_RESPONSE, 8, "hours"),
                _t(TargetKind.RESOLUTION, 5, "working_days"),
            ],
            escalations=[conf.EscalationData("breach", "move_to_level", level="l2")],
        ),
    ]
    for p in policies:
        conf.create_policy(org=org, actor=SYSTEM, data=p)
    _penalties(
        [
            PenaltyRule(
                organization=org,
                name="Ritardo nella risoluzione",
                currency="EUR",
                kind=PenaltyKind.PER_WORKING_DAY,
                target_kind=TargetKind.RESOLUTION,
                amount=Decimal("25.00"),
                monthly_cap=Decimal("1500.00"),
            ),
            PenaltyRule(
                organization=org,
                name="Pronto intervento in ritardo",
                currency="EUR",
                kind=PenaltyKind.PER_HOUR,
                target_kind=TargetKind.ON_SITE,
                amount=Decimal("100.00"),
                monthly_cap=Decimal("2000.00"),
            ),
            PenaltyRule(
                organization=org,
                name="Prima risposta oltre i termini",
                currency="EUR",
                kind=PenaltyKind.PER_BREACH,
                target_kind=TargetKind.FIRST_RESPONSE,
                amount=Decimal("5.00"),
                monthly_cap=Decimal("500.00"),
            ),
        ]
    )


def _aguas(org: Organization, queues: dict[str, Any]) -> None:
    business = conf.create_calendar(
        org=org,
        actor=SYSTEM,
        data=conf.CalendarData(
            name="Horário comercial",
            time_zone=org.time_zone,
            holiday_country="BR",
            holiday_subdivision="SP",
            is_default=True,
            slots=_week(range(5), (time(8), time(18))) + _week(range(5, 6), (time(8), time(12))),
        ),
    )
    plantao = conf.create_calendar(
        org=org,
        actor=SYSTEM,
        data=conf.CalendarData(
            name="Plantão 24h",
            time_zone=org.time_zone,
            slots=_week(range(7), (time(0), time(0))),
        ),
    )
    on_call = _on_call(org)
    field_queue = next((q.pk for code, q in queues.items() if "campo" in code), None)
    emergency_escalations = [
        conf.EscalationData("warning", "notify_supervisor"),
        conf.EscalationData("breach", "page_on_call", on_call_id=on_call),
    ]
    if field_queue is not None:
        emergency_escalations.append(
            conf.EscalationData(
                "breach", "move_to_queue", target_kind=TargetKind.ON_SITE, queue_id=field_queue
            )
        )
    policies = [
        conf.PolicyData(
            name="Emergência (vazamento, falta d'água)",
            position=10,
            calendar_id=plantao.pk,
            urgency="emergency",
            targets=[
                _t(TargetKind.FIRST_RESPONSE, 15, "minutes", business=False),
                _t(TargetKind.ON_SITE, 2, "hours", business=False, warn=50),
                _t(TargetKind.RESOLUTION, 24, "hours", business=False),
            ],
            escalations=emergency_escalations,
        ),
        conf.PolicyData(
            name="Visita técnica (48 horas úteis)",
            position=20,
            case_type="fault_report",
            calendar_id=business.pk,
            targets=[
                _t(TargetKind.FIRST_RESPONSE, 4, "hours"),
                _t(TargetKind.ON_SITE, 48, "hours"),
                _t(TargetKind.RESOLUTION, 10, "working_days"),
            ],
            escalations=[
                conf.EscalationData("breach", "raise_urgency", target_kind=TargetKind.ON_SITE)
            ],
        ),
        conf.PolicyData(
            name="Ativação de serviço",
            position=30,
            case_type="service_activation",
            targets=[_t(TargetKind.RESOLUTION, 5, "working_days")],
        ),
        conf.PolicyData(
            name="Reclamação complexa",
            position=40,
            case_type="complaint",
            severity="major",
            targets=[_t(TargetKind.RESOLUTION, 60, "calendar_days")],
        ),
        conf.PolicyData(
            name="Reclamação",
            position=50,
            case_type="complaint",
            targets=[_t(TargetKind.RESOLUTION, 30, "calendar_days")],
        ),
        conf.PolicyData(
            name="Atendimento telefônico (no dia, máx. 24h)",
            position=60,
            channel="phone",
            targets=[_t(TargetKind.RESOLUTION, 24, "hours", business=False)],
        ),
        conf.PolicyData(
            name="Solicitações escritas (5 dias úteis)",
            position=70,
            targets=[
                _t(TargetKind.FIRST_RESPONSE, 4, "hours"),
                _t(TargetKind.RESOLUTION, 5, "working_days"),
            ],
            escalations=[conf.EscalationData("breach", "move_to_level", level="l2")],
        ),
    ]
    for p in policies:
        conf.create_policy(org=org, actor=SYSTEM, data=p)
    _penalties(
        [
            PenaltyRule(
                organization=org,
                name="Atraso na ativação de serviço",
                currency="BRL",
                kind=PenaltyKind.FIXED,
                case_type="service_activation",
                amount=Decimal("800.00"),
            ),
            PenaltyRule(
                organization=org,
                name="Atendimento de emergência em atraso",
                currency="BRL",
                kind=PenaltyKind.PER_HOUR,
                target_kind=TargetKind.ON_SITE,
                amount=Decimal("150.00"),
                monthly_cap=Decimal("6000.00"),
            ),
            PenaltyRule(
                organization=org,
                name="Chamado fora do prazo",
                currency="BRL",
                kind=PenaltyKind.PER_BREACH,
                target_kind=TargetKind.RESOLUTION,
                amount=Decimal("20.00"),
                monthly_cap=Decimal("3000.00"),
            ),
        ]
    )
