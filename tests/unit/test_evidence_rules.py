"""Evidence-quality rules (issue 14): the shipped defaults, rule by rule, on phrases that must
and must not be pointed out; the matching (whole words, phrases, wildcards, exceptions); what
the panelist reads; the rules file's import and export."""

from __future__ import annotations

import pytest

from bot.domain.evidence import (
    KEEP_AS_WRITTEN,
    EvidenceRule,
    EvidenceRules,
    RuleKind,
    check_feedback,
    check_note,
    note_digest,
    nudge_errors,
)
from bot.domain.evidence_yaml import (
    default_rules,
    default_rules_text,
    dump_evidence_rules,
    load_evidence_rules,
)
from bot.domain.feedback import FeedbackDraft, Rating
from bot.domain.rubric import SECOND_INTERVIEW
from bot.domain.yaml_files import DataFileError

RULES = default_rules()


def rules_found(note: str, rating: int = 3) -> dict[str, tuple[str, ...]]:
    return {f.rule: f.found for f in check_note(RULES, note, rating)}


# Every shipped rule, with notes it must point out (and the words it quotes) and notes it
# must leave alone. A note of 5+ words rated 3 is used where the short rule must stay quiet.
FLAGGED: dict[str, list[tuple[str, str]]] = {
    "verdict": [
        ("Great culture fit.", "great culture fit"),
        ("Seems nice", "seems nice"),
        ("Gut feeling: no.", "gut feeling"),
        ("Not a fit", "not a fit"),
        ("Really strong candidate overall", "strong"),
        ("Good vibes, would hire", "good vibes"),
    ],
    "age": [
        ("Young and energetic, picked up the task quickly", "young and energetic"),
        ("Probably overqualified for this role, lots of experience", "overqualified"),
        ("A 55-year-old who knows the old stack well", "55-year-old"),
        ("Worried about his age given the pace here", "age"),
        ("She is in her 50s and explained the billing design", "her 50s"),
        ("Might be close to retirement, explained caching well", "retirement"),
    ],
    "gender": [
        ("For a woman she was very assertive in the design review", "for a woman"),
        ("A bit bossy when discussing the trade-offs", "bossy"),
    ],
    "family": [
        ("Mentioned she is pregnant, solid answers on SQL", "pregnant"),
        ("Has young kids so may not manage on-call", "kids"),
        ("Asked about family plans, answered the API questions well", "family plans"),
    ],
    "religion": [
        ("Wears a hijab, walked through the schema migration", "hijab"),
        ("Needs time to pray on Fridays, otherwise good answers", "pray"),
    ],
    "origin": [
        ("Strong accent, hard to follow the design explanation", "accent"),
        ("Not a native speaker but explained the outage clearly", "not a native"),
        ("A foreigner, so might not get our customers", "foreigner"),
    ],
    "disability": [
        ("Uses a wheelchair, would need the ground floor office", "wheelchair"),
        ("Stuttered a lot while explaining the queue design", "Stuttered"),
        ("Has ADHD, jumped between topics in the exercise", "ADHD"),
    ],
    "appearance": [
        ("Very attractive and confident, good system design answers", "attractive"),
        ("Lots of tattoos, explained the incident response well", "tattoos"),
        ("Badly dressed for an interview, explained the deploy pipeline", "Badly dressed"),
    ],
    "likeness": [
        ("Someone I'd have a beer with after work on Fridays", "Someone I'd have a beer with"),
        ("Just like us, would fit right in with the team", "like us"),
        ("Went to the same university as half the team", "went to the same"),
        ("Reminds me of myself at that age", "Reminds me of myself"),
    ],
}

