"""``python -m dl_course``: the instructors' command line (see :mod:`dl_course.cli`)."""

import sys

from dl_course.cli import main

sys.exit(main())
