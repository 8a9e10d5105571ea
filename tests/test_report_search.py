"""REPORT.md's training-search section: every tried configuration, the choice, and a grid edge flagged."""


def test_the_search_section_lists_every_tried_configuration_and_flags_a_grid_edge(tmp_path):
    import json

    from fedad.report.search import search_section

    assert "*hypothesis*" in "\n".join(search_section(tmp_path, "quick"))
    tried = [{"optimizer": "sgd", "lr": lr, "best_val_loss": loss, "best_epoch": 9, "epochs_run": 19}
             for lr, loss in ((0.1, 0.02), (0.3, 0.01), (1.0, None))]
    choice = {"power_demand/lstm/centralised": {"tried": tried, "config": {"optimizer": "sgd", "lr": 0.3},
                                                "best_val_loss": 0.01, "best_epoch": 9}}
    (tmp_path / "train_search").mkdir()
    (tmp_path / "train_search" / "_choice_full.json").write_text(json.dumps(
        {"search": {"seed": 0, "grid": {"centralised": {"sgd": [0.1, 0.3, 1.0]}}, "budget": {"patience": 10}},
         "choice": choice}))
    text = "\n".join(search_section(tmp_path, "full"))
    assert "| sgd, η = 0.3 " in text and "sgd 1: diverged" in text and "|          1 |" in text
    choice["power_demand/lstm/centralised"]["config"]["lr"] = 0.1
    (tmp_path / "train_search" / "_choice_full.json").write_text(json.dumps(
        {"search": {"seed": 0, "grid": {}, "budget": {}}, "choice": choice}))
    assert "η = 0.1 (grid edge)" in "\n".join(search_section(tmp_path, "full"))
