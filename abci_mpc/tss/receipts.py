"""Signed receipts for presigning ciphertexts.

A party signs exactly the ciphertexts it sends: (K_i, G_i) in round 1, and per peer the
four MtA ciphertexts (D, F, D^, F^) in round 2. Identification later opens sums of these
ciphertexts; the receipts let anyone check that each one really came from its sender,
without carrying whole envelopes, and make a party that denies what it sent provably
two-faced.
"""

from __future__ import annotations

from collections.abc import Mapping

from .blame import Reason
from .codec import DecodeError, Unit
from .identity import Signer, verify_signature
from .rounds import Fault
from .transcript import Transcript
from .wire_pb2 import Exhibit, KReceipt, MtaReceipt


def _k_statement(ssid: bytes, r: KReceipt) -> bytes:
    t = Transcript("receipt/k").bytes("ssid", ssid).str("party", r.party)
    return t.bytes("K", r.K).bytes("G", r.G).digest(32)


def _mta_statement(ssid: bytes, r: MtaReceipt) -> bytes:
    t = Transcript("receipt/mta").bytes("ssid", ssid).str("sender", r.sender).str("recipient", r.recipient)
    return t.bytes("D", r.D).bytes("F", r.F).bytes("D_hat", r.D_hat).bytes("F_hat", r.F_hat).digest(32)


def sign_k(signer: Signer, ssid: bytes, party: str, K: bytes, G: bytes) -> KReceipt:
    r = KReceipt(party=party, K=K, G=G)
    r.signature = signer.sign(_k_statement(ssid, r))
    return r


def sign_mta(signer: Signer, ssid: bytes, sender: str, recipient: str, D: bytes, F: bytes,
             D_hat: bytes, F_hat: bytes) -> MtaReceipt:
    r = MtaReceipt(sender=sender, recipient=recipient, D=D, F=F, D_hat=D_hat, F_hat=F_hat)
    r.signature = signer.sign(_mta_statement(ssid, r))
    return r


def check_k(ssid: bytes, r: KReceipt, identities: Mapping[str, bytes]) -> bool:
    key = identities.get(r.party)
    return key is not None and verify_signature(key, _k_statement(ssid, r), r.signature)


def check_mta(ssid: bytes, r: MtaReceipt, identities: Mapping[str, bytes]) -> bool:
    key = identities.get(r.sender)
    return key is not None and verify_signature(key, _mta_statement(ssid, r), r.signature)


def same_content(a, b) -> bool:
    """Equal ciphertexts and parties (signatures may legitimately differ in encoding)."""
    x, y = type(a)(), type(b)()
    x.CopyFrom(a)
    y.CopyFrom(b)
    x.signature = y.signature = b""
    return x.SerializeToString(deterministic=True) == y.SerializeToString(deterministic=True)


def ciphertext(data: bytes, N2: int, what: str) -> int:
    try:
        return Unit(N2).decode(data, what)
    except DecodeError as exc:
        raise Fault(Reason.MALFORMED, str(exc)) from None


def exhibit(receipt) -> bytes:
    """A receipt wrapped for a Blame's exhibits (tagged by kind)."""
    if isinstance(receipt, KReceipt):
        return Exhibit(k_receipt=receipt).SerializeToString()
    return Exhibit(mta_receipt=receipt).SerializeToString()


def read_exhibits(raw) -> tuple[list[KReceipt], list[MtaReceipt]]:
    ks, mtas = [], []
    for data in raw:
        try:
            e = Exhibit.FromString(data)
        except Exception:  # protobuf raises DecodeError or ValueError variants
            continue
        if e.HasField("k_receipt"):
            ks.append(e.k_receipt)
        elif e.HasField("mta_receipt"):
            mtas.append(e.mta_receipt)
    return ks, mtas
