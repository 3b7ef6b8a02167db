"""The API reference page's content, generated from the OpenAPI document the API serves (never copied by hand):
each operation with its permission (from the access policy), parameters, request body and responses, grouped by
the document's tags, and each schema's fields."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask

from tracker.accounts.permissions import access_for
from tracker.common.permissions import Access

METHODS = ("get", "post", "put", "patch", "delete")
#: How Flask writes a path argument (`<int:session_id>`) and how OpenAPI does (`{session_id}`).
_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    required: bool
    description: str
    schema: str | None = None  # the component schema it refers to, linked on the page


@dataclass(frozen=True)
class ApiResponse:
    status: str
    description: str
    schema: str | None


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    permission: str
    parameters: tuple[Field, ...]
    body_schema: str | None
    responses: tuple[ApiResponse, ...]

    @property
    def anchor(self) -> str:
        return f"{self.method.lower()}-" + re.sub(r"[^a-z0-9]+", "-", self.path.lower()).strip("-")


@dataclass(frozen=True)
class Group:
    name: str
    description: str
    operations: tuple[Operation, ...]

    @property
    def anchor(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")


@dataclass(frozen=True)
class Schema:
    name: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class ApiReference:
    title: str
    version: str
    description: str
    groups: tuple[Group, ...]
    schemas: tuple[Schema, ...]

    @property
    def operations(self) -> list[Operation]:
        return [operation for group in self.groups for operation in group.operations]


def openapi_document(app: Flask) -> dict[str, Any]:
    """The document /api/v1/openapi.json serves, as flask-smorest builds it (as its own `openapi` command does)."""
    return app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()


def permission_text(access: Access | None) -> str:
    if access is None:
        return "Nobody (not in the access policy)"
    if access.public:
        return "Anyone: no token needed"
    if not access.roles:
        return "Any valid token"
    return "A token of a " + " or ".join(sorted(access.roles))


def build_reference(document: dict[str, Any], endpoints: dict[str, str]) -> ApiReference:
    """The page's content from an OpenAPI 3 `document`; `endpoints` maps each OpenAPI path to its Flask endpoint
    (whose access policy entry is the operation's permission)."""
    components = document.get("components", {})
    shared_responses = components.get("responses", {})
    tags = {tag["name"]: tag.get("description", tag["name"]) for tag in document.get("tags", [])}
    grouped: dict[str, list[Operation]] = {name: [] for name in tags}
    for path, item in document.get("paths", {}).items():
        shared_parameters = item.get("parameters", [])
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            endpoint = endpoints.get(path)
            access = access_for(endpoint, method.upper()) if endpoint else None
            parameters = [*shared_parameters, *operation.get("parameters", [])]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            tag = (operation.get("tags") or ["other"])[0]
            grouped.setdefault(tag, []).append(
                Operation(
                    method=method.upper(),
                    path=path,
                    summary=operation.get("summary") or operation.get("description") or "",
                    permission=permission_text(access),
                    parameters=tuple(_parameter(parameter) for parameter in parameters),
                    body_schema=_schema_name(body),
                    responses=tuple(
                        _response(status, response, shared_responses)
                        for status, response in sorted(operation.get("responses", {}).items())
                    ),
                )
            )
    groups = tuple(
        Group(*_heading_and_text(tags.get(tag, tag)), operations=tuple(operations))
        for tag, operations in grouped.items()
        if operations
    )
    schemas = tuple(
        Schema(name=name, fields=tuple(_fields(schema)))
        for name, schema in sorted(components.get("schemas", {}).items())
    )
    info = document.get("info", {})
    return ApiReference(
        title=info.get("title", "API"),
        version=info.get("version", ""),
        description=info.get("description", ""),
        groups=groups,
        schemas=schemas,
    )


def _heading_and_text(description: str) -> tuple[str, str]:
    """A tag's description's first sentence as the group's heading, the rest as its introduction."""
    heading, _, text = description.partition(". ")
    return heading.rstrip("."), text


def endpoints_by_openapi_path(rules: Iterable[Any]) -> dict[str, str]:
    """{"/api/v1/sessions/{session_id}": "api_sessions.SessionById", ...} from the app's URL rules."""
    return {_ARGUMENT.sub(r"{\1}", rule.rule): rule.endpoint for rule in rules}


def reference_for(app: Flask) -> ApiReference:
    return build_reference(openapi_document(app), endpoints_by_openapi_path(app.url_map.iter_rules()))


# --- Reading schemas -----------------------------------------------------------------------------------------


def _schema_name(schema: dict[str, Any] | None) -> str | None:
    if not schema:
        return None
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return _schema_name(schema.get("items"))
    return None


def describe(schema: dict[str, Any]) -> str:
    """A schema's type in words: "integer, 1 to 500", "one of draft, published", "list of Booking", "date"."""
    if "$ref" in schema:
        text = schema["$ref"].rsplit("/", 1)[-1]
    elif "enum" in schema:
        text = "one of " + ", ".join(str(value) for value in schema["enum"] if value is not None)
    elif schema.get("type") == "array":
        text = "list of " + describe(schema.get("items", {}))
    elif schema.get("format") == "date":
        text = "date (YYYY-MM-DD)"
    elif schema.get("format") == "date-time":
        text = "date and time (ISO 8601 with offset)"
    elif "allOf" in schema or "oneOf" in schema or "anyOf" in schema:
        parts = schema.get("allOf") or schema.get("oneOf") or schema.get("anyOf")
        text = " or ".join(describe(part) for part in parts)
    else:
        text = schema.get("type", "any value")
        if schema.get("type") == "object" and "additionalProperties" in schema and not schema.get("properties"):
            text = "object"
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is not None and high is not None and high < 1_000_000:
            text += f", {low} to {high}"
        elif schema.get("maxLength"):
            text += f", up to {schema['maxLength']} characters"
    if schema.get("nullable"):
        text += ", or null"
    if schema.get("readOnly"):
        text += " (read-only)"
    return text


def _parameter(parameter: dict[str, Any]) -> Field:
    schema = parameter.get("schema", {})
    kind = describe(schema)
    if "default" in schema:
        kind += f" (default {schema['default']})"
    return Field(
        name=parameter["name"],
        kind=f"{parameter.get('in', 'query')}: {kind}",
        required=bool(parameter.get("required")),
        description=parameter.get("description", ""),
    )


def _response(status: str, response: dict[str, Any], shared: dict[str, Any]) -> ApiResponse:
    if "$ref" in response:
        response = shared.get(response["$ref"].rsplit("/", 1)[-1], {})
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    return ApiResponse(status=status, description=response.get("description", ""), schema=_schema_name(schema))


def _fields(schema: dict[str, Any]) -> list[Field]:
    required = set(schema.get("required", []))
    return [
        Field(
            name=name,
            kind=describe(field),
            required=name in required,
            description=field.get("description", ""),
            schema=_schema_name(field),
        )
        for name, field in schema.get("properties", {}).items()
    ]
