"""`python -m bench` on a machine without wrk: the HTTP bench is skipped, saying how to install
it, and the others still run (issue #24)."""

import bench.__main__ as runner


def _run(monkeypatch, capsys, path) -> tuple[list[str], str]:
    monkeypatch.setenv("PATH", str(path))
    ran = []
    monkeypatch.setattr(runner, "run", lambda bench, database, results: ran.append(bench) or 1.0)
    runner.main(["--only", "quality_view", "http_throughput", "incident_list"])
    return ran, capsys.readouterr().out


def test_without_wrk_the_http_bench_is_skipped_with_how_to_install_it(monkeypatch, capsys, tmp_path):
    ran, out = _run(monkeypatch, capsys, tmp_path)

    assert ran == ["quality_view", "incident_list"]
    reason = (
        "http_throughput skipped: wrk is not installed (sudo apt-get install wrk, "
        "or `make bench` as root on Debian)."
    )
    # Said before the benches run and again under the table.
    assert out.count(reason) == 2
    assert out.rstrip().endswith(reason)


def test_with_wrk_on_the_path_every_bench_runs(monkeypatch, capsys, tmp_path):
    wrk = tmp_path / "wrk"
    wrk.write_text("#!/bin/sh\n")
    wrk.chmod(0o755)

    ran, out = _run(monkeypatch, capsys, tmp_path)

    assert ran == ["quality_view", "http_throughput", "incident_list"]
    assert "skipped" not in out
