/**
 * The shape of a cooperative environment: dataset rows, one prompt formatter per agent, a joint
 * reward, and an optional transition for multi-turn episodes. Environments are plain objects,
 * so a notebook can build or tweak one inline; `defineEnvironment` (`define.ts`) builds one from
 * rows, prompt functions and a reward function, with every problem of the definition reported.
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
 * - `singleSplit(text)`: the parts of a single model's text (default: cut at `separator`);
 *   `singleTransition(example, text, history)`: its next prompt (multi-turn single agent).
 * - `evalRows`: held-out rows for evaluation, disjoint from `rows` (training never sees them).
 * - `evalMetrics(example, turnTexts)`: task metrics of one evaluated episode, per turn.
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
  /**
   * Optional: the agents' parts of a single model's text (single-agent GRPO), e.g. the
   * authors' "[PARAGRAPH_SPLIT]" / "Paragraph 2:" / one-third fallbacks for writing, or
   * `["", text]` for coding (their GRPO baseline writes main only). Default: cut at the
   * separator passed to `singlePrompt`.
   */
  singleSplit?: (text: string) => string[];
  /**
   * Optional: the single model's next prompt in a multi-turn episode of single-agent GRPO, from
   * its last text and its history (e.g. the authors' level feedback with one agent).
   */
  singleTransition?: (
    example: E,
    completion: string,
    history: AgentHistory,
  ) => string | Promise<string>;
  /**
   * Held-out evaluation rows (the authors' eval split where they define one, a seeded split
   * otherwise); never among `rows`, which are the training rows. Absent: no evaluation.
   */
  evalRows?: E[];
  /**
   * Optional: task metrics of one evaluated episode (e.g. the authors' coding metrics, pass@1
   * of greedy answers): `turnTexts[t][i]` is agent i's text at turn t; one record per turn.
   * The trainer logs each metric's mean over the eval rows per turn (`turnMetrics`).
   */
  evalMetrics?: (
    example: E,
    turnTexts: string[][],
  ) => Record<string, number>[] | Promise<Record<string, number>[]>;
}
