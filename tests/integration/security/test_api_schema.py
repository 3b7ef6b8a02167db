"""schemathesis against /api/v1/openapi.json: for each role's token, and with none.

Every operation of the OpenAPI document gets generated requests, valid and invalid, in the demo world
(so ids resolve: some requests name real sessions, people, bookings and organisations). Each response
must not be a server error, must have a status the document lists for that operation (there is no
catch-all "default": see tracker.api.CommonResponses), the documented content type and a body matching
the documented schema, and invalid input must be refused with a 4xx. Without a valid token, every
operation answers 401 with the error body.

Bounded: a fixed number of examples per operation (fewer on PostgreSQL), generated deterministically
(derandomised) so a run is repeatable and its time predictable.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.demo_world import ROLE_EMAILS, load_demo_world

pytestmark = pytest.mark.slow

#: Examples per operation and role: enough to reach every branch the schema describes, few enough for CI.
EXAMPLES = {"sqlite": 40, "postgresql": 12}
NO_TOKEN_EXAMPLES = 4
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


def _settings(max_examples: int):
    return settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


@pytest.fixture
def world(app):
    return load_demo_world()


@pytest.fixture
def operations(app, world):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    found = [result.ok() for result in schema.get_all_operations()]
    assert len(found) >= 26
    return found


def _strategies(operation, world, headers: dict[str, str]):
    """Generated requests, plus requests whose ids and codes are real ones from the demo world."""
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE, headers=headers),
        operation.as_strategy(GenerationMode.NEGATIVE, headers=headers),
    ]
    names = [parameter.name for parameter in operation.path_parameters]
    if names:
        real = st.fixed_dictionaries({name: st.sampled_from(world.ids[name]) for name in names})
        strategies.append(
            real.flatmap(
                lambda path: operation.as_strategy(GenerationMode.POSITIVE, headers=headers, path_parameters=path)
            )
        )
    body = _real_body(operation, world)
    if body is not None:
        strategies.append(
            st.tuples(body, st.fixed_dictionaries({name: st.sampled_from(world.ids[name]) for name in names})).flatmap(
                lambda pair: operation.as_strategy(
                    GenerationMode.POSITIVE, headers=headers, body=pair[0], path_parameters=pair[1]
                )
            )
        )
    for query in ("course", "course_code"):
        if operation.query.get(query) is not None:
            strategies.append(
                st.sampled_from(world.course_codes).flatmap(
                    lambda code, query=query: operation.as_strategy(
                        GenerationMode.POSITIVE, headers=headers, query={query: code}
                    )
                )
            )
    return st.one_of(strategies)


def _real_body(operation, world):
    """Bodies naming real people, for the operations whose subject is a person."""
    people = st.sampled_from(world.ids["person_id"])
    if operation.method.upper() == "POST" and operation.path.endswith("/bookings"):
        return st.builds(lambda person: {"person_id": person}, people)
    if operation.method.upper() == "PUT" and operation.path.endswith("/attendance"):
        outcome = st.sampled_from(["attended", "partial", "absent", "excused"])
        record = st.builds(lambda person, mark: {"person_id": person, "outcome": mark}, people, outcome)
        return st.builds(lambda records: {"records": records}, st.lists(record, min_size=1, max_size=3))
    return None


def _run(app, operation, strategy, max_examples: int, checks) -> str | None:
    @_settings(max_examples)
    @given(case=strategy)
    def check(case):
        case.call_and_validate(session=app.test_client(), checks=checks)

    try:
        check()
    except (Exception, FailureGroup) as error:  # FailureGroup: with a curl command to reproduce each failure
        return f"{operation.label}: {error}"
    return None


@pytest.mark.parametrize("role", list(ROLE_EMAILS))
def test_every_operation_answers_as_documented(app, backend, world, operations, role):
    headers = {"Authorization": f"Bearer {world.tokens[role]}"}
    failures = [
        failure
        for operation in operations
        if (failure := _run(app, operation, _strategies(operation, world, headers), EXAMPLES[backend], CHECKS))
    ]
    assert not failures, f"as {role}:\n\n" + "\n\n".join(failures)


def _is_401(ctx, response, case):
    assert response.status_code == 401, f"{case.method} {case.formatted_path} answered {response.status_code}"
    assert response.json()["error"]["code"] == "unauthorised"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer ptt_not-a-real-token"}, {"Authorization": "Basic c2FtOnNhbQ=="}],
    ids=["none", "unknown", "not-bearer"],
)
def test_without_a_valid_token_every_operation_is_401(app, backend, world, operations, headers):
    if backend != "sqlite" and headers:
        pytest.skip("the token check is the same code on every database")
    checks = [_is_401, status_code_conformance, content_type_conformance, response_schema_conformance]
    failures = []
    for operation in operations:
        strategy = operation.as_strategy(GenerationMode.POSITIVE, headers=headers)
        if headers == {}:
            strategy = strategy.map(_without_authorization)
        if failure := _run(app, operation, strategy, NO_TOKEN_EXAMPLES, checks):
            failures.append(failure)
    assert not failures, "\n\n".join(failures)


def _without_authorization(case):
    if case.headers:
        case.headers.pop("Authorization", None)
    return case
