"""Runs the PEP 517 hook prepare_metadata_for_build_wheel of an sdist's build backend, for pyvouch.

pyvouch starts this inside its bubblewrap sandbox with the source tree as the working directory:
    python -I metadata_hook.py BACKEND METADATA_DIR RESULT_FILE [BACKEND_PATH ...]
and reads RESULT_FILE (JSON) afterwards. The backend's own prints go to stderr, never to stdout.
"""

import importlib
import json
import os
import sys
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
    spec, metadata_dir, result_file = argv[1:4]
    backend_path = argv[4:]
    result = {}
    try:
        # A backend's chatter must not be mistaken for our answer, which goes to result_file.
        sys.stdout = sys.stderr
        backend = load_backend(spec, backend_path)
        hook = getattr(backend, "prepare_metadata_for_build_wheel", None)
        if hook is None:
            result["hook"] = "build_wheel"
            result["dist_info"] = metadata_from_wheel(backend, metadata_dir)
        else:
            result["hook"] = "prepare_metadata_for_build_wheel"
            result["dist_info"] = os.path.basename(hook(metadata_dir, {}))
        status = 0
    except HookError as exc:
        traceback.print_exc()
        result = {"error": exc.kind, "message": str(exc)}
        status = 1
    except BaseException as exc:  # SystemExit from setup.py included: report it, do not vanish
        traceback.print_exc()
        result = {"error": "hook-failed", "message": "%s: %s" % (type(exc).__name__, exc)}
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
