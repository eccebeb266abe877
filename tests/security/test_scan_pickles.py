"""Pickle streams: every protocol, the reported scanner bypasses, and benign pickles that must stay safe."""

import os
import pickle
import struct
from collections import OrderedDict

import pytest

from aicommons.security import Severity, Verdict, scan_bytes

from .crafted import (
    BUILD,
    COMMAND,
    EMPTY_DICT,
    EMPTY_TUPLE,
    MARK,
    MEMOIZE,
    NEWOBJ_EX,
    POP,
    REDUCE,
    SETITEMS,
    STACK_GLOBAL,
    STOP,
    TUPLE,
    TUPLE2,
    Evil,
    binget,
    binput,
    binunicode,
    call,
    glob,
    proto,
    rce,
    stack_global,
    text,
)


def rules(result):
    return {f.rule_id for f in result.findings}


def names(result):
    return {f.name for f in result.findings}


@pytest.mark.parametrize("protocol", range(6))
def test_plain_data_is_safe_in_every_protocol(protocol):
    data = {"a": [1, 2.5, "x", b"bytes", None, True], "b": (1, 2), "c": {3, 4}, "d": OrderedDict(z=1)}
    result = scan_bytes(pickle.dumps(data, protocol=protocol))
    assert result.verdict is Verdict.SAFE, result.findings
    assert result.format == "pickle"


@pytest.mark.parametrize("protocol", range(6))
def test_os_system_is_dangerous_in_every_protocol(protocol):
    result = scan_bytes(pickle.dumps(Evil(), protocol=protocol))
    assert result.verdict is Verdict.DANGEROUS
    assert f"{os.system.__module__}.system" in names(result)


@pytest.mark.parametrize("module,name", [
    ("os", "system"), ("posix", "popen"), ("nt", "system"), ("subprocess", "Popen"), ("subprocess", "check_output"),
    ("builtins", "eval"), ("builtins", "exec"), ("builtins", "compile"), ("builtins", "__import__"),
    ("runpy", "_run_code"), ("webbrowser", "open"), ("socket", "create_connection"), ("shutil", "rmtree"),
    ("pty", "spawn"), ("importlib", "import_module"), ("pickle", "loads"), ("_pickle", "loads"),
    ("marshal", "loads"), ("torch", "load"), ("torch.serialization", "load"), ("types", "CodeType"),
    ("numpy.testing._private.utils", "runstring"), ("pkgutil", "resolve_name"), ("mailcap", "findmatch"),
    ("multiprocessing.util", "spawnv_passfds"), ("pandas", "read_csv"), ("numpy", "load"), ("ctypes", "CDLL"),
    ("code", "InteractiveInterpreter"), ("asyncio", "create_subprocess_shell"), ("sys", "modules"),
])
@pytest.mark.parametrize("stacked", [False, True])
def test_known_code_execution_names_are_dangerous(module, name, stacked):
    result = scan_bytes(rce(module, name, protocol=4 if stacked else 2))
    assert result.verdict is Verdict.DANGEROUS, result.findings
    assert f"{module}.{name}" in names(result)


def test_python2_builtin_names_are_mapped_like_the_unpickler_does():
    assert scan_bytes(rce("__builtin__", "eval", protocol=2)).verdict is Verdict.DANGEROUS
    reconstructor = proto(2) + call(glob("copy_reg", "_reconstructor"), glob("__builtin__", "object"),
                                     glob("__builtin__", "object"), b"N") + STOP
    assert scan_bytes(reconstructor).verdict is Verdict.SAFE


def test_unknown_global_is_suspicious_and_named():
    result = scan_bytes(proto(2) + call(glob("mypackage.models", "Net")) + STOP)
    assert result.verdict is Verdict.SUSPICIOUS
    finding = result.findings[0]
    assert (finding.rule_id, finding.name, finding.offset) == ("pickle.unknown-global", "mypackage.models.Net", 2)


def test_stack_global_with_memoised_strings():
    # names stored with MEMOIZE and BINPUT, popped, then fetched back for STACK_GLOBAL
    data = (proto(4) + binunicode("os") + MEMOIZE + POP + text("system") + binput(7) + POP
            + binget(0) + binget(7) + STACK_GLOBAL + text(COMMAND) + b"\x85" + REDUCE + STOP)
    result = scan_bytes(data)
    assert result.verdict is Verdict.DANGEROUS
    assert "os.system" in names(result)


