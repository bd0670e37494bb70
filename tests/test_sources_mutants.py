"""Tests written to kill surviving mutants of analysis/sources.py (bench/mutation.py).

The download timeout, where `fetch_file`/`fetch_all` put files (never the mirror's paths), a
duplicated source id, the mirror resolution order, the verification cache and `verify_raw`'s
errors. Expected values are computed independently (hashlib on the bytes, the paths built by
hand, a real local HTTP server).
"""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import threading
import time

import pytest
import yaml

from analysis import ROOT
from analysis import sources as src
from analysis.errors import DataError
from analysis.sources import SourceFile, fetch_all, fetch_file, load_registry, resolve_mirror, verify_raw

PAYLOAD = b"gwcode,year\n2,2000\n20,2000\n"


def _sf(url=None, payload=PAYLOAD, name="t.csv", source="test-src") -> SourceFile:
    return SourceFile(source, name, len(payload), hashlib.sha256(payload).hexdigest(), url)


class _Slow(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        if self.path == "/slow.csv":
            time.sleep(3)  # longer than the test's timeout
        try:
            self.send_response(200)
            self.send_header("Content-Length", str(len(PAYLOAD)))
            self.end_headers()
            self.wfile.write(PAYLOAD)
        except OSError:  # the client gave up (the timeout test)
            pass

    def log_message(self, *a):
        pass


@pytest.fixture(scope="module")
def slow_server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    httpd.daemon_threads = True
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_the_download_timeout_is_applied(slow_server, tmp_path):
    with pytest.raises(DataError) as ei:
        fetch_file(_sf(f"{slow_server}/slow.csv"), tmp_path / "raw", None, timeout=0.3, log=lambda m: None)
    msg = str(ei.value)
    assert f"url {slow_server}/slow.csv: TimeoutError: timed out" in msg
    assert not any(p.is_file() for p in (tmp_path / "raw").rglob("*"))
    # the same server answers a fast route within the timeout, and the log says where the file came from
    logs = []
    p = fetch_file(_sf(f"{slow_server}/fast.csv"), tmp_path / "raw", None, timeout=5, log=logs.append)
    assert p.read_bytes() == PAYLOAD and logs == [f"[fetch] test-src/t.csv: downloaded from {slow_server}/fast.csv"]


def test_the_default_timeout_is_finite():
    import inspect

    assert inspect.signature(fetch_file).parameters["timeout"].default == 60.0


def test_fetch_all_returns_the_raw_paths_not_the_mirror(tmp_path):
    mirror, raw = tmp_path / "mirror", tmp_path / "raw"
    files = [_sf(name="a.csv"), _sf(payload=b"x\n1\n", name="b.csv", source="other-src")]
    for f, payload in zip(files, (PAYLOAD, b"x\n1\n")):
        (mirror / f.source).mkdir(parents=True, exist_ok=True)
        (mirror / f.source / f.name).write_bytes(payload)
    logs = []
    got = fetch_all(files, raw, mirror, log=logs.append)
    assert got == [raw / "test-src" / "a.csv", raw / "other-src" / "b.csv"]
    assert [p.read_bytes() for p in got] == [PAYLOAD, b"x\n1\n"]
    assert logs == [
        f"[fetch] test-src/a.csv: copied from mirror {mirror / 'test-src' / 'a.csv'}",
        f"[fetch] other-src/b.csv: copied from mirror {mirror / 'other-src' / 'b.csv'}",
    ]
    # second time: present and verified, the mirror is not needed
    logs.clear()
    assert fetch_all(files, raw, None, log=logs.append) == got
    assert logs == ["[fetch] test-src/a.csv: present and verified", "[fetch] other-src/b.csv: present and verified"]


def test_downloads_disabled_and_no_mirror_configured(tmp_path):
    with pytest.raises(DataError) as ei:
        fetch_file(_sf("http://127.0.0.1:9/x.csv"), tmp_path, None, allow_download=False, log=lambda m: None)
    msg = str(ei.value)
    assert "mirror: none configured (set R2P_DATA_MIRROR or the config key 'mirror')" in msg
    assert "url http://127.0.0.1:9/x.csv: downloads disabled" in msg


def test_a_duplicated_source_id_is_rejected(tmp_path):
    data = yaml.safe_load((ROOT / "config" / "sources.yaml").read_text())
    data["sources"].append(dict(data["sources"][0]))
    p = tmp_path / "sources.yaml"
    p.write_text(yaml.safe_dump(data))
    with pytest.raises(DataError) as ei:
        load_registry(p)
    assert f"duplicate source id {data['sources'][0]['id']!r}" in str(ei.value) and str(p) in str(ei.value)


def test_registry_fields_are_read_as_written():
    registry = load_registry()  # not the session fixture: mutmut links a test to the code it calls itself
    raw = yaml.safe_load((ROOT / "config" / "sources.yaml").read_text())["sources"]
    assert list(registry) == [s["id"] for s in raw]
    for s in raw:
        r = registry[s["id"]]
        assert (r.title, r.version, r.unit, r.page, r.citation, r.terms, r.note) == (
            s["title"],
            str(s["version"]),
            s["unit"],
            s["page"],
            s["citation"],
            s["terms"],
            s.get("note"),
        )
        cov = s["coverage"]
        assert (r.coverage.first, r.coverage.last, r.coverage.last_date) == (
            cov["first"],
            cov["last"],
            cov.get("last_date"),
        )
        assert r.years == f"{cov['first']}-{cov['last']}"
        assert {t: c.span for t, c in r.table_coverage.items()} == {
            t: (c["first"], c["last"]) for t, c in (cov.get("tables") or {}).items()
        }
        assert [(f.source, f.name, f.bytes, f.sha256, f.url, f.origin) for f in r.files] == [
            (s["id"], f["name"], int(f["bytes"]), f["sha256"].lower(), f.get("url"), f.get("origin", {}))
            for f in s["files"]
        ]
        assert r.file(s["files"][0]["name"]).relpath == f"{s['id']}/{s['files'][0]['name']}"
    s0 = registry[raw[0]["id"]]
    with pytest.raises(KeyError, match="has no file 'nope'"):
        s0.file("nope")
    assert len(src.all_files(registry)) == sum(len(s["files"]) for s in raw)


def test_registry_not_found_and_bad_yaml(tmp_path):
    with pytest.raises(DataError, match="source registry not found"):
        load_registry(tmp_path / "none.yaml")
    p = tmp_path / "bad.yaml"
    p.write_text("sources:\n  - id: a\n    title: [unclosed\n")
    with pytest.raises(DataError) as ei:
        load_registry(p)
    assert "not valid YAML (line " in str(ei.value) and "row " in str(ei.value)


def test_mirror_resolution_order(monkeypatch, tmp_path):
    monkeypatch.setenv("R2P_DATA_MIRROR", str(tmp_path / "env"))
    assert resolve_mirror("cfg") == tmp_path / "env"
    monkeypatch.delenv("R2P_DATA_MIRROR")
    assert resolve_mirror("cfg/mirror") == ROOT / "cfg" / "mirror"
    assert resolve_mirror(str(tmp_path / "abs")) == tmp_path / "abs"
    monkeypatch.setattr(src, "DEFAULT_MIRROR", tmp_path / "default")
    assert resolve_mirror() is None
    (tmp_path / "default").mkdir()
    assert resolve_mirror() == tmp_path / "default"
    monkeypatch.setenv("R2P_DATA_MIRROR", "")
    assert resolve_mirror(None) == tmp_path / "default"


def test_verifier_caches_by_signature_and_rehashes_a_changed_file(tmp_path):
    (tmp_path / "test-src").mkdir()
    p = tmp_path / "test-src" / "t.csv"
    p.write_bytes(PAYLOAD)
    f = _sf()
    v = src.Verifier(tmp_path)
    assert v.check(f) is None
    v.save()
    cache = json.loads((tmp_path / src.CACHE_NAME).read_text())
    st = p.stat()
    assert cache == {"test-src/t.csv": [st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns, f.sha256]}
    # a cached signature is trusted without hashing: a forged digest in the cache is returned as is
    cache["test-src/t.csv"][4] = "0" * 64
    (tmp_path / src.CACHE_NAME).write_text(json.dumps(cache))
    assert src.Verifier(tmp_path).sha256("test-src/t.csv") == "0" * 64
    # same size, other bytes: the signature changes, so it is hashed again
    p.write_bytes(PAYLOAD.replace(b"20", b"21"))
    v2 = src.Verifier(tmp_path)
    why = v2.check(f)
    assert why == f"sha256 {hashlib.sha256(PAYLOAD.replace(b'20', b'21')).hexdigest()}, expected {f.sha256}"
    p.write_bytes(b"short")
    assert src.Verifier(tmp_path).check(f) == f"size 5 bytes, expected {len(PAYLOAD)}"
    p.unlink()
    assert src.Verifier(tmp_path).check(f) == "missing"
    # an unreadable or non-dict cache means hashing
    (tmp_path / src.CACHE_NAME).write_text("[1, 2]")
    assert src.Verifier(tmp_path).cache == {}
    (tmp_path / src.CACHE_NAME).write_text("{not json")
    assert src.Verifier(tmp_path).cache == {}


def test_verifier_saves_only_when_it_hashed(tmp_path):
    (tmp_path / "test-src").mkdir()
    (tmp_path / "test-src" / "t.csv").write_bytes(PAYLOAD)
    v = src.Verifier(tmp_path)
    v.save()
    assert not (tmp_path / src.CACHE_NAME).exists()  # nothing hashed, nothing written
    v.sha256("test-src/t.csv")
    v.save()
    assert (tmp_path / src.CACHE_NAME).exists()


def test_verifier_unreadable_file(tmp_path, monkeypatch):
    (tmp_path / "test-src").mkdir()
    (tmp_path / "test-src" / "t.csv").write_bytes(PAYLOAD)
    v = src.Verifier(tmp_path)

    def denied(relpath):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(v, "sha256", denied)
    assert v.check(_sf()) == "cannot read: Permission denied"


def test_verify_raw_errors_name_source_and_file(tmp_path):
    f = _sf()
    reg = {"test-src": src.Source("test-src", "T", "1", "2000", "row", "p", "c", "t", (f,))}
    with pytest.raises(DataError) as ei:
        verify_raw(["test-src/t.csv"], tmp_path, reg)
    assert (
        "raw file missing from" in str(ei.value)
        and "source test-src" in str(ei.value)
        and "file t.csv" in str(ei.value)
    )
    with pytest.raises(DataError, match="file not in the source registry"):
        verify_raw(["test-src/other.csv"], tmp_path, reg)
    with pytest.raises(DataError, match="file not in the source registry"):
        verify_raw(["nosrc/t.csv"], tmp_path, reg)
    (tmp_path / "test-src").mkdir()
    (tmp_path / "test-src" / "t.csv").write_bytes(PAYLOAD.replace(b"20", b"21"))
    with pytest.raises(DataError) as ei:
        verify_raw(["test-src/t.csv"], tmp_path, reg)
    assert "is not the registered version: sha256" in str(ei.value) and "delete it and rerun" in str(ei.value)
    (tmp_path / "test-src" / "t.csv").write_bytes(PAYLOAD)
    assert verify_raw(["test-src/t.csv"], tmp_path, reg) == {"test-src/t.csv": hashlib.sha256(PAYLOAD).hexdigest()}
    assert (tmp_path / src.CACHE_NAME).exists()


def test_a_refused_mirror_copy_leaves_the_old_file_removed(tmp_path):
    mirror, raw = tmp_path / "mirror", tmp_path / "raw"
    (mirror / "test-src").mkdir(parents=True)
    (mirror / "test-src" / "t.csv").write_bytes(b"short")
    with pytest.raises(DataError) as ei:
        fetch_file(_sf(), raw, mirror, log=lambda m: None)
    assert f"mirror {mirror / 'test-src' / 't.csv'}: size 5 bytes, expected {len(PAYLOAD)}" in str(ei.value)
    assert not any(p.is_file() for p in raw.rglob("*"))


def test_verify_helper_reports_size_then_digest(tmp_path):
    p = tmp_path / "x"
    p.write_bytes(PAYLOAD)
    assert src._verify(p, _sf()) is None
    p.write_bytes(PAYLOAD[:-1] + b"X")
    assert src._verify(p, _sf()) == f"sha256 {hashlib.sha256(PAYLOAD[:-1] + b'X').hexdigest()}, expected {_sf().sha256}"


def test_verify_raw_names_the_source_in_every_error(tmp_path):
    f = _sf()
    reg = {"test-src": src.Source("test-src", "T", "1", "2000", "row", "p", "c", "t", (f,))}
    with pytest.raises(DataError) as ei:
        verify_raw(["test-src/other.csv"], tmp_path, reg)
    assert "source test-src" in str(ei.value) and "file other.csv" in str(ei.value)
    assert ei.value.message == "file not in the source registry (config/sources.yaml)"
    # the source is the part before the first slash
    with pytest.raises(DataError) as ei:
        verify_raw(["test-src/sub/t.csv"], tmp_path, reg)
    assert "source test-src," in str(ei.value) and "file sub/t.csv" in str(ei.value)
    (tmp_path / "test-src").mkdir()
    (tmp_path / "test-src" / "t.csv").write_bytes(PAYLOAD.replace(b"20", b"21"))
    with pytest.raises(DataError) as ei:
        verify_raw(["test-src/t.csv"], tmp_path, reg)
    bad = hashlib.sha256(PAYLOAD.replace(b"20", b"21")).hexdigest()
    assert str(ei.value).endswith(
        f"raw file {tmp_path / 'test-src' / 't.csv'} is not the registered version: sha256 {bad}, expected {f.sha256}; "
        "delete it and rerun the workflow to fetch the registered file again"
    )
    assert "source test-src" in str(ei.value) and "file t.csv" in str(ei.value)
    (tmp_path / "test-src" / "t.csv").unlink()
    with pytest.raises(DataError) as ei:
        verify_raw(["test-src/t.csv"], tmp_path, reg)
    assert "source test-src" in str(ei.value) and "file t.csv" in str(ei.value)


def test_the_cache_file_is_sorted_and_written_once(tmp_path):
    (tmp_path / "test-src").mkdir()
    for name in ("b.csv", "a.csv"):
        (tmp_path / "test-src" / name).write_bytes(PAYLOAD)
    v = src.Verifier(tmp_path)
    v.sha256("test-src/b.csv")
    v.sha256("test-src/a.csv")
    v.save()
    text = (tmp_path / src.CACHE_NAME).read_text()
    assert text == json.dumps(json.loads(text), sort_keys=True) and text.index("a.csv") < text.index("b.csv")
    (tmp_path / src.CACHE_NAME).unlink()
    v.save()  # nothing new hashed since: not written again
    assert not (tmp_path / src.CACHE_NAME).exists()


def test_verify_raw_reads_the_project_registry_by_default(raw_root):
    reg = load_registry()
    f = reg["gw-states"].files[0]
    assert verify_raw([f.relpath], raw_root) == {f.relpath: f.sha256}


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self):  # noqa: N802
        _Recorder.seen.append(self.headers.get("User-Agent"))
        self.send_response(200)
        self.send_header("Content-Length", str(len(PAYLOAD)))
        self.end_headers()
        self.wfile.write(PAYLOAD)

    def log_message(self, *a):
        pass


