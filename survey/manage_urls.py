"""Survey pages of the managers' area: response rate, invitations, individual answers."""

from django.urls import path

from . import manage_views

app_name = "survey-manage"

urlpatterns = [
    path("", manage_views.survey_list, name="list"),
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
]
