import sys

from matrixbot.cli import main

sys.exit(main())
