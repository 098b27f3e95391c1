from django.urls import path

from assurance.views import compliance, evidence, workbooks

app_name = "assurance"

urlpatterns = [
    path("", compliance.index, name="index"),
    path("frameworks/<slug:slug>/", compliance.framework_detail, name="framework-detail"),
    path("frameworks/<slug:slug>/matrix/", compliance.matrix, name="matrix"),
    path("requirements/", compliance.item_list, name="item-list"),
    path("assessments/new/", compliance.assessment_start, name="assessment-start"),
    path("assessments/<int:pk>/", compliance.assessment_detail, name="assessment-detail"),
    path("assessments/<int:pk>/submit/", compliance.assessment_submit, name="assessment-submit"),
    path("items/<int:pk>/", compliance.item_detail, name="item-detail"),
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
]
