"""The security rows of the hazard registry: the families bandit checks, each a data row with
its CWE, the bandit ids it stands for, and its own true positive and true negative.

Where cq is stricter than a blanket "this call is risky" it says so in the row: a literal
argument is not data from outside (`mark_safe('<b>x</b>')`, `RawSQL('SELECT 1', [])`), a
`usedforsecurity=False` hash is not a security use, `tarfile` with `filter=` is filtered.
"""

from __future__ import annotations

from cq.hazards.row import (
    BUILT_TEXT,
    LITERAL,
    NOT_LITERAL,
    HazardRule,
    called,
    calls,
    first_arg,
    kwarg,
    no_kwarg,
    string_matching,
)

_WEAK_HASH_NAME = r"(?i)^[rbu]?['\"](md4|md5|sha|sha1|md5-sha1|ripemd160)['\"]$"
_FALSY = r"^(False|None|0|''|\"\"|\[\]|\(\)|\{\})$"
_HTTP_LITERAL = {"kind": "string", "regex": r"^[rRuU]?['\"]https?://"}
_NO_SPLAT = {"not": {"has": {"field": "arguments", "has": {"kind": "dictionary_splat"}}}}
_REQUESTS = tuple(f"requests.{name}" for name in (
    "get", "post", "put", "patch", "delete", "head", "options", "request"))
_HTTPX = (*(f"httpx.{name}" for name in (
    "get", "post", "put", "patch", "delete", "head", "options", "request", "stream")),
    "httpx.Client", "httpx.AsyncClient")
_SECRET_WORDS = ("passw", "PASSW", "Passw", "_pass", "PASS_", "_PASS", "pass_", "pwd", "PWD",
                 "Pwd", "token", "TOKEN", "Token", "secret", "SECRET", "Secret", "passphrase",
                 "Passphrase", "PASSPHRASE")
_PICKLES = ("pickle.load", "pickle.loads", "pickle.Unpickler", "cPickle.load", "cPickle.loads",
            "cPickle.Unpickler", "dill.load", "dill.loads", "dill.Unpickler", "shelve.open",
            "shelve.DbfilenameShelf", "jsonpickle.decode", "jsonpickle.unpickler.decode",
            "jsonpickle.unpickler.Unpickler", "pandas.read_pickle")
_XML = (*(f"xml.etree.{mod}.{fn}" for mod in ("ElementTree", "cElementTree")
          for fn in ("parse", "iterparse", "fromstring", "XMLParser")),
        "xml.sax.expatreader.create_parser", "xml.dom.expatbuilder.parse",
        "xml.dom.expatbuilder.parseString", "xml.sax.parse", "xml.sax.parseString",
        "xml.sax.make_parser", "xml.dom.minidom.parse", "xml.dom.minidom.parseString",
        "xml.dom.pulldom.parse", "xml.dom.pulldom.parseString",
        *(f"lxml.etree.{fn}" for fn in ("parse", "fromstring", "RestrictedElement",
                                        "GlobalParserTLS", "getDefaultParser", "check_docinfo")))
_WEAK_HASHES = ("hashlib.md5", "hashlib.sha1", "hashlib.md4", "hashlib.sha",
                *(f"{pkg}.Hash.{alg}.new" for pkg in ("Crypto", "Cryptodome")
                  for alg in ("MD2", "MD4", "MD5", "SHA")),
                "cryptography.hazmat.primitives.hashes.MD5",
                "cryptography.hazmat.primitives.hashes.SHA1")
_WEAK_CIPHERS = (*(f"Crypto.Cipher.{alg}.new" for alg in ("ARC2", "ARC4", "Blowfish", "DES",
                                                         "XOR")),
                 *(f"Cryptodome.Cipher.{alg}.new" for alg in ("ARC2", "ARC4", "Blowfish",
                                                             "DES", "XOR")),
                 *(f"cryptography.hazmat.primitives.ciphers.algorithms.{alg}" for alg in (
                     "ARC4", "Blowfish", "IDEA", "CAST5", "SEED", "TripleDES")))
