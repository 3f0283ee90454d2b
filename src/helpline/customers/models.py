"""Customers (people and companies) with their identifiers, contacts, addresses, service
accounts, assets and designated persons; consents, identity checks and retention policies
(GDPR); the search index (phonetic keys and a vocabulary for trigram matching)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Segment(models.Model):
    """A user segment with its own lines and queues (e.g. trade associations, employees)."""

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="segments",
        verbose_name=_("organisation"),
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["organization", "code"], name="uniq_segment_code")
        ]

    def __str__(self) -> str:
        return self.name


class CustomerKind(models.TextChoices):
    PERSON = "person", _("Person")
    COMPANY = "company", _("Company")


class NotifyBy(models.TextChoices):
    """How a customer is told of progress on their cases (MISSION C7)."""

    AUTO = "", _("Automatic (e-mail, else SMS)")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    NONE = "none", _("No notifications (opted out)")


class Customer(models.Model):
    """A person or company who contacts the service.

    ``phone``, ``email`` and ``tax_id`` are the primary contact and identifier, kept for the
    code that reads them directly; every phone and e-mail is also a ``ContactPoint`` (the
    caller/sender lookup reads those) and every tax id a ``CustomerIdentifier``. ``phone`` is
    E.164; ``tax_id`` is compact and validated for the tenant's country, with
    ``tax_id_kind`` naming the scheme (``br.cpf``, ``it.codicefiscale``, ``cz.rc``...).
    ``name_key`` is the sorted phonetic key of the name (``lib.phonetic.combined_key``):
    the search's exact-key fast path. ``erased_at`` is set by GDPR erasure.
    """

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="customers",
        verbose_name=_("organisation"),
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=CustomerKind.choices, default=CustomerKind.PERSON
    )
    name = models.CharField(_("name"), max_length=200)
    name_key = models.CharField(_("name key"), max_length=200, blank=True, editable=False)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    tax_id = models.CharField(_("tax identifier"), max_length=32, blank=True)
    tax_id_kind = models.CharField(_("tax identifier kind"), max_length=24, blank=True)
    segment = models.ForeignKey(
        Segment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("segment"),
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )
    notify_by = models.CharField(
        _("progress notifications"),
        max_length=8,
        choices=NotifyBy.choices,
        default=NotifyBy.AUTO,
        blank=True,
        help_text=_("How this customer is told when a case is taken in charge, waits or ends."),
    )
    security_question = models.CharField(_("security question"), max_length=200, blank=True)
    security_answer_hash = models.CharField(
        _("security answer (hashed)"), max_length=128, blank=True, editable=False
    )
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["organization", "tax_id"],
                condition=~Q(tax_id=""),
                name="uniq_customer_tax_id",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "phone"]),
            models.Index(fields=["organization", "email"]),
            models.Index(fields=["organization", "name"]),
            models.Index(fields=["organization", "name_key"], name="customer_org_name_key"),
        ]

    def __str__(self) -> str:
        return self.name


#: Fields whose changes go to the audit log.
CUSTOMER_AUDITED_FIELDS = (
    "kind",
    "name",
    "email",
    "phone",
    "tax_id",
    "tax_id_kind",
    "segment",
    "language",
    "notify_by",
    "security_question",
)


class _OrgOwned(models.Model):
    """Every tenant row carries its organisation (ARCHITECTURE rule 2)."""

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organisation"),
    )

    class Meta:
        abstract = True


class CustomerIdentifier(_OrgOwned):
    """A validated identifier (CPF, CNPJ, codice fiscale, partita IVA, rodné číslo, IČO,
    DIČ...), stored compact; ``kind`` is the python-stdnum scheme (``br.cpf``)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="identifiers", verbose_name=_("customer")
    )
    kind = models.CharField(_("kind"), max_length=24)
    value = models.CharField(_("value"), max_length=32)

    class Meta:
        verbose_name = _("identifier")
        verbose_name_plural = _("identifiers")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["organization", "kind", "value"], name="uniq_customer_identifier"
            )
        ]
        indexes = [models.Index(fields=["organization", "value"], name="custident_org_value")]

    def __str__(self) -> str:
        return f"{self.kind} {self.value}"


