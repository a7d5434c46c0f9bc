from django.urls import path

from screening import views

app_name = "screening"
urlpatterns = [
    path("api/screen", views.api_screen, name="api-screen"),
]
