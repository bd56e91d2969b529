"""JSON API of the electronic queue (``/api/v1/``) for document-management systems and apps.

- ``GET queues/<id>/slots/?service=<id>&date=<YYYY-MM-DD>``: the day's times with free places
  (public, like the booking page).
- ``POST queues/<id>/tickets/`` (session or ``Authorization: Token <key>``): books through
  ``services.book``; 201 with the ticket, 409 with the nearest free times when the place is
  gone, 400 with field errors otherwise.
- ``GET tickets/<code>/``: the ticket, for its owner and the queue's staff; 404 for anyone
  else (its existence is not revealed).
"""

from __future__ import annotations

from datetime import date, datetime

from django.shortcuts import get_object_or_404
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from addons.core.validation import API_ERRORS, api_error_responses, parse_pk

from . import services, staff
from .forms import FIRST_DAY, LAST_DAY, out_of_range_message
from .models import FieldType, Queue, QueueService, Ticket

AUTHENTICATION = [TokenAuthentication, SessionAuthentication]


class SlotSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    free = serializers.IntegerField()


class SlotsQuerySerializer(serializers.Serializer):
    service = serializers.IntegerField(min_value=1)
    date = serializers.DateField(input_formats=["%Y-%m-%d"])


class DaySlotsSerializer(serializers.Serializer):
    queue = serializers.IntegerField()
    service = serializers.IntegerField()
    date = serializers.DateField()
    slots = SlotSerializer(many=True)


class StartField(serializers.DateTimeField):
    """A date and time whose day lies in the queue's calendar range (FIRST_DAY..LAST_DAY):
    a year-1 or year-9999 time is a field error before any time-zone conversion."""

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value.strip())
            except ValueError:
                parsed = None
            if parsed is not None and not FIRST_DAY <= parsed.date() <= LAST_DAY:
                raise serializers.ValidationError(out_of_range_message())
        try:
            return super().to_internal_value(value)
        except OverflowError:
            raise serializers.ValidationError(out_of_range_message()) from None


class BookingSerializer(serializers.Serializer):
    service = serializers.IntegerField(min_value=1)
    start = StartField()
    answers = serializers.DictField(child=serializers.CharField(allow_blank=True),
                                    required=False, default=dict)
    question = serializers.CharField(
        required=False, allow_blank=True, max_length=4000,
        help_text="What the citizen wants to raise: required for a deputy's reception; "
                  "seen only by the citizen and the reception's staff.")
    token = serializers.CharField(required=False, allow_blank=True, max_length=64,
                                  help_text="A one-time value: a repeated request with it "
                                            "returns the first ticket.")


class TicketSerializer(serializers.ModelSerializer):
    queue = serializers.IntegerField(source="queue_id")
    service = serializers.CharField(source="service_name")
    status_label = serializers.CharField(source="get_status_display")
    url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = ["number", "code", "queue", "service", "start", "end", "status",
                  "status_label", "url", "pdf_url"]

    def _absolute(self, url: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    def get_url(self, ticket) -> str:
        return self._absolute(ticket.get_absolute_url())

    def get_pdf_url(self, ticket) -> str:
        from django.urls import reverse

        return self._absolute(reverse("queues:ticket_pdf", args=[ticket.code]))


class TicketDetailSerializer(TicketSerializer):
    place = serializers.CharField(source="queue.place")
    address = serializers.SerializerMethodField()
    citizen_name = serializers.SerializerMethodField()

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "place", "address", "answers", "question",
                  "citizen_name", "next_visit"]

    def get_address(self, ticket) -> str:
        from .documents import ticket_address

        return ticket_address(ticket)

    def get_citizen_name(self, ticket) -> str:
        return getattr(ticket.citizen, "full_name", "") if ticket.citizen else ""


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    alternatives = serializers.ListField(child=serializers.DateTimeField())


def _site_queue(request, queue_id, **filters) -> Queue:
    """The queue ``queue_id`` names, on the site the request is for (as the booking page)."""
    from wagtail.models import Site

    queue = get_object_or_404(Queue.objects.select_related("site", "addressee"),
                              pk=parse_pk(queue_id),
                              **filters)
    site = Site.find_for_request(request)
    if site is not None and queue.site_id != site.pk:
        raise NotFound()
    return queue


def _service(queue: Queue, service_id: int) -> QueueService | None:
    pk = parse_pk(service_id)
    return QueueService.objects.filter(queue=queue, pk=pk).first() if pk else None


