from datetime import timedelta

from django.db import migrations, models
from django.utils import timezone


def expire_existing_tokens_in_90_days(apps, schema_editor):
    # Tokens made before tokens expired keep working for the default lifetime from now, so
    # that no integration stops at once: their holders see the date on the tokens page.
    ApiToken = apps.get_model("api", "ApiToken")
    ApiToken.objects.filter(expires_at__isnull=True).update(expires_at=timezone.now() + timedelta(days=90))


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_api_tokens"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(expire_existing_tokens_in_90_days, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(),
        ),
    ]
