import logging
import os
import sys

from .cli import main

rc = main()
# Every output is written, closed and moved into place by now. Leave without the
# interpreter's teardown of pandas, pyarrow, scipy and the like (0.1-0.3 s per process,
# and the workflow runs dozens of these jobs); flush what is buffered first.
logging.shutdown()
sys.stdout.flush()
sys.stderr.flush()
os._exit(rc)
