"""Role groups are named by stable codes; each app registers the Chinese label people see."""

ROLE_LABELS: dict[str, str] = {}


def label(code: str) -> str:
    return str(ROLE_LABELS.get(code, code))
