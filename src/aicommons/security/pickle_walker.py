"""A fast pickle opcode walker that emulates the unpickler's stack and memo without running anything.

It follows the C unpickler opcode by opcode (protocols 0-5), so it sees what a loader would import and call:
globals named directly (GLOBAL, INST) or built on the stack (STACK_GLOBAL with strings from the memo), calls
(REDUCE, NEWOBJ, NEWOBJ_EX, OBJ, INST), attribute writes (BUILD) and container writes into imported objects.
Payload bytes (BINBYTES, long strings) are skipped by length, never decoded. joblib's raw array blocks are
skipped by the size the unpickler would read, and object arrays stored there are walked as nested pickles.

Values are tracked only as far as the rules need: short strings, ints, tuples, lists, dicts, imported globals
and call results. Containers keep at most CONTAINER_CAP items; pickle opcodes cannot read items back, so
later steps only ever need the first few (call arguments, BUILD states).
"""

from __future__ import annotations

import codecs
from functools import lru_cache
from struct import unpack_from

from .findings import Finding, Severity
from .joblib_arrays import JOBLIB_MODULES, ArrayLayoutError, inline_array_span
from .rules import NESTED_LOADER, GlobalRules

CONTAINER_CAP = 64
MAX_DECODED_TEXT = 4096
MAX_NESTED_PICKLES = 64
HIGHEST_PROTOCOL = 5


class PickleError(Exception):
    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.message = message
        self.offset = offset


class Global:
    """An imported object (module attribute). ``name`` is None when the import could not be resolved statically.
    ``role`` says how the rules treat calls to it: None, an Accessor, or NESTED_LOADER."""

    __slots__ = ("module", "name", "role")

    def __init__(self, module: str | None, name: str | None, role=None):
        self.module = module
        self.name = name
        self.role = role

    @property
    def full(self) -> str:
        return f"{self.module}.{self.name}" if self.name is not None else "<computed>"


class Obj:
    """The result of calling or instantiating something at load time; ``state`` is set by BUILD."""

    __slots__ = ("func", "args", "state")

    def __init__(self, func, args):
        self.func = func
        self.args = args
        self.state = None


class PDict:
    """A dict being built: (key, value) pairs, at most CONTAINER_CAP of them."""

    __slots__ = ("items",)

    def __init__(self):
        self.items = []

    def get(self, key, default=None):
        for k, v in self.items:
            if k == key:
                return v
        return default


class BytesRef:
    """A bytes payload left in place: [start, end) of the walked buffer."""

    __slots__ = ("start", "end")

    def __init__(self, start: int, end: int):
        self.start = start
        self.end = end


class _Opaque:
    """A value the rules never need (floats, long text, sets, out-of-band buffers, persistent objects)."""

    __slots__ = ("what",)

    def __init__(self, what: str):
        self.what = what


FLOAT, TEXT, SET, BUFFER, PERSISTENT = (_Opaque(w) for w in ("float", "text", "set", "buffer", "persistent object"))
# Stands on the stack where a MARK opcode was: items below it cannot be popped except through it.
MARK = _Opaque("mark")
_NOT_CALLABLE = (str, int, bool, type(None), tuple, list, PDict, BytesRef)

# Opcodes that can start a pickle: those that push without popping (pickletools.opcodes, protocols 0-5).
# Any other first byte makes the unpickler fail at once (stack underflow, no MARK, empty memo, bad opcode).
FIRST_OPCODES = frozenset(b"(c}])NILFSVJKMGTUXBCP"
                          + bytes([0x80, 0x82, 0x83, 0x84, *range(0x88, 0x90), 0x95, 0x96, 0x97]))


