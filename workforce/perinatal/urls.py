from django.urls import path

from lmns.history import history_view
from workforce.perinatal import views
from workforce.perinatal.imports import views as imports
from workforce.perinatal.models import OutcomeSignal

# Included in workforce.urls, so the names are workforce:signal-detail and so on.
urlpatterns = [
    path("perinatal/providers/<str:ods_code>/", views.provider_perinatal, name="perinatal"),
    path("perinatal/signals/", views.signal_list, name="signals"),
    path("perinatal/signals/new/", views.signal_create, name="signal-create"),
    path("perinatal/signals/<int:pk>/", views.signal_detail, name="signal-detail"),
    path("perinatal/signals/<int:pk>/history/", history_view(OutcomeSignal.objects), name="signal-history"),
    path("perinatal/signals/<int:pk>/check/", views.signal_check, name="signal-check"),
    path("perinatal/signals/<int:pk>/actions/new/", views.signal_action_create, name="signal-action-create"),
    path("perinatal/actions/<int:pk>/complete/", views.signal_action_complete, name="signal-action-complete"),
    # Importing monthly returns from a dashboard or data warehouse extract.
    path("imports/", imports.import_list, name="monthly-import-list"),
    path("imports/new/", imports.import_create, name="monthly-import-create"),
    path("imports/<int:pk>/", imports.import_detail, name="monthly-import-detail"),
    path("imports/<int:pk>/apply/", imports.import_apply, name="monthly-import-apply"),
    path("imports/<int:pk>/discard/", imports.import_discard, name="monthly-import-discard"),
    path("imports/mappings/", imports.mapping_list, name="monthly-import-mapping-list"),
    path("imports/mappings/new/", imports.mapping_create, name="monthly-import-mapping-create"),
    path("imports/mappings/<int:pk>/", imports.mapping_edit, name="monthly-import-mapping-edit"),
]
