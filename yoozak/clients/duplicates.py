"""Probable duplicate clients, found with the linker's normalisers, and merging a group into one.

Three kinds of evidence, strongest first: the same e-mail (normalised, "+tag" ignored), the
same E.164 phone, the same normalised name and address. The keys are stored on the client
row by the flush hooks and the bulk writers (phone_digits, name_key, address_key), so an
indexed GROUP BY finds the shared ones without reading every client into Python; e-mails
are unique and stored lower-cased, so only those with a "+tag" (or an odd spelling) can
share a key. Clients linked by any evidence form one group.
Nothing is ever merged automatically: an admin picks the group and the client that stays.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from ..history import history_paused, record_events
from ..history.tracking import json_value
from ..linking.normalize import normalize_email
from ..models import Client, LinkMethod, Order, User
from ..models.aggregates import AGGREGATE_FIELDS, refresh_aggregates
from ..timeutil import utcnow

EVIDENCE_RANK = {"email": 0, "phone": 1, "name_address": 2}
EVIDENCE_LABELS = {
    "email": "Même e-mail",
    "phone": "Même téléphone",
    "name_address": "Même nom et même adresse",
}
CHUNK = 5000
# The survivor takes these from the first absorbed client that has them, when it lacks them.
CLIENT_FILL = ("phone", "address", "company_name")
USER_FILL = ("first_name", "last_name")


@dataclass
class Evidence:
    """One reason to think clients are one person: a kind, the shared value, who shares it."""

    kind: str
    value: str
    client_ids: list[int]

    @property
    def label(self) -> str:
        """Return the kind of evidence in French."""
        return EVIDENCE_LABELS[self.kind]


@dataclass
class DuplicateGroup:
    """Clients that are probably one person, with every piece of evidence, strongest first."""

    client_ids: list[int]
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def strength(self) -> tuple:
        """Sort key: strongest evidence first, then more kinds of evidence, then bigger groups."""
        kinds = {e.kind for e in self.evidence}
        return (min(EVIDENCE_RANK[k] for k in kinds), -len(kinds), -len(self.client_ids), self.client_ids[0])


def email_key(email: str | None) -> str | None:
    """Return the linker's normalised e-mail without a "+tag" (amina+shop@x.ma is amina@x.ma)."""
    normalised = normalize_email(email)
    if normalised is None:
        return None
    local, _, domain = normalised.partition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


_UNMERGED = Client.merged_into_id.is_(None)


def _chunks(values: list) -> Iterable[list]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _phone_evidence(session: Session) -> list[Evidence]:
    # phone_digits is indexed and follows the E.164 number one to one: the GROUP BY reads the
    # index only (merged clients, which the index does not tell apart, are dropped with the
    # E.164 check on the few clients it returns).
    shared = list(
        session.scalars(
            select(Client.phone_digits)
            .where(Client.phone_digits.is_not(None))
            .group_by(Client.phone_digits)
            .having(func.count() > 1)
        )
    )
    members: dict[str, list[int]] = defaultdict(list)
    for chunk in _chunks(shared):
        rows = session.execute(
            select(Client.id, Client.phone)
            .where(_UNMERGED, Client.phone_digits.in_(chunk))
            .order_by(Client.id)
        )
        for cid, phone in rows:
            if phone and phone.startswith("+"):
                members[phone].append(cid)
    return [Evidence("phone", phone, ids) for phone, ids in members.items() if len(ids) > 1]


def _name_address_evidence(session: Session) -> list[Evidence]:
    shared = session.execute(
        select(Client.name_key, Client.address_key)
        .where(Client.name_key != "", Client.address_key != "")
        .group_by(Client.name_key, Client.address_key)
        .having(func.count() > 1)
    ).all()
    pairs = {(name, address) for name, address in shared}
    members: dict[tuple[str, str], list[int]] = defaultdict(list)
    for chunk in _chunks(sorted({name for name, _ in pairs})):
        rows = session.execute(
            select(Client.id, Client.name_key, Client.address_key)
            .where(_UNMERGED, Client.name_key.in_(chunk), Client.address_key != "")
            .order_by(Client.id)
        )
        for cid, name, address in rows:
            if (name, address) in pairs:
                members[(name, address)].append(cid)
    return [
        Evidence("name_address", f"{name} — {address}", ids)
        for (name, address), ids in members.items()
        if len(ids) > 1
    ]


def _email_evidence(session: Session) -> list[Evidence]:
    # E-mails are unique and stored lower-cased: two can share a key only through a "+tag"
    # (or a spelling stored before that rule). Read those few, then look their keys up.
    email = User.email
    odd = session.execute(
        select(Client.id, email)
        .join(User, User.id == Client.user_id)
        .where(_UNMERGED, or_(email.like("%+%"), func.lower(email) != email, email.like("% %")))
    ).all()
    keys = {cid: email_key(address) for cid, address in odd}
    members: dict[str, set[int]] = defaultdict(set)
    for cid, key in keys.items():
        if key:
            members[key].add(cid)
    for chunk in _chunks(sorted(members)):
        rows = session.execute(
            select(Client.id, email).join(User, User.id == Client.user_id).where(_UNMERGED, email.in_(chunk))
        )
        for cid, address in rows:
            members[address].add(cid)
    return [Evidence("email", key, sorted(ids)) for key, ids in members.items() if len(ids) > 1]


