from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("trials/", include("trials.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("log/", include("screening.log_urls")),
    path("", include("screening.urls")),
]
