/** Bounds that keep one rule from costing more than a rule should. Documented in docs/rule-packs.md. */
export const LIMITS = {
  /** Nodes one selector may select in one scope; more stops the check with one finding. */
  maxSelected: 1000,
  /**
   * Work one rule may do on one file, in node visits: every selection is charged the size of the
   * subtree it runs on and every assertion one unit. The budget grows with the file (this many units per
   * node of it, never less than `minWork`), so an ordinary rule finishes on any file, while one whose
   * selectors rescan the whole template for each resource (quadratic) stops. Counting work instead of
   * time keeps the outcome the same on every run and every machine: a required check must not flap.
   */
  workPerNode: 64,
  minWork: 100_000,
  maxRulesPerPack: 500,
  maxChecksPerRule: 32,
  maxConditionsPerCheck: 8,
  maxSelectorLength: 512,
  maxSelectorSegments: 32,
  maxPatternLength: 1000,
  maxListLength: 1000,
  maxMessageLength: 1000,
} as const;