_OLD_TLS = (*(f"ssl.PROTOCOL_{v}" for v in ("SSLv2", "SSLv3", "TLSv1", "TLSv1_1")),
            *(f"{mod}.{v}_METHOD" for mod in ("SSL", "OpenSSL.SSL")
              for v in ("SSLv2", "SSLv23", "SSLv3", "TLSv1", "TLSv1_1")))
_SHELLS = ("os.system", "os.popen", "os.popen2", "os.popen3", "os.popen4", "popen2.popen2",
           "popen2.popen3", "popen2.popen4", "popen2.Popen3", "popen2.Popen4",
           "commands.getoutput", "commands.getstatusoutput", "subprocess.getoutput",
           "subprocess.getstatusoutput")
_SAFE_STRINGS = tuple(f"django.utils.safestring.{name}" for name in (
    "mark_safe", "SafeString", "SafeText", "SafeUnicode", "SafeBytes")) + (
    "django.utils.html.mark_safe",)
_URL_OPENS = ("urllib.urlopen", "urllib.request.urlopen", "urllib.urlretrieve",
              "urllib.request.urlretrieve", "urllib2.urlopen", "urllib2.Request",
              "urllib.request.Request", "six.moves.urllib.request.urlopen",
              "six.moves.urllib.request.urlretrieve")
_URL_OPENERS = tuple(f"{mod}.{cls}" for mod in ("urllib", "urllib.request",
                                                "six.moves.urllib.request")
                     for cls in ("URLopener", "FancyURLopener"))


def _sql_text() -> dict[str, object]:
    """Text built at runtime (`%`, `+`, `.format`, `.replace`, f-string) from a literal part;
    whether it reads as SQL is the `sql_text` check (a Python regex: compiling it in every
    file's rule would cost more than the match). The outermost node of a `+` chain only, so a
    chain is one finding."""
    text = {"any": [{"kind": "string"}, {"kind": "concatenated_string"}]}
    return {"any": [
        {"kind": "binary_operator", "all": [
            {"has": {"field": "operator", "regex": "^%$"}}, {"has": {"field": "left", **text}}]},
        {"kind": "binary_operator", "all": [
            {"has": {"field": "operator", "regex": r"^\+$"}},
            {"not": {"inside": {"kind": "binary_operator"}}},
            {"has": {"kind": "string", "stopBy": "end"}}]},
        {"kind": "string", "all": [{"has": {"kind": "interpolation"}},
                                   {"not": {"inside": {"kind": "concatenated_string"}}}]},
        {"kind": "concatenated_string", "has": {"kind": "interpolation", "stopBy": "end"}},
        {"kind": "call", "has": {"field": "function", "kind": "attribute", "all": [
            {"has": {"field": "object", **text}},
            {"has": {"field": "attribute", "regex": "^(format|replace)$"}}]}}]}