class ContactKind(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")


class ContactPoint(_OrgOwned):
    """A phone (E.164) or e-mail (lower case) of a customer. One index on
    ``(organization, value)`` answers the caller and sender lookup for both kinds."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("customer")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=ContactKind.choices)
    value = models.CharField(_("value"), max_length=254)
    label = models.CharField(_("label"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["customer", "kind", "value"], name="uniq_customer_contact"
            )
        ]
        indexes = [models.Index(fields=["organization", "value"], name="contact_org_value")]

    def __str__(self) -> str:
        return self.value


class Address(_OrgOwned):
    """A postal address. ``street_key`` and ``district_key`` are the street's and the
    district's phonetic keys for fuzzy search."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="addresses", verbose_name=_("customer")
    )
    street_code = models.CharField(_("street code"), max_length=20, blank=True)
    street = models.CharField(_("street"), max_length=200)
    house_number = models.CharField(_("house number"), max_length=20, blank=True)
    district = models.CharField(_("district"), max_length=120, blank=True)
    municipality = models.CharField(_("municipality"), max_length=120, blank=True)
    postcode = models.CharField(_("postcode"), max_length=16, blank=True)
    street_key = models.CharField(_("street key"), max_length=200, blank=True, editable=False)
    district_key = models.CharField(_("district key"), max_length=200, blank=True, editable=False)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        indexes = [
            models.Index(fields=["organization", "street_key"], name="address_org_street_key"),
            models.Index(fields=["organization", "street_code"], name="address_org_street_code"),
            models.Index(fields=["organization", "district_key"], name="address_org_district_key"),
        ]

    def __str__(self) -> str:
        parts = [f"{self.street} {self.house_number}".strip(), self.postcode, self.municipality]
        return ", ".join(p for p in parts if p)


class AccountStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class ServiceAccount(_OrgOwned):
    """A service contract: account number, municipal registration, meter number. Changes
    need a valid identity check (``services.require_identity_check``)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="accounts", verbose_name=_("customer")
    )
    account_number = models.CharField(_("account number"), max_length=40)
    municipal_registration = models.CharField(
        _("municipal registration"), max_length=40, blank=True
    )
    meter_number = models.CharField(_("meter number"), max_length=40, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    address = models.ForeignKey(
        Address,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("supply address"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=AccountStatus.choices, default=AccountStatus.ACTIVE
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("service account")
        verbose_name_plural = _("service accounts")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["organization", "account_number"], name="uniq_account_number"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "meter_number"], name="account_org_meter"),
            models.Index(
                fields=["organization", "municipal_registration"], name="account_org_registration"
            ),
        ]

    def __str__(self) -> str:
        return self.account_number


ACCOUNT_AUDITED_FIELDS = (
    "account_number",
    "municipal_registration",
    "meter_number",
    "description",
    "address",
    "status",
)


class Asset(_OrgOwned):
    """Something in the field the public reports about: a street-light pole, a hydrant, a
    meter. Looked up by ``code`` (painted on the pole) from the channels' asset report."""

    code = models.CharField(_("code"), max_length=40)
    kind = models.CharField(_("kind"), max_length=40)
    description = models.CharField(_("description"), max_length=200, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    customer = models.ForeignKey(
        Customer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assets",
        verbose_name=_("customer"),
    )
    account = models.ForeignKey(
        ServiceAccount,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assets",
        verbose_name=_("service account"),
    )

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["organization", "code"], name="uniq_asset_code")
        ]

    def __str__(self) -> str:
        return self.code


class DesignatedPerson(_OrgOwned):
    """Someone who may use a reserved line or act for a (company) customer's account."""

    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="designated_persons",
        verbose_name=_("customer"),
    )
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=80, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    may_use_reserved_line = models.BooleanField(_("may use the reserved line"), default=False)
    may_act_for_account = models.BooleanField(_("may act for the account"), default=False)

    class Meta:
        verbose_name = _("designated person")
        verbose_name_plural = _("designated persons")
        indexes = [models.Index(fields=["organization", "phone"], name="designated_org_phone")]

    def __str__(self) -> str:
        return self.name


