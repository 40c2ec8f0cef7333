"""Download the full IPIP-FFM file (about 1M respondents) for users with internet.

The Open-Source Psychometrics Project publishes it as a zip archive holding
``data-final.csv`` (tab-separated, the 110-column layout of
``IPIP-FFM-sample``). ``download_ipip_ffm`` streams the archive to
``DEST/IPIP-FFM-data-8Nov2018.zip`` (through a ``.part`` file, so an
interrupted download never looks complete), extracts ``data-final.csv`` and
returns its path; with the file already present it does nothing.
"""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from populace.errors import PopulaceError

IPIP_FFM_URL = "https://openpsychometrics.org/_rawdata/IPIP-FFM-data-8Nov2018.zip"
IPIP_FFM_MEMBER = "data-final.csv"


def _fetch(url: str, target: Path, progress: bool) -> None:
    part = target.with_name(target.name + ".part")
    try:
        with urllib.request.urlopen(url, timeout=60) as resp:
            total = int(resp.headers.get("Content-Length") or 0) or None
            with open(part, "wb") as out:
                if progress:
                    from rich.progress import Progress

                    with Progress() as bar:
                        task = bar.add_task(f"downloading {target.name}", total=total)
                        while chunk := resp.read(1 << 20):
                            out.write(chunk)
                            bar.update(task, advance=len(chunk))
                else:
                    shutil.copyfileobj(resp, out, 1 << 20)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        part.unlink(missing_ok=True)
        raise PopulaceError(f"could not download {url}: {exc}") from None
    part.replace(target)


def download_ipip_ffm(
    dest: str | Path, url: str = IPIP_FFM_URL, *, force: bool = False, progress: bool = True
) -> Path:
    """Fetch and unpack the IPIP-FFM data; returns the path of data-final.csv."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    out = dest / IPIP_FFM_MEMBER
    if out.exists() and not force:
        return out
    archive = dest / Path(url.split("?")[0]).name
    if force or not archive.exists():
        _fetch(url, archive, progress)
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [m for m in zf.namelist() if m.endswith(IPIP_FFM_MEMBER)]
            if not members:
                raise PopulaceError(f"{archive} holds no {IPIP_FFM_MEMBER}")
            tmp = out.with_name(out.name + ".part")
            with zf.open(members[0]) as src, open(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            tmp.replace(out)
    except zipfile.BadZipFile:
        archive.unlink(missing_ok=True)
        raise PopulaceError(f"{url} did not give a zip archive; removed the download") from None
    return out
