"""How a view shows a service's refusal: one place for every app's pages."""

from django.contrib import messages

from . import access
from .errors import PermissionDeniedError, ServiceError


def show_error(request, error: ServiceError, form=None) -> None:
    """A refused permission is a 403 (audited); any other refusal goes on its field when the form has one, else
    on the page as a message (in Chinese, from the error)."""
    if isinstance(error, PermissionDeniedError):
        raise access.forbid(request, reason=error.message)
    if form is not None:
        field = error.field if error.field in form.fields else None
        form.add_error(field, error.message)
    else:
        messages.error(request, error.message)
