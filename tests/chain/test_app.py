"""The state machine, driven through MPCApp's ABCI methods on a real LevelDB.

Every CheckTx code, every outcome rule (keygen, sign, reshare, refresh, delete,
deadlines and blame), determinism across instances, restarts, hand-off timing,
queries, and garbage.
"""

from __future__ import annotations

import json
import secrets

import pytest
from coincurve import PrivateKey
from hypothesis import HealthCheck, given, settings, strategies as st

from abci_mpc.chain import codes, tx_pb2, txs
from abci_mpc.chain.abci import types_pb2 as abci
from abci_mpc.chain.genesis import GenesisError
from abci_mpc.chain.state import StateError
from abci_mpc.engine import api as engine
from abci_mpc.tss.identity import Ed25519Signer

from chainutil import AppHarness, TestGenesis, new_ecdsa_key, sid_hex

DIGEST = bytes(range(32))


@pytest.fixture
def net():
    return TestGenesis.make(parties=4, timeout=6)


@pytest.fixture
def chain(tmp_path, net):
    c = AppHarness(tmp_path / "app", net, my_party=net.ids[0])
    yield c
    c.app.close()


def ready_key(chain, net, key_id="k1", t=2, parties=None):
    """Runs a keygen to READY; returns (request tx, secp256k1 secret, pubkey)."""
    parties = parties or net.ids
    req = net.keygen(key_id, t, parties)
    assert chain.block(req).tx_results[0].code == 0
    sk, pk = new_ecdsa_key()
    chain.block(*[net.keygen_result(p, req, pk) for p in parties])
    assert chain.q(f"/key/{key_id}")["status"] == "READY"
    return req, sk, pk


def codes_of(resp):
    return [r.code for r in resp.tx_results]


def event(resp_or_result, type_):
    events = resp_or_result.events
    found = [{a.key: a.value for a in e.attributes} for e in events if e.type == type_]
    return found


# --- keygen -------------------------------------------------------------------------


def test_keygen_ready_when_every_party_reports_the_same_pubkey(chain, net):
    req = net.keygen("k1", 2)
    assert chain.check(req) == (codes.OK, "")
    resp = chain.block(req)
    assert codes_of(resp) == [0]
    res = resp.tx_results[0]
    assert res.data == txs.decode(req).session_id
    [ev] = event(res, "mpc.keygen")
    assert ev == {"key_id": "k1", "session_id": sid_hex(req), "status": "PENDING",
                  "deadline_height": str(chain.height + net.timeout)}
    key = chain.q("/key/k1")
    assert key["status"] == "PENDING" and key["pubkey"] is None and key["parties"] == net.ids
    assert key["requester"] == net.requester.public_key.hex()

    sk, pk = new_ecdsa_key()
    results = [net.keygen_result(p, req, pk) for p in net.ids]
    resp = chain.block(*results[:3])
    assert codes_of(resp) == [0, 0, 0]
    assert [r.log for r in resp.tx_results] == ["1/4 reported", "2/4 reported", "3/4 reported"]
    assert chain.q("/key/k1")["status"] == "PENDING"
    resp = chain.block(results[3])
    [done] = event(resp.tx_results[0], "mpc.keygen")
    assert done["status"] == "DONE" and done["pubkey"] == pk.hex()
    key = chain.q("/key/k1")
    assert key["status"] == "READY" and key["pubkey"] == pk.hex() and key["threshold"] == 2
    assert key["eth_address"].startswith("0x") and len(key["eth_address"]) == 42
    session = chain.q(f"/session/{sid_hex(req)}")
    assert session["status"] == "DONE" and [r["party"] for r in session["reports"]] == net.ids


def test_keygen_conflicting_pubkeys_fail_with_evidence(chain, net):
    req = net.keygen("k1", 2)
    chain.block(req)
    _, pk1 = new_ecdsa_key()
    _, pk2 = new_ecdsa_key()
    resp = chain.block(net.keygen_result(net.ids[0], req, pk1), net.keygen_result(net.ids[1], req, pk2))
    assert resp.tx_results[1].log == "session failed: members reported different public keys"
    [ev] = event(resp.tx_results[1], "mpc.session_failed")
    assert ev["kind"] == "keygen" and ev["status"] == "FAILED"
    key = chain.q("/key/k1")
    assert key["status"] == "ERROR" and "different public keys" in key["error"]
    blame = chain.q(f"/blame/{sid_hex(req)}")
    assert blame["conflicting_pubkeys"] == {pk1.hex(): [net.ids[0]], pk2.hex(): [net.ids[1]]}
    assert blame["missing"] == net.ids[2:]
    # Later reports are refused; the key id stays taken.
    assert chain.check(net.keygen_result(net.ids[2], req, pk1))[0] == codes.SESSION_CLOSED
    assert chain.check(net.keygen("k1", 2))[0] == codes.DUPLICATE_KEY


