from django import forms
from django.db.models import Q

from assurance.maturity.models import MaturityLevel, MaturityModel, MaturityScore
from assurance.maturity.services import MODEL_FIELDS
from lmns import access
from lmns.forms import DateField, NHSErrorMessagesMixin, Radios

LMNS_ITSELF = "lmns"


class MaturityModelForm(NHSErrorMessagesMixin, forms.ModelForm):
    """A draft's details and every name and descriptor of its grid, on one page: the grid is
    small (a few domains by a few levels) and is checked against its source as a whole."""

    class Meta:
        model = MaturityModel
        fields = list(MODEL_FIELDS)
        widgets = {"source_note": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"source_note": "Where the wording comes from, and how far it was checked against it."}

    def __init__(self, *args, levels, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.levels, self.rows = levels, rows
        for level in levels:
            self.fields[f"level-{level.pk}"] = forms.CharField(
                label=f"Name of level {level.number}", max_length=100, initial=level.name
            )
        for domain, cells in rows:
            self.fields[f"domain-{domain.pk}"] = forms.CharField(
                label=f"Name of domain {domain.code}", max_length=200, initial=domain.name
            )
            for level, cell in zip(levels, cells, strict=True):
                if cell is not None:
                    self.fields[f"descriptor-{cell.pk}"] = forms.CharField(
                        label=f"{domain.name} at level {level.number}",
                        widget=forms.Textarea(attrs={"rows": 2}),
                        initial=cell.text,
                    )

    def grouped(self):
        """The grid's fields for the template: the level names, then each domain's name and cells."""
        return (
            [self[f"level-{level.pk}"] for level in self.levels],
            [
                (self[f"domain-{domain.pk}"], [self[f"descriptor-{cell.pk}"] for cell in cells if cell])
                for domain, cells in self.rows
            ],
        )

    def wording(self) -> dict:
        def pick(prefix):
            return {
                int(name.removeprefix(prefix)): value
                for name, value in self.cleaned_data.items()
                if name.startswith(prefix)
            }

        return {"levels": pick("level-"), "domains": pick("domain-"), "descriptors": pick("descriptor-")}


class NewVersionForm(NHSErrorMessagesMixin, forms.Form):
    version = forms.CharField(max_length=50, help_text="For example 2027, or the source's new edition.")


class RoundStartForm(NHSErrorMessagesMixin, forms.Form):
    model = forms.ModelChoiceField(label="Maturity model", queryset=MaturityModel.objects.none())
    organisation = forms.ChoiceField(label="Whose round is it")
    assessed_on = DateField(
        label="Date of the round", help_text="For example, the day of the review meeting."
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        lmnss = access.lmnss_where(user, "plan_improvement").order_by("name")
        providers = access.providers_where(user, "assess").select_related("lmns")
        self.fields["organisation"].choices = [
            *((f"{LMNS_ITSELF}-{lmns.pk}", f"{lmns.name} (the LMNS itself)") for lmns in lmnss),
            *((provider.ods_code, provider.name) for provider in providers),
        ]
        self.organisations = {
            **{f"{LMNS_ITSELF}-{lmns.pk}": (lmns, None) for lmns in lmnss},
            **{provider.ods_code: (provider.lmns, provider) for provider in providers},
        }
        lmns_ids = {lmns.pk for lmns, _ in self.organisations.values()}
        self.fields["model"].queryset = (
            MaturityModel.objects.visible_to(user)
            .scorable()
            .filter(Q(lmns_id__in=lmns_ids))
            .order_by("name", "version")
        )

    def clean(self):
        data = super().clean()
        chosen = self.organisations.get(data.get("organisation"))
        model = data.get("model")
        if chosen and model and chosen[0].pk != model.lmns_id:
            self.add_error("organisation", "Select an organisation of the model's LMNS")
        if chosen:
            data["provider"] = chosen[1]
        return data


class ScoreForm(NHSErrorMessagesMixin, forms.Form):
    """One domain's score; the scoring page holds one per domain, each with its own prefix. The
    levels come as a list, read once for the page, not a queryset read again by every form."""

    level = forms.TypedChoiceField(label="Level", coerce=int, empty_value=None, widget=Radios, required=False)
    note = forms.CharField(
        label="Note and evidence",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why this level: what is in place, and where it shows. Describe services and teams, "
        "not patients.",
    )

    def __init__(self, *args, score: MaturityScore, levels: list[MaturityLevel], descriptors: dict, **kwargs):
        super().__init__(
            *args, prefix=f"score-{score.pk}", initial={"level": score.level_id, "note": score.note}, **kwargs
        )
        self.score = score
        self.levels = {level.pk: level for level in levels}
        self.fields["level"].label = f"Level of {score.domain.name}"
        self.fields["level"].choices = [
            (level.pk, f"{level.number}. {level.name}: {descriptors.get((score.domain_id, level.pk), '')}")
            for level in levels
        ]

    def values(self) -> dict:
        return {"level": self.levels.get(self.cleaned_data["level"]), "note": self.cleaned_data["note"]}
