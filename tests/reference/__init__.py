"""Independent references for the figures the batch stores.

Every function here recomputes a stored figure from the raw stored inputs (closes,
positions, equity changes, securities, benchmark weight dates) with third-party code
(statsmodels OLS, arch HARX, scipy, numpy, pandas), following the conventions written in
docs/methodology.md. Nothing here imports ``sigmasight.analytics``, ``sigmasight.batch``
or ``sigmasight.services``: a reference that called the package's own functions would
compare the code with itself. Only the storage models are used, to read the rows back
(they decode the exact decimals of SQLite).

Later analytics families add their reference beside these (one module per family) and
compare every column of their history table with it on the demo books.
"""