def test_keygen_deadline_records_reports_and_missing_parties(chain, net):
    req = net.keygen("k1", 2)
    chain.block(req)
    start = chain.height
    _, pk = new_ecdsa_key()
    blame = tx_pb2.Blame(accused=net.ids[3], reason="TIMEOUT", round=1, detail="no round-1 message",
                         evidence=[b"signed-envelope"])
    chain.block(net.keygen_result(net.ids[0], req, pk), net.failure(net.ids[1], req, "keygen: timeout", [blame]))
    while chain.height < start + net.timeout - 1:
        resp = chain.block()
        assert not event(resp, "mpc.session_failed")
        assert chain.q("/key/k1")["status"] == "PENDING"
    resp = chain.block()  # the deadline height: results up to here counted, then it expires
    assert chain.height == start + net.timeout
    [ev] = event(resp, "mpc.session_failed")
    assert ev["reason"] == f"deadline height {start + net.timeout} passed"
    assert chain.q("/key/k1")["status"] == "ERROR"
    b = chain.q(f"/blame/{sid_hex(req)}")
    assert b["status"] == "FAILED" and b["missing"] == net.ids[2:]
    [f] = b["failures"]
    assert f["party"] == net.ids[1] and f["reason"] == "keygen: timeout"
    assert f["blames"] == [{"accused": net.ids[3], "reason": "TIMEOUT", "round": 1, "detail": "no round-1 message",
                            "reporter": net.ids[1], "evidence_items": 1, "evidence": [b"signed-envelope".hex()]}]


def test_keygen_fails_early_once_everyone_answered_with_a_failure(chain, net):
    req = net.keygen("k1", 1, net.ids[:2])
    chain.block(req)
    _, pk = new_ecdsa_key()
    resp = chain.block(net.keygen_result(net.ids[0], req, pk), net.failure(net.ids[1], req))
    assert resp.tx_results[1].log.startswith("session failed: every required party reported")
    assert chain.q("/key/k1")["status"] == "ERROR"
    assert chain.q(f"/blame/{sid_hex(req)}")["missing"] == []


def test_deadline_of_a_finished_session_changes_nothing(chain, net):
    req, _, _ = ready_key(chain, net)
    for _ in range(net.timeout + 1):
        assert not event(chain.block(), "mpc.session_failed")
    assert chain.q("/key/k1")["status"] == "READY"
    assert chain.q(f"/session/{sid_hex(req)}")["status"] == "DONE"


# --- sign -----------------------------------------------------------------------------


def test_first_valid_signature_wins(chain, net):
    _, sk, pk = ready_key(chain, net)
    req = net.sign("k1", "s1", DIGEST)
    resp = chain.block(req)
    [ev] = event(resp.tx_results[0], "mpc.sign")
    assert ev["status"] == "PENDING" and ev["sign_id"] == "s1"
    assert chain.q("/signature/k1/s1")["status"] == "PENDING"
    first = net.sign_result(net.ids[1], req, sk, DIGEST)
    second = net.sign_result(net.ids[2], req, sk, DIGEST)
    assert chain.check(first)[0] == codes.OK
    assert chain.check(second)[0] == codes.OK  # another party: both admitted, the block decides
    resp = chain.block(first, second)
    assert codes_of(resp) == [codes.OK, codes.SESSION_CLOSED]
    [sig_ev] = event(resp.tx_results[0], "mpc.signature")
    assert sig_ev["key_id"] == "k1" and sig_ev["sign_id"] == "s1" and sig_ev["status"] == "DONE"
    sig = chain.q("/signature/k1/s1")
    raw = PrivateKey(sk.secret).sign_recoverable(DIGEST, hasher=None)
    assert sig["status"] == "DONE" and sig["signature"] == raw.hex()
    assert (sig["r"], sig["s"], sig["v"]) == (raw[:32].hex(), raw[32:64].hex(), raw[64])
    assert sig["submitted_by"] == net.ids[1] and sig["pubkey"] == pk.hex()
    assert chain.check(net.sign_result(net.ids[3], req, sk, DIGEST))[0] == codes.SESSION_CLOSED


