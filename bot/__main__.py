"""`python -m bot` is the same as the `solidarity-bot` command."""

import sys

from bot.cli import main

sys.exit(main())
