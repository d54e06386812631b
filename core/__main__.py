"""``python -m crossdesk``: the same as the ``crossdesk`` command."""

import sys

from crossdesk.cli import main

sys.exit(main())
