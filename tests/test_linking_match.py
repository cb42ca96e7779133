"""Specification of order -> client linking (yoozak.linking.match)."""

import pickle
import sys
from pathlib import Path

import pytest

# Runnable standalone (no conftest, package not installed): make the repo root importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from yoozak.linking.labelled import ORDER_ADDRESSES, generate, literal_cascade
from yoozak.linking.match import (
    Candidate,
    ClientIndex,
    ClientKeys,
    Decision,
    Matcher,
    OrderKeys,
    address_similarity,
    name_similarity,
)
from yoozak.linking.normalize import normalize_address, normalize_email, normalize_name, normalize_phone


def client(cid, name, phone=None, email=None, address=""):
    return ClientKeys(
        cid, normalize_email(email), normalize_phone(phone), normalize_name(name), normalize_address(address)
    )


def order(name, phone=None, email=None, oid=1, address=""):
    return OrderKeys(
        oid, normalize_email(email), normalize_phone(phone), normalize_name(name), normalize_address(address)
    )


def matcher(*clients, **options):
    return Matcher(ClientIndex.build(clients), **options)


@pytest.fixture(scope="module")
def population():
    """2,000 realistic clients to embed the hand-made cases in (rarity, blocking)."""
    data = generate(2000, 0, seed=7)
    return [
        client(c.id + 1000, c.full_name, c.phone, c.email, f"{c.address}, {c.city}") for c in data.clients
    ]


# ------------------------------------------------------------------ email


def test_email_in_another_case_with_spaces_links():
    m = matcher(client(1, "Salma Tazi", "0661000001", "Salma.Tazi@gmail.com"))
    d = m.decide(order("Salma Tazi", email="  SALMA.TAZI@GMAIL.COM "))
    assert (d.outcome, d.client_id, d.method) == ("linked", 1, "email")


def test_email_of_a_in_conflict_with_phone_of_b_is_ambiguous():
    m = matcher(
        client(1, "Salma Tazi", "0661000001", "family@gmail.com"), client(2, "Salma Tazi", "0661000002")
    )
    d = m.decide(order("Salma Tazi", "0661000002", "family@gmail.com"))
    assert d.outcome == "ambiguous" and {c.client_id for c in d.candidates} == {1, 2}


def test_email_wins_over_phone_when_the_name_sides_with_the_email_owner_only():
    m = matcher(
        client(1, "Salma Tazi", "0661000001", "salma@gmail.com"), client(2, "Omar Tazi", "0661000002")
    )
    d = m.decide(order("Salma Tazi", "0661000002", "salma@gmail.com"))
    assert (d.outcome, d.client_id, d.method) == ("linked", 1, "email")


# ------------------------------------------------------------------ phone


@pytest.mark.parametrize(
    "spelling",
    [
        "06 61 00 00 01",
        "+212661000001",
        "00212661000001",
        "661000001",
        "212661000001",
        "+212 (0)6 61 00 00 01",
    ],
)
def test_same_number_in_any_spelling_links_by_phone(spelling):
    m = matcher(client(1, "Hicham Bennani", "0661000001"))
    d = m.decide(order("Hicham Bennani", spelling))
    assert (d.outcome, d.client_id, d.method) == ("linked", 1, "phone")


@pytest.mark.parametrize(
    "typed",
    [
        "Hisham Benani",
        "bennani hicham",
        "Hichem Bennani",
        "Hicham Benanni",
        "M. Hicham Bennani",
        "Bennani",
        "",
        "هشام",
    ],
)
def test_phone_links_despite_spelling_typos_order_or_a_missing_name(typed):
    m = matcher(client(1, "Hicham Bennani", "0661000001"))
    assert m.decide(order(typed, "0661000001")).client_id == 1


def test_phone_substring_of_another_number_never_links():
    m = matcher(client(1, "Hicham Bennani", "0661000001"))
    assert m.decide(order("Hicham Bennani", "066100000")).method != "phone"


