"""Linking quality benchmark: ``python -m bench linking_quality [--clients N --orders M --seed S]``.

Generates seeded labelled data, runs the Matcher and the naive literal cascade on it and
prints Markdown tables: precision = share of links that are right, recall = share of orders
truly placed by a client that got linked to that client.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

from bench.common import machine
from yoozak.linking.labelled import LabelledData, generate, literal_cascade
from yoozak.linking.match import ClientIndex, ClientKeys, Matcher, OrderKeys
from yoozak.linking.normalize import normalize_address, normalize_email, normalize_name, normalize_phone


def run_matcher(
    data: LabelledData,
    threshold: float = 0.7,
    *,
    addresses: bool = True,
    timing: dict | None = None,
    **options,
) -> dict[int, tuple]:
    """Order id -> (client id or None, method or None, outcome, reason) with the Matcher."""

    def address(text: str, city: str) -> str:
        # The order's city column is appended, as the link run does.
        return normalize_address(f"{text}, {city}") if addresses and text else ""

    index = ClientIndex.build(
        ClientKeys(
            c.id,
            normalize_email(c.email),
            normalize_phone(c.phone),
            normalize_name(c.full_name),
            address(c.address, c.city),
        )
        for c in data.clients
    )
    matcher = Matcher(index, threshold, **options)
    keys = [
        OrderKeys(
            o.id,
            normalize_email(o.email),
            normalize_phone(o.phone),
            normalize_name(o.client_name),
            address(o.address, o.city),
        )
        for o in data.orders
    ]
    t0 = time.perf_counter()
    decisions = [matcher.decide(k) for k in keys]
    if timing is not None:
        timing["decide_us"] = (time.perf_counter() - t0) / max(len(keys), 1) * 1e6
    return {d.order_id: (d.client_id, d.method, d.outcome, d.reason) for d in decisions}


def metrics(data: LabelledData, result: dict[int, tuple]) -> dict[str, dict[str, float]]:
    """Precision/recall overall and per method, plus outcome counts."""
    truth = {o.id: o.true_client_id for o in data.orders}
    belongs = sum(1 for t in truth.values() if t is not None)
    rows: dict[str, dict[str, float]] = {}
    for method in ("all", "email", "phone", "name"):
        links = [
            (oid, r[0])
            for oid, r in result.items()
            if r[0] is not None and (method == "all" or r[1] == method)
        ]
        right = sum(1 for oid, cid in links if truth[oid] == cid)
        rows[method] = {
            "links": len(links),
            "wrong": len(links) - right,
            "precision": right / len(links) if links else 1.0,
            "recall": right / belongs if belongs else 0.0,
        }
    outcomes = Counter(r[2] if len(r) > 2 else ("linked" if r[0] else "unmatched") for r in result.values())
    rows["all"].update(ambiguous=outcomes["ambiguous"], unmatched=outcomes["unmatched"])
    # Links the address decided (a subset of "name"): where the address evidence wins or loses.
    by_address = [
        (oid, r[0]) for oid, r in result.items() if r[0] is not None and len(r) > 3 and "address" in r[3]
    ]
    rows["all"].update(
        address_links=len(by_address), address_wrong=sum(1 for oid, cid in by_address if truth[oid] != cid)
    )
    return rows


def by_scenario(data: LabelledData, result: dict[int, tuple]) -> dict[str, Counter]:
    """Per order scenario: right / wrong links, ambiguous, unmatched."""
    out: dict[str, Counter] = {}
    for o in data.orders:
        cid, _, *outcome = result[o.id]
        c = out.setdefault(o.scenario, Counter())
        c["orders"] += 1
        if cid is not None:
            c["right" if cid == o.true_client_id else "wrong"] += 1
        else:
            c[outcome[0] if outcome else "unmatched"] += 1
    return out


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the matcher and the literal cascade, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--orders", type=int, default=30000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threshold", type=float, default=0.7)
    parser.add_argument("--no-address", action="store_true", help="match without the addresses")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    data = generate(args.clients, args.orders, args.seed)
    t1 = time.perf_counter()
    timing: dict = {}
    mine = run_matcher(data, args.threshold, addresses=not args.no_address, timing=timing)
    t2 = time.perf_counter()
    naive = literal_cascade(data.clients, data.orders)
    t3 = time.perf_counter()
    m, n = metrics(data, mine), metrics(data, naive)

    print(f"## Linking quality: {args.clients} clients, {len(data.orders)} orders, seed {args.seed}\n")
    print(
        "| method | Matcher precision | Matcher recall | links (wrong) "
        "| cascade precision | cascade recall | links (wrong) |"
    )
    print("|---|---|---|---|---|---|---|")
    for key in ("all", "email", "phone", "name"):
        a, b = m[key], n[key]
        print(
            f"| {key} | {a['precision']:.4f} | {a['recall']:.4f} | {a['links']} ({a['wrong']}) "
            f"| {b['precision']:.4f} | {b['recall']:.4f} | {b['links']} ({b['wrong']}) |"
        )
    print(
        f"\nMatcher: {m['all']['ambiguous']} ambiguous (review queue), "
        f"{m['all']['unmatched']} unmatched; name links decided by the address: "
        f"{m['all']['address_links']} ({m['all']['address_wrong']} wrong). "
        f"Cascade: {n['all']['unmatched']} unmatched.\n"
    )
    print("| scenario | orders | Matcher right | wrong | ambiguous | unmatched | cascade right | wrong |")
    print("|---|---|---|---|---|---|---|---|")
    naive_sc = by_scenario(data, naive)
    for name, c in sorted(by_scenario(data, mine).items()):
        k = naive_sc[name]
        print(
            f"| {name} | {c['orders']} | {c['right']} | {c['wrong']} | {c['ambiguous']} "
            f"| {c['unmatched']} | {k['right']} | {k['wrong']} |"
        )
    print(
        f"\nTimings: generate {t1 - t0:.1f}s, Matcher (normalise+index+decide) {t2 - t1:.1f}s "
        f"(decide {timing['decide_us']:.0f} µs/order), literal cascade {t3 - t2:.1f}s."
    )
    print(f"\nMachine: {machine()}")
    return 0


if __name__ == "__main__":
    main()
