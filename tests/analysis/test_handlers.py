"""What a handler does (`cq.analysis.handlers`): one case per kind, mixed bodies resolved by
the precedence reraise > translate > log > return_default > other > swallow, handlers found
by parsing their own text or, failing that, the file."""

from __future__ import annotations

import ast
import textwrap

import msgspec
import pytest

from cq.analysis.handlers import KINDS, RULES, classify, handler_kinds
from cq.details import HANDLER_KINDS
from cq.facts import Span
from cq.scan.extract import scan_source


def kind_of(body: str, header: str = "except ValueError as exc:") -> str:
    source = f"try:\n    f()\n{header}\n{textwrap.indent(textwrap.dedent(body), '    ')}"
    (node,) = ast.parse(source).body
    assert isinstance(node, ast.Try | ast.TryStar)
    return classify(node.handlers[0])


@pytest.mark.parametrize(("body", "kind"), [
    # swallow: nothing at all
    ("pass", "swallow"),
    ("...", "swallow"),
    ('"why it is fine"', "swallow"),
    ("continue", "swallow"),
    ("break", "swallow"),
    ("global state\npass", "swallow"),
    # log: logs and goes on
    ("logger.warning('x')", "log"),
    ("log.error('x', exc_info=True)", "log"),
    ("logging.exception('x')", "log"),
    ("self._log.debug('x')", "log"),
    ("LOGGER.critical('x')", "log"),
    ("request_logger.info('x')", "log"),
    ("self.logger.log(logging.INFO, 'x')", "log"),
    ("logging.getLogger(__name__).warning('x')", "log"),
    ("print(exc)", "log"),
    ("warnings.warn('x')", "log"),
    ("traceback.print_exc()", "log"),
    ("self.stderr.write('x')", "log"),
    ("sys.stdout.write('x')", "log"),
    ("await logger.error('x')", "log"),
    ("catalog.error('x')", "other"),  # named like a log, not a logger
    ("logger.setLevel(10)", "other"),  # a logger, not a logging call
    # translate: raises another exception
    ("raise RuntimeError('x')", "translate"),
    ("raise RuntimeError('x') from exc", "translate"),
    ("raise RuntimeError from None", "translate"),
    ("raise other", "translate"),
    ("sys.exit(1)", "translate"),
    ("self.fail('x')", "translate"),
    ("pytest.skip('x')", "translate"),
    # reraise: what it caught
    ("raise", "reraise"),
    ("raise exc", "reraise"),
    ("raise exc.with_traceback(tb)", "reraise"),
    # return_default: returns or binds a value and goes on
    ("return None", "return_default"),
    ("return", "return_default"),
    ("value = 0", "return_default"),
    ("value: int = 0", "return_default"),
    ("count += 1", "return_default"),
    ("import json", "return_default"),
    ("from json import loads", "return_default"),
    ("def fallback():\n    raise", "return_default"),  # a def's body runs later
    ("class Fallback:\n    pass", "return_default"),
    # other: does something no rule names
    ("cleanup()", "other"),
    ("del cache[key]", "other"),
    ("yield None", "other"),
])
def test_one_statement(body: str, kind: str) -> None:
    assert kind_of(body) == kind


@pytest.mark.parametrize(("body", "kind"), [
    ("logger.exception('x')\nraise", "reraise"),  # reraise over log
    ("logger.exception('x')\nraise RuntimeError from exc", "translate"),  # translate over log
    ("if strict:\n    raise\nraise RuntimeError", "reraise"),  # reraise over translate
    ("logger.warning('x')\nreturn None", "log"),  # log over return_default
    ("cleanup()\nreturn None", "return_default"),  # return_default over other
    ("cleanup()\npass", "other"),  # other over swallow
    ("value = None\npass", "return_default"),  # return_default over swallow
    ("if retry:\n    continue\nlogger.info('x')", "log"),  # nested blocks count
    ("for x in xs:\n    pass\nelse:\n    raise", "reraise"),
    ("with lock:\n    value = 0", "return_default"),
    ("match code:\n    case 1:\n        raise\n    case _:\n        pass", "reraise"),
    # a bare raise in a handler nested in this one re-raises the inner exception
    ("try:\n    g()\nexcept KeyError:\n    raise", "translate"),
    ("try:\n    g()\nexcept KeyError:\n    pass\nraise", "reraise"),
    ("try:\n    raise\nfinally:\n    pass", "reraise"),
])
def test_mixed_bodies_follow_the_precedence(body: str, kind: str) -> None:
    assert kind_of(body) == kind


def test_a_bare_except_reraising_by_name_needs_a_name() -> None:
    assert kind_of("raise exc", header="except ValueError:") == "translate"
    assert kind_of("raise", header="except:") == "reraise"
    assert kind_of("raise", header="except* ValueError:") == "reraise"


def test_the_precedence_is_the_kinds_tuple_and_every_rule_names_a_kind() -> None:
    assert KINDS == HANDLER_KINDS == ("reraise", "translate", "log", "return_default", "other",
                                      "swallow")
    assert {rule.kind for rule in RULES} == set(KINDS) - {"other"}  # other: no rule matched
    for rule in RULES:
        for node in rule.nodes:
            assert isinstance(getattr(ast, node), type)


# --- finding the handlers of a file ----------------------------------------------------------


FILE = '''\
import logging

def load(path):
    try:
        return open(path).read()
    except OSError:
        logging.warning("no %s", path)
        return ""

class Store:
    def get(self, key):
        try:
            return self.data[key]
        except KeyError as exc:
            raise LookupError(key) from exc
        except TypeError:
            text = """
left of the handler"""
            raise

try:
    import json
except ImportError:
    json = None
'''


def test_every_handler_of_a_file() -> None:
    facts = scan_source("m.py", FILE)
    assert handler_kinds(list(facts.excepts), FILE) == ["log", "translate", "reraise",
                                                        "return_default"]


def test_crlf_and_tabs() -> None:
    text = FILE.replace("    ", "\t").replace("\n", "\r\n")
    facts = scan_source("m.py", text)
    assert handler_kinds(list(facts.excepts), text) == ["log", "translate", "reraise",
                                                        "return_default"]


def test_a_clause_that_does_not_parse_alone_is_found_in_the_whole_file() -> None:
    facts = scan_source("m.py", FILE)
    # a column inside the keyword: the clause cannot be cut out at it
    moved = [msgspec.structs.replace(e, span=Span(e.span.line, e.span.col + 2, e.span.end_line,
                                                  e.span.end_col)) for e in facts.excepts]
    assert handler_kinds(moved, FILE) == ["log", "translate", "reraise", "return_default"]


def test_a_file_that_does_not_parse_gives_no_kind_where_the_clause_does_not() -> None:
    text = FILE + "\ndef broken(:\n    pass\n"
    facts = scan_source("m.py", text)
    assert handler_kinds(list(facts.excepts), text) == ["log", "translate", "reraise",
                                                        "return_default"]
    python2 = "try:\n    f()\nexcept ValueError, exc:\n    print exc\n"
    facts = scan_source("old.py", python2)
    assert handler_kinds(list(facts.excepts), python2) == [None]
