"""Demo data plumbing: each app's ``demo.py`` registers a seeder; ``manage.py seed_demo`` runs them in order.

Demo accounts exist only in a demo database, never in a migration.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from .models import Unit, UnitMembership

DEMO_PASSWORD = "Tongxin@2026"
SEEDERS: list[tuple[int, object]] = []


def seeder(order: int):
    def register(func):
        SEEDERS.append((order, func))
        return func

    return register


def demo_user(username: str, full_name: str, *, groups=(), unit: Unit | None = None,
              unit_role: str = UnitMembership.Role.HANDLER, is_superuser: bool = False, email: str | None = None):
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=username)
    if created:
        # Chinese names: family name first, stored whole in first_name so get_full_name() reads naturally.
        user.first_name = full_name
        user.email = email if email is not None else f"{username}@example.org"
        user.is_superuser = user.is_staff = is_superuser
        user.set_password(DEMO_PASSWORD)
        user.save()
    for code in groups:
        user.groups.add(Group.objects.get(name=code))
    if unit is not None:
        UnitMembership.objects.get_or_create(unit=unit, user=user, role=unit_role)
    return user


def unit(name: str, kind: str, **extra) -> Unit:
    obj, _created = Unit.objects.get_or_create(name=name, defaults={"kind": kind, **extra})
    return obj


@seeder(order=0)
def seed_directory(stdout):
    unit("县委组织部", Unit.Kind.ORG_DEPT)
    unit("县委统战部", Unit.Kind.UF_DEPT)
    demo_user("admin", "系统管理员", is_superuser=True)
