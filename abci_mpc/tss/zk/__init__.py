"""Non-interactive zero-knowledge proofs of CGGMP21 (ePrint 2021/060, section 6 and appendix).

Each module has a `Statement` (public inputs), a `Proof`, `prove(ctx, stmt, witness...)`
and `verify(ctx, stmt, proof) -> bool`. The ProofContext binds protocol, session, round,
prover and verifier into the challenge; there is no way to verify without one.
"""
