"""Authenticated, encrypted peer links for the loopback TCP transport.

Handshake (each message framed as a 4-byte big-endian length and a protobuf):

    initiator -> responder   h1 = LinkHello{party=I, peer=R, ephemeral=e_I}
    responder -> initiator   LinkAuth{hello=h2=LinkHello{party=R, peer=I, ephemeral=e_R},
                                      signature=Sign_R("responder" || th)}
    initiator -> responder   LinkAuth{signature=Sign_I("initiator" || th)}

    th   = SHA-256(domain || len || h1 || len || h2)   (the exact bytes sent)
    keys = HKDF-SHA256(X25519(e_I, e_R), salt=th, info=domain) -> k_I->R || k_R->I

Each side's Ed25519 identity key (PartyIdentity.sign_key) authenticates the ephemeral
exchange, so a link is bound to exactly the two parties named in it, with fresh keys
(forward secrecy). Records: 4-byte length, then ChaCha20-Poly1305 with a per-direction
64-bit counter as nonce and the length as associated data; a record out of order,
replayed, or altered fails and closes the link.
"""

from __future__ import annotations

import asyncio
import hashlib
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from google.protobuf.message import DecodeError

from ..tss.identity import verify_signature
from .api import LocalIdentity, PartyIdentity
from .link_pb2 import LinkAuth, LinkHello

VERSION = 1
DOMAIN = b"abci-mpc/engine/link/v1"
MAX_HANDSHAKE = 4096
_LEN = struct.Struct(">I")


class LinkError(Exception):
    """A handshake or record failed; the connection is closed. Names no secret."""


async def _read_msg(reader: asyncio.StreamReader, limit: int) -> bytes:
    (n,) = _LEN.unpack(await reader.readexactly(4))
    if n > limit:
        raise LinkError(f"message of {n} bytes exceeds {limit}")
    return await reader.readexactly(n)


def _write_msg(writer: asyncio.StreamWriter, data: bytes) -> None:
    writer.write(_LEN.pack(len(data)) + data)


def _parse(cls, data: bytes):
    msg = cls()
    try:
        msg.ParseFromString(data)
    except (DecodeError, ValueError):
        raise LinkError(f"undecodable {cls.__name__}") from None
    return msg


def _transcript(h1: bytes, h2: bytes) -> bytes:
    return hashlib.sha256(DOMAIN + _LEN.pack(len(h1)) + h1 + _LEN.pack(len(h2)) + h2).digest()


def _keys(eph: X25519PrivateKey, peer_eph: bytes, th: bytes) -> tuple[bytes, bytes]:
    try:
        shared = eph.exchange(X25519PublicKey.from_public_bytes(peer_eph))
    except ValueError:
        raise LinkError("unusable ephemeral key") from None
    okm = HKDF(hashes.SHA256(), 64, salt=th, info=DOMAIN).derive(shared)
    return okm[:32], okm[32:]


def _eph_pub(eph: X25519PrivateKey) -> bytes:
    return eph.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class Link:
    """One authenticated, encrypted connection to `peer`."""

    def __init__(self, peer: str, reader, writer, send_key: bytes, recv_key: bytes, max_record: int):
        self.peer = peer
        self._reader, self._writer = reader, writer
        self._send, self._recv = ChaCha20Poly1305(send_key), ChaCha20Poly1305(recv_key)
        self._send_n = self._recv_n = 0
        self._max = max_record

    async def send(self, data: bytes) -> None:
        header = _LEN.pack(len(data) + 16)
        nonce = bytes(4) + self._send_n.to_bytes(8, "big")
        self._send_n += 1
        # One write call per record keeps records whole and in nonce order under concurrency.
        self._writer.write(header + self._send.encrypt(nonce, data, header))
        await self._writer.drain()

    async def recv(self) -> bytes:
        header = await self._reader.readexactly(4)
        (n,) = _LEN.unpack(header)
        if not 16 <= n <= self._max + 16:
            raise LinkError(f"record of {n} bytes out of bounds")
        ct = await self._reader.readexactly(n)
        nonce = bytes(4) + self._recv_n.to_bytes(8, "big")
        self._recv_n += 1
        try:
            return self._recv.decrypt(nonce, ct, header)
        except InvalidTag:
            raise LinkError("record failed authentication") from None

    def close(self) -> None:
        self._writer.close()

    @property
    def closed(self) -> bool:
        return self._writer.is_closing()


async def initiate(reader, writer, me: LocalIdentity, peer: PartyIdentity, max_record: int) -> Link:
    eph = X25519PrivateKey.generate()
    h1 = LinkHello(version=VERSION, party=me.party, peer=peer.party, ephemeral=_eph_pub(eph)).SerializeToString()
    _write_msg(writer, h1)
    await writer.drain()
    auth = _parse(LinkAuth, await _read_msg(reader, MAX_HANDSHAKE))
    h2 = _parse(LinkHello, auth.hello)
    if h2.version != VERSION or h2.party != peer.party or h2.peer != me.party:
        raise LinkError("responder is not the party we dialed")
    th = _transcript(h1, auth.hello)
    if not verify_signature(peer.sign_key, b"responder" + th, auth.signature):
        raise LinkError(f"bad handshake signature from {peer.party}")
    _write_msg(writer, LinkAuth(signature=me.signer.sign(b"initiator" + th)).SerializeToString())
    await writer.drain()
    send_key, recv_key = _keys(eph, h2.ephemeral, th)
    return Link(peer.party, reader, writer, send_key, recv_key, max_record)


async def respond(reader, writer, me: LocalIdentity, directory: dict[str, PartyIdentity], max_record: int) -> Link:
    h1 = await _read_msg(reader, MAX_HANDSHAKE)
    hello = _parse(LinkHello, h1)
    if hello.version != VERSION or hello.peer != me.party:
        raise LinkError("hello for another party or version")
    peer = directory.get(hello.party)
    if peer is None or hello.party == me.party:
        raise LinkError("hello from an unknown party")
    eph = X25519PrivateKey.generate()
    h2 = LinkHello(version=VERSION, party=me.party, peer=peer.party, ephemeral=_eph_pub(eph)).SerializeToString()
    th = _transcript(h1, h2)
    _write_msg(writer, LinkAuth(hello=h2, signature=me.signer.sign(b"responder" + th)).SerializeToString())
    await writer.drain()
    fin = _parse(LinkAuth, await _read_msg(reader, MAX_HANDSHAKE))
    if not verify_signature(peer.sign_key, b"initiator" + th, fin.signature):
        raise LinkError(f"bad handshake signature from {peer.party}")
    recv_key, send_key = _keys(eph, hello.ephemeral, th)
    return Link(peer.party, reader, writer, send_key, recv_key, max_record)
