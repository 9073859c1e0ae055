import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { accept, keypointMatches, proposal, proposals, reject, undo, unidentifiableProposal, type DecisionReply, type KeypointMatches, type Proposal, type ProposalDetail, type Role, type SightingRef } from './api.js';
import { agreement } from './keypoint-match.js';
import './sighting-tile.js';
import { shared } from './styles.js';
import { reportError, short, typing, when } from './util.js';

interface Comparison {
  /** The query crop keypoints are drawn from (the first evidence sighting that has some). */
  query: SightingRef | null;
  items: { ref: SightingRef; matches: KeypointMatches | null; error: string }[];
  selected: number;
  loading: boolean;
}

/**
 * Identity review, one proposal at a time: the device's sighting(s) beside the candidate
 * individual's best sightings, with the matching keypoints of their crops drawn. Space
 * accepts, r rejects (the next candidate is proposed when there is one), n makes it a new
 * individual, x closes it as unidentifiable, s/→ skips, u / Ctrl+Z undoes the last decision,
 * k draws the keypoints against the next candidate sighting.
 */
@customElement('spoor-identity')
export class SpoorIdentity extends LitElement {
  static override styles = [
    shared,
    css`
      .compare { display: grid; grid-template-columns: minmax(200px, 1fr) 3fr; gap: 1.5rem; }
      .compare > section + section { border-left: 3px solid #000; padding-left: 1.5rem; }
      @media (max-width: 800px) { .compare > section + section { border-left: 0; padding-left: 0; border-top: 3px solid #000; } }
      @media (max-width: 800px) { .compare { grid-template-columns: 1fr; } }
      .tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 210px)); gap: 0.75rem; }
      .score { font-size: 2rem; font-weight: 800; }
      .queue { font-size: 0.9rem; }
      .log { font-size: 0.9rem; padding-left: 1.2rem; }
      .picks { gap: 0.4rem; margin-bottom: 0.5rem; }
      .picks button[aria-pressed='true'] { background: #000; color: #fff; }
    `,
  ];

  @property() role: Role = 'viewer';
  @state() private items: Proposal[] = [];
  @state() private index = 0;
  @state() private detail: ProposalDetail | null = null;
  @state() private done: { reply: DecisionReply; label: string; proposalId: string }[] = [];
  @state() private message = '';
  @state() private error = '';
  @state() private busy = false;
  @state() private comparison: Comparison | null = null;
  private readonly onKey = (e: KeyboardEvent) => this.key(e);

  override connectedCallback() {
    super.connectedCallback();
    window.addEventListener('keydown', this.onKey);
    void this.load();
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    window.removeEventListener('keydown', this.onKey);
  }

  private async load(focus?: string) {
    try {
      this.items = (await proposals()).items;
      const at = focus ? this.items.findIndex((p) => p.id === focus) : -1;
      this.index = at >= 0 ? at : Math.min(this.index, Math.max(0, this.items.length - 1));
      await this.open();
      this.error = '';
    } catch (err) {
      this.error = reportError(this, err);
    }
  }

  private async open() {
    const p = this.items[this.index];
    this.detail = null;
    this.comparison = null;
    if (!p) return;
    try {
      this.detail = await proposal(p.id);
    } catch (err) {
      // Older hubs have no GET /api/proposals/:id: still review from the list entry.
      this.detail = { proposal: p, query: [], candidate: { id: p.candidateIndividualId, name: null, species: p.species, version: 1, sightings: [] } };
      this.message = `No proposal details from the hub (${(err as Error).message}); deciding on score and evidence only.`;
    }
    void this.compare(this.detail);
  }

  /** Match the query crop's keypoints against each candidate crop that has some; show the best. */
  private async compare(d: ProposalDetail) {
    const query = d.query.find((r) => r.crop?.keypoints) ?? null;
    const cands = d.candidate.sightings.filter((r) => r.crop?.keypoints);
    const items: Comparison['items'] = cands.map((ref) => ({ ref, matches: null, error: '' }));
    this.comparison = { query, items, selected: 0, loading: query !== null && items.length > 0 };
    if (!query?.crop) return;
    const qid = query.crop.id;
    await Promise.all(
      items.map(async (it) => {
        try {
          it.matches = await keypointMatches(qid, it.ref.crop?.id ?? '');
        } catch (err) {
          it.error = (err as Error).message;
        }
      }),
    );
    if (this.detail !== d) return; // another proposal is open by now
    const n = (k: number) => items[k]?.matches?.inliers.length ?? -1;
    const best = items.reduce((b, _, k) => (n(k) > n(b) ? k : b), 0);
    this.comparison = { query, items, selected: best, loading: false };
  }

