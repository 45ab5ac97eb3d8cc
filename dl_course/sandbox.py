"""The grading sandbox: every grading kernel runs inside bubblewrap, and is checked from outside.

nbgrader runs a student's notebook in a Jupyter kernel that it starts through
``jupyter_client``. The course's ``nbgrader_config.py`` makes that kernel a
:class:`SandboxKernelManager`, so ``python -m dl_course autograde``, a plain
``nbgrader autograde`` and the formgrader all start it the same way: inside
`bubblewrap <https://github.com/containers/bubblewrap>`_ (``bwrap``), where

* the file system is a read-only view of what Python needs (``/usr``, the
  Python installation, the virtual environment, ``dl_lib`` and ``dl_course``)
  plus a *copy* of the student's own folder; the course (``source/`` with the
  solutions and hidden tests, the gradebook, other students' submissions) and
  the grader's home are simply not there;
* writes go to that copy and to a size-limited ``/tmp``, which vanish with the
  kernel; the rest of the file system is read-only;
* there is no network: the kernel has its own, empty network namespace
  (``--unshare-net``), and talks to nbgrader over ZeroMQ's ``ipc`` transport,
  Unix socket files in a folder shared with the grader (a Unix socket is a
  file, so it crosses network namespaces; a TCP port on localhost would not);
* the kernel is process 1's only child in its own PID namespace: when it
  exits, or nbgrader stops it, every process it started is killed with it;
* its processes, memory, file sizes and core dumps are limited by rlimits.

:class:`CheckedExecute` replaces nbgrader's ``Execute`` step: after each test
cell it sends the kernel a probe (print a product of two random numbers, then
raise an ``AssertionError`` with a random message). A kernel whose machinery a
submission tampered with (input transformers that blank the cells, a muted
error display, a replaced ``run_cell``) fails the probe, and the test cell it
followed is marked failed with the error ``KernelTampered``.

By default (``SandboxKernelManager.warm``) a kernel is not started from scratch: it is
forked from a template process that already imported ``torch`` and ``ipykernel``, in a
sandbox kept for the grading process, and sees its student's folder at
``/submission`` (:mod:`dl_course.warm` says how students are kept apart). Inside,
nothing has a capability, also when the grader runs as root.

Where ``bwrap`` is missing, starting a kernel fails with :class:`SandboxUnavailable`
unless the sandbox is turned off on purpose (``--SandboxKernelManager.enabled=False``
for nbgrader, ``--no-sandbox`` for ``python -m dl_course autograde``).
"""

from __future__ import annotations

import glob
import os
import random
import secrets
import shutil
import sys
import tempfile
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_code_cell, new_output
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer, List, Unicode

__all__ = [
    "CheckedExecute", "SandboxKernelManager", "SandboxUnavailable", "autograde_preprocessors",
    "bwrap_command", "find_bwrap", "is_sandboxed", "missing_message", "works",
]

BWRAP_ENV = "DL_COURSE_BWRAP"  # another bwrap binary, or a missing one in tests
TAMPERED = "KernelTampered"
HOME = "/tmp/home"
# What the kernel may read from /etc: the dynamic linker's cache, names, locale, fonts, certificates.
ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "passwd", "group", "nsswitch.conf", "hosts",
       "localtime", "timezone", "fonts", "ssl", "ca-certificates", "alternatives", "mime.types",
       "matplotlibrc")
PASSED_ENV = ("LANG", "LC_ALL", "LC_CTYPE", "TZ", "DL_LIB_DEVICE", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
              "CUDA_VISIBLE_DEVICES", "JPY_SESSION_NAME", "PYDEVD_DISABLE_FILE_VALIDATION")
_LIMITS = """
import os, resource, sys
for name, value in {limits!r}:
    resource.setrlimit(getattr(resource, name), (value, value))
os.execv(sys.argv[1], sys.argv[1:])
""".strip()


class SandboxUnavailable(RuntimeError):
    """Grading would run a student's code without the sandbox, and nobody said that is intended."""


def find_bwrap() -> str | None:
    """The path of the ``bwrap`` binary (``$DL_COURSE_BWRAP`` if set), or None where it is missing."""
    wanted = os.environ.get(BWRAP_ENV, "bwrap")
    found = shutil.which(wanted)
    return found if found and os.access(found, os.X_OK) else None


