"""Audited writes of a tenant's configuration rows (topics, segments, queues, skills, penalty
rules...), shared by the owning apps' configuration services so that each of those is a few
lines and all of them obey the same rules:

- every reference (a foreign key or many-to-many value) must belong to the organisation; a
  user must be an active member of it. Otherwise a ``FieldValidationError`` names the field;
- the row is validated (field rules, unique constraints, check constraints) before anything
  is written, and unique clashes are reported on the field that clashes (``code``...);
- the write and its audit entry are one transaction; an update records only what changed,
  read from the stored row (locked), not from the caller's possibly edited copy;
- a row still referenced elsewhere is never deleted: it is deactivated when the model has an
  ``is_active`` flag, otherwise the deletion is refused with the referencing kinds named.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from enum import StrEnum
from typing import Any, TypeVar, cast

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.db.models import ForeignObjectRel, ProtectedError, RestrictedError
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from helpline.audit import services as audit
from helpline.audit.models import AuditAction
from helpline.lib.actors import Actor
from helpline.lib.errors import FieldValidationError
from helpline.tenancy.models import Membership, Organization

M = TypeVar("M", bound=models.Model)


class Removal(StrEnum):
    """What ``remove_row`` did."""

    DELETED = "deleted"
    DEACTIVATED = "deactivated"


def model_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """A concrete or many-to-many field of ``model`` by name."""
    return cast("models.Field[Any, Any]", model._meta.get_field(name))


def _is_m2m(model: type[models.Model], name: str) -> bool:
    return bool(model._meta.get_field(name).many_to_many)


def audited_fields(model: type[models.Model]) -> list[str]:
    """The fields a settings screen may change: editable concrete fields and many-to-many
    fields, without the primary key and the organisation."""
    names = [
        f.name
        for f in model._meta.concrete_fields
        if f.editable and not f.primary_key and f.name != "organization"
    ]
    return names + [f.name for f in model._meta.many_to_many]


def _snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    plain = [f for f in fields if not _is_m2m(type(instance), f)]
    out = audit.snapshot(instance, plain)
    for name in fields:
        if name not in out:
            out[name] = sorted(getattr(instance, name).values_list("pk", flat=True))
    return out


def pick(values: Mapping[str, Any], fields: Collection[str]) -> dict[str, Any]:
    """The entries of ``values`` a service accepts; any other name is an error (an API
    client may not set ``organization`` or a field the screen does not offer)."""
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise FieldValidationError({name: [_("Unknown field.")] for name in unknown})
    return dict(values)


def check_references(*, org: Organization, values: Mapping[str, Any]) -> None:
    """Every row named in ``values`` belongs to ``org`` (users: are active members of it)."""
    user_model = get_user_model()
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        items = (
            list(value) if isinstance(value, Iterable) and not isinstance(value, str) else [value]
        )
        for item in items:
            if not isinstance(item, models.Model):
                continue
            if isinstance(item, user_model):
                ok = Membership.objects.filter(
                    organization=org, user_id=item.pk, is_active=True
                ).exists()
                if not ok:
                    errors.setdefault(name, []).append(
                        _("This user is not a member of this organisation.")
                    )
                    break
            elif getattr(item, "organization_id", org.pk) != org.pk:
                errors.setdefault(name, []).append(_("This belongs to another organisation."))
                break
    if errors:
        raise FieldValidationError(errors)


def _validate(instance: models.Model) -> None:
    """Field rules, then unique constraints (reported on their last non-organisation
    field), then the other constraints; all as one ``FieldValidationError``."""
    errors: dict[str, list[str]] = {}
    try:
        instance.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
    if errors:
        raise FieldValidationError(
            {("__all__" if k == NON_FIELD_ERRORS else k): v for k, v in errors.items()}
        )
    model = type(instance)
    unique_sets = [
        list(c.fields)
        for c in model._meta.constraints
        if isinstance(c, models.UniqueConstraint) and c.fields and c.condition is None
    ]
    for names in unique_sets:
        attnames = [model_field(model, n).attname for n in names]
        clash = model._base_manager.filter(**{a: getattr(instance, a) for a in attnames})
        if instance.pk is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            field = [n for n in names if n != "organization"][-1]
            label = capfirst(str(model_field(model, field).verbose_name))
            errors.setdefault(field, []).append(
                _("%(field)s: this value is already used.") % {"field": label}
            )
    if errors:
        raise FieldValidationError(errors)
    try:
        instance.validate_constraints(exclude={n for names in unique_sets for n in names})
    except ValidationError as exc:
        raise FieldValidationError(
            {
                ("__all__" if k == NON_FIELD_ERRORS else k): [str(m) for m in v]
                for k, v in exc.message_dict.items()
            }
        ) from exc


def _assign(instance: models.Model, values: Mapping[str, Any]) -> dict[str, Any]:
    """Set the plain fields; return the many-to-many values to set after saving."""
    later = {}
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        field = model_field(type(instance), name)
        if field.many_to_many:
            later[name] = list(value or [])
        elif field.is_relation:
            setattr(instance, name, value)
        else:
            try:  # plain data from the API ("12.50", "7") becomes the field's type
                setattr(instance, name, field.to_python(value))
            except ValidationError as exc:
                errors[name] = list(exc.messages)
    if errors:
        raise FieldValidationError(errors)
    return later


@transaction.atomic
def create_row(*, org: Organization, actor: Actor, model: type[M], values: Mapping[str, Any]) -> M:
    """A new row of ``model`` in ``org`` with ``values`` (field name -> value; rows as model
    instances), validated and audited."""
    check_references(org=org, values=values)
    instance = model(organization=org)
    later = _assign(instance, values)
    _validate(instance)
    instance.save()
    for name, items in later.items():
        getattr(instance, name).set(items)
    audit.record(
        org_id=org.pk,
        actor=actor,
        action=AuditAction.CREATE,
        instance=instance,
        changes={
            k: [None, v]
            for k, v in _snapshot(instance, audited_fields(model)).items()
            if v not in (None, "", [])
        },
    )
    return instance


@transaction.atomic
def update_row(*, instance: M, actor: Actor, values: Mapping[str, Any]) -> M:
    """Change ``values`` of a row, validated; the audit entry holds what changed."""
    model = type(instance)
    org = Organization.objects.get(pk=instance.organization_id)  # type: ignore[attr-defined]
    check_references(org=org, values=values)
    stored = model._base_manager.select_for_update().get(pk=instance.pk)
    fields = audited_fields(model)
    before = _snapshot(stored, fields)
    later = _assign(stored, values)
    _validate(stored)
    stored.save()
    for name, items in later.items():
        getattr(stored, name).set(items)
    changes = audit.diff(before, _snapshot(stored, fields))
    if changes:
        audit.record(
            org_id=org.pk, actor=actor, action=AuditAction.UPDATE, instance=stored, changes=changes
        )
    return stored


def references(instance: models.Model, *, owned: Collection[type[models.Model]] = ()) -> list[str]:
    """The kinds of rows (plural names) that still point at ``instance``, leaving out the
    ``owned`` ones that go with it (a queue's members, say)."""
    found = []
    for rel in instance._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete and rel.is_relation):
            continue
        related = cast("type[models.Model] | None", rel.related_model)
        if related is None or related in owned or not isinstance(rel, ForeignObjectRel):
            continue
        if related._meta.auto_created:  # a many-to-many link table: the links go with it
            continue
        qs = related._base_manager.filter(**{rel.field.name: instance})
        if related is type(instance):
            qs = qs.exclude(pk=instance.pk)
        if qs.exists():
            found.append(str(related._meta.verbose_name_plural))
    return sorted(set(found))


