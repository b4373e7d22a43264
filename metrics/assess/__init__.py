"""Layer 4, the assessment: schemes (TOML, validated), the scoring engine, fairness checks
(Wilson intervals, funnel, case-mix, rank stability), alerts, scheme editing and the scorecard model
that exports render. Scheme parameters (such as basic_credit) travel from the scheme into the query
layer explicitly. May import core, store and query."""
