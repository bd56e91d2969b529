from django.urls import path

from . import views

app_name = "surveys"
urlpatterns = [
    path("<int:pk>/", views.survey, name="survey"),
    path("<int:pk>/answer/", views.answer, name="answer"),
    path("<int:pk>/results/", views.results, name="results"),
    path("link/<str:token>/", views.invitation, name="invitation"),
]