@transaction.atomic
def remove_row(
    *, instance: models.Model, actor: Actor, owned: Collection[type[models.Model]] = ()
) -> Removal:
    """Delete a row nothing else uses (with its ``owned`` rows); deactivate a referenced row
    that has an ``is_active`` flag; refuse otherwise, naming what uses it."""
    model = type(instance)
    org_id = instance.organization_id  # type: ignore[attr-defined]
    used_by = references(instance, owned=owned)
    if used_by:
        if any(f.name == "is_active" for f in model._meta.concrete_fields):
            if instance.is_active:  # type: ignore[attr-defined]
                update_row(instance=instance, actor=actor, values={"is_active": False})
            return Removal.DEACTIVATED
        raise FieldValidationError(
            __all__=_(
                "“%(name)s” cannot be deleted: %(uses)s still refer to it. "
                "Change or remove those first."
            )
            % {"name": instance, "uses": ", ".join(used_by)}
        )
    fields = [f for f in audited_fields(model) if not _is_m2m(model, f)]
    audit.record_delete(org_id=org_id, actor=actor, instance=instance, fields=fields)
    try:
        instance.delete()
    except (ProtectedError, RestrictedError) as exc:  # a reference added meanwhile
        raise FieldValidationError(
            __all__=_("“%(name)s” is in use and cannot be deleted.") % {"name": instance}
        ) from exc
    return Removal.DELETED