def test_invalid_signatures_are_rejected(chain, net):
    _, sk, _ = ready_key(chain, net)
    req = net.sign("k1", "s1", DIGEST)
    chain.block(req)
    good = PrivateKey(sk.secret).sign_recoverable(DIGEST, hasher=None)
    r, s, v = good[:32], int.from_bytes(good[32:64], "big"), good[64]
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    sid = txs.decode(req).session_id
    bad = {
        "high-S": (r, (n - s).to_bytes(32, "big"), v ^ 1),
        "wrong v": (r, s.to_bytes(32, "big"), v ^ 1),
        "other key": tuple(PrivateKey().sign_recoverable(DIGEST, hasher=None)[i:j] for i, j in ((0, 32), (32, 64))) + (0,),
        "other digest": tuple(PrivateKey(sk.secret).sign_recoverable(bytes(32), hasher=None)[i:j]
                              for i, j in ((0, 32), (32, 64))) + (0,),
        "v out of range": (r, s.to_bytes(32, "big"), 2),
    }
    for what, (rr, ss, vv) in bad.items():
        tx = net.result(net.ids[1], tx_pb2.SignResult(session_id=sid, key_id="k1", sign_id="s1", r=rr, s=ss, v=vv))
        code, log = chain.check(tx)
        assert code == codes.INVALID_RESULT, what
        assert "does not verify" in log
        assert codes_of(chain.block(tx)) == [codes.INVALID_RESULT]
    assert chain.q("/signature/k1/s1")["status"] == "PENDING"


def test_sign_deadline_fails_the_signature(chain, net):
    ready_key(chain, net)
    req = net.sign("k1", "s1", DIGEST)
    chain.block(req)
    chain.blocks(net.timeout)
    assert chain.q("/signature/k1/s1")["status"] == "FAILED"
    b = chain.q(f"/blame/{sid_hex(req)}")
    assert b["missing"] == net.ids and b["error"].startswith("deadline height")
    assert chain.q("/key/k1")["status"] == "READY"  # a failed signature does not hurt the key


# --- reshare / refresh ----------------------------------------------------------------


def test_reshare_moves_the_committee_once_every_new_member_reports(chain, net):
    _, sk, pk = ready_key(chain, net, parties=net.ids[:3])
    new = net.ids[1:]
    req = net.reshare("k1", 1, new)
    resp = chain.block(req)
    assert codes_of(resp) == [0]
    session = chain.q(f"/session/{sid_hex(req)}")
    assert session["members"] == net.ids and session["required"] == new
    assert chain.q("/key/k1")["busy_session"] == sid_hex(req)
    # The key stays usable, with the old committee, while the reshare runs.
    sign = net.sign("k1", "during", DIGEST)
    assert codes_of(chain.block(sign)) == [0]
    assert chain.q(f"/session/{sid_hex(sign)}")["members"] == net.ids[:3]
    assert codes_of(chain.block(net.sign_result(net.ids[0], sign, sk, DIGEST))) == [0]
    # A leaving party acknowledges without a key; member flags must match the committee.
    assert chain.check(net.reshare_result(net.ids[0], req, pk, True))[0] == codes.INVALID_RESULT
    assert chain.check(net.reshare_result(net.ids[3], req, b"", False))[0] == codes.INVALID_RESULT
    resp = chain.block(net.reshare_result(net.ids[0], req, b"", False),
                       *[net.reshare_result(p, req, pk, True) for p in new[:2]])
    assert codes_of(resp) == [0, 0, 0]
    assert chain.q("/key/k1")["parties"] == net.ids[:3]
    resp = chain.block(net.reshare_result(new[2], req, pk, True))
    [ev] = event(resp.tx_results[0], "mpc.reshare")
    assert ev["status"] == "DONE"
    key = chain.q("/key/k1")
    assert key["parties"] == new and key["threshold"] == 1 and key["pubkey"] == pk.hex()
    assert key["generation"] == 1 and key["busy_session"] is None and key["status"] == "READY"
    # The next signature belongs to the new committee.
    sign2 = net.sign("k1", "after", DIGEST)
    chain.block(sign2)
    assert chain.q(f"/session/{sid_hex(sign2)}")["members"] == new
    assert chain.check(net.sign_result(net.ids[0], sign2, sk, DIGEST))[0] == codes.UNAUTHORIZED


def test_reshare_with_a_changed_pubkey_fails_and_keeps_the_key(chain, net):
    _, _, pk = ready_key(chain, net)
    req = net.reshare("k1", 1, net.ids[:2])
    chain.block(req)
    _, other = new_ecdsa_key()
    resp = chain.block(net.reshare_result(net.ids[0], req, other, True))
    assert resp.tx_results[0].log == "session failed: a member reported a different public key"
    key = chain.q("/key/k1")
    assert key["status"] == "READY" and key["pubkey"] == pk.hex() and key["parties"] == net.ids
    assert key["busy_session"] is None and key["threshold"] == 2
    # A new reshare may start again.
    assert chain.check(net.reshare("k1", 1, net.ids[:2]))[0] == codes.OK


