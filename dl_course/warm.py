"""Warm grading kernels: a fresh process for every student, forked from a pre-imported template.

Starting a grading kernel costs more than grading most notebooks: a new Python, then
``ipykernel``, ``numpy`` and ``torch`` imported again, for every student. Here one
*template* process per grading process does those imports once, inside the sandbox
(:mod:`dl_course.sandbox`), and forks a new kernel process for each student:

* each student's kernel is a new process (``fork``) that starts from the template's
  clean state; the template itself never runs a student's code;
* before each kernel starts, the template kills every other process in the sandbox
  (its own PID namespace: a process a submission left behind dies here) and restores
  ``/tmp`` and ``/dev`` to what they held when it started; the grader empties the
  student folder, home and socket folders, then copies the next student's folder in;
* the template talks to the grader only over its standard input and output pipes,
  which each kernel closes before it runs anything, and it is not dumpable, so a
  kernel can neither read its memory nor speak in its name;
* a kernel that kills the template only ends its own grading: the grader starts a
  new template for the next student.

The student's folder is at :data:`SUBMISSION` inside the sandbox.

Run ``python -m dl_course.warm`` only inside the sandbox (it refuses elsewhere).
"""

from __future__ import annotations

import importlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

__all__ = ["PRELOAD", "SUBMISSION", "TemplateGone", "WarmProcess", "WarmTemplate", "acquire", "close_all", "release",
           "serve"]

SUBMISSION = "/submission"
# What every grading kernel imports anyway (the guard imports torch and numpy).
PRELOAD = ("numpy", "torch", "matplotlib", "matplotlib.pyplot", "IPython", "ipykernel.kernelapp",
           "ipykernel.ipkernel", "matplotlib_inline.backend_inline", "dl_course.guard")
INLINE = "module://matplotlib_inline.backend_inline"  # what ipykernel sets before matplotlib loads
RESTORED = ("/tmp", "/dev")  # writable inside the sandbox: put back as they were between kernels


# --- inside the sandbox ------------------------------------------------------------------------


def _not_dumpable() -> None:
    """No other process of the sandbox may read this one's memory or file descriptors."""
    import ctypes

    PR_SET_DUMPABLE = 4
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def _snapshot(roots=RESTORED) -> set[str]:
    """Every path under ``roots``, not descending into other mounts (the student's home)."""
    seen = set()
    for root in roots:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if not os.path.ismount(os.path.join(folder, d))]
            seen.update(os.path.join(folder, name) for name in dirs + files)
    return seen


def _others() -> list[int]:
    """The processes of this PID namespace other than its init and this one."""
    me = os.getpid()
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, me)]


def _reap() -> dict[int, int]:
    """The wait statuses of this process's children that have ended, reaped now."""
    ended = {}
    try:
        while True:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if not pid:
                return ended
            ended[pid] = status
    except ChildProcessError:
        return ended


def _clean(kept: set[str]) -> dict[int, int]:
    """Kill every other process in the sandbox, reap it, and put /tmp and /dev back as they were.

    Returns the exit statuses of this process's children that it reaped.
    """
    reaped: dict[int, int] = {}
    try:
        os.kill(-1, signal.SIGKILL)  # everything in the namespace but its init and this process
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + 5
    while True:
        reaped |= _reap()
        if not _others() or time.monotonic() > deadline:
            break
        time.sleep(0.005)
    for path in sorted(_snapshot() - kept, key=len, reverse=True):
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)
        except OSError:
            pass
    return reaped


def _child(request: dict, private: list[int]) -> None:
    """Become a kernel: close the template's pipes, then run ipykernel as a fresh process would."""
    code = 1
    try:
        for fd in private:
            os.close(fd)
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.setsid()
        os.chdir(SUBMISSION)
        os.environ.update(request.get("env", {}))
        # The kernel ends if the template does (as a launched kernel watches its launcher).
        argv = [*request["argv"], f"--IPKernelApp.parent_handle={os.getppid()}"]
        sys.argv = [sys.executable, "-m", "ipykernel_launcher", *argv]
        from ipykernel.kernelapp import IPKernelApp

        IPKernelApp.launch_instance(argv=argv)
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    except BaseException:  # a kernel that cannot start says why on the grader's stderr
        import traceback

        traceback.print_exc()
    finally:
        os._exit(code)


