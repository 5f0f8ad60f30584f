"""A real RTSP camera on loopback for tests: GStreamer's RTSP server serving an H.264 MP4.

Run with Debian's /usr/bin/python3 (python3-gi lives there). Needs gir1.2-gst-rtsp-server-1.0,
gstreamer1.0-plugins-{base,good,bad} (qtdemux, h264parse, rtph264pay).

Prints "READY <port>" on stdout once listening, so the caller can use --port 0 and learn the port.
Exits on SIGTERM/SIGINT and when stdin closes (its parent died), so no server outlives a test run.
"""

import argparse
import os
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--file", required=True, help="H.264 MP4 to serve")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--mount", default="/cam")
    args = parser.parse_args()

    if not os.path.isfile(args.file):
        print(f"no such file: {args.file}", file=sys.stderr)
        return 2
    Gst.init(None)
    for name in ("filesrc", "qtdemux", "h264parse", "rtph264pay"):
        if Gst.ElementFactory.find(name) is None:
            print(f"GStreamer element missing: {name}", file=sys.stderr)
            return 3

    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    location = args.file.replace("\\", "\\\\").replace('"', '\\"')
    factory.set_launch(
        f'( filesrc location="{location}" ! qtdemux ! h264parse '
        "! rtph264pay name=pay0 pt=96 config-interval=1 )"
    )
    # Not shared: each client gets its own pipeline from the file's start, like a camera that
    # always answers, and a probe connecting first does not consume the stream the decoder needs.
    factory.set_shared(False)
    server.get_mount_points().add_factory(args.mount, factory)

    if server.attach(None) == 0:
        print(f"cannot listen on 127.0.0.1:{args.port}", file=sys.stderr)
        return 4
    print(f"READY {server.get_bound_port()}", flush=True)

    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)

    def on_stdin(fd: int, _cond: GLib.IOCondition) -> bool:
        if not os.read(fd, 4096):
            loop.quit()
            return False
        return True

    GLib.io_add_watch(sys.stdin.fileno(), GLib.IO_IN | GLib.IO_HUP, on_stdin)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
