"""The named checks: file modes, secret-like names and values, literal-only arguments."""

from __future__ import annotations

import pytest
from ast_grep_py import SgRoot

from cq.hazards.checks import any_arg_not_literal, lax_mode, secret_name


def _node(source: str, kind: str):
    node = SgRoot(source, "python").root().find(kind=kind)
    assert node is not None
    return node


@pytest.mark.parametrize(
    ("call", "lax"),
    [("os.chmod(p, 0o777)", True), ("os.chmod(p, 0o664)", True), ("os.chmod(p, 511)", True),
     ("os.chmod(p, 0x1ff)", True), ("os.chmod(p, mode=0o602)", True),
     ("os.chmod(p, stat.S_IWOTH | stat.S_IRUSR)", True), ("os.chmod(p, 0o644)", False),
     ("os.chmod(p, 0o755)", False), ("os.chmod(p, 0o600)", False),
     ("os.chmod(p, stat.S_IRWXU)", False), ("os.chmod(p, mode)", False),
     ("os.chmod(p, m & ~stat.S_IWOTH)", False), ("os.chmod(p)", False)],
)
def test_lax_mode(call: str, lax: bool) -> None:
    assert lax_mode(_node(call, "call")) is lax


@pytest.mark.parametrize(
    ("source", "kind", "secret"),
    [("PASSWORD = 'hunter2'", "assignment", True), ("db_pwd = 'x1'", "assignment", True),
     ("self.auth_token = 'abc'", "assignment", True), ("d['password'] = 'p'", "assignment", True),
     ("password = ''", "assignment", False), ("passwords = 'x'", "assignment", False),
     ("bypass = 'x'", "assignment", False), ("TOKEN_NAME = 'csrf_token'", "assignment", False),
     ("if password == 'root': pass", "comparison_operator", True),
     ("{'password': 'pass'}", "pair", True), ("{'user': 'pass'}", "pair", False),
     ("f(password='s3cret')", "keyword_argument", True),
     ("f(secret=True)", "keyword_argument", False),
     ("PASSWORD_FIELD = 'password'", "assignment", False),
     ("f(password_field_name='password2')", "keyword_argument", False),
     ("token_source = 'POST'", "assignment", False)],
)
def test_secret_name(source: str, kind: str, secret: bool) -> None:
    assert secret_name(_node(source, kind)) is secret


@pytest.mark.parametrize(
    ("call", "built"),
    [("qs.extra(where=['a = 1'], select={'x': 'y'})", False), ("qs.extra({'a': 1})", False),
     ("qs.extra(where=[clause])", True), ("qs.extra(select={'x': '%s' % y})", True),
     ("qs.extra(where=[f'a = {b}'])", True), ("qs.extra(dict(a='b'))", True),
     ("qs.extra(where=['id = %s'], params=[obj.pk])", False),
     ("qs.extra(select={'a': '%s'}, select_params=(-6,))", False)],
)
def test_any_arg_not_literal(call: str, built: bool) -> None:
    assert any_arg_not_literal(_node(call, "call")) is built


@pytest.mark.parametrize(
    ("call", "unquoted"),
    [('cur.execute("SELECT %s" % name)', True),
     ('cur.execute("DROP TABLE %s" % ops.quote_name(t))', False),
     ('cur.execute("DROP %(a)s %(b)s" % {"a": qn(x), "b": "CASCADE"})', False),
     ('cur.execute("DROP %(a)s %(b)s" % {"a": qn(x), "b": y})', True),
     ('cur.execute("SELECT 1" + "2")', False), ('cur.execute("SELECT " + col)', True),
     ('cur.execute(f"DROP TABLE {self.quote_name(t)}")', False),
     ('cur.execute(f"DROP TABLE {t}")', True),
     ('cur.execute("SELECT {}".format(quote_name(t)))', False),
     ('cur.execute(q.replace("[V]", v))', True)],
)
def test_sql_values_unquoted(call: str, unquoted: bool) -> None:
    from cq.hazards.checks import sql_values_unquoted

    assert sql_values_unquoted(_node(call, "call")) is unquoted