def serve(preload=PRELOAD) -> int:
    """The template: import ``preload``, then fork a kernel per request until the grader leaves."""
    from dl_course.sandbox import is_sandboxed

    if not is_sandboxed() or os.getpid() > 10:
        print("dl_course.warm serves kernels only inside the grading sandbox", file=sys.stderr)
        return 2
    os.environ.setdefault("MPLBACKEND", INLINE)
    for name in preload:
        try:
            importlib.import_module(name)
        except Exception:  # a missing optional module is imported (and fails) in the kernel instead
            pass
    _not_dumpable()
    requests, replies = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)  # what a kernel prints goes where the grader's standard error goes
    os.close(devnull)
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    private = [requests, replies, wake_read, wake_write]
    kept = _snapshot()
    kernels: set[int] = set()

    def reply(**message) -> None:
        os.write(replies, (json.dumps(message) + "\n").encode())

    def report(statuses: dict[int, int]) -> None:
        for pid, status in statuses.items():
            if pid in kernels:
                kernels.discard(pid)
                reply(exited=pid, code=os.waitstatus_to_exitcode(status))

    def clean() -> None:
        """Kill everything, kernels included; report the kernels that ended."""
        report(_clean(kept))

    def reap() -> None:
        ended = _reap()
        if any(pid in kernels for pid in ended):
            ended |= _clean(kept)
        report(ended)

    reply(ready=os.getpid())
    buffer = b""
    while True:
        try:
            ready, _, _ = select.select([requests, wake_read], [], [])
        except InterruptedError:
            continue
        if wake_read in ready:
            try:
                os.read(wake_read, 4096)
            except BlockingIOError:
                pass
            reap()
        if requests not in ready:
            continue
        chunk = os.read(requests, 65536)
        if not chunk:  # the grader is gone
            clean()
            return 0
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            request = json.loads(line)
            op = request.get("op")
            if op == "start":
                clean()
                pid = os.fork()
                if pid == 0:
                    _child(request, private)
                kernels.add(pid)
                reply(started=pid)
            elif op == "signal" and request.get("pid") in kernels:
                try:
                    os.killpg(request["pid"], int(request["signal"]))
                except OSError:
                    pass
            elif op == "reset":
                clean()
                reply(reset=True)


# --- in the grader -----------------------------------------------------------------------------


class TemplateGone(RuntimeError):
    """The template process ended (a kernel may have killed it)."""


