"""A Python Jupyter kernel kept warm across documents (the built-in engine)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .base import _REPO, TEMPLATES

#: Code run in every kernel the built-in engine starts (inline-value formatting,
#: a fast namespace reset, Altair's MIME bundle): a real file, read once.
_KERNEL_SETUP = (TEMPLATES / "kernel-setup.py").read_text(encoding="utf-8")

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class CellError(Exception):
    def __init__(self, ename: str, evalue: str, traceback: list[str]):
        self.ename, self.evalue, self.traceback = ename, evalue, traceback
        super().__init__(f"{ename}: {evalue}")

    @property
    def last_line(self) -> str:
        lines = [ln for tb in self.traceback for ln in _ANSI.sub("", tb).splitlines() if ln.strip()]
        return lines[-1].strip() if lines else f"{self.ename}: {self.evalue}"


class KernelDied(RuntimeError):
    pass


class Kernel:
    """A Python Jupyter kernel kept warm across documents.

    Use as a context manager, or call `shutdown()`. Each document starts with
    a fresh namespace (like `%reset -f`) in its own directory; imported
    modules stay loaded, which is what makes the second document fast.
    """

    def __init__(self, *, startup_timeout: float = 120.0, cell_timeout: float = 1800.0):
        from jupyter_client.kernelspec import KernelSpec
        from jupyter_client.manager import KernelManager

        self.cell_timeout = cell_timeout
        self.documents = 0
        self._tmp = tempfile.mkdtemp(prefix="r2p-kernel-")
        km = KernelManager(transport="ipc")
        km.ip = os.path.join(self._tmp, "k")
        km.connection_file = os.path.join(self._tmp, "kernel.json")
        # this interpreter's ipykernel, whatever kernelspecs are installed
        km._kernel_spec = KernelSpec(
            argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            display_name="Python 3 (r2p)",
            language="python",
        )
        env = dict(os.environ)
        env["PYTHONHASHSEED"] = "0"
        env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
        env.setdefault("MPLBACKEND", "Agg")
        env["PYTHONPATH"] = os.pathsep.join([str(_REPO)] + [p for p in [env.get("PYTHONPATH")] if p])
        km.start_kernel(env=env, cwd=self._tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.km = km
        self.kc = km.blocking_client()
        self.kc.start_channels()
        try:
            self.kc.wait_for_ready(timeout=startup_timeout)
            self.execute(_KERNEL_SETUP)
        except Exception:
            self.shutdown()
            raise

    def __enter__(self) -> Kernel:
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()

    def shutdown(self) -> None:
        with contextlib.suppress(Exception):
            self.kc.stop_channels()
        with contextlib.suppress(Exception):
            self.km.shutdown_kernel(now=True)
        shutil.rmtree(self._tmp, ignore_errors=True)

    def execute(
        self, code: str, *, user_expressions: dict[str, str] | None = None, timeout: float | None = None
    ) -> tuple[list[dict], dict]:
        """Run code; return (outputs, user_expressions). Raises CellError if the code raises."""
        outputs: list[dict] = []

        def hook(msg: dict) -> None:
            t, c = msg["msg_type"], msg["content"]
            if t == "stream":
                if outputs and outputs[-1]["type"] == "stream" and outputs[-1]["name"] == c["name"]:
                    outputs[-1]["text"] += c["text"]
                else:
                    outputs.append({"type": "stream", "name": c["name"], "text": c["text"]})
            elif t in ("display_data", "execute_result"):
                out = {"type": "display", "data": c.get("data", {}), "metadata": c.get("metadata", {})}
                if t == "execute_result":  # the cell's value (Quarto marks it with the execution count)
                    out["result"] = True
                outputs.append(out)
            elif t == "clear_output":
                outputs.clear()

        import queue

        if not self.km.is_alive():
            raise KernelDied("the Jupyter kernel is not running")
        msg_id = self.kc.execute(
            code, store_history=False, allow_stdin=False, user_expressions=user_expressions or {}, stop_on_error=True
        )
        deadline = time.monotonic() + (timeout or self.cell_timeout)
        while True:  # outputs until the kernel is idle again (it sends the reply before that)
            try:
                msg = self.kc.get_iopub_msg(timeout=0.5)
            except queue.Empty:
                if not self.km.is_alive():
                    raise KernelDied("the Jupyter kernel died while running this code") from None
                if time.monotonic() > deadline:
                    with contextlib.suppress(Exception):
                        self.km.interrupt_kernel()
                    raise TimeoutError from None
                continue
            if time.monotonic() > deadline:
                with contextlib.suppress(Exception):
                    self.km.interrupt_kernel()
                raise TimeoutError
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle":
                break
            hook(msg)
        while True:
            try:
                reply = self.kc.get_shell_msg(timeout=10)
            except queue.Empty:
                raise KernelDied("no reply from the Jupyter kernel") from None
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        content = reply["content"]
        if content.get("status") == "error":
            raise CellError(content.get("ename", "Error"), content.get("evalue", ""), content.get("traceback", []))
        return outputs, content.get("user_expressions", {})

    def start_document(self, directory: Path) -> None:
        code = f"import os as __o\n__o.chdir({str(directory)!r})\ndel __o\n"
        if self.documents:
            code = "__r2p_reset__()\n" + code
        self.execute(code)
        self.documents += 1
