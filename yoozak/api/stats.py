"""/api/v1/stats: the live figures of the client list's header."""

from __future__ import annotations

from flask.views import MethodView

from ..clients.segments import segment_counts
from ..clients.services import client_stats
from ..extensions import db
from .auth import token_required
from .blueprint import ApiBlueprint
from .schemas import StatsSchema

blp = ApiBlueprint("api_v1_stats", __name__, description="Figures about clients and orders.")


@blp.route("/stats")
class Stats(MethodView):
    @token_required("stats:read")
    @blp.response(200, StatsSchema)
    def get(self):
        """Return the figures of the client list's header, computed now."""
        return client_stats(db.session) | {"segments": segment_counts(db.session)}
