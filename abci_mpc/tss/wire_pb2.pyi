from abci_mpc.tss import proofs_pb2 as _proofs_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Envelope(_message.Message):
    __slots__ = ("version", "protocol", "session", "round", "sender", "recipient", "payload", "echo", "signature")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    ECHO_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    version: int
    protocol: str
    session: bytes
    round: int
    sender: str
    recipient: str
    payload: bytes
    echo: _containers.RepeatedCompositeFieldContainer[Echo]
    signature: bytes
    def __init__(self, version: _Optional[int] = ..., protocol: _Optional[str] = ..., session: _Optional[bytes] = ..., round: _Optional[int] = ..., sender: _Optional[str] = ..., recipient: _Optional[str] = ..., payload: _Optional[bytes] = ..., echo: _Optional[_Iterable[_Union[Echo, _Mapping]]] = ..., signature: _Optional[bytes] = ...) -> None: ...

class Echo(_message.Message):
    __slots__ = ("sender", "payload_digest", "echo_digest", "signature")
    SENDER_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_DIGEST_FIELD_NUMBER: _ClassVar[int]
    ECHO_DIGEST_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    sender: str
    payload_digest: bytes
    echo_digest: bytes
    signature: bytes
    def __init__(self, sender: _Optional[str] = ..., payload_digest: _Optional[bytes] = ..., echo_digest: _Optional[bytes] = ..., signature: _Optional[bytes] = ...) -> None: ...

class Commitment(_message.Message):
    __slots__ = ("V",)
    V_FIELD_NUMBER: _ClassVar[int]
    V: bytes
    def __init__(self, V: _Optional[bytes] = ...) -> None: ...

class Share(_message.Message):
    __slots__ = ("share",)
    SHARE_FIELD_NUMBER: _ClassVar[int]
    share: bytes
    def __init__(self, share: _Optional[bytes] = ...) -> None: ...

class AuxParams(_message.Message):
    __slots__ = ("N", "s", "t", "prm")
    N_FIELD_NUMBER: _ClassVar[int]
    S_FIELD_NUMBER: _ClassVar[int]
    T_FIELD_NUMBER: _ClassVar[int]
    PRM_FIELD_NUMBER: _ClassVar[int]
    N: bytes
    s: bytes
    t: bytes
    prm: _proofs_pb2.PiPrm
    def __init__(self, N: _Optional[bytes] = ..., s: _Optional[bytes] = ..., t: _Optional[bytes] = ..., prm: _Optional[_Union[_proofs_pb2.PiPrm, _Mapping]] = ...) -> None: ...

class AuxR2(_message.Message):
    __slots__ = ("params", "rho", "u")
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    RHO_FIELD_NUMBER: _ClassVar[int]
    U_FIELD_NUMBER: _ClassVar[int]
    params: AuxParams
    rho: bytes
    u: bytes
    def __init__(self, params: _Optional[_Union[AuxParams, _Mapping]] = ..., rho: _Optional[bytes] = ..., u: _Optional[bytes] = ...) -> None: ...

class AuxR3(_message.Message):
    __slots__ = ("mod", "fac")
    MOD_FIELD_NUMBER: _ClassVar[int]
    FAC_FIELD_NUMBER: _ClassVar[int]
    mod: _proofs_pb2.PiMod
    fac: _proofs_pb2.PiFac
    def __init__(self, mod: _Optional[_Union[_proofs_pb2.PiMod, _Mapping]] = ..., fac: _Optional[_Union[_proofs_pb2.PiFac, _Mapping]] = ...) -> None: ...

class KeygenR2(_message.Message):
    __slots__ = ("F", "A", "rho", "u")
    F_FIELD_NUMBER: _ClassVar[int]
    A_FIELD_NUMBER: _ClassVar[int]
    RHO_FIELD_NUMBER: _ClassVar[int]
    U_FIELD_NUMBER: _ClassVar[int]
    F: _containers.RepeatedScalarFieldContainer[bytes]
    A: bytes
    rho: bytes
    u: bytes
    def __init__(self, F: _Optional[_Iterable[bytes]] = ..., A: _Optional[bytes] = ..., rho: _Optional[bytes] = ..., u: _Optional[bytes] = ...) -> None: ...

class KeygenR3(_message.Message):
    __slots__ = ("sch",)
    SCH_FIELD_NUMBER: _ClassVar[int]
    sch: _proofs_pb2.PiSch
    def __init__(self, sch: _Optional[_Union[_proofs_pb2.PiSch, _Mapping]] = ...) -> None: ...

class ReshareR2(_message.Message):
    __slots__ = ("F", "params", "A", "rho", "u")
    F_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    A_FIELD_NUMBER: _ClassVar[int]
    RHO_FIELD_NUMBER: _ClassVar[int]
    U_FIELD_NUMBER: _ClassVar[int]
    F: _containers.RepeatedScalarFieldContainer[bytes]
    params: AuxParams
    A: bytes
    rho: bytes
    u: bytes
    def __init__(self, F: _Optional[_Iterable[bytes]] = ..., params: _Optional[_Union[AuxParams, _Mapping]] = ..., A: _Optional[bytes] = ..., rho: _Optional[bytes] = ..., u: _Optional[bytes] = ...) -> None: ...

