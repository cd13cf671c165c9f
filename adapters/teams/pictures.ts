import { renderAsync } from '@resvg/resvg-js';

/**
 * Teams refuses a bot message over ~100 KB with 413 MessageSizeTooBig (platform-rules §2.9), and
 * counts more than the JSON a bot sends (the envelope, UTF-16 text), so every activity is kept under
 * 80 KB, the size Microsoft calls safe. Pictures travel as base64 data URIs inside that budget.
 */
export const teamsMessageLimitBytes = 100 * 1024;
export const activityBudgetBytes = 80 * 1024;
/** Narrower than this a diagram's labels stop being legible: such a picture is sent on its own instead. */
export const minPictureWidth = 480;

export interface Picture {
  contentUrl: string;
  width: number;
  height: number;
}

export function pngDataUri(png: Uint8Array): string {
  return `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
}

/** The byte length of a string or an activity as JSON, as it goes over the wire. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(typeof value === 'string' ? value : JSON.stringify(value), 'utf8');
}

/**
 * The PNG as a data URI of at most `maxBytes` characters: as it is when it fits, else scaled down
 * (resvg resamples it: no extra image library) until it does; undefined when even `minWidth` pixels
 * wide does not fit.
 */
export async function fitPicture(png: Uint8Array, size: { width: number; height: number }, maxBytes: number, minWidth = minPictureWidth): Promise<Picture | undefined> {
  const original = pngDataUri(png);
  if (original.length <= maxBytes) return { contentUrl: original, ...size };
  const floor = Math.min(minWidth, size.width);
  let current = { uri: original, width: size.width };
  for (let attempt = 0; attempt < 6; attempt += 1) {
    // PNG bytes grow roughly with the pixel count: scale the side by the square root of the excess, with a margin.
    const ratio = Math.sqrt(maxBytes / current.uri.length) * 0.92;
    const width = Math.max(floor, Math.floor(current.width * Math.min(ratio, 0.9)));
    if (width >= current.width) return undefined;
    const height = Math.max(1, Math.round((size.height * width) / size.width));
    const uri = pngDataUri(await scalePng(original, width, height));
    if (uri.length <= maxBytes) return { contentUrl: uri, width, height };
    if (width === floor) return undefined;
    current = { uri, width };
  }
  return undefined;
}

async function scalePng(dataUri: string, width: number, height: number): Promise<Uint8Array> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`
    + `<image width="${width}" height="${height}" preserveAspectRatio="none" xlink:href="${dataUri}"/></svg>`;
  const rendered = await renderAsync(svg, { fitTo: { mode: 'original' }, background: '#ffffff' });
  return new Uint8Array(rendered.asPng());
}
