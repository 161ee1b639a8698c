"""Directory pages of the managers' area (moderation, imports)."""

app_name = "directory-manage"

urlpatterns: list = []
