"""One error language: every refusal konigle_bg raises is a :class:`KonigleBgError`.

An error carries a stable ``code`` for programs, a message for people and, when one input is
at fault, its ``field``. The message is made of sentences marked with :func:`gettext_noop`
(each a template, or a ``(template, params)`` pair filled with ``%``): ``str(error)`` is the
English text (logs, stored reasons), ``error.message(gettext)`` the reader's language.

Pure module (no Django), so the image core raises the same errors as the services. They are
translated and mapped to HTTP once, at the edges: the API's exception handler and the review
pages' JSON answers (``konigle_bg.api.errors``), remove.bg's own shape in
``konigle_bg.removebg``. ``kind`` says what sort of failure it is, so an edge picks a status
without knowing every class:

    invalid      the request cannot be carried out as given (400)
    conflict     the current state forbids it, e.g. a switch still running (409)
    unavailable  something this machine lacks: a model, its weights, a library (503)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

__all__ = ["KonigleBgError", "Sentence", "gettext_noop"]

#: A message template, or a template and the values that fill it.
Sentence = str | tuple[str, Mapping[str, Any]]


def gettext_noop(message: str) -> str:
    """Marks ``message`` for translation (Django's makemessages finds it by this name) without
    translating: the error keeps the template, and the edge translates it for its reader."""
    return message


class KonigleBgError(Exception):
    """The base of konigle_bg's errors: ``code``, a translatable message, optional ``field``."""

    kind: ClassVar[str] = "invalid"

    def __init__(self, code: str, *sentences: Sentence, field: str | None = None) -> None:
        self.code = code
        self.sentences = sentences
        self.field = field
        super().__init__(self.message())

    def message(self, translate: Callable[[str], str] = str) -> str:
        """The message, each sentence's template passed through ``translate`` first."""
        parts = []
        for sentence in self.sentences:
            template, params = sentence if isinstance(sentence, tuple) else (sentence, None)
            text = translate(template)
            parts.append(text % params if params else text)
        return " ".join(parts)

    def __reduce__(self):
        # Task queues pickle errors; subclasses take other arguments, so rebuild through the
        # base and put back whatever else the instance holds.
        extra = {k: v for k, v in self.__dict__.items() if k not in ("code", "sentences", "field")}
        return (rebuild, (type(self), self.code, self.sentences, self.field, extra))


def rebuild(
    cls: type[KonigleBgError], code: str, sentences: tuple, field: str | None, extra: dict
) -> KonigleBgError:
    """An unpickled error: its class, with the base's state and the rest of its attributes."""
    error = cls.__new__(cls)
    KonigleBgError.__init__(error, code, *sentences, field=field)
    error.__dict__.update(extra)
    return error
