"""Session mechanics: buffering of early messages, duplicates, authentication of every
envelope header, waiting_for(), and SessionInfo validation."""

from __future__ import annotations

import random
from collections import deque

import pytest

from abci_mpc.tss import keygen
from abci_mpc.tss.blame import Reason
from abci_mpc.tss.errors import ProtocolAbort, Rejected, SessionClosed
from abci_mpc.tss.identity import Ed25519Signer
from abci_mpc.tss.rounds import SessionInfo
from abci_mpc.tss.session import MAX_ENVELOPE_BYTES, WIRE_VERSION, Status, envelope_statement, parse_envelope
from abci_mpc.tss.wire_pb2 import Commitment, Envelope

from tsshelpers import Net, keygen_run, names, resign


@pytest.fixture
def lp(world):
    return world.parties(5)


def check_keys(results, n, t):
    assert len(results) == n
    pks = {s.public_key for s in results.values()}
    assert len(pks) == 1


# -- buffering ------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(40))
def test_any_delivery_order_completes(lp, seed):
    """Random delivery order: messages for later rounds arrive early and must be buffered."""
    net = Net(keygen_run(lp, 2))
    net.start()
    net.pump(rng=random.Random(seed))
    check_keys(net.results(), 5, 2)


def test_early_round_messages_are_buffered(lp):
    net = Net(keygen_run(lp, 2))
    net.start()
    late = lambda sender, to, data: sender == "p3" and to == "p1" and parse_envelope(data).round == 1  # noqa: E731
    held = net.pump(hold=late)
    assert len(held) == 1
    p1 = net.s["p1"]
    # everyone else moved on: p1 holds their round-2 (and later) envelopes, unprocessed
    assert p1.round == 1 and p1.waiting_for() == {"p3"}
    assert all(net.s[p].round >= 2 for p in ("p2", "p4", "p5"))
    assert p1._pending.get(2), "round-2 envelopes should be buffered"
    net.deliver(*held[0])
    net.pump()
    check_keys(net.results(), 5, 2)


def test_messages_in_reverse_order(lp):
    """Deliver newest first, always: the extreme of early arrival."""
    net = Net(keygen_run(lp, 1))
    net.start()
    while net.queue:
        sender, to, data = net.queue.pop()
        net.deliver(sender, to, data)
    check_keys(net.results(), 5, 1)


def test_envelope_for_a_round_the_protocol_lacks_is_harmless(lp):
    """Keygen has 3 rounds: a signed envelope for round 9 is refused (not buffered, so a peer
    cannot make us hold up to 16 rounds of junk) and the run completes."""
    net = Net(keygen_run(lp, 1))
    net.start()
    stray = signed_envelope(lp, net, sender="p2", round=9, recipient="p1", payload=b"")
    with pytest.raises(Rejected, match="out of range"):
        net.s["p1"].receive(stray)
    net.pump()
    check_keys(net.results(), 5, 1)


def test_message_before_start_is_not_lost(lp):
    """A peer's envelope that arrives before our session starts either raises a typed error
    (the caller keeps it and retries) or is buffered; either way the run completes."""
    net = Net(keygen_run(lp, 1))
    net.start("p2", "p3", "p4", "p5")
    early = [(s, t, d) for s, t, d in net.queue if t == "p1"]
    retry = []
    for s, t, d in early:
        try:
            net.deliver(s, t, d)
        except (Rejected, SessionClosed):
            retry.append((s, t, d))
    net.queue = deque(x for x in net.queue if x[1] != "p1")
    net.start("p1")
    for x in retry:
        net.deliver(*x)
    net.pump()
    check_keys(net.results(), 5, 1)


# -- duplicates -----------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(5))
def test_exact_duplicates_are_rejected_and_harmless(lp, seed):
    net = Net(keygen_run(lp, 2))
    net.start()
    net.pump(rng=random.Random(seed), dup=True)
    check_keys(net.results(), 5, 2)
    assert all(s.blame is None for s in net.s.values())


