/**
 * The shape of a cooperative environment: dataset rows, one prompt formatter per agent, a joint
 * reward, and an optional transition for multi-turn episodes. Environments are plain objects,
 * so a notebook can build or tweak one inline.
 *
 * @module
 */

/** A reward split into named components (levels), logged separately; `total` is what trains. */
export interface RewardBreakdown {
  /** The scalar joint reward. */
  total: number;
  /** Named parts, e.g. `{ structure: 0.5, coherence: 1, consistency: 0.3 }`. */
  levels: Record<string, number>;
}

/**
 * Per-agent history passed to a transition: for agent i, the prompts it saw and the responses
 * it gave at each earlier turn (index 0 = first turn).
 */
export interface AgentHistory {
  /** Prompts the agent saw, one per earlier turn. */
  prompts: string[];
  /** Responses it gave, one per earlier turn. */
  responses: string[];
}

/**
 * A cooperative N-agent environment over examples of type `E`.
 *
 * - `rows`: the examples (already loaded).
 * - `formatters[i](example)`: agent i's first-turn prompt (agent i sees only this).
 * - `reward(completions, example)`: the joint reward of one joint action, where
 *   `completions[i]` is agent i's text; may be async (e.g. code run in a sandbox).
 * - `transition(example, completions, histories)`: next-turn prompt per agent (multi-turn).
 * - `agentReward(i, text, example)`: what agent i achieves alone (independent-learners baseline).
 * - `singlePrompt(example, separator)`: one prompt asking for every part, separated by
 *   `separator` (single-agent baseline; default: the agents' prompts joined by lines).
 */
export interface Environment<E = unknown> {
  /** Short identifier, e.g. `"tldr"`, `"coding"`. */
  name: string;
  /** Number of agents. */
  numAgents: number;
  /** Dataset rows. */
  rows: E[];
  /** One prompt formatter per agent. */
  formatters: Array<(example: E) => string>;
  /** Joint reward of one joint action. */
  reward: (
    completions: string[],
    example: E,
  ) => RewardBreakdown | Promise<RewardBreakdown>;
  /** Optional: next prompts for multi-turn episodes. */
  transition?: (
    example: E,
    completions: string[],
    histories: AgentHistory[],
  ) => string[] | Promise<string[]>;
  /** Optional: the reward of agent i's own part alone (independent learners). */
  agentReward?: (
    agent: number,
    text: string,
    example: E,
  ) => number | Promise<number>;
  /** Optional: one prompt for a single model that writes every part (single-agent GRPO). */
  singlePrompt?: (example: E, separator: string) => string;
}
