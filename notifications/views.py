from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from . import services
from .channels import preference_for
from .forms import PreferenceForm
from .models import Notification

PAGE_SIZE = 30

# The access-rule marker of workflows.access.rule, set by hand: this app may not import workflows.
AUTHENTICATED = "authenticated"


def signed_in_only(view):
    """Require a signed-in user and mark the view for the URL access audit; views show only the user's own rows."""
    view = login_required(view)
    view.access_rule = AUTHENTICATED
    return view


@signed_in_only
@require_http_methods(["GET"])
def centre(request):
    page = Paginator(Notification.objects.filter(recipient=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/centre.html", {"page": page, "notifications": page.object_list})


@signed_in_only
@require_http_methods(["GET", "POST"])
def open_notification(request, pk):
    """Mark one of the user's notifications read and follow its link (only to a path on this site)."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    if notification.read_at is None:
        services.mark_read(user=request.user, notification_ids=[notification.pk])
    link = notification.link
    if link.startswith("/") and url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return redirect(link)
    return redirect("notifications:centre")


def _ids(values: list[str]) -> list[int]:
    """The values that can be row ids; anything else (text, beyond bigint) cannot name a notification."""
    return [int(value) for value in values if value.isascii() and value.isdigit() and int(value) < 2**63]


@signed_in_only
@require_POST
def mark_read(request):
    if request.POST.get("all"):
        count = services.mark_read(user=request.user)
    else:
        count = services.mark_read(user=request.user, notification_ids=_ids(request.POST.getlist("ids")))
    messages.success(
        request,
        ngettext("已将 %(count)d 条通知标为已读。", "已将 %(count)d 条通知标为已读。", count) % {"count": count},
    )
    return redirect("notifications:centre")


@signed_in_only
@require_http_methods(["GET", "POST"])
def preferences(request):
    """The user's own channels: e-mail on or off, SMS with a mobile number."""
    preference = preference_for(request.user)
    form = PreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        services.preference_save(user=request.user, **form.cleaned_data)
        messages.success(request, _("通知设置已保存。"))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})
