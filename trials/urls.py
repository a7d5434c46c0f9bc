from django.urls import path, re_path

from trials import views

app_name = "trials"
urlpatterns = [
    path("", views.trial_list, name="list"),
    # Only an NCT ID reaches the database: anything else (a NUL, 5,000 characters) is a 404.
    re_path(r"^(?P<nct_id>[Nn][Cc][Tt]\d{8})/$", views.trial_detail, name="detail"),
]
