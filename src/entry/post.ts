// The bundle entry for the `post` step (post-if: always()), which restores a rollout main left unfinished.
import { run } from '../post.js';

await run();
