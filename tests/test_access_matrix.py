"""Every URL in the project, for every role, against own, sibling and other-LMNS providers.

URLs are discovered from the URL configuration, so a new page is covered
without editing this file; a new page that takes parameters must say below how
to point it at a provider's record, or ``test_every_url_is_classified`` fails.
"""

import io

import openpyxl
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from lmns.models import Membership, Role
from quality.api.services import api_token_create
from tests.assurance.framework_records import framework_record
from tests.assurance.maturity.records import maturity_record
from tests.assurance.oversight.records import concern_record
from tests.assurance.sbl.records import sbl_element_record, sbl_record
from tests.assurance.visit_template_records import visit_template_record
from tests.factories import make_user
from tests.incidents.calendar.factories import calendar_record
from tests.incidents.highlights.factories import highlight_record
from tests.incidents.imports.factories import import_record
from tests.incidents.improvement.factories import improvement_record
from tests.workforce.champions.factories import champion_record
from tests.workforce.perinatal.factories import signal_record
from tests.workforce.perinatal.import_factories import monthly_import_record
from tests.workforce.score.factories import score_record

pytestmark = pytest.mark.django_db

# Pages anyone may open without signing in.
PUBLIC = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "healthz",
    # Staff speak up to the LMNS without an account.
    "workforce:speak-up",
    "workforce:speak-up-case",
    "workforce:speak-up-sent",
    # Members answer the learning network's health survey through a single-use link.
    "incidents:improvement-survey-answer",
    # Calendar apps fetch a person's feed by its secret address, which is the credential.
    "incidents:calendar-feed",
}
# Public pages whose address holds a secret: a wrong one is not found (tests/incidents/calendar).
SECRET_ADDRESSES = {"incidents:calendar-feed"}
# Signing out takes a POST (a signed-in GET answers 405); it is tested in test_auth, starting
# an LMNS board pack in tests/quality/test_board_packs.py, and new recovery codes and turning
# two-factor sign-in off in tests/test_two_factor.py.
POST_ONLY = {"logout", "lmns:board-pack-start", "two-factor-recovery-codes", "two-factor-turn-off"}
# The code step of sign-in serves only a session between password and code (or one that owes a
# code): anyone else is sent on, to sign in or home. Tested in tests/test_two_factor.py.
SIGN_IN_STEPS = {"two-factor-verify"}
# The Django admin has its own sign-in and permission checks; see test_admin_is_for_superusers_only.
# The REST API answers tokens, not sign-in redirects: tests/api/test_api_scope.py walks its routes.
EXCLUDED_NAMESPACES = {"admin", "api"}


# How to point each URL that takes parameters at a record of a given provider
# (records owned by an LMNS are those of the provider's LMNS).
def _pk_of(kind):
    return lambda world, provider: {"pk": world.record(kind, provider).pk}


def _improvement(kind):
    """A provider's improvement plan (or a row of it, or its LMNS's survey round), made on first use."""

    def kwargs(world, provider):
        record = improvement_record(world, kind, provider)
        if kind in {"plan", "round"}:
            return {"pk": record.pk}
        return {"pk": record.plan_id, "row": record.pk}

    return kwargs


def _highlight(kind):
    """A draft highlight report on a provider's plan, or a submitted one (which the LMNS reviews)."""
    return lambda world, provider: {"pk": highlight_record(world, kind, provider).pk}


def _import(kind):
    return lambda world, provider: {"pk": import_record(world, kind, provider).pk}


def _monthly_import(kind):
    return lambda world, provider: {"pk": monthly_import_record(world, kind, provider).pk}


def _champions(kind):
    return lambda world, provider: {"pk": champion_record(world, kind, provider).pk}


def _score(kind):
    return lambda world, provider: {"pk": score_record(world, kind, provider).pk}


def _api_token(world, provider):
    """A token held by someone at ``provider``: only its holder may see or revoke it."""
    holder = make_user(f"token-holder-{provider.ods_code}", role=Role.PROVIDER_LEAD, provider=provider)
    token, _secret = api_token_create(user=holder, name="Risk system")
    return {"pk": token.pk}


def _person(world, provider):
    """Someone with a role at ``provider``: managed by its LMNS's system administrators."""
    username = f"person-{provider.ods_code}"
    person = get_user_model().objects.filter(username=username).first() or make_user(
        username, role=Role.PROVIDER_CONTRIBUTOR, provider=provider
    )
    return {"pk": person.pk}


def _person_role(world, provider):
    kwargs = _person(world, provider)
    return {**kwargs, "membership": Membership.objects.get(user_id=kwargs["pk"]).pk}


def _calendar_event(world, provider):
    return {"pk": calendar_record(world, provider)["event"].pk}


def _calendar_material(world, provider):
    records = calendar_record(world, provider)
    return {"pk": records["event"].pk, "material": records["material"].pk}