NOT_FLAGGED: dict[str, list[str]] = {
    "verdict": [
        "Solid answers on caching",  # two observed words: says what was solid
        "Great culture fit: asked how we run retros and proposed a blameless format",
        "Team player",  # not a verdict phrase (a brief's own example of no false alarm)
        "Explained why they chose a queue over polling, with the numbers",
    ],
    "age": [
        "Works at a young company and explained how they scaled it",
        "Senior engineer, led the payments migration end to end",
        "Built age-appropriate tooling for the school's learning app",
        "Moved the team off an older version of Postgres with no downtime",
        "Planned to retire the old billing system and did it in a quarter",
        "Talked through the agenda for the incident review",
    ],
    "gender": [
        "Wrote a man page for the CLI tool and explained it",
        "Described the e-mail pipeline and its bounce handling",
    ],
    "family": [
        "Walked the tree's child nodes to find the leak",
        "Explained how the parent spawns child processes safely",
    ],
    "religion": [
        "Asked about our practices around code review",
        "Praised the team's docs and asked who maintains them",  # "praised" is no "pray*"
    ],
    "origin": [
        "Designed the foreign key constraints carefully",
        "Found the race condition in the scheduler and fixed it",
    ],
    "disability": [
        "Pointed out a blind spot in our monitoring",
        "Ran a double blind review of the two designs",
    ],
    "appearance": [
        "Made an attractive offer to the vendor in the role-play",
        "Looks at the logs first, then the metrics",
    ],
    "likeness": [
        "They'd like us to show the roadmap next time",
        "Asked what we like about the culture of code review here",
        "Team player: paired with Ben on the flaky test and credited him",
    ],
}


@pytest.mark.parametrize(
    ("rule", "note", "quoted"),
    [(rule, note, quoted) for rule, cases in FLAGGED.items() for note, quoted in cases],
)
def test_each_rule_points_out_what_it_should(rule: str, note: str, quoted: str) -> None:
    found = rules_found(note)
    assert rule in found, (note, found)
    assert quoted.casefold() in {f.casefold() for f in found[rule]}, found[rule]


@pytest.mark.parametrize(
    ("rule", "note"),
    [(rule, note) for rule, notes in NOT_FLAGGED.items() for note in notes],
)
def test_each_rule_leaves_alone_what_it_should(rule: str, note: str) -> None:
    assert rule not in rules_found(note), note


def test_a_word_the_rules_cannot_tell_apart_is_pointed_out_once() -> None:
    # "accent" in "accent colours" is a known false alarm: the rule can't tell colours from
    # speech. It costs the panelist one more click on Submit, and the note is kept.
    assert "origin" in rules_found("Explained the accent colours of the design system")


def test_every_shipped_rule_has_its_cases() -> None:
    keys = {r.key for r in RULES.rules} - {"short"}
    assert keys == set(FLAGGED) == set(NOT_FLAGGED)


@pytest.mark.parametrize(
    ("note", "rating", "flagged"),
    [
        ("Strong communicator", 4, True),
        ("Couldn't explain basic joins", 1, True),
        ("Couldn't explain basic SQL joins", 1, False),  # five words is enough
        ("Couldn't explain basic joins", 2, False),  # only ratings 1 and 4
        ("Designed the sharding scheme end to end", 4, False),
    ],
)
def test_short_notes_for_a_strong_yes_or_no(note: str, rating: int, flagged: bool) -> None:
    found = {f.rule: f for f in check_note(RULES, note, rating)}
    assert ("short" in found) is flagged
    if flagged:
        assert found["short"].words == len(note.split())


def test_matching_is_by_whole_words_in_any_case_with_curly_apostrophes() -> None:
    assert rules_found("AGE was mentioned")["age"] == ("AGE",)
    assert "age" not in rules_found("Talked about the agenda and the stage rollout")
    assert "likeness" in rules_found("Someone I’d have a beer with, clearly")  # ’
    assert rules_found("young, YOUNG and Young")["age"] == ("young",)  # quoted once
    assert rules_found("") == {} and rules_found("  \n ") == {}


def test_a_phrase_across_punctuation_and_line_breaks_still_matches() -> None:
    assert "verdict" in rules_found("Not a\nfit!")


def test_exceptions_cancel_only_the_match_they_contain() -> None:
    found = rules_found("A young company, and he is young too; explained the design well")
    assert found["age"] == ("young",)


def test_wildcards_match_the_start_or_end_of_a_word() -> None:
    rule = EvidenceRule("w", RuleKind.WORDS, "why", phrases=("pregnan*", "*-year-old"))
    rules = EvidenceRules((rule,))
    assert check_note(rules, "Pregnancy came up", 3)[0].found == ("Pregnancy",)
    assert check_note(rules, "A 30-year-old engineer", 3)[0].found == ("30-year-old",)
    assert check_note(rules, "Unpregnant is no word", 3) == ()


