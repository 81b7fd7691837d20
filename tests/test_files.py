"""Result files are written whole or not at all, with ordinary permissions."""

from __future__ import annotations

import os
import stat

import pytest

from simulation.files import atomic_path, write_bytes, write_text


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_a_written_file_gets_the_permissions_of_an_ordinary_new_file(tmp_path, umask):
    old = os.umask(umask)
    try:
        write_text(tmp_path / "a.csv", "x,y\n1,2\n")
        write_bytes(tmp_path / "b.png", b"\x89PNG")
        with open(tmp_path / "plain", "w"):
            pass
    finally:
        os.umask(old)
    plain = stat.S_IMODE((tmp_path / "plain").stat().st_mode)
    assert plain == 0o666 & ~umask
    for name in ("a.csv", "b.png"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == plain


def test_an_error_leaves_the_old_file_and_no_temporary_file(tmp_path):
    target = tmp_path / "summary.json"
    write_text(target, "old\n", sync=True)
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half of the new")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.json"]


def test_text_is_written_exactly(tmp_path):
    text = "a\r\nb\nc"  # newlines as given, no translation
    write_text(tmp_path / "t.csv", text)
    assert (tmp_path / "t.csv").read_bytes() == text.encode()
