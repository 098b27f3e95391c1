"""For the access matrix: an LMNS's own frameworks (a draft and a published one), made on first use
so tests/conftest.py's World needs no change."""

from datetime import date

from django.core.files.base import ContentFile

from assurance.models import Framework, FrameworkAction, FrameworkStatus, Requirement


def _local_framework(lmns, status) -> Framework:
    framework = Framework.objects.create(
        slug=f"local-{status}-{lmns.code}",
        name=f"Local audit of {lmns.code}",
        publisher=lmns.name,
        version="1",
        lmns=lmns,
        status=status,
        source_document_name="guidance.pdf",
        source_document_type="application/pdf",
        source_token=f"token-{status}-{lmns.code}",
    )
    framework.source_document.save("guidance.pdf", ContentFile(b"%PDF-1.4 local guidance"), save=True)
    action = FrameworkAction.objects.create(framework=framework, code="L1", title="Local action", order=1)
    for order in (1, 2):
        Requirement.objects.create(
            action=action, code=f"L1.{order}", title=f"Local {order}", text="Do it locally.", order=order
        )
    return framework


def framework_record(world, kind: str, provider) -> dict:
    """URL kwargs for ``provider``'s LMNS's local framework (``draft`` or ``published``), or for its
    draft's first action (``action``), requirement (``requirement``) or deadline (``deadline``)."""
    records = world.records.setdefault(("frameworks", provider.lmns_id), {})
    status = FrameworkStatus.PUBLISHED if kind == "published" else FrameworkStatus.DRAFT
    framework = records.get(status)
    # A record made by an earlier test is gone once that test's transaction rolled back.
    if framework is None or not Framework.objects.filter(pk=framework.pk).exists():
        framework = records[status] = _local_framework(provider.lmns, status)
    if kind == "action":
        return {"pk": framework.actions.get().pk}
    if kind == "deadline":
        deadline, _ = framework.deadlines.get_or_create(
            name="Local return", defaults={"due_on": date(2027, 1, 4)}
        )
        return {"pk": deadline.pk}
    if kind == "requirement":
        return {"pk": Requirement.objects.filter(action__framework=framework).order_by("order").first().pk}
    return {"slug": framework.slug}