def test_relatives_phone_with_a_different_first_name_goes_to_review():
    m = matcher(client(1, "Ahmed Alaoui", "0661000001"), client(2, "Fatima Alaoui", "0661000002"))
    d = m.decide(order("Fatima Alaoui", "0661000001"))
    assert d.outcome == "ambiguous"
    assert "belongs to client 1 but name matches client 2" in d.reason
    assert [c.client_id for c in d.candidates][:1] == [2]


def test_phone_owner_with_an_unrelated_name_goes_to_review():
    d = matcher(client(1, "Ahmed Alaoui", "0661000001")).decide(order("Khadija Berrada", "0661000001"))
    assert d.outcome == "ambiguous" and d.client_id is None


def test_household_phone_shared_by_two_clients_is_resolved_by_the_first_name():
    m = matcher(client(1, "Ahmed Alaoui", "0661000001"), client(2, "Fatima Alaoui", "0661000001"))
    assert m.decide(order("Fatima Alaoui", "0661000001")).client_id == 2
    assert m.decide(order("Alaoui", "0661000001")).outcome == "ambiguous"


def test_phone_mistyped_by_one_digit_links_only_with_the_full_name():
    m = matcher(client(1, "Ouiam Zniber", "0661000001"))
    assert m.decide(order("Wiam Zniber", "0661000007")).client_id == 1
    assert m.decide(order("Wiam Zniber", "0661000010")).client_id == 1  # swapped digits
    # A family buys consecutive SIMs: a near number with the family name only is not enough.
    assert m.decide(order("Zniber", "0661000007")).client_id is None


# ------------------------------------------------------------------ names


@pytest.mark.parametrize(
    "a, b",
    [
        ("Mohammed El Alaoui", "Alaoui Mohamed"),
        ("Abd El Kader Benali", "Abdelkadir Ben Ali"),
        ("Nour Eddine Ouazzani", "Noureddine Wazzani"),
        ("Fatima Zahra Idrissi", "Fatimazahra El Idrissi"),
    ],
)
def test_same_person_names_score_high(a, b):
    assert name_similarity(normalize_name(a), normalize_name(b)) >= 0.9


@pytest.mark.parametrize(
    "a, b",
    [
        ("Mohamed Alaoui", "Ahmed Alaoui"),
        ("Fatima Alaoui", "Fatiha Alaoui"),
        ("Samir Tazi", "Samira Tazi"),
        ("Mohamed Alaoui", "Mohamed Benali"),
        ("Zouhir Tazi", "Zouhira Tazi"),
    ],
)
def test_different_people_score_below_the_default_threshold(a, b):
    assert name_similarity(normalize_name(a), normalize_name(b)) < 0.7


def test_threshold_stays_meaningful_for_typos():
    pair = normalize_name("Zniber Ouiam"), normalize_name("Zniver Ouiam")
    assert 0.7 <= name_similarity(*pair) < 0.99


def test_namesakes_are_never_guessed(population):
    m = matcher(
        *population, client(1, "Mohamed Alaoui", "0661000001"), client(2, "Mohamed Alaoui", "0661000002")
    )
    d = m.decide(order("Mohammed Alaoui", "0661999999"))
    assert d.outcome == "ambiguous" and {1, 2} <= {c.client_id for c in d.candidates}


def test_guest_with_a_common_name_is_not_linked(population):
    m = matcher(*population, client(1, "Mohamed Alaoui", "0661000001"))
    assert m.decide(order("Mohamed Alaoui", "0661999999")).client_id is None


def test_name_alone_links_only_a_rare_name_and_a_full_name(population):
    m = matcher(*population, client(1, "Ouassima Bouhlal", "0661000001"))
    d = m.decide(order("Bouhlal Ouassimah", "0661999999"))
    assert (d.outcome, d.client_id, d.method) == ("linked", 1, "name")
    assert m.decide(order("Bouhlal", "0661999999")).client_id is None
    assert Matcher(m.index, name_links=False).decide(order("Bouhlal Ouassimah")).outcome == "ambiguous"


def test_unknown_person_is_unmatched():
    d = matcher(client(1, "Ahmed Alaoui", "0661000001")).decide(order("Kenza Sqalli", "0661999999"))
    assert d.outcome == "unmatched" and d.candidates == ()


