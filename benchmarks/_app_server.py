"""Start ``python app.py`` as a child process and wait for it (shared by the web benchmarks)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class AppProcess:
    """``python app.py`` on a free port with its own data dir and extra PROFILE_QA_* vars."""

    def __init__(self, data_dir: Path, log_path: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        child_env = {k: v for k, v in os.environ.items() if not k.startswith("PROFILE_QA_")}
        child_env.update(
            PROFILE_QA_DATA_DIR=str(data_dir),
            HF_HUB_OFFLINE="1",
            TRANSFORMERS_OFFLINE="1",
            **{f"PROFILE_QA_{k.upper()}": v for k, v in env.items()},
        )
        self.log_path = log_path
        self._log = open(log_path, "w")  # noqa: SIM115 (closed in stop())
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "app.py", "--port", str(self.port)],
            cwd=REPO,
            env=child_env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 600) -> tuple[float, float]:
        """Seconds from spawn until /api/health answers, and until the chat page loads."""
        health_at = page_at = None
        deadline = time.perf_counter() + timeout
        with httpx.Client(timeout=5) as client:
            while time.perf_counter() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(
                        f"app.py exited with {self.proc.returncode}; see {self.log_path}"
                    )
                try:
                    if health_at is None and client.get(f"{self.url}/api/health").is_success:
                        health_at = time.perf_counter() - self.started
                    if health_at is not None and client.get(f"{self.url}/").is_success:
                        page_at = time.perf_counter() - self.started
                        return health_at, page_at
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        raise TimeoutError(f"app.py not ready after {timeout} s; see {self.log_path}")

    def rss_mb(self) -> float:
        """Resident memory of the server process, MiB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        """SIGTERM (uvicorn shuts down gracefully), then SIGKILL if it hangs."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()
