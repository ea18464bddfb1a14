"""Callback and action ids: the contract between views, handlers and manifest.yml."""

from enum import StrEnum

COMMAND = "/panel"


class Verb(StrEnum):
    """The `/panel <verb>`s: handlers/commands.py maps each to its listener, and the
    request log (bot/runtime/request_log.py) names requests by them. `/panel` alone is NEW."""

    NEW = "new"
    STATUS = "status"
    HELP = "help"
    DIGEST = "digest"
    REMINDERS = "reminders"
    COMPARE = "compare"
    CALIBRATION = "calibration"
    EXPORT = "export"
    RUBRIC = "rubric"
    VALIDITY = "validity"
    FORGET = "forget"


def split_command(text: str) -> tuple[str, str]:
    """`/panel <verb> <rest>` → (verb, rest): the verb lower-cased (NEW when there is none),
    split off at any whitespace. The handler and the request log both read it so, so a
    request is counted under the verb that answered it."""
    words = text.split(maxsplit=1)
    verb = words[0].lower() if words else Verb.NEW
    return verb, words[1].strip() if len(words) > 1 else ""


SHORTCUT_NEW_PANEL = "start_panel"

# Modals (view callback ids)
NEW_PANEL = "panel_new"
FEEDBACK = "panel_feedback"
PANELISTS = "panel_panelists"
NOTES = "panel_notes"
NOTICE = "panel_notice"
FORGET = "panel_forget"
DECISION = "panel_decision"
FOCUS = "panel_focus"

# Buttons (action ids)
GIVE_FEEDBACK = "give_feedback"
SEE_NOTES = "see_notes"
# Slack refuses a block whose elements share an action_id: Previous and Next differ, and one
# listener takes both (the button's value says which page).
NOTES_PAGE_PREV = "notes_page_prev"
NOTES_PAGE_NEXT = "notes_page_next"
NOTES_PAGE = (NOTES_PAGE_PREV, NOTES_PAGE_NEXT)
CLOSE_ROUND = "close_round"
CANCEL_ROUND = "cancel_round"
EDIT_PANELISTS = "edit_panelists"
OPEN_NEW_PANEL = "open_new_panel"
# Reminders (the nudge DM and the organizer's escalation)
NUDGE_NOT_ATTENDED = "nudge_not_attended"
NUDGE_SNOOZE = "nudge_snooze"
NUDGE_NOW = "nudge_now"
# Comparing candidates, and a role's rubric
RUBRIC = "panel_rubric"
COMPARE_ROLE = "compare_role"
COMPARE_PICK = "compare_pick"
COMPARE_PAGE_PREV = "compare_page_prev"
COMPARE_PAGE_NEXT = "compare_page_next"
COMPARE_PAGE = (COMPARE_PAGE_PREV, COMPARE_PAGE_NEXT)
COMPARE_CALIBRATED = "compare_calibrated"
RUBRIC_PICK = "rubric_pick"
EXPORT_PICK = "export_pick"
# After the summary: the organizer's decision
RECORD_DECISION = "record_decision"
FOCUS_AREAS = "focus_areas"
# After a decision to advance: the outcome, and a hire's check-ins at 6 and 12 months
OUTCOME = "panel_outcome"
CHECK_IN = "panel_check_in"
CHECK_IN_DELEGATE = "panel_check_in_delegate"
RECORD_OUTCOME = "record_outcome"
ANSWER_CHECK_IN = "answer_check_in"
DELEGATE_CHECK_IN = "delegate_check_in"
VALIDITY_PICK = "validity_pick"
