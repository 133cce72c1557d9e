"""Secret files: formats, permissions, and that secret material never shows."""

import os
import pickle
import stat

import pytest

from abci_mpc.store import SecretFileError, SecretKind, StoreSecret, generate_key_file


def write(path, data: bytes, mode: int = 0o600):
    path.write_bytes(data)
    os.chmod(path, mode)
    return path


def test_generate_key_file_is_private_hex_and_loads(tmp_path):
    path = tmp_path / "store.key"
    generate_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_bytes()
    assert len(text.strip()) == 64 and bytes.fromhex(text.strip().decode())
    secret = StoreSecret.from_key_file(path)
    assert secret.kind is SecretKind.KEY
    assert secret._material == bytes.fromhex(text.decode())


def test_generate_key_file_never_overwrites(tmp_path):
    path = tmp_path / "store.key"
    generate_key_file(path)
    before = path.read_bytes()
    with pytest.raises(SecretFileError, match="already exists"):
        generate_key_file(path)
    assert path.read_bytes() == before


def test_generate_key_file_ignores_permissive_umask(tmp_path):
    old = os.umask(0)
    try:
        generate_key_file(tmp_path / "k")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "k").stat().st_mode) == 0o600


def test_raw_32_byte_key_file(tmp_path):
    key = bytes(range(200, 232))
    assert StoreSecret.from_key_file(write(tmp_path / "k", key))._material == key


def test_hex_key_file_with_surrounding_whitespace(tmp_path):
    key = os.urandom(32)
    path = write(tmp_path / "k", b"  " + key.hex().upper().encode() + b"\r\n")
    assert StoreSecret.from_key_file(path)._material == key


@pytest.mark.parametrize(
    "content",
    [
        os.urandom(31),  # short raw
        os.urandom(33),  # long raw
        os.urandom(16).hex().encode(),  # 32 hex chars = a 16-byte key, not a raw 32-byte one
        os.urandom(31).hex().encode() + b"\n",  # short hex
        b"z" * 64,  # not hex
    ],
    ids=["short-raw", "long-raw", "16-byte-hex", "short-hex", "not-hex"],
)
def test_malformed_key_files_are_refused(tmp_path, content):
    with pytest.raises(SecretFileError, match="64 hex digits"):
        StoreSecret.from_key_file(write(tmp_path / "k", content))


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(SecretFileError, match="does not exist"):
        StoreSecret.from_key_file(tmp_path / "nope")
    with pytest.raises(SecretFileError, match="empty"):
        StoreSecret.from_key_file(write(tmp_path / "empty", b""))
    with pytest.raises(SecretFileError, match="not a regular file"):
        StoreSecret.from_passphrase_file(tmp_path)


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o620, 0o602, 0o644, 0o666])
def test_group_or_world_accessible_files_are_refused(tmp_path, mode):
    path = write(tmp_path / "k", os.urandom(32).hex().encode(), mode)
    with pytest.raises(SecretFileError, match="chmod 600"):
        StoreSecret.from_key_file(path)
    with pytest.raises(SecretFileError, match="chmod 600"):
        StoreSecret.from_passphrase_file(path)


def test_owner_only_read_is_enough(tmp_path):
    path = write(tmp_path / "k", os.urandom(32).hex().encode(), 0o400)
    assert StoreSecret.from_key_file(path).kind is SecretKind.KEY


def test_passphrase_file_strips_one_newline_only(tmp_path):
    s = StoreSecret.from_passphrase_file(write(tmp_path / "p", b"correct horse battery\n"))
    assert s.kind is SecretKind.PASSPHRASE and s._material == b"correct horse battery"
    s = StoreSecret.from_passphrase_file(write(tmp_path / "p2", b"correct horse battery \n\n"))
    assert s._material == b"correct horse battery \n"


def test_short_or_binary_passphrase_refused(tmp_path):
    with pytest.raises(SecretFileError, match="shorter than 12"):
        StoreSecret.from_passphrase_file(write(tmp_path / "p", b"hunter2\n"))
    with pytest.raises(SecretFileError, match="UTF-8"):
        StoreSecret.from_passphrase_file(write(tmp_path / "b", b"\xff\xfe" * 20))


def test_from_key_and_from_passphrase_validate():
    with pytest.raises(SecretFileError):
        StoreSecret.from_key(b"\x00" * 31)
    with pytest.raises(SecretFileError):
        StoreSecret.from_passphrase("short")


def test_secret_never_in_repr_str_or_errors(tmp_path):
    key = os.urandom(32)
    path = write(tmp_path / "k", key.hex().encode())
    secret = StoreSecret.from_key_file(path)
    for text in (repr(secret), str(secret), f"{secret}", repr([secret])):
        assert key.hex() not in text.lower() and "redacted" in text
        assert repr(key)[2:-1] not in text
    phrase = "a very secret passphrase"
    assert phrase not in repr(StoreSecret.from_passphrase(phrase))
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    # A malformed file's error names the file, not its contents.
    bad = write(tmp_path / "bad", b"SECRETSECRETSECRETSECRETSECRETSECRET!!")
    with pytest.raises(SecretFileError) as err:
        StoreSecret.from_key_file(bad)
    assert "SECRETSECRET" not in str(err.value)
