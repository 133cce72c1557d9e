"""CGGMP21 parameters for secp256k1 (ePrint 2021/060, section 6 "parameters").

These are constants, not settings: there is deliberately no knob that lowers them.
"""

from .curve import q

ELL = 256  # l   = |q|: range of secret scalars (k, gamma, x) in the range proofs
ELL_PRIME = 5 * ELL  # l'  = 1280: range of the MtA masks beta
EPS = 2 * ELL  # eps = 512: slack of the range proofs
STAT = 80  # m: repetitions of the binary-challenge proofs (Pi-mod, Pi-prm), error 2^-80

assert q.bit_length() == ELL