class WarmTemplate:
    """The grader's side of one template: start it in the sandbox, ask it for kernels."""

    def __init__(self, options: dict, start_timeout: float = 120):
        from dl_course.sandbox import bwrap_command, find_bwrap

        self.slot = tempfile.mkdtemp(prefix="dl-warm-")
        for part in ("work", "home", "ipc"):
            os.mkdir(f"{self.slot}/{part}", 0o700)
        cmd = bwrap_command([sys.executable, "-m", "dl_course.warm"], SUBMISSION, self.slot,
                            bwrap=find_bwrap() or "bwrap", **options)
        self.process = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        start_new_session=True)
        self.busy = False
        self.kernels = 0
        self._changed = threading.Condition()
        self._exits: dict[int, int] = {}
        self._started: list[int] = []
        self._resets = 0
        self._ready: int | None = None
        self._gone = False
        threading.Thread(target=self._read, daemon=True, name="warm-template").start()
        with self._changed:
            if not self._changed.wait_for(lambda: self._ready is not None or self._gone, start_timeout):
                self.close()
                raise TemplateGone(f"the warm kernel template did not start within {start_timeout:.0f} s")
        if self._gone:
            raise TemplateGone("the warm kernel template could not start in the sandbox")

    def _read(self) -> None:
        for line in self.process.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            with self._changed:
                if "ready" in message:
                    self._ready = message["ready"]
                elif "started" in message:
                    self._started.append(message["started"])
                elif "exited" in message:
                    self._exits[message["exited"]] = message["code"]
                elif "reset" in message:
                    self._resets += 1
                self._changed.notify_all()
        with self._changed:
            self._gone = True
            self._changed.notify_all()

    @property
    def alive(self) -> bool:
        return not self._gone and self.process.poll() is None

    def _send(self, **request) -> None:
        try:
            self.process.stdin.write((json.dumps(request) + "\n").encode())
            self.process.stdin.flush()
        except (BrokenPipeError, ValueError, OSError) as error:
            raise TemplateGone(f"the warm kernel template is gone ({error})") from error

    def reset(self, timeout: float = 30) -> None:
        """Kill whatever runs in the sandbox, restore it, and empty the slot's folders."""
        with self._changed:
            before = self._resets
        self._send(op="reset")
        with self._changed:
            if not self._changed.wait_for(lambda: self._resets > before or self._gone, timeout) or self._gone:
                raise TemplateGone("the warm kernel template did not reset")
        for part in ("work", "home", "ipc"):
            _empty(Path(self.slot, part))

    def start(self, argv: list[str], env: dict[str, str], timeout: float = 30) -> WarmProcess:
        """Fork a kernel that runs ``ipykernel`` with ``argv`` in the student's folder."""
        self._send(op="start", argv=argv, env=env)
        with self._changed:
            if not self._changed.wait_for(lambda: self._started or self._gone, timeout) or self._gone:
                raise TemplateGone("the warm kernel template did not start a kernel")
            pid = self._started.pop(0)
        self.kernels += 1
        return WarmProcess(self, pid)

    def exit_code(self, pid: int) -> int | None:
        with self._changed:
            if pid in self._exits:
                return self._exits[pid]
            return -signal.SIGKILL if self._gone else None

    def wait_exit(self, pid: int, timeout: float | None) -> int | None:
        with self._changed:
            self._changed.wait_for(lambda: pid in self._exits or self._gone, timeout)
        return self.exit_code(pid)

    def signal(self, pid: int, signum: int) -> None:
        self._send(op="signal", pid=pid, signal=int(signum))

    def close(self) -> None:
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.slot, ignore_errors=True)


def _empty(folder: Path) -> None:
    """Remove everything in ``folder`` (also what a kernel made unreadable), keeping the folder."""
    def unlock(function, path, _):
        try:
            os.chmod(os.path.dirname(path), 0o700)
            os.chmod(path, 0o700)
        except OSError:
            pass
        function(path)

    for entry in list(folder.iterdir()) if folder.exists() else []:
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, onerror=unlock)
        else:
            entry.unlink()


class WarmProcess:
    """A forked kernel, as ``jupyter_client`` handles a ``Popen``: poll, wait, signal, kill."""

    stdin = stdout = stderr = None

    def __init__(self, template: WarmTemplate, pid: int):
        self.template, self.pid = template, pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        self.returncode = self.template.exit_code(self.pid)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        self.returncode = self.template.wait_exit(self.pid, timeout)
        if self.returncode is None:
            raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            try:
                self.template.signal(self.pid, signum)
            except TemplateGone:
                pass

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


_templates: dict[tuple, WarmTemplate] = {}
_lock = threading.Lock()


def acquire(options: dict) -> WarmTemplate | None:
    """This process's template for these sandbox ``options``, reset and held; None when busy."""
    key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in options.items()))
    with _lock:
        template = _templates.get(key)
        if template is not None and template.busy:
            return None
        if template is None or not template.alive:
            if template is not None:
                template.close()
            template = _templates[key] = WarmTemplate(options)
        template.busy = True
    try:
        template.reset()
    except TemplateGone:
        with _lock:
            template.close()
            template = _templates[key] = WarmTemplate(options)
            template.busy = True
        template.reset()
    return template


def release(template: WarmTemplate) -> None:
    """Give a template back after its kernel ended; its slot is emptied now, not only at the next start."""
    for part in ("work", "home", "ipc"):
        try:
            _empty(Path(template.slot, part))
        except OSError:
            pass
    with _lock:
        template.busy = False


def close_all() -> None:
    with _lock:
        for template in _templates.values():
            template.close()
        _templates.clear()


import atexit  # noqa: E402

atexit.register(close_all)

if __name__ == "__main__":
    sys.exit(serve())