def _signal(kind):
    return lambda world, provider: {"pk": signal_record(world, kind, provider).pk}


def _framework(kind):
    return lambda world, provider: framework_record(world, kind, provider)


# An LMNS's local frameworks: the draft is seen by the LMNS's officers and safety leads, who check
# it; the published one is revised from its page, and seen by everyone in the LMNS.
FRAMEWORK_DRAFT_KWARGS = {
    "assurance:framework-edit": _framework("draft"),
    "assurance:framework-source": _framework("draft"),
    "assurance:framework-source-download": _framework("draft"),
    "assurance:framework-transition": _framework("draft"),
    "assurance:framework-action-add": _framework("draft"),
    "assurance:framework-deadline-add": _framework("draft"),
    "assurance:framework-deadline-edit": _framework("deadline"),
    "assurance:framework-history": _framework("draft"),
    "assurance:framework-copy": _framework("draft"),
    "assurance:framework-spreadsheet": _framework("draft"),
    "assurance:framework-upload": _framework("draft"),
    "assurance:framework-action-edit": _framework("action"),
    "assurance:framework-action-change": _framework("action"),
    "assurance:requirement-add": _framework("action"),
    "assurance:requirement-edit": _framework("requirement"),
    "assurance:requirement-change": _framework("requirement"),
}


def _visit_template(kind):
    return lambda world, provider: visit_template_record(world, kind, provider)


# An LMNS's own draft visit template: seen, like a draft framework, only by the LMNS's officers and
# safety leads, who both write their LMNS's templates (a safety lead gives the second key).
VISIT_TEMPLATE_DRAFT_KWARGS = {
    **dict.fromkeys(
        [
            "assurance:visit-template-detail",
            "assurance:visit-template-copy",
            "assurance:visit-template-edit",
            "assurance:visit-template-transition",
            "assurance:visit-template-section-add",
            "assurance:visit-template-history",
            "assurance:visit-template-source",
            "assurance:visit-template-source-download",
        ],
        _visit_template("draft"),
    ),
    **dict.fromkeys(
        [
            "assurance:visit-template-section-edit",
            "assurance:visit-template-section-change",
            "assurance:visit-template-line-add",
        ],
        _visit_template("section"),
    ),
    **dict.fromkeys(
        ["assurance:visit-template-line-edit", "assurance:visit-template-line-change"],
        _visit_template("line"),
    ),
}

# An LMNS's draft maturity model: seen, like a draft framework, only by the LMNS's officers and
# safety leads; its safety leads edit it and give either key.
MATURITY_DRAFT_KWARGS = dict.fromkeys(
    [
        "assurance:maturity-model",
        "assurance:maturity-model-edit",
        "assurance:maturity-model-transition",
        "assurance:maturity-model-new-version",
    ],
    maturity_record("draft"),
)

