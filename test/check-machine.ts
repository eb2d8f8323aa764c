/** `npm test`'s first step: stops at once, one line per tool, when the machine lacks one the tests need. */
import { missingTools } from './support/machine.ts';

const missing = missingTools();
for (const line of missing) console.error(`npm test: ${line}`);
if (missing.length > 0) process.exit(1);
