/**
 * The policy loss as a graph. It lives in `policy/loss_graph.ts` (below `rl/`, because the
 * policy's scorer builds the same graph); this module re-exports it for the `rl/` files.
 *
 * @module
 */
export * from "../policy/loss_graph.ts";
