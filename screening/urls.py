from django.urls import path

from screening import views

app_name = "screening"
urlpatterns = [
    path("", views.screen_page, name="screen"),
    path("api/screen", views.api_screen, name="api-screen"),
]
