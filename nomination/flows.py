"""党外干部选拔任用 (DOMAIN §4.3–4.4): the legal skeleton of a nomination case as a viewflow flow.

The process waits in ``Handle`` nodes while the case's chains run (the UFWD gates, the vetting opinions, the
package sign-off, the probation assessment) or while the 组织部 records an offline act (the motion's approval, the
recommendation, the decision, the appointment); the services in ``nomination.process`` complete each wait under
the flow lock. The two fixed legal waits, the end of 任前公示 and the end of 试用期, are viewflow timers.
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.models import Process

from .models import CaseStatus, NominationCase


class NominationProcess(Process):
    class Meta:
        proxy = True
        verbose_name = _("党外干部选拔任用流程")
        verbose_name_plural = _("党外干部选拔任用流程")


def _status_is(*statuses):
    return lambda activation: activation.process.nomination_case.status in statuses


def _case(activation) -> NominationCase:
    return activation.process.nomination_case


class NominationFlow(flow.Flow):
    """党外干部选拔任用"""

    process_class = NominationProcess
    process_title = _("党外干部选拔任用")
    process_description = _("动议 → 征求统战部意见 → 民主推荐 → 考察 → 征求统战部意见 → 两部会签 → 常委会决定 → "
                            "任前公示 → 依法任命 → 任职 → 试用期")
    lock_impl = lock.select_for_update_lock
    summary_template = "{{ process.nomination_case }}"

    start = flow.StartHandle(this.start_case).Next(this.ufwd_motion)

    # A2 [L C1]: the mandatory UFWD opinion on the motion (chain), then the 部务会 fixes the motion.
    ufwd_motion = flow.Handle().Annotation(title=_("动议征求统战部意见")).Next(this.selection)
    # A3–A4: 民主推荐 and the 考察对象.
    selection = flow.Handle().Annotation(title=_("民主推荐、确定考察对象")).Next(this.vetting)
    # A5: the mixed 考察组 and the parallel vetting opinions (slot c).
    vetting = flow.Handle().Annotation(title=_("考察")).Next(this.ufwd_decision)
    # A6 [L C1]: the mandatory UFWD opinion before the decision.
    ufwd_decision = flow.Handle().Annotation(title=_("讨论决定前征求统战部意见")).Next(this.signoff)
    # A7: the package co-signed by both departments (slot d).
    signoff = flow.Handle().Annotation(title=_("上会材料两部会签")).Next(this.decision)
    # A8: the recorded decision of the standing committee (fixed in code).
    decision = flow.Handle().Annotation(title=_("常委会决定")).Next(this.after_decision)
    after_decision = (
        flow.Switch()
        .Case(this.deferred, _status_is(CaseStatus.DEFERRED))
        .Case(this.upward, lambda a: _case(a).status == CaseStatus.DECIDED
              and _case(a).managed_by == NominationCase.ManagedBy.PREFECTURE)
        .Case(this.notice, _status_is(CaseStatus.DECIDED))
        .Default(this.end)
    )
    deferred = flow.Handle().Annotation(title=_("暂缓，待重新提交")).Next(this.decision)
    # Posts the 州委 manages: the county's case ends in a recorded upward recommendation and the 州's outcome.
    upward = flow.Handle().Annotation(title=_("上报州委")).Next(this.end)

    # A9: 任前公示, at least 5 working days; its end is a fixed legal wait.
    notice = flow.Handle().Annotation(title=_("发布任前公示")).Next(this.notice_period)
    notice_period = flow.Timer(this.notice_ends_at).Annotation(title=_("公示期")).Next(this.notice_result)
    # A10: reports received are verified before the case goes on or stops.
    notice_result = flow.Handle().Annotation(title=_("公示结果")).Next(this.after_notice)
    after_notice = (
        flow.Switch()
        .Case(this.legal, _status_is(CaseStatus.LEGAL_PROCEDURE))
        .Case(this.appointment, _status_is(CaseStatus.TO_APPOINT))
        .Default(this.end)
    )
    # A11: election or appointment by the 人大 / 人大常委会 / 政协.
    legal = flow.Handle().Annotation(title=_("依法任命/选举")).Next(this.after_legal)
    after_legal = flow.Switch().Case(this.appointment, _status_is(CaseStatus.TO_APPOINT)).Default(this.end)
    # A12: 任职通知, 任职谈话, start date.
    appointment = flow.Handle().Annotation(title=_("任职")).Next(this.after_appointment)
    after_appointment = (
        flow.Switch().Case(this.probation_period, _status_is(CaseStatus.PROBATION)).Default(this.end)
    )
    # A13: one year from the appointment notice, then the joint assessment (chain).
    probation_period = flow.Timer(this.probation_ends_at).Annotation(title=_("试用期")).Next(this.probation)
    probation = flow.Handle().Annotation(title=_("试用期满考核")).Next(this.end)

    end = flow.End()

    def start_case(self, activation, case):
        activation.process.artifact = case
        activation.process.save()
        case.process = activation.process
        case.save(update_fields=["process"])
        return activation.process

    def notice_ends_at(self, activation):
        return _case(activation).notice_ends_at

    def probation_ends_at(self, activation):
        return _case(activation).probation_ends_at


class RepresentativeProcess(Process):
    class Meta:
        proxy = True
        verbose_name = _("代表人士推荐流程")
        verbose_name_plural = _("代表人士推荐流程")


def _batch(activation):
    return activation.process.representative_batch


class RepresentativeFlow(flow.Flow):
    """党外代表人士推荐（人大代表、政协委员）"""

    process_class = RepresentativeProcess
    process_title = _("党外代表人士推荐")
    process_description = _("名额方案 → 推荐提名 → 协商 → 审核把关 → 建议名单 → 报县委审定 → 法定程序")
    lock_impl = lock.select_for_update_lock
    summary_template = "{{ process.representative_batch }}"

    start = flow.StartHandle(this.start_batch).Next(this.nominations)
    # R1–R3: quota plan, nominations, consultation with the parties and 工商联.
    nominations = flow.Handle().Annotation(title=_("推荐提名与协商")).Next(this.vetting)
    # R4: 政治关 / 廉洁关 / 形象关, the 廉政意见 and (re-nominations) the 政协党组 opinion (chain).
    vetting = flow.Handle().Annotation(title=_("审核把关")).Next(this.listing)
    # R5–R6: the UFWD's compiled list, the views sought, the 组织部's submission (chain).
    listing = flow.Handle().Annotation(title=_("建议名单")).Next(this.approval)
    approval = flow.Handle().Annotation(title=_("县委审定")).Next(this.after_approval)
    after_approval = (
        flow.Switch()
        .Case(this.listing, lambda a: _batch(a).status == "list_compiled")
        .Case(this.upward, lambda a: _batch(a).is_prefecture)
        .Default(this.statutory)
    )
    # R7: the CPPCC standing committee's adoption, or the NPC candidate lists (calendar days before the vote).
    statutory = flow.Handle().Annotation(title=_("法定程序")).Next(this.end)
    upward = flow.Handle().Annotation(title=_("上报州")).Next(this.end)
    end = flow.End()

    def start_batch(self, activation, batch):
        activation.process.artifact = batch
        activation.process.save()
        batch.process = activation.process
        batch.save(update_fields=["process"])
        return activation.process
