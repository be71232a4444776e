#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Runs the end-to-end tests (tests/e2e/test_*.py, functions test_*) and prints
'e2e: N passed, M failed, K skipped'. They need root, BTF and uprobes; without them every test
is reported skipped with the reason, never passed."""
import importlib.util
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402


def skip_reason():
    if os.geteuid() != 0:
        return "not root"
    if not os.path.exists("/sys/kernel/btf/vmlinux"):
        return "kernel without BTF"
    if not os.path.exists("/sys/bus/event_source/devices/uprobe/type"):
        return "kernel without uprobes"
    if not os.access(lib.TRACER, os.X_OK):
        return "tracetree-bpf not built"
    return None


def main():
    flt = sys.argv[1] if len(sys.argv) > 1 else None
    # under `sudo make check` COMMAND would run as the user who ran sudo, who cannot enter the
    # tests' private work directories: the tests run it as root, as .ci/run does, and those of
    # test_privileges.py set sudo's variables themselves
    for k in ("SUDO_UID", "SUDO_GID", "SUDO_USER", "SUDO_COMMAND"):
        os.environ.pop(k, None)
    here = os.path.dirname(os.path.abspath(__file__))
    tests = []
    for name in sorted(os.listdir(here)):
        if not (name.startswith("test_") and name.endswith(".py")):
            continue
        spec = importlib.util.spec_from_file_location(name[:-3], os.path.join(here, name))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for attr in sorted(dir(mod)):
            if attr.startswith("test_") and callable(getattr(mod, attr)):
                full = "%s.%s" % (name[5:-3], attr[5:])
                if not flt or flt in full:
                    tests.append((full, getattr(mod, attr)))
    reason = skip_reason()
    passed = failed = skipped = 0
    for i, (name, fn) in enumerate(tests, 1):
        if reason:
            print("#%d e2e/%s: SKIP (%s)" % (i, name, reason))
            skipped += 1
            continue
        t0 = time.time()
        try:
            fn()
        except lib.Skip as e:
            skipped += 1
            print("#%d e2e/%s: SKIP (%s)" % (i, name, e))
        except Exception as e:  # noqa: BLE001
            failed += 1
            print("#%d e2e/%s: FAIL (%.1fs)" % (i, name, time.time() - t0))
            if isinstance(e, lib.TestFailure):
                print("  %s" % e)
            else:
                traceback.print_exc(file=sys.stdout)
        else:
            passed += 1
            print("#%d e2e/%s: OK (%.1fs)" % (i, name, time.time() - t0))
        sys.stdout.flush()
    print("e2e: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
