"""The period report of a region (issue 17): `GET /reports?from=&to=` over the region's published
runs, as JSON (tables with their headings, for the report page), CSV or an XLSX workbook."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from api.deps import Coordinator, Lang, SettingsDep, StoreDep
from api.lookups import load_instance
from api.problems import HttpError
from api.schemas import ERRORS
from api.security import content_disposition
from api.services.reports import published_weeks
from matcher.report import ReportError, period_report, week_range
from matcher.report.export import (
    ExportError,
    csv_text,
    csv_zip_bytes,
    headings,
    labelled,
    title,
    xlsx_bytes,
)

router = APIRouter(tags=["reports"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/reports",
    responses={
        **ERRORS,
        200: {
            "content": {"application/json": {}, "text/csv": {}, "application/zip": {}, XLSX: {}},
            "description": "the report's tables as JSON, one CSV (`table`), a zip of CSVs, or XLSX",
        },
    },
)
def get_report(
    request: Request,
    user: Coordinator,
    store: StoreDep,
    settings: SettingsDep,
    lang: Lang,
    first: Annotated[str, Query(alias="from", min_length=1, max_length=10)],
    last: Annotated[str, Query(alias="to", min_length=1, max_length=10)],
    format: Literal["json", "csv", "xlsx"] = "json",
    table: Annotated[str | None, Query(max_length=40, description="one table as CSV")] = None,
    region: Annotated[str | None, Query(max_length=100, description="admins only")] = None,
) -> Response:
    """The period report over the published runs of the caller's region from `from` to `to`
    (ISO weeks, inclusive, at most `POLKU_MAX_REPORT_WEEKS`); 422 on a bad range."""
    if user.is_admin:
        if not region:
            raise HttpError(422, "error.report.admin_region")
    elif region and region.casefold() != (user.region or "").casefold():
        raise HttpError(404, "error.region.not_found", region=repr(region))
    where = region if user.is_admin and region else user.region or ""
    try:
        asked = week_range(first, last, settings.max_report_weeks)
    except ReportError as exc:
        raise HttpError(422, "error.report.range", problem=str(exc)) from None
    weeks = published_weeks(store, where, asked, lambda row: load_instance(request, store, row))
    report = period_report(weeks, first, last, lang, settings.max_report_weeks)
    name = f"report-{where}-{first}-{last}"
    if format == "json":
        out = report.to_dict()
        out["region"] = where
        out["lang"] = lang
        out["titles"] = {t.name: title(t, lang) for t in report.tables}
        out["headings"] = {
            t.name: dict(zip(t.columns, headings(t, lang), strict=True)) for t in report.tables
        }
        out["labelled"] = {  # the tables' rows with every coded cell as its label in `lang`
            t.name: [dict(zip(t.columns, row, strict=True)) for row in labelled(t, lang)]
            for t in report.tables
        }
        return JSONResponse(out)
    if format == "csv":
        if table is None:
            return Response(
                csv_zip_bytes(report),
                media_type="application/zip",
                headers={"Content-Disposition": content_disposition(f"{name}-csv.zip")},
            )
        names = [t.name for t in report.tables]
        if table not in names:
            raise HttpError(422, "error.report.table", table=repr(table), tables=", ".join(names))
        return Response(
            csv_text(report.table(table), lang),
            media_type="text/csv",
            headers={"Content-Disposition": content_disposition(f"{name}-{table}.csv")},
        )
    try:
        data = xlsx_bytes(report)
    except ExportError:
        raise HttpError(501, "error.report.no_openpyxl") from None
    return Response(
        data, media_type=XLSX, headers={"Content-Disposition": content_disposition(f"{name}.xlsx")}
    )
