from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("trials/", include("trials.urls")),
    # Log in and out only: no e-mail is sent, so there is no password reset by e-mail;
    # an admin sets a forgotten password.
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("log/", include("screening.log_urls")),
    path("", include("screening.urls")),
]
