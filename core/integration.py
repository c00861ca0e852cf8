"""``parzen.integration``: Optuna's spelling of :mod:`parzen.integrations`.

``from parzen.integration import LightGBMPruningCallback`` and ``import parzen.integration``
both work; the module is the same object as ``parzen.integrations``.
"""

import sys

import parzen.integrations as _integrations

sys.modules[__name__] = _integrations