SECURITY: tuple[HazardRule, ...] = (
    HazardRule(
        id="eval", rule=called("eval"), category="security", severity="error",
        confidence="high", cwe=95, bandit=("B307",), message="eval() runs arbitrary code",
        fix="Parse the data instead: ast.literal_eval for Python literals, json for JSON.",
        example="x = eval(text)\n", counter="x = obj.eval(text)\nevaluate(t)\n"),
    HazardRule(
        id="exec", rule=called("exec"), category="security", severity="error",
        confidence="high", cwe=95, bandit=("B102",), message="exec() runs arbitrary code",
        fix="Call the code directly, or dispatch through a table of functions.",
        example="exec(code, {})\n", counter="cursor.exec(code)\nexecute(x)\n"),
    HazardRule(
        id="compile", rule=called("compile"), category="security", severity="warning",
        confidence="med", cwe=95, message="compile() of source text: code built at runtime",
        fix="Avoid building code at runtime; if it must be, never from outside data.",
        example="code = compile(src, 'f', 'exec')\n", counter="pattern = re.compile(r'x')\n"),
    HazardRule(
        id="shell-true",
        rule={"kind": "call", "has": {"field": "arguments", "has": {
            "kind": "keyword_argument", "all": [
                {"has": {"field": "name", "regex": "^shell$"}},
                {"not": {"has": {"field": "value", "regex": _FALSY}}}]}}},
        words=("shell",), category="security", severity="error", confidence="high", cwe=78,
        bandit=("B602", "B604"),
        message="shell= true (or not known false): the command line goes through a shell",
        fix="Pass the command as a list of arguments and leave shell=False.",
        example="subprocess.run(cmd, shell=True)\nsubprocess.call(cmd, shell=flag)\n",
        counter="subprocess.run(['ls', d], shell=False)\nsubprocess.run(['ls'], shell=0)\n"),
    HazardRule(
        id="shell-command", rule=called(*_SHELLS), category="security", severity="warning",
        confidence="high", cwe=78, bandit=("B605",),
        message="the command runs through a shell (os.system, os.popen, getoutput)",
        fix="Use subprocess.run with a list of arguments (no shell).",
        example="os.system('rm -rf ' + path)\nout = subprocess.getoutput(cmd)\n",
        counter="subprocess.run(['rm', '-rf', path])\nsystem(x)\n"),
    HazardRule(
        id="shell-wildcard",
        rule={"any": [
            *({"pattern": f"os.{name}({args})"} for name in ("system", "popen", "popen2")
              for args in ("$CMD", "$CMD, $$$")),
            *({"all": [{"pattern": f"subprocess.{name}($CMD, $$$)"}, kwarg("shell", "^True$")]}
              for name in ("Popen", "run", "call", "check_call", "check_output"))]},
        constraints={"CMD": string_matching(r"\b(chown|chmod|tar|rsync)\b[^'\"]*\*")},
        needles=("chown", "chmod", "tar ", "rsync"),
        category="security", severity="error", confidence="med", cwe=155,
        bandit=("B609",), message="a shell wildcard in a chown/chmod/tar/rsync command "
                                  "(a file named like an option is injected)",
        fix="List the files in Python and pass them after '--' in an argument list.",
        example="os.system('/bin/tar xvzf *')\n",
        counter="subprocess.Popen(['/bin/chown', '*'])\nos.system('ls *')\n"),
    HazardRule(
        id="paramiko-exec", rule=calls("$CLIENT.exec_command($$$)"), words=("paramiko",),
        category="security", severity="warning", confidence="med", cwe=78,
        bandit=("B601",), message="paramiko exec_command runs the command in the remote shell",
        fix="Quote every part of the command with shlex.quote, or avoid building it.",
        example="import paramiko\nclient.exec_command('ls ' + path)\n",
        counter="import paramiko\nclient.invoke_shell()\n"),
    HazardRule(
        id="pickle-load", rule=called(*_PICKLES), category="security", severity="error",
        confidence="high", cwe=502, bandit=("B301",),
        message="unpickling untrusted data runs arbitrary code (pickle, dill, shelve, "
                "jsonpickle, pandas.read_pickle)",
        fix="Use a data format (json, msgpack) for anything that crosses a trust boundary.",
        example="data = pickle.loads(blob)\nfrom pickle import loads as lp\nlp(x)\n",
        counter="pickle.dumps(obj)\nloads(x)\n"),
    HazardRule(
        id="marshal-load", rule=called("marshal.load", "marshal.loads"), category="security",
        severity="error", confidence="high", cwe=502, bandit=("B302",),
        message="unmarshalling untrusted data can crash or mislead the interpreter",
        fix="Use a data format (json, msgpack) for anything that crosses a trust boundary.",
        example="obj = marshal.load(f)\n", counter="marshal.dump(x, f)\n"),
    HazardRule(
        id="torch-load", rule={"all": [called("torch.load"), no_kwarg("weights_only", "^True$")]},
        category="security", severity="error", confidence="high", cwe=502, bandit=("B614",),
        message="torch.load without weights_only=True unpickles arbitrary objects",
        fix="Pass weights_only=True (the default from torch 2.6).",
        example="model = torch.load(path)\ntorch.load(p, weights_only=False)\n",
        counter="model = torch.load(path, weights_only=True)\n"),
    HazardRule(
        id="yaml-load",
        rule={"all": [called("yaml.load", "yaml.load_all", "yaml.unsafe_load",
                              "yaml.unsafe_load_all"),
                       {"not": {"has": {"stopBy": "end",
                                        "regex": r"^(yaml\.)?C?Safe(Loader)?$"}}}]},
        category="security", severity="error", confidence="high", cwe=20, bandit=("B506",),
        message="yaml.load without a Safe* Loader constructs arbitrary objects",
        fix="Use yaml.safe_load (or Loader=yaml.SafeLoader).",
        example="yaml.load(f)\nyaml.load(f, Loader=yaml.FullLoader)\n",
        counter="yaml.load(f, Loader=yaml.SafeLoader)\nyaml.load(f, yaml.CSafeLoader)\n"
                "yaml.safe_load(f)\n"),
    HazardRule(
        id="weak-hash",
        rule={"all": [called(*_WEAK_HASHES), no_kwarg("usedforsecurity", "^False$")]},
        category="security", severity="warning", confidence="high", cwe=327,
        bandit=("B303", "B324"),
        message="MD4/MD5/SHA-1 are broken for security use",
        fix="Use hashlib.sha256 (or blake2b); for a non-security digest pass "
            "usedforsecurity=False.",
        example="h = hashlib.md5(data)\nimport hashlib as hl\nhl.sha1(b)\n",
        counter="hashlib.md5(data, usedforsecurity=False)\nhashlib.sha256(data)\n"),
    HazardRule(
        id="weak-hash-new",
        rule={"all": [called("hashlib.new"), no_kwarg("usedforsecurity", "^False$"),
                      {"any": [first_arg(string_matching(_WEAK_HASH_NAME)),
                               kwarg("name", _WEAK_HASH_NAME)]}]},
        category="security", severity="warning", confidence="high", cwe=327,
        bandit=("B324",), message="hashlib.new of MD4/MD5/SHA-1: broken for security use",
        fix="Use sha256 (or blake2b); for a non-security digest pass usedforsecurity=False.",
        example="h = hashlib.new('md5')\n",
        counter="hashlib.new('sha256')\nhashlib.new('md5', usedforsecurity=False)\n"
                "hashlib.new(name='sha256')\n"),
    HazardRule(
        id="weak-crypt", rule=calls("crypt.METHOD_CRYPT", "crypt.METHOD_MD5"),
        category="security", severity="warning", confidence="high", cwe=327,
        bandit=("B324",), message="crypt with DES or MD5: broken password hashing",
        fix="Use a password hash made for it (hashlib.scrypt, argon2, bcrypt).",
        example="h = crypt.crypt(pw, salt=crypt.METHOD_MD5)\n",
        counter="h = crypt.crypt(pw, salt=crypt.METHOD_SHA512)\n"),
    HazardRule(
        id="weak-cipher", rule=called(*_WEAK_CIPHERS), category="security", severity="error",
        confidence="high", cwe=327, bandit=("B304",),
        message="a broken cipher (DES, 3DES, RC2, RC4, Blowfish, IDEA, CAST5, SEED, XOR)",
        fix="Use AES-GCM or ChaCha20-Poly1305 (cryptography's AEAD classes).",
        example="from Crypto.Cipher import DES\nc = DES.new(key)\n",
        counter="from Crypto.Cipher import AES\nc = AES.new(key, AES.MODE_GCM)\n"),
    HazardRule(
        id="weak-cipher-mode",
        rule=calls("cryptography.hazmat.primitives.ciphers.modes.ECB($$$)", "$C.MODE_ECB"),
        category="security", severity="warning", confidence="high", cwe=327,
        bandit=("B305",), message="ECB mode leaks patterns of the plaintext",
        fix="Use an AEAD mode (GCM) or at least CBC/CTR with a random IV and a MAC.",
        example="from cryptography.hazmat.primitives.ciphers import modes\nm = modes.ECB()\n",
        counter="from cryptography.hazmat.primitives.ciphers import modes\n"
                "m = modes.GCM(iv)\n"),
    HazardRule(
        id="tls-no-verify",
        rule={"all": [called(*_REQUESTS, *_HTTPX), kwarg("verify", "^False$")]},
        category="security", severity="error", confidence="high", cwe=295, bandit=("B501",),
        message="verify=False: the server's certificate is not checked",
        fix="Leave verify at its default, or point it to the CA bundle to trust.",
        example="requests.get(url, verify=False, timeout=5)\n",
        counter="requests.get(url, verify=True, timeout=5)\n"),
    HazardRule(
        id="tls-unverified-context",
        rule=calls("ssl._create_unverified_context($$$)", "$CTX.verify_mode = ssl.CERT_NONE"),
        category="security", severity="error", confidence="high", cwe=295, bandit=("B323",),
        message="an SSL context that does not verify certificates",
        fix="Use ssl.create_default_context().",
        example="ctx = ssl._create_unverified_context()\n",
        counter="ctx = ssl.create_default_context()\n"),
    HazardRule(
        id="tls-old-version", rule=calls(*_OLD_TLS), category="security", severity="error",
        confidence="high", cwe=327, bandit=("B502", "B503"),
        message="SSLv2/SSLv3/TLS 1.0/TLS 1.1 are broken protocol versions",
        fix="Use ssl.PROTOCOL_TLS_CLIENT (TLS 1.2+), or set minimum_version.",
        example="ssl.wrap_socket(s, ssl_version=ssl.PROTOCOL_TLSv1)\n",
        counter="ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n"),
    HazardRule(
        id="tls-wrap-socket", rule={"all": [called("ssl.wrap_socket"), no_kwarg("ssl_version")]},
        category="security", severity="warning", confidence="med", cwe=327, bandit=("B504",),
        message="ssl.wrap_socket without ssl_version: old defaults, removed in Python 3.12",
        fix="Use ssl.create_default_context().wrap_socket(sock, server_hostname=host).",
        example="s = ssl.wrap_socket(sock)\n",
        counter="s = ctx.wrap_socket(sock, server_hostname=h)\n"),
    HazardRule(
        id="ssh-auto-add",
        rule=calls("$C.set_missing_host_key_policy($P)", "$C.set_missing_host_key_policy($P())"),
        constraints={"P": {"regex": r"(^|\.)(AutoAddPolicy|WarningPolicy)(\(\))?$"}},
        category="security", severity="error", confidence="high", cwe=295, bandit=("B507",),
        message="unknown SSH host keys are accepted (AutoAddPolicy/WarningPolicy)",
        fix="Load known hosts and use paramiko.RejectPolicy.",
        example="client.set_missing_host_key_policy(paramiko.AutoAddPolicy())\n",
        counter="client.set_missing_host_key_policy(paramiko.RejectPolicy())\n"),
    HazardRule(
        id="http-no-timeout",
        rule={"any": [
            {"all": [called(*_REQUESTS), _NO_SPLAT,
                     {"any": [no_kwarg("timeout"), kwarg("timeout", "^None$")]}]},
            {"all": [called(*_HTTPX), kwarg("timeout", "^None$")]}]},
        category="security", severity="warning", confidence="high", cwe=400, bandit=("B113",),
        message="an HTTP call without a timeout can hang forever",
        fix="Pass timeout= (seconds); httpx: leave its default or give a number, not None.",
        example="r = requests.get(url)\nhttpx.get(url, timeout=None)\n",
        counter="requests.get(url, timeout=10)\nrequests.get(url, **opts)\nhttpx.get(url)\n"),
    HazardRule(
        id="tempfile-mktemp", rule=called("tempfile.mktemp", "os.tempnam", "os.tmpnam"),
        category="security", severity="error", confidence="high", cwe=377, bandit=("B306",),
        message="mktemp returns a name another process can take before you open it",
        fix="Use tempfile.mkstemp or NamedTemporaryFile.",
        example="name = tempfile.mktemp()\n", counter="fd, name = tempfile.mkstemp()\n"),
    HazardRule(
        id="hardcoded-tmp",
        rule={**string_matching(r"^[rRbBuU]{0,2}('''|\"\"\"|'|\")/(tmp|var/tmp|dev/shm)\b"),
              "not": {"inside": {"kind": "expression_statement"}}},
        needles=("/tmp", "/dev/shm"), category="security", severity="warning",
        confidence="med", cwe=377, bandit=("B108",),
        message="a hard-coded path in a shared temporary directory",
        fix="Use tempfile.mkdtemp / TemporaryDirectory (honours TMPDIR, private names).",
        example="open('/tmp/cache.json', 'w')\n",
        counter="open(os.path.join(tempfile.gettempdir(), name))\n'''Writes /tmp/x.'''\n"),
    HazardRule(
        id="bind-all-interfaces", rule=string_matching(r"^[bBuU]?['\"]0\.0\.0\.0['\"]$"),
        needles=("0.0.0.0",), category="security", severity="warning", confidence="med",
        cwe=605, bandit=("B104",), message="binding to 0.0.0.0 listens on every interface",
        fix="Bind to 127.0.0.1, or to the one interface the service must listen on.",
        example="sock.bind(('0.0.0.0', 8080))\n", counter="sock.bind(('127.0.0.1', 8080))\n"),
    HazardRule(
        id="chmod-lax", rule=called("os.chmod", "os.fchmod", "os.lchmod"), check="lax_mode",
        category="security", severity="warning", confidence="high", cwe=732, bandit=("B103",),
        message="a file mode that lets others (or the group) write",
        fix="Use the narrowest mode: 0o600 for private files, 0o644/0o755 at most.",
        example="os.chmod(path, 0o777)\nos.chmod(p, stat.S_IWOTH)\nos.chmod(p, 0o664)\n",
        counter="os.chmod(path, 0o600)\nos.chmod(p, 0o755 & mask)\n"),
    HazardRule(
        id="xml-parse", rule=called(*_XML), category="security", severity="warning",
        confidence="med", cwe=611, bandit=tuple(f"B{n}" for n in range(313, 321)),
        message="the stdlib/lxml XML parsers are open to entity expansion or external "
                "entities",
        fix="Parse untrusted XML with defusedxml (same API).",
        example="import xml.etree.ElementTree as ET\ntree = ET.parse(path)\n",
        counter="import defusedxml.ElementTree as ET\ntree = ET.parse(path)\n"),
    HazardRule(
        id="tar-extract",
        rule={"all": [{"pattern": "$T.extractall($$$)"},
                      {"any": [no_kwarg("filter"),
                               kwarg("filter", "^['\"]fully_trusted['\"]$")]}]},
        constraints={"T": {"not": {"regex": "(?i)zip"}}}, words=("tarfile",),
        category="security", severity="error", confidence="high", cwe=22, bandit=("B202",),
        message="tarfile extractall without filter=: members can write outside the target",
        fix="Pass filter='data' (Python 3.12+, backported to 3.8.17+).",
        example="import tarfile\ntar.extractall(dest)\n",
        counter="import tarfile\ntar.extractall(dest, filter='data')\n"),
    HazardRule(
        id="zip-extract", rule=calls("$Z.extractall($$$)"),
        constraints={"Z": {"not": {"regex": "(?i)tar"}}}, words=("zipfile",),
        category="security", severity="info", confidence="low", cwe=409,
        message="zipfile extractall of an archive: sizes and counts are not limited",
        fix="Check member sizes and count (ZipInfo.file_size) before extracting untrusted "
            "archives.",
        example="import zipfile\nzf.extractall(dest)\n",
        counter="import zipfile\ntar.extractall(dest)\nzf.extract(name, dest)\n"),
    HazardRule(
        id="url-open",
        rule={"any": [{"all": [called(*_URL_OPENS), {"not": first_arg(_HTTP_LITERAL)}]},
                      called(*_URL_OPENERS)]},
        category="security", severity="warning", confidence="med", cwe=22, bandit=("B310",),
        message="urllib opens any scheme, file:// included: the URL is not a literal "
                "http(s) one",
        fix="Check the scheme (http/https) before opening, or use a client that does.",
        example="urllib.request.urlopen(url)\nurllib.request.urlopen('file:///etc/passwd')\n",
        counter="urllib.request.urlopen('https://example.org/x')\n"),
    HazardRule(
        id="hardcoded-password",
        rule={"any": [
            {"kind": "assignment", "has": {"field": "right", **LITERAL}},
            {"kind": "comparison_operator", "has": LITERAL, "regex": "==|!="},
            {"kind": "pair", "all": [{"has": {"field": "key", "kind": "string"}},
                                     {"has": {"field": "value", **LITERAL}}]},
            {"kind": "keyword_argument", "has": {"field": "value", **LITERAL}},
            {"any": [{"kind": "default_parameter"}, {"kind": "typed_default_parameter"}],
             "has": {"field": "value", **LITERAL}}]},
        check="secret_name", needles=_SECRET_WORDS, category="security", severity="warning",
        confidence="med", cwe=259, bandit=("B105", "B106", "B107"),
        message="a password, secret or token written in the source (assigned, compared, "
                "passed or defaulted)",
        fix="Read it from the environment or a secret store at runtime.",
        example="DB_PASSWORD = 'hunter2'\nif password == 'root':\n    pass\n"
                "connect(user='u', password='hunter2')\n"
                "def login(user, password='admin'):\n    pass\n",
        counter="DB_PASSWORD = os.environ['DB_PASSWORD']\npassword = ''\n"
                "TOKEN_KEY = 'auth_token'\nconnect(user='u', password=os.environ['PW'])\n"
                "def login(user, password=None):\n    pass\n"),
    HazardRule(
        id="flask-debug", rule={**calls("$APP.run($$$)"), **kwarg("debug", "^True$")},
        words=("flask",), category="security", severity="error", confidence="med", cwe=94,
        bandit=("B201",), message="Flask debug=True exposes the Werkzeug debugger (code "
                                  "execution)",
        fix="Never enable debug in a deployed app; take it from configuration.",
        example="from flask import Flask\napp.run(debug=True)\n",
        counter="from flask import Flask\napp.run(debug=False)\n"),
    HazardRule(
        id="jinja2-autoescape",
        rule={"all": [called("jinja2.Environment", "jinja2.Template"),
                      {"any": [no_kwarg("autoescape"), kwarg("autoescape", "^False$")]}]},
        category="security", severity="error", confidence="high", cwe=79, bandit=("B701",),
        message="Jinja2 without autoescape renders data as HTML (XSS)",
        fix="Pass autoescape=True or autoescape=select_autoescape().",
        example="env = jinja2.Environment(loader=loader)\n",
        counter="env = jinja2.Environment(loader=loader, autoescape=True)\n"),
    HazardRule(
        id="mako-template", rule=called("mako.template.Template", "mako.lookup.TemplateLookup"),
        category="security", severity="warning", confidence="med", cwe=79, bandit=("B702",),
        message="Mako templates do not escape HTML by default (XSS)",
        fix="Pass default_filters=['h'] or use a template engine that escapes by default.",
        example="from mako.template import Template\nt = Template(text)\n",
        counter="from string import Template\nt = Template(text)\n"),
    HazardRule(
        id="django-mark-safe",
        rule={"all": [called(*_SAFE_STRINGS), first_arg(NOT_LITERAL)]},
        category="security", severity="warning", confidence="med", cwe=79,
        bandit=("B308", "B703"),
        message="mark_safe/SafeString of text that is not a literal: XSS if it holds data",
        fix="Use format_html() (escapes its arguments), or escape() the parts.",
        example="from django.utils.safestring import mark_safe\nhtml = mark_safe(text)\n",
        counter="from django.utils.safestring import mark_safe\nhtml = mark_safe('<br>')\n"),
    HazardRule(
        id="django-format-html",
        rule={"all": [called("django.utils.html.format_html"), first_arg(BUILT_TEXT)]},
        category="security", severity="warning", confidence="high", cwe=79,
        message="format_html with a template built at runtime: the built part is not escaped",
        fix="Keep the template a literal and pass the data as format_html's arguments.",
        example="from django.utils.html import format_html\nformat_html(f'<b>{name}</b>')\n",
        counter="from django.utils.html import format_html\nformat_html('<b>{}</b>', name)\n"),
    HazardRule(
        id="markup-xss",
        rule={"all": [called("markupsafe.Markup", "flask.Markup", "jinja2.Markup"),
                      first_arg(NOT_LITERAL)]},
        category="security", severity="warning", confidence="med", cwe=79, bandit=("B704",),
        message="Markup() of text that is not a literal: XSS if it holds data",
        fix="Use Markup('...{}').format(value) or escape(value): the values are escaped.",
        example="from markupsafe import Markup\nMarkup(f'<b>{name}</b>')\n",
        counter="from markupsafe import Markup\nMarkup('<br>')\n"),
    HazardRule(
        id="django-extra", rule=calls("$QS.extra($$$)"), check="any_arg_not_literal",
        words=("django",), category="security", severity="warning", confidence="med",
        cwe=89, bandit=("B610",),
        message="QuerySet.extra() with SQL that is not a literal",
        fix="Use the ORM (annotate, F, Func) or params= for the values.",
        example="from django.db import models\nqs.extra(where=[clause])\n",
        counter="from django.db import models\nqs.extra(where=['id > 0'])\n"),
    HazardRule(
        id="django-rawsql",
        rule={"all": [called("django.db.models.expressions.RawSQL", "django.db.models.RawSQL"),
                      {"any": [first_arg(NOT_LITERAL), {"has": {"field": "arguments", "has": {
                          "kind": "keyword_argument", "all": [
                              {"has": {"field": "name", "regex": "^sql$"}},
                              {"has": {"field": "value", **NOT_LITERAL}}]}}}]}]},
        category="security", severity="error", confidence="med", cwe=89, bandit=("B611",),
        message="RawSQL with SQL that is not a literal",
        fix="Keep the SQL a literal and pass the values as params.",
        example="from django.db.models.expressions import RawSQL\n"
                "RawSQL('SELECT %s' % col, [])\n",
        counter="from django.db.models.expressions import RawSQL\n"
                "RawSQL('SELECT 1 WHERE x = %s', [v])\n"),
    HazardRule(
        id="sql-built",
        rule={**calls("$C.execute($$$)", "$C.executemany($$$)"),
              "has": {"field": "arguments", "has": {"nthChild": 1, "any": [
                  BUILT_TEXT, {"pattern": "$S.replace($$$)"}]}}},
        check="sql_values_unquoted",
        category="security", severity="warning", confidence="med", cwe=89, bandit=("B608",),
        message="SQL built with %, +, format() or an f-string: use query parameters",
        fix="Keep the SQL a literal with placeholders and pass the values separately.",
        example='cur.execute("SELECT %s" % name)\ncur.execute(f"SELECT {n}", ())\n',
        counter='cur.execute("SELECT ?", (name,))\ncur.execute(query, "a" + b)\n'
                'cur.execute("DROP TABLE %s" % ops.quote_name(table))\n'),
    HazardRule(
        id="sql-text",
        rule={**_sql_text(), "not": {"inside": {"stopBy": "end", "any": [
            {"pattern": "$C.execute($$$)"}, {"pattern": "$C.executemany($$$)"}]}}},
        check="sql_text",
        # SQL as it is written (a keyword and a space): `update`/`select` alone are everywhere
        needles=(*(f"{word}{space}" for word in ("select", "SELECT", "update", "UPDATE")
                   for space in (" ", "\n")),
                 "insert into", "INSERT INTO", "delete from", "DELETE FROM"),
        category="security", severity="warning", confidence="med", cwe=89, bandit=("B608",),
        message="text that reads as SQL built with %, +, format() or an f-string",
        fix="Keep the SQL a literal with placeholders and pass the values separately.",
        example='q = "SELECT * FROM t WHERE id = \'%s\'" % ident\n',
        counter='msg = "select a %s" % x\nq = "SELECT * FROM t WHERE id = %s"\n'),
    HazardRule(
        id="logging-listen", rule=called("logging.config.listen"), category="security",
        severity="warning", confidence="high", cwe=94, bandit=("B612",),
        message="logging.config.listen runs configuration (code) sent over a socket",
        fix="Pass verify= to check the payload, or do not listen for configuration.",
        example="import logging.config\nt = logging.config.listen(9999)\n",
        counter="import logging.config\nlogging.config.dictConfig(cfg)\n"),
    HazardRule(
        id="trojan-source",
        rule={"any": [{"kind": "comment"}, {"kind": "string"}],
              "regex": "[\u202a-\u202e\u2066-\u2069]"},
        needles=tuple(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))),
        category="security", severity="error", confidence="high", cwe=838, bandit=("B613",),
        message="bidirectional control characters: the code reads differently than it runs",
        fix="Remove the bidi control characters (or write them as escapes in strings).",
        example="s = 'admin\u202e'\n", counter="s = 'admin'\n"),
)
