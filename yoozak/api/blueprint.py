"""The blueprint every API resource module uses: strict arguments, problem+json errors."""

from __future__ import annotations

import marshmallow as ma
from flask import request
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException

from .problems import handle_http_exception, handle_unexpected, problem

JSON_METHODS = ("POST", "PUT", "PATCH")


class StrictParser(FlaskParser):
    """Refuse unknown query parameters and body fields instead of ignoring them."""

    DEFAULT_UNKNOWN_BY_LOCATION = dict.fromkeys(FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, ma.RAISE)


def _require_json_body():
    """Refuse a request body that is not JSON with a 415 before webargs reads it."""
    if request.method in JSON_METHODS and request.content_length and not request.is_json:
        return problem(415)
    return None


class ApiBlueprint(Blueprint):
    """A flask-smorest blueprint whose errors are all application/problem+json."""

    ARGUMENTS_PARSER = StrictParser()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.before_request(_require_json_body)
        self.register_error_handler(HTTPException, handle_http_exception)
        self.register_error_handler(Exception, handle_unexpected)
