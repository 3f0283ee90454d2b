"""Declarative list / create / edit / delete screens for the settings area (NetBox-style).

A screen is one ``Crud`` registered with ``register``: which rows (an org-scoped selector),
which columns, which form, and one service call for each write. ``urls.py`` gives every
registered screen four URLs under ``/desk/<org>/settings/<key>/``::

    <key>/                 configuration:<key>          the list (``?<filter>=<id>`` narrows it)
    <key>/new/             configuration:<key>_new      the create form
    <key>/<id>/            configuration:<key>_edit     the edit form
    <key>/<id>/delete/     configuration:<key>_delete   confirm (GET), delete (POST)

What every screen gets without writing it:

- the permission check (``require(membership, crud.action)``: 403) and the tenant scope: the
  row is looked up in ``crud.rows(org)``, so another tenant's id is a 404;
- a form (``TenantForm``) whose foreign-key and many-to-many choices hold only the
  organisation's rows (users: its active members), so another tenant's queue or calendar is
  refused as an invalid choice, named on its field;
- writes through the owning app's services, which validate again (the API uses the same
  ones), audit, and raise ``FieldValidationError``; its errors are shown on the fields they
  name, nothing is written;
- delete returns what the service did: deleted, or deactivated because other rows refer to
  it; a refusal is shown as an error with the references named.

A form may carry nested formsets (a calendar's opening slots): ``TenantForm.formsets``, all
validated with the form and rendered by the same template; ``service_values`` then returns
whatever the service takes (a dataclass, say). The channel settings write their own screens.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import QuerySet
from django.http import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from helpline.audit.rows import Removal, model_field
from helpline.configuration.sections import SECTIONS, Section
from helpline.lib.actors import Actor
from helpline.lib.errors import FieldValidationError, NotFound
from helpline.tenancy.models import Membership, Organization
from helpline.tenancy.permissions import Action, require
from helpline.tenancy.web import DeskRequest, request_actor


def limit_to_org(qs: QuerySet[Any], org: Organization) -> QuerySet[Any]:
    """The rows of ``qs`` that belong to ``org``: by ``organization`` or, for users, by an
    active membership. A model with neither offers nothing."""
    model = qs.model
    if model is get_user_model():
        return qs.filter(memberships__organization=org, memberships__is_active=True)
    if any(f.name == "organization" for f in model._meta.concrete_fields):
        return qs.filter(organization=org)
    return qs.none()


def limit_choices(form: forms.BaseForm, org: Organization, *, exclude: Any = None) -> None:
    """Narrow every model choice field of ``form`` to the organisation's rows (and leave out
    ``exclude``, the row being edited, from choices of its own model)."""
    for f in form.fields.values():
        if isinstance(f, forms.ModelChoiceField) and f.queryset is not None:
            qs = limit_to_org(f.queryset, org)
            if exclude is not None and exclude.pk is not None and qs.model is type(exclude):
                qs = qs.exclude(pk=exclude.pk)
            f.queryset = qs


class TenantForm(forms.ModelForm):
    """A settings form bound to an organisation: choices limited to it (``limit_choices``).

    ``service_values`` is what the create/update service receives (default: the cleaned
    value of each form field); ``formsets`` are validated with the form.
    """

    formsets: list[forms.BaseFormSet[Any]]

    def __init__(self, *args: Any, org: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.org = org
        self.formsets = []
        limit_choices(self, org, exclude=self.instance)

    def is_valid(self) -> bool:
        valid = super().is_valid()
        return all([valid, *(fs.is_valid() for fs in self.formsets)])

    def service_values(self) -> Any:
        return {name: self.cleaned_data[name] for name in self.fields}

    def show_errors(self, errors: dict[str, list[str]]) -> None:
        """Put a service's errors on the fields they name (else above the form)."""
        for name, msgs in errors.items():
            for msg in msgs:
                if name in self.fields:
                    self.add_error(name, msg)
                elif name == "__all__":
                    self.add_error(None, msg)
                else:
                    self.add_error(None, f"{name}: {msg}")


