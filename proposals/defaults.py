"""Default time limits of the proposal process (DOMAIN §2.10), created once; admins edit them afterwards."""

RULES = [
    # code, name, kind, amount, anchor, source
    ("proposal-review", "审查立案", "working_days", 10, "提交日", "DOMAIN §2.3 [I] 平时提案默认 10 个工作日"),
    ("proposal-cosign", "联名确认", "working_days", 5, "发起联名日", "DOMAIN §2.9 [L] 截止由提案委设定"),
    ("proposal-assign", "交办", "working_days", 5, "立案日", "DOMAIN §2.4 [L] 平时提案及时交办"),
    ("assignment-receipt", "签收或申请调整", "working_days", 5, "交办日", "DOMAIN §2.4 [L] 涡阳县 5 个工作日"),
    ("assignment-adjustment", "调整申请处理", "working_days", 5, "申请调整日", "DOMAIN §2.4 [I]"),
    ("assignment-reply", "办理答复", "months", 3, "交办日", "DOMAIN §2.5 [L] 3 个月"),
]


def ensure_deadline_rules(**kwargs):
    """Create the missing default rules after migrate (and after a flush); never overwrite an admin's edit."""
    from workflows.models import DeadlineRule

    for code, name, kind, amount, anchor, source in RULES:
        DeadlineRule.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "amount": amount, "anchor": anchor, "source": source}
        )
