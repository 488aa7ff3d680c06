"""Runs the PEP 517 hook prepare_metadata_for_build_wheel of an sdist's build backend, for pyvouch.

pyvouch starts this inside its bubblewrap sandbox with the source tree as the working directory:
    python -I metadata_hook.py CONFIG_JSON
where CONFIG_JSON names the backend, backend-path, the metadata and result files, the build
requirements' directories to put first on sys.path (with `isolate`, the interpreter's own
site-packages are dropped, as in pip's isolated build environment) and the target to emulate
(issue 20: sys.platform, os.name, platform.*() as on the target). pyvouch reads the result file
(JSON) afterwards. The backend's own prints go to stderr, never to stdout.
"""

import importlib
import json
import os
import platform
import sys
import types
import tempfile
import traceback
import zipfile


class HookError(Exception):
    """A failure worth a one-line reason in pyvouch's report (the traceback goes to stderr)."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def load_backend(spec, backend_path):
    # PEP 517: in-tree backends live in backend-path, which must stay inside the source tree.
    source_tree = os.path.realpath(os.getcwd())
    entries = []
    for entry in backend_path:
        full = os.path.realpath(os.path.join(source_tree, entry))
        if os.path.commonpath([full, source_tree]) != source_tree:
            raise HookError("backend-path", "backend-path %r leaves the source tree" % entry)
        entries.append(full)
    sys.path[:0] = entries

    module_name, _, attributes = spec.partition(":")
    try:
        backend = importlib.import_module(module_name.strip())
    except ImportError as exc:
        missing = getattr(exc, "name", None) or module_name
        raise HookError("backend-missing", "cannot import build backend %r (%s)" % (spec, missing)) from exc
    for attribute in filter(None, attributes.strip().split(".")):
        backend = getattr(backend, attribute)
    return backend


def isolate_sys_path(build_paths, isolate):
    if isolate:
        # Only the standard library and the build requirements: the host's packages are not what
        # pyvouch resolved and checked, so the build must not silently use them.
        sys.path[:] = [p for p in sys.path if not p.rstrip("/").endswith(("site-packages", "dist-packages"))]
    sys.path[:0] = list(build_paths)


# Modules that choose an implementation from os.name or sys.platform when first imported, or that
# the build backend imports lazily: loaded before emulation, so they keep working on the real host.
HOST_MODULES = (
    "subprocess", "shutil", "tempfile", "glob", "fnmatch", "zipfile", "tarfile", "sysconfig",
    "importlib.metadata", "importlib.resources", "email.parser", "locale", "getpass", "uuid",
    "ntpath", "posixpath", "pathlib", "mimetypes", "urllib.request", "urllib.parse", "inspect",
    "distutils.util", "setuptools._distutils.util", "setuptools.command.egg_info",
    "setuptools.command.dist_info", "setuptools.command.bdist_wheel", "setuptools.command.sdist",
    "setuptools.command.build_py", "setuptools.command.bdist_egg", "wheel.bdist_wheel",
    "hatchling.metadata.core", "hatchling.builders.wheel", "flit_core.common", "pdm.backend.base",
)


class HostModule(types.ModuleType):
    """A module as the real host has it, for code loaded before the emulation (the build tools)."""

    def __init__(self, real, saved):
        super().__init__(real.__name__)
        object.__setattr__(self, "_real", real)
        object.__setattr__(self, "_saved", saved)

    def __getattr__(self, attribute):
        saved = object.__getattribute__(self, "_saved")
        if attribute in saved:
            return saved[attribute]
        return getattr(object.__getattribute__(self, "_real"), attribute)

    def __setattr__(self, attribute, value):
        setattr(object.__getattribute__(self, "_real"), attribute, value)


def emulate_target(env):
    """Makes the running interpreter report the target's platform to the code that follows.

    Modules already loaded (the standard library, the build backend and its tools) keep seeing the
    host's os and sys, as they manage real Linux files; sys, os and platform themselves, which the
    project's own code (setup.py, a metadata hook) imports afterwards, report the target.
    """
    if not env:
        return
    for module in HOST_MODULES:
        try:
            importlib.import_module(module)
        except Exception:  # not installed, or not for this Python: nothing to protect
            pass
    host_os = HostModule(os, {"name": os.name, "sep": os.sep, "pathsep": os.pathsep})
    host_sys = HostModule(sys, {"platform": sys.platform, "implementation": sys.implementation})
    for name, module in list(sys.modules.items()):
        # The import machinery makes new modules with type(sys)(name): it keeps the real sys.
        if module is None or name == "__main__" or name.startswith(("_frozen_importlib", "importlib._")):
            continue
        if not hasattr(module, "__dict__"):
            continue
        namespace = module.__dict__
        if namespace.get("os") is os:
            namespace["os"] = host_os
        if namespace.get("sys") is sys:
            namespace["sys"] = host_sys
    sys.platform = env["sys_platform"]
    os.name = env["os_name"]
    # os.path stays posixpath: the files really are on Linux; only what setup.py compares changes.
    os.sep = env["os_sep"]
    os.pathsep = env["os_pathsep"]
    real_uname = platform.uname()
    release = env.get("platform_release") or real_uname.release
    platform.system = lambda: env["platform_system"]
    platform.machine = lambda: env["platform_machine"]
    platform.release = lambda: release
    platform.python_implementation = lambda: env["platform_python_implementation"]
    try:
        fake = real_uname._replace(system=env["platform_system"], machine=env["platform_machine"], release=release)
        platform.uname = lambda: fake
    except (AttributeError, TypeError, ValueError):
        pass
    platform.platform = lambda *args, **kwargs: "%s-%s-%s" % (env["platform_system"], release, env["platform_machine"])
    implementation = types.SimpleNamespace(**vars(sys.implementation))
    implementation.name = env["implementation_name"]
    sys.implementation = implementation
    markers = env.get("markers") or {}
    # packaging's default_environment() reads the patched functions; platform.version() too.
    if markers.get("platform_version"):
        platform.version = lambda: markers["platform_version"]


def metadata_from_wheel(backend, metadata_dir):
    # PEP 517 lets a frontend fall back to build_wheel when the optional hook is missing.
    wheel_dir = tempfile.mkdtemp(prefix="wheel-", dir=os.environ.get("TMPDIR"))
    name = backend.build_wheel(wheel_dir, {}, None)
    with zipfile.ZipFile(os.path.join(wheel_dir, os.path.basename(name))) as wheel:
        infos = [n for n in wheel.namelist() if n.count("/") == 1 and n.split("/")[0].endswith(".dist-info")]
        metadata = [n for n in infos if n.endswith("/METADATA")]
        if len(metadata) != 1:
            raise HookError("no-metadata", "the built wheel has %d .dist-info/METADATA files" % len(metadata))
        dist_info = metadata[0].split("/")[0]
        os.makedirs(os.path.join(metadata_dir, dist_info))
        with open(os.path.join(metadata_dir, dist_info, "METADATA"), "wb") as out:
            out.write(wheel.read(metadata[0]))
    return dist_info


def main(argv):
    with open(argv[1], encoding="utf-8") as config_file:
        config = json.load(config_file)
    spec = config["backend"]
    metadata_dir = config["metadata_dir"]
    result_file = config["result_file"]
    backend_path = config.get("backend_path") or []
    result = {}
    try:
        # A backend's chatter must not be mistaken for our answer, which goes to result_file.
        sys.stdout = sys.stderr
        isolate_sys_path(config.get("build_paths") or [], bool(config.get("isolate")))
        backend = load_backend(spec, backend_path)
        # After the backend's own imports (which must see the real host), before setup.py runs.
        emulate_target(config.get("emulate"))
        hook = getattr(backend, "prepare_metadata_for_build_wheel", None)
        if hook is None:
            result["hook"] = "build_wheel"
            result["dist_info"] = metadata_from_wheel(backend, metadata_dir)
        else:
            result["hook"] = "prepare_metadata_for_build_wheel"
            result["dist_info"] = os.path.basename(hook(metadata_dir, {}))
        status = 0
    except HookError as exc:
        # The traceback stays out of stderr: the report's "last lines" are the backend's own output.
        result = {"error": exc.kind, "message": str(exc), "traceback": traceback.format_exc()[-4000:]}
        status = 1
    except BaseException as exc:  # SystemExit from setup.py included: report it, do not vanish
        result = {"error": "hook-failed", "message": "%s: %s" % (type(exc).__name__, exc), "traceback": traceback.format_exc()[-4000:]}
        if "invalid command 'bdist_wheel'" in str(exc):
            # setuptools before 70.1 borrows bdist_wheel from the separate `wheel` distribution.
            result = {
                "error": "backend-missing",
                "message": "setuptools needs the 'wheel' package to prepare metadata, and it is not installed",
            }
        status = 1
    with open(result_file, "w", encoding="utf-8") as out:
        json.dump(result, out)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
