"""Acquisition: registry validation, mirror copies and downloads from a real local HTTP server."""

from __future__ import annotations

import hashlib
import http.server
import threading
from pathlib import Path

import pytest
import yaml

from analysis.cli import main as cli_main
from analysis.errors import DataError
from analysis.sources import SourceFile, fetch_file, load_registry, resolve_mirror

PAYLOAD = b"gwcode,year\n2,2000\n20,2000\n"


def _sf(url: str | None, payload: bytes = PAYLOAD, name: str = "t.csv") -> SourceFile:
    return SourceFile("test-src", name, len(payload), hashlib.sha256(payload).hexdigest(), url)


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, bytes, int | None]] = {}

    def do_GET(self):  # noqa: N802
        status, body, claimed = self.routes.get(self.path, (404, b"not found", None))
        self.send_response(status)
        self.send_header("Content-Length", str(claimed if claimed is not None else len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        if claimed is not None and claimed > len(body):
            self.close_connection = True

    def log_message(self, *a):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    _Handler.routes = {
        "/good.csv": (200, PAYLOAD, None),
        "/wrong.csv": (200, PAYLOAD.replace(b"20", b"21"), None),
        "/truncated.csv": (200, PAYLOAD[:10], len(PAYLOAD)),  # connection drops mid-body
        "/short.csv": (200, PAYLOAD[:10], None),  # complete response, but cut file
    }
    yield base
    httpd.shutdown()


def _no_partial(root: Path):
    leftovers = [p for p in root.rglob("*") if p.is_file()]
    assert leftovers == [], f"partial files left behind: {leftovers}"


def test_download_good_file(server, tmp_path):
    f = _sf(f"{server}/good.csv")
    p = fetch_file(f, tmp_path, mirror=None, log=lambda m: None)
    assert p.read_bytes() == PAYLOAD
    assert p == tmp_path / "test-src" / "t.csv"
    # second call: present and verified, no network needed
    f_offline = _sf(None)
    assert fetch_file(f_offline, tmp_path, mirror=None, log=lambda m: None).read_bytes() == PAYLOAD


@pytest.mark.parametrize(
    "route,needle",
    [
        ("/wrong.csv", "sha256"),
        ("/missing.csv", "HTTP 404"),
        ("/truncated.csv", "IncompleteRead"),
        ("/short.csv", "size 10 bytes, expected"),
    ],
)
def test_download_failures_leave_nothing(server, tmp_path, route, needle):
    f = _sf(f"{server}{route}")
    with pytest.raises(DataError) as ei:
        fetch_file(f, tmp_path, mirror=tmp_path / "no-mirror", log=lambda m: None)
    msg = str(ei.value)
    assert needle in msg
    assert "source test-src" in msg and "file t.csv" in msg
    assert "mirror" in msg and route in msg  # says where it looked and why
    _no_partial(tmp_path)


def test_mirror_checksum_mismatch_then_url(server, tmp_path):
    mirror = tmp_path / "mirror"
    (mirror / "test-src").mkdir(parents=True)
    (mirror / "test-src" / "t.csv").write_bytes(PAYLOAD.replace(b"2000", b"2001"))
    raw = tmp_path / "raw"
    # bad mirror copy, no URL: error names the mirror file and the checksum problem
    with pytest.raises(DataError, match=r"(?s)mirror .*t\.csv: sha256 [0-9a-f]{64}, expected"):
        fetch_file(_sf(None), raw, mirror, log=lambda m: None)
    _no_partial(raw)
    # bad mirror copy, good URL: falls through to the download
    assert fetch_file(_sf(f"{server}/good.csv"), raw, mirror, log=lambda m: None).read_bytes() == PAYLOAD


def test_missing_everywhere(tmp_path):
    with pytest.raises(DataError) as ei:
        fetch_file(_sf(None), tmp_path / "raw", tmp_path / "mirror", log=lambda m: None)
    msg = str(ei.value)
    assert "not found" in msg and "none registered" in msg


def test_corrupt_existing_file_is_replaced_or_removed(tmp_path):
    raw = tmp_path / "raw"
    (raw / "test-src").mkdir(parents=True)
    (raw / "test-src" / "t.csv").write_bytes(b"garbage\n")
    with pytest.raises(DataError, match="existing"):
        fetch_file(_sf(None), raw, None, log=lambda m: None)
    assert not (raw / "test-src" / "t.csv").exists()


def test_cli_exit_code_and_message(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("R2P_DATA_MIRROR", str(tmp_path / "empty-mirror"))
    rc = cli_main(["fetch", "gw-states", "gw_states.rda", "--raw", str(tmp_path / "raw"), "--no-download"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "source gw-states" in err and "file gw_states.rda" in err and "downloads disabled" in err
    _no_partial(tmp_path / "raw") if (tmp_path / "raw").exists() else None


def test_registry_covers_every_mirrored_file(registry):
    """Every file in the mirror's SHA256SUMS is registered with the same checksum, and nothing else."""
    mirror = resolve_mirror()
    sums = {}
    for line in (mirror / "SHA256SUMS").read_text().splitlines():
        h, p = line.split("  ", 1)
        sums[p] = h
    registered = {f"{s.id}/{f.name}": f.sha256 for s in registry.values() for f in s.files}
    assert registered == sums
    assert len(registry) == 23


def test_registry_schema_rejects_bad_entry(tmp_path):
    data = yaml.safe_load(Path("config/sources.yaml").read_text())
    data["sources"][2]["files"][0]["sha256"] = "not-a-checksum"
    del data["sources"][3]["citation"]
    p = tmp_path / "sources.yaml"
    p.write_text(yaml.safe_dump(data))
    with pytest.raises(DataError) as ei:
        load_registry(p)
    msg = str(ei.value)
    assert f"source {data['sources'][2]['id']}" in msg and "sha256" in msg
    assert f"source {data['sources'][3]['id']}" in msg and "citation" in msg


def test_every_citation_key_is_in_references(registry):
    bib = Path("reports/references.bib").read_text()
    for s in registry.values():
        assert f"{{{s.citation}," in bib, s.citation