# ------------------------------------------------------------------ addresses

HOME = "N° 12, Rue Ibn Sina, Hay Agdal, Rabat"
FLAT = "Résidence Al Amal, Imm. 5, Appt 3, Maarif, Casablanca"


@pytest.mark.parametrize(
    "a, b",
    [
        (HOME, "12 r. ibn sina agdal"),  # abbreviated, district without "Hay"
        (HOME, "rue Ibn Sina n°12 RABAT"),  # word order, case, no district
        (HOME, "12 Rue Ibn Sinaa, Hay Agdal"),  # a typo in the street name
        (FLAT, "res al amal imm 5 appt 3 casa"),
        (FLAT, "Appt 3, Imm 5, Résidence Amal, Maarif"),  # components in another order
        (FLAT, "Résidence Alamal Imm 5 Apt 3"),  # article glued
        ("15 Bd Mohammed V, Casablanca", "15 boulevard Mohamed 5 casa"),
    ],
)
def test_spellings_of_one_door_are_similar(a, b):
    assert address_similarity(normalize_address(a), normalize_address(b)) >= 0.75


@pytest.mark.parametrize(
    "a, b",
    [
        (HOME, "14 Rue Ibn Sina, Hay Agdal, Rabat"),  # the neighbour
        (HOME, "12 Rue Ibn Battouta, Hay Agdal, Rabat"),  # another street, same number
        (HOME, "12 Rue Ibn Sina, Hay Agdal, Fes"),  # another city
        (HOME, "Rue Ibn Sina, Appt 12, Rabat"),  # a flat somewhere on the street
        ("84 Rue Ibn Khaldoun, Ben Souda", "Hay Ben Souda, Rue 56, N° 84"),  # only the district agrees
        (FLAT, "Résidence Al Amal, Imm. 5, Appt 4, Maarif"),  # another flat of the building
        (FLAT, "Résidence Al Amal, Imm. 6, Appt 3, Maarif"),  # the same flat of another building
    ],
)
def test_other_doors_are_not_similar(a, b):
    assert address_similarity(normalize_address(a), normalize_address(b)) < 0.75


@pytest.mark.parametrize(
    "vague",
    [
        "Casablanca",
        "Centre ville, Rabat",
        "Hay Agdal, Rabat",
        "Rue Ibn Sina, Rabat",
        "Résidence Al Amal, Imm 5",
        "Hay Salam, Rue 7",
        "Point Relais Amana, 12 Rue Ibn Sina, Rabat",
        "",
        "n° 12",
    ],
)
def test_vague_or_shared_addresses_give_no_evidence(vague):
    assert address_similarity(normalize_address(vague), normalize_address(vague)) == 0.0


def test_new_sim_with_the_home_address_links_by_name(population):
    m = matcher(*population, client(1, "Hicham Bennani", "0661000001", address=HOME))
    d = m.decide(order("Hisham Benani", "0699999999", address="12 r ibn sina agdal"))
    assert (d.outcome, d.client_id, d.method) == ("linked", 1, "name") and "address" in d.reason
    assert d.score == name_similarity(normalize_name("Hisham Benani"), normalize_name("Hicham Bennani"))


def test_common_name_at_the_clients_door_links_despite_namesakes(population):
    m = matcher(
        *population,
        client(1, "Mohamed Alaoui", "0661000001", address=HOME),
        client(2, "Mohamed Alaoui", "0661000002", address=FLAT),
    )
    d = m.decide(order("Mohammed Alaoui", "0661999999", address="res amal imm 5 apt 3"))
    assert (d.outcome, d.client_id, d.method) == ("linked", 2, "name") and "address" in d.reason


def test_common_name_at_another_address_stays_ambiguous(population):
    m = matcher(
        *population,
        client(1, "Mohamed Alaoui", "0661000001", address=HOME),
        client(2, "Mohamed Alaoui", "0661000002", address=FLAT),
    )
    for elsewhere in ("7 Rue Zerktouni, Maarif, Casablanca", "Casablanca", ""):
        d = m.decide(order("Mohamed Alaoui", "0661999999", address=elsewhere))
        assert d.outcome == "ambiguous" and {1, 2} <= {c.client_id for c in d.candidates}, elsewhere


