"""Posted forms into the use cases' models, and problems back onto the form as field messages.

A problem keeps the person's input: the page shows the form again, filled in as they left it,
with a message beside each field that needs changing (DESIGN.md, "Errors that reach people").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ofacare.errors import OfacareError
from ofacare.services.forms import describe_problem

Model = TypeVar("Model", bound=BaseModel)
GENERAL = "_form"
"""The key of a message about the whole form rather than one field."""


class FormProblem(Exception):
    """What is wrong with a posted form, by field name."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def parse_form(model: type[Model], values: Mapping[str, Any]) -> Model:
    """Validate `values` into `model`, or raise FormProblem naming each bad field and value."""
    try:
        return model.model_validate(dict(values))
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else GENERAL
            errors.setdefault(field, describe_problem(error))
        raise FormProblem(errors) from exc


def problem_from(error: OfacareError, fields: tuple[str, ...] = ()) -> FormProblem:
    """An error from a use case as a form problem, beside the field its message names."""
    head = error.message.split(":", 1)[0].strip().replace(" ", "_")
    field = head if head in fields else GENERAL
    text = f"{error.message} {error.hint}".strip()
    return FormProblem({field: text})
