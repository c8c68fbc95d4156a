"""instance.json, the instance's header: name, week, format version, rules and weights."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from instances.problems import ProblemLog
from instances.read.archives import INSTANCE_JSON
from instances.read.encodings import decode
from models.instance import FORMAT_VERSION
from models.rules import BUILTIN_TYPES, DEFAULT_RULES, Rules, RulesError
from models.weights import Weights, WeightsError

WEEK_PATTERN = re.compile(r"^\d{4}-W\d{2}$")
# an instance name becomes file and download names: letters (any script), digits, and . _ - or
# a space inside; no quotes, slashes or control characters
NAME_PATTERN = re.compile(r"^\w[\w.\- ]{0,119}$")


def safe_name(text: str, fallback: str = "instance") -> str:
    """`text` made into a valid instance name (e.g. an uploaded file's stem): every other
    character becomes '-'."""
    cleaned = re.sub(r"[^\w.\- ]", "-", text).strip(" .-")[:120]
    return cleaned if NAME_PATTERN.match(cleaned) else fallback


@dataclass
class InstanceHeader:
    """What instance.json says; `rules`/`weights` are None when invalid (problems logged),
    and then `types`/`groups` are the names the file declares, for checking the tables."""

    name: str
    week: str = ""
    format_version: int = FORMAT_VERSION
    rules: Rules | None = None
    weights: Weights | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    types: list[str] = field(default_factory=lambda: list(BUILTIN_TYPES))
    groups: list[str] = field(default_factory=lambda: list(DEFAULT_RULES["groups"]))


def read_instance_json(data: bytes | None, log: ProblemLog, default_name: str) -> InstanceHeader:
    """Parse instance.json: format version, name, week, rules, weights; other keys → meta."""
    header = InstanceHeader(name=default_name)
    if data is None:
        log.error(
            INSTANCE_JSON,
            "file is missing from the instance",
            expected='{"format_version": 1, "name": …, "week": …, "rules": {}, "weights": {}}',
        )
        return header
    text = decode(INSTANCE_JSON, data, log)
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        log.error(
            INSTANCE_JSON, f"is not valid JSON: {exc.msg} (column {exc.colno})", line=exc.lineno
        )
        return header
    if not isinstance(raw, dict):
        log.error(INSTANCE_JSON, f"holds {json_kind(raw)}", expected="a JSON object")
        return header
    raw = dict(raw)

    version = raw.pop("format_version", None)
    if version is None:
        log.warning(
            INSTANCE_JSON, "format_version is missing; read as version 1", column="format_version"
        )
    elif isinstance(version, bool) or not isinstance(version, int):
        log.error(
            INSTANCE_JSON,
            "is not a format version",
            column="format_version",
            value=str(version),
            expected=f"the whole number {FORMAT_VERSION}",
        )
    elif version > FORMAT_VERSION:
        log.error(
            INSTANCE_JSON,
            "is newer than this Polku reads; upgrade Polku",
            column="format_version",
            value=str(version),
            expected=f"{FORMAT_VERSION}",
        )
    elif version < 1:
        log.error(
            INSTANCE_JSON,
            "is not a format version",
            column="format_version",
            value=str(version),
            expected=f"{FORMAT_VERSION}",
        )
    else:
        header.format_version = version

    for key in ("name", "week"):
        value = raw.pop(key, None)
        if value is None:
            fallback = f"; using {default_name!r}" if key == "name" else ""
            log.warning(INSTANCE_JSON, f"{key} is missing{fallback}", column=key)
        elif not isinstance(value, str):
            log.error(
                INSTANCE_JSON,
                "is not a text",
                column=key,
                value=str(value),
                expected='a text such as "2026-W48"' if key == "week" else "a text",
            )
        elif key == "name" and not NAME_PATTERN.match(value):
            log.error(
                INSTANCE_JSON,
                "is not a safe instance name",
                column="name",
                value=value[:80],
                expected="1-120 letters, digits, '.', '_', '-' or spaces, starting with a "
                "letter or digit",
            )
        else:
            setattr(header, key, value)
    if header.week and not WEEK_PATTERN.match(header.week):
        log.warning(
            INSTANCE_JSON,
            "is not an ISO week",
            column="week",
            value=header.week,
            expected="YYYY-Www, e.g. 2026-W48",
        )

    raw_rules = raw.pop("rules", None)
    raw_weights = raw.pop("weights", None)
    for key, value in (("rules", raw_rules), ("weights", raw_weights)):
        if value is not None and not isinstance(value, dict):
            log.error(
                INSTANCE_JSON,
                f"is {json_kind(value)}",
                column=key,
                expected="an object of key: value (or leave it out for the defaults)",
            )
    raw_rules = raw_rules if isinstance(raw_rules, dict) else {}
    header.types, header.groups = declared_names(raw_rules)
    try:
        header.rules = Rules.from_dict(raw_rules)
    except RulesError as exc:
        for text in exc.problems:
            log_key_problem(text, "rules", log)
    try:
        header.weights = Weights.from_dict(raw_weights if isinstance(raw_weights, dict) else {})
    except WeightsError as exc:
        for text in exc.problems:
            log_key_problem(text, "weights", log)
    header.meta = raw
    return header


def json_kind(value: Any) -> str:
    """What a JSON value is, in words."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    kinds: dict[type, str] = {list: "an array", str: "a text", dict: "an object"}
    return kinds.get(type(value), "null")


def log_key_problem(text: str, section: str, log: ProblemLog) -> None:
    """A RulesError/WeightsError line 'rules.key: message' as an instance.json problem."""
    key, sep, message = text.partition(": ")
    if not sep:
        key, message = section, text
    log.error(INSTANCE_JSON, message, column=key)


def declared_names(raw_rules: Any) -> tuple[list[str], list[str]]:
    """Placement types and group names the rules declare, read leniently (used to check the
    tables even when some rule value is invalid)."""
    types = list(BUILTIN_TYPES)
    groups = list(DEFAULT_RULES["groups"])
    if isinstance(raw_rules, dict):
        for key in ("max_months", "cost_rate"):
            if isinstance(raw_rules.get(key), dict):
                types += [str(t) for t in raw_rules[key] if str(t) not in types]
        if isinstance(raw_rules.get("groups"), dict):
            groups += [str(g) for g in raw_rules["groups"] if str(g) not in groups]
    return types, groups
