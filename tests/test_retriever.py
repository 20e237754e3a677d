"""Loading a retriever: the model must be the index's (that `import qa` stays light: test_light_imports.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from index.store import IndexLoadError
from index.writer import build_index
from qa.retriever import Retriever
from tests.conftest import CORPUS, ROOT


def test_index_built_with_another_model_is_refused(tmp_path, fake_encoder):
    build_index(CORPUS, tmp_path / "index", encoder=fake_encoder, progress=False)
    with pytest.raises(IndexLoadError, match="built with the model 'fake-bag-of-words'.*rebuild"):
        Retriever.load(tmp_path / "index", model="default")


@pytest.mark.slow
def test_retriever_works_from_a_plain_script_without_gradio(news_index):
    script = (
        "import sys\nfrom qa import Retriever\n"
        f"r = Retriever.load({str(news_index)!r})\n"
        "p = r.search('Qui a nié les livraisons ?', k=2)\n"
        "assert len(p) == 2 and p[0].text\n"
        "print('gradio' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


@pytest.mark.slow
def test_langchain_adapter_returns_documents_with_citation_metadata(assistant):
    from qa.langchain import NewsRetriever

    docs = NewsRetriever(retriever=assistant.retriever, k=3).invoke("Qui a nié les livraisons ?")
    assert len(docs) == 3
    store = assistant.retriever.store
    for doc in docs:
        meta = doc.metadata
        assert {"doc_id", "title", "start", "end", "score"} <= set(meta)
        assert store.article_by_id[meta["doc_id"]].text[meta["start"] : meta["end"]] == doc.page_content
