"""Concerns hold their professional group and categories as links to the reference rows.

The professional group keeps its column and its stored codes (a foreign key to the row's code),
so nothing is rewritten; each category flag that was set becomes a link to its row, on the
concern and in its history.
"""

import django.db.models.deletion
import simple_history.models
from django.db import migrations, models

FLAGS = ["patient_safety", "worker_safety", "bullying", "behaviour"]


def flags_to_links(apps, schema_editor):
    """Each flag set, on the concern and on every row of its history, becomes a link, so the
    History page still shows when the categories changed."""
    FtsuConcern = apps.get_model("workforce", "FtsuConcern")
    FtsuCategory = apps.get_model("workforce", "FtsuCategory")
    category_pk = dict(FtsuCategory.objects.filter(code__in=FLAGS).values_list("code", "pk"))
    Link = FtsuConcern.categories.through
    links = [
        Link(ftsuconcern_id=concern_pk, ftsucategory_id=category_pk[code])
        for code in FLAGS
        for concern_pk in FtsuConcern.objects.filter(**{f"cat_{code}": True}).values_list("pk", flat=True)
    ]
    Link.objects.bulk_create(links, batch_size=1000)
    link_pk = {
        (concern_pk, category): pk
        for pk, concern_pk, category in Link.objects.values_list("pk", "ftsuconcern_id", "ftsucategory_id")
    }
    HistoricalFtsuConcern = apps.get_model("workforce", "HistoricalFtsuConcern")
    HistoricalLink = apps.get_model("workforce", "HistoricalFtsuConcern_categories")
    flagged = HistoricalFtsuConcern.objects.values_list("history_id", "id", *(f"cat_{code}" for code in FLAGS))
    HistoricalLink.objects.bulk_create(
        (
            HistoricalLink(
                # The id of the link as it is now; 0 where the concern no longer has the category.
                id=link_pk.get((concern_pk, category_pk[code]), 0),
                history_id=history_id,
                ftsuconcern_id=concern_pk,
                ftsucategory_id=category_pk[code],
            )
            for history_id, concern_pk, *flags in flagged.iterator()
            for code, flag in zip(FLAGS, flags, strict=True)
            if flag
        ),
        batch_size=1000,
    )


def links_to_flags(apps, schema_editor):
    FtsuConcern = apps.get_model("workforce", "FtsuConcern")
    HistoricalFtsuConcern = apps.get_model("workforce", "HistoricalFtsuConcern")
    HistoricalLink = apps.get_model("workforce", "HistoricalFtsuConcern_categories")
    for code in FLAGS:
        FtsuConcern.objects.filter(categories__code=code).update(**{f"cat_{code}": True})
        history_ids = HistoricalLink.objects.filter(ftsucategory__code=code).values("history_id")
        HistoricalFtsuConcern.objects.filter(history_id__in=history_ids).update(**{f"cat_{code}": True})


class Migration(migrations.Migration):
    dependencies = [("workforce", "0006_ftsu_reference_lists")]

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
        migrations.CreateModel(
            name='HistoricalFtsuConcern_categories',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('ftsucategory', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='workforce.ftsucategory')),
                ('ftsuconcern', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='workforce.ftsuconcern')),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='workforce.historicalftsuconcern')),
            ],
            options={
                'verbose_name': 'HistoricalFtsuConcern_categories',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(flags_to_links, links_to_flags),
    ]
