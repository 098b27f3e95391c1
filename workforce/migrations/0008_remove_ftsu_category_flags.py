"""The category flags are gone: 0005 copied each one set into a link to its category row."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("workforce", "0007_concerns_use_reference_lists")]

    operations = [
        migrations.RemoveField(
            model_name="ftsuconcern",
            name="cat_behaviour",
        ),
        migrations.RemoveField(
            model_name="ftsuconcern",
            name="cat_bullying",
        ),
        migrations.RemoveField(
            model_name="ftsuconcern",
            name="cat_patient_safety",
        ),
        migrations.RemoveField(
            model_name="ftsuconcern",
            name="cat_worker_safety",
        ),
        migrations.RemoveField(
            model_name="historicalftsuconcern",
            name="cat_behaviour",
        ),
        migrations.RemoveField(
            model_name="historicalftsuconcern",
            name="cat_bullying",
        ),
        migrations.RemoveField(
            model_name="historicalftsuconcern",
            name="cat_patient_safety",
        ),
        migrations.RemoveField(
            model_name="historicalftsuconcern",
            name="cat_worker_safety",
        ),
    ]