def test_downloads_say_who_asks(tmp_path):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    try:
        _Recorder.seen = []
        fetch_file(_sf(f"http://127.0.0.1:{httpd.server_address[1]}/x.csv"), tmp_path, None, log=lambda m: None)
    finally:
        httpd.shutdown()
    assert _Recorder.seen == ["r2p-evidence"]


class _FakeResponse(io.BytesIO):
    def __init__(self, body: bytes, length: int):
        super().__init__(body)
        self.headers = {"Content-Length": str(length)}


def test_a_short_body_is_an_incomplete_read_and_the_default_timeout_is_60s(monkeypatch, tmp_path):
    seen = {}

    def fake_urlopen(req, timeout=None):
        seen["timeout"] = timeout
        return _FakeResponse(PAYLOAD[:10], len(PAYLOAD))

    monkeypatch.setattr(src.urllib.request, "urlopen", fake_urlopen)
    with pytest.raises(DataError) as ei:
        fetch_file(_sf("http://example.invalid/t.csv"), tmp_path, None, log=lambda m: None)
    assert seen["timeout"] == 60.0
    assert (
        f"url http://example.invalid/t.csv: IncompleteRead: IncompleteRead(0 bytes read, {len(PAYLOAD) - 10} more expected)"
        in str(ei.value)
    )


