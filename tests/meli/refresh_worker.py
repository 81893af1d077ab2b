"""A separate melisync process for test_processes: load the tokens, wait for the go signal, call /users/me.

Run as `python -m tests.meli.refresh_worker READY_FILE GO_FILE` with MELISYNC_HOME set.
"""

import asyncio
import sys
import time
from pathlib import Path

from services.meli.client import open_client


async def main(ready: Path, go: Path) -> int:
    async with open_client() as client:
        await client._tokens.current()  # both processes now hold the same, soon rejected, pair
        ready.touch()
        deadline = time.monotonic() + 30
        while not go.exists():
            if time.monotonic() > deadline:
                return 4
            await asyncio.sleep(0.002)
        print((await client.me()).user_id)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2]))))
