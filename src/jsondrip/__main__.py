"""``python -m jsondrip``: the ``jsondrip`` command."""

from jsondrip.cli import main

raise SystemExit(main())
