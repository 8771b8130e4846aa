"""The OpenAPI 3 document of /api/v1 (a test keeps it equal to the routes)."""

from __future__ import annotations

from typing import Any

ERROR = {"$ref": "#/components/schemas/Error"}


def _op(summary: str, roles: str, ok: str = "200", body: dict[str, Any] | None = None, **params: str) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "description": f"Roles: {roles}.",
        "responses": {
            ok: {"description": "success", "content": {"application/json": {"schema": {"type": "object"}}}},
            "400": {"description": "bad input", "content": {"application/json": {"schema": ERROR}}},
            "401": {"description": "no valid token", "content": {"application/json": {"schema": ERROR}}},
            "403": {
                "description": "role not allowed, or another technician's job or route",
                "content": {"application/json": {"schema": ERROR}},
            },
            "404": {"description": "not found", "content": {"application/json": {"schema": ERROR}}},
        },
        "parameters": [
            {
                "name": name,
                "in": "path" if where == "path" else "query",
                "required": where == "path",
                "schema": {"type": "integer" if where == "path" else "string"},
            }
            for name, where in params.items()
        ],
    }
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return operation


def document() -> dict[str, Any]:
    """The document: one entry per route and method."""
    office = "dispatcher, manager, admin"
    return {
        "openapi": "3.0.3",
        "info": {"title": "dispatch API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {"error": {"type": "string"}, "field": {"type": "string", "nullable": True}},
                }
            },
        },
        "security": [{"bearer": []}],
        "paths": {
            "/openapi.json": {"get": {**_op("This document", "anyone"), "security": []}},
            "/jobs": {
                "get": _op(
                    "List jobs",
                    office,
                    status="query",
                    job_type="query",
                    product="query",
                    district="query",
                    technician="query",
                    day="query",
                    limit="query",
                ),
                "post": _op(
                    "Take a call (create a job)",
                    "dispatcher, admin",
                    "201",
                    {
                        "type": "object",
                        "required": ["phone", "customer_name", "product", "job_type"],
                        "properties": {
                            name: {"type": "string"}
                            for name in (
                                "phone",
                                "customer_name",
                                "product",
                                "job_type",
                                "address",
                                "district",
                                "fault_description",
                                "window_start",
                                "window_end",
                                "priority",
                                "warranty",
                                "serial",
                            )
                        }
                        | {"lat": {"type": "number"}, "lon": {"type": "number"}, "duration_min": {"type": "integer"}},
                    },
                ),
            },
            "/jobs/{job_id}": {"get": _op("One job", f"{office}, technician (own jobs)", job_id="path")},
            "/jobs/{job_id}/status": {
                "post": _op(
                    "Field progress",
                    "technician (own jobs), dispatcher, admin",
                    body={
                        "type": "object",
                        "properties": {"status": {"type": "string", "enum": ["en_route", "on_site"]}},
                    },
                    job_id="path",
                )
            },
            "/jobs/{job_id}/cancel": {
                "post": _op(
                    "Cancel a job (the customer called it off); a dispatched one asks for a re-plan",
                    "dispatcher, admin",
                    body={"type": "object", "properties": {"note": {"type": "string"}}},
                    job_id="path",
                )
            },
            "/technicians": {"get": _op("List technicians", office)},
            "/technicians/{technician_id}/route": {
                "get": _op(
                    "A technician's published route", f"{office}, technician (own)", technician_id="path", day="query"
                )
            },
            "/plans": {
                "post": _op(
                    "Plan a day in the background",
                    "dispatcher, admin",
                    "202",
                    {"type": "object", "properties": {"day": {"type": "string"}, "time_limit": {"type": "number"}}},
                )
            },
            "/plans/runs/{run_id}": {"get": _op("A planning run's progress", office, run_id="path")},
            "/plans/{version_id}": {"get": _op("A plan version", office, version_id="path")},
            "/plans/{version_id}/publish": {
                "post": _op(
                    "Publish a draft (409 if the day's revision moved)",
                    "dispatcher, admin",
                    body={"type": "object", "required": ["revision"], "properties": {"revision": {"type": "integer"}}},
                    version_id="path",
                )
            },
        },
    }
