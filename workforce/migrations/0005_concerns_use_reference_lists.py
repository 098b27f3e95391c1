"""Concerns hold their professional group and categories as links to the reference rows.

The professional group keeps its column and its stored codes (a foreign key to the row's code),
so nothing is rewritten; each category flag that was set becomes a link to its row.
"""

import django.db.models.deletion
from django.db import migrations, models

FLAGS = ["patient_safety", "worker_safety", "bullying", "behaviour"]


def flags_to_links(apps, schema_editor):
    FtsuConcern = apps.get_model("workforce", "FtsuConcern")
    FtsuCategory = apps.get_model("workforce", "FtsuCategory")
    Link = FtsuConcern.categories.through
    category_pk = dict(FtsuCategory.objects.filter(code__in=FLAGS).values_list("code", "pk"))
    links = []
    for code in FLAGS:
        for concern_pk in FtsuConcern.objects.filter(**{f"cat_{code}": True}).values_list("pk", flat=True):
            links.append(Link(ftsuconcern_id=concern_pk, ftsucategory_id=category_pk[code]))
    Link.objects.bulk_create(links, batch_size=1000)


def links_to_flags(apps, schema_editor):
    FtsuConcern = apps.get_model("workforce", "FtsuConcern")
    for code in FLAGS:
        FtsuConcern.objects.filter(categories__code=code).update(**{f"cat_{code}": True})


class Migration(migrations.Migration):
    dependencies = [("workforce", "0004_ftsu_reference_lists")]

    operations = [
        migrations.AddField(
            model_name="ftsuconcern",
            name="categories",
            field=models.ManyToManyField(
                related_name="concerns", to="workforce.ftsucategory", verbose_name="About"
            ),
        ),
        migrations.AlterField(
            model_name="ftsuconcern",
            name="professional_group",
            field=models.ForeignKey(
                db_column="professional_group",
                default="not_known",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="workforce.professionalgroup",
                to_field="code",
            ),
        ),
        migrations.AlterField(
            model_name="historicalftsuconcern",
            name="professional_group",
            field=models.ForeignKey(
                blank=True,
                db_column="professional_group",
                db_constraint=False,
                default="not_known",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="workforce.professionalgroup",
                to_field="code",
            ),
        ),
        migrations.RunPython(flags_to_links, links_to_flags),
    ]
