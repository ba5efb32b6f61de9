import { eachReported } from '../errors.js';
import { CliExit, out } from '../runtime.js';

/** Prints `inspect` results as Docker does: a JSON array (4-space indent), or a template per item. */
export async function printInspected(found: Record<string, unknown>[], format: string | undefined): Promise<void> {
  if (!format) return out(JSON.stringify(found, null, 4));
  const { renderTemplate } = await import('../format/go-template.js');
  for (const item of found) out(renderTemplate(format, item));
}

/** `inspect NAME...`: what `find` returns for each name, printed together; exit 1 after the rest if any was not found. */
export async function inspectEach(names: readonly string[], format: string | undefined, find: (name: string) => Promise<Record<string, unknown>> | Record<string, unknown>): Promise<void> {
  const found: Record<string, unknown>[] = [];
  const failed = await eachReported(names, async (name) => void found.push(await find(name)));
  await printInspected(found, format);
  if (failed) throw new CliExit('', 1);
}