@pytest.mark.parametrize(
    "vague",
    ["Casablanca", "Centre ville", "Hay Agdal, Rabat", "Rue Ibn Sina", "Point Relais Amana Agdal, Rabat"],
)
def test_vague_address_gives_no_evidence_to_a_common_name(population, vague):
    m = matcher(*population, client(1, "Mohamed Alaoui", "0661000001", address=vague))
    assert m.decide(order("Mohamed Alaoui", "0661999999", address=vague)).client_id is None


def test_guest_namesake_down_the_street_does_not_link(population):
    m = matcher(
        *population,
        client(1, "Mohamed Alaoui", "0661000001", address=HOME),
        client(2, "Mohamed Alaoui", "0661000002", address=FLAT),
    )
    for neighbour in ("14 Rue Ibn Sina, Hay Agdal, Rabat", "Résidence Al Amal Imm 5 Appt 9"):
        assert m.decide(order("Mohamed Alaoui", "0661999999", address=neighbour)).client_id is None


def test_siblings_at_one_door_are_told_apart_by_the_first_name_only(population):
    m = matcher(
        *population,
        client(1, "Fatima Alaoui", "0661000001", address=HOME),
        client(2, "Khadija Alaoui", "0661000002", address=HOME),
        client(3, "Samir Alaoui", "0661000003", address=HOME),
    )
    assert m.decide(order("Fatima Alaoui", "0661999999", address=HOME)).client_id == 1
    assert m.decide(order("Khadija Alaoui", "0661999999", address=HOME)).client_id == 2
    # The family name alone, or a sibling who is not a client, never takes anyone's orders.
    for other in ("Alaoui", "Samira Alaoui", "Fatiha Alaoui", "Zahra Fatima Alaoui"):
        assert m.decide(order(other, "0661999999", address=HOME)).client_id is None, other


def test_namesakes_at_one_door_stay_ambiguous(population):
    m = matcher(
        *population,
        client(1, "Mohamed Alaoui", "0661000001", address=HOME),
        client(2, "Mohamed Alaoui", "0661000002", address=HOME),
    )
    d = m.decide(order("Mohamed Alaoui", "0661999999", address=HOME))
    assert d.outcome == "ambiguous" and {1, 2} <= {c.client_id for c in d.candidates}


def test_relatives_phone_is_resolved_by_name_and_address():
    m = matcher(
        client(1, "Ahmed Alaoui", "0661000001", address=FLAT),
        client(2, "Fatima Alaoui", "0661000002", address=HOME),
    )
    d = m.decide(order("Fatima Alaoui", "0661000001", address="12 rue ibn sina agdal"))
    assert (d.outcome, d.client_id, d.method) == ("linked", 2, "name")
    # At the phone owner's door (her brother's), the name alone still goes to review.
    assert m.decide(order("Fatima Alaoui", "0661000001", address=FLAT)).outcome == "ambiguous"


def test_address_links_can_be_switched_off(population):
    m = matcher(*population, client(1, "Mohamed Alaoui", "0661000001", address=HOME), address_links=False)
    assert m.decide(order("Mohamed Alaoui", "0661999999", address=HOME)).client_id is None


# ------------------------------------------------------------------ blocking and reference


def test_blocking_compares_an_order_with_few_clients(population):
    m = matcher(*population)
    for name in ("Mohamed Alaoui", "Fatima Benali", "Khadija Idrissi", "Youssef Tazi"):
        m.index.comparisons = 0
        m.decide(order(name, "0661999999"))
        assert m.index.comparisons < len(population) / 10, name


def test_generator_is_deterministic_and_hostile():
    a, b = generate(300, 2000, seed=3), generate(300, 2000, seed=3)
    assert a.orders == b.orders and a.clients == b.clients
    guests = sum(o.true_client_id is None for o in a.orders) / len(a.orders)
    assert 0.22 <= guests <= 0.34
    assert len({o.scenario for o in a.orders}) >= 8 and len({o.name_noise for o in a.orders}) >= 8


