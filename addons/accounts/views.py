import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView, TemplateView
from django_ratelimit.core import is_ratelimited
from wagtail.models import Site

from addons.core.content_languages import set_language_cookie
from addons.core.models import Notification, SiteProfile
from addons.core.views import rate_limited

from . import services, views_persons
from .forms import (
    CitizenLoginForm,
    CitizenPasswordChangeForm,
    CitizenSetPasswordForm,
    DeleteAccountForm,
    ProfileForm,
    RegistrationForm,
    ResendConfirmationForm,
)

#: POSTs allowed per client; override any of them in settings.CIVICDESK_ACCOUNTS_RATES
DEFAULT_RATES = {
    "register": "10/h",
    "register_email": "3/h",
    "email_change": "5/h",
    "resend": "5/h",
    "resend_email": "3/h",
    "password_reset": "5/h",
    "password_reset_email": "3/h",
}


def _rate(name):
    def rate(group, request):
        return getattr(settings, "CIVICDESK_ACCOUNTS_RATES", {}).get(name, DEFAULT_RATES[name])

    return rate


def _posted_email(group, request):
    return request.POST.get("email", "").strip().casefold()


def limited(request, name: str, *, per_email: bool = False) -> bool:
    """Count this POST against the client's (and the typed address's) allowance."""
    over = is_ratelimited(
        request, group=f"accounts.{name}", key="ip", rate=_rate(name), method="POST",
        increment=True,
    )
    if per_email and request.POST.get("email"):
        over = is_ratelimited(
            request, group=f"accounts.{name}_email", key=_posted_email,
            rate=_rate(f"{name}_email"), method="POST", increment=True,
        ) or over
    return over


def _base_url(request) -> str:
    return request.build_absolute_uri("/")


def _site(request):
    return Site.find_for_request(request)


# --- registration -------------------------------------------------------------------------


@method_decorator(sensitive_post_parameters("password1", "password2"), name="dispatch")
@method_decorator(never_cache, name="dispatch")
class RegisterView(FormView):
    template_name = "accounts/register.html"
    form_class = RegistrationForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect(settings.LOGIN_REDIRECT_URL)
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if limited(request, "register", per_email=True):
            return rate_limited(request)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.register_citizen(
                email=data["email"],
                password=data["password1"],
                full_name=data["full_name"],
                postal_address=data.get("postal_address", ""),
                phone=data.get("phone", ""),
                language=self.request.LANGUAGE_CODE,
                consent=data["consent"],
                base_url=_base_url(self.request),
                site=_site(self.request),
            )
        except services.EmailTaken:
            # The same answer as for a new address; the address's owner is told.
            services.warn_address_owner(
                data["email"], "register", base_url=_base_url(self.request),
                site=_site(self.request),
            )
        self.request.session["accounts_registered_email"] = data["email"]
        return redirect("accounts:register_done")


class RegisterDoneView(TemplateView):
    template_name = "accounts/register_done.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        email = self.request.session.get("accounts_registered_email", "")
        context["email"] = email
        context["resend_form"] = ResendConfirmationForm(initial={"email": email})
        return context


class ConfirmEmailView(View):
    """The link in the registration email."""

    def get(self, request, token):
        result, user = services.confirm_registration(token)
        ok = result in (
            services.ConfirmationResult.CONFIRMED, services.ConfirmationResult.ALREADY_CONFIRMED
        )
        return render(
            request,
            "accounts/confirm_email.html",
            {"result": result.value, "resend_form": ResendConfirmationForm()},
            status=200 if ok else 400,
        )


@method_decorator(never_cache, name="dispatch")
class ResendConfirmationView(FormView):
    template_name = "accounts/resend_confirmation.html"
    form_class = ResendConfirmationForm

    def post(self, request, *args, **kwargs):
        if limited(request, "resend", per_email=True):
            return rate_limited(request)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        services.resend_confirmation(
            form.cleaned_data["email"], base_url=_base_url(self.request), site=_site(self.request)
        )
        # The same answer whether or not such an account exists.
        messages.success(
            self.request,
            _(
                "If an account with this address awaits confirmation, we have sent it a new "
                "link. Please check your mailbox."
            ),
        )
        return redirect("accounts:login")


# --- login, logout, passwords -------------------------------------------------------------


class LoginView(auth_views.LoginView):
    form_class = CitizenLoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context.get("form")
        if getattr(form, "unconfirmed_email", ""):
            context["resend_form"] = ResendConfirmationForm(
                initial={"email": form.unconfirmed_email}, prefix="resend"
            )
        return context

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.throttled_for:
            response.status_code = 429
            response["Retry-After"] = str(form.throttled_for)
        return response

    def form_valid(self, form):
        # Logging in never switches the page away from the language the visitor was
        # reading (their choice on this town, else the town's own language): a Romanian
        # town stays Romanian for a citizen whose profile says Ukrainian. The profile's
        # language is that of the e-mails; the language switch changes the pages.
        return super().form_valid(form)


class LogoutView(auth_views.LogoutView):
    pass


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request, *args, **kwargs):
        if limited(request, "password_reset", per_email=True):
            return rate_limited(request)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        self.extra_email_context = {"site_name": services._site_name(_site(self.request))}
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = CitizenSetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"
    form_class = CitizenPasswordChangeForm
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


# --- profile and cabinet ------------------------------------------------------------------


def _field_labels(names):
    User = services._users()
    return [User._meta.get_field(name).verbose_name for name in names]


