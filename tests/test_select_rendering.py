"""The project's select template writes options in Python; its markup must stay Django's."""

from django import forms
from django.forms.renderers import DjangoTemplates
from django.test import SimpleTestCase

from lmns.forms import NHSFormRenderer

CHOICES = [
    ("", "---------"),
    ("low", "Low harm"),
    ("<b>", 'Quotes " and <tags> & ampersands'),
    ("Group", [(1, "One"), (2, "Two")]),
]


class SelectRenderingTests(SimpleTestCase):
    def assert_same_as_django(self, widget, value, attrs=None):
        ours = widget.render("harm", value, attrs, renderer=NHSFormRenderer())
        django = widget.render("harm", value, attrs, renderer=DjangoTemplates())
        self.assertHTMLEqual(ours, django)
        return ours

    def test_a_select_is_written_as_django_writes_it(self):
        html = self.assert_same_as_django(forms.Select(choices=CHOICES), "<b>", {"id": "id_harm"})
        self.assertIn('<option value="&lt;b&gt;" selected>', html)
        self.assertIn("Quotes &quot; and &lt;tags&gt; &amp; ampersands", html)
        self.assertIn('<optgroup label="Group">', html)

    def test_a_multiple_select_marks_every_chosen_option(self):
        html = self.assert_same_as_django(forms.SelectMultiple(choices=CHOICES), ["low", "2"])
        self.assertIn('<option value="low" selected>', html)
        self.assertIn('<option value="2" selected>', html)
        self.assertIn('<option value="1">', html)

    def test_options_keep_their_own_attributes(self):
        class Marked(forms.Select):
            def create_option(self, *args, **kwargs):
                option = super().create_option(*args, **kwargs)
                option["attrs"].update({"data-note": 'a "b"', "disabled": option["value"] == "low"})
                return option

        html = self.assert_same_as_django(Marked(choices=CHOICES), "")
        self.assertIn('<option value="low" data-note="a &quot;b&quot;" disabled>', html)
