"""Command line of the stand-in.

``python -m reflex_meet.sfu --host 127.0.0.1 --port 7880 --app-id ID
--app-secret SECRET``

Prints ``sfu listening on http://HOST:PORT/v1`` on stdout once ready, logs to
stderr, and stops cleanly on SIGTERM or SIGINT. ``--port 0`` picks a free port.
The app id and secret may also come from ``SFU_APP_ID`` and ``SFU_APP_SECRET``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys

from aiohttp import web

from reflex_meet.sfu import aiortc_hooks
from reflex_meet.sfu.config import DEFAULT_HOST, DEFAULT_PORT, SfuConfig
from reflex_meet.sfu.http_api import create_app

logger = logging.getLogger("sfu")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parses the command line.

    Args:
        argv: Arguments (default: ``sys.argv[1:]``).

    Returns:
        The parsed arguments.
    """
    parser = argparse.ArgumentParser(
        prog="python -m reflex_meet.sfu", description="Local Cloudflare Calls stand-in."
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to bind")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0: any free")
    parser.add_argument("--app-id", default=os.environ.get("SFU_APP_ID"))
    parser.add_argument("--app-secret", default=os.environ.get("SFU_APP_SECRET"))
    parser.add_argument(
        "--connect-wait",
        type=float,
        default=5.0,
        help="seconds to wait for a connected PeerConnection before 425",
    )
    parser.add_argument(
        "--track-timeout",
        type=float,
        default=30.0,
        help="seconds without media before a published track is cleaned up",
    )
    parser.add_argument(
        "--session-timeout",
        type=float,
        default=30.0,
        help="seconds without a connected PeerConnection before a session closes",
    )
    parser.add_argument(
        "--ice-host",
        default=aiortc_hooks.LOOPBACK,
        help="address for ICE host candidates (default 127.0.0.1)",
    )
    parser.add_argument("--log-level", default=os.environ.get("SFU_LOG_LEVEL", "INFO"))
    args = parser.parse_args(argv)
    if not args.app_id or not args.app_secret:
        parser.error("--app-id and --app-secret (or SFU_APP_ID/SFU_APP_SECRET) needed")
    return args


async def serve(config: SfuConfig, host: str, port: int) -> None:
    """Serves the API until SIGTERM or SIGINT.

    Args:
        config: The stand-in's settings.
        host: Address to bind.
        port: Port to bind (0: any free port).
    """
    runner = web.AppRunner(create_app(config), handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0]
    url_host = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
    print(f"sfu listening on http://{url_host}:{bound[1]}/v1", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    logger.info("stopping")
    await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    """Runs the stand-in.

    Args:
        argv: Command-line arguments (default: ``sys.argv[1:]``).

    Returns:
        The process exit code.
    """
    args = parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr,
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # aioice/aiortc are chatty below WARNING (every ICE check, every packet).
    for noisy in ("aioice", "aiortc"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    aiortc_hooks.install_server_hooks(args.ice_host)
    config = SfuConfig(
        app_id=args.app_id,
        app_secret=args.app_secret,
        connect_wait=args.connect_wait,
        track_timeout=args.track_timeout,
        session_timeout=args.session_timeout,
        ice_host=args.ice_host,
    )
    asyncio.run(serve(config, args.host, args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
