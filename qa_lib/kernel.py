"""The workbook's kernel: this environment's Python, whatever kernelspecs are registered,
importing the workbook as it starts. Only executing a notebook needs it (and jupyter_client):
rendering, validating and verifying the record do not import this module.

A run starts its kernel (:class:`RunKernel`) as soon as its parameters are read, before this
process imports papermill and the rest of the workbook, so the two processes import at once.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import KernelManager

from qa_lib.privacy import IDENTIFIERS_ENV

TEMPLATES = Path(__file__).parent / "templates"

# What the kernel imports as it starts, before it answers.
KERNEL_WARM_UP = "import qa_lib.context, qa_lib.sections"


class WorkbookKernelManager(KernelManager):
    """Start the kernel with this interpreter, whatever kernelspecs are registered.

    A stale user-level ``python3`` kernelspec pointing at another Python would
    otherwise run the report against other packages, or fail to start. Where the
    platform has Unix sockets the kernel talks over them rather than TCP, so no
    local port is opened (and ipykernel has nothing to warn about).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if os.name == "posix":
            self.transport = "ipc"
            # Each kernel gets its own socket names: the default ("kernel-ipc" in the working
            # directory) would let two runs started together cross their messages.
            self.ip = str(Path(tempfile.gettempdir()) / f"qa-kernel-{secrets.token_hex(8)}")
        self._clients: list[Any] = []
        self._stopped = False

    def client(self, **kwargs: Any) -> Any:
        client = super().client(**kwargs)
        self._clients.append(client)
        return client

    def close(self) -> None:
        """Stop every client's channels and the kernel (it holds nothing to save); a second
        call does nothing."""
        if self._stopped:
            return
        self._stopped = True
        for client in self._clients:
            client.stop_channels()
        self.shutdown_kernel(now=True)

    @property
    def kernel_spec(self) -> KernelSpec:
        # The kernel imports the workbook while starting (outside the history: execution
        # counts start at 1), so its imports overlap papermill's in this process.
        return KernelSpec(
            argv=[
                sys.executable,
                "-m",
                "ipykernel_launcher",
                "-f",
                "{connection_file}",
                f"--IPKernelApp.exec_lines={KERNEL_WARM_UP}",
            ],
            display_name="qa-workbook (Python)",
            language="python",
            resource_dir=str(TEMPLATES),
        )


def start_kernel(root: Path, env: dict[str, str] | None = None) -> WorkbookKernelManager:
    """Start the workbook's kernel in ``root`` (with ``env`` added to this environment); it
    imports the workbook as it starts."""
    env = dict(os.environ, **(env or {}), QA_PROJECT_ROOT=str(root))  # paths resolve from the project root
    km = WorkbookKernelManager()
    km.start_kernel(cwd=str(root), env=env)
    return km


class RunKernel:
    """A run's kernel, started at once, and the private file it writes the quarter's
    identifiers to (:mod:`qa_lib.privacy`) for the scan of the outputs.

    The kernel stops when its notebook has run (:func:`qa_lib.notebook.execute_notebook`);
    whoever holds this closes it (:meth:`close`), which stops the kernel if the notebook
    never ran and deletes the file.
    """

    def __init__(self, root: Path, env: dict[str, str] | None = None) -> None:
        handle, name = tempfile.mkstemp(prefix="qa-identifiers-", suffix=".json")  # private to this user
        os.close(handle)
        self.identifiers = Path(name)
        try:
            self.manager = start_kernel(root, {**(env or {}), IDENTIFIERS_ENV: name})
        except BaseException:
            self.identifiers.unlink(missing_ok=True)
            raise

    def close(self) -> None:
        """Stop the kernel if it still runs and delete the identifiers' file."""
        try:
            self.manager.close()
        finally:
            self.identifiers.unlink(missing_ok=True)
