"""Referral bodies become reference data (issue 20).

MNSI, PMRT, MBRRACE-UK and the coroner were fixed in the code; now each is a row with a code
(the prefix the incident's columns had, which import mappings still name), a label, a
description, a source note, an order and whether it can still be chosen. The source notes say
how far each was checked (shared/domain.md tags: [V] seen in a stored source, [M] recalled).
The next migration moves the incidents' referral columns into referral rows.
"""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


SOURCES = {
    "mnsi": "MNSI's referral page (mnsi.org.uk/for-nhs/refer-a-case-to-us/) and what it investigates "
    "(domain.md 4.4, 11) [V]. Its maternal-death criteria are recalled [M]: not checked.",
    "pmrt": "PMRT's scope (npeu.ox.ac.uk/pmrt/faqs; domain.md 4.5, 11) [V].",
    "mbrrace": "MBRRACE-UK notification, which MNSI's referral page lists among what a trust still "
    "owes (domain.md 4.4) [V]. The MIS deadline (7 working days) is recalled [M]: not checked.",
    "coroner": "Recalled [M]: not checked against the coroners' rules or guidance. The monthly board "
    "dataset counts coroner's Regulation 28 notices (domain.md 3.2) [M].",
}

BODIES = [
    (
        "mnsi",
        "MNSI",
        "Maternity and Newborn Safety Investigations: babies born at 37+0 weeks or later after labour "
        "with intrapartum stillbirth, early neonatal death or potential severe brain injury, and "
        "certain maternal deaths. Referred through HIMS with the family's consent.",
    ),
    (
        "pmrt",
        "PMRT",
        "Perinatal Mortality Review Tool: late fetal losses from 22+0 to 23+6 weeks, stillbirths from "
        "24+0 weeks, neonatal deaths to 28 days, and post-neonatal deaths after neonatal care.",
    ),
    ("mbrrace", "MBRRACE-UK", "Notification of a maternal or perinatal death to MBRRACE-UK."),
    ("coroner", "Coroner", "A death referred to the coroner."),
]


def add_starting_rows(apps, schema_editor):
    body = apps.get_model("incidents", "ReferralBody")
    body.objects.bulk_create(
        body(code=code, label=label, description=description, source=SOURCES[code], order=10 * (index + 1))
        for index, (code, label, description) in enumerate(BODIES)
        if not body.objects.filter(code=code).exists()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0015_incident_death_types_graded_fatal"),
        ("lmns", "0010_user_history"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalReferralBody",
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
                (
                    "description",
                    models.TextField(blank=True, help_text="What is referred or notified, and when."),
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
                "verbose_name": "historical referral body",
                "verbose_name_plural": "historical referral bodies",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="ReferralBody",
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
                    "description",
                    models.TextField(blank=True, help_text="What is referred or notified, and when."),
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
                "verbose_name": "referral body",
                "verbose_name_plural": "referral bodies",
                "ordering": ["order", "label"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="IncidentReferral",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("referred_on", models.DateField(verbose_name="Referred on")),
                ("reference", models.CharField(blank=True, max_length=50)),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="referrals",
                        to="incidents.incident",
                    ),
                ),
                (
                    "body",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="referrals",
                        to="incidents.referralbody",
                    ),
                ),
            ],
            options={
                "ordering": ["body__order", "body__label"],
            },
        ),
        migrations.CreateModel(
            name="HistoricalIncidentReferral",
            fields=[
                (
                    "id",
                    models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID"),
                ),
                ("referred_on", models.DateField(verbose_name="Referred on")),
                ("reference", models.CharField(blank=True, max_length=50)),
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
                    "incident",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="incidents.incident",
                    ),
                ),
                (
                    "body",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="incidents.referralbody",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical incident referral",
                "verbose_name_plural": "historical incident referrals",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddConstraint(
            model_name="referralbody",
            constraint=models.UniqueConstraint(
                models.F("label"),
                condition=models.Q(("lmns__isnull", True)),
                name="referral_body_label_unique_deployment_wide",
            ),
        ),
        migrations.AddConstraint(
            model_name="referralbody",
            constraint=models.UniqueConstraint(
                models.F("lmns"), models.F("label"), name="referral_body_label_unique_in_lmns"
            ),
        ),
        migrations.AddConstraint(
            model_name="incidentreferral",
            constraint=models.UniqueConstraint(
                models.F("incident"), models.F("body"), name="incident_referral_one_per_body"
            ),
        ),
        migrations.RunPython(add_starting_rows, migrations.RunPython.noop),
    ]