class Consent(_OrgOwned):
    """One consent given or withdrawn, with the privacy notice's version. Rows are never
    changed: the latest row per purpose is the customer's current choice."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="consents", verbose_name=_("customer")
    )
    purpose = models.CharField(_("purpose"), max_length=60)
    granted = models.BooleanField(_("granted"))
    notice_version = models.CharField(_("privacy notice version"), max_length=40)
    channel = models.CharField(_("channel"), max_length=16, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = models.CharField(_("recorded by"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        indexes = [
            models.Index(fields=["customer", "purpose", "recorded_at"], name="consent_customer")
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.granted}"


class IdentityMethod(models.TextChoices):
    QUESTION = "question", _("Security question")
    EMAIL_CODE = "email_code", _("One-time code by e-mail")
    SMS_CODE = "sms_code", _("One-time code by SMS")


class IdentityStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")


class IdentityCheck(_OrgOwned):
    """An operator's check that the caller is the customer, before account data changes.

    A one-time code is stored hashed; a check is valid for changes while it is passed and
    younger than ``settings.HELPLINE_IDENTITY_CHECK_MINUTES``, and only for the operator who
    made it.
    """

    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="identity_checks",
        verbose_name=_("customer"),
    )
    method = models.CharField(_("method"), max_length=12, choices=IdentityMethod.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=IdentityStatus.choices, default=IdentityStatus.PENDING
    )
    code_hash = models.CharField(max_length=128, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("operator"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("identity check")
        verbose_name_plural = _("identity checks")

    def __str__(self) -> str:
        return f"{self.method} {self.status}"


class RetentionPolicy(models.Model):
    """A tenant's retention rule: customers with no case and no change for
    ``erase_inactive_after_days`` are erased (pseudonymised) by the retention loop."""

    organization = models.OneToOneField(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="retention_policy",
        verbose_name=_("organisation"),
    )
    erase_inactive_after_days = models.PositiveIntegerField(_("erase after days without activity"))
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("retention policy")
        verbose_name_plural = _("retention policies")

    def __str__(self) -> str:
        return str(self.erase_inactive_after_days)


class SearchTerm(_OrgOwned):
    """The vocabulary of folded words in a tenant's names and streets, with their phonetic
    key. Trigram matching runs over this small table (pg_trgm GIN index on PostgreSQL, an
    FTS5 trigram table on SQLite), never over the customers."""

    term = models.CharField(max_length=60)
    key = models.CharField(max_length=60)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["organization", "term"], name="uniq_search_term")
        ]

    def __str__(self) -> str:
        return self.term


class SearchTermVariant(_OrgOwned):
    """A vocabulary word and each of its one-letter deletions (the SymSpell idea): a query
    word one edit away from a vocabulary word shares a variant with it, whatever the edit
    (deletion, insertion, substitution, transposition), found by an equality lookup. It
    catches the typos in short words that share no trigram (``Jarub``/``Jakub``)."""

    variant = models.CharField(max_length=60)
    term = models.CharField(max_length=60)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["organization", "variant", "term"], name="uniq_search_variant"
            )
        ]

    def __str__(self) -> str:
        return self.variant


class SearchField(models.TextChoices):
    NAME = "name", _("Name")
    STREET = "street", _("Street")
    DISTRICT = "district", _("District")


class SearchPosting(_OrgOwned):
    """Which customers have a word with this phonetic key in their name or street: the
    candidates for a query of a single word or of part of a name."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=60)
    field = models.CharField(max_length=8, choices=SearchField.choices)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "key", "customer"], name="posting_org_key"),
            # The every-word lookup probes (customer, key) for each walked posting.
            models.Index(fields=["customer", "key"], name="posting_customer_key"),
        ]

    def __str__(self) -> str:
        return self.key
