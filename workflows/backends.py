"""Django's ModelBackend, reading a user's permissions (their own and their roles') in one query instead of two.

Every page and service asks ``has_perm`` of a fresh user object at least once; the stock backend then reads the
user's permissions and their groups' permissions separately. Here it is one ``UNION``; everything else (login,
``get_user``, the caches on the user object) is Django's.
"""

from django.contrib.auth import backends
from django.contrib.auth.models import Permission


class ModelBackend(backends.ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            names = ("content_type__app_label", "codename")
            if user_obj.is_superuser:
                rows = Permission.objects.values_list(*names).order_by()
            else:
                rows = (Permission.objects.filter(user=user_obj).values_list(*names).order_by()
                        .union(Permission.objects.filter(group__user=user_obj).values_list(*names).order_by()))
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return user_obj._perm_cache
