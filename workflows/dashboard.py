"""What domain apps add to the 工作台 and to the daily digest, without the engine knowing the domain.

An app registers a panel source (``register_panel``: ``source(user, today) -> list[Panel]``, only the panels the
user may see) and a digest source (``register_digest``: ``source(today) -> {user: [line, …]}``). The home page
shows the panels under the worklists; ``reminders.send_digest`` adds the lines to each person's one daily message.
Each source runs a fixed number of queries.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date


@dataclass
class PanelRow:
    text: str
    link: str = ""
    note: str = ""


@dataclass
class Panel:
    code: str
    title: str
    rows: list[PanelRow] = field(default_factory=list)
    link: str = ""


_PANELS: list[Callable] = []
_DIGESTS: list[Callable] = []


def register_panel(source: Callable) -> Callable:
    if source not in _PANELS:
        _PANELS.append(source)
    return source


def register_digest(source: Callable) -> Callable:
    if source not in _DIGESTS:
        _DIGESTS.append(source)
    return source


def panels(user, today: date) -> list[Panel]:
    result = []
    for source in _PANELS:
        result.extend(source(user, today))
    return result


def digest_lines(today: date) -> dict:
    """user -> extra digest lines, from every registered source."""
    lines: dict = {}
    for source in _DIGESTS:
        for user, extra in source(today).items():
            if extra:
                lines.setdefault(user, []).extend(extra)
    return lines
