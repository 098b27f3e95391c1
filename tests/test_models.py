import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from lmns.models import Membership, Provider, Role
from tests.factories import make_lmns, make_provider, make_user

pytestmark = pytest.mark.django_db


def test_membership_belongs_to_exactly_one_organisation(world):
    user = make_user()
    with pytest.raises(IntegrityError):
        Membership.objects.create(user=user, role=Role.BOARD_VIEWER, provider=world.a1, lmns=world.lmns_a)


def test_membership_role_must_suit_the_organisation(world):
    user = make_user()
    with pytest.raises(IntegrityError):
        Membership.objects.create(user=user, role=Role.LMNS_OFFICER, provider=world.a1)


def test_membership_clean_explains_a_mismatched_role(world):
    membership = Membership(user=make_user(), role=Role.PROVIDER_LEAD, lmns=world.lmns_a)
    with pytest.raises(ValidationError) as error:
        membership.full_clean()
    assert "provider role" in str(error.value)


def test_ods_codes_are_validated():
    provider = Provider(lmns=make_lmns(), name="Lowercase Trust", ods_code="rx1")
    with pytest.raises(ValidationError) as error:
        provider.full_clean()
    assert "ODS code" in str(error.value.message_dict["ods_code"])


def test_ods_codes_are_unique_across_lmnss():
    make_provider(ods_code="RX1")
    with pytest.raises(IntegrityError):
        make_provider(ods_code="RX1")
