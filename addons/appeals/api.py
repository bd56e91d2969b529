"""Read API of appeals (``/api/v1/appeals/``) for document-management systems.

The same rights as everywhere: ``Appeal.objects.visible_to(user)`` (a citizen their own
appeals, a moderator their addressees', the appeals department its site's). Token
(``Authorization: Token <key>``) or session authentication. A staff member's reading of an
appeal is written to its history and the audit log, as in the admin. References are
counted per town, so each town's API (its host) answers with that town's appeals only.
"""

from __future__ import annotations

from django import forms
from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from wagtail.models import Site

from addons.core.validation import DatabaseIntegerField, api_error_responses, parse_pk

from . import services
from .filters import UNKNOWN_TYPE, AppealFilterForm
from .models import Appeal, AppealAttachment, AppealMessage, AppealType, FormKind, Procedure
from .permissions import is_staff_for

#: Two choice sets are called "kind" (the appeal form's and the message's): the schema names
#: them apart through SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].
FORM_KINDS = FormKind.choices
MESSAGE_KINDS = AppealMessage.Kind.choices


class AddresseeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = AppealAttachment
        fields = ["id", "original_name", "size", "content_type", "url"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, item) -> str:
        request = self.context.get("request")
        url = item.get_absolute_url()
        return request.build_absolute_uri(url) if request else url


class MessageSerializer(serializers.ModelSerializer):
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = AppealMessage
        fields = ["id", "kind", "text", "created_at", "attachments"]


class AppealListSerializer(serializers.ModelSerializer):
    addressee = AddresseeSerializer(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Appeal
        fields = ["id", "reference", "subject", "status", "status_label", "kind",
                  "procedure", "appeal_type", "addressee", "priority", "received_at",
                  "due_date", "urgent_at", "return_by", "notify_by", "forward_by",
                  "refuse_by", "answered_at", "closed_at", "overdue"]

    def get_overdue(self, appeal) -> bool:
        return appeal.is_overdue()


class AppealDetailSerializer(AppealListSerializer):
    messages = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()

    class Meta(AppealListSerializer.Meta):
        fields = [*AppealListSerializer.Meta.fields, "text", "answers", "applicant_name",
                  "applicant_address", "applicant_email", "applicant_phone",
                  "organisation_name", "organisation_code", "do_not_disclose",
                  "answer_format", "anonymous", "notified_at",
                  "original_due_date", "extended_until", "extension_reason",
                  "repeated_of", "rating", "attachments", "messages"]

    @extend_schema_field(MessageSerializer(many=True))
    def get_messages(self, appeal):
        items = appeal.messages.all()
        if not self.context.get("staff"):
            items = [item for item in items if item.kind != AppealMessage.Kind.NOTE]
        return MessageSerializer(items, many=True, context=self.context).data

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, appeal):
        items = [item for item in appeal.attachments.all() if item.message_id is None]
        return AttachmentSerializer(items, many=True, context=self.context).data


class ApiFilterForm(AppealFilterForm):
    """The admin's filters; any addressee id the database can hold is accepted (the rights
    narrow the rows). A filter that is not valid is answered with 400 and its errors."""

    def __init__(self, data=None, *, user, **kwargs):
        forms.Form.__init__(self, data, **kwargs)
        self.user = user
        self.fields["addressee"] = DatabaseIntegerField(required=False, min_value=1)


class AppealPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


FILTER_PARAMETERS = [
    OpenApiParameter("q", str, description="Reference, subject or applicant's name."),
    OpenApiParameter("status", str, description="A status, or \"open\"."),
    OpenApiParameter("addressee", int, description="Addressee page id."),
    OpenApiParameter("kind", str, description="individual, legal_entity or custom."),
    OpenApiParameter("procedure", str, enum=[value for value, _label in Procedure.choices],
                     description="An appeal or a request for public information."),
    OpenApiParameter("appeal_type", str,
                     enum=[*(value for value, _label in AppealType.choices), UNKNOWN_TYPE],
                     description=f"The type of appeal the law names, or \"{UNKNOWN_TYPE}\" "
                                 "for appeals filed before it was asked."),
    OpenApiParameter("received_from", OpenApiTypes.DATE),
    OpenApiParameter("received_to", OpenApiTypes.DATE),
    OpenApiParameter("due", str, enum=["soon", "overdue"]),
    OpenApiParameter("priority", str, description="A privileged category, or \"any\"."),
]


class AppealViewSet(viewsets.ReadOnlyModelViewSet):
    """Appeals the authenticated user may see. Nothing here is stored by a browser or a
    proxy (``Cache-Control: private, no-store``): the answers hold personal data."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]
    pagination_class = AppealPagination
    serializer_class = AppealListSerializer
    queryset = Appeal.objects.none()

    def get_queryset(self):
        # references are counted per town: a town's API answers with that town's appeals
        queryset = Appeal.objects.visible_to(self.request.user).filter(
            site=Site.find_for_request(self.request)).select_related("addressee")
        if self.action == "retrieve":
            return queryset.select_related("site").prefetch_related(
                Prefetch("messages", queryset=AppealMessage.objects.prefetch_related(
                    Prefetch("attachments", queryset=AppealAttachment.objects.order_by("pk")))),
                Prefetch("attachments", queryset=AppealAttachment.objects.order_by("pk")),
            )
        return self.filter_form().apply(queryset).order_by("-received_at", "-pk")

    def filter_form(self):
        if not hasattr(self, "_filter_form"):
            self._filter_form = ApiFilterForm(self.request.query_params or None,
                                              user=self.request.user)
        return self._filter_form

    def get_object(self):
        if parse_pk(self.kwargs.get(self.lookup_field)) is None:
            raise NotFound
        return super().get_object()

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        return response

    def get_serializer_class(self):
        return AppealDetailSerializer if self.action == "retrieve" else AppealListSerializer

    @extend_schema(parameters=FILTER_PARAMETERS, responses={
        200: AppealListSerializer, **api_error_responses(400, 401, 404)})
    def list(self, request, *args, **kwargs):
        form = self.filter_form()
        if form.is_bound and not form.is_valid():
            errors = {name: [str(error) for error in items]
                      for name, items in form.errors.items()}
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: AppealDetailSerializer, **api_error_responses(401, 404)})
    def retrieve(self, request, *args, **kwargs):
        appeal = self.get_object()
        staff = is_staff_for(request.user, appeal)
        services.record_view(appeal, request.user)
        serializer = AppealDetailSerializer(
            appeal, context={**self.get_serializer_context(), "staff": staff}
        )
        return Response(serializer.data)
