from django.urls import path

from . import catalogue_views, keys_views, views

urlpatterns = [
    # Staff of the releasing organisation.
    path("releases/", views.release_list, name="release_list"),
    path("releases/propose/", views.release_propose_view, name="release_propose"),
    path("releases/<int:pk>/", views.release_detail, name="release_detail"),
    path("releases/<int:pk>/decide/", views.release_decide, name="release_decide"),
    path("releases/<int:pk>/withdraw/", views.release_withdraw_view, name="release_withdraw"),
    path("releases/<int:pk>/bundle/retry/", views.release_bundle_retry, name="release_bundle_retry"),
    path("releases/<int:pk>/progress/", views.release_progress, name="release_progress"),
    path("releases/requests/", views.access_request_list, name="access_request_list"),
    path("releases/requests/<int:pk>/", views.access_request_detail, name="access_request_detail"),
    path("releases/requests/<int:pk>/revoke/", views.grant_revoke_view, name="grant_revoke"),
    # Everyone signed in: the catalogue; researchers: requests, grants, downloads.
    path("catalogue/", catalogue_views.catalogue, name="catalogue"),
    path("catalogue/<int:pk>/", catalogue_views.catalogue_release_view, name="catalogue_release"),
    path("catalogue/<int:pk>/manifest.json", catalogue_views.release_manifest_view, name="release_manifest"),
    path("catalogue/<int:pk>/manifest.dsse.json", catalogue_views.release_envelope_view,
         name="release_envelope"),
    path("catalogue/<int:pk>/request/", catalogue_views.access_request_create_view,
         name="access_request_create"),
    path("access/", catalogue_views.my_access, name="my_access"),
    path("access/api-token/", catalogue_views.api_token_view, name="api_token"),
    path("access/grants/<int:pk>/", catalogue_views.grant_detail, name="grant_detail"),
    path("access/grants/<int:pk>/link/", catalogue_views.grant_link_view, name="grant_link"),
    path("download/<str:token>/", catalogue_views.download_landing, name="download"),
    path("download/<str:token>/archive/", catalogue_views.download_file, name="download_archive"),
    path("download/<str:token>/files/<path:path>", catalogue_views.download_file, name="download_file"),
    # Public: the keys that verify every manifest.
    path(".well-known/synthome-keys.json", keys_views.keys_json, name="signing_keys"),
    path(".well-known/synthome-keys/<str:keyid>.pem", keys_views.key_pem, name="signing_key_pem"),
    path(".well-known/synthome-verify-bundle.py", keys_views.verifier_script, name="verifier_script"),
]
