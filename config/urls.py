from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("trials/", include("trials.urls")),
    path("", include("screening.urls")),
]
