"""Freedom to Speak Up categories and professional groups become reference data.

They were fixed in the code; now each is a row with a code (what a concern stores, the same
value as before), a label, a source note, an order, and whether it can still be chosen, kept
like incident types: deployment-wide rows by the deployment administrator, an LMNS's own rows
by its safety leads. The starting rows are the lists as the code had them, each with a note
saying how far its wording was checked (shared/domain.md tags: [V] seen, [M] recalled).
"""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


FTSU_SOURCE = (
    "National Guardian's Office recording and reporting guidance (in force 1 April 2024), kept by "
    "NHS England's FTSU data collection from June 2026 (domain.md 5, 11) [V]. The label is the "
    "product's wording; NHS England's field list was not read."
)
GROUP_SOURCE = (
    "Recalled from the National Guardian's Office's professional groups (domain.md 5) [M]: "
    "not checked. Correct from NHS England's FTSU data collection specification."
)

FTSU_CATEGORIES = [
    ("patient_safety", "Patient safety or quality"),
    ("worker_safety", "Worker safety or wellbeing"),
    ("bullying", "Bullying or harassment"),
    ("behaviour", "Inappropriate attitudes or behaviours"),
]

PROFESSIONAL_GROUPS = [
    ("ahp", "Allied health professionals"),
    ("medical", "Medical and dental"),
    ("nurses_midwives", "Registered nurses and midwives"),
    ("assistants", "Nursing and healthcare assistants (including maternity support workers)"),
    ("admin", "Administrative and clerical"),
    ("scientific", "Additional professional scientific and technical"),
    ("clinical_services", "Additional clinical services"),
    ("estates", "Estates and ancillary"),
    ("healthcare_scientists", "Healthcare scientists"),
    ("students", "Students"),
    ("corporate", "Corporate"),
    ("other", "Other"),
    ("not_known", "Not known"),
]


def add_starting_rows(apps, schema_editor):
    for model_name, rows, source in [
        ("FtsuCategory", FTSU_CATEGORIES, FTSU_SOURCE),
        ("ProfessionalGroup", PROFESSIONAL_GROUPS, GROUP_SOURCE),
    ]:
        model = apps.get_model("workforce", model_name)
        model.objects.bulk_create(
            model(code=code, label=label, source=source, order=10 * (index + 1))
            for index, (code, label) in enumerate(rows)
            if not model.objects.filter(code=code).exists()
        )


