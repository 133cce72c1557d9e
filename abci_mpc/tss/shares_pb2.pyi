from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PartyAuxRecord(_message.Message):
    __slots__ = ("party", "N", "ped_N", "s", "t")
    PARTY_FIELD_NUMBER: _ClassVar[int]
    N_FIELD_NUMBER: _ClassVar[int]
    PED_N_FIELD_NUMBER: _ClassVar[int]
    S_FIELD_NUMBER: _ClassVar[int]
    T_FIELD_NUMBER: _ClassVar[int]
    party: str
    N: bytes
    ped_N: bytes
    s: bytes
    t: bytes
    def __init__(self, party: _Optional[str] = ..., N: _Optional[bytes] = ..., ped_N: _Optional[bytes] = ..., s: _Optional[bytes] = ..., t: _Optional[bytes] = ...) -> None: ...

class AuxInfoRecord(_message.Message):
    __slots__ = ("version", "parties", "paillier_p", "paillier_q", "ped_p", "ped_q", "ped_lambda", "provenance")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PARTIES_FIELD_NUMBER: _ClassVar[int]
    PAILLIER_P_FIELD_NUMBER: _ClassVar[int]
    PAILLIER_Q_FIELD_NUMBER: _ClassVar[int]
    PED_P_FIELD_NUMBER: _ClassVar[int]
    PED_Q_FIELD_NUMBER: _ClassVar[int]
    PED_LAMBDA_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    version: int
    parties: _containers.RepeatedCompositeFieldContainer[PartyAuxRecord]
    paillier_p: bytes
    paillier_q: bytes
    ped_p: bytes
    ped_q: bytes
    ped_lambda: bytes
    provenance: str
    def __init__(self, version: _Optional[int] = ..., parties: _Optional[_Iterable[_Union[PartyAuxRecord, _Mapping]]] = ..., paillier_p: _Optional[bytes] = ..., paillier_q: _Optional[bytes] = ..., ped_p: _Optional[bytes] = ..., ped_q: _Optional[bytes] = ..., ped_lambda: _Optional[bytes] = ..., provenance: _Optional[str] = ...) -> None: ...

class KeyShareRecord(_message.Message):
    __slots__ = ("version", "parties", "threshold", "me", "share_ids", "x", "public_shares", "public_key", "aux")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PARTIES_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    ME_FIELD_NUMBER: _ClassVar[int]
    SHARE_IDS_FIELD_NUMBER: _ClassVar[int]
    X_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_SHARES_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    AUX_FIELD_NUMBER: _ClassVar[int]
    version: int
    parties: _containers.RepeatedScalarFieldContainer[str]
    threshold: int
    me: str
    share_ids: _containers.RepeatedScalarFieldContainer[bytes]
    x: bytes
    public_shares: _containers.RepeatedScalarFieldContainer[bytes]
    public_key: bytes
    aux: AuxInfoRecord
    def __init__(self, version: _Optional[int] = ..., parties: _Optional[_Iterable[str]] = ..., threshold: _Optional[int] = ..., me: _Optional[str] = ..., share_ids: _Optional[_Iterable[bytes]] = ..., x: _Optional[bytes] = ..., public_shares: _Optional[_Iterable[bytes]] = ..., public_key: _Optional[bytes] = ..., aux: _Optional[_Union[AuxInfoRecord, _Mapping]] = ...) -> None: ...

class PresignatureRecord(_message.Message):
    __slots__ = ("version", "id", "key_fingerprint", "signers", "me", "R", "k", "chi", "public")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    SIGNERS_FIELD_NUMBER: _ClassVar[int]
    ME_FIELD_NUMBER: _ClassVar[int]
    R_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    CHI_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_FIELD_NUMBER: _ClassVar[int]
    version: int
    id: bytes
    key_fingerprint: bytes
    signers: _containers.RepeatedScalarFieldContainer[str]
    me: str
    R: bytes
    k: bytes
    chi: bytes
    public: PresignPublicRecord
    def __init__(self, version: _Optional[int] = ..., id: _Optional[bytes] = ..., key_fingerprint: _Optional[bytes] = ..., signers: _Optional[_Iterable[str]] = ..., me: _Optional[str] = ..., R: _Optional[bytes] = ..., k: _Optional[bytes] = ..., chi: _Optional[bytes] = ..., public: _Optional[_Union[PresignPublicRecord, _Mapping]] = ...) -> None: ...

class PresignPublicRecord(_message.Message):
    __slots__ = ("k_receipts", "mta_in", "mta_out")
    K_RECEIPTS_FIELD_NUMBER: _ClassVar[int]
    MTA_IN_FIELD_NUMBER: _ClassVar[int]
    MTA_OUT_FIELD_NUMBER: _ClassVar[int]
    k_receipts: _containers.RepeatedScalarFieldContainer[bytes]
    mta_in: _containers.RepeatedScalarFieldContainer[bytes]
    mta_out: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, k_receipts: _Optional[_Iterable[bytes]] = ..., mta_in: _Optional[_Iterable[bytes]] = ..., mta_out: _Optional[_Iterable[bytes]] = ...) -> None: ...
