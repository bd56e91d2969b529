from django.urls import path

from . import views

app_name = "appeals"
urlpatterns = [
    path("", views.my_appeals, name="mine"),
    path("new/<int:form_id>/", views.new_appeal, name="new"),
    path("<int:pk>/", views.appeal_detail, name="detail"),
    path("<int:pk>/comment/", views.add_comment, name="comment"),
    path("<int:pk>/resolve/", views.resolve, name="resolve"),
    path("<int:pk>/rate/", views.rate, name="rate"),
    path("<int:pk>/files/<int:attachment_pk>/", views.attachment, name="attachment"),
]
