from django.urls import path

from assurance.maturity import urls as maturity_urls
from assurance.models import Assessment, Framework, RequirementAssessment
from assurance.oversight import urls as oversight_urls
from assurance.sbl import urls as sbl_urls
from assurance.views import authoring, compliance, evidence, visit_templates, workbooks
from assurance.visits import template_history
from assurance.visits import urls as visits_urls
from lmns.history import history_view

app_name = "assurance"

urlpatterns = [
    path("", compliance.index, name="index"),
    path("frameworks/<slug:slug>/", compliance.framework_detail, name="framework-detail"),
    path("frameworks/<slug:slug>/matrix/", compliance.matrix, name="matrix"),
    path("frameworks/<slug:slug>/new-version/", authoring.framework_copy, name="framework-copy"),
    path("frameworks/<slug:slug>/revise/", authoring.framework_revise, name="framework-revise"),
    path("frameworks/<slug:slug>/edit/", authoring.framework_edit, name="framework-edit"),
    path("frameworks/<slug:slug>/source/", authoring.framework_source, name="framework-source"),
    path(
        "frameworks/<slug:slug>/source/download/",
        authoring.framework_source_download,
        name="framework-source-download",
    ),
    path(
        "frameworks/<slug:slug>/framework.xlsx",
        authoring.framework_spreadsheet,
        name="framework-spreadsheet",
    ),
    path("frameworks/<slug:slug>/upload/", authoring.framework_upload, name="framework-upload"),
    path("frameworks/<slug:slug>/status/", authoring.framework_transition, name="framework-transition"),
    path("frameworks/<slug:slug>/deadlines/new/", authoring.deadline_add, name="framework-deadline-add"),
    path("framework-deadlines/<int:pk>/edit/", authoring.deadline_edit, name="framework-deadline-edit"),
    path("frameworks/<slug:slug>/actions/new/", authoring.action_add, name="framework-action-add"),
    path("framework-actions/<int:pk>/edit/", authoring.action_edit, name="framework-action-edit"),
    path("framework-actions/<int:pk>/change/", authoring.action_change, name="framework-action-change"),
    path("framework-actions/<int:pk>/requirements/new/", authoring.requirement_add, name="requirement-add"),
    path("requirements/<int:pk>/edit/", authoring.requirement_edit, name="requirement-edit"),
    path("requirements/<int:pk>/change/", authoring.requirement_change, name="requirement-change"),
    path("frameworks/<slug:slug>/history/", history_view(Framework.objects), name="framework-history"),
    path("requirements/", compliance.item_list, name="item-list"),
    path("assessments/new/", compliance.assessment_start, name="assessment-start"),
    path("assessments/<int:pk>/", compliance.assessment_detail, name="assessment-detail"),
    path("assessments/<int:pk>/history/", history_view(Assessment.objects), name="assessment-history"),
    path("assessments/<int:pk>/submit/", compliance.assessment_submit, name="assessment-submit"),
    path("items/<int:pk>/", compliance.item_detail, name="item-detail"),
    path("items/<int:pk>/history/", history_view(RequirementAssessment.objects), name="item-history"),
    path("items/<int:pk>/edit/", compliance.item_edit, name="item-edit"),
    path("items/<int:pk>/verify/", compliance.item_verify, name="item-verify"),
    path("items/<int:pk>/evidence/new/", evidence.evidence_add, name="evidence-add"),
    path("items/<int:pk>/evidence/link/", evidence.evidence_link, name="evidence-link"),
    path("evidence-links/<int:pk>/review/", evidence.evidence_review, name="evidence-review"),
    path("evidence/<int:pk>/download/", evidence.evidence_download, name="evidence-download"),
    path("assessments/<int:pk>/workbook.xlsx", workbooks.provider_workbook, name="provider-workbook"),
    path("assessments/<int:pk>/return.xlsx", workbooks.return_download, name="return-download"),
    path("assessments/<int:pk>/return/upload/", workbooks.return_upload, name="return-upload"),
    path("frameworks/<slug:slug>/workbook/", workbooks.lmns_workbook_start, name="workbook-start"),
    path("workbooks/<int:pk>/", workbooks.lmns_workbook_job, name="workbook-job"),
    path("workbooks/<int:pk>/download/", workbooks.lmns_workbook_download, name="workbook-download"),
    path("visit-templates/", visit_templates.visit_template_list, name="visit-template-list"),
    path("visit-templates/<slug:slug>/", visit_templates.visit_template_detail, name="visit-template-detail"),
    path(
        "visit-templates/<slug:slug>/new-version/",
        visit_templates.visit_template_copy,
        name="visit-template-copy",
    ),
    path(
        "visit-templates/<slug:slug>/revise/",
        visit_templates.visit_template_revise,
        name="visit-template-revise",
    ),
    path(
        "visit-templates/<slug:slug>/source/",
        visit_templates.visit_template_source,
        name="visit-template-source",
    ),
    path(
        "visit-templates/<slug:slug>/source/download/",
        visit_templates.visit_template_source_download,
        name="visit-template-source-download",
    ),
    path(
        "visit-templates/<slug:slug>/edit/", visit_templates.visit_template_edit, name="visit-template-edit"
    ),
    path(
        "visit-templates/<slug:slug>/status/",
        visit_templates.visit_template_transition,
        name="visit-template-transition",
    ),
    path(
        "visit-templates/<slug:slug>/sections/new/",
        visit_templates.section_add,
        name="visit-template-section-add",
    ),
    path(
        "visit-templates/<slug:slug>/history/",
        template_history.visit_template_history,
        name="visit-template-history",
    ),
    path(
        "visit-template-sections/<int:pk>/edit/",
        visit_templates.section_edit,
        name="visit-template-section-edit",
    ),
    path(
        "visit-template-sections/<int:pk>/change/",
        visit_templates.section_change,
        name="visit-template-section-change",
    ),
    path(
        "visit-template-sections/<int:pk>/lines/new/",
        visit_templates.line_add,
        name="visit-template-line-add",
    ),
    path("visit-template-lines/<int:pk>/edit/", visit_templates.line_edit, name="visit-template-line-edit"),
    path(
        "visit-template-lines/<int:pk>/change/",
        visit_templates.line_change,
        name="visit-template-line-change",
    ),
    *visits_urls.urlpatterns,
    *oversight_urls.urlpatterns,
    *sbl_urls.urlpatterns,
    *maturity_urls.urlpatterns,
]
