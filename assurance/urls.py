from django.urls import path

from assurance.models import Assessment, Recommendation, RequirementAssessment, Visit
from assurance.views import compliance, evidence, visits, workbooks
from lmns.history import history_view

app_name = "assurance"

urlpatterns = [
    path("", compliance.index, name="index"),
    path("frameworks/<slug:slug>/", compliance.framework_detail, name="framework-detail"),
    path("frameworks/<slug:slug>/matrix/", compliance.matrix, name="matrix"),
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
    path("visits/", visits.visit_list, name="visit-list"),
    path("visits/new/", visits.visit_create, name="visit-create"),
    path("visits/<int:pk>/", visits.visit_detail, name="visit-detail"),
    path("visits/<int:pk>/history/", history_view(Visit.objects), name="visit-history"),
    path("visits/<int:pk>/edit/", visits.visit_edit, name="visit-edit"),
    path("visits/<int:pk>/status/", visits.visit_transition, name="visit-transition"),
    path("visits/<int:pk>/pack/", visits.visit_pack, name="visit-pack"),
    path("visits/<int:pk>/pack.xlsx", visits.visit_pack_workbook, name="visit-pack-workbook"),
    path("visits/<int:pk>/findings/new/", visits.finding_create, name="finding-create"),
    path("findings/<int:pk>/edit/", visits.finding_edit, name="finding-edit"),
    path("visits/<int:pk>/feedback/new/", visits.feedback_create, name="feedback-create"),
    path("visits/<int:pk>/recommendations/new/", visits.recommendation_create, name="recommendation-create"),
    path("visits/<int:pk>/report/", visits.visit_report, name="visit-report"),
    path("visits/<int:pk>/report.xlsx", visits.visit_report_workbook, name="visit-report-workbook"),
    path("reports/<int:pk>/", visits.report_version, name="report-version"),
    path("reports/<int:pk>/report.xlsx", visits.report_version_workbook, name="report-version-workbook"),
    path("recommendations/", visits.recommendation_list, name="recommendation-list"),
    path("recommendations/<int:pk>/", visits.recommendation_detail, name="recommendation-detail"),
    path(
        "recommendations/<int:pk>/history/",
        history_view(Recommendation.objects),
        name="recommendation-history",
    ),
    path("recommendations/<int:pk>/edit/", visits.recommendation_edit, name="recommendation-edit"),
    path("recommendations/<int:pk>/respond/", visits.recommendation_respond, name="recommendation-respond"),
    path("recommendations/<int:pk>/review/", visits.recommendation_review, name="recommendation-review"),
]
