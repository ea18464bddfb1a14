"""Rubrics are data: criteria with what to probe and anchored ratings on a 4-step scale.

The scale has no neutral point (PRODUCT.md): 1 Strong no · 2 No · 3 Yes · 4 Strong yes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

SCALE: dict[int, str] = {1: "Strong no", 2: "No", 3: "Yes", 4: "Strong yes"}
EXTREME_RATINGS = frozenset({1, 4})
# Slack renders option descriptions (where anchors live) up to 75 characters.
ANCHOR_MAX = 75


def scale_label(rating: int) -> str:
    return f"{rating} {SCALE[rating]}"


@dataclass(frozen=True)
class Criterion:
    key: str
    name: str
    probe: str
    anchors: tuple[str, str, str, str]  # what a 1, 2, 3 and 4 answer looks like

    def anchor(self, rating: int) -> str:
        return self.anchors[rating - 1]


@dataclass(frozen=True)
class Rubric:
    key: str
    name: str
    criteria: tuple[Criterion, ...]
    # A role's own rubric counts its edits; rounds keep the version they started with, and
    # only rounds on the same key and version are compared criterion by criterion.
    version: int = 0

    @property
    def identity(self) -> tuple[str, int]:
        return self.key, self.version

    def criterion(self, key: str) -> Criterion | None:
        return next((c for c in self.criteria if c.key == key), None)

    def to_data(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Rubric:
        criteria = tuple(
            Criterion(
                key=c["key"],
                name=c["name"],
                probe=c["probe"],
                anchors=(c["anchors"][0], c["anchors"][1], c["anchors"][2], c["anchors"][3]),
            )
            for c in data["criteria"]
        )
        return cls(
            key=data["key"],
            name=data["name"],
            criteria=criteria,
            version=int(data.get("version") or 0),
        )


SECOND_INTERVIEW = Rubric(
    key="second-interview",
    name="Second interview",
    criteria=(
        Criterion(
            key="depth",
            name="Depth of skills and experience",
            probe="Go deeper than round 1: ask for a concrete past example, its trade-offs "
            "and what they would do differently.",
            anchors=(
                "Could not go beyond buzzwords; no concrete example",
                "Some examples, but shallow or mostly someone else's work",
                "Concrete examples with sound trade-offs in their own words",
                "Deep, first-hand mastery; taught us something",
            ),
        ),
        Criterion(
            key="team_fit",
            name="Culture and team fit",
            probe="How would they work with this team? Rate observed behaviour (listening, "
            "disagreeing, asking for help), not whether they are like you.",
            anchors=(
                "Behaviour that would hurt the team (dismissive, blaming)",
                "Works alone; little sign of collaboration",
                "Collaborative; handles disagreement constructively",
                "Would lift the team; shown in concrete behaviour",
            ),
        ),
        Criterion(
            key="scenario",
            name="Role-specific scenario",
            probe="Run the role's practical exercise; watch how they reason, not only the answer.",
            anchors=(
                "Could not make progress even with hints",
                "Partial progress; needed heavy guidance",
                "Solved it with sound reasoning",
                "Solved it elegantly and explored beyond",
            ),
        ),
        Criterion(
            key="clarification",
            name="Clarification of round-1 concerns",
            probe="Work through the round-1 open questions listed in the brief.",
            anchors=(
                "Concerns confirmed or made worse",
                "Concerns remain mostly open",
                "Concerns mostly cleared",
                "Concerns fully cleared with evidence",
            ),
        ),
        Criterion(
            key="motivation",
            name="Candidate's questions and motivation",
            probe="Leave time for their questions: what do they ask, and how engaged are they?",
            anchors=(
                "No questions; no interest in the role",
                "Generic questions; motivation unclear",
                "Thoughtful questions; clear motivation",
                "Sharp, researched questions; strong two-way fit",
            ),
        ),
    ),
)

BUILT_IN_RUBRICS: dict[str, Rubric] = {SECOND_INTERVIEW.key: SECOND_INTERVIEW}
DEFAULT_RUBRIC_KEY = SECOND_INTERVIEW.key
