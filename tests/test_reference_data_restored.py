"""A transactional test empties every table; the next test must find the reference data the
migrations loaded (incident types with their death flags, themes, staff groups...), whatever
order the tests run in (tests/conftest.py)."""

import pytest
from django.core import serializers
from django.core.management import call_command

from incidents.models import IncidentType
from tests.conftest import restore_migrated_reference_rows
from workforce.models import StaffGroup


@pytest.mark.django_db(transaction=True)
def test_the_migrated_reference_rows_is_put_back_exactly_as_the_migrations_left_it(_migrated_reference_rows):
    assert StaffGroup.objects.filter(lmns=None).count() == 6
    assert IncidentType.objects.filter(is_death=True).count() == 5

    call_command("flush", interactive=False, verbosity=0)
    assert not StaffGroup.objects.exists() and not IncidentType.objects.exists()
    restore_migrated_reference_rows(_migrated_reference_rows)

    assert serializers.serialize("json", StaffGroup.objects.order_by("pk")) == serializers.serialize(
        "json",
        [
            row.object
            for row in serializers.deserialize("json", _migrated_reference_rows)
            if isinstance(row.object, StaffGroup)
        ],
    )
    assert set(IncidentType.objects.filter(is_death=True).values_list("name", flat=True)) == {
        "Maternal death",
        "Stillbirth",
        "Intrapartum stillbirth",
        "Late fetal loss (22+0 to 23+6 weeks)",
        "Neonatal death",
    }
    assert IncidentType.history.exists()
