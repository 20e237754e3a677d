"""Fusing dense and lexical rankings."""

from __future__ import annotations

import pytest

from qa.fusion import FusionSettings, fuse, ranks, rrf, weighted


def test_ranks_are_one_based_best_first_ties_by_id():
    assert ranks({5: 0.2, 3: 0.9, 4: 0.2}) == {3: 1, 4: 2, 5: 3}


def test_rrf_rewards_documents_found_by_both_lists():
    dense = {1: 0.9, 2: 0.8, 3: 0.7}
    lexical = {3: 12.0, 4: 9.0}
    fused = rrf((dense, 1.0), (lexical, 1.0), c=60)
    assert max(fused, key=fused.get) == 3
    assert fused[1] == pytest.approx(1 / 61)


def test_rrf_weight_zero_ignores_a_list():
    assert rrf(({1: 1.0}, 1.0), ({2: 5.0}, 0.0)) == {1: pytest.approx(1 / 61)}


def test_weighted_sum_scales_bm25_by_its_maximum():
    fused = weighted({1: 0.8, 2: 0.7}, {2: 10.0, 3: 5.0}, weight=0.5)
    assert fused[2] == pytest.approx(0.7 + 0.5)
    assert fused[3] == pytest.approx(0.7 + 0.25)  # missing from dense: dense's lowest score
    assert fused[1] == pytest.approx(0.8)


def test_fuse_follows_the_settings():
    dense, lexical = {1: 0.9, 2: 0.1}, {2: 3.0}
    assert fuse(dense, lexical, FusionSettings(method="weighted", lexical_weight=1.0))[2] == pytest.approx(1.1)
    assert set(fuse(dense, lexical, FusionSettings())) == {1, 2}


def test_bad_fusion_settings_are_named():
    with pytest.raises(ValueError, match="fusion method must be one of rrf, weighted, got 'max'"):
        FusionSettings(method="max")
    with pytest.raises(ValueError, match="lexical_weight must be >= 0"):
        FusionSettings(lexical_weight=-1)


def test_the_default_fusion_is_the_weighted_sum_measured_best():
    assert FusionSettings() == FusionSettings(method="weighted", lexical_weight=0.03)


def test_each_method_has_its_own_default_weight():
    assert FusionSettings(method="rrf").lexical_weight == 0.5
    assert FusionSettings(method="weighted", lexical_weight=0.2).lexical_weight == 0.2
