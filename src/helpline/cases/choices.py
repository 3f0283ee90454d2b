"""The vocabulary of cases, shared by every domain (no models here, so no import cycles)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    PEC = "pec", _("Certified e-mail (PEC)")
    FAX = "fax", _("Fax")
    WEB = "web", _("Web form")
    CHAT = "chat", _("Chat")
    COUNTER = "counter", _("Counter")
    CALLBACK = "callback", _("Call-back")
    VOICEMAIL = "voicemail", _("Voicemail")
    API = "api", _("API")


class CaseType(models.TextChoices):
    INTERVENTION_REQUEST = "intervention_request", _("Intervention request")
    STATUS_ENQUIRY = "status_enquiry", _("Status enquiry")
    INFORMATION = "information", _("Information")
    REMINDER = "reminder", _("Reminder")
    COMPLAINT = "complaint", _("Complaint")
    FAULT_REPORT = "fault_report", _("Fault report")
    SERVICE_ACTIVATION = "service_activation", _("Service activation")
    SERVICE_CHANGE = "service_change", _("Service change")
    SERVICE_CANCELLATION = "service_cancellation", _("Service cancellation")


class Urgency(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    EMERGENCY = "emergency", _("Emergency")


#: Sort rank of urgencies, most urgent first.
URGENCY_RANK = {Urgency.EMERGENCY: 0, Urgency.HIGH: 1, Urgency.NORMAL: 2, Urgency.LOW: 3}


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MODERATE = "moderate", _("Moderate")
    MAJOR = "major", _("Major")
    CRITICAL = "critical", _("Critical")


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting on customer")
    WAITING_THIRD_PARTY = "waiting_third_party", _("Waiting on third party")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")


#: Statuses in which the case still needs work.
ACTIVE_STATUSES = frozenset(
    {Status.NEW, Status.OPEN, Status.WAITING_CUSTOMER, Status.WAITING_THIRD_PARTY, Status.REOPENED}
)

_WORKING = {Status.OPEN, Status.WAITING_CUSTOMER, Status.WAITING_THIRD_PARTY, Status.RESOLVED}
#: Allowed status transitions. Closing is allowed from any working state because counter
#: and phone cases are often answered and closed in one contact; a closed case only reopens.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset(_WORKING | {Status.CLOSED}),
    Status.OPEN: frozenset((_WORKING - {Status.OPEN}) | {Status.CLOSED}),
    Status.WAITING_CUSTOMER: frozenset((_WORKING - {Status.WAITING_CUSTOMER}) | {Status.CLOSED}),
    Status.WAITING_THIRD_PARTY: frozenset(
        (_WORKING - {Status.WAITING_THIRD_PARTY}) | {Status.CLOSED}
    ),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.REOPENED}),
    Status.CLOSED: frozenset({Status.REOPENED}),
    Status.REOPENED: frozenset(_WORKING | {Status.CLOSED}),
}


class Level(models.TextChoices):
    L1 = "l1", _("L1 front office")
    L2 = "l2", _("L2 specialist")
    BO = "bo", _("Back office")


#: Level order for escalation: moving to a higher rank is an escalation.
LEVEL_RANK = {Level.L1: 1, Level.L2: 2, Level.BO: 2}


class MessageDirection(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")
    NOTE = "note", _("Internal note")
