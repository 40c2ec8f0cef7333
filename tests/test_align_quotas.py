"""Cell quotas of a joint demographic alignment (populace.align.quotas)."""

from __future__ import annotations

import numpy as np
import pytest

from populace.align.quotas import quotas
from populace.errors import PopulaceError


def test_quotas_cap_and_rake():
    # cells: (young, f) (young, m) (old, f) (old, m); old women scarce in the pool
    share = np.array([0.3, 0.2, 0.3, 0.2])
    groups = [np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])]
    q, moved = quotas(share, 100, np.array([100, 100, 10, 100]), groups)
    assert q.sum() == 100 and q[2] == 10 and moved > 0
    # raking keeps the gender marginal (60% women) by moving old women's slots to
    # young women, and the age marginal (50% old) by moving them to old men
    assert q[0] + q[2] == pytest.approx(60, abs=1) and q[2] + q[3] == pytest.approx(50, abs=1)
    q2, _ = quotas(share, 10, np.array([10, 10, 10, 10]))
    assert list(q2) == [3, 2, 3, 2]
    with pytest.raises(PopulaceError, match="can fill only"):
        quotas(share, 100, np.array([10, 10, 10, 10]))
