"""write_private: the one way secrets and settings files are created."""

import os
import stat

import pytest

from abci_mpc.store.files import write_private


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_private_whatever_the_umask(tmp_path):
    old = os.umask(0)
    try:
        write_private(tmp_path / "k", b"x" * 100_000)
    finally:
        os.umask(old)
    assert mode(tmp_path / "k") == 0o600
    assert (tmp_path / "k").read_bytes() == b"x" * 100_000


def test_refuses_an_existing_file_unless_overwrite(tmp_path):
    p = tmp_path / "k"
    write_private(p, b"first")
    with pytest.raises(FileExistsError):
        write_private(p, b"second")
    assert p.read_bytes() == b"first"
    os.chmod(p, 0o644)
    write_private(p, b"2nd", overwrite=True)
    assert p.read_bytes() == b"2nd" and mode(p) == 0o600


@pytest.mark.parametrize("overwrite", [False, True])
def test_never_writes_through_a_symlink(tmp_path, overwrite):
    target = tmp_path / "elsewhere"
    target.write_bytes(b"keep")
    link = tmp_path / "k"
    link.symlink_to(target)
    with pytest.raises(OSError):
        write_private(link, b"secret", overwrite=overwrite)
    assert target.read_bytes() == b"keep"