class PersonalDataMixin:
    """Answers with personal data: never kept by a browser or a shared cache."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response


def clean_answers(queue: Queue, given: dict) -> tuple[dict, dict]:
    """The answers to ``queue``'s form fields, given keyed ``field_<id>``: (answers as
    ``{label: text}``, as the booking page stores them; errors keyed ``field_<id>``)."""
    answers, errors = {}, {}
    for field in queue.fields.all():
        value = str(given.get(field.key, "")).strip()
        if not value:
            if field.required:
                errors[field.key] = [_("This field is required.")]
            continue
        if field.field_type == FieldType.CHOICE and value not in field.choice_list():
            errors[field.key] = [_("Choose one of the offered answers.")]
            continue
        if field.field_type == FieldType.DATE:
            try:
                date.fromisoformat(value)
            except ValueError:
                errors[field.key] = [_("Enter a date as YYYY-MM-DD.")]
                continue
        answers[field.label] = value[:2000]
    return answers, errors


class QueueSlotsView(APIView):
    """The day's times of a queue for a service, with free places."""

    authentication_classes = AUTHENTICATION
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("service", int, required=True),
                    OpenApiParameter("date", OpenApiTypes.DATE, required=True)],
        responses={200: DaySlotsSerializer, **api_error_responses(400, 401, 404)},
    )
    def get(self, request, queue_id):
        queue = _site_queue(request, queue_id, active=True)
        query = SlotsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        service = _service(queue, query.validated_data["service"])
        if service is None:
            return Response({"service": [_("This service is not offered by this queue.")]},
                            status=status.HTTP_400_BAD_REQUEST)
        day = query.validated_data["date"]
        slots = [{"start": start, "end": end, "free": free}
                 for start, end, free in services.free_slots(queue, service, day)]
        return Response(DaySlotsSerializer({
            "queue": queue.pk, "service": service.pk, "date": day, "slots": slots,
        }).data)


class QueueTicketsView(PersonalDataMixin, APIView):
    """Books a visit for the authenticated citizen."""

    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=BookingSerializer,
        responses={201: TicketSerializer, **api_error_responses(400, 401, 403, 404),
                   409: OpenApiResponse(ConflictSerializer, description=API_ERRORS[409])},
    )
    def post(self, request, queue_id):
        queue = _site_queue(request, queue_id)
        data = BookingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        service = _service(queue, values["service"])
        answers, errors = clean_answers(queue, values.get("answers") or {})
        if service is None:
            errors["service"] = [_("This service is not offered by this queue.")]
        question = (values.get("question") or "").strip()
        if queue.is_reception and not question:
            errors["question"] = [str(services.QuestionMissing.message)]
        if errors:
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        try:
            ticket = services.book(queue, service, request.user, values["start"], answers,
                                   token=values.get("token") or None, question=question)
        except services.SlotTaken as error:
            return Response({"detail": str(error.message),
                             "alternatives": [moment.isoformat()
                                              for moment in error.alternatives]},
                            status=status.HTTP_409_CONFLICT)
        except services.OutsideSchedule as error:
            return Response({"start": [str(error.message)]},
                            status=status.HTTP_400_BAD_REQUEST)
        except services.InvalidService as error:
            return Response({"service": [str(error.message)]},
                            status=status.HTTP_400_BAD_REQUEST)
        except services.BookingError as error:
            return Response({"non_field_errors": [str(error.message)]},
                            status=status.HTTP_400_BAD_REQUEST)
        serializer = TicketSerializer(ticket, context={"request": request})
        return Response(serializer.data, status=status.HTTP_201_CREATED)


class TicketDetailView(PersonalDataMixin, APIView):
    """A ticket, for its owner and the staff of its queue; 404 for anyone else."""

    authentication_classes = AUTHENTICATION
    permission_classes = [AllowAny]

    @extend_schema(responses={200: TicketDetailSerializer, **api_error_responses(401, 404)})
    def get(self, request, code):
        from wagtail.models import Site

        site = Site.find_for_request(request)
        tickets = Ticket.objects.select_related("queue", "citizen").filter(code=code)
        if site is not None:  # a town's API answers with its own tickets only
            tickets = tickets.filter(queue__site=site)
        ticket = tickets.first()
        user = request.user
        if ticket is None or not (services.can_view_ticket(user, ticket)
                                  or (user.is_authenticated and staff.can_handle(user, ticket))):
            raise NotFound()
        return Response(TicketDetailSerializer(ticket, context={"request": request}).data)
