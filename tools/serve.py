"""Serve the built site on 127.0.0.1 (a secure context, so the service worker runs), optionally under a sub-path.

Usage: python tools/serve.py [--port 8000] [--root dist] [--prefix /REPO/]
"""
import argparse
import functools
import http.server
import os
import sys
import threading

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files from `directory`, reachable only under `prefix` (like a GitHub Pages project site)."""

    prefix = "/"
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript",
                      ".json": "application/json", ".whl": "application/zip", ".npz": "application/octet-stream"}
    quiet = False
    on_response = None  # optional callback(path, status, body bytes) for tests and benchmarks

    def translate_path(self, path):
        """Map a URL under the prefix to a file below directory."""
        return super().translate_path("/" + path[len(self.prefix):])

    def send_head(self):
        """404 outside the prefix; redirect the bare prefix to prefix/ as GitHub Pages does; else serve the file."""
        if self.prefix != "/" and self.path == self.prefix.rstrip("/"):
            self.send_response(301)
            self.send_header("Location", self.prefix)
            self.end_headers()
            return None
        if not self.path.startswith(self.prefix):
            self.send_error(404, "outside the site's prefix")
            return None
        return super().send_head()

    def send_response(self, code, message=None):
        """Remember the status for on_response."""
        self.status = code
        super().send_response(code, message)

    def copyfile(self, source, outputfile):
        """Send the body, counting its bytes for on_response."""
        start = source.tell()
        super().copyfile(source, outputfile)
        self.sent = source.tell() - start

    def do_GET(self):
        """Serve a GET, then report (path, status, body bytes) to on_response."""
        self.status, self.sent = 0, 0
        super().do_GET()
        if self.on_response:
            self.on_response(self.path, self.status, self.sent)

    def log_message(self, format, *args):
        """Log requests and errors to stderr unless quiet."""
        if not self.quiet:
            super().log_message(format, *args)


class Server(http.server.ThreadingHTTPServer):
    """A threaded server that lets its port be reused immediately after a test stops it."""

    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        """Ignore a browser that hangs up mid-response (tab closed, reload); report anything else."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def make_server(root, port=0, prefix="/", quiet=False, on_response=None):
    """A Server for root on 127.0.0.1:port (0 = a free port) under prefix; call serve_forever() to run it."""
    if not prefix.startswith("/") or not prefix.endswith("/"):
        raise ValueError(f"prefix must start and end with '/', got {prefix!r}")
    handler = type("SiteHandler", (Handler,), {"prefix": prefix, "quiet": quiet, "on_response": staticmethod(on_response) if on_response else None})
    return Server(("127.0.0.1", port), functools.partial(handler, directory=os.path.abspath(root)))


def start_in_thread(server):
    """Run server in a daemon thread; return the thread."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


def main(argv=None):
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--root", default=os.path.join(REPO_ROOT, "dist"))
    parser.add_argument("--prefix", default="/", help="serve under a sub-path such as /REPO/ (GitHub Pages project site)")
    args = parser.parse_args(argv)
    prefix = "/" + args.prefix.strip("/") + "/" if args.prefix.strip("/") else "/"
    if not os.path.exists(os.path.join(args.root, "index.html")):
        print(f"serve: {args.root} has no index.html; run `make dist` first", file=sys.stderr)
        return 1
    try:
        server = make_server(args.root, args.port, prefix)
    except OSError as error:
        print(f"serve: cannot listen on 127.0.0.1:{args.port} ({error.strerror}); try --port with another number", file=sys.stderr)
        return 1
    print(f"Serving PyCNN Explainer at http://127.0.0.1:{server.server_address[1]}{prefix}")
    print("Press Ctrl-C to stop.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nserve: stopped")
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