OBJECT_KWARGS = {
    "tokens:revoke": _api_token,
    **MATURITY_DRAFT_KWARGS,
    # A provider's round of its LMNS's published maturity model.
    **dict.fromkeys(
        [
            "assurance:maturity-round",
            "assurance:maturity-round-score",
            "assurance:maturity-round-submit",
            "assurance:maturity-round-workbook",
        ],
        maturity_record("round"),
    ),
    **VISIT_TEMPLATE_DRAFT_KWARGS,
    **dict.fromkeys(
        [
            "people:detail",
            "people:history",
            "people:role-grant",
            "people:deactivate",
            "people:reactivate",
            "people:invitation-resend",
        ],
        _person,
    ),
    "people:role-remove": _person_role,
    **FRAMEWORK_DRAFT_KWARGS,
    "assurance:framework-revise": _framework("published"),
    "assurance:visit-template-revise": _visit_template("published"),
    # An event of the provider's LMNS for that provider alone: seen by its users and the LMNS's.
    **dict.fromkeys(
        [
            "incidents:calendar-event",
            "incidents:calendar-event-edit",
            "incidents:calendar-event-remove",
            "incidents:calendar-attendance",
            "incidents:calendar-material-add",
        ],
        _calendar_event,
    ),
    "incidents:calendar-material-download": _calendar_material,
    # A cohort of the provider alone: its LMNS's calendar keepers change it, nobody else finds it.
    "incidents:calendar-cohort-edit": lambda world, provider: {
        "pk": calendar_record(world, provider)["cohort"].pk
    },
    "lmns:provider-detail": lambda world, provider: {"ods_code": provider.ods_code},
    "lmns:provider-history": lambda world, provider: {"ods_code": provider.ods_code},
    "lmns:unit-create": lambda world, provider: {"ods_code": provider.ods_code},
    "lmns:unit-edit": lambda world, provider: {
        "ods_code": provider.ods_code,
        "pk": provider.units.order_by("pk").first().pk,
    },
    **{
        f"incidents:{name}": _pk_of(kind)
        for kind, names in {
            "incident": [
                "incident-detail",
                "incident-edit",
                "incident-transition",
                "incident-legal-hold",
                "incident-history",
                "incident-referral-history",
                "incident-mnsi-action",
            ],
            "learning": [
                "learning-detail",
                "learning-edit",
                "learning-sign-off",
                "learning-return",
                "learning-submit",
                "learning-withdraw",
                "learning-history",
            ],
            "action": ["action-detail", "action-edit", "action-history"],
            "meeting": [
                "meeting-detail",
                "meeting-outcomes",
                "meeting-hold",
                "meeting-accept-late",
                "meeting-pack",
                "meeting-print",
                "meeting-history",
            ],
            "event": ["event-detail", "event-history"],
        }.items()
        for name in names
    },
    **{
        f"assurance:{name}": _pk_of(kind)
        for kind, names in {
            "assessment": [
                "assessment-detail",
                "assessment-submit",
                "provider-workbook",
                "return-download",
                "return-upload",
                "assessment-history",
            ],
            "job": ["workbook-job", "workbook-download"],
            "item": [
                "item-detail",
                "item-edit",
                "item-verify",
                "evidence-add",
                "evidence-link",
                "item-history",
            ],
            "link": ["evidence-review"],
            "evidence": ["evidence-download"],
            "visit": [
                "visit-detail",
                "visit-edit",
                "visit-transition",
                "visit-pack",
                "visit-pack-workbook",
                "finding-create",
                "feedback-create",
                "recommendation-create",
                "visit-report",
                "visit-report-workbook",
                "visit-history",
            ],
            "finding": ["finding-edit"],
            "recommendation": [
                "recommendation-detail",
                "recommendation-edit",
                "recommendation-respond",
                "recommendation-review",
                "recommendation-history",
            ],
            "report": ["report-version", "report-version-workbook"],
        }.items()
        for name in names
    },
    **{
        f"incidents:{name}": _import("import") for name in ["import-detail", "import-apply", "import-discard"]
    },
    "incidents:import-mapping-edit": _import("mapping"),
    **{
        f"workforce:{name}": _monthly_import("import")
        for name in ["monthly-import-detail", "monthly-import-apply", "monthly-import-discard"]
    },
    "workforce:monthly-import-mapping-edit": _monthly_import("mapping"),
    "assurance:framework-detail": lambda world, provider: {"slug": world.framework.slug},
    "assurance:matrix": lambda world, provider: {"slug": world.framework.slug},
    "assurance:workbook-start": lambda world, provider: {"slug": world.framework.slug},
    "workforce:provider": lambda world, provider: {"ods_code": provider.ods_code},
    "workforce:perinatal": lambda world, provider: {"ods_code": provider.ods_code},
    **dict.fromkeys(
        [
            "workforce:signal-detail",
            "workforce:signal-history",
            "workforce:signal-check",
            "workforce:signal-action-create",
        ],
        _signal("signal"),
    ),
    "workforce:signal-action-complete": _signal("action"),
    **{
        f"incidents:improvement-{name}": _improvement(kind)
        for kind, names in {
            "plan": [
                "detail",
                "edit",
                "close",
                "reopen",
                "measurement",
                "communications",
                "team",
                "all",
                "workbook",
                "measure-create",
                "pdsa-create",
                "communication-create",
                "team-create",
                "history",
            ],
            "measure": ["measure", "measure-values", "measure-edit", "measure-delete"],
            "pdsa": ["pdsa-edit", "pdsa-delete"],
            "communication": ["communication-edit", "communication-delete"],
            "team": ["team-edit", "team-delete"],
            "round": ["survey", "survey-invite", "survey-close", "survey-workbook"],
        }.items()
        for name in names
    },
    **dict.fromkeys(
        ["incidents:improvement-highlight-plan", "incidents:improvement-highlight-create"],
        _improvement("plan"),
    ),
    **dict.fromkeys(
        [
            "incidents:improvement-highlight-detail",
            "incidents:improvement-highlight-edit",
            "incidents:improvement-highlight-submit",
            "incidents:improvement-highlight-history",
        ],
        _highlight("draft"),
    ),
    "incidents:improvement-highlight-review": _highlight("submitted"),
    **{
        f"workforce:champions-{name}": _champions(kind)
        for kind, names in {
            "walkabout": ["walkabout", "walkabout-edit", "walkabout-action-add"],
            "meeting": ["meeting", "meeting-edit", "meeting-action-add"],
            "action": ["action-edit"],
            "feedback": ["feedback", "feedback-edit"],
        }.items()
        for name in names
    },
    **{
        f"workforce:score-{name}": _score(kind)
        for kind, names in {
            "wave": [
                "wave",
                "wave-edit",
                "mapping-template",
                "mapping-upload",
                "results-import",
                "results-xlsx",
                "debrief-create",
            ],
            "debrief": ["action-add"],
            "action": ["action-edit"],
        }.items()
        for name in names
    },
    "lmns:quality-provider": lambda world, provider: {"ods_code": provider.ods_code},
    **dict.fromkeys(
        ["assurance:oversight-provider", "assurance:oversight-cqc-rating", "assurance:oversight-level"],
        lambda world, provider: {"ods_code": provider.ods_code},
    ),
    **dict.fromkeys(
        [
            "assurance:concern-detail",
            "assurance:concern-edit",
            "assurance:concern-respond",
            "assurance:concern-status",
            "assurance:concern-history",
        ],
        concern_record,
    ),
    # Saving Babies' Lives v3: a provider's quarterly history, and one quarter of it.
    "assurance:sbl-provider": lambda world, provider: {"ods_code": provider.ods_code},
    **dict.fromkeys(
        [
            "assurance:sbl-detail",
            "assurance:sbl-submit",
            "assurance:sbl-validate",
            "assurance:sbl-cite",
            "assurance:sbl-history",
            "assurance:sbl-workbook",
        ],
        sbl_record,
    ),
    "assurance:sbl-element-edit": sbl_element_record,
    "lmns:board-pack": lambda world, provider: {"ods_code": provider.ods_code},
    "lmns:board-pack-workbook": lambda world, provider: {"ods_code": provider.ods_code},
    "lmns:board-pack-job": _pk_of("pack_job"),
    "lmns:board-pack-download": _pk_of("pack_job"),
    **{
        f"workforce:{name}": _pk_of(kind)
        for kind, names in {
            "workforce_return": ["return-detail", "return-edit", "return-history"],
            "concern": [
                "concern-detail",
                "concern-edit",
                "concern-reply",
                "concern-note",
                "concern-take",
                "concern-hand-over",
                "concern-history",
            ],
        }.items()
        for name in names
    },
}
# What the matrix posts to POST-only URLs that need more than an empty form.
POST_DATA = {
    "assurance:workbook-start": lambda world, provider: {"lmns": provider.lmns_id},
    "assurance:framework-transition": lambda world, provider: {"step": "prepare"},
    "assurance:framework-action-change": lambda world, provider: {"step": "up"},
    "assurance:requirement-change": lambda world, provider: {"step": "up"},
    "assurance:visit-template-transition": lambda world, provider: {"step": "prepare"},
    "assurance:visit-template-section-change": lambda world, provider: {"step": "up"},
    "assurance:visit-template-line-change": lambda world, provider: {"step": "up"},
    "assurance:maturity-model-transition": lambda world, provider: {"step": "prepare"},
}
FRAMEWORK_DRAFTS = set(FRAMEWORK_DRAFT_KWARGS)
VISIT_TEMPLATE_DRAFTS = set(VISIT_TEMPLATE_DRAFT_KWARGS)
MATURITY_DRAFTS = set(MATURITY_DRAFT_KWARGS)
FRAMEWORK_CHECKERS = {f"lmns:{Role.LMNS_OFFICER}", f"lmns:{Role.LMNS_SAFETY_LEAD}", "superuser"}
FRAMEWORK_AUTHORS = {f"lmns:{Role.LMNS_SAFETY_LEAD}", "superuser"}
# Reference records everyone signed in may read (they hold no provider's data).
GLOBAL = {"assurance:framework-detail", "assurance:matrix"}
# LMNS-wide workbooks: only the LMNS's own members (not its providers' users) know they exist.
LMNS_MEMBERS_ONLY = {
    "assurance:workbook-start",
    "assurance:workbook-job",
    "assurance:workbook-download",
    "lmns:board-pack-job",
    "lmns:board-pack-download",
    # A cohort would tell a provider which others share it.
    "incidents:calendar-cohort-edit",
}
# Freedom to Speak Up concerns: only the provider's guardians and its LMNS's FTSU lead.
FTSU_CONCERNS = {name for name in OBJECT_KWARGS if name.startswith("workforce:concern")}
# SCORE debriefs and their actions are the teams': only the provider's own contributors and leads.
SCORE_PRIVATE = {"workforce:score-action-add", "workforce:score-action-edit"}
# API tokens: each is seen and revoked only by the person holding it.
OWN_ONLY = {"tokens:revoke"}
# People: seen and managed only by their LMNS's system administrators.
PEOPLE = {name for name in OBJECT_KWARGS if name.startswith("people:")}
# Records owned by an LMNS: visible to everyone in that LMNS, providers included.
LMNS_SCOPED = {
    name
    for name in OBJECT_KWARGS
    if name.startswith(("incidents:meeting", "incidents:event", "incidents:improvement-survey"))
} | {"assurance:framework-revise", "assurance:visit-template-revise"}
# Actions that only take a POST; the matrix posts an empty form to them.
POST_ONLY_RECORDS = {
    "tokens:revoke",
    "people:role-remove",
    "people:deactivate",
    "people:reactivate",
    "people:invitation-resend",
    "incidents:incident-transition",
    "incidents:incident-legal-hold",
    "incidents:import-apply",
    "incidents:import-discard",
    "workforce:monthly-import-apply",
    "workforce:monthly-import-discard",
    "incidents:learning-sign-off",
    "incidents:learning-return",
    "incidents:learning-withdraw",
    "incidents:meeting-hold",
    "incidents:meeting-accept-late",
    "assurance:item-verify",
    "assurance:evidence-link",
    "assurance:evidence-review",
    "assurance:workbook-start",
    "assurance:visit-transition",
    "assurance:recommendation-review",
    "workforce:signal-action-complete",
    "workforce:concern-reply",
    "workforce:concern-note",
    "workforce:concern-take",
    "workforce:concern-hand-over",
    "incidents:improvement-measure-delete",
    "incidents:improvement-pdsa-delete",
    "incidents:improvement-communication-delete",
    "incidents:improvement-team-delete",
    "assurance:framework-transition",
    "assurance:framework-action-change",
    "assurance:requirement-change",
    "assurance:visit-template-transition",
    "assurance:visit-template-section-change",
    "assurance:visit-template-line-change",
    "assurance:concern-status",
    "assurance:sbl-submit",
    "assurance:sbl-validate",
    "assurance:sbl-cite",
    "incidents:calendar-event-remove",
    "incidents:improvement-highlight-submit",
    "incidents:improvement-reopen",
    "assurance:maturity-model-transition",
    "assurance:maturity-round-submit",
}
FIXED_KWARGS = {
    "password_reset_confirm": {"uidb64": "MQ", "token": "set-password"},
    "incidents:calendar-feed": {"token": "not-a-feed-address"},
}

