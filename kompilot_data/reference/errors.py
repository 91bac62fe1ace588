"""User-facing errors: one base class, and messages as a code with parameters, rendered in the user's language.

Every error a user of kompilot may read (a wrong file, a conflict, no access, a wrong setting, an unknown region …)
derives from :class:`KompilotError`. It carries a :class:`Message`: a text key in ``texts/labels/*.toml`` (bokmål
and English, like every other user text) and its parameters. ``str(error)`` is the bokmål text; pages pass the
user's language to :meth:`KompilotError.message`. Parameters may themselves be messages (or lists of them, joined
by spaces), and dates and times are written the language's way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from kompilot_data.reference.i18n import DEFAULT_LANGUAGE, format_date, t
from kompilot_data.reference.taxonomy import labels as code_labels


@dataclass(frozen=True)
class Message:
    """A user text: ``code`` (a label key) and the values of its ``{placeholders}``."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict)

    def text(self, language: str = DEFAULT_LANGUAGE) -> str:
        return t(self.code, language, **{name: render(value, language) for name, value in self.params.items()})

    def __str__(self) -> str:
        return self.text()


def message(code: str, /, **params) -> Message:
    return Message(code, params)


@dataclass(frozen=True)
class Choices:
    """Names a message offers or lists: quoted and joined the language's way (``«a», «b» eller «c»``,
    ``“a”, “b” or “c”``); ``word`` is the label of the last joint (``word_or``, ``word_and``)."""

    names: tuple[str, ...]
    word: str = "word_or"

    def text(self, language: str = DEFAULT_LANGUAGE) -> str:
        left, right = ("«", "»") if language == DEFAULT_LANGUAGE else ("“", "”")
        quoted = [f"{left}{name}{right}" for name in self.names]
        if len(quoted) < 2:
            return "".join(quoted)
        return ", ".join(quoted[:-1]) + f" {t(self.word, language)} " + quoted[-1]


class Text(str):
    """A message's bokmål text that keeps its :class:`Message`: a table column of messages (the ``melding`` of an
    import's problems) reads as plain Norwegian text, and :func:`text_in` still gives it in English."""

    msg: Message

    def __new__(cls, msg: Message) -> Text:
        text = super().__new__(cls, msg.text(DEFAULT_LANGUAGE))
        text.msg = msg
        return text

    def text(self, language: str = DEFAULT_LANGUAGE) -> str:
        return self.msg.text(language)

    def __reduce__(self):
        return Text, (self.msg,)


def text(code: str, /, **params) -> Text:
    """:class:`Text` of a message."""
    return Text(Message(code, params))


def _localised(value: object) -> bool:
    return (callable(getattr(value, "text", None)) and not isinstance(value, str | type)) or isinstance(value, Text)


def text_in(value: object, language: str = DEFAULT_LANGUAGE) -> str:
    """``value`` for a reader of ``language``: an error, message or :class:`Text` in that language; else ``str``."""
    if isinstance(value, KompilotError):
        return value.message(language)
    return render(value, language)


@dataclass(frozen=True)
class Number:
    """A number with ``decimals`` decimals, a decimal comma in bokmål and a point in English (no grouping)."""

    value: float
    decimals: int = 0

    def text(self, language: str = DEFAULT_LANGUAGE) -> str:
        written = f"{self.value:.{self.decimals}f}"
        return written.replace(".", ",") if language == DEFAULT_LANGUAGE else written


@dataclass(frozen=True)
class Label:
    """A code's label in a code list (``Label("behov_status", "koblet")``: «Koblet», “Linked”)."""

    codes: str
    code: str

    def text(self, language: str = DEFAULT_LANGUAGE) -> str:
        return code_labels(self.codes, language).get(self.code, self.code)


def render(value: object, language: str = DEFAULT_LANGUAGE) -> str:
    """A parameter as the text shows it: a message (anything with ``text(language)``) in ``language``, a list of
    them joined by spaces, a date as 27.11.2026 / 27 Nov 2026, a time with its hour and minute, else ``str``."""
    if _localised(value):
        return value.text(language)
    if isinstance(value, list | tuple) and value and all(_localised(item) for item in value):
        return " ".join(item.text(language) for item in value)
    if isinstance(value, datetime):
        return f"{format_date(value, language)} {value:%H:%M}"
    if isinstance(value, date):
        return format_date(value, language)
    return str(value)


class KompilotError(Exception):
    """The base of every error a user may read: a :class:`Message` (a code and its parameters), rendered in the
    user's language by :meth:`message`; ``str()`` is the bokmål text."""

    def __init__(self, code: str | Message, /, **params):
        self.msg = code if isinstance(code, Message) else Message(code, params)
        super().__init__(self.msg.text(DEFAULT_LANGUAGE))

    @property
    def code(self) -> str:
        return self.msg.code

    @property
    def params(self) -> Mapping[str, object]:
        return self.msg.params

    def message(self, language: str = DEFAULT_LANGUAGE) -> str:
        """The message in ``language`` (``nb`` or ``en``)."""
        return self.msg.text(language)

    def __str__(self) -> str:
        return self.message(DEFAULT_LANGUAGE)


class RegionNotFound(KompilotError, ValueError):
    """A region name that is no sub-region, municipality or the county (the message suggests the closest)."""
