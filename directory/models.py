"""The directory's data: organizations of the cooperative digital economy and their sectors."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from .geo.gazetteer import GERMAN_STATES, canonical_state, german_state
from .querysets import OrganizationQuerySet
from .search import search_fold, stored_search_text


def pick_language(german: str, english: str) -> str:
    """Return the text in the active language, falling back to the other one."""
    if (get_language() or "de").startswith("en"):
        return english or german
    return german or english


SORT_NAME_LENGTH = 200


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
    # Also private: how the contact signed up and keeps the entry current (signup, self-service).
    contact_language = models.CharField(
        _("contact's language"), max_length=8, blank=True, default=""
    )
    privacy_consent_at = models.DateTimeField(
        _("consented to privacy notice"), null=True, blank=True
    )
    privacy_notice_version = models.CharField(
        _("privacy notice version"), max_length=20, blank=True, default=""
    )
    email_confirmed_at = models.DateTimeField(_("e-mail address confirmed"), null=True, blank=True)
    deletion_requested_at = models.DateTimeField(_("deletion requested"), null=True, blank=True)
    # The signup form's one-time key: the same form posted twice creates one entry.
    signup_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)

    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    # In Germany one of GERMAN_STATES exactly (a constraint says so; save() derives it from the
    # postal code when it is missing); elsewhere the region as the source wrote it.
    state = models.CharField(_("federal state or region"), max_length=120, blank=True)
    country = CountryField(_("country"), default="DE")

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
    # The name, postal code, place and descriptions folded for search (directory/search.py):
    # the portable search index (PostgreSQL adds full-text search on top of it).
    search_text = models.TextField(editable=False, blank=True, default="")
    # The name folded alike: sorts case- and accent-insensitively, and finds name matches.
    sort_name = models.CharField(
        editable=False, max_length=SORT_NAME_LENGTH, blank=True, default=""
    )

    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    # Provenance of imported entries (see ImportSource below): where the record came from, its
    # id there (so that a re-import updates it instead of duplicating it), and a checksum of the
    # values the import wrote (so that a re-import never overwrites what a manager edited since).
    import_source = models.ForeignKey(
        "ImportSource",
        verbose_name=_("import source"),
        on_delete=models.PROTECT,
        related_name="organizations",
        null=True,
        blank=True,
    )
    source_record_id = models.CharField(_("id in the source"), max_length=200, blank=True)
    import_job = models.ForeignKey(
        "ImportJob",
        verbose_name=_("last import"),
        on_delete=models.SET_NULL,
        related_name="organizations",
        null=True,
        blank=True,
    )
    imported_at = models.DateTimeField(_("imported"), null=True, blank=True)
    import_checksum = models.CharField(max_length=64, blank=True, editable=False)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["sort_name", "pk"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        indexes = [
            models.Index(fields=["status", "latitude", "longitude"], name="org_status_position"),
            # Covers the map's kind filter too: the grouping then reads the index alone.
            models.Index(
                fields=["status", "kind", "latitude", "longitude"], name="org_status_kind_position"
            ),
            # The list in name order (also filtered by state), newest first, and the place choices.
            models.Index(fields=["status", "sort_name", "id"], name="org_status_sort_name"),
            models.Index(fields=["status", "state", "sort_name"], name="org_status_state_name"),
            models.Index(fields=["status", "-published_at", "-id"], name="org_status_newest"),
            models.Index(fields=["status", "country", "state"], name="org_status_place"),
            # Duplicate search of imports: entries near a position, whatever their status.
            models.Index(fields=["latitude", "longitude"], name="org_position"),
            # The map's strips along the west and east edges of a view (see map_cells.py), and
            # the westmost/eastmost member of a map cell.
            models.Index(
                fields=["status", "longitude", "latitude"],
                include=["kind"],
                name="org_status_longitude",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(country="DE") | Q(state="") | Q(state__in=GERMAN_STATES),
                name="org_german_state_canonical",
            ),
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
            models.UniqueConstraint(
                fields=["import_source", "source_record_id"],
                condition=Q(import_source__isnull=False),
                name="org_unique_source_record",
            ),
            models.CheckConstraint(
                condition=Q(import_source__isnull=True) | ~Q(source_record_id=""),
                name="org_imported_has_record_id",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "state" in update_fields:
            self.state = self.normalized_state()
        self.update_search_fields()
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, *SEARCH_FIELDS}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("directory:detail", kwargs={"slug": self.slug})

    def update_search_fields(self) -> None:
        """Fold the texts that search and sorting read (``save()`` does; ``bulk_create`` not)."""
        self.search_text = stored_search_text(
            self.name,
            self.postal_code,
            self.city,
            self.state,
            self.summary_de,
            self.summary_en,
            self.description_de,
            self.description_en,
        )
        self.sort_name = search_fold(self.name)[:SORT_NAME_LENGTH]

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
    def attribution(self) -> str:
        """Return the attribution that the licence of this entry's source requires, if any."""
        return self.import_source.attribution if self.import_source_id else ""

    def normalized_state(self) -> str:
        """Return the state to store: in Germany the federal state's German name, derived from
        the postal code (or an unambiguous town) when it is missing or misspelled."""
        return normalized_state(
            country=str(self.country or ""),
            state=self.state,
            postal_code=self.postal_code,
            city=self.city,
        )

    @property
    def address_line(self) -> str:
        """Return the postal address as one line, as far as it is known."""
        town = " ".join(part for part in (self.postal_code, self.city) if part)
        return ", ".join(part for part in (self.street, town) if part)


