"""The IPIP-FFM download code, run on a local archive (no internet in tests)."""

import zipfile

import pytest

from populace.errors import PopulaceError
from populace.reference import download_ipip_ffm, load_reference
from tests.conftest import shared


def _archive(tmp_path):
    sample = shared("openpsychometrics", "IPIP-FFM-sample", "data-final-sample.csv")
    src = tmp_path / "src" / "IPIP-FFM-data-8Nov2018.zip"
    src.parent.mkdir()
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(sample, "IPIP-FFM-data-8Nov2018/data-final.csv")
    return src


def test_download_extract_and_load(tmp_path):
    src = _archive(tmp_path)
    out = download_ipip_ffm(tmp_path / "dest", src.as_uri(), progress=False)
    assert out.name == "data-final.csv"
    assert not list((tmp_path / "dest").glob("*.part"))
    t = load_reference(out, "ipip50")
    assert t.log["layout"] == "IPIP-FFM" and len(t) == 857
    # second call reuses the file and does not fetch
    src.unlink()
    assert download_ipip_ffm(tmp_path / "dest", src.as_uri(), progress=False) == out


def test_unreachable_url_is_clear(tmp_path):
    with pytest.raises(PopulaceError, match="could not download"):
        download_ipip_ffm(tmp_path, (tmp_path / "missing.zip").as_uri(), progress=False)
    assert not list(tmp_path.glob("*.part"))


def test_not_a_zip_is_clear(tmp_path):
    bad = tmp_path / "src.zip"
    bad.write_text("<html>oops</html>")
    with pytest.raises(PopulaceError, match="did not give a zip"):
        download_ipip_ffm(tmp_path / "d", bad.as_uri(), progress=False)
