from django.urls import path

from . import views_language

urlpatterns = [
    path("", views_language.set_language, name="set_language"),
]