# The specification of who may do what, written independently of lmns.access.
# A URL not listed here may be read by every role that can see the record.
RECORDERS = {f"provider:{Role.PROVIDER_CONTRIBUTOR}", f"provider:{Role.PROVIDER_LEAD}", "superuser"}
REVIEWERS = {f"provider:{Role.PROVIDER_LEAD}", "superuser"}
SSIG_RUNNERS = {f"lmns:{Role.LMNS_OFFICER}", f"lmns:{Role.LMNS_SAFETY_LEAD}", "superuser"}
ASSESSORS = RECORDERS
VERIFIERS = SSIG_RUNNERS
VISIT_RUNNERS = SSIG_RUNNERS
LMNS_WORKBOOK_ROLES = [Role.LMNS_OFFICER, Role.LMNS_SAFETY_LEAD, Role.BOARD_VIEWER, Role.SYSTEM_ADMINISTRATOR]
WORKFORCE_RETURNERS = {f"provider:{Role.PROVIDER_LEAD}", "superuser"}
# Importing monthly returns from a file: the provider's lead, and the LMNS staff who keep its figures.
MONTHLY_IMPORTERS = WORKFORCE_RETURNERS | {f"lmns:{Role.LMNS_OFFICER}", f"lmns:{Role.LMNS_SAFETY_LEAD}"}
# Entering a national MOSS signal and recording any signal's critical safety check.
SAFETY_CHECKERS = {f"provider:{Role.PROVIDER_LEAD}", "superuser"}
# Not the superuser: speaking up is confidential even from the deployment's administrators.
FTSU_RECORDERS = {f"provider:{Role.PROVIDER_FTSU_GUARDIAN}", f"lmns:{Role.LMNS_FTSU_LEAD}"}
# Improvement plans: the provider's recorders, and LMNS staff who run the SSIG (at any of its providers).
PLANNERS = RECORDERS | SSIG_RUNNERS
PEOPLE_MANAGERS = {f"lmns:{Role.SYSTEM_ADMINISTRATOR}", "superuser"}
# External concerns: the trust logs and answers them; LMNS staff may log one they were sent.
CONCERN_RECORDERS = RECORDERS | SSIG_RUNNERS
# A published CQC rating may be entered by the provider's lead or the LMNS; the oversight level
# is the LMNS's decision alone.
CQC_RATING_RECORDERS = {f"provider:{Role.PROVIDER_LEAD}"} | SSIG_RUNNERS
OVERSIGHT_SETTERS = SSIG_RUNNERS
# A SCORE wave's results, debriefs and actions: the provider's own teams; not the LMNS, nor the
# deployment's superusers. Everyone who sees the provider reads the wave's response rates.
SCORE_RUNNERS = {f"provider:{Role.PROVIDER_CONTRIBUTOR}", f"provider:{Role.PROVIDER_LEAD}"}
MAY = {
    "incidents:incident-legal-hold": {
        f"lmns:{Role.LMNS_SAFETY_LEAD}",
        f"lmns:{Role.SYSTEM_ADMINISTRATOR}",
        "superuser",
    },
    **dict.fromkeys(["people:list", "people:invite"], PEOPLE_MANAGERS),
    **dict.fromkeys(FRAMEWORK_DRAFTS | {"assurance:framework-revise"}, FRAMEWORK_AUTHORS),
    # Officers and safety leads write their LMNS's visit templates; the superuser, every template.
    **dict.fromkeys(VISIT_TEMPLATE_DRAFTS | {"assurance:visit-template-revise"}, FRAMEWORK_CHECKERS),
    "assurance:framework-history": FRAMEWORK_CHECKERS,
    "assurance:framework-source-download": FRAMEWORK_CHECKERS,
    # The download follows the framework's visibility: on a draft, those who check it.
    "assurance:framework-spreadsheet": FRAMEWORK_CHECKERS,
    **dict.fromkeys(
        ["lmns:unit-create", "lmns:unit-edit"],
        frozenset(
            {
                f"provider:{Role.PROVIDER_LEAD}",
                f"lmns:{Role.LMNS_SAFETY_LEAD}",
                f"lmns:{Role.SYSTEM_ADMINISTRATOR}",
                "superuser",
            }
        ),
    ),
    **dict.fromkeys(
        [
            "incidents:incident-create",
            "incidents:incident-edit",
            "incidents:incident-mnsi-action",
            "incidents:import-create",
            "incidents:import-detail",
            "incidents:import-apply",
            "incidents:import-discard",
            "incidents:import-mapping-create",
            "incidents:import-mapping-edit",
            "incidents:learning-create",
            "incidents:learning-edit",
            "incidents:action-create",
            "incidents:action-edit",
        ],
        RECORDERS,
    ),
    **dict.fromkeys(
        [
            "incidents:incident-transition",
            "incidents:learning-sign-off",
            "incidents:learning-return",
            "incidents:learning-submit",
            "incidents:learning-withdraw",
        ],
        REVIEWERS,
    ),
    **dict.fromkeys(
        [
            "incidents:meeting-create",
            "incidents:meeting-outcomes",
            "incidents:meeting-hold",
            "incidents:meeting-accept-late",
            "incidents:event-create",
        ],
        SSIG_RUNNERS,
    ),
    **dict.fromkeys(
        [
            "assurance:assessment-start",
            "assurance:item-edit",
            "assurance:evidence-add",
            "assurance:evidence-link",
            "assurance:evidence-review",
        ],
        ASSESSORS,
    ),
    "assurance:assessment-submit": REVIEWERS,
    "assurance:return-download": ASSESSORS,
    "assurance:return-upload": ASSESSORS,
    "assurance:item-verify": VERIFIERS,
    **dict.fromkeys(
        [
            "assurance:visit-create",
            "assurance:visit-edit",
            "assurance:visit-transition",
            "assurance:finding-create",
            "assurance:finding-edit",
            "assurance:feedback-create",
            "assurance:recommendation-create",
            "assurance:recommendation-edit",
            "assurance:recommendation-review",
        ],
        VISIT_RUNNERS,
    ),
    "assurance:recommendation-respond": RECORDERS,
    **dict.fromkeys(
        [
            "assurance:concern-create",
            "assurance:concern-edit",
            "assurance:concern-respond",
            "assurance:concern-status",
        ],
        CONCERN_RECORDERS,
    ),
    "assurance:oversight-cqc-rating": CQC_RATING_RECORDERS,
    "assurance:oversight-level": OVERSIGHT_SETTERS,
    # Saving Babies' Lives: the provider answers, its lead submits, the LMNS validates; citing a
    # validated quarter adds evidence, which the provider's assessors do.
    **dict.fromkeys(["assurance:sbl-start", "assurance:sbl-element-edit", "assurance:sbl-cite"], ASSESSORS),
    "assurance:sbl-submit": REVIEWERS,
    "assurance:sbl-validate": VERIFIERS,
    # Maturity: a draft model is read by those who check it and edited by safety leads; anyone who
    # scores for a provider or for the LMNS starts a round; a provider's assessors score its
    # round and its lead submits it.
    "assurance:maturity-model": FRAMEWORK_CHECKERS,
    **dict.fromkeys(
        [
            "assurance:maturity-model-edit",
            "assurance:maturity-model-transition",
            "assurance:maturity-model-new-version",
        ],
        FRAMEWORK_AUTHORS,
    ),
    "assurance:maturity-start": PLANNERS,
    "assurance:maturity-round-score": ASSESSORS,
    "assurance:maturity-round-submit": REVIEWERS,
    # LMNS-wide compliance workbooks: every LMNS role but the FTSU lead, whose work is elsewhere.
    **{
        name: {f"lmns:{role}" for role in LMNS_WORKBOOK_ROLES} | {"superuser"}
        for name in [
            "assurance:workbook-job",
            "assurance:workbook-download",
            "lmns:board-pack-job",
            "lmns:board-pack-download",
        ]
    },
    # Safety champion records and MNVP feedback: the provider's recorders; the LMNS reads them.
    **dict.fromkeys(
        [
            f"workforce:champions-{name}"
            for name in [
                "walkabout-create",
                "walkabout-edit",
                "walkabout-action-add",
                "meeting-create",
                "meeting-edit",
                "meeting-action-add",
                "action-edit",
                "feedback-create",
                "feedback-edit",
            ]
        ],
        RECORDERS,
    ),
    **dict.fromkeys(
        [
            f"workforce:score-{name}"
            for name in [
                "wave-create",
                "wave-edit",
                "mapping-template",
                "mapping-upload",
                "results-import",
                "results-xlsx",
                "debrief-create",
                "action-add",
                "action-edit",
            ]
        ],
        SCORE_RUNNERS,
    ),
    "workforce:return-create": WORKFORCE_RETURNERS,
    **dict.fromkeys(
        [
            "workforce:monthly-import-create",
            "workforce:monthly-import-detail",
            "workforce:monthly-import-apply",
            "workforce:monthly-import-discard",
            "workforce:monthly-import-mapping-create",
            "workforce:monthly-import-mapping-edit",
        ],
        MONTHLY_IMPORTERS,
    ),
    "workforce:return-edit": WORKFORCE_RETURNERS,
    **dict.fromkeys(
        [
            "workforce:signal-create",
            "workforce:signal-check",
            "workforce:signal-action-create",
            "workforce:signal-action-complete",
        ],
        SAFETY_CHECKERS,
    ),
    "workforce:concern-create": FTSU_RECORDERS,
    "workforce:ftsu-return": FTSU_RECORDERS,
    "workforce:ftsu-return-xlsx": FTSU_RECORDERS,
    **dict.fromkeys(
        [
            "incidents:improvement-create",
            "incidents:improvement-edit",
            "incidents:improvement-close",
            "incidents:improvement-reopen",
            "incidents:improvement-measure-values",
            *(
                f"incidents:improvement-{kind}-{verb}"
                for kind in ("measure", "pdsa", "communication", "team")
                for verb in ("create", "edit", "delete")
            ),
        ],
        PLANNERS,
    ),
    # The LMNS's officers and safety leads keep its calendar; everyone it is for reads it.
    **dict.fromkeys(
        [
            "incidents:calendar-event-create",
            "incidents:calendar-event-edit",
            "incidents:calendar-event-remove",
            "incidents:calendar-attendance",
            "incidents:calendar-material-add",
            "incidents:calendar-cohorts",
            "incidents:calendar-cohort-create",
            "incidents:calendar-cohort-edit",
        ],
        SSIG_RUNNERS,
    ),
    # Highlight reports: the provider's recorders write them, its lead submits them, and the LMNS's
    # officers and safety leads review them and set the day they are due.
    **dict.fromkeys(
        ["incidents:improvement-highlight-create", "incidents:improvement-highlight-edit"], RECORDERS
    ),
    "incidents:improvement-highlight-submit": REVIEWERS,
    **dict.fromkeys(
        ["incidents:improvement-highlight-review", "incidents:improvement-highlight-schedule"], SSIG_RUNNERS
    ),
    # The learning network's health survey is run by the LMNS; its providers' users read the results.
    **dict.fromkeys(
        [
            "incidents:improvement-survey-create",
            "incidents:improvement-survey-invite",
            "incidents:improvement-survey-close",
        ],
        SSIG_RUNNERS,
    ),
}