def test_network_errors_are_named_by_type_and_reason(tmp_path):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    with pytest.raises(DataError) as ei:
        fetch_file(_sf(f"http://127.0.0.1:{port}/t.csv"), tmp_path, None, timeout=5, log=lambda m: None)
    assert f"url http://127.0.0.1:{port}/t.csv: URLError: [Errno 111] Connection refused" in str(ei.value)


def test_the_full_message_when_nothing_is_found(tmp_path):
    with pytest.raises(DataError) as ei:
        fetch_file(_sf(None), tmp_path / "raw", None, log=lambda m: None)
    assert ei.value.message == (
        "no verified copy found; looked in:\n"
        "  - mirror: none configured (set R2P_DATA_MIRROR or the config key 'mirror')\n"
        "  - url: none registered for this file"
    )
    assert (ei.value.source, ei.value.file) == ("test-src", "t.csv")
    with pytest.raises(DataError) as ei:
        load_registry(tmp_path / "none.yaml")
    assert (ei.value.message, ei.value.file) == ("source registry not found", str(tmp_path / "none.yaml"))


def test_yaml_errors_give_line_column_and_row(tmp_path):
    p = tmp_path / "bad.yaml"
    text = "sources:\n  - id: a\n    title: [unclosed\n  - id: b\n"
    p.write_text(text)
    from analysis.io import yaml_loader

    try:
        yaml.load(text, Loader=yaml_loader())  # the loader the registry uses (libyaml's when present)
    except yaml.YAMLError as e:
        mark, problem = e.problem_mark, e.problem
    with pytest.raises(DataError) as ei:
        load_registry(p)
    assert (
        ei.value.message
        == f"source registry is not valid YAML (line {mark.line + 1}, column {mark.column + 1}): {problem}"
    )
    assert (ei.value.file, ei.value.row) == (str(p), mark.line + 1)


