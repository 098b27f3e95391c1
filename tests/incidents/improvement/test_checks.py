"""A broken survey file is reported when the service starts, naming the file and the reason."""

from django.core.checks import run_checks

from incidents.improvement import selectors


def test_the_shipped_files_pass():
    assert not [error for error in run_checks() if error.id == "incidents.E001"]


def test_a_broken_survey_file_stops_the_start(tmp_path, monkeypatch):
    (tmp_path / "broken.yaml").write_text(
        "slug: broken\ntitle: Broken\ngroups:\n  - key: g\n", encoding="utf-8"
    )
    monkeypatch.setattr(selectors, "SURVEYS_DIR", tmp_path)
    selectors.survey_definitions.cache_clear()
    try:
        errors = [error for error in run_checks() if error.id == "incidents.E001"]
    finally:
        monkeypatch.undo()
        selectors.survey_definitions.cache_clear()
    assert len(errors) == 1
    assert "broken.yaml" in errors[0].msg and "every group needs a key and a title" in errors[0].msg
