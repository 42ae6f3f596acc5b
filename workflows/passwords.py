"""The password policy, in two profiles chosen by ``TONGXIN_PASSWORD_POLICY``:

- ``mlps`` (default, 等保 2.0 "复杂度要求并定期更换"): at least 8 characters from 3 of 4 classes, not like the user
  name, not common, not all digits, none of the last 5 passwords, changed every 90 days;
- ``nist`` (ASVS 5.0 / NIST 800-63B): length and the common-password list only, no composition or rotation.
Settings build ``AUTH_PASSWORD_VALIDATORS`` from the profile. A password an administrator sets (``require_change``),
or one past its age, must be replaced by its owner before anything else (``needs_change``, ``workflows.security``).
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def _classes(password: str) -> int:
    return sum((
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ))


class CharacterClassesValidator:
    """At least ``min_classes`` of: lower-case letters, upper-case letters, digits, other characters."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if _classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self):
        return _("密码须包含大写字母、小写字母、数字、其他符号中的至少 %(count)s 类。") % {"count": self.min_classes}


class PasswordHistoryValidator:
    """Refuse the last ``count`` passwords; record each change for expiry and the forced change."""

    def __init__(self, count: int = 5):
        self.count = count

    def validate(self, password, user=None):
        if not self.count or user is None or user.pk is None:
            return
        recent = user.password_history.order_by("-changed_at", "-pk").values_list("password", flat=True)[:self.count]
        if any(check_password(password, hashed) for hashed in recent):
            raise ValidationError(
                ngettext("不能使用最近 %(count)s 次用过的密码。", "不能使用最近 %(count)s 次用过的密码。", self.count)
                % {"count": self.count}, code="password_reused")

    def password_changed(self, password, user=None):
        if user is not None and user.pk is not None:
            user.password_history.create(password=user.password, changed_at=timezone.now())

    def get_help_text(self):
        if not self.count:
            return ""
        return _("不能使用最近 %(count)s 次用过的密码。") % {"count": self.count}


def _latest(user):
    return user.password_history.order_by("-changed_at", "-pk").first()


def needs_change(user) -> bool:
    """Whether the user must choose a new password before anything else (one query)."""
    latest = _latest(user)
    if latest is None:
        return False
    max_age = settings.TONGXIN_PASSWORD_MAX_AGE_DAYS
    return latest.must_change or (bool(max_age) and timezone.now() - latest.changed_at > timedelta(days=max_age))


def require_change(user) -> None:
    """An administrator has just set this password (the account admin, an account or roster import): its owner
    must choose their own at the next login."""
    latest = _latest(user)
    if latest is not None and latest.password == user.password:
        type(latest).objects.filter(pk=latest.pk).update(must_change=True)
    elif user.has_usable_password():
        # Set as a ready-made hash (imports), which bypasses the validators' record of the change.
        user.password_history.create(password=user.password, changed_at=timezone.now(), must_change=True)
