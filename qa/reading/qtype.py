"""What type of answer a question expects, from its question word alone: rules on the string, no model.

qui → PERSON (a person or an organisation); où, dans quelle ville / quel pays / quel port → PLACE; quand,
quel jour, en quelle année, à quelle date → DATE; combien → NUMBER with the noun it counts (« combien de
missiles » → « missiles »), combien de temps / depuis combien → DURATION; quel + head noun → the head's
type by :data:`HEADS` (compagnie → ORG, ministre → PERSON, pays → PLACE, score → NUMBER, année → DATE),
else None: a description, like que, quoi, pourquoi, comment.

>>> w = wh_phrase("Combien de missiles la Corée du Nord a-t-elle tirés cette année ?")
>>> (w.wh, w.expected, w.unit, w.text)
('combien', 'NUMBER', 'missiles', 'Combien de missiles')
>>> wh_phrase("Dans quelle ville Kim Jong-un a-t-il reçu le ministre russe ?").expected
'PLACE'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.french import fold
from qa.reading.types import DATE, DURATION, MISC, NUMBER, ORG, PERSON, PLACE

_HEAD_WORDS = {
    PERSON: """dirigeant dirigeante ministre president presidente joueur joueuse auteur autrice ecrivain
        ecrivaine personne personnage roi reine empereur imperatrice pape artiste peintre compositeur
        chanteur chanteuse architecte entraineur chef fondateur fondatrice inventeur acteur actrice
        realisateur realisatrice philosophe savant scientifique poete general capitaine depute maire
        prince princesse duc duchesse comte comtesse pere mere fils fille frere soeur epoux epouse femme mari
        homme successeur predecesseur vainqueur gagnant gagnante champion championne leader souverain
        heritier heritiere candidat candidate ambassadeur diplomate commandant eveque saint sainte
        porte-parole dieu deesse divinite heros heroine musicien musicienne seigneur pilote athlete
        sportif sportive footballeur entraineuse secretaire chancelier premier-ministre journaliste""",
    ORG: """compagnie entreprise societe parti organisation club equipe groupe association institution
        federation syndicat banque marque journal chaine universite ecole gouvernement armee agence firme
        constructeur label ligue alliance coalition organisme mouvement ong fabricant editeur""",
    PLACE: """pays ville region port lieu endroit continent capitale commune departement province etat ile
        fleuve riviere lac mer ocean montagne quartier village territoire aeroport gare stade localite site
        zone quai cite royaume empire archipel peninsule desert vallee colline massif""",
    NUMBER: """score nombre montant age population pourcentage taux prix somme superficie taille distance
        altitude hauteur longueur largeur profondeur poids budget chiffre cout effectif capacite vitesse
        temperature quantite proportion salaire valeur total""",
    DATE: "annee date jour mois siecle epoque periode an heure decennie moment",
    DURATION: "duree",
    MISC: "nom surnom pseudonyme titre film livre album oeuvre ouvrage chanson",
}
# a « quel » question's head noun (folded, singular) → the type of its answer
HEADS: dict[str, str] = {word: kind for kind, words in _HEAD_WORDS.items() for word in words.split()}

_A = r"['’ʼ‘´`]"
_PREP = (
    r"(?:par|à|a|avec|de|d|pour|contre|chez|sur|dans|en|vers|depuis|pendant|durant|selon|sous|entre|jusqu|après|avant)"
)
_COPULA = r"(?:est|sont|était|etait|étaient|etaient|fut|furent|sera|seront|serait|seraient)"
_DET = rf"(?:(?:les|leurs|leur|le|la|son|sa|ses|cette|cet|ces|ce|une|un)\s+|l{_A}\s*)"
_MODIFIER = (
    r"(?:(?:autre|premi[eè]re?|principa(?:le|l|ux)|seule?|derni[eè]re?|nouve(?:au|lle)|ancienne?|grande?|"
    r"v[ée]ritable|vraie?|meilleure?|actuelle?|future?)s?|plus\s+\w+)\s+"
)
_WORD = r"[^\W\d_]+(?:-[^\W\d_]+)*"
_WH = re.compile(
    rf"(?<!\w)(?:(?P<prep>{_PREP})(?:\s+|{_A}\s*))?"
    rf"(?<![\w-])(?P<wh>qu{_A}est-ce|qui|quand|où|combien|quels|quelles|quelle|quel|lequel|laquelle|lesquels|lesquelles|"
    rf"pourquoi|comment|quoi|que|qu(?={_A}))\b",
    re.IGNORECASE,
)
_BARE_OU = re.compile(rf"^\s*(?:(?P<prep>d|par)(?:{_A}\s*|\s+))?(?P<wh>ou)\b", re.IGNORECASE)
_QUEL_HEAD = re.compile(
    rf"\s+(?:{_COPULA}\s+)?(?:{_DET})?(?:{_MODIFIER})?(?P<head>{_WORD})",
    re.IGNORECASE,
)
_COUNTED = re.compile(rf"\s+(?:de\s+|d{_A}\s*)(?P<unit>{_WORD})", re.IGNORECASE)
_LATE_UNIT = re.compile(  # « Combien y a-t-il d'équipes ? », « Combien la marine a-t-elle de porte-avions ? »
    rf"[^?]*?(?:-t-|-|\s)(?:il|elle|ils|elles|on)\s+(?:de\s+|d{_A}\s*)(?P<unit>{_WORD})", re.IGNORECASE
)
_DURATION_AFTER = re.compile(r"\s+(?:de\s+)?temps\b", re.IGNORECASE)
_DURATION_PREP = frozenset({"depuis", "pendant", "durant"})
_EST_CE = re.compile(rf"\s*est-ce\s+qu(?P<what>i|e|{_A})", re.IGNORECASE)

WH_WORDS = frozenset({"qui", "où", "quand", "combien", "quel", "que", "quoi", "pourquoi", "comment", "lequel"})


@dataclass(frozen=True)
class WhPhrase:
    """The question phrase: its question word (normalised: quel for quelle/quels, que for qu’), the type it
    expects, a « quel » head noun or a « combien de » noun as written, the preposition before it, and where it
    is in the question (``text == question[start:end]``)."""

    wh: str
    expected: str | None
    text: str
    start: int
    end: int
    preposition: str | None = None
    head: str | None = None
    unit: str | None = None
    subject_asked: bool | None = None  # « qui est-ce qui » True, « qui est-ce que » False, else unknown


def head_type(head: str) -> str | None:
    """The type a « quel » head noun asks for (:data:`HEADS`), plural or singular, with or without accents."""
    word = fold(head)
    if word in HEADS:
        return HEADS[word]
    if word.endswith(("s", "x")) and word[:-1] in HEADS:
        return HEADS[word[:-1]]
    if word.endswith("aux") and word[:-3] + "al" in HEADS:
        return HEADS[word[:-3] + "al"]
    return None


def _normal_wh(word: str) -> str:
    w = fold(word)
    if w.startswith("quel"):
        return "quel"
    if w.startswith(("lequel", "laquelle", "lesquel")):
        return "lequel"
    if w.startswith("qu") and w not in ("qui", "quand", "quoi"):
        return "que"
    return {"ou": "où"}.get(w, w)


def wh_phrase(question: str) -> WhPhrase | None:
    """The question phrase of ``question`` and the type it expects, or None when no question word is found."""
    if not isinstance(question, str):
        raise ValueError(f"a question is a string, not {type(question).__name__}")
    match = _WH.search(question) or _BARE_OU.search(question)
    if match is None:
        return None
    wh = _normal_wh(match.group("wh"))
    prep = fold(match.group("prep")) if match.group("prep") else None
    prep = {"a": "à", "d": "de"}.get(prep, prep) if prep else None
    start, end = match.start(), match.end()
    expected: str | None = None
    head = unit = None
    subject_asked = None
    if wh == "qui":
        expected = PERSON
        if est_ce := _EST_CE.match(question, end):
            subject_asked = est_ce.group("what").lower() == "i"
            end = est_ce.end()
    elif wh == "quand":
        expected = DATE
    elif wh == "où":
        expected = PLACE
    elif wh == "combien":
        if prep in _DURATION_PREP or _DURATION_AFTER.match(question, end):
            expected = DURATION
            end = m.end() if (m := _DURATION_AFTER.match(question, end)) else end
        else:
            expected = NUMBER
            if counted := _COUNTED.match(question, end):
                unit, end = counted.group("unit"), counted.end()
            elif late := _LATE_UNIT.match(question, end):
                unit = late.group("unit")
    elif wh == "quel" and (found := _QUEL_HEAD.match(question, end)):
        head = found.group("head")
        expected = head_type(head)
        end = found.end()
        if expected == NUMBER and prep in _DURATION_PREP:
            expected = DURATION
    return WhPhrase(
        wh=wh,
        expected=expected,
        text=question[start:end],
        start=start,
        end=end,
        preposition=prep,
        head=head,
        unit=unit,
        subject_asked=subject_asked,
    )


def expected_type(question: str) -> str | None:
    """The type of answer ``question`` expects (PERSON, ORG, PLACE, MISC, DATE, NUMBER, DURATION) or None."""
    phrase = wh_phrase(question)
    return phrase.expected if phrase else None