  private pick(k: number) {
    const c = this.comparison;
    if (c && c.items.length > 0) this.comparison = { ...c, selected: ((k % c.items.length) + c.items.length) % c.items.length };
  }

  private keypointsView() {
    const c = this.comparison;
    if (!c) return '';
    const none = (why: string) => html`<section class="card keypoints"><h3>Matching keypoints</h3><p class="hint">${why}</p></section>`;
    if (!c.query) {
      return none(
        'This sighting’s crop came without keypoints, so matching regions cannot be drawn: compare the crops, dates, devices and file names. Devices send ORB keypoints with the crops of ReID species in crops or full bandwidth (sync.sendKeypoints); a metadata-only device sends no pixels.',
      );
    }
    if (c.items.length === 0) return none('None of the candidate’s sightings has a crop with keypoints to match against: compare the crops by eye.');
    if (c.loading) return none('Matching keypoints…');
    const sel = c.items[c.selected];
    const m = sel?.matches;
    return html`<section class="card keypoints">
      <h3>Matching keypoints <span class="hint">(<kbd>k</kbd>: next candidate sighting)</span></h3>
      <div class="row picks" role="group" aria-label="Candidate sighting to match against">
        ${c.items.map(
          (it, k) => html`<button class="secondary" aria-pressed=${k === c.selected ? 'true' : 'false'} @click=${() => this.pick(k)}>
            ${when(it.ref.takenAt)} · ${it.ref.deviceId}: ${it.matches ? `${it.matches.inliers.length} matches` : 'no answer'}
          </button>`,
        )}
      </div>
      ${sel && m && c.query.crop && sel.ref.crop
        ? html`<spoor-keypoint-match .a=${c.query.crop} .b=${sel.ref.crop} .result=${m}
              label="${m.inliers.length} matching keypoints between this sighting and the candidate's sighting of ${when(sel.ref.takenAt)}"></spoor-keypoint-match>
            <p class="hint matches-note">
              Left: this sighting (${c.query.deviceId}); right: the candidate’s sighting of ${when(sel.ref.takenAt)} (${sel.ref.deviceId}${sel.ref.originalName ? `, ${sel.ref.originalName}` : ''}).
              ${agreement(m)} (${m.tentative} tentative pairs)${m.inliers.length > 60 ? '; the strongest 60 are drawn' : ''}.
              ${m.inliers.length < 8 ? 'Few matches: the same spots were not found, or the views differ too much (side, pose, light).' : ''}
            </p>`
        : html`<p class="error">The hub could not match these crops: ${sel?.error || 'no answer'}.</p>`}
    </section>`;
  }

  override render() {
    const d = this.detail;
    return html`
      <h2>Identity review <span class="hint">(${this.items.length} open · <kbd>?</kbd> for shortcuts)</span></h2>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
      ${this.message ? html`<p class="ok status">${this.message}</p>` : ''}
      ${d ? this.proposalView(d) : html`<p class="card">No open proposals. New ones appear when two devices report an animal that matches an individual of the fleet.</p>`}
      ${this.done.length
        ? html`<h3>This session</h3><ol class="log">${this.done.map((x) => html`<li>${x.label} <span class="hint">(decision ${short(x.reply.decisionId)})</span></li>`)}</ol>`
        : ''}
    `;
  }

