"""Every form says what to do when a required field is empty in the NHS.UK way ("Select how you
want to raise your concern"), never as a machine-made question ("Select how do you want to raise
it?"): a field whose label is a question says its own message."""

import importlib
import pkgutil

import pytest
from django import forms

from lmns.forms import DJANGO_REQUIRED, NHSErrorMessagesMixin
from workforce.forms import SpeakUpForm

PACKAGES = ("lmns", "incidents", "assurance", "workforce")


def _all_forms() -> list[type]:
    for package in PACKAGES:
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, f"{package}."):
            if info.name.rsplit(".", 1)[-1] == "forms":
                importlib.import_module(info.name)
    found, queue = [], [NHSErrorMessagesMixin]
    while queue:
        cls = queue.pop()
        queue.extend(cls.__subclasses__())
        if issubclass(cls, forms.BaseForm):
            found.append(cls)
    return found


FORMS = _all_forms()


def test_every_form_of_the_product_is_found():
    assert len(FORMS) > 40
    assert SpeakUpForm in FORMS


@pytest.mark.parametrize("form_class", FORMS, ids=lambda cls: f"{cls.__module__}.{cls.__qualname__}")
def test_a_required_question_says_what_to_do_in_words_of_its_own(form_class):
    for name, field in form_class.base_fields.items():
        label = str(field.label or "")
        if field.required and label.rstrip().endswith("?"):
            message = str(field.error_messages["required"])
            assert message != DJANGO_REQUIRED, f"{name}: '{label}' needs a message of its own"
            assert not message.endswith("?"), f"{name}: {message}"


@pytest.mark.django_db
def test_the_speak_up_form_asks_in_plain_words():
    form = SpeakUpForm(data={})
    form.is_valid()
    assert form.errors["raised_as"] == ["Select how you want to raise your concern"]
    assert form.errors["organisation"] == ["Select which organisation your concern is about"]
    assert form.errors["categories"] == ["Select at least one thing your concern is about"]
    assert form.errors["detriment_reported"] == [
        "Select whether you have been treated badly because you spoke up before"
    ]
    assert not any(message.endswith("?") for messages in form.errors.values() for message in messages)