class Migration(migrations.Migration):
    dependencies = [
        ("lmns", "0010_user_history"),
        ("workforce", "0005_perinatal_return_and_outcome_signals"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="FtsuCategory",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "code",
                    models.SlugField(
                        help_text="What records store. It cannot be changed once the entry is saved.",
                        max_length=30,
                        unique=True,
                    ),
                ),
                ("label", models.CharField(max_length=120)),
                (
                    "source",
                    models.CharField(blank=True, help_text="Where this entry comes from.", max_length=300),
                ),
                (
                    "order",
                    models.PositiveSmallIntegerField(default=0, help_text="Lower numbers are listed first."),
                ),
                (
                    "is_active",
                    models.BooleanField(
                        default=True,
                        help_text="Retired entries stay readable on old records only.",
                        verbose_name="Can be chosen",
                    ),
                ),
                (
                    "lmns",
                    models.ForeignKey(
                        blank=True,
                        help_text="Empty for an entry every LMNS uses; otherwise only this LMNS sees it.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="lmns.lmns",
                        verbose_name="LMNS",
                    ),
                ),
            ],
            options={
                "verbose_name": "Freedom to Speak Up category",
                "verbose_name_plural": "Freedom to Speak Up categories",
                "ordering": ["order", "label"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="HistoricalFtsuCategory",
            fields=[
                (
                    "id",
                    models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID"),
                ),
                (
                    "code",
                    models.SlugField(
                        help_text="What records store. It cannot be changed once the entry is saved.",
                        max_length=30,
                    ),
                ),
                ("label", models.CharField(max_length=120)),
                (
                    "source",
                    models.CharField(blank=True, help_text="Where this entry comes from.", max_length=300),
                ),
                (
                    "order",
                    models.PositiveSmallIntegerField(default=0, help_text="Lower numbers are listed first."),
                ),
                (
                    "is_active",
                    models.BooleanField(
                        default=True,
                        help_text="Retired entries stay readable on old records only.",
                        verbose_name="Can be chosen",
                    ),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "lmns",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        help_text="Empty for an entry every LMNS uses; otherwise only this LMNS sees it.",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="lmns.lmns",
                        verbose_name="LMNS",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical Freedom to Speak Up category",
                "verbose_name_plural": "historical Freedom to Speak Up categories",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalProfessionalGroup",
            fields=[
                (
                    "id",
                    models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID"),
                ),
                (
                    "code",
                    models.SlugField(
                        help_text="What records store. It cannot be changed once the entry is saved.",
                        max_length=30,
                    ),
                ),
                ("label", models.CharField(max_length=120)),
                (
                    "source",
                    models.CharField(blank=True, help_text="Where this entry comes from.", max_length=300),
                ),
                (
                    "order",
                    models.PositiveSmallIntegerField(default=0, help_text="Lower numbers are listed first."),
                ),
                (
                    "is_active",
                    models.BooleanField(
                        default=True,
                        help_text="Retired entries stay readable on old records only.",
                        verbose_name="Can be chosen",
                    ),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "lmns",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        help_text="Empty for an entry every LMNS uses; otherwise only this LMNS sees it.",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="lmns.lmns",
                        verbose_name="LMNS",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical professional group",
                "verbose_name_plural": "historical professional groups",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="ProfessionalGroup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "code",
                    models.SlugField(
                        help_text="What records store. It cannot be changed once the entry is saved.",
                        max_length=30,
                        unique=True,
                    ),
                ),
                ("label", models.CharField(max_length=120)),
                (
                    "source",
                    models.CharField(blank=True, help_text="Where this entry comes from.", max_length=300),
                ),
                (
                    "order",
                    models.PositiveSmallIntegerField(default=0, help_text="Lower numbers are listed first."),
                ),
                (
                    "is_active",
                    models.BooleanField(
                        default=True,
                        help_text="Retired entries stay readable on old records only.",
                        verbose_name="Can be chosen",
                    ),
                ),
                (
                    "lmns",
                    models.ForeignKey(
                        blank=True,
                        help_text="Empty for an entry every LMNS uses; otherwise only this LMNS sees it.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="lmns.lmns",
                        verbose_name="LMNS",
                    ),
                ),
            ],
            options={
                "ordering": ["order", "label"],
                "abstract": False,
            },
        ),
        migrations.AddConstraint(
            model_name="ftsucategory",
            constraint=models.UniqueConstraint(
                models.F("label"),
                condition=models.Q(("lmns__isnull", True)),
                name="ftsu_category_label_unique_deployment_wide",
            ),
        ),
        migrations.AddConstraint(
            model_name="ftsucategory",
            constraint=models.UniqueConstraint(
                models.F("lmns"), models.F("label"), name="ftsu_category_label_unique_in_lmns"
            ),
        ),
        migrations.AddConstraint(
            model_name="professionalgroup",
            constraint=models.UniqueConstraint(
                models.F("label"),
                condition=models.Q(("lmns__isnull", True)),
                name="professional_group_label_unique_deployment_wide",
            ),
        ),
        migrations.AddConstraint(
            model_name="professionalgroup",
            constraint=models.UniqueConstraint(
                models.F("lmns"), models.F("label"), name="professional_group_label_unique_in_lmns"
            ),
        ),
        # Removing the rows would orphan concerns; 0005 undone puts the codes back in plain columns.
        migrations.RunPython(add_starting_rows, migrations.RunPython.noop),
    ]
