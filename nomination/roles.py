"""The roles of the cadre side as Django groups with their permissions (configuration, not demo data).

DOMAIN §7.1: both departments see every non-Party person record; a recommending organisation sees only its own
submissions; the discipline organ sees nothing of the pool for now (its request letters come with the nomination
process: they see their own opinion requests only, see ``nomination.access``).
"""

from django.utils.translation import gettext_lazy as _

from workflows import departments
from workflows.roles import ROLE_LABELS
from workflows.two_factor import register_required_roles

ORG_CADRE = "org_cadre"
ORG_LEADER = "org_leader"
UF_CADRE = "uf_cadre"
UF_LEADER = "uf_leader"
PARTY_ORG = "party_org"
DISCIPLINE = "discipline"
CPPCC_PARTY_GROUP = "cppcc_party_group"

ORG, UF = "org", "uf"
DEPARTMENT_LABELS = {ORG: _("组织部"), UF: _("统战部")}
# The department a role acts for: a joint act needs one confirmation from each.
DEPARTMENT_OF_ROLE = {ORG_CADRE: ORG, ORG_LEADER: ORG, UF_CADRE: UF, UF_LEADER: UF}

_READ = ["nomination.view_all_people", "nomination.view_rosters", "nomination.view_statistics"]

ROLES = {
    ORG_CADRE: (
        _("组织部干部科"),
        [*_READ, "nomination.manage_pool", "nomination.confirm_joint", "nomination.recommend_person",
         "nomination.manage_staffing", "nomination.view_nomination_cases", "nomination.manage_nomination_cases",
         "nomination.view_representatives"],
    ),
    ORG_LEADER: (_("组织部领导"), [*_READ, "nomination.confirm_joint", "nomination.view_nomination_cases",
                                "nomination.view_representatives", "workflows.view_due_board"]),
    UF_CADRE: (
        _("统战部干部科"),
        [*_READ, "nomination.manage_pool", "nomination.confirm_joint", "nomination.recommend_person",
         "nomination.manage_staffing", "nomination.manage_rosters", "nomination.view_nomination_cases",
         "nomination.view_representatives", "nomination.manage_representatives"],
    ),
    UF_LEADER: (_("统战部领导"), [*_READ, "nomination.confirm_joint", "nomination.view_nomination_cases",
                               "nomination.view_representatives", "workflows.view_due_board"]),
    PARTY_ORG: (_("民主党派组织"), ["nomination.recommend_person"]),
    DISCIPLINE: (_("纪委监委"), []),
    # 政协党组: heard on re-nominated members (DOMAIN §5.1); sees only its own opinion requests.
    CPPCC_PARTY_GROUP: (_("政协党组"), []),
}


ROLE_LABELS.update({code: label for code, (label, _perms) in ROLES.items()})
# The two departments hold cadres' personal data: their roles must sign in with a second factor.
register_required_roles(ORG_CADRE, ORG_LEADER, UF_CADRE, UF_LEADER)


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


def role_codes(user) -> frozenset[str]:
    """The user's cadre-side roles, read once per request object."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_nomination_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._nomination_roles = cached
    return cached


def departments_of(user) -> frozenset[str]:
    return frozenset(DEPARTMENT_OF_ROLE[code] for code in role_codes(user) if code in DEPARTMENT_OF_ROLE)


# The engine's 委托 rule asks which department a user works for (``workflows.departments``).
departments.register("nomination", departments_of, DEPARTMENT_LABELS)