GERMAN_STATE_CHOICES = [(state, state) for state in GERMAN_STATES]


def normalized_state(*, country: str, state: str, postal_code: str = "", city: str = "") -> str:
    """Return ``state`` as stored: for Germany one of GERMAN_STATES or "" (see Organization)."""
    state = (state or "").strip()
    if country != "DE":
        return state
    return canonical_state(state) or german_state(postal_code=postal_code, city=city)


# Stored by ``Organization.update_search_fields`` and read by ``OrganizationQuerySet.search``.
SEARCH_FIELDS = ("search_text", "sort_name")


# --- Moderation and self-service --------------------------------------------------------------

# What a contact may change through the edit link; a change becomes an OrganizationRevision.
SELF_SERVICE_FIELDS = (
    "name",
    "kind",
    "legal_form",
    "sectors",
    "summary_de",
    "summary_en",
    "description_de",
    "description_en",
    "website",
    "public_email",
    "public_phone",
    "street",
    "postal_code",
    "city",
    "state",
    "country",
    "founded_year",
    "member_count",
    "register_court",
    "register_number",
    "contact_name",
    "contact_email",
)
ADDRESS_FIELDS = {"street", "postal_code", "city", "state", "country"}


def display_value(field_name: str, value) -> str:
    """Return ``value`` of ``Organization.<field_name>`` as a person reads it."""
    field = Organization._meta.get_field(field_name)
    if field_name == "sectors":
        names = Sector.objects.filter(slug__in=value or []).order_by("name_de")
        return ", ".join(sector.name for sector in names)
    if field.choices and value is not None:
        return str(dict(field.flatchoices).get(value, value))
    return "" if value is None else str(value)


class MapCell(models.Model):
    """Published organizations of one kind in one cell of the map's clustering grid at one zoom.

    PostgreSQL keeps these rows exact in the same transaction as every change to
    ``Organization`` (statement triggers, migration 0011); the map API reads them instead of
    grouping a million rows (see map_cells.py). SQLite leaves the table empty and groups live.
    """

    zoom = models.PositiveSmallIntegerField()
    grid_row = models.IntegerField()  # floor(Web-Mercator y / cell size), as clustering.Grid
    grid_column = models.IntegerField()  # floor((longitude + 180) / cell size)
    kind = models.CharField(max_length=32)
    # Not positive-only: a CHECK would refuse the negative counts that removals propose.
    count = models.IntegerField()
    latitude_sum = models.FloatField()
    longitude_sum = models.FloatField()
    south = models.FloatField()
    north = models.FloatField()
    west = models.FloatField()
    east = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["zoom", "grid_row", "grid_column", "kind"], name="mapcell_unique_cell"
            )
        ]
        # The west and east edges of a ring (a few columns, many rows): see map_cells.py.
        indexes = [models.Index(fields=["zoom", "grid_column", "grid_row"], name="mapcell_columns")]

    def __str__(self) -> str:
        return f"{self.kind} z{self.zoom} {self.grid_row}/{self.grid_column}: {self.count}"


