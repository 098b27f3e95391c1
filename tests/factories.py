"""Plain factory functions: explicit, no extra dependency."""

from datetime import timedelta
from itertools import count
from time import time

from django.contrib.auth import get_user_model
from django.utils import timezone
from django_otp.oath import totp

from assurance.models import Framework, FrameworkAction, FrameworkStatus, Requirement
from assurance.visits.models import Finding, Recommendation, Visit
from incidents.models import (
    Incident,
    IncidentReferral,
    IncidentType,
    Learning,
    ReferralBody,
    SafetyAction,
    SsigMeeting,
    Theme,
)
from lmns.models import Lmns, Membership, Provider, Unit, UnitType
from workforce import crypto
from workforce.models import (
    FtsuCategory,
    FtsuConcern,
    StaffGroup,
    TrainingFigure,
    TrainingModule,
    WorkforceReturn,
)

PASSWORD = "correct-horse-battery-staple"
_sequence = count(1)


def make_lmns(name: str | None = None, **extra) -> Lmns:
    n = next(_sequence)
    return Lmns.objects.create(name=name or f"Test LMNS {n}", code=extra.pop("code", f"lmns-{n}"), **extra)


def make_provider(lmns: Lmns | None = None, name: str | None = None, ods_code: str | None = None) -> Provider:
    n = next(_sequence)
    # ODS codes have at most five characters (as unit site codes below); the sequence passes
    # 9999 in a full run, and a test's rows are rolled back before the codes come round again.
    return Provider.objects.create(
        lmns=lmns or make_lmns(),
        name=name or f"Provider {n} NHS Trust",
        ods_code=ods_code or f"T{n % 10_000:02d}",
    )


def make_unit(provider: Provider, name: str | None = None, ods_site_code: str | None = None) -> Unit:
    n = next(_sequence)
    return Unit.objects.create(
        provider=provider,
        name=name or f"Unit {n}",
        ods_site_code=ods_site_code or f"U{n % 10_000:04d}",
        unit_type=UnitType.OBSTETRIC_UNIT,
    )


def make_user(username: str | None = None, *, role=None, provider=None, lmns=None, **extra):
    """A user with a usable password and, if ``role`` is given, one membership."""
    username = username or f"user{next(_sequence)}"
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, email=extra.pop("email", f"{username}@example.invalid"), **extra
    )
    if role:
        Membership.objects.create(user=user, role=role, provider=provider, lmns=lmns)
    return user


def make_incident(provider: Provider, **fields):
    today = timezone.localdate()
    defaults = {
        "local_reference": f"DATIX-{next(_sequence)}",
        "occurred_on": today - timedelta(days=10),
        "reported_on": today - timedelta(days=9),
        "incident_type": IncidentType.objects.order_by("pk").first(),
        "physical_harm": "low",
        "psychological_harm": "none",
        "summary": "Delay in escalating an abnormal CTG on the labour ward.",
    }
    # A body other than MNSI is referred to as the incident's columns were: pmrt_referred_on=…
    referrals = {}
    own = {field.name for field in Incident._meta.get_fields()}
    for name in [name for name in fields if name not in own]:
        if name.endswith(("_referred_on", "_reference")):
            code, _, _ = name.rpartition("_referred_on" if name.endswith("_referred_on") else "_reference")
            referrals.setdefault(code, {})[name.removeprefix(f"{code}_")] = fields.pop(name)
    incident = Incident.objects.create(provider=provider, **{**defaults, **fields})
    for code, given in referrals.items():
        IncidentReferral.objects.create(
            incident=incident,
            body=ReferralBody.objects.get(code=code),
            referred_on=given["referred_on"],
            reference=given.get("reference", ""),
        )
    return incident


def make_learning(provider: Provider, *, status="draft", themes=None, incidents=(), **fields):
    defaults = {
        "title": f"Fresh eyes on CTGs {next(_sequence)}",
        "what_happened": "An abnormal CTG was not escalated for two hours.",
        "what_we_learned": "Hourly fresh-eyes reviews were missed when the ward was busy.",
        "what_we_changed": "The coordinator now prompts fresh-eyes reviews at each safety huddle.",
    }
    learning = Learning.objects.create(provider=provider, status=status, **{**defaults, **fields})
    learning.themes.set(themes or [Theme.objects.order_by("pk").first()])
    learning.incidents.set(incidents)
    return learning


def make_meeting(lmns: Lmns, *, meeting_on=None, submission_deadline=None):
    meeting_on = meeting_on or timezone.localdate() + timedelta(days=30)
    return SsigMeeting.objects.create(
        lmns=lmns,
        meeting_on=meeting_on,
        submission_deadline=submission_deadline or meeting_on - timedelta(days=7),
    )


def make_action(provider: Provider, *, owner, **fields):
    defaults = {
        "description": "Add fresh-eyes prompts to the huddle board.",
        "due_on": timezone.localdate() + timedelta(days=30),
    }
    return SafetyAction.objects.create(provider=provider, owner=owner, **{**defaults, **fields})


