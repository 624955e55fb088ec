from django.urls import path

from . import views

urlpatterns = [
    path("", views.audit_list, name="audit_list"),
    path("policy/", views.release_policy, name="release_policy"),
    path("sets/<int:synthetic_set_pk>/start/", views.audit_start, name="audit_start"),
    path("<int:pk>/", views.audit_report_detail, name="audit_report_detail"),
    path("<int:pk>/progress/", views.audit_report_progress, name="audit_report_progress"),
    path("<int:pk>/report.json", views.audit_report_json, name="audit_report_json"),
    path("<int:pk>/report.html", views.audit_report_html, name="audit_report_html"),
    path("<int:pk>/rerun/", views.audit_report_rerun, name="audit_report_rerun"),
]
