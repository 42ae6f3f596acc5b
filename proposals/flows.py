"""政协提案办理 (DOMAIN §2): the legal skeleton of a proposal as a viewflow flow.

Human steps are viewflow tasks so they appear in the inbox and queue; the decision itself is taken by a service in
``proposals.services``, which completes the task under the flow lock. Per-unit assignments are state machines on
:class:`proposals.models.Assignment`, driven by services, because viewflow's open-source edition has no
subprocess or dynamic multi-instance node (see README, "Per-unit assignments").
"""

from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.models import Process

from workflows import access

from .models import ProposalStatus


class ProposalProcess(Process):
    class Meta:
        proxy = True
        verbose_name = _("提案流程")
        verbose_name_plural = _("提案流程")


@access.rule(access.ENGINE)  # wrapped by viewflow, which lets only the task's owner in
def open_case_page(request, **kwargs):
    """Every proposal task is acted on from the case page, where the services' forms live."""
    activation = request.activation
    proposal = activation.process.proposal
    return redirect("proposals:detail", pk=proposal.pk)


class ProposalFlow(flow.Flow):
    """政协提案"""

    process_class = ProposalProcess
    process_title = _("政协提案")
    process_description = _("提交 → 审查立案 → 交办 → 办理 → 答复 → 评价 → 办结")
    lock_impl = lock.select_for_update_lock
    summary_template = "{{ process.proposal.title }}"

    start = flow.StartHandle(this.start_proposal).Next(this.review)

    # DOMAIN §2.3 B3/B4: the review chain (admin-editable, slot a) runs while the process waits here; its last
    # stage decides 立案 / 不予立案 / 并案 / 退回修改 and the service completes this wait.
    review = flow.Handle().Annotation(title=_("审查立案")).Next(this.after_review)
    after_review = (
        flow.Switch()
        .Case(this.assign, lambda activation: activation.process.proposal.status == ProposalStatus.ACCEPTED)
        .Case(this.revise, lambda activation: activation.process.proposal.status == ProposalStatus.RETURNED)
        .Default(this.end)
    )
    # 退回修改 (案前协商): waits until the proposer resubmits.
    revise = flow.Handle().Annotation(title=_("提案人修改")).Next(this.review)

    # DOMAIN §2.4 B6: 督查室 assigns 独办 / 主办+会办 / 分办.
    assign = (
        flow.View(open_case_page)
        .Annotation(title=_("交办"))
        .Permission("proposals.assign_proposal")
        .Next(this.handling)
    )
    # Units work on their own Assignment rows and reply chains (slot b); the service completes this wait at 办结.
    handling = flow.Handle().Annotation(title=_("办理、答复与评价")).Next(this.end)

    end = flow.End()

    def start_proposal(self, activation, proposal):
        activation.process.artifact = proposal
        activation.process.save()
        proposal.process = activation.process
        proposal.save(update_fields=["process"])
        return activation.process
