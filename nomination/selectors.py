"""Reads for the cadre pages: querysets with their relations loaded, and rows with sensitive fields masked."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from . import access, masking
from .models import Affiliation, Person, RosterEntry, StaffingTarget


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


@dataclass(frozen=True)
class PersonRow:
    """A person as one user may see it: each sensitive field masked unless ``unmasked`` names it."""

    person: Person
    unmasked: frozenset = frozenset()

    def _show(self, field: str) -> str:
        return masking.display(field, getattr(self.person, field), unmasked=field in self.unmasked)

    @property
    def id_number(self) -> str:
        return self._show(masking.ID_NUMBER)

    @property
    def phone(self) -> str:
        return self._show(masking.PHONE)

    @property
    def address(self) -> str:
        return self._show(masking.ADDRESS)

    @property
    def family_visible(self) -> bool:
        return masking.FAMILY in self.unmasked

    @property
    def age(self) -> int:
        return age_on(self.person.birth_date, timezone.localdate())


def people(user):
    return access.visible_people(user).select_related("recommending_unit").order_by("name", "pk")


def person_with_records(pk: int) -> Person | None:
    return (
        Person.objects.select_related("recommending_unit", "recommended_by", "org_confirmed_by", "uf_confirmed_by",
                                      "created_by")
        .prefetch_related(
            "posts", "trainings", "assessments", "family", "reviews__reviewed_by",
            # DOMAIN §4.6 lists the representative roles currently held.
            Prefetch("roster_entries", queryset=RosterEntry.objects.filter(term__is_current=True).select_related("term")
                     .order_by("term__body")),
        )
        .filter(pk=pk)
        .first()
    )


def roster_entries(term, *, only_non_cpc: bool = False):
    entries = term.entries.select_related("person").order_by("-is_vice_chair", "-is_standing", "name", "pk")
    return entries.exclude(affiliation=Affiliation.CPC) if only_non_cpc else entries


def staffing_targets(year: int):
    return StaffingTarget.objects.filter(year=year).select_related("org_confirmed_by", "uf_confirmed_by").order_by(
        "team")


def roster_counts() -> dict[int, tuple[int, int]]:
    """term id -> (entries, non-CPC entries), in one query."""
    rows = RosterEntry.objects.values("term_id").annotate(
        total=Count("pk"), non_cpc=Count("pk", filter=~Q(affiliation=Affiliation.CPC)))
    return {r["term_id"]: (r["total"], r["non_cpc"]) for r in rows}
