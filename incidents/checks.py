"""System checks: the improvement data files are read when the service starts (``manage.py
check``, ``migrate``, ``runserver``), so a broken file stops a deployment with its name and
the reason, instead of failing the first person who opens a survey or a plan."""

import yaml
from django.core.checks import Error, register


@register()
def improvement_data_files(app_configs, **kwargs):
    from incidents.improvement import selectors

    errors = []
    for what, load in (
        ("survey", selectors.survey_definitions),
        ("driver diagram", selectors.driver_diagram),
    ):
        try:
            load()
        except (
            selectors.SurveyFileError,
            yaml.YAMLError,
            OSError,
            KeyError,
            TypeError,
            AttributeError,
        ) as error:
            errors.append(
                Error(f"The improvement {what} data could not be read: {error}", id="incidents.E001")
            )
    return errors
