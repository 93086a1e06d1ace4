from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import views as account_views
from config.health import healthz

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/login/", account_views.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("healthz", healthz, name="healthz"),
    path("api/", include("config.api")),
    path("fhir/R4/", include("caseloads.fhir_urls")),
    path("", include("caseloads.urls")),
    path("", include("patients.urls")),
    path("admin/", admin.site.urls),
]