def test_generator_addresses_are_varied_and_adversarial():
    data = generate(2000, 12000, seed=4)
    homes = {c.id: normalize_address(f"{c.address}, {c.city}") for c in data.clients}
    mine = [o for o in data.orders if o.true_client_id is not None]
    elsewhere = sum(o.address_kind != "own" for o in mine) / len(mine)
    assert 0.15 <= elsewhere <= 0.25 and abs(elsewhere - (1 - ORDER_ADDRESSES["own"])) < 0.03
    own = [o for o in mine if o.address_kind == "own"]
    # Spelt in many ways: most own addresses are not typed as registered.
    assert sum(o.address == data.clients[o.true_client_id - 1].address for o in own) < 0.5 * len(own)
    assert len(set(homes.values())) < len(homes)  # relatives share a door
    kinds = {o.address_kind for o in data.orders if o.scenario == "guest_namesake"}
    assert {"same_street", "same_district"} <= kinds


def test_matcher_beats_the_literal_cascade_on_precision():
    data = generate(500, 3000, seed=5)
    naive = literal_cascade(data.clients, data.orders)
    m = matcher(
        *(client(c.id, c.full_name, c.phone, c.email, f"{c.address}, {c.city}") for c in data.clients)
    )
    truth = {o.id: o.true_client_id for o in data.orders}
    ours = {
        o.id: m.decide(order(o.client_name, o.phone, o.email, o.id, f"{o.address}, {o.city}")).client_id
        for o in data.orders
    }

    def precision(result):
        links = [(oid, cid) for oid, cid in result.items() if cid is not None]
        return sum(truth[oid] == cid for oid, cid in links) / len(links)

    assert precision(ours) >= 0.99 > precision({k: v[0] for k, v in naive.items()})


def test_decisions_cross_process_boundaries_intact():
    # Worker processes send decisions back pickled (compactly, as tuples).
    decision = Decision(7, "ambiguous", None, None, None, (Candidate(2, "name", 0.91),), "two namesakes")
    assert pickle.loads(pickle.dumps(decision)) == decision
    linked = Decision(8, "linked", 3, "phone", 1.0, (), "phone belongs to client 3")
    assert pickle.loads(pickle.dumps(linked)) == linked


def _state(index: ClientIndex) -> tuple:
    return (
        index.clients,
        dict(index.by_email),
        dict(index.by_phone),
        dict(index.by_key),
        dict(index.by_name),
        dict(index.token_df),
    )


def test_building_the_index_at_once_equals_adding_clients_one_by_one():
    data = generate(1500, 0, seed=11)
    keys = [client(c.id, c.full_name, c.phone, c.email, f"{c.address}, {c.city}") for c in data.clients]
    keys.append(ClientKeys(99_999, None, None, ""))  # a client without any key
    one_by_one = ClientIndex()
    for k in keys:
        one_by_one.add(k)
    assert _state(ClientIndex.build(keys)) == _state(one_by_one)


def test_client_addresses_as_typed_decide_exactly_like_normalised_ones():
    # A run hands the index the clients' addresses as stored; they are normalised only
    # when a client is compared by address.
    data = generate(800, 5000, seed=12)

    def keys(address):
        return [
            ClientKeys(
                c.id,
                normalize_email(c.email),
                normalize_phone(c.phone),
                normalize_name(c.full_name),
                address(f"{c.address}, {c.city}"),
            )
            for c in data.clients
        ]

    typed, normalised = (
        Matcher(ClientIndex.build(keys(str))),
        Matcher(ClientIndex.build(keys(normalize_address))),
    )
    orders = [order(o.client_name, o.phone, o.email, o.id, f"{o.address}, {o.city}") for o in data.orders]
    decided = [typed.decide(o) for o in orders]
    assert decided == [normalised.decide(o) for o in orders]
    assert sum(d.outcome == "linked" for d in decided) > len(orders) / 2
    assert any("address" in d.reason for d in decided)  # the address path was exercised
