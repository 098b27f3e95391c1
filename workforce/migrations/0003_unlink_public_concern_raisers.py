"""Forget the accounts that history kept as the authors of concerns raised on the public form.

Until this change, a member of staff who was signed in while speaking up was kept as the
history user of the concern's creation (issue 18), and the History page named them. A
concern raised on the public form is the only kind created with nobody recording it: every
concern a guardian or the FTSU lead records keeps them as ``recorded_by``. So those creation
rows lose their user; the later changes, made by the guardians handling the concern, keep theirs.
"""

from django.db import migrations


def unlink_public_raisers(apps, schema_editor):
    HistoricalFtsuConcern = apps.get_model("workforce", "HistoricalFtsuConcern")
    HistoricalFtsuConcern.objects.filter(
        history_type="+",
        route="online",
        received_by="lmns",
        recorded_by__isnull=True,
        history_user__isnull=False,
    ).update(history_user=None)


class Migration(migrations.Migration):
    dependencies = [("workforce", "0002_audit_history")]

    # Nothing to undo: the links are gone on purpose.
    operations = [migrations.RunPython(unlink_public_raisers, migrations.RunPython.noop)]
