"""Default time limits of the proposal process (DOMAIN §2.10), created once; admins edit them afterwards."""

RULES = [
    # code, name, kind, amount, anchor, source
    ("proposal-review", "审查立案", "working_days", 10, "提交日", "DOMAIN §2.3 [I] 平时提案默认 10 个工作日"),
    ("proposal-cosign", "联名确认", "working_days", 5, "发起联名日", "DOMAIN §2.9 [L] 截止由提案委设定"),
    ("proposal-assign", "交办", "working_days", 5, "立案日", "DOMAIN §2.4 [L] 平时提案及时交办"),
    ("assignment-receipt", "签收或申请调整", "working_days", 5, "交办日", "DOMAIN §2.4 [L] 涡阳县 5 个工作日"),
    ("assignment-adjustment", "调整申请处理", "working_days", 5, "申请调整日", "DOMAIN §2.4 [I]"),
    ("assignment-reply", "办理答复", "months", 3, "交办日", "DOMAIN §2.5 [L] 3 个月"),
    ("assignment-contact", "办前面商", "working_days", 15, "交办日", "DOMAIN §2.5 [L] 崇义县 15 个工作日"),
    ("co-opinion", "会办意见", "months", 1, "签收日", "DOMAIN §2.4 [L] 1 个月（或 2 个月）"),
    ("proposal-evaluation", "提案者评价", "working_days", 15, "收到答复日", "DOMAIN §2.6 [L] 15 个工作日"),
    ("rehandling", "重新办理", "months", 3, "不满意评价日", "DOMAIN §2.6 [L] 1 至 3 个月"),
    ("face-meeting", "面对面沟通", "working_days", 20, "第二次不满意日", "DOMAIN §2.10 B17 [I] 20 个工作日"),
]


def ensure_deadline_rules(**kwargs):
    """Create the missing default rules after migrate (and after a flush); never overwrite an admin's edit."""
    from workflows.models import DeadlineRule

    for code, name, kind, amount, anchor, source in RULES:
        DeadlineRule.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "amount": amount, "anchor": anchor, "source": source}
        )


CATEGORIES = [
    # code, name, promises a solution (回头看)
    ("A", "所提问题已经解决或基本解决", True),
    ("B", "正在解决或列入规划逐步解决", True),
    ("C", "因目前条件限制或其他原因需待以后解决", False),
    ("D", "留作参考", False),
]


def ensure_outcome_categories(**kwargs):
    """The default 4-level code list (DOMAIN §2.5), created once; admins rename, add or disable entries."""
    from .models import OutcomeCategory

    if OutcomeCategory.objects.exists():
        return
    for order, (code, name, promises) in enumerate(CATEGORIES):
        OutcomeCategory.objects.create(code=code, name=name, promises_solution=promises, order=order)
