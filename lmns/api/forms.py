from django import forms

from lmns.api.models import ApiToken
from lmns.forms import NHSErrorMessagesMixin


class ApiTokenForm(NHSErrorMessagesMixin, forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name"]
