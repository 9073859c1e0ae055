import { css } from 'lit';

/** High contrast (black on white, yellow for focus of attention), 40 px targets; desktop first, down to 360 px. */
export const shared = css`
  :host { display: block; color: #000; }
  * { box-sizing: border-box; }
  h2 { font-size: 1.3rem; margin: 0.25rem 0 0.75rem; }
  h3 { font-size: 1.05rem; margin: 0.75rem 0 0.5rem; }
  button, input, select, textarea { font: inherit; color: #000; }
  button { min-height: 40px; padding: 0 0.9rem; border: 2px solid #000; border-radius: 6px; background: #ffd400; font-weight: 700; cursor: pointer; }
  button.secondary { background: #fff; }
  button.danger { background: #fff; color: #b00000; border-color: #b00000; }
  button:disabled { opacity: 0.5; cursor: default; }
  button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, a:focus-visible { outline: 3px solid #0047ff; outline-offset: 2px; }
  input, select, textarea { min-height: 40px; width: 100%; padding: 0.3rem 0.5rem; border: 2px solid #000; border-radius: 6px; background: #fff; }
  textarea { font-family: ui-monospace, monospace; font-size: 0.9rem; }
  label { display: block; font-weight: 700; margin-bottom: 0.2rem; font-size: 0.9rem; }
  a { color: #0033cc; }
  kbd { border: 1px solid #000; border-bottom-width: 2px; border-radius: 4px; padding: 0 0.3rem; font: 700 0.85rem ui-monospace, monospace; background: #f2f2f2; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 0.35rem 0.5rem; border-bottom: 1px solid #000; vertical-align: top; }
  th { font-size: 0.85rem; text-transform: uppercase; letter-spacing: 0.03em; }
  .hint { font-size: 0.9rem; color: #222; margin: 0.25rem 0 0; }
  .error { color: #b00000; font-weight: 700; margin: 0.25rem 0; }
  .ok { color: #005a00; font-weight: 700; }
  .card { border: 2px solid #000; border-radius: 8px; padding: 0.75rem; background: #fff; }
  .row { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: end; }
  .row > * { flex: 1 1 140px; }
  .row > button { flex: none; }
  .actions { display: flex; flex-wrap: wrap; gap: 0.5rem; margin: 0.5rem 0; }
  .pill { display: inline-block; padding: 0 0.45rem; border: 2px solid #000; border-radius: 999px; font-size: 0.8rem; font-weight: 700; }
  .pill.on { background: #0a7a0a; color: #fff; border-color: #0a7a0a; }
  .pill.off { background: #b00000; color: #fff; border-color: #b00000; }
  .pill.warn { background: #ffd400; }
  .mono { font-family: ui-monospace, monospace; font-size: 0.85rem; word-break: break-all; }
  .scroll { overflow-x: auto; }
  @media (max-width: 600px) {
    .row > button { flex: 1 1 100%; }
    button { white-space: normal; }
    /* Tables marked .cards turn into one block per row on a phone, each cell labelled. */
    table.cards tr:first-child { display: none; }
    table.cards tr { display: block; border-bottom: 2px solid #000; padding: 0.25rem 0; }
    table.cards td { display: block; position: relative; border: 0; padding: 0.15rem 0.25rem 0.15rem 7.5rem; min-height: 1.6rem; }
    table.cards td::before { content: attr(data-label); position: absolute; left: 0.25rem; width: 7rem; font-weight: 700; font-size: 0.85rem; }
  }
`;