class PickleWalker:
    """Walks every pickle in buf[start:end]. ``on_nested(start, end, offset)`` is called for bytes that a
    nested loader (torch.storage._load_from_bytes) would load as a file of its own."""

    __slots__ = ("buf", "start", "end", "rules", "member", "on_nested", "findings", "pickles", "error",
                 "saw_joblib", "first_value", "_seen", "_named", "_named_danger", "_ext", "_called",
                 "_nested_loader_seen", "_nesting")

    def __init__(self, buf, start: int, end: int, rules: GlobalRules, member: str | None = None, on_nested=None):
        self.buf = buf
        self.start = start
        self.end = end
        self.rules = rules
        self.member = member
        self.on_nested = on_nested
        # results
        self.findings: list[Finding] = []
        self.pickles = 0  # how many complete pickles (STOP reached)
        self.error: PickleError | None = None
        self.saw_joblib = False
        self.first_value = None  # what the first pickle returned (to recognise legacy torch files)
        self._seen: set[tuple[str, str | None]] = set()
        # Evidence, per pickle, that bytes are a real pickle rather than data that happens to parse a little:
        self._named = False  # imported a global by name
        self._named_danger = False  # ... and a dangerous one (or computed the name of one)
        self._ext = False  # imported through the extension registry
        self._called = False  # called something
        self._nested_loader_seen = False
        self._nesting = 0

    # -- reporting -------------------------------------------------------------------------------------

    def _report(self, rule_id: str, severity: Severity, message: str, name: str | None, offset: int) -> None:
        key = (rule_id, name)
        if key in self._seen:
            return
        self._seen.add(key)
        self.findings.append(Finding(rule_id, severity, message, name, self.member, offset - self.start))

    def _import(self, module: str, name: str, offset: int) -> Global:
        self._named = True
        rating, role = self.rules.lookup(module, name)
        if rating.severity is not None:
            if rating.rule_id == "pickle.dangerous-global":  # a deny-listed module or function, not a heuristic
                self._named_danger = True
            self._report(rating.rule_id, rating.severity, rating.message, f"{module}.{name}", offset)
        if role is NESTED_LOADER:
            self._nested_loader_seen = True
        elif name == "NumpyArrayWrapper" and module in JOBLIB_MODULES:
            self.saw_joblib = True
        return Global(module, name, role)

    # -- the driver --------------------------------------------------------------------------------------

    def walk(self, strict: bool) -> PickleWalker:
        """Walk pickles one after another until the data ends or stops being a pickle.

        strict: the data is known to be a pickle (by its header, or because a loader unpickles it), so its first
        pickle is reported whatever it holds, parse error included. Anything else (later pickles in the stream,
        or bytes merely tried as a pickle) must show it is one, since tensor data and text parse as a few opcodes
        by chance: a deny-listed import by name (even cut short: what came before the cut runs), or a complete
        pickle that calls something it imported. Loaders stop at the first byte they cannot parse, so nothing
        past it runs."""
        pos = self.start
        if not strict and pos < self.end and self.buf[pos] not in FIRST_OPCODES:
            return self  # the unpickler would fail on the first byte: not a pickle
        while pos < self.end:
            self._named = self._named_danger = self._ext = self._called = False
            reported = len(self.findings)
            certain = strict and self.pickles == 0
            try:
                pos, value = self._walk_one(pos)
            except PickleError as exc:
                if certain or self._named_danger:
                    self.error = exc
                else:
                    self._forget(reported)
                break
            if not (certain or self._named_danger or (self._called and (self._named or self._ext))):
                self._forget(reported)
            if self.pickles == 0:
                self.first_value = value
            self.pickles += 1
        return self

    def _forget(self, reported: int) -> None:
        """Drop what a stretch of bytes that is not a pickle after all looked like."""
        del self.findings[reported:]
        self._seen = {(f.rule_id, f.name) for f in self.findings}

    def _nested_pickle(self, pos: int) -> int:
        """Walk a pickle that a loader reads from the middle of this stream (joblib object arrays)."""
        self._nesting += 1
        if self._nesting > MAX_NESTED_PICKLES:
            raise PickleError("too many nested pickles", pos)
        end, _ = self._walk_one(pos)
        self._nesting -= 1
        return end

    # -- one pickle ---------------------------------------------------------------------------------------

    def _walk_one(self, pos: int):  # noqa: C901 - one loop over opcodes is the fast way to do this
        buf, end = self.buf, self.end
        stack: list = []
        append = stack.append
        marks: list[int] = []  # where each MARK sits on the stack
        memo: dict = {}
        proto = 0

        try:
            while pos < end:
                at = pos
                op = buf[pos]
                pos += 1
                # Three groups by opcode value, each ordered by how often its opcodes appear in real files.
                if op < 0x60:  # protocol 0-1 opcodes: symbols, digits, capitals
                    if op == 0x4B:  # BININT1
                        append(buf[pos])
                        pos += 1
                    elif op == 0x28:  # MARK
                        marks.append(len(stack))
                        append(MARK)
                    elif op == 0x58:  # BINUNICODE
                        n = unpack_from("<I", buf, pos)[0]
                        pos += 4
                        if n > end - pos:
                            raise PickleError("pickle data was truncated (string)", at)
                        append(buf[pos : pos + n].decode("utf-8", "surrogatepass") if n <= MAX_DECODED_TEXT else TEXT)
                        pos += n
                    elif op == 0x47:  # BINFLOAT
                        append(FLOAT)
                        pos += 8
                    elif op == 0x52:  # REDUCE
                        args = stack.pop()
                        func = stack[-1]
                        if args is MARK or func is MARK:
                            raise PickleError(UNDERFLOW, at)
                        stack[-1] = self._call(func, args, at)
                    elif op == 0x2E:  # STOP
                        if stack[-1] is MARK:
                            raise PickleError(UNDERFLOW, at)
                        return pos, stack[-1]
                    elif op == 0x4E:  # NONE
                        append(None)
                    elif op == 0x5D:  # EMPTY_LIST
                        append([])
                    elif op == 0x29:  # EMPTY_TUPLE
                        append(())
                    elif op == 0x4A:  # BININT
                        append(unpack_from("<i", buf, pos)[0])
                        pos += 4
                    elif op == 0x51:  # BINPERSID
                        if stack[-1] is MARK:
                            raise PickleError(UNDERFLOW, at)
                        stack[-1] = PERSISTENT
                    elif op == 0x4D:  # BININT2
                        append(unpack_from("<H", buf, pos)[0])
                        pos += 2
                    elif op == 0x42 or op == 0x43:  # BINBYTES, SHORT_BINBYTES
                        if op == 0x43:
                            n = buf[pos]
                            pos += 1
                        else:
                            n = unpack_from("<I", buf, pos)[0]
                            pos += 4
                        if n > end - pos:
                            raise PickleError("pickle data was truncated (bytes)", at)
                        append(BytesRef(pos, pos + n))
                        pos += n
                    elif op == 0x30:  # POP: the top item, or the MARK on top
                        if stack.pop() is MARK:
                            marks.pop()
                    elif op == 0x31:  # POP_MARK
                        _pop_mark(stack, marks, at)
                    elif op == 0x32:  # DUP
                        if stack[-1] is MARK:
                            raise PickleError(UNDERFLOW, at)
                        append(stack[-1])
                    elif op == 0x49 or op == 0x4C:  # INT, LONG (protocol 0)
                        line, pos = _readline(buf, pos, end)
                        append(self._parse_int(line.rstrip(b"L") if op == 0x4C else line, at))
                    elif op == 0x46:  # FLOAT
                        line, pos = _readline(buf, pos, end)
                        try:
                            float(line)
                        except ValueError:
                            raise PickleError("invalid FLOAT literal", at) from None
                        append(FLOAT)
                    elif op == 0x53:  # STRING
                        line, pos = _readline(buf, pos, end)
                        append(self._quoted_string(line, at))
                    elif op == 0x56:  # UNICODE
                        line, pos = _readline(buf, pos, end)
                        append(line.decode("raw-unicode-escape") if len(line) <= MAX_DECODED_TEXT else TEXT)
                    elif op == 0x54 or op == 0x55:  # BINSTRING, SHORT_BINSTRING
                        if op == 0x55:
                            n = buf[pos]
                            pos += 1
                        else:
                            n = unpack_from("<i", buf, pos)[0]
                            pos += 4
                        if n < 0 or n > end - pos:
                            raise PickleError("bad BINSTRING length", at)
                        append(buf[pos : pos + n].decode("latin-1") if n <= MAX_DECODED_TEXT else TEXT)
                        pos += n
                    elif op == 0x50:  # PERSID
                        _, pos = _readline(buf, pos, end)
                        append(PERSISTENT)
                    else:
                        raise PickleError(f"invalid opcode 0x{op:02x}", at)
                elif op < 0x80:  # protocol 0-1 opcodes: lower case and brackets
                    if op == 0x71:  # BINPUT
                        if stack[-1] is MARK:
                            raise PickleError(UNDERFLOW, at)
                        memo[buf[pos]] = stack[-1]
                        pos += 1
                    elif op == 0x63:  # GLOBAL
                        nl = buf.find(b"\n", pos, end)
                        nl2 = buf.find(b"\n", nl + 1, end) if nl >= 0 else -1
                        if nl2 < 0:
                            raise PickleError("pickle data was truncated (no end of line)", at)
                        append(self._import_text(buf[pos:nl], buf[nl + 1 : nl2], at))
                        pos = nl2 + 1
                    elif op == 0x74:  # TUPLE
                        append(tuple(_pop_mark(stack, marks, at)[:CONTAINER_CAP]))
                    elif op == 0x7D:  # EMPTY_DICT
                        append(PDict())
                    elif op == 0x68:  # BINGET
                        key = buf[pos]
                        pos += 1
                        if key not in memo:
                            raise PickleError(f"memo value not found at index {key}", at)
                        append(memo[key])
                    elif op == 0x75:  # SETITEMS
                        items = _pop_mark(stack, marks, at)
                        if stack[-1] is MARK:
                            raise PickleError(UNDERFLOW, at)
                        if len(items) % 2:
                            raise PickleError("odd number of items for SETITEMS", at)
                        self._store(stack[-1], items, at)
                    elif op == 0x62:  # BUILD
                        state = stack.pop()
                        inst = stack[-1]
                        if state is MARK or inst is MARK:
                            raise PickleError(UNDERFLOW, at)
                        pos = self._build(inst, state, pos, at)
                    elif op == 0x65:  # APPENDS
                        items = _pop_mark(stack, marks, at)
                        if stack[-1] is MARK:
                            raise PickleError(UNDERFLOW, at)
                        self._append(stack[-1], items, at)
                    elif op == 0x73:  # SETITEM
                        v = stack.pop()
                        k = stack.pop()
                        if v is MARK or k is MARK or stack[-1] is MARK:
                            raise PickleError(UNDERFLOW, at)
                        self._store(stack[-1], [k, v], at)
                    elif op == 0x61:  # APPEND
                        v = stack.pop()
                        if v is MARK or stack[-1] is MARK:
                            raise PickleError(UNDERFLOW, at)
                        self._append(stack[-1], [v], at)
                    elif op == 0x72:  # LONG_BINPUT
                        if stack[-1] is MARK:
                            raise PickleError(UNDERFLOW, at)
                        memo[unpack_from("<I", buf, pos)[0]] = stack[-1]
                        pos += 4
                    elif op == 0x6A:  # LONG_BINGET
                        key = unpack_from("<I", buf, pos)[0]
                        pos += 4
                        if key not in memo:
                            raise PickleError(f"memo value not found at index {key}", at)
                        append(memo[key])
                    elif op == 0x6C:  # LIST
                        append(_pop_mark(stack, marks, at)[:CONTAINER_CAP])
                    elif op == 0x64:  # DICT
                        items = _pop_mark(stack, marks, at)
                        if len(items) % 2:
                            raise PickleError("odd number of items for DICT", at)
                        d = PDict()
                        d.items = list(zip(items[0::2], items[1::2], strict=True))[:CONTAINER_CAP]
                        append(d)
                    elif op == 0x69:  # INST
                        module, pos = _readline(buf, pos, end)
                        name, pos = _readline(buf, pos, end)
                        cls = self._import_text(module, name, at)
                        items = _pop_mark(stack, marks, at)
                        append(self._call(cls, tuple(items[:CONTAINER_CAP]), at, instantiate=True))
                    elif op == 0x6F:  # OBJ
                        items = _pop_mark(stack, marks, at)
                        if not items:
                            raise PickleError(UNDERFLOW, at)
                        append(self._call(items[0], tuple(items[1 : CONTAINER_CAP + 1]), at, instantiate=True))
                    elif op == 0x67 or op == 0x70:  # GET, PUT (protocol 0)
                        line, pos = _readline(buf, pos, end)
                        try:
                            key = int(line)
                        except ValueError:
                            raise PickleError("invalid memo key", at) from None
                        if op == 0x67:
                            if key not in memo:
                                raise PickleError(f"memo value not found at index {key}", at)
                            append(memo[key])
                        else:
                            if key < 0:
                                raise PickleError("negative PUT argument", at)
                            if stack[-1] is MARK:
                                raise PickleError(UNDERFLOW, at)
                            memo[key] = stack[-1]
                    else:
                        raise PickleError(f"invalid opcode 0x{op:02x}", at)
                else:  # protocol 2-5 opcodes
                    if op == 0x94:  # MEMOIZE
                        if stack[-1] is MARK:
                            raise PickleError(UNDERFLOW, at)
                        memo[len(memo)] = stack[-1]
                    elif op == 0x8C:  # SHORT_BINUNICODE
                        n = buf[pos] + pos + 1
                        append(buf[pos + 1 : n].decode("utf-8", "surrogatepass"))
                        pos = n
                    elif op == 0x80:  # PROTO
                        proto = buf[pos]
                        pos += 1
                        if proto > HIGHEST_PROTOCOL:
                            raise PickleError(f"unsupported pickle protocol: {proto}", at)
                    elif op == 0x85:  # TUPLE1
                        if stack[-1] is MARK:
                            raise PickleError(UNDERFLOW, at)
                        stack[-1] = (stack[-1],)
                    elif op == 0x93:  # STACK_GLOBAL
                        name = stack.pop()
                        module = stack[-1]
                        if name is MARK or module is MARK:
                            raise PickleError(UNDERFLOW, at)
                        stack[-1] = self._stack_global(module, name, at)
                    elif op == 0x89:  # NEWFALSE
                        append(False)
                    elif op == 0x88:  # NEWTRUE
                        append(True)
                    elif op == 0x95:  # FRAME
                        n = unpack_from("<Q", buf, pos)[0]
                        pos += 8
                        if n > end - pos:
                            raise PickleError("pickle data was truncated (frame)", at)
                    elif op == 0x87:  # TUPLE3
                        c = stack.pop()
                        b = stack.pop()
                        if c is MARK or b is MARK or stack[-1] is MARK:
                            raise PickleError(UNDERFLOW, at)
                        stack[-1] = (stack[-1], b, c)
                    elif op == 0x86:  # TUPLE2
                        b = stack.pop()
                        if b is MARK or stack[-1] is MARK:
                            raise PickleError(UNDERFLOW, at)
                        stack[-1] = (stack[-1], b)
                    elif op == 0x8E or op == 0x96:  # BINBYTES8, BYTEARRAY8
                        n = unpack_from("<Q", buf, pos)[0]
                        pos += 8
                        if n > end - pos:
                            raise PickleError("pickle data was truncated (bytes)", at)
                        append(BytesRef(pos, pos + n))
                        pos += n
                    elif op == 0x8A:  # LONG1
                        n = buf[pos]
                        pos += 1
                        append(int.from_bytes(buf[pos : pos + n], "little", signed=True))
                        pos += n
                    elif op == 0x81:  # NEWOBJ
                        args = stack.pop()
                        if args is MARK or stack[-1] is MARK:
                            raise PickleError(UNDERFLOW, at)
                        stack[-1] = self._call(stack[-1], args, at, instantiate=True)
                    elif op == 0x92:  # NEWOBJ_EX
                        kwargs = stack.pop()
                        args = stack.pop()
                        if kwargs is MARK or args is MARK or stack[-1] is MARK:
                            raise PickleError(UNDERFLOW, at)
                        stack[-1] = self._call(stack[-1], args, at, instantiate=True)
                    elif op == 0x8F:  # EMPTY_SET
                        append(SET)
                    elif op == 0x90:  # ADDITEMS
                        items = _pop_mark(stack, marks, at)
                        if stack[-1] is MARK:
                            raise PickleError(UNDERFLOW, at)
                        self._append(stack[-1], items, at)
                    elif op == 0x91:  # FROZENSET
                        _pop_mark(stack, marks, at)
                        append(SET)
                    elif op == 0x8D:  # BINUNICODE8
                        n = unpack_from("<Q", buf, pos)[0]
                        pos += 8
                        if n > end - pos:
                            raise PickleError("pickle data was truncated (string)", at)
                        append(_text(buf, pos, n))
                        pos += n
                    elif op == 0x8B:  # LONG4
                        n = unpack_from("<i", buf, pos)[0]
                        pos += 4
                        if n < 0 or n > end - pos:
                            raise PickleError("bad LONG4 byte count", at)
                        append(int.from_bytes(buf[pos : pos + n], "little", signed=True) if n <= 16 else FLOAT)
                        pos += n
                    elif op == 0x82 or op == 0x83 or op == 0x84:  # EXT1, EXT2, EXT4
                        width = {0x82: 1, 0x83: 2, 0x84: 4}[op]
                        code = int.from_bytes(buf[pos : pos + width], "little")
                        pos += width
                        if code <= 0:
                            raise PickleError("EXT specifies code <= 0", at)
                        self._ext = True
                        self._report("pickle.extension-code", Severity.DANGEROUS,
                                     f"imports the global registered as extension code {code}: the loading process's "
                                     "copyreg registry decides what that is, which no scanner can see",
                                     f"ext:{code}", at)
                        append(Global(None, None))
                    elif op == 0x97:  # NEXT_BUFFER
                        append(BUFFER)
                    elif op == 0x98:  # READONLY_BUFFER
                        if stack[-1] is MARK:
                            raise PickleError(UNDERFLOW, at)
                    else:
                        raise PickleError(f"invalid opcode 0x{op:02x}", at)
        except IndexError:  # reading past the data, or popping an empty stack
            raise PickleError("pickle data was truncated" if pos >= end else UNDERFLOW, min(pos, end)) from None
        except UnicodeDecodeError:
            raise PickleError("invalid UTF-8 in string", at) from None
        except PickleError:
            raise
        except Exception as exc:  # struct.error from reads past the end
            raise PickleError(f"malformed pickle: {exc}", pos) from None
        raise PickleError("pickle data was truncated (no STOP)", min(pos, end))

    # -- opcode semantics that involve the rules ------------------------------------------------------------

    @staticmethod
    def _parse_int(line: bytes, at: int):
        try:
            return int(line, 0)
        except ValueError:
            try:
                return int(line)
            except ValueError:
                raise PickleError("invalid INT literal", at) from None

    @staticmethod
    def _quoted_string(line: bytes, at: int):
        if len(line) < 2 or line[0] != line[-1] or line[0] not in b"'\"":
            raise PickleError("the STRING opcode argument must be quoted", at)
        if len(line) > MAX_DECODED_TEXT:
            return TEXT
        return codecs.escape_decode(line[1:-1])[0].decode("latin-1")

    def _import_text(self, module_b: bytes, name_b: bytes, at: int) -> Global:
        names = _text_global(module_b, name_b)
        if names is None:
            raise PickleError(f"not an importable global name: {module_b[:80]!r} {name_b[:80]!r}", at)
        return self._import(names[0], names[1], at)

    def _stack_global(self, module, name, at: int) -> Global:
        if type(module) is str and type(name) is str:
            if not _is_dotted_identifier(module) or not _is_dotted_identifier(name):
                raise PickleError(f"not an importable global name: {module!r} {name!r}", at)
            return self._import(module, name, at)
        if isinstance(module, _NOT_CALLABLE) and isinstance(name, _NOT_CALLABLE):
            raise PickleError("STACK_GLOBAL requires str", at)  # the unpickler rejects these too
        self._named_danger = True  # computing a name takes calls of imported globals
        self._report("pickle.dynamic-global", Severity.DANGEROUS,
                     "imports a global whose module or name is computed while loading, hiding what is imported",
                     None, at)
        return Global(None, None)

    def _call(self, func, args, at: int, instantiate: bool = False):
        self._called = True
        if isinstance(func, Global):
            role = func.role
            if role is NESTED_LOADER:
                self._nested_load(func.full, args, at)
            elif role is not None:
                self._check_accessor(role, args, at)
            if self._nested_loader_seen:
                self._check_loader_arguments(args, at)
        elif isinstance(func, Obj):
            inner = func.func
            if isinstance(inner, Global) and inner.role is not None and inner.role is not NESTED_LOADER:
                self._report("pickle.call-fetched-attribute", Severity.DANGEROUS,
                             "calls an attribute fetched by name while loading", None, at)
            else:
                self._report("pickle.computed-callable", Severity.SUSPICIOUS,
                             "calls an object that was itself created while loading", None, at)
        elif isinstance(func, _NOT_CALLABLE):
            raise PickleError(f"{'NEWOBJ' if instantiate else 'REDUCE'} on a non-callable", at)
        else:
            self._report("pickle.computed-callable", Severity.SUSPICIOUS,
                         "calls an object that was itself created while loading", None, at)
        return Obj(func, args)

    def _check_accessor(self, accessor, args, at: int) -> None:
        if not isinstance(args, tuple):
            if not isinstance(args, _NOT_CALLABLE):  # arguments computed while loading (a literal fails to load)
                self._report("pickle.dangerous-attribute", Severity.DANGEROUS,
                             f"{accessor.name} with arguments computed while loading", accessor.name, at)
            return
        names = args if accessor.arg is None else args[accessor.arg : accessor.arg + 1]
        for value in names:
            if type(value) is not str:
                self._report("pickle.dangerous-attribute", Severity.DANGEROUS,
                             f"{accessor.name} with an attribute name computed while loading", accessor.name, at)
                continue
            for part in value.split("."):
                if self.rules.is_dangerous_attribute(part) or part in self.rules.module_components:
                    self._report("pickle.dangerous-attribute", Severity.DANGEROUS,
                                 f"{accessor.name} fetches '{value}', which reaches code execution",
                                 f"{accessor.name}:{value}", at)
                    break

    def _check_loader_arguments(self, args, at: int) -> None:
        """A nested loader handed to another callable can be called with bytes that were never scanned."""
        if isinstance(args, tuple):
            for value in args:
                if isinstance(value, Global) and value.role is NESTED_LOADER:
                    self._report("pickle.indirect-nested-load", Severity.SUSPICIOUS,
                                 f"passes {value.full} to another callable, which may load unscanned bytes",
                                 value.full, at)

    def _nested_load(self, full: str, args, at: int) -> None:
        if isinstance(args, tuple) and len(args) == 1 and isinstance(args[0], BytesRef) and self.on_nested:
            self.on_nested(args[0].start, args[0].end, at)
        else:
            self._report("pickle.indirect-nested-load", Severity.SUSPICIOUS,
                         f"{full} loads bytes computed while loading, which cannot be scanned", full, at)

    def _store(self, target, items: list, at: int) -> None:
        if isinstance(target, PDict):
            if len(target.items) < CONTAINER_CAP:
                target.items.extend(zip(items[0::2], items[1::2], strict=True))
                del target.items[CONTAINER_CAP:]
        elif isinstance(target, Global):
            self._mutates_global(target, at)

    def _append(self, target, items: list, at: int) -> None:
        if type(target) is list:
            if len(target) < CONTAINER_CAP:
                target.extend(items[: CONTAINER_CAP - len(target)])
        elif isinstance(target, Global):
            self._mutates_global(target, at)

    def _mutates_global(self, target: Global, at: int) -> None:
        self._report("pickle.global-mutation", Severity.DANGEROUS,
                     f"modifies the imported object {target.full} itself (module-level state)", target.full, at)

    def _build(self, inst, state, pos: int, at: int) -> int:
        if isinstance(inst, Global):
            self._mutates_global(inst, at)
            return pos
        # A (dict, slots) state sets the slots part with setattr, which can replace object internals
        # (__class__, __code__ ...); the dict part only fills the instance __dict__.
        slots = state[1] if isinstance(state, tuple) and len(state) == 2 else None
        if isinstance(slots, PDict):
            for key, _ in slots.items:
                if type(key) is str and self.rules.is_special_attribute(key):
                    self._report("pickle.dangerous-state", Severity.DANGEROUS,
                                 f"sets the attribute '{key}' while loading (object internals)", key, at)
        if isinstance(inst, Obj):
            inst.state = state
            func = inst.func
            if isinstance(func, Global) and func.name == "NumpyArrayWrapper" and func.module in JOBLIB_MODULES:
                return self._skip_joblib_array(state, pos, at)
        return pos

    def _skip_joblib_array(self, state, pos: int, at: int) -> int:
        """joblib writes an array's raw bytes right after its wrapper's BUILD; its unpickler reads them there."""
        self.saw_joblib = True
        try:
            has_object, span = inline_array_span(state, self.buf, pos, self.end)
        except ArrayLayoutError as exc:
            raise PickleError(f"joblib array block cannot be skipped: {exc}", at) from None
        if has_object:
            return self._nested_pickle(pos)
        if span > self.end - pos:
            raise PickleError("joblib array block runs past the end of the data", at)
        return pos + span


