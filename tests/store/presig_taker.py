"""Helper process for test_presig_kill.py: takes presignatures until killed.

usage: presig_taker.py STORE_DIR KEY_FILE KEY_ID KSID_HEX COUNT

Takes COUNT presignatures (0 = until none are left), printing each id in hex
right after ``take_presignature`` returns, which is the moment a signer would
release its partial signature. Then prints "idle" and waits to be SIGKILLed,
never closing the store.
"""

import sys
import time

from abci_mpc.store import KeyStore, StoreSecret


def main() -> None:
    path, key_file, key_id, ksid_hex, count = sys.argv[1:]
    store = KeyStore.open(path, StoreSecret.from_key_file(key_file))
    ksid = bytes.fromhex(ksid_hex)
    taken = 0
    while int(count) == 0 or taken < int(count):
        p = store.take_presignature(key_id, ksid)
        if p is None:
            break
        print(p.id.hex(), flush=True)
        taken += 1
    print("idle", flush=True)
    while True:
        time.sleep(60)


if __name__ == "__main__":
    main()