def test_refresh_bumps_the_generation(chain, net):
    _, _, pk = ready_key(chain, net)
    req = net.refresh("k1")
    chain.block(req)
    assert chain.check(net.refresh("k1"))[0] == codes.KEY_BUSY
    resp = chain.block(*[net.refresh_result(p, req, pk) for p in net.ids])
    [ev] = event(resp.tx_results[-1], "mpc.refresh")
    assert ev["status"] == "DONE"
    key = chain.q("/key/k1")
    assert key["generation"] == 1 and key["busy_session"] is None and key["parties"] == net.ids


def test_refresh_deadline_releases_the_key(chain, net):
    ready_key(chain, net)
    req = net.refresh("k1")
    chain.block(req)
    chain.blocks(net.timeout)
    assert chain.q(f"/session/{sid_hex(req)}")["status"] == "FAILED"
    key = chain.q("/key/k1")
    assert key["status"] == "READY" and key["busy_session"] is None and key["generation"] == 0


# --- delete ------------------------------------------------------------------------------


def test_delete_commits_first_then_collects_acks(chain, net):
    _, sk, _ = ready_key(chain, net)
    pending_sign = net.sign("k1", "s1", DIGEST)
    chain.block(pending_sign)
    req = net.delete("k1")
    resp = chain.block(req)
    assert codes_of(resp) == [0]
    [ev] = event(resp.tx_results[0], "mpc.delete")
    assert ev["status"] == "DELETED"
    key = chain.q("/key/k1")
    assert key["status"] == "DELETED"
    assert key["deleted"] == {"height": chain.height, "session_id": sid_hex(req),
                              "requester": net.requester.public_key.hex()}
    # Open sessions of the key are closed.
    assert chain.q("/signature/k1/s1")["status"] == "FAILED"
    assert chain.check(net.sign_result(net.ids[0], pending_sign, sk, DIGEST))[0] == codes.SESSION_CLOSED
    assert chain.check(net.sign("k1", "s2", DIGEST))[0] == codes.KEY_DELETED
    assert chain.check(net.delete("k1"))[0] == codes.KEY_DELETED
    assert chain.check(net.keygen("k1", 1))[0] == codes.DUPLICATE_KEY
    # Acks arrive one by one.
    resp = chain.block(*[net.delete_ack(p, req) for p in net.ids[:3]])
    assert [r.log for r in resp.tx_results] == ["1/4 reported", "2/4 reported", "3/4 reported"]
    resp = chain.block(net.delete_ack(net.ids[3], req))
    [done] = event(resp.tx_results[0], "mpc.delete")
    assert done["status"] == "DONE"
    assert chain.q(f"/session/{sid_hex(req)}")["status"] == "DONE"


def test_delete_missing_acks_fail_the_session_but_the_key_stays_deleted(chain, net):
    ready_key(chain, net)
    req = net.delete("k1")
    chain.block(req)
    chain.block(net.delete_ack(net.ids[0], req))
    chain.blocks(net.timeout)
    b = chain.q(f"/blame/{sid_hex(req)}")
    assert b["status"] == "FAILED" and b["missing"] == net.ids[1:]
    assert chain.q("/key/k1")["status"] == "DELETED"


def test_delete_during_keygen_and_reshare(chain, net):
    req = net.keygen("k1", 1, net.ids[:2])
    chain.block(req)
    chain.block(net.delete("k1"))
    assert chain.q("/key/k1")["status"] == "DELETED"
    assert chain.q(f"/session/{sid_hex(req)}")["error"] == "key deleted"
    # A reshare's incoming members hold shares too: they must ack the delete.
    ready_key(chain, net, "k2", 1, net.ids[:2])
    chain.block(net.reshare("k2", 1, net.ids[2:]))
    delete = net.delete("k2")
    chain.block(delete)
    assert chain.q(f"/session/{sid_hex(delete)}")["members"] == net.ids
    assert chain.q("/key/k2")["busy_session"] is None


# --- CheckTx codes ---------------------------------------------------------------------------