def test_memo_confusion_mixing_put_and_memoize():
    # BINPUT 1 then MEMOIZE: MEMOIZE uses len(memo) == 1 and overwrites slot 1, so slot 1 holds "os".
    # A scanner counting MEMOIZE separately resolves slot 1 to "torch" and sees the harmless torch.system.
    data = (proto(4) + text("torch") + binput(1) + POP + text("os") + MEMOIZE + POP
            + binget(1) + text("system") + STACK_GLOBAL + text(COMMAND) + b"\x85" + REDUCE + STOP)
    result = scan_bytes(data)
    assert "os.system" in names(result)
    assert "torch.system" not in names(result)


def test_stack_global_with_a_name_computed_at_load_time():
    # only allowlisted globals, but the module name comes out of a call: the import cannot be known statically
    computed_module = call(stack_global("builtins", "str"), text("os"))
    data = proto(4) + computed_module + text("system") + STACK_GLOBAL + text(COMMAND) + b"\x85" + REDUCE + STOP
    result = scan_bytes(data)
    assert result.verdict is Verdict.DANGEROUS
    assert "pickle.dynamic-global" in rules(result)


def test_second_pickle_after_stop_is_scanned():
    result = scan_bytes(pickle.dumps({"weights": [1, 2]}) + pickle.dumps(Evil()))
    assert result.verdict is Verdict.DANGEROUS
    assert result.findings[0].offset > len(pickle.dumps({"weights": [1, 2]})) - 1


def test_broken_pickle_with_payload_first_is_dangerous_and_invalid():
    payload = pickle.dumps(Evil(), protocol=2)[:-1] + b"\xff\xfe"  # STOP replaced by garbage
    result = scan_bytes(payload)
    assert result.verdict is Verdict.DANGEROUS
    assert {"pickle.parse-error"} <= rules(result)


@pytest.mark.parametrize("opcode,code", [(b"\x82", b"\xf0"), (b"\x83", b"\xf0\x00"), (b"\x84", b"\xf0\x00\x00\x00")])
def test_extension_registry_opcodes_are_dangerous(opcode, code):
    data = proto(2) + opcode + code + MARK + text(COMMAND) + TUPLE + REDUCE + STOP
    result = scan_bytes(data)
    assert result.verdict is Verdict.DANGEROUS
    assert "pickle.extension-code" in rules(result)


def test_inst_and_obj_opcodes():
    inst = b"(S'" + COMMAND.encode() + b"'\nios\nsystem\n."
    obj = b"(cos\nsystem\nS'" + COMMAND.encode() + b"'\no."
    for data in (inst, obj):
        result = scan_bytes(data)
        assert result.verdict is Verdict.DANGEROUS, data
        assert "os.system" in names(result)


def test_newobj_ex_of_popen():
    data = proto(4) + stack_global("subprocess", "Popen") + MARK + text(COMMAND) + TUPLE + EMPTY_DICT + NEWOBJ_EX + STOP
    assert scan_bytes(data).verdict is Verdict.DANGEROUS


def test_getattr_chain_to_a_dangerous_attribute():
    # getattr(getattr(collections.OrderedDict, "__init__"), "__globals__"): allowlisted class, internals reached
    inner = call(glob("builtins", "getattr"), glob("collections", "OrderedDict"), text("__init__"))
    data = proto(4) + call(glob("builtins", "getattr"), inner, text("__globals__")) + STOP
    result = scan_bytes(data)
    assert result.verdict is Verdict.DANGEROUS
    assert "pickle.dangerous-attribute" in rules(result)


def test_getattr_with_a_harmless_name_is_only_suspicious():
    data = proto(4) + call(glob("builtins", "getattr"), glob("collections", "OrderedDict"), text("fromkeys")) + STOP
    assert scan_bytes(data).verdict is Verdict.SUSPICIOUS


def test_getattr_with_a_computed_name_is_dangerous():
    name = call(glob("builtins", "str"), text("sys" + "tem"))
    data = proto(4) + call(glob("builtins", "getattr"), glob("collections", "OrderedDict"), name) + STOP
    assert "pickle.dangerous-attribute" in rules(scan_bytes(data))


