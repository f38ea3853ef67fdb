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

    def run_script(self, steps: list[dict], timeout: float = 900) -> subprocess.CompletedProcess:
        """Runs every step after the sign-in (this `az` is signed in already) in one bash, as an
        admin would paste a plan's commands "in az terms"."""
        body = "\n".join(line for step in steps[1:] for line in step["commands"])
        env = dict(self.env)
        env["PATH"] = f"{AZ.parent}:{env['PATH']}"
        return subprocess.run(["bash", "-euo", "pipefail", "-c", body], env=env, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)


REKEY = Path(os.environ.get("REKEY_BIN", ROOT / "target" / "debug" / "rekey"))
WITH_KEYRING = ROOT / "crates" / "rekey-core" / "tests" / "with-secret-service.sh"


def rekey_json(sim, admin_secret, tmp_path: Path, *args: str):
    """Signs `rekey` in to the simulator as its administrator (the secret from a 0600 file), then runs
    `rekey ARGS` with the same cloud and returns what it printed as JSON."""
    assert REKEY.exists(), f"{REKEY} is missing: run `cargo build -p rekey-cli` (or set REKEY_BIN)"
    secret_file = tmp_path / "admin-secret"
    secret_file.write_text(str(admin_secret))
    secret_file.chmod(0o600)
    cloud = ["--cloud", f"{sim.base_url}metadata/endpoints?api-version=2022-09-01", "--ca-file", sim.ca_pem]
    login = [str(REKEY), *cloud, "login", "--service-principal", "--tenant", sim.tenant_id,
             "--client-id", sim.demo_client_id, "--client-secret-file", str(secret_file)]
    command = [str(REKEY), *cloud, *args]
    script = f"{subprocess.list2cmdline(login)} >&2 && {subprocess.list2cmdline(command)}"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "REKEY_HOME": str(tmp_path / "home"),
           "HOME": str(tmp_path)}
    proc = subprocess.run([str(WITH_KEYRING), "sh", "-c", script], env=env, capture_output=True, text=True,
                          timeout=180)
    assert proc.returncode == 0, f"rekey exited {proc.returncode}: {proc.stderr[-3000:]}"
    return json.loads(proc.stdout)
