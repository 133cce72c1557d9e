from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class PiSch(_message.Message):
    __slots__ = ("A", "z")
    A_FIELD_NUMBER: _ClassVar[int]
    Z_FIELD_NUMBER: _ClassVar[int]
    A: bytes
    z: bytes
    def __init__(self, A: _Optional[bytes] = ..., z: _Optional[bytes] = ...) -> None: ...

class PiMod(_message.Message):
    __slots__ = ("W", "X", "a", "b", "Z")
    W_FIELD_NUMBER: _ClassVar[int]
    X_FIELD_NUMBER: _ClassVar[int]
    A_FIELD_NUMBER: _ClassVar[int]
    B_FIELD_NUMBER: _ClassVar[int]
    Z_FIELD_NUMBER: _ClassVar[int]
    W: bytes
    X: bytes
    a: bytes
    b: bytes
    Z: bytes
    def __init__(self, W: _Optional[bytes] = ..., X: _Optional[bytes] = ..., a: _Optional[bytes] = ..., b: _Optional[bytes] = ..., Z: _Optional[bytes] = ...) -> None: ...

class PiPrm(_message.Message):
    __slots__ = ("A", "z")
    A_FIELD_NUMBER: _ClassVar[int]
    Z_FIELD_NUMBER: _ClassVar[int]
    A: bytes
    z: bytes
    def __init__(self, A: _Optional[bytes] = ..., z: _Optional[bytes] = ...) -> None: ...

class PiFac(_message.Message):
    __slots__ = ("P", "Q", "A", "B", "T", "sigma", "z1", "z2", "w1", "w2", "v")
    P_FIELD_NUMBER: _ClassVar[int]
    Q_FIELD_NUMBER: _ClassVar[int]
    A_FIELD_NUMBER: _ClassVar[int]
    B_FIELD_NUMBER: _ClassVar[int]
    T_FIELD_NUMBER: _ClassVar[int]
    SIGMA_FIELD_NUMBER: _ClassVar[int]
    Z1_FIELD_NUMBER: _ClassVar[int]
    Z2_FIELD_NUMBER: _ClassVar[int]
    W1_FIELD_NUMBER: _ClassVar[int]
    W2_FIELD_NUMBER: _ClassVar[int]
    V_FIELD_NUMBER: _ClassVar[int]
    P: bytes
    Q: bytes
    A: bytes
    B: bytes
    T: bytes
    sigma: bytes
    z1: bytes
    z2: bytes
    w1: bytes
    w2: bytes
    v: bytes
    def __init__(self, P: _Optional[bytes] = ..., Q: _Optional[bytes] = ..., A: _Optional[bytes] = ..., B: _Optional[bytes] = ..., T: _Optional[bytes] = ..., sigma: _Optional[bytes] = ..., z1: _Optional[bytes] = ..., z2: _Optional[bytes] = ..., w1: _Optional[bytes] = ..., w2: _Optional[bytes] = ..., v: _Optional[bytes] = ...) -> None: ...

class PiEnc(_message.Message):
    __slots__ = ("S", "A", "C", "z1", "z2", "z3")
    S_FIELD_NUMBER: _ClassVar[int]
    A_FIELD_NUMBER: _ClassVar[int]
    C_FIELD_NUMBER: _ClassVar[int]
    Z1_FIELD_NUMBER: _ClassVar[int]
    Z2_FIELD_NUMBER: _ClassVar[int]
    Z3_FIELD_NUMBER: _ClassVar[int]
    S: bytes
    A: bytes
    C: bytes
    z1: bytes
    z2: bytes
    z3: bytes
    def __init__(self, S: _Optional[bytes] = ..., A: _Optional[bytes] = ..., C: _Optional[bytes] = ..., z1: _Optional[bytes] = ..., z2: _Optional[bytes] = ..., z3: _Optional[bytes] = ...) -> None: ...

class PiLogStar(_message.Message):
    __slots__ = ("S", "A", "Y", "D", "z1", "z2", "z3")
    S_FIELD_NUMBER: _ClassVar[int]
    A_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    D_FIELD_NUMBER: _ClassVar[int]
    Z1_FIELD_NUMBER: _ClassVar[int]
    Z2_FIELD_NUMBER: _ClassVar[int]
    Z3_FIELD_NUMBER: _ClassVar[int]
    S: bytes
    A: bytes
    Y: bytes
    D: bytes
    z1: bytes
    z2: bytes
    z3: bytes
    def __init__(self, S: _Optional[bytes] = ..., A: _Optional[bytes] = ..., Y: _Optional[bytes] = ..., D: _Optional[bytes] = ..., z1: _Optional[bytes] = ..., z2: _Optional[bytes] = ..., z3: _Optional[bytes] = ...) -> None: ...

