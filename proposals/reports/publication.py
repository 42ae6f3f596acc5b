"""Published replies (DOMAIN §2.8 B19): what the anonymous public page may show, and nothing of anyone's contacts.

A reply is public once issued, marked 全文公开 or 摘要公开, and its publication date has come (Asia/Shanghai).
The page shows the full text or the summary only, never the contact fields; contact details a unit typed into the
text itself (the proposers' and the unit's phones, addresses, postcodes, contact names, and anything shaped like a
phone number or an e-mail address) are masked as well.
"""

import re

from django.db.models import Q
from django.utils import timezone

from ..models import Cosigner, Member, Reply

PUBLIC_KINDS = (Reply.Publicity.FULL, Reply.Publicity.SUMMARY)
MASK = "＊＊＊"
PHONE = re.compile(r"(?<!\d)(?:\+?86[-\s]?)?(?:1[3-9]\d{9}|0\d{2,3}[-－—\s]?\d{7,8})(?!\d)")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def published_replies(query: str = ""):
    """Public replies, newest publication first, optionally filtered by a keyword."""
    replies = Reply.objects.filter(
        status=Reply.Status.ISSUED, publicity__in=PUBLIC_KINDS, publish_on__lte=timezone.localdate()
    ).select_related("assignment__unit", "assignment__proposal", "category")
    query = query.strip()
    if query:
        # Only the published text is searched: a summary-only reply must not be found by words of its full body.
        match = (
            Q(assignment__proposal__title__icontains=query) | Q(assignment__unit__name__icontains=query)
            | Q(reference_number__icontains=query) | Q(publicity=Reply.Publicity.FULL, body__icontains=query)
            | Q(publicity=Reply.Publicity.SUMMARY, summary__icontains=query)
        )
        if query.isdigit():
            match |= Q(assignment__proposal__serial=int(query))
        replies = replies.filter(match)
    return replies.order_by("-publish_on", "-issued_at", "-pk")


def contact_strings(reply: Reply) -> set[str]:
    """The contact details on record around a reply: its contact person and phone, the proposal's contact fields,
    the proposers' roster phone, address and postcode, and the answering unit's phone and address."""
    proposal = reply.assignment.proposal
    unit = reply.assignment.unit
    values = {reply.contact_person, reply.contact_phone, proposal.contact_person, proposal.contact_phone,
              unit.phone, unit.address}
    people = Cosigner.objects.filter(proposal=proposal).values("user_id")
    members = Member.objects.filter(term_id=proposal.term_id).filter(
        Q(user_id=proposal.first_proposer_id) | Q(user_id=proposal.submitted_by_id) | Q(user_id__in=people))
    for phone, address, postcode in members.values_list("phone", "address", "postcode"):
        values |= {phone, address, postcode}
    return {value.strip() for value in values if value and len(value.strip()) >= 2}


def public_text(reply: Reply) -> str:
    """The full text or the summary, as the publicity mark says, with every contact detail masked."""
    text = reply.body if reply.publicity == Reply.Publicity.FULL else reply.summary
    # Longest first, so a phone number is masked whole before a shorter value inside it.
    for value in sorted(contact_strings(reply), key=len, reverse=True):
        text = text.replace(value, MASK)
    return EMAIL.sub(MASK, PHONE.sub(MASK, text))
