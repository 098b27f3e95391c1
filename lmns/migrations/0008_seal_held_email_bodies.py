from django.db import migrations

from lmns import sealing


def seal_bodies(apps, schema_editor):
    """Emails held before bodies were sealed are plain text: seal them, so that they are
    still sent, and no reset link is left readable."""
    UnsentEmail = apps.get_model("lmns", "UnsentEmail")
    for email in UnsentEmail.objects.only("body").iterator():
        email.body = sealing.seal(email.body)
        email.save(update_fields=["body"])


def unseal_bodies(apps, schema_editor):
    UnsentEmail = apps.get_model("lmns", "UnsentEmail")
    for email in UnsentEmail.objects.only("body").iterator():
        email.body = sealing.unseal(email.body)
        email.save(update_fields=["body"])


class Migration(migrations.Migration):
    dependencies = [
        ("lmns", "0007_audit_history"),
    ]

    operations = [migrations.RunPython(seal_bodies, unseal_bodies)]
