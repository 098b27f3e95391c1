"""The Ockenden frameworks ship published with no requirement's wording marked checked (issue 20):
no stored source held the reports' IEA text. A correction is a revision made in the product;
the loader refuses to change a published framework in place."""

import shutil

import pytest

from assurance.frameworks import FRAMEWORKS_DIR, FrameworkFileError, load_all, load_parsed, parse_files
from assurance.models import Framework, FrameworkStatus, Requirement

pytestmark = pytest.mark.django_db

OCKENDEN = ["ockenden-interim-2020", "ockenden-final-2022"]


def test_the_ockenden_frameworks_load_published_with_every_wording_unchecked():
    load_all()
    for slug in OCKENDEN:
        assert Framework.objects.get(slug=slug).status == FrameworkStatus.PUBLISHED
        requirements = Requirement.objects.filter(action__framework__slug=slug)
        assert requirements.exists()
        assert not requirements.filter(wording_checked=True).exists(), slug


def test_a_published_ockenden_file_is_never_corrected_in_place(tmp_path):
    load_all()
    edited = tmp_path / "ockenden-interim-2020.yaml"
    shutil.copy(FRAMEWORKS_DIR / edited.name, edited)
    text = edited.read_text(encoding="utf-8")
    edited.write_text(
        text.replace(
            "An external specialist opinion", "An external specialist opinion, from within the region,"
        ),
        encoding="utf-8",
    )
    (data,) = parse_files([edited])
    with pytest.raises(FrameworkFileError, match="never edited in place"):
        load_parsed(data)
    requirement = Requirement.objects.get(action__framework__slug="ockenden-interim-2020", code="IEA1.2")
    assert "within the region" not in requirement.text
