import { css } from 'lit';

/** High contrast for sunlight: black on white, thick borders, 44 px tap targets. Mobile first. */
export const shared = css`
  :host { display: block; color: #000; }
  * { box-sizing: border-box; }
  h2 { font-size: 1.25rem; margin: 0.5rem 0 0.75rem; }
  button, input, select, textarea { font: inherit; color: #000; }
  button { min-height: 44px; padding: 0 1rem; border: 2px solid #000; border-radius: 6px; background: #ffd400; font-weight: 700; cursor: pointer; }
  button.secondary { background: #fff; }
  button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible { outline: 3px solid #0047ff; outline-offset: 2px; }
  input, select, textarea { min-height: 44px; width: 100%; padding: 0.4rem 0.6rem; border: 2px solid #000; border-radius: 6px; background: #fff; }
  label { display: block; font-weight: 700; margin-bottom: 0.25rem; }
  .hint { font-size: 0.9rem; color: #222; margin: 0.25rem 0 0; }
  .error { color: #b00000; font-weight: 700; margin: 0.25rem 0 0; }
  .saved { color: #005a00; font-weight: 700; }
  .card { border: 2px solid #000; border-radius: 8px; padding: 0.75rem; background: #fff; }
  .grid { display: grid; gap: 0.75rem; grid-template-columns: 1fr; }
  @media (min-width: 720px) { .grid { grid-template-columns: repeat(auto-fill, minmax(280px, 1fr)); } }
`;