class ReshareR3(_message.Message):
    __slots__ = ("sch", "mod", "fac")
    SCH_FIELD_NUMBER: _ClassVar[int]
    MOD_FIELD_NUMBER: _ClassVar[int]
    FAC_FIELD_NUMBER: _ClassVar[int]
    sch: _proofs_pb2.PiSch
    mod: _proofs_pb2.PiMod
    fac: _proofs_pb2.PiFac
    def __init__(self, sch: _Optional[_Union[_proofs_pb2.PiSch, _Mapping]] = ..., mod: _Optional[_Union[_proofs_pb2.PiMod, _Mapping]] = ..., fac: _Optional[_Union[_proofs_pb2.PiFac, _Mapping]] = ...) -> None: ...

class KReceipt(_message.Message):
    __slots__ = ("party", "K", "G", "signature")
    PARTY_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    G_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    party: str
    K: bytes
    G: bytes
    signature: bytes
    def __init__(self, party: _Optional[str] = ..., K: _Optional[bytes] = ..., G: _Optional[bytes] = ..., signature: _Optional[bytes] = ...) -> None: ...

class MtaReceipt(_message.Message):
    __slots__ = ("sender", "recipient", "D", "F", "D_hat", "F_hat", "signature")
    SENDER_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    D_FIELD_NUMBER: _ClassVar[int]
    F_FIELD_NUMBER: _ClassVar[int]
    D_HAT_FIELD_NUMBER: _ClassVar[int]
    F_HAT_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    sender: str
    recipient: str
    D: bytes
    F: bytes
    D_hat: bytes
    F_hat: bytes
    signature: bytes
    def __init__(self, sender: _Optional[str] = ..., recipient: _Optional[str] = ..., D: _Optional[bytes] = ..., F: _Optional[bytes] = ..., D_hat: _Optional[bytes] = ..., F_hat: _Optional[bytes] = ..., signature: _Optional[bytes] = ...) -> None: ...

class PresignR1(_message.Message):
    __slots__ = ("K", "G", "receipt")
    K_FIELD_NUMBER: _ClassVar[int]
    G_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_FIELD_NUMBER: _ClassVar[int]
    K: bytes
    G: bytes
    receipt: bytes
    def __init__(self, K: _Optional[bytes] = ..., G: _Optional[bytes] = ..., receipt: _Optional[bytes] = ...) -> None: ...

class PresignR1Proof(_message.Message):
    __slots__ = ("psi0",)
    PSI0_FIELD_NUMBER: _ClassVar[int]
    psi0: _proofs_pb2.PiEnc
    def __init__(self, psi0: _Optional[_Union[_proofs_pb2.PiEnc, _Mapping]] = ...) -> None: ...

class PresignR2(_message.Message):
    __slots__ = ("Gamma", "D", "F", "D_hat", "F_hat", "psi", "psi_hat", "psi_prime", "receipt")
    GAMMA_FIELD_NUMBER: _ClassVar[int]
    D_FIELD_NUMBER: _ClassVar[int]
    F_FIELD_NUMBER: _ClassVar[int]
    D_HAT_FIELD_NUMBER: _ClassVar[int]
    F_HAT_FIELD_NUMBER: _ClassVar[int]
    PSI_FIELD_NUMBER: _ClassVar[int]
    PSI_HAT_FIELD_NUMBER: _ClassVar[int]
    PSI_PRIME_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_FIELD_NUMBER: _ClassVar[int]
    Gamma: bytes
    D: bytes
    F: bytes
    D_hat: bytes
    F_hat: bytes
    psi: _proofs_pb2.PiAffG
    psi_hat: _proofs_pb2.PiAffG
    psi_prime: _proofs_pb2.PiLogStar
    receipt: bytes
    def __init__(self, Gamma: _Optional[bytes] = ..., D: _Optional[bytes] = ..., F: _Optional[bytes] = ..., D_hat: _Optional[bytes] = ..., F_hat: _Optional[bytes] = ..., psi: _Optional[_Union[_proofs_pb2.PiAffG, _Mapping]] = ..., psi_hat: _Optional[_Union[_proofs_pb2.PiAffG, _Mapping]] = ..., psi_prime: _Optional[_Union[_proofs_pb2.PiLogStar, _Mapping]] = ..., receipt: _Optional[bytes] = ...) -> None: ...

class PresignR3(_message.Message):
    __slots__ = ("delta", "Delta")
    DELTA_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    delta: bytes
    Delta: bytes
    def __init__(self, delta: _Optional[bytes] = ..., Delta: _Optional[bytes] = ...) -> None: ...

