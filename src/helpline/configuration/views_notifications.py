"""Settings > Customer notifications: which status changes are told to the customer
(MISSION C7) and whether SMS may carry them. The wording is edited with the mail
templates (kinds "taken in charge", "waiting", "resolved", "closed")."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from helpline.configuration.views import settings_context
from helpline.notify import services as notify_services
from helpline.notify.models import NotificationSettings
from helpline.notify.progress import settings_for
from helpline.tenancy.models import Membership
from helpline.tenancy.permissions import Action, require
from helpline.tenancy.web import DeskRequest, org_view, request_actor


class NotificationSettingsForm(forms.ModelForm):
    class Meta:
        model = NotificationSettings
        fields = list(notify_services.NOTIFICATION_FIELDS)
        help_texts = {
            "sms_enabled": gettext_lazy(
                "SMS go out through the installation's SMS provider; a customer's own "
                "choice (e-mail, SMS or none) always wins."
            )
        }


@org_view
def notifications(request: DeskRequest, membership: Membership) -> HttpResponse:
    """Show and change the tenant's progress-notification settings."""
    require(membership, Action.MANAGE_TEMPLATES)
    org = membership.organization
    current = settings_for(org.pk)
    form = NotificationSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        notify_services.update_notification_settings(
            org=org,
            actor=request_actor(request),
            **{name: form.cleaned_data[name] for name in notify_services.NOTIFICATION_FIELDS},
        )
        messages.success(request, _("Notification settings saved."))
        return redirect("configuration:notifications", org_slug=org.slug)
    context = {**settings_context(request, membership), "form": form}
    return render(request, "configuration/notifications/edit.html", context)
