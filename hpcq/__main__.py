"""``python -m hpcq`` is the ``hpcq`` command."""

import sys

from hpcq.cli import main

sys.exit(main())
