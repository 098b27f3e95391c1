"""Monthly return import pages: upload, preview (with progress while a large file is checked),
apply, discard; and the column mappings of each LMNS and provider."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lmns import access
from lmns.forms_service import run_service, save_with
from lmns.imports.models import ImportStatus
from lmns.pagination import paginate
from workforce.perinatal.imports import fields, services
from workforce.perinatal.imports.checking import ACTION
from workforce.perinatal.imports.forms import MonthlyImportMappingForm, MonthlyImportUploadForm
from workforce.perinatal.imports.models import MonthlyImportMapping, MonthlyReturnImport


def _may_import(user) -> bool:
    return access.providers_where(user, ACTION).exists()


def import_list(request):
    imports = MonthlyReturnImport.objects.visible_to(request.user).select_related(
        "lmns", "provider", "requested_by"
    )
    return render(
        request,
        "workforce/perinatal/imports/import_list.html",
        {"page": paginate(request, imports), "may_import": _may_import(request.user)},
    )


def import_create(request):
    form = MonthlyImportUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if not form.fields["owner"].choices:
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        lmns, provider = form.cleaned_data["owner"]
        record = save_with(
            form,
            services.monthly_import_start,
            lmns=lmns,
            provider=provider,
            mapping_name=form.cleaned_data["mapping"],
            file=form.cleaned_data["file"],
            update_existing=form.cleaned_data["update_existing"],
            by=request.user,
        )
        if record:
            return redirect(record)
    return render(request, "workforce/perinatal/imports/import_form.html", {"form": form})


def _import_for(request, pk):
    return access.get_for_user(
        MonthlyReturnImport.objects.select_related("lmns", "provider", "requested_by"),
        request.user,
        action=ACTION,
        pk=pk,
    )


def import_detail(request, pk):
    record = _import_for(request, pk)
    return render(request, "workforce/perinatal/imports/import_detail.html", {"import": record})


@require_POST
def import_apply(request, pk):
    record = _import_for(request, pk)
    if not run_service(
        request,
        services.monthly_import_apply_start,
        "",
        record=record,
        by=request.user,
        confirm_changes=request.POST.get("confirm_changes") == "on",
    ):
        return redirect(record)
    record.refresh_from_db()
    if record.status == ImportStatus.APPLIED:
        messages.success(request, f"Import applied: {record.to_create} created, {record.to_update} updated.")
    elif record.status == ImportStatus.CHECKED:
        messages.error(request, "The figures changed since the preview, so nothing was imported. See below.")
    return redirect(record)


@require_POST
def import_discard(request, pk):
    record = _import_for(request, pk)
    if run_service(
        request, services.monthly_import_discard, "Import discarded.", record=record, by=request.user
    ):
        return redirect("workforce:monthly-import-list")
    return redirect(record)


# --- Mappings -----------------------------------------------------------------------------


def mapping_list(request):
    own = MonthlyImportMapping.objects.visible_to(request.user).select_related("lmns", "provider")
    return render(
        request,
        "workforce/perinatal/imports/mapping_list.html",
        {"mappings": own, "presets": fields.presets(), "may_edit": _may_import(request.user)},
    )


def mapping_create(request):
    key = request.GET.get("from", "")
    preset = fields.presets().get(key)
    initial = {}
    if preset:
        initial = {
            "name": preset["title"].split(" (")[0][:60],
            "columns": fields.columns_to_text(preset["columns"]),
        }
    form = MonthlyImportMappingForm(request.POST or None, initial=initial, user=request.user)
    if not form.fields["owner"].choices:
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        lmns, provider = form.cleaned_data["owner"]
        mapping = save_with(
            form,
            services.monthly_import_mapping_save,
            lmns=lmns,
            provider=provider,
            name=form.cleaned_data["name"],
            columns=form.cleaned_data["columns"],
            by=request.user,
            based_on=key if preset else "",
        )
        if mapping:
            messages.success(request, f"Mapping “{mapping.name}” saved.")
            return redirect("workforce:monthly-import-mapping-list")
    return render(request, "workforce/perinatal/imports/mapping_form.html", {"form": form, "preset": preset})


def mapping_edit(request, pk):
    mapping = access.get_for_user(
        MonthlyImportMapping.objects.select_related("lmns", "provider"), request.user, action=ACTION, pk=pk
    )
    initial = {"name": mapping.name, "columns": fields.columns_to_text(mapping.columns)}
    form = MonthlyImportMappingForm(request.POST or None, initial=initial, user=request.user, mapping=mapping)
    if request.method == "POST" and form.is_valid():
        saved = save_with(
            form,
            services.monthly_import_mapping_save,
            lmns=mapping.lmns,
            provider=mapping.provider,
            name=form.cleaned_data["name"],
            columns=form.cleaned_data["columns"],
            by=request.user,
            mapping=mapping,
        )
        if saved:
            messages.success(request, f"Mapping “{saved.name}” saved.")
            return redirect("workforce:monthly-import-mapping-list")
    return render(
        request, "workforce/perinatal/imports/mapping_form.html", {"form": form, "mapping": mapping}
    )
