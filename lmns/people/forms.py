from django import forms

from lmns.forms import NHSErrorMessagesMixin
from lmns.models import Lmns, Role


class OrganisationField(forms.ChoiceField):
    """An LMNS or one of its providers, from those given: "lmns-<pk>" or "provider-<pk>"."""

    def __init__(self, *, organisations, **kwargs):
        self.organisations = {self.key(organisation): organisation for organisation in organisations}
        choices = [
            (key, str(o) if isinstance(o, Lmns) else f"{o} ({o.ods_code})")
            for key, o in self.organisations.items()
        ]
        super().__init__(choices=[("", "Choose where"), *choices], **kwargs)

    @staticmethod
    def key(organisation) -> str:
        return f"{'lmns' if isinstance(organisation, Lmns) else 'provider'}-{organisation.pk}"

    def clean(self, value):
        return self.organisations[super().clean(value)]


class RoleGrantForm(NHSErrorMessagesMixin, forms.Form):
    role = forms.ChoiceField(
        choices=[("", "Choose a role"), *Role.choices],
        help_text="LMNS roles are held at the LMNS and provider roles at a provider. A board viewer "
        "may be either.",
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        # Built here because the choices are the organisations this administrator manages.
        self.fields["organisation"] = OrganisationField(
            organisations=organisations, label="Where", error_messages={"required": "Select where"}
        )
        self.order_fields(["first_name", "last_name", "email", "organisation", "role"])


class InviteForm(RoleGrantForm):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(
        label="Email address",
        max_length=150,
        help_text="Their work email address. It becomes their username, and the invitation goes there.",
    )
