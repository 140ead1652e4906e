"""The public satisfaction survey, included under survey/ (cdm/urls.py): no login, the signed link is the key."""

from django.urls import path

from customers import views

app_name = "survey"

urlpatterns = [
    # Before <token>/: a token always contains ":" and can never be "thanks".
    path("thanks/", views.survey_thanks, name="thanks"),
    path("<str:token>/", views.survey, name="answer"),
]
