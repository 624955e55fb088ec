"""URL configuration."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("releases.urls")),
    path("api/", include("releases.api_urls")),
    path("events/", include("events.urls")),
    path("cohorts/", include("cohorts.urls")),
    path("runs/", include("generation.urls")),
    path("audits/", include("audit.urls")),
]
