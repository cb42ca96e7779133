"""Idempotency-Key on POST: a retried request gets the first answer and changes nothing twice.

The first request with a key claims it (a row committed before the work starts: a
concurrent duplicate then finds the claim and gets a 409); its answer is stored on the row
once the work is committed, and replayed to every retry with the same body. The same key
with another body is a client error (422). Keys live API_IDEMPOTENCY_TTL seconds per token.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from copy import deepcopy
from datetime import timedelta
from functools import wraps

from flask import Response, current_app, make_response, request
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from ..extensions import db
from ..models import IdempotencyKey
from ..timeutil import utcnow
from .auth import current_token
from .problems import problem, problem_from_http_exception

HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")
REPLAYED_HEADERS = ("Location", "ETag", "Content-Type")

HEADER_DOC = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "description": "Any unique string (e.g. a UUID): a retry with the same key and body returns the "
    "first answer instead of acting twice.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^[!-~]+$"},
}


def fingerprint() -> str:
    """Return the SHA-256 of the request's method, path and (canonical) JSON body."""
    raw = request.get_data(cache=True)
    try:
        body = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        body = raw
    digest = hashlib.sha256(f"{request.method}\n{request.path}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def _replay(row: IdempotencyKey) -> Response:
    response = current_app.response_class(row.response_body or "", status=row.status_code)
    for name, value in (row.response_headers or {}).items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _answer_existing(row: IdempotencyKey, fp: str) -> Response:
    if row.fingerprint != fp:
        return problem(422, f"This {HEADER} was used for a different request: use a new key.")
    if row.status_code is None:
        return problem(409, f"A request with this {HEADER} is still being processed: retry later.")
    return _replay(row)


def _find(token_id: int, key: str) -> IdempotencyKey | None:
    return db.session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.token_id == token_id, IdempotencyKey.key == key)
    )


def _claim(token_id: int, key: str, fp: str) -> IdempotencyKey | Response:
    """Claim the key, or return the answer a previous claim of it gives."""
    ttl = timedelta(seconds=int(current_app.config["API_IDEMPOTENCY_TTL"]))
    db.session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.token_id == token_id, IdempotencyKey.created_at < utcnow() - ttl
        )
    )
    existing = _find(token_id, key)
    if existing is not None:
        db.session.commit()
        return _answer_existing(existing, fp)
    claim = IdempotencyKey(token_id=token_id, key=key, fingerprint=fp, response_headers={})
    db.session.add(claim)
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent request claimed it first
        db.session.rollback()
        existing = _find(token_id, key)
        return _answer_existing(existing, fp) if existing else problem(409)
    return claim


def _release(claim_id: int) -> None:
    db.session.rollback()
    db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == claim_id))
    db.session.commit()


def _store(claim_id: int, response: Response) -> None:
    db.session.rollback()  # the view committed its work; start clean
    row = db.session.get(IdempotencyKey, claim_id)
    if row is None:
        return
    row.status_code = response.status_code
    row.response_body = response.get_data(as_text=True)
    row.response_headers = {k: response.headers[k] for k in REPLAYED_HEADERS if k in response.headers}
    db.session.commit()


def idempotent(view: Callable) -> Callable:
    """Honour an Idempotency-Key on this POST (put it right under token_required)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not KEY_PATTERN.fullmatch(key):
            return problem(
                400,
                f"{HEADER} must be 1 to 255 visible ASCII characters.",
                errors=[{"location": "headers", "field": HEADER, "message": "Invalid key."}],
            )
        fp = fingerprint()
        claim = _claim(current_token().id, key, fp)
        if isinstance(claim, Response):
            return claim
        claim_id = claim.id
        try:
            response = make_response(view(*args, **kwargs))
        except HTTPException as error:
            response = problem_from_http_exception(error)
        except Exception:
            _release(claim_id)
            raise
        if response.status_code >= 500:
            _release(claim_id)
        else:
            _store(claim_id, response)
        return response

    apidoc = deepcopy(getattr(view, "_apidoc", {}))
    manual = apidoc.setdefault("manual_doc", {})
    manual["parameters"] = [*manual.get("parameters", []), HEADER_DOC]
    manual.setdefault("responses", {}).update({409: "CONFLICT", 422: "UNPROCESSABLE_ENTITY"})
    wrapper._apidoc = apidoc
    return wrapper
