"""What Panelbot hands Slack to get back: every button's and picked option's value, and
every modal's private_metadata, as typed values (pydantic models) in one encoding, JSON.

Views `encode` them; handlers (and the outbox, for a comparison's heatmap) `decode` them.
Slack sends them back as they were given, or as anyone forged them: a value that does not
read is NotFound, with its kind's words (OUT_OF_DATE) for the person, never a stack trace.
Ids are whole numbers up to PostgreSQL's integer (`rules.whole_number`); a page or a count
that does not read is 0, as it always was.

A value of one field is carried bare: a round's buttons carry "7", as they always have.
Kinds marked LEGACY also read the "7:1" and "7:0:depth|1" forms of their fields in order:
buttons on messages posted before this codec (a check-in DM waits months to be clicked).
"""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, RootModel, ValidationError

from bot.domain.outcome import CHECK_IN_MONTHS, NO_SUCH_CHECK_IN
from bot.domain.rules import ID_MAX, whole_number
from bot.errors import NotFound

# Slack's limits on what it carries for us.
BUTTON_VALUE_MAX = 2000
OPTION_VALUE_MAX = 150
METADATA_MAX = 3000

COMPARISON_OUT_OF_DATE = "That comparison is out of date; run /panel compare again."


def _id(raw: object) -> int:
    found = whole_number(raw)
    if not found:
        raise ValueError("not an id")
    return found


def _strict_id(raw: object) -> int:
    """An id written as a JSON number, not a string (what the modal was given)."""
    if not isinstance(raw, int) or isinstance(raw, bool) or not 0 < raw <= ID_MAX:
        raise ValueError("not an id")
    return raw


def _number(raw: object) -> int:
    found = whole_number(raw)
    if found is None:
        raise ValueError("not a whole number")
    return found


def _count(raw: object) -> int:
    return whole_number(raw) or 0


def _months(raw: object) -> int:
    months = whole_number(raw)
    if months not in CHECK_IN_MONTHS:
        raise ValueError("no such check-in")
    return months


def _name(raw: object) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError("no name")
    return raw


def _flag(raw: object) -> bool:
    return raw is True or raw == "1"


def _text(raw: object) -> str:
    return raw if isinstance(raw, str) else ""


def _optional_text(raw: object) -> str | None:
    return raw if isinstance(raw, str) and raw else None


Id = Annotated[int, BeforeValidator(_id)]
StrictId = Annotated[int, BeforeValidator(_strict_id)]
Number = Annotated[int, BeforeValidator(_number)]
Count = Annotated[int, BeforeValidator(_count)]
Months = Annotated[int, BeforeValidator(_months)]
Name = Annotated[str, BeforeValidator(_name)]
Flag = Annotated[bool, BeforeValidator(_flag)]
Text = Annotated[str, BeforeValidator(_text)]
OptionalText = Annotated[str | None, BeforeValidator(_optional_text)]


class Carried(BaseModel):
    model_config = ConfigDict(frozen=True)

    OUT_OF_DATE: ClassVar[str | None] = None  # None: NotFound's own words (no such round)
    FIELD_WORDS: ClassVar[dict[str, str]] = {}  # words for a field that does not read
    LEGACY: ClassVar[bool] = False


# -- button and option values ----------------------------------------------------------------
class RoundRef(RootModel[Id]):
    """A round's buttons: feedback, notes, close, cancel, panelists, focus, decision, …"""

    model_config = ConfigDict(frozen=True)

    OUT_OF_DATE: ClassVar[str | None] = None
    LEGACY: ClassVar[bool] = True


class NotesPage(Carried):
    LEGACY = True
    round: Id
    page: Count = 0


class Snooze(Carried):
    LEGACY = True
    round: Id
    n: Count = 0  # which reminder was snoozed


class CheckIn(Carried):
    FIELD_WORDS = {"months": NO_SUCH_CHECK_IN}
    LEGACY = True
    round: Id
    months: Months


class RoleChoice(Carried):
    """A role picked from the picker; `by` rides along (a comparison's criterion)."""

    OUT_OF_DATE = COMPARISON_OUT_OF_DATE
    LEGACY = True
    role: Id
    by: Text = ""


class CompareState(Carried):
    """What redoes a comparison: its role, its view and the criterion it is sorted by."""

    OUT_OF_DATE = COMPARISON_OUT_OF_DATE
    LEGACY = True
    role: Id
    calibrated: Flag = False
    sort: OptionalText = None


class ComparePage(CompareState):
    """A comparison's Previous / Next / calibrated toggle: its state and the page to show."""

    page: Count = 0


# -- modals' private_metadata ----------------------------------------------------------------
class RoundMeta(Carried):
    round: Id


class DecisionMeta(Carried):
    round: Id
    version: Count = 0  # how many versions the modal showed


class CheckInMeta(Carried):
    FIELD_WORDS = {"months": NO_SUCH_CHECK_IN}
    round: Id
    months: Months


class RubricMeta(Carried):
    OUT_OF_DATE = "That rubric form is out of date; run /panel rubric again."
    role: Id
    version: Number


class ForgetMeta(Carried):
    """The candidate and the newest round id the confirmation showed."""

    OUT_OF_DATE = "That confirmation is not one Panelbot can read; run /panel forget again."
    candidate: Name
    up_to: StrictId


# -- the codec ---------------------------------------------------------------------------------
Value = TypeVar("Value", bound=BaseModel)


def encode(value: BaseModel, limit: int = BUTTON_VALUE_MAX) -> str:
    """`value` as Slack carries it; ValueError when it does not fit `limit` characters."""
    text = value.model_dump_json()
    if len(text) > limit:
        name = type(value).__name__
        raise ValueError(f"a {name} is {len(text)} characters; at most {limit} fit")
    return text


def encode_metadata(value: BaseModel) -> str:
    return encode(value, METADATA_MAX)


def decode(kind: type[Value], raw: object) -> Value:
    """What Slack sent back, as `kind`; NotFound with the kind's words when it won't read."""
    text = raw if isinstance(raw, str) else ""
    try:
        return kind.model_validate_json(text)
    except ValidationError as error:
        failed = error
    unparsed = any(e["type"] == "json_invalid" for e in failed.errors())
    if getattr(kind, "LEGACY", False) and text and unparsed:
        try:
            return kind.model_validate(_positional(kind, text))
        except ValidationError as error:
            failed = error
    raise NotFound(*_words(kind, failed))


def _words(kind: type[BaseModel], failed: ValidationError) -> tuple[str, ...]:
    """The words for the first field that did not read, else the kind's, else NotFound's."""
    fields = {str(e["loc"][0]) if e["loc"] else "" for e in failed.errors()}
    if "" in fields:  # not even an object: none of its fields reads
        fields = set(kind.model_fields)
    field_words: dict[str, str] = getattr(kind, "FIELD_WORDS", {})
    for name, words in field_words.items():
        if name in fields:
            return (words,)
    out_of_date = getattr(kind, "OUT_OF_DATE", None)
    return (out_of_date,) if out_of_date else ()


def _positional(kind: type[BaseModel], text: str) -> object:
    """The fields of a value written before this codec, in order: "7:1", "7:0:depth|1"."""
    if issubclass(kind, RootModel):
        return text
    fields = list(kind.model_fields)
    parts = re.split(r"[:|]", text, maxsplit=len(fields) - 1)
    return dict(zip(fields, parts, strict=False))
