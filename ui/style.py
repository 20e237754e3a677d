"""The web UI's look: CSS (readable from a 390-pixel phone to a desktop) and the sources panel's script."""

from __future__ import annotations

CSS = """
.gradio-container { max-width: 1320px !important; margin: 0 auto !important; }
#qa-header h1 { font-size: 1.45rem; margin: 0 0 .15rem 0; }
#qa-header p { margin: 0; color: var(--body-text-color-subdued); font-size: .95rem; }

/* chat messages */
.qa-question, .qa-answer { overflow-wrap: anywhere; line-height: 1.5; }
.qa-answer p { margin: 0 0 .35rem 0; }
.qa-answer p:last-child { margin-bottom: 0; }
.qa-understood { font-size: .85em; color: var(--body-text-color-subdued); }
.qa-label { font-weight: 600; }
.qa-quote { font-size: 1.02em; }
.qa-short { font-weight: 700; }
.qa-cite { font-size: .78em; font-weight: 700; text-decoration: none !important; white-space: nowrap;
           vertical-align: super; line-height: 0; padding: 0 .08em; }
.qa-meta { font-size: .82em; color: var(--body-text-color-subdued); }
.qa-meta cite { font-style: italic; }
.qa-reported { font-weight: 600; }
.qa-abstained .qa-text { font-weight: 600; }
.qa-error .qa-text { color: var(--error-text-color, #b91c1c); font-weight: 600; }

/* highlights */
mark.qa-hl { background: #ffe066; color: #111; padding: 0 .1em; border-radius: 2px;
             box-decoration-break: clone; -webkit-box-decoration-break: clone; }
.qa-in-article { background: rgba(255, 224, 102, .28); }

/* sources panel */
#qa-sources-col { gap: .5rem; }
.qa-sources { font-size: .95rem; overflow-wrap: anywhere; }
.qa-sources-head h3 { margin: 0 0 .2rem 0; font-size: 1.1rem; }
.qa-sources-head p { margin: 0 0 .25rem 0; }
.qa-for { color: var(--body-text-color-subdued); font-size: .9em; }
.qa-sources .qa-reported { display: inline-block; margin: .15rem 0 .4rem 0; padding: .1rem .55rem;
    border-radius: 999px; background: #fff3bf; color: #5c4400; font-size: .85em; }
.qa-notice { font-size: .9em; padding: .45rem .6rem; border-radius: 6px; background: var(--background-fill-secondary);
             border: 1px dashed var(--border-color-primary); }
.qa-empty p { color: var(--body-text-color-subdued); margin: .5rem 0; }
.qa-source { border: 1px solid var(--border-color-primary); border-left-width: 4px; border-radius: 8px;
             padding: .6rem .75rem; margin: .6rem 0; background: var(--background-fill-primary);
             scroll-margin-top: 1rem; }
.qa-source.qa-supports { border-left-color: #e0a800; }
.qa-source.qa-closest { border-left-style: dashed; border-left-color: var(--border-color-primary); }
.qa-source:target { box-shadow: 0 0 0 3px rgba(224, 168, 0, .45); }
.qa-source-head { font-weight: 600; line-height: 1.35; }
.qa-num { color: #9a6b00; margin-right: .15rem; }
.qa-source-meta { font-size: .8em; color: var(--body-text-color-subdued); margin: .2rem 0 .1rem 0; }
.qa-tag { display: inline-block; margin-left: .25rem; padding: 0 .45rem; border-radius: 999px; font-size: .95em;
          white-space: nowrap; }
.qa-tag-answer { background: #fff3bf; color: #5c4400; }
.qa-tag-closest { background: var(--background-fill-secondary); border: 1px dashed var(--border-color-primary); }
.qa-passage { white-space: pre-wrap; margin: .45rem 0; padding: 0 0 0 .6rem;
              border-left: 2px solid var(--border-color-primary); line-height: 1.5; font-size: .95em; }
.qa-article summary { cursor: pointer; font-size: .88em; font-weight: 600; color: var(--link-text-color, #2563eb); }
.qa-article-text { white-space: pre-wrap; max-height: 22rem; overflow-y: auto; margin-top: .4rem; padding: .5rem .6rem;
                   border-radius: 6px; background: var(--background-fill-secondary); font-size: .92em;
                   line-height: 1.5; }
.qa-original { display: inline-block; margin-top: .3rem; font-size: .88em; }
.qa-hidden-note { font-size: .85em; color: var(--body-text-color-subdued); }

@media (min-width: 900px) {
  #qa-sources { max-height: calc(100vh - 7rem); overflow-y: auto; padding-right: .25rem; }
  #qa-sources-col { position: sticky; top: .75rem; align-self: flex-start; }
}

/* phones */
@media (max-width: 640px) {
  .gradio-container { padding: .5rem !important; }
  #qa-header h1 { font-size: 1.2rem; }
  #qa-header p { font-size: .85rem; }
  #qa-chat { height: 58vh !important; min-height: 18rem; }
  .qa-sources { font-size: .92rem; }
  .qa-source { padding: .5rem .55rem; }
  .qa-article-text { max-height: 16rem; }
}
"""

# Opening « Lire l’article complet » scrolls the article to the highlighted answer; after the panel
# changes (another answer picked by a click on [n] in the chat), the card named in the address is shown.
SOURCES_JS = """
watch('value', () => {
  const id = decodeURIComponent(location.hash.slice(1));
  if (!id.startsWith('qa-t')) return;
  const card = element.querySelector('[id="' + CSS.escape(id) + '"]');
  if (card) card.scrollIntoView({block: 'nearest'});
});
element.addEventListener('toggle', (event) => {
  const details = event.target;
  if (!(details instanceof HTMLDetailsElement) || !details.open) return;
  const box = details.querySelector('.qa-article-text');
  const target = box && (box.querySelector('mark') || box.querySelector('.qa-in-article'));
  if (box && target) box.scrollTop = Math.max(0, target.offsetTop - box.offsetTop - box.clientHeight / 3);
}, true);
"""

# Back to the question box after an answer, on desktops only (on phones the keyboard would hide the answer).
FOCUS_JS = """
() => {
  if (window.matchMedia('(pointer: fine)').matches) document.querySelector('#qa-question textarea')?.focus();
}
"""
