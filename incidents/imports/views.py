"""Import pages: upload, preview (with progress while a large file is checked), apply,
discard; and each provider's column mappings."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from incidents.imports import mapping as mappings
from incidents.imports import services
from incidents.imports.forms import ImportMappingForm, ImportUploadForm
from incidents.imports.models import ImportMapping, ImportStatus, IncidentImport
from lmns import access, pid
from lmns.forms_service import run_service, save_with
from lmns.pagination import paginate


def import_list(request):
    imports = IncidentImport.objects.visible_to(request.user).select_related("provider", "requested_by")
    may_import = access.providers_where(request.user, "record_incident").exists()
    return render(
        request,
        "incidents/imports/import_list.html",
        {"page": paginate(request, imports), "may_import": may_import},
    )


def import_create(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if not form.fields["provider"].queryset.exists():
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        incident_import = save_with(
            form,
            services.incident_import_start,
            provider=form.cleaned_data["provider"],
            mapping_name=form.cleaned_data["mapping"],
            file=form.cleaned_data["file"],
            by=request.user,
        )
        if incident_import:
            return redirect(incident_import)
    return render(request, "incidents/imports/import_form.html", {"form": form})


def _import_for(request, pk):
    return access.get_for_user(
        IncidentImport.objects.select_related("provider", "requested_by"),
        request.user,
        action="record_incident",
        pk=pk,
    )


def import_detail(request, pk):
    incident_import = _import_for(request, pk)
    return render(
        request,
        "incidents/imports/import_detail.html",
        {"import": incident_import, "pid_checked_label": pid.CHECKED_LABEL},
    )


@require_POST
def import_apply(request, pk):
    incident_import = _import_for(request, pk)
    if not run_service(
        request,
        services.incident_import_apply_start,
        "",
        incident_import=incident_import,
        by=request.user,
        pid_checked=request.POST.get(pid.CHECKED) == "on",
    ):
        return redirect(incident_import)
    incident_import.refresh_from_db()
    if incident_import.status == ImportStatus.APPLIED:
        messages.success(
            request,
            f"Import applied: {incident_import.to_create} created, {incident_import.to_update} updated.",
        )
    elif incident_import.status == ImportStatus.CHECKED:
        messages.error(
            request, "The data changed since the preview, so nothing was imported. See the problems."
        )
    return redirect(incident_import)


@require_POST
def import_discard(request, pk):
    incident_import = _import_for(request, pk)
    if run_service(
        request,
        services.incident_import_discard,
        "Import discarded.",
        incident_import=incident_import,
        by=request.user,
    ):
        return redirect("incidents:import-list")
    return redirect(incident_import)


# --- Mappings -----------------------------------------------------------------------------


def mapping_list(request):
    own = ImportMapping.objects.visible_to(request.user).select_related("provider")
    may_edit = access.providers_where(request.user, "record_incident").exists()
    return render(
        request,
        "incidents/imports/mapping_list.html",
        {"mappings": own, "presets": mappings.presets(), "may_edit": may_edit},
    )


def mapping_create(request):
    preset = mappings.presets().get(request.GET.get("from", ""))
    initial = {}
    if preset:
        initial = {
            "name": preset["title"].split(" (")[0][:60],
            "columns": mappings.columns_to_text(preset["columns"]),
            "values": mappings.values_to_text(preset.get("values") or {}),
        }
    form = ImportMappingForm(request.POST or None, initial=initial, user=request.user)
    if not form.fields["provider"].queryset.exists():
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        mapping = save_with(
            form,
            services.import_mapping_save,
            provider=data["provider"],
            name=data["name"],
            columns=data["columns"],
            values=data["values"],
            by=request.user,
            based_on=request.GET.get("from", "") if preset else "",
        )
        if mapping:
            messages.success(request, f"Mapping “{mapping.name}” saved.")
            return redirect("incidents:import-mapping-list")
    return render(request, "incidents/imports/mapping_form.html", {"form": form, "preset": preset})


def mapping_edit(request, pk):
    mapping = access.get_for_user(
        ImportMapping.objects.select_related("provider"), request.user, action="record_incident", pk=pk
    )
    initial = {
        "name": mapping.name,
        "columns": mappings.columns_to_text(mapping.columns),
        "values": mappings.values_to_text(mapping.values),
    }
    form = ImportMappingForm(request.POST or None, initial=initial, user=request.user, mapping=mapping)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = save_with(
            form,
            services.import_mapping_save,
            provider=mapping.provider,
            name=data["name"],
            columns=data["columns"],
            values=data["values"],
            by=request.user,
            mapping=mapping,
        )
        if saved:
            messages.success(request, f"Mapping “{saved.name}” saved.")
            return redirect("incidents:import-mapping-list")
    return render(request, "incidents/imports/mapping_form.html", {"form": form, "mapping": mapping})
