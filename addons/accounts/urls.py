from django.urls import path

from . import views, views_persons

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("register/", views.RegisterView.as_view(), name="register"),
    path("register/done/", views.RegisterDoneView.as_view(), name="register_done"),
    path("confirm/resend/", views.ResendConfirmationView.as_view(), name="resend_confirmation"),
    path("confirm/<str:token>/", views.ConfirmEmailView.as_view(), name="confirm_email"),
    path("email/confirm/<str:token>/", views.ConfirmNewEmailView.as_view(),
         name="confirm_new_email"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(),
         name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("password/reset/complete/", views.PasswordResetCompleteView.as_view(),
         name="password_reset_complete"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/change/done/", views.PasswordChangeDoneView.as_view(),
         name="password_change_done"),
    path("cabinet/", views.CabinetView.as_view(), name="cabinet"),
    path("cabinet/profile/", views.ProfileView.as_view(), name="profile"),
    path("cabinet/notifications/<int:pk>/", views.NotificationView.as_view(),
         name="notification"),
    path("cabinet/notifications/read-all/", views.MarkAllReadView.as_view(),
         name="mark_all_read"),
    path("cabinet/data/", views.DataDownloadView.as_view(), name="data_download"),
    path("cabinet/delete/", views.DeleteAccountView.as_view(), name="delete_account"),
    path("identity/confirm/<str:token>/", views_persons.ConfirmIdentityView.as_view(),
         name="confirm_identity"),
    path("cabinet/phone/", views_persons.PhoneView.as_view(), name="phone"),
    path("cabinet/phone/confirm/", views_persons.ConfirmPhoneView.as_view(),
         name="confirm_phone"),
    path("cabinet/channel/", views_persons.PreferredChannelView.as_view(),
         name="preferred_channel"),
    path("deleted/", views.AccountDeletedView.as_view(), name="account_deleted"),
]