#: what the profile page says of the law, by the site's country: each site cites its own
#: law, whatever the language of the page
LAW_REQUIRES = {
    "ua": gettext_lazy("The Law of Ukraine \"On citizens' appeals\" requires these details of "
                       "the person who files an appeal:"),
    "ro": gettext_lazy("Government Ordinance no. 27/2002 on petitions requires these details "
                       "of the petitioner:"),
    "bg": gettext_lazy("The Administrative Procedure Code requires these details of the "
                       "person who files a signal or a proposal:"),
}


def law_requires(site) -> str:
    code = SiteProfile.for_site(site).jurisdiction if site is not None else ""
    return LAW_REQUIRES.get(code or "ua", LAW_REQUIRES["ua"])


@method_decorator(sensitive_post_parameters("current_password"), name="dispatch")
@method_decorator(never_cache, name="dispatch")
class ProfileView(LoginRequiredMixin, FormView):
    template_name = "accounts/profile.html"
    form_class = ProfileForm

    email_change_limited = False

    def post(self, request, *args, **kwargs):
        posted = request.POST.get("email", "").strip()
        if posted and posted.casefold() != request.user.email.casefold():
            # each request to change the address counts, per account
            self.email_change_limited = is_ratelimited(
                request, group="accounts.email_change", key="user",
                rate=_rate("email_change"), method="POST", increment=True,
            )
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "user": self.request.user,
            "email_change_limited": self.email_change_limited,
        }

    def get_initial(self):
        user = self.request.user
        return {
            "full_name": user.full_name,
            "postal_address": user.postal_address,
            "phone": user.phone,
            "email": user.email,
            "language": user.language or self.request.LANGUAGE_CODE,
        }

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            law_requires=law_requires(_site(self.request)),
            required_fields=_field_labels(user.REQUIRED_PROFILE_FIELDS),
            missing_fields=_field_labels(user.missing_profile_fields),
            next_url=self._next_url() or "",
            channel_form=views_persons.channel_form(self.request),
            **kwargs,
        )

    def form_valid(self, form):
        change = services.update_profile(
            self.request.user, form.cleaned_data,
            base_url=_base_url(self.request), site=_site(self.request),
        )
        language = form.cleaned_data["language"]
        with translation.override(language):
            messages.success(self.request, _("Your profile is saved."))
            if change.pending_email:
                messages.info(
                    self.request,
                    _(
                        "We have sent a link to %(email)s. Your email address changes once "
                        "you open it."
                    ) % {"email": change.pending_email},
                )
        response = redirect(self._next_url() or "accounts:profile")
        set_language_cookie(response, language)
        return response

    def _next_url(self):
        """Where the citizen came from (e.g. an appeal waiting for a complete profile)."""
        target = self.request.POST.get("next") or self.request.GET.get("next") or ""
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={self.request.get_host()},
            require_https=self.request.is_secure(),
        ):
            return target
        return None


class ConfirmNewEmailView(View):
    """The link sent to a new address chosen in the profile."""

    def get(self, request, token):
        result, _user = services.confirm_email_change(token, site=_site(request))
        ok = result in (
            services.ConfirmationResult.CONFIRMED, services.ConfirmationResult.ALREADY_CONFIRMED
        )
        return render(
            request,
            "accounts/confirm_new_email.html",
            {"result": result.value},
            status=200 if ok else 400,
        )


@method_decorator(never_cache, name="dispatch")
class CabinetView(LoginRequiredMixin, TemplateView):
    template_name = "accounts/cabinet.html"
    paginate_by = 10

    def get_context_data(self, **kwargs):
        user = self.request.user
        inbox = (
            Notification.objects.filter(recipient=user)
            .only("pk", "subject", "created_at", "read_at", "recipient_id")
            .order_by("-created_at", "-pk")
        )
        page_obj = Paginator(inbox, self.paginate_by).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            page_obj=page_obj,
            notifications=page_obj.object_list,
            unread_count=inbox.filter(read_at__isnull=True).count(),
            missing_fields=_field_labels(user.missing_profile_fields),
            language_name=dict(settings.LANGUAGES).get(user.language, ""),
            **kwargs,
        )


@method_decorator(never_cache, name="dispatch")
class NotificationView(LoginRequiredMixin, TemplateView):
    """One message of the inbox; opening it marks it read."""

    template_name = "accounts/notification.html"

    def get_context_data(self, **kwargs):
        notification = get_object_or_404(
            Notification, pk=self.kwargs["pk"], recipient=self.request.user
        )
        services.mark_notification_read(notification)
        url = notification.url
        safe_url = url if url and url_has_allowed_host_and_scheme(
            url, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        ) else ""
        return super().get_context_data(notification=notification, link=safe_url, **kwargs)


class MarkAllReadView(LoginRequiredMixin, View):
    def post(self, request):
        count = services.mark_all_read(request.user)
        if count:
            messages.success(request, _("All notifications are marked as read."))
        return redirect("accounts:cabinet")


class DataDownloadView(LoginRequiredMixin, View):
    """Everything the site holds about the citizen, as one JSON file."""

    def get(self, request):
        data = services.export_personal_data(request.user)
        content = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        response = HttpResponse(content, content_type="application/json; charset=utf-8")
        filename = f"civicdesk-my-data-{timezone.localdate():%Y-%m-%d}.json"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
@method_decorator(never_cache, name="dispatch")
class DeleteAccountView(LoginRequiredMixin, FormView):
    template_name = "accounts/delete_account.html"
    form_class = DeleteAccountForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        services.delete_account(self.request.user)
        logout(self.request)
        return redirect(reverse("accounts:account_deleted"))


class AccountDeletedView(TemplateView):
    template_name = "accounts/account_deleted.html"
