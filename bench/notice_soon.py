"""`python -m bench.notice_soon SECONDS run --config FILE`: our bot exactly as `python -m matrixbot`,
except that it tells a room about messages it could not read after SECONDS instead of
`NOTICE_AFTER` (60 s: a key may still be on its way).

Only quick runs use it (`Sizes.flood_notice_after_s`), so that the unreadable flood's notice falls
within a run of a few seconds; the full run starts the bot as shipped and waits out the minute.
It imports the bot itself, not `bench.internals`, so that it starts as fast as the bot does.
"""

import sys

from matrixbot.cli import main
from matrixbot.matrix import crypto

if __name__ == "__main__":
    crypto.NOTICE_AFTER = float(sys.argv.pop(1))
    raise SystemExit(main())
