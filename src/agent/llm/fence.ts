/**
 * Untrusted text (alert bodies, runbook text, resource names and tags, tool output) reaches the
 * model only inside an <untrusted> block, and can never close that block itself: the system prompt
 * tells the model that nothing inside one is an instruction.
 */
export function fence(source: string, text: string): string {
  const label = source.replace(/[^a-z0-9_:.-]/gi, '_').slice(0, 60);
  return `<untrusted source="${label}">\n${neutralize(text)}\n</untrusted>`;
}

/** Defuses tag look-alikes so data cannot end its fence or open a fake one. */
export function neutralize(text: string): string {
  return text.replace(/<\s*(\/?)\s*untrusted/gi, '‹$1untrusted').replaceAll('\u0000', '');
}
