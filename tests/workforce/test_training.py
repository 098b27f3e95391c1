"""Training compliance by staff group (MIS safety action 8): each module is counted for each
staff group it applies to, and rated and charted by its lowest group, named, never a blend."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lmns.access import SYSTEM
from lmns.models import Role
from lmns.months import add_months
from quality.quality import month_period, provider_quality
from tests.api.conftest import client_with_token
from tests.factories import make_workforce_return
from tests.workforce.test_returns import LAST_MONTH, _form, training_grid
from workforce import selectors, services
from workforce.models import StaffGroup, TrainingFigure, WorkforceReturn
from workforce.training.services import FigureInput

pytestmark = pytest.mark.django_db

FETAL = "fetal_monitoring"
# Midwives all up to date, doctors in training 8 of 10: blended, 98.2% and green; by group, 80%.
BLEND_HIDES_A_GROUP = {
    (FETAL, "midwives"): (100, 100),
    (FETAL, "obstetric_consultants"): (12, 12),
    (FETAL, "obstetric_doctors_in_training"): (10, 8),
}


def _group(code):
    return StaffGroup.objects.get(code=code)


def test_staff_groups_are_reference_data_marked_unchecked_with_their_source():
    groups = {group.code: group for group in StaffGroup.objects.filter(is_active=True)}
    assert list(groups) == [
        "obstetric_consultants",
        "obstetric_doctors_in_training",
        "anaesthetists",
        "midwives",
        "maternity_support_workers",
        "neonatal_staff",
    ]
    assert not any(group.wording_checked for group in groups.values())
    assert all("check against the current MIS guidance" in group.source for group in groups.values())
    assert groups["anaesthetists"].needs("emergencies") and not groups["anaesthetists"].needs(FETAL)
    assert groups["neonatal_staff"].needs("newborn_life_support")


def test_a_module_is_rated_by_its_lowest_group_and_names_it(world):
    workforce_return = make_workforce_return(world.a1, month=LAST_MONTH, training=BLEND_HIDES_A_GROUP)
    workforce_return = WorkforceReturn.objects.with_training().get(pk=workforce_return.pk)
    assert workforce_return.training_rate(FETAL) == Decimal("80.0")
    assert workforce_return.training_lowest_group(FETAL) == "Obstetric doctors in training"
    # A group with nobody in scope has no rate, and is never the lowest.
    TrainingFigure.objects.filter(
        workforce_return=workforce_return, staff_group__code="midwives", module=FETAL
    ).update(in_scope=0, compliant=0)
    workforce_return = WorkforceReturn.objects.with_training().get(pk=workforce_return.pk)
    assert workforce_return.training_lowest_group(FETAL) == "Obstetric doctors in training"


def test_the_database_refuses_more_up_to_date_than_in_scope(world):
    workforce_return = make_workforce_return(world.a1, month=LAST_MONTH)
    figure = workforce_return.training_figures.first()
    figure.compliant = figure.in_scope + 1
    with pytest.raises(IntegrityError), transaction.atomic():
        figure.save()


def test_the_form_asks_each_group_only_for_the_modules_it_needs_with_a_label_per_cell(client, world, alice):
    client.force_login(alice)
    body = tight(client.get(reverse("workforce:return-create")).content.decode())
    assert 'name="training-emergencies-anaesthetists-in_scope"' in body
    assert 'name="training-fetal_monitoring-anaesthetists-in_scope"' not in body
    assert 'name="training-newborn_life_support-neonatal_staff-compliant"' in body
    label = "Midwives: of whom up to date with fetal monitoring"
    assert f'for="id_training-fetal_monitoring-midwives-compliant">{label}</label>' in body
    assert '<h3 class="nhsuk-fieldset__heading">Fetal monitoring and surveillance</h3>' in body


def test_a_bad_cell_is_refused_naming_group_and_module_and_nothing_is_saved(client, world, alice):
    client.force_login(alice)
    data = _form(world, **training_grid(**{"fetal_monitoring-midwives": (50, 51)}))
    data["training-newborn_life_support-neonatal_staff-in_scope"] = ""
    response = client.post(reverse("workforce:return-create"), data)
    body = tight(response.content.decode())
    assert response.status_code == 200 and "There is a problem" in body
    assert (
        '<a href="#id_training-fetal_monitoring-midwives-compliant">Midwives, fetal monitoring: the number '
        "up to date (51) cannot be more than the number who need the training (50)</a>"
    ) in body
    assert "Enter the number of neonatal staff who need newborn life support training" in body
    assert not WorkforceReturn.objects.filter(month=LAST_MONTH).exists()


def test_submitting_saves_every_group_figure(client, world, alice):
    client.force_login(alice)
    data = _form(world, **training_grid(**{"emergencies-maternity_support_workers": (40, 30)}))
    assert client.post(reverse("workforce:return-create"), data).status_code == 302
    submitted = WorkforceReturn.objects.with_training().get(provider=world.a1, month=LAST_MONTH)
    assert submitted.training_figures.count() == 10
    assert submitted.training_rate("emergencies") == Decimal("75.0")
    assert submitted.training_lowest_group("emergencies") == "Maternity support workers"
    page = client.get(submitted.get_absolute_url()).content.decode()
    assert "Lowest staff group: Maternity support workers, 75.0%" in page


def test_a_jump_in_one_group_must_be_confirmed_and_names_the_group(client, world, alice):
    make_workforce_return(world.a1, month=add_months(LAST_MONTH, -1))  # every group 95%
    client.force_login(alice)
    data = _form(world, **training_grid(**{"emergencies-anaesthetists": (100, 70)}))
    body = client.post(reverse("workforce:return-create"), data).content.decode()
    assert "Training: Anaesthetists, maternity emergencies (PROMPT): 95% in" in body and "70% now." in body
    assert not WorkforceReturn.objects.filter(month=LAST_MONTH).exists()
    assert (
        client.post(reverse("workforce:return-create"), {**data, "confirm_changes": "on"}).status_code == 302
    )
    submitted = WorkforceReturn.objects.get(provider=world.a1, month=LAST_MONTH)
    assert "Anaesthetists, maternity emergencies (PROMPT)" in submitted.confirmed_changes


def test_services_refuse_another_lmnss_group_and_a_module_a_group_does_not_need(world, alice):
    theirs = StaffGroup.objects.create(
        code="beta_locums", name="Beta locums", lmns=world.lmns_b, needs_emergencies=True
    )
    fields = {
        name: value
        for name, value in _form(world).items()
        if name not in {"provider", "month", "retention_midwife", "birthrate_plus_wte", "birthrate_plus_on"}
        and not name.startswith(("training-", "perinatal-"))
    }
    for item, message in [
        (FigureInput(module="emergencies", staff_group=theirs, in_scope=5, compliant=5), "used in this LMNS"),
        (
            FigureInput(module=FETAL, staff_group=_group("anaesthetists"), in_scope=5, compliant=5),
            "Anaesthetists, fetal monitoring: this group does not need this training.",
        ),
        (
            FigureInput(module=FETAL, staff_group=_group("midwives"), in_scope=5, compliant=6),
            "Midwives, fetal monitoring: the number up to date cannot be more",
        ),
    ]:
        with pytest.raises(ValidationError) as refused:
            services.workforce_return_submit(
                provider=world.a1, month=LAST_MONTH, by=alice, training=[item], **fields
            )
        assert message in " ".join(refused.value.messages)
    assert not WorkforceReturn.objects.filter(provider=world.a1, month=LAST_MONTH).exists()


def test_a_correction_keeps_the_groups_the_return_was_submitted_with(client, world, alice):
    """A return from before staff groups holds one figure per module for all staff together; it
    is corrected in that shape, not forced into groups nobody counted at the time."""
    workforce_return = make_workforce_return(world.a1, month=LAST_MONTH)
    workforce_return.training_figures.all().delete()
    before = StaffGroup.objects.create(
        code="before_staff_groups",
        name="All staff groups (recorded before staff groups)",
        is_active=False,
        needs_fetal_monitoring=True,
        needs_emergencies=True,
        needs_newborn_life_support=True,
    )
    for module in ("fetal_monitoring", "emergencies", "newborn_life_support"):
        TrainingFigure.objects.create(
            workforce_return=workforce_return, module=module, staff_group=before, in_scope=200, compliant=180
        )
    client.force_login(alice)
    url = reverse("workforce:return-edit", kwargs={"pk": workforce_return.pk})
    form = client.get(url).context["form"]
    assert [name for name in form.fields if name.startswith("training-")] == [
        f"training-{module}-before_staff_groups-{part}"
        for module in ("fetal_monitoring", "emergencies", "newborn_life_support")
        for part in ("in_scope", "compliant")
    ]
    data = {**_form(world), **{name: "200" for name in form.fields if name.startswith("training-")}}
    data = {
        name: value for name, value in data.items() if not name.startswith("training-") or "before" in name
    }
    data["training-emergencies-before_staff_groups-compliant"] = "170"
    assert client.post(url, data).status_code == 302
    figure = TrainingFigure.objects.get(workforce_return=workforce_return, module="emergencies")
    assert (figure.in_scope, figure.compliant) == (200, 170)


def test_the_quality_view_rates_each_module_by_its_lowest_group_and_names_it(world):
    make_workforce_return(world.a1, month=LAST_MONTH, training=BLEND_HIDES_A_GROUP)
    quality = provider_quality(
        user=SYSTEM, provider=world.a1, period=month_period(LAST_MONTH), today=timezone.localdate()
    )
    workforce = next(domain for domain in quality.domains if domain.title == "Workforce")
    row = next(row for row in workforce.rows if row.label.startswith("Training: Fetal monitoring"))
    assert row.label == "Training: Fetal monitoring and surveillance, lowest staff group"
    assert row.value == "80% (Obstetric doctors in training)"
    assert row.rating.rag == "red"
    assert "80% (Obstetric doctors in training)" in row.rating.reason
    chart = next(chart for chart in quality.charts if chart.title.startswith("Training: Fetal"))
    assert chart.values[-1] == 80.0


def test_the_pre_visit_figures_and_provider_page_name_the_lowest_group(client, world):
    WorkforceReturn.objects.filter(provider=world.a1).delete()  # the world's, for this month
    make_workforce_return(world.a1, month=LAST_MONTH, training=BLEND_HIDES_A_GROUP)
    figures = {figure.measure.key: figure for figure in selectors.latest_figures(provider=world.a1)}
    assert figures["fetal_monitoring_rate"].formatted == "80% (Obstetric doctors in training)"
    assert figures["one_to_one_rate"].formatted == "98%"
    client.force_login(world.personas[f"lmns:{Role.LMNS_OFFICER}"])
    page = client.get(reverse("workforce:provider", kwargs={"ods_code": "AA1"})).content.decode()
    assert (
        f"Lowest staff group in {LAST_MONTH:%B %Y}: <strong>Obstetric doctors in training</strong>, 80.0%."
        in page
    )
    assert "Lowest staff group: Obstetric doctors in training, 80.0%" in page


def test_the_api_gives_each_group_and_each_modules_lowest(world, alice):
    make_workforce_return(world.a1, month=LAST_MONTH, training=BLEND_HIDES_A_GROUP)
    response = client_with_token(alice).get("/api/v1/workforce-returns/")
    item = next(item for item in response.json()["results"] if item["month"] == LAST_MONTH.isoformat())
    lowest = {entry["module"]: entry for entry in item["training_lowest"]}
    assert lowest[FETAL]["staff_group_name"] == "Obstetric doctors in training"
    assert lowest[FETAL]["rate"] == "80.0"
    groups = {(entry["module"], entry["staff_group"]) for entry in item["training"]}
    assert (FETAL, "midwives") in groups and ("emergencies", "anaesthetists") in groups


def test_the_superuser_keeps_deployment_wide_groups_and_a_safety_lead_only_reads_them(client, world):
    group = _group("midwives")
    url = reverse("admin:workforce_staffgroup_change", args=[group.pk])
    client.force_login(world.personas["superuser"])
    assert client.get(reverse("admin:workforce_staffgroup_changelist")).status_code == 200
    assert client.get(url).status_code == 200
    client.force_login(world.personas[f"lmns:{Role.LMNS_SAFETY_LEAD}"])
    data = {"code": "midwives", "name": "Renamed", "position": 4, "is_active": "on"}
    response = client.post(url, data)
    assert response.status_code == 403
    assert _group("midwives").name == "Midwives"


def test_a_returns_page_takes_the_same_queries_however_many_groups(
    client, world, django_assert_max_num_queries
):
    workforce_return = make_workforce_return(world.a1, month=LAST_MONTH)
    client.force_login(world.personas[f"lmns:{Role.LMNS_OFFICER}"])
    url = workforce_return.get_absolute_url()
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(4):
        group = StaffGroup.objects.create(code=f"extra_{n}", name=f"Extra group {n}", needs_emergencies=True)
        TrainingFigure.objects.create(
            workforce_return=workforce_return,
            module="emergencies",
            staff_group=group,
            in_scope=10,
            compliant=9,
        )
    with django_assert_max_num_queries(len(few)):
        body = client.get(url).content.decode()
    assert "Extra group 3" in body


def test_a_new_return_asks_for_its_own_lmnss_groups_and_never_anothers(client, world, alice):
    StaffGroup.objects.create(
        code="alpha_bank", name="Alpha bank midwives", lmns=world.lmns_a, needs_emergencies=True
    )
    StaffGroup.objects.create(
        code="beta_locums", name="Beta locums", lmns=world.lmns_b, needs_emergencies=True
    )
    StaffGroup.objects.filter(code="anaesthetists").update(is_active=False)
    client.force_login(alice)
    body = tight(client.get(reverse("workforce:return-create")).content.decode())
    assert 'name="training-emergencies-alpha_bank-in_scope"' in body
    assert "Beta locums" not in body and 'name="training-emergencies-anaesthetists-in_scope"' not in body


def tight(html: str) -> str:
    """The page without the whitespace the design system's macros put inside elements."""
    return re.sub(r">\s+", ">", re.sub(r"\s+<", "<", html))