def _groups(evidence: list[Evidence]) -> list[DuplicateGroup]:
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for item in evidence:
        first = find(item.client_ids[0])
        for other in item.client_ids[1:]:
            parent[find(other)] = first
    groups: dict[int, DuplicateGroup] = {}
    for item in evidence:
        root = find(item.client_ids[0])
        groups.setdefault(root, DuplicateGroup([])).evidence.append(item)
    for group in groups.values():
        group.client_ids = sorted({cid for e in group.evidence for cid in e.client_ids})
        group.evidence.sort(key=lambda e: (EVIDENCE_RANK[e.kind], e.value))
    return sorted(groups.values(), key=lambda g: g.strength)


def find_duplicate_groups(session: Session) -> list[DuplicateGroup]:
    """Return every group of probable duplicates among clients not merged yet, strongest first."""
    evidence = _email_evidence(session) + _phone_evidence(session) + _name_address_evidence(session)
    return _groups(evidence)


# --------------------------------------------------------------------------- merge


class MergeError(ValueError):
    """A merge that cannot be done; the message is for the admin, `status` for the response."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class MergeResult:
    """What a merge did."""

    survivor_id: int
    absorbed_ids: list[int]
    orders_moved: int
    filled: dict[str, list]


def _load(session: Session, ids: list[int], survivor_id: int) -> tuple[Client, list[Client]]:
    if len(ids) < 2:
        raise MergeError("Choisissez au moins deux fiches à fusionner.")
    if survivor_id not in ids:
        raise MergeError("La fiche à conserver doit faire partie du groupe.")
    clients = {
        c.id: c
        for c in session.scalars(
            select(Client).where(Client.id.in_(ids)).order_by(Client.id).with_for_update(of=Client)
        )
    }
    missing = [i for i in ids if i not in clients]
    if missing:
        raise MergeError(f"Fiche(s) introuvable(s) : {', '.join(f'#{i}' for i in missing)}.", 404)
    merged = [c for c in clients.values() if c.merged_into_id is not None]
    if merged:
        names = ", ".join(f"#{c.id} (dans #{c.merged_into_id})" for c in merged)
        raise MergeError(f"Fusion refusée : fiche(s) déjà fusionnée(s) {names}.", 409)
    survivor = clients[survivor_id]
    return survivor, [c for cid, c in clients.items() if cid != survivor_id]


def _fill(survivor: Client, absorbed: list[Client]) -> dict[str, list]:
    filled: dict[str, list] = {}
    for target, names in ((survivor, CLIENT_FILL), (survivor.user, USER_FILL)):
        for name in names:
            if getattr(target, name) not in (None, ""):
                continue
            for other in absorbed:
                source = other if target is survivor else other.user
                value = getattr(source, name)
                if value not in (None, ""):
                    filled[name] = [json_value(getattr(target, name)), json_value(value)]
                    setattr(target, name, value)
                    break
    return filled


def merge_clients(session: Session, client_ids: Iterable[int], survivor_id: int) -> MergeResult:
    """Merge a group into `survivor_id`, in the caller's transaction (the caller commits).

    Orders move to the survivor; the fields it lacks are filled from the others; the others
    are deactivated and marked merged (never deleted); aggregates are recomputed; one history
    entry on each client. Their history stays on their own rows and shows on the survivor's
    timeline (history/timeline.py), so no history row is ever rewritten.
    """
    ids = sorted({int(i) for i in client_ids})
    survivor, absorbed = _load(session, ids, survivor_id)
    absorbed_ids = [c.id for c in absorbed]
    per_client = dict(
        session.execute(
            select(Order.client_id, func.count())
            .where(Order.client_id.in_(absorbed_ids))
            .group_by(Order.client_id)
        ).all()
    )
    with history_paused(session):  # the entries below tell the whole merge
        filled = _fill(survivor, absorbed)
        was_active = {c.id: c.is_active for c in absorbed}
        for client in absorbed:
            client.is_active = False
            client.merged_into_id = survivor.id
        session.flush()
        # A human decision, like a manual link: a --force link run leaves these orders alone
        # (it would otherwise unlink those that matched the merged client's phone or e-mail).
        moved = session.execute(
            update(Order)
            .where(Order.client_id.in_(absorbed_ids))
            .values(client_id=survivor.id, link_method=LinkMethod.MANUAL.value, linked_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        refresh_aggregates(session.connection(), ids)
    for client in [survivor, *absorbed]:
        session.expire(client, list(AGGREGATE_FIELDS))
    # The survivor's entry last: its timeline (newest first) then opens on the merge itself.
    entries = [
        (
            cid,
            "merged_into",
            {
                "survivor": survivor.id,
                "orders_moved": per_client.get(cid, 0),
                "is_active": [was_active[cid], False],
            },
        )
        for cid in absorbed_ids
    ]
    summary = {"absorbed": absorbed_ids, "orders_moved": moved, "filled": filled}
    entries.append((survivor.id, "merged", summary))
    record_events(entries, session)
    return MergeResult(survivor.id, absorbed_ids, moved or 0, filled)