def missing_message() -> str:
    """What an instructor reads when bwrap is missing."""
    return ("the grading sandbox needs bubblewrap (bwrap), which is not installed here "
            f"(looked for {os.environ.get(BWRAP_ENV, 'bwrap')!r} on PATH). Students' code would run "
            "with your permissions and could read the solutions, hidden tests and gradebook. "
            "Install it (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap), "
            "or, only for code you trust, pass --no-sandbox to `python -m dl_course autograde` "
            "(--SandboxKernelManager.enabled=False to nbgrader)")


def _readable_roots() -> list[str]:
    """What Python needs to run a kernel: its installation, the environment, dl_lib and dl_course."""
    import dl_course
    import dl_lib

    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             str(Path(sys.executable).resolve().parent.parent),
             str(Path(dl_lib.__file__).resolve().parent), str(Path(dl_course.__file__).resolve().parent)}
    for entry in sys.path:  # site-packages outside the prefix (a user or system site)
        if entry and Path(entry).is_dir() and ("site-packages" in entry or "dist-packages" in entry):
            roots.add(entry)
    roots = sorted(str(Path(r).resolve()) for r in roots if r and Path(r).exists())
    # A root inside another is already there.
    return [r for r in roots if not any(r != o and r.startswith(o.rstrip("/") + "/") for o in roots)]