def test_check_tx_codes(chain, net):
    _, sk, pk = ready_key(chain, net)
    other_net = TestGenesis.make(parties=2)
    cases = {
        codes.MALFORMED: [b"", b"garbage", txs.build(net.requester, net.chain_id, tx_pb2.RefreshRequest(key_id="k1")) + b"\x00"],
        codes.BAD_SIGNATURE: [net.refresh("k1", chain_id="other-chain")],
        codes.UNAUTHORIZED: [net.refresh("k1", signer=net.outsider),
                             net.refresh("k1", signer=net.parties[0].signer)],  # a party is not a requester
        codes.UNKNOWN_KEY: [net.sign("nope", "s", DIGEST), net.refresh("nope"), net.delete("nope")],
        codes.BAD_DIGEST: [net.sign("k1", "s", bytes(31)), net.sign("k1", "s", b"")],
        codes.INVALID_PARTIES: [net.keygen("k9", 1, [net.ids[0]]), net.keygen("k9", 1, [net.ids[0]] * 2),
                                net.keygen("k9", 0), net.keygen("k9", 4), net.keygen("k9", 1, other_net.ids),
                                net.reshare("k1", 2, net.ids[:2])],
        codes.DUPLICATE_KEY: [net.keygen("k1", 1)],
        codes.UNKNOWN_SESSION: [net.keygen_result(net.ids[0], net.keygen("zz", 1), pk)],
    }
    for code, txs_ in cases.items():
        for tx in txs_:
            got, log = chain.check(tx)
            assert got == code, (codes.NAMES[code], log)
            assert log
            assert codes_of(chain.finalize(tx)) == [code]  # the block applies the same rule

    pending = net.keygen("k2", 1)
    chain.block(pending)
    assert chain.check(net.sign("k2", "s", DIGEST))[0] == codes.KEY_NOT_READY
    # A result signed by a key that is no party's.
    stranger = txs.build(Ed25519Signer.generate(), net.chain_id,
                         tx_pb2.KeyGenResult(session_id=txs.decode(pending).session_id, key_id="k2", pubkey=pk))
    assert chain.check(stranger)[0] == codes.UNAUTHORIZED
    # A party outside the session.
    small = net.keygen("k3", 1, net.ids[:2])
    chain.block(small)
    code, log = chain.check(net.keygen_result(net.ids[3], small, pk))
    assert code == codes.UNAUTHORIZED and "not a member" in log
    # Results that do not fit their session.
    assert chain.check(net.keygen_result(net.ids[0], small, pk, key_id="k2"))[0] == codes.INVALID_RESULT
    assert chain.check(net.delete_ack(net.ids[0], small))[0] == codes.INVALID_RESULT
    assert chain.check(net.keygen_result(net.ids[0], small, b"\x02" + b"\xff" * 32))[0] == codes.INVALID_RESULT
    assert chain.check(net.refresh_result(net.ids[0], small, pk))[0] == codes.INVALID_RESULT
    # Duplicate report: committed, then pending.
    chain.block(net.keygen_result(net.ids[0], small, pk))
    assert chain.check(net.keygen_result(net.ids[0], small, pk))[0] == codes.DUPLICATE_REPORT
    assert chain.check(net.failure(net.ids[0], small))[0] == codes.DUPLICATE_REPORT
    assert chain.check(net.failure(net.ids[1], small))[0] == codes.OK
    assert chain.check(net.keygen_result(net.ids[1], small, pk))[0] == codes.DUPLICATE_REPORT

    # Duplicate sign id: committed, then pending in the same mempool window.
    chain.block(net.sign("k1", "s1", DIGEST))
    assert chain.check(net.sign("k1", "s1", DIGEST))[0] == codes.DUPLICATE_SIGN_ID
    assert chain.check(net.sign("k1", "s2", DIGEST))[0] == codes.OK
    assert chain.check(net.sign("k1", "s2", DIGEST))[0] == codes.DUPLICATE_SIGN_ID
    assert chain.check(net.sign("k3", "s1", DIGEST))[0] == codes.KEY_NOT_READY  # sign ids are per key
    # Busy key.
    assert chain.check(net.reshare("k1", 1, net.ids[:3]))[0] == codes.OK
    assert chain.check(net.refresh("k1"))[0] == codes.KEY_BUSY
    # Duplicate key id pending.
    assert chain.check(net.keygen("k4", 1))[0] == codes.OK
    assert chain.check(net.keygen("k4", 2))[0] == codes.DUPLICATE_KEY
    # Replay of a committed request.
    assert chain.check(pending)[0] == codes.DUPLICATE_TX
    # Deletes.
    assert chain.check(net.delete("k1"))[0] == codes.OK
    assert chain.check(net.delete("k1"))[0] == codes.KEY_DELETED
    assert chain.check(net.sign("k1", "s3", DIGEST))[0] == codes.KEY_DELETED


def test_every_code_is_distinct_and_named():
    tx_codes = [v for k, v in vars(codes).items() if k.isupper() and isinstance(v, int)]
    assert len(tx_codes) == len(set(tx_codes)) == len(codes.NAMES)


def test_conflicts_in_one_block_fail_the_later_tx(chain, net):
    a, b = net.keygen("k1", 1), net.keygen("k1", 2)
    assert codes_of(chain.block(a, b)) == [codes.OK, codes.DUPLICATE_KEY]
    assert chain.q("/key/k1")["threshold"] == 1
    assert codes_of(chain.block(a)) == [codes.DUPLICATE_TX]  # replay in a later block


