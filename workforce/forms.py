import re
from datetime import date

from django import forms
from django.utils import timezone

from lmns.access import lmnss_where, providers_where
from lmns.forms import Checkboxes, DateField, NHSErrorMessagesMixin, Radios
from lmns.models import Lmns, Provider
from lmns.months import add_months, first_of_month
from workforce.models import (
    MAX_TEXT,
    ConcernStatus,
    FtsuCategory,
    FtsuConcern,
    ProfessionalGroup,
    RaisedAs,
    Route,
    WorkforceReturn,
)
from workforce.training.forms import TrainingGridMixin, grid_groups
from workforce.training.selectors import module_targets

MONTHS_BACK = 24

RETURN_SECTIONS = [
    (
        "Midwifery establishment",
        [
            "funded_midwife_wte",
            "in_post_midwife_wte",
            "birthrate_plus_wte",
            "birthrate_plus_on",
            "turnover_rate",
        ],
    ),
    ("Maternity support workers", ["funded_msw_wte", "in_post_msw_wte"]),
    (
        "Care in labour",
        [
            "women_in_labour",
            "one_to_one_care",
            "coordinator_shifts",
            "supernumerary_shifts",
            "consultant_hours",
        ],
    ),
    ("Preceptorship and retention", ["preceptees", "retention_midwife"]),
    # Training compliance by staff group follows, in its own grid (workforce.training.forms).
    ("Anything to explain", ["notes"]),
]


def month_choices(today: date) -> list[tuple[str, str]]:
    """Months that have ended: a month's figures are not known until it is over."""
    current = first_of_month(today)
    months = [add_months(current, -offset) for offset in range(1, MONTHS_BACK + 1)]
    return [(month.isoformat(), f"{month:%B %Y}") for month in months]


class WorkforceReturnForm(TrainingGridMixin, NHSErrorMessagesMixin, forms.ModelForm):
    month = forms.TypedChoiceField(label="Month", coerce=date.fromisoformat)
    confirm_changes = forms.BooleanField(
        label="I have checked the figures flagged above and they are right", required=False
    )

    class Meta:
        model = WorkforceReturn
        fields = ["provider", "month", *(name for _title, names in RETURN_SECTIONS for name in names)]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        field_classes = {"birthrate_plus_on": DateField}

    def __init__(self, *args, user, workforce_return=None, **kwargs):
        super().__init__(*args, instance=workforce_return, **kwargs)
        if workforce_return is not None:
            # A submitted return keeps its provider and month.
            del self.fields["provider"], self.fields["month"]
        else:
            choices = providers_where(user, "submit_workforce_return")
            self.fields["provider"].queryset = choices
            if len(choices) == 1:
                self.fields["provider"].initial = choices[0]
            self.fields["month"].choices = month_choices(timezone.localdate())
            self.fields["month"].initial = add_months(first_of_month(timezone.localdate()), -1).isoformat()
        for name in ("birthrate_plus_wte", "birthrate_plus_on", "notes"):
            self.fields[name].required = False
        if workforce_return is not None:
            figures = list(workforce_return.training_figures.select_related("staff_group"))
            self.add_training_grid(
                groups=_groups_of(figures),
                figures=figures,
                targets=module_targets(workforce_return=workforce_return),
            )
        else:
            lmns_ids = {provider.lmns_id for provider in self.fields["provider"].queryset}
            self.add_training_grid(groups=grid_groups(lmns_ids=lmns_ids))

    def clean(self):
        return self.clean_training_grid(super().clean())

    def sections(self):
        return [(title, [self[name] for name in names]) for title, names in RETURN_SECTIONS]


def _groups_of(figures):
    groups = {figure.staff_group.pk: figure.staff_group for figure in figures}
    return sorted(groups.values(), key=lambda group: (group.position, group.name))


# --- Freedom to Speak Up ---------------------------------------------------------------------

