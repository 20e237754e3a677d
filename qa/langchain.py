"""A LangChain retriever over our index (needs the optional extra: ``pip install 'qa-fr[langchain]'``).

>>> from qa.langchain import NewsRetriever
>>> retriever = NewsRetriever.load(".qa/index", k=4)
>>> docs = retriever.invoke("Qui a nié les livraisons ?")
>>> docs[0].metadata["doc_id"], docs[0].metadata["start"], docs[0].metadata["score"]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

try:
    from langchain_core.callbacks import CallbackManagerForRetrieverRun
    from langchain_core.documents import Document
    from langchain_core.retrievers import BaseRetriever
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "qa.langchain needs langchain-core: pip install 'qa-fr[langchain]' (or pip install langchain-core)"
    ) from exc
from pydantic import ConfigDict, Field

from qa.retriever import DEFAULT_K, Retriever


class NewsRetriever(BaseRetriever):
    """Returns our passages as LangChain ``Document`` objects with their citation metadata.

    Each document's metadata holds ``doc_id``, ``title``, ``date``, ``source``, ``url``,
    ``start``, ``end`` (character offsets into the article), ``score`` and ``rank``.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: Any = Field(description="a qa.Retriever")
    k: int = Field(default=DEFAULT_K, ge=1, le=100)

    @classmethod
    def load(
        cls, index_dir: str | Path | None = None, *, k: int = DEFAULT_K, model: str | None = None
    ) -> NewsRetriever:
        return cls(retriever=Retriever.load(index_dir, model=model), k=k)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [
            Document(
                page_content=p.text,
                metadata={
                    "doc_id": p.doc_id,
                    "title": p.title,
                    "date": p.date,
                    "source": p.source,
                    "url": p.url,
                    "start": p.start,
                    "end": p.end,
                    "score": p.score,
                    "rank": p.rank,
                },
            )
            for p in self.retriever.search(query, k=self.k)
        ]
