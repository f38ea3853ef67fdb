"""Starting `rekey-sim serve` for a Python suite (tests/sdk, tests/azcli): its JSON ready line, its
stderr kept in a file, and a clean stop."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

READY_TIMEOUT = 30.0


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)  # `serve` exits cleanly on Ctrl-C (and removes its CA dir)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


class NotReady(Exception):
    pass


def launch(args: list[str], prefix: str = "rekey-sim-") -> tuple[subprocess.Popen, dict, Path]:
    """Starts `args` and waits for the JSON ready line; `_NotReady` with its stderr if none comes."""
    stderr_file = tempfile.NamedTemporaryFile(prefix=prefix, suffix=".log", delete=False)
    stderr_path = Path(stderr_file.name)
    proc = subprocess.Popen(
        args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr_file,
        text=True,
        env={**os.environ, "REKEY_SIM_LOG": os.environ.get("REKEY_SIM_LOG", "info")},
    )
    stderr_file.close()
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        # Keep reading so the pipe never fills, whatever the simulator prints later.
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)

    threading.Thread(target=pump, name="rekey-sim-stdout", daemon=True).start()
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or proc.poll() is not None:
            stop(proc)
            tail = stderr_path.read_text(errors="replace")[-4000:]
            stderr_path.unlink(missing_ok=True)
            why = (
                f"exited with code {proc.returncode} before its ready line"
                if remaining > 0
                else f"printed no ready line within {READY_TIMEOUT:.0f} s"
            )
            raise NotReady(f"`{' '.join(args)}` {why}; stderr:\n{tail}")
        try:
            line = lines.get(timeout=min(remaining, 0.5))
        except queue.Empty:
            continue
        try:
            ready = json.loads(line)
        except json.JSONDecodeError:
            continue  # not the ready line
        if isinstance(ready, dict) and "base_url" in ready:
            return proc, ready, stderr_path
