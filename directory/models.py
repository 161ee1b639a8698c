"""The directory's data: organizations of the cooperative digital economy and their sectors."""

from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .querysets import OrganizationQuerySet, SearchDocument


def pick_language(german: str, english: str) -> str:
    """Return the text in the active language, falling back to the other one."""
    if (get_language() or "de").startswith("en"):
        return english or german
    return german or english


class Sector(models.Model):
    """A curated field of activity (hosting, consulting, tourism, …)."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name_de = models.CharField(_("name (German)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)

    class Meta:
        ordering = ["name_de"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return pick_language(self.name_de, self.name_en)


class Organization(models.Model):
    """One entry of the directory: a co-op, a network partner or a supporter."""

    class Kind(models.TextChoices):
        PLATFORM_COOP = "platform_coop", _("Platform co-op")
        COOPERATIVE = "cooperative", _("Cooperative")
        NETWORK_PARTNER = "network_partner", _("Network partner")
        SUPPORTER = "supporter", _("Supporter")
        INITIATIVE = "initiative", _("Initiative")

    class LegalForm(models.TextChoices):
        EG = "eg", _("Registered cooperative (eG)")
        SCE = "sce", _("European Cooperative Society (SCE)")
        FOREIGN_COOP = "foreign_coop", _("Cooperative under foreign law")
        GGMBH = "ggmbh", _("Non-profit limited company (gGmbH)")
        GMBH = "gmbh", _("Limited company (GmbH)")
        UG = "ug", _("Entrepreneurial company (UG)")
        EV = "ev", _("Registered association (e.V.)")
        AG = "ag", _("Stock corporation (AG)")
        OTHER = "other", _("Other")
        UNKNOWN = "", _("Not stated")

    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", _("Unconfirmed")
        PENDING = "pending", _("Pending review")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")
        ARCHIVED = "archived", _("Archived")

    class GeocodeStatus(models.TextChoices):
        PENDING = "pending", _("Location pending")
        LOCATED = "located", _("Located")
        NOT_FOUND = "not_found", _("Location not found")
        NO_ADDRESS = "no_address", _("No address given")
        MANUAL = "manual", _("Placed by hand")

    class Precision(models.TextChoices):
        ADDRESS = "address", _("Address")
        POSTAL_CODE = "postal_code", _("Postal code")
        CITY = "city", _("City")
        UNKNOWN = "", _("Unknown")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind, default=Kind.COOPERATIVE)
    legal_form = models.CharField(
        _("legal form"), max_length=32, choices=LegalForm, blank=True, default=""
    )
    sectors = models.ManyToManyField(
        Sector, verbose_name=_("sectors"), related_name="organizations", blank=True
    )
    summary_de = models.CharField(_("short description (German)"), max_length=300, blank=True)
    summary_en = models.CharField(_("short description (English)"), max_length=300, blank=True)
    description_de = models.TextField(_("description (German)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    website = models.URLField(_("website"), max_length=300, blank=True)
    public_email = models.EmailField(_("public e-mail address"), blank=True)
    public_phone = models.CharField(_("public phone number"), max_length=40, blank=True)

    # Private: used by the network to reach the organization, never shown to the public.
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail address (private)"), blank=True)

    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    state = models.CharField(_("federal state or region"), max_length=120, blank=True)
    country = models.CharField(_("country"), max_length=2, default="DE")

    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    geocode_status = models.CharField(
        _("location status"), max_length=16, choices=GeocodeStatus, default=GeocodeStatus.PENDING
    )
    geocode_source = models.CharField(_("location source"), max_length=60, blank=True)
    geocode_precision = models.CharField(
        _("location precision"), max_length=16, choices=Precision, blank=True, default=""
    )
    geocoded_at = models.DateTimeField(_("located at"), null=True, blank=True)

    founded_year = models.PositiveSmallIntegerField(
        _("founding year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1800), MaxValueValidator(2100)],
    )
    member_count = models.PositiveIntegerField(_("number of members"), null=True, blank=True)
    register_court = models.CharField(_("register court"), max_length=120, blank=True)
    register_number = models.CharField(_("register number"), max_length=60, blank=True)

    status = models.CharField(
        _("publication status"), max_length=16, choices=Status, default=Status.PENDING
    )
    # Lower-case, umlaut-folded name, city and descriptions: the portable search index
    # (PostgreSQL adds full-text search on top of it; see querysets.py).
    search_text = models.TextField(editable=False, blank=True, default="")
    # Its German full-text vector, computed by PostgreSQL (NULL on SQLite), GIN-indexed.
    search_vector = models.GeneratedField(
        expression=SearchDocument(), output_field=SearchVectorField(), db_persist=True
    )

    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        indexes = [
            models.Index(fields=["status", "latitude", "longitude"], name="org_status_position"),
            models.Index(fields=["status", "kind"], name="org_status_kind"),
            models.Index(fields=["status", "name"], name="org_status_name"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(
                    latitude__gte=-90,
                    latitude__lte=90,
                    longitude__gte=-180,
                    longitude__lte=180,
                ),
                name="org_position_complete_and_valid",
            ),
            models.CheckConstraint(
                condition=Q(founded_year__isnull=True)
                | Q(founded_year__gte=1800, founded_year__lte=2100),
                name="org_founded_year_plausible",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="org_name_not_empty"),
            models.CheckConstraint(
                condition=Q(
                    status__in=["unconfirmed", "pending", "published", "rejected", "archived"]
                ),
                name="org_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="org_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.search_text = build_search_text(
            self.name,
            self.city,
            self.summary_de,
            self.summary_en,
            self.description_de,
            self.description_en,
        )
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("directory:detail", kwargs={"slug": self.slug})

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def has_position(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def summary(self) -> str:
        return pick_language(self.summary_de, self.summary_en)

    @property
    def description(self) -> str:
        return pick_language(self.description_de, self.description_en)

    @property
    def register_entry(self) -> str:
        return " ".join(part for part in (self.register_court, self.register_number) if part)

    @property
    def address_line(self) -> str:
        """Return the postal address as one line, as far as it is known."""
        town = " ".join(part for part in (self.postal_code, self.city) if part)
        return ", ".join(part for part in (self.street, town) if part)


UMLAUT_FOLDING = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def fold_text(text: str) -> str:
    """Return ``text`` lower-cased with German umlauts spelled out (München -> muenchen)."""
    return text.lower().translate(UMLAUT_FOLDING)


def build_search_text(*parts: str) -> str:
    return fold_text(" ".join(part for part in parts if part))
