"""Makes the helper modules in tests/ (e.g. nodeutil) importable from any test folder."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
