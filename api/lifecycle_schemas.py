"""Request and response schemas of the lifecycle routes: early ends, outcomes, follow-ups
(issue 17), kept apart from api/schemas.py's runs and decisions."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, model_validator

from api.schemas import Strict, WholeInt

WEEK = r"^\d{4}-W\d{2}$"
Id = Annotated[str, Field(min_length=1, max_length=200)]


class EndRequest(Strict):
    """End a placement early for one or more of its clients: why, and the last week attended."""

    client_ids: list[Id] = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=2000)
    end_week: str = Field(pattern=WEEK, max_length=8, description="last week attended, ISO")

    @model_validator(mode="after")
    def reason_given(self) -> EndRequest:
        if not self.reason.strip():
            raise ValueError("an early end needs a reason")
        return self


class OutcomeRequest(Strict):
    """What became of the client when the placement ended (a category of the rules)."""

    client_id: Id
    end_week: str | None = Field(None, pattern=WEEK, max_length=8)
    outcome: str = Field(min_length=1, max_length=100)
    note: str = Field("", max_length=2000)


class FollowupRequest(Strict):
    """ "Still employed?" some months (followup.months) after the placement ended."""

    client_id: Id
    end_week: str | None = Field(None, pattern=WEEK, max_length=8)
    months_after: WholeInt = Field(ge=1, le=60)
    still_employed: Literal["yes", "no", "unknown"]
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", max_length=10)


class EndOut(BaseModel):
    """A recorded early end, with who and when."""

    id: int
    run_id: int
    client_id: str
    placement_id: str
    provider_id: str
    end_week: str
    reason: str
    by: str
    at: str


class FollowupOut(BaseModel):
    months_after: int
    still_employed: str
    date: str
    by: str
    at: str


class EndedOut(BaseModel):
    """One ended placement of the week (outcomes.csv's row) with its follow-ups."""

    client_id: str
    placement_id: str
    provider_id: str
    type: str
    municipality: str
    groups: list[str]
    start_week: str
    end_week: str
    weeks: int
    ended: str
    end_reason: str
    ended_by: str
    ended_at: str
    outcome: str
    note: str
    by: str
    at: str
    followups: list[FollowupOut] = []


class HoldingOut(BaseModel):
    """A client in a placement this week (who may be ended early): no other client data."""

    client_id: str
    placement_id: str
    provider_id: str
    type: str
    start_week: str


class OutcomesOut(BaseModel):
    run_id: int
    instance_id: int
    week: str
    categories: list[str]
    followup_months: list[int]
    holding: list[HoldingOut]
    ended: list[EndedOut]


class OutcomeSummaryOut(BaseModel):
    """models.outcomes.outcome_summary of the region's latest week (or the one asked for)."""

    instance_id: int
    week: str
    summary: dict[str, Any]