def test_mempool_window_resets_on_commit_and_recheck_refills_it(chain, net):
    _, sk, _ = ready_key(chain, net)
    s1, s1_again = net.sign("k1", "s1", DIGEST), net.sign("k1", "s1", DIGEST)
    assert chain.check(s1)[0] == codes.OK
    assert chain.check(s1_again)[0] == codes.DUPLICATE_SIGN_ID
    # A block without s1 commits; the node rechecks s1, which claims its sign id again.
    chain.block()
    assert chain.check(s1, recheck=True)[0] == codes.OK
    assert chain.check(s1_again)[0] == codes.DUPLICATE_SIGN_ID
    # Once s1 is in a block, a recheck of a conflicting leftover fails and evicts it.
    chain.block(s1)
    assert chain.check(s1_again, recheck=True)[0] == codes.DUPLICATE_SIGN_ID
    assert chain.check(s1, recheck=True)[0] == codes.DUPLICATE_TX


# --- determinism, persistence, hand-off ------------------------------------------------------


def _scenario(net):
    """A fixed sequence of blocks with valid, invalid and garbage txs."""
    sk = PrivateKey(b"\x01" * 32)
    pk = sk.public_key.format()
    kg = net.keygen("k1", 2)
    sign = net.sign("k1", "s1", DIGEST)
    bad_kg = net.keygen("k2", 1, net.ids[:2])
    rs = net.reshare("k1", 1, net.ids[1:])
    dl = net.delete("k1")
    return [
        [kg, bad_kg, b"junk"],
        [net.keygen_result(p, kg, pk) for p in net.ids] + [net.keygen_result(net.ids[0], bad_kg, pk)],
        [sign, net.sign("k1", "s1", DIGEST)],
        [net.sign_result(net.ids[2], sign, sk, DIGEST), rs],
        [net.reshare_result(net.ids[0], rs, b"", False)] + [net.reshare_result(p, rs, pk, True) for p in net.ids[1:]],
        [], [], [], [],
        [dl, net.delete_ack(net.ids[1], dl)],
        [], [], [], [], [], [], [],
    ]


def test_two_instances_agree_on_every_app_hash(tmp_path, net):
    blocks = _scenario(net)
    a = AppHarness(tmp_path / "a", net, my_party=net.ids[0])
    b = AppHarness(tmp_path / "b", net, my_party=None)  # hand-off settings are not state
    ha, hb = [], []
    for txs_ in blocks:
        ra, rb = a.block(*txs_), b.block(*txs_)
        assert ra.SerializeToString(deterministic=True) == rb.SerializeToString(deterministic=True)
        ha.append(a.app.app_hash)
        hb.append(b.app.app_hash)
    assert ha == hb
    assert len(set(ha)) > 5
    # The outcome is what the rules say.
    assert a.q("/key/k1")["status"] == "DELETED" and a.q("/key/k2")["status"] == "ERROR"
    assert a.q("/signature/k1/s1")["status"] == "DONE"
    assert a.q("/key/k1")["parties"] == net.ids[1:]


def test_restart_continues_from_leveldb(tmp_path, net):
    blocks = _scenario(net)
    twin = AppHarness(tmp_path / "twin", net)
    chain = AppHarness(tmp_path / "a", net)
    for i, txs_ in enumerate(blocks):
        if i % 3 == 2:
            chain = chain.reopen()
            info = chain.app.info(abci.RequestInfo())
            assert (info.last_block_height, info.last_block_app_hash) == (twin.height, twin.app.app_hash)
        chain.block(*txs_)
        twin.block(*txs_)
        assert chain.app.app_hash == twin.app.app_hash


def test_crash_between_finalize_and_commit_replays_identically(tmp_path, net):
    chain = AppHarness(tmp_path / "a", net)
    chain.block(net.keygen("k1", 1))
    height, before = chain.height, chain.app.app_hash
    txs_ = [net.keygen("k2", 1)]
    expected = chain.finalize(*txs_).app_hash
    chain = chain.reopen()  # no Commit: the block never became durable
    assert (chain.height, chain.app.app_hash) == (height, before)
    assert chain.query("/key/k2")[0] == codes.QUERY_NOT_FOUND
    assert chain.block(*txs_).app_hash == expected


def test_init_chain_state_is_durable_only_with_the_first_commit(tmp_path, net):
    chain = AppHarness(tmp_path / "a", net)
    assert chain.app.info(abci.RequestInfo()).last_block_height == 0
    chain.app.close()
    again = AppHarness(tmp_path / "a", net)  # init_chain again, as the node would
    again.block()
    assert again.height == 1
    again = again.reopen()
    assert again.q("/parties")["session_timeout_blocks"] == net.timeout