def make_framework(slug: str | None = None, *, actions: int = 2, requirements: int = 2) -> Framework:
    """A small framework built directly, with ``actions`` x ``requirements`` requirements."""
    n = next(_sequence)
    framework = Framework.objects.create(
        slug=slug or f"framework-{n}",
        name=f"Framework {n}",
        publisher="Test",
        version="1",
        source_file="test",
        status=FrameworkStatus.PUBLISHED,
    )
    for a in range(1, actions + 1):
        action = FrameworkAction.objects.create(
            framework=framework, code=f"A{a}", title=f"Action {a}", order=a
        )
        for r in range(1, requirements + 1):
            Requirement.objects.create(
                action=action,
                code=f"A{a}.{r}",
                title=f"Requirement {a}.{r}",
                text=f"Do thing {a}.{r}",
                order=r,
            )
    return framework


def follow_version(new: Framework, old: Framework) -> Framework:
    """Make ``new`` the next version of ``old``, each requirement replacing the one of its code."""
    new.previous = old
    new.save()
    earlier = dict(Requirement.objects.filter(action__framework=old).values_list("code", "pk"))
    for requirement in Requirement.objects.filter(action__framework=new):
        requirement.replaces_id = earlier.get(requirement.code)
        requirement.save(update_fields=["replaces"])
    return new


def make_visit(provider: Provider, *, created_by=None, **fields) -> Visit:
    defaults = {"visit_on": timezone.localdate() + timedelta(days=14), "visit_type": "routine"}
    created_by = created_by or make_user()
    return Visit.objects.create(provider=provider, created_by=created_by, **{**defaults, **fields})


def make_finding(visit: Visit, *, recorded_by=None, **fields) -> Finding:
    defaults = {"domain": "safe", "kind": "improvement", "description": "Fresh-eyes checks not recorded."}
    return Finding.objects.create(
        visit=visit, recorded_by=recorded_by or visit.created_by, **{**defaults, **fields}
    )


def make_recommendation(finding: Finding, *, owner, **fields) -> Recommendation:
    defaults = {
        "text": "Audit fresh-eyes checks monthly.",
        "due_on": timezone.localdate() + timedelta(days=60),
    }
    return Recommendation.objects.create(
        visit=finding.visit,
        finding=finding,
        owner=owner,
        created_by=finding.recorded_by,
        **{**defaults, **fields},
    )


def make_workforce_return(provider: Provider, *, month, training=None, **fields) -> WorkforceReturn:
    """A plausible, complete return for ``month`` (a first-of-month date), with training figures
    for every active staff group each module applies to: 95 of 100 up to date unless ``training``
    gives ``{(module, group code): (in_scope, compliant)}``."""
    defaults = {
        "funded_midwife_wte": 200,
        "in_post_midwife_wte": 185,
        "turnover_rate": "11.5",
        "funded_msw_wte": 60,
        "in_post_msw_wte": 55,
        "women_in_labour": 300,
        "one_to_one_care": 294,
        "coordinator_shifts": 62,
        "supernumerary_shifts": 60,
        "consultant_hours": "60.0",
        "preceptees": 8,
    }
    workforce_return = WorkforceReturn.objects.create(
        provider=provider, month=month, **{**defaults, **fields}
    )
    training = training or {}
    TrainingFigure.objects.bulk_create(
        TrainingFigure(
            workforce_return=workforce_return,
            module=module,
            staff_group=group,
            in_scope=training.get((module, group.code), (100, 95))[0],
            compliant=training.get((module, group.code), (100, 95))[1],
        )
        for group in StaffGroup.objects.active().filter(lmns__isnull=True)
        for module in TrainingModule.values
        if group.needs(module)
    )
    return workforce_return


def make_concern(provider: Provider | None = None, *, lmns: Lmns | None = None, contact: str = "", **fields):
    """A concern recorded by the provider's guardian (or, without a provider, received by the LMNS)."""
    n = next(_sequence)
    defaults = {
        "reference": f"FTSU-T{n:03d}-TEST",
        "received_by": "provider" if provider else "lmns",
        "route": "in_person",
        "received_on": timezone.localdate() - timedelta(days=3),
        "raised_as": "confidential" if contact else "anonymous",
        "professional_group_id": fields.pop("professional_group", "nurses_midwives"),
        "cat_patient_safety": True,
        "summary": f"Staffing on the labour ward left no coordinator cover ({n}).",
    }
    # Tests name categories as cat_<code>=True, as when each was a column of the concern.
    fields = {**defaults, **fields}
    codes = [
        name.removeprefix("cat_") for name in list(fields) if name.startswith("cat_") and fields.pop(name)
    ]
    concern = FtsuConcern(
        lmns=lmns or provider.lmns,
        provider=provider,
        contact_encrypted=crypto.encrypt(contact) if contact else "",
        **fields,
    )
    concern.save_with_categories(FtsuCategory.objects.filter(code__in=codes))
    return concern


def app_code(device) -> str:
    """The code an authenticator app would show that ``device`` accepts now. A code is good
    once, so a second one within the same 30 seconds comes from the next time step, which the
    device's tolerance allows; the device's learnt drift is followed as an app's clock would be."""
    device.refresh_from_db()
    now = int(time() - device.t0) // device.step + device.drift
    ahead = 1 if device.last_t >= now else 0
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + ahead)
    return f"{code:0{device.digits}d}"
