def cabinet_context(request):
    return {}
