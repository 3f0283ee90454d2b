"""The settings API: the catalogue, routing and penalty-rule screens of ``crud.py`` as REST
resources under ``/api/v1/settings/<key>`` (calendars and SLA policies keep their richer
``/api/v1/sla/...`` endpoints).

Each resource does what its screen does, with the same pieces: the token's role is checked
against the screen's action in the permission matrix (403), rows come from the screen's
org-scoped selector (another tenant's id is a 404), input is validated by the screen's form
(choices limited to the tenant, so another tenant's id is a 422 naming the field) and saved
by the same audited service. References travel as ids: ``<field>_id`` for a foreign key, a
list of ids for a many-to-many field (``topics``). ``PATCH`` changes only the fields sent.
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any

from django.db import models
from django.forms.models import model_to_dict
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Body, Router, Status

from helpline.api.auth import actor, membership, org, writer_auth
from helpline.api.schemas import READ_ERRORS, WRITE_ERRORS
from helpline.cases.api import RowId
from helpline.configuration import screens
from helpline.configuration.crud import REGISTRY, Crud
from helpline.lib.errors import FieldValidationError, NotFound
from helpline.tenancy.permissions import require

router = Router(tags=["settings"])

#: Screens whose API lives elsewhere (sla/api.py: nested slots, targets, escalations).
ELSEWHERE = frozenset({"calendars", "sla-policies"})


def _fields(crud: Crud) -> list[str]:
    return list(crud.form._meta.fields or [])


def _api_name(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    return f"{name}_id" if field.is_relation and not field.many_to_many else name


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _out(crud: Crud, row: models.Model) -> dict[str, Any]:
    data = model_to_dict(row, fields=_fields(crud))
    return {"id": row.pk, **{_api_name(crud.model, k): _plain(v) for k, v in data.items()}}


def _form_data(
    crud: Crud, request: HttpRequest, payload: dict[str, Any], row: models.Model | None
) -> dict[str, Any]:
    """The form's input: the row's current values (PATCH) or the defaults (POST), overlaid
    with the payload's."""
    names = {_api_name(crud.model, f): f for f in _fields(crud)}
    unknown = sorted(set(payload) - set(names))
    if unknown:
        raise FieldValidationError({name: [_("Unknown field.")] for name in unknown})
    if row is None:
        blank = crud.form(org=org(request))
        data = {name: _plain(blank[name].initial) for name in blank.fields}
    else:
        data = {k: _plain(v) for k, v in model_to_dict(row, _fields(crud)).items()}
    data.update({names[k]: v for k, v in payload.items()})
    # A checkbox missing from form data means False: send booleans as the form expects.
    return {k: v for k, v in data.items() if v is not None and v is not False}


def _validated(crud: Crud, request: HttpRequest, data: dict[str, Any], row: Any) -> Any:
    form = crud.form(data, instance=row, org=org(request))
    if not form.is_valid():
        raise FieldValidationError(
            {
                ("__all__" if k == "__all__" else _api_name(crud.model, k)): [
                    str(e["message"]) for e in errs
                ]
                for k, errs in form.errors.get_json_data().items()
            }
        )
    return form.service_values()


def _row(crud: Crud, request: HttpRequest, row_id: int) -> Any:
    row = crud.rows(org(request)).filter(pk=row_id).first()
    if row is None:
        raise NotFound(_("No such %(kind)s.") % {"kind": crud.model._meta.verbose_name})
    return row


def _api_errors(crud: Crud, exc: FieldValidationError) -> FieldValidationError:
    return FieldValidationError(
        {
            (
                k
                if k == "__all__" or "[" in k or k not in _fields(crud)
                else _api_name(crud.model, k)
            ): v
            for k, v in exc.errors.items()
        }
    )


def _routes(crud: Crud) -> None:
    key = crud.key
    base = f"/settings/{key}"
    plural = str(crud.model._meta.verbose_name_plural)

    @router.get(base, response={200: dict[str, Any], **READ_ERRORS}, operation_id=f"list_{key}")
    def list_rows(request: HttpRequest) -> Any:
        require(membership(request), crud.action)
        return {"items": [_out(crud, r) for r in crud.rows(org(request))]}

    list_rows.__doc__ = f"The organisation's {plural}."

    @router.post(
        base,
        auth=writer_auth,
        response={201: dict[str, Any], **WRITE_ERRORS},
        operation_id=f"create_{key}",
    )
    def create_row(request: HttpRequest, payload: dict[str, Any] = Body(...)) -> Any:  # noqa: B008
        require(membership(request), crud.action)
        values = _validated(crud, request, _form_data(crud, request, payload, None), None)
        try:
            row = crud.create(org(request), actor(request), values)
        except FieldValidationError as exc:
            raise _api_errors(crud, exc) from exc
        return Status(201, _out(crud, _row(crud, request, row.pk)))

    @router.get(
        base + "/{row_id}", response={200: dict[str, Any], **READ_ERRORS}, operation_id=f"get_{key}"
    )
    def get_row(request: HttpRequest, row_id: RowId) -> Any:
        require(membership(request), crud.action)
        return _out(crud, _row(crud, request, row_id))

    @router.patch(
        base + "/{row_id}",
        auth=writer_auth,
        response={200: dict[str, Any], **WRITE_ERRORS},
        operation_id=f"update_{key}",
    )
    def update_row(
        request: HttpRequest,
        row_id: RowId,
        payload: dict[str, Any] = Body(...),  # noqa: B008
    ) -> Any:
        require(membership(request), crud.action)
        row = _row(crud, request, row_id)
        copy = _row(crud, request, row_id)  # the form writes into its instance
        values = _validated(crud, request, _form_data(crud, request, payload, row), copy)
        try:
            crud.update(row, actor(request), values)
        except FieldValidationError as exc:
            raise _api_errors(crud, exc) from exc
        return _out(crud, _row(crud, request, row_id))

    @router.delete(
        base + "/{row_id}",
        auth=writer_auth,
        response={200: dict[str, Any], **WRITE_ERRORS},
        operation_id=f"delete_{key}",
    )
    def delete_row(request: HttpRequest, row_id: RowId) -> Any:
        """``{"result": "deleted"}``, or ``"deactivated"`` when other rows still use it; a
        row that can be neither is a 422 naming what uses it."""
        require(membership(request), crud.action)
        if crud.delete is None:
            raise NotFound(_("These rows cannot be deleted here."))
        return {"result": str(crud.delete(_row(crud, request, row_id), actor(request)))}


assert screens  # the registry is filled on import

for _crud in REGISTRY.values():
    if _crud.key not in ELSEWHERE:
        _routes(_crud)