def test_what_the_panelist_reads() -> None:
    draft = FeedbackDraft(
        ratings=(
            Rating("depth", 4, "Strong communicator"),
            Rating("team_fit", 3, "Young and energetic, picked up the task quickly"),
            Rating("scenario", 3, "Explained why they chose a queue over polling"),
        ),
        recommendation=3,
    )
    found = check_feedback(RULES, draft)
    assert set(found) == {"depth", "team_fit"}
    errors = nudge_errors(SECOND_INTERVIEW, draft, found)
    assert errors == {
        "evidence:depth": (
            "“Strong” under Depth of skills and experience: a verdict says nothing another "
            "reader can check; say what they did or said that shows it. 2 words for a Strong "
            "yes under Depth of skills and experience: say what you saw that earns it, in a "
            f"sentence or two. {KEEP_AS_WRITTEN}"
        ),
        "evidence:team_fit": (
            "“Young and energetic” under Culture and team fit: rate behaviour you observed, "
            f"not who they are. {KEEP_AS_WRITTEN}"
        ),
    }


def test_a_note_is_named_by_a_keyed_hash_only() -> None:
    one = note_digest(b"key", 1, "U1", "depth", "young")
    assert len(one) == 64 and "young" not in one
    assert one == note_digest(b"key", 1, "U1", "depth", "young")
    assert one != note_digest(b"other key", 1, "U1", "depth", "young")
    assert one != note_digest(b"key", 2, "U1", "depth", "young")


# -- the rules file ----------------------------------------------------------------------------
def test_the_shipped_file_round_trips_through_export() -> None:
    assert load_evidence_rules(dump_evidence_rules(RULES)) == RULES
    assert default_rules_text().startswith("# Panelbot evidence rules")


def problems(text: str) -> list[str]:
    with pytest.raises(DataFileError) as caught:
        load_evidence_rules(text)
    return caught.value.problems


def test_an_import_lists_every_problem_with_its_rule_and_field() -> None:
    text = """\
rules:
- key: age
  kind: words
  why: not who they are.
  phrases: ["young", "a*b c", "", yes]
- key: age
  kind: words
  why: again
  phrases: [old]
- key: Bad Key
  kind: words
- key: s
  kind: short
  why: say more
  ratings: [0, 4]
- key: v
  kind: verdict
  why: a verdict
  phrases: [meh]
  min_words: 0
  filler: [two words]
  colour: blue
- key: k
  kind: sorting
"""
    assert problems(text) == [
        "Rule “age”, phrases, “a*b c”: “a*b” is not a word: use letters and digits, joined "
        "by ' or -, with * only at the start or end.",
        "Rule “age”, phrases, “”: a phrase needs at least one word.",
        "Rule “age”, phrases: True is not a phrase; quote it.",
        "Rule “age” is listed twice; give each rule its own key.",
        "Rule 3: give it a “key:” of at most 32 lower-case letters, digits, _ and -.",
        "Rule “s”: a short rule needs “min_words:”.",
        "Rule “s”, ratings: list ratings from 1 to 4, like [1, 4].",
        "Rule “v”: unknown 'colour' (expected key, kind, why, phrases, min_words, except, filler).",
        "Rule “v”, filler, “two words”: filler is single words, without *.",
        "Rule “v”, min_words: give a whole number from 1 to 50.",
        "Rule “k”: “kind:” must be one of words, verdict, short.",
    ]


def test_an_empty_rule_list_turns_every_nudge_off() -> None:
    assert load_evidence_rules("rules: []\n") == EvidenceRules(())
    assert check_note(EvidenceRules(()), "Young, great culture fit", 4) == ()


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("rules: [\n", "The file is not valid YAML (line 2, column 1)"),
        ("roles: []\n", 'The file must have one top-level key, "rules"'),
        ("rules: {}\n", '"rules" must be a list of rules'),
        ("rules:\n- key: a\n  key: b\n", "The file is not valid YAML (line 3, column 3)"),
    ],
)
def test_a_file_that_is_not_rules_says_why(text: str, first: str) -> None:
    found = problems(text)
    assert len(found) == 1 and found[0].startswith(first), found
