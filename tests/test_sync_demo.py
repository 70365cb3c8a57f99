"""The multi-node demo: a hub and two nodes on loopback, dossiers reaching the hub lookup."""

from __future__ import annotations

from motcua.core.sync.demo import run_demo


def test_the_demo_shows_dossiers_of_both_nodes_at_the_hub(tmp_path):
    lines: list[str] = []
    shown = run_demo(str(tmp_path), echo=lines.append)
    codes = shown["codes"]
    assert len(codes["bac"]) == 3 and len(codes["nam"]) == 2
    assert set(shown["found"]) == set(codes["bac"]) | set(codes["nam"])
    assert all(answer["code"] == code for code, answer in shown["found"].items())
    assert shown["transferred"] == [codes["bac"][0]]
    assert [line for line in lines if "reconcile" in line] == [
        "  reconcile bac: 1 unit-days compared, 0 differ",
        "  reconcile nam: 2 unit-days compared, 0 differ",
    ]
    for name in ("hub", "bac", "nam"):
        assert (tmp_path / name / "motcua.sqlite3").exists()
