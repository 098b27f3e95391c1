from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from assurance import selectors, services
from assurance.filters import ItemFilter
from assurance.forms import AssessmentStartForm, EvidenceLinkForm, ItemForm, VerifyForm
from assurance.models import (
    Assessment,
    Framework,
    Requirement,
    RequirementAssessment,
    Status,
    Verification,
)
from lmns import access
from lmns.forms_service import run_service, save_with
from lmns.models import Provider
from lmns.pagination import paginate


def index(request):
    assessments = Assessment.objects.visible_to(request.user).select_related("provider", "framework")
    return render(
        request,
        "assurance/index.html",
        {
            "frameworks": Framework.objects.visible_to(request.user)
            .select_related("lmns")
            .prefetch_related("deadlines"),
            "assessments": assessments,
            "can_start": access.providers_where(request.user, "assess").exists(),
        },
    )


def framework_detail(request, slug):
    framework = get_object_or_404(
        Framework.objects.visible_to(request.user).select_related(
            "lmns", "previous", "revises", "prepared_by", "approved_by"
        ),
        slug=slug,
    )
    changes = selectors.framework_changes(framework=framework) or {}
    actions = list(framework.actions.prefetch_related("requirements"))
    for action in actions:
        for requirement in action.requirements.all():
            requirement.change = changes.get(requirement.pk)
    return render(
        request,
        "assurance/framework_detail.html",
        {
            "framework": framework,
            "actions": actions,
            "changes": changes or None,
            "retired": changes.get(None, []),
            "unchecked": Requirement.objects.filter(
                action__framework=framework, wording_checked=False
            ).count(),
            "can_author": access.authors_framework(request.user, framework),
            "can_approve": access.approves_framework(request.user, framework),
            "can_copy": request.user.is_superuser
            or access.lmnss_where(request.user, "author_framework").exists(),
        },
    )


def matrix(request, slug):
    """Providers x actions for one framework, over the providers the user can see."""
    framework = get_object_or_404(Framework.objects.visible_to(request.user), slug=slug)
    actions, rows = selectors.compliance_matrix(
        framework=framework, providers=Provider.objects.visible_to(request.user).order_by("name")
    )
    return render(
        request,
        "assurance/matrix.html",
        {
            "framework": framework,
            "actions": actions,
            "rows": rows,
            "legend": selectors.Rag.LABELS,
            "workbook_lmnss": list(access.lmnss_where(request.user, "lmns_workbook")),
        },
    )


def item_list(request):
    items = RequirementAssessment.objects.visible_to(request.user).select_related(
        "assessment__provider", "assessment__framework", "requirement__action"
    )
    filterset = ItemFilter(request.GET, queryset=items, request=request)
    return render(
        request, "assurance/item_list.html", {"filter": filterset, "page": paginate(request, filterset.qs)}
    )


def assessment_start(request):
    form = AssessmentStartForm(request.POST or None, user=request.user)
    if not form.fields["provider"].queryset.exists():
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        assessment = services.assessment_start(by=request.user, **form.cleaned_data)
        messages.success(request, f"Assessment of {assessment.framework} ready.")
        return redirect(assessment)
    return render(request, "assurance/assessment_start.html", {"form": form})


def assessment_detail(request, pk):
    assessment = access.get_for_user(
        Assessment.objects.select_related("provider", "framework__previous"), request.user, pk=pk
    )
    provider = assessment.provider
    positions = selectors.assessment_positions(assessment=assessment)
    return render(
        request,
        "assurance/assessment_detail.html",
        {
            "assessment": assessment,
            "positions": positions,
            "changes": selectors.assessment_changes(assessment=assessment, positions=positions),
            "next_deadline": assessment.framework.next_deadline(),
            "can_assess": access.can(request.user, "assess", provider),
            "can_submit": access.can(request.user, "submit_assessment", provider),
        },
    )


def assessment_submit(request, pk):
    """Lists what will go to the LMNS, and what stays, before the lead confirms."""
    assessment = access.get_for_user(
        Assessment.objects.select_related("provider", "framework"),
        request.user,
        action="submit_assessment",
        pk=pk,
    )
    items = assessment.items.select_related("requirement")
    if request.method == "POST":
        run_service(
            request,
            services.assessment_submit,
            "Assessed requirements submitted to the LMNS for verification.",
            items=items.ready_to_submit(),
            by=request.user,
        )
        return redirect(assessment)
    return render(
        request,
        "assurance/assessment_submit.html",
        {
            "assessment": assessment,
            "to_send": items.ready_to_submit(),
            "challenged": items.filter(verification=Verification.CHALLENGED),
            "not_started": items.filter(status=Status.NOT_STARTED).count(),
        },
    )


def item_detail(request, pk):
    item = access.get_for_user(
        RequirementAssessment.objects.select_related(
            "assessment__provider",
            "assessment__framework",
            "requirement__action",
            "requirement__replaces",
            "submitted_by",
            "verified_by",
        ),
        request.user,
        pk=pk,
    )
    provider = item.assessment.provider
    can_assess = access.can(request.user, "assess", provider)
    can_verify = access.can(request.user, "verify", provider) and item.verification == Verification.AWAITING
    return render(
        request,
        "assurance/item_detail.html",
        {
            "item": item,
            "change": selectors.requirement_change(
                requirement=item.requirement, framework=item.assessment.framework
            ),
            "links": item.evidence_links.select_related("evidence", "evidence__added_by"),
            "challenges": selectors.item_challenges(item=item),
            "can_assess": can_assess,
            "link_form": EvidenceLinkForm(item=item) if can_assess else None,
            "verify_form": VerifyForm() if can_verify else None,
        },
    )


def item_edit(request, pk):
    item = access.get_for_user(
        RequirementAssessment.objects.select_related("assessment__provider", "requirement"),
        request.user,
        action="assess",
        pk=pk,
    )
    form = ItemForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        changes = form.cleaned_data
        if save_with(form, services.item_update, item=item, by=request.user, **changes):
            messages.success(request, f"{item.requirement.code} saved.")
            return redirect(item)
    return render(request, "assurance/item_form.html", {"form": form, "item": item})


@require_POST
def item_verify(request, pk):
    item = access.get_for_user(RequirementAssessment.objects, request.user, action="verify", pk=pk)
    form = VerifyForm(request.POST)
    if form.is_valid():
        accept = form.cleaned_data["decision"] == "accept"
        run_service(
            request,
            services.item_verify,
            "Accepted." if accept else "Challenged and returned to the provider.",
            item=item,
            by=request.user,
            accept=accept,
            comment=form.cleaned_data["comment"],
        )
    else:
        messages.error(request, "Choose whether to accept or challenge.")
    return redirect(item)
