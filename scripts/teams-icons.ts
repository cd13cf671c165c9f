// Renders the Teams app icons from SVG with resvg: `node bin/run-ts.mjs scripts/teams-icons.ts`.
// Teams wants a 192x192 full-colour icon and a 32x32 outline icon, white on transparent (app manifest
// `icons`). The PNGs are committed; rerun this after changing the drawings.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Resvg } from '@resvg/resvg-js';

const cloud = 'M58 132h80a26 26 0 0 0 3-51.8A38 38 0 0 0 68.6 72 30 30 0 0 0 58 132z';
const pulse = 'M62 106h22l9-18 12 34 10-22h21';

export const colorSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="192" height="192" viewBox="0 0 192 192">
  <rect width="192" height="192" rx="36" fill="#1F6FEB"/>
  <path d="${cloud}" fill="#FFFFFF"/>
  <path d="${pulse}" fill="none" stroke="#1F6FEB" stroke-width="8" stroke-linecap="round" stroke-linejoin="round"/>
</svg>`;

// The same drawing, white on transparent, scaled to 32x32.
export const outlineSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32" viewBox="30 40 132 112">
  <path d="${cloud}" fill="none" stroke="#FFFFFF" stroke-width="9" stroke-linejoin="round"/>
  <path d="${pulse}" fill="none" stroke="#FFFFFF" stroke-width="9" stroke-linecap="round" stroke-linejoin="round"/>
</svg>`;

export function renderPng(svg: string): Buffer {
  return Buffer.from(new Resvg(svg, { background: 'rgba(0,0,0,0)' }).render().asPng());
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const dir = new URL('../manifests/teams/', import.meta.url);
  writeFileSync(new URL('color.png', dir), renderPng(colorSvg));
  writeFileSync(new URL('outline.png', dir), renderPng(outlineSvg));
  console.log('wrote manifests/teams/color.png and manifests/teams/outline.png');
}
