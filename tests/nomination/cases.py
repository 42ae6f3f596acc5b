"""Builders of nomination cases at each step (A1–A13), through the services and the chains, as the users would."""

import datetime
import itertools

import time_machine
from django.utils import timezone

from nomination import chains, process
from nomination.models import CaseStatus, NominationCase, UfwdOpinion
from workflows import stages, sweeps

from .conftest import in_pool, make_id_number

CHINA = datetime.timezone(datetime.timedelta(hours=8))


def at(*args):
    return datetime.datetime(*args, tzinfo=CHINA)


def case_data(candidates, **overrides) -> process.CaseData:
    values = {
        "post_unit": "县教育局", "post_title": "副局长", "post_level": "deputy_section", "post_kind": "dept_deputy",
        "motion_text": "县教育局副局长缺额一名，拟从党外后备干部中选拔，任职条件：本科以上学历，熟悉教育工作。",
        "candidate_ids": tuple(p.pk for p in candidates),
    }
    values.update(overrides)
    return process.CaseData(**values)


_sequence = itertools.count(1)


def candidates(w, *, party="minmeng"):
    """Two reference candidates from the pool; the first (the future nominee) of ``party``."""
    n = next(_sequence)
    first = in_pool(w, name="马文华", party=party, id_number=make_id_number(sequence=(2 * n + 1) % 1000))
    second = in_pool(w, name="李秀兰", party="non_party",
                     id_number=make_id_number(datetime.date(1986, 5, 2), (2 * n) % 1000))
    return first, second


def reload(case) -> NominationCase:
    return NominationCase.objects.get(pk=case.pk)


def drafted(w, *, party="minmeng", **overrides):
    return process.case_create(actor=w.org1, data=case_data(candidates(w, party=party), **overrides))


def task(user, case, slot, key=None):
    run = stages.running_chain(case, slot)
    if run is None:
        return None
    tasks = run.tasks.filter(status="open", assignee=user)
    if key:
        tasks = tasks.filter(stage__key=key)
    return tasks.select_related("stage").first()


def opinion(w, case, gate, *, stance="agree", text="同意。该同志政治立场坚定，建议按程序推进。"):
    process.ufwd_opinion_submit(actor=w.uf1, case=case, gate=gate, stance=stance, text=text)
    process.ufwd_opinion_submit(actor=w.uflead1, case=case, gate=gate, stance=stance, text=text, comment="同意签发")
    return reload(case)


def at_motion_gate(w, **kw):
    case = drafted(w, **kw)
    return process.motion_submit(actor=w.org1, case=case)


def motion_approved(w, **kw):
    case = opinion(w, at_motion_gate(w, **kw), UfwdOpinion.Gate.MOTION)
    return process.motion_approve(actor=w.org1, case=case, approved_on=timezone.localdate(), meeting="部务会")


def recommended(w, **kw):
    case = motion_approved(w, **kw)
    votes = {p.pk: 30 - i * 10 for i, p in enumerate(case.candidates.order_by("pk"))}
    process.recommendation_record(actor=w.org1, case=case, data=process.RecommendationData(
        form="meeting", held_on=timezone.localdate(), categories=("leadership", "staff", "party_heads"),
        participants=45, votes=votes, talk_summary="个别谈话 12 人。"))
    return reload(case)


def candidate_fixed(w, **kw):
    case = recommended(w, **kw)
    nominee = case.candidates.order_by("pk").first()
    return process.candidate_fix(actor=w.org1, case=case, nominee=nominee,
                                 party_org_unit=w.party_unit if nominee.party != "non_party" else None)


def vetting(w, **kw):
    case = candidate_fixed(w, **kw)
    return process.vetting_start(actor=w.org1, case=case, members=[w.org1, w.uf1], leader=w.org1)


def vetting_opinions(w, case):
    """Each parallel vetting stage answered by its holder (the party stage only when it was not skipped)."""
    stages.approve(actor=w.jiwei1, task=task(w.jiwei1, case, chains.VETTING, chains.INTEGRITY),
                   comment="未发现影响使用的问题线索")
    for key in ("integrity-conclusion", "file-checks"):
        stages.approve(actor=w.org1, task=task(w.org1, case, chains.VETTING, key), comment="核查无问题")
    party_task = task(w.party1, case, chains.VETTING, chains.PARTY_OPINION)
    if party_task:
        stages.approve(actor=w.party1, task=party_task, comment="同意推荐")
    return reload(case)


def vetted(w, **kw):
    case = vetting_opinions(w, vetting(w, **kw))
    process.vetting_report_submit(actor=w.org1, case=case, report="民主测评优秀率 90%，个别谈话反映良好。")
    return process.vetting_uf_opinion_submit(actor=w.uf1, case=case, opinion="同意作为拟任人选，建议加强党外干部培养。")


def at_signoff(w, **kw):
    return opinion(w, vetted(w, **kw), UfwdOpinion.Gate.DECISION)


def signed(w, **kw):
    case = at_signoff(w, **kw)
    process.package_submit(actor=w.org1, case=case, summary="干部任免审批表及考察材料。")
    stages.approve(actor=w.uflead1, task=task(w.uflead1, case, chains.SIGNOFF, "uf-deputy"), comment="同意")
    stages.approve(actor=w.orglead1, task=task(w.orglead1, case, chains.SIGNOFF, chains.ORG_COSIGN), comment="同意")
    stages.approve(actor=w.uflead1, task=task(w.uflead1, case, chains.SIGNOFF, chains.UF_COSIGN), comment="同意")
    return reload(case)


def decided(w, **kw):
    case = signed(w, **kw)
    return process.decision_record(actor=w.org1, case=case, decision="approved", meeting_date=timezone.localdate(),
                                   minutes_ref="县委常委会〔2025〕18次")


def in_notice(w, **kw):
    case = decided(w, **kw)
    starts = timezone.localdate()
    return process.notice_publish(actor=w.org1, case=case, starts_on=starts,
                                  ends_on=process.notice_minimum_end(starts), channel="同心县人民政府网站",
                                  contact="0953-8012345")


def sweep_at(moment):
    """What the minute sweep does at ``moment`` (the legal waits' automatic actions among it)."""
    with time_machine.travel(moment, tick=False):
        return sweeps.sweep()


def notice_over(case):
    """Travel past the end of 公示 (its due item) and let the sweep run the wait's automatic action."""
    sweep_at(process.notice_due(case).due_at + datetime.timedelta(minutes=1))
    case = reload(case)
    assert case.status == CaseStatus.NOTICE_ENDED
    return case


def probation_over(case):
    sweep_at(process.probation_due(case).due_at + datetime.timedelta(minutes=1))
    case = reload(case)
    assert case.status == CaseStatus.PROBATION_ENDED
    return case