RAISED_AS_HINT = (
    "Openly: the person is happy for their name to be shared. Confidentially: the guardian "
    "knows who they are and shares it with nobody without their consent, unless the law requires it. "
    "Anonymously: nobody knows who they are, so nothing that could identify them is kept."
)
CONTACT_HINT = (
    "How the guardian can reach the person: a name and a phone number or email address. Encrypted, "
    "and shown only to the guardian handling the concern. Never kept for an anonymous concern."
)
NO_CONTACT_IN_TEXT = (
    "Describe what happened, not who raised it. Do not name the person who spoke up, or patients."
)
YES_NO = [("yes", "Yes"), ("no", "No")]


def _yes(value) -> bool:
    return value == "yes"


class ReturnProviderForm(NHSErrorMessagesMixin, forms.Form):
    """Whose monthly return it is, asked first of someone who returns for several providers:
    the perinatal figures are asked per birth site, and each provider has its own."""

    provider = forms.ModelChoiceField(
        queryset=Provider.objects.none(),
        label="Provider",
        error_messages={"required": "Choose the provider whose return this is"},
    )

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers


class ConcernForm(NHSErrorMessagesMixin, forms.Form):
    """Recording or changing a concern, by a guardian or the LMNS FTSU lead."""

    # Meant to hold a name, phone number or email address; kept encrypted.
    pid_exempt = frozenset({"contact"})

    organisation = forms.ChoiceField(
        label="Provider the concern is about",
        help_text="A guardian records the concerns of their own provider.",
    )
    route = forms.ChoiceField(label="How it was raised", choices=Route.choices)
    received_on = DateField(label="Date received", input_formats=["%Y-%m-%d"])
    raised_as = forms.ChoiceField(
        label="How the person raised it", choices=RaisedAs.choices, widget=Radios, help_text=RAISED_AS_HINT
    )
    contact = forms.CharField(
        label="Contact details", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    professional_group = forms.ChoiceField(label="Professional group")
    categories = forms.MultipleChoiceField(
        label="What the concern is about",
        widget=Checkboxes,
        help_text=(
            "The elements of the quarterly return to NHS England's FTSU data collection. "
            "Select all that apply."
        ),
    )
    detriment_reported = forms.TypedChoiceField(
        label="Has the person reported detriment for speaking up?",
        choices=YES_NO,
        coerce=_yes,
        widget=Radios,
        error_messages={"required": "Select whether the person has reported detriment for speaking up"},
    )
    summary = forms.CharField(
        max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 6}), help_text=NO_CONTACT_IN_TEXT
    )
    actions_taken = forms.CharField(
        label="Actions taken", required=False, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4})
    )
    feedback_given = forms.CharField(
        label="Feedback given to the person",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    status = forms.ChoiceField(choices=ConcernStatus.choices)
    closed_on = DateField(label="Date closed", required=False, input_formats=["%Y-%m-%d"])
    outcome = forms.CharField(
        label="Outcome at closure",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, user, concern: FtsuConcern | None = None, **kwargs):
        self.concern = concern
        if concern is not None:
            kwargs.setdefault(
                "initial",
                {
                    **{name: getattr(concern, name) for name in self.EDITABLE},
                    "detriment_reported": "yes" if concern.detriment_reported else "no",
                    "professional_group": concern.professional_group_id,
                    "categories": [category.code for category in concern.categories.all()],
                },
            )
        super().__init__(*args, **kwargs)
        self._offer_reference_choices(user, concern)
        self.fields["categories"].error_messages["required"] = (
            "Select at least one thing the concern is about."
        )
        self.fields["contact"].help_text = CONTACT_HINT
        if concern is None:
            for name in ("status", "closed_on", "outcome"):
                del self.fields[name]
            self.fields["received_on"].initial = timezone.localdate()
            choices = [(f"p:{p.pk}", p.name) for p in providers_where(user, "record_ftsu_concern")]
            choices += [
                (f"l:{lmns.pk}", f"{lmns.name}: no provider named")
                for lmns in lmnss_where(user, "record_ftsu_concern").order_by("name")
            ]
            self.fields["organisation"].choices = choices
            if len(choices) == 1:
                self.fields["organisation"].initial = choices[0][0]
        else:
            del self.fields["organisation"]
            if concern.handler_id != user.pk:
                # Only the handler sees or changes who raised it.
                del self.fields["contact"]
                if concern.has_contact:
                    self.fields["raised_as"].help_text = (
                        "Only the guardian handling this concern can change this: making it anonymous "
                        "erases the person's contact details. " + RAISED_AS_HINT
                    )
            elif concern.has_contact:
                self.fields["contact"].help_text = (
                    "Leave empty to keep the contact details held now. " + CONTACT_HINT
                )

    EDITABLE = [
        "route",
        "received_on",
        "raised_as",
        "professional_group",
        "summary",
        "actions_taken",
        "feedback_given",
        "status",
        "closed_on",
        "outcome",
    ]

    def _offer_reference_choices(self, user, concern: FtsuConcern | None) -> None:
        """Rows that can still be chosen, and those the concern holds already, so that saving
        an edit never drops a retired one: of the concern's LMNS, or for a new concern of the
        LMNSs the user records for (the service checks the one chosen)."""
        for name, model in (("professional_group", ProfessionalGroup), ("categories", FtsuCategory)):
            if concern is None:
                rows = model.objects.visible_to(user).active()
            else:
                held = (
                    [concern.professional_group.pk]
                    if name == "professional_group"
                    else concern.categories.all()
                )
                rows = model.objects.available_to(concern.lmns_id).active_or(held)
            self.fields[name].choices = [(row.code, row.label) for row in rows.order_by("order", "label")]

    def clean_organisation(self):
        value = self.cleaned_data["organisation"]
        kind, pk = value.split(":")
        model = Provider if kind == "p" else Lmns
        return model.objects.get(pk=pk)

    def clean(self):
        cleaned = super().clean()
        contact = (cleaned.get("contact") or "").strip()
        raised_as = cleaned.get("raised_as")
        if raised_as == RaisedAs.ANONYMOUS and contact:
            self.add_error(
                "contact",
                "An anonymous concern keeps no contact details. Clear them, or choose confidentially.",
            )
        has_contact = self.concern is not None and self.concern.has_contact
        if (
            raised_as in {RaisedAs.OPEN, RaisedAs.CONFIDENTIAL}
            and "contact" in self.fields
            and not contact
            and not has_contact
        ):
            self.add_error("contact", "Enter how the guardian can contact the person, or choose anonymously.")
        return cleaned

    def service_fields(self) -> dict:
        fields = dict(self.cleaned_data)
        organisation = fields.pop("organisation", None)
        if self.concern is None:
            if isinstance(organisation, Provider):
                fields["provider"] = organisation
            else:
                fields.update(provider=None, lmns=organisation)
        return fields


class MessageForm(NHSErrorMessagesMixin, forms.Form):
    body = forms.CharField(label="Message", max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4}))


