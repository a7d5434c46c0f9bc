from django.urls import path

from screening import views

app_name = "screening"
urlpatterns = [
    path("", views.screen_page, name="screen"),
    path("results/<str:nct_id>/criteria", views.trial_criteria, name="trial-criteria"),
    path("api/screen", views.api_screen, name="api-screen"),
]
