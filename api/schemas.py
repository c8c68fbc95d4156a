"""Request and response models of the API (pydantic), kept apart from the storage rows.

Requests forbid unknown keys, so a misspelt field is a 422 naming it instead of being ignored.
`Proposal` is the whole of what a liaison sees of a client: adding a field to it is a privacy
decision, and the tests pin its exact set of fields.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    model_validator,
)


def _whole(value: Any) -> Any:
    """22.0 is the whole number 22 (JSON Schema's integer); booleans and strings stay refused."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


WholeInt = Annotated[StrictInt, BeforeValidator(_whole)]

RunStatus = Literal["queued", "running", "done", "failed", "cancelled", "interrupted"]


ClientState = Literal["assigned", "unassigned", "in_current_placement"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- requests


class RunRequest(Strict):
    """Start a run: seconds to solve, weights over the instance's, mode, seed, CP-SAT workers."""

    time_limit: StrictInt | StrictFloat | None = Field(
        None,
        gt=0,
        le=86400,
        description="seconds (a number, not a string or boolean); default and upper limit "
        "from settings",
    )
    weights: dict[str, StrictInt | StrictFloat | dict[str, StrictInt]] = Field(
        default_factory=dict,
        max_length=40,
        description="objective weights overriding the instance's; each a number within "
        "±max_weight (settings), pathway_stage an object of whole numbers",
    )
    mode: Literal["weighted", "lexicographic"] = "weighted"
    seed: WholeInt = Field(0, ge=0, le=2**31 - 1)
    workers: WholeInt | None = Field(None, ge=1, le=64, description="CP-SAT workers (capped)")
    kind: Literal["allocation", "shortlist"] = Field(
        "allocation", description="allocation (one client per seat) or shortlist (issue 8)"
    )
    per_seat: WholeInt = Field(
        3, ge=1, le=10, description="shortlist: candidates per free seat (K)"
    )
    max_lists: WholeInt = Field(
        1, ge=1, le=10, description="shortlist: lists per client at most (L)"
    )


class PickRequest(Strict):
    """An employer's answer on a shortlist: pick `client_ids` (→ locks, on `switch_to` if given,
    a placement of the same provider), or decline one `client_id` (→ a forbid, reason needed)."""

    placement_id: str = Field(min_length=1, max_length=200)
    client_ids: list[str] = Field(default_factory=list, max_length=50)
    client_id: str | None = Field(None, min_length=1, max_length=200)
    switch_to: str | None = Field(None, min_length=1, max_length=200)
    decline: StrictBool = False
    by_client: StrictBool = Field(
        False, description="a decline by the client (else by the employer)"
    )
    reason: str = Field("", max_length=2000)

    @model_validator(mode="after")
    def shape(self) -> PickRequest:
        if self.decline:
            if not self.client_id or self.client_ids:
                raise ValueError("a decline names one client_id (not client_ids)")
            if not self.reason.strip():
                raise ValueError("a decline needs a reason")
            if self.switch_to:
                raise ValueError("a decline cannot switch_to another placement")
        else:
            if self.client_id and self.client_id not in self.client_ids:
                self.client_ids = [*self.client_ids, self.client_id]
            if not self.client_ids:
                raise ValueError("a pick names client_ids (or client_id)")
            if len(set(self.client_ids)) != len(self.client_ids):
                raise ValueError("client_ids repeat a client")
        return self


class DecisionRequest(Strict):
    """A liaison's (or coordinator's) answer to a proposal; a reject needs a reason."""

    client_id: str = Field(min_length=1, max_length=200)
    placement_id: str = Field(min_length=1, max_length=200)
    decision: Literal["accept", "reject"]
    reason: str = Field("", max_length=2000)

    @model_validator(mode="after")
    def reason_for_reject(self) -> DecisionRequest:
        if self.decision == "reject" and not self.reason.strip():
            raise ValueError("a reject needs a reason")
        return self


class NextWeekRequest(Strict):
    """How many weeks after the published run's week the new snapshot is (default 1)."""

    weeks: WholeInt = Field(1, ge=1, le=52)


# ---------------------------------------------------------------- responses


class ProblemOut(BaseModel):
    file: str
    line: int | None = None
    column: str | None = None
    value: str | None = None
    message: str
    expected: str | None = None
    severity: str = "error"
    text: str = ""
    index: int | None = None


class FieldError(BaseModel):
    """One field of a request that failed validation."""

    loc: list[str]
    message: str
    type: str


class ErrorOut(BaseModel):
    """Every error answer: `detail` in words; an upload's `problems` and `warnings`, a request's
    field `errors`, or the rules a decision breaks (`errors`, texts)."""

    detail: str
    problems: list[ProblemOut] | None = None
    warnings: list[ProblemOut] | None = None
    errors: list[FieldError] | list[str] | None = None


class InstanceCreated(BaseModel):
    id: int
    name: str
    week: str
    region: str
    counts: dict[str, int]
    warnings: list[ProblemOut] = Field(default_factory=list)


class InstanceOut(BaseModel):
    id: int
    name: str
    week: str
    region: str
    source: str = Field(description="upload or next-week")
    parent_instance_id: int | None
    parent_run_id: int | None
    created_at: str
    created_by: str
    updated_at: str | None
    sha256: str
    size: int
    counts: dict[str, int]
    runs: list[int]
    published_run: int | None


class ClientsAdded(BaseModel):
    id: int
    added: int
    counts: dict[str, int]
    warnings: list[ProblemOut] = Field(default_factory=list)


class NextWeekOut(BaseModel):
    id: int
    created: bool
    name: str
    week: str
    counts: dict[str, int]


class Progress(BaseModel):
    phase: str | None = None
    elapsed: float | None = None
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    time_limit: float | None = None
    status: str | None = None


class RunOut(BaseModel):
    id: int
    instance_id: int
    status: RunStatus
    request: dict[str, Any]
    progress: Progress | None
    queue_position: int | None
    error: str | None
    cancel_requested: bool
    created_at: str
    created_by: str
    started_at: str | None
    finished_at: str | None
    attempts: int
    published: bool
    published_at: str | None
    published_by: str | None


class Proposal(BaseModel):
    """One proposed (client, placement) as a liaison sees it: no health, benefit or score data."""

    model_config = ConfigDict(extra="forbid")

    client_id: str
    municipality: str
    languages: list[str]
    interests: list[str]
    accommodations: list[str] = Field(description="the client's needs this placement provides")
    travel_min: float
    placement_id: str
    placement_type: str
    provider_id: str
    decision: Literal["pending", "accepted", "rejected"]


class ShortlistCandidate(BaseModel):
    """A candidate on a shortlist as a liaison sees it: the Proposal's client fields and the rank
    (no score, priority, cost, pool or health/benefit data)."""

    model_config = ConfigDict(extra="forbid")

    client_id: str
    rank: int
    municipality: str
    languages: list[str]
    interests: list[str]
    accommodations: list[str] = Field(description="the client's needs this placement provides")
    travel_min: float
    decision: Literal["pending", "accepted", "rejected"]


class ShortlistOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    placement_id: str
    placement_type: str
    provider_id: str
    seats: int = Field(description="free seats to pick for (after the locks)")
    locked: list[str] = Field(description="clients already holding a seat here (earlier picks)")
    candidates: list[ShortlistCandidate]


class ShortlistsOut(BaseModel):
    run_id: int
    instance_id: int
    week: str
    providers: list[str]
    per_seat: int
    max_lists: int
    lists: list[ShortlistOut]


class PicksOut(BaseModel):
    run_id: int
    placement_id: str
    decisions: list[DecisionOut]
    released: list[str] = Field(description="others on the list, not locked (free next run)")


class ProposalsOut(BaseModel):
    run_id: int
    instance_id: int
    week: str
    providers: list[str]
    proposals: list[Proposal]


class DecisionOut(BaseModel):
    id: int
    run_id: int
    client_id: str
    placement_id: str
    provider_id: str
    decision: Literal["accept", "reject"]
    effect: Literal["lock", "forbid"]
    reason: str
    by: str
    at: str


class ClientOut(BaseModel):
    run_id: int
    client_id: str
    state: ClientState
    assignment: dict[str, Any] | None
    reasons: list[str]
    decisions: list[DecisionOut]
    explanation: dict[str, Any]


class Health(BaseModel):
    status: str
    database: str
    workers: int | None
    free_disk_mb: int | None = None


# the error answers every route may give, for the OpenAPI schema
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "malformed JSON"},
    401: {"model": ErrorOut, "description": "no, an unknown, a revoked or an expired token"},
    403: {"model": ErrorOut, "description": "the token's role may not do this"},
    404: {"model": ErrorOut, "description": "no such object for this caller"},
    409: {"model": ErrorOut, "description": "the object's state does not allow it"},
    413: {"model": ErrorOut, "description": "the body is over the size limit"},
    415: {"model": ErrorOut, "description": "an unsupported content type"},
    422: {"model": ErrorOut, "description": "the request or the upload is invalid"},
    429: {"model": ErrorOut, "description": "too many queued runs for this user"},
    500: {"model": ErrorOut, "description": "an unexpected error (with an id for the log)"},
    507: {"model": ErrorOut, "description": "the server's disk is full; nothing changed"},
}


def errors_with(**descriptions: str) -> dict[int | str, dict[str, Any]]:
    """ERRORS with route-specific descriptions, e.g. errors_with(**{"409": "…"})."""
    out = {k: dict(v) for k, v in ERRORS.items()}
    for code, text in descriptions.items():
        out[int(code)]["description"] = text
    return out
