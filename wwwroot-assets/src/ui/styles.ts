const STYLE_ID = "odigos-flame-style";

const CSS = `
.of-root [hidden] { display: none !important; }
.of-root { display: flex; flex-direction: column; gap: 4px; font: 13px system-ui, -apple-system, 'Segoe UI', sans-serif; color: #1a1a1a; }
.of-toolbar { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.of-toolbar select, .of-toolbar button, .of-toolbar input { font: inherit; }
.of-search { min-width: 16em; }
.of-share { color: #555; min-width: 8em; }
.of-group { display: inline-flex; gap: 4px; align-items: center; padding: 0 4px; border-left: 1px solid #ccc; }
.of-exports a { margin-left: 4px; }
.of-import input { display: none; }
.of-import { cursor: pointer; text-decoration: underline; }
.of-status { color: #444; min-height: 1.2em; }
.of-breadcrumb { display: flex; flex-wrap: wrap; align-items: center; gap: 2px; min-height: 1.6em; }
.of-crumb { border: none; background: none; color: #0b5cad; cursor: pointer; max-width: 24em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; padding: 0 2px; }
.of-crumb:last-child { color: #1a1a1a; font-weight: 600; }
.of-crumb-sep { color: #888; }
.of-graph { position: relative; height: var(--odigos-flame-height, 60vh); min-height: 240px; }
.of-scroll { position: relative; height: 100%; overflow-y: auto; overflow-x: hidden; outline: none; }
.of-scroll:focus-visible { box-shadow: inset 0 0 0 2px #0b5cad; }
.of-stage { position: sticky; top: 0; overflow: hidden; }
.of-canvas { position: absolute; left: 0; top: 0; display: block; cursor: pointer; }
.of-overlay { position: absolute; left: 0; top: 0; display: block; pointer-events: none; }
.of-sandwich { display: flex; flex-direction: column; height: 100%; }
.of-sandwich .of-scroll { flex: 1; height: auto; min-height: 0; }
.of-sandwich-title { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.of-sandwich-label { color: #555; font-size: 12px; }
.of-tooltip { position: fixed; z-index: 1000; pointer-events: none; background: #fff; border: 1px solid #bbb; border-radius: 4px; padding: 6px 8px; box-shadow: 0 2px 8px rgba(0,0,0,.15); max-width: 36em; }
.of-tip-label { font-weight: 600; word-break: break-all; }
.of-tip-kind { color: #666; font-size: 12px; }
.of-tooltip th { text-align: left; font-weight: normal; color: #555; padding-right: 8px; }
.of-top-wrap { max-height: 30vh; overflow: auto; }
.of-top { border-collapse: collapse; width: 100%; }
.of-top th, .of-top td { padding: 1px 6px; border-bottom: 1px solid #eee; }
.of-top-row { cursor: pointer; }
.of-top-row:hover { background: #f2f6fb; }
.of-top-hit { background: #fff3c4; }
.of-top-name { max-width: 60em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-family: ui-monospace, monospace; font-size: 12px; }
.of-num { text-align: right; font-variant-numeric: tabular-nums; }
.of-sort { border: none; background: none; font: inherit; cursor: pointer; }
.of-sorted { font-weight: 600; }
`;

/** Adds the widget's (static) style sheet to the document once. */
export function injectStyles(): void {
  if (document.getElementById(STYLE_ID) !== null) {
    return;
  }
  const style = document.createElement("style");
  style.id = STYLE_ID;
  style.textContent = CSS;
  document.head.appendChild(style);
}