class PiAffG(_message.Message):
    __slots__ = ("A", "Bx", "By", "E", "S", "F", "T", "z1", "z2", "z3", "z4", "w", "wy")
    A_FIELD_NUMBER: _ClassVar[int]
    BX_FIELD_NUMBER: _ClassVar[int]
    BY_FIELD_NUMBER: _ClassVar[int]
    E_FIELD_NUMBER: _ClassVar[int]
    S_FIELD_NUMBER: _ClassVar[int]
    F_FIELD_NUMBER: _ClassVar[int]
    T_FIELD_NUMBER: _ClassVar[int]
    Z1_FIELD_NUMBER: _ClassVar[int]
    Z2_FIELD_NUMBER: _ClassVar[int]
    Z3_FIELD_NUMBER: _ClassVar[int]
    Z4_FIELD_NUMBER: _ClassVar[int]
    W_FIELD_NUMBER: _ClassVar[int]
    WY_FIELD_NUMBER: _ClassVar[int]
    A: bytes
    Bx: bytes
    By: bytes
    E: bytes
    S: bytes
    F: bytes
    T: bytes
    z1: bytes
    z2: bytes
    z3: bytes
    z4: bytes
    w: bytes
    wy: bytes
    def __init__(self, A: _Optional[bytes] = ..., Bx: _Optional[bytes] = ..., By: _Optional[bytes] = ..., E: _Optional[bytes] = ..., S: _Optional[bytes] = ..., F: _Optional[bytes] = ..., T: _Optional[bytes] = ..., z1: _Optional[bytes] = ..., z2: _Optional[bytes] = ..., z3: _Optional[bytes] = ..., z4: _Optional[bytes] = ..., w: _Optional[bytes] = ..., wy: _Optional[bytes] = ...) -> None: ...

class PiMul(_message.Message):
    __slots__ = ("A", "B", "z", "u", "v")
    A_FIELD_NUMBER: _ClassVar[int]
    B_FIELD_NUMBER: _ClassVar[int]
    Z_FIELD_NUMBER: _ClassVar[int]
    U_FIELD_NUMBER: _ClassVar[int]
    V_FIELD_NUMBER: _ClassVar[int]
    A: bytes
    B: bytes
    z: bytes
    u: bytes
    v: bytes
    def __init__(self, A: _Optional[bytes] = ..., B: _Optional[bytes] = ..., z: _Optional[bytes] = ..., u: _Optional[bytes] = ..., v: _Optional[bytes] = ...) -> None: ...

class PiMulStar(_message.Message):
    __slots__ = ("A", "Bx", "E", "S", "z1", "z2", "w")
    A_FIELD_NUMBER: _ClassVar[int]
    BX_FIELD_NUMBER: _ClassVar[int]
    E_FIELD_NUMBER: _ClassVar[int]
    S_FIELD_NUMBER: _ClassVar[int]
    Z1_FIELD_NUMBER: _ClassVar[int]
    Z2_FIELD_NUMBER: _ClassVar[int]
    W_FIELD_NUMBER: _ClassVar[int]
    A: bytes
    Bx: bytes
    E: bytes
    S: bytes
    z1: bytes
    z2: bytes
    w: bytes
    def __init__(self, A: _Optional[bytes] = ..., Bx: _Optional[bytes] = ..., E: _Optional[bytes] = ..., S: _Optional[bytes] = ..., z1: _Optional[bytes] = ..., z2: _Optional[bytes] = ..., w: _Optional[bytes] = ...) -> None: ...

class PiDec(_message.Message):
    __slots__ = ("S", "T", "A", "gamma", "z1", "z2", "w")
    S_FIELD_NUMBER: _ClassVar[int]
    T_FIELD_NUMBER: _ClassVar[int]
    A_FIELD_NUMBER: _ClassVar[int]
    GAMMA_FIELD_NUMBER: _ClassVar[int]
    Z1_FIELD_NUMBER: _ClassVar[int]
    Z2_FIELD_NUMBER: _ClassVar[int]
    W_FIELD_NUMBER: _ClassVar[int]
    S: bytes
    T: bytes
    A: bytes
    gamma: bytes
    z1: bytes
    z2: bytes
    w: bytes
    def __init__(self, S: _Optional[bytes] = ..., T: _Optional[bytes] = ..., A: _Optional[bytes] = ..., gamma: _Optional[bytes] = ..., z1: _Optional[bytes] = ..., z2: _Optional[bytes] = ..., w: _Optional[bytes] = ...) -> None: ...
