from importlib import import_module

from django.apps import AppConfig, apps
from django.utils.module_loading import module_has_submodule

# django-leaflet's admin module imports GeoDjango, which needs the GDAL system library.
ADMIN_MODULES_SKIPPED = {"leaflet"}


class CoopmapConfig(AppConfig):
    name = "coopmap"
    verbose_name = "CoopMap"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)

        for config in apps.get_app_configs():
            if config.name not in ADMIN_MODULES_SKIPPED and module_has_submodule(
                config.module, "admin"
            ):
                import_module(f"{config.name}.admin")
