"""Four short articles indexed with the bag-of-words FakeEncoder: fast tests of the assistant and the web UI."""

from __future__ import annotations

from pathlib import Path

from index import Store, build_index
from index.article import Article
from qa.retriever import Retriever
from tests.conftest import FakeEncoder

DENIAL = "La Corée du Nord a démenti à son tour les livraisons d'armes, qu'elle juge inventées."
KREMLIN = "Le Kremlin a démenti ces livraisons vendredi, estimant que Washington n'avait aucune preuve."
HEAT = "Les températures dépassent quarante degrés dans la vallée du Rhône."
ARTICLES = (
    Article(
        doc_id="livraisons", title="Des armes pour la Russie", source="AFP", date="2023-10-14",
        text="Washington affirme que la Corée du Nord a livré plus de mille conteneurs d'armes à la Russie.\n\n"
        f"{KREMLIN}\n\nLes conteneurs seraient arrivés par train dans le sud du pays.",
    ),
    Article(
        doc_id="pyongyang", title="Pyongyang répond",
        text=f"{DENIAL}\n\nLe régime accuse les États-Unis de mentir pour justifier des sanctions.",
    ),
    Article(doc_id="reprise", title="Revue de presse", text=f"Une dépêche reprise ce matin.\n\n{DENIAL}"),
    Article(doc_id="canicule", title="La canicule en France",
            text=f"Une vague de chaleur frappe la France cette semaine.\n\n{HEAT}"),
)
WHO_DENIED = "Qui a démenti les livraisons ?"


def article_text(doc_id: str) -> str:
    return next(a.text for a in ARTICLES if a.doc_id == doc_id)


def fake_retriever(index_dir: Path) -> Retriever:
    """A retriever over :data:`ARTICLES`, indexed into ``index_dir`` with a :class:`FakeEncoder`."""
    encoder = FakeEncoder()
    build_index(list(ARTICLES), index_dir, encoder=encoder, progress=False)
    return Retriever(Store.load(index_dir), encoder)