@pytest.mark.parametrize("suffix", [b"\x08\x01", b"\xf8\x01\x05"], ids=["repeated-version", "unknown-field"])
def test_reencoded_duplicate_does_not_frame_the_sender(lp, suffix):
    """The signature covers the parsed fields, not the bytes: anyone can re-encode a signed
    envelope. Receiving both encodings must not look like equivocation by the sender."""
    net = Net(keygen_run(lp, 1))
    net.start()
    sender, to, data = next(x for x in net.queue if x[0] == "p2" and x[1] == "p1")
    reencoded = data + suffix
    assert parse_envelope(reencoded).sender == "p2"  # still a valid envelope with p2's signature
    net.deliver(sender, to, data)
    with pytest.raises((Rejected, SessionClosed)):
        net.s["p1"].receive(reencoded)
    assert net.s["p1"].blame is None


# -- authentication ---------------------------------------------------------------------------
def signed_envelope(lp, net, *, sender, round=1, recipient="", payload=None, protocol=None, session=None,
                    signer=None, version=WIRE_VERSION, echo=()):
    env = Envelope(version=version, protocol=protocol or net.run.protocol,
                   session=session if session is not None else net.run.session_id, round=round, sender=sender,
                   recipient=recipient, payload=payload if payload is not None else Commitment(V=bytes(32)).SerializeToString(),
                   echo=list(echo))
    env.signature = (signer or lp.signers[sender]).sign(envelope_statement(env, net.run.ssid))
    return env.SerializeToString(deterministic=True)


def test_rejections_leave_the_session_untouched(lp):
    net = Net(keygen_run(lp, 1))
    net.start()
    p1 = net.s["p1"]
    stranger = Ed25519Signer.generate()
    real = next(d for s, t, d in net.queue if s == "p2" and t == "p1")
    real_env = parse_envelope(real)
    direct_to_p3 = signed_envelope(lp, net, sender="p2", recipient="p3")
    bad_sig = parse_envelope(real)
    bad_sig.signature = bytes(64)
    other_signer = signed_envelope(lp, net, sender="p2", signer=lp.signers["p3"])
    too_long_echo = parse_envelope(real)
    for p in lp.names + ("p1",):
        too_long_echo.echo.add(sender=p)
    cases = {
        "unknown sender": signed_envelope(lp, net, sender="mallory", signer=stranger),
        "own name": signed_envelope(lp, net, sender="p1"),
        "another session": signed_envelope(lp, net, sender="p2", session=b"another"),
        "another protocol": signed_envelope(lp, net, sender="p2", protocol="aux"),
        "another recipient": direct_to_p3,
        "bad signature": bad_sig.SerializeToString(),
        "signed by someone else": other_signer,
        "round 0": signed_envelope(lp, net, sender="p2", round=0),
        "round 17": signed_envelope(lp, net, sender="p2", round=17),
        "wire version 2": signed_envelope(lp, net, sender="p2", version=2),
        "wire version 0": signed_envelope(lp, net, sender="p2", version=0),
        "echo longer than the party list": resign(net.run, "p2", too_long_echo),
        "oversize": real + b"\x00" * (MAX_ENVELOPE_BYTES + 1 - len(real)),
        "not protobuf": b"\xff\xff\xff",
        "invalid utf-8 in a string": b"\x12\x02\xc3\x28",
        "empty": b"",
        "tampered payload": real.replace(real_env.payload, bytes(len(real_env.payload))),
    }
    for what, data in cases.items():
        with pytest.raises(Rejected):
            p1.receive(data)
        assert p1.status is Status.RUNNING and p1.blame is None, what
    net.pump()
    check_keys(net.results(), 5, 1)


