"""The REST API under /api/v1/: every app's endpoints on one router; the OpenAPI schema at /api/schema/
and its interactive docs at /api/docs/.

The only module that sees every app's API, as config/urls.py sees every app's pages.
"""

from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from accounts.api.registry import ApiRoute
from caseloads.api import care, enrollments, supervision
from patients.api import views as patients_api

API_ROUTES: list[ApiRoute] = [
    *patients_api.ROUTES,
    *enrollments.ROUTES,
    *care.ROUTES,
    *supervision.ROUTES,
]

router = DefaultRouter()
for route in API_ROUTES:
    router.register(route.prefix, route.viewset, basename=route.basename)

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", login_required(SpectacularSwaggerView.as_view(url_name="api:schema")), name="docs"),
    path("v1/", include(router.urls)),
]