UNDERFLOW = "unpickling stack underflow"


def _pop_mark(stack: list, marks: list, at: int) -> list:
    """Pop the last MARK and everything above it; return what was above it."""
    if not marks:
        raise PickleError("MARK not found", at)
    k = marks.pop()
    items = stack[k + 1 :]
    del stack[k:]
    return items


def _readline(buf, at: int, end: int):
    nl = buf.find(b"\n", at, end)
    if nl < 0:
        raise PickleError("pickle data was truncated (no end of line)", at)
    return buf[at:nl], nl + 1


def _text(buf, a: int, n: int):
    """A decoded string, or TEXT for long ones (never needed as names, so never decoded)."""
    if n > MAX_DECODED_TEXT:
        return TEXT
    return buf[a : a + n].decode("utf-8", "surrogatepass")


@lru_cache(maxsize=4096)
def _is_dotted_identifier(text: str) -> bool:
    return bool(text) and all(part.isidentifier() for part in text.split("."))


@lru_cache(maxsize=4096)
def _text_global(module_b: bytes, name_b: bytes) -> tuple[str, str] | None:
    """(module, name) of a GLOBAL or INST argument, or None unless both are UTF-8 dotted identifiers."""
    try:
        module, name = module_b.decode("utf-8"), name_b.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _is_dotted_identifier(module) and _is_dotted_identifier(name):
        return module, name
    return None
