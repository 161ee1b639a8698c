"""Survey pages of the managers' area: response rate, invitations, individual answers."""

from django.urls import path

from . import manage_views, report_views

app_name = "survey-manage"

urlpatterns = [
    path("", manage_views.survey_list, name="list"),
    # Before "<slug>/": a survey with the slug "reports" would otherwise hide this page.
    path("reports/", report_views.report_overview, name="reports-overview"),
    path("<slug:slug>/", manage_views.survey_detail, name="detail"),
    path("<slug:slug>/invite/", manage_views.survey_invite_all, name="invite-all"),
    path(
        "<slug:slug>/organizations/<int:organization_pk>/invite/",
        manage_views.organization_invite,
        name="invite-organization",
    ),
    path(
        "<slug:slug>/organizations/<int:organization_pk>/link/",
        manage_views.organization_link,
        name="create-link",
    ),
    path(
        "<slug:slug>/invitations/<int:pk>/resend/",
        manage_views.invitation_resend,
        name="resend",
    ),
    path("<slug:slug>/invitations/<int:pk>/", manage_views.response_detail, name="response"),
    # Reports
    path("<slug:slug>/reports/", report_views.report_list, name="reports"),
    path("<slug:slug>/reports/<int:pk>/", report_views.report_detail, name="report"),
    path(
        "<slug:slug>/reports/<int:pk>/status.json",
        report_views.report_status,
        name="report-status",
    ),
    path(
        "<slug:slug>/reports/<int:pk>/files/<str:kind>/",
        report_views.report_download,
        name="report-download",
    ),
    path(
        "<slug:slug>/reports/<int:pk>/compare/",
        report_views.report_compare,
        name="report-compare",
    ),
    path("<slug:slug>/reports/<int:pk>/retry/", report_views.report_retry, name="report-retry"),
]
