"""The program's screening questions: added, reworded, put in order, switched off and on.

Answers point at their question, so a question is never deleted: switched off, it is no longer asked
and its past answers stay as they were.
"""

import logging

from django.db import transaction

from accounts.errors import DomainError
from accounts.models import Program, User
from accounts.services import require_admin_of
from patients.models import ScreeningQuestion

logger = logging.getLogger(__name__)

TEXT_LIMIT = ScreeningQuestion._meta.get_field("text").max_length or 300


def _require_admin_of(acting_user: User, program_id: int) -> None:
    require_admin_of(acting_user, program_id, what="its screening questions")


def _clean_text(text: str, *, program_id: int, exclude_pk: int | None = None) -> str:
    text = " ".join(text.split())
    if not text:
        raise DomainError("Write the question.")
    if len(text) > TEXT_LIMIT:
        raise DomainError(f"Keep the question to {TEXT_LIMIT} characters or fewer.")
    same = ScreeningQuestion.objects.filter(program_id=program_id, text__iexact=text).exclude(pk=exclude_pk)
    existing = same.first()
    if existing is not None:
        where = "" if existing.is_active else " It is switched off: switch it back on instead."
        raise DomainError(f"The program already asks “{existing.text}”.{where}")
    return text


def _lock_questions(program_id: int) -> list[ScreeningQuestion]:
    """Every question of the program, locked, in the order they are asked."""
    locked = list(ScreeningQuestion.objects.select_for_update().filter(program_id=program_id).order_by("pk"))
    return sorted(locked, key=lambda question: (question.position, question.pk))


@transaction.atomic
def screening_question_add(*, program: Program, acting_user: User, text: str) -> ScreeningQuestion:
    """Add a question at the end of the list. Questions are unique in a program, whatever their case."""
    _require_admin_of(acting_user, program.pk)
    questions = _lock_questions(program.pk)
    text = _clean_text(text, program_id=program.pk)
    position = max((question.position for question in questions), default=0) + 1
    question = ScreeningQuestion(program=program, text=text, position=position)
    question.full_clean()
    question.save()
    logger.info(
        "screening_question_added question=%s program=%s by=%s", question.pk, program.pk, acting_user.pk
    )
    return question


@transaction.atomic
def screening_question_update(
    *,
    question: ScreeningQuestion,
    acting_user: User,
    text: str | None = None,
    is_active: bool | None = None,
) -> ScreeningQuestion:
    """Reword a question (`text`) and/or switch it off or on (`is_active`); None leaves it as it is."""
    _require_admin_of(acting_user, question.program_id)
    question = ScreeningQuestion.objects.select_for_update().get(pk=question.pk)
    changed = []
    if text is not None:
        question.text = _clean_text(text, program_id=question.program_id, exclude_pk=question.pk)
        changed.append("text")
    if is_active is not None:
        question.is_active = is_active
        changed.append("is_active")
    if changed:
        question.full_clean()
        question.save(update_fields=changed)
    logger.info("screening_question_updated question=%s by=%s", question.pk, acting_user.pk)
    return question


@transaction.atomic
def screening_question_move(
    *, question: ScreeningQuestion, acting_user: User, direction: str
) -> ScreeningQuestion:
    """Move a question one place up or down the list. The list is renumbered 1, 2, 3 ... as it goes."""
    _require_admin_of(acting_user, question.program_id)
    if direction not in ("up", "down"):
        raise DomainError("Choose up or down.")
    questions = _lock_questions(question.program_id)
    index = next(index for index, each in enumerate(questions) if each.pk == question.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(questions):
        raise DomainError(f"“{question.text}” is already {'first' if direction == 'up' else 'last'}.")
    questions[index], questions[other] = questions[other], questions[index]
    for position, each in enumerate(questions, start=1):
        if each.position != position:
            each.position = position
            each.save(update_fields=["position"])
    logger.info(
        "screening_question_moved question=%s direction=%s by=%s", question.pk, direction, acting_user.pk
    )
    return questions[other]
