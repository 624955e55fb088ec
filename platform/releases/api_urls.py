from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from . import api

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api_schema"), name="api_redoc"),
    path("releases/", api.ReleaseListApi.as_view(), name="api_releases"),
    path("releases/<int:pk>/", api.ReleaseDetailApi.as_view(), name="api_release"),
    path("releases/<int:pk>/manifest/", api.ReleaseManifestApi.as_view(), name="api_release_manifest"),
    path("releases/<int:pk>/envelope/", api.ReleaseEnvelopeApi.as_view(), name="api_release_envelope"),
    path("releases/<int:pk>/access-requests/", api.AccessRequestCreateApi.as_view(),
         name="api_access_request_create"),
    path("access-requests/", api.AccessRequestListApi.as_view(), name="api_access_requests"),
    path("access-requests/<int:pk>/", api.AccessRequestDetailApi.as_view(), name="api_access_request"),
    path("grants/", api.GrantListApi.as_view(), name="api_grants"),
    path("grants/<int:pk>/", api.GrantDetailApi.as_view(), name="api_grant"),
    path("grants/<int:pk>/link/", api.GrantLinkApi.as_view(), name="api_grant_link"),
    path("downloads/<str:token>/", api.DownloadListApi.as_view(), name="api_download"),
    path("downloads/<str:token>/archive/", api.DownloadFileApi.as_view(), name="api_download_archive"),
    path("downloads/<str:token>/files/<path:path>", api.DownloadFileApi.as_view(), name="api_download_file"),
    path("keys/", api.PublicKeysApi.as_view(), name="api_keys"),
]
