"""Engine messages that can be shown in Chinese or English.

The planning engine (spread, allocate, plan, planning, rebalance, calendar) refuses input and
explains its results in sentences meant for a sales manager. Each such sentence is a
:class:`Message`: an i18n key (``"msg.plan.target_negative"``) plus the values it mentions. A
Message *is* its English sentence (a ``str`` subclass), so the command line, logs, JSON output and
tests that match English text keep working unchanged; a page calls :func:`render` to show it in
the user's language. Exceptions carry a Message as their only argument, so ``str(exc)`` is the
English sentence and ``render(exc, "zh")`` the Chinese one.

Parameter values are pre-formatted strings (amounts with thousands separators, joined lists);
a parameter that is itself a Message (a method name, "rep"/"team", a nested refusal) is rendered
in the same language.
"""

from __future__ import annotations

from typing import Any

from analysis.i18n import DEFAULT_LANG, TEXT


class Message(str):
    """An English sentence that also knows its i18n key and parameters."""

    code: str
    params: dict[str, object]

    def __new__(cls, code: str, /, **params: object) -> Message:
        self = super().__new__(cls, _format(code, "en", params))
        self.code = code
        self.params = params
        return self

    def render(self, lang: str) -> str:
        return _format(self.code, lang, self.params)

    def __reduce__(self) -> tuple[Any, ...]:  # st.cache_data pickles PlanInputs with its notes
        return (_restore, (self.code, self.params))

    def __repr__(self) -> str:
        return f"Message({self.code!r}, {self.params!r})"


def _restore(code: str, params: dict[str, object]) -> Message:
    return Message(code, **params)


def _format(code: str, lang: str, params: dict[str, object]) -> str:
    if code not in TEXT:  # a programming error; never hide the sentence's values
        return f"{code} {params}" if params else code
    # Not t(): a parameter may be called "key" or "lang".
    text = TEXT[code].get(lang) or TEXT[code][DEFAULT_LANG]
    return text.format(**{k: render(v, lang) if isinstance(v, Message) else v for k, v in params.items()})


def message_of(exc: BaseException) -> str:
    """The exception's Message (or its plain text): keep it to render later in any language."""
    if len(exc.args) == 1 and isinstance(exc.args[0], Message):
        return exc.args[0]
    return str(exc)


def render(x: object, lang: str) -> str:
    """A Message, an exception carrying one, or any other object (its ``str``) in ``lang``.

    Text that is not a Message (an internal error still in English) is shown as it is.
    """
    if isinstance(x, BaseException):
        x = message_of(x)
    if isinstance(x, Message):
        return x.render(lang)
    return str(x)