@pytest.mark.parametrize("accessor,args", [("attrgetter", ("os.system",)), ("methodcaller", ("system", COMMAND))])
def test_operator_accessors_on_dangerous_names(accessor, args):
    data = proto(4) + call(glob("operator", accessor), *(text(a) for a in args)) + STOP
    result = scan_bytes(data)
    assert result.verdict is Verdict.DANGEROUS
    assert "pickle.dangerous-attribute" in rules(result)


def test_calling_a_fetched_attribute_is_dangerous():
    fetched = call(glob("builtins", "getattr"), glob("collections", "OrderedDict"), text("fromkeys"))
    data = proto(2) + call(fetched, text("x")) + STOP
    assert "pickle.call-fetched-attribute" in rules(scan_bytes(data))


def test_reaching_builtins_through_an_allowed_module():
    result = scan_bytes(proto(2) + glob("numpy", "__builtins__") + STOP)
    assert result.verdict is Verdict.DANGEROUS
    result = scan_bytes(proto(4) + stack_global("numpy.testing._private.utils", "os.system") + STOP)
    assert result.verdict is Verdict.DANGEROUS


def test_build_that_rewrites_an_imported_function():
    # BUILD on a global sets attributes on the module-level object itself (modelscan 89: numpy.prod)
    state = EMPTY_DICT + MARK + text("__code__") + b"N" + SETITEMS
    result = scan_bytes(proto(4) + glob("numpy", "prod") + state + BUILD + STOP)
    assert result.verdict is Verdict.DANGEROUS
    assert "pickle.global-mutation" in rules(result)


def test_build_slot_state_replacing_object_internals():
    instance = call(glob("collections", "OrderedDict"))
    slots = EMPTY_DICT + text("__class__") + glob("builtins", "dict") + b"s"
    data = proto(4) + instance + b"N" + slots + TUPLE2 + BUILD + STOP
    assert "pickle.dangerous-state" in rules(scan_bytes(data))


def test_ordinary_instance_state_is_not_flagged():
    instance = call(glob("collections", "OrderedDict"))
    state = EMPTY_DICT + MARK + text("system") + text("x") + text("_metadata") + b"N" + SETITEMS
    assert scan_bytes(proto(4) + instance + state + BUILD + STOP).verdict is Verdict.SAFE


def test_malformed_pickles_are_invalid():
    for data in (proto(2) + b"K", proto(2) + b"\xff", proto(2) + proto(9) + b"N.", proto(2) + b"R.",
                 proto(2) + binget(3) + STOP,
                 proto(4) + text("os") + b"K\x01" + STACK_GLOBAL + STOP):
        result = scan_bytes(data)
        assert result.verdict is Verdict.INVALID, data
        assert rules(result) == {"pickle.parse-error"}


def test_text_that_starts_like_an_opcode_is_not_a_pickle():
    for data in (b"cats are nice\ndogs too\n", b"In the beginning\n", b'{"a": 1}', b"(1, 2)\n", b"Version 2\n"):
        result = scan_bytes(data)
        assert result.verdict is Verdict.SAFE, (data, result.findings)
        assert result.format == "text"


def test_protocol_zero_payload_without_magic_is_found():
    assert scan_bytes(b"cos\nsystem\n(S'" + COMMAND.encode() + b"'\ntR.").verdict is Verdict.DANGEROUS


def test_long_payload_strings_are_skipped_not_decoded():
    blob = b"B" + struct.pack("<I", 5_000_000) + b"\x00" * 5_000_000
    big_text = binunicode("x" * 100_000)
    data = proto(4) + MARK + blob + big_text + TUPLE + POP + rce("os", "system", 4)[2:]
    assert scan_bytes(data).verdict is Verdict.DANGEROUS


def test_findings_are_deduplicated_but_keep_the_first_offset():
    data = proto(2) + MARK + call(glob("mypkg", "A")) + call(glob("mypkg", "A")) + TUPLE + STOP
    result = scan_bytes(data)
    assert [(f.name, f.offset) for f in result.findings] == [("mypkg.A", 3)]
    assert all(f.severity is Severity.SUSPICIOUS for f in result.findings)


def test_empty_ordered_dict_is_safe():
    # EMPTY_TUPLE and REDUCE of an allowlisted container: the common OrderedDict() pattern
    data = proto(2) + glob("collections", "OrderedDict") + EMPTY_TUPLE + REDUCE + STOP
    assert scan_bytes(data).verdict is Verdict.SAFE
