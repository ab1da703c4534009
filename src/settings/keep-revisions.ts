// keep-revisions: how many newest revisions of the family a successful deploy leaves registered.
import { parseWholeNumber } from '../parse/quantity.js';
import type { Inputs } from './context.js';
import { INPUT, type Mode } from './inputs.js';

/**
 * 0 is off. 1 is refused rather than read as 2: the live revision and the previous one (which a
 * rollback needs) are never deregistered, so "keep 1" could not be honoured.
 */
export function readKeepRevisions({ raw, given, complain, take }: Inputs, mode: Mode | undefined): number {
  const keep = take(INPUT.keepRevisions, parseWholeNumber(raw(INPUT.keepRevisions), 0, 10_000), 0);
  if (keep === 1) {
    complain(
      INPUT.keepRevisions,
      '"1" would leave no previous revision to roll back to; write 0 (keep every revision) or 2 or more (the live and the previous revision are always kept)',
    );
    return 0;
  }
  if (keep > 0 && given(INPUT.keepRevisions) && (mode === 'rollback' || mode === 'plan')) {
    complain(
      INPUT.keepRevisions,
      `is not used in ${mode} mode (revisions are tidied after a successful deploy); remove it, or set mode: deploy`,
    );
    return 0;
  }
  return keep;
}
