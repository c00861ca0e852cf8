"""The names under which parzen keeps its own data in trial and study system attributes.

Every layer reads and writes these keys, so they live here, below all of them; a key's
meaning is part of the stored format and never changes once released.
"""

from __future__ import annotations

#: Trial system attribute: the trial's constraint values, a dict of name -> float in the
#: order they were set (feasible means every value <= 0).
CONSTRAINTS_KEY = "constraints"

#: Trial system attribute: why a trial failed, as text.
FAIL_REASON_KEY = "fail_reason"
