"""The roles of the proposal process as Django groups with their permissions (configuration, not demo data)."""

from django.utils.translation import gettext_lazy as _

from workflows.admin_roles import register_admin_page_roles
from workflows.roles import ROLE_LABELS

MEMBER = "cppcc_member"
STAFF = "proposal_staff"
STAFF_HEAD = "proposal_head"
SUPERVISION_OFFICE = "supervision_office"
UNIT_HANDLER = "unit_handler"
UNIT_LEADER = "unit_leader"
CPPCC_LEADER = "cppcc_leader"
GOVERNMENT_LEADER = "government_leader"

ROLES = {
    MEMBER: (_("政协委员"), []),
    STAFF: (
        _("提案委工作人员"),
        [
            "proposals.review_proposal",
            "proposals.view_all_proposals",
            "proposals.submit_for_member",
            # The 委员 roster (with its contacts) is the 提案委's register, kept in admin; never the three
            # administrators' (三员分立: no personal data).
            "proposals.view_member",
            "proposals.add_member",
            "proposals.change_member",
        ],
    ),
    STAFF_HEAD: (
        _("提案委负责人"),
        [
            "proposals.review_proposal",
            "proposals.view_all_proposals",
        ],
    ),
    SUPERVISION_OFFICE: (
        _("督查室"),
        ["proposals.assign_proposal", "proposals.view_all_proposals",
         "workflows.view_due_board"],
    ),
    UNIT_HANDLER: (_("承办单位经办人"), []),
    UNIT_LEADER: (_("承办单位分管领导"), []),
    CPPCC_LEADER: (_("政协督办领导"), []),
    GOVERNMENT_LEADER: (_("政府领办领导"), []),
}


ROLE_LABELS.update({code: label for code, (label, _perms) in ROLES.items()})
register_admin_page_roles(STAFF)


def ensure_roles(**kwargs):
    """Create or update the role groups after migrations (idempotent)."""
    from django.contrib.auth.models import Group, Permission

    for code, (_label, perms) in ROLES.items():
        group, _created = Group.objects.get_or_create(name=code)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
        group.permissions.add(*wanted)


def has_role(user, code: str) -> bool:
    return user.is_authenticated and user.groups.filter(name=code).exists()
