"""Survey pages of the managers' area (invitations, response rate, reports)."""

app_name = "survey-manage"

urlpatterns: list = []