class HandOverForm(NHSErrorMessagesMixin, forms.Form):
    to = forms.ModelChoiceField(
        label="Hand this concern over to",
        queryset=None,
        help_text="They will be the only person shown the contact details of whoever raised it.",
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = people
        self.fields["to"].label_from_instance = lambda user: user.get_full_name() or user.get_username()


class NoteForm(NHSErrorMessagesMixin, forms.Form):
    body = forms.CharField(
        label="Note",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For guardians only: the person who raised the concern never sees notes.",
    )


# --- Speaking up to the LMNS with no account ---------------------------------------------------

# Something that looks like a real tag: "<b>", "</script >", "<img src=x onerror=...>",
# "<svg/onload=...>", or a comment or declaration. Not "x<y" or "<half the establishment":
# people write "<" as "less than", and those could never be markup.
TAG = re.compile(
    r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9-]*(?:[\s/]+[^<>]*=[^<>]*)?\s*/?\s*>"
    r"|<\s*[!?][a-zA-Z-]"
)


class PlainTextField(forms.CharField):
    """Free text with no markup: the public form refuses anything that looks like an HTML tag.
    (Every page escapes what it shows anyway; this keeps markup out of the record.)"""

    def clean(self, value):
        value = super().clean(value)
        if value and TAG.search(value):
            raise forms.ValidationError("Write in plain text, without HTML tags such as <b> or <script>.")
        return value


