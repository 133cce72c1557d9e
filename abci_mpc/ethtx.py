"""Just enough Ethereum to sign a real transaction: RLP, EIP-1559 (type 2) and EIP-155
legacy transactions, their signing hash, and ecrecover to an address.

    tx = Eip1559Tx(chain_id=1, nonce=0, max_priority_fee_per_gas=..., max_fee_per_gas=...,
                   gas_limit=21000, to=bytes.fromhex("..."), value=10**16)
    digest = tx.signing_hash()                 # what the threshold key signs
    raw = tx.signed(v, r, s)                   # broadcastable bytes (eth_sendRawTransaction)
    assert ecrecover(digest, r, s, v) == address_of(pubkey)
"""

from __future__ import annotations

from dataclasses import dataclass

from coincurve import PublicKey

from .tss.keccak import keccak256

RlpItem = bytes | int | list | tuple


def rlp(item: RlpItem) -> bytes:
    """Recursive Length Prefix encoding; integers are big-endian without leading zeros."""
    if isinstance(item, bool):
        raise TypeError("RLP has no booleans")
    if isinstance(item, int):
        if item < 0:
            raise ValueError("RLP integers are non-negative")
        item = item.to_bytes((item.bit_length() + 7) // 8, "big")
    if isinstance(item, (bytes, bytearray)):
        if len(item) == 1 and item[0] < 0x80:
            return bytes(item)
        return _length(len(item), 0x80) + bytes(item)
    if isinstance(item, (list, tuple)):
        payload = b"".join(rlp(x) for x in item)
        return _length(len(payload), 0xC0) + payload
    raise TypeError(f"cannot RLP-encode {type(item).__name__}")


def _length(n: int, offset: int) -> bytes:
    if n <= 55:
        return bytes([offset + n])
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([offset + 55 + len(size)]) + size


def _address(to: bytes) -> bytes:
    if not isinstance(to, bytes) or len(to) != 20:
        raise ValueError("`to` must be a 20-byte address")
    return to


@dataclass(frozen=True)
class Eip1559Tx:
    chain_id: int
    nonce: int
    max_priority_fee_per_gas: int
    max_fee_per_gas: int
    gas_limit: int
    to: bytes
    value: int
    data: bytes = b""
    access_list: tuple = ()  # ((address, (storage_key, ...)), ...)

    def _fields(self) -> list:
        return [self.chain_id, self.nonce, self.max_priority_fee_per_gas, self.max_fee_per_gas, self.gas_limit,
                _address(self.to), self.value, self.data,
                [[addr, list(keys)] for addr, keys in self.access_list]]

    def signing_hash(self) -> bytes:
        return keccak256(b"\x02" + rlp(self._fields()))

    def signed(self, v: int, r: int, s: int) -> bytes:
        """The signed transaction; v is the recovery id (y parity), 0 or 1."""
        if v not in (0, 1):
            raise ValueError("v must be the recovery id, 0 or 1")
        return b"\x02" + rlp(self._fields() + [v, r, s])


@dataclass(frozen=True)
class LegacyTx:
    """A pre-EIP-2718 transaction with EIP-155 replay protection."""

    chain_id: int
    nonce: int
    gas_price: int
    gas_limit: int
    to: bytes
    value: int
    data: bytes = b""

    def _fields(self) -> list:
        return [self.nonce, self.gas_price, self.gas_limit, _address(self.to), self.value, self.data]

    def signing_hash(self) -> bytes:
        return keccak256(rlp(self._fields() + [self.chain_id, 0, 0]))

    def signed(self, v: int, r: int, s: int) -> bytes:
        if v not in (0, 1):
            raise ValueError("v must be the recovery id, 0 or 1")
        return rlp(self._fields() + [v + 35 + 2 * self.chain_id, r, s])


def checksum(address20: bytes) -> str:
    """EIP-55 mixed-case hex."""
    raw = address20.hex()
    check = keccak256(raw.encode()).hex()
    return "0x" + "".join(c.upper() if int(check[i], 16) >= 8 else c for i, c in enumerate(raw))


def address_of(pubkey: bytes) -> str:
    """The checksummed address of a secp256k1 public key (33 or 65 bytes)."""
    point = PublicKey(pubkey).format(compressed=False)
    return checksum(keccak256(point[1:])[-20:])


def ecrecover(digest: bytes, r: int, s: int, v: int) -> str:
    """The address whose key made (r, s) with recovery id v over digest, as the EVM's ecrecover."""
    sig = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])
    return address_of(PublicKey.from_signature_and_message(sig, digest, hasher=None).format())