def test_hand_off_after_commit_and_only_to_involved_nodes(tmp_path, net):
    outsider = AppHarness(tmp_path / "o", net, my_party=net.ids[3])
    chain = AppHarness(tmp_path / "a", net, my_party=net.ids[0])
    kg = net.keygen("k1", 1, net.ids[:3])
    for c in (chain, outsider):
        c.finalize(kg)
        assert c.handed == []  # not before Commit
        c.app.commit(abci.RequestCommit())
    [req] = chain.handed
    tx = txs.decode(kg)
    assert req == engine.KeygenRequest(tx.session_id, tx.request_id, "k1", 1, tuple(net.ids[:3]))
    assert outsider.handed == []
    _, pk = new_ecdsa_key()
    for c in (chain, outsider):
        c.block(*[net.keygen_result(p, kg, pk) for p in net.ids[:3]])
    sign, rs, dl = net.sign("k1", "s", DIGEST), net.reshare("k1", 1, net.ids[1:]), net.delete("k1")
    for c in (chain, outsider):
        c.block(sign, rs)
        c.block(dl)
    assert [type(r) for r in chain.handed] == [engine.KeygenRequest, engine.SignRequest, engine.ReshareRequest,
                                               engine.DeleteRequest]
    assert chain.handed[1].digest == DIGEST and chain.handed[1].sign_id == "s"
    assert chain.handed[2].new_parties == tuple(net.ids[1:]) and chain.handed[2].new_threshold == 1
    # The outsider joins through the reshare, and every node hears of deletes.
    assert [type(r) for r in outsider.handed] == [engine.ReshareRequest, engine.DeleteRequest]


def test_a_failing_callback_does_not_break_commit(tmp_path, net):
    chain = AppHarness(tmp_path / "a", net, my_party=net.ids[0])

    def boom(_):
        raise RuntimeError("engine down")

    chain.app._on_committed = boom
    chain.block(net.keygen("k1", 1))
    assert chain.q("/key/k1")["status"] == "PENDING"


def test_pending_requests_after_restart(tmp_path, net):
    chain = AppHarness(tmp_path / "a", net, my_party=net.ids[0])
    kg, kg2 = net.keygen("k1", 1), net.keygen("k2", 1, net.ids[1:])
    chain.block(kg, kg2)
    _, pk = new_ecdsa_key()
    other = net.keygen("k3", 1)
    chain.block(other, net.keygen_result(net.ids[0], kg2, pk))
    chain.block(net.keygen_result(net.ids[0], other, pk))
    chain = chain.reopen()
    # k1 is still running and this node has not reported; k2 is not ours; k3 we reported for.
    assert [r.key_id for r in chain.app.pending_requests()] == ["k1"]
    assert chain.app.chain_id == net.chain_id
    assert chain.app.session_active(txs.decode(kg).session_id)
    assert not chain.app.session_active(bytes(16))
    _, pk2 = new_ecdsa_key()
    chain.block(*[net.keygen_result(p, kg, pk2) for p in net.ids])
    assert not chain.app.session_active(txs.decode(kg).session_id)
    assert chain.app.pending_requests() == []


def test_state_dir_is_locked_by_one_app(tmp_path, net):
    chain = AppHarness(tmp_path / "a", net)
    with pytest.raises(StateError, match="another app"):
        AppHarness(tmp_path / "a", net)
    chain.app.close()


# --- genesis ------------------------------------------------------------------------------------


@pytest.mark.parametrize("mutate, message", [
    (lambda g: g.clear(), "empty|requesters"),
    (lambda g: g.update(requesters="x"), "requesters must be a list"),
    (lambda g: g["requesters"].append("zz"), r"requesters\[1\] must be 32 bytes"),
    (lambda g: g["requesters"].append(g["requesters"][0]), "duplicates"),
    (lambda g: g.update(parties=g["parties"][:1]), "2..256 parties"),
    (lambda g: g["parties"][0].update(node_id="NODE"), r"parties\[0\].node_id"),
    (lambda g: g["parties"][1].update(sign_key=g["parties"][0]["sign_key"]), "share a sign_key"),
    (lambda g: g["parties"][1].update(node_id=g["parties"][0]["node_id"]), "share a node_id"),
    (lambda g: g["parties"][0].update(enc_key="00"), "enc_key must be 32 bytes"),
    (lambda g: g["parties"][0].update(extra=1), "unknown field"),
    (lambda g: g.update(session_timeout_blocks=0), "session_timeout_blocks"),
    (lambda g: g.update(session_timeout_blocks="5"), "session_timeout_blocks"),
    (lambda g: g.update(typo=1), "unknown field"),
])
def test_invalid_genesis_is_refused_at_init_chain(tmp_path, net, mutate, message):
    g = net.app_state()
    mutate(g)
    app = AppHarness(tmp_path / "a", net, init=False).app
    with pytest.raises(GenesisError, match=message):
        app.init_chain(abci.RequestInitChain(chain_id="c", app_state_bytes=json.dumps(g).encode()))
    app.close()


