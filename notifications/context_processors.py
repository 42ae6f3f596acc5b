from .services import unread_count as count_unread


def unread_count(request):
    """The unread badge in the site header: one COUNT on a partial index, only for signed-in users."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": count_unread(user)}