def bwrap_command(cmd: list[str], cwd: str, scratch: str, *, bwrap: str = "bwrap", memory_mb: int = 4096,
                  processes: int = 256, file_mb: int = 1024, tmp_mb: int = 512, network: bool = False,
                  env: dict[str, str] | None = None, readable: list[str] | None = None) -> list[str]:
    """``cmd`` wrapped in bubblewrap: it sees ``scratch/work`` at ``cwd`` and nothing of the course.

    ``scratch`` holds ``work`` (the copy of the student's folder), ``home`` and
    ``ipc`` (the kernel's sockets and connection file, shared with the grader at
    the same path). ``readable`` adds read-only paths.
    """
    env = dict(os.environ if env is None else env)
    # No capabilities, also when the grader runs as root (bwrap keeps root's otherwise): nothing
    # inside may trace, mount or bypass file permissions.
    args = [bwrap, "--unshare-all", "--die-with-parent", "--cap-drop", "ALL"]
    if network:
        args.append("--share-net")
    for top in ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / top
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for name in ETC:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    # /tmp first, so that an environment or checkout that lives under /tmp is bound on top of it.
    args += ["--size", str(tmp_mb * 2**20), "--tmpfs", "/tmp"]
    for root in _readable_roots() + list(readable or []):
        args += ["--ro-bind", root, root]
    args += ["--proc", "/proc", "--dev", "/dev", "--ro-bind-try", "/sys", "/sys"]
    for device in sorted(glob.glob("/dev/nvidia*")) + ["/dev/dri"]:  # a GPU, where there is one
        args += ["--dev-bind-try", device, device]
    args += ["--bind", f"{scratch}/home", HOME,
             "--bind", f"{scratch}/work", cwd,
             "--bind", f"{scratch}/ipc", f"{scratch}/ipc",
             "--remount-ro", "/", "--chdir", cwd, "--clearenv"]
    path = os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"])
    settings = {"PATH": path, "HOME": HOME, "TMPDIR": "/tmp", "MPLCONFIGDIR": f"{HOME}/.config/matplotlib",
                "IPYTHONDIR": f"{HOME}/.ipython", "DL_COURSE_SANDBOX": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    settings |= {k: env[k] for k in PASSED_ENV if k in env}
    for key, value in sorted(settings.items()):
        args += ["--setenv", key, value]
    limits = [("RLIMIT_AS", memory_mb * 2**20), ("RLIMIT_NPROC", processes),
              ("RLIMIT_FSIZE", file_mb * 2**20), ("RLIMIT_CORE", 0)]
    return args + ["--", sys.executable, "-I", "-S", "-c", _LIMITS.format(limits=limits), *cmd]


def is_sandboxed() -> bool:
    """Whether this process runs inside the grading sandbox."""
    return os.environ.get("DL_COURSE_SANDBOX") == "1"


def _matplotlib_cache() -> list[Path]:
    """The grader's matplotlib font list, so that a kernel does not rebuild it (seconds) every time."""
    places = [os.environ.get("MPLCONFIGDIR", ""), "~/.cache/matplotlib", "~/.config/matplotlib"]
    return [Path(p) for place in places if place for p in glob.glob(os.path.expanduser(f"{place}/fontlist-*.json"))]


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager that starts every kernel inside bubblewrap (see the module's docstring)."""

    enabled = Bool(True, help="Run kernels in the sandbox; False runs them unconfined (trusted code only)."
                   ).tag(config=True)
    memory_limit_mb = Integer(4096, help="Address-space limit of the kernel, in MB.").tag(config=True)
    max_processes = Integer(256, help="Processes and threads the kernel may have at once.").tag(config=True)
    max_file_mb = Integer(1024, help="Largest file the kernel may write, in MB.").tag(config=True)
    tmp_mb = Integer(512, help="Size of the kernel's /tmp, in MB.").tag(config=True)
    network = Bool(False, help="Let the kernel use the network (off: its own empty namespace)."
                   ).tag(config=True)
    readable = List(Unicode(), help="More paths the kernel may read (read-only).").tag(config=True)
    warm = Bool(True, help="Fork each kernel from a pre-imported template in a sandbox kept for this "
                "process (dl_course.warm); False starts every kernel from scratch in a new sandbox."
                ).tag(config=True)

    _scratch: str | None = None
    _cwd: str | None = None
    _warm = None  # the dl_course.warm.WarmTemplate this kernel runs in

    def _options(self) -> dict:
        return dict(memory_mb=self.memory_limit_mb, processes=self.max_processes, file_mb=self.max_file_mb,
                    tmp_mb=self.tmp_mb, network=self.network, readable=list(self.readable))

    def _can_be_warm(self) -> bool:
        argv = list(self.kernel_spec.argv)
        return (self.warm and argv[:1] in (["python"], ["python3"], [sys.executable])
                and argv[1:3] == ["-m", "ipykernel_launcher"])

    def _prepare_warm(self, cwd: str) -> bool:
        """Hold this process's template, with the student's folder copied into its slot."""
        from dl_course import warm

        try:
            if self._warm is None:
                self._warm = warm.acquire(self._options())
                if self._warm is None:  # another kernel of this process holds it: start cold
                    return False
            else:
                self._warm.reset()
        except warm.TemplateGone as error:  # start this kernel the slow way rather than not at all
            self.log.warning("no warm kernel template (%s): starting the kernel in a new sandbox", error)
            if self._warm is not None:
                warm.release(self._warm)
            self._warm = None
            return False
        slot = self._warm.slot
        shutil.copytree(cwd, f"{slot}/work", symlinks=True, dirs_exist_ok=True)
        cache = Path(slot, "home", ".config", "matplotlib")
        cache.mkdir(parents=True, exist_ok=True)
        for font_list in _matplotlib_cache():
            shutil.copy2(font_list, cache / font_list.name)
        self.transport = "ipc"
        self.ip = f"{slot}/ipc/k{self._warm.kernels}"
        self.connection_file = f"{slot}/ipc/k{self._warm.kernels}.json"
        return True

    # jupyter_client calls its own _async_* methods; the public names point to them.
    async def _async_pre_start_kernel(self, **kw):  # type: ignore[override]
        if self.enabled:
            if find_bwrap() is None:
                raise SandboxUnavailable(missing_message())
            self._remove_scratch()
            self._cwd = os.path.realpath(kw.get("cwd") or os.getcwd())
            self.kernel_spec.interrupt_mode = "message"  # see below
            if self._can_be_warm() and self._prepare_warm(self._cwd):
                return await super()._async_pre_start_kernel(**kw)
            self._scratch = tempfile.mkdtemp(prefix="dl-sandbox-")
            shutil.copytree(self._cwd, f"{self._scratch}/work", symlinks=True)
            cache = Path(self._scratch, "home", ".config", "matplotlib")
            cache.mkdir(parents=True)
            for font_list in _matplotlib_cache():
                shutil.copy2(font_list, cache / font_list.name)
            os.mkdir(f"{self._scratch}/ipc", 0o700)
            self.transport = "ipc"
            self.ip = f"{self._scratch}/ipc/kernel"
            self.connection_file = f"{self._scratch}/ipc/kernel.json"
            # SIGINT to the process group would reach bwrap, whose exit kills the kernel:
            # interrupt a cell that runs too long with a message on the control channel instead.
            self.kernel_spec.interrupt_mode = "message"
        return await super()._async_pre_start_kernel(**kw)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        if not self.enabled or self._warm is not None:
            return cmd
        env = self._launch_args.get("env") if isinstance(self._launch_args, dict) else None
        return bwrap_command(cmd, self._cwd, self._scratch, bwrap=find_bwrap() or "bwrap",
                             memory_mb=self.memory_limit_mb, processes=self.max_processes,
                             file_mb=self.max_file_mb, tmp_mb=self.tmp_mb, network=self.network,
                             env=env, readable=list(self.readable))

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:  # type: ignore[override]
        if self._warm is None:
            return await super()._async_launch_kernel(kernel_cmd, **kw)
        env = kw.get("env") or {}
        process = self._warm.start(kernel_cmd[3:], {k: env[k] for k in PASSED_ENV if k in env})
        # The provisioner handles the forked kernel as it would a Popen (no process group here:
        # its pid is the sandbox's, so every signal goes through the template).
        self.provisioner.process, self.provisioner.pid, self.provisioner.pgid = process, None, None
        self._reconcile_connection_info(self.provisioner.connection_info)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            self._remove_scratch()
            if self._warm is not None:
                from dl_course import warm

                warm.release(self._warm)
                self._warm = None

    pre_start_kernel = _async_pre_start_kernel
    launch_kernel = _async_launch_kernel
    cleanup_resources = _async_cleanup_resources

    def _remove_scratch(self) -> None:
        if self._scratch:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None


def _is_test_cell(cell) -> bool:
    grading = cell.get("metadata", {}).get("nbgrader", {})
    return cell.cell_type == "code" and bool(grading.get("grade")) and not grading.get("solution")


class CheckedExecute(Execute):
    """nbgrader's Execute step: kernels start in the sandbox, and are probed after every test cell."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxKernelManager)
        super().__init__(*args, **kwargs)

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        cell = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        if _is_test_cell(cell):
            problem = await self._probe(cell_index)
            self.nb.cells[cell_index] = cell  # nbclient stored the probe in the test cell's place
            if problem:
                cell.outputs.append(new_output(
                    "error", ename=TAMPERED, evalue=problem,
                    traceback=[f"{TAMPERED}: {problem}. The test above cannot be trusted and scores zero."]))
        return cell

    # nbclient binds execute_cell to its own async_execute_cell when the class is made.
    execute_cell = run_sync(async_execute_cell)

    async def _probe(self, cell_index: int) -> str | None:
        a, b, nonce = random.randrange(10**6, 10**7), random.randrange(10**6, 10**7), secrets.token_hex(8)
        probe = new_code_cell(f"print({a} * {b})\nraise AssertionError('probe {nonce}')")
        try:
            await super().async_execute_cell(probe, cell_index, store_history=False)
        except DeadKernelError:
            raise
        except Exception as error:  # a probe that hangs or breaks the protocol
            return f"the kernel did not answer a check after this cell ({type(error).__name__})"
        printed = "".join(o.get("text", "") for o in probe.outputs if o.output_type == "stream")
        raised = [o for o in probe.outputs if o.output_type == "error"]
        if str(a * b) not in printed:
            return "the kernel no longer runs the code it is sent (input transformers or run_cell replaced)"
        if not any(o.ename == "AssertionError" and nonce in o.evalue for o in raised):
            return "the kernel no longer reports errors (error display, exception hooks or builtins changed)"
        return None


def autograde_preprocessors() -> list:
    """nbgrader's autograde steps with its ``Execute`` replaced by :class:`CheckedExecute`."""
    from nbgrader.converters import Autograde

    steps = Autograde.class_traits()["autograde_preprocessors"].default()
    return [CheckedExecute if step is Execute else step for step in steps]


def works(timeout: float = 30) -> str | None:
    """None when bwrap can start a process with this module's options here; otherwise why not."""
    import subprocess

    bwrap = find_bwrap()
    if bwrap is None:
        return missing_message()
    with tempfile.TemporaryDirectory(prefix="dl-sandbox-check-") as scratch:
        for part in ("work", "home", "ipc"):
            os.mkdir(f"{scratch}/{part}")
        cmd = bwrap_command([sys.executable, "-c", "print('ok')"], scratch + "/work", scratch, bwrap=bwrap)
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return f"bwrap did not finish a trivial command in {timeout:.0f} s"
    if done.returncode != 0 or done.stdout.strip() != "ok":
        return f"bwrap is installed but cannot start a sandbox here: {(done.stderr or done.stdout).strip()[:300]}"
    return None