PERSONAS = [
    *(
        f"provider:{role}"
        for role in sorted(
            {Role.PROVIDER_CONTRIBUTOR, Role.PROVIDER_LEAD, Role.PROVIDER_FTSU_GUARDIAN, Role.BOARD_VIEWER}
        )
    ),
    *(
        f"lmns:{role}"
        for role in sorted(
            {
                Role.LMNS_OFFICER,
                Role.LMNS_SAFETY_LEAD,
                Role.LMNS_FTSU_LEAD,
                Role.BOARD_VIEWER,
                Role.SYSTEM_ADMINISTRATOR,
            }
        )
    ),
    "superuser",
    "nobody",
]
# Everyone may hold API tokens but superusers, whose reach is every provider (quality.api.services).
MAY["tokens:create"] = set(PERSONAS) - {"superuser"}


def _walk(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", set(entry.pattern.converters)


ALL_URLS = {
    name: params
    for name, params in _walk(get_resolver().url_patterns)
    if name.split(":")[0] not in EXCLUDED_NAMESPACES
}
PRIVATE_PAGES = sorted(
    name for name, params in ALL_URLS.items() if not params and name not in PUBLIC | POST_ONLY | SIGN_IN_STEPS
)
OBJECT_PAGES = sorted(OBJECT_KWARGS)


def _unknown_kwargs(name):
    """Parameters naming a record that does not exist: anonymous users never reach the view."""
    params = ALL_URLS[name]
    return {param: ("ZZZ" if param == "ods_code" else 999999) for param in params} or None


def _text_of(response) -> str:
    """What a person would read in a response: the page, a file, or every cell of a workbook."""
    data = b"".join(response.streaming_content) if response.streaming else response.content
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(
            str(value)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    return data.decode("utf-8", errors="replace")


def _sign_in(client, world, persona):
    client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[persona]


def _other_names(world, persona):
    hidden = set(world.providers) - world.visible_providers(persona)
    names = [provider.name for provider in hidden]
    if persona != "superuser":
        names.append(world.lmns_b.name)
    return names


def test_every_url_is_classified():
    unclassified = [
        name
        for name, params in ALL_URLS.items()
        if params and name not in OBJECT_KWARGS and name not in FIXED_KWARGS
    ]
    assert not unclassified, f"Say in OBJECT_KWARGS how to reach a provider's record for: {unclassified}"


@pytest.mark.parametrize("name", sorted(ALL_URLS))
def test_anonymous_is_sent_to_sign_in_except_on_public_pages(client, name):
    url = reverse(name, kwargs=FIXED_KWARGS.get(name) or _unknown_kwargs(name))
    response = client.get(url)
    if name in SECRET_ADDRESSES:
        assert response.status_code == 404
    elif name in PUBLIC:
        assert response.status_code in {200, 302}
        if response.status_code == 302:
            assert not response.url.startswith(reverse("login"))
    else:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", PRIVATE_PAGES)
def test_pages_show_only_what_the_role_may_see(client, world, persona, name):
    _sign_in(client, world, persona)
    response = client.get(reverse(name))
    expected = 200 if persona in MAY.get(name, {persona}) else 403
    assert response.status_code == expected, f"{persona} on {name}"
    body = _text_of(response)
    for other in _other_names(world, persona):
        assert other not in body, f"{persona} sees {other!r} on {name}"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", OBJECT_PAGES)
def test_records_answer_by_scope_and_role(client, world, persona, name):
    _sign_in(client, world, persona)
    allowed = MAY.get(name)
    for provider in world.providers:
        if name in LMNS_MEMBERS_ONLY:
            visible = persona == "superuser" or (
                persona.startswith("lmns:") and provider.lmns in world.visible_lmnss(persona)
            )
            # Building one is offered only at LMNSs where the user may (404 elsewhere).
            if name == "assurance:workbook-start" and persona == f"lmns:{Role.LMNS_FTSU_LEAD}":
                visible = False
        elif name in GLOBAL:
            visible = True
        elif name in FRAMEWORK_DRAFTS or name in VISIT_TEMPLATE_DRAFTS or name in MATURITY_DRAFTS:
            visible = persona == "superuser" or (
                persona in FRAMEWORK_CHECKERS and provider.lmns in world.visible_lmnss(persona)
            )
        elif name in OWN_ONLY:
            visible = False
        elif name in FTSU_CONCERNS:
            visible = (persona == f"provider:{Role.PROVIDER_FTSU_GUARDIAN}" and provider == world.a1) or (
                persona == f"lmns:{Role.LMNS_FTSU_LEAD}" and provider.lmns == world.lmns_a
            )
        elif name in SCORE_PRIVATE:
            visible = persona in SCORE_RUNNERS and provider == world.a1
        elif name in PEOPLE:
            visible = persona == "superuser" or (
                persona == f"lmns:{Role.SYSTEM_ADMINISTRATOR}" and provider.lmns == world.lmns_a
            )
        elif name in LMNS_SCOPED:
            visible = provider.lmns in world.visible_lmnss(persona)
        else:
            visible = provider in world.visible_providers(persona)
        url = reverse(name, kwargs=OBJECT_KWARGS[name](world, provider))
        if name in POST_ONLY_RECORDS:
            response = client.post(url, POST_DATA.get(name, lambda *_: {})(world, provider))
        else:
            response = client.get(url)
        if not visible:
            expected = 404
        elif allowed is not None and persona not in allowed:
            expected = 403
        else:
            expected = 302 if name in POST_ONLY_RECORDS else 200
        assert response.status_code == expected, f"{persona} on {name} for {provider.ods_code}"
        if expected == 200:
            body = _text_of(response)
            for other in _other_names(world, persona):
                assert other not in body, f"{persona} sees {other!r} on {name}"


def test_admin_is_for_superusers_and_reference_data_editors_only(client, world):
    for persona in PERSONAS:
        _sign_in(client, world, persona)
        response = client.get(reverse("admin:index"))
        if persona in {"superuser", f"lmns:{Role.LMNS_SAFETY_LEAD}"}:
            assert response.status_code == 200
        else:
            assert response.status_code == 302
            assert response.url.startswith(reverse("admin:login"))
