import { out } from '../runtime.js';

/** Prints `inspect` results as Docker does: a JSON array (4-space indent), or a template per item. */
export async function printInspected(found: Record<string, unknown>[], format: string | undefined): Promise<void> {
  if (!format) return out(JSON.stringify(found, null, 4));
  const { renderTemplate } = await import('../format/go-template.js');
  for (const item of found) out(renderTemplate(format, item));
}
