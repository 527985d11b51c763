"""Handlers of every kind. Each except line says the kind cq should give it."""

import logging
import sys
import warnings

log = logging.getLogger(__name__)


def swallow_pass(f):
    try:
        f()
    except ValueError:  # kind: swallow
        pass


def swallow_continue(items):
    for f in items:
        try:
            f()
        except KeyError:  # kind: swallow
            continue


def swallow_ellipsis(f):
    try:
        f()
    except OSError:  # kind: swallow
        "documented on purpose"
        ...


def log_logger(f):
    try:
        f()
    except ValueError as exc:  # kind: log
        log.warning("f failed: %s", exc)


def log_print(f):
    try:
        f()
    except ValueError:  # kind: log
        print("f failed", file=sys.stderr)


def log_warn(f):
    try:
        f()
    except DeprecationWarning:  # kind: log
        warnings.warn("f is going away", stacklevel=2)


def translate_from(f):
    try:
        f()
    except KeyError as exc:  # kind: translate
        raise LookupError("no such key") from exc


def translate_exit(f):
    try:
        f()
    except KeyboardInterrupt:  # kind: translate
        sys.exit(1)


def reraise_bare(f):
    try:
        f()
    except ValueError:  # kind: reraise
        raise


def reraise_name(f):
    try:
        f()
    except ValueError as exc:  # kind: reraise
        raise exc


def return_default(f):
    try:
        return f()
    except ValueError:  # kind: return_default
        return None


def assign_default(f):
    try:
        value = f()
    except ValueError:  # kind: return_default
        value = 0
    return value


try:
    import json as fast_json
except ImportError:  # kind: return_default
    fast_json = None


def other(f, cleanup):
    try:
        f()
    except ValueError:  # kind: other
        cleanup()


def mixed_log_then_reraise(f):
    try:
        f()
    except ValueError:  # kind: reraise
        log.exception("f failed")
        raise


def mixed_log_then_default(f):
    try:
        return f()
    except ValueError:  # kind: log
        logging.getLogger("shop").error("f failed")
        return None


def mixed_default_then_cleanup(f, cleanup):
    try:
        return f()
    except ValueError:  # kind: return_default
        cleanup()
        return None


def mixed_conditional(f, strict):
    try:
        f()
    except ValueError as exc:  # kind: translate
        if strict:
            raise RuntimeError("strict") from exc
        log.info("ignored")


def nested_handler(f, g):
    try:
        f()
    except ValueError:  # kind: translate
        try:
            g()
        except KeyError:  # kind: reraise
            raise


def long_string(f):
    try:
        f()
    except ValueError:  # kind: return_default
        message = """
a string that starts left of the handler"""
        return message