def test_a_yaml_error_without_a_mark(tmp_path, monkeypatch):
    p = tmp_path / "x.yaml"
    p.write_text("sources: []\n")

    def boom(*a, **k):
        raise yaml.YAMLError("cannot read this")

    monkeypatch.setattr(src.yaml, "load", boom)
    with pytest.raises(DataError) as ei:
        load_registry(p)
    assert ei.value.message == "source registry is not valid YAML: cannot read this"
    assert (ei.value.file, ei.value.row) == (str(p), None)


def test_schema_errors_are_listed_with_path_and_source(tmp_path):
    import jsonschema

    data = yaml.safe_load((ROOT / "config" / "sources.yaml").read_text())
    data["sources"][2]["files"][0]["sha256"] = "not-a-checksum"
    data["sources"][3]["files"][0]["sha256"] = "also-not-one"
    p = tmp_path / "sources.yaml"
    p.write_text(yaml.safe_dump(data))
    with pytest.raises(DataError) as ei:
        load_registry(p)
    schema = json.loads((ROOT / "config" / "schemas" / "sources.schema.json").read_text())
    e2, e3 = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.path))
    assert ei.value.message == (
        "source registry failed validation:\n"
        f"  sources/2/files/0/sha256 (source {data['sources'][2]['id']}): {e2.message}\n"
        f"  sources/3/files/0/sha256 (source {data['sources'][3]['id']}): {e3.message}"
    )
    assert ei.value.file == str(p)
    # an error outside any source: no source named
    p.write_text("other: 1\n")
    with pytest.raises(DataError) as ei:
        load_registry(p)
    assert ei.value.message.startswith("source registry failed validation:\n  : ")
    assert "(source" not in ei.value.message and "'sources' is a required property" in ei.value.message
