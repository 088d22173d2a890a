// The findings section: one card per finding (severity icon and word, summary, facts, evidence, suggested action,
// "Show session" and "Snooze"), or a quiet line when there are none. Snapshots arrive several times a second, so
// cards are kept by finding id and updated in place: a button the keyboard is on keeps its element and its focus.
import type { Finding } from '../core/findings';
import { html, setText } from './dom';
import { findingFacts, findingsHeading, NO_FINDINGS, severityLabel } from './findingText';
import { codicon } from './icons';

export interface FindingsCallbacks {
  onShowSession(sessionId: string): void;
  onSnooze(id: string): void;
}

export interface FindingsSection {
  root: HTMLElement;
  update(findings: readonly Finding[], sessionNames: Readonly<Record<string, string>>): void;
}

interface Card {
  root: HTMLElement;
  signature: string;
  finding: Finding;
}

/** A snoozed card stays hidden this long while snapshots sent before the host saw the snooze still carry it. */
const SNOOZE_PENDING_MS = 3000;

export function createFindingsSection(callbacks: FindingsCallbacks): FindingsSection {
  const heading = html('h2', { text: 'Findings', attrs: { id: 'findings-heading' } });
  const list = html('div', { className: 'finding-list', attrs: { role: 'list', 'data-testid': 'findings-list' } });
  const empty = html('p', { className: 'empty-state findings-empty', attrs: { 'data-testid': 'findings-empty' } }, [codicon('pass', 'ok-icon'), NO_FINDINGS]);
  const root = html('section', { className: 'findings', attrs: { 'aria-labelledby': 'findings-heading', 'data-testid': 'findings' } }, [heading, empty, list]);
  const cards = new Map<string, Card>();
  const snoozedAt = new Map<string, number>();

  function createCard(f: Finding): Card {
    const root = html('article', { attrs: { role: 'listitem', 'data-testid': 'finding', 'data-finding-id': f.id } });
    const card: Card = { root, signature: '', finding: f };
    return card;
  }

  /** Fills a card from its finding; skipped when nothing it shows changed. Buttons are made once per card. */
  function render(card: Card, f: Finding, sessionName: string | undefined): void {
    const signature = JSON.stringify([f, sessionName]);
    card.finding = f;
    if (signature === card.signature) return;
    const first = card.signature === '';
    card.signature = signature;
    const root = card.root;
    root.className = `finding severity-${f.severity}`;
    const titleId = `finding-title-${cssId(f.id)}`;
    root.setAttribute('aria-labelledby', titleId);
    if (first) {
      const show = html('button', { className: 'secondary', text: 'Show session', attrs: { type: 'button', 'data-testid': 'finding-show-session' } });
      show.addEventListener('click', () => callbacks.onShowSession(card.finding.sessionId));
      const snooze = html('button', { className: 'secondary', text: 'Snooze 24 h', attrs: { type: 'button', 'data-testid': 'finding-snooze' } });
      snooze.addEventListener('click', () => {
        snoozedAt.set(card.finding.id, performance.now());
        hideSnoozed(card);
        callbacks.onSnooze(card.finding.id);
      });
      root.append(
        html('div', { className: 'finding-head' }),
        html('p', { className: 'finding-facts', attrs: { 'data-testid': 'finding-facts' } }),
        html('ul', { className: 'finding-evidence', attrs: { 'aria-label': 'Evidence' } }),
        html('p', { className: 'finding-action', attrs: { 'data-testid': 'finding-action' } }),
        html('div', { className: 'finding-buttons' }, [show, snooze]),
      );
    }
    const [head, facts, evidence, action, buttons] = Array.from(root.children) as HTMLElement[];
    head!.replaceChildren(
      codicon(f.severity === 'critical' ? 'error' : 'warning', 'severity-icon'),
      html('h3', { attrs: { id: titleId } }, [
        html('span', { className: 'severity', text: `${severityLabel(f)}: ` }),
        html('span', { className: 'summary', text: f.summary, attrs: { 'data-testid': 'finding-summary' } }),
      ]),
    );
    facts!.replaceChildren();
    findingFacts(f, sessionName).forEach((part, i) => {
      if (i > 0) facts!.append(html('span', { className: 'sep', text: ' · ', attrs: { 'aria-hidden': 'true' } }));
      facts!.append(html('span', { className: i === 0 ? 'at-stake' : '', text: part }));
    });
    evidence!.replaceChildren(...f.evidence.map((line) => html('li', { text: line })));
    evidence!.hidden = f.evidence.length === 0;
    action!.replaceChildren(html('span', { className: 'label', text: 'Suggested: ' }), f.action);
    action!.hidden = f.action === '';
    const name = sessionName ?? f.sessionId.slice(0, 8);
    const [show, snooze] = Array.from(buttons!.children) as HTMLButtonElement[];
    show!.setAttribute('aria-label', `Show session ${name}`);
    snooze!.setAttribute('aria-label', `Snooze "${f.summary}" for 24 hours`);
  }

  /** Hides a card the user just snoozed, keeping the keyboard in the list: focus moves to the next card's button. */
  function hideSnoozed(card: Card): void {
    const had = card.root.contains(document.activeElement);
    const siblings = Array.from(list.children) as HTMLElement[];
    const at = siblings.indexOf(card.root);
    const next = siblings.slice(at + 1).find((el) => !el.hidden) ?? siblings.slice(0, at).reverse().find((el) => !el.hidden);
    card.root.hidden = true;
    if (had) (next?.querySelector('button') ?? heading).focus();
  }

  function update(findings: readonly Finding[], sessionNames: Readonly<Record<string, string>>): void {
    const now = performance.now();
    for (const [id, at] of snoozedAt) if (now - at > SNOOZE_PENDING_MS || !findings.some((f) => f.id === id)) snoozedAt.delete(id);
    const shown = findings.filter((f) => !snoozedAt.has(f.id));
    const keep = new Set(shown.map((f) => f.id));
    for (const [id, card] of cards) {
      if (!keep.has(id)) {
        card.root.remove();
        cards.delete(id);
      }
    }
    const order: HTMLElement[] = [];
    for (const f of shown) {
      let card = cards.get(f.id);
      if (!card) cards.set(f.id, (card = createCard(f)));
      render(card, f, sessionNames[f.sessionId]);
      card.root.hidden = false;
      order.push(card.root);
    }
    // Move elements only when the order changed: moving the element that holds focus would drop it.
    const current = Array.from(list.children);
    if (current.length !== order.length || current.some((el, i) => el !== order[i])) list.replaceChildren(...order);
    setText(heading, findingsHeading(shown.length));
    empty.hidden = shown.length > 0;
    list.hidden = shown.length === 0;
  }

  return { root, update };
}

/** A finding id as an element id fragment (ids hold colons and timestamps). */
function cssId(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, '_');
}
