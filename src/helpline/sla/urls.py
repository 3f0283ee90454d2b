from django.urls import path

from helpline.sla import views

app_name = "sla"

_base = "desk/<slug:org_slug>/sla/"

urlpatterns = [
    path(_base, views.at_risk, name="at_risk"),
    path(_base + "calendars/", views.calendars, name="calendars"),
    path(_base + "calendars/<int:calendar_id>/", views.calendar_preview, name="calendar_preview"),
    path(_base + "penalties/", views.statement, name="statement"),
    path(_base + "penalties/issue/", views.issue_statement, name="issue_statement"),
    path(_base + "penalties.csv", views.statement_csv, name="statement_csv"),
    path(_base + "penalties.pdf", views.statement_pdf, name="statement_pdf"),
    path(_base + "cases/<int:case_id>/on-site/", views.on_site, name="on_site"),
]
