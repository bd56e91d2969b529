from django.http import HttpResponse

from .models import Notice


def notice_list(request):
    titles = ", ".join(Notice.objects.order_by("pk").values_list("title", flat=True))
    return HttpResponse(f"Notices: {titles}")
