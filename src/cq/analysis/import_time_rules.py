"""The rules `cq side-effects` applies, as data: what is safe to run at import time, what reads
the environment, what mutates process-wide state (`cq.analysis.import_time` applies them).

Names are fully qualified through the module's imports (`from os import getenv; getenv()` is
`os.getenv`); a bare name matches a builtin or an unresolved callee as written. Judgement calls:
constructors of values and pure helpers are safe (`logging.getLogger` returns a logger without
configuring it; `re.compile`, `namedtuple`, `TypeVar`, `object()`, `frozenset`); test-framework
markers (`pytest.mark.*`, `unittest.skipIf`) are safe decorators; `__import__` and
`importlib.import_module` are NOT safe (they run another module's import-time code); file
system probes (`os.path.exists`) and `open` count as ambient reads.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Calls that build a value without touching anything outside it.
SAFE_CALLS = _words("""
object bool int float complex str bytes bytearray tuple list dict set frozenset range slice
len isinstance issubclass hasattr getattr type property staticmethod classmethod repr sorted
reversed enumerate zip map filter min max sum any all abs round divmod pow chr ord hex oct bin
hash id iter next vars globals locals format dir callable memoryview
logging.getLogger collections.namedtuple collections.defaultdict collections.OrderedDict
collections.deque collections.Counter collections.ChainMap struct.Struct decimal.Decimal
fractions.Fraction contextvars.ContextVar threading.local threading.Lock threading.RLock
threading.Event threading.Condition threading.Semaphore weakref.WeakKeyDictionary
weakref.WeakValueDictionary weakref.WeakSet weakref.ref datetime.timedelta datetime.date
datetime.time datetime.timezone pathlib.Path pathlib.PurePath pathlib.PurePosixPath
pathlib.PureWindowsPath os.path.join os.path.dirname os.path.basename os.path.abspath
os.path.normpath os.path.normcase os.path.splitext os.path.split os.path.realpath os.fspath
sys.intern str.maketrans bytes.maketrans bytes.fromhex int.from_bytes dict.fromkeys
textwrap.dedent
""")
SAFE_PREFIXES = ("typing.", "typing_extensions.", "collections.abc.", "dataclasses.",
                 "enum.", "functools.", "itertools.", "operator.", "re.", "string.", "math.",
                 "types.", "abc.", "sys.platform.", "sys.version_info.")
# Decorators that wrap or mark a definition without registering it anywhere.
SAFE_DECORATORS = _words("""
property staticmethod classmethod abc.abstractmethod functools.wraps functools.cache
functools.lru_cache functools.cached_property functools.total_ordering
functools.singledispatch functools.singledispatchmethod contextlib.contextmanager
contextlib.asynccontextmanager dataclasses.dataclass enum.unique pytest.fixture
unittest.skip unittest.skipIf unittest.skipUnless unittest.expectedFailure
""")
SAFE_DECORATOR_PREFIXES = ("typing.", "typing_extensions.", "pytest.mark.")
SAFE_DECORATOR_SUFFIXES = (".setter", ".getter", ".deleter")
# Process-wide inputs: reading them makes the import depend on how Python was started.
AMBIENT_NAMES = frozenset({"os.environ", "os.environb", "sys.argv", "sys.orig_argv",
                           "sys.stdin"})
AMBIENT_CALLS = _words("""
os.getenv os.getenvb os.getcwd os.getcwdb os.getlogin os.listdir os.scandir os.path.exists
os.path.isfile os.path.isdir os.path.expanduser os.path.expandvars pathlib.Path.cwd
pathlib.Path.home Path.cwd Path.home input open io.open getpass.getuser socket.gethostname
platform.node glob.glob
""")
# Calls that change process-wide state (interpreter, environment, registries of the stdlib).
MUTATION_CALLS = _words("""
os.chdir os.putenv os.unsetenv os.umask sys.setrecursionlimit sys.setprofile sys.settrace
sys.setswitchinterval sys.set_int_max_str_digits signal.signal atexit.register
warnings.filterwarnings warnings.simplefilter warnings.resetwarnings logging.basicConfig
logging.disable logging.captureWarnings logging.setLoggerClass logging.addLevelName
socket.setdefaulttimeout random.seed locale.setlocale codecs.register copyreg.pickle
mimetypes.add_type mimetypes.init faulthandler.enable gc.disable gc.set_threshold gc.freeze
asyncio.set_event_loop_policy asyncio.set_event_loop threading.setprofile threading.settrace
""")
# Methods that change their receiver: a mutation when the receiver is imported state.
MUTATING_METHODS = _words("""
append extend insert update setdefault pop popitem remove clear add discard register
__setitem__ __delitem__
""")
# Method names that configure their receiver, for receivers computed by a call
# (`logging.getLogger(__name__).addHandler(...)`).
CONFIGURING_PREFIXES = ("set", "add", "register", "install", "configure", "enable", "disable",
                        "patch")


def is_safe_call(callee: str, qualified: str) -> bool:
    return (qualified in SAFE_CALLS or callee in SAFE_CALLS
            or qualified.startswith(SAFE_PREFIXES))


def is_safe_decorator(callee: str | None, qualified: str | None) -> bool:
    if callee is None or qualified is None:
        return False
    return (qualified in SAFE_DECORATORS or callee in SAFE_DECORATORS
            or qualified.startswith(SAFE_DECORATOR_PREFIXES)
            or callee.endswith(SAFE_DECORATOR_SUFFIXES))
