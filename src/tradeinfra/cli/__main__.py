"""`python -m tradeinfra.cli`."""

import sys

from tradeinfra.cli import main

sys.exit(main())
