"""Settings > Data retention: an administrator changes the retention period (validated,
audited); before a period that makes customers due is saved the screen shows how many and
asks for a confirmation; supervisors and operators get 403, another tenant's slug 404."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from helpline.audit.models import AuditEntry
from helpline.customers import gdpr, selectors, services
from helpline.customers.models import Customer, RetentionPolicy
from helpline.desk.tests.helpers import client_for
from helpline.lib.errors import FieldValidationError

pytestmark = pytest.mark.django_db


def _url(tenant: Any, name: str = "retention") -> str:
    return reverse(f"configuration:{name}", args=[tenant.org.slug])


def _inactive_customers(tenant: Any, count: int, days: int) -> None:
    for i in range(count):
        services.create_customer(org=tenant.org, actor=tenant.actor, name=f"Old customer {i}")
    Customer.objects.filter(organization=tenant.org).update(
        updated_at=timezone.now() - timedelta(days=days)
    )


def test_admin_changes_the_retention_period_and_it_is_audited(tenant_a: Any) -> None:
    gdpr.set_retention_policy(org=tenant_a.org, actor=tenant_a.actor, erase_inactive_after_days=730)
    client = client_for(tenant_a.admin)
    page = client.get(_url(tenant_a))
    assert page.status_code == 200
    assert 'value="730"' in page.content.decode()

    response = client.post(_url(tenant_a), {"erase_inactive_after_days": "400", "enabled": "on"})

    assert response.status_code == 302  # nobody becomes due: no confirmation needed
    policy = RetentionPolicy.objects.get(organization=tenant_a.org)
    assert (policy.erase_inactive_after_days, policy.enabled) == (400, True)
    entry = AuditEntry.objects.filter(object_id=str(policy.pk), action="update").get()
    assert entry.changes["erase_inactive_after_days"] == [730, 400]
    assert entry.actor_user_id == tenant_a.admin.pk


def test_a_period_that_makes_customers_due_asks_for_confirmation_with_the_count(
    tenant_a: Any, tenant_b: Any
) -> None:
    gdpr.set_retention_policy(org=tenant_a.org, actor=tenant_a.actor, erase_inactive_after_days=730)
    _inactive_customers(tenant_a, 3, days=200)
    _inactive_customers(tenant_b, 2, days=200)  # another tenant's customers do not count
    client = client_for(tenant_a.admin)

    response = client.post(_url(tenant_a), {"erase_inactive_after_days": "180", "enabled": "on"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="retention-confirm"' in html
    assert "With a period of 180 days, 3 customers will be pseudonymised within the hour." in html
    assert RetentionPolicy.objects.get(organization=tenant_a.org).erase_inactive_after_days == 730

    confirmed = client.post(
        _url(tenant_a), {"erase_inactive_after_days": "180", "enabled": "on", "confirm": "180"}
    )
    assert confirmed.status_code == 302
    assert RetentionPolicy.objects.get(organization=tenant_a.org).erase_inactive_after_days == 180
    # A confirmation given for another period does not count.
    again = client.post(
        _url(tenant_a), {"erase_inactive_after_days": "90", "enabled": "on", "confirm": "180"}
    )
    assert again.status_code == 200 and 'id="retention-confirm"' in again.content.decode()
    assert RetentionPolicy.objects.get(organization=tenant_a.org).erase_inactive_after_days == 180


def test_the_preview_counts_the_customers_due_for_the_period_typed(tenant_a: Any) -> None:
    _inactive_customers(tenant_a, 2, days=100)
    client = client_for(tenant_a.admin)
    html = client.get(
        _url(tenant_a, "retention_preview"), {"erase_inactive_after_days": "60", "enabled": "on"}
    ).content.decode()
    assert "2 customers are due for pseudonymisation now" in html
    html = client.get(
        _url(tenant_a, "retention_preview"), {"erase_inactive_after_days": "120", "enabled": "on"}
    ).content.decode()
    assert "0 customers are due" in html
    html = client.get(
        _url(tenant_a, "retention_preview"), {"erase_inactive_after_days": "60"}
    ).content.decode()
    assert "Retention is off" in html
    assert selectors.count_due_for_erasure(org=tenant_a.org, days=60) == 2


def test_invalid_periods_are_field_errors_and_change_nothing(tenant_a: Any) -> None:
    client = client_for(tenant_a.admin)
    for value, message in (
        ("7", "greater than or equal to 30"),
        ("40000", "less than or equal to 36500"),
        ("soon", "Enter a whole number."),
    ):
        response = client.post(
            _url(tenant_a), {"erase_inactive_after_days": value, "enabled": "on"}
        )
        assert response.status_code == 422
        html = response.content.decode()
        assert 'data-field="erase_inactive_after_days"' in html and message in html
    assert not RetentionPolicy.objects.filter(organization=tenant_a.org).exists()
    with pytest.raises(FieldValidationError):
        gdpr.set_retention_policy(
            org=tenant_a.org, actor=tenant_a.actor, erase_inactive_after_days=40000
        )


def test_only_administrators_may_open_it(tenant_a: Any) -> None:
    for user in (tenant_a.supervisor, tenant_a.operator, tenant_a.referent):
        client = client_for(user)
        assert client.get(_url(tenant_a)).status_code == 403
        assert client.get(_url(tenant_a, "retention_preview")).status_code == 403
        response = client.post(_url(tenant_a), {"erase_inactive_after_days": "30", "enabled": "on"})
        assert response.status_code == 403
    assert not RetentionPolicy.objects.filter(organization=tenant_a.org).exists()
    menu = client_for(tenant_a.supervisor).get(
        reverse("configuration:index", args=[tenant_a.org.slug])
    )
    assert _url(tenant_a) not in menu.content.decode()
    menu = client_for(tenant_a.admin).get(reverse("configuration:index", args=[tenant_a.org.slug]))
    assert _url(tenant_a) in menu.content.decode()


def test_another_tenants_retention_is_404(tenant_a: Any, tenant_b: Any) -> None:
    client = client_for(tenant_a.admin)
    assert client.get(_url(tenant_b)).status_code == 404
    response = client.post(_url(tenant_b), {"erase_inactive_after_days": "30", "enabled": "on"})
    assert response.status_code == 404
    assert not RetentionPolicy.objects.filter(organization=tenant_b.org).exists()
