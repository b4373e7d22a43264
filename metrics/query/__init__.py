"""Layer 3, reading the store: the one aggregate SQL builder that turns registry metrics into SQL,
and on top of it unit tables, scope totals, series, detail rows and unit x category breakdowns, with
their static SQL in sql/. Every function takes a Viewer and binds every value as a parameter; a
function that computes a rate with a scheme parameter requires it (``basic_credit``), with no default.
May import core and store."""
