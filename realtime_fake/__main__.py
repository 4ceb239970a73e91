"""Command line of the fake realtime endpoint.

``python -m reflex_meet.realtime_fake --port 0 --token TOKEN``
(or ``REALTIME_FAKE_TOKEN``)
prints ``realtime fake listening on http://127.0.0.1:PORT/v1/realtime`` once
ready, logs to stderr and stops on SIGTERM/SIGINT. It binds loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import logging
import os
import signal
import sys

from aiohttp import web

from reflex_meet.realtime_fake.server import FakeConfig, create_app
from reflex_meet.sfu.aiortc_hooks import use_loopback_ice


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parses the command line (refuses a non-loopback host or no token)."""
    parser = argparse.ArgumentParser(
        prog="python -m reflex_meet.realtime_fake",
        description="Local fake of the OpenAI realtime WebRTC endpoint.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--token", default=os.environ.get("REALTIME_FAKE_TOKEN"))
    parser.add_argument(
        "--threshold",
        type=float,
        default=0.02,
        help="RMS (fraction of full scale) above which audio counts as speech",
    )
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("--token (or REALTIME_FAKE_TOKEN) is required")
    try:
        loopback = ipaddress.ip_address(args.host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        parser.error("--host must be a loopback address: this fake is local only")
    return args


async def serve(config: FakeConfig, host: str, port: int) -> None:
    """Serves until SIGTERM or SIGINT."""
    runner = web.AppRunner(create_app(config), handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0]
    print(
        f"realtime fake listening on http://{bound[0]}:{bound[1]}/v1/realtime",
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    """Runs the fake endpoint; returns the exit code."""
    args = parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr,
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("aioice", "aiortc"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    use_loopback_ice(args.host)
    asyncio.run(
        serve(
            FakeConfig(token=args.token, threshold=args.threshold), args.host, args.port
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