def test_finished_round_envelope_is_rejected(lp):
    net = Net(keygen_run(lp, 1))
    net.start()
    held = net.pump(hold=lambda s, t, d: parse_envelope(d).round == 3)
    p1 = net.s["p1"]
    assert p1.round == 3
    # a signed direct message for round 1 (which was broadcast-only) arrives late
    late = signed_envelope(lp, net, sender="p2", round=1, recipient="p1")
    with pytest.raises(Rejected, match="already finished"):
        p1.receive(late)
    for x in held:
        net.deliver(*x)
    net.pump()
    check_keys(net.results(), 5, 1)


def test_message_of_an_unused_kind_is_malformed(lp):
    """A signed direct envelope in a broadcast-only round is the sender's fault."""
    net = Net(keygen_run(lp, 1))
    net.start()
    p1 = net.s["p1"]
    p1.receive(signed_envelope(lp, net, sender="p2", round=1, recipient="p1"))
    with pytest.raises(ProtocolAbort) as exc:
        for s, t, d in list(net.queue):
            if t == "p1":
                net.deliver(s, t, d)
    assert (exc.value.blame.accused, exc.value.blame.reason) == ("p2", Reason.MALFORMED)


def test_closed_session_raises_session_closed(lp):
    net = Net(keygen_run(lp, 1))
    net.start()
    net.pump()
    p1 = net.s["p1"]
    assert p1.status is Status.DONE
    with pytest.raises(SessionClosed):
        p1.receive(signed_envelope(lp, net, sender="p2", round=3, recipient="p1"))
    with pytest.raises(SessionClosed):
        p1.start(net.run.begins["p1"]())


# -- waiting_for ----------------------------------------------------------------------------
def test_waiting_for_tracks_missing_parties(lp):
    net = Net(keygen_run(lp, 1))
    net.start()
    p1 = net.s["p1"]
    assert p1.waiting_for() == {"p2", "p3", "p4", "p5"}
    for sender in ("p2", "p4"):
        x = next(x for x in net.queue if x[0] == sender and x[1] == "p1")
        net.queue.remove(x)
        net.deliver(*x)
    assert p1.waiting_for() == {"p3", "p5"}
    net.pump()
    assert p1.waiting_for() == set() and p1.status is Status.DONE


# -- SessionInfo ----------------------------------------------------------------------------
@pytest.mark.parametrize("parties, me, sid", [
    (("p2", "p1"), "p1", b"s"),  # unsorted
    (("p1", "p1"), "p1", b"s"),  # duplicate
    (("p1",), "p1", b"s"),  # alone
    (("p1", "p2"), "p3", b"s"),  # not a participant
    (("p1", "p2"), "p1", b""),  # empty session id
    (("p1", "p2"), "p1", b"x" * 65),
    (("", "p1"), "p1", b"s"),
    (("p\x00", "p1"), "p1", b"s"),  # unprintable: would break the \x00-joined ssid encoding
    (("p" * 129, "q"), "q", b"s"),
    (tuple(f"p{i:03d}" for i in range(257)), "p000", b"s"),
])
def test_session_info_validation(parties, me, sid):
    with pytest.raises(ValueError):
        SessionInfo(keygen.PROTOCOL, sid, parties, me)


def test_ssid_binds_every_public_input():
    base = SessionInfo("keygen", b"s", ("a", "b"), "a", b"t=1")
    assert base.ssid == SessionInfo("keygen", b"s", ("a", "b"), "b", b"t=1").ssid  # same for everyone
    for other in (SessionInfo("aux", b"s", ("a", "b"), "a", b"t=1"),
                  SessionInfo("keygen", b"s2", ("a", "b"), "a", b"t=1"),
                  SessionInfo("keygen", b"s", ("a", "c"), "a", b"t=1"),
                  SessionInfo("keygen", b"s", ("a", "b", "c"), "a", b"t=1"),
                  SessionInfo("keygen", b"s", ("a", "b"), "a", b"t=2")):
        assert other.ssid != base.ssid


def test_names_helper():
    assert names(3) == ("p1", "p2", "p3")
