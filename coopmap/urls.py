from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import tile_views, views

urlpatterns = [
    path("", include("directory.urls")),
    path("survey/", include("survey.urls")),
    path("manage/", include("coopmap.manage_urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", views.healthz, name="healthz"),
    path("tiles/<int:z>/<int:x>/<int:y>.png", tile_views.tile, name="tile"),
    path("privacy/", views.privacy, name="privacy"),
    path("admin/", admin.site.urls),
]
