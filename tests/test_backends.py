"""Encoder backends (torch, onnx, onnx-int8, onnx-mixed) and the FAISS index type chosen by corpus size."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from index import faiss_index
from index.errors import IndexLoadError
from index.manifest import Manifest, ModelEntry
from index.models.encoder import BACKENDS, DEFAULT_BACKEND, Encoder, encoder_for_model
from index.models.prepare import default_model_name
from index.store import Store
from index.writer import build_index
from tests.conftest import CORPUS, ROOT

TEXTS = ["Le président a parlé devant l’Assemblée.", "Kim Jong-un", "É" * 3, "  Élysée  ", "x " * 600]


# --------------------------------------------------------------------------- choosing a backend


def test_backends_are_named_and_validated(monkeypatch):
    monkeypatch.delenv("QA_BACKEND", raising=False)
    assert BACKENDS == ("torch", "onnx", "onnx-int8", "onnx-mixed")
    assert Encoder().backend == DEFAULT_BACKEND
    assert Encoder(backend="torch").backend == "torch"
    with pytest.raises(ValueError, match="'tensorrt'"):
        Encoder(backend="tensorrt")
    with pytest.raises(ValueError, match="CPU only.*'cuda'"):
        Encoder(backend="onnx", device="cuda")


def test_the_environment_chooses_the_backend_of_new_encoders(monkeypatch):
    monkeypatch.setenv("QA_BACKEND", "onnx")
    assert Encoder().backend == "onnx"
    monkeypatch.setenv("QA_BACKEND", "fast")
    with pytest.raises(ValueError, match="'fast'"):
        Encoder()


def test_queries_use_the_backend_the_index_was_built_with(monkeypatch):
    monkeypatch.setenv("QA_BACKEND", "onnx")  # the environment does not override the index
    recorded = ModelEntry(name=default_model_name(), spec="default", dimension=384, backend="onnx-int8",
                          query_backend="onnx")
    assert encoder_for_model(recorded).backend == "onnx"
    assert encoder_for_model(recorded, queries=False).backend == "onnx-int8"  # what `qa index add` embeds with
    assert encoder_for_model(recorded, backend="torch").backend == "torch"  # same model: allowed
    assert encoder_for_model(replace(recorded, query_backend=None)).backend == "onnx-int8"
    assert encoder_for_model(replace(recorded, backend=None, query_backend=None)).backend == "torch"  # no backend


@pytest.mark.slow
def test_an_int8_index_asks_its_queries_in_fp32():
    from index.writer import model_entry

    entry = model_entry(Encoder(backend="onnx-int8"))  # reads the model's prompts: prepares it
    assert entry.backend == "onnx-int8" and entry.query_backend == "onnx"
    assert model_entry(Encoder(backend="onnx-mixed")).query_backend == "onnx-mixed"
    assert model_entry(Encoder(backend="torch")).query_backend == "torch"


def test_another_model_is_refused_whatever_the_backend(tmp_path, fake_encoder):
    build_index(CORPUS, tmp_path / "index", encoder=fake_encoder, progress=False)
    recorded = Manifest.read(tmp_path / "index").model
    with pytest.raises(IndexLoadError, match="built with the model 'fake-bag-of-words'"):
        encoder_for_model(recorded, model="default", backend="onnx-int8")


# --------------------------------------------------------------------------- index type by size


def test_auto_picks_exact_search_for_small_corpora_and_an_inverted_file_above_the_threshold():
    assert faiss_index.choose_factory("auto", 10) == "Flat"
    assert faiss_index.choose_factory("auto", faiss_index.AUTO_THRESHOLD) == "Flat"
    assert faiss_index.choose_factory("auto", faiss_index.AUTO_THRESHOLD + 1) == "IVF1024,PQ192x4fs"
    assert faiss_index.choose_factory("IVF256,SQ8", 10) == "IVF256,SQ8"
    with pytest.raises(ValueError, match="''"):
        faiss_index.choose_factory("", 10)


def test_the_manifest_records_the_index_type_how_it_was_chosen_and_its_settings(tmp_path, fake_encoder):
    build_index(CORPUS, tmp_path / "small", encoder=fake_encoder, progress=False)
    entry = Manifest.read(tmp_path / "small").faiss
    assert entry.factory == "Flat" and entry.requested == "auto" and entry.params == {}
    assert entry.auto.threshold == faiss_index.AUTO_THRESHOLD
    build_index(CORPUS, tmp_path / "hnsw", encoder=fake_encoder, factory="HNSW32,SQ8", progress=False)
    entry = Manifest.read(tmp_path / "hnsw").faiss
    assert entry.factory == "HNSW32,SQ8" and entry.type == "IndexHNSWSQ"
    assert entry.params == {"M": 32, "efConstruction": faiss_index.HNSW_EF_CONSTRUCTION,
                               "efSearch": faiss_index.HNSW_EF_SEARCH}


def test_the_inverted_file_of_auto_has_about_four_square_roots_of_n_lists():
    assert faiss_index.approx_factory(100_000) == "IVF1024,PQ192x4fs"
    assert faiss_index.approx_factory(1_000_000) == "IVF4096,PQ192x4fs"
    assert faiss_index.approx_factory(100) == "IVF2,PQ192x4fs"  # at least 39 training vectors per list
    with pytest.raises(ValueError, match="-1"):
        faiss_index.approx_factory(-1)


def test_the_inverted_file_of_auto_codes_pairs_of_dimensions_in_four_bits():
    assert faiss_index.approx_factory(100_000, 64) == "IVF1024,PQ32x4fs"
    assert faiss_index.approx_factory(100_000, 385) == "IVF1024,SQfp16"  # odd: no pairs
    with pytest.raises(ValueError, match="dimension must be a positive integer, not 0"):
        faiss_index.approx_factory(100_000, 0)


@pytest.mark.slow  # trains product quantizers: seconds on two cores
def test_product_quantized_results_are_rescored_with_the_exact_vectors(tmp_path, fake_encoder):
    build_index(CORPUS, tmp_path / "pq", encoder=fake_encoder, factory="IVF2,PQ32x4fs", progress=False)
    build_index(CORPUS, tmp_path / "flat", encoder=fake_encoder, factory="Flat", progress=False)
    entry = Manifest.read(tmp_path / "pq").faiss
    assert entry.factory == "IVF2,PQ32x4fs" and entry.params == {"nlist": 2, "nprobe": 2}
    assert entry.rescoring.candidates_per_result == faiss_index.RERANK
    pq, flat = Store.load(tmp_path / "pq"), Store.load(tmp_path / "flat")
    assert pq.key_vectors is not None and isinstance(pq.key_vectors, np.memmap)
    queries = fake_encoder.encode_queries(["livraisons d'armes", "canicule et chaleur", "Kim Jong-un"])
    (pq_scores, pq_ids), (flat_scores, flat_ids) = pq.search(queries, 3), flat.search(queries, 3)
    # every chunk is a candidate here (3 × RERANK > 42 chunks): the exact results, from fp16 vectors
    assert [set(row) for row in pq_ids] == [set(row) for row in flat_ids]  # (ties may swap)
    top_scores, top_ids = pq.search(queries, 1)  # 20 candidates from FAISS, re-scored
    assert top_scores[:, 0] == pytest.approx(flat_scores[:, 0], abs=2e-3) and (top_ids >= 0).all()
    np.testing.assert_allclose(pq_scores, flat_scores, atol=2e-3)
    every = len(pq)  # all of them asked for: exact scores too, not the codes' estimates
    np.testing.assert_allclose(pq.search(queries, every)[0], flat.search(queries, every)[0], atol=2e-3)
    assert flat.key_vectors is None and Manifest.read(tmp_path / "flat").faiss.rescoring is None


def test_index_info_says_product_quantized_results_are_rescored(tmp_path, fake_encoder, capsys, monkeypatch):
    from ui.cli import main

    monkeypatch.setenv("COLUMNS", "400")  # one line per table row
    build_index(CORPUS, tmp_path / "pq", encoder=fake_encoder, factory="IVF2,PQ32x4fs", progress=False)
    assert main(["index", "info", "--index", str(tmp_path / "pq")]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "IVF2,PQ32x4fs" in out and f"{faiss_index.RERANK} candidats par résultat" in out


@pytest.mark.slow  # trains product quantizers: seconds on two cores
def test_an_index_of_product_quantized_codes_without_its_vectors_is_refused(tmp_path, fake_encoder):
    import json

    build_index(CORPUS, tmp_path / "pq", encoder=fake_encoder, factory="IVF2,PQ32x4fs", progress=False)
    manifest = json.loads((tmp_path / "pq" / "manifest.json").read_text())
    del manifest["files"]["chunk_vectors.npy"]
    (tmp_path / "pq" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexLoadError, match="disagree"):
        Store.load(tmp_path / "pq")


def test_the_candidates_rescored_are_a_multiple_of_k_up_to_a_cap():
    assert faiss_index.rerank_candidates(10) == 10 * faiss_index.RERANK
    assert faiss_index.rerank_candidates(50) == faiss_index.RERANK_MAX
    assert faiss_index.rerank_candidates(10 * faiss_index.RERANK_MAX) == 10 * faiss_index.RERANK_MAX


def test_rescoring_keeps_the_k_best_candidates_and_pads_missing_ones():
    key_vectors = np.eye(4, dtype=np.float16)
    query = np.array([[0.1, 0.9, 0.5, 0.0]], dtype=np.float32)
    scores, keys = faiss_index.rescore(query, np.array([[3, 0, 2, 1, -1]]), key_vectors, 2)
    assert keys.tolist() == [[1, 2]] and np.allclose(scores, [[0.9, 0.5]])
    scores, keys = faiss_index.rescore(query, np.array([[2, -1, -1]]), key_vectors, 2)
    assert keys.tolist() == [[2, -1]] and scores[0, 1] == -np.inf


def test_the_manifest_names_the_scalar_quantizer_of_an_inverted_file(tmp_path, fake_encoder):
    build_index(CORPUS, tmp_path / "ivf", encoder=fake_encoder, factory="IVF2,SQfp16", progress=False)
    entry = Manifest.read(tmp_path / "ivf").faiss
    assert entry.factory == "IVF2,SQfp16" and entry.params == {"nlist": 2, "nprobe": 2}


def test_the_vectors_of_an_inverted_file_can_be_read_back_by_id_after_removals():
    import faiss

    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((200, 8)).astype(np.float32)
    index = faiss_index.make_faiss_index(vectors, factory="IVF4,SQfp16")
    index.remove_ids(np.arange(0, 200, 2, dtype=np.int64))
    back = faiss_index.stored_vectors(index, np.array([1, 199, 51]))
    np.testing.assert_allclose(back, vectors[[1, 199, 51]], atol=1e-2)
    assert faiss_index.stored_vectors(index, np.array([], dtype=np.int64)).shape == (0, 8)
    assert isinstance(faiss.downcast_index(index), faiss.IndexIVF)


def test_search_settings_from_the_manifest_are_applied_on_loading(tmp_path, fake_encoder):
    import json

    import faiss

    build_index(CORPUS, tmp_path / "index", encoder=fake_encoder, factory="HNSW16", progress=False)
    manifest = json.loads((tmp_path / "index" / "manifest.json").read_text())
    manifest["faiss"]["params"]["efSearch"] = 17
    (tmp_path / "index" / "manifest.json").write_text(json.dumps(manifest))
    store = Store.load(tmp_path / "index")
    assert faiss.downcast_index(store.faiss_index).hnsw.efSearch == 17


@pytest.mark.parametrize("factory", ["Flat", "HNSW32,SQ8", "IVF4,SQ8"])
def test_memory_mapped_and_in_memory_loading_give_the_same_results(tmp_path, fake_encoder, factory):
    build_index(CORPUS, tmp_path / "index", encoder=fake_encoder, factory=factory, progress=False)
    mapped, loaded = Store.load(tmp_path / "index"), Store.load(tmp_path / "index", mmap=False)
    queries = fake_encoder.encode_queries(["livraisons d'armes", "canicule et chaleur"])
    for got, want in zip(mapped.search(queries, 5), loaded.search(queries, 5)):
        assert np.array_equal(got, want)


# --------------------------------------------------------------------------- the real model


@pytest.mark.slow
def test_onnx_gives_the_vectors_of_torch():
    torch_vectors = Encoder(backend="torch").encode_passages(TEXTS)
    onnx_vectors = Encoder(backend="onnx").encode_passages(TEXTS)
    assert np.allclose(onnx_vectors, torch_vectors, atol=1e-4)
    onnx_queries = Encoder(backend="onnx").encode_queries(["Qui a parlé ?"])
    assert np.allclose(onnx_queries, Encoder(backend="torch").encode_queries(["Qui a parlé ?"]), atol=1e-4)


@pytest.mark.slow
def test_the_int8_encoder_asks_questions_with_the_fp32_model():
    questions = ["Qui a nié les livraisons ?", "Combien d’obus l’armée russe tire-t-elle chaque jour ?"]
    int8 = Encoder(backend="onnx-int8").encode_queries(questions)
    np.testing.assert_allclose(int8, Encoder(backend="onnx").encode_queries(questions), atol=1e-6)


@pytest.mark.slow
def test_the_mixed_precision_model_keeps_the_output_products_in_fp32():
    import onnx

    from index.models.onnx_export import ensure_export

    path = Encoder(backend="onnx-mixed").path
    graph = onnx.load(str(ensure_export(path, precision="mixed")), load_external_data=False).graph
    ops = [node.op_type for node in graph.node]
    assert ops.count("QAttention") == 12  # the attention products run in int8…
    assert ops.count("MatMulInteger") == 12  # …and the feed-forward input ones
    assert ops.count("MatMul") == 24  # the attention and feed-forward outputs do not
    fp32 = Encoder(backend="onnx").encode_passages(TEXTS)
    cosines = (Encoder(backend="onnx-mixed").encode_passages(TEXTS) * fp32).sum(axis=1)
    int8_cosines = (Encoder(backend="onnx-int8").encode_passages(TEXTS) * fp32).sum(axis=1)
    assert cosines.min() > 0.98 and cosines.mean() > int8_cosines.mean()


@pytest.mark.slow
def test_an_int8_encoder_that_only_asks_questions_loads_only_the_fp32_model():
    encoder = Encoder(backend="onnx-int8")
    encoder.encode_queries(["Qui a nié les livraisons ?"])
    assert encoder._model is None and encoder._query_model is not None


@pytest.mark.slow
def test_int8_stays_close_to_torch_and_a_vector_does_not_depend_on_its_batch(encoder):
    int8 = Encoder(backend="onnx-int8")
    vectors = int8.encode_passages(TEXTS)
    cosines = (vectors * Encoder(backend="torch").encode_passages(TEXTS)).sum(axis=1)
    assert cosines.min() > 0.97 and cosines.mean() > 0.985
    many = int8.encode_passages(TEXTS * 5)  # 25 texts: the parallel path
    assert np.array_equal(many[:5], vectors) and np.array_equal(many[20:], vectors)
    alone = np.vstack([int8.encode_passages([t]) for t in TEXTS])
    assert np.array_equal(alone, vectors)


@pytest.mark.slow
def test_the_onnx_backend_runs_without_importing_torch():
    code = (
        "import sys\nfrom index.models.encoder import Encoder\n"
        "v = Encoder(backend='onnx-int8').encode_queries(['Qui a nié les livraisons ?'])\n"
        "print(v.shape, 'torch' in sys.modules, 'transformers' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["(1,", "384)", "False", "False"]


def test_the_cli_takes_a_backend_for_builds_and_rejects_others():
    from ui.cli import build_parser

    assert build_parser().parse_args(["index", "build", "--backend", "onnx"]).backend == "onnx"
    assert build_parser().parse_args(["index", "build"]).backend is None  # $QA_BACKEND or the default
    with pytest.raises(SystemExit):
        build_parser().parse_args(["index", "build", "--backend", "cuda"])