class PresignR3Proof(_message.Message):
    __slots__ = ("psi_pp",)
    PSI_PP_FIELD_NUMBER: _ClassVar[int]
    psi_pp: _proofs_pb2.PiLogStar
    def __init__(self, psi_pp: _Optional[_Union[_proofs_pb2.PiLogStar, _Mapping]] = ...) -> None: ...

class PresignR4(_message.Message):
    __slots__ = ("failed", "H", "mul", "received", "sent", "dec")
    FAILED_FIELD_NUMBER: _ClassVar[int]
    H_FIELD_NUMBER: _ClassVar[int]
    MUL_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_FIELD_NUMBER: _ClassVar[int]
    SENT_FIELD_NUMBER: _ClassVar[int]
    DEC_FIELD_NUMBER: _ClassVar[int]
    failed: bool
    H: bytes
    mul: _proofs_pb2.PiMul
    received: _containers.RepeatedCompositeFieldContainer[MtaReceipt]
    sent: _containers.RepeatedCompositeFieldContainer[MtaReceipt]
    dec: _containers.RepeatedCompositeFieldContainer[_proofs_pb2.PiDec]
    def __init__(self, failed: _Optional[bool] = ..., H: _Optional[bytes] = ..., mul: _Optional[_Union[_proofs_pb2.PiMul, _Mapping]] = ..., received: _Optional[_Iterable[_Union[MtaReceipt, _Mapping]]] = ..., sent: _Optional[_Iterable[_Union[MtaReceipt, _Mapping]]] = ..., dec: _Optional[_Iterable[_Union[_proofs_pb2.PiDec, _Mapping]]] = ...) -> None: ...

class SignR1(_message.Message):
    __slots__ = ("sigma",)
    SIGMA_FIELD_NUMBER: _ClassVar[int]
    sigma: bytes
    def __init__(self, sigma: _Optional[bytes] = ...) -> None: ...

class SignR2(_message.Message):
    __slots__ = ("failed", "H_hat", "Z", "k_receipt", "received", "sent", "mulstar", "dec_chi", "dec_sigma", "enc_z")
    FAILED_FIELD_NUMBER: _ClassVar[int]
    H_HAT_FIELD_NUMBER: _ClassVar[int]
    Z_FIELD_NUMBER: _ClassVar[int]
    K_RECEIPT_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_FIELD_NUMBER: _ClassVar[int]
    SENT_FIELD_NUMBER: _ClassVar[int]
    MULSTAR_FIELD_NUMBER: _ClassVar[int]
    DEC_CHI_FIELD_NUMBER: _ClassVar[int]
    DEC_SIGMA_FIELD_NUMBER: _ClassVar[int]
    ENC_Z_FIELD_NUMBER: _ClassVar[int]
    failed: bool
    H_hat: bytes
    Z: bytes
    k_receipt: KReceipt
    received: _containers.RepeatedCompositeFieldContainer[MtaReceipt]
    sent: _containers.RepeatedCompositeFieldContainer[MtaReceipt]
    mulstar: _containers.RepeatedCompositeFieldContainer[_proofs_pb2.PiMulStar]
    dec_chi: _containers.RepeatedCompositeFieldContainer[_proofs_pb2.PiDec]
    dec_sigma: _containers.RepeatedCompositeFieldContainer[_proofs_pb2.PiDec]
    enc_z: _containers.RepeatedCompositeFieldContainer[_proofs_pb2.PiEnc]
    def __init__(self, failed: _Optional[bool] = ..., H_hat: _Optional[bytes] = ..., Z: _Optional[bytes] = ..., k_receipt: _Optional[_Union[KReceipt, _Mapping]] = ..., received: _Optional[_Iterable[_Union[MtaReceipt, _Mapping]]] = ..., sent: _Optional[_Iterable[_Union[MtaReceipt, _Mapping]]] = ..., mulstar: _Optional[_Iterable[_Union[_proofs_pb2.PiMulStar, _Mapping]]] = ..., dec_chi: _Optional[_Iterable[_Union[_proofs_pb2.PiDec, _Mapping]]] = ..., dec_sigma: _Optional[_Iterable[_Union[_proofs_pb2.PiDec, _Mapping]]] = ..., enc_z: _Optional[_Iterable[_Union[_proofs_pb2.PiEnc, _Mapping]]] = ...) -> None: ...

class Exhibit(_message.Message):
    __slots__ = ("k_receipt", "mta_receipt")
    K_RECEIPT_FIELD_NUMBER: _ClassVar[int]
    MTA_RECEIPT_FIELD_NUMBER: _ClassVar[int]
    k_receipt: KReceipt
    mta_receipt: MtaReceipt
    def __init__(self, k_receipt: _Optional[_Union[KReceipt, _Mapping]] = ..., mta_receipt: _Optional[_Union[MtaReceipt, _Mapping]] = ...) -> None: ...
