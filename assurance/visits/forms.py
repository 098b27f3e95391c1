from django import forms
from django.contrib.auth import get_user_model

from assurance.models import VisitTemplate
from assurance.visits.models import (
    Finding,
    FindingKind,
    Recommendation,
    StaffFeedback,
    VisitReport,
    VisitType,
)
from lmns.access import providers_where
from lmns.exports import person as _person
from lmns.forms import Checkboxes, DateField, NHSErrorMessagesMixin, Radios, RecordsChoiceField
from lmns.models import Membership, Provider, Unit
from lmns.uploads import ALLOWED_DESCRIPTION, MAX_EVIDENCE_BYTES

TEAM_HELP = (
    "One person per line: their name, a comma, then their role. For example: Sam Patel, LMNS lead midwife"
)
LINES_HELP = "One key line of enquiry per line."
NAME_MAX = 120
LINE_MAX = 300


def template_label(template: VisitTemplate) -> str:
    where = f", local to {template.lmns}" if template.lmns_id else ""
    return f"{template.name} ({template.version}{where})"


class UnitCheckboxes(Checkboxes):
    """Each unit says which provider it belongs to (``data-provider``), so that the list can
    follow the provider chosen (static/js/app.mjs); without JavaScript every unit is listed and
    the form refuses another provider's."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        option["attrs"]["data-provider"] = value.instance.provider_id
        return option


class VisitForm(NHSErrorMessagesMixin, forms.Form):
    """Plan a visit, or change its plan. The team and the key lines of enquiry are typed one
    per line, which is quicker on the day than a row of boxes per person.

    A new visit chooses its template, and its lines of enquiry are copied from it; once planned,
    the lines are edited per section of that template."""

    provider = forms.ModelChoiceField(queryset=Provider.objects.none(), label="Provider visited")
    template = forms.ModelChoiceField(
        queryset=VisitTemplate.objects.none(),
        label="Visit template",
        widget=Radios,
        help_text="The sections and lines of enquiry the visit uses. You can change the lines for this "
        "visit once it is planned.",
    )
    visit_on = DateField(label="Date of visit")
    visit_type = forms.ChoiceField(label="Type of visit", choices=VisitType.choices, widget=Radios)
    units = RecordsChoiceField(
        queryset=Unit.objects.none(), required=False, label="Units visited", widget=UnitCheckboxes
    )
    purpose = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why the LMNS is visiting, for example what prompted a targeted visit.",
    )
    summary = forms.CharField(
        label="Report summary",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="The overall picture, for the front of the report. Needed before the report is issued.",
    )
    team = forms.CharField(
        label="Visit team", required=False, widget=forms.Textarea(attrs={"rows": 4}), help_text=TEAM_HELP
    )

    def __init__(self, *args, user, visit=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sections = visit.sections() if visit is not None else []
        for code, title in self.sections:
            self.fields[f"lines_{code}"] = forms.CharField(
                label=f"Key lines of enquiry: {title}",
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
                help_text=LINES_HELP,
            )
        if visit is None:
            providers = providers_where(user, "run_visits")
            self.fields["provider"].queryset = providers
            templates = VisitTemplate.objects.visible_to(user).published().select_related("lmns")
            self.fields["template"].queryset = templates
            self.fields["template"].label_from_instance = template_label
            # The deployment-wide CQC template is where most visits start.
            self.fields["template"].initial = templates.filter(slug="cqc-five-key-questions").first()
            del self.fields["summary"]
        else:
            providers = Provider.objects.filter(pk=visit.provider_id)
            del self.fields["provider"]
            del self.fields["template"]
        units = Unit.objects.filter(provider__in=providers).select_related("provider")
        self.fields["units"].queryset = units
        if visit is None and len({unit.provider_id for unit in units}) > 1:
            self.fields["units"].label_from_instance = lambda unit: f"{unit.provider}: {unit.name}"

    @classmethod
    def initial_for(cls, visit) -> dict:
        lines = {code: [] for code, _title in visit.sections()}
        for line in visit.lines_of_enquiry.all():
            lines.setdefault(line.domain, []).append(line.text)
        return {
            "visit_on": visit.visit_on,
            "visit_type": visit.visit_type,
            "units": list(visit.units.all()),
            "purpose": visit.purpose,
            "summary": visit.summary,
            "team": "\n".join(f"{member.name}, {member.role}" for member in visit.team.all()),
            **{f"lines_{domain}": "\n".join(texts) for domain, texts in lines.items()},
        }

    def clean_team(self):
        team, problems = [], []
        for number, line in enumerate(self.cleaned_data["team"].splitlines(), start=1):
            if not line.strip():
                continue
            name, comma, role = line.partition(",")
            name, role = name.strip(), role.strip()
            if not comma or not name or not role:
                problems.append(f"Line {number}: write the name, a comma, then the role.")
            elif len(name) > NAME_MAX or len(role) > NAME_MAX:
                problems.append(f"Line {number}: keep the name and the role to {NAME_MAX} characters each.")
            else:
                team.append((name, role))
        if problems:
            raise forms.ValidationError(problems)
        return team

    def clean(self):
        data = super().clean()
        # Said with the form's other errors, not only after they are put right (the service
        # checks it too).
        provider = data.get("provider")
        if provider is not None and any(unit.provider_id != provider.pk for unit in data.get("units", [])):
            self.add_error("units", f"Choose only units of {provider}")
        for code, title in self.sections:
            key = f"lines_{code}"
            lines = [line.strip() for line in data.get(key, "").splitlines() if line.strip()]
            if any(len(line) > LINE_MAX for line in lines):
                self.add_error(key, f"Keep each {title} line of enquiry to {LINE_MAX} characters.")
            data[key] = lines
        return data

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        if self.sections:
            data["lines"] = {code: data.pop(f"lines_{code}") for code, _title in self.sections}
        return data


class FindingForm(NHSErrorMessagesMixin, forms.ModelForm):
    class Meta:
        model = Finding
        fields = ["domain", "kind", "unit", "description"]
        widgets = {"domain": Radios, "kind": Radios}
        labels = {"domain": "Section", "kind": "What kind of finding is it?"}
        error_messages = {"kind": {"required": "Select what kind of finding it is"}}
        help_texts = {
            "kind": "An immediate safety concern is sent to the LMNS safety lead as soon as you save it.",
        }

    def __init__(self, *args, visit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domain"] = forms.ChoiceField(label="Section", choices=visit.sections(), widget=Radios)
        self.fields["kind"].choices = FindingKind.choices
        self.fields["unit"].queryset = visit.provider.units.all()
        self.fields["unit"].empty_label = "The whole service"


class StaffFeedbackForm(NHSErrorMessagesMixin, forms.ModelForm):
    class Meta:
        model = StaffFeedback
        fields = ["staff_group", "domain", "feedback"]
        labels = {"feedback": "What staff told us"}

    def __init__(self, *args, visit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domain"] = forms.ChoiceField(label="Section", choices=visit.sections(), widget=Radios)


class RecommendationForm(NHSErrorMessagesMixin, forms.ModelForm):
    class Meta:
        model = Recommendation
        fields = ["finding", "text", "owner", "due_on"]
        field_classes = {"due_on": DateField}
        labels = {"finding": "The finding it answers"}

    def __init__(self, *args, visit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["finding"].queryset = visit.findings.exclude(kind=FindingKind.GOOD_PRACTICE)
        self.fields["finding"].label_from_instance = lambda finding: (
            f"{finding.section_label}, {finding.get_kind_display().lower()}: {finding.description[:90]}"
        )
        members = Membership.objects.filter(provider_id=visit.provider_id).values("user")
        self.fields["owner"].queryset = (
            get_user_model()
            .objects.filter(pk__in=members, is_active=True)
            .order_by("first_name", "last_name", "username")
        )
        self.fields["owner"].label_from_instance = _person


class RespondForm(NHSErrorMessagesMixin, forms.Form):
    text = forms.CharField(
        label="Progress",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What has been done, and what is left. Describe care and services, not people.",
    )
    evidence_description = forms.CharField(
        label="What the evidence is (optional)", required=False, max_length=300
    )
    file = forms.FileField(
        label="Evidence file (optional)",
        required=False,
        help_text=f"{ALLOWED_DESCRIPTION}, up to {MAX_EVIDENCE_BYTES // 2**20} MB. Or give a link instead.",
    )
    url = forms.URLField(
        label="Evidence link (optional)", required=False, max_length=500, assume_scheme="https"
    )
    request_closure = forms.BooleanField(
        label="This recommendation is done: ask the LMNS to close it", required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("file") and data.get("url"):
            self.add_error("file", "Upload a file or give a link, not both.")
        return data


class ReviewForm(NHSErrorMessagesMixin, forms.Form):
    decision = forms.ChoiceField(
        choices=[("close", "Close the recommendation"), ("send_back", "Send it back to the provider")],
        widget=Radios,
    )
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Required when you send it back: say what the provider still needs to do.",
    )


class ReportIssueForm(NHSErrorMessagesMixin, forms.ModelForm):
    # Issuing cannot be undone (a correction is a new version) and emails every owner.
    confirm = forms.BooleanField(
        label="I have read the report as it reads now: issue it and email each recommendation's owner",
        error_messages={"required": "Confirm that you have read the report and want to issue it"},
    )

    class Meta:
        model = VisitReport
        fields = ["change_note", "confirm"]
        widgets = {"change_note": forms.Textarea(attrs={"rows": 3})}
        labels = {"change_note": "What changed since the last version"}
