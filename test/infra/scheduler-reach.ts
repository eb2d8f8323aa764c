/**
 * Which handlers reach the scheduler, read from the sources: a name-level call graph over the
 * top-level functions of `lib/app` and `functions`, seeded by the calls that use a port (the
 * scheduler's `scheduleOnce(` and `cancel(`, the publishers' `publish(`). Over-approximates on a shared name, which only ever asks for a grant too many.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DECLARATION = /^(?:export\s+)?(?:async\s+)?(?:function\s*\*?\s*(\w+)|const\s+(\w+)\s*=)/gm;
/** Calls that use the scheduler, and calls that publish on the bus. */
export const SCHEDULER_CALL = /\bscheduler\??\.(?:scheduleOnce|cancel)\(/;
export const PUBLISH_CALL = /\b(?:commandPublisher|eventPublisher)\??\.publish\(/;

/** Handler files whose code reaches the scheduler. */
export function handlersReachingScheduler(handlerDirs: readonly string[]): string[] {
  return handlersReaching(SCHEDULER_CALL, handlerDirs);
}

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Top-level declarations of a file with their text up to the next one. */
function chunks(text: string): { name: string; body: string }[] {
  const found = [...text.matchAll(DECLARATION)];
  return found.map((m, i) => ({
    name: m[1] ?? m[2] ?? '',
    body: text.slice(m.index, found[i + 1]?.index ?? text.length),
  }));
}

/** Handler files (relative to the repository root) whose code reaches a call matching `seed`. */
export function handlersReaching(seed: RegExp, handlerDirs: readonly string[]): string[] {
  const useCases = sources('lib/app').flatMap((f) => chunks(readFileSync(join(ROOT, f), 'utf8')));
  const all = [
    ...useCases,
    ...sources('functions').flatMap((f) => chunks(readFileSync(join(ROOT, f), 'utf8'))),
  ];
  const reaching = new Set(all.filter((c) => seed.test(c.body)).map((c) => c.name));
  const calls = (body: string) => [...reaching].some((n) => new RegExp(`\\b${n}\\(`).test(body));
  const useCaseNames = new Set(useCases.map((c) => c.name));
  const mentions = (body: string) =>
    calls(body) || [...reaching].some((n) => useCaseNames.has(n) && new RegExp(`\\b${n}\\b`).test(body));
  for (let grown = true; grown; ) {
    grown = false;
    for (const c of all)
      if (!reaching.has(c.name) && calls(c.body)) {
        reaching.add(c.name);
        grown = true;
      }
  }
  return (
    handlerDirs
      .flatMap((d) => sources(d))
      // A handler may pass a use-case by reference (`busConsumer('plan-event', planAccepted)`).
      .filter((f) => mentions(readFileSync(join(ROOT, f), 'utf8')))
      .map((f) => relative(ROOT, join(ROOT, f)))
  );
}
