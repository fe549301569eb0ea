"""Shared helpers for the Python client tests: TAP-style result lines,
the private instance's addresses, and psql against it."""
import os
import subprocess
import sys

HOST = os.environ["KP_HOST"]
PORT = int(os.environ["KP_PORT"])
BOOTSTRAP = os.environ["KP_BOOTSTRAP"]

failures = 0


def ok(cond, desc, detail=None, todo=None):
    """Prints "ok - desc" or "not ok - desc -- detail"; returns cond.
    todo names a known broker bug that makes this check fail: the failure
    line then ends with "# TODO <todo>" (it still counts as a failure)."""
    global failures
    if cond:
        print(f"ok - {desc}")
    else:
        failures += 1
        print(f"not ok - {desc}" + (f" -- {detail!r}" if detail is not None else "") +
              (f" # TODO {todo}" if todo else ""))
    sys.stdout.flush()
    return cond


def psql(sql):
    """Runs one SQL statement on the test instance; returns its text output."""
    return subprocess.run(["psql", "-XAtc", sql], check=True,
                          capture_output=True, text=True).stdout.strip()


def exit_status():
    return 1 if failures else 0


def run(main):
    """Runs main() and exits with its status; an exception becomes a
    "not ok" line rather than a death without a TAP line."""
    try:
        sys.exit(main())
    except Exception:
        import traceback
        print(f"not ok - {sys.argv[0].split('/')[-1]} raised: " +
              traceback.format_exc().replace("\n", " | "))
        sys.exit(1)