def test_genesis_validator_pubkeys_must_be_validators(tmp_path, net):
    g = net.app_state()
    val = secrets.token_bytes(32)
    g["parties"][0]["validator_pubkey"] = val.hex()
    app = AppHarness(tmp_path / "a", net, init=False).app
    validator = abci.ValidatorUpdate(power=10)
    validator.pub_key.ed25519 = secrets.token_bytes(32)
    req = abci.RequestInitChain(chain_id="c", app_state_bytes=json.dumps(g).encode(), validators=[validator])
    with pytest.raises(GenesisError, match="not a genesis validator"):
        app.init_chain(req)
    validator.pub_key.ed25519 = val
    req = abci.RequestInitChain(chain_id="c", app_state_bytes=json.dumps(g).encode(), validators=[validator])
    assert len(app.init_chain(req).app_hash) == 32
    app.close()


def test_check_tx_before_init_chain(tmp_path, net):
    app = AppHarness(tmp_path / "a", net, init=False).app
    assert app.check_tx(abci.RequestCheckTx(tx=net.keygen("k", 1))).code == codes.MALFORMED
    app.close()


# --- queries ------------------------------------------------------------------------------------


def test_query_paths(chain, net):
    req, _, pk = ready_key(chain, net)
    for i in range(5):
        chain.block(net.keygen(f"z{i}", 1))
    assert chain.q("/parties") == {"parties": net.app_state()["parties"], "session_timeout_blocks": net.timeout}
    page = chain.q("/keys?limit=4")
    assert [k["key_id"] for k in page["keys"]] == ["k1", "z0", "z1", "z2"] and page["next"] == "z2"
    page = chain.q("/keys?after=z2&limit=4")
    assert [k["key_id"] for k in page["keys"]] == ["z3", "z4"] and page["next"] is None
    assert [k["key_id"] for k in chain.q("/keys")["keys"]] == ["k1", "z0", "z1", "z2", "z3", "z4"]
    assert chain.q(f"/session/{sid_hex(req).upper()}")["kind"] == "keygen"
    r = chain.app.query(abci.RequestQuery(path="/key/k1"))
    assert r.height == chain.height and r.key == b"/key/k1"

    for path, code in [
        ("/nope", codes.QUERY_UNKNOWN_PATH), ("", codes.QUERY_UNKNOWN_PATH), ("/key", codes.QUERY_UNKNOWN_PATH),
        ("/key/k1/extra", codes.QUERY_UNKNOWN_PATH), ("/signature/k1", codes.QUERY_UNKNOWN_PATH),
        ("/key/nope", codes.QUERY_NOT_FOUND), ("/signature/k1/none", codes.QUERY_NOT_FOUND),
        ("/session/" + "00" * 16, codes.QUERY_NOT_FOUND), ("/blame/" + "00" * 16, codes.QUERY_NOT_FOUND),
        ("/key/bad key", codes.QUERY_BAD_ARGUMENT), ("/session/xyz", codes.QUERY_BAD_ARGUMENT),
        ("/keys?limit=0", codes.QUERY_BAD_ARGUMENT), ("/keys?limit=x", codes.QUERY_BAD_ARGUMENT),
        ("/keys?bogus=1", codes.QUERY_BAD_ARGUMENT), ("/keys?after=a/b", codes.QUERY_BAD_ARGUMENT),
    ]:
        got, value, log = chain.query(path)
        assert (got, value) == (code, None), path
        assert log, path


def test_queries_see_only_committed_state(chain, net):
    chain.finalize(net.keygen("k1", 1))
    assert chain.query("/key/k1")[0] == codes.QUERY_NOT_FOUND
    chain.app.commit(abci.RequestCommit())
    assert chain.q("/key/k1")["status"] == "PENDING"


# --- garbage ---------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.binary(max_size=300), max_size=5))
def test_garbage_never_crashes(chain, net, blobs):
    for blob in blobs:
        code, log = chain.check(blob)
        assert code != codes.OK and log
    resp = chain.finalize(*blobs)
    assert all(r.code != codes.OK for r in resp.tx_results)
    assert resp.app_hash == chain.app.app_hash  # nothing changed