class OrganizationRevision(models.Model):
    """A change to a published entry, proposed by its contact and decided by a manager.

    The entry keeps showing its last approved version until a manager approves the revision.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SUPERSEDED = "superseded", _("Replaced by a newer change")

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="revisions",
        verbose_name=_("organization"),
    )
    # {field name: proposed value}; sectors as a list of slugs.
    changes = models.JSONField(_("changes"), encoder=DjangoJSONEncoder)
    language = models.CharField(_("language"), max_length=8, blank=True, default="")
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.PENDING)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    created_at = models.DateTimeField(_("submitted"), default=timezone.now, db_index=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("change to an entry")
        verbose_name_plural = _("changes to entries")
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(status="pending"),
                name="revision_one_pending_per_organization",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False),
                name="revision_decided_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} ({self.get_status_display()})"

    def diff(self) -> list[tuple[str, str, str]]:
        """Return (field label, current value, proposed value) for each changed field."""
        rows = []
        for field_name in SELF_SERVICE_FIELDS:
            if field_name not in self.changes:
                continue
            if field_name == "sectors":
                current = [sector.slug for sector in self.organization.sectors.all()]
            else:
                current = getattr(self.organization, field_name)
            label = str(Organization._meta.get_field(field_name).verbose_name)
            rows.append(
                (
                    label[:1].upper() + label[1:],
                    display_value(field_name, current),
                    display_value(field_name, self.changes[field_name]),
                )
            )
        return rows


class AuditLogEntry(models.Model):
    """One thing that happened to an entry: who did what, when.

    When an entry is deleted, its log stays as a trace without personal data: the organization's
    name and the actions, but not the details.
    """

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("Signed up")
        CONFIRMED = "confirmed", _("E-mail address confirmed")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")
        POSITION_CORRECTED = "position_corrected", _("Position corrected")
        EDITED = "edited", _("Edited by a manager")
        EDIT_LINK_SENT = "edit_link_sent", _("Edit link sent")
        REVISION_SUBMITTED = "revision_submitted", _("Change submitted")
        REVISION_APPROVED = "revision_approved", _("Change approved")
        REVISION_REJECTED = "revision_rejected", _("Change rejected")
        DATA_EXPORTED = "data_exported", _("Stored data downloaded")
        DELETION_REQUESTED = "deletion_requested", _("Deletion requested")
        DELETED = "deleted", _("Deleted")

    class ActorKind(models.TextChoices):
        USER = "user", _("User")
        VISITOR = "visitor", _("Visitor (signup form)")
        CONTACT = "contact", _("Contact via magic link")
        SYSTEM = "system", _("System")

    organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_log",
        verbose_name=_("organization"),
    )
    organization_name = models.CharField(_("organization name"), max_length=200)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    actor_kind = models.CharField(_("actor"), max_length=8, choices=ActorKind)
    action = models.CharField(_("action"), max_length=24, choices=Action)
    details = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.organization_name}: {self.get_action_display()}"

    @property
    def actor_label(self) -> str:
        if self.actor_kind == self.ActorKind.USER:
            return self.actor.get_username() if self.actor else str(_("deleted user"))
        return self.get_actor_kind_display()


# --- Imports of existing lists (CSV, GeoJSON) -------------------------------------------------
# The parsing lives in imports.py, the writes in import_services.py, the pages in import_views.py.


class ImportSource(models.Model):
    """A list that organizations are imported from, with the licence its records carry."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    licence = models.CharField(_("licence"), max_length=200, blank=True)
    attribution = models.TextField(
        _("attribution"),
        blank=True,
        help_text=_("The credit that the licence requires; shown on every imported profile."),
    )
    url = models.URLField(_("web address"), max_length=500, blank=True)
    # The column mapping and options of the last import, reused by the next one.
    mapping = models.JSONField(_("saved mapping"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("import source")
        verbose_name_plural = _("import sources")

    def __str__(self) -> str:
        return self.name


def import_upload_path(job: "ImportJob", filename: str) -> str:
    return f"imports/{timezone.now():%Y/%m}/{filename}"


class ImportJob(models.Model):
    """One import of one file: its preview, its progress and what it did."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        GEOJSON = "geojson", "GeoJSON"
        JSON = "json", "JSON"

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for the preview")
        PREVIEWING = "previewing", _("Preparing the preview")
        PREVIEWED = "previewed", _("Preview ready")
        RUNNING = "running", _("Importing")
        GEOCODING = "geocoding", _("Locating addresses")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        DISCARDED = "discarded", _("Discarded")

    ACTIVE_STATUSES = (Status.QUEUED, Status.PREVIEWING, Status.RUNNING, Status.GEOCODING)

    source = models.ForeignKey(
        ImportSource, verbose_name=_("source"), on_delete=models.PROTECT, related_name="jobs"
    )
    file = models.FileField(_("file"), upload_to=import_upload_path, max_length=300)
    original_filename = models.CharField(_("file name"), max_length=255)
    fingerprint = models.CharField(_("SHA-256 of the file"), max_length=64, db_index=True)
    format = models.CharField(_("format"), max_length=8, choices=Format)
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.QUEUED)
    mapping = models.JSONField(_("mapping"), default=dict, blank=True)
    kind = models.CharField(
        _("kind of the imported entries"),
        max_length=32,
        choices=Organization.Kind,
        default=Organization.Kind.COOPERATIVE,
    )
    publish = models.BooleanField(
        _("publish at once"),
        default=False,
        help_text=_("Otherwise the new entries wait for review."),
    )
    preview = models.JSONField(_("preview"), default=dict, blank=True)
    report = models.JSONField(_("report"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    geocode_total = models.PositiveIntegerField(_("addresses to locate"), default=0)
    geocode_done = models.PositiveIntegerField(_("addresses located or not found"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    kept_count = models.PositiveIntegerField(_("kept (edited since import)"), default=0)
    duplicate_count = models.PositiveIntegerField(_("duplicates"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected"), default=0)
    without_position_count = models.PositiveIntegerField(_("without position"), default=0)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [models.Index(fields=["status", "updated_at"], name="import_status_updated")]
        constraints = [
            models.CheckConstraint(
                condition=Q(rows_done__lte=models.F("rows_total")), name="import_rows_done_le_total"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_filename} ({self.source})"

    def get_absolute_url(self) -> str:
        return reverse("manage:directory-manage:import-detail", kwargs={"pk": self.pk})

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def progress(self) -> int:
        """Return the progress of the current phase in per cent."""
        if self.status == self.Status.GEOCODING:
            done, total = self.geocode_done, self.geocode_total
        elif self.status in (self.Status.DONE,):
            return 100
        else:
            done, total = self.rows_done, self.rows_total
        return min(100, round(100 * done / total)) if total else 0