@dataclass(frozen=True)
class Column:
    """A list column: an attribute path of the row (``queue.name``) and its heading
    (default: the field's verbose name)."""

    path: str
    label: str | Promise | None = None


@dataclass(frozen=True)
class Crud:
    """One settings screen over one model. ``create(org, actor, values)``,
    ``update(row, actor, values)`` and ``delete(row, actor)`` call the owning app's
    services; ``filters`` are foreign keys the list may be narrowed by (``?queue=3``)."""

    key: str
    label: str | Promise
    group: str
    action: Action
    model: type[models.Model]
    rows: Callable[[Organization], QuerySet[Any]]
    form: type[TenantForm]
    columns: Sequence[Column | str]
    create: Callable[[Organization, Actor, Any], models.Model]
    update: Callable[[Any, Actor, Any], models.Model]
    delete: Callable[[Any, Actor], Removal] | None = None
    filters: Sequence[str] = ()
    help: str | Promise = ""
    links: Sequence[tuple[str | Promise, Callable[[Any, Organization], str]]] = field(
        default_factory=tuple
    )

    @property
    def url_name(self) -> str:
        return f"configuration:{self.key}"


#: Every registered screen by key (``urls.py`` routes them).
REGISTRY: dict[str, Crud] = {}


def register(crud: Crud) -> Crud:
    """Add the screen to the registry and its section to the side menu."""
    REGISTRY[crud.key] = crud
    SECTIONS.append(
        Section(
            url_name=crud.url_name,
            label=crud.label,
            group=crud.group,
            action=crud.action,
            help=crud.help,
        )
    )
    return crud


# --- rendering ---------------------------------------------------------------------------


def _heading(model: type[models.Model], col: Column) -> str:
    if col.label is not None:
        return str(col.label)
    try:
        return capfirst(str(model_field(model, col.path.split(".")[0]).verbose_name))
    except FieldDoesNotExist:  # a property: its name is the heading
        return capfirst(col.path.replace("_", " "))


def _cell(row: Any, path: str) -> str:
    value: Any = row
    for i, part in enumerate(path.split(".")):
        if value is None:
            return ""
        if isinstance(value, models.Model):
            try:
                f = value._meta.get_field(part)
            except FieldDoesNotExist:  # a property
                f = None
            if f is not None and getattr(f, "choices", None) and i == len(path.split(".")) - 1:
                return str(getattr(value, f"get_{part}_display")())
            if f is not None and f.many_to_many:
                return ", ".join(str(x) for x in getattr(value, part).all())
        value = getattr(value, part)
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    return "" if value is None else str(value)


def _columns(crud: Crud) -> list[Column]:
    return [c if isinstance(c, Column) else Column(c) for c in crud.columns]


def _context(
    request: DeskRequest, membership: Membership, crud: Crud, **extra: Any
) -> dict[str, Any]:
    from helpline.configuration.views import settings_context  # views imports this module

    return {
        **settings_context(request, membership),
        "crud": crud,
        # Templates call what they are given: hand them the answer, not the callable.
        "can_delete": crud.delete is not None,
        "verbose_name": crud.model._meta.verbose_name,
        **extra,
    }


#: Larger ids cannot exist (and PostgreSQL refuses to compare a bigint with them).
_MAX_ID = 2**63 - 1


def _row(crud: Crud, org: Organization, pk: int) -> Any:
    row = crud.rows(org).filter(pk=pk).first() if 0 < pk <= _MAX_ID else None
    if row is None:
        raise NotFound(_("No such %(kind)s.") % {"kind": crud.model._meta.verbose_name})
    return row


# --- views (wrapped by ``org_view`` in views.py) ------------------------------------------


