"""The event log for custodians: their organisation's events, exports, the chain check."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from accounts.access import custodian_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from .selectors import actions_of, chain_status_for, event_as_json, events_of
from .services import events_verify

PAGE_SIZE = 50
CSV_COLUMNS = ("sequence", "created_at", "actor", "organisation", "action", "object_type",
               "object_id", "details", "previous_hash", "hash")


@custodian_required
def event_list(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation  # type: ignore[attr-defined]
    action = request.GET.get("action", "")
    page = Paginator(events_of(organisation, action), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "events/list.html", {
        "page": page, "action": action, "actions": actions_of(organisation),
        "chain": chain_status_for(organisation, events_verify()),
    })


def _jsonl(rows: Iterator[dict[str, object]]) -> Iterator[str]:
    for row in rows:
        yield json.dumps(row, sort_keys=True) + "\n"


def _csv(rows: Iterator[dict[str, object]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        object_type, object_id = row["object"]  # type: ignore[misc]
        writer.writerow([row["sequence"], row["created_at"], row["actor"], row["organisation"],
                         row["action"], object_type, object_id, json.dumps(row["details"], sort_keys=True),
                         row["previous_hash"], row["hash"]])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


@custodian_required
def event_export(request: HttpRequest, fmt: str) -> StreamingHttpResponse:
    organisation = request.organisation  # type: ignore[attr-defined]
    events = events_of(organisation, request.GET.get("action", "")).order_by("sequence")
    rows = (event_as_json(event) for event in events.iterator())
    if fmt == "csv":
        response = StreamingHttpResponse(_csv(rows), content_type="text/csv")
    else:
        response = StreamingHttpResponse(_jsonl(rows), content_type="application/x-ndjson")
    response["Content-Disposition"] = f'attachment; filename="synthome-events-{organisation.slug}.{fmt}"'
    return response
