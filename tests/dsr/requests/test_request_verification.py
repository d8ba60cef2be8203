"""Who may ask: emailed links, the site's signed assertions, and authorized agents."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from troth import ConflictError, VerificationError
from troth.dsr.requests import (
    Agent,
    RequestContext,
    State,
    assertion_key,
    check_link,
    get_request,
    sign_assertion,
    start_verification,
    status_request,
    status_token_for,
    submit,
    verify_assertion,
)


def _claims(**override: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "email": "ana@example.com",
        "sub": "user-42",
        "aud": "troth",
        "iat": now,
        "exp": now + 300,
    } | override


def test_a_signed_assertion_verifies_at_once(
    sessions: sessionmaker[Session], ctx: RequestContext, outbox: Any
) -> None:
    token = sign_assertion(assertion_key(ctx.secret), _claims())
    with sessions.begin() as session:
        request = submit(session, ctx, kind="erasure", email="", jurisdiction="gdpr", assertion=token).request
        assert (request.state, request.verification_method, request.source) == (
            State.VERIFIED,
            "signed_assertion",
            "assertion",
        )
        assert ctx.unseal(request.identity_sealed) == {"email": "ana@example.com", "user_id": "user-42"}
    assert [m.kind for m in outbox()] == ["dsr_received"]  # no code to type


@pytest.mark.parametrize(
    ("claims", "key", "message"),
    [
        (_claims(), "another-key", "signature does not match"),
        (_claims(aud="someone-else"), None, '"aud": "troth"'),
        (_claims(exp=int(time.time()) - 120), None, "has expired"),
        (_claims(exp=int(time.time()) + 86400), None, "live at most 900 seconds"),
        (_claims(email=None), None, "needs the person's `email`"),
    ],
)
def test_bad_assertions_are_refused(claims: dict[str, Any], key: str | None, message: str) -> None:
    secret = "s" * 48
    token = sign_assertion(key or assertion_key(secret), claims)
    with pytest.raises(VerificationError, match=message):
        verify_assertion(token, assertion_key(secret))


def test_an_unsigned_assertion_is_refused() -> None:
    token = sign_assertion("k", _claims())
    _header, payload, _ = token.split(".")
    none_header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"  # {"alg":"none","typ":"JWT"}
    with pytest.raises(VerificationError, match="HS256"):
        verify_assertion(f"{none_header}.{payload}.", "k")
    with pytest.raises(VerificationError, match="not a JWT"):
        verify_assertion("not-a-token", "k")


def test_the_emailed_link_verifies_once(
    sessions: sessionmaker[Session], ctx: RequestContext, outbox: Any
) -> None:
    with sessions.begin() as session:
        request_id = submit(
            session, ctx, kind="erasure", email="bo@example.com", jurisdiction="uk_gdpr"
        ).request.id
    link = re.search(r"/privacy-center/verify/(\w+)/(\S+)", outbox()[0].text_body)
    assert link and link.group(1) == request_id
    with sessions.begin() as session:
        request = get_request(session, request_id)
        assert check_link(session, ctx, request, purpose="subject", link_token="forged").status == "expired"
        assert check_link(session, ctx, request, purpose="subject", link_token=link.group(2)).ok
        assert (request.state, request.verification_method) == (State.VERIFIED, "email_link")
        assert (
            check_link(session, ctx, request, purpose="subject", link_token=link.group(2)).status == "expired"
        )


def test_a_new_code_replaces_the_old_and_sends_are_limited(
    sessions: sessionmaker[Session], ctx: RequestContext, outbox: Any
) -> None:
    from troth import RateLimitedError
    from troth.dsr.requests import check_code

    with sessions.begin() as session:
        submission = submit(session, ctx, kind="access", email="cy@example.com", jurisdiction="gdpr")
        request, old = submission.request, submission.codes["subject"]
        for _ in range(4):
            start_verification(session, ctx, request, purpose="subject", to="cy@example.com")
        with pytest.raises(RateLimitedError, match="too many codes"):
            start_verification(session, ctx, request, purpose="subject", to="cy@example.com")
        assert check_code(session, ctx, request, purpose="subject", code=old).status == "wrong"


def test_an_agent_needs_permission_and_the_persons_confirmation(
    sessions: sessionmaker[Session], ctx: RequestContext, outbox: Any
) -> None:
    with sessions.begin() as session:
        with pytest.raises(ConflictError, match="signed permission document"):
            submit(
                session,
                ctx,
                kind="erasure",
                email="dee@example.com",
                jurisdiction="ccpa",
                agent=Agent(name="Rights Co", email="agent@rights.example"),
            )
        request = submit(
            session,
            ctx,
            kind="erasure",
            email="dee@example.com",
            jurisdiction="ccpa",
            agent=Agent(
                name="Rights Co", email="agent@rights.example", document=b"%PDF signed", document_name="p.pdf"
            ),
        ).request
        assert request.state == State.VERIFYING  # the person must still confirm
        assert request.agent_document_sha256 is not None
        assert ctx.unseal(request.agent_sealed)["name"] == "Rights Co"
    assert [m.kind for m in outbox("agent@rights.example")] == ["dsr_agent"]
    link = re.search(r"/privacy-center/verify/\w+/(\S+)", outbox("dee@example.com")[0].text_body)
    assert link
    with sessions.begin() as session:
        request = get_request(session, request.id)
        assert check_link(session, ctx, request, purpose="subject", link_token=link.group(1)).ok
        assert request.verification_method == "email_link+agent"


def test_agents_are_refused_where_the_declaration_does_not_allow_them(
    sessions: sessionmaker[Session], ctx: RequestContext
) -> None:
    rights = ctx.declaration.rights.model_copy(
        update={
            "authorized_agents": ctx.declaration.rights.authorized_agents.model_copy(
                update={"allowed": False}
            )
        }
    )
    strict = RequestContext(ctx.settings, ctx.declaration.model_copy(update={"rights": rights}))
    with (
        sessions.begin() as session,
        pytest.raises(ConflictError, match="does not accept requests from authorized"),
    ):
        submit(
            session,
            strict,
            kind="access",
            email="e@example.com",
            jurisdiction="ccpa",
            agent=Agent(name="A", email="a@a.example", document=b"x"),
        )


def test_the_status_link_needs_its_token(sessions: sessionmaker[Session], ctx: RequestContext) -> None:
    from troth import NotFoundError

    with sessions.begin() as session:
        request = submit(session, ctx, kind="access", email="fi@example.com", jurisdiction="gdpr").request
    with sessions() as session:
        assert status_request(session, request.id, status_token_for(ctx.secret, request.id)).id == request.id
        for request_id, token in (
            (request.id, "guess"),
            ("RNOSUCH", status_token_for(ctx.secret, "RNOSUCH")),
        ):
            with pytest.raises(NotFoundError, match="no request matches this link"):
                status_request(session, request_id, token)