  private proposalView(d: ProposalDetail) {
    const p = d.proposal;
    const canDecide = this.role !== 'viewer';
    return html`
      <div class="card proposal" data-id=${p.id}>
        <div class="row" style="align-items:center">
          <div><div class="score" title="calibrated match score">${p.score.toFixed(2)}</div><div class="hint">match score</div></div>
          <div style="flex: 3 1 300px">
            <div><strong><em>${p.species}</em></strong> · proposal ${this.index + 1} of ${this.items.length}</div>
            <div class="hint">Device <strong>${p.deviceId}</strong> (local id ${short(p.localId)}) → candidate <a href="#/individual/${d.candidate.id}">${d.candidate.name ?? short(d.candidate.id)}</a> · fleet ${p.fleetId}</div>
            <div class="hint">Evidence: ${p.evidence.length} sighting${p.evidence.length === 1 ? '' : 's'} (${p.evidence.map(short).join(', ')})</div>
          </div>
        </div>
        <div class="compare" style="margin-top: 0.75rem">
          <section><h3>This sighting (${p.deviceId})</h3><div class="tiles">${d.query.map((r) => html`<spoor-sighting-tile .ref=${r}></spoor-sighting-tile>`)}</div>
            ${d.query.length ? '' : html`<p class="hint">No sighting details.</p>`}</section>
          <section><h3>Candidate: ${d.candidate.name ?? short(d.candidate.id)}</h3><div class="tiles">${d.candidate.sightings.map((r) => html`<spoor-sighting-tile .ref=${r}></spoor-sighting-tile>`)}</div>
            ${d.candidate.sightings.length ? '' : html`<p class="hint">No sighting details.</p>`}</section>
        </div>
        ${this.keypointsView()}
        ${canDecide
          ? html`<div class="actions">
              <button ?disabled=${this.busy} @click=${this.accept}>Same individual (Space)</button>
              <button class="secondary" ?disabled=${this.busy} @click=${() => this.reject('Rejected', true)}>Different (r)</button>
              <button class="secondary" ?disabled=${this.busy} @click=${() => this.reject('Kept as a new individual', false)}>New individual (n)</button>
              <button class="secondary" ?disabled=${this.busy} @click=${this.unidentifiable}>Unidentifiable (x)</button>
              <button class="secondary" @click=${this.skip}>Skip (s / →)</button>
              <button class="secondary" ?disabled=${this.busy || this.done.length === 0} @click=${this.undo}>Undo (u)</button>
            </div>`
          : html`<p class="hint">Read only: viewers cannot decide.</p><div class="actions"><button class="secondary" @click=${this.skip}>Next (s / →)</button></div>`}
      </div>
    `;
  }

  private async decide(label: string, run: () => Promise<DecisionReply>) {
    const p = this.detail?.proposal;
    if (!p || this.busy) return;
    this.busy = true;
    this.error = '';
    try {
      const reply = await run();
      const text = reply.proposalId ? `${label}; proposed against the next candidate` : reply.createdId && label === 'Rejected' ? `${label}: no other candidate, kept as a new individual` : label;
      this.done = [...this.done, { reply, label: `${text}: ${p.species} from ${p.deviceId}`, proposalId: p.id }];
      this.message = `${text}.`;
      await this.load(reply.proposalId);
    } catch (err) {
      this.error = reportError(this, err);
      if ((err as { status?: number }).status === 409) this.error = 'The candidate changed meanwhile (another decision): reloaded, look again.';
      await this.load(p.id);
    } finally {
      this.busy = false;
    }
  }

  private accept() {
    const d = this.detail;
    if (d) void this.decide('Accepted', () => accept(d.proposal.id, d.proposal.version ?? d.candidate.version));
  }

  /** r: not this candidate (the next one is proposed when there is one); n: a new individual at once. */
  private reject(label: string, next: boolean) {
    const d = this.detail;
    if (d) void this.decide(label, () => reject(d.proposal.id, next));
  }

  private unidentifiable() {
    const d = this.detail;
    if (d) void this.decide('Unidentifiable', () => unidentifiableProposal(d.proposal.id));
  }

  private skip() {
    if (this.items.length === 0) return;
    this.index = (this.index + 1) % this.items.length;
    this.message = '';
    void this.open();
  }

  private async undo() {
    const last = this.done[this.done.length - 1];
    if (!last || this.busy) return;
    this.busy = true;
    try {
      await undo(last.reply.decisionId);
      this.done = this.done.slice(0, -1);
      this.message = `Undone: ${last.label}.`;
      await this.load(last.proposalId);
    } catch (err) {
      this.error = reportError(this, err);
    } finally {
      this.busy = false;
    }
  }

  private key(e: KeyboardEvent) {
    if (typing(e) || e.altKey || e.metaKey) return;
    const k = e.ctrlKey ? (e.key === 'z' ? 'u' : '') : e.key;
    const read: Record<string, () => void> = { s: () => this.skip(), ArrowRight: () => this.skip(), k: () => this.pick((this.comparison?.selected ?? 0) + 1) };
    const write: Record<string, () => void> = {
      ' ': () => this.accept(),
      r: () => this.reject('Rejected', true),
      n: () => this.reject('Kept as a new individual', false),
      x: () => this.unidentifiable(),
      u: () => void this.undo(),
    };
    const f = read[k] ?? (this.role !== 'viewer' ? write[k] : undefined);
    if (!f) return;
    e.preventDefault();
    // Space on a focused button would also click it on key-up (a second decision on the next proposal).
    const t = e.composedPath()[0];
    if (t instanceof HTMLElement && t.tagName === 'BUTTON') t.blur();
    f();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'spoor-identity': SpoorIdentity;
  }
}
