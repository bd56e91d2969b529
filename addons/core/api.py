"""Core's JSON API under ``/api/v1/`` (names ``core-api:...``).

- ``GET workspace/summary/`` (session or ``Authorization: Token <key>``): the staff home's
  figures for the signed-in member of staff on the site the request is for. 401 without
  credentials, 403 for an account that may not open the admin.
"""

from __future__ import annotations

from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .casework import home
from .casework.access import is_staff_member
from .validation import _error_serializer, api_error_responses


class IsStaffMember(BasePermission):
    message = "Only staff who may open the admin can read the workspace."

    def has_permission(self, request, view):
        return is_staff_member(request.user)


class FigureSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="mine, unassigned, due_soon, overdue, escalated, or "
                                          "the add-on's own key")
    label = serializers.CharField()
    value = serializers.IntegerField()
    url = serializers.CharField(help_text="the desk's list this figure counts ('' if none)")
    group = serializers.CharField(allow_blank=True)


class KindSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField()
    figures = FigureSerializer(many=True)
    extra = FigureSerializer(many=True)


class SiteSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class WorkspaceSummarySerializer(serializers.Serializer):
    site = SiteSerializer(allow_null=True)
    generated_at = serializers.DateTimeField()
    kinds = KindSerializer(many=True)


class WorkspaceSummaryView(APIView):
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated, IsStaffMember]

    @extend_schema(
        operation_id="workspace_summary",
        summary="The staff home's figures",
        description="For every kind of casework in the caller's scope on this site: assigned "
                    "to me, new and unassigned, due within 48 hours, overdue, escalated, and "
                    "the kind's own figures; each with the desk list it counts.",
        responses={
            200: WorkspaceSummarySerializer,
            **api_error_responses(401),
            403: OpenApiResponse(response=_error_serializer(),
                                 description="The account may not open the admin."),
        },
    )
    def get(self, request):
        site = home.working_site(request)
        response = Response(home.summary(request.user, site))
        add_never_cache_headers(response)
        response["Cache-Control"] = "private, no-store"
        return response