def list_view(request: DeskRequest, membership: Membership, *, key: str) -> HttpResponseBase:
    crud = REGISTRY[key]
    require(membership, crud.action)
    org = membership.organization
    qs = crud.rows(org)
    active_filters = []
    for name in crud.filters:
        raw = request.GET.get(name, "")
        if raw.isdigit() and int(raw) <= _MAX_ID:
            qs = qs.filter(**{f"{name}_id": int(raw)})
            target = cast("type[models.Model]", model_field(crud.model, name).related_model)
            shown = limit_to_org(target._default_manager.all(), org).filter(pk=int(raw)).first()
            active_filters.append((_heading(crud.model, Column(name)), shown))
    cols = _columns(crud)
    items = [
        {
            "pk": row.pk,
            "cells": [_cell(row, c.path) for c in cols],
            "links": [(label, fn(row, org)) for label, fn in crud.links],
        }
        for row in qs
    ]
    context = _context(
        request,
        membership,
        crud,
        headings=[_heading(crud.model, c) for c in cols],
        items=items,
        active_filters=active_filters,
        plural=crud.model._meta.verbose_name_plural,
    )
    return render(request, "configuration/crud_list.html", context)


def _form_view(
    request: DeskRequest, membership: Membership, crud: Crud, row: Any | None
) -> HttpResponseBase:
    org = membership.organization
    actor = request_actor(request)
    # The form edits its own copy: a ModelForm writes its input into its instance while it
    # validates, and the service must see the stored row (its audit entry diffs against it).
    copy = None if row is None else _row(crud, org, row.pk)
    # "Add" from a narrowed list (?queue=3) starts with that choice made.
    initial = {n: request.GET[n] for n in crud.filters if request.GET.get(n, "").isdigit()}
    form = crud.form(request.POST or None, instance=copy, org=org, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                if row is None:
                    saved = crud.create(org, actor, form.service_values())
                    messages.success(request, _("“%(name)s” was created.") % {"name": saved})
                else:
                    saved = crud.update(row, actor, form.service_values())
                    messages.success(request, _("“%(name)s” was saved.") % {"name": saved})
            except FieldValidationError as exc:
                form.show_errors(exc.errors)
            else:
                return redirect(crud.url_name, org_slug=org.slug)
        status = 422
    else:
        status = 200
    context = _context(request, membership, crud, form=form, row=row)
    return render(request, "configuration/crud_form.html", context, status=status)


def create_view(request: DeskRequest, membership: Membership, *, key: str) -> HttpResponseBase:
    crud = REGISTRY[key]
    require(membership, crud.action)
    return _form_view(request, membership, crud, None)


def edit_view(
    request: DeskRequest, membership: Membership, pk: int, *, key: str
) -> HttpResponseBase:
    crud = REGISTRY[key]
    require(membership, crud.action)
    return _form_view(request, membership, crud, _row(crud, membership.organization, pk))


def delete_view(
    request: DeskRequest, membership: Membership, pk: int, *, key: str
) -> HttpResponseBase:
    crud = REGISTRY[key]
    require(membership, crud.action)
    if crud.delete is None:
        raise NotFound(_("These rows cannot be deleted here."))
    org = membership.organization
    row = _row(crud, org, pk)
    if request.method == "POST":
        name = str(row)
        try:
            outcome = crud.delete(row, request_actor(request))
        except FieldValidationError as exc:
            for msgs in exc.errors.values():
                for msg in msgs:
                    messages.error(request, msg)
            return redirect(f"{crud.url_name}_edit", org_slug=org.slug, pk=pk)
        if outcome == Removal.DEACTIVATED:
            messages.warning(
                request,
                _("“%(name)s” is still in use, so it was deactivated instead of deleted.")
                % {"name": name},
            )
        else:
            messages.success(request, _("“%(name)s” was deleted.") % {"name": name})
        return redirect(crud.url_name, org_slug=org.slug)
    return render(
        request, "configuration/crud_delete.html", _context(request, membership, crud, row=row)
    )
