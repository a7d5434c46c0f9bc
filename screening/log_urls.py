from django.urls import path, re_path

from screening import log_views

app_name = "log"
urlpatterns = [
    path("", log_views.log_index, name="index"),
    path("save/", log_views.save_screening, name="save"),
    path("screenings/<uuid:pk>/", log_views.screening_detail, name="screening"),
    path("screenings/<uuid:pk>/again/", log_views.screening_again, name="again"),
    path("screenings/<uuid:pk>/delete/", log_views.screening_delete, name="delete"),
    re_path(r"^trials/(?P<nct_id>NCT\d{8})/$", log_views.trial_log, name="trial"),
    re_path(r"^trials/(?P<nct_id>NCT\d{8})/log\.csv$", log_views.trial_log_csv, name="trial-csv"),
    re_path(
        r"^trials/(?P<nct_id>NCT\d{8})/summary/$", log_views.trial_summary, name="trial-summary"
    ),
]
