from django.urls import path

from . import views

urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("export.jsonl", views.event_export, {"fmt": "jsonl"}, name="event_export_jsonl"),
    path("export.csv", views.event_export, {"fmt": "csv"}, name="event_export_csv"),
]
