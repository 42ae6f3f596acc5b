def unread_count(request):
    return {}
