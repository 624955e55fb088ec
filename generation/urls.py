from django.urls import path

from . import views

urlpatterns = [
    path("", views.run_list, name="run_list"),
    path("new/<int:cohort_pk>/", views.run_new, name="run_new"),
    path("<int:pk>/", views.run_detail, name="run_detail"),
    path("<int:pk>/progress/", views.run_progress, name="run_progress"),
    path("<int:pk>/cancel/", views.run_cancel_view, name="run_cancel"),
    path("<int:pk>/sample/", views.sample_new, name="sample_new"),
    path("sets/<int:pk>/", views.synthetic_set_detail, name="synthetic_set_detail"),
    path("sets/<int:pk>/progress/", views.synthetic_set_progress, name="synthetic_set_progress"),
]
