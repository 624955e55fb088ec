from django.urls import path

from . import views

urlpatterns = [
    path("", views.cohort_list, name="cohort_list"),
    path("upload/", views.cohort_upload, name="cohort_upload"),
    path("<int:pk>/", views.cohort_detail, name="cohort_detail"),
    path("<int:pk>/progress/", views.cohort_progress, name="cohort_progress"),
]
