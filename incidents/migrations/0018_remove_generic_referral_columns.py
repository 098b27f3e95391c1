"""The incidents' own PMRT, MBRRACE-UK and coroner columns go: the previous migration moved
their values into referral rows (MNSI's referral stays on the incident)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0017_referral_rows"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="historicalincident",
            name="coroner_reference",
        ),
        migrations.RemoveField(
            model_name="historicalincident",
            name="coroner_referred_on",
        ),
        migrations.RemoveField(
            model_name="historicalincident",
            name="mbrrace_reference",
        ),
        migrations.RemoveField(
            model_name="historicalincident",
            name="mbrrace_referred_on",
        ),
        migrations.RemoveField(
            model_name="historicalincident",
            name="pmrt_reference",
        ),
        migrations.RemoveField(
            model_name="historicalincident",
            name="pmrt_referred_on",
        ),
        migrations.RemoveField(
            model_name="incident",
            name="coroner_reference",
        ),
        migrations.RemoveField(
            model_name="incident",
            name="coroner_referred_on",
        ),
        migrations.RemoveField(
            model_name="incident",
            name="mbrrace_reference",
        ),
        migrations.RemoveField(
            model_name="incident",
            name="mbrrace_referred_on",
        ),
        migrations.RemoveField(
            model_name="incident",
            name="pmrt_reference",
        ),
        migrations.RemoveField(
            model_name="incident",
            name="pmrt_referred_on",
        ),
    ]
