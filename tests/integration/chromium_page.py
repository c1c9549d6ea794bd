"""Loading a local page in headless Chromium over the DevTools protocol.

Starts Debian's `chromium` with a private profile and
--remote-debugging-port=0, reads the port it chose from the line it
prints when it listens, and drives one page target through
python3-websocket: it records every network request the page makes, every
console message, exception and log entry, evaluates scripts and takes
full-page screenshots at a given width. Every wait is for a protocol
message, bounded by a socket timeout; nothing sleeps.
"""

import base64
import json
import os
import shutil
import subprocess
import tempfile
import threading
import urllib.request

import websocket  # python3-websocket (Debian)


def chromium_binary():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    raise AssertionError("chromium is not installed (Debian package chromium, contrib/debian-packages)")


class Browser:
    def __init__(self, workdir, timeout=60):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="chromium-", dir=workdir)
        self.log = open(os.path.join(workdir, "chromium.log"), "w")
        # --no-sandbox: the tests run as root, where Chromium refuses its
        # sandbox; the page is our own file and fetches nothing.
        self.proc = subprocess.Popen(
            [chromium_binary(), "--headless=new", "--no-sandbox", "--disable-gpu",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
             "--user-data-dir=" + self.profile, "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        # Chromium says where it listens on stderr once it does; the rest of
        # its stderr is kept in chromium.log by a thread that drains it.
        self.port = None
        for line in self.proc.stderr:
            self.log.write(line)
            if line.startswith("DevTools listening on ws://"):
                self.port = int(line.split("ws://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
                break
        if self.port is None:
            self.log.flush()
            raise AssertionError("chromium exited without opening its DevTools port (see %s)" % self.log.name)
        self.drain = threading.Thread(target=self._drain, daemon=True)
        self.drain.start()
        targets = json.load(urllib.request.urlopen("http://127.0.0.1:%d/json/list" % self.port, timeout=timeout))
        page = next(t for t in targets if t.get("type") == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=timeout)
        self.next_id = 0
        self.events = []

    def _drain(self):
        for line in self.proc.stderr:
            self.log.write(line)

    def close(self):
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.drain.join(30)
            self.log.close()
            shutil.rmtree(self.profile, ignore_errors=True)

    def call(self, method, **params):
        self.next_id += 1
        wanted = self.next_id
        self.ws.send(json.dumps({"id": wanted, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == wanted:
                if "error" in message:
                    raise AssertionError("%s failed: %s" % (method, message["error"]))
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def wait_for(self, method):
        for i, event in enumerate(self.events):
            if event["method"] == method:
                return self.events.pop(i)
        while True:
            message = json.loads(self.ws.recv())
            if message.get("method") == method:
                return message
            if "method" in message:
                self.events.append(message)

    def load(self, url):
        """Navigates and returns once the load event fired."""
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.call(domain + ".enable")
        self.call("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise AssertionError("script failed: %s" % result["exceptionDetails"])
        return result["result"].get("value")

    def requests(self):
        return [e["params"]["request"]["url"] for e in self.events if e["method"] == "Network.requestWillBeSent"]

    def problems(self):
        """Console errors and warnings, uncaught exceptions, error log entries."""
        found = []
        for e in self.events:
            p = e["params"]
            if e["method"] == "Runtime.consoleAPICalled" and p["type"] in ("error", "warning", "assert"):
                found.append("console.%s: %s" % (p["type"], [a.get("value") for a in p.get("args", [])]))
            elif e["method"] == "Runtime.exceptionThrown":
                found.append("exception: %s" % p["exceptionDetails"])
            elif e["method"] == "Log.entryAdded" and p["entry"]["level"] in ("error", "warning"):
                found.append("log %s: %s" % (p["entry"]["level"], p["entry"]["text"]))
        return found

    def screenshot(self, path, width, mobile=False):
        """A full-page PNG at this viewport width."""
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=800,
                  deviceScaleFactor=1, mobile=mobile)
        height = self.evaluate("Math.ceil(document.documentElement.scrollHeight)")
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                         clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1})
        with open(path, "wb") as out:
            out.write(base64.b64decode(shot["data"]))
        return height