class SpeakUpForm(NHSErrorMessagesMixin, forms.Form):
    # Meant to hold a name, phone number or email address; kept encrypted.
    pid_exempt = frozenset({"contact"})

    organisation = forms.ChoiceField(
        label="Which organisation is your concern about?",
        help_text="You do not have to say: choose 'I would rather not say' and nobody will ask.",
        error_messages={"required": "Select which organisation your concern is about"},
    )
    raised_as = forms.ChoiceField(
        label="How do you want to raise it?",
        choices=RaisedAs.choices,
        widget=Radios,
        error_messages={"required": "Select how you want to raise your concern"},
    )
    contact = PlainTextField(
        label="How can we contact you? (only if you raise it openly or confidentially)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Your name and a phone number or email address. Encrypted, and read only by the "
        "LMNS Freedom to Speak Up lead handling your concern. Leave this empty to stay anonymous.",
    )
    professional_group = forms.ChoiceField(
        label="Your professional group",
        initial=ProfessionalGroup.NOT_KNOWN,
        help_text="Choose 'Not known' if you would rather not say.",
    )
    categories = forms.MultipleChoiceField(
        label="What is your concern about?",
        widget=Checkboxes,
        help_text="Select all that apply.",
        error_messages={"required": "Select at least one thing your concern is about"},
    )
    detriment_reported = forms.TypedChoiceField(
        label="Have you been treated badly because you spoke up before?",
        choices=YES_NO,
        coerce=_yes,
        widget=Radios,
        error_messages={"required": "Select whether you have been treated badly because you spoke up before"},
    )
    summary = PlainTextField(
        label="Your concern",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What is happening, where, and what you think should change. To stay anonymous, leave out "
        "anything that would identify you. Do not include patients' names or NHS numbers.",
    )
    # Left empty by people; filled in by scripts that complete every field.
    website = forms.CharField(label="Leave this empty", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One public form serves every LMNS, so it offers the deployment-wide rows only; an LMNS's
        # own rows are chosen by its guardians when they record or edit a concern.
        for name, model in (("professional_group", ProfessionalGroup), ("categories", FtsuCategory)):
            rows = model.objects.filter(lmns__isnull=True).active()
            self.fields[name].choices = [(row.code, row.label) for row in rows]
        choices = []
        for lmns in Lmns.objects.prefetch_related("providers").order_by("name"):
            group = [(f"p:{provider.pk}", provider.name) for provider in lmns.providers.all()]
            group.append((f"l:{lmns.pk}", "I would rather not say, or another organisation"))
            choices.append((lmns.name, group))
        self.fields["organisation"].choices = [("", "Choose an organisation"), *choices]

    def clean_organisation(self):
        kind, _, pk = self.cleaned_data["organisation"].partition(":")
        if kind == "p":
            provider = Provider.objects.select_related("lmns").get(pk=pk)
            return provider.lmns, provider
        return Lmns.objects.get(pk=pk), None

    def clean_website(self):
        if self.cleaned_data["website"]:
            raise forms.ValidationError(
                "This form looks as if a program filled it in. Leave the last field empty and send it again."
            )
        return ""

    def clean(self):
        cleaned = super().clean()
        raised_as, contact = cleaned.get("raised_as"), (cleaned.get("contact") or "").strip()
        if raised_as == RaisedAs.ANONYMOUS and contact:
            self.add_error(
                "contact",
                "To stay anonymous, leave your contact details empty. Or choose confidentially to give them.",
            )
        elif raised_as in {RaisedAs.OPEN, RaisedAs.CONFIDENTIAL} and not contact:
            self.add_error("contact", "Enter how we can contact you, or choose anonymously.")
        return cleaned

    def service_fields(self) -> dict:
        fields = {name: value for name, value in self.cleaned_data.items() if name != "website"}
        fields["lmns"], fields["provider"] = fields.pop("organisation")
        return fields


class CaseOpenForm(NHSErrorMessagesMixin, forms.Form):
    reference = forms.CharField(
        label="Case reference", max_length=40, help_text="For example FTSU-7K2M-Q9XD."
    )
    passphrase = forms.CharField(
        label="Passphrase",
        max_length=60,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="The passphrase you were given when you raised your concern.",
    )


class CaseAnswerForm(NHSErrorMessagesMixin, forms.Form):
    body = PlainTextField(label="Your answer", max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 5}))
    case = forms.CharField(widget=forms.HiddenInput)
