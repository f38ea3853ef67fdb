"""Running `az` against rekey-sim: an isolated configuration, the simulator's CA, no other host."""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AZ = Path(os.environ.get("REKEY_AZ", ROOT / "tests" / ".venv-azcli" / "bin" / "az"))
AZ_TIMEOUT = 120.0
CLOUD = "RekeySimulator"


@dataclass
class AzResult:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


class Az:
    """Runs `az` against the simulator with an isolated configuration directory."""

    def __init__(self, config_dir: Path, ca_pem: str):
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(config_dir),
            "AZURE_CONFIG_DIR": str(config_dir),
            "REQUESTS_CA_BUNDLE": ca_pem,
            # Nothing but the simulator: every other host goes to a proxy that is not there.
            "HTTPS_PROXY": "http://127.0.0.1:9",
            "HTTP_PROXY": "http://127.0.0.1:9",
            "NO_PROXY": "127.0.0.1,localhost",
            "AZURE_CORE_COLLECT_TELEMETRY": "false",
            "AZURE_CORE_NO_COLOR": "true",
            "AZURE_CORE_SURVEY_MESSAGE": "false",
            "AZURE_CORE_LOGIN_EXPERIENCE_V2": "off",
        }
        self.seconds = 0.0
        self.calls = 0

    def __call__(self, *args: str, check: bool = True) -> AzResult:
        started = time.monotonic()
        proc = subprocess.run(
            [str(AZ), *args], env=self.env, capture_output=True, text=True, timeout=AZ_TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
        self.seconds += time.monotonic() - started
        self.calls += 1
        result = AzResult(proc.returncode, proc.stdout, proc.stderr)
        if check and proc.returncode != 0:
            # The command line may hold a secret: show only the subcommand and the error text.
            shown = " ".join(a for a in args[:4] if not a.startswith("-"))
            pytest.fail(f"`az {shown} …` exited {proc.returncode}: {proc.stderr[-3000:]}")
        return result


